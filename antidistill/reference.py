"""The authors' recorded runs, per Table I row and seed, and their trained teachers, for comparison."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from .models import MLP, teacher_model

SEEDS = 10
DEFAULT_PATH = Path("reference/authors/records.json")
# Which of their history files holds which Table I row (their plot notebooks' labels: Scratch,
# Zero, Uniform, Net2Net, L1+L3, Best Antidistillation; transfer and the L4 run from their own
# notebooks). Each file's three columns reproduce the paper's row to the printed digits.
ROW_FILES = {
    "xavier": "history_5_scratch.json",
    "zero_pad": "history_5_zero.json",
    "uniform_pad": "history_5_uni.json",
    "transfer": "history_transfer.json",
    "net2net": "history_5_n2n.json",
    "data_noise": "history_l1_l3.json",
    "antidistill_l4_0": "history_best_antidistill.json",
    "antidistill": "history_best_antidistill_with_L4.json",
}
MAKE_IT = ("create it with `python tools/extract_authors_reference.py GIT_DIR`, GIT_DIR a clone of "
           "github.com/intsystems/anti-distillation, or point ANTIDISTILL_REFERENCE at a copy")


# Where the project's shared folder keeps them, beside a checkout (read in place, never copied in).
SHARED_PATH = Path("../shared/reference/authors/records.json")


def reference_path() -> Path:
    """``ANTIDISTILL_REFERENCE``, else ``reference/authors/records.json`` in the repository, else
    the shared folder beside the repository, where either exists."""
    if os.environ.get("ANTIDISTILL_REFERENCE"):
        return Path(os.environ["ANTIDISTILL_REFERENCE"])
    repo = Path(__file__).resolve().parents[1]
    candidates = [repo / DEFAULT_PATH, (repo / SHARED_PATH).resolve()]
    return next((p for p in candidates if p.is_file()), candidates[0])


def load_reference(path: str | Path | None = None) -> dict[str, Any]:
    """The extracted records; FileNotFoundError says how to make them."""
    path = Path(path) if path is not None else reference_path()
    if not path.is_file():
        raise FileNotFoundError(f"no reference file at {path}: {MAKE_IT}")
    return json.loads(path.read_text())


def recorded(records: dict[str, Any], method: str, seed: int, epoch: int | None = None) -> dict[str, float]:
    """One of their runs as Table I reads it: accuracy after ``epoch`` (default: the last),
    FGSM and weight-noise accuracy at the largest eps (measured after their last epoch)."""
    run = records["rows"][method]["seeds"][seed]
    return {"val_acc": run["val_acc"][(epoch or len(run["val_acc"])) - 1], "fgsm": run["fgsm"][-1],
            "noise": run["weight_noise"][-1]}


def load_authors_teacher(path: str | Path) -> MLP:
    """One of their trained teachers (``models/teacher_5cl_<seed>.pt``) as our teacher model.

    Their MLP ends in a ReLU and names its layers ``stack.<i>.0``; the weights are the same.
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    teacher = teacher_model(output_relu=True)
    teacher.load_state_dict({key.replace("stack.", "linears.").replace(".0.", "."): value
                             for key, value in state.items()})
    return teacher
