"""Each piece of the speed engine (``antidistill/engine/``) timed against the readable reference it replaces, on the same work."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

import torch

from ..attacks import AttackConfig, fgsm, input_gradient_sign, noisy_accuracy, weight_noise_curve
from ..data import FashionMNIST
from ..engine.curvature import hutchinson_forward
from ..engine.draws import member_random
from ..engine.split_layer import fgsm_logits
from ..engine.steps import GRAPHS_ENV
from ..losses import hutchinson_trace
from ..masks import ClassMask
from ..models import stack_activations
from ..seeding import member_reference
from .timings import _best, _students, fit_epoch

# The work each comparison times: a stack of this many students (a book build's stacks), on
# batches of the training batch size, FGSM on this many test images at the protocol's 10 eps,
# weight noise at 3 eps with a fixed number of draws (so both sides do the same work).
SEEDS, BATCH, FGSM_IMAGES, NOISE_DRAWS = 10, 256, 1000, 16
NOISE_EPS = (0.0, 0.05, 0.09)


@dataclass(frozen=True)
class Compared:
    """One engine piece against its reference: the best of ``repeats`` timings of each, in seconds."""

    piece: str
    reference: str
    reference_s: float
    engine_s: float

    @property
    def speedup(self) -> float:
        return self.reference_s / self.engine_s


def _batch(data: FashionMNIST, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = data.train.x[:BATCH].to(device), data.train.y[:BATCH].to(device)
    return x.expand(SEEDS, *x.shape), y.expand(SEEDS, -1)


def curvature(data: FashionMNIST, device: torch.device, repeats: int) -> Compared:
    """L4 with its gradient, one Rademacher probe per member: the second-order forward pass
    against Pearlmutter's double backward."""
    model, mask = _students(SEEDS, device), ClassMask()
    x, y = _batch(data, device)
    params = list(model.parameters())

    def gens() -> list[torch.Generator]:
        return [torch.Generator(device=device).manual_seed(s) for s in range(SEEDS)]

    def engine() -> None:
        trace = hutchinson_forward(model, stack_activations(model, params, x), y, mask, gens(), 1, "rademacher", False)
        torch.autograd.grad(trace.sum(), params)

    def reference() -> None:
        trace = hutchinson_trace(mask.ce(model(x), y), params, gens(), 1, "rademacher", False)
        torch.autograd.grad(trace.sum(), params)

    return _compare("L4 (forward-mode curvature)", "Pearlmutter's double backward", reference, engine, repeats, device)


def split_fgsm(data: FashionMNIST, device: torch.device, repeats: int) -> Compared:
    """The FGSM curve's logits at every eps: one split first-layer product against one attacked
    forward pass per eps."""
    model = _students(SEEDS, device)
    x = model.broadcast(data.test.x[:FGSM_IMAGES].to(device))
    y = data.test.y[:FGSM_IMAGES].to(device).expand(SEEDS, -1)
    eps = AttackConfig().fgsm_eps
    eps_t = torch.tensor(eps, dtype=torch.float64, device=device)

    def engine() -> None:
        direction = input_gradient_sign(model, x, y)
        with torch.no_grad():
            fgsm_logits(model, x, direction, eps_t)

    def reference() -> None:
        for e in eps:
            images = fgsm(model, x, y, e)
            with torch.no_grad():
                model(images)

    return _compare("FGSM, every ε (split first layer)", "one attack per ε", reference, engine, repeats, device)


def weight_noise(data: FashionMNIST, device: torch.device, repeats: int) -> Compared:
    """The weight-noise metric of a stack, a fixed number of draws: the engine's split products
    for every member at once against ``noisy_accuracy`` of one model at a time."""
    model = _students(SEEDS, device)
    cfg = AttackConfig(noise_min_draws=NOISE_DRAWS, noise_max_draws=NOISE_DRAWS)
    test = data.test.to(device)

    def gens() -> list[torch.Generator]:
        return [torch.Generator(device=device).manual_seed(s) for s in range(SEEDS)]

    def engine() -> None:
        weight_noise_curve(model, test, NOISE_EPS, gens(), cfg)

    def reference() -> None:
        for s, generator in enumerate(gens()):
            noisy_accuracy(model.member(s), test, NOISE_EPS, generator, cfg)

    return _compare("weight noise (stacked split products)", "one model at a time", reference, engine, repeats, device)


def draws(data: FashionMNIST, device: torch.device, repeats: int, kind: str) -> Compared:
    """One pre-training step's draws of ``kind`` for a stack: L3's uniform noise of a batch of
    images, or an L4 Rademacher probe of every weight, against one torch draw per member and tensor."""
    model = _students(SEEDS, device)
    like = [_batch(data, device)[0]] if kind == "uniform" else [p.detach() for p in model.parameters()]

    def gens() -> list[torch.Generator]:
        return [torch.Generator(device=device).manual_seed(s) for s in range(SEEDS)]

    what = "L3 input noise" if kind == "uniform" else "L4 probes"
    return _compare(
        f"{what} (engine draws)",
        "torch draws per member",
        lambda: member_reference(like, gens(), kind),
        lambda: member_random(like, gens(), kind),
        repeats,
        device,
    )


def adam(data: FashionMNIST, device: torch.device, repeats: int) -> Compared | None:
    """One optimiser step of a stack on the CPU: the fused kernel on each member's slice
    (``engine.adam.MemberAdam``, there so that a seed's update is the one it gets alone) against
    torch's default Adam over the stacked tensors. None on CUDA, where torch's fused Adam runs."""
    if device.type != "cpu":
        return None
    from ..engine.adam import MemberAdam

    def stepper(make: Callable) -> Callable[[], None]:
        model = _students(SEEDS, device)
        for p in model.parameters():
            p.grad = torch.randn_like(p)
        optimizer = make(model.parameters())
        optimizer.step()  # the state, allocated once
        return optimizer.step

    return _compare(
        "Adam (fused, per member)",
        "torch.optim.Adam on the stack",
        stepper(lambda ps: torch.optim.Adam(ps, lr=1e-3)),
        stepper(lambda ps: MemberAdam(ps, lr=1e-3)),
        repeats,
        device,
    )


def graphs(data: FashionMNIST, device: torch.device) -> Compared | None:
    """A D2 epoch of a stack replayed as CUDA graphs against the same epoch run eagerly (None on the CPU)."""
    if device.type != "cuda":
        return None
    eager = _with_env(GRAPHS_ENV, "0", lambda: fit_epoch(data, device, SEEDS))
    graphed = fit_epoch(data, device, SEEDS)
    return Compared("D2 epoch as CUDA graphs", "eager steps", eager, graphed)


def _with_env(name: str, value: str, fn: Callable[[], float]) -> float:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        return fn()
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before


def _compare(
    piece: str, reference_name: str, reference: Callable, engine: Callable, repeats: int, device: torch.device
) -> Compared:
    reference(), engine()  # warm-up: first-call allocations and kernel choices
    return Compared(piece, reference_name, _best(reference, repeats, device), _best(engine, repeats, device))


def compare_engine(data: FashionMNIST, device: torch.device, repeats: int = 3) -> list[Compared]:
    """Every engine piece that applies on ``device`` against its reference."""
    found = [
        curvature(data, device, repeats),
        split_fgsm(data, device, repeats),
        weight_noise(data, device, repeats),
        draws(data, device, repeats, "uniform"),
        draws(data, device, repeats, "rademacher"),
        adam(data, device, repeats),
        graphs(data, device),
    ]
    return [c for c in found if c is not None]
