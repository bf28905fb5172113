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
# (digits)=
# # A second data set: handwritten digits
#
# The paper ends by naming other data sets (CIFAR-10 among them) as its next step. Here the whole experiment runs
# again on the 8×8 handwritten digits that ship with scikit-learn, so it needs no download:
# {glue:md}`digits_test_share` of every digit's images form the test split and the rest the
# training split, fixed once, which
# leaves {glue:text}`digits_train` training and {glue:text}`digits_test` test images of
# {glue:text}`digits_inputs` pixels each. D1 is digits {glue:md}`digits_d1_classes`
# ({glue:text}`digits_d1_train` training images), as classes 0–4 are for Fashion-MNIST; D2 is all
# ten. The networks keep their hidden widths and only their first layer takes the smaller
# images. Every schedule is this build's (epochs, batch sizes, learning rates, the λ searches'
# trials and seeds), so on the digits a student's D2 epoch is {glue:text}`digits_steps` steps
# where on Fashion-MNIST it is {glue:text}`fashion_steps`: the students train far less, so where
# they start may weigh more in where they end. Both λ searches run again on the digits, by
# the rules of {doc}`04_lambda_search`: {glue:md}`digits_lambdas`.
#
# Each claim is then judged on the digits exactly as {ref}`the claims <claims>` judges it on
# Fashion-MNIST.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import digits
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(digits.page(rep))

# %% [markdown]
# ## Verdicts on both data sets
#
# {glue:md}`digits_changed`
#
# ```{glue} digits_verdicts
# ```
#
# ## Table I on the digits
#
# Mean ± standard deviation over the seeds, in each mode.
#
# ```{glue} digits_means
# ```

# %% [markdown]
# ## What it cost
#
# ```{glue} spent
# ```
#
# {glue:md}`spent_note`
