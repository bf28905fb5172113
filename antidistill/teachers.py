"""Teacher training on D1 (classes 5-9 masked), cached per seed and config in the results store."""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field

import torch

from .data import C1, DataConfig, FashionMNIST
from .losses import ClassMask, plain_ce
from .models import MLP, teacher_model
from .protocol import PAPER, Protocol
from .seeding import Streams
from .store import Store, atomic_torch_save, unusable
from .train import TrainConfig, fit

TEACHER_TRAIN = TrainConfig(epochs=30, lr=1e-2, batch_size=256, decay="step", gamma=0.1, milestones=(10,))


@dataclass(frozen=True)
class TeacherConfig:
    """Everything that determines a trained teacher (and so its cache key)."""

    seed: int = 0
    protocol: Protocol = PAPER
    train: TrainConfig = TEACHER_TRAIN
    data: DataConfig = field(default_factory=DataConfig)


def train_teacher(cfg: TeacherConfig, data: FashionMNIST, progress: bool = True) -> tuple[MLP, list[dict]]:
    """Train a [128, 64, 32] teacher on D1 of ``data`` (already sliced and on the device)."""
    streams = Streams(cfg.seed, single=cfg.protocol.single_stream)
    teacher = teacher_model(cfg.protocol.output_relu, generator=streams("teacher_init")).to(data.train.x.device)
    mask = ClassMask(C1, cfg.protocol.mask)
    d1 = data.d1()
    if cfg.protocol.teacher_batches == "drop_in_batch":
        train, keep = data.train, C1
    else:
        train, keep = d1.train, None
    history = fit(teacher, train, d1.test, cfg.train, plain_ce(mask), mask,
                  streams("teacher_batches") if cfg.protocol.shuffle else None, keep_classes=keep,
                  desc=f"teacher seed {cfg.seed}", progress=progress)
    return teacher, history


def get_teacher(cfg: TeacherConfig, data: FashionMNIST, store: Store | None = None,
                progress: bool = True) -> tuple[MLP, dict]:
    """The trained teacher on the CPU and its record, loaded from ``store`` when saved there."""
    name = f"seed{cfg.seed}"
    if store is not None:
        record = store.load("teachers", name, cfg, required=("history", "val_acc"))
        weights = store.path("teachers", name, cfg, ".pt")
        if record is not None and weights.is_file():
            teacher = teacher_model(cfg.protocol.output_relu)
            try:
                teacher.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
                return teacher, {**record, "cached": True}
            except (OSError, EOFError, RuntimeError, ValueError, KeyError, pickle.UnpicklingError) as exc:
                unusable(weights, f"unreadable teacher weights ({type(exc).__name__})")
    start = time.perf_counter()
    teacher, history = train_teacher(cfg, data, progress)
    teacher = teacher.cpu()
    record = {"seed": cfg.seed, "history": history, "val_acc": history[-1]["val_acc"],
              "wall_time_s": time.perf_counter() - start}
    if store is not None:
        # Weights first: a record only ever points at weights that are fully written.
        atomic_torch_save(store.path("teachers", name, cfg, ".pt"), teacher.state_dict())
        store.save("teachers", name, cfg, record)
    return teacher, {**record, "cached": False}
