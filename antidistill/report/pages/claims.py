"""Page 8, the claims: the pre-declared analysis, then every claim and Hypothesis 1 judged by it on each set of seeds, and claims.csv."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ...growth import METHODS
from ...reference import load_reference
from .. import figures
from ..analysis import ALPHA, EFFECTS, EQUIVALENT, EXACT_UP_TO, FAILS, HOLDS, MAX_SEEDS, POWER, RESAMPLES, UNDECIDED
from ..claims import ALL, CLAIMS, CONVERGED_WITHIN, HYPOTHESIS, KEYS, SENSITIVITY, claim_frame, claims_table, verdicts
from ..claims import sensitivity as claim_sensitivity
from ..cost import NEGLIGIBLE, NEGLIGIBLE_RANGE, SEVERAL_TASKS, cost_claim, cost_table, d1_epoch_cost
from ..tables import COLLAPSE_THRESHOLD, for_display, p_text
from . import common
from .fresh import seed_range
from .table_one import DOWNLOADS

CLAIMS_CSV = "claims.csv"
# The label of `authors` mode with every row's columns read after the same epoch.
SAME_EPOCH = "authors mode, every row read after epoch {epoch}"
RECORDS = "the authors' records"
FRAGILE = "fragile"


@dataclass(frozen=True)
class SeedSet:
    """One set of seeds the claims are judged on: its label, its session (None when its runs are
    not all computed yet) and how many of its seeds' runs are at hand."""

    label: str
    rep: Any
    done: int
    total: int


def computed_seeds(rep) -> int:
    """How many of ``rep``'s seeds have every run saved (nothing is computed to find out)."""
    configs = rep.configs()
    missing = {c.seed for c in configs if not rep.store.path("runs", c.run_name, c).is_file()}
    return len(rep.seeds) - len(missing)


def seed_sets(rep) -> list[SeedSet]:
    """The reported seeds (the paper's scale), the fresh ones, both pooled, and the declared set
    (``Reproduction.declared``), the last only judged once every one of its runs is saved."""
    fresh, declared = rep.fresh(), rep.declared()
    pooled = dataclasses.replace(declared, seeds=(*rep.seeds, *fresh.seeds))
    sets = [
        SeedSet(f"seeds {seed_range(rep.seeds)}", rep, len(rep.seeds), len(rep.seeds)),
        SeedSet(f"fresh seeds {seed_range(fresh.seeds)}", fresh, len(fresh.seeds), len(fresh.seeds)),
    ]
    if declared.seeds != pooled.seeds:
        sets.append(SeedSet(f"seeds {seed_range(pooled.seeds)}", pooled, len(pooled.seeds), len(pooled.seeds)))
    done = min(computed_seeds(declared.of_mode(m)) for m in rep.modes())
    total = len(declared.seeds)
    sets.append(
        SeedSet(f"declared seeds {seed_range(declared.seeds)}", declared if done == total else None, done, total)
    )
    return sets


def headline(sets: list[SeedSet]) -> SeedSet:
    """The set the verdicts are stated on: the declared seeds once all are computed, else the
    largest set at hand."""
    return sets[-1] if sets[-1].rep is not None else sets[-2]


def record_runs(records: dict[str, Any], epochs: int) -> list[dict[str, Any]]:
    """The authors' recorded runs shaped as ours for ``claims_table``: accuracy read after
    ``epochs`` (Table I's reading), FGSM and weight noise at their largest ε, the accuracy history."""
    out = []
    for method, row in records["rows"].items():
        for run in row["seeds"]:
            history = [{"epoch": e + 1, "val_acc": a} for e, a in enumerate(run["val_acc"])]
            read = min(epochs, len(history))
            out.append(
                {
                    "method": method,
                    "label": METHODS[method].label,
                    "seed": run["seed"],
                    "mode": "authors",
                    "val_acc": history[read - 1]["val_acc"],
                    "metric_epochs": {"val_acc": read},
                    "history": history,
                    "fgsm": {"eps": records["fgsm_eps"], "acc": run["fgsm"]},
                    "weight_noise": {"eps": records["noise_eps"], "acc": run["weight_noise"]},
                    "wall_time_s": math.nan,
                }
            )
    return out


