"""Method 4, transfer learning: the teacher's hidden layers under a fresh output layer, head trained first."""

from __future__ import annotations

import torch

from ..models import MLP, reset_default, teacher_model
from .context import GrowContext, Grown


def transfer(teacher: MLP, ctx: GrowContext) -> Grown:
    """A teacher-shaped network (as the authors' code has it, not the wider student).

    Its hidden layers are the teacher's; its output layer is freshly drawn from the growth
    stream, so it is not the teacher's initial head. With ``protocol.single_stream`` the head
    is a separate ``nn.Linear`` drawn after the teacher-shaped model, as in the authors'
    ``transfer_last_layer``. During student training only the output layer learns for the
    first ``ctx.cfg.head_only_epochs`` epochs.
    """
    model = teacher_model(ctx.protocol.output_relu, generator=ctx.init, n_inputs=ctx.n_inputs)
    with torch.no_grad():
        for mine, theirs in zip(model.linears[:-1], teacher.linears[:-1], strict=True):
            mine.weight.copy_(theirs.weight)
            mine.bias.copy_(theirs.bias)
        if ctx.protocol.single_stream:
            reset_default(model.linears[-1], ctx.init)
    return Grown(model, head_only_epochs=ctx.cfg.head_only_epochs)
