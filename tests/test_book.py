"""The report end to end at the smoke profile: papermill, Jupyter Book with -W, then a real browser."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

nbformat = pytest.importorskip("nbformat", reason="the report's tools are not installed (tools/setup.sh installs them)")
papermill = pytest.importorskip(
    "papermill", reason="the report's tools are not installed (tools/setup.sh installs them)"
)

from conftest import saved_results

from antidistill.report.book import NOTEBOOKS, build_html, execute, notebook_warnings

pytestmark = pytest.mark.slow  # every test here computes a smoke build's results (minutes in all)
from antidistill.environment import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "artifacts"
FIGURE_PAGES = ("01_problem", "02_teachers", "03_extension", "04_lambda_search", "05_experiment", "06_robustness")
MIN_FIGURE_PX = 1600
# Input cells a reader may see: the first page's, which shows how every page calls the package.
ALLOWED_INPUTS = {"00_intro": 1}
METHOD_KEYS = (
    "xavier",
    "zero_pad",
    "uniform_pad",
    "transfer",
    "net2net",
    "data_noise",
    "antidistill_l4_0",
    "antidistill",
)
METHOD_LABELS = (
    "Xavier",
    "Zero Pad",
    "Uniform Pad",
    "Transfer Learning",
    "Net2Net",
    "With Data Noise",
    "Anti-Distillation, λ4 = 0",
    "Anti-Distillation",
)


def _of_authors_mode(path: Path) -> bool:
    """Whether a saved result is of `authors` mode (a teacher's mode is in its record only)."""
    if path.parent.name == "teachers":
        return json.loads(path.with_suffix(".json").read_text())["config"]["protocol"]["base"] == "authors"
    return path.name.startswith("authors-")


@pytest.fixture(scope="module")
def built(tmp_path_factory, smoke_results):
    """A copy of the book's sources, executed at the smoke profile and built with warnings as
    errors, from a copy of what `compute --profile smoke` saved (conftest's ``smoke_results``)."""
    root = tmp_path_factory.mktemp("report")
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(REPO / "book", root / "book", symlinks=True, ignore=shutil.ignore_patterns("_build", "*.ipynb"))
    shutil.copytree(smoke_results[0], root / "results")
    computed = saved_results(root / "results")
    cwd = os.getcwd()
    timings = execute("paper", "smoke", None, "cpu", root / "results", root=root, progress=False)
    # The book loads what `compute` saved and recomputes none of it; it adds only the other
    # protocol's results, which `compute` leaves to a call of its own (the book shows both).
    after = saved_results(root / "results")
    assert {p: t for p, t in after.items() if p in computed} == computed
    assert all(_of_authors_mode(root / "results" / p) for p in set(after) - set(computed))
    assert os.getcwd() == cwd  # the pages ran side by side, each kernel in the staging folder
    index = build_html(root, warnings_as_errors=True)
    return root, index, timings


def test_every_notebook_executed_with_its_parameters(built):
    root, _, timings = built
    assert [t["notebook"] for t in timings] == list(NOTEBOOKS)
    for name in NOTEBOOKS:
        nb = nbformat.read(root / "book" / f"{name}.ipynb", as_version=4)
        tagged = [c.metadata.get("tags", []) for c in nb.cells]
        assert sum("parameters" in t for t in tagged) == 1
        assert sum("injected-parameters" in t for t in tagged) == 1
        # The injected cell holds the builder's paths: plumbing, removed from the page.
        assert all("remove-cell" in t for t in tagged if "injected-parameters" in t), name
        assert not [w for w in notebook_warnings(root / "book" / f"{name}.ipynb") if "IProgress" in w], name


def test_glued_values_render(built):
    _, index, _ = built
    html = index.parent
    for page in html.glob("[0-9]*.html"):
        text = page.read_text()
        # Signs of a glue that did not render: numpy reprs, figures shown as text.
        assert "np.float64" not in text and "&lt;Figure size" not in text, page.name
        # A Markdown value pasted with {glue:text} renders as its repr.
        assert "IPython.core.display" not in text, page.name
    table = (html / "07_table_one.html").read_text()
    assert all(source in table for source in ("paper (printed)", "paper mode", "authors mode"))


def _internal_links(page, base: Path) -> list[tuple[str, Path, str]]:
    links = []
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
        parsed = urlparse(href)
        if parsed.scheme or href.startswith("mailto:") or href.startswith("//"):
            continue
        target = base if not parsed.path else (base.parent / unquote(parsed.path)).resolve()
        links.append((href, target, parsed.fragment))
    return links


def _spaces(text: str) -> str:
    return text.replace("\u00a0", " ")


OURS_CELL = r"\d\.\d{3}\s±\s\d\.\d{3}"  # this build's mean ± std, three decimals
PRINTED_CELL = r"(?<![\d.])\d\.\d\d\s±\s\d\.\d\d(?!\d)"  # the paper's, two


def _table_one_cells(text: str) -> dict[str, list[str]]:
    """From Table I's inner text: per initialisation, its "mean ± std" cells of this build, in
    the order of the columns (metric by metric, each mode)."""
    cells = {}
    for line in text.splitlines():
        found = re.findall(OURS_CELL, line)
        if found:
            cells[line.split("\t")[0].strip()] = [_spaces(v) for v in found]
    return cells


def test_report_in_a_real_browser(built):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed for the browser test: apt-get install chromium")
    _, index, _ = built
    html = index.parent
    pages = sorted(p for p in html.glob("*.html") if p.name != "index.html")
    ids: dict[Path, set[str]] = {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(index.as_uri())
        page.wait_for_url("**/00_intro.html")  # index.html only redirects to the root page
        broken, small, inputs, page_refs = [], [], [], []
        for path in pages:
            page.goto(path.as_uri(), wait_until="load")
            images = page.eval_on_selector_all("img", "els => els.map(e => [e.src, e.complete, e.naturalWidth])")
            assert all(complete and width > 0 for _, complete, width in images), (path.name, images)
            small += [(path.name, src, width) for src, _, width in images if width < MIN_FIGURE_PX]
            shown = [c for c in page.locator("div.cell div.cell_input").all() if c.is_visible()]
            if len(shown) > ALLOWED_INPUTS.get(path.stem, 0):
                inputs.append((path.name, len(shown)))
            text = page.locator("main").inner_text()
            page_refs += [(path.name, m) for m in re.findall(r"\b(?:page \d+|next page|previous page)\b", text, re.I)]
            if path.stem in FIGURE_PAGES:
                assert page.locator("figure img").count() >= 1, f"{path.name} shows no figure"
            if path.stem in NOTEBOOKS:
                injected = page.locator("div.tag_injected-parameters")
                assert injected.count() == 0, f"{path.name} shows papermill's cell"
            ids[path.resolve()] = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
            for href, target, fragment in _internal_links(page, path.resolve()):
                if not target.is_file():
                    broken.append((path.name, href))
                elif fragment:
                    known = ids.get(target)
                    if known is None:
                        known = set(re.findall(r'id="([^"]+)"', target.read_text()))
                    if fragment not in known:
                        broken.append((path.name, href))
        assert not broken, broken
        assert not small, f"figures narrower than {MIN_FIGURE_PX} px: {small}"
        assert not inputs, f"pages showing input cells: {inputs}"
        assert not page_refs, f"cross-references written as text, not links: {page_refs}"

        page.goto((html / "07_table_one.html").as_uri(), wait_until="load")
        tables = page.locator("table")
        texts = [tables.nth(i).inner_text() for i in range(tables.count())]
        table_one = [t for t in texts if all(label in t for label in METHOD_LABELS)]
        assert table_one, "no table lists the 8 methods"
        assert all(metric in table_one[0] for metric in ("Accuracy", "FGSM attack", "Noise in parameters"))
        assert len(re.findall(PRINTED_CELL, table_one[0])) == 8 * 3  # the paper's printed values
        shown = _table_one_cells(table_one[0])
        assert len(shown) == 8 and all(len(cells) == 3 * 2 for cells in shown.values())  # both modes
        links = page.eval_on_selector_all("a.download, a[download]", "els => els.map(e => e.href)")
        csvs = {Path(urlparse(href).path).name: Path(unquote(urlparse(href).path)) for href in links}
        assert {"runs.csv", "curves.csv", "table_one.csv"} <= set(csvs), csvs
        with csvs["table_one.csv"].open(newline="") as f:
            rows = [r for r in csv.DictReader(f) if r["source"] != "paper (printed)"]
        assert len(rows) == 8 * 3 * 2
        labels = {m: label for m, label in zip(METHOD_KEYS, shown)}
        for i, row in enumerate(rows):  # method by method, metric by metric, mode by mode, as the table
            assert shown[labels[row["method"]]][i % 6] == f"{float(row['mean']):.3f} ± {float(row['std']):.3f}", row
        with csvs["runs.csv"].open(newline="") as f:
            runs = list(csv.DictReader(f))
        # Table I marks a method whose pre-training collapsed; the runs carry that in their own column.
        assert {r["label"] for r in runs} == {label.split(" (")[0] for label in shown}
        assert {r["mode"] for r in runs} == {"paper", "authors"}
        assert all(0 <= float(r["val_acc"]) <= 1 and r["collapsed"] in ("True", "False") for r in runs)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "table_one.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "table_one.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"profile": "fast"}, "profile must be one of smoke, quick, paper"),
        ({"seeds": []}, "seeds is empty"),
        ({"mode": "mine"}, "mode must be one of paper, authors"),
        ({"seed": 3}, "unknown parameter 'seed'; allowed: mode, profile, seeds, device, results_dir"),
    ],
)
def test_notebook_rejects_bad_parameters(parameters, message, tmp_path):
    import jupytext

    source = jupytext.read(REPO / "notebooks" / "01_problem.py")
    with pytest.raises(papermill.PapermillExecutionError, match=message):
        papermill.execute_notebook(
            source,
            str(tmp_path / "out.ipynb"),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(tmp_path),
        )


