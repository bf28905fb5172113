"""The two protocols (`paper` text vs the authors' public code) as named, independent switches."""

from __future__ import annotations

from dataclasses import dataclass

from .config import check

MODES = ("paper", "authors")


@dataclass(frozen=True)
class Protocol:
    """Every point where the paper's text and its authors' code differ.

    Each field is one switch, so an ablation can flip them one at a time with
    ``config.override(protocol, shuffle=True)``.
    """

    # A ReLU after the output layer too (authors), or plain logits (paper).
    output_relu: bool = False
    # L2 = ||u - Pr[w]||^2 (paper) or the plain Euclidean norm ||u - Pr[w]|| (authors).
    l2_squared: bool = True
    # Hutchinson probe vectors: "rademacher" (unbiased) or "uniform" on [0, 1) (authors).
    probe: str = "rademacher"
    # Take |v^T H v| per probe (authors) instead of the signed value.
    probe_abs: bool = False
    # The L4 term is multiplied by this (authors divide by 1e4).
    l4_scale: float = 1.0
    # Reshuffle training batches every epoch from the seed (paper) or keep dataset order (authors).
    shuffle: bool = True
    # Teacher batches: "d1" = batches of D1 only; "drop_in_batch" = batches of the full
    # training set with the class 5-9 samples removed inside each batch (authors).
    teacher_batches: str = "d1"
    # Masked classes: "drop" removes their logits from the softmax (paper);
    # "zero" multiplies their logits by 0, leaving them in the softmax (authors).
    mask: str = "drop"
    # Draw a teacher-shaped model from the seed's generator before the student,
    # for methods that use a teacher (authors' order of random draws).
    draw_teacher_shape: bool = False
    # Weight noise: one draw for the whole test set (paper) or afresh per test batch (authors).
    noise_per_batch: bool = False

    def __post_init__(self) -> None:
        check(self.probe in ("rademacher", "uniform"), f"probe must be 'rademacher' or 'uniform', got {self.probe!r}")
        check(self.teacher_batches in ("d1", "drop_in_batch"),
              f"teacher_batches must be 'd1' or 'drop_in_batch', got {self.teacher_batches!r}")
        check(self.mask in ("drop", "zero"), f"mask must be 'drop' or 'zero', got {self.mask!r}")
        check(self.l4_scale >= 0, f"l4_scale must be >= 0, got {self.l4_scale}")


PAPER = Protocol()
AUTHORS = Protocol(
    output_relu=True,
    l2_squared=False,
    probe="uniform",
    probe_abs=True,
    l4_scale=1e-4,
    shuffle=False,
    teacher_batches="drop_in_batch",
    mask="zero",
    draw_teacher_shape=True,
    noise_per_batch=True,
)


def protocol_for(mode: str) -> Protocol:
    """The switch settings of a named mode."""
    check(mode in MODES, f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    return PAPER if mode == "paper" else AUTHORS
