"""The code passes the linter with the rules in pyproject.toml (unused or undefined names, pycodestyle, import order) and is formatted by ruff."""

from __future__ import annotations

import subprocess
import sys

import pytest

from antidistill.environment import REPO


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="the linter is not installed (tools/setup.sh installs it)")
    found = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--output-format",
            "concise",
            "antidistill",
            "tests",
            "tools",
            "notebooks",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0, found.stdout + found.stderr


def test_the_code_is_formatted_by_ruff():
    """``ruff format`` (line length and style in pyproject.toml) would change nothing: run it
    before committing."""
    pytest.importorskip("ruff", reason="the formatter is not installed (tools/setup.sh installs it)")
    found = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "antidistill", "tests", "tools", "notebooks"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert found.returncode == 0, found.stdout + found.stderr