def available_records(rep) -> dict[str, Any] | None:
    """The authors' recorded runs where they are at hand and comparable (the `paper` profile's
    schedules), else None."""
    if rep.profile.name != "paper":
        return None
    try:
        return load_reference()
    except FileNotFoundError:
        return None


def records_sentence(rep) -> str:
    records = available_records(rep)
    if records is None:
        return (
            "The column of the authors' records is empty in this build: their recorded runs are not beside "
            "this checkout, or this profile's shortened schedules are not theirs."
        )
    n = len(next(iter(records["rows"].values()))["seeds"])
    epochs = rep.profile.config("xavier", rep.seeds[0], "authors").student.epochs
    return (
        f"The last column judges the authors' own recorded runs ({n} seeds per row, from "
        f"{records['source']['repository']} at commit {records['source']['commit'][:12]}) by the same rules, "
        f"their accuracy read after the paper's {epochs} epochs."
    )


def judged_runs(r, label: str) -> pd.DataFrame:
    """Every claim's comparisons on the runs of one session ``r`` (its mode and seeds), labelled."""
    return claims_table(claim_frame(r.run(progress=False), d1_epoch_cost=d1_epoch_cost(r)), label)


def judged_same_epoch(rep) -> pd.DataFrame:
    """`authors` mode with every row read after the same epoch (``Reproduction.same_epoch``)."""
    same = rep.same_epoch()
    return claims_table(
        claim_frame(same, d1_epoch_cost=d1_epoch_cost(rep.of_mode("authors"))),
        SAME_EPOCH.format(epoch=same[0]["metric_epochs"]["fgsm"]),
    )


def judged_records(rep) -> pd.DataFrame | None:
    """The authors' own recorded runs judged by the same rules (None where they are not at hand)."""
    records = available_records(rep)
    if records is None:
        return None
    epochs = rep.profile.config("xavier", rep.seeds[0], "authors").student.epochs
    return claims_table(record_runs(records, epochs), RECORDS)


def judged_sets(rep, sets: list[SeedSet]) -> pd.DataFrame:
    """Every claim's comparisons on every set at hand, both modes (a ``seeds`` column), with
    `authors` mode read after the same epoch (reported seeds) and the authors' records beside."""
    tables = [
        judged_runs(s.rep.of_mode(mode), f"{mode} mode").assign(seeds=s.label)
        for s in sets
        if s.rep is not None
        for mode in rep.modes()
    ]
    tables.append(judged_same_epoch(rep).assign(seeds=sets[0].label))
    records = judged_records(rep)
    if records is not None:
        tables.append(records.assign(seeds=RECORDS))
    for s in sets:
        if s.rep is not None:
            tables += [pd.DataFrame(cost_claim(s.rep.of_mode(m))).assign(seeds=s.label) for m in rep.modes()]
    return pd.concat(tables, ignore_index=True)


def sensitivity_table(rep, best: SeedSet) -> pd.DataFrame:
    """Each verdict on the headline set with each threshold varied alone (``claims.SENSITIVITY``,
    and (f)'s cost ratio over ``NEGLIGIBLE_RANGE``)."""
    tables = []
    for mode in rep.modes():
        r = best.rep.of_mode(mode)
        tables.append(claim_sensitivity(r.run(progress=False), f"{mode} mode", d1_epoch_cost(r)))
        declared = {(row["claim"], row["methods"]): row["verdict"] for row in cost_claim(r)}
        for value in NEGLIGIBLE_RANGE:
            tables.append(
                pd.DataFrame(
                    [
                        {
                            "mode": row["mode"],
                            "claim": row["claim"],
                            "methods": row["methods"],
                            "threshold": "cost ratio of (f)",
                            "value": value,
                            "verdict": row["verdict"],
                            "declared": declared[(row["claim"], row["methods"])],
                        }
                        for row in cost_claim(r, value)
                    ]
                )
                .drop_duplicates()
                .pipe(lambda t: t.assign(changed=t["verdict"] != t["declared"]))
            )
    return pd.concat(tables, ignore_index=True)


def fragile(judged: pd.DataFrame, sensitive: pd.DataFrame, sets: list[SeedSet]) -> set[tuple[str, str, str]]:
    """The (mode, claim, methods) whose verdict changes with a threshold (on the headline set) or
    between the reported and the fresh seeds."""
    out = {tuple(k) for k in sensitive[sensitive["changed"]][KEYS].itertuples(index=False)}
    first, second = (verdicts(judged[judged["seeds"] == s.label])["verdict"] for s in sets[:2])
    out |= {k for k in first.index.intersection(second.index) if first[k] != second[k]}
    return out


