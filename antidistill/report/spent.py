"""What each study beyond the paper cost: its saved teachers, λ-search trials and runs, counted against what it needs, with the wall and CPU time each recorded."""

from __future__ import annotations

import functools
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from ..config import config_hash, to_dict
from ..experiment import ExperimentConfig
from ..growth import METHODS
from ..penalties import METHOD as PENALTY_METHOD
from ..penalties import MODE as PENALTY_MODE
from ..penalties import PENALTIES
from ..search import SEARCHED
from ..store import RESULTS_VERSION, Store
from .tables import for_display

COLUMNS = ["work", "saved", "needed", "wall time (min)", "CPU time (min)", "saved with CPU time"]
Row = tuple[str, int, int, float, float, int]
# The studies ``spent`` accounts for: those beyond the paper (``reproduction.STUDIES``) and the
# fresh seeds, which the main computation runs.
ACCOUNTED = ("fresh", "declared", "switches", "digits", "penalties")
# What ``spent_table`` holds, said under it in each chapter.
NOTE = (
    "Each saved teacher, λ-search trial and run recorded its wall time (a run its share of the stack it "
    "trained in); the table sums them per kind of work, counts them against what the study needs, and "
    "leaves out work shared with the main reproduction (a teacher it reuses, say). Wall time is the "
    "machine's that computed them, waits included where it ran other work at the same time; CPU time "
    "(all threads of the process) is what the work itself took. Results computed before CPU time was "
    "recorded lack it: the last column counts those that have it, the CPU time sums only theirs, and a "
    "row none of whose results has it reads 'not recorded'."
)


Saved = Callable[[str], list[dict[str, Any]]]


def _saved(store: Store) -> Saved:
    """A store's current results of a kind, each kind read once (a study's rows match the same
    kinds many times, and the published search folder alone holds hundreds of files)."""
    return functools.cache(lambda kind: [r for r in store.results(kind) if r.get("results_version") == RESULTS_VERSION])


def _matching(saved: Saved, kind: str, configs: Iterable[Any], same=config_hash) -> tuple[int, int, float, float, int]:
    """(saved, needed, wall minutes, CPU minutes, saved with CPU time) of the distinct
    ``configs`` among the saved results of ``kind``; ``same`` keys a saved config (a search
    trial is keyed without its λ, which its trial drew)."""
    wanted = {same(to_dict(c)) for c in configs}
    found = [r for r in saved(kind) if same(r["config"]) in wanted]
    cpu = [r["cpu_time_s"] for r in found if r.get("cpu_time_s") is not None]
    return len(found), len(wanted), sum(r["wall_time_s"] for r in found) / 60, sum(cpu) / 60, len(cpu)


def _without_lambdas(cfg: dict[str, Any]) -> str:
    return config_hash({**cfg, "lambdas": None})


# A placeholder for λ not yet searched: results are matched without their λ (``_without_lambdas``),
# so a study's cost can be counted before its searches finish and never starts one.
UNSEARCHED = (0.0,) * 4


def _configs(rep, methods: Sequence[str]) -> list[ExperimentConfig]:
    """``rep``'s runs of ``methods``, a searched method's at ``UNSEARCHED`` λ."""
    return [
        rep.profile.config(m, seed, rep.mode, UNSEARCHED if m in SEARCHED else None)
        for m in methods
        for seed in rep.seeds
    ]


def _runs(saved: Saved, rep, methods: Sequence[str]) -> tuple[int, int, float, float, int]:
    """``rep``'s final runs of ``methods``: no two of a study's runs differ in their λ alone."""
    return _matching(saved, "runs", _configs(rep, methods), _without_lambdas)


def _teachers(configs: Sequence[ExperimentConfig], counted: set[str]) -> list:
    """The teachers ``configs`` train (those of a method that needs one, as ``run_seeds`` reads
    it) that are not ``counted`` yet (config hashes), which they join: a teacher is counted once,
    where it is first needed."""
    needing = [c.teacher_config() for c in configs if METHODS[c.method].needs_teacher]
    new = [t for t in needing if config_hash(t) not in counted]
    counted.update(config_hash(t) for t in new)
    return new


def _main_teachers(rep) -> set[str]:
    """The teachers of the main reproduction in every mode, final runs' and search trials'."""
    counted: set[str] = set()
    for mode in rep.modes():
        main = rep.of_mode(mode)
        _teachers(_configs(main, METHODS), counted)
        for method in SEARCHED:
            search = main.search(method)
            _teachers([search.trial_config(seed, UNSEARCHED) for seed in search.search_seeds], counted)
    return counted


