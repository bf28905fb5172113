"""The one-switch-at-a-time chapter: paired effects per flip, Holm within a mode and metric, the gap between the protocols and the sums beside it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny, valid_record
from scipy import stats

pytest.importorskip("optuna", reason="the report's pages import the search (tools/setup.sh installs optuna)")

from antidistill.ablation import Flip  # noqa: E402
from antidistill.config import to_dict  # noqa: E402
from antidistill.report.pages import switches  # noqa: E402
from antidistill.report.tables import LABELS, PAPER_TABLE_I  # noqa: E402

SEEDS = (0, 1, 2, 3)


def _runs(method: str, mode: str, accuracies, flip: Flip | None = None) -> list[dict]:
    out = []
    for seed, acc in zip(SEEDS, accuracies):
        cfg = tiny(method, mode, seed)
        cfg = flip.config(cfg, {}) if flip else cfg
        record = valid_record(cfg, val_acc=acc, label=LABELS[method], config=to_dict(cfg))
        record["fgsm"] = {**record["fgsm"], "acc": [acc / 2] * len(record["fgsm"]["acc"])}
        out.append(record)
    return out


BASE = {"paper": [0.80, 0.82, 0.84, 0.86], "authors": [0.70, 0.75, 0.71, 0.78]}
SHIFT = {"paper": [0.05, 0.07, 0.04, 0.06], "authors": [-0.02, -0.06, -0.03, -0.01]}


@pytest.fixture
def switched():
    out = {}
    for mode in ("paper", "authors"):
        flip = Flip(mode, "output_relu", "xavier")
        base = _runs("xavier", mode, BASE[mode])
        flipped = _runs("xavier", mode, np.add(BASE[mode], SHIFT[mode]), flip)
        shuffle = Flip(mode, "shuffle", "xavier")
        out[mode] = [(flip, base, flipped), (shuffle, base, _runs("xavier", mode, BASE[mode], shuffle))]
    return out


def test_an_effect_is_the_paired_difference_holm_corrected_within_mode_and_metric(switched):
    table = switches.effects(switched)
    row = table[(table["mode"] == "paper") & (table["metric"] == "val_acc") & (table["setting"] == "no → yes")]
    [row] = row.to_dict("records")
    expected = stats.ttest_rel(np.add(BASE["paper"], SHIFT["paper"]), BASE["paper"])
    assert row["effect"] == pytest.approx(np.mean(SHIFT["paper"]))
    assert row["p"] == pytest.approx(expected.pvalue)
    assert row["holm"] == pytest.approx(min(1.0, 2 * expected.pvalue))  # two flips in the family; the other's p is 1
    assert row["epochs"] == "1 / 1 / 1 → 1 / 1 / 1" and row["switch"] == "a ReLU after the output layer"
    same = table[(table["mode"] == "paper") & (table["switch"].str.contains("reshuffled"))]
    assert (same["effect"] == 0).all() and (same["p"] == 1).all()
    shown = switches.effects_table(table, "paper")
    assert list(shown.columns) == [
        "read after epoch (acc / FGSM / noise)",
        "Accuracy",
        "FGSM attack",
        "Noise in parameters",
    ]
    assert shown.iloc[0]["Accuracy"].startswith(f"{np.mean(SHIFT['paper']):+.3f} [")


def test_the_gap_is_set_beside_the_sums_of_single_switches_both_read_towards_the_code(switched, monkeypatch):
    runs = {mode: switched[mode][0][1] for mode in switched}
    table = switches.effects(switched)
    frame = switches.gaps(table.assign(), runs, ["xavier"])
    gaps = frame.loc[(LABELS["xavier"], "Accuracy")]
    assert gaps["gap"] == pytest.approx(np.mean(np.subtract(BASE["authors"], BASE["paper"])))
    assert gaps["sum from paper"] == pytest.approx(np.mean(SHIFT["paper"]))
    assert gaps["sum from authors"] == pytest.approx(-np.mean(SHIFT["authors"]))
    assert gaps["largest from paper"].startswith("a ReLU after the output layer (+")
    shown = switches.gaps_table(frame).loc[(LABELS["xavier"], "Accuracy")]  # signed, as the effects are
    assert shown["gap"] == f"{gaps['gap']:+.3f} [{gaps['low']:+.3f}, {gaps['high']:+.3f}]"
    assert shown["sum from authors"] == f"{gaps['sum from authors']:+.3f}"
    assert list(shown.index) == [
        "gap",
        "sum from paper",
        "largest from paper",
        "sum from authors",
        "largest from authors",
    ]
    sentence = switches.printed_xavier(table, runs)
    printed, ours = PAPER_TABLE_I["xavier"]["val_acc"][0], np.mean(BASE["paper"])
    assert f"{ours:.3f}" in sentence and f"{printed:.2f}" in sentence
    assert "No single switch" in sentence  # the ReLU raises accuracy, away from the printed 0.68
    xavier = (table["mode"] == "paper") & (table["metric"] == "val_acc")
    for share, end in ((0.5, "50% of the way."), (1.1, "110% of the way, past the printed value.")):
        moved = table.assign(effect=table["effect"].where(~xavier, share * (printed - ours)))
        assert switches.printed_xavier(moved, runs).endswith(end)


def test_the_ablated_methods_read_as_a_list_whose_labels_keep_their_commas():
    assert switches.method_list(["xavier", "antidistill"]) == f"{LABELS['xavier']} and {LABELS['antidistill']}"
    three = switches.method_list(["xavier", "antidistill_l4_0", "antidistill"])
    assert three == f"{LABELS['xavier']}; {LABELS['antidistill_l4_0']}; and {LABELS['antidistill']}"
