"""One protocol switch at a time: each switch flipped alone from one mode's settings to the other's, on a few methods at their published λ."""

from __future__ import annotations

from dataclasses import dataclass

from .config import check, override
from .experiment import ExperimentConfig
from .growth import METHODS
from .protocol import MODES, RECORDED_LONG, SWITCHES, label, protocol_for

# The methods the study flips switches on: the paper's baseline, the simplest growth and both
# searched Anti-Distillation rows.
ABLATED = ("xavier", "zero_pad", "antidistill_l4_0", "antidistill")
# Not a Protocol field: a searched method's λ as the other mode's search chose them (by that
# mode's rule, importances for the authors' full Anti-Distillation), which carries whatever the
# search's own switches (its split, its shorter pre-training) did to the choice.
LAMBDAS = "lambdas"
# Switches read by the λ search only: with λ held at their published values they change no run,
# and their effect reaches the runs through LAMBDAS.
SEARCH_ONLY = ("search_pretrain_epochs", "search_split")
L4_SWITCHES = ("probe", "probe_abs", "l4_scale", "l4_gradient")
FLIPPED = tuple(s for s in SWITCHES if s not in SEARCH_ONLY) + (LAMBDAS,)


def other_mode(mode: str) -> str:
    check(mode in MODES, f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    return next(m for m in MODES if m != mode)


def switch_label(switch: str) -> str:
    """A flipped switch as the report names it."""
    return "the searched λ" if switch == LAMBDAS else label(switch)


def acts_on(switch: str, method: str) -> bool:
    """Whether flipping ``switch`` can change a run of ``method`` at fixed λ: written from what
    each stage reads (a test checks every "no" on small runs in both modes). L2 and L4 switches
    act only where that term's λ is searched, pre-training switches on the methods that
    pre-train on D1, teacher-only switches where a teacher is trained or D1 masked."""
    spec = METHODS[method]
    check(switch in FLIPPED, f"unknown switch {switch!r}; flipped are: {', '.join(FLIPPED)}")
    pretrains = spec.lambdas != "none"
    if switch == LAMBDAS:
        return spec.lambdas == "searched"
    if switch == "lambdas_from_importance":
        return "l4" in spec.searched  # the authors' rule took importances for the full method only
    if switch in L4_SWITCHES:
        return "l4" in spec.searched
    if switch == "l2_squared":
        return "l2" in spec.searched
    if switch == "pretrain_batches":
        return pretrains
    if switch == "zero_pad_teacher_sized":
        return method == "zero_pad"
    if switch == "recorded_epochs_factor":
        return method in RECORDED_LONG
    if switch == "teacher_batches":
        return spec.needs_teacher
    if switch == "mask":
        return spec.needs_teacher or pretrains  # the teacher's and the pre-training's D1
    return True  # output_relu, shuffle, single_stream, noise_per_batch: every run


@dataclass(frozen=True)
class Flip:
    """One switch of ``base`` mode set as in the other mode, on one method."""

    base: str
    switch: str
    method: str

    @property
    def value(self):
        """The switch's setting after the flip (its setting in the other mode)."""
        return getattr(protocol_for(other_mode(self.base)), self.switch)

    def config(self, cfg: ExperimentConfig, choices: dict[str, tuple[float, ...]]) -> ExperimentConfig:
        """``cfg`` (a base-mode run of this method) with the switch flipped. ``choices``: this
        method's λ as its base-mode search chose them ("best", "importance") and as the other
        mode's search did ("other")."""
        check(cfg.mode == self.base and cfg.method == self.method, f"{cfg.run_name} is not a run of {self}")
        if self.switch == LAMBDAS:
            return override(cfg, {"lambdas": tuple(choices["other"])})
        changes = {f"protocol.{self.switch}": self.value}
        if self.switch == "lambdas_from_importance" and acts_on(self.switch, self.method):
            # The switch is read where the search hands its λ over, so flipping it swaps them.
            changes["lambdas"] = tuple(choices["importance" if self.value else "best"])
        return override(cfg, changes)


def flips(base: str, methods=ABLATED) -> list[Flip]:
    """Every (switch, method) of ``base`` mode whose flip can change a run, in the switches' order."""
    return [Flip(base, s, m) for s in FLIPPED for m in methods if acts_on(s, m)]
