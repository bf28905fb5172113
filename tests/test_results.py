"""Tidy frames and Table I are computed correctly from run results."""

from __future__ import annotations

import pytest

from antidistill.results import (PAPER_TABLE_I, curves_frame, history_frame, labels, metric_epochs_sentence,
                                 never_predicted_sentence, runs_frame, summarise, table_one)


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


def test_a_collapsed_pre_training_is_marked_where_methods_are_ranked(results):
    ad = [_fake("antidistill", "Anti-Distillation", s, 0.8, 0.5, 0.6) for s in (0, 1)]
    ad[0]["pretrain_history"] = [{"epoch": 15, "val_acc": 0.2}]  # chance on the five D1 classes
    ad[1]["pretrain_history"] = [{"epoch": 15, "val_acc": 0.9}]
    runs = runs_frame(results + ad)
    assert list(runs["collapsed"]) == [False] * 4 + [True, False]
    marked = labels(runs)
    assert marked["antidistill"] == "Anti-Distillation (collapsed in pre-training: 1 of 2 seeds)"
    assert marked["xavier"] == "Xavier"
    assert "Anti-Distillation (collapsed in pre-training: 1 of 2 seeds)" in table_one(runs).index


def test_the_report_says_which_epoch_each_column_reads(results):
    for r in results:
        r["metric_epochs"] = {"val_acc": 10, "fgsm": 30 if r["method"] == "xavier" else 10, "weight_noise": 0}
    sentence = metric_epochs_sentence(results)
    assert "after epoch 30 for Xavier" in sentence and "after epoch 10 for Zero Pad" in sentence
    for r in results:
        r["metric_epochs"]["fgsm"] = 10
    assert metric_epochs_sentence(results) == "All three columns are read after the last D2 epoch, epoch 10."


def test_lost_classes_are_reported(results):
    assert never_predicted_sentence(results, True).startswith("Every one of the 4 trained students")
    results[2]["never_predicted"] = [9]
    sentence = never_predicted_sentence(results, True)
    assert sentence.startswith("1 of the 4") and "Xavier, seed 0: class 9" in sentence and "ReLU" in sentence
    assert "ReLU" not in never_predicted_sentence(results, False)
