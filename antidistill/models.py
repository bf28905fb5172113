"""The teacher and student networks: fully connected ReLU MLPs on 28x28 images."""

from __future__ import annotations

import math
from typing import Sequence

import torch
from torch import nn

TEACHER_BLOCKS = (128, 64, 32)
STUDENT_BLOCKS = (256, 128, 64)
N_INPUTS = 28 * 28


# Images per evaluation chunk, per seed: fixed, so a seed's numbers do not depend on the stack size.
EVAL_CHUNK = 2500


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


def teacher_model(output_relu: bool = False, generator: torch.Generator | None = None, n_inputs: int = N_INPUTS) -> MLP:
    return MLP(TEACHER_BLOCKS, output_relu=output_relu, generator=generator, n_inputs=n_inputs)


def student_model(output_relu: bool = False, generator: torch.Generator | None = None, n_inputs: int = N_INPUTS) -> MLP:
    return MLP(STUDENT_BLOCKS, output_relu=output_relu, generator=generator, n_inputs=n_inputs)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


class StackedLinear(nn.Module):
    """S independent ``nn.Linear`` layers of one shape: ``weight`` [S, out, in], ``bias`` [S, out]."""

    def __init__(self, n_seeds: int, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(n_seeds, out_features, in_features))
        self.bias = nn.Parameter(torch.empty(n_seeds, out_features))


class StackedMLP(nn.Module):
    """S copies of one ``MLP`` architecture (one per seed) trained as one model.

    Every tensor carries a leading seed axis, so one step of one optimiser over the stack is
    one step of each seed's own optimiser (Adam is elementwise; the loss is a sum of per-seed
    losses, whose gradient for seed s is seed s's own). S = 1 is the single-seed case. Inputs are
    per seed, [S, B, 28, 28] (``broadcast`` gives every seed the same batch).
    """

    def __init__(
        self,
        blocks: Sequence[int],
        n_seeds: int,
        n_classes: int = 10,
        output_relu: bool = False,
        n_inputs: int = N_INPUTS,
    ) -> None:
        super().__init__()
        if n_seeds < 1:
            raise ValueError(f"a stack needs at least one seed, got {n_seeds}")
        self.blocks = tuple(int(b) for b in blocks)
        self.n_seeds, self.n_classes, self.output_relu = n_seeds, n_classes, output_relu
        widths = (n_inputs, *self.blocks, n_classes)
        self.linears = nn.ModuleList(StackedLinear(n_seeds, a, b) for a, b in zip(widths[:-1], widths[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] != self.n_seeds:
            raise ValueError(f"inputs must have a leading seed axis of {self.n_seeds}; got shape {tuple(x.shape)}")
        return stack_forward(self, list(self.parameters()), x)

    def relu_after(self, i: int) -> bool:
        """Whether layer i's output goes through a ReLU: every hidden layer's, and the output
        layer's with ``output_relu``."""
        return i < len(self.linears) - 1 or self.output_relu

    def broadcast(self, x: torch.Tensor) -> torch.Tensor:
        """One batch [B, ...] given to every seed: [S, B, ...] (a view, no copy)."""
        return x.unsqueeze(0).expand(self.n_seeds, *x.shape)

    @classmethod
    def stack(cls, models: Sequence[MLP]) -> "StackedMLP":
        """The stack of ``models`` (same architecture), on their device and in their dtype; their weights are copied."""
        if not models:
            raise ValueError("stack needs at least one model")
        first = models[0]
        shapes = [[tuple(p.shape) for p in m.parameters()] for m in models]
        if any(s != shapes[0] for s in shapes) or any(m.output_relu != first.output_relu for m in models):
            raise ValueError("only models of one architecture can be stacked")
        stacked = cls(first.blocks, len(models), first.n_classes, first.output_relu, first.linears[0].in_features)
        like = next(first.parameters())
        stacked = stacked.to(device=like.device, dtype=like.dtype)
        with torch.no_grad():
            for i, layer in enumerate(stacked.linears):
                layer.weight.copy_(torch.stack([m.linears[i].weight for m in models]))
                layer.bias.copy_(torch.stack([m.linears[i].bias for m in models]))
        return stacked

    def member(self, s: int) -> MLP:
        """Seed ``s`` as a plain ``MLP`` (a copy, on the stack's device)."""
        model = MLP(self.blocks, self.n_classes, self.output_relu, n_inputs=self.linears[0].in_features)
        like = self.linears[0].weight
        model = model.to(device=like.device, dtype=like.dtype)
        with torch.no_grad():
            for mine, theirs in zip(model.linears, self.linears):
                mine.weight.copy_(theirs.weight[s])
                mine.bias.copy_(theirs.bias[s])
        return model

    def unstack(self) -> list[MLP]:
        return [self.member(s) for s in range(self.n_seeds)]


class _InputLinear(torch.autograd.Function):
    """``baddbmm(b, x, W^T)`` whose weight gradient is computed in W's own layout, dL/dW = g^T x.

    Autograd differentiates the transposed view W^T, so it computes (x^T g) [S, in, out] and
    copies its transpose into W's gradient; for the first layer (784 inputs, most of the
    weights) that copy, and the slower product before it, were the largest cost of a training
    step after the matmuls. Used for the first layer only: its g^T x gives each stack member the
    bits it gives that member alone (tested), which MKL does not guarantee for the 10-output
    layer. Its backward is made of differentiable ops, so second derivatives pass through it.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        return (
            torch.bmm(grad, weight) if need_x else None,
            torch.bmm(grad.transpose(1, 2), x) if need_w else None,
            grad.sum(1) if need_b else None,
        )


def stack_activations(model: StackedMLP, params: Sequence[torch.Tensor], x: torch.Tensor) -> list[torch.Tensor]:
    """Every layer's output of ``model``'s function with stacked tensors ``params`` (weight, bias
    per layer, in order) on per-seed inputs: [x flattened, h_1, ..., logits]. Other tensors than
    the model's own evaluate noisy weights without writing the model, and a subset of the seeds
    (``params`` sliced along the seed axis) runs on its own."""
    hs = [x.flatten(2)]
    for i in range(len(model.linears)):
        weight, bias = params[2 * i], params[2 * i + 1]
        # One batched matmul with the bias fused in: slice s is exactly F.linear of seed s.
        h = (
            _InputLinear.apply(hs[-1], weight, bias)
            if i == 0
            else torch.baddbmm(bias.unsqueeze(1), hs[-1], weight.transpose(1, 2))
        )
        hs.append(torch.relu(h) if model.relu_after(i) else h)
    return hs


def stack_forward(model: StackedMLP, params: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The logits of ``stack_activations``."""
    return stack_activations(model, params, x)[-1]
