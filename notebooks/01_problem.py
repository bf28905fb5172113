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
# # 1. Problem statement
#
# A model was trained on an easy task; now a harder task arrives with more classes. Instead of
# starting the larger network for the new task from random numbers, can the parameters of the
# small one give it a head start — and a more robust end point? This is the question of
# {cite}`petrushina2024antidistillation`, which calls the idea *Anti-Distillation*: where
# distillation {cite}`hinton2015distilling` squeezes a big model into a small one, here knowledge
# flows from a small *teacher* into a bigger *student*.
#
# Both tasks come from Fashion-MNIST {cite}`xiao2017fashion`:
#
# - **D1**, the teacher's task: the images of classes 0–4 only;
# - **D2**, the student's task: all 10 classes.
#
# The teacher is a fully connected network with hidden layers [128, 64, 32]; the student has
# [256, 128, 64]. Both output 10 logits; while learning D1 the logits of classes 5–9 are masked.
# The shipped test split serves as the validation set, and images enter the networks as raw
# pixel intensities in [0, 1].

# %% tags=["parameters", "hide-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (about a minute), "quick" (minutes) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %%
from antidistill.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
print(rep.describe())

# %%
import pandas as pd
from antidistill.paste import glue

from antidistill.data import C1, CLASS_NAMES
from antidistill import figures

data = rep.data()
d1 = data.d1()
counts = pd.DataFrame({
    "class": [f"{i}: {name}" for i, name in enumerate(CLASS_NAMES)],
    "train images": data.train.y.bincount(minlength=10).tolist(),
    "test images": data.test.y.bincount(minlength=10).tolist(),
    "in D1": ["yes" if i in C1 else "no" for i in range(10)],
})
glue("n_train", len(data.train))
glue("n_test", len(data.test))
glue("n_d1_train", len(d1.train))
glue("n_d1_test", len(d1.test))
counts

# %% [markdown]
# In this build D2 holds {glue:text}`n_train` training and {glue:text}`n_test` validation images,
# and D1 holds {glue:text}`n_d1_train` and {glue:text}`n_d1_test` of them. (The full data set has
# 60000 and 10000, 6000 and 1000 per class; the `smoke` profile uses only a slice.)

# %%
glue("samples", figures.sample_grid(data))

# %% [markdown]
# ```{glue:figure} samples
# :name: fig-samples
#
# The first training images of each class. Classes 0–4 (tops, trousers, pullovers, dresses,
# coats) form D1; the student must also learn sandals, shirts, sneakers, bags and ankle boots.
# Shirts (class 6) look much like the D1 tops, pullovers and coats, which is what makes D2 harder
# than "D1 plus five new classes".
# ```
#
# The paper's hypothesis, in our words: a student whose initial parameters are derived from the
# teacher's — by padding, by Net2Net, or by solving an optimisation problem that keeps it near the
# teacher while making it robust — ends up more accurate and more robust than one initialised at
# random. The following pages train the teachers, build the eight initialisations, tune the
# Anti-Distillation weights and measure all of them.
