"""Published results: where they are, and recomputing one of them to check it against its file."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from .config import from_dict
from .environment import REPO
from .experiment import ExperimentConfig, run_seeds, stale_results
from .numerics import code_path, same_path
from .reference import table_one
from .store import Store

PUBLISHED = REPO / "published"


def is_published(folder: str | Path) -> bool:
    """Whether ``folder`` is the published results folder (``PUBLISHED``), however it is written."""
    return Path(folder).resolve() == PUBLISHED.resolve()


# The other CPU code path (``numerics.EMULATED``) that the seeds of the authors' runs which do not
# reproduce theirs are run again on, and the subfolder of a results folder that holds them
# (``python -m antidistill same-teachers --code-path compatible --off-in``).
OTHER_PATH = "compatible"

# A recompute on another CPU code path than the published run's may differ (the last bits of a
# product grow through training). Twice the largest per-seed difference measured between the
# pinned path and two others (MKL's native AVX-512 and COMPATIBLE; 10 seeds of Xavier and of
# Anti-Distillation λ4 = 0 at the paper profile, `python -m antidistill code-paths`): 0.0058 in
# accuracy, 0.033 in FGSM, 0.021 in weight noise. On the published run's own path a recompute
# is exact.
RECOMPUTE_TOLERANCE = {"val_acc": 0.012, "fgsm": 0.066, "noise": 0.042}

# What a recompute may change without changing a number: how long it took, where and how it ran.
NOT_NUMBERS = (
    "wall_time_s",
    "cpu_time_s",
    "environment",
    "stack_size",
    "teacher",
    "path",
    "cached",
    "config",
    "results_version",
    "device",
)


def stale(root: str | Path) -> list[tuple[Path, str]]:
    """The files of the results folder ``root``, its other-code-path runs included, that the code
    can no longer use, each with why (``experiment.stale_results``)."""
    return [*stale_results(Store(root)), *stale_results(Store(Path(root) / OTHER_PATH))]


def recompute(path: Path, device: str = "cpu") -> tuple[dict[str, Any], dict[str, Any]]:
    """The published run at ``path`` and the same config run again here from scratch (its
    teacher trained again where it needs one of ours), in a throwaway store."""
    saved = json.loads(Path(path).read_text())
    cfg = from_dict(ExperimentConfig, saved["config"])
    with tempfile.TemporaryDirectory() as tmp:
        [fresh] = run_seeds([cfg], Store(tmp), device=device, progress=False)
    return saved, fresh


def differences(saved: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """What a recompute changed: on the published run's code path (CPU model, MKL mode, ATen
    kernels; any thread count) any number at all; on another, a Table I number beyond ``RECOMPUTE_TOLERANCE``."""
    if same_path(saved["environment"]["code_path"], code_path()):
        # The teacher's accuracy is a number too (the teacher is trained again); its time and cache flag are not.
        def keep(run: dict[str, Any]) -> dict[str, Any]:
            return {
                **{k: v for k, v in run.items() if k not in NOT_NUMBERS},
                "teacher val_acc": (run.get("teacher") or {}).get("val_acc"),
            }

        a, b = keep(saved), keep(json.loads(json.dumps(fresh)))
        return [
            f"{k}: published {a.get(k)!r}, recomputed {b.get(k)!r}"
            for k in sorted(set(a) | set(b))
            if a.get(k) != b.get(k)
        ]
    published, now = table_one(saved), table_one(fresh)
    return [
        f"{k}: published {published[k]}, recomputed {now[k]} (another code path: tolerance {tol})"
        for k, tol in RECOMPUTE_TOLERANCE.items()
        if abs(published[k] - now[k]) > tol
    ]
