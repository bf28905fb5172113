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
# # Computational experiment
#
# Every initialisation is trained on D2 from every seed's teacher with Adam, learning rate
# {glue:text}`set_student_lr`, batches of {glue:text}`set_batch_size`, for
# {glue:text}`set_student_epochs` epochs in this build. Methods 6–8 first pre-train on D1 for
# {glue:text}`set_pretrain_epochs` epochs (learning rate {glue:text}`set_pretrain_lr`, multiplied
# by {glue:text}`set_pretrain_gamma` after every epoch) with their λ. Runs are saved one file
# each and reused, so this chapter only computes what is missing.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import experiment
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(experiment.page(rep))

# %% [markdown]
# ````{admonition} This build vs the paper's protocol
# ```{glue:md} protocol_box
# :format: myst
# ```
# ````
#
# ```{glue:figure} fig1
# :name: fig-1
#
# Paper Fig. 1 (reproduced), one row per protocol. Validation accuracy on D2 after each epoch,
# mean ± standard deviation over {glue:text}`n_seeds` seeds; the right-hand panels zoom on the
# last third of the epochs, where the methods differ. Epoch 0 is the student as initialised,
# before any D2 training. The table and the rest of this chapter are this build's `mode`
# ({glue:text}`n_runs` runs).
# ```
#
# ```{glue} overview
# ```
#
# After the last epoch the most accurate initialisation is {glue:md}`best_method`
# ({glue:text}`best_acc:.3f`) and the least accurate {glue:md}`worst_method`
# ({glue:text}`worst_acc:.3f`); the random Xavier start ends at {glue:text}`xavier_acc:.3f` and
# full Anti-Distillation at {glue:text}`ad_acc:.3f`. The epoch-0 column shows the head start: a
# zero-padded student begins at {glue:text}`zero_pad_start:.3f` (its teacher's D2 accuracy), a
# random one at {glue:text}`xavier_start:.3f`.
#
# ## How much of the student is used?
#
# {doc}`03_extension` argued that zero pad and Net2Net cannot grow beyond the teacher's width
# during training. The table counts, for every trained student, the distinct live units of each
# hidden layer (units whose weights are all zero are dead; units with identical weights count
# once). The student has {glue:md}`student_widths` units, the teacher {glue:md}`teacher_widths`.
#
# ```{glue} width_table
# ```
#
# After training, zero pad students have {glue:md}`zero_pad_widths`, Net2Net students
# {glue:md}`net2net_widths`. {glue:md}`width_verdict` The transfer-learning model is
# teacher-sized by construction (and so is the zero-pad student in `authors` mode).
#
# A second way to lose capacity concerns the output: {glue:md}`never_predicted`
#
# ## What the D1 pre-training produced
#
# Methods 6–8 start D2 training from the end of their pre-training on D1. The table shows, at the
# end of pre-training, the students' D1 validation accuracy and the mean of each loss term over
# the last epoch, averaged over seeds.
#
# ```{glue} pre_table
# ```
#
# The same D1 accuracy seed by seed (a run at about 0.2 has collapsed: it no longer tells the classes apart):
#
# ```{glue} pre_per_seed
# ```
#
# After pre-training, the D1 validation accuracy is {glue:text}`pre_acc_data_noise:.3f` with data
# noise, {glue:text}`pre_acc_antidistill_l4_0:.3f` for Anti-Distillation with λ4 = 0 and
# {glue:text}`pre_acc_antidistill:.3f` for full Anti-Distillation (a random guess among five
# classes scores 0.2), which then starts D2 training at {glue:text}`ad_start:.3f`.
#
# The trace itself cannot be negative here. Along any single weight, a ReLU network's logits are
# piecewise linear, and the cross-entropy is convex in the logits, so every diagonal entry of the
# Hessian, and their sum, is at least 0 (the test suite checks this on the exact Hessian of a
# small network on real images). {glue:md}`negative_verdict` Nor does a constant output bring it
# to 0: with every ReLU off, only the last layer's bias still moves the logits, and its curvature,
# Σₖ pₖ(1 − pₖ) = 1 − Σₖ pₖ² over the predicted probabilities pₖ of the D1 classes, vanishes only
# as the prediction grows certain of one class (checked on a small network too).
# {glue:md}`collapse_verdict` The authors' code could not collapse this
# way: its L4, |**v**ᵀH**v**| × {glue:md}`set_authors_l4_scale` with **v** drawn
# {glue:md}`set_authors_probe`, enters the loss as a constant without gradient (`authors` mode).
