"""The code passes the linter with the rules in pyproject.toml (unused or undefined names, pycodestyle)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from antidistill.environment import REPO


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="the linter is not installed (tools/setup.sh installs it)")
    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise",
                            "antidistill", "tests", "tools", "notebooks"], cwd=REPO, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr
