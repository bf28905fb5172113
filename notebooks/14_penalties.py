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
# In the authors' code L4 never reached the gradient, and in `paper` mode, where it does, the
# signed estimate vᵀHv can be lowered without bound by a student whose outputs stop depending on
# its input: {doc}`05_experiment` shows the full Anti-Distillation collapsing in pre-training.
# So whether penalising curvature helps is still open. Each row below changes L4 in one way and
# searches its own λ on the validation split, by the rules of {doc}`04_lambda_search`:
#
# - the absolute value |vᵀHv| of each probe, differentiated as it is;
# - four probes per step instead of one, a less noisy estimate;
# - L4 multiplied by 10⁻⁴, the scale of the authors' code, so the searched λ4 reaches far
#   smaller penalties;
# - the trace of the Gauss–Newton matrix G = Jᵀ(diag p − ppᵀ)J instead of the Hessian's. For
#   these ReLU networks the logits are linear in each single weight, so the two matrices have
#   the same diagonal and the same trace (a test checks it on small networks, exactly), while
#   every probe's vᵀGv is a variance and never negative: the estimate has nothing to gain from
#   a collapse.
#
# Each is compared, seed by seed, with {glue:md}`penalty_baseline`: the same pre-training
# without L4, from the same teachers. A cell is the variant's mean minus the baseline's with its
# {glue:md}`penalty_confidence` paired interval and its p-value, Holm-corrected among the rows of
# one metric; a variant is "more robust at equal accuracy" where its FGSM or weight-noise
# difference is positive at p < {glue:md}`penalty_alpha` and its accuracy is not lower at that
# level.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (about a minute), "quick" (minutes) or "paper" (the full protocol)
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
