"""Timings of this package's work: matmuls, student and pre-training epochs, attack curves, a whole run."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable

import torch
from torch import nn

from ..attacks import AttackConfig, fgsm_curve, weight_noise_curve
from ..data import FashionMNIST, take
from ..experiment import STUDENT_TRAIN, ExperimentConfig, run_seeds
from ..growth.context import GrowContext, GrowthConfig
from ..growth.pretrain import pretrain, pretrain_stack
from ..losses import plain_ce
from ..masks import ClassMask
from ..models import StackedMLP, student_model, teacher_model
from ..profiles import PROFILES
from ..protocol import protocol_for
from ..seeding import Streams
from ..train import TrainConfig, batch_indices, fit


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _best(fn: Callable[[], Any], repeats: int, device: torch.device) -> float:
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_gflops(device: torch.device, n: int, repeats: int) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b  # warm-up
    seconds = _best(lambda: [a @ b for _ in range(4)], repeats, device) / 4
    return 2 * n**3 / seconds / 1e9


def _students(n_seeds: int, device: torch.device) -> StackedMLP:
    students = [student_model(generator=torch.Generator().manual_seed(s)) for s in range(n_seeds)]
    return StackedMLP.stack(students).to(device)


def _trained_epoch(data: FashionMNIST, device: torch.device, n_seeds: int, epochs: int = 1) -> tuple[float, StackedMLP]:
    model = _students(n_seeds, device)
    everything = ClassMask()
    _sync(device)
    start = time.perf_counter()
    fit(
        model,
        data.train,
        data.test,
        TrainConfig(epochs=epochs, lr=STUDENT_TRAIN.lr),
        plain_ce(everything),
        everything,
        [torch.Generator().manual_seed(s) for s in range(n_seeds)],
        progress=False,
    )
    _sync(device)
    return time.perf_counter() - start, model


def fit_epoch(data: FashionMNIST, device: torch.device, n_seeds: int = 1, epochs: int = 1) -> float:
    """One D2 epoch (or ``epochs``) of a stack of ``n_seeds`` students in ``train.fit`` (its
    validation passes included): the time for all of them."""
    return _trained_epoch(data, device, n_seeds, epochs)[0]


def steady_epoch(timed: Callable[[int], float], device: torch.device, repeats: int = 1) -> tuple[float, float]:
    """(an epoch's time, what a fit's first epoch adds) from ``timed(epochs)``, one fit's time,
    best of ``repeats`` fits of each length.

    On CUDA a fit's first epoch also runs every batch shape's eager warm-up and graph capture
    (``engine.steps``), which a fit pays once, not every epoch: the rate is then a second epoch's (two
    epochs less one) and the rest of the first is reported apart. One untimed fit comes first:
    the first CUDA work of a kind in a process (kernels loaded, handles made) belongs to no
    epoch, and timed in, it made a one-epoch fit slower than a two-epoch one (a rate below 0).
    Elsewhere: one epoch, 0."""
    if device.type != "cuda":
        return min(timed(1) for _ in range(repeats)), 0.0
    timed(1)
    ones, twos = zip(*[(timed(1), timed(2)) for _ in range(repeats)])
    first, later = min(ones), min(twos) - min(ones)
    if later <= 0:
        raise RuntimeError(
            f"a two-epoch fit ({min(twos):.3g} s) took no longer than a one-epoch fit "
            f"({first:.3g} s): the device's timings are unstable; rerun the bench"
        )
    return later, max(first - later, 0.0)


def tight_epoch(data: FashionMNIST, device: torch.device, epochs: int = 1) -> float:
    """The same epochs as a bare loop: batches (gathered as ``fit`` gathers them), forward,
    backward, fused Adam, nothing else."""
    model = student_model(generator=torch.Generator().manual_seed(0)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=STUDENT_TRAIN.lr, fused=True)
    batches = [b[0] for b in batch_indices(data.train.y, STUDENT_TRAIN.batch_size, [torch.Generator().manual_seed(1)])]
    _sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        for idx in batches:
            optimizer.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(take(data.train.x, idx)), take(data.train.y, idx)).backward()
            optimizer.step()
    _sync(device)
    return time.perf_counter() - start


def single_run(device: torch.device, cfg: ExperimentConfig | None = None) -> float:
    """A whole single-seed run, nothing cached (by default Xavier, seed 0, paper profile and
    mode): growth, D2 training with its per-epoch validation, the FGSM and the weight-noise curves."""
    cfg = cfg or PROFILES["paper"].config("xavier", 0, "paper")
    _sync(device)
    start = time.perf_counter()
    run_seeds([cfg], None, str(device), progress=False)
    _sync(device)
    return time.perf_counter() - start


def attack_curves(model: StackedMLP, data: FashionMNIST, device: torch.device) -> tuple[float, float]:
    """Seconds for the FGSM curve and for the weight-noise curve (the protocol's grids and
    stopping rule) of every seed of ``model``. The noise curve's draws depend on how the
    accuracy spreads under noise, so ``model`` should be trained (an untrained one sits at
    chance and stops early)."""
    cfg = AttackConfig()
    _sync(device)
    start = time.perf_counter()
    fgsm_curve(model, data.test, cfg.fgsm_eps)
    _sync(device)
    middle = time.perf_counter()
    weight_noise_curve(
        model, data.test, cfg.noise_eps, [Streams(s, device=device)("weight_noise") for s in range(model.n_seeds)], cfg
    )
    _sync(device)
    return middle - start, time.perf_counter() - middle


def pretrain_epoch(
    data: FashionMNIST,
    device: torch.device,
    lambdas: tuple[float, ...],
    n_seeds: int = 1,
    mode: str = "paper",
    epochs: int = 1,
) -> float:
    """One D1 pre-training epoch (or ``epochs``) of a stack of ``n_seeds`` with the composite loss
    of ``lambdas``, as a run in ``mode`` pre-trains (``growth.pretrain_stack``: that mode's
    streams, batches, class mask and L4 gradient; the growth stage's batch size and learning
    rate): the time for all of them. In ``authors`` mode every draw comes from the seed's one
    CPU stream."""
    protocol = protocol_for(mode)
    growth = GrowthConfig()
    ctxs = [
        GrowContext(
            Streams(s, single=protocol.single_stream, device=device),
            protocol,
            replace(growth, pretrain=replace(growth.pretrain, epochs=epochs)),
            data,
            progress=False,
        )
        for s in range(n_seeds)
    ]
    grown = [
        pretrain(teacher_model(protocol.output_relu, generator=c.streams("teacher_init")), c, lambdas, "bench")
        for c in ctxs
    ]
    model = StackedMLP.stack([g.student for g in grown]).to(device)
    _sync(device)
    start = time.perf_counter()
    pretrain_stack(model, [g.pretraining for g in grown], ctxs)
    _sync(device)
    return time.perf_counter() - start
