"""Page 5, the experiment: accuracy per epoch (Figure 1), how much of each student is used, what D1 pre-training produced."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ...models import STUDENT_BLOCKS, TEACHER_BLOCKS
from ...protocol import protocol_for
from .. import figures
from ..tables import (
    COLLAPSE_THRESHOLD,
    LABELS,
    for_display,
    history_frame,
    labels,
    never_predicted_sentence,
    runs_frame,
    summarise,
)
from . import common

PRETRAIN_COLUMNS = {"val_acc": "D1 accuracy", "train_ce": "CE", "train_l2": "L2", "train_l3": "L3", "train_l4": "L4"}
# Nats by which a collapsed run's D1 cross-entropy must exceed a uniform guess's, ln 5, to count
# as worse than that guess (the geometric mean of the probability it gives the true class is then
# below the guess's 1/5): leaning to wrong classes rather than undecided.
WORSE_THAN_GUESS = 0.1


def overview(results: list[dict[str, Any]]) -> pd.DataFrame:
    """Per method: accuracy at epoch 0 and at the end, std over seeds, mean run time."""
    runs, history = runs_frame(results), history_frame(results)
    stats = summarise(runs)
    start = history[history.epoch == 0].groupby("method", observed=True)["val_acc"].mean()
    table = pd.DataFrame(
        {
            "initialisation": [LABELS[m] for m in stats.index],
            "accuracy at epoch 0": start.reindex(stats.index).to_numpy(),
            "final accuracy": stats["val_acc_mean"].to_numpy(),
            "std over seeds": stats["val_acc_std"].to_numpy(),
            "mean run time (s)": runs.groupby("method", observed=True)["wall_time_s"]
            .mean()
            .reindex(stats.index)
            .round(1)
            .to_numpy(),
        },
        index=stats.index,
    )
    return table


def widths(results: list[dict[str, Any]]) -> pd.DataFrame:
    """Mean distinct live units of each hidden layer per method, over seeds."""
    frame = pd.DataFrame(
        [{"method": r["method"], **{f"layer {i + 1}": w for i, w in enumerate(r["effective_widths"])}} for r in results]
    )
    table = frame.groupby("method", sort=False).mean()
    table.insert(0, "initialisation", [LABELS[m] for m in table.index])
    return table


def _widths_phrase(table: pd.DataFrame, method: str) -> str:
    layers = table.loc[method].drop("initialisation").tolist()
    shown = [int(w) if float(w).is_integer() else round(w, 1) for w in layers]
    same = layers == list(TEACHER_BLOCKS)
    return f"{shown} distinct live units on average (" + (
        "exactly the teacher's widths)" if same else "not the teacher's widths)"
    )


def width_verdict(table: pd.DataFrame) -> str:
    """Whether zero pad and Net2Net stayed teacher-sized in every run, stated from the numbers."""
    stuck = [
        m
        for m in ("zero_pad", "net2net")
        if m in table.index and table.loc[m].drop("initialisation").tolist() == list(TEACHER_BLOCKS)
    ]
    if len(stuck) == 2:
        return (
            "Neither left the teacher's width in any run: whatever they gain over a random start comes from the "
            "teacher's knowledge, not from the student's extra capacity, and their accuracy is that of a "
            "teacher-sized network fine-tuned on D2."
        )
    if stuck:
        return f"{LABELS[stuck[0]]} stayed at the teacher's width in every run; the other used more units."
    return "Both used more units than the teacher has, in some run at least: the argument above does not hold here."


def pretraining(results: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    """End-of-pre-training table of methods 6-8 and the sentences about negative L4 and collapse."""
    pretrained = [r for r in results if r["pretrain_history"]]
    if not pretrained:
        return {
            "pre_table": pd.DataFrame(),
            "pre_per_seed": pd.DataFrame(),
            "negative_verdict": "",
            "collapse_verdict": "",
        }
    runs = runs_frame(results)
    pre = history_frame(pretrained, key="pretrain_history")
    last = pre[pre.epoch == pre.epoch.max()]
    table = last.groupby("method", observed=True)[[c for c in PRETRAIN_COLUMNS if c in last]].mean()
    table = table.rename(columns=PRETRAIN_COLUMNS)
    table.insert(0, "initialisation", [LABELS[m] for m in table.index])
    # Per seed, where a collapse shows: the D1 accuracy each run ended pre-training with.
    per_seed = last.pivot_table(index="method", columns="seed", values="val_acc", observed=True)
    per_seed.insert(0, "initialisation", [LABELS[m] for m in per_seed.index])
    values: dict[str, Any] = {"pre_table": table, "pre_per_seed": per_seed}
    for method in ("data_noise", "antidistill_l4_0", "antidistill"):
        values[f"pre_acc_{method}"] = table.loc[method, "D1 accuracy"] if method in table.index else float("nan")
    full = pre[pre.method == "antidistill"]
    if "train_l4" in full:
        negative = full.dropna(subset=["train_l4"]).groupby("seed")["train_l4"].min().lt(0)
        values["negative_verdict"] = (
            f"Yet in {int(negative.sum())} of the {len(negative)} full Anti-Distillation runs the logged L4 went "
            f"below zero in some epoch: that is the noise of one {protocol_for(mode).probe} probe per batch, not "
            "curvature."
            if negative.any()
            else f"None of the {len(negative)} full Anti-Distillation runs logged a negative L4."
        )
    else:
        values["negative_verdict"] = ""
    collapsed = runs[(runs.method == "antidistill") & runs.collapsed]
    n_full = int((runs.method == "antidistill").sum())
    if len(collapsed):
        ce = last[(last.method == "antidistill") & last.seed.isin(collapsed.seed)]["train_ce"]
        worse = int((ce > math.log(5) + WORSE_THAN_GUESS).sum())
        values["collapse_verdict"] = (
            f"In this build {len(collapsed)} of {n_full} full Anti-Distillation runs ended pre-training at chance "
            f"on D1 (accuracy below {COLLAPSE_THRESHOLD:.1f}), with a D1 cross-entropy from {ce.min():.3f} to "
            f"{ce.max():.3f} against ln 5 = {math.log(5):.3f} for a uniform guess"
            + (
                f"; {worse} of them worse than that guess: on average they give the true class less probability "
                "than it does. "
                if worse
                else ". "
            )
            + f"Those runs are marked as collapsed wherever methods are ranked ({labels(runs)['antidistill']})."
        )
    else:
        values["collapse_verdict"] = (
            f"In this build no full Anti-Distillation run collapsed: every one of the {n_full} "
            f"ended pre-training above {COLLAPSE_THRESHOLD:.1f} D1 accuracy."
        )
    return values


def page(rep) -> dict[str, Any]:
    results = rep.run()
    table = overview(results)
    best, worst = table["final accuracy"].idxmax(), table["final accuracy"].idxmin()
    width_table = widths(results)
    return {
        **common(rep),
        "n_runs": len(results),
        "n_seeds": len(rep.seeds),
        "fig1": figures.accuracy_per_epoch(
            history_frame([r for mode in rep.modes() for r in rep.of_mode(mode).run(progress=False)]),
            title="Paper Fig. 1 (reproduced): validation accuracy while training on D2, mean ± std over seeds",
        ),
        "overview": for_display(table.set_index("initialisation")),
        "best_method": LABELS[best],
        "best_acc": table.loc[best, "final accuracy"],
        "worst_method": LABELS[worst],
        "worst_acc": table.loc[worst, "final accuracy"],
        "xavier_acc": table.loc["xavier", "final accuracy"],
        "ad_acc": table.loc["antidistill", "final accuracy"],
        "xavier_start": table.loc["xavier", "accuracy at epoch 0"],
        "zero_pad_start": table.loc["zero_pad", "accuracy at epoch 0"],
        "ad_start": table.loc["antidistill", "accuracy at epoch 0"],
        "student_widths": str(list(STUDENT_BLOCKS)),
        "teacher_widths": str(list(TEACHER_BLOCKS)),
        "width_table": for_display(width_table.set_index("initialisation"), digits=1),
        "zero_pad_widths": _widths_phrase(width_table, "zero_pad"),
        "net2net_widths": _widths_phrase(width_table, "net2net"),
        "width_verdict": width_verdict(width_table),
        "never_predicted": never_predicted_sentence(results, protocol_for(rep.mode).output_relu),
        **{
            k: (
                for_display(v.set_index("initialisation"))
                if isinstance(v, pd.DataFrame) and "initialisation" in v
                else v
            )
            for k, v in pretraining(results, rep.mode).items()
        },
    }
