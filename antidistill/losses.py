"""The composite loss L(w) = l1*CE + l2*L2 + l3*L3 + l4*L4 and each of its terms."""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn
from torch.func import functional_call

from .authors_draws import Cut
from .config import added_field, check
from .engine.curvature import CURVATURES, hutchinson_forward
from .engine.draws import member_random, member_uniform
from .masks import ClassMask
from .models import MLP, StackedMLP, stack_activations
from .numerics import sum_as_published
from .protocol import Protocol

TERMS = ("ce", "l2", "l3", "l4")


def _seed_sums(t: torch.Tensor) -> torch.Tensor:
    """Sum over every axis but the leading seed axis, one seed at a time: torch splits a long
    reduction between threads differently for [S, N] than for [1, N], and the last bits of a
    seed's sum must depend neither on how many seeds share its stack nor on the thread count
    (the authors' L2 is a square root, so its gradient carries those bits)."""
    return torch.stack([sum_as_published(row) for row in t.flatten(1)])


def projection_distance(student: StackedMLP, teacher: StackedMLP, squared: bool = True) -> torch.Tensor:
    """L2 = ||u - Pr[w]||^2 per seed: Pr takes the teacher-shaped top-left slice of every student tensor.

    With ``squared=False`` it is the plain Euclidean norm (the authors' code).
    """
    total = None
    for (name, w), (_, u) in zip(student.named_parameters(), teacher.named_parameters(), strict=True):
        check(
            w.dim() == u.dim() and w.shape[0] == u.shape[0] and all(a >= b for a, b in zip(w.shape, u.shape)),
            f"student {name} {tuple(w.shape)} does not contain teacher shape {tuple(u.shape)}",
        )
        block = w[(slice(None), *(slice(0, n) for n in u.shape[1:]))]
        sq = _seed_sums((block - u.detach()).pow(2))
        total = sq if total is None else total + sq
    assert total is not None
    return total if squared else total.sqrt()


def uniform_noise(
    x: torch.Tensor, delta: float, generators: Sequence[torch.Generator], u: torch.Tensor | None = None
) -> torch.Tensor:
    """x' drawn uniformly from [x - delta, x + delta]; x is [S, B, ...], seed s drawing from
    ``generators[s]`` on that generator's device (see ``seeding.Streams``), or from ``u``
    (U[0, 1) of x's shape, drawn beforehand; x' is written into it)."""
    if u is None:
        (u,) = member_uniform([x], generators)
    return u.mul_(2).sub_(1).mul_(delta).add_(x)  # x + (2u - 1) delta, in u's memory


def noisy_input_ce(
    model: StackedMLP,
    x: torch.Tensor,
    y: torch.Tensor,
    mask: ClassMask,
    delta: float,
    generators: Sequence[torch.Generator],
    u: torch.Tensor | None = None,
) -> torch.Tensor:
    """L3 per seed: cross-entropy on inputs drawn uniformly from the delta-box around x (one draw
    per sample; ``u`` as in ``uniform_noise``)."""
    return mask.ce(model(uniform_noise(x, delta, generators, u)), y)


def quadratic_form(
    grads: Sequence[torch.Tensor], params: Sequence[torch.Tensor], v: Sequence[torch.Tensor], create_graph: bool = True
) -> torch.Tensor:
    """v^T H v per seed, from one Hessian-vector product (Pearlmutter's trick: differentiate g.v).

    ``grads`` must have been built with ``create_graph=True``. The Hessian is never formed, so
    the cost is a small multiple of one gradient. The Hessian of a sum of per-seed losses is
    block diagonal over seeds, so one product gives every seed's own form.
    """
    gv = sum((g * vi).sum() for g, vi in zip(grads, v))
    hv = torch.autograd.grad(gv, params, create_graph=create_graph, retain_graph=True)
    return sum(_seed_sums(h * vi) for h, vi in zip(hv, v))


def hutchinson_trace(
    losses: torch.Tensor,
    params: Sequence[torch.Tensor],
    generators: Sequence[torch.Generator],
    n_probes: int = 1,
    probe: str = "rademacher",
    absolute: bool = False,
    create_graph: bool = True,
) -> torch.Tensor:
    """Hutchinson's estimate of tr(d^2 loss_s / dw_s^2) for every seed s: the mean of v^T H v
    over ``n_probes`` draws. ``losses`` holds one loss per seed, ``params`` are seed-stacked.

    With ``create_graph`` the estimate is itself differentiable in w, so it can be minimised.
    """
    params = list(params)
    grads = torch.autograd.grad(losses.sum(), params, create_graph=True)
    estimates = []
    for _ in range(n_probes):
        q = quadratic_form(grads, params, member_random(params, generators, probe), create_graph)
        estimates.append(q.abs() if absolute else q)
    return torch.stack(estimates).mean(0)


