"""The software and machine a result was computed with, saved beside every run and benchmark."""

from __future__ import annotations

import platform
from typing import Any

import torch

from .numerics import code_path


def runtime() -> dict[str, Any]:
    """The few facts saved with every run: what computed it, and on which CPU code path."""
    return {"torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine(),
            "cpu_threads": torch.get_num_threads(), "code_path": code_path()}
