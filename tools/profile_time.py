"""Prints the measured compute time of a profile's saved results (``bench.measured_profile``).

    python tools/profile_time.py RESULTS_DIR [--mode paper] [--profile paper]
"""

from __future__ import annotations

import argparse
from antidistill.bench import measured_profile
from antidistill.profiles import PROFILES
from antidistill.store import Store


def print_table(rows: list[tuple[str, int, int, float]]) -> None:
    """``measured_profile``'s rows, one line per kind of work, and their total."""
    for what, saved, expected, hours in rows:
        print(f"{what:40s} {saved:4d} / {expected:<4d} {hours * 60:8.1f} min")
    done = all(saved >= expected for _, saved, expected, _ in rows)
    total = sum(h for *_, h in rows)
    print(f"{'total' + ('' if done else ' so far (incomplete)'):40s} {'':11s} {total * 60:8.1f} min = {total:.2f} h")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results_dir")
    parser.add_argument("--mode", default="paper")
    parser.add_argument("--profile", default="paper", choices=list(PROFILES))
    args = parser.parse_args()
    print_table(measured_profile(Store(args.results_dir), args.mode, args.profile))


if __name__ == "__main__":
    main()
