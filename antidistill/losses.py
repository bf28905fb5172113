"""The composite loss L(w) = l1*CE + l2*L2 + l3*L3 + l4*L4 and each of its terms."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from .config import check
from .protocol import Protocol

TERMS = ("ce", "l2", "l3", "l4")


@dataclass(frozen=True)
class ClassMask:
    """Which output classes the loss and the accuracy see.

    ``classes=None`` is all outputs. Otherwise the other classes are masked: ``drop``
    removes their logits from the softmax; ``zero`` multiplies them by 0 (the authors' way,
    which leaves those classes in the softmax at logit 0).
    """

    classes: tuple[int, ...] | None = None
    how: str = "drop"

    def __post_init__(self) -> None:
        check(self.how in ("drop", "zero"), f"how must be 'drop' or 'zero', got {self.how!r}")
        if self.classes is not None:
            check(self.classes == tuple(range(len(self.classes))),
                  f"a class mask keeps the first classes 0..k-1, got {self.classes}")

    def scores(self, logits: torch.Tensor) -> torch.Tensor:
        if self.classes is None:
            return logits
        k = len(self.classes)
        if self.how == "drop":
            return logits[:, :k]
        keep = torch.zeros(logits.shape[1], dtype=logits.dtype, device=logits.device)
        keep[:k] = 1
        return logits * keep

    def ce(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(self.scores(logits), y)

    def correct(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (self.scores(logits).argmax(1) == y).sum()


def projection_distance(student: nn.Module, teacher: nn.Module, squared: bool = True) -> torch.Tensor:
    """L2 = ||u - Pr[w]||^2: Pr takes the teacher-shaped top-left slice of every student tensor.

    With ``squared=False`` it is the plain Euclidean norm (the authors' code).
    """
    total = None
    for (name, w), (_, u) in zip(student.named_parameters(), teacher.named_parameters(), strict=True):
        check(w.dim() == u.dim() and all(a >= b for a, b in zip(w.shape, u.shape)),
              f"student {name} {tuple(w.shape)} does not contain teacher shape {tuple(u.shape)}")
        block = w[tuple(slice(0, n) for n in u.shape)]
        sq = (block - u.detach()).pow(2).sum()
        total = sq if total is None else total + sq
    assert total is not None
    return total if squared else total.sqrt()


def uniform_noise(x: torch.Tensor, delta: float, generator: torch.Generator) -> torch.Tensor:
    """x' drawn uniformly from [x - delta, x + delta] (drawn on the CPU for device-independent seeds)."""
    u = torch.rand(x.shape, generator=generator, dtype=x.dtype)
    return x + (2 * u.to(x.device) - 1) * delta


def noisy_input_ce(model: nn.Module, x: torch.Tensor, y: torch.Tensor, mask: ClassMask,
                   delta: float, generator: torch.Generator) -> torch.Tensor:
    """L3: cross-entropy on inputs drawn uniformly from the delta-box around x (one draw per sample)."""
    return mask.ce(model(uniform_noise(x, delta, generator)), y)


def draw_probes(params: Sequence[torch.Tensor], generator: torch.Generator, kind: str) -> list[torch.Tensor]:
    """Hutchinson probe vectors, one per parameter tensor: Rademacher +-1, or U[0, 1) (authors)."""
    probes = []
    for p in params:
        if kind == "rademacher":
            v = torch.randint(0, 2, p.shape, generator=generator).to(p.dtype) * 2 - 1
        elif kind == "uniform":
            v = torch.rand(p.shape, generator=generator, dtype=p.dtype)
        else:
            raise ValueError(f"probe must be 'rademacher' or 'uniform', got {kind!r}")
        probes.append(v.to(p.device))
    return probes


def quadratic_form(grads: Sequence[torch.Tensor], params: Sequence[torch.Tensor],
                   v: Sequence[torch.Tensor], create_graph: bool = True) -> torch.Tensor:
    """v^T H v from one Hessian-vector product (Pearlmutter's trick: differentiate g.v).

    ``grads`` must have been built with ``create_graph=True``. The Hessian is never
    formed, so the cost is a small multiple of one gradient: linear in the parameters.
    """
    gv = sum((g * vi).sum() for g, vi in zip(grads, v))
    hv = torch.autograd.grad(gv, params, create_graph=create_graph, retain_graph=True)
    return sum((h * vi).sum() for h, vi in zip(hv, v))


def hutchinson_trace(loss: torch.Tensor, params: Sequence[torch.Tensor], generator: torch.Generator,
                     n_probes: int = 1, probe: str = "rademacher", absolute: bool = False,
                     create_graph: bool = True) -> torch.Tensor:
    """Hutchinson's estimate of tr(d^2 loss / dw^2): the mean of v^T H v over ``n_probes`` draws.

    With ``create_graph`` the estimate is itself differentiable in w, so it can be minimised.
    """
    params = list(params)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    estimates = []
    for _ in range(n_probes):
        q = quadratic_form(grads, params, draw_probes(params, generator, probe), create_graph)
        estimates.append(q.abs() if absolute else q)
    return torch.stack(estimates).mean()


def flat_ce(model: nn.Module, x: torch.Tensor, y: torch.Tensor, mask: ClassMask | None = None):
    """CE on (x, y) as a function of one flat parameter vector, and the model's current vector.

    For exact Hessians (``torch.autograd.functional.hessian``) and gradient checks on small models.
    """
    mask = mask or ClassMask()
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]

    def loss(flat: torch.Tensor) -> torch.Tensor:
        params = {n: t.view(s) for n, t, s in zip(names, flat.split(sizes), shapes)}
        return mask.ce(functional_call(model, params, (x,)), y)

    return loss, torch.cat([p.detach().flatten() for p in model.parameters()])


