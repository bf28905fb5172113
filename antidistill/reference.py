"""The authors' recorded runs, per Table I row and seed, and their trained teachers, for comparison."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Iterable, Sequence

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
# The lambdas of their two Anti-Distillation rows, as their notebooks printed them: the
# lambda4 = 0 run hard-codes its search's best trial (train_antidistillation_optuna), the full
# run takes the fANOVA importances in importance order (train_antidistillation_L4_optuna).
THEIR_LAMBDAS = {
    "antidistill_l4_0": (0.5794205651168035, 0.9948911593161102, 0.4977024067547632, 0.0),
    "antidistill": (0.3623355591075348, 0.24462296467939607, 0.2169215078949108, 0.1761199683181584),
}
# Table I's three metrics, as ``recorded`` names them.
METRICS = ("val_acc", "fgsm", "noise")
MAKE_IT = (
    "create it with `python -m antidistill extract-reference GIT_DIR`, GIT_DIR a clone of "
    "github.com/intsystems/anti-distillation, or point ANTIDISTILL_REFERENCE at a copy"
)


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
    return {
        "val_acc": run["val_acc"][(epoch or len(run["val_acc"])) - 1],
        "fgsm": run["fgsm"][-1],
        "noise": run["weight_noise"][-1],
    }


def table_one(run: dict[str, Any]) -> dict[str, float]:
    """One of our runs as Table I reads it, under the names ``recorded`` gives theirs."""
    return {"val_acc": run["val_acc"], "fgsm": run["fgsm"]["acc"][-1], "noise": run["weight_noise"]["acc"][-1]}


def differences(runs: Iterable[dict[str, Any]], records: dict[str, Any]) -> list[dict[str, Any]]:
    """For each of our runs, ours - theirs of the three Table I metrics, their run of the same
    row and seed read as ours is (accuracy after the same epoch), and the classes ours never
    predicts (a student that lost classes explains a large gap)."""
    out = []
    for run in runs:
        theirs = recorded(records, run["method"], run["seed"], epoch=run["metric_epochs"]["val_acc"])
        ours = table_one(run)
        out.append(
            {
                "method": run["method"],
                "seed": run["seed"],
                **{m: ours[m] - theirs[m] for m in METRICS},
                "never_predicted": run.get("never_predicted", []),
            }
        )
    return out


# The accuracy difference within which one of our seeds counts as reproducing theirs: their
# records' third digit (they printed two).
WITHIN = 0.011


def off(diffs: Iterable[dict[str, Any]], within: float = WITHIN) -> list[tuple[str, int]]:
    """The (row, seed) of ``differences`` whose accuracy is not within ``within`` of theirs."""
    return [(d["method"], d["seed"]) for d in diffs if abs(d["val_acc"]) > within]


def summary(diffs: Sequence[dict[str, Any]], within: float = WITHIN) -> dict[str, dict[str, Any]]:
    """Per row: seeds whose accuracy is within ``within`` of theirs, the largest |difference| in
    accuracy, and the mean and largest |difference| of FGSM and weight noise."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for d in diffs:
        rows.setdefault(d["method"], []).append(d)
    return {
        method: {
            "seeds": len(ds),
            "within": sum(abs(d["val_acc"]) <= within for d in ds),
            "max_acc": max(abs(d["val_acc"]) for d in ds),
            **{f"mean_{m}": sum(d[m] for d in ds) / len(ds) for m in ("fgsm", "noise")},
            **{f"max_{m}": max(abs(d[m]) for d in ds) for m in ("fgsm", "noise")},
        }
        for method, ds in rows.items()
    }


def teachers_dir() -> Path:
    """Where their trained teachers are read: ``ANTIDISTILL_AUTHORS_TEACHERS``, else the folder
    ``teachers/`` beside the records ``ANTIDISTILL_REFERENCE`` points at, else the project's shared
    folder beside the checkout, else ``reference/authors/teachers/`` in the repository (never
    committed); the first that exists, the shared folder's when none does."""
    repo = Path(__file__).resolve().parents[1]
    shared = (repo / SHARED_PATH).resolve().parent / "teachers"
    candidates = [
        os.environ.get("ANTIDISTILL_AUTHORS_TEACHERS"),
        os.environ.get("ANTIDISTILL_REFERENCE") and Path(os.environ["ANTIDISTILL_REFERENCE"]).parent / "teachers",
        shared,
        repo / DEFAULT_PATH.parent / "teachers",
    ]
    return next((Path(c) for c in candidates if c and Path(c).is_dir()), shared)


def authors_teacher_path(seed: int) -> Path:
    """Their trained teacher of ``seed`` (``teacher_5cl_<seed>.pt`` in ``teachers_dir``);
    FileNotFoundError says where it was looked for."""
    path = teachers_dir() / f"teacher_5cl_{seed}.pt"
    if not path.is_file():
        raise FileNotFoundError(
            f"no teacher of the authors for seed {seed} at {path}: they are in the project's "
            f"shared folder (../shared/reference/authors/teachers/, seeds 0-{SEEDS - 1}); "
            f"point ANTIDISTILL_AUTHORS_TEACHERS at a folder that holds them"
        )
    return path


def load_authors_teacher(path: str | Path) -> MLP:
    """One of their trained teachers (``models/teacher_5cl_<seed>.pt``) as our teacher model.

    Their MLP ends in a ReLU and names its layers ``stack.<i>.0``; the weights are the same.
    """
    state = torch.load(path, map_location="cpu", weights_only=True)
    teacher = teacher_model(output_relu=True)
    teacher.load_state_dict(
        {key.replace("stack.", "linears.").replace(".0.", "."): value for key, value in state.items()}
    )
    return teacher


# Reading their repository (``python -m antidistill extract-reference`` writes the result).
HISTORY_DIR = "src/fminst/models"
# Their consts.py grids, the x axes of the two curves.
FGSM_EPS = [i / 500 for i in range(10)]
NOISE_EPS = [i / 100 for i in range(10)]


def _git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True).stdout


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
    return [[values[(seed * epochs + e) * per_epoch + per_epoch - 1] for e in range(epochs)] for seed in range(SEEDS)]


def extract(git_dir: Path, commit: str) -> dict:
    """Their recorded runs of every Table I row at ``commit`` of their repository (``git_dir``,
    read with `git show`): per seed, the accuracy after each D2 epoch and both curves."""
    sha = _git(git_dir, "rev-parse", commit).strip()
    rows = {}
    for method, name in ROW_FILES.items():
        history = json.loads(_git(git_dir, "show", f"{sha}:{HISTORY_DIR}/{name}"))
        accuracy = per_epoch_validation(history)
        rows[method] = {
            "file": f"{HISTORY_DIR}/{name}",
            "student_epochs": len(accuracy[0]),
            "seeds": [
                {
                    "seed": s,
                    "val_acc": accuracy[s],
                    "fgsm": history["fsgm_noise_acc"][s],
                    "weight_noise": history["param_noise_acc"][s],
                }
                for s in range(SEEDS)
            ],
        }
    return {
        "source": {
            "repository": "github.com/intsystems/anti-distillation",
            "commit": sha,
            "extracted_by": "python -m antidistill extract-reference",
        },
        "fgsm_eps": FGSM_EPS,
        "noise_eps": NOISE_EPS,
        "rows": rows,
    }
