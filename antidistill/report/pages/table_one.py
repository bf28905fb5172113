"""Page 7, Table I three ways: the paper's printed values, `authors` mode and `paper` mode, and the CSV downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..statistics import ALPHA, CONFIDENCE
from ..tables import (
    PAPER_SEEDS,
    best_sentences,
    consistency_sentence,
    curves_frame,
    metric_epochs_sentence,
    runs_frame,
    source,
    table_one_numbers,
    table_one_three_ways,
)
from . import common

# Beside the executed page (the book build moves the folder into book/, and Sphinx copies what
# the page links into _build/html/_downloads/).
DOWNLOADS = Path("downloads")
RUNS_CSV, CURVES_CSV, TABLE_CSV = "runs.csv", "curves.csv", "table_one.csv"


def write_downloads(results, numbers, folder: Path = DOWNLOADS) -> None:
    """Both modes' runs (one row per run, numeric columns), their FGSM and weight-noise curves in
    long form (one row per run, attack and ε), and Table I's numbers (one row per method, metric
    and source) as CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    runs_frame(results).to_csv(folder / RUNS_CSV, index=False)
    curves_frame(results).to_csv(folder / CURVES_CSV, index=False)
    numbers.to_csv(folder / TABLE_CSV, index=False)


def page(rep) -> dict[str, Any]:
    by_mode = {mode: rep.of_mode(mode).run() for mode in rep.modes()}
    results = [r for rs in by_mode.values() for r in rs]
    runs = runs_frame(results)
    numbers = table_one_numbers(runs)
    write_downloads(results, numbers)
    return {
        **common(rep),
        "table_one": table_one_three_ways(runs),
        "table_best": best_sentences(runs),
        "table_consistency": consistency_sentence(numbers),
        "metric_epochs": " ".join(f"In {source(mode)}: {metric_epochs_sentence(rs)}" for mode, rs in by_mode.items()),
        "table_mode": f"`{rep.profile.name}` profile, seeds {list(rep.seeds)}",
        "table_alpha": ALPHA,
        "table_confidence": f"{CONFIDENCE:.0%}",
        "paper_seeds": PAPER_SEEDS,
    }
