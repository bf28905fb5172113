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
# # 3. Teacher model extension
#
# The student has more parameters than the teacher, so a map φ from the teacher's parameters
# **u** to the student's initial parameters **w** is needed. Anti-Distillation defines φ(**u**)
# as the minimiser of a weighted sum of four losses over the student's parameters:
#
# > **L**(**w**) = λ₁·CE(**w**, D1) + λ₂·‖**u** − Pr[**w**]‖² + λ₃·E<sub>x′ ~ U[x − δ, x + δ]</sub> CE(**w**, x′, y) + λ₄·tr(∂²CE / ∂**w**²),   with every λᵢ ≥ 0.
#
# - the **cross-entropy** on D1 keeps the student good at the teacher's task;
# - **L2** pulls the teacher-shaped corner of each student layer, Pr[**w**], towards the teacher:
#   the first 128 units of the first layer, the first 64 of the second, and so on;
# - **L3** is the cross-entropy on images jittered uniformly by at most δ = 0.05 per pixel,
#   asking for robustness to small input noise;
# - **L4** is the trace of the Hessian of the cross-entropy: a flat minimum changes little when
#   the weights move {cite}`yao2020pyhessian,chen2020stabilizing`. Forming the Hessian of a
#   quarter of a million parameters is out of the question, so the trace is estimated with
#   Hutchinson's method {cite}`bai1996some`: for random vectors **v** with independent ±1 entries,
#   E[**v**ᵀH**v**] = tr H, and H**v** costs one extra backward pass {cite}`pearlmutter1994fast`.
#
# Below, each term is evaluated on real D1 images; Hutchinson's estimate is checked against the
# exact trace of a model small enough to form its Hessian; and the eight growth methods are built
# and compared with the teacher.

# %% tags=["parameters", "hide-input"]
mode = "paper"
profile = "quick"
seeds = None
device = "auto"
results_dir = "results"

# %%
from antidistill.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
print(rep.describe())

# %%
import math

import pandas as pd
import torch
from antidistill.paste import glue

from antidistill import losses
from antidistill.data import C1
from antidistill.growth import METHODS
from antidistill.models import MLP, StackedMLP
from antidistill.protocol import protocol_for

protocol = protocol_for(rep.mode)
seed = rep.seeds[0]
teacher, _ = rep.teacher(seed)
data = rep.data()
d1 = data.d1()
x, y = d1.test.x[:1000], d1.test.y[:1000]
mask = losses.ClassMask(C1, protocol.mask)


def grown(name: str):
    return rep.grow(name, seed).student.cpu()


# %% [markdown]
# ## The loss terms on real data
#
# For the seed-0 teacher, three students that have not been trained yet are scored on 1000 D1
# validation images. Hutchinson's estimate uses 32 probe vectors; its standard error is shown.

# %%
def terms(student, n_probes: int = 32) -> dict:
    gen = torch.Generator().manual_seed(0)
    draws = losses.hutchinson_draws(student, x, y, mask, n_probes, gen)
    stack = StackedMLP.stack([student])
    return {
        "CE on D1": float(mask.ce(student(x), y)),
        "L2 = ‖u − Pr[w]‖²": float(losses.projection_distance(stack, StackedMLP.stack([teacher]))),
        "L3 (noisy-input CE)": float(losses.noisy_input_ce(stack, x[None], y[None], mask, 0.05, [gen])),
        "L4 ≈ tr H": float(draws.mean()),
        "L4 standard error": float(draws.std() / math.sqrt(n_probes)),
    }


term_table = pd.DataFrame({name: terms(grown(name)) for name in ("xavier", "uniform_pad", "zero_pad")}).T
glue("l2_uniform_pad", term_table.loc["uniform_pad", "L2 = ‖u − Pr[w]‖²"])
glue("l2_xavier", term_table.loc["xavier", "L2 = ‖u − Pr[w]‖²"])
term_table

# %% [markdown]
# The padded students carry the teacher exactly in their top-left blocks, so their L2 is
# {glue:text}`l2_uniform_pad:.1f`, while a fresh student starts at {glue:text}`l2_xavier:.1f`.
# With λ ∈ [0, 1] as the search allows, the squared distance dominates the sum at first: the
# Anti-Distillation pre-training spends its early epochs pulling the student's corner onto the
# teacher.

# %% [markdown]
# ## Hutchinson's estimate against the exact trace
#
# A model with a Hessian small enough to form: images average-pooled to 7×7, hidden layers
# [8, 6], {glue:text}`small_params` parameters. Its exact trace comes from `torch.autograd.functional.hessian`; the
# estimate is the running mean of **v**ᵀH**v** over Rademacher probes.

