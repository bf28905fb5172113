"""Page 9, fresh seeds: every claim judged again on seeds the λ search never saw, and how far each Table I mean moves between the two sets of seeds."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..claims import claims_table, verdicts
from ..spent import glued
from ..statistics import CONFIDENCE, unpaired
from ..tables import LABELS, METRICS, for_display, runs_frame
from . import common


def seed_range(seeds) -> str:
    """Seeds as a reader names them: "0–9" for a run of consecutive seeds, else a list."""
    seeds = list(seeds)
    consecutive = seeds == list(range(seeds[0], seeds[0] + len(seeds)))
    return f"{seeds[0]}–{seeds[-1]}" if consecutive and len(seeds) > 2 else ", ".join(map(str, seeds))


def runs_by_mode(rep) -> dict[str, list[dict[str, Any]]]:
    """Each mode's runs on ``rep``'s seeds, loaded once for the whole page."""
    return {mode: rep.of_mode(mode).run(progress=False) for mode in rep.modes()}


def judged(runs: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    """Every claim's verdict in each mode of ``runs`` (claims_table's rows reduced to one per
    claim, mode and set of methods compared)."""
    tables = [claims_table(results, f"{mode} mode") for mode, results in runs.items()]
    return verdicts(pd.concat(tables, ignore_index=True))


NOT_JUDGED, NEITHER = "not judged", "—"


def survival(reported: dict[str, list], fresh: dict[str, list], before: str, after: str) -> pd.DataFrame:
    """Per claim, mode and set of methods compared: its verdict on the reported seeds' runs
    (column ``before``), on the fresh ones' (``after``), and whether it is the same. A comparison
    judged only on the first (one that leaves out a method whose pre-training collapsed there)
    is "not judged" on the second, and neither the same nor changed ("—")."""
    old, again = judged(reported), judged(fresh)
    table = (
        pd.DataFrame({"text": old["text"], before: old["verdict"]})
        .join(again["verdict"].rename(after), how="left")
        .reset_index()
    )
    table["claim"] = [f"({key}) {text}" for key, text in zip(table["claim"], table["text"])]
    table[after] = table[after].fillna(NOT_JUDGED)
    table["same verdict"] = [
        NEITHER if b == NOT_JUDGED else "yes" if a == b else "no" for a, b in zip(table[before], table[after])
    ]
    table = table.rename(columns={"methods": "methods compared"})
    return table.set_index(["claim", "mode", "methods compared"])[[before, after, "same verdict"]]


def mean_shift(reported: dict[str, list], fresh: dict[str, list]) -> pd.DataFrame:
    """Per mode, method and Table I metric: the mean over the reported seeds and over the fresh
    ones, and fresh − reported with its Welch interval and p-value (the two sets of seeds share
    nothing, not even their teachers, so the comparison is unpaired)."""
    rows = []
    for mode in reported:
        old, new = runs_frame(reported[mode]), runs_frame(fresh[mode])
        for method in old["method"].unique():
            for metric, name in METRICS.items():
                a = new[new["method"] == method][metric]
                b = old[old["method"] == method][metric]
                shift = unpaired(a, b)
                rows.append(
                    {
                        "mode": f"{mode} mode",
                        "initialisation": LABELS[method],
                        "metric": name,
                        "reported seeds": b.mean(),
                        "fresh seeds": a.mean(),
                        "fresh − reported": shift.mean,
                        "low": shift.low,
                        "high": shift.high,
                        "p": shift.p,
                    }
                )
    return pd.DataFrame(rows).set_index(["mode", "initialisation", "metric"])


def changed_sentence(table: pd.DataFrame, where: str = "on the fresh seeds") -> str:
    """Which verdicts of a ``survival`` table change ``where``, in words (of those judged on both)."""
    judged_twice = table[table["same verdict"] != NEITHER]
    changed = judged_twice[judged_twice["same verdict"] == "no"]
    first = table.columns[0]
    missing = len(table) - len(judged_twice)
    note = f" ({missing} more, judged on {first} only, are not judged {where})" if missing else ""
    table = judged_twice
    if changed.empty:
        return f"Every one of the {len(table)} verdicts is the same {where}{note}."
    before, after = table.columns[:2]
    parts = [
        f"{claim.split(')')[0]}) in {mode} ({methods}): {row[before]} on {before}, {row[after]} on {after}"
        for (claim, mode, methods), row in changed.iterrows()
    ]
    return f"{len(changed)} of the {len(table)} verdicts change {where}{note}: " + "; ".join(parts) + "."


def page(rep) -> dict[str, Any]:
    fresh = rep.fresh()
    reported, again = runs_by_mode(rep), runs_by_mode(fresh)
    table = survival(reported, again, f"seeds {seed_range(rep.seeds)}", f"seeds {seed_range(fresh.seeds)}")
    shifts = mean_shift(reported, again)
    searched = shifts.xs("FGSM attack", level="metric")
    searched = searched[searched.index.get_level_values("initialisation").str.startswith("Anti-Distillation")]
    return {
        **common(rep),
        **glued(rep, "fresh"),
        "fresh_reported": seed_range(rep.seeds),
        "fresh_seeds": seed_range(fresh.seeds),
        "fresh_verdicts": for_display(table),
        "fresh_changed": changed_sentence(table),
        "fresh_shifts": for_display(shifts),
        "fresh_confidence": f"{CONFIDENCE:.0%}",
        "fresh_searched_fgsm": "; ".join(
            f"{label} in {mode}: {row['fresh − reported']:+.3f} ({CONFIDENCE:.0%} interval {row['low']:+.3f} to "
            f"{row['high']:+.3f})"
            for (mode, label), row in searched.iterrows()
        ),
    }
