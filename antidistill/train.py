"""Whole-epoch training from in-memory tensors: batching, Adam with its schedules, per-epoch history."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import torch
from torch import nn
from tqdm import tqdm

from .config import check
from .data import Split
from .losses import ClassMask, LossFn
from .models import MLP

EVAL_CHUNK = 10000


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
        check(isinstance(self.batch_size, int) and self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size!r}")
        check(self.decay in ("none", "step", "exponential"),
              f"decay must be 'none', 'step' or 'exponential', got {self.decay!r}")
        check(0 < self.gamma <= 1, f"gamma must be in (0, 1], got {self.gamma}")


def pick_device(name: str | None = "auto") -> torch.device:
    """CUDA when present (for "auto" or None), otherwise the CPU; or exactly the named device.

    On CUDA, deterministic algorithms are switched on (and cuBLAS given the fixed workspace they
    need), so the same seed on the same device gives the same numbers.
    """
    if name in (None, "auto"):
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        try:
            device = torch.device(name)
        except (RuntimeError, TypeError):
            device = None
        if device is None or device.type not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]'; got {name!r}")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} asked for CUDA, but torch sees no GPU here; use 'cpu' or 'auto'")
        # Read when cuBLAS makes its first handle, so it is set here, before any CUDA work of a run.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        # warn_only: an op without a deterministic CUDA kernel warns instead of stopping a long
        # run; the determinism tests (run on CUDA by tools/gpu_check.sh) catch any difference.
        torch.use_deterministic_algorithms(True, warn_only=True)
    return device


def batch_indices(y: torch.Tensor, batch_size: int, generator: torch.Generator | None,
                  keep_classes: tuple[int, ...] | None = None) -> list[torch.Tensor]:
    """One epoch of batch index tensors: shuffled from ``generator``, or in dataset order when None.

    ``keep_classes`` drops other samples inside each batch after it is cut (the authors'
    teacher batches), so batches vary in size.
    """
    n = int(y.shape[0])
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    order = order.to(y.device)
    batches = list(order.split(batch_size))
    if keep_classes is not None:
        allowed = torch.tensor(keep_classes, device=y.device)
        batches = [b[torch.isin(y[b], allowed)] for b in batches]
        batches = [b for b in batches if b.numel()]
    return batches


@torch.no_grad()
def evaluate(model: nn.Module, split: Split, mask: ClassMask) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``model`` on ``split``."""
    was_training = model.training
    model.eval()
    loss_sum, correct = 0.0, 0
    for x, y in zip(split.x.split(EVAL_CHUNK), split.y.split(EVAL_CHUNK)):
        logits = model(x)
        loss_sum += float(mask.ce(logits, y)) * len(y)
        correct += int(mask.correct(logits, y))
    model.train(was_training)
    return loss_sum / len(split), correct / len(split)


def _scheduler(optimizer: torch.optim.Optimizer, cfg: TrainConfig):
    if cfg.decay == "step":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, list(cfg.milestones), cfg.gamma)
    if cfg.decay == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, cfg.gamma)
    return None


def _set_trainable(model: MLP, head_only: bool) -> None:
    head_params = {id(p) for p in model.linears[-1].parameters()}
    for p in model.parameters():
        p.requires_grad_(not head_only or id(p) in head_params)


def fit(
    model: MLP,
    train: Split,
    val: Split,
    cfg: TrainConfig,
    loss_fn: LossFn,
    mask: ClassMask,
    generator: torch.Generator | None,
    *,
    keep_classes: tuple[int, ...] | None = None,
    head_only_epochs: int = 0,
    desc: str = "train",
    progress: bool = True,
) -> list[dict[str, float]]:
    """Train ``model`` in place for ``cfg.epochs`` whole epochs and return its history.

    ``mask`` defines the classes seen by the accuracy and the validation loss (``loss_fn``
    owns the training loss). ``generator`` reshuffles the batches every epoch (None keeps
    dataset order). The history
    has one row per epoch, plus row 0 with the validation metrics before any training; each
    row holds mean train loss, train accuracy, every loss term, validation loss and accuracy
    and the learning rate used. During the first ``head_only_epochs`` only the output layer
    learns. A NaN or infinite loss raises ``TrainingDiverged`` naming the epoch and terms.
    """
    # foreach: one kernel per step for all parameters instead of a Python loop over them (the
    # CPU default); the same arithmetic, so the same numbers.
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, foreach=True)
    scheduler = _scheduler(optimizer, cfg)
    val_loss, val_acc = evaluate(model, val, mask)
    history = [{"epoch": 0, "val_loss": val_loss, "val_acc": val_acc}]
    bar = tqdm(range(1, cfg.epochs + 1), desc=desc, disable=not progress, leave=False)
    model.train()
    for epoch in bar:
        _set_trainable(model, head_only=epoch <= head_only_epochs)
        lr = optimizer.param_groups[0]["lr"]
        seen, correct, loss_sum = 0, 0, 0.0
        term_sums: dict[str, float] = {}
        for b, idx in enumerate(batch_indices(train.y, cfg.batch_size, generator, keep_classes)):
            x, y = train.x[idx], train.y[idx]
            optimizer.zero_grad(set_to_none=True)
            loss, terms, logits = loss_fn(model, x, y)
            value = float(loss.detach())
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"{desc}: loss is {value} at epoch {epoch}, batch {b}; terms: {terms}. "
                    "Lower the learning rate or the lambdas."
                )
            loss.backward()
            optimizer.step()
            n = len(y)
            seen += n
            loss_sum += value * n
            correct += int(mask.correct(logits.detach(), y))
            for k, v in terms.items():
                term_sums[k] = term_sums.get(k, 0.0) + v * n
        if scheduler is not None:
            scheduler.step()
        val_loss, val_acc = evaluate(model, val, mask)
        row = {"epoch": epoch, "train_loss": loss_sum / seen, "train_acc": correct / seen,
               "val_loss": val_loss, "val_acc": val_acc, "lr": lr}
        row.update({f"train_{k}": v / seen for k, v in term_sums.items()})
        history.append(row)
        bar.set_postfix(loss=f"{row['train_loss']:.4f}", val_acc=f"{val_acc:.4f}")
    _set_trainable(model, head_only=False)
    return history
