"""Page 1, the problem: the two data sets, class by class, and sample images."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...data import C1, CLASS_NAMES
from ...models import STUDENT_BLOCKS, TEACHER_BLOCKS
from .. import figures
from . import common


def page(rep) -> dict[str, Any]:
    data = rep.data()
    d1 = data.d1()
    counts = pd.DataFrame(
        {
            "class": [f"{i}: {name}" for i, name in enumerate(CLASS_NAMES)],
            "train images": data.train.y.bincount(minlength=10).tolist(),
            "test images": data.test.y.bincount(minlength=10).tolist(),
            "in D1": ["yes" if i in C1 else "no" for i in range(10)],
        }
    ).set_index("class")
    return {
        **common(rep),
        "counts": counts,
        "n_train": len(data.train),
        "n_test": len(data.test),
        "n_d1_train": len(d1.train),
        "n_d1_test": len(d1.test),
        "d1_classes": f"0–{max(C1)}",
        "teacher_widths": str(list(TEACHER_BLOCKS)),
        "student_widths": str(list(STUDENT_BLOCKS)),
        "samples": figures.sample_grid(data),
    }
