"""The switches chapter: what each text-vs-code switch, flipped alone from either mode, moves in each Table I column, and how far the single switches account for the gap between the two protocols."""

from __future__ import annotations

from typing import Any, Sequence

import pandas as pd

from ...ablation import LAMBDAS, Flip, other_mode, switch_label
from ...protocol import describe
from ..spent import glued
from ..statistics import ALPHA, CONFIDENCE, Paired, holm, paired
from ..tables import LABELS, METRICS, PAPER_TABLE_I, for_display, lambdas_text, runs_frame
from . import common

# Where a run reads each Table I column (``metric_epochs`` of a run) under the names of METRICS.
EPOCH_KEYS = {"val_acc": "val_acc", "fgsm": "fgsm", "noise": "weight_noise"}


def setting(flip: Flip, base_run: dict[str, Any], flipped_run: dict[str, Any]) -> str:
    """The flip in words: the switch's setting in the base mode → in the other."""
    if flip.switch == LAMBDAS:
        return f"({lambdas_text(base_run['config']['lambdas'])}) → ({lambdas_text(flipped_run['config']['lambdas'])})"
    before = describe(flip.switch, base_run["config"]["protocol"][flip.switch])
    return f"{before} → {describe(flip.switch, flip.value)}"


def _epochs(run: dict[str, Any]) -> str:
    return " / ".join(str(run["metric_epochs"][key]) for key in EPOCH_KEYS.values())


def effects(switched: dict[str, list[tuple[Flip, list, list]]]) -> pd.DataFrame:
    """One row per (base mode, flip, Table I metric): the flipped runs' mean − the base runs'
    over the same seeds with its paired interval and p-value, Holm-corrected within a mode's
    flips of one metric, and the D2 epochs after which each column is read, before → after."""
    rows = []
    for mode, flips in switched.items():
        family: dict[str, list[tuple[dict, Paired]]] = {metric: [] for metric in METRICS}
        for flip, base, flipped in flips:
            a, b = runs_frame(flipped), runs_frame(base)
            if list(a["seed"]) != list(b["seed"]):
                raise ValueError(f"{flip}: flipped and base runs are not of the same seeds")
            for metric in METRICS:
                row = {
                    "mode": mode,
                    "switch": switch_label(flip.switch),
                    "initialisation": LABELS[flip.method],
                    "setting": setting(flip, base[0], flipped[0]),
                    "metric": metric,
                    "base": b[metric].mean(),
                    "flipped": a[metric].mean(),
                    "epochs": f"{_epochs(base[0])} → {_epochs(flipped[0])}",
                }
                family[metric].append((row, paired(a[metric], b[metric])))
        for metric, members in family.items():
            for (row, c), corrected in zip(members, holm([c for _, c in members])):
                rows.append({**row, "effect": c.mean, "low": c.low, "high": c.high, "p": c.p, "holm": corrected.holm})
    return pd.DataFrame(rows)


def _interval(row) -> str:
    mark = "*" if row["holm"] < ALPHA else ""
    return f"{row['effect']:+.3f} [{row['low']:+.3f}, {row['high']:+.3f}]{mark}"


def effects_table(table: pd.DataFrame, mode: str) -> pd.DataFrame:
    """``effects`` of one base mode as the page shows it: a row per flip, a column per metric
    (effect [interval], * where Holm's p < ALPHA), and where the columns are read."""
    rows = table[table["mode"] == mode]
    wide = rows.assign(shown=rows.apply(_interval, axis=1)).pivot_table(
        index=["switch", "setting", "initialisation", "epochs"],
        columns="metric",
        values="shown",
        aggfunc="first",
        sort=False,
    )
    wide = wide[list(METRICS)].rename(columns=METRICS).reset_index(level="epochs")
    wide.columns.name = None
    return wide.rename(columns={"epochs": "read after epoch (acc / FGSM / noise)"})


def _flips_of(table: pd.DataFrame, mode: str, metric: str, method: str) -> pd.DataFrame:
    """The ``effects`` rows of one mode's flips of one method, for one metric."""
    return table[(table["mode"] == mode) & (table["metric"] == metric) & (table["initialisation"] == LABELS[method])]


