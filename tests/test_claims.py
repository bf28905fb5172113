"""The statistics behind the verdicts (checked against their formulas) and the verdict rules on made-up seeds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from antidistill.growth import METHODS
from antidistill.report.claims import (
    CLAIMS,
    EQUIVALENT,
    FAILS,
    HOLDS,
    HYPOTHESIS,
    UNDECIDED,
    WITHOUT_COLLAPSED,
    Claim,
    claim_frame,
    claims_table,
    epochs_to,
    judge,
    sensitivity,
    verdicts,
)
from antidistill.report.statistics import holm, interval, paired, paired_variances, printed_consistent


def test_a_paired_comparison_is_the_t_interval_of_the_differences():
    a, b = [0.81, 0.84, 0.86, 0.80, 0.83], [0.80, 0.82, 0.83, 0.80, 0.81]
    d = np.subtract(a, b)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    t = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
    c = paired(a, b)
    assert c.mean == pytest.approx(d.mean()) and (c.low, c.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert c.p == pytest.approx(2 * stats.t.sf(abs(t), len(d) - 1))
    same = paired([0.5, 0.6, 0.7], [0.4, 0.5, 0.6])
    assert (same.mean, same.low, same.high, same.p) == pytest.approx((0.1, 0.1, 0.1, 0.0))
    assert paired([0.5, 0.6], [0.5, 0.6]).p == 1.0
    with pytest.raises(ValueError, match="same seeds"):
        paired([0.5, 0.6, 0.7], [0.5, 0.6])


def test_holm_multiplies_the_kth_smallest_p_by_the_number_left_and_keeps_the_order():
    corrected = [c.holm for c in holm([paired([1, 2, 3.5], [0, 1, 3])] * 1)]
    assert corrected == pytest.approx([paired([1, 2, 3.5], [0, 1, 3]).p])
    family = [paired(*pair) for pair in (([1, 2, 3.5], [0, 1, 3]), ([1, 2, 3.2], [0, 1, 1.1]), ([3, 1, 2], [1, 2, 0]))]
    ps = [c.p for c in family]
    order = np.argsort(ps)
    expected = np.empty(3)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (3 - rank) * ps[i]))
        expected[i] = running
    assert [c.holm for c in holm(family)] == pytest.approx(list(expected))


def test_paired_variances_are_pitman_morgans_test():
    rng = np.random.default_rng(0)
    a = rng.normal(size=12)
    b = 0.6 * a + rng.normal(scale=0.3, size=12)
    ratio, p = paired_variances(a, b)
    f, r = np.var(a, ddof=1) / np.var(b, ddof=1), np.corrcoef(a, b)[0, 1]
    # Pitman-Morgan: t = (F - 1) sqrt(n - 2) / (2 sqrt(F (1 - r^2))), n - 2 degrees of freedom.
    t = (f - 1) * math.sqrt(len(a) - 2) / (2 * math.sqrt(f * (1 - r**2)))
    assert ratio == pytest.approx(f) and p == pytest.approx(2 * stats.t.sf(abs(t), len(a) - 2))
    assert paired_variances(a, a)[1] == 1.0


def test_an_interval_of_the_mean():
    values = [0.1, 0.3, 0.2, 0.4]
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2
    assert interval(values) == pytest.approx((0.25 - half, 0.25 + half))
    assert interval([0.2, 0.2]) == (0.2, 0.2)


def test_a_printed_row_is_tested_at_its_most_favourable_rounding():
    ours = [0.861, 0.863, 0.859, 0.864, 0.862]
    assert printed_consistent(0.86, 0.00, 10, ours) == 1.0  # our mean lies inside 0.86's rounding interval
    far = [0.80, 0.81, 0.79, 0.80, 0.81]
    std = 0.025 * math.sqrt(10 / 9)
    expected = stats.ttest_ind_from_stats(0.855, std, 10, np.mean(far), np.std(far, ddof=1), 5, equal_var=False).pvalue
    assert printed_consistent(0.86, 0.02, 10, far) == pytest.approx(expected) and expected < 1e-4


def _frame(columns: dict[str, list[float]], metric: str = "val_acc", collapsed: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"method": m, "seed": s, metric: v, "d1_acc": 0.2 if m in collapsed else 0.9}
            for m, values in columns.items()
            for s, v in enumerate(values)
        ]
    )


# Eight seeds: the smallest exact sign-flip p is 2 / 2^8, small enough for a family of a few
# comparisons after Holm (six seeds' 2 / 64 is not, for two).
BASE = [0.80, 0.83, 0.79, 0.85, 0.81, 0.82, 0.84, 0.80]
JITTER = [0.001, -0.002, 0.0, 0.002, -0.001, 0.001, -0.001, 0.002]


def _plus(values, shift, jitter=JITTER):
    return [v + shift + j for v, j in zip(values, jitter)]


@pytest.mark.parametrize(
    "subject_shift, other_shift, verdict",
    [
        (0.02, 0.0, HOLDS),  # the subject beats both, seed by seed
        (0.02, 0.03, FAILS),  # one method beats the subject seed by seed
        (0.0, -0.02, EQUIVALENT),  # the subject is shown within 0.005 of zero pad, and beats Xavier
    ],
)
def test_a_best_claim(subject_shift, other_shift, verdict):
    claim = Claim("x", "", "antidistill", "val_acc")
    frame = _frame(
        {
            "antidistill": _plus(BASE, subject_shift, [j / 10 for j in JITTER]),
            "zero_pad": BASE,
            "xavier": _plus(BASE, other_shift, [-j for j in JITTER]),
        }
    )
    assert judge(claim, frame)[0] == verdict


def test_a_claim_on_noisy_seeds_is_undecided_with_its_detectable_effect():
    claim = Claim("x", "", "antidistill", "val_acc")
    noisy = [0.03, -0.04, 0.05, -0.02, 0.01, 0.04, -0.03, 0.02]
    verdict, rows = judge(claim, _frame({"antidistill": _plus(BASE, 0.0, noisy), "zero_pad": BASE}))
    assert verdict == UNDECIDED and rows[0]["outcome"] == "undecided"
    assert rows[0]["detectable"] > abs(rows[0]["mean difference"]) and rows[0]["seeds needed"] > 8


def test_a_not_best_claim_and_fewer_epochs():
    claim = Claim("x", "", "xavier", "val_acc", kind="not_best")
    assert judge(claim, _frame({"xavier": BASE, "zero_pad": _plus(BASE, 0.05)}))[0] == HOLDS
    assert judge(claim, _frame({"xavier": _plus(BASE, 0.05), "zero_pad": BASE}))[0] == FAILS
    fewer = Claim("x", "", "antidistill", "epochs", lower_is_better=True)
    frame = _frame({"antidistill": [2, 3, 2, 2, 3, 2, 3, 2], "zero_pad": [5, 6, 5, 6, 5, 7, 5, 6]}, "epochs")
    verdict, rows = judge(fewer, frame)
    assert verdict == HOLDS and rows[0]["mean difference"] == pytest.approx((19 - 45) / 8) and rows[0]["high"] < 0
    # Integer differences all of one sign: the exact sign-flip p is 2 / 2^8.
    assert rows[0]["exact"] and rows[0]["p"] == pytest.approx(2 / 256)


def test_lower_variance_must_hold_too():
    claim = Claim("x", "", "antidistill", "val_acc", variance=True)
    spread = [0.70, 0.90, 0.72, 0.92, 0.71, 0.91, 0.73, 0.89]
    frame = _frame({"antidistill": _plus(BASE, 0.3, [0.0] * 8), "zero_pad": spread})
    verdict, rows = judge(claim, frame)
    assert rows[0]["outcome"] == "better" and rows[1]["comparison"].endswith("(variance ratio)")
    assert rows[1]["mean difference"] < 1
    # Both parts hold: better on average, and a variance ratio the within-pair test and the
    # bootstrap both see.
    assert rows[1]["outcome"] == "better" and verdict == HOLDS
    wide = _frame({"antidistill": spread, "zero_pad": BASE})
    assert judge(claim, wide)[0] in (FAILS, UNDECIDED)  # more spread, and not better on average


def _run(method, seed, accuracies, read=None, pretrain=0):
    read = read or len(accuracies) - 1
    return {
        "method": method,
        "label": METHODS[method].label,
        "seed": seed,
        "mode": "paper",
        "val_acc": accuracies[read],
        "metric_epochs": {"val_acc": read},
        "history": [{"epoch": e, "val_acc": a} for e, a in enumerate(accuracies)],
        "wall_time_s": 1.0,
        "fgsm": {"eps": [0.0], "acc": [accuracies[read]]},
        "weight_noise": {"eps": [0.0], "acc": [0.5]},
        "pretrain_history": [{"epoch": e, "val_acc": 0.9} for e in range(pretrain + 1)] if pretrain else [],
    }


def test_convergence_is_counted_to_a_target_every_method_of_the_seed_reaches():
    # Seed 0's lowest final accuracy is 0.80 (zero pad): the target is 0.99 * 0.80 = 0.792.
    fast = _run("antidistill", 0, [0.1, 0.70, 0.795, 0.85, 0.90], pretrain=15)
    slow = _run("zero_pad", 0, [0.1, 0.5, 0.6, 0.79, 0.80])
    late = _run("xavier", 0, [0.1, 0.6, 0.7, 0.85, 0.99], read=3)  # epoch 4 is after the epoch Table I reads
    frame = claim_frame([fast, slow, late], d1_epoch_cost={"antidistill": 1.5})
    epochs = dict(zip(frame["method"].astype(str), frame["epochs"]))
    assert epochs == {"antidistill": 2, "zero_pad": 4, "xavier": 3}
    assert epochs_to(slow, 0.792) == 4
    with_d1 = dict(zip(frame["method"].astype(str), frame["epochs_with_pretraining"]))
    assert with_d1["antidistill"] == pytest.approx(2 + 15 * 1.5) and with_d1["zero_pad"] == 4


def _all_metrics(frame):
    for metric in ("fgsm", "noise", "epochs", "epochs_with_pretraining"):
        frame[metric] = frame["val_acc"]
    return frame


def test_claims_are_also_judged_without_a_collapsed_competitor():
    frame = _all_metrics(
        _frame(
            {
                "antidistill": _plus(BASE, -0.5),
                "antidistill_l4_0": _plus(BASE, 0.02),
                "zero_pad": BASE,
                "xavier": _plus(BASE, -0.02),
            },
            collapsed=("antidistill",),
        )
    )
    table = claims_table(frame, "paper")
    found = verdicts(table)
    assert found.loc[("paper", "c", "all methods"), "verdict"] == HOLDS
    assert found.loc[("paper", "c", WITHOUT_COLLAPSED), "verdict"] == HOLDS
    assert found.loc[("paper", "c", WITHOUT_COLLAPSED), "left out"] == "Anti-Distillation"
    assert found.loc[("paper", "a", "all methods"), "subject collapsed"]
    assert ("paper", "a", WITHOUT_COLLAPSED) not in found.index
    assert found.loc[("paper", "d", "all methods"), "verdict"] == HOLDS
    assert set(table["claim"]) == {c.key for c in CLAIMS + HYPOTHESIS}
    assert ("paper", "e", "all methods, D1 pre-training epochs counted at their cost") in found.index


def test_hypothesis_one_needs_every_metric():
    frame = _frame({"antidistill": _plus(BASE, 0.02), "antidistill_l4_0": _plus(BASE, 0.03), "xavier": BASE})
    frame["fgsm"] = frame["val_acc"]
    frame["noise"] = frame["val_acc"]
    found = verdicts(claims_table(frame, "paper", claims=HYPOTHESIS))
    assert (found["verdict"] == HOLDS).all()
    worse = frame["method"].eq("antidistill")
    frame.loc[worse, "fgsm"] = frame.loc[worse, "fgsm"] - 0.05  # less robust to FGSM than Xavier
    table = claims_table(frame, "paper", claims=HYPOTHESIS)
    found = verdicts(table)
    assert found.loc[("paper", "H1 (λ searched)", "all methods"), "verdict"] == FAILS
    assert found.loc[("paper", "H1 (λ4 = 0)", "all methods"), "verdict"] == HOLDS
    assert len(table[table["claim"] == "H1 (λ searched)"]) == 3


def test_a_verdict_that_moves_with_a_threshold_is_found():
    """Zero pad trails Anti-Distillation by 0.007 in FGSM accuracy: better at the declared 0.005,
    equivalent at twice it; the sensitivity study reports exactly that change of claim (b)."""
    runs = []
    for seed, base in enumerate(BASE + [0.84, 0.80]):  # ten seeds
        jitter = 0.0003 * (-1) ** seed
        for method, acc in (("antidistill", base + 0.007 + jitter), ("zero_pad", base), ("xavier", base - 0.05)):
            runs.append(_run(method, seed, [0.1, acc]))
    table = sensitivity(runs, "paper")
    b = table[(table["claim"] == "b") & (table["methods"] == "all methods")]
    moved = b[b["changed"]]
    assert list(zip(moved["threshold"], moved["value"], moved["verdict"])) == [
        ("smallest effect of interest (× declared)", 2.0, EQUIVALENT)
    ]
    assert (b["declared"] == HOLDS).all() and len(b) == 5  # 2 effect scales, 3 cut-offs (tolerances move only e)


def test_training_flops_count_each_part_of_growing(tmp_path):
    pytest.importorskip("optuna")
    from antidistill.bench import matmul_flops_per_sample
    from antidistill.data import load_fashion_mnist
    from antidistill.report.cost import NEGLIGIBLE, SEVERAL_TASKS, cost_claim, method_cost, scratch_cost, tasks_needed

    assert SEVERAL_TASKS == 10
    from antidistill.report.reproduction import Reproduction

    flops = matmul_flops_per_sample()
    dims = (784, 256, 128, 64, 10)
    # Forward 2 and backward 4 FLOPs per weight and sample, less the input's gradient (not needed).
    assert flops["student"] == 6 * sum(a * b for a, b in zip(dims, dims[1:])) - 2 * 784 * 256
    assert flops["pretrain_l3"] == 2 * flops["student"]  # the clean and the noisy-input cross-entropy
    rep = Reproduction.from_parameters("paper", "smoke", None, "cpu", str(tmp_path))
    n_train, n_d1 = len(rep.data().train), len(rep.data().d1().train)
    assert method_cost(rep, "xavier") == {
        "teacher": 0.0,
        "D1 pre-training": 0.0,
        "λ search": 0.0,
        "D2 training": 1 * n_train * flops["student"],
    }
    ad = method_cost(rep, "antidistill")
    assert ad["teacher"] == 1 * n_d1 * flops["teacher"] and ad["D1 pre-training"] == 1 * n_d1 * flops["pretrain_l4"]
    # Two trials on both seeds; in paper mode the trials hold out a validation split and train their own teachers.
    search = rep.search("antidistill")
    trial = search.trial_config(0, (1.0,) * 4).data.apply(load_fashion_mnist())
    per_seed = len(trial.train) * flops["student"] + len(trial.d1().train) * flops["pretrain_l4"]
    assert ad["λ search"] == pytest.approx((2 * per_seed + ad["teacher"]) * 2 / 2)
    everything = cost_claim(rep)
    rows = [r for r in everything if r["claim"] == "f"]
    assert [
        r["mean difference"] for r in rows if r["comparison"].startswith("growing Anti-Distillation /")
    ] == pytest.approx(
        [
            v / scratch_cost(rep)
            for v in (
                ad["D1 pre-training"],
                ad["D1 pre-training"] + ad["teacher"],
                ad["D1 pre-training"] + ad["teacher"] + ad["λ search"],
            )
        ]
    )
    for variant in {r["methods"] for r in rows}:  # a variant holds only if both Anti-Distillation rows do
        mine = [r for r in rows if r["methods"] == variant]
        assert len(mine) == 2 and {r["verdict"] for r in mine} == {
            "holds" if max(r["mean difference"] for r in mine) <= NEGLIGIBLE else "fails"
        }
    # Amortised: the cost paid once, shared by k tasks, is at most NEGLIGIBLE of a from-scratch
    # training per task from k = ceil(ratio / NEGLIGIBLE) on; it holds within SEVERAL_TASKS tasks.
    shared = [r for r in everything if r["claim"] == "f (amortised)"]
    assert len(shared) == len(rows)
    for r in shared:
        k = r["tasks needed"]
        assert r["mean difference"] / k <= NEGLIGIBLE < (r["mean difference"] / (k - 1) if k > 1 else math.inf)
    for variant in {r["methods"] for r in shared}:
        mine = [r for r in shared if r["methods"] == variant]
        assert {r["verdict"] for r in mine} == {"holds" if max(r["tasks needed"] for r in mine) <= 10 else "fails"}
    assert tasks_needed(2.134) == 22 and tasks_needed(0.1) == 1 and tasks_needed(0.05) == 1


def test_authors_mode_is_also_read_after_the_same_epoch_for_every_row(tmp_path, monkeypatch):
    pytest.importorskip("optuna")
    from antidistill.protocol import RECORDED_LONG
    from antidistill.report.reproduction import Reproduction

    rep = Reproduction.from_parameters("paper", "smoke", [0], "cpu", str(tmp_path))
    monkeypatch.setattr(
        Reproduction,
        "lambdas",
        lambda self, method, progress=True: (0.5, 0.5, 0.5, 0.0 if method.endswith("l4_0") else 0.5),
    )
    same, usual = rep.same_epoch_configs(), rep.of_mode("authors").configs()
    for a, b in zip(same, usual):
        assert a.student.epochs == b.student.epochs
        assert a.protocol.epochs_recorded(a.method, a.student.epochs) == a.student.epochs
        # Only the rows they recorded at 30 epochs change; the others are the same runs (loaded, not rerun).
        assert (a == b) == (a.method not in RECORDED_LONG)


def test_the_cost_table_takes_each_teachers_time_from_its_own_record(tmp_path, monkeypatch):
    pytest.importorskip("optuna")
    from antidistill.report.cost import cost_table
    from antidistill.report.reproduction import Reproduction

    rep = Reproduction.from_parameters("paper", "smoke", None, "cpu", str(tmp_path))
    runs = [
        {"method": m, "seed": s, "val_acc": 0.5, "wall_time_s": 1.0, "teacher": {"wall_time_s": 99.0}}
        for m in METHODS
        for s in rep.seeds
    ]
    monkeypatch.setattr(Reproduction, "run", lambda self, progress=True: runs)
    monkeypatch.setattr(Reproduction, "lambdas", lambda self, method, progress=True: (1.0, 1.0, 1.0, 1.0))
    monkeypatch.setattr(
        Reproduction, "teacher_records", lambda self, progress=False: {0: {"wall_time_s": 5.0}, 1: {"wall_time_s": 7.0}}
    )
    table = cost_table(rep)
    assert table.loc["Zero Pad", "teacher wall time (s)"] == 6.0  # the runs' copies (99 s) are not read
