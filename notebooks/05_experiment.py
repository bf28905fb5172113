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
# # 5. Computational experiment
#
# Every initialisation is trained on D2 from every seed's teacher with Adam, learning rate 10⁻³,
# batches of 256 (10 epochs in the `paper` profile). Methods 6–8 first pre-train on D1 for
# 15 epochs (learning rate 5·10⁻³, multiplied by 0.85 after every epoch) with their λ. Runs are
# saved one file each and reused, so this page only computes what is missing.

# %% tags=["parameters", "hide-input"]
mode = "paper"
profile = "quick"
seeds = None
device = "auto"
results_dir = "results"

# %%
from antidistill.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir)
print(rep.describe())

# %%
import pandas as pd
from antidistill.paste import glue

from antidistill import figures
from antidistill.models import STUDENT_BLOCKS, TEACHER_BLOCKS
from antidistill.results import history_frame, runs_frame, summarise

results = rep.run()
runs = runs_frame(results)
history = history_frame(results)
stats = summarise(runs)
glue("n_runs", len(runs))
glue("n_seeds", len(rep.seeds))
glue("student_epochs", int(history["epoch"].max()))
glue("fig1", figures.accuracy_per_epoch(history))

# %% [markdown]
# ```{glue:figure} fig1
# :name: fig-1
#
# Validation accuracy on D2 after each epoch, mean ± standard deviation over
# {glue:text}`n_seeds` seeds ({glue:text}`n_runs` runs). Epoch 0 is the student as initialised,
# before any D2 training. (The paper's Figure 1.)
# ```

# %%
start = history[history.epoch == 0].groupby("label", observed=True)["val_acc"].mean()
end = stats.rename(index=lambda m: runs.loc[runs.method == m, "label"].iloc[0])
overview = pd.DataFrame({
    "accuracy at epoch 0": start,
    "final accuracy": end["val_acc_mean"],
    "std over seeds": end["val_acc_std"],
    "mean run time (s)": runs.groupby("label", observed=True)["wall_time_s"].mean().round(1),
})
best = overview["final accuracy"].idxmax()
worst = overview["final accuracy"].idxmin()
glue("best_method", best)
glue("best_acc", overview.loc[best, "final accuracy"])
glue("worst_method", worst)
glue("worst_acc", overview.loc[worst, "final accuracy"])
glue("xavier_acc", overview.loc["Xavier", "final accuracy"])
glue("ad_acc", overview.loc["Anti-Distillation", "final accuracy"])
glue("xavier_start", overview.loc["Xavier", "accuracy at epoch 0"])
glue("zero_pad_start", overview.loc["Zero Pad", "accuracy at epoch 0"])
overview

# %% [markdown]
# After the last epoch the most accurate initialisation is {glue:md}`best_method`
# ({glue:text}`best_acc:.3f`) and the least accurate {glue:md}`worst_method`
# ({glue:text}`worst_acc:.3f`); the random Xavier start ends at {glue:text}`xavier_acc:.3f` and
# full Anti-Distillation at {glue:text}`ad_acc:.3f`. The epoch-0 column shows the head start: a
# zero-padded student begins at its teacher's D2 accuracy, {glue:text}`zero_pad_start:.3f` (the
# teacher knows half of the classes), a random one at {glue:text}`xavier_start:.3f`.
#
# ## How much of the student is used?
#
# Page 3 argued that zero pad and Net2Net cannot grow beyond the teacher's width during
# training. The table counts, for every trained student, the distinct live units of each hidden
# layer (units whose weights are all zero are dead; units with identical weights count once).
# The student has {glue:md}`student_widths` units, the teacher {glue:md}`teacher_widths`.

# %%
glue("student_widths", str(list(STUDENT_BLOCKS)))
glue("teacher_widths", str(list(TEACHER_BLOCKS)))
widths = pd.DataFrame([{"initialisation": r["label"], "seed": r["seed"],
                        **{f"layer {i + 1}": w for i, w in enumerate(r["effective_widths"])}} for r in results])
width_table = widths.groupby("initialisation", sort=False).mean(numeric_only=True).drop(columns="seed")

def verdict(label: str) -> str:
    widths = width_table.loc[label].tolist()
    shown = [int(w) if float(w).is_integer() else round(w, 1) for w in widths]
    same = widths == list(TEACHER_BLOCKS)
    return f"{shown} distinct live units on average (" + ("exactly the teacher's widths)" if same else
                                                           "not the teacher's widths)")


glue("zero_pad_widths", verdict("Zero Pad"))
glue("net2net_widths", verdict("Net2Net"))
width_table

# %% [markdown]
# After training, zero pad students have {glue:md}`zero_pad_widths`, Net2Net students
# {glue:md}`net2net_widths`. As argued on page 3, neither can leave the teacher's width:
# whatever they gain over a random start comes from the teacher's knowledge, not from the
# student's extra capacity, and their accuracy is that of a teacher-sized network fine-tuned on
# D2. The transfer-learning model is teacher-sized by construction. Only students that start
# with random values in the extra units (Xavier, uniform pad and the pre-trained methods) can use
# all of them.

# %% [markdown]
# ## What the D1 pre-training produced
#
# Methods 6–8 start D2 training from the end of their pre-training on D1. The table shows, at the
# end of pre-training, the students' D1 validation accuracy and the mean of each loss term over
# the last epoch, averaged over seeds.

# %%
pretrained = [r for r in results if r["pretrain_history"]]
pre = history_frame(pretrained, key="pretrain_history")
last = pre[pre.epoch == pre.epoch.max()]
columns = {"val_acc": "D1 accuracy", "train_ce": "CE", "train_l2": "L2", "train_l3": "L3", "train_l4": "L4"}
pre_table = last.groupby("label", observed=True)[[c for c in columns if c in last]].mean().rename(columns=columns)
full = pre[pre.method == "antidistill"]
negative = full.dropna(subset=["train_l4"]).groupby("seed")["train_l4"].min().lt(0)
glue("pre_acc_noise", pre_table.loc["With Data Noise", "D1 accuracy"])
glue("pre_acc_l4_0", pre_table.loc["Anti-Distillation, λ4 = 0", "D1 accuracy"])
glue("pre_acc_full", pre_table.loc["Anti-Distillation", "D1 accuracy"])
glue("pre_negative", int(negative.sum()))
glue("pre_full_runs", int(len(negative)))
glue("ad_start", overview.loc["Anti-Distillation", "accuracy at epoch 0"])
pre_table

# %% [markdown]
# After pre-training, the D1 validation accuracy is {glue:text}`pre_acc_noise:.3f` with data
# noise, {glue:text}`pre_acc_l4_0:.3f` for Anti-Distillation with λ4 = 0 and
# {glue:text}`pre_acc_full:.3f` for full Anti-Distillation (a random guess among five classes
# scores 0.2), which then starts D2 training at {glue:text}`ad_start:.3f`.
# In {glue:text}`pre_negative` of the {glue:text}`pre_full_runs` full Anti-Distillation runs the
# Hessian-trace term, averaged over an epoch, went negative. The paper treats L4 as a penalty,
# but for a network with more than one layer the Hessian of the cross-entropy is not positive
# semi-definite: its trace has no lower bound, and minimising it can pull the weights towards
# regions of negative curvature instead of towards a model that fits D1. The authors' code takes
# |**v**ᵀH**v**| (and divides it by 10⁴), which keeps the term non-negative (`authors` mode).
