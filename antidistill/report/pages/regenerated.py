"""Page 8, the authors' runs regenerated: our `authors`-mode runs against their records, seed by seed, from our teachers and from theirs."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...growth import METHODS
from ...published import OTHER_PATH
from ...reference import WITHIN, differences, load_reference, off, reference_path, summary
from ...store import Store
from ..reproduction import authors_teachers_missing, regenerated_unavailable
from . import common

SOURCES = {"ours": "our teachers", "authors": "their teachers"}


def summary_table(diffs: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    """Per row, for each teacher source: seeds within ``WITHIN`` in accuracy, the largest
    |Δ accuracy|, and the mean (largest |·|) Δ of FGSM and of weight noise, Δ = ours − theirs."""
    columns = {}
    for source, ds in diffs.items():
        for method, row in summary(ds, WITHIN).items():
            columns.setdefault(method, {}).update(
                {
                    (SOURCES[source], "seeds within"): f"{row['within']}/{row['seeds']}",
                    (SOURCES[source], "largest |Δ acc|"): round(row["max_acc"], 4),
                    (SOURCES[source], "Δ FGSM"): f"{row['mean_fgsm']:+.3f} ({row['max_fgsm']:.3f})",
                    (SOURCES[source], "Δ noise"): f"{row['mean_noise']:+.3f} ({row['max_noise']:.3f})",
                }
            )
    table = pd.DataFrame(columns).T
    table.index = [METHODS[m].label for m in table.index]
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def per_seed_table(ds: list[dict[str, Any]]) -> pd.DataFrame:
    """Δ accuracy (ours − theirs) per row and seed, a lost class of ours marked with *."""
    frame = pd.DataFrame(
        [
            {
                "row": METHODS[d["method"]].label,
                "seed": d["seed"],
                "Δ": f"{d['val_acc']:+.3f}" + ("*" if d["never_predicted"] else ""),
            }
            for d in ds
        ]
    )
    return frame.pivot(index="row", columns="seed", values="Δ").reindex(
        [METHODS[m].label for m in METHODS if METHODS[m].label in set(frame.row)]
    )


def residual_sentence(ds: list[dict[str, Any]]) -> str:
    """Which rows reproduce every seed from their teachers, and where the others differ."""
    rows = summary(ds, WITHIN)
    good = [METHODS[m].label for m, r in rows.items() if r["within"] == r["seeds"]]
    off = {m: r for m, r in rows.items() if r["within"] < r["seeds"]}
    parts = [
        f"From their teachers, every seed is within {WITHIN} of their accuracy in "
        f"{', '.join(good) if good else 'no row'}."
    ]
    for method, r in off.items():
        seeds = [d for d in ds if d["method"] == method and abs(d["val_acc"]) > WITHIN]
        lost = [d for d in seeds if d["never_predicted"]]
        which = "; ".join(f"seed {d['seed']}: classes {d['never_predicted']}" for d in lost) or "none"
        parts.append(
            f"{METHODS[method].label}: {r['seeds'] - r['within']} of {r['seeds']} seeds differ by more "
            f"(largest {r['max_acc']:.3f}); on {len(lost)} of them our student never predicts some "
            f"class ({which})."
        )
    return " ".join(parts)


def _path(run: dict[str, Any]) -> str:
    path = run["environment"]["code_path"]
    return f"MKL {path['mkl_cbwr']}, ATen {path['aten']}"


def _stayed(n: int) -> str:
    return (
        "." if n == 0 else "; the other one stays where it was." if n == 1 else f"; the other {n} stay where they were."
    )


def other_path_table(rep, ds: list[dict[str, Any]], records: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """The seeds from their teachers that are not within ``WITHIN`` of their accuracy, run again
    on another CPU code path (``<results>/compatible``): Δ accuracy on each path, and a sentence
    on how many land within ``WITHIN`` there. A seed whose Δ moves that far with the last bits
    of the products is rounding amplified by training, not a difference of the method."""
    store = Store(rep.store.root / OTHER_PATH)
    rows, runs = [], {}
    for method, seed in off(ds):
        cfg = rep.profile.regenerated(method, seed, "authors")
        run = store.load("runs", cfg.run_name, cfg)
        if run is not None:
            runs[method, seed] = run
    if not runs:
        how = f"`python -m antidistill same-teachers --out {store.root} --code-path {OTHER_PATH} --off-in {rep.store.root}`"
        return pd.DataFrame(), (
            f"These seeds have not been run on another CPU code path in this results folder ({how} runs them)."
        ) if off(ds) else ""
    pinned = {(d["method"], d["seed"]): d for d in ds}
    other = {(d["method"], d["seed"]): d for d in differences(runs.values(), records)}
    first = next(iter(runs.values()))
    for key in off(ds):
        here = other.get(key)
        rows.append(
            {
                "row": METHODS[key[0]].label,
                "seed": key[1],
                "Δ accuracy, this build's path": f"{pinned[key]['val_acc']:+.3f}"
                + ("*" if pinned[key]["never_predicted"] else ""),
                f"Δ accuracy, {_path(first)}": "not run"
                if here is None
                else f"{here['val_acc']:+.3f}" + ("*" if here["never_predicted"] else ""),
            }
        )
    landed = [k for k in runs if abs(other[k]["val_acc"]) <= WITHIN]
    moved = [k for k in runs if k not in landed and abs(other[k]["val_acc"] - pinned[k]["val_acc"]) > WITHIN]
    named = lambda keys: ", ".join(f"{METHODS[m].label} seed {s}" for m, s in keys)  # noqa: E731
    sentence = (
        f"Run again on another CPU code path ({_path(first)}; same config, same seed), {len(landed)} of these "
        f"{len(runs)} seeds land within {WITHIN} of their accuracy"
        + (f" ({named(landed)})" if landed else "")
        + (f", and {len(moved)} more move by over {WITHIN} without landing ({named(moved)})" if moved else "")
        + ". A seed that moves that far with the last bits of the products differs from theirs by rounding "
        "amplified by training, not by the method" + _stayed(len(runs) - len(landed) - len(moved))
    )
    return pd.DataFrame(rows).set_index(["row", "seed"]), sentence


def page(rep) -> dict[str, Any]:
    values: dict[str, Any] = {**common(rep)}
    why_not = regenerated_unavailable(rep.profile) or authors_teachers_missing(rep.store)
    if why_not is not None:
        # Empty tables, not strings: a glued table directive shows a string as its repr.
        values.update(
            {
                "regenerated_available": why_not,
                "regenerated_summary": pd.DataFrame(),
                "regenerated_per_seed": pd.DataFrame(),
                "regenerated_residual": "",
                "regenerated_other_path": pd.DataFrame(),
                "regenerated_other_path_sentence": "",
                "regenerated_within": WITHIN,
            }
        )
        return values
    records = load_reference()
    seeds = [s for s in rep.seeds if s < len(records["rows"]["xavier"]["seeds"])]
    diffs = {
        source: differences([r for r in rep.regenerated(source) if r["seed"] in seeds], records) for source in SOURCES
    }
    values.update(
        {
            "regenerated_available": (
                f"Their records ({reference_path().name}, commit "
                f"{records['source']['commit'][:7]}) against this build's `authors`-mode runs, "
                f"seeds {seeds}."
            ),
            "regenerated_summary": summary_table(diffs),
            "regenerated_per_seed": per_seed_table(diffs["authors"]),
            "regenerated_residual": residual_sentence(diffs["authors"]),
            "regenerated_within": WITHIN,
        }
    )
    values["regenerated_other_path"], values["regenerated_other_path_sentence"] = other_path_table(
        rep, diffs["authors"], records
    )
    return values
