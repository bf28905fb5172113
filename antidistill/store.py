"""The results store: one file per run, keyed by its config, written atomically (temp file + rename)."""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Callable

import filelock
import torch

from .config import config_hash, to_dict

# Bumped whenever the code computes a saved result differently for the same config, so that
# results of older code are recomputed instead of reused.
RESULTS_VERSION = 8  # 8: the CPU code path is pinned (numerics.py), which changes last bits


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _atomic(path: Path, write: Callable[[Any], None], mode: str) -> None:
    """Write through a temp file in the same folder, then rename over ``path``.

    A crash before the rename leaves the previous file (or none) intact, never half a file.
    The file gets the permissions a plain ``open`` would give it (``mkstemp`` makes it 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as fh:
            write(fh)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    _atomic(Path(path), lambda fh: json.dump(obj, fh, indent=1, sort_keys=True), "w")


def atomic_torch_save(path: Path, obj: Any) -> None:
    _atomic(Path(path), lambda fh: torch.save(obj, fh), "wb")


def check_writable(folder: str | Path) -> Path:
    """``folder`` (created if needed) if files can be written in it, else ValueError saying why.

    Called before any data is loaded, so a bad results folder fails at once, not after training.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test."):
            pass
    except OSError as exc:
        raise ValueError(f"cannot write results to {folder}: {exc.strerror or exc}; choose another folder "
                         "(--out / --results-dir / results_dir)") from None
    return folder


class InUse(RuntimeError):
    """Another process holds a lock this one needs (a study, a book or a results folder)."""


def hold(lock_path: Path, in_use: str, advice: str = "wait for it to finish"):
    """Take the lock at ``lock_path`` at once, or raise InUse saying ``in_use`` (what holds it),
    the lock file and ``advice``. Use the result in a ``with`` block, which releases it."""
    lock = filelock.FileLock(lock_path, timeout=0)
    try:
        return lock.acquire()
    except filelock.Timeout:
        raise InUse(f"{in_use} ({lock_path}); {advice}") from None


class StoreWarning(UserWarning):
    """A stored item could not be used and is treated as not stored."""


def unusable(path: Path, reason: str) -> None:
    warnings.warn(f"{path}: {reason}; treating it as not stored (it will be recomputed)", StoreWarning,
                  stacklevel=3)


def _read(path: Path, required: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """A saved JSON object, or None (with a StoreWarning) when it is unreadable or incomplete."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        unusable(path, f"unreadable ({type(exc).__name__})")
        return None
    if not isinstance(saved, dict):
        unusable(path, f"holds a {type(saved).__name__}, not a result")
        return None
    missing = [k for k in ("config", "results_version", *required) if k not in saved]
    if missing:
        unusable(path, f"lacks {', '.join(missing)}")
        return None
    return saved


class Store:
    """Results under ``root``: ``<kind>/<name>-<config hash>.json`` (+ ``.pt`` for weights).

    A saved result is reused only when the config stored inside it equals the requested
    one and it was computed by the current ``RESULTS_VERSION``, so neither a changed config
    nor changed code silently picks up an old result.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, kind: str, name: str, cfg: Any, suffix: str = ".json") -> Path:
        return self.root / kind / f"{name}-{config_hash(cfg)}{suffix}"

    def load(self, kind: str, name: str, cfg: Any, required: tuple[str, ...] = ()) -> dict[str, Any] | None:
        """The saved result of ``cfg``, or None when there is none, or it is stale, or it cannot be
        read or lacks a ``required`` key (then a StoreWarning names the file, which is recomputed)."""
        path = self.path(kind, name, cfg)
        if not path.is_file():
            return None
        saved = _read(path, required)
        if saved is None:
            return None
        fresh = saved.get("config") == to_dict(cfg) and saved.get("results_version") == RESULTS_VERSION
        return saved if fresh else None

    def save(self, kind: str, name: str, cfg: Any, result: dict[str, Any]) -> Path:
        path = self.path(kind, name, cfg)
        atomic_write_json(path, {**result, "config": to_dict(cfg), "results_version": RESULTS_VERSION})
        return path

    def results(self, kind: str) -> list[dict[str, Any]]:
        """Every readable saved result of a kind (for tables and figures); unreadable files are
        skipped with a StoreWarning."""
        folder = self.root / kind
        found = [_read(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
        return [r for r in found if r is not None]
