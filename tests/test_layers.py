"""The layers stay apart: the method imports without the report's dependencies and never imports the report."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import antidistill

PACKAGE = Path(antidistill.__file__).parent
REPORT_ONLY = ("pandas", "matplotlib", "seaborn", "papermill", "jupytext", "myst_nb", "IPython", "optuna", "sklearn")
# The λ search is method but needs Optuna; the rest of the method needs none of REPORT_ONLY.
NEEDS_OPTUNA = {"search"}


def method_modules() -> list[str]:
    names = [f"antidistill.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem not in NEEDS_OPTUNA | {"__main__"}]
    return sorted(names) + ["antidistill.growth"]


@pytest.mark.slow  # a fresh Python process
def test_the_method_imports_without_the_reports_dependencies():
    blocker = (
        "import sys, importlib.abc\n"
        f"BLOCKED = {REPORT_ONLY!r}\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ImportError(f'{name} is a report dependency')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import importlib\n"
        f"for name in {method_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('antidistill.report'))\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def _module_level_imports(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append("." * node.level + (node.module or ""))
    return names


def test_no_method_module_imports_the_report_at_import_time():
    """``cli.py``'s ``book`` command imports the report inside its function, when it is asked for."""
    offenders = {
        p.name: names
        for p in PACKAGE.rglob("*.py")
        if "report" not in p.relative_to(PACKAGE).parts
        if (names := [n for n in _module_level_imports(p) if "report" in n.split(".")])
    }
    assert not offenders
    assert any(p.name == "reproduction.py" for p in (PACKAGE / "report").glob("*.py"))
