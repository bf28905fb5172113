"""Extract the authors' recorded runs (their models/*.json) into one small reference file.

Usage: python tools/extract_authors_reference.py GIT_DIR [--commit REV] [--out PATH]

GIT_DIR is a git directory of github.com/intsystems/anti-distillation (a bare mirror works:
nothing is checked out, files are read with `git show`). For every Table I row, per seed, it
keeps the validation accuracy after each epoch on D2, the FGSM and the weight-noise curves, and
records the commit it read. The result is written to reference/authors/records.json, which
`antidistill.reference` and the tests read. Their code is not read, run or copied; only their
recorded numbers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path


from antidistill.environment import REPO
from antidistill.reference import DEFAULT_PATH, ROW_FILES, SEEDS
from antidistill.store import atomic_write_json

HISTORY_DIR = "src/fminst/models"
# Their consts.py grids, the x axes of the two curves.
FGSM_EPS = [i / 500 for i in range(10)]
NOISE_EPS = [i / 100 for i in range(10)]


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True,
                          text=True).stdout


def per_epoch_validation(history: dict) -> list[list[float]]:
    """Per seed, the validation accuracy after each epoch.

    Their `train_loop` appends one entry per epoch to train_loss; `val_acc` holds, per epoch,
    the test-set evaluation last, preceded (from their commit d9125e2 on) by quiet evaluations
    on the training set every 50 batches, which are dropped here.
    """
    n_train, n_val = len(history["train_loss"]), len(history["val_acc"])
    if n_train % SEEDS or n_val % n_train:
        raise ValueError(f"unexpected history lengths: {n_train} train, {n_val} validation entries")
    per_epoch, epochs = n_val // n_train, n_train // SEEDS
    values = history["val_acc"]
    return [[values[(seed * epochs + e) * per_epoch + per_epoch - 1] for e in range(epochs)]
            for seed in range(SEEDS)]


def extract(git_dir: Path, commit: str) -> dict:
    sha = _git(git_dir, "rev-parse", commit).strip()
    rows = {}
    for method, name in ROW_FILES.items():
        history = json.loads(_git(git_dir, "show", f"{sha}:{HISTORY_DIR}/{name}"))
        accuracy = per_epoch_validation(history)
        rows[method] = {
            "file": f"{HISTORY_DIR}/{name}",
            "student_epochs": len(accuracy[0]),
            "seeds": [{"seed": s, "val_acc": accuracy[s], "fgsm": history["fsgm_noise_acc"][s],
                       "weight_noise": history["param_noise_acc"][s]} for s in range(SEEDS)],
        }
    return {"source": {"repository": "github.com/intsystems/anti-distillation", "commit": sha,
                       "extracted_by": "tools/extract_authors_reference.py"},
            "fgsm_eps": FGSM_EPS, "noise_eps": NOISE_EPS, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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


if __name__ == "__main__":
    sys.exit(main())
