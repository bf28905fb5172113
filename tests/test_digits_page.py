"""The digits chapter: each mode's Table I on the digits as mean ± std, and the steps an epoch takes on each data set."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny, valid_record

pytest.importorskip("optuna", reason="the report's pages import the search (tools/setup.sh installs optuna)")

from antidistill.config import to_dict  # noqa: E402
from antidistill.report.pages import digits as digits_page  # noqa: E402
from antidistill.report.reproduction import Reproduction  # noqa: E402
from antidistill.report.tables import LABELS  # noqa: E402


def _runs(mode: str, accuracies) -> list[dict]:
    out = []
    for seed, acc in enumerate(accuracies):
        cfg = tiny("xavier", mode, seed, **{"data.dataset": "digits"})
        out.append(valid_record(cfg, val_acc=acc, label=LABELS["xavier"], config=to_dict(cfg)))
    return out


def test_each_modes_table_one_is_mean_and_population_std():
    table = digits_page.means({"paper": _runs("paper", [0.8, 0.9, 0.7]), "authors": _runs("authors", [0.5, 0.5])})
    assert table.loc[LABELS["xavier"], ("paper mode", "Accuracy")] == f"{0.8:.3f} ± {np.std([0.8, 0.9, 0.7]):.3f}"
    assert table.loc[LABELS["xavier"], ("authors mode", "Accuracy")] == "0.500 ± 0.000"


def test_an_epoch_on_the_digits_takes_the_same_batches_of_far_fewer_images(tmp_path):
    rep = Reproduction.from_parameters("paper", "paper", None, "cpu", tmp_path)
    assert rep.on("digits").profile.name == "paper-digits" and rep.on("digits").data().n_inputs == 64
    assert digits_page.steps(rep) == {"fashion": -(-60000 // 256), "digits": -(-1258 // 256)}
