"""The fresh-seeds chapter: fresh seeds reuse the reported seeds' λ search, verdicts are compared claim by claim, means unpaired."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

pytest.importorskip("optuna", reason="the report's pages import the search (tools/setup.sh installs optuna)")

from antidistill.report.pages import fresh as fresh_page  # noqa: E402
from antidistill.report.reproduction import Reproduction  # noqa: E402
from antidistill.report.statistics import unpaired  # noqa: E402


def test_fresh_seeds_follow_the_reported_ones_and_keep_their_search(tmp_path):
    rep = Reproduction.from_parameters("paper", "paper", None, "cpu", tmp_path)
    fresh = rep.fresh()
    assert fresh.seeds == tuple(range(10, 20)) and fresh.search_seeds == tuple(range(10))
    for method in ("antidistill", "antidistill_l4_0"):
        assert fresh.search(method) == rep.search(method)  # the same study: no new search
    assert fresh.of_mode("authors").search("antidistill") == rep.of_mode("authors").search("antidistill")
    assert fresh.fresh().seeds == tuple(range(20, 30)) and fresh.fresh().search_seeds == rep.seeds
    assert Reproduction.from_parameters("paper", "quick", [3, 4, 5], "cpu", tmp_path).fresh().seeds == (6, 7, 8)
    assert fresh_page.seed_range(range(10, 20)) == "10–19" and fresh_page.seed_range([2, 3]) == "2, 3"


def test_an_unpaired_difference_is_welchs():
    a, b = [0.81, 0.84, 0.80, 0.86], [0.78, 0.80, 0.79, 0.77, 0.80]
    shift = unpaired(a, b)
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))  # Welch–Satterthwaite
    half = stats.t.ppf(0.975, df) * np.sqrt(va + vb)
    assert shift.mean == pytest.approx(np.mean(a) - np.mean(b))
    assert (shift.low, shift.high) == pytest.approx((shift.mean - half, shift.mean + half))
    assert shift.p == pytest.approx(2 * stats.t.sf(abs(shift.mean) / np.sqrt(va + vb), df))
    assert unpaired([1, 1], [1, 1]).p == 1.0 and unpaired([2, 2], [1, 1]).p == 0.0


def test_verdicts_are_compared_claim_by_claim(monkeypatch):
    reported, fresh = {"paper": ["reported runs"]}, {"paper": ["fresh runs"]}

    def judged(runs):
        verdicts = ("holds", "fails") if runs is reported else ("holds", "undecided")
        index = pd.MultiIndex.from_tuples(
            [("paper mode", "b", "all methods"), ("authors mode", "b", "all methods")],
            names=["mode", "claim", "methods"],
        )
        return pd.DataFrame({"text": ["most robust", "most robust"], "verdict": verdicts}, index=index)

    monkeypatch.setattr(fresh_page, "judged", judged)
    table = fresh_page.survival(reported, fresh, "seeds 0, 1", "seeds 2, 3")
    assert list(table.columns) == ["seeds 0, 1", "seeds 2, 3", "same verdict"]
    assert table.loc[("(b) most robust", "paper mode", "all methods")].tolist() == ["holds", "holds", "yes"]
    assert table.loc[("(b) most robust", "authors mode", "all methods")].tolist() == ["fails", "undecided", "no"]
    sentence = fresh_page.changed_sentence(table)
    assert sentence.startswith("1 of the 2 verdicts change") and "(b) in authors mode (all methods): fails" in sentence
    same = table.assign(**{"same verdict": "yes"})
    assert fresh_page.changed_sentence(same) == "Every one of the 2 verdicts is the same on the fresh seeds."


def test_each_mean_moves_by_its_fresh_minus_reported_difference(monkeypatch):
    def rows(seeds, shift):
        return [
            {"method": method, "seed": s, "val_acc": 0.8 + shift + 0.01 * s, "fgsm": 0.5 + 0.01 * s, "noise": 0.6}
            for method in ("xavier", "antidistill")
            for s in seeds
        ]

    monkeypatch.setattr(fresh_page, "runs_frame", pd.DataFrame)
    modes = ("paper", "authors")
    shifts = fresh_page.mean_shift({m: rows((0, 1, 2), 0.0) for m in modes}, {m: rows((3, 4, 5), 0.05) for m in modes})
    acc = shifts.loc[("paper mode", "Xavier", "Accuracy")]
    assert acc["reported seeds"] == pytest.approx(0.81) and acc["fresh seeds"] == pytest.approx(0.89)
    assert acc["fresh − reported"] == pytest.approx(0.08) and acc["low"] < 0.08 < acc["high"]
    assert shifts.loc[("authors mode", "Anti-Distillation", "Noise in parameters"), "p"] == 1.0


def test_a_comparison_judged_on_one_side_only_is_neither_same_nor_changed(monkeypatch):
    """Leaving out a collapsed method makes a comparison of its own on one set of runs only:
    on the other it is "not judged", and the sentence counts it apart."""
    reported, other = {"paper": ["reported runs"]}, {"paper": ["other runs"]}

    def judged(runs):
        rows = [("paper mode", "c", "all methods"), ("paper mode", "c", "without Anti-Distillation")]
        rows = rows if runs is reported else rows[:1]
        index = pd.MultiIndex.from_tuples(rows, names=["mode", "claim", "methods"])
        return pd.DataFrame({"text": ["most robust"] * len(rows), "verdict": ["holds"] * len(rows)}, index=index)

    monkeypatch.setattr(fresh_page, "judged", judged)
    table = fresh_page.survival(reported, other, "A", "B")
    assert table.loc[("(c) most robust", "paper mode", "without Anti-Distillation")].tolist() == [
        "holds",
        "not judged",
        "—",
    ]
    assert fresh_page.changed_sentence(table, "on B") == (
        "Every one of the 1 verdicts is the same on B (1 more, judged on A only, are not judged on B)."
    )


def test_the_declared_seeds_are_computed_block_by_block_and_never_by_a_read_only_build(tmp_path, monkeypatch):
    rep = Reproduction.from_parameters("paper", "paper", None, "cpu", tmp_path)
    assert rep.declared().seeds == tuple(range(50)) and rep.declared().search_seeds == rep.seeds
    blocks = rep.extra_blocks()
    assert [b.seeds for b in blocks] == [tuple(range(20, 30)), tuple(range(30, 40)), tuple(range(40, 50))]
    assert all(b.search_seeds == rep.seeds for b in blocks)
    # Smaller profiles declare their reported and fresh seeds: nothing beyond.
    quick = Reproduction.from_parameters("paper", "quick", None, "cpu", tmp_path)
    assert quick.declared().seeds == (0, 1, 2, 3, 4, 5) and quick.extra_blocks() == []

    ran = []
    for name in ("teacher_records", "teacher", "lambdas", "same_epoch", "regenerated", "compute_study"):
        monkeypatch.setattr(Reproduction, name, lambda self, *a, **k: None)
    monkeypatch.setattr(Reproduction, "run", lambda self, *a, **k: ran.append(self.seeds))
    rep.compute(progress=False, modes=("paper",), studies=())
    assert ran == [rep.seeds, rep.fresh().seeds, *(b.seeds for b in blocks)]
    ran.clear()
    published = Reproduction.from_parameters("paper", "paper", None, "cpu", tmp_path, read_only=True)
    published.compute(progress=False, modes=("paper",), studies=())
    assert ran == [rep.seeds, rep.fresh().seeds]
