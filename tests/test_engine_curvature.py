"""engine.curvature equals the reference L4: each v^T H v exact, the estimate and its gradient those of Pearlmutter's double backward."""

from __future__ import annotations

import pytest
import torch
from conftest import exact_batch, exact_mlp

from antidistill.engine.curvature import curvature_along, hutchinson_forward
from antidistill.losses import flat_ce, hutchinson_trace
from antidistill.masks import ClassMask
from antidistill.models import MLP, StackedMLP, stack_activations
from antidistill.seeding import member_reference


@pytest.mark.parametrize("output_relu", [False, True])
@pytest.mark.parametrize("mask", [ClassMask(), ClassMask((0, 1)), ClassMask((0, 1), how="zero")])
def test_curvature_along_v_is_the_exact_vHv(mask, output_relu):
    """The second-order forward pass gives each seed's exact v^T H v (full Hessian, float64), for
    both ways of masking classes and with the authors' output ReLU."""
    models = [MLP((5, 3), 3, output_relu, torch.Generator().manual_seed(s), n_inputs=4).double() for s in (0, 1)]
    batches = [exact_batch(s) for s in (0, 1)]
    if mask.classes is not None:
        batches = [(x, y % 2) for x, y in batches]
    stack = StackedMLP.stack(models)
    x, y = torch.stack([b[0] for b in batches]), torch.stack([b[1] for b in batches])
    for kind in ("rademacher", "uniform"):
        v = member_reference(list(stack.parameters()), [torch.Generator().manual_seed(s) for s in (3, 4)], kind)
        q = curvature_along(stack, stack_activations(stack, list(stack.parameters()), x), y, mask, v)
        for s, (model, (xs, ys)) in enumerate(zip(models, batches)):
            loss_fn, flat0 = flat_ce(model, xs, ys, mask)
            flat_v = torch.cat([t[s].flatten() for t in v])
            exact = flat_v @ torch.autograd.functional.hessian(loss_fn, flat0) @ flat_v
            assert q[s].item() == pytest.approx(exact.item(), abs=1e-10)


@pytest.mark.parametrize("probe,absolute", [("rademacher", False), ("uniform", True)])
def test_forward_hutchinson_trains_as_the_double_backward_one(probe, absolute):
    """Same probes, same estimate, same gradient in the weights as Pearlmutter's double backward
    differentiated once more (the L4 gradient of paper mode); without create_graph, no gradient."""
    stack = StackedMLP.stack([exact_mlp(0), exact_mlp(1)])
    params = list(stack.parameters())
    x, y = torch.stack([exact_batch(s)[0] for s in (0, 1)]), torch.stack([exact_batch(s)[1] for s in (0, 1)])
    mask = ClassMask()
    gens = lambda: [torch.Generator().manual_seed(s) for s in (7, 8)]  # noqa: E731
    forward = hutchinson_forward(
        stack, stack_activations(stack, list(stack.parameters()), x), y, mask, gens(), 2, probe, absolute
    )
    backward = hutchinson_trace(mask.ce(stack(x), y), params, gens(), 2, probe, absolute)
    assert torch.allclose(forward, backward, rtol=1e-10, atol=1e-12)
    g_forward = torch.autograd.grad(forward.sum(), params)
    g_backward = torch.autograd.grad(backward.sum(), params)
    assert all(torch.allclose(a, b, rtol=1e-8, atol=1e-10) for a, b in zip(g_forward, g_backward))
    constant = hutchinson_forward(
        stack,
        stack_activations(stack, list(stack.parameters()), x),
        y,
        mask,
        gens(),
        2,
        probe,
        absolute,
        create_graph=False,
    )
    assert torch.allclose(constant, forward) and not constant.requires_grad