@pytest.fixture
def pages_only(monkeypatch):
    """The build's plumbing, tested with fake pages: the results they would load are not computed
    either (the module's real build, ``built``, computes and loads them)."""
    import antidistill.report.book as book_mod

    monkeypatch.setattr(book_mod.Reproduction, "compute", lambda self, *args, **kwargs: None)


def test_an_interrupted_build_leaves_the_book_as_it_was(tmp_path, monkeypatch, pages_only):
    """Notebooks are executed into a staging folder and moved into book/ only when all succeeded."""
    import antidistill.report.book as book_mod

    (tmp_path / "book").mkdir()
    old = tmp_path / "book" / "01_problem.ipynb"
    old.write_text("the previous build")

    def fake(source, target, **kwargs):
        if "02_teachers" in target:
            raise KeyboardInterrupt
        _fake_notebook(target, marker="this build")

    monkeypatch.setattr(book_mod.papermill, "execute_notebook", fake)
    with pytest.raises(KeyboardInterrupt):
        execute(
            "paper",
            "smoke",
            None,
            "cpu",
            tmp_path / "results",
            root=tmp_path,
            progress=False,
            notebooks=("01_problem", "02_teachers"),
        )
    assert old.read_text() == "the previous build"
    assert not list(tmp_path.glob(".book-staging-*"))
    monkeypatch.setattr(
        book_mod.papermill, "execute_notebook", lambda s, t, **k: _fake_notebook(t, marker="this build")
    )
    execute(
        "paper",
        "smoke",
        None,
        "cpu",
        tmp_path / "results",
        root=tmp_path,
        progress=False,
        notebooks=("01_problem", "02_teachers"),
    )
    assert json.loads(old.read_text())["metadata"]["marker"] == "this build"
    # The cell papermill injected is removed from the page.
    assert json.loads(old.read_text())["cells"][0]["metadata"]["tags"] == ["injected-parameters", "remove-cell"]
    assert (tmp_path / "book" / "02_teachers.ipynb").is_file()


