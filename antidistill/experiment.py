"""One run of the paper's experiment: teacher, growth, student training on D2, robustness metrics."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

import torch
from tqdm import tqdm

from .attacks import AttackConfig, fgsm_curve, weight_noise_curve
from .config import check, config_hash
from .data import DataConfig, load_fashion_mnist
from .diagnostics import effective_widths
from .growth import METHODS, GrowContext, GrowthConfig
from .losses import ClassMask, check_lambdas, plain_ce
from .models import teacher_model
from .protocol import MODES, Protocol, protocol_for
from .provenance import runtime
from .store import Store
from .teachers import TEACHER_TRAIN, TeacherConfig, get_teacher
from .train import TrainConfig, fit, pick_device

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

    def __post_init__(self) -> None:
        check(self.method in METHODS, f"unknown method {self.method!r}; allowed: {', '.join(METHODS)}")
        check(self.mode in MODES, f"mode must be one of {', '.join(MODES)}; got {self.mode!r}")
        check(isinstance(self.seed, int) and self.seed >= 0, f"seed must be an integer >= 0, got {self.seed!r}")
        if self.protocol is None:
            object.__setattr__(self, "protocol", protocol_for(self.mode))
        kind = METHODS[self.method].lambdas
        if kind == "searched":
            check(self.lambdas is not None,
                  f"{self.method} needs lambdas l1,l2,l3,l4 (found by the lambda search, notebook 4)")
            object.__setattr__(self, "lambdas", check_lambdas(self.lambdas))
            check(self.method != "antidistill_l4_0" or self.lambdas[3] == 0,
                  f"antidistill_l4_0 fixes lambda4 = 0; got lambdas {self.lambdas}")
        else:
            check(self.lambdas is None,
                  f"lambdas apply only to antidistill and antidistill_l4_0, not {self.method}")

    def teacher_config(self) -> TeacherConfig:
        return TeacherConfig(seed=self.seed, protocol=self.protocol, train=self.teacher, data=self.data)

    @property
    def run_name(self) -> str:
        return f"{self.mode}-{self.method}-seed{self.seed}"


def run_experiment(cfg: ExperimentConfig, store: Store | None = None, device: str | None = "auto",
                   progress: bool = True) -> dict[str, Any]:
    """Train (or load) the teacher, grow the student, train it on D2 and measure its robustness."""
    start = time.perf_counter()
    dev = pick_device(device)
    data = cfg.data.apply(load_fashion_mnist()).to(dev)
    method = METHODS[cfg.method]
    teacher, teacher_record = None, None
    if method.needs_teacher:
        teacher, teacher_record = get_teacher(cfg.teacher_config(), data, store, progress)
    generator = torch.Generator().manual_seed(cfg.seed)
    shell = None
    if cfg.protocol.draw_teacher_shape and method.needs_teacher:
        shell = teacher_model(cfg.protocol.output_relu, generator=generator)
    d1 = data.d1() if method.lambdas != "none" else None
    ctx = GrowContext(generator, cfg.protocol, cfg.growth, d1=d1, lambdas=cfg.lambdas,
                      shell=shell, progress=progress)
    grown = method(copy.deepcopy(teacher), ctx)
    student = grown.student.to(dev)
    everything = ClassMask()
    history = fit(student, data.train, data.test, cfg.student, plain_ce(everything), everything,
                  generator if cfg.protocol.shuffle else None, head_only_epochs=grown.head_only_epochs,
                  desc=f"{cfg.method} seed {cfg.seed}", progress=progress)
    # Separate stream so every method of a seed meets the same weight noise.
    noise_generator = torch.Generator().manual_seed(cfg.seed)
    fgsm = fgsm_curve(student, data.test, cfg.attack.fgsm_eps, cfg.attack.clamp)
    noise = weight_noise_curve(student, data.test, cfg.attack.noise_eps, noise_generator,
                               cfg.protocol.noise_per_batch, cfg.attack.noise_batch)
    return {
        "method": cfg.method,
        "label": method.label,
        "seed": cfg.seed,
        "mode": cfg.mode,
        "config_hash": config_hash(cfg),
        "val_acc": history[-1]["val_acc"],
        "history": history,
        "pretrain_history": grown.pretrain_history,
        "teacher": None if teacher_record is None else {
            k: teacher_record[k] for k in ("val_acc", "cached", "wall_time_s")},
        "effective_widths": effective_widths(student),
        "fgsm": {"eps": list(cfg.attack.fgsm_eps), "acc": fgsm},
        "weight_noise": {"eps": list(cfg.attack.noise_eps), "acc": noise},
        "wall_time_s": time.perf_counter() - start,
        "device": str(dev),
        "environment": runtime(),
    }


def get_or_run(cfg: ExperimentConfig, store: Store, device: str | None = "auto", progress: bool = True,
               force: bool = False, kind: str = "runs") -> dict[str, Any]:
    """The saved result of ``cfg`` if the store has it, else a fresh run saved atomically.

    ``kind`` is the store folder (the lambda search keeps its trial runs apart in "search").
    """
    if not force:
        saved = store.load(kind, cfg.run_name, cfg)
        if saved is not None:
            return {**saved, "cached": True}
    result = run_experiment(cfg, store, device, progress)
    path = store.save(kind, cfg.run_name, cfg, result)
    # Read back, so a fresh result looks exactly like a cached one.
    return {**store.load(kind, cfg.run_name, cfg), "path": str(path), "cached": False}


def run_many(configs: list[ExperimentConfig], store: Store, device: str | None = "auto", desc: str = "runs",
             progress: bool = True, kind: str = "runs") -> list[dict[str, Any]]:
    """``get_or_run`` over many configs with one progress bar; each result is saved as it finishes,
    so an interrupted batch loses at most the run in progress."""
    results = []
    bar = tqdm(configs, desc=desc, disable=not progress)
    for cfg in bar:
        bar.set_postfix_str(cfg.run_name)
        results.append(get_or_run(cfg, store, device, progress=False, kind=kind))
    return results
