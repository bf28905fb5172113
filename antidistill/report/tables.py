"""Saved runs as tidy pandas DataFrames, and Table I next to the paper's reported values."""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from ..data import C1
from ..growth import METHODS

METHOD_ORDER = list(METHODS)
LABELS = {name: m.label for name, m in METHODS.items()}
METRICS = {"val_acc": "Accuracy", "fgsm": "FGSM attack", "noise": "Noise in parameters"}

# The paper's Table I, as printed (mean, std over 10 seeds), shown only for comparison and
# always labelled as the paper's; keyed by method, then by metric (the keys of METRICS).
PAPER_TABLE_I: dict[str, dict[str, tuple[float, float]]] = {
    method: dict(zip(METRICS, row)) for method, row in {
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


# A pre-trained student that ends its D1 pre-training within this margin of chance accuracy on
# the five D1 classes has collapsed: the trivial, constant-output minimiser of the trace term.
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
            marked[method] = f"{LABELS[method]} (collapsed in pre-training: {int(group['collapsed'].sum())} of {len(group)} seeds)"
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
    return (f"Accuracy is read after epoch {', '.join(map(str, acc_epochs))}; FGSM and weight noise "
            f"{'; '.join(parts)}, as the authors recorded them.")


def never_predicted_sentence(results: Iterable[dict[str, Any]], output_relu: bool) -> str:
    """Which trained students predict some class for no test image, as one sentence of the report."""
    results = list(results)
    lost = [r for r in results if r.get("never_predicted")]
    if not lost:
        return f"Every one of the {len(results)} trained students predicts each of the 10 classes for some test image."
    cases = "; ".join(f"{LABELS[r['method']]}, seed {r['seed']}: class {', '.join(map(str, r['never_predicted']))}"
                      for r in lost)
    why = (" With the ReLU after the output layer that this protocol uses, an output unit that is negative for "
           "every image is stuck at 0 and gets no gradient, so that class is lost for good and the run loses "
           "about a tenth of its accuracy." if output_relu else "")
    return f"{len(lost)} of the {len(results)} trained students never predict some class on the test set ({cases}).{why}"


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame["method"] = pd.Categorical(frame["method"], categories=METHOD_ORDER, ordered=True)
    frame["label"] = pd.Categorical(frame["label"], categories=[LABELS[m] for m in METHOD_ORDER], ordered=True)
    return frame.sort_values(["method", "seed"]).reset_index(drop=True)


def runs_frame(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per run: final validation accuracy and the two robustness metrics at their largest eps."""
    rows = [{"method": r["method"], "label": r["label"], "seed": r["seed"], "mode": r["mode"],
             "val_acc": r["val_acc"], "fgsm": r["fgsm"]["acc"][-1], "noise": r["weight_noise"]["acc"][-1],
             "fgsm_eps": r["fgsm"]["eps"][-1], "noise_eps": r["weight_noise"]["eps"][-1],
             "wall_time_s": r["wall_time_s"], "collapsed": pretrain_collapsed(r)} for r in results]
    return _ordered(pd.DataFrame(rows))


def history_frame(results: Iterable[dict[str, Any]], key: str = "history") -> pd.DataFrame:
    """One row per (run, epoch) of the D2 training (``key="pretrain_history"``: D1 pre-training)."""
    rows = [{"method": r["method"], "label": r["label"], "seed": r["seed"], **row}
            for r in results for row in (r.get(key) or [])]
    return _ordered(pd.DataFrame(rows))


def curves_frame(results: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per (run, attack, eps): accuracy under FGSM and under weight noise."""
    rows = []
    for r in results:
        for attack, key in (("FGSM", "fgsm"), ("weight noise", "weight_noise")):
            rows += [{"method": r["method"], "label": r["label"], "seed": r["seed"], "attack": attack,
                      "eps": eps, "acc": acc} for eps, acc in zip(r[key]["eps"], r[key]["acc"])]
    return _ordered(pd.DataFrame(rows))


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and population std (ddof=0, as the paper) of each metric per method."""
    grouped = runs.groupby("method", observed=True)[list(METRICS)]
    return grouped.mean().add_suffix("_mean").join(grouped.std(ddof=0).add_suffix("_std"))


def table_one(runs: pd.DataFrame) -> pd.DataFrame:
    """Table I: per method and metric, this build's mean ± std, the paper's, and Δ = difference of means."""
    stats = summarise(runs)
    marked = labels(runs)
    rows = {}
    for method in stats.index:
        row = {}
        for metric, title in METRICS.items():
            mean, std = stats.loc[method, f"{metric}_mean"], stats.loc[method, f"{metric}_std"]
            paper_mean, paper_std = PAPER_TABLE_I[method][metric]
            # Non-breaking spaces keep "mean ± std" on one line in narrow columns.
            row[(title, "this build")] = f"{mean:.2f}\u00a0±\u00a0{std:.2f}"
            row[(title, "paper (reported)")] = f"{paper_mean:.2f}\u00a0±\u00a0{paper_std:.2f}"
            row[(title, "Δ")] = f"{mean - paper_mean:+.2f}"
        rows[marked[method]] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    table.index.name = "Initialisation"
    return table


def for_display(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """A table as a page shows it: floats rounded to ``digits`` places, whole numbers without a
    decimal part, and a missing value (a term a method does not use) as "—"."""
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
    """Who is best on ``metric``, where full Anti-Distillation and Xavier land: one sentence."""
    ranked = ranking(runs, metric)
    best = ranked.iloc[0]
    parts = [f"{best['label']} is best ({best['mean']:.3f})"]
    if "antidistill" in ranked.index:
        ad = ranked.loc["antidistill"]
        parts.append(f"full Anti-Distillation ranks {ad['rank']} of {len(ranked)} ({ad['mean']:.3f})")
    if "xavier" in ranked.index:
        parts.append(f"Xavier reaches {ranked.loc['xavier', 'mean']:.3f}")
    return "; ".join(parts)


def compare_with_paper(runs: pd.DataFrame) -> pd.DataFrame:
    """Per metric: the best method here and in the paper's Table I, and how many methods land
    within one of the paper's standard deviations of its mean."""
    stats = summarise(runs)
    marked = labels(runs)
    rows = {}
    for metric, title in METRICS.items():
        ours = stats[f"{metric}_mean"]
        paper = {m: PAPER_TABLE_I[m][metric] for m in ours.index}
        ours_best = ours.idxmax()
        paper_best = max(paper, key=lambda m: paper[m][0])
        rows[title] = {"best here": marked[ours_best], "its mean here": ours[ours_best],
                       "best in the paper": LABELS[paper_best], "its mean in the paper": paper[paper_best][0],
                       "methods within one paper std": sum(abs(ours[m] - paper[m][0]) <= paper[m][1] for m in ours.index),
                       "methods": len(ours)}
    return pd.DataFrame.from_dict(rows, orient="index")


def comparison_sentences(runs: pd.DataFrame) -> str:
    """``compare_with_paper`` as a Markdown list, one line per metric."""
    table = compare_with_paper(runs)
    return "\n".join(f"- **{title}**: best here {r['best here']} ({r['its mean here']:.3f}); best in the paper "
                     f"{r['best in the paper']} ({r['its mean in the paper']:.2f}). {r['methods within one paper std']} "
                     f"of {r['methods']} methods land within one of the paper's standard deviations of its mean."
                     for title, r in table.iterrows())


def bench_frame(benches: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Saved bench tables side by side, one column per machine and device."""
    hidden = ("config", "results_version", "environment", "machine", "device")
    return pd.DataFrame({f"{b['machine']}, {b['device']}": {k: v for k, v in b.items() if k not in hidden}
                         for b in benches})
