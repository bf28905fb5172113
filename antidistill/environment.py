"""The software and machine a result was computed with, saved beside every run and benchmark."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

from .numerics import code_path


REPO = Path(__file__).resolve().parents[1]


def git_commit(repo: Path = REPO) -> str:
    """The checked-out commit, with "+ local changes" when the tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=repo, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                               capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head.stdout.strip() + (" + local changes" if dirty.stdout.strip() else "")


# Read once, when the code is loaded: the commit of the code that runs, even if the checkout
# changes while a long computation goes on.
COMMIT = git_commit()


def runtime() -> dict[str, Any]:
    """The few facts saved with every run: what computed it (the commit of the code loaded),
    and on which machine and CPU code path."""
    return {"commit": COMMIT, "torch": torch.__version__, "python": platform.python_version(),
            "machine": platform.machine(), "cpu_threads": torch.get_num_threads(),
            "code_path": code_path()}
