"""The cost model of the full `paper` profile: samples, fits and curves counted from the configs, matmul FLOPs per sample counted by torch."""

from __future__ import annotations

import torch

from ..data import C1, SIZES
from ..growth import METHODS
from ..losses import CompositeLoss, LossConfig, plain_ce
from ..masks import ClassMask
from ..models import StackedMLP, student_model, teacher_model
from ..profiles import PROFILES
from ..protocol import protocol_for


def protocol_sample_passes(mode: str) -> dict[str, float]:
    """Training samples processed by the full `paper` profile in ``mode``, per kind of step,
    counted from the configs: teacher, plain student, pre-training with L3 only, and with L4."""
    profile = PROFILES["paper"]
    protocol = protocol_for(mode)
    cfg = profile.config("xavier", 0, mode)
    n_train = SIZES["train"]
    n_d1 = n_train // 2  # classes 0-4 of a balanced set
    seeds = len(profile.seeds)
    search_seeds = seeds if profile.search_seeds is None else profile.search_seeds
    passes = {"teacher": seeds * cfg.teacher.epochs * n_d1, "student": 0.0, "pretrain_l3": 0.0, "pretrain_l4": 0.0}
    # The final runs (the authors' 30-epoch rows included), then the search trials (plain epochs).
    final_d1 = cfg.growth.pretrain.epochs
    runs = [(m, seeds, protocol.epochs_recorded(m, cfg.student.epochs), final_d1) for m in METHODS]
    runs += [
        (m, trials * search_seeds, cfg.student.epochs, protocol.trial_pretrain_epochs(final_d1))
        for m, trials in profile.search_trials
    ]
    for method, count, epochs, d1_epochs in runs:
        passes["student"] += count * epochs * n_train
        if METHODS[method].lambdas != "none":
            passes[pretrain_kind(method)] += count * d1_epochs * n_d1
    return passes


# Each kind of pre-training step the bench times and counts: its terms, the lambdas it uses.
STACKED_D1 = {"pretrain_l3": ("L2 + L3", (1.0, 1.0, 1.0, 0.0)), "pretrain_l4": ("L2 + L3 + L4", (1.0, 1.0, 1.0, 1.0))}


def pretrain_kind(method: str) -> str:
    """The kind of D1 pre-training step ``method`` takes (a key of ``matmul_flops_per_sample``): with L4 or without."""
    return "pretrain_l4" if "l4" in METHODS[method].searched else "pretrain_l3"


def _protocol_stacks() -> list[tuple[str, int]]:
    """(method, stacks) of the full `paper` profile: each method's final run (one stack of its
    seeds), then each searched method's trials (at most one stack each: trials that share a
    stack share its fits)."""
    return [(m, 1) for m in METHODS] + list(PROFILES["paper"].search_trials)


def protocol_pretrain_fits() -> dict[str, int]:
    """D1 pre-trainings (one ``fit`` of a stack of seeds each) of the full `paper` profile, per
    kind of step: one per stack of a pre-training method."""
    fits = {"pretrain_l3": 0, "pretrain_l4": 0}
    for method, count in _protocol_stacks():
        if METHODS[method].lambdas != "none":
            fits[pretrain_kind(method)] += count
    return fits


def protocol_student_fits() -> int:
    """Student trainings on D2 (one ``fit`` of a stack of seeds each) of the full `paper` profile:
    one per stack."""
    return sum(count for _, count in _protocol_stacks())


def protocol_curves(mode: str) -> dict[str, int]:
    """Seed runs of the full `paper` profile in ``mode`` that compute an FGSM curve (the final
    runs and every search trial's seeds) and a weight-noise curve (the final runs only)."""
    profile = PROFILES["paper"]
    seeds = len(profile.seeds)
    search_seeds = seeds if profile.search_seeds is None else profile.search_seeds
    final = len(METHODS) * seeds
    return {"fgsm": final + sum(t for _, t in profile.search_trials) * search_seeds, "weight_noise": final}


def matmul_flops_per_sample() -> dict[str, float]:
    """Matmul FLOPs per training sample of one step (forward and backward, as ``fit`` runs it) of
    each kind of ``protocol_sample_passes``, counted by torch's ``FlopCounterMode`` on one batch."""
    from torch.utils.flop_counter import FlopCounterMode

    batch = 64
    x, y = torch.rand(1, batch, 28, 28), torch.randint(0, len(C1), (1, batch))
    g = lambda s: torch.Generator().manual_seed(s)  # noqa: E731
    teacher = StackedMLP.stack([teacher_model(generator=g(0))])

    def count(make, lambdas) -> float:
        model = StackedMLP.stack([make(generator=g(1))])
        loss = (
            plain_ce(ClassMask())
            if lambdas is None
            else CompositeLoss(lambdas, ClassMask(C1), protocol_for("paper"), LossConfig(), [g(2)], [g(3)], teacher)
        )
        with FlopCounterMode(display=False) as counter:
            loss(model, x, y)[0].sum().backward()
        return counter.get_total_flops() / batch

    return {
        "teacher": count(teacher_model, None),
        "student": count(student_model, None),
        **{kind: count(student_model, lambdas) for kind, (_, lambdas) in STACKED_D1.items()},
    }
