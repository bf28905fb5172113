"""The Hessian penalties study: each variant changes L4 alone and searches its own λ; each is set against λ4 = 0 seed by seed."""

from __future__ import annotations

import pytest
from conftest import tiny, valid_record

pytest.importorskip("optuna", reason="the report's pages import the search (tools/setup.sh installs optuna)")

from antidistill.config import to_dict  # noqa: E402
from antidistill.penalties import PENALTIES  # noqa: E402
from antidistill.protocol import PAPER  # noqa: E402
from antidistill.report.pages import penalties as page  # noqa: E402
from antidistill.report.reproduction import Reproduction  # noqa: E402
from antidistill.report.tables import LABELS  # noqa: E402


def test_each_variant_changes_l4_alone_and_has_its_own_search(tmp_path):
    rep = Reproduction.from_parameters("paper", "paper", None, "cpu", tmp_path)
    base = rep.profile.config("antidistill", 0, "paper", (1.0, 1.0, 1.0, 1.0))
    studies = {rep.search("antidistill").study_name}
    for penalty in PENALTIES:
        session = rep.penalty(penalty)
        cfg = session.profile.config("antidistill", 0, "paper", (1.0, 1.0, 1.0, 1.0))
        changed = {k for k, v in to_dict(cfg).items() if to_dict(base).get(k) != v}
        assert changed <= {"protocol", "growth"}, penalty.name
        assert cfg.teacher_config() == base.teacher_config()  # the same teachers: paired seeds
        studies.add(session.search("antidistill").study_name)
    assert len(studies) == 1 + len(PENALTIES)
    assert rep.penalty(PENALTIES[0]).profile.config("antidistill", 0, "paper", (1, 1, 1, 1)).protocol.probe_abs
    assert not PAPER.probe_abs


def _runs(method, values):
    out = []
    for seed, (acc, fgsm) in enumerate(values):
        cfg = tiny(method, "paper", seed)
        record = valid_record(cfg, val_acc=acc, label=LABELS[method], config=to_dict(cfg))
        record["fgsm"] = {**record["fgsm"], "acc": [fgsm] * len(record["fgsm"]["acc"])}
        out.append(record)
    return out


def test_a_variant_is_judged_against_the_baseline_at_equal_accuracy():
    base = _runs("antidistill_l4_0", [(0.80, 0.50), (0.82, 0.52), (0.84, 0.51), (0.81, 0.49), (0.83, 0.50)])
    robust = _runs("antidistill", [(0.80, 0.60), (0.82, 0.63), (0.84, 0.60), (0.81, 0.58), (0.83, 0.61)])
    worse = _runs("antidistill", [(0.60, 0.60), (0.61, 0.63), (0.62, 0.60), (0.58, 0.58), (0.60, 0.61)])
    same = _runs("antidistill", [(0.80, 0.50), (0.82, 0.52), (0.84, 0.51), (0.81, 0.49), (0.83, 0.50)])
    table = page.compare(
        base, [("robust", (1, 0, 0, 0.1), robust), ("worse", (1, 0, 0, 1), worse), ("same", (1, 0, 0, 0), same)]
    )
    assert table.loc["robust", "verdict"] == "more robust (FGSM attack) at equal accuracy"
    assert table.loc["worse", "verdict"] == "more robust (FGSM attack), less accurate"
    assert table.loc["same", "verdict"] == "no difference shown"
    assert (
        page.answer(table)
        == "More FGSM- or noise-robust than λ4 = 0 and not less accurate: robust (more robust (FGSM attack) at equal accuracy)."
    )
    assert table.loc["robust", "λ"] == "1, 0, 0, 0.1" and table.loc["same", "collapsed in pre-training"] == "0 of 5"
    with pytest.raises(ValueError, match="same seeds"):
        page.compare(base, [("short", (1, 0, 0, 0), robust[:3])])


def test_a_loss_of_robustness_is_named_not_hidden():
    """A variant shown less robust (here under FGSM) is said so, in its row and in the answer."""
    base = _runs("antidistill_l4_0", [(0.80, 0.50), (0.82, 0.52), (0.84, 0.51), (0.81, 0.49), (0.83, 0.50)])
    fragile = _runs("antidistill", [(0.80, 0.40), (0.82, 0.43), (0.84, 0.40), (0.81, 0.38), (0.83, 0.41)])
    mixed = _runs("antidistill", [(0.90, 0.40), (0.91, 0.43), (0.92, 0.40), (0.90, 0.38), (0.93, 0.41)])
    table = page.compare(base, [("fragile", (1, 0, 0, 1), fragile), ("mixed", (1, 0, 0, 1), mixed)])
    assert table.loc["fragile", "verdict"] == "less robust (FGSM attack)"
    assert table.loc["mixed", "verdict"] == "less robust (FGSM attack), more accurate"
    said = page.answer(table)
    assert said.startswith("No variant of L4 makes the student more FGSM- or noise-robust")
    assert said.endswith(
        "Shown less robust than λ4 = 0: fragile (less robust (FGSM attack)); mixed (less robust (FGSM attack), more accurate)."
    )
