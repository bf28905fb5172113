"""One full paper-mode run per method on one device, saved as JSON; or the CUDA-CPU differences of two such files.

  python -m antidistill gpu-compare run --device cuda --out cuda.json [--threads N] [--repeat xavier] [--profile paper]
  python -m antidistill gpu-compare diff cuda.json cpu.json
  python -m antidistill gpu-compare stack --device cuda --seeds 10 [--profile paper] [--mode paper] [--out stack.json]
                                    [--repeat xavier] [--methods a,b]

Part of tools/gpu_check.sh. Anti-Distillation's lambdas are fixed here (not searched): the point
is the device, not the method. ``--repeat`` runs the named methods a second time in a fresh
store, to show that the same seed on the same device gives the same numbers. ``stack`` times
every method with its seeds trained as one stack (what a book build does), compares seed 0
of the stack with seed 0 run alone, and saves seed 0 alone in `run`'s format, so that `diff`
can compare it with a CPU `run`.

Both comparisons give the accuracy as grown (before D2 training) apart from the curves after it.
With these fixed lambdas, paper mode's lambda4 = 0.1 leaves Anti-Distillation's pre-trained
student nearly flat (on the CPU, seed 0: D1 cross-entropy 1.35 after 15 epochs and a median
top-2 logit margin of 0.07 on the test set, against 0.11 and 3.4 with lambda4 = 0). Its accuracy
as grown then turns on rounding (seed 0 read 0.10 on one machine's CPU cores, 0.37-0.40 on
another's and on CUDA), and so, after D2 training, does its weight-noise curve (0.58 against 0.70 at the largest
eps). Gaps of that size in that method's row are this knife edge, which any rounding tips.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from ..experiment import run_seeds
from ..growth import METHODS
from ..profiles import PROFILES
from ..store import Store

LAMBDAS = {"antidistill_l4_0": (1.0, 0.01, 0.5, 0.0), "antidistill": (1.0, 0.01, 0.5, 0.1)}


def _summary(result: dict) -> dict:
    return {
        "val_acc": result["val_acc"],
        "history": [r["val_acc"] for r in result["history"]],
        "fgsm": result["fgsm"]["acc"],
        "weight_noise": result["weight_noise"]["acc"],
        "wall_time_s": result["wall_time_s"],
        "device": result["device"],
    }


def _gaps(x: dict, y: dict) -> dict[str, float]:
    """|x - y| of two summaries: the accuracy as grown, and the largest over each curve after it."""
    curves = {"history": (x["history"][1:], y["history"][1:])} | {k: (x[k], y[k]) for k in ("fgsm", "weight_noise")}
    gaps = {"grown": abs(x["history"][0] - y["history"][0])}
    return gaps | {k: max(abs(p - q) for p, q in zip(a, b)) for k, (a, b) in curves.items()}


def run(device: str, out: Path, threads: int | None, repeat: list[str], profile: str) -> None:
    if threads:
        torch.set_num_threads(threads)
    results: dict = {"torch": torch.__version__, "profile": profile, "runs": {}, "repeats": {}}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        for method in METHODS:
            cfg = PROFILES[profile].config(method, 0, "paper", LAMBDAS.get(method))
            results["runs"][method] = _summary(run_seeds([cfg], Store(a), device=device, progress=False)[0])
            print(
                f"{device} {method}: {results['runs'][method]['val_acc']:.4f} "
                f"({results['runs'][method]['wall_time_s']:.1f} s)",
                flush=True,
            )
            out.write_text(json.dumps(results, indent=1))
        for method in repeat:
            cfg = PROFILES[profile].config(method, 0, "paper", LAMBDAS.get(method))
            again = _summary(run_seeds([cfg], Store(b), device=device, progress=False)[0])
            first = results["runs"][method]
            same = all(first[k] == again[k] for k in ("history", "fgsm", "weight_noise"))
            results["repeats"][method] = same
            print(f"{device} {method} again: {'identical' if same else 'DIFFERENT'}", flush=True)
            out.write_text(json.dumps(results, indent=1))


def stack(
    device: str,
    n_seeds: int,
    profile: str,
    out: Path | None,
    repeat: list[str],
    methods: list[str],
    mode: str = "paper",
) -> None:
    times: dict = {}
    # Seed 0 alone, in `run`'s format: `diff` compares it with a CPU run of the same configs.
    record: dict = {
        "torch": torch.__version__,
        "profile": profile,
        "mode": mode,
        "seeds": n_seeds,
        "device": device,
        "methods": times,
        "runs": {},
        "repeats": {},
    }
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, tempfile.TemporaryDirectory() as c:
        for method in methods:
            cfgs = [PROFILES[profile].config(method, s, mode, LAMBDAS.get(method)) for s in range(n_seeds)]
            start = time.perf_counter()
            together = run_seeds(cfgs, Store(a), device=device, progress=False)
            seconds = time.perf_counter() - start
            alone = _summary(run_seeds([cfgs[0]], Store(b), device=device, progress=False)[0])
            first = _summary(together[0])
            gaps = _gaps(first, alone)
            gap = max(gaps[k] for k in ("history", "fgsm", "weight_noise"))
            times[method] = {
                "seconds": seconds,
                "single_seed_seconds": alone["wall_time_s"],
                "max_diff_seed0": gap,
                "grown_diff_seed0": gaps["grown"],
            }
            record["runs"][method] = alone
            print(
                f"{device} {mode} mode, {method}: {n_seeds} seeds as one stack {seconds:.1f} s ({seconds / n_seeds:.2f} s a seed; "
                f"one seed alone {alone['wall_time_s']:.1f} s); seed 0 stacked vs alone, max |diff| {gap:.4f} "
                f"from D2 epoch 1 on, {gaps['grown']:.4f} as grown",
                flush=True,
            )
            if out:
                out.write_text(json.dumps(record, indent=1))
        for method in repeat:
            again = _summary(
                run_seeds(
                    [PROFILES[profile].config(method, 0, mode, LAMBDAS.get(method))],
                    Store(c),
                    device=device,
                    progress=False,
                )[0]
            )
            first = record["runs"][method]
            record["repeats"][method] = all(first[k] == again[k] for k in ("history", "fgsm", "weight_noise"))
            print(
                f"{device} {mode} mode, {method} alone, again: {'identical' if record['repeats'][method] else 'DIFFERENT'}",
                flush=True,
            )
            if out:
                out.write_text(json.dumps(record, indent=1))
    total = sum(t["seconds"] for t in times.values())
    print(
        f"{device}, {mode} mode: {len(times)} methods x {n_seeds} seeds, {profile} schedules, fixed lambdas: "
        f"{total:.1f} s"
    )


def diff(cuda: Path, cpu: Path) -> int:
    a, b = json.loads(cuda.read_text()), json.loads(cpu.read_text())
    print(
        f"CUDA - CPU, paper mode, {a['profile']} profile, seed 0 (torch {a['torch']}); |diff| of the accuracy as grown, "
        f"max |diff| over each curve after it"
    )
    print(
        f"{'method':18s} {'acc cuda':>9s} {'acc cpu':>8s} {'d acc':>8s} {'d grown':>8s} {'max d epoch':>11s} "
        f"{'max d fgsm':>10s} {'max d noise':>11s} {'s cuda':>7s} {'s cpu':>6s}"
    )
    for method in METHODS:
        if method not in a["runs"] or method not in b["runs"]:
            print(f"{method:18s} missing")
            continue
        x, y = a["runs"][method], b["runs"][method]
        gap = _gaps(x, y)
        print(
            f"{method:18s} {x['val_acc']:9.4f} {y['val_acc']:8.4f} {x['val_acc'] - y['val_acc']:+8.4f} "
            f"{gap['grown']:8.4f} {gap['history']:11.4f} {gap['fgsm']:10.4f} {gap['weight_noise']:11.4f} "
            f"{x['wall_time_s']:7.1f} {y['wall_time_s']:6.1f}"
        )
    for name, data in (("cuda", a), ("cpu", b)):
        for method, same in data["repeats"].items():
            print(f"same seed, same device ({name}), {method}: {'identical' if same else 'DIFFERENT'}")
    return 0 if all(a["repeats"].values()) and all(b["repeats"].values()) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m antidistill gpu-compare", description=__doc__.split("\n\n")[0])
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
    args = parser.parse_args(argv)
    if args.command == "run":
        run(args.device, args.out, args.threads, [m for m in args.repeat.split(",") if m], args.profile)
        return 0
    if args.command == "stack":
        methods = [m for m in args.methods.split(",") if m]
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            parser.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
        stack(
            args.device,
            args.seeds,
            args.profile,
            args.out,
            [m for m in args.repeat.split(",") if m],
            methods,
            args.mode,
        )
        return 0
    return diff(args.cuda, args.cpu)
