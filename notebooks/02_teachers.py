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
# # 2. Teachers
#
# Each seed gets its own teacher: a [128, 64, 32] network trained on D1 with Adam
# {cite}`kingma2014adam`, learning rate 10⁻² divided by ten after epoch 10, for 30 epochs in the
# `paper` profile (shorter schedules in `quick` and `smoke`). The logits of classes 5–9 are
# masked during this training: in `paper` mode they are left out of the softmax, in `authors`
# mode they are multiplied by zero, as the authors' code does. Teachers are saved in the results
# folder and reused by every later page.

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
import pandas as pd
from antidistill.paste import glue

from antidistill import figures

records = rep.teacher_records(progress=True)
curves = pd.DataFrame([{"seed": seed, **row} for seed, r in records.items() for row in r["history"]])
summary = pd.DataFrame({
    "seed": list(records),
    "D1 validation accuracy": [r["val_acc"] for r in records.values()],
    "epochs": [len(r["history"]) - 1 for r in records.values()],
    "training time (s)": [round(r["wall_time_s"], 1) for r in records.values()],
}).set_index("seed")
accs = summary["D1 validation accuracy"]
glue("teacher_acc_mean", accs.mean())
glue("teacher_acc_std", accs.std(ddof=0))
glue("teacher_acc_min", accs.min())
glue("teacher_acc_max", accs.max())
summary

# %% [markdown]
# Over the seeds the teachers reach a D1 validation accuracy of
# {glue:text}`teacher_acc_mean:.3f` ± {glue:text}`teacher_acc_std:.3f` (from
# {glue:text}`teacher_acc_min:.3f` to {glue:text}`teacher_acc_max:.3f`). A five-class subset is an
# easier problem than the full ten classes, so this is the strong starting point the growth
# methods try to exploit.

# %%
glue("teacher_curves", figures.learning_curves(curves[curves.epoch > 0], "val_acc",
                                                "Teachers: D1 validation accuracy", "validation accuracy"))

# %% [markdown]
# ```{glue:figure} teacher_curves
# :name: fig-teachers
#
# D1 validation accuracy of every teacher after each epoch. The drop of the learning rate
# (after epoch 10 in the full schedule) shows as a step up and a flatter curve.
# ```
