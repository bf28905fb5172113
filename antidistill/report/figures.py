"""The report's figures, drawn with seaborn from the tidy DataFrames of ``antidistill.report.tables``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from ..data import CLASS_NAMES, FashionMNIST

# Every figure is saved at least this many pixels wide (after the tight crop), so a reader can zoom.
MIN_WIDTH_PX = 1600


def _finish(fig: plt.Figure) -> plt.Figure:
    """Lay out, close, and raise the resolution to MIN_WIDTH_PX with room for the tight crop
    (after closing: ``plt.close`` resets a figure's dpi)."""
    fig.tight_layout()
    plt.close(fig)
    fig.set_dpi(max(fig.dpi, 1.4 * MIN_WIDTH_PX / fig.get_figwidth()))
    return fig


def population_sd(values: pd.Series) -> tuple[float, float]:
    """mean ± population std (ddof=0), the band the paper's figures and Table I use."""
    mean, sd = values.mean(), values.std(ddof=0)
    return mean - sd, mean + sd


def _zoom_limits(frame: pd.DataFrame, x: str, y: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the methods differ: from the last third of the shortest method's ``x`` (so every
    method is in the panel, those stopped early too) to the end, and over it the range of the
    methods' mean ± population std, with a margin."""
    shortest = frame.groupby("label", observed=True)[x].max().min()
    xs = sorted(frame[x].unique())
    common = [v for v in xs if v <= shortest]
    start = common[(len(common) - 1) * 2 // 3]  # at least two points of x where there are two
    late = frame[frame[x] >= start]
    stats = late.groupby(["label", x], observed=True)[y].agg(["mean", lambda v: v.std(ddof=0)])
    stats.columns = ["mean", "sd"]
    low, high = (stats["mean"] - stats["sd"]).min(), (stats["mean"] + stats["sd"]).max()
    pad = 0.05 * (high - low) or 0.01
    return (start, xs[-1]), (low - pad, high + pad)


def _by_mode(
    frame: pd.DataFrame,
    x: str,
    y: str,
    xlabel: str,
    ylabel: str,
    title: str,
    integer_x: bool = False,
    zoom: bool = False,
) -> plt.Figure:
    """One row of panels per protocol (``mode`` column), mean ± population std over seeds per
    method; with ``zoom`` a second panel per row on the range where the methods differ."""
    sns.set_theme(style="whitegrid", context="notebook")
    modes = list(dict.fromkeys(frame["mode"]))
    cols = 2 if zoom else 1
    fig, axes = plt.subplots(len(modes), cols, figsize=(7.5 * cols + 2.5, 4.2 * len(modes)), squeeze=False)
    for r, (row, mode) in enumerate(zip(axes, modes)):
        part = frame[frame["mode"] == mode]
        for c, ax in enumerate(row):
            sns.lineplot(
                data=part,
                x=x,
                y=y,
                hue="label",
                style="label",
                markers=True,
                dashes=False,
                errorbar=population_sd,
                palette="tab10",
                ax=ax,
                legend=(r == 0 and c == cols - 1),
            )
            ax.set(
                xlabel=xlabel, ylabel=ylabel, title=f"{mode} mode" + (", zoomed where the methods differ" if c else "")
            )
            if integer_x:
                ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if c:
                xlim, ylim = _zoom_limits(part, x, y)
                ax.set(xlim=xlim, ylim=ylim)
    axes[0, -1].legend(title="initialisation", fontsize="small", bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.suptitle(title)
    return _finish(fig)


def accuracy_per_epoch(history: pd.DataFrame, title: str = "Validation accuracy while training on D2") -> plt.Figure:
    """Figure 1 for each protocol: validation accuracy per epoch (epoch 0 = straight after
    growth), mean ± std band, and a panel zoomed on the epochs and accuracies where the methods differ."""
    return _by_mode(history, "epoch", "val_acc", "epoch", "validation accuracy", title, integer_x=True, zoom=True)


def accuracy_vs_eps(curves: pd.DataFrame, attack: str, title: str | None = None) -> plt.Figure:
    """Figure 2 (``attack="FGSM"``) or Figure 3 (``"weight noise"``) for each protocol: accuracy against eps."""
    label = {"FGSM": "FGSM step ε", "weight noise": "weight noise ε"}[attack]
    return _by_mode(
        curves[curves["attack"] == attack],
        "eps",
        "acc",
        label,
        "validation accuracy",
        title or f"Validation accuracy under {attack}",
    )


def sample_grid(data: FashionMNIST, per_class: int = 8) -> plt.Figure:
    """The first ``per_class`` training images of every class, one row per class."""
    fig, axes = plt.subplots(len(CLASS_NAMES), per_class, figsize=(per_class * 0.9, len(CLASS_NAMES) * 0.95))
    for label, row in enumerate(axes):
        images = data.train.x[data.train.y == label][:per_class]
        for ax, image in zip(row, images):
            ax.imshow(image.numpy(), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(f"{label}: {CLASS_NAMES[label]}", rotation=0, ha="right", va="center", fontsize=9)
    return _finish(fig)


def bars(frame: pd.DataFrame, x: str, y: str, title: str, hue: str | None = None) -> plt.Figure:
    """A grouped bar chart (parameter importances per method)."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    sns.barplot(data=frame, x=x, y=y, hue=hue, ax=ax)
    ax.set(title=title, xlabel=x, ylabel=y)
    ax.tick_params(axis="x", rotation=30)
    return _finish(fig)


def search_history(trials: pd.DataFrame, title: str) -> plt.Figure:
    """Objective of every finished trial and the best value so far."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    done = trials.dropna(subset=["value"]).sort_values("number")
    ax.plot(done["number"], done["value"], "o", label="trial")
    ax.plot(done["number"], done["value"].cummax(), "-", label="best so far")
    ax.set(title=title, xlabel="trial", ylabel="mean FGSM accuracy (largest ε)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    return _finish(fig)


def learning_curves(history: pd.DataFrame, y: str, title: str, ylabel: str) -> plt.Figure:
    """One line per seed (teachers' D1 curves)."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.lineplot(data=history, x="epoch", y=y, hue="seed", palette="viridis", ax=ax)
    ax.set(title=title, ylabel=ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _finish(fig)


def hutchinson_convergence(draws, exact: float, n_params: int) -> plt.Figure:
    """The running mean of Hutchinson's probes vᵀHv with ± 2 standard errors, against the exact trace."""
    import torch

    n = torch.arange(1, len(draws) + 1)
    running = draws.cumsum(0) / n
    se = draws.std() / n.sqrt()
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(n, running, label="running mean of vᵀHv")
    ax.fill_between(n, running - 2 * se, running + 2 * se, alpha=0.25, label="± 2 standard errors")
    ax.axhline(exact, color="black", linestyle="--", label="exact trace")
    ax.set(
        xlabel="probe vectors",
        ylabel="trace estimate",
        xscale="log",
        title=f"Hutchinson's estimator on a {n_params}-parameter MLP",
    )
    ax.legend()
    return _finish(fig)


def difference_from_xavier(curves: pd.DataFrame, attack: str) -> plt.Figure:
    """One panel per method: its accuracy minus Xavier's (same seed) against ε, mean ± population std over seeds."""
    frame = curves[curves["attack"] == attack]
    base = frame[frame["method"] == "xavier"].set_index(["seed", "eps"])["acc"]
    others = frame[frame["method"] != "xavier"].copy()
    others["diff"] = others["acc"].to_numpy() - base.reindex(list(zip(others["seed"], others["eps"]))).to_numpy()
    methods = [m for m in others["label"].cat.categories if m in set(others["label"])]
    sns.set_theme(style="whitegrid", context="notebook")
    cols = 4
    rows = -(-len(methods) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(12, 3 * rows), sharex=True, sharey=True, squeeze=False)
    palette = sns.color_palette("tab10", len(methods) + 1)[1:]
    label = {"FGSM": "FGSM step ε", "weight noise": "weight noise ε"}[attack]
    for ax, method, colour in zip(axes.flat, methods, palette):
        part = others[others["label"] == method]
        sns.lineplot(data=part, x="eps", y="diff", errorbar=population_sd, color=colour, marker="o", ax=ax)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set(title=method, xlabel=label, ylabel="accuracy − Xavier's")
    for ax in list(axes.flat)[len(methods) :]:
        ax.axis("off")
    fig.suptitle(f"{attack}: each initialisation's accuracy minus Xavier's, mean ± std over seeds")
    return _finish(fig)


def dots_at_largest_eps(curves: pd.DataFrame, attack: str) -> plt.Figure:
    """Every seed's accuracy at the largest ε, one row per method, with the mean and ± population std."""
    frame = curves[curves["attack"] == attack]
    top = frame[frame["eps"] == frame["eps"].max()]
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(9, 4.5))
    sns.stripplot(data=top, x="acc", y="label", hue="label", palette="tab10", alpha=0.6, legend=False, ax=ax)
    sns.pointplot(
        data=top,
        x="acc",
        y="label",
        errorbar=population_sd,
        color="black",
        linestyle="none",
        marker="D",
        markersize=5,
        ax=ax,
    )
    ax.set(
        xlabel=f"validation accuracy at ε = {top['eps'].max():g}",
        ylabel="",
        title=f"{attack} at the largest ε: every seed (dots), mean ± std (black)",
    )
    return _finish(fig)


def accuracy_vs_cost(costs: pd.DataFrame) -> plt.Figure:
    """Claim (f)'s trade-off: each initialisation's mean accuracy, with its 95% interval over
    seeds, against its total training TFLOPs per seed (log scale), one panel per protocol, each
    with its own accuracy axis (``costs``: ``cost.cost_table`` rows indexed by mode and
    initialisation). Methods of equal cost sit on one vertical: a legend names them, not labels
    that would overlap."""
    sns.set_theme(style="whitegrid", context="notebook")
    modes = list(dict.fromkeys(costs.index.get_level_values(0)))
    fig, axes = plt.subplots(len(modes), 1, figsize=(7.5, 3.6 * len(modes)), squeeze=False)
    labels = list(costs.loc[modes[0]].index)
    palette = dict(zip(labels, sns.color_palette("tab10", len(labels))))
    markers = dict(zip(labels, "osD^vP*X"))
    for ax, mode in zip(axes[:, 0], modes):
        part = costs.loc[mode]
        for label, row in part.iterrows():
            mean = row["accuracy"]
            ax.errorbar(
                row["total (TFLOP)"],
                mean,
                yerr=[[mean - row.get("accuracy low", mean)], [row.get("accuracy high", mean) - mean]],
                fmt=markers[label],
                color=palette[label],
                markersize=7,
                capsize=3,
                alpha=0.85,
                label=label,
            )
        ax.set(xscale="log", ylabel="accuracy (mean, 95% interval)", title=mode)
    axes[-1, 0].set_xlabel("training TFLOPs per seed (teacher, pre-training, λ search, D2)")
    axes[0, 0].legend(bbox_to_anchor=(1.02, 1), loc="upper left", fontsize="small", frameon=False)
    fig.suptitle("Accuracy against the whole cost of each initialisation")
    return _finish(fig)