def test_a_second_build_on_the_same_folders_is_refused(tmp_path):
    import filelock

    (tmp_path / "book").mkdir()
    (tmp_path / "results").mkdir()
    with filelock.FileLock(tmp_path / "results" / ".build.lock"):
        with pytest.raises(RuntimeError, match="another build is using .*results"):
            execute(
                "paper",
                "smoke",
                None,
                "cpu",
                tmp_path / "results",
                root=tmp_path,
                progress=False,
                notebooks=("01_problem",),
            )


def _fake_notebook(target, stderr: str = "", marker: str = "") -> None:
    """What papermill writes, as far as the build reads it: cells with their outputs, and an
    injected-parameters cell."""
    outputs = [{"output_type": "stream", "name": "stderr", "text": stderr}] if stderr else []
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": []},
        {"cell_type": "code", "metadata": {}, "outputs": outputs},
    ]
    Path(target).write_text(json.dumps({"cells": cells, "metadata": {"marker": marker}}))


def test_a_failing_notebook_is_one_line_naming_it_and_its_log(tmp_path, monkeypatch, pages_only, capsys):
    import antidistill.report.book as book_mod
    from antidistill.cli import main

    (tmp_path / "book").mkdir()

    def fails(source, target, **kwargs):
        _fake_notebook(target)
        raise papermill.PapermillExecutionError(
            3,
            1,
            "rep = ...",
            "TrainingDiverged",
            "the loss is nan at epoch 1, batch 0; lower the learning rate",
            ["Traceback (most recent call last):"] * 100,
        )

    monkeypatch.setattr(book_mod.papermill, "execute_notebook", fails)
    with pytest.raises(book_mod.NotebookFailed) as failed:
        execute(
            "paper",
            "smoke",
            None,
            "cpu",
            tmp_path / "results",
            root=tmp_path,
            progress=False,
            notebooks=("02_teachers",),
        )
    log = tmp_path / "results" / "build" / "failed" / "02_teachers.ipynb"
    assert str(failed.value) == (
        "notebook 02_teachers failed: TrainingDiverged: the loss is nan at epoch 1, batch 0; "
        f"lower the learning rate (full log: {log})"
    )
    assert log.is_file() and not list(tmp_path.glob(".book-staging-*"))
    monkeypatch.setattr(book_mod, "execute", lambda *a, **k: (_ for _ in ()).throw(failed.value))
    with pytest.raises(SystemExit) as exited:
        main(["book", "--profile", "smoke", "--results-dir", str(tmp_path / "results"), "--no-build"])
    assert exited.value.code == 1 and capsys.readouterr().err.count("\n") == 1


