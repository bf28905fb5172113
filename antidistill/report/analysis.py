"""The pre-declared analysis: each test, family, level and smallest effect of interest the verdicts use, and the comparison of two methods over seeds by those rules."""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
from scipy import stats
from statsmodels.stats.power import TTestPower
from statsmodels.stats.weightstats import ttost_paired

from ..attacks import AttackConfig

# ALPHA (statistics'): the level of every test; Holm's correction keeps a claim's family at it.
from .statistics import ALPHA, holm_adjust, paired_variances

# Fixed before any result of the seeds beyond 0-19 was read; the claims page states all of it first.
POWER = 0.80  # the power a detectable effect and a number of seeds are computed for
# The sign-flip test enumerates all 2^n sign patterns up to this many seeds, and beyond it draws
# RESAMPLES patterns from a fixed seed: its p then carries a Monte-Carlo standard error of at
# most sqrt(0.25 / RESAMPLES), 0.0016.
EXACT_UP_TO = 16
RESAMPLES = 100_000
RESAMPLING_SEED = 0
MAX_SEEDS = 50  # the most seeds the analysis may ask for

HOLDS, FAILS, EQUIVALENT, UNDECIDED = "holds", "fails", "equivalent", "undecided"
BETTER, WORSE, TIED, OPEN = "better", "worse", "equivalent", "undecided"  # one comparison's outcome


@dataclass(frozen=True)
class Effect:
    """The smallest difference of interest on one metric, and why."""

    size: float
    unit: str
    reason: str


_MC_SE = AttackConfig().noise_se
EFFECTS = {
    "val_acc": Effect(
        0.005,
        "accuracy",
        "50 of Fashion-MNIST's 10,000 test images, and half the last digit Table I prints (two decimals): "
        "a smaller difference is within its rounding",
    ),
    "fgsm": Effect(0.005, "accuracy", "as for accuracy: 50 test images, the resolution of Table I"),
    "noise": Effect(
        2 * _MC_SE,
        "accuracy",
        f"twice the Monte-Carlo standard error ({_MC_SE:g}) each run's weight-noise accuracy is drawn to, so that a "
        "difference of interest stands clear of the metric's own sampling noise in one pair of runs",
    ),
    "epochs": Effect(1.0, "D2 epochs", "one epoch, the unit the paper counts convergence in"),
    "epochs_with_pretraining": Effect(1.0, "D2 epochs", "one epoch of D2 training, as above"),
    "variance": Effect(
        math.log(2), "log variance ratio", "a factor of two in variance, either way (the ratio inside 1/2 to 2)"
    ),
}


@dataclass(frozen=True)
class Comparison:
    """``a − b`` over the same seeds by the declared rules. ``p``: the sign-flip permutation test of
    the mean difference (primary; ``exact`` when every sign pattern was enumerated); ``t_p`` and
    (``low``, ``high``): the paired t-test and its interval (beside it); ``tost_p``: statsmodels'
    paired TOST within ±``margin``, checked against ``boot_low``/``boot_high``, which assume no normality
    (the BCa bootstrap interval at 1 − 2α); ``mde``: the smallest |difference| the t-test detects
    with probability ``POWER`` at ``level``. ``holm*`` once corrected within the family."""

    n: int
    mean: float
    low: float
    high: float
    t_p: float
    p: float
    exact: bool
    margin: float
    tost_p: float
    boot_low: float
    boot_high: float
    sd: float
    level: float = ALPHA
    holm: float = math.nan
    holm_t: float = math.nan
    holm_tost: float = math.nan

    @property
    def mde(self) -> float:
        return detectable(self.sd, self.n, self.level)

    @property
    def bootstrap_inside(self) -> bool:
        return -self.margin < self.boot_low and self.boot_high < self.margin

    def outcome(self, secondary: bool = False) -> str:
        """``a`` against ``b``: equivalent when TOST (Holm) and the bootstrap interval both put the
        difference inside the margin; else better or worse when the sign-flip test (Holm) is
        significant; else undecided. ``secondary``: the same from the t-test and TOST alone."""
        if self.holm_tost < ALPHA and (secondary or self.bootstrap_inside):
            return TIED
        if (self.holm_t if secondary else self.holm) < ALPHA:
            return BETTER if self.mean > 0 else WORSE
        return OPEN

    @property
    def disagree(self) -> bool:
        """Whether the t-test (with TOST alone) gives another outcome than the declared tests."""
        return self.outcome(secondary=True) != self.outcome()


