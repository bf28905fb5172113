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
# long each notebook took. To build it again, run from the repository root
#
# ```{glue:md} rebuild_command
# :format: myst
# ```
#
# {glue:md}`rebuild_note` To rerun one notebook with other seeds (its result shows up in the
# next build):
#
# ```bash
# .venv/bin/jupytext --to ipynb -o - notebooks/05_experiment.py \
#   | .venv/bin/papermill - book/05_experiment.ipynb -p profile quick -y "seeds: [3, 4, 5]"
# .venv/bin/jupyter-book build book
# ```

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import reproducibility
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(reproducibility.page(rep))

# %% [markdown]
# This build: {glue:md}`set_mode` mode, {glue:md}`set_profile` profile, seeds {glue:md}`set_seeds`.
#
# (protocol-differences)=
# ## Paper text, authors' code, this build
#
# Every setting where the paper's text and its authors' code differ, or where the paper says
# nothing, with where each says it (a section of the paper; a file of
# [their repository](https://github.com/intsystems/anti-distillation)) and the value this build
# used, read from its configs. `paper` mode follows the text where it speaks; `authors` mode
# follows the code.
#
# ````{div} differences-table
# ```{glue:md} differences
# :format: myst
# ```
# ````
#
# ## Software, machine and timings
#
# ```{glue} provenance
# ```
#
# How long each notebook of this build took:
#
# ```{glue} timings
# ```
#
# Warnings the pages before this one raised while they computed (a stored result that could not
# be used and was recomputed, a run on another CPU code path than the pinned one, ...); the build
# printed them on the terminal too:
#
# ```{glue} build_warnings
# ```
#
# The time of each saved run when it was computed (including its teacher when that was trained
# in the same run; runs trained together as one stack share their time); a rebuild that reuses
# saved runs costs only the notebooks' own time:
#
# ```{glue} compute
# ```
#
# The benchmark (one column per machine and device it was run on) times a student epoch of this
# package against the machine's matrix-multiplication rate and against the same epoch run the way
# the authors' pipeline runs it:
#
# ```{glue} bench
# ```