def test_warnings_of_the_pages_reach_the_terminal_and_the_build_record(tmp_path, monkeypatch, pages_only, capsys):
    import antidistill.report.book as book_mod
    from antidistill.report.provenance import build_record
    from antidistill.store import Store

    (tmp_path / "book").mkdir()
    warning = "/x/antidistill/store.py:95: StoreWarning: results/teachers/seed0-abc.pt: unreadable teacher weights"
    monkeypatch.setattr(
        book_mod.papermill,
        "execute_notebook",
        # the name, not the path: a tmp path such as pytest-102/ holds "02" too
        lambda s, t, **k: _fake_notebook(t, f"{warning}\n  warnings.warn(\n" if Path(t).stem == "02_teachers" else ""),
    )
    execute(
        "paper",
        "smoke",
        None,
        "cpu",
        tmp_path / "results",
        root=tmp_path,
        progress=False,
        notebooks=("01_problem", "02_teachers"),
    )
    assert "warning (02_teachers): StoreWarning: results/teachers/seed0-abc.pt: unreadable" in capsys.readouterr().err
    record = build_record(Store(tmp_path / "results"), "paper", "smoke")
    assert record["warnings"] == [
        {
            "notebook": "02_teachers",
            "warning": "StoreWarning: results/teachers/seed0-abc.pt: unreadable teacher weights",
        }
    ]