def gaps(table: pd.DataFrame, runs: dict[str, list[dict[str, Any]]], methods: Sequence[str]) -> pd.DataFrame:
    """Per method of ``methods`` and metric: the gap between the protocols (`authors` − `paper`,
    paired by seed), the sum of the single-switch effects from `paper` mode (each switch set as the authors' code
    has it) and from `authors` mode (each switch set back as in the text, its sign turned so it
    also reads towards the authors' code), and the largest single switch from each side."""
    frames = {mode: runs_frame(results) for mode, results in runs.items()}
    rows = []
    for method in methods:
        for metric, name in METRICS.items():
            a, p = (frames[m][frames[m]["method"] == method][metric] for m in ("authors", "paper"))
            gap = paired(list(a), list(p))
            row = {"initialisation": LABELS[method], "metric": name, "gap": gap.mean, "low": gap.low, "high": gap.high}
            for mode, sign in (("paper", 1), ("authors", -1)):
                own = _flips_of(table, mode, metric, method)
                towards = sign * own["effect"]
                top = towards.abs().idxmax()
                row[f"sum from {mode}"] = towards.sum()
                row[f"largest from {mode}"] = f"{own.loc[top, 'switch']} ({towards[top]:+.3f})"
            rows.append(row)
    return pd.DataFrame(rows).set_index(["initialisation", "metric"])


def gaps_table(gaps_frame: pd.DataFrame) -> pd.DataFrame:
    """``gaps`` as the page shows it: signed to three places like the effects, the gap with its
    interval in one cell."""
    shown = pd.DataFrame(index=gaps_frame.index)
    shown["gap"] = [f"{g:+.3f} [{lo:+.3f}, {hi:+.3f}]" for g, lo, hi in gaps_frame[["gap", "low", "high"]].values]
    for mode in ("paper", "authors"):
        shown[f"sum from {mode}"] = gaps_frame[f"sum from {mode}"].map("{:+.3f}".format)
        shown[f"largest from {mode}"] = gaps_frame[f"largest from {mode}"]
    return shown


def printed_xavier(table: pd.DataFrame, runs: dict[str, list[dict[str, Any]]]) -> str:
    """How far the one switch that moves it most takes our `paper`-mode Xavier accuracy towards
    the paper's printed one, in words."""
    printed = PAPER_TABLE_I["xavier"]["val_acc"][0]
    ours = runs_frame(runs["paper"]).query("method == 'xavier'")["val_acc"].mean()
    own = _flips_of(table, "paper", "val_acc", "xavier")
    top = own.loc[(own["effect"] * (printed - ours)).idxmax()]
    share = top["effect"] / (printed - ours)
    start = f"Our `paper`-mode Xavier students reach {ours:.3f} accuracy, the paper's Table I prints {printed:.2f}."
    if share <= 0:
        return f"{start} No single switch moves them towards it."
    return (
        f"{start} The single switch that moves them furthest towards it is "
        f"“{top['switch']}” ({top['setting']}): {top['effect']:+.3f} "
        f"({CONFIDENCE:.0%} interval {top['low']:+.3f} to {top['high']:+.3f}), "
        f"{share:.0%} of the way" + (", past the printed value." if share > 1 else ".")
    )


def method_list(methods: Sequence[str]) -> str:
    """The ablated methods in words; their labels hold commas ("Anti-Distillation, λ4 = 0"), so a
    list of three or more is cut by semicolons."""
    labels = [LABELS[m] for m in methods]
    if len(labels) < 3:
        return " and ".join(labels)
    return "; ".join(labels[:-1]) + f"; and {labels[-1]}"


def switches_by_mode(rep) -> dict[str, list[tuple[Flip, list, list]]]:
    """Each base mode's flips with their base and flipped runs (computed where missing)."""
    return {mode: rep.of_mode(mode).switches(progress=False) for mode in rep.modes()}


def page(rep) -> dict[str, Any]:
    switched = switches_by_mode(rep)
    table = effects(switched)
    methods = rep.profile.ablated
    runs = {mode: rep.of_mode(mode).run(methods, progress=False) for mode in rep.modes()}
    return {
        **common(rep),
        **glued(rep, "switches"),
        "switch_methods": method_list(methods),
        "switch_counts": "; ".join(f"{len(flips)} from `{mode}` mode" for mode, flips in switched.items()),
        "switch_confidence": f"{CONFIDENCE:.0%}",
        "switch_alpha": f"{ALPHA:g}",
        **{f"switch_from_{mode}": for_display(effects_table(table, mode)) for mode in switched},
        **{f"switch_from_{mode}_other": other_mode(mode) for mode in switched},
        "switch_gaps": gaps_table(gaps(table, runs, methods)),
        "switch_xavier": printed_xavier(table, runs),
    }
