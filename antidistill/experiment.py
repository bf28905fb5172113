"""One run of the paper's experiment: teacher, growth, student training on D2, robustness metrics."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import filelock
from tqdm import tqdm

from .attacks import AttackConfig, fgsm_curve, weight_noise_curve
from .authors_draws import evaluation_passes, loader_draws, teacher_loaded
from .config import check, config_hash
from .data import DataConfig, FashionMNIST
from .diagnostics import effective_widths, never_predicted
from .environment import StackTimer, pick_device, runtime
from .growth import METHODS, GrowContext, GrownStack, GrowthConfig, grow_seeds
from .losses import check_lambdas, plain_ce
from .masks import ClassMask
from .models import MLP
from .numerics import check as check_code_path
from .protocol import MODES, Protocol, protocol_for
from .seeding import Streams
from .store import Store
from .teachers import TEACHER_SOURCES, TEACHER_TRAIN, TeacherConfig, authors_teachers, get_teachers
from .train import TrainConfig, fit

STUDENT_TRAIN = TrainConfig(epochs=10, lr=1e-3, batch_size=256)


@dataclass(frozen=True)
class ExperimentConfig:
    """A full run. ``protocol`` defaults to the switches of ``mode``; override single switches
    for ablations. Build variants with ``antidistill.config.override(cfg, {"student.epochs": 3})``."""

    method: str = "xavier"
    seed: int = 0
    mode: str = "paper"
    lambdas: tuple[float, float, float, float] | None = None
    protocol: Protocol | None = None
    data: DataConfig = field(default_factory=DataConfig)
    teacher: TrainConfig = TEACHER_TRAIN
    student: TrainConfig = STUDENT_TRAIN
    growth: GrowthConfig = field(default_factory=GrowthConfig)
    attack: AttackConfig = field(default_factory=AttackConfig)
    # "ours": teachers trained here from the seed (cached in the store); "authors": the authors'
    # trained teacher of the seed (``reference.authors_teacher_path``), to separate what growth
    # and student training reproduce from what teacher training changes.
    teachers: str = "ours"

    def __post_init__(self) -> None:
        check(self.method in METHODS, f"unknown method {self.method!r}; allowed: {', '.join(METHODS)}")
        check(self.mode in MODES, f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        check(isinstance(self.seed, int) and self.seed >= 0, f"seed must be an integer >= 0, got {self.seed!r}")
        if self.protocol is None:
            object.__setattr__(self, "protocol", protocol_for(self.mode))
        check(
            self.protocol.base == self.mode,
            f"mode {self.mode!r} does not match the protocol, which holds {self.protocol.base} mode's switches: "
            f"choose the mode with --mode (its protocol comes with it), single switches with --set protocol.NAME=...",
        )
        check(
            self.teachers in TEACHER_SOURCES,
            f"teachers must be one of {', '.join(TEACHER_SOURCES)}; got {self.teachers!r}",
        )
        check(
            self.teachers == "ours" or self.protocol.output_relu,
            "the authors' teachers end in a ReLU: use them with protocol.output_relu=true (authors mode)",
        )
        kind = METHODS[self.method].lambdas
        if kind == "searched":
            check(
                self.lambdas is not None,
                f"{self.method} needs lambdas l1,l2,l3,l4 (found by the lambda search, notebook 4)",
            )
            object.__setattr__(self, "lambdas", METHODS[self.method].check_searched(check_lambdas(self.lambdas)))
        else:
            check(self.lambdas is None, f"lambdas apply only to antidistill and antidistill_l4_0, not {self.method}")

    def teacher_config(self) -> TeacherConfig:
        return TeacherConfig(seed=self.seed, protocol=self.protocol, train=self.teacher, data=self.data)

    @property
    def run_name(self) -> str:
        return f"{self.mode}-{self.method}-seed{self.seed}{self.data.tag}"


def _check_stackable(cfgs: Sequence[ExperimentConfig]) -> ExperimentConfig:
    """The configs of one stack differ only in their seed and (for λ-search trials) their
    lambdas, with the same lambdas at zero; returns the first."""
    check(len(cfgs) >= 1, "no run config given")
    first = cfgs[0]
    check(
        all(dataclasses.replace(c, seed=0, lambdas=first.lambdas) == dataclasses.replace(first, seed=0) for c in cfgs),
        "runs trained together must differ only in their seed and lambdas",
    )
    keys = [(c.seed, c.lambdas) for c in cfgs]
    check(len(set(keys)) == len(keys), f"runs repeat in a stack: seeds {[c.seed for c in cfgs]}")
    return first


def grow_stack(
    cfgs: Sequence[ExperimentConfig],
    teachers: Sequence[MLP | None],
    data: FashionMNIST,
    streams: Sequence[Streams] | None = None,
    progress: bool = True,
) -> GrownStack:
    """The students of ``cfgs`` (one per run) as initialised, before D2 training, stacked on the
    data's device: exactly the ones ``run_seeds`` trains (``streams`` continue into training when
    given). The teachers are left untouched."""
    cfg = _check_stackable(cfgs)
    method = METHODS[cfg.method]
    device = data.train.x.device
    streams = streams or [Streams(c.seed, single=cfg.protocol.single_stream, device=device) for c in cfgs]
    ctxs = []
    for c, st in zip(cfgs, streams):
        if cfg.protocol.single_stream and method.authors_load_teacher:
            teacher_loaded(cfg.protocol, st("student_init"), data.n_inputs)
        ctxs.append(
            GrowContext(
                st,
                cfg.protocol,
                cfg.growth,
                data=data if method.lambdas != "none" else None,
                lambdas=c.lambdas,
                progress=progress,
                n_inputs=data.n_inputs,
            )
        )
    return grow_seeds(method, teachers, ctxs, device)


def run_seeds(
    cfgs: Sequence[ExperimentConfig], store: Store | None = None, device: str | None = "auto", progress: bool = True
) -> list[dict[str, Any]]:
    """Runs that differ only in the seed (and, for λ-search trials, the lambdas), trained together
    as one stack: teachers, growth, D2 training, FGSM and weight noise. Each run draws from its
    own streams, so its result is the one it gives alone (to the last bit on the CPU)."""
    cfg = _check_stackable(cfgs)
    dev = pick_device(device)
    if dev.type == "cpu":
        check_code_path()  # warns when torch computed before the code path could be pinned
    data = cfg.data.apply(cfg.data.load()).to(dev)
    method = METHODS[cfg.method]
    teachers: list[tuple[MLP | None, dict | None]] = [(None, None)] * len(cfgs)
    if method.needs_teacher and cfg.teachers == "authors":
        teachers = authors_teachers([c.teacher_config() for c in cfgs], data)
    elif method.needs_teacher:
        teachers = get_teachers([c.teacher_config() for c in cfgs], data, store, progress)
    # Timed from here: a teacher trained above records its own time, so a sum counts it once.
    timer = StackTimer()
    streams = [Streams(c.seed, single=cfg.protocol.single_stream, device=dev) for c in cfgs]
    grown = grow_stack(cfgs, [t for t, _ in teachers], data, streams, progress)
    student = grown.student
    everything = ClassMask()
    epochs = cfg.protocol.epochs_recorded(cfg.method, cfg.student.epochs)
    seeds = ", ".join(str(c.seed) for c in cfgs)
    batch_streams = [st("student_batches") for st in streams]
    passes = evaluation_passes(cfg.protocol, cfg.method, -(-len(data.train) // cfg.student.batch_size))
    histories = fit(
        student,
        data.train,
        data.test,
        dataclasses.replace(cfg.student, epochs=epochs),
        plain_ce(everything),
        everything,
        batch_streams if cfg.protocol.shuffle else [None] * len(cfgs),
        head_only_epochs=grown.head_only_epochs,
        loader=loader_draws(cfg.protocol, batch_streams, passes),
        desc=f"{cfg.method} seed {seeds}",
        progress=progress,
    )
    test_loader = loader_draws(cfg.protocol, batch_streams)
    fgsm = fgsm_curve(student, data.test, cfg.attack.fgsm_eps, cfg.attack.clamp, loader=test_loader)
    # In paper mode its own stream, the same for every method of a seed: all of them meet the same xi.
    noise = weight_noise_curve(
        student,
        data.test,
        cfg.attack.noise_eps,
        [st("weight_noise") for st in streams],
        cfg.attack,
        per_batch=cfg.protocol.noise_per_batch,
        loader=test_loader,
    )
    times = timer.shares(len(cfgs))
    environment = runtime()
    results = []
    for s, (c, (_, teacher_record)) in enumerate(zip(cfgs, teachers)):
        member = student.member(s)
        results.append(
            {
                "method": c.method,
                "label": method.label,
                "seed": c.seed,
                "mode": c.mode,
                "config_hash": config_hash(c),
                "val_acc": histories[s][c.student.epochs]["val_acc"],
                # The D2 epoch after which each Table I metric was read (they differ for the
                # authors' 30-epoch recordings, see Protocol.recorded_epochs_factor).
                "metric_epochs": {"val_acc": c.student.epochs, "fgsm": epochs, "weight_noise": epochs},
                "history": histories[s],
                "pretrain_history": None if grown.pretrain_histories is None else grown.pretrain_histories[s],
                "teacher": None
                if teacher_record is None
                else {k: teacher_record[k] for k in ("val_acc", "cached", "wall_time_s")},
                "effective_widths": effective_widths(member),
                "never_predicted": never_predicted(member, data.test),
                "fgsm": {"eps": list(c.attack.fgsm_eps), "acc": fgsm[s]},
                "weight_noise": {
                    "eps": list(c.attack.noise_eps),
                    "acc": noise[s].acc,
                    "se": noise[s].se,
                    "draws": noise[s].draws,
                },
                **times,
                "stack_size": len(cfgs),
                "device": str(dev),
                "environment": environment,
            }
        )
    return results


def get_or_run_seeds(
    cfgs: Sequence[ExperimentConfig],
    store: Store,
    device: str | None = "auto",
    progress: bool = True,
    force: bool = False,
    kind: str = "runs",
) -> list[dict[str, Any]]:
    """The saved results of ``cfgs`` (configs that differ only in the seed) where the store has
    them, the missing ones run as one stack (``run_seeds``), each saved atomically to its own
    file (``force``: run them all again). ``kind`` is the store folder (the λ search keeps its
    trial runs apart in "search"). One seed is a stack of one."""
    _check_stackable(cfgs)
    found: dict[int, dict[str, Any]] = {}
    if not force:
        for i, cfg in enumerate(cfgs):
            saved = store.load(kind, cfg.run_name, cfg)
            if saved is not None:
                found[i] = {**saved, "cached": True}
    missing = [i for i in range(len(cfgs)) if i not in found]
    if missing:
        store.computing(
            f"the {kind} of {cfgs[0].mode}-{cfgs[0].method} seed {', '.join(str(cfgs[i].seed) for i in missing)}"
        )
        for i, result in zip(missing, run_seeds([cfgs[i] for i in missing], store, device, progress)):
            path = store.save(kind, cfgs[i].run_name, cfgs[i], result)
            # Read back, so a fresh result looks exactly like a cached one (and passes the same checks).
            saved = Store(store.root, strict=True).load(kind, cfgs[i].run_name, cfgs[i])
            found[i] = {**saved, "path": str(path), "cached": False}
    return [found[i] for i in range(len(cfgs))]


def stale_results(store: Store) -> list[tuple[Path, str]]:
    """Every saved run, search trial and teacher record of ``store`` that the code can no longer
    use, with why (``Store.stale``): never shown, recomputed when asked for."""
    return [
        *store.stale("runs", ExperimentConfig),
        *store.stale("switches", ExperimentConfig),
        *store.stale("search", ExperimentConfig),
        *store.stale("teachers", TeacherConfig),
    ]


def stacks(configs: Sequence[ExperimentConfig], max_seeds: int | None = None) -> list[list[int]]:
    """Indices of ``configs`` grouped into stacks: configs that differ only in the seed, at most
    ``max_seeds`` each, in first-seen order. Where seeds cannot share batch shapes (classes
    dropped inside shuffled batches) every run is its own stack."""
    groups: dict[str, list[int]] = {}
    for i, cfg in enumerate(configs):
        groups.setdefault(config_hash(dataclasses.replace(cfg, seed=0)), []).append(i)
    limit = max_seeds or len(configs) or 1
    out = []
    for members in groups.values():
        p = configs[members[0]].protocol
        if p.shuffle and "drop_in_batch" in (p.teacher_batches, p.pretrain_batches):
            limit_here = 1
        else:
            limit_here = limit
        out += [members[k : k + limit_here] for k in range(0, len(members), limit_here)]
    return out


def run_many(
    configs: list[ExperimentConfig],
    store: Store,
    device: str | None = "auto",
    desc: str = "runs",
    progress: bool = True,
    kind: str = "runs",
    max_seeds: int | None = None,
) -> list[dict[str, Any]]:
    """``get_or_run_seeds`` over many configs, the seeds of each (method, settings) trained as one
    stack (``max_seeds`` at most), with one progress bar; each result is saved as its stack
    finishes, so an interrupted batch loses at most the stack in progress. Several processes may
    compute one batch into one folder side by side: a stack with results missing is claimed
    (``Store.claim``) while it is computed, and a stack another process has claimed is left for
    last, then loaded (or computed, if that process stopped)."""
    results: dict[int, dict[str, Any]] = {}
    groups = stacks(configs, max_seeds)
    bar = tqdm(total=len(groups), desc=desc, disable=not progress)
    left: list[list[int]] = []
    for wait, todo in ((False, groups), (True, left)):
        for group in todo:
            cfgs = [configs[i] for i in group]
            bar.set_postfix_str(f"{cfgs[0].mode}-{cfgs[0].method} seeds {','.join(str(c.seed) for c in cfgs)}")
            claim = None
            if not store.read_only and not all(store.path(kind, c.run_name, c).is_file() for c in cfgs):
                claim = store.claim(kind, cfgs[0].run_name, cfgs[0])
                try:
                    claim.acquire(timeout=-1 if wait else 0)
                except filelock.Timeout:
                    left.append(group)
                    continue
            try:
                for i, result in zip(group, get_or_run_seeds(cfgs, store, device, progress, kind=kind)):
                    results[i] = result
            finally:
                if claim is not None:
                    claim.release()
            bar.update()
    bar.close()
    return [results[i] for i in range(len(configs))]
