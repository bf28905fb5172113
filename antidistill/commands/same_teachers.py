"""The authors' Table I runs regenerated from their own teachers, compared seed by seed with their records.

  python -m antidistill same-teachers --out DIR [--seeds 0,1,...] [--methods xavier,...] [--profile paper]
  python -m antidistill same-teachers --out DIR --table      # only print the comparison of what DIR holds
  python -m antidistill same-teachers --out DIR/compatible --code-path compatible --off-in DIR

Every row runs in `authors` mode from the authors' trained teacher of its seed (the shared
reference folder; ``--teachers ours``: from ours), the Anti-Distillation rows with the lambdas
their notebooks printed (``reference.THEIR_LAMBDAS``). Runs are saved in DIR as they finish (a results store: an
interrupted call resumes), then each row's differences ours - theirs are printed: seeds whose
accuracy is within 0.011 of theirs, the largest |difference| in accuracy, the mean and largest
|difference| of FGSM and weight noise at the largest eps, and the seeds where ours never
predicts some class.

``--code-path`` runs them under another CPU code path (``numerics.EMULATED``: MKL's and ATen's
kernels forced, in a child process started with them set); ``--off-in DIR`` keeps only the
(row, seed) whose run in DIR is not within ``reference.WITHIN`` of their accuracy. Together they
test whether a seed that does not reproduce theirs is last-bit rounding (it moves with the code
path) or a difference of the method (it does not); the regenerated page shows them from
``<results>/compatible``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ..experiment import run_many
from ..growth import METHODS
from ..numerics import EMULATED, can_run, forced
from ..profiles import PROFILES
from ..reference import SEEDS, WITHIN, differences, load_reference, off, summary
from ..store import Store

CHILD = "ANTIDISTILL_SAME_TEACHERS_PATH"  # set in the child process that runs under a forced code path


def configs(methods: list[str], seeds: list[int], profile: str, teachers: str = "authors") -> list:
    return [PROFILES[profile].regenerated(m, s, teachers) for m in methods for s in seeds]


def table(runs: list[dict]) -> str:
    diffs = differences(runs, load_reference())
    lines = [
        f"| row | seeds within {WITHIN} | largest |Δ accuracy| | mean Δ FGSM (largest) | "
        "mean Δ weight noise (largest) | seeds with lost classes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for method, row in summary(diffs).items():
        lost = (
            ", ".join(
                f"{d['seed']} {d['never_predicted']}" for d in diffs if d["method"] == method and d["never_predicted"]
            )
            or "none"
        )
        lines.append(
            f"| {METHODS[method].label} | {row['within']}/{row['seeds']} | {row['max_acc']:.4f} | "
            f"{row['mean_fgsm']:+.3f} ({row['max_fgsm']:.3f}) | {row['mean_noise']:+.3f} "
            f"({row['max_noise']:.3f}) | {lost} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m antidistill same-teachers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="results folder (resumed when it holds runs)")
    parser.add_argument("--seeds", default=",".join(map(str, range(SEEDS))))
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--profile", default="paper", choices=list(PROFILES))
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--teachers",
        default="authors",
        choices=("authors", "ours"),
        help="their trained teachers (default) or ours, trained here in authors mode",
    )
    parser.add_argument("--table", action="store_true", help="print the comparison of the runs DIR holds; run nothing")
    parser.add_argument("--code-path", choices=list(EMULATED), help="run under this CPU code path (numerics.EMULATED)")
    parser.add_argument(
        "--off-in", type=Path, help=f"only the seeds whose run in this folder is not within {WITHIN} of their accuracy"
    )
    args = parser.parse_args(argv)
    if args.code_path and not can_run(EMULATED[args.code_path]):
        parser.error(f"--code-path {args.code_path}: this CPU lacks the instructions of the ATen kernels it forces")
    if args.code_path and os.environ.get(CHILD) != args.code_path:
        # MKL and ATen read their settings once, when torch loads: only a fresh process can take another path.
        env = {**forced(EMULATED[args.code_path]), CHILD: args.code_path}
        here = sys.argv[1:] if argv is None else argv
        return subprocess.run([sys.executable, "-m", "antidistill", "same-teachers", *here], env=env).returncode
    cfgs = configs(args.methods.split(","), [int(s) for s in args.seeds.split(",")], args.profile, args.teachers)
    if args.off_in is not None:
        pinned = [
            r for r in (Store(args.off_in, strict=True).load("runs", c.run_name, c) for c in cfgs) if r is not None
        ]
        keep = set(off(differences(pinned, load_reference())))
        cfgs = [c for c in cfgs if (c.method, c.seed) in keep]
        print(f"not within {WITHIN} in {args.off_in}: " + ", ".join(f"{c.method} seed {c.seed}" for c in cfgs))
    store = Store(args.out)
    if args.table:
        runs = [r for r in (store.load("runs", c.run_name, c) for c in cfgs) if r is not None]
    else:
        runs = run_many(cfgs, store, args.device, desc=f"{args.teachers} teachers")
    print(table(runs))
    return 0
