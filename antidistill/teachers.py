"""Teacher training on D1 (classes 5-9 masked), cached per seed and config in the results store."""

from __future__ import annotations

import dataclasses
import pickle
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import torch

from .authors_draws import loader_draws
from .config import check
from .data import C1, DataConfig, FashionMNIST
from .environment import StackTimer
from .losses import plain_ce
from .masks import ClassMask
from .models import MLP, StackedMLP, teacher_model
from .protocol import PAPER, Protocol, teacher_part
from .reference import authors_teacher_path, load_authors_teacher
from .seeding import Streams
from .store import InvalidRecord, Store, StoreWarning, atomic_torch_save
from .train import TrainConfig, evaluate, fit

# Where a run's teacher comes from (``ExperimentConfig.teachers``).
TEACHER_SOURCES = ("ours", "authors")
TEACHER_TRAIN = TrainConfig(epochs=30, lr=1e-2, batch_size=256, decay="step", gamma=0.1, milestones=(10,))


@dataclass(frozen=True)
class TeacherConfig:
    """Everything that determines a trained teacher (and so its cache key); its protocol keeps
    only the switches a teacher reads (``protocol.teacher_part``)."""

    seed: int = 0
    protocol: Protocol = PAPER
    train: TrainConfig = TEACHER_TRAIN
    data: DataConfig = field(default_factory=DataConfig)

    def __post_init__(self) -> None:
        object.__setattr__(self, "protocol", teacher_part(self.protocol))


def _same_but_seed(cfgs: Sequence[TeacherConfig]) -> None:
    check(len(cfgs) >= 1, "no teacher config given")
    check(
        all(dataclasses.replace(c, seed=0) == dataclasses.replace(cfgs[0], seed=0) for c in cfgs),
        "teachers trained together must differ only in their seed",
    )


def train_teachers(
    cfgs: Sequence[TeacherConfig], data: FashionMNIST, progress: bool = True
) -> tuple[list[MLP], list[list[dict]]]:
    """Train one [128, 64, 32] teacher per config (configs that differ only in the seed), all at
    once as one stack, on D1 of ``data`` (already sliced and on the device); each seed keeps its
    own streams, so a teacher is the one a stack of one would give."""
    _same_but_seed(cfgs)
    cfg = cfgs[0]
    streams = [Streams(c.seed, single=cfg.protocol.single_stream) for c in cfgs]
    teachers = StackedMLP.stack(
        [
            teacher_model(cfg.protocol.output_relu, generator=st("teacher_init"), n_inputs=data.n_inputs)
            for st in streams
        ]
    ).to(data.train.x.device)
    mask = ClassMask(C1, cfg.protocol.mask)
    d1 = data.d1()
    if cfg.protocol.teacher_batches == "drop_in_batch":
        train, keep = data.train, C1
    else:
        train, keep = d1.train, None
    seeds = ", ".join(str(c.seed) for c in cfgs)
    # Their teacher notebook made one test pass after every epoch (``authors_draws``).
    loader = loader_draws(cfg.protocol, [st("teacher_batches") for st in streams], passes_after_epoch=1)
    histories = fit(
        teachers,
        train,
        d1.test,
        cfg.train,
        plain_ce(mask),
        mask,
        [st("teacher_batches") if cfg.protocol.shuffle else None for st in streams],
        keep_classes=keep,
        loader=loader,
        desc=f"teacher seed {seeds}",
        progress=progress,
    )
    return teachers.unstack(), histories


def get_teachers(
    cfgs: Sequence[TeacherConfig], data: FashionMNIST, store: Store | None = None, progress: bool = True
) -> list[tuple[MLP, dict]]:
    """The trained teachers (on the CPU) and their records, loaded from ``store`` where saved
    there; the missing ones are trained together and saved one file per seed."""
    _same_but_seed(cfgs)
    unique = list({cfg.seed: cfg for cfg in cfgs}.values())
    if len(unique) < len(cfgs):  # λ-search trials of one seed share its teacher
        by_seed = {cfg.seed: pair for cfg, pair in zip(unique, get_teachers(unique, data, store, progress))}
        return [by_seed[cfg.seed] for cfg in cfgs]
    found: dict[int, tuple[MLP, dict]] = {}
    for i, cfg in enumerate(cfgs):
        loaded = _load(cfg, store)
        if loaded is not None:
            found[i] = loaded
    missing = [i for i in range(len(cfgs)) if i not in found]
    if missing:
        if store is not None:
            store.computing(
                f"the teacher of seed {', '.join(str(cfgs[i].seed) for i in missing)} ({cfgs[0].protocol.base} mode)"
            )
        timer = StackTimer()
        teachers, histories = train_teachers([cfgs[i] for i in missing], data, progress)
        times = timer.shares(len(missing))
        for i, teacher, history in zip(missing, teachers, histories):
            cfg, teacher = cfgs[i], teacher.cpu()
            record = {"seed": cfg.seed, "history": history, "val_acc": history[-1]["val_acc"], **times}
            if store is not None:
                reproduced = _reproduced_record(store, cfg, record)
                # Weights first: a record only ever points at weights that are fully written.
                atomic_torch_save(store.path("teachers", _name(cfg), cfg, ".pt"), teacher.state_dict())
                if reproduced is None:
                    store.save("teachers", _name(cfg), cfg, record)
                else:
                    record = reproduced
            found[i] = (teacher, {**record, "cached": False})
    return [found[i] for i in range(len(cfgs))]


