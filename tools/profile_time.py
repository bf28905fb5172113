"""Prints the measured compute time of a profile's saved results (``bench.measured_profile``).

python tools/profile_time.py RESULTS_DIR [--mode paper] [--profile paper]
"""

from __future__ import annotations

import argparse

from antidistill.bench import measured_profile, profile_table
from antidistill.profiles import PROFILES
from antidistill.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir")
    parser.add_argument("--mode", default="paper")
    parser.add_argument("--profile", default="paper", choices=list(PROFILES))
    args = parser.parse_args()
    print(profile_table(measured_profile(Store(args.results_dir), args.mode, args.profile)))


if __name__ == "__main__":
    main()
