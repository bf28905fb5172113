"""Method 5, Net2Net: net2wider (Chen, Goodfellow, Shlens 2015) applied to every hidden layer."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..models import MLP, student_model
from .context import GrowContext, Grown


def wider_mappings(teacher: MLP, widths: tuple[int, ...], generator: torch.Generator) -> list[torch.Tensor]:
    """The unit map g of every layer boundary, inputs and outputs included (identity there).

    Hidden unit j of the student copies teacher unit g(j): g(j) = j for the teacher's own
    units, a seeded random teacher unit for each new one.
    """
    first = teacher.linears[0]
    maps = [torch.arange(first.in_features)]
    for linear, width in zip(teacher.linears[:-1], widths, strict=True):
        n = linear.out_features
        if width < n:
            raise ValueError(f"net2wider cannot narrow a layer from {n} to {width} units")
        extra = torch.randint(0, n, (width - n,), generator=generator)
        maps.append(torch.cat([torch.arange(n), extra]))
    maps.append(torch.arange(teacher.linears[-1].out_features))
    return maps


@torch.no_grad()
def net2wider(
    teacher: MLP, student: MLP, maps: list[torch.Tensor], noise: float = 0.0, generator: torch.Generator | None = None
) -> MLP:
    """Fill ``student`` so that it computes the teacher's function.

    Incoming weights and bias of unit j are those of teacher unit g(j); the outgoing
    weights of every copy of a unit (the original included) are divided by that unit's
    replication count, so the next layer receives the same sum. ``noise`` > 0 adds
    N(0, noise^2) to the weights to break the symmetry between copies.
    """
    for layer, (s, t) in enumerate(zip(student.linears, teacher.linears, strict=True)):
        g_in, g_out = maps[layer].to(t.weight.device), maps[layer + 1].to(t.weight.device)
        counts = torch.bincount(g_in, minlength=t.in_features).to(t.weight.dtype)
        weight = t.weight[g_out][:, g_in] / counts[g_in]
        if noise > 0:
            xi = torch.randn(weight.shape, generator=generator, dtype=weight.dtype)
            weight = weight + noise * xi.to(weight.device)
        s.weight.copy_(weight)
        s.bias.copy_(t.bias[g_out])
    return student


def _authors_discarded_draws(teacher: MLP, student: MLP, generator: torch.Generator) -> None:
    """Consume the draws the authors' ``net2net_antidistil`` makes and then overwrites.

    Their Net2Net works on bias-free copies with one extra constant unit per layer: it builds a
    bias-free teacher-shaped and student-shaped MLP (784+1 inputs, widths+1, 10+1 outputs),
    then per hidden layer draws ``torch.randn(inputs, student width)`` and
    ``torch.randn(student width, next teacher width)`` before filling them. None of these values
    survive; drawing them keeps the single stream where theirs was.
    """

    def widths(model: MLP) -> list[int]:
        return [model.linears[0].in_features + 1, *(b + 1 for b in model.blocks), model.n_classes + 1]

    t_widths, s_widths = widths(teacher), widths(student)
    for w in (t_widths, s_widths):
        for n_in, n_out in zip(w[:-1], w[1:]):
            nn.init.kaiming_uniform_(torch.empty(n_out, n_in), a=math.sqrt(5), generator=generator)
    for i in range(len(student.blocks)):
        torch.randn(s_widths[i], s_widths[i + 1], generator=generator)
        torch.randn(s_widths[i + 1], t_widths[i + 2], generator=generator)


def net2net(teacher: MLP, ctx: GrowContext) -> Grown:
    """The student computes the teacher's function; each new unit copies a random teacher unit.

    The copies are drawn from their own stream ("net2net_units"): the authors drew them with
    Python's unseeded ``random``, apart from their torch stream.
    """
    student = student_model(ctx.protocol.output_relu, generator=ctx.init)
    if ctx.protocol.single_stream:
        _authors_discarded_draws(teacher, student, ctx.init)
    maps = wider_mappings(teacher, student.blocks, ctx.streams("net2net_units"))
    return Grown(net2wider(teacher, student, maps, ctx.cfg.net2net_noise, ctx.init))
