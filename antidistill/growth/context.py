"""What every growth method receives and returns, and the defaults of the growth stage."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ..config import check
from ..data import FashionMNIST
from ..losses import LossConfig
from ..models import MLP, N_INPUTS, StackedMLP
from ..protocol import Protocol
from ..seeding import Streams
from ..train import TrainConfig


@dataclass(frozen=True)
class GrowthConfig:
    """Defaults of the growth stage: D1 pre-training (methods 6-8), transfer and Net2Net settings."""

    pretrain: TrainConfig = field(
        default_factory=lambda: TrainConfig(epochs=15, lr=5e-3, batch_size=256, decay="exponential", gamma=0.85)
    )
    loss: LossConfig = field(default_factory=LossConfig)
    head_only_epochs: int = 3  # transfer: epochs in which only the output layer learns
    net2net_noise: float = 0.0  # Net2Net: std of symmetry-breaking weight noise (0 = exact)

    def __post_init__(self) -> None:
        check(self.head_only_epochs >= 0, f"head_only_epochs must be >= 0, got {self.head_only_epochs}")
        check(self.net2net_noise >= 0, f"net2net_noise must be >= 0, got {self.net2net_noise}")


@dataclass
class GrowContext:
    """Everything a growth method may use besides the teacher.

    ``streams`` gives the run's generator per purpose (``seeding``); ``data`` is the run's
    Fashion-MNIST on the training device (the D1 pre-training of methods 6-8 uses it).
    """

    streams: Streams
    protocol: Protocol
    cfg: GrowthConfig
    data: FashionMNIST | None = None
    lambdas: tuple[float, float, float, float] | None = None
    progress: bool = True
    n_inputs: int = N_INPUTS  # the first width of the networks grown: the data's inputs per image

    @property
    def init(self) -> torch.Generator:
        """The stream of every initial weight the growth draws."""
        return self.streams("student_init")


@dataclass(frozen=True)
class Pretraining:
    """The D1 pre-training a student still needs (methods 6-8): its lambdas and the teacher of
    its L2 term. ``growth.grow_seeds`` runs it for all seeds of a stack at once."""

    lambdas: tuple[float, ...]
    teacher: MLP | None
    desc: str


@dataclass
class Grown:
    """A student as one growth method builds it for one seed; ``head_only_epochs`` and the
    pre-training still to run travel with it."""

    student: MLP
    head_only_epochs: int = 0
    pretraining: Pretraining | None = None


@dataclass
class GrownStack:
    """The grown students of all seeds of a run, stacked, pre-training done (its history per seed)."""

    student: StackedMLP
    head_only_epochs: int = 0
    pretrain_histories: list[list[dict[str, float]]] | None = None
