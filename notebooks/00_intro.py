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
# # Anti-Distillation, reproduced
#
# This report re-runs *Anti-Distillation: Knowledge Transfer from a Simple Model to the Complex
# One* {cite}`petrushina-antidistillation` from scratch with the `antidistill` package. The
# paper asks how to start training a *larger* network for a *harder* task when a small network
# trained on an easier, related task is at hand. Its answer, Anti-Distillation, initialises the
# large student at the minimum of a loss that keeps it accurate on the old task, close to the
# small teacher's weights, and insensitive to input and weight perturbations. It compares that
# answer with {glue:text}`set_n_methods` initialisations in all (its own included) on
# Fashion-MNIST and reports clean accuracy and two robustness measures.
#
# Everything on these pages — every number, table and figure — is computed by the notebooks of
# this book from real Fashion-MNIST and saved runs; the paper's own Table I values appear only
# beside ours, labelled as the paper's. Every page is built by one call into the package: the
# cell below, which is the same on each page, says which build this is.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %%
from antidistill.report.glue import glue_all
from antidistill.report.pages import intro
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
print(rep.describe())
glue_all(intro.page(rep))

# %% [markdown]
# ## The verdicts at a glance
#
# Each of the paper's claims and its Hypothesis 1, judged by the analysis {ref}`the claims chapter
# <claims>` declares before its results: in each protocol on {glue:md}`glance_seeds`, in `authors`
# mode with every row read after the same epoch, on a second data set ({doc}`13_digits`) and on
# the authors' own recorded runs. A cell is the verdict (holds, fails, equivalent, undecided) and
# the comparison that decides it; the chapter shows every comparison, which verdicts move with a
# threshold, and the seeds declared to settle the rest.
#
# ```{glue} glance
# ```
#
# What makes the authors' numbers what they are, beyond the method:
#
# ```{glue:md} mechanisms
# :format: myst
# ```
#
# ## What this build finds
#
# This build: {glue:md}`build`.
#
# ```{glue:md} findings
# :format: myst
# ```
#
# ````{admonition} This build vs the paper's protocol
# ```{glue:md} protocol_box
# :format: myst
# ```
# ````
#
# ## Reading guide
#
# 1. {doc}`01_problem`: the two data sets and the models.
# 2. {doc}`02_teachers`: the small networks trained on the teacher's classes.
# 3. {doc}`03_extension`: the composite loss, Hutchinson's trace estimate and the
#    initialisations.
# 4. {doc}`04_lambda_search`: the Optuna search for the λ.
# 5. {doc}`05_experiment`: training on all ten classes (the paper's Figure 1).
# 6. {doc}`06_robustness`: FGSM and weight noise (Figures 2 and 3).
# 7. {doc}`07_table_one`: everything side by side with the paper's numbers, with CSV downloads.
# 8. {doc}`10_claims`: each of the paper's claims and its Hypothesis 1 judged in both protocols by an analysis declared first.
# 9. {doc}`11_fresh_seeds`: the claims judged again on seeds the λ search never saw.
# 10. {doc}`12_switches`: each difference between the paper's text and the authors' code flipped
#     alone, and what it moves in each Table I column.
# 11. {doc}`13_digits`: the whole experiment on a second data set, and the claims judged there.
# 12. {doc}`14_penalties`: Hessian penalties that train, each with its own λ search, against
#     λ4 = 0.
# 13. {doc}`09_regenerated`: the authors' own runs regenerated, from their teachers and ours.
#
# Appendix: {doc}`08_reproducibility` (software, machine, timings, benchmarks, how to rerun) and
# the {doc}`references`.
