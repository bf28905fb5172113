"""One full paper-mode run per method on one device, saved as JSON; or the CUDA-CPU differences of two such files.

  python tools/gpu_compare.py run --device cuda --out cuda.json [--threads N] [--repeat xavier] [--profile paper]
  python tools/gpu_compare.py diff cuda.json cpu.json
  python tools/gpu_compare.py stack --device cuda --seeds 10 [--profile paper] [--mode paper] [--out stack.json]
                                    [--repeat xavier] [--methods a,b]

Part of tools/gpu_check.sh. Anti-Distillation's lambdas are fixed here (not searched): the point
is the device, not the method. ``--repeat`` runs the named methods a second time in a fresh
store, to show that the same seed on the same device gives the same numbers. ``stack`` times
every method with its seeds trained as one stack (what a book build does), compares seed 0
of the stack with seed 0 run alone, and saves seed 0 alone in `run`'s format, so that `diff`
can compare it with a CPU `run`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from antidistill.experiment import run_experiment, run_seeds  # noqa: E402
from antidistill.growth import METHODS  # noqa: E402
from antidistill.profiles import PROFILES  # noqa: E402
from antidistill.store import Store  # noqa: E402

LAMBDAS = {"antidistill_l4_0": (1.0, 0.01, 0.5, 0.0), "antidistill": (1.0, 0.01, 0.5, 0.1)}


def _summary(result: dict) -> dict:
    return {"val_acc": result["val_acc"], "history": [r["val_acc"] for r in result["history"]],
            "fgsm": result["fgsm"]["acc"], "weight_noise": result["weight_noise"]["acc"],
            "wall_time_s": result["wall_time_s"], "device": result["device"]}


def run(device: str, out: Path, threads: int | None, repeat: list[str], profile: str) -> None:
    if threads:
        torch.set_num_threads(threads)
    results: dict = {"torch": torch.__version__, "profile": profile, "runs": {}, "repeats": {}}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        for method in METHODS:
            cfg = PROFILES[profile].config(method, 0, "paper", LAMBDAS.get(method))
            results["runs"][method] = _summary(run_experiment(cfg, Store(a), device=device, progress=False))
            print(f"{device} {method}: {results['runs'][method]['val_acc']:.4f} "
                  f"({results['runs'][method]['wall_time_s']:.1f} s)", flush=True)
            out.write_text(json.dumps(results, indent=1))
        for method in repeat:
            cfg = PROFILES[profile].config(method, 0, "paper", LAMBDAS.get(method))
            again = _summary(run_experiment(cfg, Store(b), device=device, progress=False))
            first = results["runs"][method]
            same = all(first[k] == again[k] for k in ("history", "fgsm", "weight_noise"))
            results["repeats"][method] = same
            print(f"{device} {method} again: {'identical' if same else 'DIFFERENT'}", flush=True)
            out.write_text(json.dumps(results, indent=1))


def stack(device: str, n_seeds: int, profile: str, out: Path | None, repeat: list[str], methods: list[str],
          mode: str = "paper") -> None:
    times: dict = {}
    # Seed 0 alone, in `run`'s format: `diff` compares it with a CPU run of the same configs.
    record: dict = {"torch": torch.__version__, "profile": profile, "mode": mode, "seeds": n_seeds, "device": device,
                    "methods": times, "runs": {}, "repeats": {}}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, tempfile.TemporaryDirectory() as c:
        for method in methods:
            cfgs = [PROFILES[profile].config(method, s, mode, LAMBDAS.get(method)) for s in range(n_seeds)]
            start = time.perf_counter()
            together = run_seeds(cfgs, Store(a), device=device, progress=False)
            seconds = time.perf_counter() - start
            alone = _summary(run_experiment(cfgs[0], Store(b), device=device, progress=False))
            first = _summary(together[0])
            gap = max(abs(p - q) for k in ("history", "fgsm", "weight_noise") for p, q in zip(first[k], alone[k]))
            times[method] = {"seconds": seconds, "single_seed_seconds": alone["wall_time_s"], "max_diff_seed0": gap}
            record["runs"][method] = alone
            print(f"{device} {mode} mode, {method}: {n_seeds} seeds as one stack {seconds:.1f} s ({seconds / n_seeds:.2f} s a seed; "
                  f"one seed alone {alone['wall_time_s']:.1f} s); seed 0 stacked vs alone, max |diff| {gap:.4f}",
                  flush=True)
            if out:
                out.write_text(json.dumps(record, indent=1))
        for method in repeat:
            again = _summary(run_experiment(PROFILES[profile].config(method, 0, mode, LAMBDAS.get(method)),
                                            Store(c), device=device, progress=False))
            first = record["runs"][method]
            record["repeats"][method] = all(first[k] == again[k] for k in ("history", "fgsm", "weight_noise"))
            print(f"{device} {mode} mode, {method} alone, again: {'identical' if record['repeats'][method] else 'DIFFERENT'}",
                  flush=True)
            if out:
                out.write_text(json.dumps(record, indent=1))
    total = sum(t["seconds"] for t in times.values())
    print(f"{device}, {mode} mode: {len(times)} methods x {n_seeds} seeds, {profile} schedules, fixed lambdas: "
          f"{total:.1f} s")


def diff(cuda: Path, cpu: Path) -> int:
    a, b = json.loads(cuda.read_text()), json.loads(cpu.read_text())
    print(f"CUDA - CPU, paper mode, {a['profile']} profile, seed 0 (torch {a['torch']}); max |diff| over each curve")
    print(f"{'method':18s} {'acc cuda':>9s} {'acc cpu':>8s} {'d acc':>8s} {'max d epoch':>11s} "
          f"{'max d fgsm':>10s} {'max d noise':>11s} {'s cuda':>7s} {'s cpu':>6s}")
    for method in METHODS:
        if method not in a["runs"] or method not in b["runs"]:
            print(f"{method:18s} missing")
            continue
        x, y = a["runs"][method], b["runs"][method]
        gap = {k: max(abs(p - q) for p, q in zip(x[k], y[k])) for k in ("history", "fgsm", "weight_noise")}
        print(f"{method:18s} {x['val_acc']:9.4f} {y['val_acc']:8.4f} {x['val_acc'] - y['val_acc']:+8.4f} "
              f"{gap['history']:11.4f} {gap['fgsm']:10.4f} {gap['weight_noise']:11.4f} "
              f"{x['wall_time_s']:7.1f} {y['wall_time_s']:6.1f}")
    for name, data in (("cuda", a), ("cpu", b)):
        for method, same in data["repeats"].items():
            print(f"same seed, same device ({name}), {method}: {'identical' if same else 'DIFFERENT'}")
    return 0 if all(a["repeats"].values()) and all(b["repeats"].values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--device", required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--threads", type=int)
    r.add_argument("--repeat", default="xavier", help="comma-separated methods to run twice")
    r.add_argument("--profile", default="paper", choices=list(PROFILES), help="schedules and data (default: paper)")
    st = sub.add_parser("stack")
    st.add_argument("--device", required=True)
    st.add_argument("--seeds", type=int, default=10)
    st.add_argument("--profile", default="paper", choices=list(PROFILES))
    st.add_argument("--out", type=Path)
    st.add_argument("--repeat", default="xavier", help="comma-separated methods whose seed 0 runs alone twice")
    st.add_argument("--methods", default=",".join(METHODS), help="comma-separated methods (default: all)")
    st.add_argument("--mode", default="paper", choices=["paper", "authors"], help="protocol (default: paper)")
    d = sub.add_parser("diff")
    d.add_argument("cuda", type=Path)
    d.add_argument("cpu", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        run(args.device, args.out, args.threads, [m for m in args.repeat.split(",") if m], args.profile)
        return 0
    if args.command == "stack":
        methods = [m for m in args.methods.split(",") if m]
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            parser.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
        stack(args.device, args.seeds, args.profile, args.out, [m for m in args.repeat.split(",") if m], methods,
              args.mode)
        return 0
    return diff(args.cuda, args.cpu)


if __name__ == "__main__":
    sys.exit(main())
