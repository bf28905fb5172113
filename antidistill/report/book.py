"""Builds the report: papermill executes every notebook into the book folder, then Jupyter Book renders it."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import jupytext
import papermill

from ..profiles import validate_parameters
from ..store import Store, hold
from .pages.table_one import DOWNLOADS
from .provenance import REPO, save_build_record

# Execution order: the introduction and the reproducibility page summarise the others, so run last.
NOTEBOOKS = ("01_problem", "02_teachers", "03_extension", "04_lambda_search", "05_experiment",
             "06_robustness", "07_table_one", "00_intro", "08_reproducibility")


def execute(mode: str, profile: str, seeds: Sequence[int] | None = None, device: str = "auto",
            results_dir: str | Path = "results", root: Path = REPO, notebooks: Sequence[str] = NOTEBOOKS,
            progress: bool = True) -> list[dict]:
    """Run every notebook with papermill and record how long each took.

    The notebooks are executed into a fresh staging folder and moved into ``root/book`` only
    when all of them succeeded, so the book never mixes pages of two builds; a second build on
    the same book or results folder fails at once.
    """
    validate_parameters(mode, profile, seeds, device, results_dir)
    results_dir = (root / results_dir) if not Path(results_dir).is_absolute() else Path(results_dir)
    parameters = {"mode": mode, "profile": profile, "seeds": None if seeds is None else list(seeds),
                  "device": device, "results_dir": str(results_dir)}
    with contextlib.ExitStack() as held:
        # One lock for the book folder, one for the results folder: a second build on either fails.
        for folder in (root / "book", results_dir):
            held.enter_context(hold(folder / ".build.lock", f"another build is using {folder}"))
        staging = Path(held.enter_context(tempfile.TemporaryDirectory(dir=root, prefix=".book-staging-")))
        timings = []
        for name in notebooks:
            source = jupytext.read(REPO / "notebooks" / f"{name}.py")
            print(f"executing {name} ...", flush=True)
            start = time.perf_counter()
            # Run inside the staging folder: files a page writes (Table I's CSV downloads) land
            # beside it and reach the book with it.
            papermill.execute_notebook(source, str(staging / f"{name}.ipynb"), parameters=parameters,
                                       kernel_name="python3", cwd=str(staging), progress_bar=progress)
            timings.append({"notebook": name, "wall time (s)": round(time.perf_counter() - start, 1)})
            save_build_record(Store(results_dir), mode, profile, {"parameters": parameters, "notebooks": timings})
        for name in notebooks:
            os.replace(staging / f"{name}.ipynb", root / "book" / f"{name}.ipynb")
        if (staging / DOWNLOADS).is_dir():
            shutil.rmtree(root / "book" / DOWNLOADS, ignore_errors=True)
            os.replace(staging / DOWNLOADS, root / "book" / DOWNLOADS)
    return timings


def build_html(root: Path = REPO, warnings_as_errors: bool = False) -> Path:
    """``jupyter-book build book`` from ``root``; returns the built index page."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", "book"]
    if warnings_as_errors:
        command += ["-W", "--keep-going"]
    subprocess.run(command, cwd=root, check=True)
    return root / "_build" / "html" / "index.html"  # next to _config.yml, which Jupyter Book found