def gauss_newton_form(
    model: StackedMLP, x: torch.Tensor, y: torch.Tensor, mask: ClassMask, v: Sequence[torch.Tensor]
) -> torch.Tensor:
    """v^T G v per seed, G = J^T (diag p - p p^T) J the Gauss-Newton matrix of the masked mean CE
    (J: the Jacobian of the logits the softmax sees, p: its probabilities). J v comes from two
    backward passes (the derivative in u of (J^T u) . v, a trick that needs no forward mode);
    the form is the variance of J v under p, averaged over the batch, so it is never negative.
    For a ReLU network the logits are linear in each single weight, so the Hessian's other part
    (the logits' own curvature) has a zero diagonal: tr G = tr H, and Hutchinson's estimate of
    either trace has the same expectation (a test checks it exactly). Differentiable in the
    weights, so it can be minimised, but through a third-order pass: training takes the same
    number from ``engine.curvature``'s forward pass, and this is the reference it is checked
    against. ``y`` is unused (G does not depend on the labels); it is taken to match
    ``hutchinson_trace``'s callers."""
    params = list(model.parameters())
    scores = mask.scores(model(x))
    u = torch.zeros_like(scores, requires_grad=True)
    jt_u = torch.autograd.grad((scores * u).sum(), params, create_graph=True)
    along = torch.autograd.grad(sum((g * vi).sum() for g, vi in zip(jt_u, v)), u, create_graph=True)[0]
    p = scores.softmax(-1)
    per_image = (p * along**2).sum(-1) - (p * along).sum(-1) ** 2
    return per_image.mean(-1)


def gauss_newton_trace(
    model: StackedMLP,
    x: torch.Tensor,
    y: torch.Tensor,
    mask: ClassMask,
    generators: Sequence[torch.Generator],
    n_probes: int = 1,
    probe: str = "rademacher",
) -> torch.Tensor:
    """Hutchinson's estimate of tr G per seed: the mean of ``gauss_newton_form`` over
    ``n_probes`` probes drawn here."""
    params = list(model.parameters())
    vs = [member_random(params, generators, probe) for _ in range(n_probes)]
    return torch.stack([gauss_newton_form(model, x, y, mask, v) for v in vs]).mean(0)


def hutchinson_draws(
    model: MLP,
    x: torch.Tensor,
    y: torch.Tensor,
    mask: ClassMask,
    n_probes: int,
    generator: torch.Generator,
    probe: str = "rademacher",
) -> torch.Tensor:
    """``n_probes`` single-probe values v^T H v of one model's CE Hessian on (x, y): their mean
    is Hutchinson's estimate of the trace, their spread its noise (for reports and checks)."""
    stack = StackedMLP.stack([model])
    params = list(stack.parameters())
    grads = torch.autograd.grad(mask.ce(stack(x[None]), y[None]).sum(), params, create_graph=True)
    return torch.cat(
        [
            quadratic_form(grads, params, member_random(params, [generator], probe), create_graph=False)
            for _ in range(n_probes)
        ]
    ).detach()


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
    # The matrix whose trace L4 estimates: the CE Hessian (the paper), or its Gauss-Newton part,
    # whose probes' values are never negative (``gauss_newton_form``); the study of Hessian
    # penalties that train sets it.
    curvature: str = added_field("hessian", values={"hessian": "the Hessian", "gauss_newton": "Gauss–Newton"})

    def __post_init__(self) -> None:
        check(self.delta >= 0, f"delta must be >= 0, got {self.delta}")
        check(self.n_probes >= 1, f"n_probes must be >= 1, got {self.n_probes}")
        check(
            self.curvature in CURVATURES,
            f"curvature must be one of {CURVATURES}, got {self.curvature!r}",
        )


def check_lambdas(lambdas: Sequence[float]) -> tuple[float, float, float, float]:
    check(len(lambdas) == 4, f"lambdas needs 4 values l1,l2,l3,l4; got {len(lambdas)}")
    values = tuple(float(v) for v in lambdas)
    check(all(math.isfinite(v) and v >= 0 for v in values), f"every lambda must be a finite number >= 0; got {values}")
    return values  # type: ignore[return-value]


