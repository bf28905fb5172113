"""tools/compute_profile.py computes a whole profile's results and resumes from them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("optuna", reason="the lambda search needs optuna (tools/setup.sh installs it)")

TOOL = Path(__file__).resolve().parents[1] / "tools" / "compute_profile.py"


def _compute(folder: Path) -> list[str]:
    """The table the tool prints at the end (the search also prints its progress)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    out = subprocess.run(
        [sys.executable, str(TOOL), str(folder), "--profile", "smoke", "--device", "cpu"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return [line for line in out.stdout.splitlines() if " min" in line]


@pytest.mark.slow
def test_compute_profile_saves_every_result_then_resumes(tmp_path):
    first = _compute(tmp_path)
    rows = [line for line in first if " / " in line]
    assert len(rows) == 1 + 2 + 8 + 1  # teachers, two searches, eight methods, the fresh seeds
    assert all(int(r.split("/")[0].split()[-1]) == int(r.split("/")[1].split()[0]) for r in rows)  # all saved

    def results():  # the saved teachers and runs (a study's summary is rewritten on every read)
        return {p: p.stat().st_mtime_ns for kind in ("teachers", "search", "runs") for p in (tmp_path / kind).iterdir()}

    saved = results()
    second = _compute(tmp_path)  # everything loads, nothing is recomputed or rewritten
    # Teachers (.json + .pt) of the final runs and of the search's trials (paper mode: trained
    # without the validation split) and of the fresh seeds, 2 x 2 search trials, 2 x 8 final
    # runs and as many on the fresh seeds.
    assert second == first and results() == saved and len(saved) == 3 * 2 * 2 + 8 + 2 * 2 * 8
    log = (tmp_path / "compute_profile.log").read_text().splitlines()
    assert sum("done" in line for line in log) == 10  # 5 stages (the fresh seeds the fifth), twice
