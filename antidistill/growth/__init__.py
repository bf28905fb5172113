"""The 8 ways to initialise the student from a trained teacher, in one registry ``METHODS``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from ..models import MLP, StackedMLP
from .context import GrowContext, Grown, GrownStack, GrowthConfig, Pretraining
from .net2net import net2net, net2wider, wider_mappings
from .pad import copy_into, uniform_pad, zero_pad
from .pretrain import DATA_NOISE_LAMBDAS, antidistill, antidistill_l4_0, data_noise, pretrain_stack
from .transfer import transfer
from .xavier import xavier


@dataclass(frozen=True)
class Method:
    """A growth method: ``method(teacher, ctx)`` returns one seed's initialised student (with
    the D1 pre-training of methods 6-8 still to run: ``grow_seeds`` runs it).

    ``needs_teacher``: whether a trained teacher is used. ``lambdas``: "none" (no composite
    loss), "fixed" (data noise) or "searched" (Anti-Distillation, lambdas from the search).
    ``authors_load_teacher``: the authors' notebook for it builds and loads a teacher (drawing
    a teacher-shaped model from their stream first), needed or not. ``searched``: the lambdas
    the λ search tunes; the others are 0 (the one place that says "λ4 = 0" for method 7).
    """

    name: str
    label: str
    grow: Callable[[MLP | None, GrowContext], Grown]
    needs_teacher: bool
    lambdas: str = "none"
    authors_load_teacher: bool = True
    searched: tuple[str, ...] = ()

    def check_searched(self, lambdas: tuple[float, ...]) -> tuple[float, ...]:
        """``lambdas`` if every lambda this method does not search is 0; else a ValueError naming them."""
        off = [f"l{i}" for i, v in enumerate(lambdas, start=1) if f"l{i}" not in self.searched and v != 0]
        if off:
            raise ValueError(
                f"{self.name} searches {', '.join(self.searched)} only: {', '.join(off)} must be 0; "
                f"got lambdas {tuple(lambdas)}"
            )
        return lambdas

    def __call__(self, teacher: MLP | None, ctx: GrowContext) -> Grown:
        if self.needs_teacher and teacher is None:
            raise ValueError(f"{self.name} grows a trained teacher; none was given")
        if self.searched and ctx.lambdas is not None:
            self.check_searched(ctx.lambdas)
        return self.grow(teacher, ctx)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("xavier", "Xavier", xavier, needs_teacher=False, authors_load_teacher=False),
        Method("zero_pad", "Zero Pad", zero_pad, needs_teacher=True),
        Method("uniform_pad", "Uniform Pad", uniform_pad, needs_teacher=True),
        Method("transfer", "Transfer Learning", transfer, needs_teacher=True),
        Method("net2net", "Net2Net", net2net, needs_teacher=True),
        Method("data_noise", "With Data Noise", data_noise, needs_teacher=False, lambdas="fixed"),
        Method(
            "antidistill_l4_0",
            "Anti-Distillation, λ4 = 0",
            antidistill_l4_0,
            needs_teacher=True,
            lambdas="searched",
            searched=("l1", "l2", "l3"),
        ),
        Method(
            "antidistill",
            "Anti-Distillation",
            antidistill,
            needs_teacher=True,
            lambdas="searched",
            searched=("l1", "l2", "l3", "l4"),
        ),
    )
}


def grow_seeds(
    method: Method, teachers: Sequence[MLP | None], ctxs: Sequence[GrowContext], device: torch.device | str = "cpu"
) -> GrownStack:
    """The students of all seeds of a run, grown one by one (cheap) and stacked on ``device``,
    then pre-trained on D1 together where the method pre-trains. ``teachers[s]`` is used, not changed."""
    if len(teachers) != len(ctxs) or not ctxs:
        raise ValueError("grow_seeds needs one teacher (or None) and one context per seed")
    grown = [method(teacher, ctx) for teacher, ctx in zip(teachers, ctxs)]
    student = StackedMLP.stack([g.student.to(device) for g in grown])
    histories = None
    if grown[0].pretraining is not None:
        histories = pretrain_stack(student, [g.pretraining for g in grown], ctxs)
    return GrownStack(student, grown[0].head_only_epochs, histories)


__all__ = [
    "METHODS",
    "Method",
    "GrowContext",
    "GrowthConfig",
    "Grown",
    "GrownStack",
    "Pretraining",
    "grow_seeds",
    "DATA_NOISE_LAMBDAS",
    "xavier",
    "zero_pad",
    "uniform_pad",
    "transfer",
    "net2net",
    "data_noise",
    "antidistill_l4_0",
    "antidistill",
    "copy_into",
    "net2wider",
    "wider_mappings",
]
