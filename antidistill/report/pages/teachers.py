"""Page 2, the teachers: their D1 accuracy and learning curves."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .. import figures
from . import common


def page(rep) -> dict[str, Any]:
    records = rep.teacher_records(progress=True)
    curves = pd.DataFrame([{"seed": seed, **row} for seed, r in records.items() for row in r["history"]])
    summary = pd.DataFrame(
        {
            "seed": list(records),
            "D1 validation accuracy": [r["val_acc"] for r in records.values()],
            "epochs": [len(r["history"]) - 1 for r in records.values()],
            "training time (s)": [round(r["wall_time_s"], 1) for r in records.values()],
        }
    ).set_index("seed")
    accs = summary["D1 validation accuracy"]
    return {
        **common(rep),
        "teacher_table": summary,
        "teacher_acc_mean": accs.mean(),
        "teacher_acc_std": accs.std(ddof=0),
        "teacher_acc_min": accs.min(),
        "teacher_acc_max": accs.max(),
        "teacher_curves": figures.learning_curves(
            curves[curves.epoch > 0], "val_acc", "Teachers: D1 validation accuracy", "validation accuracy"
        ),
    }
