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
# (penalties)=
# # Does a Hessian penalty help when it trains?
#
# In the authors' code L4 never reached the gradient. In `paper` mode it does. The Hessian of
# the cross-entropy is indefinite, so a probe's vᵀHv can be negative and the signed estimate has
# no floor at zero; {doc}`05_experiment` counts how often the full Anti-Distillation's
# pre-training ended at chance accuracy on D1. Whether penalising curvature helps, and whether a
# penalty that cannot go below zero avoids that collapse, is what this chapter asks. Each row
# below changes L4 in one way and searches its own λ on the validation split, by the rules of
# {doc}`04_lambda_search`:
#
# ```{glue:md} penalty_variants
# :format: myst
# ```
#
# The table also counts, for each, the seeds whose pre-training collapsed.
#
# Each is compared, seed by seed, with {glue:md}`penalty_baseline`: the same pre-training
# without L4, from the same teachers. A cell is the variant's mean minus the baseline's with its
# {glue:md}`penalty_confidence` paired interval and its p-value, Holm-corrected among the rows of
# one metric. The verdict names every difference shown at p < {glue:md}`penalty_alpha`, in
# robustness (FGSM, weight noise) or accuracy, losses included; a variant is "more robust at
# equal accuracy" where it is more robust, nowhere less, and its accuracy is not shown to differ.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import penalties
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(penalties.page(rep))

# %% [markdown]
# ## Each L4 against none
#
# ```{glue} penalty_table
# ```
#
# {glue:md}`penalty_answer`

# %% [markdown]
# ## What it cost
#
# ```{glue} spent
# ```
#
# {glue:md}`spent_note`
