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


def test_the_claims_matrix_marks_fragile_verdicts_and_pending_seeds():
    from antidistill.report.pages.claims import RECORDS, SeedSet, claim_name, matrix, p_text

    def rows(seeds, mode, claim, verdict, methods="all methods"):
        return {
            "seeds": seeds,
            "mode": mode,
            "claim": claim,
            "methods": methods,
            "text": f"claim {claim}",
            "verdict": verdict,
            "subject collapsed": False,
            "left out": "",
        }

    judged = pd.DataFrame(
        [
            rows("seeds 0–9", "paper mode", "a", "fails"),
            rows("fresh seeds 10–19", "paper mode", "a", "equivalent"),
            rows("seeds 0–9", "paper mode", "H1 (λ4 = 0)", "holds"),
            rows(RECORDS, RECORDS, "a", "undecided"),
        ]
    )
    sets = [
        SeedSet("seeds 0–9", object(), 10, 10),
        SeedSet("fresh seeds 10–19", object(), 10, 10),
        SeedSet("declared seeds 0–49", None, 23, 50),
    ]
    table = matrix(judged, sets, {("paper mode", "a", "all methods")})
    a = "(a) Anti-Distillation most accurate, least spread"
    assert table.loc[(a, "paper mode", "all methods")].tolist() == [
        "fails (fragile)",
        "equivalent (fragile)",
        "23 of 50 seeds computed",
        "—",
    ]
    assert table.loc[("Hypothesis 1, λ4 = 0", "paper mode", "all methods"), "fresh seeds 10–19"] == "—"
    # The records are judged once, in their own column; no pending seeds there.
    assert table.loc[(a, RECORDS, "all methods")].tolist() == ["—", "—", "—", "undecided"]
    assert [claim_name(k) for k in ("a", "f (amortised)")] == ["(a)", "(f, amortised)"]
    assert [p_text(p) for p in (0.0, 0.0004, 0.0123, float("nan"))] == ["< 0.001", "< 0.001", "0.012", "—"]


def test_the_authors_records_are_judged_as_their_table_reads_them():
    from antidistill.report.pages.claims import record_runs

    records = {
        "fgsm_eps": [0.0, 0.1],
        "noise_eps": [0.0, 0.1],
        "rows": {
            "xavier": {
                "seeds": [
                    {
                        "seed": 0,
                        "val_acc": [0.5] * 9 + [0.7] + [0.9] * 20,
                        "fgsm": [0.7, 0.4],
                        "weight_noise": [0.7, 0.6],
                    }
                ]
            },
            "zero_pad": {"seeds": [{"seed": 0, "val_acc": [0.6] * 10, "fgsm": [0.8, 0.5], "weight_noise": [0.8, 0.7]}]},
        },
    }
    runs = {r["method"]: r for r in record_runs(records, 10)}
    assert runs["xavier"]["val_acc"] == 0.7 and runs["xavier"]["metric_epochs"] == {"val_acc": 10}
    assert runs["zero_pad"]["fgsm"]["acc"][-1] == 0.5 and runs["zero_pad"]["weight_noise"]["acc"][-1] == 0.7
    assert runs["xavier"]["history"][0] == {"epoch": 1, "val_acc": 0.5}


def test_the_declared_seeds_are_what_seeds_0_to_19_call_for():
    """The analysis declares the most seeds any undecided comparison on seeds 0-19 needs, at most
    MAX_SEEDS; the `paper` profile's declared set must be that number (computed from the
    published runs of seeds 0-19 alone)."""
    import dataclasses

    from antidistill.profiles import PROFILES
    from antidistill.report.analysis import MAX_SEEDS
    from antidistill.report.claims import claim_frame, claims_table
    from antidistill.report.cost import d1_epoch_cost
    from antidistill.report.pages.claims import declared_n, needs
    from antidistill.report.reproduction import Reproduction

    tables = []
    for mode in ("paper", "authors"):
        rep = Reproduction.from_parameters(mode, "paper", None, "cpu", "published", read_only=True)
        pooled = dataclasses.replace(rep.declared(), seeds=tuple(range(20)))
        frame = claim_frame(pooled.run(progress=False), d1_epoch_cost=d1_epoch_cost(pooled))
        tables.append(claims_table(frame, f"{mode} mode").assign(seeds="pooled"))
    needed = needs(pd.concat(tables, ignore_index=True), "pooled")
    assert len(needed) and needed["seeds needed"].max() > MAX_SEEDS
    assert declared_n(needed) == PROFILES["paper"].declared_n == MAX_SEEDS


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


def test_the_claims_page_says_where_the_t_tests_would_decide_otherwise():
    from antidistill.report.pages.claims import disagreements

    def row(comparison, disagree, verdict="undecided", by_t="undecided"):
        return {
            "seeds": "s",
            "mode": "authors mode",
            "claim": "a",
            "methods": "all methods",
            "text": "",
            "metric": "variance of accuracy",
            "comparison": comparison,
            "tests disagree": disagree,
            "verdict": verdict,
            "verdict by t-tests": by_t,
            "subject collapsed": False,
            "left out": "",
        }

    same = pd.DataFrame([row("A / B (variance ratio)", False)])
    assert disagreements(same, "s") == "On s, the t-tests give every comparison the outcome the declared tests give."
    other = pd.DataFrame(
        [row("A / B (variance ratio)", True, "undecided", "fails"), row("A − B", False, "undecided", "fails")]
    )
    sentence = disagreements(other, "s")
    assert "1 comparison would get another outcome" in sentence and "A / B (variance ratio) in authors mode" in sentence
    assert "(a) in authors mode (all methods): undecided by the declared tests, fails by the t-tests" in sentence


