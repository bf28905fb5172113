"""The stacked networks: each member is its MLP, and the first layer's own backward is autograd's."""

from __future__ import annotations

import pytest
import torch

from antidistill.models import StackedMLP, _InputLinear, student_model, teacher_model


def _linear_inputs(seeds=3, batch=5, n_in=7, n_out=4):
    g = torch.Generator().manual_seed(0)
    return [
        torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
        for shape in ((seeds, batch, n_in), (seeds, n_out, n_in), (seeds, n_out))
    ]


def test_input_linear_has_autograds_derivatives():
    """First and second derivatives of _InputLinear against autograd's of the same baddbmm
    (float64, numerically checked too)."""
    x, w, b = _linear_inputs()
    assert torch.autograd.gradcheck(_InputLinear.apply, (x, w, b))
    assert torch.autograd.gradgradcheck(_InputLinear.apply, (x, w, b))
    g = torch.randn(3, 5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    mine = torch.autograd.grad(_InputLinear.apply(x, w, b), (x, w, b), g)
    reference = torch.autograd.grad(torch.baddbmm(b.unsqueeze(1), x, w.transpose(1, 2)), (x, w, b), g)
    for a, r in zip(mine, reference):
        assert torch.allclose(a, r, rtol=1e-12, atol=1e-12)


def test_input_linear_skips_gradients_nobody_asked_for():
    x, w, b = _linear_inputs()
    (gx,) = torch.autograd.grad(_InputLinear.apply(x, w.detach(), b.detach()).sum(), x)
    assert gx.shape == x.shape
    (gw,) = torch.autograd.grad(_InputLinear.apply(x.detach(), w, b.detach()).sum(), w)
    assert torch.equal(gw, torch.ones(3, 5, 4, dtype=torch.float64).transpose(1, 2) @ x.detach())


@pytest.mark.parametrize("make", [teacher_model, student_model])
def test_every_member_is_its_mlp_and_its_gradient(make, fashion):
    """A stack of three on real images: each member's logits and weight gradients are those of
    the plain MLP (nn.Linear) it was stacked from, to float rounding."""
    models = [make(generator=torch.Generator().manual_seed(s)) for s in range(3)]
    stack = StackedMLP.stack(models)
    x, y = fashion.train.x[:96], fashion.train.y[:96]
    logits = stack(stack.broadcast(x))
    torch.nn.functional.cross_entropy(logits.flatten(0, 1), y.repeat(3), reduction="sum").backward()
    for s, model in enumerate(models):
        out = model(x)
        torch.nn.functional.cross_entropy(out, y, reduction="sum").backward()
        assert torch.allclose(logits[s], out, atol=1e-5)
        for mine, theirs in zip(stack.parameters(), model.parameters()):
            assert torch.allclose(mine.grad[s], theirs.grad, rtol=1e-4, atol=1e-5)
