"""Extract the authors' recorded runs (their models/*.json) into one small reference file.

Usage: python -m antidistill extract-reference GIT_DIR [--commit REV] [--out PATH]

GIT_DIR is a git directory of github.com/intsystems/anti-distillation (a bare mirror works:
nothing is checked out, files are read with `git show`). For every Table I row, per seed, it
keeps the validation accuracy after each epoch on D2, the FGSM and the weight-noise curves, and
records the commit it read. The result is written to reference/authors/records.json, which
`antidistill.reference` and the tests read. Their code is not read, run or copied; only their
recorded numbers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..environment import REPO
from ..reference import DEFAULT_PATH, extract
from ..store import atomic_write_json


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m antidistill extract-reference", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("git_dir", type=Path, help="git directory of intsystems/anti-distillation")
    parser.add_argument("--commit", default="HEAD", help="revision to read (default HEAD)")
    parser.add_argument("--out", type=Path, default=REPO / DEFAULT_PATH)
    args = parser.parse_args(argv)
    if not args.git_dir.exists():
        parser.error(f"{args.git_dir} does not exist: clone github.com/intsystems/anti-distillation first")
    records = extract(args.git_dir, args.commit)
    atomic_write_json(args.out, records)
    print(f"{args.out}: {len(records['rows'])} rows from commit {records['source']['commit']}")
    return 0