def exact_hessian_trace(model: nn.Module, x: torch.Tensor, y: torch.Tensor, mask: ClassMask | None = None) -> float:
    """tr(d^2 CE / dw^2) from the full Hessian: only for small models (checks of Hutchinson)."""
    loss, flat = flat_ce(model, x, y, mask)
    return float(torch.autograd.functional.hessian(loss, flat).diagonal().sum())


@dataclass(frozen=True)
class LossConfig:
    """Settings of the composite loss that are not the lambdas."""

    delta: float = 0.05  # half-width of the uniform input noise in L3
    n_probes: int = 1  # Hutchinson probes per batch in L4

    def __post_init__(self) -> None:
        check(self.delta >= 0, f"delta must be >= 0, got {self.delta}")
        check(self.n_probes >= 1, f"n_probes must be >= 1, got {self.n_probes}")


def check_lambdas(lambdas: Sequence[float]) -> tuple[float, float, float, float]:
    check(len(lambdas) == 4, f"lambdas needs 4 values l1,l2,l3,l4; got {len(lambdas)}")
    values = tuple(float(v) for v in lambdas)
    check(all(math.isfinite(v) and v >= 0 for v in values), f"every lambda must be a finite number >= 0; got {values}")
    return values  # type: ignore[return-value]


LossFn = Callable[[nn.Module, torch.Tensor, torch.Tensor], "tuple[torch.Tensor, dict[str, float], torch.Tensor]"]


class CompositeLoss:
    """L(w) = l1*CE(w, D1) + l2*L2(w, u) + l3*L3(w, D1) + l4*L4(w) on one batch.

    Terms with a zero lambda are not computed. L3 draws its input noise from
    ``noise_generator``, L4 its probes from ``probe_generator`` (the same object in the
    authors' single stream). With ``protocol.l4_gradient`` off, L4 is computed and logged but
    adds only a constant (no gradient), as in the authors' code. Called as
    ``loss(model, x, y)``; returns the total, the value of each computed term, and the clean
    logits (for training accuracy).
    """

    def __init__(self, lambdas: Sequence[float], mask: ClassMask, protocol: Protocol, cfg: LossConfig,
                 noise_generator: torch.Generator, probe_generator: torch.Generator,
                 teacher: nn.Module | None = None) -> None:
        self.lambdas = check_lambdas(lambdas)
        check(self.lambdas[1] == 0 or teacher is not None, "the L2 term (lambda2 > 0) needs a teacher")
        self.mask, self.protocol, self.cfg = mask, protocol, cfg
        self.noise_generator, self.probe_generator = noise_generator, probe_generator
        self.teacher = teacher

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor):
        l1, l2, l3, l4 = self.lambdas
        logits = model(x)
        ce = self.mask.ce(logits, y)
        terms = {"ce": ce}
        total = l1 * ce
        if l2 > 0:
            terms["l2"] = projection_distance(model, self.teacher, squared=self.protocol.l2_squared)
            total = total + l2 * terms["l2"]
        if l3 > 0:
            terms["l3"] = noisy_input_ce(model, x, y, self.mask, self.cfg.delta, self.noise_generator)
            total = total + l3 * terms["l3"]
        if l4 > 0:
            trace = hutchinson_trace(ce, list(model.parameters()), self.probe_generator, self.cfg.n_probes,
                                     self.protocol.probe, self.protocol.probe_abs,
                                     create_graph=self.protocol.l4_gradient)
            terms["l4"] = self.protocol.l4_scale * trace
            total = total + l4 * terms["l4"]
        return total, {k: float(v.detach()) for k, v in terms.items()}, logits


def plain_ce(mask: ClassMask) -> LossFn:
    """The training loss of teachers (classes 5-9 masked) and students (all classes): cross-entropy alone."""

    def loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor):
        logits = model(x)
        ce = mask.ce(logits, y)
        return ce, {"ce": float(ce.detach())}, logits

    return loss
