"""The device a run uses, and the software, machine and time a result was computed with, saved beside every run and benchmark."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import torch

from .numerics import code_path, widest_kernels

REPO = Path(__file__).resolve().parents[1]


class StackTimer:
    """The time a stack's work took from this timer's creation, shared out among its members:
    what each run or teacher cost. CPU time (all threads of the process) is what the work needs
    wherever it runs; wall time also holds the waits of a machine busy with other work."""

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def shares(self, members: int) -> dict[str, float]:
        """Each member's ``wall_time_s`` and ``cpu_time_s``, as its record saves them."""
        return {
            "wall_time_s": (time.perf_counter() - self._wall) / members,
            "cpu_time_s": (time.process_time() - self._cpu) / members,
        }


def pick_device(name: str | None = "auto") -> torch.device:
    """CUDA when present (for "auto" or None), otherwise the CPU; or exactly the named device.

    On CUDA, deterministic algorithms are switched on (and cuBLAS given the fixed workspace they
    need), so the same seed on the same device gives the same numbers.
    """
    if name in (None, "auto"):
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            device = torch.device(name)
        except (RuntimeError, TypeError):
            device = None
        if device is None or device.type not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]'; got {name!r}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} asked for CUDA, but torch sees no GPU here; use 'cpu' or 'auto'")
        # Read when cuBLAS makes its first handle, so it is set here, before any CUDA work of a run.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        # warn_only: an op without a deterministic CUDA kernel warns instead of stopping a long
        # run; the determinism tests (run on CUDA by tools/gpu_check.sh) catch any difference.
        torch.use_deterministic_algorithms(True, warn_only=True)
    return device


def git_commit(repo: Path = REPO) -> str:
    """The checked-out commit, with "+ local changes" when the tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head.stdout.strip() + (" + local changes" if dirty.stdout.strip() else "")


# Read once, when the code is loaded: the commit of the code that runs, even if the checkout
# changes while a long computation goes on.
COMMIT = git_commit()


def runtime() -> dict[str, Any]:
    """The few facts saved with every run: what computed it (the commit of the code loaded),
    and on which machine and CPU code path."""
    return {
        "commit": COMMIT,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_threads": torch.get_num_threads(),
        "code_path": code_path(),
        "cpu_kernels": widest_kernels(),
    }
