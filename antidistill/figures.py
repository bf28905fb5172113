"""The report's figures, drawn with seaborn from the tidy DataFrames of ``antidistill.results``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from .data import CLASS_NAMES, FashionMNIST


def population_sd(values: pd.Series) -> tuple[float, float]:
    """mean ± population std (ddof=0), the band the paper's figures and Table I use."""
    mean, sd = values.mean(), values.std(ddof=0)
    return mean - sd, mean + sd


def _lines(frame: pd.DataFrame, x: str, y: str, xlabel: str, ylabel: str, title: str,
           integer_x: bool = False) -> plt.Figure:
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(9.5, 5))
    sns.lineplot(data=frame, x=x, y=y, hue="label", style="label", markers=True, dashes=False,
                 errorbar=population_sd, palette="tab10", ax=ax)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if integer_x:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(title="initialisation", fontsize="small", bbox_to_anchor=(1.02, 1), loc="upper left")
    fig.tight_layout()
    plt.close(fig)
    return fig


def accuracy_per_epoch(history: pd.DataFrame, title: str = "Validation accuracy while training on D2") -> plt.Figure:
    """Figure 1: validation accuracy per epoch (epoch 0 = straight after growth), mean ± std band."""
    return _lines(history, "epoch", "val_acc", "epoch", "validation accuracy", title, integer_x=True)


def accuracy_vs_eps(curves: pd.DataFrame, attack: str, title: str | None = None) -> plt.Figure:
    """Figure 2 (``attack="FGSM"``) or Figure 3 (``"weight noise"``): accuracy against eps."""
    label = {"FGSM": "FGSM step ε", "weight noise": "weight noise ε"}[attack]
    return _lines(curves[curves["attack"] == attack], "eps", "acc", label, "validation accuracy",
                  title or f"Validation accuracy under {attack}")


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
    fig.tight_layout()
    plt.close(fig)
    return fig


def bars(frame: pd.DataFrame, x: str, y: str, title: str, hue: str | None = None) -> plt.Figure:
    """A grouped bar chart (parameter importances per method)."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    sns.barplot(data=frame, x=x, y=y, hue=hue, ax=ax)
    ax.set(title=title, xlabel=x, ylabel=y)
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    plt.close(fig)
    return fig


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
    fig.tight_layout()
    plt.close(fig)
    return fig


def learning_curves(history: pd.DataFrame, y: str, title: str, ylabel: str) -> plt.Figure:
    """One line per seed (teachers' D1 curves)."""
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7, 4))
    sns.lineplot(data=history, x="epoch", y=y, hue="seed", palette="viridis", ax=ax)
    ax.set(title=title, ylabel=ylabel)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    plt.close(fig)
    return fig
