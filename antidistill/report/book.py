"""Builds the report: papermill executes every notebook into the book folder, then Jupyter Book renders it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Sequence

import jupytext
import papermill

from ..environment import REPO
from ..published import stale
from ..store import Store, hold
from .pages.table_one import DOWNLOADS
from .parameters import validate_parameters
from .provenance import save_build_record
from .reproduction import Reproduction

STAGING = ".book-staging-"
# The book's order of execution (the reproducibility page, which shows the build record of the
# others, runs last; the others only load results, so they run side by side, PAGE_WORKERS at once).
NOTEBOOKS = (
    "01_problem",
    "02_teachers",
    "03_extension",
    "04_lambda_search",
    "05_experiment",
    "06_robustness",
    "07_table_one",
    "10_claims",
    "11_fresh_seeds",
    "12_switches",
    "13_digits",
    "14_penalties",
    "09_regenerated",
    "00_intro",
    "08_reproducibility",
)
LAST = "08_reproducibility"
# Each page is a kernel of its own (a few hundred MB, mostly one core): a few at once use the
# cores without asking much memory.
PAGE_WORKERS = min(4, os.cpu_count() or 1)


def execute(
    mode: str,
    profile: str,
    seeds: Sequence[int] | None = None,
    device: str = "auto",
    results_dir: str | Path = "results",
    root: Path = REPO,
    notebooks: Sequence[str] = NOTEBOOKS,
    progress: bool = True,
    read_only: bool = False,
) -> list[dict]:
    """Run every notebook with papermill and record how long each took.

    The notebooks are executed into a fresh staging folder and moved into ``root/book`` only
    when all of them succeeded, so the book never mixes pages of two builds; a second build on
    the same book or results folder fails at once. ``read_only``: the results folder holds
    published results, which must all be there (NotStored names what is not), never trained.
    """
    # One rule for every results folder: a relative one is relative to the working directory,
    # as for `run --out` (the notebooks run elsewhere, so they get it absolute).
    validate_parameters(mode, profile, seeds, device, results_dir)
    results_dir = Path(results_dir).expanduser().resolve()
    parameters = {
        "mode": mode,
        "profile": profile,
        "seeds": None if seeds is None else list(seeds),
        "device": device,
        "results_dir": str(results_dir),
    }
    with contextlib.ExitStack() as held:
        # One lock for the book folder, one for the results folder: a second build on either fails.
        for folder in (root / "book", results_dir):
            held.enter_context(hold(folder / ".build.lock", f"another build is using {folder}"))
        # Holding the book's lock proves every staging folder left here dead (killed builds).
        for dead in root.glob(STAGING + "*"):
            shutil.rmtree(dead, ignore_errors=True)
        # Everything is computed here, with progress bars on the terminal; the pages only load.
        print(
            f"{'loading' if read_only else 'computing (or loading)'} the teachers, λ searches and runs "
            f"({results_dir}) ...",
            flush=True,
        )
        Reproduction.from_parameters(mode, profile, seeds, device, results_dir, read_only=read_only).compute(progress)
        staging = Path(held.enter_context(tempfile.TemporaryDirectory(dir=root, prefix=STAGING)))
        timings: list[dict] = []
        # Files the code can no longer use are never shown; the build says which (and why).
        warned = [
            {"notebook": "(results folder)", "warning": f"stale result, not used: {path}: {why}"}
            for path, why in stale(results_dir)
        ]
        for item in warned:
            print(f"warning: {item['warning']}", file=sys.stderr, flush=True)
        record = {"parameters": parameters, "notebooks": timings, "warnings": warned}

        def finished(name: str, seconds: float) -> None:
            timings.append({"notebook": name, "wall time (s)": seconds})
            timings.sort(key=lambda t: list(notebooks).index(t["notebook"]))
            print(f"executed {name} ({seconds:.1f} s)", flush=True)
            for text in notebook_warnings(staging / f"{name}.ipynb"):
                print(f"warning ({name}): {text}", file=sys.stderr, flush=True)
                warned.append({"notebook": name, "warning": text})
            # The reproducibility page, executed last, shows the warnings of the pages before it.
            save_build_record(Store(results_dir), mode, profile, record)

        pages = [name for name in notebooks if name != LAST]
        workers = max(1, min(PAGE_WORKERS, len(pages)))
        stop = threading.Event()

        def page(name: str) -> float | None:
            # A failed page (or Ctrl-C) ends the build: the pages not yet started never start.
            if stop.is_set():
                return None
            try:
                return _execute_page(name, staging, parameters, results_dir)
            except BaseException:
                stop.set()
                raise

        print(f"executing {len(pages)} pages, {workers} at a time ...", flush=True)
        with ThreadPoolExecutor(workers) as pool:
            running = {pool.submit(page, name): name for name in pages}
            try:
                for done in as_completed(running):
                    seconds = done.result()
                    if seconds is not None:
                        finished(running[done], seconds)
            except BaseException:
                stop.set()  # leaving the pool waits for the running pages; the others return at once
                raise
        if LAST in notebooks:
            finished(LAST, _execute_page(LAST, staging, parameters, results_dir))
        for name in notebooks:
            os.replace(staging / f"{name}.ipynb", root / "book" / f"{name}.ipynb")
        if (staging / DOWNLOADS).is_dir():
            shutil.rmtree(root / "book" / DOWNLOADS, ignore_errors=True)
            os.replace(staging / DOWNLOADS, root / "book" / DOWNLOADS)
    return timings


def _execute_page(name: str, staging: Path, parameters: dict, results_dir: Path) -> float:
    """Execute one notebook into ``staging`` with papermill; its wall time in seconds."""
    start = time.perf_counter()
    executed = staging / f"{name}.ipynb"
    # The kernel runs inside the staging folder: files a page writes (Table I's CSV downloads)
    # land beside it and reach the book with it. Set as nbclient's kernel path, not papermill's
    # cwd, which changes the working directory of this whole process (the pages' threads too).
    try:
        papermill.execute_notebook(
            jupytext.read(REPO / "notebooks" / f"{name}.py"),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            resources={"metadata": {"path": str(staging)}},
            progress_bar=False,  # pages side by side: one line each when done, not interleaved bars
        )
    except papermill.PapermillExecutionError as exc:
        raise _failed(name, exc, executed, results_dir) from None
    hide_injected_parameters(executed)
    return round(time.perf_counter() - start, 1)


def hide_injected_parameters(path: Path) -> None:
    """Tag the cell papermill injected (this build's parameters, the builder's paths among them)
    ``remove-cell``, as the notebook's own parameters cell hides its input: plumbing, not the page.
    The notebook is edited as JSON, as papermill wrote it; one without that cell is left as it is."""
    notebook = json.loads(path.read_text())
    injected = [
        cell["metadata"]["tags"]
        for cell in notebook.get("cells", [])
        if "injected-parameters" in cell.get("metadata", {}).get("tags", [])
    ]
    for tags in injected:
        tags.append("remove-cell")
    if injected:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


class NotebookFailed(RuntimeError):
    """A notebook of the book raised: its one-line error and where its full log is."""


def _failed(name: str, exc: papermill.PapermillExecutionError, executed: Path, results_dir: Path) -> NotebookFailed:
    """The notebook's error in one line; its executed copy (with the traceback) is kept under
    ``<results>/build/failed/`` since the staging folder goes."""
    log = results_dir / "build" / "failed" / f"{name}.ipynb"
    log.parent.mkdir(parents=True, exist_ok=True)
    if executed.is_file():
        shutil.copyfile(executed, log)
    message = str(exc.evalue).strip().splitlines()[-1] if str(exc.evalue).strip() else ""
    return NotebookFailed(f"notebook {name} failed: {exc.ename}: {message} (full log: {log})")


_WARNING = re.compile(r"^\S+:\d+: (\w*Warning): (.*)$")


def notebook_warnings(executed: Path) -> list[str]:
    """Python warnings an executed notebook's cells printed (to their hidden stderr), one line each."""
    found: list[str] = []
    try:
        cells = json.loads(executed.read_text()).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return found
    for cell in cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", ""))
                for line in text.splitlines():
                    match = _WARNING.match(line.strip())
                    if match and f"{match[1]}: {match[2]}" not in found:
                        found.append(f"{match[1]}: {match[2]}")
    return found


def build_html(root: Path = REPO, warnings_as_errors: bool = False) -> Path:
    """``jupyter-book build book`` from ``root``; returns the built index page."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", "book"]
    if warnings_as_errors:
        command += ["-W", "--keep-going"]
    subprocess.run(command, cwd=root, check=True)
    return root / "_build" / "html" / "index.html"  # next to _config.yml, which Jupyter Book found
