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
# # Teacher model extension
#
# The student has more parameters than the teacher, so a map φ from the teacher's parameters
# **u** to the student's initial parameters **w** is needed. Anti-Distillation defines φ(**u**)
# as the minimiser of a weighted sum of four losses over the student's parameters:
#
# > **L**(**w**) = λ₁·CE(**w**, D1) + λ₂·‖**u** − Pr[**w**]‖² + λ₃·E<sub>x′ ~ U[x − δ, x + δ]</sub> CE(**w**, x′, y) + λ₄·tr(∂²CE / ∂**w**²),   with every λᵢ ≥ 0.
#
# - the **cross-entropy** on D1 keeps the student good at the teacher's task;
# - **L2** pulls the teacher-shaped corner of each student layer, Pr[**w**], towards the teacher:
#   the first units of each student layer, as many as the teacher's layer has;
# - **L3** is the cross-entropy on images jittered uniformly by at most δ =
#   {glue:text}`set_delta` per pixel, asking for robustness to small input noise;
# - **L4** is the trace of the Hessian of the cross-entropy: a flat minimum changes little when
#   the weights move {cite}`yao2020pyhessian,chen2020stabilizing`. Forming the Hessian of a
#   quarter of a million parameters is out of the question, so the trace is estimated with
#   Hutchinson's method {cite}`bai1996some`: for random vectors **v** with independent ±1 entries,
#   E[**v**ᵀH**v**] = tr H, and H**v** costs one extra backward pass {cite}`pearlmutter1994fast`.
#   This build gets the same **v**ᵀH**v** without that second backward pass: along **w** + t**v**,
#   as long as no ReLU switches, every pre-activation of the network is a polynomial in t, so the
#   loss's second derivative in t can be carried forward layer by layer (the tests check it against the full
#   Hessian of a small model), and its gradient, which `paper` mode trains on, costs one ordinary
#   backward pass.
#
# ## The terms in code
#
# Each listing below is read from the package when this page is executed, so it is the code the
# runs use, not a copy. L2 compares the teacher-shaped corner of every student tensor with the
# teacher (`Pr` is the slice):
#
# ```{glue:md} code_l2
# :format: myst
# ```
#
# L3 draws one jittered copy of each image and scores it:
#
# ```{glue:md} code_l3
# :format: myst
# ```
#
# L4 is Hutchinson's estimate, each **v**ᵀH**v** from one Hessian-vector product by Pearlmutter's
# double backward. Training computes the same numbers with the forward pass described above (in
# the package's engine, which the tests check against this code):
#
# ```{glue:md} code_l4
# :format: myst
# ```
#
# Below, each term is evaluated on real D1 images; Hutchinson's estimate is checked against the
# exact trace of a model small enough to form its Hessian; and the growth methods are built and
# compared with the teacher.

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (a few minutes), "quick" (full data, short schedules) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import extension
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(extension.page(rep))

# %% [markdown]
# ## The loss terms on real data
#
# For the teacher of seed {glue:text}`seed`, three students that have not been trained yet are
# scored on {glue:text}`n_images` D1 validation images. Hutchinson's estimate uses
# {glue:text}`n_probes` probe vectors; its standard error is shown.
#
# ```{glue} term_table
# ```
#
# The padded students carry the teacher exactly in their top-left blocks, so their L2 is
# {glue:text}`l2_uniform_pad:.1f`, while a fresh student starts at {glue:text}`l2_xavier:.1f`.
# {glue:md}`l2_sentence`
#
# ## Hutchinson's estimate against the exact trace
#
# A model with a Hessian small enough to form: images average-pooled to
# {glue:text}`small_side`×{glue:text}`small_side`, hidden layers {glue:md}`small_blocks`,
# {glue:text}`small_params` parameters. Its exact trace comes from
# `torch.autograd.functional.hessian`; the estimate is the running mean of **v**ᵀH**v** over
# Rademacher probes.
#
# ```{glue:figure} hutchinson_fig
# :name: fig-hutchinson
#
# Hutchinson's estimate converges to the exact trace. After {glue:text}`small_probes` probes it
# reads {glue:text}`hutchinson_estimate:.4f` ± {glue:text}`hutchinson_se:.4f` against the exact
# {glue:text}`exact_trace:.4f`, {glue:text}`hutchinson_z:.1f` standard errors apart.
# ```
#
# During pre-training {glue:text}`set_n_probes` probe per batch is used: noisy, but unbiased, and
# the noise averages out over the many batches of an epoch. The authors' code draws **v** from
# U[0, 1) instead, which does not estimate the trace: since E[**vv**ᵀ] = I/12 + **11**ᵀ/4, its mean
# is tr H / 12 + **1**ᵀH**1** / 4. The `authors` mode reproduces that choice.
#
# ## The initialisations
#
# 1. **Xavier**: PyTorch's default initialisation of every layer, U[−1/√n, 1/√n] with n the
#    layer's input count {cite}`glorot2010understanding`. The teacher is not used.
# 2. **Zero pad**: each teacher layer copied into the top-left block of the student's, zeros
#    elsewhere.
# 3. **Uniform pad**: the same copy, with the default random values elsewhere.
# 4. **Transfer learning**: following the authors' code, a network of the *teacher's* size
#    keeps the teacher's hidden layers and gets a fresh output layer; for the first
#    {glue:text}`set_head_only_epochs` epochs on D2 only that output layer learns
#    {cite}`zhuang2019comprehensive`.
# 5. **Net2Net**: every hidden layer is widened with net2wider {cite}`chen2015net2net`: each new
#    unit copies a randomly chosen teacher unit, and the outgoing weights of all copies of a unit
#    are divided by the number of copies.
# 6. **With data noise**: a fresh student pre-trained on D1 with {glue:md}`data_noise_lambdas`.
# 7. **Anti-Distillation, λ4 = 0**: pre-trained on D1 with λ1–λ3 from the search of
#    {doc}`04_lambda_search`.
# 8. **Anti-Distillation**: the same with all four λ searched.
#
# The copies of methods 2–5, as the package makes them. Zero pad writes the teacher into a
# zeroed student (uniform pad into a default-initialised one); transfer keeps the teacher's hidden
# layers; Net2Net picks a teacher unit for every new unit, then divides the outgoing weights of
# each unit's copies by their number:
#
# ```{glue:md} code_pad
# :format: myst
# ```
#
# ```{glue:md} code_transfer
# :format: myst
# ```
#
# ```{glue:md} code_net2net
# :format: myst
# ```
#
# Methods 2 and 5 are *function preserving*: before any training the student computes exactly
# the teacher's logits. The table checks this on real validation images for the methods that need
# no optimisation; methods 6–8 are optimisation problems solved in the next chapters.
#
# ```{glue} preservation
# ```
#
# Zero pad and Net2Net reproduce the teacher's logits to within {glue:text}`gap_zero_pad:.1e` and
# {glue:text}`gap_net2net:.1e` (float32 rounding), while uniform pad's random extra units move
# them by up to {glue:text}`gap_uniform_pad:.2f`. On D2 the teacher itself scores
# {glue:text}`teacher_d2_acc:.3f`: it has never seen the other five classes.
#
# Function preservation has a price the paper does not discuss. A zero-padded unit has zero input
# weights, so its ReLU input is exactly 0 and no gradient ever reaches it; Net2Net's copies of
# one unit receive identical gradients and stay identical unless noise is added. Both students
# should therefore *remain teacher-sized networks for the whole training*; {doc}`05_experiment`
# counts the live units of every trained student to check it.
