"""The teacher and student networks: fully connected ReLU MLPs on 28x28 images."""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

TEACHER_BLOCKS = (128, 64, 32)
STUDENT_BLOCKS = (256, 128, 64)
N_INPUTS = 28 * 28


class MLP(nn.Module):
    """Flatten -> (Linear + ReLU) per hidden block -> Linear [-> ReLU when ``output_relu``].

    ``output_relu`` reproduces the authors' code, which ends in a ReLU too.
    """

    def __init__(
        self,
        blocks: Sequence[int],
        n_classes: int = 10,
        output_relu: bool = False,
        generator: torch.Generator | None = None,
        n_inputs: int = N_INPUTS,
    ) -> None:
        super().__init__()
        self.blocks = tuple(int(b) for b in blocks)
        self.n_classes = n_classes
        self.output_relu = output_relu
        widths = (n_inputs, *self.blocks, n_classes)
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        if generator is not None:
            reset_default(self, generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.flatten(1)
        last = len(self.linears) - 1
        for i, linear in enumerate(self.linears):
            h = linear(h)
            if i < last or self.output_relu:
                h = torch.relu(h)
        return h


def reset_default(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """PyTorch's default Linear init, U[-1/sqrt(n), 1/sqrt(n)] (the paper's "Xavier"), drawn from ``generator``.

    Draws in the same order as ``nn.Linear.reset_parameters`` (weight, then bias, layer by
    layer), so a generator seeded with s reproduces ``torch.manual_seed(s); MLP(...)``.
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
                bound = 1 / math.sqrt(module.in_features)
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)
    return model


def teacher_model(output_relu: bool = False, generator: torch.Generator | None = None) -> MLP:
    return MLP(TEACHER_BLOCKS, output_relu=output_relu, generator=generator)


def student_model(output_relu: bool = False, generator: torch.Generator | None = None) -> MLP:
    return MLP(STUDENT_BLOCKS, output_relu=output_relu, generator=generator)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
