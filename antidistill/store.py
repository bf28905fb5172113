"""The results store: one file per run, keyed by its config, written atomically (temp file + rename)."""

from __future__ import annotations

import errno
import io
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import filelock
import torch

from .config import config_hash, from_dict, to_dict
from .records import SCHEMAS, problem

# Bumped whenever the code computes a saved result differently for the same config, so that
# results of older code are recomputed instead of reused.
RESULTS_VERSION = 9  # 9: `authors` mode makes every draw of their single stream (authors_draws.py)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


class DiskFull(RuntimeError):
    """A result could not be saved: its folder's file system has no room (nothing partial is left)."""


def _atomic(path: Path, data: bytes) -> None:
    """Write ``data`` through a temp file in the same folder, then rename over ``path``.

    A crash before the rename leaves the previous file (or none) intact, never half a file.
    The file gets the permissions a plain ``open`` would give it (``mkstemp`` makes it 0600).
    A full disk raises DiskFull naming the folder and the room needed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        _raise_if_full(exc, path, len(data))
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            _raise_if_full(exc, path, len(data))
        raise


def _raise_if_full(exc: OSError, path: Path, size: int) -> None:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        raise DiskFull(
            f"no room to save {path.name} in {path.parent}: it needs {size / 1024:.0f} KiB more "
            f"({exc.strerror}); free space there or choose another results folder"
        ) from None


def atomic_write_json(path: Path, obj: Any) -> None:
    # Serialised first: a failed write then never leaves a half-written file, and its size is known.
    _atomic(Path(path), json.dumps(obj, indent=1, sort_keys=True).encode())


def atomic_torch_save(path: Path, obj: Any) -> None:
    # Into memory first: torch's zip writer reports a full disk as an opaque RuntimeError.
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    _atomic(Path(path), buffer.getvalue())


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
        raise ValueError(
            f"cannot write results to {folder}: {exc.strerror or exc}; choose another folder "
            "(--out / --results-dir / results_dir)"
        ) from None
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


class InvalidRecord(ValueError):
    """A file of a store whose numbers must be trusted (published results) fails its checks."""


class NotStored(RuntimeError):
    """A read-only store (a build from the published results) lacks a result it was asked for."""


class Store:
    """Results under ``root``: ``<kind>/<name>-<config hash>.json`` (+ ``.pt`` for weights).

    A saved result is reused only when the config stored inside it equals the requested
    one and it was computed by the current ``RESULTS_VERSION``, so neither a changed config
    nor changed code silently picks up an old result.
    """

    def __init__(self, root: str | Path, strict: bool = False, read_only: bool = False) -> None:
        self.root = Path(root)
        self.strict = (
            strict  # published results: an invalid file stops the build (InvalidRecord) instead of being recomputed
        )
        self.read_only = read_only  # a build from published results: nothing is trained (``computing``)

    def computing(self, what: str) -> None:
        """Called before anything is trained for this store: a read-only store raises NotStored
        naming ``what`` and how to compute it, so that a build from published results never
        starts hours of training by surprise."""
        if self.read_only:
            raise NotStored(
                f"{self.root} lacks {what}, and a build from published results trains nothing; "
                f"compute what is missing with `python -m antidistill compute {self.root} --mode MODE "
                "--profile paper` (it resumes), or build with --recompute to compute everything "
                "into results/"
            )

    def reject(self, path: Path, reason: str) -> None:
        """A stored file that cannot be used: recomputed with a StoreWarning, or in a strict store InvalidRecord."""
        if self.strict:
            raise InvalidRecord(f"{path}: {reason}")
        warnings.warn(
            f"{path}: {reason}; treating it as not stored (it will be recomputed)", StoreWarning, stacklevel=3
        )

    def _read(self, path: Path, kind: str) -> dict[str, Any] | None:
        """A saved JSON object, or None (``reject``: a StoreWarning, or InvalidRecord in a strict
        store) when it is unreadable, incomplete or fails its kind's schema (``records``: types,
        ranges, curve lengths, its config's hash and mode)."""
        try:
            saved = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return self.reject(path, f"unreadable ({type(exc).__name__})")
        if not isinstance(saved, dict):
            return self.reject(path, f"holds a {type(saved).__name__}, not a result")
        missing = [k for k in ("config", "results_version") if k not in saved]
        if missing:
            return self.reject(path, f"lacks {', '.join(missing)}")
        # Only current results are checked: older ones are never reused (``load``), whatever they hold.
        if kind in SCHEMAS and saved["results_version"] == RESULTS_VERSION:
            if not isinstance(saved["config"], dict) or not path.stem.endswith("-" + config_hash(saved["config"])):
                return self.reject(path, "its config is not the one its file name was made from")
            why = problem(kind, saved)
            if why is not None:
                return self.reject(path, f"invalid {why}")
        return saved

    def path(self, kind: str, name: str, cfg: Any, suffix: str = ".json") -> Path:
        return self.root / kind / f"{name}-{config_hash(cfg)}{suffix}"

    def claim(self, kind: str, name: str, cfg: Any) -> filelock.FileLock:
        """The lock a process holds on a piece of work it computes (a stack of runs, named by its
        first run), so that other processes computing into the same folder do other work
        meanwhile and then load its results (``experiment.run_many``)."""
        path = self.root / "locks" / f"{kind}-{name}-{config_hash(cfg)}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        return filelock.FileLock(path)

    def stale(self, kind: str, cfg_type: type) -> list[tuple[Path, str]]:
        """The files of ``kind`` that no current build can use, each with why: unreadable or
        invalid, computed by another ``RESULTS_VERSION``, or holding a config that no longer
        fits ``cfg_type`` (a field added, removed or renamed since)."""
        found, strict = [], Store(self.root, strict=True)
        for path in sorted((self.root / kind).glob("*.json")):
            try:
                saved = strict._read(path, kind)
            except InvalidRecord as exc:
                found.append((path, str(exc).removeprefix(f"{path}: ")))
                continue
            if saved["results_version"] != RESULTS_VERSION:
                found.append(
                    (path, f"computed by results version {saved['results_version']}; the code is at {RESULTS_VERSION}")
                )
                continue
            try:
                from_dict(cfg_type, saved["config"])
            except ValueError as exc:
                found.append((path, f"its config no longer fits the code ({exc})"))
        return found

    def load(self, kind: str, name: str, cfg: Any) -> dict[str, Any] | None:
        """The saved result of ``cfg``, or None when there is none, or it is stale, or it cannot be
        read or fails its kind's schema (then a StoreWarning names the file, which is recomputed)."""
        path = self.path(kind, name, cfg)
        if not path.is_file():
            return None
        saved = self._read(path, kind)
        if saved is None:
            return None
        fresh = saved.get("config") == to_dict(cfg) and saved.get("results_version") == RESULTS_VERSION
        return saved if fresh else None

    def save(self, kind: str, name: str, cfg: Any, result: dict[str, Any]) -> Path:
        path = self.path(kind, name, cfg)
        atomic_write_json(path, {**result, "config": to_dict(cfg), "results_version": RESULTS_VERSION})
        return path

    def results(self, kind: str) -> list[dict[str, Any]]:
        """Every valid saved result of a kind (for tables and figures); unreadable or invalid files
        are skipped with a StoreWarning (in a strict store they raise InvalidRecord)."""
        folder = self.root / kind
        found = [self._read(p, kind) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
        return [r for r in found if r is not None]
