"""The second data set chapter: the whole experiment on scikit-learn's 8x8 digits, split by classes as Fashion-MNIST is, and every claim's verdict on both data sets."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...data import C1, DIGITS_TEST_SHARE
from ..spent import glued
from ..tables import LABELS, METRICS, for_display, lambdas_text, runs_frame, summarise
from . import common
from .fresh import changed_sentence, runs_by_mode, survival

DATASET = "digits"


def means(runs: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    """Each mode's Table I on the digits: per initialisation and metric, mean ± std over seeds."""
    columns = {}
    for mode, results in runs.items():
        summary = summarise(runs_frame(results))
        for metric, name in METRICS.items():
            columns[(f"{mode} mode", name)] = [
                f"{row[f'{metric}_mean']:.3f} ± {row[f'{metric}_std']:.3f}" for _, row in summary.iterrows()
            ]
        index = [LABELS[m] for m in summary.index]
    frame = pd.DataFrame(columns, index=pd.Index(index, name="initialisation"))
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame


def steps(rep) -> dict[str, int]:
    """D2 training steps per student epoch on each data set: the same schedule sees far fewer
    batches on the digits."""
    out = {}
    for name, session in (("fashion", rep), (DATASET, rep.on(DATASET))):
        cfg = session.profile.config("xavier", session.seeds[0], session.mode)
        out[name] = -(-len(session.data().train) // cfg.student.batch_size)
    return out


def lambdas_sentence(rep) -> str:
    """The λ each mode's search chose on the digits, in words."""
    on = rep.on(DATASET)
    parts = []
    for mode in rep.modes():
        for method in ("antidistill_l4_0", "antidistill"):
            chosen = lambdas_text(on.of_mode(mode).lambdas(method, progress=False))
            parts.append(f"{LABELS[method]} in `{mode}` mode ({chosen})")
    return "; ".join(parts)


def page(rep) -> dict[str, Any]:
    on = rep.on(DATASET)
    fashion, digits = runs_by_mode(rep), runs_by_mode(on)
    table = survival(fashion, digits, "Fashion-MNIST", "digits")
    data = on.data()
    per_epoch = steps(rep)
    return {
        **common(rep),
        **glued(rep, "digits"),
        "digits_test_share": f"{DIGITS_TEST_SHARE:.0%}",
        "digits_train": len(data.train),
        "digits_test": len(data.test),
        "digits_inputs": data.n_inputs,
        "digits_d1_train": len(data.d1().train),
        "digits_d1_classes": f"{C1[0]}–{C1[-1]}",
        "digits_steps": per_epoch[DATASET],
        "fashion_steps": per_epoch["fashion"],
        "digits_lambdas": lambdas_sentence(rep),
        "digits_verdicts": for_display(table),
        "digits_changed": changed_sentence(table, "on the digits"),
        "digits_means": means(digits),
    }
