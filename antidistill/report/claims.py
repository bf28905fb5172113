"""The paper's claims, each judged on a build's runs with paired statistics: holds, fails or inconclusive."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import pandas as pd
from statsmodels.stats.multitest import multipletests

from ..growth import METHODS
from .statistics import ALPHA, Paired, holm, paired, paired_variances
from .tables import runs_frame
from .tables import wide as paired_table

HOLDS, FAILS, INCONCLUSIVE = "holds", "fails", "inconclusive"
FOR, AGAINST, NEUTRAL = "for", "against", "neither"  # what one comparison says about its claim

# A run has converged once its accuracy is within this fraction of its final (Table I) accuracy.
CONVERGED_WITHIN = 0.01


def convergence_epoch(run: dict[str, Any], within: float = CONVERGED_WITHIN) -> int:
    """The first D2 epoch after which the run's accuracy is within ``within`` (relative) of the
    accuracy Table I reads (at ``metric_epochs["val_acc"]``); D1 pre-training is not counted."""
    last = run["metric_epochs"]["val_acc"]
    history = [h for h in run["history"] if h["epoch"] <= last]
    final = history[-1]["val_acc"]
    return next(h["epoch"] for h in history if h["val_acc"] >= (1 - within) * final)


def claim_frame(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """``tables.runs_frame`` with each run's convergence epoch (column ``epochs``) and the same
    with its D1 pre-training epochs added (``epochs_with_pretraining``)."""
    results = list(results)
    frame = runs_frame(results)
    epochs = {(r["method"], r["seed"]): convergence_epoch(r) for r in results}
    frame["epochs"] = [epochs[m, s] for m, s in zip(frame["method"], frame["seed"])]
    pretrained = {
        (r["method"], r["seed"]): max((h["epoch"] for h in r.get("pretrain_history") or []), default=0) for r in results
    }
    frame["epochs_with_pretraining"] = frame["epochs"] + [
        pretrained[m, s] for m, s in zip(frame["method"], frame["seed"])
    ]
    return frame


@dataclass(frozen=True)
class Claim:
    """One claim of the paper, in our words, as a test on one metric: ``subject`` is the best
    method on it (``kind="best"``, against every other, and with ``variance`` also the least
    spread), or is not (``kind="not_best"``: some other method beats it)."""

    key: str
    text: str
    subject: str
    metric: str
    kind: str = "best"
    lower_is_better: bool = False
    variance: bool = False
    # (label, metric): the claim judged again on another reading of its metric.
    also: tuple[tuple[str, str], ...] = ()


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
        f"Anti-Distillation converges in fewer D2 epochs than every other initialisation (first epoch within "
        f"{CONVERGED_WITHIN:.0%} of its final accuracy; D1 pre-training not counted)",
        "antidistill",
        "epochs",
        lower_is_better=True,
        also=(("D1 pre-training epochs counted", "epochs_with_pretraining"),),
    ),
)
METRIC_NAMES = {
    "val_acc": "accuracy",
    "fgsm": "FGSM accuracy",
    "noise": "weight-noise accuracy",
    "epochs": "epochs to converge",
    "epochs_with_pretraining": "epochs to converge, D1 pre-training included",
}


def _combine(verdicts: Sequence[str]) -> str:
    return FAILS if FAILS in verdicts else HOLDS if all(v == HOLDS for v in verdicts) else INCONCLUSIVE


def judge(claim: Claim, frame: pd.DataFrame, exclude: Sequence[str] = ()) -> tuple[str, list[dict[str, Any]]]:
    """The claim's verdict on ``frame`` (``claim_frame``), the methods in ``exclude`` left out, and
    one row per comparison it rests on (Holm-corrected within the claim).

    "best": holds when the subject beats every other method significantly (Holm p < ALPHA),
    fails when some method beats it significantly, else inconclusive; with ``variance`` the
    same of Pitman–Morgan's test of paired variances, and the claim holds only if both parts do.
    "not_best": holds when some method beats the subject significantly, fails when the subject
    beats every other significantly, else inconclusive.
    """
    wide = paired_table(frame, claim.metric)
    if claim.subject not in wide.columns:
        raise ValueError(f"claim ({claim.key}) is about {METHODS[claim.subject].label}, which has no runs here")
    others = [m for m in wide.columns if m != claim.subject and m not in exclude]
    sign = -1.0 if claim.lower_is_better else 1.0
    subject = wide[claim.subject] * sign
    if claim.kind == "best":
        comps = holm([paired(subject, wide[m] * sign) for m in others])
        names = [f"{METHODS[claim.subject].label} − {METHODS[m].label}" for m in others]
        supports = [_supports(c.holm, c.mean > 0, c.mean < 0) for c in comps]
        verdicts = [FAILS if AGAINST in supports else HOLDS if all(x == FOR for x in supports) else INCONCLUSIVE]
    elif claim.kind == "not_best":
        comps = holm([paired(wide[m] * sign, subject) for m in others])
        names = [f"{METHODS[m].label} − {METHODS[claim.subject].label}" for m in others]
        supports = [_supports(c.holm, c.mean > 0, c.mean < 0) for c in comps]
        verdicts = [HOLDS if FOR in supports else FAILS if all(x == AGAINST for x in supports) else INCONCLUSIVE]
    else:
        raise ValueError(f"unknown claim kind {claim.kind!r}")
    # Differences are shown in the metric's own direction (epochs: subject − other, fewer is better).
    rows = [
        {
            **_row(claim, name, Paired(c.n, sign * c.mean, *sorted((sign * c.low, sign * c.high)), c.p, c.holm)),
            "supports": x,
        }
        for name, c, x in zip(names, comps, supports)
    ]
    if claim.variance:
        tests = [paired_variances(wide[claim.subject], wide[m]) for m in others]
        corrected = multipletests([p for _, p in tests], alpha=ALPHA, method="holm")[1] if tests else []
        spread = [_supports(h, r < 1, r > 1) for (r, _), h in zip(tests, corrected)]
        verdicts.append(FAILS if AGAINST in spread else HOLDS if all(x == FOR for x in spread) else INCONCLUSIVE)
        rows += [
            {
                "claim": claim.key,
                "metric": f"variance of {METRIC_NAMES[claim.metric]}",
                "comparison": f"{METHODS[claim.subject].label} / {METHODS[m].label} (variance ratio)",
                "n": len(wide),
                "mean difference": ratio,
                "low": math.nan,
                "high": math.nan,
                "p": p,
                "holm p": float(h),
                "supports": x,
            }
            for m, (ratio, p), h, x in zip(others, tests, corrected, spread)
        ]
    return _combine(verdicts), rows


def _supports(holm_p: float, claimed: bool, opposite: bool) -> str:
    """A comparison's part in its claim: significant in the claimed direction (FOR), against it
    (AGAINST), or neither (NEUTRAL)."""
    if holm_p < ALPHA and claimed:
        return FOR
    return AGAINST if holm_p < ALPHA and opposite else NEUTRAL


def _row(claim: Claim, name: str, c: Paired) -> dict[str, Any]:
    return {
        "claim": claim.key,
        "metric": METRIC_NAMES[claim.metric],
        "comparison": name,
        "n": c.n,
        "mean difference": c.mean,
        "low": c.low,
        "high": c.high,
        "p": c.p,
        "holm p": c.holm,
    }


def collapsed_methods(frame: pd.DataFrame) -> list[str]:
    """The methods some of whose runs collapsed in D1 pre-training (``tables.pretrain_collapsed``)."""
    return [str(m) for m, group in frame.groupby("method", observed=True) if group["collapsed"].any()]


def claims_table(results: Iterable[dict[str, Any]], mode: str) -> pd.DataFrame:
    """Every claim's comparisons and verdict for one mode's runs (the claims about a method it
    has runs of), one row per comparison: as computed; again without the methods that collapsed
    in pre-training where one of them is a competitor (a collapsed subject is judged as it is, and
    marked); and on each other reading of its metric (``Claim.also``)."""
    frame = claim_frame(results)
    collapsed = collapsed_methods(frame)
    rows = []
    for claim in (c for c in CLAIMS if c.subject in set(frame["method"].astype(str))):
        variants = [("all methods", ())]
        competitors = [m for m in collapsed if m != claim.subject]
        if competitors:
            variants.append(("without " + ", ".join(METHODS[m].label for m in competitors), competitors))
        readings = [(name, exclude, claim) for name, exclude in variants]
        readings += [
            (f"all methods, {label}", (), dataclasses.replace(claim, metric=metric)) for label, metric in claim.also
        ]
        for name, exclude, reading in readings:
            verdict, comparisons = judge(reading, frame, exclude)
            subject_collapsed = claim.subject in collapsed
            rows += [
                {
                    "mode": mode,
                    "claim": claim.key,
                    "text": claim.text,
                    "methods": name,
                    "verdict": verdict,
                    "subject collapsed": subject_collapsed,
                    **{k: v for k, v in c.items() if k != "claim"},
                }
                for c in comparisons
            ]
    return pd.DataFrame(rows)


def verdicts(table: pd.DataFrame) -> pd.DataFrame:
    """One row per (mode, claim, methods compared): its verdict, from ``claims_table``."""
    return table.groupby(["mode", "claim", "methods"], sort=False)[["text", "verdict", "subject collapsed"]].first()
