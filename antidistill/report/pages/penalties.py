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
    """A variant against λ4 = 0, from the differences shown at Holm's p < ALPHA: more or less
    robust (FGSM, weight noise) and more or less accurate, "at equal accuracy" where it is more
    robust and its accuracy is not shown to differ; "no difference shown" where none is."""
    shown = {m: effects[m].mean for m in METRICS if effects[m].holm < ALPHA}
    gains = [METRICS[m] for m in ROBUST if shown.get(m, 0) > 0]
    losses = [METRICS[m] for m in ROBUST if shown.get(m, 0) < 0]
    accuracy = shown.get("val_acc", 0)
    parts = [f"more robust ({', '.join(gains)})"] if gains else []
    parts += [f"less robust ({', '.join(losses)})"] if losses else []
    parts += ["less accurate"] if accuracy < 0 else ["more accurate"] if accuracy > 0 else []
    if gains and not losses and accuracy == 0:
        return f"{parts[0]} at equal accuracy"
    return ", ".join(parts) if parts else "no difference shown"


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


def answer(table: pd.DataFrame) -> str:
    """The chapter's answer, from ``compare``'s verdicts: the variants more robust than λ4 = 0
    and not less accurate (the question asked), then those shown less robust."""
    said = {label: row["verdict"] for label, row in table.iterrows()}
    better = [f"{label} ({v})" for label, v in said.items() if v.startswith("more robust") and "less" not in v]
    worse = [f"{label} ({v})" for label, v in said.items() if "less robust" in v]
    found = (
        "More FGSM- or noise-robust than λ4 = 0 and not less accurate: " + "; ".join(better) + "."
        if better
        else "No variant of L4 makes the student more FGSM- or noise-robust than λ4 = 0 at equal accuracy here."
    )
    return found + (" Shown less robust than λ4 = 0: " + "; ".join(worse) + "." if worse else "")


def variants(rep) -> list[tuple[str, tuple, list[dict[str, Any]]]]:
    """The paper's L4 and each variant, each with its λ and its runs (computed where missing)."""
    base = rep.of_mode(MODE)
    sessions = [(SIGNED, base), *((p.label, base.penalty(p)) for p in PENALTIES)]
    return [(label, s.lambdas(METHOD, progress=False), s.run([METHOD], progress=False)) for label, s in sessions]


def page(rep) -> dict[str, Any]:
    table = compare(rep.of_mode(MODE).run([BASELINE], progress=False), variants(rep))
    return {
        **common(rep),
        **glued(rep, "penalties"),
        "penalty_variants": "\n".join(f"- {p.why};" for p in PENALTIES)[:-1] + ".",
        "penalty_baseline": LABELS[BASELINE],
        "penalty_confidence": f"{CONFIDENCE:.0%}",
        "penalty_alpha": f"{ALPHA:g}",
        "penalty_table": for_display(table),
        "penalty_answer": answer(table),
    }
