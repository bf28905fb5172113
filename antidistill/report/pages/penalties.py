"""The Hessian penalties chapter: each L4 variant that trains, with its own λ, against the same pre-training without L4, seed by seed."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...penalties import BASELINE, METHOD, MODE, PENALTIES
from ..spent import glued
from ..statistics import ALPHA, CONFIDENCE, holm, paired
from ..tables import LABELS, METRICS, for_display, lambdas_text, runs_frame
from . import common

SIGNED = "the paper's signed estimate"
ROBUST = ("fgsm", "noise")


def verdict(effects: dict[str, Any]) -> str:
    """A variant against λ4 = 0: more robust where an FGSM or a weight-noise difference is
    positive at Holm's p < ALPHA, "at equal accuracy" unless its accuracy is lower at that level."""
    lower = effects["val_acc"].holm < ALPHA and effects["val_acc"].mean < 0
    gains = [METRICS[m] for m in ROBUST if effects[m].holm < ALPHA and effects[m].mean > 0]
    if gains and not lower:
        return f"more robust ({', '.join(gains)}) at equal accuracy"
    if gains:
        return f"more robust ({', '.join(gains)}), less accurate"
    return "less accurate, no more robust" if lower else "no difference shown"


def compare(baseline: list[dict[str, Any]], variants: list[tuple[str, tuple, list[dict[str, Any]]]]) -> pd.DataFrame:
    """One row per variant (label, its λ, its runs): each Table I metric's paired difference
    from ``baseline`` over the same seeds (Holm-corrected among the variants, per metric), the
    share of its seeds whose pre-training collapsed, and the verdict."""
    base = runs_frame(baseline)
    diffs = {metric: [] for metric in METRICS}
    frames = [runs_frame(runs) for _, _, runs in variants]
    for frame in frames:
        if list(frame["seed"]) != list(base["seed"]):
            raise ValueError("a variant's runs and the baseline's are not of the same seeds")
        for metric in METRICS:
            diffs[metric].append(paired(frame[metric], base[metric]))
    corrected = {metric: holm(found) for metric, found in diffs.items()}
    rows = []
    for i, ((label, lambdas, _), frame) in enumerate(zip(variants, frames)):
        effects = {metric: corrected[metric][i] for metric in METRICS}
        row = {"L4": label, "λ": lambdas_text(lambdas)}
        for metric, name in METRICS.items():
            c = effects[metric]
            row[name] = f"{c.mean:+.3f} [{c.low:+.3f}, {c.high:+.3f}], p = {c.holm:.2g}"
        row["collapsed in pre-training"] = f"{int(frame['collapsed'].sum())} of {len(frame)}"
        row["verdict"] = verdict(effects)
        rows.append(row)
    return pd.DataFrame(rows).set_index("L4")


def variants(rep) -> list[tuple[str, tuple, list[dict[str, Any]]]]:
    """The paper's L4 and each variant, each with its λ and its runs (computed where missing)."""
    base = rep.of_mode(MODE)
    sessions = [(SIGNED, base), *((p.label, base.penalty(p)) for p in PENALTIES)]
    return [(label, s.lambdas(METHOD, progress=False), s.run([METHOD], progress=False)) for label, s in sessions]


def page(rep) -> dict[str, Any]:
    table = compare(rep.of_mode(MODE).run([BASELINE], progress=False), variants(rep))
    better = [label for label, row in table.iterrows() if row["verdict"].endswith("at equal accuracy")]
    return {
        **common(rep),
        **glued(rep, "penalties"),
        "penalty_variants": "\n".join(f"- {p.why};" for p in PENALTIES)[:-1] + ".",
        "penalty_baseline": LABELS[BASELINE],
        "penalty_confidence": f"{CONFIDENCE:.0%}",
        "penalty_alpha": f"{ALPHA:g}",
        "penalty_table": for_display(table),
        "penalty_answer": (
            "Against λ4 = 0, " + "; ".join(better) + ": more robust at equal accuracy."
            if better
            else "No variant of L4 makes the student more FGSM- or noise-robust than λ4 = 0 at equal accuracy here."
        ),
    }