def test_staging_folders_of_killed_builds_are_removed_by_the_next(tmp_path, monkeypatch, pages_only):
    import antidistill.report.book as book_mod

    (tmp_path / "book").mkdir()
    dead = tmp_path / ".book-staging-killed"
    dead.mkdir()
    (dead / "01_problem.ipynb").write_text("half a build")
    monkeypatch.setattr(book_mod.papermill, "execute_notebook", lambda s, t, **k: _fake_notebook(t))
    execute(
        "paper", "smoke", None, "cpu", tmp_path / "results", root=tmp_path, progress=False, notebooks=("01_problem",)
    )
    assert not list(tmp_path.glob(".book-staging-*"))


def test_a_relative_results_folder_is_relative_to_the_working_directory(tmp_path, monkeypatch, pages_only):
    import antidistill.report.book as book_mod

    root, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (root / "book").mkdir(parents=True)
    elsewhere.mkdir()
    seen = {}
    monkeypatch.setattr(
        book_mod.papermill,
        "execute_notebook",
        lambda s, t, parameters, **k: seen.update(parameters) or _fake_notebook(t),
    )
    monkeypatch.chdir(elsewhere)
    execute("paper", "smoke", None, "cpu", "rr", root=root, progress=False, notebooks=("01_problem",))
    assert seen["results_dir"] == str(elsewhere / "rr") and (elsewhere / "rr" / "build").is_dir()
    assert not (root / "rr").exists()


@pytest.mark.parametrize(
    "argv, source",
    [
        ([], ("PUBLISHED", True)),
        (["--mode", "authors", "--seeds", "0,1"], ("PUBLISHED", True)),
        (["--recompute"], ("results", False)),
        (["--profile", "quick"], ("results", False)),
        (["--results-dir", "elsewhere"], ("elsewhere", False)),
    ],
)
def test_the_report_builds_from_the_published_results_unless_told_to_compute(argv, source):
    from antidistill.cli import book_source, build_parser
    from antidistill.published import PUBLISHED

    args = build_parser().parse_args(["book", *argv])
    folder, read_only = book_source(args.profile, args.results_dir, args.recompute)
    assert (folder.replace(str(PUBLISHED), "PUBLISHED"), read_only) == source


@pytest.mark.parametrize(
    "mode, profile, seeds, device, folder, recompute",
    [
        ("paper", "paper", None, "auto", "PUBLISHED", False),
        ("authors", "paper", (0, 1), "auto", "PUBLISHED", False),
        ("paper", "paper", None, "auto", "PUBLISHED", True),
        ("paper", "paper", tuple(range(10)), "cpu", "results", False),
        ("authors", "quick", (3, 4, 5), "auto", "results", False),
        ("paper", "smoke", None, "auto", "elsewhere/with space", False),
    ],
)
def test_the_reproducibility_page_gives_the_command_that_builds_the_book_again(
    mode, profile, seeds, device, folder, recompute, monkeypatch
):
    """``book_command`` parsed back by the command line gives the build's parameters and results
    folder: the published one unless the page asks to recompute it, into results/."""
    import shlex

    from antidistill.cli import book_command, book_source, build_parser
    from antidistill.environment import REPO
    from antidistill.profiles import PROFILES
    from antidistill.published import PUBLISHED

    monkeypatch.chdir(REPO)  # the page says: run it from the repository root
    where = PUBLISHED if folder == "PUBLISHED" else REPO / folder
    command = shlex.split(book_command(mode, profile, seeds, device, where, recompute))
    assert command[:2] == ["bash", "tools/report.sh"]
    args = build_parser().parse_args(["book", *command[2:]])
    assert (args.mode, args.profile, args.device) == (mode, profile, device)
    assert (args.seeds or PROFILES[profile].seeds) == (seeds or PROFILES[profile].seeds)
    results, read_only = book_source(args.profile, args.results_dir, args.recompute)
    expected = REPO / "results" if recompute else where
    assert (Path(results).resolve(), read_only) == (expected.resolve(), folder == "PUBLISHED" and not recompute)