# Each claim by a short name (its full text is stated on the claims page).
SHORT = {
    "a": "(a) Anti-Distillation most accurate, least spread",
    "b": "(b) Anti-Distillation most robust to FGSM",
    "c": "(c) λ4 = 0 most robust to weight noise",
    "d": "(d) Xavier not the most accurate",
    "e": "(e) Anti-Distillation converges first",
    "f (amortised)": "(f) growing costs little, shared over tasks",
    "H1 (λ searched)": "Hypothesis 1, λ searched",
    "H1 (λ4 = 0)": "Hypothesis 1, λ4 = 0",
    "f": "(f) growing costs little, for one task",
}
# The claims at a glance: (f) as the paper argues it.
GLANCE_CLAIMS = [c for c in SHORT if c != "f"]


def claim_name(key: str) -> str:
    """A claim's key as the pages print it: "(a)", "(f, amortised)", "H1 (λ4 = 0):"."""
    if key.startswith("H1"):
        return f"{key}:"
    return "(" + key.replace(" (", ", ").rstrip(")") + ")"


def matrix(judged: pd.DataFrame, sets: list[SeedSet], fragile_keys: set) -> pd.DataFrame:
    """One row per claim (and reading), mode and methods compared; one column per set of seeds
    (and the authors' records): the verdict, marked where it is fragile."""
    columns = [s.label for s in sets] + [RECORDS]
    rows: dict[tuple, dict[str, str]] = {}
    for (seeds, mode, claim, methods), row in verdicts(judged, ["seeds", *KEYS]).iterrows():
        key = SHORT.get(claim, f"{claim_name(claim)} {row['text']}"), mode, methods
        mark = f" ({FRAGILE})" if (mode, claim, methods) in fragile_keys else ""
        rows.setdefault(key, {})[seeds if seeds != RECORDS else RECORDS] = row["verdict"] + mark
    for s in sets:
        if s.rep is None:
            for (_, mode, _), cells in rows.items():
                if mode.endswith(" mode"):  # the modes the declared seeds are computed in
                    cells.setdefault(s.label, f"{s.done} of {s.total} seeds computed")
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns).fillna("—")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["claim", "mode", "methods compared"])
    return table


def claim_tables(judged: pd.DataFrame, label: str) -> dict[str, pd.DataFrame]:
    """Per claim (and hypothesis): its comparisons on the set ``label``, every mode, compactly:
    the difference with its 95% t interval, the permutation test's Holm p, the TOST p that
    equivalence rests on, the smallest difference detectable with POWER, and the outcome
    (marked where the t-tests would give another). A variance row: the ratio and its bootstrap
    interval. Every other statistic is in claims.csv."""
    out = {}
    shown = judged[(judged["seeds"] == label) & judged["claim"].isin([c.key for c in CLAIMS + HYPOTHESIS])]
    for key, group in shown.groupby("claim", sort=False):
        table = pd.DataFrame(
            {
                "mode": group["mode"],
                "methods": group["methods"],
                "comparison": group["comparison"],
                "difference [95% interval]": [
                    f"{m:.3f} [{lo:.3f}, {hi:.3f}]" if "variance" in c else f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]"
                    for m, lo, hi, c in zip(group["mean difference"], group["low"], group["high"], group["comparison"])
                ],
                "p (Holm)": group["holm p"].map(p_text),
                "TOST p (Holm)": group["tost p"].map(p_text),
                "detectable at 80%": group["detectable"],
                "outcome": [
                    o + (" (t-test: other)" if d else "") for o, d in zip(group["outcome"], group["tests disagree"])
                ],
            }
        )
        out[key] = for_display(table.set_index(["mode", "methods", "comparison"]))
    return out


def glue_name(key: str) -> str:
    """A claim key as a glue name: "H1 (λ4 = 0)" → "claims_cmp_h1_l4_0"."""
    cleaned = key.lower().replace("λ4 = 0", "l4_0").replace("λ searched", "searched")
    return "claims_cmp_" + "".join(ch if ch.isalnum() else "_" for ch in cleaned).strip("_").replace("__", "_")


