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
# (table-one)=
# # Table I
#
# For each initialisation: the validation accuracy after D2 training, the accuracy under the
# strongest FGSM attack (ε = {glue:text}`set_fgsm_eps_max`) and the accuracy with the strongest
# weight noise (ε = {glue:text}`set_noise_eps_max`), as mean ± standard deviation over seeds
# (population standard deviation, as in the paper). Beside each, the value the paper reports in
# its Table I {cite}`petrushina-antidistillation`, labelled *paper (reported)*, and Δ, the
# difference of the means (this build minus the paper).

# %% tags=["parameters", "remove-input"]
mode = "paper"  # "paper": the protocol as written; "authors": as the authors' public code runs it
profile = "quick"  # "smoke" (about a minute), "quick" (minutes) or "paper" (the full protocol)
seeds = None  # a list of seeds, or None for the profile's
device = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
results_dir = "results"  # where runs are saved and reused

# %% tags=["remove-cell"]
from antidistill.report.glue import glue_all
from antidistill.report.pages import table_one
from antidistill.report.reproduction import Reproduction

rep = Reproduction.from_parameters(mode, profile, seeds, device, results_dir, executed=In)
glue_all(table_one.page(rep))

# %% [markdown]
# ````{admonition} This build vs the paper's protocol
# ```{glue:md} protocol_box
# :format: myst
# ```
# ````
#
# Table I of this build: {glue:md}`table_mode`. {glue:md}`metric_epochs`
#
# ```{glue} table_one
# ```
#
# Downloads: this build's runs, one row per (method, seed), as {download}`runs.csv
# <downloads/runs.csv>`, and the table above as {download}`table_one.csv <downloads/table_one.csv>`.
#
# How this build compares with the paper, metric by metric:
#
# ```{glue:md} comparison
# :format: myst
# ```
#
# Two cautions for reading the differences. The paper's numbers come from its authors' code,
# whose protocol differs from the text in several places ({ref}`protocol-differences` lists
# them; the `authors` mode of the package follows the code, and a ReLU after the output layer is
# one difference that directly affects accuracy); and the box above says how far this build's
# schedules and search are from the paper's.
