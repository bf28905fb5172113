"""The software and machine a result was computed with, saved beside every run and benchmark."""

from __future__ import annotations

import platform
from typing import Any

import torch


def runtime() -> dict[str, Any]:
    """The few facts saved with every run: what computed it."""
    return {"torch": torch.__version__, "python": platform.python_version(), "machine": platform.machine(),
            "cpu_threads": torch.get_num_threads()}