def needs(judged: pd.DataFrame, label: str) -> pd.DataFrame:
    """The undecided comparisons on the set ``label`` (every claim's all-methods reading, both
    modes), each with the seeds that would decide it at 80% power (``analysis.seeds_needed``)."""
    rows = judged[
        (judged["seeds"] == label)
        & (judged["outcome"] == UNDECIDED)
        & judged["methods"].eq(ALL)
        & judged["seeds needed"].notna()
    ]
    table = rows[["mode", "claim", "comparison", "mean difference", "sd", "effect of interest", "seeds needed"]]
    return table.sort_values("seeds needed", ascending=False)


def declared_n(needed: pd.DataFrame) -> int:
    """The declared number of seeds: what the undecided comparisons need, at most MAX_SEEDS."""
    return int(min(MAX_SEEDS, needed["seeds needed"].max())) if len(needed) else 0


def disagreements(judged: pd.DataFrame, label: str) -> str:
    """Which comparisons, and which verdicts, on the set ``label`` the t-tests (TOST alone for
    equivalence; Pitman–Morgan for a variance) would decide otherwise than the declared tests."""
    here = judged[(judged["seeds"] == label) & judged["claim"].isin([c.key for c in CLAIMS + HYPOTHESIS])]
    rows = here[here["tests disagree"] == True]  # noqa: E712
    if rows.empty:
        return f"On {label}, the t-tests give every comparison the outcome the declared tests give."
    parts = [f"{r['comparison']} in {r['mode']} (claim {r['claim']}, {r['metric']})" for _, r in rows.iterrows()]
    flipped = verdicts(here.assign(verdict=here["verdict by t-tests"]))["verdict"]
    declared = verdicts(here)["verdict"]
    changed = [
        f"{claim_name(claim)} in {mode} ({methods}): {declared[k]} by the declared tests, {flipped[k]} by the t-tests"
        for k in declared.index
        if declared[k] != flipped[k]
        for mode, claim, methods in [k]
    ]
    return (
        f"On {label}, {len(rows)} comparison{'s' if len(rows) > 1 else ''} would get another outcome from the "
        f"t-tests than from the declared tests: {'; '.join(parts)}. "
        + (
            f"That would change {len(changed)} verdict{'s' if len(changed) > 1 else ''}: {'; '.join(changed)}. "
            if changed
            else "No verdict changes with it. "
        )
        + "The verdicts follow the declared tests."
    )


def effects_table() -> pd.DataFrame:
    names = {
        "val_acc": "accuracy",
        "fgsm": "FGSM accuracy",
        "noise": "weight-noise accuracy",
        "epochs": "epochs to the common target (e)",
        "variance": "variance of accuracy (a)",
    }
    return pd.DataFrame(
        [
            {"metric": names[k], "smallest effect of interest": e.size, "unit": e.unit, "why": e.reason}
            for k, e in EFFECTS.items()
            if k in names
        ]
    ).set_index("metric")


def write_claims(table: pd.DataFrame, folder: Path = DOWNLOADS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / CLAIMS_CSV, index=False)


def verdict_counts(judged: pd.DataFrame, label: str) -> str:
    """How many of the paper's claims hold, fail, are equivalent or undecided per mode on the set
    ``label``: one verdict per claim and mode, on all methods, (f) as the paper argues it (shared
    over tasks, what is paid once being the D1 pre-training: its first scope), Hypothesis 1 apart."""
    first = verdicts(judged[judged["seeds"] == label]).reset_index()
    first = first[first["mode"].str.endswith("mode") & ~first["mode"].str.startswith("authors mode, every")]
    first = first[~first["claim"].str.startswith("H1") & (first["claim"] != "f")]
    first = first.groupby(["mode", "claim"], sort=False).head(1)
    return "; ".join(
        f"{mode}: " + ", ".join(f"{n} {v}" for v, n in group["verdict"].value_counts().items())
        for mode, group in first.groupby("mode", sort=False)
    )


def _other(comparison: str) -> str:
    """The method (or, for Hypothesis 1, the metric) a comparison holds its subject against."""
    if comparison.endswith(")") and " − " in comparison and "(" in comparison.split(" − ")[1]:
        return comparison.rsplit("(", 1)[1].rstrip(")")  # Hypothesis 1: the metric
    for sep in (" − ", " / "):
        if sep in comparison:
            return comparison.split(sep, 1)[1].replace(" (variance ratio)", "'s variance")
    return comparison


