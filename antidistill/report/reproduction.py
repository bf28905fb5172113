"""What the notebooks call: one object per (mode, profile, seeds) that plans, runs and collects."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from ..ablation import Flip, flips, other_mode
from ..config import override
from ..data import FashionMNIST
from ..environment import pick_device
from ..experiment import ExperimentConfig, grow_stack, run_many
from ..growth import METHODS, Grown
from ..models import MLP
from ..penalties import METHOD as PENALTY_METHOD
from ..penalties import MODE as PENALTY_MODE
from ..penalties import PENALTIES, Penalty
from ..profiles import Profile, declared_seeds, fresh_seeds
from ..protocol import MODES
from ..reference import authors_teacher_path, load_reference
from ..search import SEARCHED, SearchConfig, best_lambdas, run_search, search_summary
from ..store import Store
from ..teachers import get_teachers, teacher_records
from .parameters import check_injected, validate_parameters

# The studies beyond the paper (issue "Beyond the paper"), each computed by ``compute_study``:
# one switch at a time, the digits, the Hessian penalties that train.
STUDIES = ("switches", "digits", "penalties")
# Those whose chapter is in the book, so ``compute`` computes them too.
BOOK_STUDIES = STUDIES


def check_study(study: str) -> None:
    if study not in STUDIES:
        raise ValueError(f"unknown study {study!r}; the studies are {', '.join(STUDIES)}")


def regenerated_unavailable(profile: Profile) -> str | None:
    """Why a build at ``profile`` does not regenerate the authors' runs (None when it does): their
    records hold runs at the `paper` profile's schedules, so a shortened profile's runs are not
    theirs; and the records may be absent."""
    if profile.name != "paper":
        return (
            f"Not computed in this build: their records hold runs at the `paper` profile's schedules, and the "
            f"`{profile.name}` profile's shortened runs would differ from them by the shortening, not by "
            "the reproduction. The build from the published results shows it."
        )
    try:
        load_reference()
    except FileNotFoundError as exc:
        return f"Not shown in this build: {exc}."
    return None


def authors_teachers_missing(store: Store) -> str | None:
    """Why a computing build cannot grow students from the authors' own teachers (None when it
    can, or when it computes nothing: a build from published results reads those runs)."""
    if store.read_only:
        return None
    try:
        authors_teacher_path(0)
    except FileNotFoundError as exc:
        return (
            f"Not computed in this build: {exc}. The build from the published results shows these runs, "
            "which were grown from them."
        )
    return None


@dataclass(frozen=True)
class Reproduction:
    """The notebooks' shared entry point; build it with ``Reproduction.from_parameters``."""

    mode: str
    profile: Profile
    seeds: tuple[int, ...]
    device: str
    store: Store
    # The seeds whose λ search chose the searched methods' λ (None: ``seeds``); ``fresh`` sets it.
    search_seeds: tuple[int, ...] | None = None

    @classmethod
    def from_parameters(
        cls,
        mode: str,
        profile: str,
        seeds: Sequence[int] | None,
        device: str,
        results_dir: str | Path,
        executed: Sequence[str] = (),
        read_only: bool = False,
    ) -> "Reproduction":
        """Validate a notebook's parameters cell (errors say what is allowed) and build the session.

        ``executed``: the sources of the cells run so far (IPython's ``In``), to reject a
        parameter papermill injected that the notebook does not have. ``read_only``: a build from
        published results, which reads them strictly and trains nothing (``Store.computing``).
        """
        check_injected(executed)
        chosen, seeds = validate_parameters(mode, profile, seeds, device, results_dir)
        return cls(mode, chosen, seeds, device, Store(results_dir, strict=read_only, read_only=read_only))

    def describe(self) -> str:
        return "\n".join(
            [
                f"mode:    {self.mode}",
                f"profile: {self.profile.name}",
                f"seeds:   {list(self.seeds)}",
                f"device:  {pick_device(self.device)}",
                f"results: {self.store.root}",
            ]
        )

    def data(self) -> FashionMNIST:
        """The data this profile uses (a head slice for smoke), on the CPU."""
        data = self.profile.config("xavier", self.seeds[0], self.mode).data
        return data.apply(data.load())

    def teacher(self, seed: int, progress: bool = False) -> tuple[MLP, dict[str, Any]]:
        """The seed's trained teacher (trained and saved on first use)."""
        cfg = self.profile.config("zero_pad", seed, self.mode)
        data = self.data().to(pick_device(self.device))
        return get_teachers([cfg.teacher_config()], data, self.store, progress)[0]

    def teacher_records(self, progress: bool = False) -> dict[int, dict[str, Any]]:
        """Every seed's teacher record (history, accuracy, time), the missing teachers trained as one stack."""
        cfgs = [self.profile.config("zero_pad", seed, self.mode).teacher_config() for seed in self.seeds]
        data = self.data().to(pick_device(self.device))
        return dict(zip(self.seeds, teacher_records(cfgs, data, self.store, progress)))

    def grow(self, method: str, seed: int) -> Grown:
        """The student of (method, seed) as initialised, the very one the experiment trains
        (same streams, same draws); methods 6-8 run their D1 pre-training first."""
        cfg = self.profile.config(
            method, seed, self.mode, self.lambdas(method, progress=False) if method in SEARCHED else None
        )
        teacher = self.teacher(seed)[0] if METHODS[method].needs_teacher else None
        stack = grow_stack([cfg], [teacher], self.data().to(pick_device(self.device)), progress=False)
        return Grown(stack.student.member(0), stack.head_only_epochs)

    def search(self, method: str) -> SearchConfig:
        return SearchConfig.of(self.profile, method, self.mode, self.search_seeds or self.seeds)

    def fresh(self) -> "Reproduction":
        """This session on as many fresh seeds, those after its own (10-19 for seeds 0-9), with the
        λ its own seeds' search chose: no new search, so a claim's verdict there is free of the
        selection of λ on the seeds it is reported on."""
        return dataclasses.replace(self, seeds=fresh_seeds(self.seeds), search_seeds=self.search_seeds or self.seeds)

    def declared(self) -> "Reproduction":
        """This session on the declared seeds (``profiles.declared_seeds``: its own, their fresh
        seeds and as many more as the profile declares), with the λ its own seeds' search chose."""
        n = self.profile.declared_n or 2 * len(self.seeds)
        return dataclasses.replace(
            self, seeds=declared_seeds(self.seeds, n), search_seeds=self.search_seeds or self.seeds
        )

    def extra_blocks(self) -> list["Reproduction"]:
        """The declared seeds beyond the reported and fresh ones, in blocks as large as the
        reported set, each its own session: computed block by block, each block's runs are saved
        when its stacks finish, so an interrupted computation loses at most one block's stack."""
        known = set(self.seeds) | set(fresh_seeds(self.seeds))
        extra = [s for s in self.declared().seeds if s not in known]
        size = len(self.seeds)
        return [
            dataclasses.replace(self, seeds=tuple(extra[k : k + size]), search_seeds=self.search_seeds or self.seeds)
            for k in range(0, len(extra), size)
        ]

    def on(self, dataset: str) -> "Reproduction":
        """This session on another data set (``Profile.on``): its own teachers, searches and runs."""
        return dataclasses.replace(self, profile=self.profile.on(dataset))

    def penalty(self, penalty: Penalty) -> "Reproduction":
        """This session with one L4 variant (``penalties.PENALTIES``) on every run and search trial."""
        return dataclasses.replace(self, profile=self.profile.varied(penalty.name, penalty.changes))

    def lambdas(self, method: str, progress: bool = True) -> tuple[float, float, float, float]:
        """The searched lambdas of an Anti-Distillation method (runs the missing trials first)."""
        search = self.search(method)
        return best_lambdas(search, search.n_trials, self.store, self.device, progress)

    def configs(self, methods: Sequence[str] | None = None) -> list[ExperimentConfig]:
        """One config per (method, seed), methods in the paper's order."""
        methods = list(METHODS) if methods is None else list(methods)
        lambdas = {m: self.lambdas(m, progress=False) for m in methods if m in SEARCHED}
        return [self.profile.config(m, seed, self.mode, lambdas.get(m)) for m in methods for seed in self.seeds]

    def run(self, methods: Sequence[str] | None = None, progress: bool = True) -> list[dict[str, Any]]:
        """Every (method, seed) run: loaded when saved, computed (and saved) otherwise."""
        return run_many(
            self.configs(methods), self.store, self.device, desc=f"{self.mode}/{self.profile.name}", progress=progress
        )

    def modes(self) -> list[str]:
        """Both protocols, this build's first: the chapters that compare them (Table I, the
        claims) show both; the others follow this build's."""
        return [self.mode, *(m for m in MODES if m != self.mode)]

    def of_mode(self, mode: str) -> "Reproduction":
        """This session in another protocol: the same profile, seeds, device and results folder."""
        return dataclasses.replace(self, mode=mode)

    def compute(
        self,
        progress: bool = True,
        done: Callable[[str], None] | None = None,
        modes: Sequence[str] | None = None,
        studies: Sequence[str] = BOOK_STUDIES,
    ) -> None:
        """Everything the pages show, computed (or loaded where saved) before any page runs, with
        progress bars: for each of ``modes`` (default ``modes()``) the teachers, both λ searches,
        every final run and every final run on fresh seeds (``fresh``) and on the declared seeds
        beyond them (``extra_blocks``; not in a read-only build), then (at the `paper`
        profile, where the authors' records are at hand) their runs regenerated, then the studies
        beyond the paper (``studies``, default those whose chapters are in the book,
        ``BOOK_STUDIES``); ``done(stage)`` after each stage."""
        done = done or (lambda stage: None)
        for mode in self.modes() if modes is None else modes:
            rep = self.of_mode(mode)
            rep.teacher_records(progress=progress)
            if mode == self.mode:  # the growth page grows this seed's students from its teacher's weights
                rep.teacher(self.seeds[0], progress=progress)
            done(f"{mode}: teachers")
            for method in SEARCHED:
                rep.lambdas(method, progress=progress)
                done(f"{mode}: search {method}")
            rep.run(progress=progress)
            done(f"{mode}: final runs")
            if mode == "authors":
                rep.same_epoch(progress=progress)
                done("authors: every row read after the same epoch")
            fresh = rep.fresh()
            fresh.teacher_records(progress=progress)
            fresh.run(progress=progress)
            done(f"{mode}: fresh seeds {fresh.seeds[0]}-{fresh.seeds[-1]}")
            # A build from published results shows the declared seeds computed so far (the
            # claims page counts them); only a computing build computes the rest.
            for block in [] if self.store.read_only else rep.extra_blocks():
                block.teacher_records(progress=progress)
                block.run(progress=progress)
                done(f"{mode}: declared seeds {block.seeds[0]}-{block.seeds[-1]}")
        if regenerated_unavailable(self.profile) is None and authors_teachers_missing(self.store) is None:
            for teachers in ("ours", "authors"):
                self.regenerated(teachers, progress=progress)
            done("the authors' runs regenerated")
        for study in studies:
            self.compute_study(study, progress=progress, modes=modes)
            done(f"study {study}")

    def compute_study(self, study: str, progress: bool = True, modes: Sequence[str] | None = None) -> None:
        """Compute (or load) the runs of one study beyond the paper (``STUDIES``) in ``modes``
        (default ``modes()``): what its chapter shows. The penalties study has `paper` mode only,
        so it computes nothing where ``modes`` leaves `paper` out."""
        check_study(study)
        modes = self.modes() if modes is None else modes
        if study == "switches":
            for mode in modes:
                self.of_mode(mode).switches(progress=progress)
        elif study == "digits":
            for mode in modes:
                on = self.on("digits").of_mode(mode)
                on.teacher_records(progress=progress)
                for method in SEARCHED:
                    on.lambdas(method, progress=progress)
                on.run(progress=progress)
        elif PENALTY_MODE in modes:
            base = self.of_mode(PENALTY_MODE)
            for penalty in PENALTIES:
                varied = base.penalty(penalty)
                varied.lambdas(PENALTY_METHOD, progress=progress)
                varied.run([PENALTY_METHOD], progress=progress)

    def same_epoch_configs(self) -> list[ExperimentConfig]:
        """``same_epoch``'s configs: the rows recorded at 30 epochs with the factor off."""
        return [
            override(c, {"protocol.recorded_epochs_factor": 1}) if c.protocol.recorded_long(c.method) else c
            for c in self.of_mode("authors").configs()
        ]

    def same_epoch(self, progress: bool = False) -> list[dict[str, Any]]:
        """This build's `authors`-mode runs with every Table I column read after the same D2 epoch:
        the rows their records hold at 30 epochs (``Protocol.recorded_long``) run again to the
        configured epochs; the others are this build's runs as they are."""
        return run_many(
            self.same_epoch_configs(),
            self.store,
            self.device,
            desc="authors mode, every row read after the same epoch",
            progress=progress,
        )

    def regenerated(self, teachers: str, progress: bool = False) -> list[dict[str, Any]]:
        """The authors' Table I runs regenerated at this build's profile and seeds: `authors`
        mode, from our teachers or theirs (``teachers``), the Anti-Distillation rows with the
        lambdas their notebooks printed, so that only the teachers differ between the two."""
        cfgs = [self.profile.regenerated(m, seed, teachers) for m in METHODS for seed in self.seeds]
        return run_many(cfgs, self.store, self.device, desc=f"authors' runs, {teachers} teachers", progress=progress)

    def lambda_choices(self, method: str) -> dict[str, tuple[float, ...]]:
        """A searched method's λ as this mode's search chose them by either rule ("best",
        "importance") and as the other mode's search chose them ("other"), for ``Flip.config``."""
        search = self.search(method)
        info = search_summary(search, search.n_trials, self.store, self.device, progress=False)
        return {
            "best": tuple(info["best_lambdas"]),
            "importance": tuple(info["importance_lambdas"] or info["best_lambdas"]),
            "other": self.of_mode(other_mode(self.mode)).lambdas(method, progress=False),
        }

    def switch_configs(self) -> list[tuple[Flip, list[ExperimentConfig]]]:
        """Every switch of this mode flipped alone (``ablation.flips``) on the profile's ablated
        methods, each with its runs' configs: this build's runs of the method and seeds with the
        one switch set as in the other mode."""
        methods = self.profile.ablated
        base = {m: self.configs([m]) for m in methods}
        choices = {m: self.lambda_choices(m) for m in methods if m in SEARCHED}
        return [
            (flip, [flip.config(c, choices.get(flip.method, {})) for c in base[flip.method]])
            for flip in flips(self.mode, methods)
        ]

    def switches(self, progress: bool = False) -> list[tuple[Flip, list[dict[str, Any]], list[dict[str, Any]]]]:
        """Each flip with its base runs and its flipped runs (seed by seed), the flipped runs
        loaded where saved (``switches/`` of the results folder), else computed and saved."""
        plan = self.switch_configs()
        base = {m: self.run([m], progress=False) for m in {flip.method for flip, _ in plan}}
        flipped = run_many(
            [c for _, cfgs in plan for c in cfgs],
            self.store,
            self.device,
            desc=f"{self.mode} mode, one switch at a time",
            progress=progress,
            kind="switches",
        )
        out, start = [], 0
        for flip, cfgs in plan:
            out.append((flip, base[flip.method], flipped[start : start + len(cfgs)]))
            start += len(cfgs)
        return out

    def runs(self, progress: bool = False):
        """``run()`` as one row per run (``tables.runs_frame``)."""
        from .tables import runs_frame

        return runs_frame(self.run(progress=progress))

    def study(self, method: str):
        """The Optuna study of ``method``'s λ search, its missing trials run first."""
        search = self.search(method)
        return run_search(search, search.n_trials, self.store, self.device, progress=False)

    def settings(self) -> dict[str, Any]:
        """Every setting the pages state, from this build's configs (``settings.settings``)."""
        from .settings import settings

        return settings(self.profile, self.mode, self.seeds)
