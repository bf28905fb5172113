"""What saved results cost: bench tables kept with their machine, and a profile's measured compute time."""

from __future__ import annotations

import json
import platform
from collections import defaultdict
from pathlib import Path
from typing import Any

from ..config import to_dict
from ..environment import runtime
from ..growth import METHODS
from ..profiles import PROFILES, fresh_seeds
from ..store import RESULTS_VERSION, Store, atomic_write_json


def profile_table(rows: list[tuple[str, int, int, float]]) -> str:
    """``measured_profile``'s rows as text, one line per kind of work, and their total."""
    lines = [f"{what:40s} {saved:4d} / {expected:<4d} {hours * 60:8.1f} min" for what, saved, expected, hours in rows]
    done = all(saved >= expected for _, saved, expected, _ in rows)
    total = sum(h for *_, h in rows)
    lines.append(
        f"{'total' + ('' if done else ' so far (incomplete)'):40s} {'':11s} {total * 60:8.1f} min = {total:.2f} h"
    )
    return "\n".join(lines)


def save_bench(store: Store, table: dict[str, Any]) -> Path:
    """The table with the machine it was measured on, under ``<results>/bench/``."""
    record = {**table, "environment": runtime(), "machine": f"{platform.node()} ({platform.machine()})"}
    path = store.root / "bench" / f"{platform.node()}-{table['device'].replace(':', '')}.json"
    atomic_write_json(path, {**record, "config": {"device": table["device"]}, "results_version": RESULTS_VERSION})
    return path


def measured_profile(store: Store, mode: str, profile_name: str = "paper") -> list[tuple[str, int, int, float]]:
    """What a profile's saved results took to compute: (what, saved, expected, hours) per kind of
    work (teachers, each method's search trials and final runs). A saved result counts when its
    config is the one the profile asks for (its seed aside; its lambdas too, but for the final runs
    of a searched method once its study's summary names the λ they use) under the current results
    version, so other profiles or modes in the same folder are left out.

    Each saved teacher and run records its own wall time (a stack's time shared among its
    members), so the sums are what the profile cost, however many processes and sessions computed
    it; a stack interrupted before it saved is not counted (its rerun is). Optuna's own time and
    the book's rendering are not included. The search's trial configs need Optuna (extra ``[search]``).
    """
    from ..search import SEARCHED, SearchConfig

    profile = PROFILES[profile_name]
    search_seeds = profile.seeds if profile.search_seeds is None else profile.seeds[: profile.search_seeds]
    fresh = fresh_seeds(profile.seeds)

    def chosen(method: str) -> list[float] | None:
        """The λ the final runs use, from the study's saved summary (None while there is none)."""
        path = store.root / "studies" / f"{SearchConfig.of(profile, method, mode).study_name}.json"
        try:
            info = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return info["importance_lambdas"] if info.get("final_lambdas_from") == "importance" else info["best_lambdas"]

    def wanted(kind: str, cfg: dict[str, Any]) -> dict[str, Any]:
        if kind == "teachers":
            return to_dict(profile.config("zero_pad", cfg["seed"], mode).teacher_config())
        lambdas = None if cfg["lambdas"] is None else tuple(cfg["lambdas"])
        if kind == "runs" and cfg["method"] in SEARCHED and chosen(cfg["method"]) is not None:
            # Final runs with other λ (the authors' runs regenerated with theirs) are not this profile's.
            lambdas = tuple(chosen(cfg["method"]))
        if kind == "search":
            return to_dict(SearchConfig.of(profile, cfg["method"], mode).trial_config(cfg["seed"], lambdas))
        return to_dict(profile.config(cfg["method"], cfg["seed"], mode, lambdas))

    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for kind in ("teachers", "search", "runs"):
        for record in store.results(kind):
            if record.get("results_version") == RESULTS_VERSION and record["config"] == wanted(kind, record["config"]):
                # Seeds past the profile's are the fresh seeds (``Reproduction.fresh``), counted apart.
                where = kind if record["config"]["seed"] in profile.seeds else "fresh"
                if where == "fresh" and record["config"]["seed"] not in fresh:
                    continue
                times[where, record["config"].get("method", "")].append(record["wall_time_s"])
    rows = [("teachers", len(times["teachers", ""]), len(profile.seeds), sum(times["teachers", ""]) / 3600)]
    rows += [
        (
            f"search trials: {m}",
            len(times["search", m]),
            profile.trials(m) * len(search_seeds),
            sum(times["search", m]) / 3600,
        )
        for m in SEARCHED
    ]
    rows += [
        (f"final runs: {m}", len(times["runs", m]), len(profile.seeds), sum(times["runs", m]) / 3600) for m in METHODS
    ]
    spent = [t for (where, _), ts in times.items() if where == "fresh" for t in ts]
    rows.append(
        ("fresh seeds: teachers and final runs", len(spent), (1 + len(METHODS)) * len(fresh), sum(spent) / 3600)
    )
    return rows


def saved_benches(store: Store) -> list[dict[str, Any]]:
    """Every bench table saved in ``store`` (one per machine and device)."""
    return store.results("bench")
