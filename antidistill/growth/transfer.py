"""Method 4, transfer learning: the teacher's hidden layers under a fresh output layer, head trained first."""

from __future__ import annotations

import torch

from ..models import MLP, teacher_model
from .context import GrowContext, Grown


def transfer(teacher: MLP, ctx: GrowContext) -> Grown:
    """A teacher-shaped network (as the authors' code has it, not the wider student).

    Its hidden layers are the teacher's; its output layer is freshly initialised. During
    student training only that output layer learns for ``ctx.cfg.head_only_epochs`` epochs.
    """
    model = ctx.shell if ctx.shell is not None else teacher_model(ctx.protocol.output_relu, generator=ctx.generator)
    with torch.no_grad():
        for mine, theirs in zip(model.linears[:-1], teacher.linears[:-1], strict=True):
            mine.weight.copy_(theirs.weight)
            mine.bias.copy_(theirs.bias)
    return Grown(model, head_only_epochs=ctx.cfg.head_only_epochs)