@functools.lru_cache(maxsize=4096)
def _sign_flip(d: tuple[float, ...]) -> tuple[float, bool]:
    x = np.asarray(d)
    if not np.any(x):
        return 1.0, True
    exact = len(x) <= EXACT_UP_TO
    result = stats.permutation_test(
        (x,),
        lambda s, axis: np.mean(s, axis=axis),
        permutation_type="samples",
        vectorized=True,
        n_resamples=math.inf if exact else RESAMPLES,
        alternative="two-sided",
        rng=np.random.default_rng(RESAMPLING_SEED),
    )
    return float(result.pvalue), exact


def sign_flip(d: Sequence[float]) -> tuple[float, bool]:
    """The two-sided p-value of the paired sign-flip permutation test of mean(d) = 0 (scipy's
    ``permutation_test``: under the null each difference is as likely negated), and whether it is
    exact (all 2^n patterns, n ≤ EXACT_UP_TO) rather than drawn."""
    return _sign_flip(tuple(float(v) for v in d))


@functools.lru_cache(maxsize=4096)
def _bootstrap(d: tuple[float, ...], confidence: float) -> tuple[float, float]:
    x = np.asarray(d)
    if np.ptp(x) == 0:
        return float(x[0]), float(x[0])
    with warnings.catch_warnings():  # a degenerate BCa interval is replaced below
        warnings.simplefilter("ignore")
        result = stats.bootstrap(
            (x,), np.mean, confidence_level=confidence, method="BCa", rng=np.random.default_rng(RESAMPLING_SEED)
        )
    low, high = result.confidence_interval
    if not (math.isfinite(low) and math.isfinite(high)):  # BCa undefined (too few distinct values)
        return float(x.min()), float(x.max())
    return float(low), float(high)


