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
# Here each conclusion, and the paper's one formal hypothesis, is restated as a test on this
# build's runs ({glue:md}`claims_mode`). The analysis comes first, as it was fixed in the code
# (`antidistill/report/analysis.py`) before the seeds beyond the first twenty were computed; the
# verdicts follow from it.
#
# ## The analysis, declared before the results
#
# **Pairs.** All methods of one seed grow from the same teacher, so two methods are compared
# seed by seed, on the differences of their values. A claim that a method is best rests on one
# comparison with each other method; those comparisons form the claim's family.
#
# **Tests.** The primary test of a paired difference is the sign-flip permutation test of its
# mean: if the two methods were interchangeable, each seed's difference would be as likely
# negated. It makes no assumption of normality, which matters here: accuracies are counts of test
# images, epochs are whole numbers, and some `authors`-mode samples are bimodal. Its p-value is
# exact (all 2ⁿ sign patterns) up to {glue:text}`claims_exact_up_to` seeds and is drawn from
# {glue:md}`claims_resamples` random patterns beyond. Beside it the page shows the paired t-test
# and its 95% interval; where the two would give a comparison different outcomes, the page says
# so. Within a claim the p-values are corrected with Holm's method, so each claim is tested at
# level {glue:text}`claims_alpha`. A claim about variance (the "lower variance" of (a)) is tested
# with the within-pair permutation test of the log ratio of the two variances (each seed's two
# values as likely swapped) and a bootstrap interval of that ratio, seeds resampled in pairs, so
# that two unusual seeds cannot carry it alone; Pitman and Morgan's test is shown beside it.
#
# **Smallest effects of interest.** A difference too small to matter is named in advance, per
# metric:
#
# ```{glue} claims_effects
# ```
#
# **Four outcomes.** Each comparison ends one of four ways. *Equivalent*: the two one-sided
# t-tests (TOST, Holm-corrected) put the mean difference inside ± the smallest effect of
# interest, and its 90% bootstrap interval, which assumes no normality, lies inside too.
# Otherwise *better* or *worse* when the permutation test is significant, and *undecided* when it
# is not; an undecided comparison is shown with the smallest difference the t-test would detect
# with {glue:md}`claims_power` power at the claim's Bonferroni level (α divided by the family's
# size, the most Holm can ask), so that "not shown different" is never read as a tie. A claim that
# a method is best **holds** when it is better than every other method, **fails** when some
# method is better than it, is **equivalent** when it is worse than none and shown within the
# effect of interest of at least one (it can then not be better than that one by anything that
# matters), and is **undecided** otherwise. The claim that training from scratch is not the best
# holds when some method is better than Xavier.
#
# **The claims, restated.** (a)–(d) as the paper's Table I and Figures 1–3 state them.
# (e) The paper says Anti-Distillation needs fewer iterations to converge. A run's own final
# accuracy is no common yardstick (a run that levels off low looks fast), so each seed sets one
# target for all its methods: the lowest final accuracy among them, less
# {glue:md}`claims_converged` of it, which every method of that seed reaches. (e) counts the D2
# epochs to it, then again with the D1 pre-training epochs added, each weighted by its training
# FLOPs in D2 epochs from scratch. (f) The paper calls the cost of growing the teacher negligible,
# because the grown teacher serves several student tasks. Costs are counted, not sampled, so (f)
# has no test: it is read for one task (what growing adds is at most
# {glue:md}`claims_negligible` of training the student from scratch) and, as the paper argues it,
# shared: the number of tasks over which what is paid once (the D1 pre-training; with the
# teacher; with the λ search) falls to {glue:md}`claims_negligible` of one from-scratch training
# per task, each task paying its own D2 training; it holds if at most
# {glue:text}`claims_several` tasks suffice. **Hypothesis 1**: a student started from the grown
# teacher (the minimiser of problem (1), with the λ of both Anti-Distillation rows) is more
# accurate, and more robust to FGSM and to weight noise, than one started by default (Xavier):
# three comparisons, one family.
#
# **Seeds.** The paper's scale is 10 seeds; the λ search saw those. The next 10 are fresh. From
# the pooled twenty the analysis computes, for every undecided comparison, how many seeds would
# decide it with {glue:md}`claims_power` power if the truth were what was seen, and declares the
# largest, at most {glue:text}`claims_max_seeds`. The declared set is {glue:md}`claims_declared`,
# trained with the λ chosen on the first 10: {glue:md}`claims_declared_status`.
#
# **Thresholds.** Every threshold is varied alone over a stated range
# ({glue:md}`claims_sensitivity_ranges`), on the headline seeds; a verdict that changes anywhere
# in its range, or between the first 10 seeds and the fresh ones, is marked *fragile*.
#
# **Collapsed runs.** Where a method's pre-training ended at chance on D1 (below
# {glue:md}`claims_collapse` accuracy) on some seed, a claim in which it is only a competitor is
# judged twice, with and without it.
#
# **Read after the same epoch.** The authors recorded {glue:text}`set_n_recorded_long` of their
# Table I rows while their code trained students for {glue:text}`paper_authors_epochs_recorded`
# epochs, and {glue:md}`set_recorded_short` after {glue:text}`paper_student_epochs`, so in their
# table (and in `authors` mode) the robustness of the first group is read after more training.
# `authors` mode is judged a second time with those rows run again to the configured number of
# epochs, every column read after the same epoch (seeds of the paper's scale). The authors' own
# recorded runs are judged by the same rules in a column of their own.

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
# Stated on {glue:md}`claims_headline`, each of the six claims and mode on all methods ((f) as
# the paper argues it, shared over tasks with the D1 pre-training paid once; Hypothesis 1 apart):
# {glue:md}`claims_counts`. Each column is one set of seeds, the last the
# authors' own records:
#
# ```{glue} claims_matrix
# ```
#
# {glue:md}`claims_records` {glue:md}`claims_disagree`
#
# ## Hypothesis 1
#
# Each comparison on {glue:md}`claims_headline`: the mean difference with its 95% t interval, the
# permutation test's Holm-corrected p, the TOST p that equivalence rests on, the smallest difference
# detectable with {glue:md}`claims_power` power, and the outcome, marked where the t-tests would give
# another. The bootstrap intervals and every other statistic are in
# {download}`claims.csv <downloads/claims.csv>`.
#
# ```{glue} claims_cmp_h1_searched
# ```
#
# ```{glue} claims_cmp_h1_l4_0
# ```
#
# ## Each claim
#
# The same columns for each claim; for a variance, the ratio of the two variances and its 95%
# bootstrap interval.
#
# ### (a) Accuracy, and its variance
#
# ```{glue} claims_cmp_a
# ```
#
# ### (b) FGSM
#
# ```{glue} claims_cmp_b
# ```
#
# ### (c) Weight noise
#
# ```{glue} claims_cmp_c
# ```
#
# ### (d) Training from scratch
#
# ```{glue} claims_cmp_d
# ```
#
# ### (e) Convergence
#
# ```{glue} claims_cmp_e
# ```
#
# ### (f) What growing costs, shared over tasks
#
# Per Anti-Distillation row and scope of what is paid once: that cost in trainings from scratch,
# and how many student tasks bring each one's share down to {glue:md}`claims_negligible`.
#
# ```{glue} claims_amortised
# ```
#
# Per final seed: training TFLOPs by part, their total and its ratio to training from scratch,
# and the measured wall time of the run and of its teacher. The runs trained stacked, several
# seeds at once, so a wall time is its stack's share, and it depends on the machine and its load;
# the FLOPs do not.
#
# :::{dropdown} Costs per final seed, by part
# ```{glue} claims_costs
# ```
# :::
#
# ```{glue:figure} claims_cost_fig
# :name: fig-cost
#
# Each initialisation's mean accuracy against all the training it took, per seed, in each
# protocol.
# ```
#
# ## How many seeds decide
#
# The comparisons undecided on {glue:md}`claims_needed_set`, each with the seeds that would
# decide it with {glue:md}`claims_power` power if its mean and spread were the truth (1000 stands
# for "more than 1000"). The largest, at most {glue:text}`claims_max_seeds`, is
# {glue:text}`claims_needed_n`: the number of seeds declared.
#
# :::{dropdown} The undecided comparisons and the seeds each needs
# ```{glue} claims_needed
# ```
# :::
#
# ## What moves with the thresholds
#
# Every verdict that changes when one threshold moves within its range:
#
# :::{dropdown} The verdicts that move, threshold by threshold
# ```{glue} claims_sensitivity
# ```
# :::
#
# Every comparison, every set of seeds and every statistic behind these tables is in
# {download}`claims.csv <downloads/claims.csv>`.