# %%
small_x = torch.nn.functional.avg_pool2d(x[:256, None].double(), 4).squeeze(1)
small = MLP((8, 6), n_inputs=49, generator=torch.Generator().manual_seed(0)).double()
exact = losses.exact_hessian_trace(small, small_x, y[:256], mask)
params = list(small.parameters())
draws = losses.hutchinson_draws(small, small_x, y[:256], mask, 500, torch.Generator().manual_seed(1))
n = torch.arange(1, len(draws) + 1)
running = draws.cumsum(0) / n
se = draws.std() / n.sqrt()
glue("small_params", sum(p.numel() for p in params))
glue("exact_trace", exact)
glue("hutchinson_500", float(running[-1]))
glue("hutchinson_se", float(se[-1]))
glue("hutchinson_z", abs(float(running[-1]) - exact) / float(se[-1]))

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 3.5))
ax.plot(n, running, label="running mean of vᵀHv")
ax.fill_between(n, running - 2 * se, running + 2 * se, alpha=0.25, label="± 2 standard errors")
ax.axhline(exact, color="black", linestyle="--", label="exact trace")
ax.set(xlabel="probe vectors", ylabel="trace estimate", xscale="log",
       title=f"Hutchinson's estimator on a {sum(p.numel() for p in params)}-parameter MLP")
ax.legend()
fig.tight_layout()
plt.close(fig)
glue("hutchinson_fig", fig)

# %% [markdown]
# ```{glue:figure} hutchinson_fig
# :name: fig-hutchinson
#
# Hutchinson's estimate converges to the exact trace. After 500 probes it reads
# {glue:text}`hutchinson_500:.4f` ± {glue:text}`hutchinson_se:.4f` against the exact
# {glue:text}`exact_trace:.4f`, {glue:text}`hutchinson_z:.1f` standard errors apart.
# ```
#
# During pre-training a single probe per batch is used: noisy, but unbiased, and the noise
# averages out over the many batches of an epoch. The authors' code draws **v** from U[0, 1)
# instead, which does not estimate the trace: since E[**vv**ᵀ] = I/12 + **11**ᵀ/4, its mean is
# tr H / 12 + **1**ᵀH**1** / 4. The `authors` mode reproduces that choice.

# %% [markdown]
# ## The eight initialisations
#
# 1. **Xavier**: PyTorch's default initialisation of every layer, U[−1/√n, 1/√n] with n the
#    layer's input count {cite}`glorot2010understanding`. The teacher is not used.
# 2. **Zero pad**: each teacher layer copied into the top-left block of the student's, zeros
#    elsewhere.
# 3. **Uniform pad**: the same copy, with the default random values elsewhere.
# 4. **Transfer learning**: following the authors' code, a network of the *teacher's* size
#    keeps the teacher's hidden layers and gets a fresh output layer; for the first three epochs
#    on D2 only that output layer learns {cite}`zhuang2019comprehensive`.
# 5. **Net2Net**: every hidden layer is widened with net2wider {cite}`chen2015net2net`: each new
#    unit copies a randomly chosen teacher unit, and the outgoing weights of all copies of a unit
#    are divided by the number of copies.
# 6. **With data noise**: a fresh student pre-trained on D1 with λ1 = λ3 = 1, λ2 = λ4 = 0.
# 7. **Anti-Distillation, λ4 = 0**: pre-trained on D1 with λ1–λ3 from the search of the next page.
# 8. **Anti-Distillation**: the same with all four λ searched.
#
# Methods 2 and 5 are *function preserving*: before any training the student computes exactly
# the teacher's logits. The table checks this on 1000 real validation images (D1) for the methods
# that need no optimisation; methods 6–8 are optimisation problems solved on the next pages.

# %%
everything = losses.ClassMask()
rows = {}
with torch.no_grad():
    t_logits = teacher(data.test.x)
    for name in ("xavier", "zero_pad", "uniform_pad", "transfer", "net2net"):
        student = grown(name)
        s_logits = student(data.test.x)
        rows[METHODS[name].label] = {
            "max |student − teacher| logit": float((s_logits - t_logits).abs().max()),
            "D1 accuracy (classes 0–4)": float(mask.correct(student(x), y)) / len(y),
            "D2 accuracy before training": float(everything.correct(s_logits, data.test.y)) / len(data.test),
            "parameters": sum(p.numel() for p in student.parameters()),
        }
preservation = pd.DataFrame(rows).T
glue("gap_zero_pad", preservation.loc["Zero Pad", "max |student − teacher| logit"])
glue("gap_net2net", preservation.loc["Net2Net", "max |student − teacher| logit"])
glue("gap_uniform_pad", preservation.loc["Uniform Pad", "max |student − teacher| logit"])
glue("teacher_d2_acc", float(everything.correct(t_logits, data.test.y)) / len(data.test))
preservation

# %% [markdown]
# Zero pad and Net2Net reproduce the teacher's logits to within {glue:text}`gap_zero_pad:.1e` and
# {glue:text}`gap_net2net:.1e` (float32 rounding), while uniform pad's random extra units move
# them by up to {glue:text}`gap_uniform_pad:.2f`. On D2 the teacher itself scores
# {glue:text}`teacher_d2_acc:.3f`: it has never seen classes 5–9.
#
# Function preservation has a price the paper does not discuss. A zero-padded unit has zero input
# weights, so its ReLU input is exactly 0 and no gradient ever reaches it; Net2Net's copies of
# one unit receive identical gradients and stay identical unless noise is added. Both students
# therefore *remain teacher-sized networks for the whole training*. Page 5 measures this on every
# trained student.
