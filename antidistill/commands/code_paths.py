"""Measures what the CPU code path changes: the same runs under the pinned path and under paths
other CPUs take (``numerics.EMULATED``), each in a fresh process, then each seed's Table I metrics
minus the pinned path's.

    python -m antidistill code-paths OUT [--methods xavier,antidistill_l4_0] [--seeds 0,1,...,9] [--mode paper]
                               [--paths native,compatible] [--lambdas 1,0.01,0.5,0] [--compare-only]

Runs go to OUT/<path>/ (resumable: a saved run is reused); the default configs of the mode.
With ``--mode authors`` it shows which of their rows turn on last-bit rounding (a student that
loses a class on one path and not on another).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from ..numerics import EMULATED, can_run, forced

METRICS = {
    "accuracy": lambda r: r["val_acc"],
    "FGSM": lambda r: r["fgsm"]["acc"][-1],
    "weight noise": lambda r: r["weight_noise"]["acc"][-1],
}


def run(out: Path, path: str, method: str, seeds: list[int], lambdas: str, mode: str = "paper") -> None:
    env = forced(EMULATED.get(path, {}))
    cmd = [
        sys.executable,
        "-m",
        "antidistill",
        "run",
        "--mode",
        mode,
        "--method",
        method,
        "--seeds",
        ",".join(map(str, seeds)),
        "--out",
        str(out / path),
        "--device",
        "cpu",
        "--quiet",
    ]
    if method.startswith("antidistill"):
        cmd += ["--lambdas", lambdas]
    print(f"{path}: {method} seeds {seeds[0]}-{seeds[-1]}", flush=True)
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)


def saved(folder: Path, mode: str) -> dict[tuple[str, int], dict]:
    found = {}
    for file in sorted((folder / "runs").glob("*.json")):
        r = json.loads(file.read_text())
        if r["mode"] == mode:
            found[r["method"], r["seed"]] = r
    return found


def compare(out: Path, paths: list[str], methods: list[str], seeds: list[int], mode: str = "paper") -> None:
    base = saved(out / "pinned", mode)
    for path in paths:
        other = saved(out / path, mode)
        for method in methods:
            print(f"\n{path} - pinned, {method}, per seed:")
            for name, metric in METRICS.items():
                deltas = [
                    metric(other[method, s]) - metric(base[method, s])
                    for s in seeds
                    if (method, s) in base and (method, s) in other
                ]
                if not deltas:
                    continue
                shown = " ".join(f"{d:+.4f}" for d in deltas)
                same = sum(d == 0 for d in deltas)
                print(
                    f"  {name:13s} {shown}   identical {same}/{len(deltas)}, "
                    f"largest |d| {max(map(abs, deltas)):.4f}, mean {sum(deltas) / len(deltas):+.4f}"
                )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m antidistill code-paths",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--methods", default="xavier,antidistill_l4_0")
    parser.add_argument("--seeds", default=",".join(map(str, range(10))))
    parser.add_argument("--paths", default="native,compatible")
    parser.add_argument("--lambdas", default="1,0.01,0.5,0", help="for the antidistill methods (default: %(default)s)")
    parser.add_argument("--mode", default="paper", choices=("paper", "authors"))
    parser.add_argument("--compare-only", action="store_true")
    args = parser.parse_args(argv)
    methods, seeds = args.methods.split(","), [int(s) for s in args.seeds.split(",")]
    paths = args.paths.split(",")
    unknown = set(paths) - set(EMULATED)
    if unknown:
        parser.error(f"unknown code path {', '.join(sorted(unknown))}; known: {', '.join(EMULATED)}")
    for path in [p for p in paths if not can_run(EMULATED[p])]:
        print(f"{path}: skipped, this CPU lacks the instructions of the ATen kernels it forces ({EMULATED[path]})")
        paths.remove(path)
    if not args.compare_only:
        for path in ["pinned", *paths]:
            for method in methods:
                run(args.out, path, method, seeds, args.lambdas, args.mode)
    compare(args.out, paths, methods, seeds, args.mode)
