"""Saved runs as tidy pandas DataFrames, and Table I three ways: the paper's printed values and each mode's."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..data import C1
from ..growth import METHODS
from .statistics import ALPHA, holm, interval, paired, printed_consistent

METHOD_ORDER = list(METHODS)
LABELS = {name: m.label for name, m in METHODS.items()}
METRICS = {"val_acc": "Accuracy", "fgsm": "FGSM attack", "noise": "Noise in parameters"}

# The paper's Table I, as printed (mean, std over 10 seeds), shown only for comparison and
# always labelled as the paper's; keyed by method, then by metric (the keys of METRICS).
PAPER_TABLE_I: dict[str, dict[str, tuple[float, float]]] = {
    method: dict(zip(METRICS, row))
    for method, row in {
        # method:          accuracy       FGSM attack    noise in parameters
        "xavier": ((0.68, 0.08), (0.42, 0.04), (0.58, 0.06)),
        "zero_pad": ((0.86, 0.02), (0.50, 0.01), (0.71, 0.03)),
        "uniform_pad": ((0.85, 0.04), (0.52, 0.03), (0.73, 0.03)),
        "transfer": ((0.74, 0.09), (0.50, 0.06), (0.53, 0.05)),
        "net2net": ((0.85, 0.04), (0.51, 0.02), (0.70, 0.03)),
        "data_noise": ((0.81, 0.07), (0.51, 0.03), (0.70, 0.05)),
        "antidistill_l4_0": ((0.86, 0.05), (0.53, 0.03), (0.73, 0.04)),
        "antidistill": ((0.86, 0.05), (0.57, 0.03), (0.67, 0.03)),
    }.items()
}


# The paper's Table I is a mean ± std over this many seeds (its text), printed to two decimals.
PAPER_SEEDS, PAPER_DIGITS = 10, 2
PRINTED = "paper (printed)"


# A pre-trained student that ends its D1 pre-training within this margin of chance accuracy on
# the five D1 classes has collapsed: it no longer tells the D1 classes apart.
COLLAPSE_THRESHOLD = 1 / len(C1) + 0.1


def pretrain_collapsed(result: dict[str, Any]) -> bool:
    """Whether a run's D1 pre-training (methods 6-8) ended at chance on D1."""
    history = result.get("pretrain_history")
    return bool(history) and history[-1]["val_acc"] < COLLAPSE_THRESHOLD


def labels(runs: pd.DataFrame) -> dict[str, str]:
    """Each method's label, marked where some of its runs collapsed in pre-training, for every
    place that ranks methods."""
    marked = dict(LABELS)
    for method, group in runs.groupby("method", observed=True):
        if group["collapsed"].any():
            marked[method] = (
                f"{LABELS[method]} (collapsed in pre-training: {int(group['collapsed'].sum())} of {len(group)} seeds)"
            )
    return marked


def metric_epochs_sentence(results: Iterable[dict[str, Any]]) -> str:
    """After which D2 epoch each Table I column was read, as one sentence of the report."""
    epochs: dict[tuple[int, int], list[str]] = {}
    for r in results:
        e = r["metric_epochs"]
        labels_here = epochs.setdefault((e["val_acc"], e["fgsm"]), [])
        if LABELS[r["method"]] not in labels_here:
            labels_here.append(LABELS[r["method"]])
    if len(epochs) == 1:
        [(acc, robust)] = epochs
        if acc == robust:
            return f"All three columns are read after the last D2 epoch, epoch {acc}."
    parts = [f"after epoch {robust} for {', '.join(names)}" for (_, robust), names in sorted(epochs.items())]
    acc_epochs = sorted({acc for acc, _ in epochs})
    return (
        f"Accuracy is read after epoch {', '.join(map(str, acc_epochs))}; FGSM and weight noise "
        f"{'; '.join(parts)}, as the authors recorded them."
    )


