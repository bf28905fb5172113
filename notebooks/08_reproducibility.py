# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Reproducibility
#
# What produced this book: the code version, the software, the machine, the parameters and how
# long each notebook took. To recompute it, run from the repository root
#
# ```bash
# bash tools/report.sh --mode paper --profile quick
# ```
#
# and to rerun one notebook with other seeds (its result shows up in the next build):
#
# ```bash
# .venv/bin/jupytext --to ipynb -o - notebooks/05_experiment.py \
#   | .venv/bin/papermill - book/05_experiment.ipynb -p profile quick -y "seeds: [3, 4, 5]"
# .venv/bin/jupyter-book build book
# ```

# %% tags=["parameters", "hide-input"]
mode = "paper"
profile = "quick"
seeds = None
device = "auto"
results_dir = "results"

# %%
from antidistill.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
print(rep.describe())

# %%
import pandas as pd

from antidistill.provenance import build_record, provenance

info = provenance(rep.device)
pd.Series(info, name="value").to_frame()

# %%
record = build_record(rep.store, rep.mode, rep.profile.name)
timings = pd.DataFrame(record.get("notebooks", []))
timings

# %%
from antidistill.results import runs_frame

runs = runs_frame(rep.run(progress=False))
compute = runs.groupby("label", observed=True)["wall_time_s"].agg(["count", "mean", "sum"]).round(1)
compute.columns = ["runs", "mean time per run (s)", "total (s)"]
compute

# %% [markdown]
# The table above counts the time of each saved run when it was computed (including its teacher
# when that was trained in the same run); a rebuild that reuses saved runs costs only the
# notebooks' own time.

# %%
from antidistill.bench import saved_benches
from antidistill.paste import glue
from antidistill.results import bench_frame

benches = saved_benches(rep.store)
glue("bench_note", "" if benches else "No benchmark is saved in this results folder yet: "
     "`python -m antidistill bench --out <results folder>` measures one.")
bench_frame(benches)

# %% [markdown]
# The benchmark (one column per machine and device it was run on) times a student epoch of this
# package against the machine's matrix-multiplication rate and against the same epoch run the
# way the authors' pipeline runs it. {glue:md}`bench_note`
