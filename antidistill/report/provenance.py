"""What produced a result: code version, software, machine, and the book build's timing record."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import torch

from ..environment import git_commit, pick_device
from ..store import Store, atomic_write_json

PACKAGES = (
    "antidistill",
    "torch",
    "numpy",
    "optuna",
    "pandas",
    "matplotlib",
    "seaborn",
    "papermill",
    "jupyter-book",
    "myst-nb",
)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def provenance(device: str | None = "auto") -> dict[str, Any]:
    """Everything the reproducibility page shows about the software and the machine."""
    dev = pick_device(device)
    accelerator = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "none (CPU)"
    return {
        "git commit": git_commit(),
        "python": platform.python_version(),
        **{package: _version(package) for package in PACKAGES},
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores",
        "torch threads": torch.get_num_threads(),
        "accelerator": accelerator,
        "recorded at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def build_record_path(store: Store, mode: str, profile: str) -> Path:
    return store.root / "build" / f"{mode}-{profile}.json"


def build_record(store: Store, mode: str, profile: str) -> dict[str, Any]:
    """The timing record the book build wrote for (mode, profile); empty when none was written."""
    path = build_record_path(store, mode, profile)
    return json.loads(path.read_text()) if path.is_file() else {}


def save_build_record(store: Store, mode: str, profile: str, record: dict[str, Any]) -> None:
    atomic_write_json(build_record_path(store, mode, profile), record)
