"""Prints the measured compute time of a profile's saved results (``bench.measured_profile``).

python -m antidistill spent RESULTS_DIR [--mode paper] [--profile paper]
"""

from __future__ import annotations

import argparse

from ..bench import measured_profile, profile_table
from ..profiles import PROFILES
from ..store import Store


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m antidistill spent", description=__doc__.splitlines()[0])
    parser.add_argument("results_dir")
    parser.add_argument("--mode", default="paper")
    parser.add_argument("--profile", default="paper", choices=list(PROFILES))
    args = parser.parse_args(argv)
    print(profile_table(measured_profile(Store(args.results_dir), args.mode, args.profile)))
