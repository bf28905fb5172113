"""The reproducibility page: software, machine, the build's timings, each method's compute, and the saved benchmarks."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...bench import saved_benches
from ...cli import book_command
from ...published import is_published
from ..differences import differences, to_markdown
from ..provenance import build_record, provenance
from ..tables import bench_frame, runs_frame
from . import common


def page(rep) -> dict[str, Any]:
    runs = runs_frame(rep.run(progress=False))
    compute = runs.groupby("label", observed=True)["wall_time_s"].agg(["count", "mean", "sum"]).round(1)
    compute.columns = ["runs", "mean time per run (s)", "total (s)"]
    record = build_record(rep.store, rep.mode, rep.profile.name)
    benches = saved_benches(rep.store)
    return {
        **common(rep),
        **rebuild(rep),
        "provenance": pd.Series(provenance(rep.device), name="value").to_frame(),
        "timings": pd.DataFrame(record.get("notebooks", [])),
        "build_warnings": pd.DataFrame(record["warnings"])
        if record.get("warnings")
        else "None: no page of this build warned.",
        "compute": compute,
        "differences": to_markdown(differences(rep.profile, rep.mode, rep.seeds)),
        "bench": bench_frame(benches)
        if benches
        else "No benchmark is saved in this results folder yet: `python -m antidistill bench --out <results folder>` "
        "measures one.",
    }


def rebuild(rep) -> dict[str, str]:
    """The command that builds this book again, and what it computes: nothing for a build from
    the published results (then also the command that computes them anew), what is missing otherwise."""
    args = (rep.mode, rep.profile.name, rep.seeds, rep.device, rep.store.root)
    block = lambda command: f"```bash\n{command}\n```"  # noqa: E731
    if is_published(rep.store.root):
        note = (
            "This build loaded the published results (`published/`) and trained nothing; "
            f"`{book_command(*args, recompute=True)}` computes every one of them anew, into `results/`, "
            "reusing what that folder already holds."
        )
    else:
        note = f"It reuses the results saved in `{rep.store.root}` and computes only what is missing there."
    return {"rebuild_command": block(book_command(*args)), "rebuild_note": note}