def reason(rows: pd.DataFrame) -> str:
    """Why one claim reading has its verdict, in one line, from its comparisons (rows of
    ``claims_table``, or of ``cost_claim`` for (f))."""
    first = rows.iloc[0]
    verdict, claim = first["verdict"], first["claim"]
    if claim.startswith("f"):
        worst = rows.loc[rows["mean difference"].idxmax()]
        if claim == "f (amortised)":
            return (
                f"{int(worst['tasks needed'])} tasks before each pays at most {NEGLIGIBLE:.0%} "
                f"(at most {SEVERAL_TASKS} asked)"
            )
        return f"growing adds {worst['mean difference']:.1f}× a from-scratch training"
    hypothesis = claim.startswith("H1")
    by = {o: rows[rows["outcome"] == o] for o in ("better", "worse", "equivalent", "undecided")}

    def against(r) -> str:  # a comparison the subject loses, in words
        if hypothesis:
            return f"worse than Xavier on {_other(r['comparison'])} by {abs(r['mean difference']):.3f} (p {p_text(r['holm p'])})"
        return f"{_other(r['comparison'])} better by {abs(r['mean difference']):.3f} (p {p_text(r['holm p'])})"

    if claim == "d":  # "not best": holds when some method beats Xavier
        if verdict == HOLDS:
            return against(by["worse"].loc[by["worse"]["holm p"].idxmin()])
        if verdict == FAILS:
            return f"Xavier better than all {len(rows)} others"
    if verdict == FAILS:
        return against(by["worse"].loc[by["worse"]["holm p"].idxmin()])
    if verdict == HOLDS:
        r = rows.loc[rows["mean difference"].abs().idxmin()]
        what = "on all 3 metrics" if hypothesis else f"than all {len(rows)} others"
        return (
            f"better {what}; the smallest lead, on {_other(r['comparison'])}, {abs(r['mean difference']):.3f} "
            f"(p {p_text(r['holm p'])})"
        )
    if verdict == EQUIVALENT:
        tied = ", ".join(_other(c) for c in by["equivalent"]["comparison"])
        return f"within the effect of interest of {tied}"
    open_ = by["undecided"]
    if open_.empty:
        return "no comparison decided"
    r = open_.loc[(open_["detectable"] / open_["mean difference"].abs().clip(lower=1e-12)).idxmax()]
    if r["detectable"] != r["detectable"]:  # a variance: no detectable effect computed
        return f"{_other(r['comparison'])}: ratio {r['mean difference']:.2f}, not decided"
    return f"{_other(r['comparison'])}: {r['mean difference']:+.3f}, detectable {r['detectable']:.3f}"


def glance(judged: pd.DataFrame) -> pd.DataFrame:
    """The verdicts at a glance: one row per claim (its all-methods reading, (f) as the paper
    argues it with the D1 pre-training paid once), one column per protocol or source, each cell
    the verdict and its one-line reason (``reason``)."""
    cells: dict[str, dict[str, str]] = {}
    for (column, claim), rows in judged.groupby(["column", "claim"], sort=False):
        if claim not in GLANCE_CLAIMS:
            continue
        rows = rows[rows["methods"] == rows["methods"].iloc[0]]  # the first reading: all methods
        cells.setdefault(claim, {})[column] = f"{rows['verdict'].iloc[0]}: {reason(rows)}"
    columns = list(dict.fromkeys(judged["column"]))
    table = pd.DataFrame.from_dict(cells, orient="index").reindex(
        index=[c for c in GLANCE_CLAIMS if c in cells], columns=columns
    )
    table.index = [SHORT[c] for c in table.index]
    table.index.name = "claim"
    return table.fillna("—")


