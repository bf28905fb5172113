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
# # 4. Choosing the λ
#
# The four weights of the composite loss are hyperparameters. As in the paper, they are chosen
# with Optuna {cite}`akiba2019optuna` and its TPE sampler, each λ in [0, 1]:
#
# - Anti-Distillation with λ4 = 0 searches λ1, λ2, λ3;
# - full Anti-Distillation searches all four.
#
# A trial pre-trains a student on D1 with the trial's λ, trains it on D2, and scores it by its
# accuracy under the strongest FGSM attack of the grid; the objective is the mean of that score
# over the seeds. The paper's budget is 5 and 10 trials with 10 + 10 epochs each; the `quick` and
# `smoke` profiles shrink it. The study is kept in an SQLite file in the results folder and every
# trial's runs are saved as they finish, so an interrupted search resumes where it stopped.

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
import optuna
import pandas as pd
from antidistill.paste import glue

from antidistill import figures
from antidistill.growth import METHODS
from antidistill.search import N_STARTUP, SEARCHED, run_search, uses_importance

studies, best = {}, {}
for method in SEARCHED:
    best[method] = rep.lambdas(method)
    studies[method] = run_search(rep.search(method), rep.profile.trials(method), rep.store, rep.device,
                                 progress=False)
search = rep.search("antidistill")
glue("search_seeds", ", ".join(map(str, search.search_seeds)))
trial = search.trial_config(search.search_seeds[0], (1.0, 1.0, 1.0, 1.0))
glue("search_pretrain_epochs", trial.growth.pretrain.epochs)
glue("search_student_epochs", trial.student.epochs)
glue("full_lambdas_source", "Optuna's fANOVA parameter importances taken as λ1–λ4 in order of importance, "
     "as the authors' final run did (its best trial is in the table above)" if uses_importance(search)
     else "the best trial")
glue("trials_l4_0", rep.profile.trials("antidistill_l4_0"))
glue("trials_full", rep.profile.trials("antidistill"))
glue("tpe_startup", N_STARTUP)

# %% [markdown]
# In this build each trial pre-trains for {glue:text}`search_pretrain_epochs` epochs and trains
# on D2 for {glue:text}`search_student_epochs` (the schedule of the final runs), on seeds
# {glue:md}`search_seeds`;
# {glue:text}`trials_l4_0` and {glue:text}`trials_full` trials are run.
#
# A detail worth knowing when reading the paper's choice: Optuna's TPE samples its first
# {glue:text}`tpe_startup` trials at random before its model takes over. With a budget of 5 and
# 10 trials, the paper's "Bayesian optimisation" is therefore a random search over [0, 1]⁴.

# %%
def trial_table(study: optuna.Study, method: str) -> pd.DataFrame:
    rows = []
    for t in study.trials:
        if t.state.name != "COMPLETE":
            continue
        row = {"trial": t.number, **{k: round(v, 4) for k, v in t.params.items()}}
        row.update({f"FGSM seed {s}": v for s, v in zip(rep.search(method).search_seeds, t.user_attrs["fgsm_per_seed"])})
        row["objective"] = t.value
        rows.append(row)
    return pd.DataFrame(rows).set_index("trial")


tables = {m: trial_table(studies[m], m) for m in SEARCHED}
for method, lambdas in best.items():
    for i, value in enumerate(lambdas, start=1):
        glue(f"{method}_l{i}", value)
    glue(f"{method}_best", studies[method].best_value)
tables["antidistill_l4_0"]

# %%
tables["antidistill"]

# %% [markdown]
# The final runs use, for λ4 = 0, the best trial's λ and, for full Anti-Distillation,
# {glue:text}`full_lambdas_source`:
#
# - Anti-Distillation, λ4 = 0: λ1 = {glue:text}`antidistill_l4_0_l1:.3f`, λ2 =
#   {glue:text}`antidistill_l4_0_l2:.3f`, λ3 = {glue:text}`antidistill_l4_0_l3:.3f`
#   (objective {glue:text}`antidistill_l4_0_best:.4f`);
# - Anti-Distillation: λ1 = {glue:text}`antidistill_l1:.3f`, λ2 = {glue:text}`antidistill_l2:.3f`,
#   λ3 = {glue:text}`antidistill_l3:.3f`, λ4 = {glue:text}`antidistill_l4:.3f`
#   (objective {glue:text}`antidistill_best:.4f`).
#
# These λ feed the next pages. The paper does not report the values it found.

# %%
for method in SEARCHED:
    history = pd.DataFrame([{"number": t.number, "value": t.value} for t in studies[method].trials])
    glue(f"history_{method}", figures.search_history(history, f"{METHODS[method].label}: optimisation history"))

# %% [markdown]
# ```{glue:figure} history_antidistill_l4_0
# :name: fig-search-l4-0
#
# Objective of each trial (mean FGSM accuracy at the largest ε) and the best value so far, for
# Anti-Distillation with λ4 = 0.
# ```
#
# ```{glue:figure} history_antidistill
# :name: fig-search-full
#
# The same for full Anti-Distillation.
# ```

# %%
def importances(study: optuna.Study) -> pd.DataFrame:
    """fANOVA importances; with very few trials there is nothing to attribute, so all are NaN."""
    names = sorted(study.best_trial.params)
    try:
        scores = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError):
        scores = {}
    return pd.DataFrame({"λ": names, "importance": [scores.get(n, float("nan")) for n in names]})


imp = pd.concat([importances(studies[m]).assign(method=METHODS[m].label) for m in SEARCHED])
glue("importances", figures.bars(imp, "λ", "importance", "Parameter importances (fANOVA)", hue="method"))
imp.pivot(index="λ", columns="method", values="importance")

# %% [markdown]
# ```{glue:figure} importances
# :name: fig-importances
#
# How much of the objective's variation across trials each λ explains (Optuna's fANOVA
# evaluator). With a handful of trials these numbers are rough; they are shown because the paper
# chose its λ this way.
# ```
