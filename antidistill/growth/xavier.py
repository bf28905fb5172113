"""Method 1, Xavier: a fresh student with PyTorch's default initialisation; the teacher is not used."""

from __future__ import annotations

from ..models import MLP, student_model
from .context import GrowContext, Grown


def xavier(teacher: MLP | None, ctx: GrowContext) -> Grown:
    return Grown(student_model(ctx.protocol.output_relu, generator=ctx.init, n_inputs=ctx.n_inputs))