def _searched(saved: Saved, rep, label: str, methods: Sequence[str], counted: set[str]) -> list[Row]:
    """The λ searches of ``methods`` in ``rep``: each one's trials, then the teachers their
    trials train that are not ``counted`` (paper mode's trials hold out a validation split)."""
    rows, teachers = [], []
    for method in methods:
        search = rep.search(method)
        trials = [search.trial_config(seed, UNSEARCHED) for seed in search.search_seeds]
        found, _, *times = _matching(saved, "search", trials, _without_lambdas)
        rows.append((f"{label}λ search of {METHODS[method].label}", found, search.n_trials * len(trials), *times))
        teachers += _teachers(trials, counted)
    rows.append((f"{label}the searches' own teachers", *_matching(saved, "teachers", teachers)))
    return rows


def spent(rep, study: str) -> list[Row]:
    """(work, saved, needed, wall minutes, CPU minutes, saved with CPU time) per kind of work of ``study``
    (``ACCOUNTED``) in ``rep``'s build, every mode the study runs in. A run's time is
    its share of its stack; a teacher is counted once, and not at all where the main
    reproduction trains it (a flip reuses its seed's teacher unless it flips a teacher's switch).
    Results are matched without their λ, so a study is counted before its searches finish."""
    rows: list[Row] = []
    saved, counted = _saved(rep.store), _main_teachers(rep)
    if study == "fresh":
        for mode in rep.modes():
            fresh = rep.of_mode(mode).fresh()
            teachers = _teachers(_configs(fresh, METHODS), counted)
            rows.append((f"{mode} mode: teachers", *_matching(saved, "teachers", teachers)))
            rows.append((f"{mode} mode: runs", *_runs(saved, fresh, METHODS)))
    elif study == "declared":
        for mode in rep.modes():
            for block in rep.of_mode(mode).extra_blocks():
                teachers = _teachers(_configs(block, METHODS), counted)
                name = f"{mode} mode, seeds {block.seeds[0]}-{block.seeds[-1]}"
                rows.append((f"{name}: teachers", *_matching(saved, "teachers", teachers)))
                rows.append((f"{name}: runs", *_runs(saved, block, METHODS)))
    elif study == "switches":
        for mode in rep.modes():
            r = rep.of_mode(mode)
            flipped = [c for _, configs in r.switch_configs() for c in configs]
            rows.append((f"{mode} mode: flipped runs", *_matching(saved, "switches", flipped)))
            teachers = _teachers(flipped, counted)
            rows.append((f"{mode} mode: their own teachers", *_matching(saved, "teachers", teachers)))
    elif study == "digits":
        for mode in rep.modes():
            on = rep.on("digits").of_mode(mode)
            teachers = _teachers(_configs(on, METHODS), counted)
            rows.append((f"{mode} mode: teachers", *_matching(saved, "teachers", teachers)))
            rows += _searched(saved, on, f"{mode} mode: ", SEARCHED, counted)
            rows.append((f"{mode} mode: final runs", *_runs(saved, on, METHODS)))
    elif study == "penalties":
        base = rep.of_mode(PENALTY_MODE)
        for penalty in PENALTIES:
            varied = base.penalty(penalty)
            rows += _searched(saved, varied, f"{penalty.label}: ", [PENALTY_METHOD], counted)
            rows.append((f"{penalty.label}: final runs", *_runs(saved, varied, [PENALTY_METHOD])))
    else:
        raise ValueError(f"unknown study {study!r}; accounted are {', '.join(ACCOUNTED)}")
    return rows


def spent_table(rows: list[Row]) -> pd.DataFrame:
    """``spent``'s rows as the chapters show them (work it does not need left out), with their total."""
    table = pd.DataFrame([row for row in rows if row[2]], columns=COLUMNS).set_index("work")
    table.loc["total"] = table.sum()
    minutes = ["wall time (min)", "CPU time (min)"]
    counts = [c for c in table.columns if c not in minutes]
    return table.astype({c: int for c in counts}).round({c: 1 for c in minutes})


def glued(rep, study: str) -> dict[str, Any]:
    """What a study's chapter glues under "What it cost": the table (``spent``) and ``NOTE``."""
    table = for_display(spent_table(spent(rep, study)))
    # Runs saved before CPU time was recorded count 0 minutes of it: shown as such, not as free.
    unrecorded = (table["saved"] > 0) & (table["saved with CPU time"] == 0)
    table.loc[unrecorded, "CPU time (min)"] = "not recorded"
    return {"spent": table, "spent_note": NOTE}
