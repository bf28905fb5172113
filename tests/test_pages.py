"""The chapters' computed sentences follow the numbers (a verdict is never stated whatever the runs say)."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("optuna", reason="the report's pages import the search (tools/setup.sh installs optuna)")

from antidistill.models import TEACHER_BLOCKS  # noqa: E402
from antidistill.report.pages.experiment import width_verdict, widths  # noqa: E402


def _runs(zero_pad, net2net):
    return [{"method": "zero_pad", "effective_widths": zero_pad}, {"method": "net2net", "effective_widths": net2net}]


def test_the_width_verdict_follows_the_counted_units():
    teacher = list(TEACHER_BLOCKS)
    assert width_verdict(widths(_runs(teacher, teacher))).startswith("Neither left the teacher's width")
    one = width_verdict(widths(_runs(teacher, [200, 64, 32])))
    assert one.startswith("Zero Pad stayed at the teacher's width") and "Net2Net" not in one
    assert "does not hold here" in width_verdict(widths(_runs([130, 64, 32], [200, 64, 32])))


def test_widths_average_over_seeds():
    table = widths(_runs([128, 64, 32], [128, 64, 32]) + _runs([130, 64, 32], [128, 64, 32]))
    assert isinstance(table, pd.DataFrame) and table.loc["zero_pad", "layer 1"] == 129


def test_the_search_margin_follows_the_paired_spread():
    from antidistill.report.pages.search import margin_sentence

    def table(best, runner):
        rows = {0: best, 1: runner}
        frame = pd.DataFrame({t: {f"FGSM seed {s}": v for s, v in enumerate(vals)} for t, vals in rows.items()}).T
        frame["objective"] = frame.mean(axis=1)
        return frame

    # Lead 0.1 on every seed but one: far beyond its standard error.
    assert "do separate" in margin_sentence(table([0.5, 0.6, 0.7], [0.4, 0.5, 0.61]))
    # Lead 0.01 on average from seeds that disagree: within the spread.
    assert "cannot tell" in margin_sentence(table([0.5, 0.3, 0.7], [0.3, 0.5, 0.67]))
    assert "no runner-up" in margin_sentence(table([0.5, 0.6], [0.4, 0.5]).iloc[:1])


def _diff(method, seed, acc, lost=()):
    return {
        "method": method,
        "seed": seed,
        "val_acc": acc,
        "fgsm": -acc / 2,
        "noise": acc / 4,
        "never_predicted": list(lost),
    }


def test_the_regenerated_page_counts_seeds_and_names_the_lost_classes():
    from antidistill.report.pages.regenerated import per_seed_table, residual_sentence, summary_table

    theirs = [
        _diff("zero_pad", 0, 0.004),
        _diff("zero_pad", 1, -0.002),
        _diff("data_noise", 0, -0.2, lost=[2, 7]),
        _diff("data_noise", 1, 0.01),
    ]
    ours = [_diff("zero_pad", s, 0.05) for s in (0, 1)] + [_diff("data_noise", s, 0.0) for s in (0, 1)]
    table = summary_table({"ours": ours, "authors": theirs})
    assert table.loc["Zero Pad", ("their teachers", "seeds within")] == "2/2"
    assert table.loc["Zero Pad", ("our teachers", "seeds within")] == "0/2"
    assert table.loc["With Data Noise", ("their teachers", "largest |Δ acc|")] == 0.2
    assert per_seed_table(theirs).loc["With Data Noise", 0] == "-0.200*"
    sentence = residual_sentence(theirs)
    assert sentence.startswith("From their teachers, every seed is within 0.011 of their accuracy in Zero Pad.")
    assert "With Data Noise: 1 of 2 seeds differ" in sentence and "seed 0: classes [2, 7]" in sentence


def test_the_seeds_that_do_not_reproduce_theirs_are_shown_on_another_code_path(tmp_path):
    from types import SimpleNamespace

    from conftest import valid_record

    from antidistill.profiles import PROFILES
    from antidistill.report.pages.regenerated import other_path_table
    from antidistill.store import Store

    rep = SimpleNamespace(profile=PROFILES["paper"], store=Store(tmp_path))
    ds = [_diff("xavier", 0, 0.0), _diff("xavier", 1, -0.05, lost=[6]), _diff("transfer", 2, 0.03)]
    records = {
        "rows": {
            m: {"seeds": [{"val_acc": [0.8] * 30, "fgsm": [0.1], "weight_noise": [0.2]}] * 3}
            for m in ("xavier", "transfer")
        }
    }
    table, sentence = other_path_table(rep, ds, records)
    assert not len(table) and "antidistill same-teachers" in sentence and "--off-in" in sentence
    other = Store(tmp_path / "compatible")
    cfg = PROFILES["paper"].regenerated("xavier", 1, "authors")
    path = {"mkl_cbwr": "COMPATIBLE", "aten": "DEFAULT", "cpu": "x", "pinned": False, "threads": 2}
    record = valid_record(cfg, val_acc=0.805, environment={"code_path": path})
    record["history"] = [{**h, "val_acc": 0.805} for h in record["history"]]
    other.save("runs", cfg.run_name, cfg, record)
    table, sentence = other_path_table(rep, ds, records)
    assert table.loc[("Xavier", 1)].tolist() == ["-0.050*", "+0.005"]
    assert table.loc[("Transfer Learning", 2)].tolist() == ["+0.030", "not run"]
    assert sentence.startswith(
        "Run again on another CPU code path (MKL COMPATIBLE, ATen DEFAULT; same config, same "
        "seed), 1 of these 1 seeds land within 0.011 of their accuracy (Xavier seed 1)"
    )


def test_the_regenerated_page_is_computed_at_the_paper_profile_only():
    from antidistill.profiles import PROFILES
    from antidistill.report.reproduction import regenerated_unavailable

    assert "paper" in regenerated_unavailable(PROFILES["quick"])


def test_the_claims_page_names_each_verdict_and_what_decides_it():
    import math

    import pandas as pd

    from antidistill.report.pages.claims import margin_sentence, verdict_table

    def row(claim, comparison, mean, holm, methods="all methods", verdict="inconclusive", low=-0.1, high=0.1):
        supports = "neither" if not holm < 0.05 else "for" if mean > 0 else "against"
        return {
            "mode": "paper mode",
            "claim": claim,
            "text": f"claim {claim}",
            "methods": methods,
            "verdict": verdict,
            "subject collapsed": False,
            "metric": "m",
            "comparison": comparison,
            "n": 10,
            "mean difference": mean,
            "low": low,
            "high": high,
            "p": holm,
            "holm p": holm,
            "supports": supports,
        }

    table = pd.DataFrame(
        [
            row("b", "Anti-Distillation − Zero Pad", 0.05, 0.01, low=0.02, high=0.08),
            row("b", "Anti-Distillation − Xavier", 0.02, 0.20, low=-0.01, high=0.05),
            row("a", "Anti-Distillation − Xavier", 0.02, 0.01, verdict="fails"),
            row("a", "Anti-Distillation / Xavier (variance ratio)", 3.0, 0.02, verdict="fails")
            | {"supports": "against"},
            row("d", "Zero Pad − Xavier", 0.10, 0.001, verdict="holds"),
            row("d", "Net2Net − Xavier", 0.01, 0.4, verdict="holds"),
            row("f", "growing Anti-Distillation / training from scratch", 1.4, math.nan, "pre-training only", "fails"),
            row(
                "f",
                "growing Anti-Distillation, λ4 = 0 / training from scratch",
                1.1,
                math.nan,
                "pre-training only",
                "fails",
            ),
        ]
    )
    judged = verdict_table(table)
    assert (
        judged.loc[("(b) claim b", "paper mode", "all methods"), "deciding comparison"] == "Anti-Distillation − Xavier"
    )
    assert judged.loc[("(d) claim d", "paper mode", "all methods"), "deciding comparison"] == "Zero Pad − Xavier"
    # A claim that fails on its variance part is decided by that comparison, not by its means.
    assert judged.loc[("(a) claim a", "paper mode", "all methods"), "deciding comparison"].endswith("(variance ratio)")
    assert judged.loc[("(f) claim f", "paper mode", "pre-training only"), "mean difference"] == 1.4
    assert margin_sentence(table) == (
        "Claim (b) speaks of a large margin. Of Anti-Distillation's FGSM accuracy minus "
        "each other method's, in paper mode the smallest is against Xavier, +0.020 on "
        "average (95% interval -0.010 to +0.050)."
    )


def test_the_collapse_sentence_follows_the_collapsed_runs_cross_entropy():
    """A collapsed run is at chance on D1; the sentence gives their D1 cross-entropy and counts those
    worse than a uniform guess (ln 5), never a claim that holds whatever they are."""
    import math

    from conftest import valid_record

    from antidistill.experiment import ExperimentConfig
    from antidistill.report.pages.experiment import pretraining

    def runs(*ends):  # (D1 accuracy, D1 cross-entropy) at the end of each seed's pre-training
        return [
            valid_record(
                ExperimentConfig(method="antidistill", seed=seed, lambdas=(1.0, 0.01, 0.5, 0.5)),
                label="Anti-Distillation",
                pretrain_history=[{"epoch": 1, "val_acc": acc, "train_ce": ce, "train_l4": 1.0}],
            )
            for seed, (acc, ce) in enumerate(ends)
        ]

    sure = pretraining(runs((0.2, 8.0), (0.21, math.log(5)), (0.9, 0.1)), "paper")["collapse_verdict"]
    assert sure.startswith("In this build 2 of 3 full Anti-Distillation runs ended pre-training at chance")
    assert "from 1.609 to 8.000" in sure and "1 of them worse than that guess" in sure
    undecided = pretraining(runs((0.2, math.log(5)), (0.9, 0.1)), "paper")["collapse_verdict"]
    assert "worse than that guess" not in undecided and "1 of 2" in undecided
    assert "no full Anti-Distillation run collapsed" in pretraining(runs((0.9, 0.1)), "paper")["collapse_verdict"]
