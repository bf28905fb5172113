"""Methods 6-8: the student initialised as the minimiser of the composite loss on D1 (Anti-Distillation)."""

from __future__ import annotations

from typing import Sequence

from ..authors_draws import loader_draws
from ..data import C1
from ..losses import CompositeLoss
from ..masks import ClassMask
from ..models import MLP, StackedMLP, student_model
from ..train import fit
from .context import GrowContext, Grown, Pretraining

DATA_NOISE_LAMBDAS = (1.0, 0.0, 1.0, 0.0)


def pretrain(teacher: MLP | None, ctx: GrowContext, lambdas: tuple[float, ...], desc: str) -> Grown:
    """A fresh student, with the D1 pre-training on the composite loss still to run (by
    ``pretrain_stack``, for all seeds at once)."""
    if ctx.data is None:
        raise ValueError(f"{desc} pre-trains on D1: pass data in the GrowContext")
    student = student_model(ctx.protocol.output_relu, generator=ctx.init, n_inputs=ctx.n_inputs)
    return Grown(student, pretraining=Pretraining(tuple(lambdas), teacher, desc))


def pretrain_stack(
    student: StackedMLP, plans: Sequence[Pretraining], ctxs: Sequence[GrowContext]
) -> list[list[dict[str, float]]]:
    """Train the stacked ``student`` (member s as ``plans[s]`` plans it, its own lambdas included,
    with context ``ctxs[s]``) on D1 (classes 5-9 masked) to minimise the composite loss; one history per seed.

    Batches are D1's own, or (``protocol.pretrain_batches == "drop_in_batch"``) batches of the
    whole training set with the other classes dropped inside each, as the authors' loop did.
    Each seed draws its batches, L3 noise and L4 probes from its own streams.
    """
    ctx, plan = ctxs[0], plans[0]
    device = ctx.data.train.x.device
    teachers = None if plan.teacher is None else StackedMLP.stack([p.teacher for p in plans]).to(device)
    mask = ClassMask(C1, ctx.protocol.mask)
    loss = CompositeLoss(
        [p.lambdas for p in plans],
        mask,
        ctx.protocol,
        ctx.cfg.loss,
        [c.streams("input_noise") for c in ctxs],
        [c.streams("probes") for c in ctxs],
        teachers,
    )
    d1 = ctx.data.d1()
    train, keep = (ctx.data.train, C1) if ctx.protocol.pretrain_batches == "drop_in_batch" else (d1.train, None)
    generators = [c.streams("pretrain_batches") if ctx.protocol.shuffle else None for c in ctxs]
    loader = loader_draws(ctx.protocol, [c.streams("pretrain_batches") for c in ctxs])
    return fit(
        student,
        train,
        d1.test,
        ctx.cfg.pretrain,
        loss,
        mask,
        generators,
        keep_classes=keep,
        loader=loader,
        desc=plan.desc,
        progress=ctx.progress,
    )


def data_noise(teacher: MLP | None, ctx: GrowContext) -> Grown:
    """Method 6: lambda1 = lambda3 = 1, lambda2 = lambda4 = 0 (no teacher needed)."""
    return pretrain(None, ctx, DATA_NOISE_LAMBDAS, "data_noise pre-train")


def _searched_lambdas(ctx: GrowContext, name: str) -> tuple[float, ...]:
    if ctx.lambdas is None:
        raise ValueError(f"{name} needs lambdas l1,l2,l3,l4 (found by the lambda search, notebook 4)")
    return ctx.lambdas


def antidistill_l4_0(teacher: MLP, ctx: GrowContext) -> Grown:
    """Method 7: Anti-Distillation with the Hessian term off (``METHODS`` says lambda4 = 0)."""
    return pretrain(teacher, ctx, _searched_lambdas(ctx, "antidistill_l4_0"), "antidistill_l4_0 pre-train")


def antidistill(teacher: MLP, ctx: GrowContext) -> Grown:
    """Method 8: Anti-Distillation with all four lambdas."""
    return pretrain(teacher, ctx, _searched_lambdas(ctx, "antidistill"), "antidistill pre-train")
