"""The paper's claims and its Hypothesis 1, each judged on a set of runs by the pre-declared analysis: holds, fails, equivalent or undecided."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from ..growth import METHODS
from .analysis import (
    ALPHA,
    EFFECTS,
    EQUIVALENT,
    FAILS,
    HOLDS,
    OPEN,
    TIED,
    UNDECIDED,
    combine,
    compare,
    holm,
    holm_spreads,
    seeds_needed,
    spread,
)
from .tables import COLLAPSE_THRESHOLD, runs_frame
from .tables import wide as paired_table

__all__ = ["HOLDS", "FAILS", "EQUIVALENT", "UNDECIDED", "CLAIMS", "HYPOTHESIS", "claims_table", "verdicts"]

# The common target of claim (e): a seed's runs converge at the first D2 epoch whose accuracy is
# within this fraction below the lowest final accuracy among that seed's methods, an accuracy
# every one of them reaches.
CONVERGED_WITHIN = 0.01


def final_accuracy(run: dict[str, Any]) -> float:
    """The accuracy Table I reads: after epoch ``metric_epochs["val_acc"]`` of D2 training."""
    last = run["metric_epochs"]["val_acc"]
    return next(h["val_acc"] for h in run["history"] if h["epoch"] == last)


def epochs_to(run: dict[str, Any], target: float) -> int:
    """The first D2 epoch (up to the one Table I reads) whose accuracy reaches ``target``."""
    last = run["metric_epochs"]["val_acc"]
    return next(h["epoch"] for h in run["history"] if h["epoch"] <= last and h["val_acc"] >= target)


def claim_frame(
    results: Iterable[dict[str, Any]],
    within: float = CONVERGED_WITHIN,
    d1_epoch_cost: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """``tables.runs_frame`` with the accuracy each run's D1 pre-training ended at (``d1_acc``,
    NaN without one), the D2 epochs it took to reach its seed's common target (``epochs``: the
    lowest final accuracy of that seed's methods, less ``within`` of it), and, given what a D1
    pre-training epoch costs in D2 epochs per method (``d1_epoch_cost``, from training FLOPs),
    the same with those epochs added at their cost (``epochs_with_pretraining``)."""
    results = list(results)
    frame = runs_frame(results)
    floor: dict[int, float] = {}
    for r in results:
        floor[r["seed"]] = min(floor.get(r["seed"], math.inf), final_accuracy(r))
    keyed = {(r["method"], r["seed"]): r for r in results}
    pairs = list(zip(frame["method"].astype(str), frame["seed"]))
    frame["epochs"] = [epochs_to(keyed[k], (1 - within) * floor[k[1]]) for k in pairs]
    frame["d1_acc"] = [(keyed[k].get("pretrain_history") or [{"val_acc": math.nan}])[-1]["val_acc"] for k in pairs]
    if d1_epoch_cost is not None:
        d1_epochs = [max((h["epoch"] for h in keyed[k].get("pretrain_history") or []), default=0) for k in pairs]
        frame["epochs_with_pretraining"] = frame["epochs"] + [
            n * d1_epoch_cost.get(m, 0.0) for n, (m, _) in zip(d1_epochs, pairs)
        ]
    return frame


@dataclass(frozen=True)
class Claim:
    """One claim of the paper, in our words, as a test. ``kind="best"``: ``subject`` beats every
    other method on ``metric`` (with ``variance`` also with less spread); ``"not_best"``: some
    other method beats it; ``"hypothesis"``: it beats ``against`` on every one of ``metrics``."""

    key: str
    text: str
    subject: str
    metric: str
    kind: str = "best"
    lower_is_better: bool = False
    variance: bool = False
    # (label, metric): the claim judged again on another reading of its metric.
    also: tuple[tuple[str, str], ...] = ()
    against: str = ""
    metrics: tuple[str, ...] = ()


CLAIMS = (
    Claim(
        "a",
        "Anti-Distillation reaches a higher accuracy than every other initialisation, with a lower variance",
        "antidistill",
        "val_acc",
        variance=True,
    ),
    Claim("b", "Anti-Distillation is the most robust initialisation to the FGSM attack", "antidistill", "fgsm"),
    Claim(
        "c",
        "Anti-Distillation with λ4 = 0 is the most robust initialisation to noise in the weights",
        "antidistill_l4_0",
        "noise",
    ),
    Claim(
        "d",
        "Training from scratch (Xavier) is not the most accurate initialisation",
        "xavier",
        "val_acc",
        kind="not_best",
    ),
    Claim(
        "e",
        "Anti-Distillation reaches an accuracy every initialisation of its seed reaches in fewer D2 epochs than "
        "every other initialisation",
        "antidistill",
        "epochs",
        lower_is_better=True,
        also=(("D1 pre-training epochs counted at their cost", "epochs_with_pretraining"),),
    ),
)
# Hypothesis 1 as the paper states it: students started from the grown teacher, φ(û) of its
# problem (1), are more robust ("persistent") and more accurate than the default initialisation.
# φ is judged with both λ the paper reports, all four searched and λ4 = 0.
HYPOTHESIS = tuple(
    Claim(
        f"H1 ({tag})",
        f"Hypothesis 1: students initialised by {METHODS[subject].label} are more accurate, more robust to FGSM "
        "and to weight noise than Xavier's",
        subject,
        "val_acc",
        kind="hypothesis",
        against="xavier",
        metrics=("val_acc", "fgsm", "noise"),
    )
    for tag, subject in (("λ searched", "antidistill"), ("λ4 = 0", "antidistill_l4_0"))
)
METRIC_NAMES = {
    "val_acc": "accuracy",
    "fgsm": "FGSM accuracy",
    "noise": "weight-noise accuracy",
    "epochs": "D2 epochs to the common target",
    "epochs_with_pretraining": "epochs to the common target, D1 pre-training at its cost",
}


def _label(method: str) -> str:
    return METHODS[method].label


def _comparison_row(claim: Claim, metric: str, name: str, c, sign: float, supports: str) -> dict:
    flip = lambda v: sign * v  # noqa: E731  (differences shown in the metric's own direction)
    low, high = sorted((flip(c.low), flip(c.high)))
    boot_low, boot_high = sorted((flip(c.boot_low), flip(c.boot_high)))
    return {
        "claim": claim.key,
        "metric": METRIC_NAMES[metric],
        "comparison": name,
        "test": "sign-flip permutation" + ("" if c.exact else f" ({c.n} seeds: drawn)"),
        "n": c.n,
        "mean difference": flip(c.mean),
        "low": low,
        "high": high,
        "t p": c.t_p,
        "holm t p": c.holm_t,
        "p": c.p,
        "exact": c.exact,
        "holm p": c.holm,
        "effect of interest": c.margin,
        "tost p": c.holm_tost,
        "bootstrap low": boot_low,
        "bootstrap high": boot_high,
        "equivalent": c.outcome() == TIED,
        "detectable": c.mde,
        "sd": c.sd,
        "level": c.level,
        "outcome": supports,
        "tests disagree": c.disagree,
        "seeds needed": seeds_needed(c.mean, c.sd, c.margin, c.level) if c.outcome() == OPEN else math.nan,
    }


def judge(
    claim: Claim, frame: pd.DataFrame, exclude: Sequence[str] = (), effect_scale: float = 1.0
) -> tuple[str, list[dict[str, Any]]]:
    """The claim's verdict on ``frame`` (``claim_frame``), the methods in ``exclude`` left out, and
    one row per comparison it rests on, by the declared analysis (``analysis``): each comparison
    is the subject against one other method (or, for the hypothesis, against ``against`` on one
    metric), its p-values Holm-corrected within the claim, its outcome better / worse /
    equivalent / undecided, and the outcomes combined by ``analysis.combine``. With ``variance``
    the spread is judged the same way and the claim holds only if both parts do, fails if either
    fails. ``effect_scale`` multiplies every smallest effect of interest (the sensitivity study)."""
    if claim.kind == "hypothesis":
        pairs = [(m, claim.subject, claim.against) for m in claim.metrics]
    else:
        table = paired_table(frame, claim.metric)
        if claim.subject not in table.columns:
            raise ValueError(f"claim ({claim.key}) is about {_label(claim.subject)}, which has no runs here")
        pairs = [(claim.metric, claim.subject, m) for m in table.columns if m != claim.subject and m not in exclude]
    sign = -1.0 if claim.lower_is_better else 1.0
    level = ALPHA / max(len(pairs), 1)  # Bonferroni's level: the detectable effect Holm needs at most
    comps, names = [], []
    for metric, subject, other in pairs:
        table = paired_table(frame, metric)
        margin = EFFECTS[metric].size * effect_scale
        comps.append(compare(table[subject] * sign, table[other] * sign, margin, level))
        names.append(
            f"{_label(subject)} − {_label(other)}"
            + (f" ({METRIC_NAMES[metric]})" if claim.kind == "hypothesis" else "")
        )
    comps = holm(comps)
    outcomes = [c.outcome() for c in comps]
    kind = "not_best" if claim.kind == "not_best" else "best"
    verdicts = [combine(outcomes, kind)]
    # The same rules on the t-tests (and TOST alone; Pitman–Morgan for a variance), to tell where
    # the choice of test decides a verdict.
    secondary = [combine([c.outcome(secondary=True) for c in comps], kind)]
    rows = [
        _comparison_row(claim, metric, name, c, sign, o)
        for (metric, _, _), name, c, o in zip(pairs, names, comps, outcomes)
    ]
    if claim.variance:
        table = paired_table(frame, claim.metric)
        others = [m for _, _, m in pairs]
        margin = EFFECTS["variance"].size * effect_scale
        spreads = holm_spreads([replace(spread(table[claim.subject], table[m]), margin=margin) for m in others])
        verdicts.append(combine([s.outcome() for s in spreads], "best"))
        secondary.append(combine([s.outcome(secondary=True) for s in spreads], "best"))
        rows += [
            {
                "claim": claim.key,
                "metric": f"variance of {METRIC_NAMES[claim.metric]}",
                "comparison": f"{_label(claim.subject)} / {_label(m)} (variance ratio)",
                "test": "within-pair permutation of the log variance ratio" + ("" if s.exact else " (drawn)"),
                "n": s.n,
                "mean difference": s.ratio,
                "low": math.exp(s.low),
                "high": math.exp(s.high),
                "t p": s.pitman_p,
                "holm t p": s.holm_pitman,
                "p": s.p,
                "exact": s.exact,
                "holm p": s.holm,
                "effect of interest": math.exp(margin),
                "tost p": math.nan,
                "bootstrap low": math.exp(s.eq_low),
                "bootstrap high": math.exp(s.eq_high),
                "equivalent": s.outcome() == TIED,
                "detectable": math.nan,
                "sd": math.nan,
                "level": level,
                "outcome": s.outcome(),
                "tests disagree": s.disagree,
                "seeds needed": math.nan,
            }
            for m, s in zip(others, spreads)
        ]
    for row in rows:
        row["verdict by t-tests"] = _both(secondary)
    return _both(verdicts), rows


def _both(verdicts: Sequence[str]) -> str:
    """A claim of two parts: fails if either fails, holds if both hold; else equivalent if either
    is (the claim cannot hold), else undecided."""
    if FAILS in verdicts:
        return FAILS
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    return EQUIVALENT if EQUIVALENT in verdicts else UNDECIDED


def collapsed_methods(frame: pd.DataFrame, threshold: float = COLLAPSE_THRESHOLD) -> list[str]:
    """The methods some of whose runs ended D1 pre-training below ``threshold`` accuracy on D1."""
    low = frame[frame["d1_acc"] < threshold]
    return [m for m in dict.fromkeys(low["method"].astype(str))]


ALL, WITHOUT_COLLAPSED = "all methods", "without the competitors collapsed in pre-training"


def claims_table(
    results: Iterable[dict[str, Any]] | pd.DataFrame,
    mode: str,
    collapse: float = COLLAPSE_THRESHOLD,
    effect_scale: float = 1.0,
    claims: Sequence[Claim] = CLAIMS + HYPOTHESIS,
) -> pd.DataFrame:
    """Every claim's comparisons and verdict for one mode's runs (runs, or their ``claim_frame``),
    one row per comparison: as computed; again without the methods whose pre-training collapsed
    (below ``collapse``) where one of them is a competitor (a collapsed subject is judged as it
    is, and marked); and on each other reading of its metric (``Claim.also``) the frame has."""
    frame = results if isinstance(results, pd.DataFrame) else claim_frame(results)
    present = set(frame["method"].astype(str))
    collapsed = collapsed_methods(frame, collapse)
    rows = []
    for claim in (c for c in claims if c.subject in present and (not c.against or c.against in present)):
        variants = [(ALL, ())]
        competitors = [m for m in collapsed if m != claim.subject and m != claim.against]
        if competitors and claim.kind != "hypothesis":
            variants.append((WITHOUT_COLLAPSED, competitors))
        readings = [(name, exclude, claim) for name, exclude in variants]
        readings += [
            (f"{ALL}, {label}", (), dataclasses.replace(claim, metric=metric))
            for label, metric in claim.also
            if metric in frame.columns
        ]
        for name, exclude, reading in readings:
            verdict, comparisons = judge(reading, frame, exclude, effect_scale)
            rows += [
                {
                    "mode": mode,
                    "claim": claim.key,
                    "text": claim.text,
                    "methods": name,
                    "verdict": verdict,
                    "subject collapsed": claim.subject in collapsed,
                    "left out": ", ".join(_label(m) for m in exclude),
                    **{k: v for k, v in c.items() if k != "claim"},
                }
                for c in comparisons
            ]
    return pd.DataFrame(rows)


KEYS = ["mode", "claim", "methods"]


def verdicts(table: pd.DataFrame, keys: Sequence[str] = KEYS) -> pd.DataFrame:
    """One row per ``keys`` (default: mode, claim, methods compared): its verdict, from ``claims_table``."""
    return table.groupby(list(keys), sort=False)[["text", "verdict", "subject collapsed", "left out"]].first()


# The thresholds the verdicts rest on, each varied alone over a stated range (``sensitivity``).
SENSITIVITY = {
    "smallest effect of interest (× declared)": (0.5, 2.0),
    "collapse cut-off (D1 accuracy)": (0.25, 0.4, 0.5),
    "convergence tolerance (e)": (0.005, 0.02),
}


def sensitivity(
    results: Sequence[dict[str, Any]], mode: str, d1_epoch_cost: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Each verdict of ``results`` (one mode's runs) at the declared thresholds and with each one
    varied alone (``SENSITIVITY``): one row per (claim, methods compared, threshold, value) with
    the verdict there and whether it differs from the declared one."""
    frame = claim_frame(results, d1_epoch_cost=d1_epoch_cost)
    base = verdicts(claims_table(frame, mode))["verdict"]
    rows = []
    for threshold, values in SENSITIVITY.items():
        for value in values:
            if threshold.startswith("smallest"):
                found = verdicts(claims_table(frame, mode, effect_scale=value))["verdict"]
            elif threshold.startswith("collapse"):
                found = verdicts(claims_table(frame, mode, collapse=value))["verdict"]
            else:
                varied = claim_frame(results, within=value, d1_epoch_cost=d1_epoch_cost)
                claims = [c for c in CLAIMS if c.key == "e"]
                found = verdicts(claims_table(varied, mode, claims=claims))["verdict"]
            for key, verdict in found.items():
                rows.append(
                    {
                        **dict(zip(KEYS, key)),
                        "threshold": threshold,
                        "value": value,
                        "verdict": verdict,
                        "declared": base.get(key, "not judged"),
                    }
                )
            # A variant judged at the declared thresholds but not here (no collapsed competitor left).
            for key in base.index.difference(found.index):
                if threshold.startswith("collapse"):
                    rows.append(
                        {
                            **dict(zip(KEYS, key)),
                            "threshold": threshold,
                            "value": value,
                            "verdict": "not judged",
                            "declared": base[key],
                        }
                    )
    out = pd.DataFrame(rows)
    # A reading that does not exist at a threshold (no competitor collapsed) has not changed.
    out["changed"] = (out["verdict"] != out["declared"]) & (out["verdict"] != "not judged")
    return out
