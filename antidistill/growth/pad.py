"""Methods 2-3, zero pad and uniform pad: the teacher copied into the top-left block of each student layer."""

from __future__ import annotations

import copy

import torch

from ..models import MLP, student_model
from .context import GrowContext, Grown


@torch.no_grad()
def copy_into(student: MLP, teacher: MLP) -> MLP:
    """Write every teacher weight and bias into the top-left block of the matching student tensor."""
    for w, u in zip(student.parameters(), teacher.parameters(), strict=True):
        w[tuple(slice(0, n) for n in u.shape)] = u
    return student


def zero_pad(teacher: MLP, ctx: GrowContext) -> Grown:
    """Teacher block, zeros elsewhere: the student computes exactly the teacher's logits.

    With ``protocol.zero_pad_teacher_sized`` the student is the teacher itself (the authors'
    code filled a zero tensor of the teacher's shape); the student-shaped draw still happens,
    as theirs did, so the stream continues where theirs did.
    """
    student = student_model(ctx.protocol.output_relu, generator=ctx.init, n_inputs=ctx.n_inputs)
    if ctx.protocol.zero_pad_teacher_sized:
        return Grown(copy.deepcopy(teacher))
    with torch.no_grad():
        for w in student.parameters():
            w.zero_()
    return Grown(copy_into(student, teacher))


def uniform_pad(teacher: MLP, ctx: GrowContext) -> Grown:
    """Teacher block inside a default-initialised student (U[-1/sqrt(n), 1/sqrt(n)] elsewhere)."""
    student = student_model(ctx.protocol.output_relu, generator=ctx.init, n_inputs=ctx.n_inputs)
    return Grown(copy_into(student, teacher))
