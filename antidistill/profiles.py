"""Run profiles (smoke, quick, paper): seeds, shortened schedules, search trials."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from .ablation import ABLATED
from .config import override
from .data import DEFAULT_DATASET
from .experiment import STUDENT_TRAIN, ExperimentConfig
from .growth import GrowthConfig
from .reference import THEIR_LAMBDAS


def fresh_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    """The rule, stated once: the fresh seeds of a set of reported seeds are as many seeds right
    after the largest (10-19 for 0-9); their runs reuse the reported seeds' λ search."""
    start = max(seeds) + 1
    return tuple(range(start, start + len(seeds)))


def declared_seeds(seeds: Sequence[int], n: int) -> tuple[int, ...]:
    """The seeds every verdict is finally judged on: the reported seeds, their fresh seeds, then
    the seeds after those, ``n`` in all (0-49 for seeds 0-9 and n = 50); all reuse the reported
    seeds' λ search. ``n`` never leaves out a reported or fresh seed."""
    known = (*seeds, *fresh_seeds(seeds))
    start = max(known) + 1
    return known + tuple(range(start, start + max(n - len(known), 0)))


@dataclass(frozen=True)
class Profile:
    """How much of the paper's protocol a book build runs.

    ``overrides`` apply to every ``ExperimentConfig``; the transfer's head-only epochs scale
    with the student epochs they override (3 of 10 in the paper). ``search_*`` shape the lambda
    search: trials per searched method and how many of the leading seeds enter the objective
    (None: all). A search trial trains on the same schedule as the final runs. ``ablated``: the
    methods the switches study flips its switches on (``ablation.ABLATED`` unless shortened).
    """

    name: str
    seeds: tuple[int, ...]
    overrides: tuple[tuple[str, Any], ...] = ()
    search_trials: tuple[tuple[str, int], ...] = (("antidistill_l4_0", 5), ("antidistill", 10))
    search_seeds: int | None = None
    ablated: tuple[str, ...] = ABLATED
    # How many seeds the verdicts are finally judged on (``declared_seeds``; None: the reported and
    # fresh ones). The `paper` profile's 50 is the cap the pre-declared analysis allows, which its
    # power analysis of seeds 0-19 calls for (``report.analysis``; a test checks the two agree).
    declared_n: int | None = None
    description: str = ""

    def config(self, method: str, seed: int, mode: str, lambdas=None) -> ExperimentConfig:
        """The experiment config of one (method, seed) under this profile."""
        changes = dict(self.overrides)
        if "student.epochs" in changes and "growth.head_only_epochs" not in changes:
            paper_head_only = GrowthConfig().head_only_epochs
            changes["growth.head_only_epochs"] = round(
                paper_head_only * changes["student.epochs"] / STUDENT_TRAIN.epochs
            )
        return override(ExperimentConfig(method=method, seed=seed, mode=mode, lambdas=lambdas), changes)

    def regenerated(self, method: str, seed: int, teachers: str = "authors") -> ExperimentConfig:
        """An `authors`-mode run of ``method`` as their Table I ran it: the Anti-Distillation rows
        with the lambdas their notebooks printed, from their teachers or ours (``teachers``)."""
        return override(self.config(method, seed, "authors", THEIR_LAMBDAS.get(method)), {"teachers": teachers})

    def trials(self, method: str) -> int:
        return dict(self.search_trials)[method]

    def varied(self, label: str, changes: Sequence[tuple[str, Any]]) -> "Profile":
        """This profile with ``changes`` on every config (its runs and its search trials): the
        same schedules, searches and seeds, named apart (``label``) so its λ studies are its own."""
        return replace(
            self,
            name=f"{self.name}-{label}",
            overrides=(*self.overrides, *changes),
            description=f"{self.description} ({label})",
        )

    def on(self, dataset: str) -> "Profile":
        """This profile on another data set (``data.DATASETS``)."""
        return self if dataset == DEFAULT_DATASET else self.varied(dataset, [("data.dataset", dataset)])


PROFILES = {
    p.name: p
    for p in (
        Profile(
            "smoke",
            seeds=(0, 1),
            overrides=(
                ("data.n_train", 3000),
                ("data.n_test", 1000),
                ("teacher.epochs", 1),
                ("student.epochs", 1),
                ("growth.pretrain.epochs", 1),
                # Two groups of 4 draws per eps: the smoke profile checks the pipeline, not the numbers.
                ("attack.noise_min_draws", 4),
                ("attack.noise_max_draws", 8),
            ),
            search_trials=(("antidistill_l4_0", 2), ("antidistill", 2)),
            # Every switch still flipped at least once (zero pad alone reads the teacher-sized
            # pad), in 27 of the 37 flips per mode: λ4 = 0's flips are the full method's but L4's.
            ablated=("xavier", "zero_pad", "antidistill"),
            description="the whole book in a few minutes: 2 seeds, 1 epoch per stage, 3000 training images",
        ),
        Profile(
            "quick",
            seeds=(0, 1, 2),
            overrides=(
                ("teacher.epochs", 8),
                ("teacher.milestones", (5,)),
                ("student.epochs", 4),
                ("growth.pretrain.epochs", 4),
                ("attack.noise_se", 0.01),
            ),
            search_trials=(("antidistill_l4_0", 3), ("antidistill", 3)),
            search_seeds=2,
            description="minutes: 3 seeds, full data, shortened schedules and search",
        ),
        Profile(
            "paper",
            seeds=tuple(range(10)),
            declared_n=50,
            description="the paper's protocol: 10 seeds, all epochs, 5 and 10 search trials",
        ),
    )
}
