"""Which output classes the loss and the accuracy see (the teacher's classes 0-4, or all ten)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .config import check


@dataclass(frozen=True)
class ClassMask:
    """Which output classes the loss and the accuracy see.

    ``classes=None`` is all outputs. Otherwise the other classes are masked: ``drop``
    removes their logits from the softmax; ``zero`` multiplies them by 0 (the authors' way,
    which leaves those classes in the softmax at logit 0).
    """

    classes: tuple[int, ...] | None = None
    how: str = "drop"

    def __post_init__(self) -> None:
        check(self.how in ("drop", "zero"), f"how must be 'drop' or 'zero', got {self.how!r}")
        if self.classes is not None:
            check(
                self.classes == tuple(range(len(self.classes))),
                f"a class mask keeps the first classes 0..k-1, got {self.classes}",
            )

    def scores(self, logits: torch.Tensor) -> torch.Tensor:
        """The logits the loss and accuracy see; classes on the last axis."""
        if self.classes is None:
            return logits
        k = len(self.classes)
        if self.how == "drop":
            return logits[..., :k]
        keep = torch.zeros(logits.shape[-1], dtype=logits.dtype, device=logits.device)
        keep[:k] = 1
        return logits * keep

    def ce(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over the last batch axis: one value per seed for [S, B, C] logits
        and [S, B] labels, a scalar for [B, C] and [B]."""
        scores = self.scores(logits)
        per_sample = F.cross_entropy(scores.reshape(-1, scores.shape[-1]), y.reshape(-1), reduction="none")
        return per_sample.view(y.shape).mean(-1)

    def correct(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Correct predictions, per seed for seed-stacked inputs (as ``ce``)."""
        return (self.scores(logits).argmax(-1) == y).sum(-1)
