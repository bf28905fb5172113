"""The pre-declared analysis, each statistic against a second computation on constructed data with a known answer."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from antidistill.report import analysis as A


def _enumerated_sign_flip(d):
    """The exact two-sided p of the sign-flip test, every one of the 2^n patterns written out."""
    d = np.asarray(d, dtype=float)
    observed = abs(d.sum())
    sums = [abs(np.dot(signs, d)) for signs in itertools.product((1, -1), repeat=len(d))]
    return sum(s >= observed - 1e-12 for s in sums) / len(sums)


@pytest.mark.parametrize(
    "d",
    [
        [3, 1, 4, 2, 5],  # all of one sign: only the all-plus and all-minus patterns are as extreme
        [3, -1, 4, 2, 5],
        [0.004, -0.002, 0.001, 0.003, -0.001, 0.002],
        [0, 1, 1, 0, 1, 1, 1, 2, 1, 0],  # integer epoch differences: exact, not a t-test
    ],
)
def test_the_sign_flip_p_is_the_share_of_sign_patterns_at_least_as_extreme(d):
    p, exact = A.sign_flip(d)
    assert exact and p == pytest.approx(_enumerated_sign_flip(d))


def test_the_sign_flip_p_of_known_cases():
    assert A.sign_flip([3, 1, 4, 2, 5])[0] == pytest.approx(2 / 32)
    # The seven nonzero epoch differences all positive: 2 of 2^7 patterns (zeros flip to themselves).
    assert A.sign_flip([0, 1, 1, 0, 1, 1, 1, 2, 1, 0])[0] == pytest.approx(2 / 128)
    assert A.sign_flip([0.0, 0.0, 0.0]) == (1.0, True)
    # Beyond EXACT_UP_TO seeds the p is drawn: close to the exact one, and the same every call.
    rng = np.random.default_rng(3)
    d = rng.normal(0.3, 1.0, A.EXACT_UP_TO + 1)
    drawn, exact = A.sign_flip(d)
    assert not exact and drawn == A.sign_flip(d)[0]
    assert drawn == pytest.approx(_enumerated_sign_flip(d), abs=4 * math.sqrt(0.25 / A.RESAMPLES))


def test_holm_adjust_is_statsmodels_holm():
    ps = [0.01, 0.04, 0.03, 0.2]
    assert A.holm_adjust(ps) == pytest.approx(list(multipletests(ps, method="holm")[1]))
    # By hand: sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1, kept non-decreasing.
    assert A.holm_adjust(ps) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert A.holm_adjust([]) == []


def _t_power(effect, n, alpha, two_sided=True):
    """The paired t-test's power from the noncentral t (scipy), independently of statsmodels."""
    df, nc = n - 1, effect * math.sqrt(n)
    if two_sided:
        crit = stats.t.ppf(1 - alpha / 2, df)
        return stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)
    return stats.nct.sf(stats.t.ppf(1 - alpha, df), df, nc)


def test_the_detectable_effect_is_detected_with_the_declared_power():
    sd, n, level = 0.004, 10, 0.05 / 7
    mde = A.detectable(sd, n, level)
    assert _t_power(mde / sd, n, level) == pytest.approx(A.POWER, abs=1e-6)
    assert A.detectable(sd, 20, level) < mde  # more seeds detect less


def test_seeds_needed_is_the_first_whole_number_with_the_declared_power():
    # Detect a difference at least as large as the margin.
    n = A.seeds_needed(0.01, 0.02, 0.005, 0.05 / 7)
    assert _t_power(0.5, n, 0.05 / 7) >= A.POWER > _t_power(0.5, n - 1, 0.05 / 7)
    # Show equivalence of a difference inside the margin: the harder one-sided test, at α.
    n = A.seeds_needed(0.001, 0.004, 0.005)
    effect = (0.005 - 0.001) / 0.004
    assert _t_power(effect, n, A.ALPHA, two_sided=False) >= A.POWER > _t_power(effect, n - 1, A.ALPHA, False)
    assert A.seeds_needed(0.0001, 1.0, 0.005, cap=100) == 100


def _holm1(c):
    return A.holm([c])[0]


