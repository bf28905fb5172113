"""The Hessian penalties that train: variants of the full Anti-Distillation's L4, each run with its own λ search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The study runs on `paper` mode, whose L4 trains (its gradient is on) but whose signed estimate
# has no floor (there, pre-training mostly ends at chance on D1); each variant changes one thing
# about L4.
MODE = "paper"
METHOD = "antidistill"
BASELINE = "antidistill_l4_0"  # what a penalty must beat: the same pre-training without L4


@dataclass(frozen=True)
class Penalty:
    """One L4 variant: its name (which keys its runs and λ study), how the report names it, why
    it is tried, and the config changes that make it."""

    name: str
    label: str
    why: str
    changes: tuple[tuple[str, Any], ...]


PROBES, SCALE = 4, 1e-4
PENALTIES = (
    Penalty(
        "abs",
        "|vᵀHv| per probe, with its gradient",
        "the absolute value of each probe's vᵀHv, differentiated as it is: never negative",
        (("protocol.probe_abs", True),),
    ),
    Penalty(
        "probes",
        f"{PROBES} probes per step",
        f"{PROBES} probes per step instead of one: a less noisy estimate of the trace",
        (("growth.loss.n_probes", PROBES),),
    ),
    Penalty(
        "scaled",
        f"L4 multiplied by {SCALE:g}",
        f"L4 multiplied by {SCALE:g}, the authors' scale, so that the searched λ4 reaches far smaller penalties",
        (("protocol.l4_scale", SCALE),),
    ),
    Penalty(
        "gauss_newton",
        "the Gauss–Newton trace",
        "the trace of the Gauss–Newton matrix G = Jᵀ(diag p − ppᵀ)J instead of the Hessian's: for these "
        "ReLU networks the logits are linear in each single weight, so G and the Hessian have the same "
        "diagonal and the same trace (a test checks it exactly on small networks), while each probe's "
        "vᵀGv is a variance, never negative",
        (("growth.loss.curvature", "gauss_newton"),),
    ),
)
