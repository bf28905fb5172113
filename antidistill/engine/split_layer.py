"""The first layer's product split in two: every eps of an FGSM curve or a weight-noise draw from two products.

An MLP's first layer holds most of its weights (784 inputs to the first hidden layer) and is
linear in both its input and its weights, so a perturbation that scales with eps -- of the
images (FGSM) or of the weights (weight noise) -- changes its pre-activation by eps times one
product: computed once, it serves every eps of a grid, where the plain way runs the whole
network once per eps. The logits are those of the plain way to float rounding
(``tests/test_engine_split_layer.py``).
"""

from __future__ import annotations

import torch

from ..models import StackedMLP


def first_layer(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The clean first layer's pre-activation x W^T + b [S, B, width] of stacked ``params`` on
    per-seed inputs x [S, B, ...]."""
    return torch.baddbmm(params[1].unsqueeze(1), x.flatten(2), params[0].transpose(1, 2))


def eps_layers(
    model: StackedMLP, first: torch.Tensor, shift: torch.Tensor, eps: torch.Tensor, rest: list[torch.Tensor]
) -> torch.Tensor:
    """The logits [k, S, B, C] of a stack whose first layer's pre-activation is first + eps[j] *
    shift [S, B, width] for each of k eps (the perturbation, of the weights or of the inputs, is
    linear in eps there), and whose later layers are ``rest`` [k * S, ...] (weight, bias per
    layer, eps major)."""
    k, n = eps.shape[0], first.shape[0]
    h = torch.addcmul(first.unsqueeze(0), eps.view(k, 1, 1, 1).to(first.dtype), shift.unsqueeze(0)).flatten(0, 1)
    for i in range(len(model.linears)):
        if i > 0:
            weight, bias = rest[2 * i - 2], rest[2 * i - 1]
            h = torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))
        if model.relu_after(i):
            h = torch.relu(h)
    return h.view(k, n, *h.shape[1:])


def noisy_logits(
    model: StackedMLP,
    params: list[torch.Tensor],
    xi: list[torch.Tensor],
    x: torch.Tensor,
    eps: torch.Tensor,
    first: torch.Tensor | None = None,
) -> torch.Tensor:
    """The logits [k, S, B, C] of the weights ``params + eps[j] * xi`` for every eps[j], on per-seed
    inputs x [S, B, ...]: what ``stack_forward`` gives with the shifted weights, to float rounding.

    The first layer holds most of the weights (784 inputs to the first hidden layer), and its product is
    linear in them: x (W + eps xi)^T + (b + eps xi_b) = (x W^T + b) + eps (x xi^T + xi_b). So two
    products serve every eps, where shifting the weights costs one per eps, and the clean one,
    ``first_layer(params, x)``, may come computed (``first``): it is the same for every draw of xi.
    The smaller layers after it run once for all eps together (eps folded into the seed axis).
    """
    h = x.flatten(2)
    first = first_layer(params, x) if first is None else first
    shift = torch.baddbmm(xi[1].unsqueeze(1), h, xi[0].transpose(1, 2))
    k = eps.shape[0]
    rest = [
        torch.addcmul(p.unsqueeze(0), eps.view(k, *(1,) * p.dim()).to(p.dtype), d.unsqueeze(0)).flatten(0, 1)
        for p, d in zip(params[2:], xi[2:])
    ]
    return eps_layers(model, first, shift, eps, rest)


def fgsm_logits(model: StackedMLP, x: torch.Tensor, direction: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """The logits [k, S, B, C] of the unclipped FGSM images x + eps[j] * direction for every
    eps[j]: ``model`` on each, to float rounding, with the first layer's product split as in
    ``noisy_logits``: (x + eps d) W^T + b = (x W^T + b) + eps (d W^T)."""
    params = [p.detach() for p in model.parameters()]
    first = first_layer(params, x)
    shift = torch.bmm(direction.flatten(2), params[0].transpose(1, 2))
    k = eps.shape[0]
    rest = [p.repeat(k, *(1,) * (p.dim() - 1)) for p in params[2:]]
    return eps_layers(model, first, shift, eps, rest)