def test_tables_show_p_values_as_a_reader_reads_them():
    from antidistill.report.tables import for_display

    shown = for_display(pd.DataFrame({"mean": [0.00012, 0.5], "p": [0.00004, 0.0312], "holm p": [float("nan"), 1.0]}))
    assert shown["p"].tolist() == ["< 0.001", "0.031"] and shown["holm p"].tolist() == ["—", "1.000"]
    assert shown["mean"].tolist() == [0.0, 0.5]  # other columns as before


def test_a_zoomed_panel_holds_every_method_those_stopped_early_too():
    from antidistill.report.figures import _zoom_limits

    rows = [{"label": "long", "epoch": e, "val_acc": 0.5 + e / 100} for e in range(31)]
    rows += [{"label": "short", "epoch": e, "val_acc": 0.55 + e / 100} for e in range(11)]
    (start, end), (low, high) = _zoom_limits(pd.DataFrame(rows), "epoch", "val_acc")
    assert start <= 10 and end == 30  # the short run's last third, to the long run's end
    assert low < 0.55 + 7 / 100 and high > 0.80


def test_the_verdict_counts_count_six_claims_per_mode():
    from antidistill.report.pages.claims import verdict_counts

    def row(mode, claim, verdict, methods="all methods"):
        return {
            "seeds": "s",
            "mode": mode,
            "claim": claim,
            "methods": methods,
            "text": "",
            "verdict": verdict,
            "subject collapsed": False,
            "left out": "",
        }

    keys = ["a", "b", "c", "d", "e"]
    judged = pd.DataFrame(
        [row("paper mode", k, "holds") for k in keys]
        + [row("paper mode", "c", "fails", "without the competitors collapsed in pre-training")]
        + [
            row("paper mode", "f", "fails", "one"),
            row("paper mode", "f (amortised)", "equivalent", "one"),
            row("paper mode", "f (amortised)", "fails", "two"),
            row("paper mode", "H1 (λ4 = 0)", "fails"),
        ]
        + [row("authors mode, every row read after epoch 10", "a", "fails")]
    )
    assert verdict_counts(judged, "s") == "paper mode: 5 holds, 1 equivalent"


def test_each_cell_at_a_glance_names_the_comparison_that_decides_it():
    from antidistill.report.pages.claims import glance, reason

    def rows(claim, verdict, *comparisons):
        return pd.DataFrame(
            [
                {
                    "claim": claim,
                    "verdict": verdict,
                    "methods": "all methods",
                    "text": f"claim {claim}",
                    "comparison": c,
                    "mean difference": d,
                    "holm p": p,
                    "outcome": o,
                    "detectable": m,
                }
                for c, d, p, o, m in comparisons
            ]
        )

    fails = rows(
        "a",
        "fails",
        ("AD − Xavier", 0.01, 0.001, "better", 0.004),
        ("AD − With Data Noise", -0.003, 0.0004, "worse", 0.003),
    )
    assert reason(fails) == "With Data Noise better by 0.003 (p < 0.001)"
    holds = rows(
        "b", "holds", ("AD − Xavier", 0.05, 0.001, "better", 0.01), ("AD − Zero Pad", 0.02, 0.03, "better", 0.01)
    )
    assert reason(holds) == "better than all 2 others; the smallest lead, on Zero Pad, 0.020 (p 0.030)"
    tied = rows(
        "c",
        "equivalent",
        ("L − Uniform Pad", 0.001, 0.6, "equivalent", 0.01),
        ("L − Xavier", 0.1, 0.001, "better", 0.01),
    )
    assert reason(tied) == "within the effect of interest of Uniform Pad"
    open_ = rows(
        "c",
        "undecided",
        ("L − Uniform Pad", 0.02, 0.2, "undecided", 0.04),
        ("L − Net2Net", 0.03, 0.1, "undecided", 0.045),
    )
    assert reason(open_) == "Uniform Pad: +0.020, detectable 0.040"  # the one furthest from being seen
    h1 = rows("H1 (λ4 = 0)", "fails", ("L − Xavier (FGSM accuracy)", -0.024, 0.0001, "worse", 0.01))
    assert reason(h1) == "worse than Xavier on FGSM accuracy by 0.024 (p < 0.001)"
    xavier = rows("d", "holds", ("Xavier − Zero Pad", -0.15, 0.001, "worse", 0.1))
    assert reason(xavier) == "Zero Pad better by 0.150 (p 0.001)"
    table = glance(pd.concat([fails.assign(column="paper mode"), holds.assign(column="authors mode")]))
    a, b = "(a) Anti-Distillation most accurate, least spread", "(b) Anti-Distillation most robust to FGSM"
    assert table.loc[a, "paper mode"].startswith("fails: With Data Noise better")
    assert table.loc[a, "authors mode"] == "—" and table.loc[b, "paper mode"] == "—"
