"""One run of the paper's experiment: teacher, growth, student training on D2, robustness metrics."""

from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from .attacks import AttackConfig, fgsm_curve, weight_noise_curve
from .config import check, config_hash
from .data import DataConfig, FashionMNIST, load_fashion_mnist
from .diagnostics import effective_widths, never_predicted
from .growth import METHODS, GrowContext, GrowthConfig, Grown
from .losses import ClassMask, check_lambdas, plain_ce
from .models import MLP, teacher_model
from .protocol import MODES, Protocol, protocol_for
from .provenance import runtime
from .seeding import Streams
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


def grow(cfg: ExperimentConfig, teacher: MLP | None, data: FashionMNIST, streams: Streams | None = None,
         progress: bool = True) -> Grown:
    """The student of ``cfg`` as initialised, before D2 training: exactly the one ``run_experiment``
    trains (``streams`` continue into training when given). ``teacher`` is left untouched."""
    method = METHODS[cfg.method]
    streams = streams or Streams(cfg.seed, single=cfg.protocol.single_stream)
    if cfg.protocol.single_stream and method.authors_load_teacher:
        # Their notebooks build a teacher-shaped model before loading the teacher's weights.
        teacher_model(cfg.protocol.output_relu, generator=streams("student_init"))
    ctx = GrowContext(streams, cfg.protocol, cfg.growth, data=data if method.lambdas != "none" else None,
                      lambdas=cfg.lambdas, progress=progress)
    return method(copy.deepcopy(teacher), ctx)


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
    streams = Streams(cfg.seed, single=cfg.protocol.single_stream)
    grown = grow(cfg, teacher, data, streams, progress)
    student = grown.student.to(dev)
    everything = ClassMask()
    epochs = cfg.protocol.epochs_recorded(cfg.method, cfg.student.epochs)
    history = fit(student, data.train, data.test, dataclasses.replace(cfg.student, epochs=epochs),
                  plain_ce(everything), everything,
                  streams("student_batches") if cfg.protocol.shuffle else None,
                  head_only_epochs=grown.head_only_epochs, desc=f"{cfg.method} seed {cfg.seed}", progress=progress)
    fgsm = fgsm_curve(student, data.test, cfg.attack.fgsm_eps, cfg.attack.clamp)
    # In paper mode its own stream, the same for every method of a seed: all of them meet the same xi.
    noise = weight_noise_curve(student, data.test, cfg.attack.noise_eps, streams("weight_noise"), cfg.attack,
                               per_batch=cfg.protocol.noise_per_batch)
    return {
        "method": cfg.method,
        "label": method.label,
        "seed": cfg.seed,
        "mode": cfg.mode,
        "config_hash": config_hash(cfg),
        "val_acc": history[cfg.student.epochs]["val_acc"],
        # The D2 epoch after which each Table I metric was read (they differ for the
        # authors' 30-epoch recordings, see Protocol.recorded_epochs_factor).
        "metric_epochs": {"val_acc": cfg.student.epochs, "fgsm": epochs, "weight_noise": epochs},
        "history": history,
        "pretrain_history": grown.pretrain_history,
        "teacher": None if teacher_record is None else {
            k: teacher_record[k] for k in ("val_acc", "cached", "wall_time_s")},
        "effective_widths": effective_widths(student),
        "never_predicted": never_predicted(student, data.test),
        "fgsm": {"eps": list(cfg.attack.fgsm_eps), "acc": fgsm},
        "weight_noise": {"eps": list(cfg.attack.noise_eps), "acc": noise.acc, "se": noise.se,
                         "draws": noise.draws},
        "wall_time_s": time.perf_counter() - start,
        "device": str(dev),
        "environment": runtime(),
    }


# What every saved run holds (a file without one of them is recomputed).
RESULT_KEYS = ("method", "seed", "val_acc", "metric_epochs", "history", "fgsm", "weight_noise", "wall_time_s")


def get_or_run(cfg: ExperimentConfig, store: Store, device: str | None = "auto", progress: bool = True,
               force: bool = False, kind: str = "runs") -> dict[str, Any]:
    """The saved result of ``cfg`` if the store has it, else a fresh run saved atomically.

    ``kind`` is the store folder (the lambda search keeps its trial runs apart in "search").
    """
    if not force:
        saved = store.load(kind, cfg.run_name, cfg, required=RESULT_KEYS)
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
