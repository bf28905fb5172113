"""Prints the measured compute time of a profile's saved results (``bench.measured_profile``), or of a study's (``report.spent``).

python -m antidistill spent RESULTS_DIR [--mode paper] [--profile paper] [--study NAME]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..bench import measured_profile, profile_table
from ..profiles import PROFILES
from ..protocol import MODES
from ..store import Store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m antidistill spent", description=__doc__.splitlines()[0])
    parser.add_argument("results_dir")
    parser.add_argument("--mode", default="paper", choices=list(MODES))
    parser.add_argument("--profile", default="paper", choices=list(PROFILES))
    parser.add_argument(
        "--study",
        help="a study's saved results against the work it needs, in every mode it runs in (fresh, declared, "
        "switches, digits, penalties); reads only, computes nothing",
    )
    args = parser.parse_args(argv)
    if not Path(args.results_dir).is_dir():
        parser.error(f"no results folder at {args.results_dir}: give the folder a computation saved into")
    if args.study is None:
        print(profile_table(measured_profile(Store(args.results_dir), args.mode, args.profile)))
        return
    from ..report.reproduction import Reproduction  # the report layer, loaded when asked for
    from ..report.spent import ACCOUNTED, spent, spent_table

    if args.study not in ACCOUNTED:
        parser.error(f"unknown study {args.study!r}; the studies are {', '.join(ACCOUNTED)}")
    rep = Reproduction.from_parameters(args.mode, args.profile, None, "cpu", args.results_dir, read_only=True)
    print(spent_table(spent(rep, args.study)).to_string())
