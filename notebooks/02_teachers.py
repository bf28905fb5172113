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
# # Teachers
#
# Each seed gets its own teacher: a network of the teacher's shape trained on D1 with Adam
# {cite}`kingma2014adam`. In this build it trains for {glue:text}`set_teacher_epochs` epochs at
# learning rate {glue:text}`set_teacher_lr`, multiplied by {glue:text}`set_teacher_gamma` after
# epoch {glue:md}`set_teacher_milestones` (the paper's protocol: {glue:text}`paper_teacher_epochs`
# epochs, the drop after epoch {glue:md}`paper_teacher_milestones`). The logits of the classes
# outside D1 are masked during this training: in `paper` mode they are left out of the softmax,
# in `authors` mode they are multiplied by zero, as the authors' code does. Teachers are saved in
# the results folder and reused by every later chapter.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import teachers
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(teachers.page(rep))

# %% [markdown]
# ```{glue} teacher_table
# ```
#
# Over the seeds the teachers reach a D1 validation accuracy of
# {glue:text}`teacher_acc_mean:.3f` ± {glue:text}`teacher_acc_std:.3f` (from
# {glue:text}`teacher_acc_min:.3f` to {glue:text}`teacher_acc_max:.3f`). A five-class subset is an
# easier problem than the full ten classes; this is the starting point the growth methods of
# {doc}`03_extension` try to exploit.
#
# ```{glue:figure} teacher_curves
# :name: fig-teachers
#
# D1 validation accuracy of every teacher after each epoch. Where the schedule drops the
# learning rate (after epoch {glue:md}`set_teacher_milestones` in this build), the curve steps up
# and flattens.
# ```
