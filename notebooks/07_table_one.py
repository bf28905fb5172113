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
# (table-one)=
# # Table I
#
# For each initialisation: the validation accuracy after D2 training, the accuracy under the
# strongest FGSM attack (ε = {glue:text}`set_fgsm_eps_max`) and the accuracy with the strongest
# weight noise (ε = {glue:text}`set_noise_eps_max`), three ways: as the paper printed them in its
# Table I {cite}`petrushina-antidistillation` (*paper (printed)*, mean ± standard deviation over
# {glue:text}`paper_seeds` seeds, two decimals), and as this build computes them under each of the
# two protocols, `authors` mode (what the authors' code ran) and `paper` mode (what the text
# describes). Our cells give the mean ± the population standard deviation over seeds (ddof = 0,
# as the paper's come from their records) and, in brackets, the {glue:md}`table_confidence`
# t interval of the mean.
#
# **Is the printed value consistent with ours?** A printed cell is a rounded mean and standard
# deviation of {glue:text}`paper_seeds` runs, so it is compared with ours by Welch's t-test, and
# given the benefit of its rounding: its mean is taken at the point of its rounding interval
# nearest ours, its standard deviation at the top of its interval. A † marks our cells where even
# so the printed value is rejected at level {glue:text}`table_alpha`.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import table_one
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(table_one.page(rep))

# %% [markdown]
# ````{admonition} This build vs the paper's protocol
# ```{glue:md} protocol_box
# :format: myst
# ```
# ````
#
# Table I of this build ({glue:md}`table_mode`). {glue:md}`metric_epochs`
#
# ```{glue} table_one
# ```
#
# {glue:md}`table_consistency`
#
# The best initialisation per metric, and the methods tied with it. In the printed table a tie is
# an equal printed value; in ours, a method whose paired difference from the best (seed by seed,
# as a seed's methods share its teacher) is not significant once the comparisons with the best
# are Holm-corrected together:
#
# ```{glue:md} table_best
# :format: myst
# ```
#
# Downloads: both modes' runs, one row per (mode, method, seed), as {download}`runs.csv
# <downloads/runs.csv>`; their FGSM and weight-noise curves, one row per run, attack and ε, as
# {download}`curves.csv <downloads/curves.csv>`; the numbers of the table above, one row per
# method, metric and source, as {download}`table_one.csv <downloads/table_one.csv>`.
#
# {ref}`protocol-differences` lists where the two protocols differ; {ref}`claims` judges the
# paper's conclusions on these runs.
