"""Page 4, choosing the λ: every trial of each search, the λ the final runs use, history and importances."""

from __future__ import annotations

from typing import Any

import optuna
import pandas as pd

from ...data import VALIDATION_SEED
from ...growth import METHODS
from ...profiles import PROFILES
from ...search import N_STARTUP, SEARCHED, uses_importance
from .. import figures
from . import common

# Below this many finished trials fANOVA has too little to attribute: no importance figure.
MIN_IMPORTANCE_TRIALS = 10


def _greek(name: str) -> str:
    """l1 -> λ1: the axis and column labels the reader knows."""
    return "λ" + name[1:] if name.startswith("l") and name[1:].isdigit() else name


def trial_table(study: optuna.Study, search_seeds: tuple[int, ...]) -> pd.DataFrame:
    """One row per finished trial: its λ, the FGSM accuracy of each seed, the objective."""
    rows = []
    for t in study.trials:
        if t.state.name != "COMPLETE":
            continue
        row = {"trial": t.number, **{_greek(k): round(v, 4) for k, v in t.params.items()}}
        row.update({f"FGSM seed {s}": v for s, v in zip(search_seeds, t.user_attrs["fgsm_per_seed"])})
        row["objective"] = t.value
        per_seed = pd.Series(t.user_attrs["fgsm_per_seed"], dtype=float)
        row["sd over seeds"] = per_seed.std(ddof=1) if len(per_seed) > 1 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows).set_index("trial")


def margin_sentence(table: pd.DataFrame) -> str:
    """The best trial's lead over the runner-up, against the seeds' spread: the standard error of
    the mean paired difference (the two trials ran on the same seeds)."""
    if len(table) < 2:
        return "With one finished trial there is no runner-up to compare with."
    first, second = table.sort_values("objective", ascending=False).index[:2]
    per_seed = [c for c in table.columns if c.startswith("FGSM seed")]
    diff = table.loc[first, per_seed].astype(float) - table.loc[second, per_seed].astype(float)
    lead = float(diff.mean())
    if len(per_seed) < 2:
        return (
            f"The best trial ({first}) leads the runner-up ({second}) by {lead:.4f} on one seed, "
            "which gives no spread to compare the lead with."
        )
    se = float(diff.std(ddof=1)) / len(per_seed) ** 0.5
    verdict = (
        "more than twice that, so the seeds do separate the two"
        if lead > 2 * se
        else "within twice that, so the seeds cannot tell the two apart"
    )
    return (
        f"The best trial ({first}) leads the runner-up ({second}) by {lead:.4f} in mean FGSM accuracy; "
        f"the standard error of that lead over the {len(per_seed)} seeds (paired: both ran on the same "
        f"seeds) is {se:.4f}: {verdict}."
    )


def search_data_sentence(trial) -> str:
    """Which data scored the trials, from a trial's config."""
    if trial.protocol.search_split == "validation":
        return (
            f"a validation split of {trial.data.validation} images held out of the training set (the same "
            f"images for every trial and seed, drawn once from seed {VALIDATION_SEED}), never trained on during "
            "the search; the final runs then train on the whole training set, and Table I reports on the "
            "test split, which the search never saw"
        )
    return (
        "the test split, the very images Table I reports on, with the seeds Table I reports (the authors' "
        "choice): a searched row's FGSM mean is then the best of its trials' draws of that very number"
    )


def importances(study: optuna.Study) -> pd.DataFrame:
    """fANOVA importances of each λ (NaN where none can be computed)."""
    names = sorted(study.best_trial.params)
    try:
        scores = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError):
        scores = {}
    return pd.DataFrame({"λ": [_greek(n) for n in names], "importance": [scores.get(n, float("nan")) for n in names]})


def page(rep) -> dict[str, Any]:
    values: dict[str, Any] = {**common(rep)}
    paper = PROFILES["paper"]
    finished, studies = {}, {}
    for method in SEARCHED:
        lambdas = rep.lambdas(method)  # runs the missing trials
        study = studies[method] = rep.study(method)
        search = rep.search(method)
        table = trial_table(study, search.search_seeds)
        finished[method] = len(table)
        values[f"trials_table_{method}"] = table
        values[f"searched_{method}"] = ", ".join(_greek(n) for n in SEARCHED[method])
        values[f"paper_trials_{method}"] = paper.trials(method)
        for i, value in enumerate(lambdas, start=1):
            values[f"{method}_l{i}"] = value
        values[f"{method}_best"] = study.best_value
        values[f"margin_{method}"] = margin_sentence(table)
        history = pd.DataFrame([{"number": t.number, "value": t.value} for t in study.trials])
        values[f"history_{method}"] = figures.search_history(history, f"{METHODS[method].label}: optimisation history")
    search = rep.search("antidistill")
    trial = search.trial_config(search.search_seeds[0], (1.0, 1.0, 1.0, 1.0))
    values.update(
        {
            "search_seeds": ", ".join(map(str, search.search_seeds)),
            "search_pretrain_epochs": trial.growth.pretrain.epochs,
            "search_student_epochs": trial.student.epochs,
            "search_data": search_data_sentence(trial),
            "full_lambdas_source": (
                "Optuna's fANOVA parameter importances taken as λ1–λ4 in order of importance, "
                "as the authors' final run did (its best trial is in the table above)"
                if uses_importance(search)
                else "the best trial"
            ),
            "tpe_startup": N_STARTUP,
        }
    )
    budget = " and ".join(str(paper.trials(m)) for m in SEARCHED)
    values["random_start"] = (
        f"With the paper's budget of {budget} trials, every one of its trials falls in that random start, so its "
        '"Bayesian optimisation" is a random search over [0, 1]⁴.'
        if all(paper.trials(m) <= N_STARTUP for m in SEARCHED)
        else f"The paper's budget of {budget} trials goes beyond that random start, so TPE's model does shape its later trials."
    )
    # The figure block is glued whole: a figure where importances were computed, else the
    # sentence saying why there is none (a figure directive would show a caption over nothing).
    if min(finished.values()) >= MIN_IMPORTANCE_TRIALS:
        imp = pd.concat([importances(studies[m]).assign(method=METHODS[m].label) for m in SEARCHED])
        values["importances"] = figures.bars(imp, "λ", "importance", "Parameter importances (fANOVA)", hue="method")
        values["importances_block"] = (
            "```{glue:figure} importances\n:name: fig-importances\n\n"
            "How much of the objective's variation across trials each λ explains (Optuna's fANOVA evaluator).\n```"
        )
    else:
        values["importances_block"] = (
            f"No importance figure: the searches finished {min(finished.values())} to {max(finished.values())} "
            f"trials, and with fewer than {MIN_IMPORTANCE_TRIALS} fANOVA has too few points to attribute the "
            "objective's variation to the λ (its numbers would be noise)."
        )
    return values
