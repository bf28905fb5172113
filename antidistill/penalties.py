"""The Hessian penalties that train: variants of the full Anti-Distillation's L4, each run with its own λ search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The study runs on `paper` mode, whose L4 trains (its gradient is on) but whose signed estimate
# lets the student reach a collapsed, constant output; each variant changes one thing about L4.
MODE = "paper"
METHOD = "antidistill"
BASELINE = "antidistill_l4_0"  # what a penalty must beat: the same pre-training without L4


@dataclass(frozen=True)
class Penalty:
    """One L4 variant: its name (which keys its runs and λ study), how the report names it, and
    the config changes that make it."""

    name: str
    label: str
    changes: tuple[tuple[str, Any], ...]


PENALTIES = (
    Penalty("abs", "|vᵀHv| per probe, with its gradient", (("protocol.probe_abs", True),)),
    Penalty("probes", "4 probes per step", (("growth.loss.n_probes", 4),)),
    Penalty("scaled", "L4 multiplied by 10⁻⁴ (the authors' scale)", (("protocol.l4_scale", 1e-4),)),
    Penalty("gauss_newton", "the Gauss–Newton trace (never negative)", (("growth.loss.curvature", "gauss_newton"),)),
)