def test_a_family_inside_the_margin_comes_out_equivalent():
    rng = np.random.default_rng(0)
    a = 0.85 + rng.normal(0, 0.004, 12)
    b = a + rng.normal(0, 0.0005, 12)  # differences of a twentieth of the margin
    c = _holm1(A.compare(a, b, 0.005))
    assert c.holm_tost < A.ALPHA and c.bootstrap_inside and c.outcome() == A.TIED
    # The bootstrap interval holds the mean, and a constant difference is its own interval.
    assert c.boot_low <= c.mean <= c.boot_high
    const = A.compare([0.5, 0.6, 0.7], [0.499, 0.599, 0.699], 0.005)
    assert (const.boot_low, const.boot_high) == pytest.approx((0.001, 0.001)) and const.tost_p == 0.0


def test_a_small_noisy_family_stays_undecided_and_says_how_many_seeds_would_decide():
    a = [0.80, 0.86, 0.79, 0.88, 0.81]
    b = [0.83, 0.82, 0.84, 0.80, 0.85]
    c = _holm1(A.compare(a, b, 0.005))
    assert c.outcome() == A.OPEN
    assert c.mde > abs(c.mean)  # the test could not have seen a difference this small
    assert A.seeds_needed(c.mean, c.sd, c.margin) > c.n


def test_a_clear_difference_is_better_and_its_interval_is_the_t_interval():
    base = np.array([0.80, 0.83, 0.79, 0.85, 0.81, 0.82])
    a = base + 0.02 + np.array([0.001, -0.002, 0.0, 0.002, -0.001, 0.001])
    c = _holm1(A.compare(a, base, 0.005))
    d = a - base
    half = stats.t.ppf(0.975, 5) * d.std(ddof=1) / math.sqrt(6)
    assert (c.low, c.high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert c.outcome() == A.BETTER and c.p == pytest.approx(2 / 64)  # every difference positive
    assert _holm1(A.compare(base, a, 0.005)).outcome() == A.WORSE


def test_a_variance_claim_two_seeds_cannot_carry():
    """Two low seeds of eight give a large variance ratio: Pitman–Morgan calls it significant, the
    within-pair permutation test and its bootstrap interval do not, and the page is told."""
    jitter = np.array([0.002, -0.001, 0.001, -0.002, 0.0, 0.001, -0.001, 0.002, 0.0, -0.002])
    b = 0.88 + jitter
    a = 0.88 + jitter[::-1] * 0.5
    a[4], a[5] = 0.79, 0.72
    s = A.holm_spreads([A.spread(a, b)])[0]
    assert s.ratio > 10 and s.pitman_p < A.ALPHA
    assert s.outcome() == A.OPEN and s.disagree


def test_the_within_pair_permutation_of_the_variance_ratio_is_exact():
    a = np.array([0.81, 0.84, 0.86, 0.80, 0.83, 0.90])
    b = np.array([0.80, 0.82, 0.83, 0.80, 0.81, 0.82])
    observed = abs(np.log(np.var(a, ddof=1) / np.var(b, ddof=1)))
    count = 0
    for swaps in itertools.product((False, True), repeat=len(a)):
        x = np.where(swaps, b, a)
        y = np.where(swaps, a, b)
        count += abs(np.log(np.var(x, ddof=1) / np.var(y, ddof=1))) >= observed - 1e-12
    assert A.spread(a, b).p == pytest.approx(count / 2 ** len(a))


@pytest.mark.parametrize(
    "outcomes, best, not_best",
    [
        ([A.BETTER, A.BETTER], A.HOLDS, A.FAILS),
        ([A.BETTER, A.WORSE], A.FAILS, A.HOLDS),
        ([A.BETTER, A.TIED], A.EQUIVALENT, A.EQUIVALENT),
        ([A.OPEN, A.TIED], A.EQUIVALENT, A.UNDECIDED),
        ([A.BETTER, A.OPEN], A.UNDECIDED, A.UNDECIDED),
        ([A.WORSE, A.TIED], A.FAILS, A.HOLDS),
    ],
)
def test_the_four_verdicts_from_the_outcomes(outcomes, best, not_best):
    assert A.combine(outcomes, "best") == best and A.combine(outcomes, "not_best") == not_best


def test_the_declared_effects_have_their_reasons():
    assert A.EFFECTS["val_acc"].size == 0.005 and "10,000" in A.EFFECTS["val_acc"].reason
    assert A.EFFECTS["noise"].size == pytest.approx(2 * 0.005)
    assert A.EFFECTS["variance"].size == pytest.approx(math.log(2))
    assert all(e.reason for e in A.EFFECTS.values())