def _reproduced_record(store: Store, cfg: TeacherConfig, retrained: dict) -> dict | None:
    """For a teacher trained again because only its weights were missing (published results keep
    only seed 0's): its saved record, training time included, when the retraining reproduced its
    history to the bit, so that recomputing weights rewrites no record; None where none is saved.
    A retraining that differs returns None (its record is replaced) with a StoreWarning, or in a
    strict store (published results) raises InvalidRecord: the runs saved from that teacher came
    from other weights."""
    saved = store.load("teachers", _name(cfg), cfg)
    if saved is None:
        return None
    if saved["history"] == retrained["history"]:
        return {k: v for k, v in saved.items() if k not in ("config", "results_version")}
    why = (
        f"{store.path('teachers', _name(cfg), cfg)}: its weights were missing, and the teacher trained "
        "again here does not reproduce its recorded history (another CPU code path or library version?)"
    )
    if store.strict:
        raise InvalidRecord(f"{why}; the runs saved beside it came from other weights: compute into another folder")
    warnings.warn(f"{why}; its record is replaced by the new teacher's", StoreWarning, stacklevel=3)
    return None


def teacher_records(
    cfgs: Sequence[TeacherConfig], data: FashionMNIST, store: Store, progress: bool = True
) -> list[dict]:
    """The records (history, accuracy, time) of the trained teachers: read where saved, whether
    or not their weights are (published results keep only seed 0's), the others trained."""
    saved = [store.load("teachers", _name(cfg), cfg) for cfg in cfgs]
    records = {i: {**record, "cached": True} for i, record in enumerate(saved) if record is not None}
    missing = [i for i in range(len(cfgs)) if i not in records]
    if missing:
        for i, (_, record) in zip(missing, get_teachers([cfgs[i] for i in missing], data, store, progress)):
            records[i] = record
    return [records[i] for i in range(len(cfgs))]


def authors_teachers(cfgs: Sequence[TeacherConfig], data: FashionMNIST) -> list[tuple[MLP, dict]]:
    """The authors' trained teachers of the configs' seeds (read in place from the shared
    reference folder), each with a record as a trained teacher has: its accuracy on D1's test
    split under the config's mask, and no training time."""
    _same_but_seed(cfgs)
    teachers = [load_authors_teacher(authors_teacher_path(c.seed)) for c in cfgs]
    d1 = data.d1()
    stacked = StackedMLP.stack(teachers).to(d1.test.y.device)
    _, accuracy = evaluate(stacked, d1.test, ClassMask(C1, cfgs[0].protocol.mask))
    return [
        (t, {"seed": c.seed, "val_acc": a, "cached": True, "wall_time_s": 0.0, "source": "authors"})
        for t, c, a in zip(teachers, cfgs, accuracy)
    ]


def _name(cfg: TeacherConfig) -> str:
    return f"seed{cfg.seed}{cfg.data.tag}"


def _load(cfg: TeacherConfig, store: Store | None) -> tuple[MLP, dict] | None:
    if store is None:
        return None
    record = store.load("teachers", _name(cfg), cfg)
    weights = store.path("teachers", _name(cfg), cfg, ".pt")
    if record is None or not weights.is_file():
        return None
    teacher = teacher_model(cfg.protocol.output_relu, n_inputs=cfg.data.load().n_inputs)
    try:
        teacher.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    except (OSError, EOFError, RuntimeError, ValueError, KeyError, pickle.UnpicklingError) as exc:
        store.reject(weights, f"unreadable teacher weights ({type(exc).__name__})")
        return None
    if not all(bool(torch.isfinite(p).all()) for p in teacher.parameters()):
        # The file is damaged (training never saves a diverged teacher): say so, not "lower the rate".
        store.reject(weights, "the teacher's weights hold NaN or infinite values")
        return None
    return teacher, {**record, "cached": True}
