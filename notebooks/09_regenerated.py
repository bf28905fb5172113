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
# (regenerated)=
# # The authors' runs, regenerated
#
# The authors published the per-seed histories behind their Table I and the ten teachers they
# grew the students from. Here every row is run again in `authors` mode (their code's protocol,
# their single random stream drawn as their loops drew it) with the λ their notebooks printed for
# the two Anti-Distillation rows, once from teachers trained here and once from their own
# teachers, and compared seed by seed with their records: Δ is ours minus theirs, accuracy read
# after the epoch their table reads, FGSM and weight noise at the largest ε. From their teachers
# only growth and student training can differ; from ours, teacher training too.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import regenerated
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(regenerated.page(rep))

# %% [markdown]
# {glue:md}`regenerated_available`
#
# Per row: the seeds whose accuracy is within {glue:text}`regenerated_within` of theirs, the largest difference in
# accuracy, and the mean difference of FGSM and of weight-noise accuracy (largest in brackets):
#
# ```{glue} regenerated_summary
# ```
#
# Δ accuracy per seed from their teachers (`*`: our student never predicts some class):
#
# ```{glue} regenerated_per_seed
# ```
#
# {glue:md}`regenerated_residual`
#
# {glue:md}`regenerated_other_path_sentence`
#
# ```{glue} regenerated_other_path
# ```
