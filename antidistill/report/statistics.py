"""Statistics over seeds: paired differences with intervals and p-values, Holm's correction, paired variances, and a printed mean±std tested against ours."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence
from unittest import mock

import numpy as np
from scipy import stats
from statsmodels.stats import multitest

ALPHA = 0.05  # the level of every test and the 95% of every interval
CONFIDENCE = 1 - ALPHA


@dataclass(frozen=True)
class Paired:
    """``a − b`` over seeds that share everything but the compared factor (a seed's methods share
    its teacher and its draws): the mean difference, its t interval and the paired t-test's
    two-sided p-value; ``holm`` once corrected within its family (``holm``)."""

    n: int
    mean: float
    low: float
    high: float
    p: float
    holm: float | None = None


def paired(a: Sequence[float], b: Sequence[float]) -> Paired:
    """The paired comparison of ``a`` and ``b`` (same seeds, same order), by scipy's ``ttest_rel``.

    Where every difference is the same the t statistic is undefined: the interval is that
    difference and p is 1 when it is 0, else 0 (a difference without spread is no accident).
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(f"paired samples need the same seeds, at least 2: got {a.shape} and {b.shape}")
    d = a - b
    if np.ptp(d) == 0:
        return Paired(len(d), float(d[0]), float(d[0]), float(d[0]), 1.0 if d[0] == 0 else 0.0)
    result = stats.ttest_rel(a, b)
    interval = result.confidence_interval(CONFIDENCE)
    return Paired(len(d), float(d.mean()), float(interval.low), float(interval.high), float(result.pvalue))


def holm_adjust(ps: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment of a family's p-values (statsmodels' ``multipletests``). Its
    Holm branch ends in ``gc.collect()``, which changes no number but costs a full collection
    per call (a third of a second with a book's runs in memory, hundreds of calls a page), so
    the call runs with that collection skipped."""
    if not len(ps):
        return []
    with mock.patch("gc.collect", return_value=0):
        return [float(p) for p in multitest.multipletests(list(ps), method="holm")[1]]


def holm(family: Sequence[Paired]) -> list[Paired]:
    """The family's comparisons with their p-values Holm-corrected within it (statsmodels)."""
    if not family:
        return []
    corrected = holm_adjust([c.p for c in family])
    return [Paired(c.n, c.mean, c.low, c.high, c.p, float(h)) for c, h in zip(family, corrected)]


def paired_variances(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """Pitman–Morgan's test of equal variances of two paired samples: var(a) = var(b) exactly
    when a + b and a − b are uncorrelated, so the test is Pearson's on them (scipy). Returns
    (var(a) / var(b), two-sided p); p is 1 where a sum or a difference has no spread."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ratio = float(np.var(a, ddof=1) / np.var(b, ddof=1)) if np.var(b) > 0 else math.inf
    if np.ptp(a + b) == 0 or np.ptp(a - b) == 0:
        return ratio, 1.0
    return ratio, float(stats.pearsonr(a + b, a - b).pvalue)


def unpaired(a: Sequence[float], b: Sequence[float]) -> Paired:
    """``a − b`` for two independent samples (other seeds, other teachers): the difference of
    means, its Welch t interval and Welch's two-sided p-value (scipy's ``ttest_ind`` with unequal
    variances). Where neither sample has spread, as ``paired`` without spread."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if min(len(a), len(b)) < 2:
        raise ValueError(f"two samples of at least 2 values each: got {len(a)} and {len(b)}")
    d = float(a.mean() - b.mean())
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return Paired(len(a), d, d, d, 1.0 if d == 0 else 0.0)
    result = stats.ttest_ind(a, b, equal_var=False)
    interval = result.confidence_interval(CONFIDENCE)
    return Paired(len(a), d, float(interval.low), float(interval.high), float(result.pvalue))


def interval(values: Sequence[float]) -> tuple[float, float]:
    """The t interval of the mean of ``values`` (scipy)."""
    values = np.asarray(values, dtype=float)
    if np.ptp(values) == 0:
        return float(values[0]), float(values[0])
    low, high = stats.t.interval(CONFIDENCE, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    return float(low), float(high)


def printed_consistent(
    printed_mean: float, printed_std: float, n_printed: int, ours: Sequence[float], digits: int = 2
) -> float:
    """The p-value of Welch's t-test (scipy's ``ttest_ind_from_stats``) of a mean ± std printed
    to ``digits`` places over ``n_printed`` seeds against our values, the most favourable to the
    printed row that its rounding allows: its mean taken at the point of its rounding interval
    closest to ours, its std at the top of its interval. The printed std is a population std
    (ddof = 0, as their records compute it), turned into the sample std the test needs."""
    ours = np.asarray(ours, dtype=float)
    half = 0.5 * 10**-digits
    mean = float(np.clip(ours.mean(), printed_mean - half, printed_mean + half))
    std = (printed_std + half) * math.sqrt(n_printed / (n_printed - 1))
    ours_std = float(np.std(ours, ddof=1))
    if mean == ours.mean():
        return 1.0
    return float(
        stats.ttest_ind_from_stats(
            mean, std, n_printed, float(ours.mean()), ours_std, len(ours), equal_var=False
        ).pvalue
    )