@dataclass(frozen=True)
class GraphDraws:
    """How a loss's random draws reach a training step replayed as a CUDA graph (``engine.steps``):
    from the CUDA generators ``in_graph``, which the graph registers and draws from at every
    replay, or (``on_host``) made by ``Loss.draw`` before each replay and copied in, as CPU
    generators must be. A loss that draws nothing has neither."""

    in_graph: tuple[torch.Generator, ...] = ()
    on_host: bool = False


class Loss(abc.ABC):
    """A training loss: ``loss(model, x, y)`` with x [S, B, ...] and y [S, B] returns each
    member's total [S] (their sum is what is differentiated), each term per member (detached),
    and the clean logits. ``draw`` makes one step's random numbers ahead of the step, which then
    takes them as ``loss(model, x, y, draws)``; ``graph_draws`` says how they reach a CUDA graph."""

    graph_draws = GraphDraws()

    def draw(self, model: StackedMLP, x: torch.Tensor, cut: Cut | None = None) -> list[torch.Tensor] | None:
        """One step's random numbers for a batch shaped like ``x`` (None: the loss draws none)."""
        return None

    @abc.abstractmethod
    def __call__(
        self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, draws: list[torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor]: ...


class CompositeLoss(Loss):
    """L(w) = l1*CE(w, D1) + l2*L2(w, u) + l3*L3(w, D1) + l4*L4(w) on one batch, for every member of a stack.

    ``lambdas`` is one (l1, l2, l3, l4) for every member, or one per member (λ-search trials
    sharing a stack); all members must then use the same terms (the same lambdas at zero), so
    no member draws noise or probes that its own run would not. Terms with a zero lambda are not
    computed. Member s draws its L3 input noise from ``noise_generators[s]`` and its L4 probes
    from ``probe_generators[s]`` (the same object in the authors' single stream). With
    ``protocol.l4_gradient`` off, L4 is computed and logged but adds only a constant (no
    gradient), as in the authors' code. Called as ``loss(model, x, y)`` with x [S, B, ...] and
    y [S, B]; returns each member's total [S] (their sum is what is differentiated), each
    computed term per member (detached), and the clean logits.
    """

    def __init__(
        self,
        lambdas: Sequence[float] | Sequence[Sequence[float]],
        mask: ClassMask,
        protocol: Protocol,
        cfg: LossConfig,
        noise_generators: Sequence[torch.Generator],
        probe_generators: Sequence[torch.Generator],
        teacher: StackedMLP | None = None,
    ) -> None:
        check(len(noise_generators) == len(probe_generators), "one noise and one probe generator per stack member")
        n = len(noise_generators)
        per_member = [lambdas] * n if not isinstance(lambdas[0], Sequence) else list(lambdas)
        check(len(per_member) == n, f"{len(per_member)} sets of lambdas for a stack of {n}")
        members = [check_lambdas(m) for m in per_member]
        self.used = tuple(v > 0 for v in members[0])
        check(
            all(tuple(v > 0 for v in m) == self.used for m in members),
            "members of one stack must use the same loss terms (the same lambdas at zero)",
        )
        check(not self.used[1] or teacher is not None, "the L2 term (lambda2 > 0) needs a teacher")
        self.weights = torch.tensor(members, dtype=torch.float64)  # [S, 4], cast where used
        self.mask, self.protocol, self.cfg = mask, protocol, cfg
        self.noise_generators, self.probe_generators = list(noise_generators), list(probe_generators)
        self.teacher = teacher
        # A training step can be a CUDA graph (engine/steps.py). Draws from CUDA generators happen in the
        # graph (each generator registered with it, once); draws from CPU generators (the authors'
        # single stream) cannot, so they are made before each replay (``draw``) and copied in.
        drawing = list(
            {
                id(g): g
                for g in [*(noise_generators if self.used[2] else ()), *(probe_generators if self.used[3] else ())]
            }.values()
        )
        on_gpu = all(g.device.type == "cuda" for g in drawing)
        self.graph_draws = GraphDraws(in_graph=tuple(drawing), on_host=False) if on_gpu else GraphDraws(on_host=True)
        self._weights: dict[tuple[torch.device, torch.dtype], torch.Tensor] = {}

    def _weights_like(self, t: torch.Tensor) -> torch.Tensor:
        # Copied to the device once: a copy from the host cannot be part of a CUDA graph.
        key = (t.device, t.dtype)
        if key not in self._weights:
            self._weights[key] = self.weights.to(device=t.device, dtype=t.dtype)
        return self._weights[key]

    def draw(self, model: StackedMLP, x: torch.Tensor, cut: Cut | None = None) -> list[torch.Tensor]:
        """The random numbers of one step on a batch shaped like ``x`` (L3's U[0, 1) for x, then
        each L4 probe's vectors), for ``self(model, x, y, draws)``; a call without ``draws``
        makes them itself. So draws can be made before a CUDA graph replays the step (engine/steps.py).
        In the authors' single stream, L3's noise is drawn for the whole batch ``x`` was ``cut``
        from and the kept images take their rows (``authors_draws``)."""
        cut = cut if self.protocol.single_stream else None
        parts: list[tuple[list[torch.Generator], str, list[torch.Tensor]]] = []
        if self.used[2]:
            parts.append((self.noise_generators, "uniform", [x if cut is None else cut.like(x)]))
        if self.used[3]:
            parts += [(self.probe_generators, self.protocol.probe, list(model.parameters()))] * self.cfg.n_probes
        # Draws of one kind from the same generators, one after the other, are made as one: the
        # same numbers (each entry takes the stream's next outputs), one fill per member (the
        # authors' single stream gives a step's noise and probes so).
        merged: list[tuple[list[torch.Generator], str, list[torch.Tensor]]] = []
        for generators, kind, like in parts:
            if merged and merged[-1][1] == kind and all(a is b for a, b in zip(merged[-1][0], generators)):
                merged[-1] = (generators, kind, merged[-1][2] + like)
            else:
                merged.append((generators, kind, like))
        drawn = [d for generators, kind, like in merged for d in member_random(like, generators, kind)]
        if cut is not None and self.used[2]:
            drawn[0] = cut.keep(drawn[0])
        return drawn

    def __call__(self, model: StackedMLP, x: torch.Tensor, y: torch.Tensor, draws: list[torch.Tensor] | None = None):
        # ``draws`` (``draw``'s) are overwritten: the L3 noise is made in u's memory.
        draws = self.draw(model, x) if draws is None else draws
        u = draws[0] if self.used[2] else None
        rest, n = draws[1:] if self.used[2] else draws, len(list(model.parameters()))
        probes = [rest[i * n : (i + 1) * n] for i in range(self.cfg.n_probes)] if self.used[3] else None
        # L4 reads every layer's output of the clean pass; otherwise the plain forward does.
        hs = stack_activations(model, list(model.parameters()), x) if self.used[3] else None
        logits = model(x) if hs is None else hs[-1]
        l1, l2, l3, l4 = self._weights_like(logits).unbind(1)
        ce = self.mask.ce(logits, y)
        terms = {"ce": ce}
        total = l1 * ce
        if self.used[1]:
            terms["l2"] = projection_distance(model, self.teacher, squared=self.protocol.l2_squared)
            total = total + l2 * terms["l2"]
        if self.used[2]:
            terms["l3"] = noisy_input_ce(model, x, y, self.mask, self.cfg.delta, self.noise_generators, u)
            total = total + l3 * terms["l3"]
        if self.used[3]:
            terms["l4"] = self.protocol.l4_scale * hutchinson_forward(
                model,
                hs,
                y,
                self.mask,
                self.probe_generators,
                self.cfg.n_probes,
                self.protocol.probe,
                self.protocol.probe_abs,
                create_graph=self.protocol.l4_gradient,
                probes=probes,
                curvature=self.cfg.curvature,
            )
            total = total + l4 * terms["l4"]
        return total, {k: v.detach() for k, v in terms.items()}, logits


class PlainCE(Loss):
    """Cross-entropy alone (no random draws)."""

    def __init__(self, mask: ClassMask) -> None:
        self.mask = mask

    def __call__(self, model, x, y, draws=None):
        logits = model(x)
        ce = self.mask.ce(logits, y)
        return ce, {"ce": ce.detach()}, logits


def plain_ce(mask: ClassMask) -> Loss:
    """The training loss of teachers (classes 5-9 masked) and students (all classes): cross-entropy alone."""
    return PlainCE(mask)
