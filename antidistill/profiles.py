"""Run profiles (smoke, quick, paper) and the validation of the notebooks' parameters."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .config import override
from .experiment import STUDENT_TRAIN, ExperimentConfig
from .growth import GrowthConfig
from .protocol import protocol_for
from .reference import THEIR_LAMBDAS
from .store import check_writable
from .train import pick_device


@dataclass(frozen=True)
class Profile:
    """How much of the paper's protocol a book build runs.

    ``overrides`` apply to every ``ExperimentConfig``; the transfer's head-only epochs scale
    with the student epochs they override (3 of 10 in the paper). ``search_*`` shape the lambda
    search: trials per searched method and how many of the leading seeds enter the objective
    (None: all). A search trial trains on the same schedule as the final runs.
    """

    name: str
    seeds: tuple[int, ...]
    overrides: tuple[tuple[str, Any], ...] = ()
    search_trials: tuple[tuple[str, int], ...] = (("antidistill_l4_0", 5), ("antidistill", 10))
    search_seeds: int | None = None
    description: str = ""

    def config(self, method: str, seed: int, mode: str, lambdas=None) -> ExperimentConfig:
        """The experiment config of one (method, seed) under this profile."""
        changes = dict(self.overrides)
        if "student.epochs" in changes and "growth.head_only_epochs" not in changes:
            paper_head_only = GrowthConfig().head_only_epochs
            changes["growth.head_only_epochs"] = round(paper_head_only * changes["student.epochs"] / STUDENT_TRAIN.epochs)
        return override(ExperimentConfig(method=method, seed=seed, mode=mode, lambdas=lambdas), changes)

    def regenerated(self, method: str, seed: int, teachers: str = "authors") -> ExperimentConfig:
        """An `authors`-mode run of ``method`` as their Table I ran it: the Anti-Distillation rows
        with the lambdas their notebooks printed, from their teachers or ours (``teachers``)."""
        return override(self.config(method, seed, "authors", THEIR_LAMBDAS.get(method)), {"teachers": teachers})

    def trials(self, method: str) -> int:
        return dict(self.search_trials)[method]

    def search(self, method: str, mode: str, seeds: Sequence[int] | None = None):
        """The λ search of ``method`` under this profile (a ``search.SearchConfig``: trials, seeds,
        schedule, sampler); imported here on demand, since the search needs Optuna."""
        from .search import SearchConfig

        return SearchConfig(method, mode, self, tuple(self.seeds if seeds is None else seeds))


PROFILES = {p.name: p for p in (
    Profile(
        "smoke", seeds=(0, 1),
        overrides=(("data.n_train", 3000), ("data.n_test", 1000), ("teacher.epochs", 1),
                   ("student.epochs", 1), ("growth.pretrain.epochs", 1), ("attack.noise_max_draws", 32)),
        search_trials=(("antidistill_l4_0", 2), ("antidistill", 2)),
        description="the whole book in about a minute: 2 seeds, 1 epoch per stage, 3000 training images",
    ),
    Profile(
        "quick", seeds=(0, 1, 2),
        overrides=(("teacher.epochs", 8), ("teacher.milestones", (5,)), ("student.epochs", 4),
                   ("growth.pretrain.epochs", 4), ("attack.noise_se", 0.01)),
        search_trials=(("antidistill_l4_0", 3), ("antidistill", 3)),
        search_seeds=2,
        description="minutes: 3 seeds, full data, shortened schedules and search",
    ),
    Profile(
        "paper", seeds=tuple(range(10)),
        description="the paper's protocol: 10 seeds, all epochs, 5 and 10 search trials",
    ),
)}


# The names of every notebook's parameters cell; papermill injects a cell headed "# Parameters".
NOTEBOOK_PARAMETERS = ("mode", "profile", "seeds", "device", "results_dir")


def injected_names(executed: Sequence[str]) -> list[str]:
    """The names papermill's injected parameters cell assigns, from the sources of the cells
    executed so far (IPython's ``In``)."""
    names = []
    for source in executed:
        if source.lstrip().startswith("# Parameters"):
            for node in ast.parse(source).body:
                if isinstance(node, ast.Assign):
                    names += [t.id for t in node.targets if isinstance(t, ast.Name)]
    return names


def check_injected(executed: Sequence[str]) -> None:
    """Papermill only warns about a parameter the notebook does not have (``-p seed 3`` would run
    with the profile's seeds); this makes it an error naming the allowed ones."""
    unknown = sorted(set(injected_names(executed)) - set(NOTEBOOK_PARAMETERS))
    if unknown:
        raise ValueError(f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                         f"allowed: {', '.join(NOTEBOOK_PARAMETERS)}")


def validate_parameters(mode: str, profile: str, seeds: Sequence[int] | None, device: str,
                        results_dir: str | Path) -> tuple[Profile, tuple[int, ...]]:
    """Check a notebook's parameters; return the profile and the seeds to use.

    ``seeds=None`` takes the profile's seeds. Every error says what is allowed.
    """
    protocol_for(mode)  # raises, naming the allowed modes
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}; got {profile!r}")
    chosen = PROFILES[profile]
    if seeds is None:
        seeds = chosen.seeds
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence):
        raise ValueError(f"seeds must be a list of integers >= 0 (or None for the profile's), got {seeds!r}")
    if len(seeds) == 0:
        raise ValueError("seeds is empty: give at least one integer >= 0 (or None for the profile's)")
    if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in seeds):
        raise ValueError(f"every seed must be an integer >= 0; got {list(seeds)}")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must not repeat; got {list(seeds)}")
    if not isinstance(device, str):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]'; got {device!r}")
    pick_device(device)  # raises, saying what is allowed (and when CUDA is asked for without a GPU)
    if not str(results_dir):
        raise ValueError("results_dir must be a folder path")
    check_writable(results_dir)
    return chosen, tuple(seeds)

