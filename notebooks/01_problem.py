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
# # Problem statement
#
# A model was trained on an easy task; now a harder task arrives with more classes. Instead of
# starting the larger network for the new task from random numbers, can the parameters of the
# small one give it a head start — and a more robust end point? This is the question of
# {cite}`petrushina-antidistillation`, which calls the idea *Anti-Distillation*: where
# distillation {cite}`hinton2015distilling` squeezes a big model into a small one, here knowledge
# flows from a small *teacher* into a bigger *student*.
#
# Both tasks come from Fashion-MNIST {cite}`xiao2017fashion`:
#
# - **D1**, the teacher's task: the images of classes {glue:md}`d1_classes` only;
# - **D2**, the student's task: all 10 classes.
#
# The teacher is a fully connected network with hidden layers {glue:md}`teacher_widths`; the
# student has {glue:md}`student_widths`. Both output 10 logits; while learning D1 the logits of
# the other classes are masked. The shipped test split serves as the validation set the results
# are reported on (which images score the λ search is said in {doc}`04_lambda_search`), and
# images enter the networks as raw pixel intensities in [0, 1].

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import problem
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(problem.page(rep))

# %% [markdown]
# ```{glue} counts
# ```
#
# In this build D2 holds {glue:text}`n_train` training and {glue:text}`n_test` validation images,
# and D1 holds {glue:text}`n_d1_train` and {glue:text}`n_d1_test` of them (the `smoke` profile
# uses only a slice of the data set).
#
# ```{glue:figure} samples
# :name: fig-samples
#
# The first training images of each class. Classes {glue:md}`d1_classes` (tops, trousers,
# pullovers, dresses, coats) form D1; the student must also learn sandals, shirts, sneakers, bags
# and ankle boots. Shirts (class 6) look much like the D1 tops, pullovers and coats, which is what
# makes D2 harder than "D1 plus five new classes".
# ```
#
# The paper's hypothesis, in our words: a student whose initial parameters are derived from the
# teacher's — by padding, by Net2Net, or by solving an optimisation problem that keeps it near the
# teacher while making it robust — ends up more accurate and more robust than one initialised at
# random. The following chapters train the teachers ({doc}`02_teachers`), build the
# initialisations ({doc}`03_extension`), tune the Anti-Distillation weights
# ({doc}`04_lambda_search`) and measure all of them ({doc}`05_experiment`, {doc}`06_robustness`).