def compare(a: Sequence[float], b: Sequence[float], margin: float, level: float = ALPHA) -> Comparison:
    """``a − b`` over paired seeds (same order), with every statistic of ``Comparison``; ``level``
    is the α the detectable effect is computed at (the claim's Bonferroni level)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(f"paired samples need the same seeds, at least 2: got {a.shape} and {b.shape}")
    d = a - b
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    if sd == 0:
        low = high = mean
        t_p = 1.0 if mean == 0 else 0.0
        tost_p = 0.0 if abs(mean) < margin else 1.0
    else:
        result = stats.ttest_rel(a, b)
        interval = result.confidence_interval(1 - ALPHA)
        low, high, t_p = float(interval.low), float(interval.high), float(result.pvalue)
        tost_p = float(ttost_paired(a, b, -margin, margin)[0])
    p, exact = sign_flip(d)
    boot_low, boot_high = _bootstrap(tuple(float(v) for v in d), 1 - 2 * ALPHA)
    return Comparison(len(d), mean, low, high, t_p, p, exact, margin, tost_p, boot_low, boot_high, sd, level)


def holm(family: Sequence[Comparison]) -> list[Comparison]:
    """The family with its three kinds of p-value Holm-corrected within it, each apart (statsmodels)."""
    if not family:
        return []
    corrected = [holm_adjust([getattr(c, k) for c in family]) for k in ("p", "t_p", "tost_p")]
    return [replace(c, holm=float(h), holm_t=float(t), holm_tost=float(e)) for c, h, t, e in zip(family, *corrected)]


def detectable(sd: float, n: int, level: float = ALPHA) -> float:
    """The smallest mean difference the two-sided paired t-test at ``level`` detects with
    probability POWER over ``n`` seeds whose differences have standard deviation ``sd``
    (statsmodels' ``TTestPower``)."""
    if n < 2 or not math.isfinite(sd):
        return math.nan
    return float(TTestPower().solve_power(nobs=n, alpha=level, power=POWER, alternative="two-sided")) * sd


def seeds_needed(mean: float, sd: float, margin: float, level: float = ALPHA, cap: int = 1000) -> int:
    """How many seeds would decide a comparison with probability POWER if the truth were what
    was seen: to detect ``mean`` (two-sided, at ``level``) where |mean| is at least the margin,
    else to show equivalence within ±``margin`` (TOST's power taken as that of its harder
    one-sided test at α, a standard approximation); statsmodels' ``TTestPower`` over whole numbers
    of seeds. ``cap`` where even that many do not."""
    if sd == 0:
        return 2
    if abs(mean) >= margin:
        effect, alpha, alternative = abs(mean) / sd, level, "two-sided"
    else:
        effect, alpha, alternative = (margin - abs(mean)) / sd, ALPHA, "larger"
    n = np.arange(2, cap + 1)
    power = np.nan_to_num(TTestPower().power(effect_size=effect, nobs=n, alpha=alpha, alternative=alternative))
    enough = np.flatnonzero(power >= POWER)
    return int(n[enough[0]]) if len(enough) else cap


@dataclass(frozen=True)
class Spread:
    """var(a) / var(b) over paired seeds: ``p`` from the within-pair permutation test of the log
    ratio (each seed's two values as likely swapped; scipy, exact up to EXACT_UP_TO seeds), the
    BCa bootstrap interval of the log ratio (seeds resampled in pairs) at 1 − α and at 1 − 2α
    (equivalence within ±log 2), and Pitman–Morgan's p beside them."""

    n: int
    ratio: float
    p: float
    exact: bool
    low: float
    high: float
    eq_low: float
    eq_high: float
    pitman_p: float
    holm: float = math.nan
    holm_pitman: float = math.nan
    margin: float = EFFECTS["variance"].size  # equivalence: the log ratio inside ± this

    def outcome(self, secondary: bool = False) -> str:
        """``a`` against ``b``, less spread being better: equivalent when the 1 − 2α interval of
        the log ratio lies within ±``margin`` (log 2 as declared); else better or worse when the permutation test (Holm;
        ``secondary``: Pitman–Morgan's) is significant; else undecided."""
        if -self.margin < self.eq_low and self.eq_high < self.margin:
            return TIED
        if (self.holm_pitman if secondary else self.holm) < ALPHA:
            return BETTER if self.ratio < 1 else WORSE
        return OPEN

    @property
    def disagree(self) -> bool:
        """Whether Pitman–Morgan's test gives another outcome than the permutation test."""
        return self.outcome(secondary=True) != self.outcome()


def _log_ratio(x, y, axis=-1):
    with np.errstate(divide="ignore", invalid="ignore"):  # a resample of equal values has no spread
        return np.log(np.var(x, axis=axis, ddof=1)) - np.log(np.var(y, axis=axis, ddof=1))


@functools.lru_cache(maxsize=1024)
def _spread(a: tuple[float, ...], b: tuple[float, ...]) -> Spread:
    x, y = np.asarray(a), np.asarray(b)
    n = len(x)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        ratio = math.inf if np.ptp(y) == 0 else 0.0
        return Spread(n, ratio, 1.0, True, math.nan, math.nan, math.nan, math.nan, 1.0)
    exact = n <= EXACT_UP_TO
    rng = np.random.default_rng(RESAMPLING_SEED)
    test = stats.permutation_test(
        (x, y),
        _log_ratio,
        permutation_type="samples",
        vectorized=True,
        n_resamples=math.inf if exact else RESAMPLES,
        alternative="two-sided",
        rng=rng,
    )
    bounds = []
    for confidence in (1 - ALPHA, 1 - 2 * ALPHA):
        with warnings.catch_warnings():  # a degenerate interval comes back as NaN: never equivalent
            warnings.simplefilter("ignore")
            ci = stats.bootstrap(
                (x, y),
                _log_ratio,
                paired=True,
                vectorized=True,
                confidence_level=confidence,
                method="BCa",
                rng=np.random.default_rng(RESAMPLING_SEED),
            ).confidence_interval
        bounds += [float(ci.low), float(ci.high)]
    ratio, pitman = paired_variances(x, y)
    return Spread(n, ratio, float(test.pvalue), exact, *bounds, pitman)


def spread(a: Sequence[float], b: Sequence[float]) -> Spread:
    """``Spread`` of ``a`` against ``b`` (same seeds, same order)."""
    return _spread(tuple(float(v) for v in a), tuple(float(v) for v in b))


def holm_spreads(family: Sequence[Spread]) -> list[Spread]:
    if not family:
        return []
    corrected = [holm_adjust([getattr(s, k) for s in family]) for k in ("p", "pitman_p")]
    return [replace(s, holm=float(h), holm_pitman=float(p)) for s, h, p in zip(family, *corrected)]


def combine(outcomes: Sequence[str], kind: str = "best") -> str:
    """A claim's verdict from its comparisons' outcomes (each the subject against one method,
    ``BETTER`` meaning the subject is better). "best": holds when it is better than every other,
    fails when some other is better, equivalent when it is worse than none and shown within the
    effect of interest of at least one (so not better than that one by any amount of interest),
    else undecided. "not_best" (the subject is not the best): holds when some other is better,
    fails when the subject is better than every other, equivalent when none is better, it is
    within the effect of interest of at least one and better than the rest, else undecided."""
    outcomes = list(outcomes)
    if kind == "best":
        if WORSE in outcomes:
            return FAILS
        if all(o == BETTER for o in outcomes):
            return HOLDS
        return EQUIVALENT if TIED in outcomes else UNDECIDED
    if kind == "not_best":
        if WORSE in outcomes:
            return HOLDS
        if all(o == BETTER for o in outcomes):
            return FAILS
        return EQUIVALENT if all(o in (BETTER, TIED) for o in outcomes) else UNDECIDED
    raise ValueError(f"unknown claim kind {kind!r}")
