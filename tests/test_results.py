"""Tidy frames and Table I are computed correctly from run results."""

from __future__ import annotations

import pandas as pd
import pytest

from antidistill.growth import METHODS
from antidistill.report.statistics import interval, printed_consistent
from antidistill.report.tables import (
    METRICS,
    PAPER_TABLE_I,
    PRINTED,
    best_and_ties,
    best_sentences,
    consistency_sentence,
    curves_frame,
    history_frame,
    labels,
    metric_epochs_sentence,
    never_predicted_sentence,
    ranking,
    ranking_sentence,
    runs_frame,
    summarise,
    table_one_numbers,
    table_one_three_ways,
)


def _fake(method, label, seed, acc, fgsm, noise):
    return {
        "method": method,
        "label": label,
        "seed": seed,
        "mode": "paper",
        "val_acc": acc,
        "wall_time_s": 1.0,
        "history": [{"epoch": 0, "val_acc": 0.1}, {"epoch": 1, "val_acc": acc}],
        "pretrain_history": None,
        "fgsm": {"eps": [0.0, 0.018], "acc": [acc, fgsm]},
        "weight_noise": {"eps": [0.0, 0.09], "acc": [acc, noise]},
    }


@pytest.fixture
def results():
    return [
        _fake("zero_pad", "Zero Pad", 0, 0.80, 0.40, 0.60),
        _fake("zero_pad", "Zero Pad", 1, 0.90, 0.50, 0.70),
        _fake("xavier", "Xavier", 0, 0.70, 0.30, 0.50),
        _fake("xavier", "Xavier", 1, 0.70, 0.30, 0.50),
    ]


def test_frames_are_tidy_and_in_paper_order(results):
    runs = runs_frame(results)
    assert list(runs["method"]) == ["xavier", "xavier", "zero_pad", "zero_pad"]
    assert len(history_frame(results)) == 8 and len(curves_frame(results)) == 16


def test_population_std_as_the_paper(results):
    stats = summarise(runs_frame(results))
    assert stats.loc["zero_pad", "val_acc_mean"] == pytest.approx(0.85)
    assert stats.loc["zero_pad", "val_acc_std"] == pytest.approx(0.05)  # ddof=0; ddof=1 would be 0.0707
    assert stats.loc["xavier", "fgsm_std"] == 0


def test_table_one_three_ways(results):
    authors = [{**r, "mode": "authors", "val_acc": r["val_acc"] - 0.2} for r in results]
    runs = runs_frame(results + authors)
    numbers = table_one_numbers(runs).set_index(["method", "metric", "source"])
    assert numbers.loc[("zero_pad", "val_acc", "paper mode"), "mean"] == pytest.approx(0.85)
    assert numbers.loc[("zero_pad", "val_acc", "paper mode"), "std"] == pytest.approx(0.05)  # population std
    assert numbers.loc[("zero_pad", "val_acc", "authors mode"), "mean"] == pytest.approx(0.65)
    assert tuple(numbers.loc[("zero_pad", "val_acc", "paper mode"), ["low", "high"]]) == pytest.approx(
        interval([0.80, 0.90])
    )
    assert numbers.loc[("zero_pad", "val_acc", "paper mode"), "p printed"] == pytest.approx(
        printed_consistent(0.86, 0.02, 10, [0.80, 0.90])
    )
    assert numbers.loc[("xavier", "fgsm", PRINTED), "mean"] == PAPER_TABLE_I["xavier"]["fgsm"][0]
    table = table_one_three_ways(runs)
    assert list(table.index) == ["Xavier", "Zero Pad"]
    low, high = interval([0.80, 0.90])
    assert table.loc["Zero Pad", ("Accuracy", "paper mode")] == f"0.850\u00a0±\u00a00.050 [{low:.3f}, {high:.3f}]"
    assert table.loc["Zero Pad", ("Accuracy", PRINTED)] == "0.86\u00a0±\u00a00.02"
    # Xavier's FGSM is 0.30 on both seeds against the printed 0.42 ± 0.04: rejected, marked.
    assert table.loc["Xavier", ("FGSM attack", "paper mode")].endswith(" †")
    assert "of 6 printed cells are consistent with paper mode" in consistency_sentence(table_one_numbers(runs))


