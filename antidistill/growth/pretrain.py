"""Methods 6-8: the student initialised as the minimiser of the composite loss on D1 (Anti-Distillation)."""

from __future__ import annotations

from ..data import C1
from ..losses import ClassMask, CompositeLoss
from ..models import MLP, student_model
from ..train import fit
from .context import GrowContext, Grown

DATA_NOISE_LAMBDAS = (1.0, 0.0, 1.0, 0.0)


def pretrain(teacher: MLP | None, ctx: GrowContext, lambdas: tuple[float, ...], desc: str) -> Grown:
    """A fresh student trained on D1 (classes 5-9 masked) to minimise the composite loss.

    Batches are D1's own, or (``protocol.pretrain_batches == "drop_in_batch"``) batches of the
    whole training set with the other classes dropped inside each, as the authors' loop did.
    """
    if ctx.data is None:
        raise ValueError(f"{desc} pre-trains on D1: pass data in the GrowContext")
    device = ctx.data.train.x.device
    student = student_model(ctx.protocol.output_relu, generator=ctx.init).to(device)
    if teacher is not None:
        teacher = teacher.to(device)
    mask = ClassMask(C1, ctx.protocol.mask)
    loss = CompositeLoss(lambdas, mask, ctx.protocol, ctx.cfg.loss, ctx.streams("input_noise"),
                         ctx.streams("probes"), teacher)
    d1 = ctx.data.d1()
    train, keep = (ctx.data.train, C1) if ctx.protocol.pretrain_batches == "drop_in_batch" else (d1.train, None)
    history = fit(student, train, d1.test, ctx.cfg.pretrain, loss, mask,
                  ctx.streams("pretrain_batches") if ctx.protocol.shuffle else None, keep_classes=keep,
                  desc=desc, progress=ctx.progress)
    return Grown(student, pretrain_history=history)


def data_noise(teacher: MLP | None, ctx: GrowContext) -> Grown:
    """Method 6: lambda1 = lambda3 = 1, lambda2 = lambda4 = 0 (no teacher needed)."""
    return pretrain(None, ctx, DATA_NOISE_LAMBDAS, "data_noise pre-train")


def _searched_lambdas(ctx: GrowContext, name: str) -> tuple[float, ...]:
    if ctx.lambdas is None:
        raise ValueError(f"{name} needs lambdas l1,l2,l3,l4 (found by the lambda search, notebook 4)")
    return ctx.lambdas


def antidistill_l4_0(teacher: MLP, ctx: GrowContext) -> Grown:
    """Method 7: Anti-Distillation with the Hessian term off (lambda4 = 0)."""
    lambdas = _searched_lambdas(ctx, "antidistill_l4_0")
    if lambdas[3] != 0:
        raise ValueError(f"antidistill_l4_0 fixes lambda4 = 0; got lambdas {lambdas}")
    return pretrain(teacher, ctx, lambdas, "antidistill_l4_0 pre-train")


def antidistill(teacher: MLP, ctx: GrowContext) -> Grown:
    """Method 8: Anti-Distillation with all four lambdas."""
    return pretrain(teacher, ctx, _searched_lambdas(ctx, "antidistill"), "antidistill pre-train")