def test_a_build_from_published_results_trains_nothing(built, tmp_path, monkeypatch):
    """A complete folder (the smoke build's, keeping only seed 0's teacher weights, as published/
    does) is loaded without training; with a run gone, the build stops naming it before training."""
    from antidistill import experiment, teachers
    from antidistill.report.reproduction import Reproduction
    from antidistill.store import NotStored

    root, _, _ = built
    published = tmp_path / "published"
    shutil.copytree(root / "results", published, ignore=shutil.ignore_patterns("build", "*.lock"))
    for weights in published.glob("teachers/*.pt"):
        if not weights.name.startswith("seed0-"):
            weights.unlink()
    monkeypatch.setattr(experiment, "run_seeds", lambda *a, **k: pytest.fail("trained a student"))
    monkeypatch.setattr(teachers, "train_teachers", lambda *a, **k: pytest.fail("trained a teacher"))
    rep = Reproduction.from_parameters("paper", "smoke", None, "cpu", str(published), read_only=True)
    rep.compute(progress=False)
    [gone] = [p for p in published.glob("runs/paper-net2net-seed1-*.json") if "digits" not in p.name]
    gone.unlink()
    before = sorted(p for p in published.rglob("*") if p.suffix != ".lock")
    with pytest.raises(NotStored, match="lacks the runs of paper-net2net seed 1.*antidistill compute"):
        rep.compute(progress=False)
    for weights in published.glob("teachers/seed0-*.pt"):
        weights.unlink()
    with pytest.raises(NotStored, match="lacks the teacher of seed 0 "):
        rep.compute(progress=False)
    assert sorted(p for p in published.rglob("*") if p.suffix != ".lock") == [p for p in before if p.suffix != ".pt"]


def test_pages_run_side_by_side_and_the_reproducibility_page_last(tmp_path, monkeypatch, pages_only):
    """The pages only load results, so PAGE_WORKERS of them run at once; the reproducibility page
    starts after every other has finished and finds all their timings in the build record. A
    failed page stops the build: the pages not yet started never start."""
    import threading

    import antidistill.report.book as book_mod
    from antidistill.report.provenance import build_record
    from antidistill.store import Store

    (tmp_path / "book").mkdir()
    lock, now, seen = threading.Lock(), set(), {"most": 0, "record": None, "started": []}

    def fake(source, target, **kwargs):
        name = Path(target).stem
        # papermill's cwd would chdir this whole process, under every page's thread
        assert "cwd" not in kwargs and kwargs["resources"]["metadata"]["path"] == str(Path(target).parent)
        with lock:
            seen["started"].append(name)
            now.add(name)
            seen["most"] = max(seen["most"], len(now))
            if name == book_mod.LAST:
                assert not now - {name}
                seen["record"] = build_record(Store(tmp_path / "results"), "paper", "smoke")
        if name == "03_extension":
            raise papermill.PapermillExecutionError(0, 1, "", "ValueError", "bad", [])
        time.sleep(0.3)
        _fake_notebook(target)
        with lock:
            now.discard(name)

    monkeypatch.setattr(book_mod.papermill, "execute_notebook", fake)
    monkeypatch.setattr(book_mod, "PAGE_WORKERS", 2)
    pages = ("01_problem", "02_teachers", "04_lambda_search", "00_intro", book_mod.LAST)
    timings = execute("paper", "smoke", None, "cpu", tmp_path / "results", root=tmp_path, notebooks=pages)
    assert seen["most"] == 2 and seen["started"][-1] == book_mod.LAST
    assert [t["notebook"] for t in timings] == list(pages)
    assert [t["notebook"] for t in seen["record"]["notebooks"]] == list(pages[:-1])
    monkeypatch.setattr(book_mod, "PAGE_WORKERS", 1)
    seen["started"].clear()
    with pytest.raises(book_mod.NotebookFailed, match="notebook 03_extension failed: ValueError: bad"):
        execute("paper", "smoke", None, "cpu", tmp_path / "results", root=tmp_path, notebooks=("03_extension", *pages))
    assert seen["started"] == ["03_extension"]
