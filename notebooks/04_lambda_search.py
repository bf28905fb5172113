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
# # Choosing the λ
#
# The four weights of the composite loss are hyperparameters. As in the paper, they are chosen
# with Optuna {cite}`akiba2019optuna` and its TPE sampler, each λ in [0, 1]:
#
# - Anti-Distillation with λ4 = 0 searches {glue:md}`searched_antidistill_l4_0`;
# - full Anti-Distillation searches {glue:md}`searched_antidistill`.
#
# A trial pre-trains a student on D1 with the trial's λ, trains it on D2, and scores it by its
# accuracy under the strongest FGSM attack of the grid; the objective is the mean of that score
# over the seeds. The study is kept in an SQLite file in the results folder and every trial's
# runs are saved as they finish, so an interrupted search resumes where it stopped.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import search
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(search.page(rep))

# %% [markdown]
# ````{admonition} This build vs the paper's protocol
# ```{glue:md} protocol_box
# :format: myst
# ```
# ````
#
# The trials of this build are scored on {glue:md}`search_data`.
#
# In this build each trial pre-trains for {glue:text}`search_pretrain_epochs` epochs (the final
# runs: {glue:text}`set_pretrain_epochs`) and trains on D2 for {glue:text}`search_student_epochs`,
# as the final runs do, on seeds
# {glue:md}`search_seeds`; {glue:text}`set_trials_antidistill_l4_0` and
# {glue:text}`set_trials_antidistill` trials are run (the paper's budget:
# {glue:text}`paper_trials_antidistill_l4_0` and {glue:text}`paper_trials_antidistill`).
#
# A detail worth knowing when reading the paper's choice: Optuna's TPE samples its first
# {glue:text}`tpe_startup` trials at random before its model takes over. {glue:md}`random_start`
#
# Every finished trial of the search for Anti-Distillation with λ4 = 0: its λ, each seed's FGSM
# accuracy at the largest ε, the objective (their mean) and their standard deviation over the seeds:
#
# ```{glue} trials_table_antidistill_l4_0
# ```
#
# {glue:md}`margin_antidistill_l4_0`
#
# The same for full Anti-Distillation (both searches use the same sampler seed, so their random
# start-up trials draw the same first three λ):
#
# ```{glue} trials_table_antidistill
# ```
#
# {glue:md}`margin_antidistill`
#
# The final runs use, for λ4 = 0, the best trial's λ and, for full Anti-Distillation,
# {glue:md}`full_lambdas_source`:
#
# - Anti-Distillation, λ4 = 0: λ1 = {glue:text}`antidistill_l4_0_l1:.3f`, λ2 =
#   {glue:text}`antidistill_l4_0_l2:.3f`, λ3 = {glue:text}`antidistill_l4_0_l3:.3f`
#   (objective {glue:text}`antidistill_l4_0_best:.4f`);
# - Anti-Distillation: λ1 = {glue:text}`antidistill_l1:.3f`, λ2 = {glue:text}`antidistill_l2:.3f`,
#   λ3 = {glue:text}`antidistill_l3:.3f`, λ4 = {glue:text}`antidistill_l4:.3f`
#   (objective {glue:text}`antidistill_best:.4f`).
#
# These λ feed {doc}`05_experiment`. The paper does not report the values it found.
#
# ```{glue:figure} history_antidistill_l4_0
# :name: fig-search-l4-0
#
# Objective of each trial (mean FGSM accuracy at the largest ε) and the best value so far, for
# Anti-Distillation with λ4 = 0.
# ```
#
# ```{glue:figure} history_antidistill
# :name: fig-search-full
#
# The same for full Anti-Distillation.
# ```
#
# ```{glue:md} importances_block
# :format: myst
# ```
