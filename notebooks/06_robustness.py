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
# # Robustness
#
# Two kinds of damage are applied to every trained student of {doc}`05_experiment`:
#
# - **FGSM** {cite}`goodfellow2014explaining`: each validation image moves by ε in the direction
#   of the sign of the loss gradient, x + ε·sign(∇ₓ CE), for ε from {glue:md}`set_fgsm_grid` (the
#   authors' grid). Pixels are not clipped back to [0, 1], as in the authors' code.
# - **Noise in the weights**: every parameter gets Gaussian noise, **w** + ε**ξ** with
#   **ξ** ~ N(0, I), for ε from {glue:md}`set_noise_grid`. In `paper` mode the score at each ε is
#   the expected accuracy under that noise: the mean over independent draws of **ξ**, each scored
#   on {glue:text}`set_noise_subset` random validation images, drawn in groups of
#   {glue:text}`set_noise_min_draws` until the standard error of the mean is below
#   {glue:text}`set_noise_se` (every run saves its draws and standard errors). In `authors` mode,
#   as in their code, one pass over the validation set draws a new **ξ** for every batch of
#   {glue:text}`set_noise_batch` images. Every seed draws from its own stream, the same for every
#   method.
#
# Both metrics as the package computes them, read from it when this page is executed (the runs
# compute the same numbers for a stack of seeds at once, every ε from one split first-layer
# product, in the package's engine, which the tests check against this code):
#
# ```{glue:md} code_fgsm
# :format: myst
# ```
#
# ```{glue:md} code_weight_noise
# :format: myst
# ```

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import robustness
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(robustness.page(rep))

# %% [markdown]
# ````{admonition} This build vs the paper's protocol
# ```{glue:md} protocol_box
# :format: myst
# ```
# ````
#
# ## FGSM
#
# ```{glue:figure} fig2
# :name: fig-2
#
# Paper Fig. 2 (reproduced), one panel per protocol. Validation accuracy under FGSM against the
# step ε, mean ± standard deviation over seeds. The figures below it are this build's `mode`.
# ```
#
# ```{glue:figure} diff_fgsm
# :name: fig-2-diff
#
# The same curves as differences: each initialisation's accuracy minus Xavier's on the same seed,
# mean ± standard deviation over seeds. A band that stays clear of the zero line is a difference
# the seeds agree on.
# ```
#
# ```{glue:figure} dots_fgsm
# :name: fig-2-dots
#
# Every seed's accuracy at the largest FGSM ε (dots), with the mean ± standard deviation (black).
# ```
#
# At ε = {glue:text}`set_fgsm_eps_max` the most robust initialisation is {glue:md}`fgsm_best`
# ({glue:text}`fgsm_best_value:.3f`). Full Anti-Distillation, the method the λ search tuned for
# exactly this number, ranks {glue:text}`fgsm_ad_rank` of {glue:text}`n_methods_run`
# ({glue:text}`fgsm_ad_value:.3f`); the spread between the best and the worst method is
# {glue:text}`fgsm_spread:.3f`.
#
# ## Noise in the weights
#
# ```{glue:figure} fig3
# :name: fig-3
#
# Paper Fig. 3 (reproduced), one panel per protocol. Validation accuracy with Gaussian noise of
# scale ε added to every weight, mean ± standard deviation over seeds.
# ```
#
# ```{glue:figure} diff_noise
# :name: fig-3-diff
#
# Each initialisation's accuracy with noisy weights minus Xavier's on the same seed, mean ±
# standard deviation over seeds.
# ```
#
# ```{glue:figure} dots_noise
# :name: fig-3-dots
#
# Every seed's accuracy at the largest weight-noise ε (dots), with the mean ± standard deviation
# (black).
# ```
#
# At ε = {glue:text}`set_noise_eps_max` the most robust initialisation is {glue:md}`noise_best`
# ({glue:text}`noise_best_value:.3f`); Anti-Distillation with λ4 = 0 ranks
# {glue:text}`noise_ad0_rank` of {glue:text}`n_methods_run` and full Anti-Distillation
# {glue:text}`noise_ad_rank` ({glue:text}`noise_ad_value:.3f`).
#
# Both curves are measured after D2 training, so they reflect where each initialisation leads,
# not the initialisation itself. The differences between methods should be read against the
# bands: with few seeds, a rank is fragile. {doc}`07_table_one` sets them beside the paper's
# numbers.
