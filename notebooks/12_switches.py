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
# (switches)=
# # Text against code, one switch at a time
#
# The two protocols of this book differ in many places at once ({ref}`protocol-differences`
# lists them), so a difference between a `paper`-mode and an `authors`-mode
# number does not say which of those places caused it. Here each switch is flipped alone: set as
# the authors' code has it on top of `paper` mode, and set back as the text has it on top of
# `authors` mode, on {glue:md}`switch_methods`, every flip on the same seeds as the runs it is
# compared with ({glue:md}`switch_counts`). The searched methods keep the λ their own mode's
# search chose; one more row per searched method swaps in the λ the other mode's search chose
# instead ("the searched λ"), which is how the search's own switches (the split it scores on, its
# shorter pre-training) reach the runs. A switch is left out for a method where it cannot act: an
# L4 switch where λ4 is 0, a pre-training switch for a method that does not pre-train, a teacher
# switch where no teacher is trained (a test checks every such omission on small runs: the
# flipped run's numbers are the base run's to the bit).
#
# Each cell is the flipped runs' mean minus the base runs' mean over the same seeds, with its
# {glue:md}`switch_confidence` paired interval; a star marks a difference whose p-value, Holm-corrected
# among one mode's flips of one metric, is below {glue:md}`switch_alpha`. The last column says
# after which D2 epoch each Table I column is read, before and after the flip: in `authors` mode
# {glue:text}`set_n_recorded_long` rows train {glue:text}`set_authors_epochs_recorded` epochs and
# read accuracy at epoch {glue:text}`set_student_epochs`, as their records did.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import switches
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(switches.page(rep))

# %% [markdown]
# ## From `paper` mode: each switch set as in the authors' code
#
# ```{glue} switch_from_paper
# ```
#
# ## From `authors` mode: each switch set back as in the text
#
# ```{glue} switch_from_authors
# ```
#
# ## How much of the gap the single switches explain
#
# The gap is a method's `authors`-mode mean minus its `paper`-mode mean over the same seeds, with
# its paired interval. Beside it: the sum of that method's single-switch effects from `paper`
# mode, and the sum from `authors` mode with each effect's sign turned (so both read towards the
# authors' code), each with the switch that moves the number most. Single effects need not add
# up: where a sum misses the gap, switches act together (one changes what another does), and
# where the two sums disagree, a switch's effect depends on which protocol it is flipped in.
#
# ```{glue} switch_gaps
# ```
#
# {glue:md}`switch_xavier`

# %% [markdown]
# ## What it cost
#
# ```{glue} spent
# ```
#
# {glue:md}`spent_note`
