"""Zero pad and Net2Net students stay teacher-sized through training; fresh students use every unit."""

from __future__ import annotations

import pytest
import torch

from antidistill.data import DataConfig
from antidistill.diagnostics import effective_widths, never_predicted
from antidistill.growth import GrowContext, GrowthConfig, net2net, xavier, zero_pad
from antidistill.losses import plain_ce
from antidistill.masks import ClassMask
from antidistill.models import STUDENT_BLOCKS, TEACHER_BLOCKS, StackedMLP, teacher_model
from antidistill.protocol import PAPER
from antidistill.seeding import Streams
from antidistill.train import TrainConfig, fit


@pytest.mark.parametrize(
    "grow, expected", [(xavier, STUDENT_BLOCKS), (zero_pad, TEACHER_BLOCKS), (net2net, TEACHER_BLOCKS)]
)
def test_effective_width_after_training(grow, expected, fashion):
    data = DataConfig(n_train=2048, n_test=256).apply(fashion)
    teacher = teacher_model(generator=torch.Generator().manual_seed(1))
    ctx = GrowContext(Streams(0), PAPER, GrowthConfig())
    student = grow(teacher, ctx).student
    assert effective_widths(student) == list(expected)
    everything = ClassMask()
    stack = StackedMLP.stack([student])
    (history,) = fit(
        stack,
        data.train,
        data.test,
        TrainConfig(epochs=2),
        plain_ce(everything),
        everything,
        [torch.Generator().manual_seed(0)],
        progress=False,
    )
    assert history[-1]["val_acc"] > history[0]["val_acc"]  # it did learn ...
    assert effective_widths(stack.member(0)) == list(expected)  # ... without ever using the extra units


def test_effective_width_counts_dead_and_duplicate_units():
    model = teacher_model(generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.linears[0].weight[5:10] = 0
        model.linears[0].bias[5:10] = 0
        model.linears[1].weight[1] = model.linears[1].weight[0]
        model.linears[1].bias[1] = model.linears[1].bias[0]
    assert effective_widths(model) == [123, 63, 32]


def test_a_dead_output_relu_class_is_never_predicted(fashion):
    """The authors' output ReLU: a class whose output is negative everywhere is stuck at 0."""
    test = DataConfig(n_train=1, n_test=500).apply(fashion).test
    model = teacher_model(output_relu=True, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.linears[-1].bias[:] = 0.5
        model.linears[-1].weight[:] = 0.0
        model.linears[-1].bias[7] = -1.0
        model.linears[-1].weight[3] = 1.0  # class 3 wins wherever some unit of the last layer is on
    assert never_predicted(model, test) == [c for c in range(10) if c != 3]
    model.linears[-1].bias.data[:] = torch.linspace(0, 1, 10)
    model.linears[-1].weight.data[:] = 0.0
    assert never_predicted(model, test) == list(range(9))  # only the largest constant output wins
