"""Computes a profile's results without the book (teachers, λ searches, final runs, the studies), then prints what they took.

    python -m antidistill compute RESULTS_DIR [--mode paper] [--profile paper] [--device auto] [--study NAME ...]

What `python -m antidistill book` computes before rendering, for one protocol (``--mode``; the
book shows both, so it takes a call for each), in the notebooks' order and through the same
entry point (``Reproduction``), so its results serve the book too; saved results are
loaded, not recomputed, so an interrupted call resumes. Each stage's end is appended to
RESULTS_DIR/compute_profile.log; the table at the end is ``bench.profile_table``'s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..bench import measured_profile, profile_table
from ..environment import git_commit
from ..profiles import PROFILES
from ..protocol import MODES


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m antidistill compute", description=__doc__.splitlines()[0])
    parser.add_argument("results_dir")
    parser.add_argument("--mode", default="paper", choices=list(MODES))
    parser.add_argument("--profile", default="paper", choices=list(PROFILES))
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--study",
        action="append",
        default=[],
        help="compute this study beyond the paper (switches, digits, penalties; repeatable) after the profile, "
        "instead of every study (the penalties study runs in paper mode only)",
    )
    args = parser.parse_args(argv)
    from ..penalties import MODE as PENALTY_MODE
    from ..report.reproduction import BOOK_STUDIES, STUDIES, Reproduction  # the report layer, loaded when asked for

    for study in args.study:
        if study not in STUDIES:
            parser.error(f"unknown study {study!r}; the studies are {', '.join(STUDIES)}")
    if "penalties" in args.study and args.mode != PENALTY_MODE:
        parser.error(f"the penalties study runs in {PENALTY_MODE} mode only; add --mode {PENALTY_MODE}")

    Path(args.results_dir).mkdir(parents=True, exist_ok=True)
    rep = Reproduction.from_parameters(args.mode, args.profile, None, args.device, args.results_dir)
    commit = git_commit()
    start = time.perf_counter()
    with open(Path(args.results_dir) / "compute_profile.log", "a", buffering=1) as log:

        def done(what: str) -> None:
            log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {what} done, {time.perf_counter() - start:.0f} s\n")

        log.write(
            f"{time.strftime('%Y-%m-%d %H:%M:%S')} {args.profile} profile, {args.mode} mode, "
            f"device {args.device}, commit {commit}\n"
        )
        rep.compute(progress=True, done=done, modes=(args.mode,), studies=args.study or BOOK_STUDIES)
    print(profile_table(measured_profile(rep.store, args.mode, args.profile)))
