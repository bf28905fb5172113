"""Tidy frames and Table I are computed correctly from run results."""

from __future__ import annotations

import pytest

from antidistill.results import PAPER_TABLE_I, curves_frame, history_frame, runs_frame, summarise, table_one


def _fake(method, label, seed, acc, fgsm, noise):
    return {"method": method, "label": label, "seed": seed, "mode": "paper", "val_acc": acc, "wall_time_s": 1.0,
            "history": [{"epoch": 0, "val_acc": 0.1}, {"epoch": 1, "val_acc": acc}], "pretrain_history": None,
            "fgsm": {"eps": [0.0, 0.018], "acc": [acc, fgsm]}, "weight_noise": {"eps": [0.0, 0.09], "acc": [acc, noise]}}


@pytest.fixture
def results():
    return [_fake("zero_pad", "Zero Pad", 0, 0.80, 0.40, 0.60), _fake("zero_pad", "Zero Pad", 1, 0.90, 0.50, 0.70),
            _fake("xavier", "Xavier", 0, 0.70, 0.30, 0.50), _fake("xavier", "Xavier", 1, 0.70, 0.30, 0.50)]


def test_frames_are_tidy_and_in_paper_order(results):
    runs = runs_frame(results)
    assert list(runs["method"]) == ["xavier", "xavier", "zero_pad", "zero_pad"]
    assert len(history_frame(results)) == 8 and len(curves_frame(results)) == 16


def test_population_std_as_the_paper(results):
    stats = summarise(runs_frame(results))
    assert stats.loc["zero_pad", "val_acc_mean"] == pytest.approx(0.85)
    assert stats.loc["zero_pad", "val_acc_std"] == pytest.approx(0.05)  # ddof=0; ddof=1 would be 0.0707
    assert stats.loc["xavier", "fgsm_std"] == 0


def test_table_one_sets_ours_beside_the_papers(results):
    table = table_one(runs_frame(results))
    assert list(table.index) == ["Xavier", "Zero Pad"]
    assert table.loc["Zero Pad", ("Accuracy", "this build")] == "0.85\u00a0±\u00a00.05"
    paper = PAPER_TABLE_I["zero_pad"][0]
    assert table.loc["Zero Pad", ("Accuracy", "paper (reported)")] == f"{paper[0]:.2f}\u00a0±\u00a0{paper[1]:.2f}"
    assert table.loc["Zero Pad", ("Accuracy", "Δ")] == f"{0.85 - paper[0]:+.2f}"
    assert table.loc["Xavier", ("FGSM attack", "this build")] == "0.30\u00a0±\u00a00.00"
