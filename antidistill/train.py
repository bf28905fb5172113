"""Whole-epoch training from in-memory tensors: batching, Adam with its schedules, per-epoch history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from tqdm import tqdm

from .authors_draws import Cut, LoaderDraws
from .config import check
from .data import Split
from .engine.draws import per_member
from .engine.steps import Steps, make_optimizer, use_graphs
from .losses import Loss
from .masks import ClassMask
from .models import EVAL_CHUNK, StackedMLP


class TrainingDiverged(FloatingPointError):
    """The training loss became NaN or infinite."""


@dataclass(frozen=True)
class TrainConfig:
    """One Adam training stage. ``decay``: "none", "step" (x gamma at each of ``milestones``)
    or "exponential" (x gamma after every epoch)."""

    epochs: int = 10
    lr: float = 1e-3
    batch_size: int = 256
    decay: str = "none"
    gamma: float = 1.0
    milestones: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check(isinstance(self.epochs, int) and self.epochs >= 0, f"epochs must be an integer >= 0, got {self.epochs!r}")
        check(self.lr > 0, f"lr must be > 0, got {self.lr}")
        check(
            isinstance(self.batch_size, int) and self.batch_size >= 1,
            f"batch_size must be >= 1, got {self.batch_size!r}",
        )
        check(
            self.decay in ("none", "step", "exponential"),
            f"decay must be 'none', 'step' or 'exponential', got {self.decay!r}",
        )
        check(0 < self.gamma <= 1, f"gamma must be in (0, 1], got {self.gamma}")


def cut_batches(
    y: torch.Tensor,
    batch_size: int,
    generators: Sequence[torch.Generator | None],
    keep_classes: tuple[int, ...] | None = None,
) -> list[tuple[torch.Tensor, Cut | None]]:
    """One epoch of batch index tensors [S, B], one row per seed: shuffled from that seed's
    generator, or in dataset order where it is None; each with its ``Cut`` where
    ``keep_classes`` drops other samples inside each batch after it is cut (the authors'
    teacher and pre-training batches), else None.

    Batches then vary in size; all seeds of a stack must keep the same number in every batch
    (true in dataset order). Cut on the CPU and moved in one copy, so a CUDA epoch does not
    wait on the host batch by batch.
    """
    labels = y.cpu()
    n = int(labels.shape[0])
    orders = torch.empty(len(generators), n, dtype=torch.long)

    def order(s: int) -> None:
        if generators[s] is None:
            torch.arange(n, out=orders[s])
        else:
            torch.randperm(n, generator=generators[s], out=orders[s])

    per_member(generators, order)  # a stack's shuffles in parallel, each from its seed's own stream
    sizes = [min(batch_size, n - start) for start in range(0, n, batch_size)]
    if keep_classes is None:
        return [(idx, None) for idx in orders.to(y.device).split(sizes, dim=1)]
    keep = torch.isin(labels[orders], torch.tensor(keep_classes))
    counts = torch.stack([k.sum(1) for k in keep.split(batch_size, dim=1)], dim=1)
    if not bool((counts == counts[:1]).all()):
        raise ValueError(
            "dropping classes inside shuffled batches gives every seed its own batch sizes; "
            "train such seeds one per stack"
        )
    kept = [int(c) for c in counts[0]]
    idx = orders[keep].view(len(generators), -1).to(y.device).split(kept, dim=1)
    positions = [k.nonzero()[:, 1].view(len(generators), -1) for k in keep.split(batch_size, dim=1)]
    return [(i, Cut(size, p)) for i, size, p, c in zip(idx, sizes, positions, kept) if c > 0]


def batch_indices(
    y: torch.Tensor,
    batch_size: int,
    generators: Sequence[torch.Generator | None],
    keep_classes: tuple[int, ...] | None = None,
) -> list[torch.Tensor]:
    """The batch index tensors of ``cut_batches``, without their cuts."""
    return [idx for idx, _ in cut_batches(y, batch_size, generators, keep_classes)]


@torch.no_grad()
def evaluate(model: StackedMLP, split: Split, mask: ClassMask) -> tuple[list[float], list[float]]:
    """(mean cross-entropy, accuracy) of every seed of ``model`` on ``split``."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros(model.n_seeds, dtype=torch.float64, device=split.y.device)
    correct = torch.zeros(model.n_seeds, dtype=torch.long, device=split.y.device)
    for x, y in zip(split.x.split(EVAL_CHUNK), split.y.split(EVAL_CHUNK)):
        logits, y = model(model.broadcast(x)), y.expand(model.n_seeds, -1)
        loss_sum += mask.ce(logits, y).double() * y.shape[1]
        correct += mask.correct(logits, y)
    model.train(was_training)
    return (loss_sum / len(split)).tolist(), (correct.double() / len(split)).tolist()


def _scheduler(optimizer: torch.optim.Optimizer, cfg: TrainConfig):
    if cfg.decay == "step":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, list(cfg.milestones), cfg.gamma)
    if cfg.decay == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, cfg.gamma)
    return None


