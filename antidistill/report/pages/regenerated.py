"""Page 8, the authors' runs regenerated: our `authors`-mode runs against their records, seed by seed, from our teachers and from theirs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...growth import METHODS
from ...reference import WITHIN, differences, load_reference, off, reference_path, summary
from ..reproduction import regenerated_unavailable
from . import common

SOURCES = {"ours": "our teachers", "authors": "their teachers"}


def summary_table(diffs: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    """Per row, for each teacher source: seeds within ``WITHIN`` in accuracy, the largest
    |Δ accuracy|, and the mean (largest |·|) Δ of FGSM and of weight noise, Δ = ours − theirs."""
    columns = {}
    for source, ds in diffs.items():
        for method, row in summary(ds, WITHIN).items():
            columns.setdefault(method, {}).update({
                (SOURCES[source], "seeds within"): f"{row['within']}/{row['seeds']}",
                (SOURCES[source], "largest |Δ acc|"): round(row["max_acc"], 4),
                (SOURCES[source], "Δ FGSM"): f"{row['mean_fgsm']:+.3f} ({row['max_fgsm']:.3f})",
                (SOURCES[source], "Δ noise"): f"{row['mean_noise']:+.3f} ({row['max_noise']:.3f})"})
    table = pd.DataFrame(columns).T
    table.index = [METHODS[m].label for m in table.index]
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def per_seed_table(ds: list[dict[str, Any]]) -> pd.DataFrame:
    """Δ accuracy (ours − theirs) per row and seed, a lost class of ours marked with *."""
    frame = pd.DataFrame([{"row": METHODS[d["method"]].label, "seed": d["seed"],
                           "Δ": f"{d['val_acc']:+.3f}" + ("*" if d["never_predicted"] else "")} for d in ds])
    return frame.pivot(index="row", columns="seed", values="Δ").reindex([METHODS[m].label for m in METHODS
                                                                        if METHODS[m].label in set(frame.row)])


def residual_sentence(ds: list[dict[str, Any]]) -> str:
    """Which rows reproduce every seed from their teachers, and where the others differ."""
    rows = summary(ds, WITHIN)
    good = [METHODS[m].label for m, r in rows.items() if r["within"] == r["seeds"]]
    off = {m: r for m, r in rows.items() if r["within"] < r["seeds"]}
    parts = [f"From their teachers, every seed is within {WITHIN} of their accuracy in "
             f"{', '.join(good) if good else 'no row'}."]
    for method, r in off.items():
        seeds = [d for d in ds if d["method"] == method and abs(d["val_acc"]) > WITHIN]
        lost = [d for d in seeds if d["never_predicted"]]
        which = "; ".join(f"seed {d['seed']}: classes {d['never_predicted']}" for d in lost) or "none"
        parts.append(f"{METHODS[method].label}: {r['seeds'] - r['within']} of {r['seeds']} seeds differ by more "
                     f"(largest {r['max_acc']:.3f}); on {len(lost)} of them our student never predicts some "
                     f"class ({which}).")
    return " ".join(parts)


def page(rep) -> dict[str, Any]:
    values: dict[str, Any] = {**common(rep)}
    why_not = regenerated_unavailable(rep.profile)
    if why_not is not None:
        values.update({"regenerated_available": why_not, "regenerated_summary": "", "regenerated_per_seed": "",
                       "regenerated_residual": ""})
        return values
    records = load_reference()
    seeds = [s for s in rep.seeds if s < len(records["rows"]["xavier"]["seeds"])]
    diffs = {source: differences([r for r in rep.regenerated(source) if r["seed"] in seeds], records)
             for source in SOURCES}
    values.update({
        "regenerated_available": (f"Their records ({reference_path().name}, commit "
                                  f"{records['source']['commit'][:7]}) against this build's `authors`-mode runs, "
                                  f"seeds {seeds}."),
        "regenerated_summary": summary_table(diffs),
        "regenerated_per_seed": per_seed_table(diffs["authors"]),
        "regenerated_residual": residual_sentence(diffs["authors"]),
    })
    return values
