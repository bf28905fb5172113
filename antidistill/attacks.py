"""Robustness metrics: accuracy under an FGSM attack and with Gaussian noise added to the weights."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from .config import check
from .data import Split

EVAL_CHUNK = 10000


@dataclass(frozen=True)
class AttackConfig:
    """The epsilon grids of both metrics (the authors' grids; Table I reads their largest values)."""

    fgsm_eps: tuple[float, ...] = tuple(round(0.002 * i, 3) for i in range(10))
    noise_eps: tuple[float, ...] = tuple(round(0.01 * i, 2) for i in range(10))
    clamp: bool = False  # clip adversarial images to [0, 1]; off in the authors' protocol
    noise_batch: int = 256  # test batch that gets its own weight noise when drawn per batch

    def __post_init__(self) -> None:
        check(len(self.fgsm_eps) > 0 and min(self.fgsm_eps) >= 0, "fgsm_eps must be a non-empty list of eps >= 0")
        check(len(self.noise_eps) > 0 and min(self.noise_eps) >= 0, "noise_eps must be a non-empty list of eps >= 0")
        check(self.noise_batch >= 1, f"noise_batch must be >= 1, got {self.noise_batch}")


def input_gradient_sign(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """sign(d CE / d x), the FGSM direction; the model's parameter gradients are left untouched."""
    x = x.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)
    return grad.sign()


def _step(x: torch.Tensor, direction: torch.Tensor, eps: float, clamp: bool) -> torch.Tensor:
    x_adv = x + eps * direction
    return x_adv.clamp(0, 1) if clamp else x_adv


def fgsm(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, clamp: bool = False) -> torch.Tensor:
    """The FGSM adversarial images x + eps * sign(grad_x CE) (Goodfellow et al., 2014)."""
    return _step(x, input_gradient_sign(model, x, y), eps, clamp)


def fgsm_curve(model: nn.Module, split: Split, eps_grid: tuple[float, ...], clamp: bool = False) -> list[float]:
    """Accuracy on ``split`` attacked with FGSM at every eps of ``eps_grid``.

    The attack direction does not depend on eps, so it is computed once per chunk.
    """
    was_training = model.training
    model.eval()
    correct = [0] * len(eps_grid)
    for x, y in zip(split.x.split(EVAL_CHUNK), split.y.split(EVAL_CHUNK)):
        direction = input_gradient_sign(model, x, y)
        with torch.no_grad():
            for i, eps in enumerate(eps_grid):
                correct[i] += int((model(_step(x, direction, eps, clamp)).argmax(1) == y).sum())
    model.train(was_training)
    return [c / len(split) for c in correct]


def _draw(params: dict[str, torch.Tensor], generator: torch.Generator) -> dict[str, torch.Tensor]:
    """xi ~ N(0, I) for every parameter, drawn on the CPU so a seed gives the same noise on any device."""
    return {name: torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device) for name, p in params.items()}


def _shifted(params: dict[str, torch.Tensor], xi: dict[str, torch.Tensor], eps: float) -> dict[str, torch.Tensor]:
    return {name: p + eps * xi[name] for name, p in params.items()}


@torch.no_grad()
def weight_noise_curve(model: nn.Module, split: Split, eps_grid: tuple[float, ...], generator: torch.Generator,
                       per_batch: bool = False, batch_size: int = 256) -> list[float]:
    """Accuracy on ``split`` of the model with weights w + eps * xi, for every eps of ``eps_grid``.

    The noisy weights live in a separate dict used through ``functional_call``, so the
    model's own weights are never written. By default one xi serves the whole split and the
    whole grid, so the curve shows the same direction of damage growing with eps.
    ``per_batch`` instead draws a new xi for every eps and every test batch of ``batch_size``
    (the authors' code).
    """
    was_training = model.training
    model.eval()
    params = {name: p.detach() for name, p in model.named_parameters()}
    xi = None if per_batch else _draw(params, generator)
    chunk = batch_size if per_batch else EVAL_CHUNK
    curve = []
    for eps in eps_grid:
        weights = None if per_batch else _shifted(params, xi, eps)
        correct = 0
        for x, y in zip(split.x.split(chunk), split.y.split(chunk)):
            if per_batch:
                weights = _shifted(params, _draw(params, generator), eps)
            correct += int((functional_call(model, weights, (x,)).argmax(1) == y).sum())
        curve.append(correct / len(split))
    model.train(was_training)
    return curve