def glance_table(rep) -> tuple[pd.DataFrame, str]:
    """``glance`` of this build: each mode on the headline seeds, `authors` mode read after the
    same epoch, both modes on the digits (their own seeds and searches) and the authors' records;
    and the verdict counts on the headline seeds (``verdict_counts``)."""
    best = headline(seed_sets(rep))
    tables = []
    for mode in rep.modes():
        r = best.rep.of_mode(mode)
        tables += [
            judged_runs(r, f"{mode} mode").assign(column=f"{mode} mode ({best.label})", seeds=best.label),
            pd.DataFrame(cost_claim(r)).assign(column=f"{mode} mode ({best.label})", seeds=best.label),
        ]
    tables.append(judged_same_epoch(rep).pipe(lambda t: t.assign(column=t["mode"] + f" ({seed_range(rep.seeds)})")))
    for mode in rep.modes():
        on = rep.on("digits").of_mode(mode)
        tables.append(judged_runs(on, f"digits, {mode} mode").assign(column=f"digits, {mode} mode"))
    records = judged_records(rep)
    if records is not None:
        tables.append(records.assign(column=RECORDS))
    judged = pd.concat(tables, ignore_index=True)
    return glance(judged), f"on {best.label}, {verdict_counts(judged, best.label)}"


def page(rep) -> dict[str, Any]:
    sets = seed_sets(rep)
    best = headline(sets)
    judged = judged_sets(rep, sets)
    sensitive = sensitivity_table(rep, best)
    marked = fragile(judged, sensitive, sets)
    judged["fragile"] = [(m, c, k) in marked for m, c, k in zip(judged["mode"], judged["claim"], judged["methods"])]
    write_claims(judged)
    pooled = next((s for s in sets if s.label.startswith("seeds ") and s is not sets[0]), best)
    needed = needs(judged, pooled.label)
    costs = pd.concat(
        {f"{mode} mode": cost_table(rep.of_mode(mode)) for mode in rep.modes()}, names=["mode", "initialisation"]
    )
    amortised = judged[(judged["claim"] == "f (amortised)") & (judged["seeds"] == sets[0].label)]
    changed = sensitive[sensitive["changed"]]
    values = {
        **common(rep),
        "claims_mode": f"`{rep.profile.name}` profile, both modes",
        "claims_alpha": ALPHA,
        "claims_power": f"{POWER:.0%}",
        "claims_exact_up_to": EXACT_UP_TO,
        "claims_resamples": f"{RESAMPLES:,}",
        "claims_max_seeds": MAX_SEEDS,
        "claims_effects": for_display(effects_table()),
        "claims_converged": f"{CONVERGED_WITHIN:.0%}",
        "claims_collapse": f"{COLLAPSE_THRESHOLD:.2f}",
        "claims_negligible": f"{NEGLIGIBLE:.0%}",
        "claims_several": SEVERAL_TASKS,
        "claims_sensitivity_ranges": "; ".join(
            [f"{name}: {', '.join(f'{v:g}' for v in values)}" for name, values in SENSITIVITY.items()]
            + [f"cost ratio of (f): {', '.join(f'{v:.0%}' for v in NEGLIGIBLE_RANGE)}"]
        ),
        "claims_headline": best.label,
        "claims_declared": f"seeds {seed_range(rep.declared().seeds)} ({len(rep.declared().seeds)} seeds)",
        "claims_declared_status": (
            f"all {sets[-1].total} computed: the verdicts below are stated on them"
            if sets[-1].rep is not None
            else f"{sets[-1].done} of {sets[-1].total} computed so far; until all are, the headline is {best.label}, "
            "and the declared verdicts are pending"
        ),
        "claims_matrix": matrix(judged, sets, marked),
        "claims_counts": verdict_counts(judged, best.label),
        "claims_disagree": disagreements(judged, best.label),
        "claims_records": records_sentence(rep),
        "claims_needed": for_display(needed.set_index(["mode", "claim", "comparison"])),
        "claims_needed_n": declared_n(needed),
        "claims_needed_set": pooled.label,
        "claims_sensitivity": for_display(changed.set_index(["mode", "claim", "methods", "threshold", "value"]))
        if len(changed)
        else "No verdict changes with any threshold in its range.",
        "claims_amortised": for_display(
            amortised[["mode", "methods", "comparison", "mean difference", "tasks needed", "verdict"]]
            .rename(columns={"methods": "paid once", "mean difference": "paid once / one from-scratch training"})
            .set_index(["mode", "paid once", "comparison"])
        ),
        "claims_costs": for_display(costs),
        "claims_cost_fig": figures.accuracy_vs_cost(costs),
    }
    for key, table in claim_tables(judged, best.label).items():
        values[glue_name(key)] = table
    return values
