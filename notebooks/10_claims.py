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
# (claims)=
# # The paper's claims, judged
#
# The paper draws its conclusions from Table I and Figures 1–3 {cite}`petrushina-antidistillation`.
# Here each conclusion is restated as a test on this build's runs ({glue:md}`claims_mode`), and
# given one of three verdicts: *holds*, *fails* or *inconclusive*.
#
# **Why paired.** All methods of one seed grow from the same teacher (and, in `paper` mode, meet
# the same weight-noise draws), so two methods are compared seed by seed: the mean of their per-seed differences, its
# {glue:md}`claims_confidence` t interval and the paired t-test's p-value. A claim that a method
# is best rests on one comparison per other method; their p-values are corrected together with
# Holm's method, so that the claim as a whole is tested at level {glue:text}`claims_alpha`. The
# Monte-Carlo error of the weight-noise metric is part of each seed's value, so the spread of the
# differences, which the test uses, already holds it.
#
# **The rules.** A claim that a method is best *holds* when it beats every other method
# significantly (Holm p below the level, in the claimed direction), *fails* when some method beats
# it significantly, and is *inconclusive* otherwise. "Lower variance" is tested with Pitman and
# Morgan's test for the variances of paired samples (equal variances exactly when the sums and
# the differences of the pairs are uncorrelated), under the same rule; claim (a) holds only if
# both its parts do. The claim that training from scratch is not the best holds when some method
# beats Xavier significantly. A run has converged at the first D2 epoch whose accuracy is within
# {glue:md}`claims_converged` of the accuracy Table I reads. Claim (e) is judged twice: on D2
# epochs alone, and with each method's D1 pre-training epochs added (the pre-trained methods
# spend them before their first D2 epoch).
#
# **Cost, claim (f).** The paper calls the cost of growing the teacher negligible. Costs are
# counted, not sampled, so this claim has no test: we count the training FLOPs of the matrix
# products (forward and backward, counted by torch on one batch of each kind of step) of what
# growing adds to a student trained from scratch on D2: the D1 pre-training, the teacher's
# training, and the λ search, each shared out over the final seeds. We read "negligible" as at
# most {glue:md}`claims_negligible` of the from-scratch training, and judge the claim three ways:
# pre-training alone (a teacher at hand and λ known), with the teacher's training, and with the
# λ search too.
#
# **Read after the same epoch.** The authors recorded {glue:text}`set_n_recorded_long` of their
# Table I rows while their code trained students for {glue:text}`paper_authors_epochs_recorded`
# epochs, and {glue:md}`set_recorded_short` after {glue:text}`paper_student_epochs`, so in their
# table (and in `authors` mode) the robustness of the first group is read after more training
# than that of the other {glue:text}`set_n_recorded_short`. Claims (b) and (c) compare across that
# gap, so `authors` mode is judged a second time with those rows run again to the configured
# number of epochs, every column read after the same epoch.
#
# **Collapsed runs.** Where a method's pre-training collapsed to chance accuracy on some seed,
# a claim in which it is only a competitor is judged twice, with and without it; a claim about it
# is judged as is and marked.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import claims
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(claims.page(rep))

# %% [markdown]
# ## Verdicts
#
# Of the {glue:text}`claims_n` claims, judged on all methods ((f) at its most lenient reading):
# {glue:md}`claims_counts`.
#
# ```{glue} claims_verdicts
# ```
#
# {glue:md}`claims_margin`
#
# ## What each initialisation costs
#
# Per final seed: training TFLOPs by part, their total and its ratio to training from scratch,
# and the measured wall time of the run (growth, pre-training, D2 training and both attacks) and
# of its teacher. The runs trained stacked, several seeds at once, so a wall time is its stack's
# share, and it depends on the machine and its load; the FLOPs do not.
#
# ```{glue} claims_costs
# ```
#
# ```{glue:figure} claims_cost_fig
# :name: fig-cost
#
# Each initialisation's mean accuracy against all the training it took, per seed, in each
# protocol.
# ```
#
# ## Every comparison
#
# Mean difference over seeds (for a variance, the ratio of the two variances), its interval,
# the p-value and the Holm-corrected p-value within the claim; downloadable as
# {download}`claims.csv <downloads/claims.csv>`.
#
# ```{glue} claims_comparisons
# ```
