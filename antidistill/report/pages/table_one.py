"""Page 7, Table I: this build beside the paper's reported values, the comparison, and the CSV downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..tables import comparison_sentences, metric_epochs_sentence, runs_frame, table_one
from . import common

# Beside the executed page (the book build moves the folder into book/, and Sphinx copies what
# the page links into _build/html/_downloads/).
DOWNLOADS = Path("downloads")
RUNS_CSV, TABLE_CSV = "runs.csv", "table_one.csv"


def write_downloads(runs, table, folder: Path = DOWNLOADS) -> None:
    """The build's runs (one row per run) and its Table I (one row per method) as CSV files."""
    folder.mkdir(parents=True, exist_ok=True)
    runs.to_csv(folder / RUNS_CSV, index=False)
    flat = table.copy()
    flat.columns = [f"{metric}: {column}" for metric, column in flat.columns]
    flat.to_csv(folder / TABLE_CSV)


def page(rep) -> dict[str, Any]:
    results = rep.run()
    runs = runs_frame(results)
    table = table_one(runs)
    write_downloads(runs, table)
    return {**common(rep), "table_one": table, "comparison": comparison_sentences(runs),
            "metric_epochs": metric_epochs_sentence(results),
            "table_mode": f"`{rep.mode}` mode, `{rep.profile.name}` profile, seeds {list(rep.seeds)}"}