def never_predicted_sentence(results: Iterable[dict[str, Any]], output_relu: bool) -> str:
    """Which trained students predict some class for no test image, as one sentence of the report."""
    results = list(results)
    lost = [r for r in results if r.get("never_predicted")]
    if not lost:
        return f"Every one of the {len(results)} trained students predicts each of the 10 classes for some test image."
    cases = "; ".join(
        f"{LABELS[r['method']]}, seed {r['seed']}: class {', '.join(map(str, r['never_predicted']))}" for r in lost
    )
    why = (
        " With the ReLU after the output layer that this protocol uses, an output unit that is negative for "
        "every image is stuck at 0 and gets no gradient, so that class is lost for good and the run loses "
        "about a tenth of its accuracy."
        if output_relu
        else ""
    )
    return (
        f"{len(lost)} of the {len(results)} trained students never predict some class on the test set ({cases}).{why}"
    )


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame["method"] = pd.Categorical(frame["method"], categories=METHOD_ORDER, ordered=True)
    frame["label"] = pd.Categorical(frame["label"], categories=[LABELS[m] for m in METHOD_ORDER], ordered=True)
    return frame.sort_values(["method", "seed"]).reset_index(drop=True)


def runs_frame(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per run: final validation accuracy and the two robustness metrics at their largest eps."""
    rows = [
        {
            "method": r["method"],
            "label": r["label"],
            "seed": r["seed"],
            "mode": r["mode"],
            "val_acc": r["val_acc"],
            "fgsm": r["fgsm"]["acc"][-1],
            "noise": r["weight_noise"]["acc"][-1],
            "fgsm_eps": r["fgsm"]["eps"][-1],
            "noise_eps": r["weight_noise"]["eps"][-1],
            "wall_time_s": r["wall_time_s"],
            "collapsed": pretrain_collapsed(r),
        }
        for r in results
    ]
    return _ordered(pd.DataFrame(rows))


def history_frame(results: Iterable[dict[str, Any]], key: str = "history") -> pd.DataFrame:
    """One row per (run, epoch) of the D2 training (``key="pretrain_history"``: D1 pre-training)."""
    rows = [
        {"mode": r["mode"], "method": r["method"], "label": r["label"], "seed": r["seed"], **row}
        for r in results
        for row in (r.get(key) or [])
    ]
    return _ordered(pd.DataFrame(rows))


def curves_frame(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per (run, attack, eps): accuracy under FGSM and under weight noise."""
    rows = []
    for r in results:
        for attack, key in (("FGSM", "fgsm"), ("weight noise", "weight_noise")):
            rows += [
                {
                    "mode": r["mode"],
                    "method": r["method"],
                    "label": r["label"],
                    "seed": r["seed"],
                    "attack": attack,
                    "eps": eps,
                    "acc": acc,
                }
                for eps, acc in zip(r[key]["eps"], r[key]["acc"])
            ]
    return _ordered(pd.DataFrame(rows))


def lambdas_text(lambdas) -> str:
    """λ1..λ4 as the pages print them: two significant digits each."""
    return ", ".join(f"{v:.2g}" for v in lambdas)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and population std (ddof=0, as the paper) of each metric per method."""
    grouped = runs.groupby("method", observed=True)[list(METRICS)]
    return grouped.mean().add_suffix("_mean").join(grouped.std(ddof=0).add_suffix("_std"))


def wide(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Seeds × methods of ``metric`` (methods in the paper's order), only the seeds every method
    has: what paired comparisons need."""
    table = runs.assign(method=runs["method"].astype(str)).pivot(index="seed", columns="method", values=metric)
    return table[[m for m in METHOD_ORDER if m in table.columns]].dropna()


def source(mode: str) -> str:
    return f"{mode} mode"


def table_one_numbers(runs: pd.DataFrame) -> pd.DataFrame:
    """Table I in long form, one row per (method, metric, source): the paper's printed mean ± std,
    and for each mode in ``runs`` (a ``mode`` column) the mean, population std (ddof = 0, as the
    paper), the t interval of the mean, the number of seeds, and the p-value of the printed value
    against ours (``statistics.printed_consistent``: Welch's t at its most favourable rounding)."""
    rows = []
    modes = list(dict.fromkeys(runs["mode"]))
    for method in [m for m in METHOD_ORDER if m in set(runs["method"].astype(str))]:
        for metric in METRICS:
            printed_mean, printed_std = PAPER_TABLE_I[method][metric]
            rows.append(
                {
                    "method": method,
                    "metric": metric,
                    "source": PRINTED,
                    "mean": printed_mean,
                    "std": printed_std,
                    "low": np.nan,
                    "high": np.nan,
                    "n": PAPER_SEEDS,
                    "p printed": np.nan,
                }
            )
            for mode in modes:
                values = runs[(runs["mode"] == mode) & (runs["method"] == method)][metric].to_numpy(dtype=float)
                if len(values) == 0:
                    continue
                low, high = interval(values) if len(values) > 1 else (np.nan, np.nan)
                rows.append(
                    {
                        "method": method,
                        "metric": metric,
                        "source": source(mode),
                        "mean": values.mean(),
                        "std": values.std(),
                        "low": low,
                        "high": high,
                        "n": len(values),
                        "p printed": printed_consistent(printed_mean, printed_std, PAPER_SEEDS, values, PAPER_DIGITS)
                        if len(values) > 1
                        else np.nan,
                    }
                )
    return pd.DataFrame(rows)


def table_one_three_ways(runs: pd.DataFrame) -> pd.DataFrame:
    """``table_one_numbers`` as the page shows it: per method, metric and source, "mean ± std"
    (the paper's to its two printed decimals, ours to three) and for ours the interval of the
    mean, with † where the paper's printed value is not consistent with ours (p < ALPHA)."""
    numbers = table_one_numbers(runs)
    marked = {m: LABELS[m] for m in METHOD_ORDER}
    for mode, group in runs.groupby("mode"):
        for method, label in labels(group).items():
            if label != LABELS[method]:
                marked[method] += label[len(LABELS[method]) :].replace("(collapsed", f"({mode} mode: collapsed")
    rows: dict[str, dict] = {}
    for r in numbers.to_dict("records"):
        if r["source"] == PRINTED:
            cell = f"{r['mean']:.{PAPER_DIGITS}f}\u00a0±\u00a0{r['std']:.{PAPER_DIGITS}f}"
        else:
            span = "" if np.isnan(r["low"]) else f" [{r['low']:.3f}, {r['high']:.3f}]"
            cell = f"{r['mean']:.3f}\u00a0±\u00a0{r['std']:.3f}{span}" + (" †" if r["p printed"] < ALPHA else "")
        rows.setdefault(marked[r["method"]], {})[(METRICS[r["metric"]], r["source"])] = cell
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.name = "Initialisation"
    return table


def best_and_ties(runs: pd.DataFrame, metric: str) -> tuple[str, list[str]]:
    """The method with the best mean ``metric`` and those tied with it: not significantly behind
    it seed by seed (paired t-tests of the best against each, Holm-corrected together)."""
    table = wide(runs, metric)
    best = table.mean().idxmax()
    others = [m for m in table.columns if m != best]
    if len(table) < 2:
        return best, others  # one seed: nothing can be told apart
    comps = holm([paired(table[best], table[m]) for m in others])
    return best, [m for m, c in zip(others, comps) if c.holm >= ALPHA]


def best_sentences(runs: pd.DataFrame) -> str:
    """Per metric, a Markdown line naming the best of the paper's printed table (every method at
    its top printed value: ties are ties) and of each mode, with the methods tied with it."""
    lines = []
    present = [m for m in METHOD_ORDER if m in set(runs["method"].astype(str))]
    for metric, title in METRICS.items():
        top = max(PAPER_TABLE_I[m][metric][0] for m in present)
        printed = [LABELS[m] for m in present if PAPER_TABLE_I[m][metric][0] == top]
        parts = [
            f"{PRINTED}: "
            + (
                f"a {len(printed)}-way tie at {top:.{PAPER_DIGITS}f} ({', '.join(printed)})"
                if len(printed) > 1
                else f"{printed[0]} ({top:.{PAPER_DIGITS}f})"
            )
        ]
        for mode, group in runs.groupby("mode"):
            best, tied = best_and_ties(group, metric)
            mean = group[group["method"] == best][metric].mean()
            parts.append(
                f"{source(mode)}: {LABELS[best]} ({mean:.3f})"
                + (
                    f", tied with {', '.join(LABELS[m] for m in tied)} (not significantly behind it, paired, Holm)"
                    if tied
                    else ", ahead of every other method (paired, Holm)"
                )
            )
        lines.append(f"- **{title}** — " + "; ".join(parts) + ".")
    return "\n".join(lines)


def consistency_sentence(numbers: pd.DataFrame) -> str:
    """How many of the paper's printed cells are consistent with each mode's values."""
    ours = numbers[numbers["source"] != PRINTED]
    return " ".join(
        f"{int((group['p printed'] >= ALPHA).sum())} of {len(group)} printed cells are consistent with {name}."
        for name, group in ours.groupby("source", sort=False)
    )


def p_text(p: float) -> str:
    """A p-value as a reader reads it: three decimals, "< 0.001" below that, "—" where missing."""
    return "—" if p != p else "< 0.001" if p < 0.001 else f"{p:.3f}"


def is_p_column(name: Any) -> bool:
    """Whether a column holds p-values, by its name: "p", "holm", "holm p", "p printed", "t p (Holm)"..."""
    words = str(name).lower().replace("(", " ").replace(")", " ").split()
    return bool(words) and ("p" in words or words == ["holm"]) and "wall" not in words


def for_display(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """A table as a page shows it: floats rounded to ``digits`` places, whole numbers without a
    decimal part, a missing value (a term a method does not use) as "—", and p-values as
    ``p_text`` writes them (never "0.0")."""
    frame = frame.copy()
    for column in [c for c in frame.columns if is_p_column(c) and pd.api.types.is_float_dtype(frame[c])]:
        frame[column] = frame[column].map(p_text)

    def cell(v):
        if isinstance(v, float):
            if v != v:
                return "—"
            return int(v) if v.is_integer() and abs(v) < 1e6 else round(v, digits)
        return v

    return frame.apply(lambda column: column.map(cell)).astype(object)


def ranking(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Methods from best to worst on ``metric`` (a key of METRICS): label (marked where runs
    collapsed), mean, population std and rank."""
    stats = summarise(runs)
    marked = labels(runs)
    ranked = stats[[f"{metric}_mean", f"{metric}_std"]].sort_values(f"{metric}_mean", ascending=False)
    ranked.columns = ["mean", "std"]
    ranked.insert(0, "label", [marked[m] for m in ranked.index])
    ranked["rank"] = range(1, len(ranked) + 1)
    return ranked


def ranking_sentence(runs: pd.DataFrame, metric: str) -> str:
    """Who has the highest mean on ``metric``, where full Anti-Distillation and Xavier land: one
    sentence of means only (whether a lead is shown is the claims chapter's)."""
    ranked = ranking(runs, metric)
    best = ranked.iloc[0]
    parts = [f"{best['label']} has the highest mean ({best['mean']:.3f})"]
    if "antidistill" in ranked.index:
        ad = ranked.loc["antidistill"]
        parts.append(
            f"full Anti-Distillation ranks {ad['rank']} of {len(ranked)} ({ad['mean']:.3f})"
            + (
                f", but {ad['label'][len(LABELS['antidistill']) + 2 : -1]}"
                if ad["label"] != LABELS["antidistill"]
                else ""
            )
        )
    if "xavier" in ranked.index and ranked.index[0] != "xavier":
        parts.append(f"Xavier reaches {ranked.loc['xavier', 'mean']:.3f}")
    return "; ".join(parts)


def bench_frame(benches: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Saved bench tables side by side, one column per machine and device."""
    hidden = ("config", "results_version", "environment", "machine", "device")
    return pd.DataFrame(
        {f"{b['machine']}, {b['device']}": {k: v for k, v in b.items() if k not in hidden} for b in benches}
    )