def _set_trainable(model: StackedMLP, head_only: bool) -> None:
    head_params = {id(p) for p in model.linears[-1].parameters()}
    for p in model.parameters():
        p.requires_grad_(not head_only or id(p) in head_params)


def _diverged(desc: str, epoch: int, losses: torch.Tensor, terms: list[dict[str, torch.Tensor]]) -> TrainingDiverged:
    batch, seed = (int(i) for i in torch.nonzero(~torch.isfinite(losses))[0])
    values = {k: float(v[seed]) for k, v in terms[batch].items()}
    return TrainingDiverged(
        f"{desc}: loss is {float(losses[batch, seed])} at epoch {epoch}, batch {batch} "
        f"(stack member {seed}); terms: {values}. Lower the learning rate or the lambdas."
    )


def _epoch_mean(values: torch.Tensor, sizes: list[int]) -> torch.Tensor:
    """Per seed, the sample-weighted mean of per-batch values [batches, seeds], each seed's row
    reduced on its own (contiguous), so its bits do not depend on the stack size."""
    weights = torch.tensor(sizes, dtype=torch.float64, device=values.device)
    return (values.double().T.contiguous() * weights).sum(1) / sum(sizes)


def fit(
    model: StackedMLP,
    train: Split,
    val: Split,
    cfg: TrainConfig,
    loss_fn: Loss,
    mask: ClassMask,
    generators: Sequence[torch.Generator | None],
    *,
    keep_classes: tuple[int, ...] | None = None,
    head_only_epochs: int = 0,
    loader: LoaderDraws | None = None,
    desc: str = "train",
    progress: bool = True,
) -> list[list[dict[str, float]]]:
    """Train every seed of ``model`` in place for ``cfg.epochs`` whole epochs; one history per seed.

    ``mask`` defines the classes seen by the accuracy and the validation loss (``loss_fn``
    owns the training loss, per seed). ``generators[s]`` reshuffles seed s's batches every
    epoch (None keeps dataset order). A history has one row per epoch, plus row 0 with the
    validation metrics before any training; each row holds mean train loss, train accuracy,
    every loss term, validation loss and accuracy and the learning rate used. During the first
    ``head_only_epochs`` only the output layer learns. ``loader`` makes the draws of the authors'
    DataLoaders around each epoch (their single stream, ``authors_draws``). The loop never waits
    on the device: the losses are checked once an epoch, and a NaN or infinite one raises
    ``TrainingDiverged`` naming the epoch, batch and terms.
    """
    check(
        len(generators) == model.n_seeds,
        f"one batch generator per seed: {model.n_seeds} seeds, {len(generators)} generators",
    )
    graphs = use_graphs(train.x.device, loss_fn)
    optimizer = make_optimizer(model, cfg.lr, graphs)
    step = Steps(model, optimizer, loss_fn, mask, graphs)
    scheduler = _scheduler(optimizer, cfg)
    val_loss, val_acc = evaluate(model, val, mask)
    histories = [[{"epoch": 0, "val_loss": vl, "val_acc": va}] for vl, va in zip(val_loss, val_acc)]
    bar = tqdm(range(1, cfg.epochs + 1), desc=desc, disable=not progress, leave=False)
    model.train()
    for epoch in bar:
        _set_trainable(model, head_only=epoch <= head_only_epochs)
        lr = float(optimizer.param_groups[0]["lr"])
        losses, terms, sizes, correct = [], [], [], 0
        if loader is not None:
            loader.before_epoch()
        for idx, cut in cut_batches(train.y, cfg.batch_size, generators, keep_classes):
            per_seed, batch_terms, batch_correct = step(train.x, train.y, idx, cut)
            losses.append(per_seed)
            terms.append(batch_terms)
            sizes.append(idx.shape[1])
            correct = correct + batch_correct
        if loader is not None:
            loader.after_epoch()
        if scheduler is not None:
            scheduler.step()
        losses_t = torch.stack(losses)  # [batches, seeds]
        if not bool(torch.isfinite(losses_t).all()):
            raise _diverged(desc, epoch, losses_t.cpu(), terms)
        seen = sum(sizes)
        means = {"train_loss": _epoch_mean(losses_t, sizes), "train_acc": correct / seen}
        means.update({f"train_{k}": _epoch_mean(torch.stack([t[k] for t in terms]), sizes) for k in terms[0]})
        means_list = {k: v.tolist() for k, v in means.items()}
        val_loss, val_acc = evaluate(model, val, mask)
        for s, history in enumerate(histories):
            row = {
                "epoch": epoch,
                "train_loss": means_list["train_loss"][s],
                "train_acc": means_list["train_acc"][s],
                "val_loss": val_loss[s],
                "val_acc": val_acc[s],
                "lr": lr,
            }
            row.update({k: v[s] for k, v in means_list.items() if k.startswith("train_") and k not in row})
            history.append(row)
        bar.set_postfix(
            loss=f"{sum(means_list['train_loss']) / model.n_seeds:.4f}", val_acc=f"{sum(val_acc) / model.n_seeds:.4f}"
        )
    _set_trainable(model, head_only=False)
    return histories
