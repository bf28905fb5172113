"""The two protocols (`paper` text vs the authors' public code) as named, independent switches."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from .config import check, in_words

MODES = ("paper", "authors")

# The Table I rows whose runs the authors recorded while their consts.py set 30 student epochs
# (history_5_scratch/_zero/_uni/_n2n, history_l1_l3, history_best_antidistill: 30 epochs per
# seed); the switch to 10 came on 2022-10-20 (their commit d9125e2). Transfer and the full
# Anti-Distillation were recorded later, at 10.
RECORDED_LONG = ("xavier", "zero_pad", "uniform_pad", "net2net", "data_noise", "antidistill_l4_0")


def _switch(default: Any, label: str, values: dict[Any, str] | None = None) -> Any:
    """A protocol field with its reader-facing name and, where its values are codes, their
    meaning in words (``describe``): the report's tables print these, never the field's name."""
    return field(default=default, metadata={"label": label, "values": values or {}})


@dataclass(frozen=True)
class Protocol:
    """Every point where the paper's text and its authors' code differ. Where the text is silent
    (``report/differences.py`` lists where, with sources), the `paper` setting is our choice of
    the standard practice, marked "paper mode" below rather than "paper".

    Each field is one switch, so an ablation can flip them one at a time with
    ``config.override(protocol, shuffle=True)``.
    """

    # The mode whose switches these are (an ablation flips single switches and keeps its base),
    # so a config's ``mode`` and its protocol can be checked to agree.
    base: str = "paper"
    # A ReLU after the output layer too (authors), or plain logits (paper mode; the text names
    # no activation).
    output_relu: bool = _switch(False, "a ReLU after the output layer", {True: "yes", False: "no"})
    # L2 = ||u - Pr[w]||^2 (paper) or the plain Euclidean norm ||u - Pr[w]|| (authors).
    l2_squared: bool = _switch(True, "L2 squared", {True: "yes", False: "no (the plain norm)"})
    # Hutchinson probe vectors: "rademacher" (unbiased; paper mode, the text names none) or
    # "uniform" on [0, 1) (authors).
    probe: str = _switch(
        "rademacher", "Hutchinson's probe vectors", {"rademacher": "±1 (Rademacher)", "uniform": "uniform on [0, 1)"}
    )
    # Take |v^T H v| per probe (authors) instead of the signed value.
    probe_abs: bool = _switch(False, "L4 as |vᵀHv|", {True: "yes", False: "no (signed)"})
    # The L4 term is multiplied by this (authors divide by 1e4).
    l4_scale: float = _switch(1.0, "L4 multiplied by")
    # Reshuffle training batches every epoch from the seed (paper mode; the text is silent) or
    # keep dataset order (authors).
    shuffle: bool = _switch(True, "training batches reshuffled every epoch", {True: "yes", False: "no (dataset order)"})
    # Teacher batches: "d1" = batches of D1 only; "drop_in_batch" = batches of the full
    # training set with the class 5-9 samples removed inside each batch (authors).
    teacher_batches: str = _switch(
        "d1",
        "teacher batches",
        {"d1": "batches of D1", "drop_in_batch": "full-set batches, classes 5–9 dropped inside each"},
    )
    # Masked classes: "drop" removes their logits from the softmax (paper);
    # "zero" multiplies their logits by 0, leaving them in the softmax (authors). The text only implies "drop".
    mask: str = _switch(
        "drop", "classes 5–9 on D1", {"drop": "removed from the softmax", "zero": "logits multiplied by 0"}
    )
    # Randomness: one independent stream per purpose (paper, see `seeding`), or the authors'
    # single `torch.manual_seed(seed)` stream with their order of draws: a teacher-shaped model
    # first for every method that loads a teacher, the discarded student-shaped draws of zero
    # pad and Net2Net, transfer's extra teacher-shaped model before its head (authors).
    single_stream: bool = _switch(
        False,
        "one random stream for every draw",
        {True: "yes (their order of draws)", False: "no (one stream per purpose)"},
    )
    # Weight noise: the mean accuracy over independent draws of xi (paper mode; the text gives no count), or
    # one pass with a fresh xi per test batch (authors).
    noise_per_batch: bool = _switch(
        False,
        "weight noise",
        {True: "one draw per test batch, one pass", False: "mean over draws until its standard error is small"},
    )
    # L4 trains the student (paper). The authors' `torch.autograd.functional.hvp` runs without
    # `create_graph`, so their L4 is a constant in the loss: logged, never differentiated (authors).
    l4_gradient: bool = _switch(True, "L4 trains the student (has a gradient)", {True: "yes", False: "no (a constant)"})
    # D1 pre-training batches (methods 6-8, the lambda search included), as `teacher_batches`.
    pretrain_batches: str = _switch(
        "d1",
        "pre-training batches",
        {"d1": "batches of D1", "drop_in_batch": "full-set batches, classes 5–9 dropped inside each"},
    )
    # The full Anti-Distillation's lambdas: the best trial's (paper), or Optuna's parameter
    # importances taken as lambda1..lambda4 in importance order, as their final run did (authors).
    lambdas_from_importance: bool = _switch(
        False, "full Anti-Distillation's λ", {True: "Optuna's parameter importances", False: "the best trial's"}
    )
    # Zero pad: the student is the teacher itself, teacher-sized, as their `torch.zeros(teacher
    # shape)` made it (authors), or the teacher inside a zero student (paper).
    zero_pad_teacher_sized: bool = _switch(
        False,
        "zero pad's student",
        {True: "the teacher itself (teacher-sized)", False: "the teacher inside a zero student"},
    )
    # Their six 30-epoch Table I rows (RECORDED_LONG): students trained this many times the
    # student epochs, accuracy read at the student epochs, FGSM and weight noise after the last.
    recorded_epochs_factor: int = _switch(1, "six rows' D2 epochs, times the configured")
    # A lambda-search trial pre-trains on D1 for at most this many epochs (authors: 10, as their
    # Optuna notebooks hard-code, where their final runs take 15), or for the final runs' epochs
    # (None; paper mode, the text is silent).
    search_pretrain_epochs: int | None = _switch(
        None, "a λ-search trial's pre-training epochs", {None: "the final runs'"}
    )
    # The data a lambda-search trial is scored on: the test split, on which Table I then reports
    # (authors), or a validation split held out of the training set, the size of the test split
    # (paper mode: the text speaks of a validation part of D2; ``data.DataConfig.validation``).
    search_split: str = _switch(
        "validation",
        "data the λ search scores on",
        {"validation": "a validation split of the training set", "test": "the test split"},
    )

    def __post_init__(self) -> None:
        check(self.base in MODES, f"protocol base must be one of {', '.join(MODES)}; got {self.base!r}")
        check(
            self.search_split in ("validation", "test"),
            f"search_split must be 'validation' or 'test', got {self.search_split!r}",
        )
        check(self.probe in ("rademacher", "uniform"), f"probe must be 'rademacher' or 'uniform', got {self.probe!r}")
        check(
            self.teacher_batches in ("d1", "drop_in_batch"),
            f"teacher_batches must be 'd1' or 'drop_in_batch', got {self.teacher_batches!r}",
        )
        check(self.mask in ("drop", "zero"), f"mask must be 'drop' or 'zero', got {self.mask!r}")
        check(self.l4_scale >= 0, f"l4_scale must be >= 0, got {self.l4_scale}")
        check(
            self.pretrain_batches in ("d1", "drop_in_batch"),
            f"pretrain_batches must be 'd1' or 'drop_in_batch', got {self.pretrain_batches!r}",
        )
        check(
            isinstance(self.recorded_epochs_factor, int) and self.recorded_epochs_factor >= 1,
            f"recorded_epochs_factor must be an integer >= 1, got {self.recorded_epochs_factor!r}",
        )
        check(
            self.search_pretrain_epochs is None
            or (isinstance(self.search_pretrain_epochs, int) and self.search_pretrain_epochs >= 1),
            f"search_pretrain_epochs must be None or an integer >= 1, got {self.search_pretrain_epochs!r}",
        )

    def trial_pretrain_epochs(self, epochs: int) -> int:
        """The D1 pre-training epochs of a lambda-search trial whose final runs pre-train ``epochs``
        (a profile's shorter schedule is kept)."""
        return epochs if self.search_pretrain_epochs is None else min(epochs, self.search_pretrain_epochs)

    def recorded_long(self, method: str) -> bool:
        """Whether ``method``'s runs are emulated as the authors recorded them under their
        30-epoch settings (before their per-batch logging, see ``authors_draws``)."""
        return self.recorded_epochs_factor > 1 and method in RECORDED_LONG

    def epochs_recorded(self, method: str, epochs: int) -> int:
        """How many D2 epochs ``method`` trains before FGSM and weight noise are measured."""
        return epochs * self.recorded_epochs_factor if self.recorded_long(method) else epochs


PAPER = Protocol()
AUTHORS = Protocol(
    base="authors",
    output_relu=True,
    l2_squared=False,
    probe="uniform",
    probe_abs=True,
    l4_scale=1e-4,
    shuffle=False,
    teacher_batches="drop_in_batch",
    mask="zero",
    single_stream=True,
    noise_per_batch=True,
    l4_gradient=False,
    pretrain_batches="drop_in_batch",
    lambdas_from_importance=True,
    zero_pad_teacher_sized=True,
    search_pretrain_epochs=10,
    search_split="test",
    recorded_epochs_factor=3,
)


def protocol_for(mode: str) -> Protocol:
    """The switch settings of a named mode."""
    check(mode in MODES, f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    return PAPER if mode == "paper" else AUTHORS


# The switches (every field but the base mode they start from).
SWITCHES = tuple(f.name for f in fields(Protocol) if f.name != "base")
# The switches a teacher's training reads (``teachers.train_teachers``); the others act on the
# student only, so a teacher is keyed by these and its mode (``teacher_part``).
TEACHER_SWITCHES = ("output_relu", "teacher_batches", "mask", "single_stream", "shuffle")


def teacher_part(protocol: Protocol) -> Protocol:
    """``protocol`` with every switch a teacher does not read set as in its base mode: what keys
    a trained teacher, so runs that differ only in a student's switch (an ablation, a λ-search
    trial's shorter schedule) share their seed's teacher instead of training it again."""
    return replace(protocol_for(protocol.base), **{s: getattr(protocol, s) for s in TEACHER_SWITCHES})


def label(switch: str) -> str:
    """A switch's name as the report prints it."""
    return Protocol.__dataclass_fields__[switch].metadata["label"]


def describe(switch: str, value: Any) -> str:
    """A switch's value in words (its code where it has no words: a number)."""
    return in_words(Protocol, switch, value)
