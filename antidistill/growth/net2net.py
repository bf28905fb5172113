"""Method 5, Net2Net: net2wider (Chen, Goodfellow, Shlens 2015) applied to every hidden layer."""

from __future__ import annotations

import torch

from ..authors_draws import net2net_discarded
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


def net2net(teacher: MLP, ctx: GrowContext) -> Grown:
    """The student computes the teacher's function; each new unit copies a random teacher unit.

    The copies are drawn from their own stream ("net2net_units"): the authors drew them with
    Python's unseeded ``random``, apart from their torch stream.
    """
    student = student_model(ctx.protocol.output_relu, generator=ctx.init, n_inputs=ctx.n_inputs)
    if ctx.protocol.single_stream:
        net2net_discarded(teacher, student, ctx.init)
    maps = wider_mappings(teacher, student.blocks, ctx.streams("net2net_units"))
    return Grown(net2wider(teacher, student, maps, ctx.cfg.net2net_noise, ctx.init))