def test_ties_are_named_in_the_printed_table_and_in_ours():
    runs = runs_frame(
        [
            _fake(m, METHODS[m].label, s, acc + d, 0.5, 0.6)
            for m, d in (("zero_pad", 0.0), ("uniform_pad", 0.001), ("xavier", -0.1))
            for s, acc in enumerate((0.80, 0.84, 0.82, 0.86))
        ]
    )
    best, tied = best_and_ties(runs, "val_acc")
    assert best == "uniform_pad" and tied == []  # ahead by 0.001 on every seed: no spread, a real lead
    noisy = runs.copy()
    noisy.loc[(noisy["method"] == "zero_pad") & (noisy["seed"] == 0), "val_acc"] += 0.01
    assert best_and_ties(noisy, "val_acc") == ("zero_pad", ["uniform_pad"])  # best now, but by noise
    full = runs_frame([_fake(m, METHODS[m].label, s, 0.8 + s / 100, 0.5, 0.6) for m in METHODS for s in range(3)])
    sentence = best_sentences(full)
    # The paper's accuracy column: 0.86 for zero pad and both Anti-Distillation rows.
    assert "paper (printed): a 3-way tie at 0.86 (Zero Pad, Anti-Distillation, λ4 = 0, Anti-Distillation)" in sentence


def test_a_collapsed_pre_training_is_marked_where_methods_are_ranked(results):
    ad = [_fake("antidistill", "Anti-Distillation", s, 0.8, 0.5, 0.6) for s in (0, 1)]
    ad[0]["pretrain_history"] = [{"epoch": 15, "val_acc": 0.2}]  # chance on the five D1 classes
    ad[1]["pretrain_history"] = [{"epoch": 15, "val_acc": 0.9}]
    runs = runs_frame(results + ad)
    assert list(runs["collapsed"]) == [False] * 4 + [True, False]
    marked = labels(runs)
    assert marked["antidistill"] == "Anti-Distillation (collapsed in pre-training: 1 of 2 seeds)"
    assert marked["xavier"] == "Xavier"
    assert "Anti-Distillation (paper mode: collapsed in pre-training: 1 of 2 seeds)" in table_one_three_ways(runs).index
    assert "full Anti-Distillation ranks" in ranking_sentence(runs, "val_acc")
    assert (
        ranking_sentence(runs, "val_acc")
        .split("full Anti-Distillation ranks")[1]
        .split(";")[0]
        .endswith("but collapsed in pre-training: 1 of 2 seeds")
    )


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


def test_the_papers_table_is_keyed_by_metric_name():
    assert set(PAPER_TABLE_I) == set(METHODS)
    assert all(list(row) == list(METRICS) for row in PAPER_TABLE_I.values())
    assert PAPER_TABLE_I["antidistill"]["fgsm"] == (0.57, 0.03)  # the paper's best FGSM row
    assert PAPER_TABLE_I["xavier"]["noise"] == (0.58, 0.06)


def test_ranking_and_the_comparison_with_the_paper(results):
    runs = runs_frame(results)
    ranked = ranking(runs, "val_acc")
    assert list(ranked.index) == ["zero_pad", "xavier"] and list(ranked["rank"]) == [1, 2]
    assert ranked.loc["zero_pad", "mean"] == pytest.approx(0.85)
    assert ranking_sentence(runs, "val_acc").startswith("Zero Pad has the highest mean (0.850)")


def test_tables_are_shown_rounded_with_missing_terms_marked():
    import math

    from antidistill.report.tables import for_display

    shown = for_display(pd.DataFrame({"acc": [0.123456, math.nan], "units": [128.0, 64.0], "name": ["a", "b"]}))
    assert shown["acc"].tolist() == [0.123, "—"] and shown["units"].tolist() == [128, 64]
    assert shown["name"].tolist() == ["a", "b"]


def test_figure_one_has_a_row_per_protocol_and_a_panel_zoomed_where_the_methods_differ(results):
    from antidistill.report.figures import _zoom_limits, accuracy_per_epoch

    runs = []
    for mode, shift in (("paper", 0.0), ("authors", -0.1)):
        for r in results:
            top = 0.8 - 0.05 * (r["method"] == "xavier")
            history = [{"epoch": e, "val_acc": min(top, 0.1 + 0.2 * e) + shift + 0.01 * r["seed"]} for e in range(10)]
            runs.append({**r, "mode": mode, "history": history})
    frame = history_frame(runs)
    fig = accuracy_per_epoch(frame)
    assert len(fig.axes) == 4 and [ax.get_title() for ax in fig.axes[:2]] == [
        "paper mode",
        "paper mode, zoomed where the methods differ",
    ]
    (x0, x1), (y0, y1) = _zoom_limits(frame[frame["mode"] == "paper"], "epoch", "val_acc")
    late = frame[(frame["mode"] == "paper") & (frame["epoch"] >= 6)]
    assert (x0, x1) == (6, 9) and fig.axes[1].get_xlim() == (6, 9)
    assert y0 < late["val_acc"].min() and y1 > late["val_acc"].max() and y1 - y0 < 0.1  # zoomed, all of it in view
