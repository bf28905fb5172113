"""The Gauss-Newton L4: each probe's v^T G v exact, never negative, its trace the Hessian's for a ReLU MLP, its gradient right, the forward pass training uses equal to the reference, and the composite loss using it."""

from __future__ import annotations

import pytest
import torch
from conftest import exact_batch
from torch.func import functional_call

from antidistill.engine.curvature import curvature_along, hutchinson_forward
from antidistill.losses import (
    CompositeLoss,
    LossConfig,
    exact_hessian_trace,
    flat_ce,
    gauss_newton_form,
    gauss_newton_trace,
)
from antidistill.masks import ClassMask
from antidistill.models import MLP, StackedMLP, stack_activations
from antidistill.protocol import PAPER
from antidistill.seeding import member_reference

MASKS = [ClassMask(), ClassMask((0, 1)), ClassMask((0, 1), how="zero")]


def _model(seed: int, output_relu: bool) -> MLP:
    return MLP((5, 3), 3, output_relu, torch.Generator().manual_seed(seed), n_inputs=4).double()


def _batch(mask: ClassMask, seed: int = 0):
    x, y = exact_batch(seed)
    return (x, y % 2) if mask.classes is not None else (x, y)


def _exact_gauss_newton(model: MLP, x: torch.Tensor, mask: ClassMask) -> torch.Tensor:
    """G = mean over images of J_i^T (diag p_i - p_i p_i^T) J_i, from the full Jacobian of the
    logits the softmax sees (float64, a small model)."""
    _, flat = flat_ce(model, x, torch.zeros(len(x), dtype=torch.long), mask)
    names, shapes = [n for n, _ in model.named_parameters()], [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]

    def scores(w: torch.Tensor) -> torch.Tensor:
        params = {n: t.view(s) for n, t, s in zip(names, w.split(sizes), shapes)}
        return mask.scores(functional_call(model, params, (x,)))

    jacobian = torch.autograd.functional.jacobian(scores, flat)  # [B, C, P]
    p = scores(flat).softmax(-1)
    h = torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)  # [B, C, C]
    return torch.einsum("bcp,bcd,bdq->pq", jacobian, h, jacobian) / len(x)


@pytest.mark.parametrize("output_relu", [False, True])
@pytest.mark.parametrize("mask", MASKS)
def test_each_probe_gives_the_exact_form_never_negative(mask, output_relu):
    model = _model(0, output_relu)
    x, y = _batch(mask)
    stack = StackedMLP.stack([model])
    g = _exact_gauss_newton(model, x, mask)
    for seed in range(4):
        for kind in ("rademacher", "uniform", "normal"):
            v = member_reference(list(stack.parameters()), [torch.Generator().manual_seed(seed)], kind)
            flat_v = torch.cat([t[0].flatten() for t in v])
            exact = (flat_v @ g @ flat_v).item()
            q = gauss_newton_form(stack, x[None], y[None], mask, v)
            assert q.item() == pytest.approx(exact, rel=1e-10, abs=1e-14)
            assert q.item() >= 0
            hs = stack_activations(stack, list(stack.parameters()), x[None])
            forward = curvature_along(stack, hs, y[None], mask, v, curvature="gauss_newton")
            assert forward.item() == pytest.approx(exact, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("output_relu", [False, True])
@pytest.mark.parametrize("mask", MASKS)
def test_the_gauss_newton_trace_is_the_hessian_trace_of_a_relu_mlp(mask, output_relu):
    """The claim the report makes, checked exactly: the logits are linear in each single weight
    of a ReLU MLP, so the Hessian's diagonal is the Gauss-Newton matrix's."""
    for seed in (0, 1, 2):
        model = _model(seed, output_relu)
        x, y = _batch(mask, seed)
        exact_g = _exact_gauss_newton(model, x, mask).diagonal().sum().item()
        assert exact_g == pytest.approx(exact_hessian_trace(model, x, y, mask), rel=1e-9, abs=1e-12)


def test_its_gradient_is_the_forms_derivative():
    """Trains: d(v^T G v)/dw by autograd through the forward-mode product equals central differences."""
    model, mask = _model(0, False), ClassMask()
    x, y = _batch(mask)
    stack = StackedMLP.stack([model])
    params = list(stack.parameters())
    v = member_reference(params, [torch.Generator().manual_seed(3)], "rademacher")
    grads = torch.autograd.grad(gauss_newton_form(stack, x[None], y[None], mask, v).sum(), params)
    direction = [torch.randn(p.shape, generator=torch.Generator().manual_seed(9), dtype=p.dtype) for p in params]
    h = 1e-6

    def at(step: float) -> float:
        shifted = StackedMLP.stack([model])
        with torch.no_grad():
            for p, d in zip(shifted.parameters(), direction):
                p += step * d
        return gauss_newton_form(shifted, x[None], y[None], mask, v).item()

    numeric = (at(h) - at(-h)) / (2 * h)
    analytic = sum((g * d).sum() for g, d in zip(grads, direction)).item()
    assert analytic == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("output_relu", [False, True])
def test_the_forward_pass_trains_as_the_reference(output_relu):
    """Training's forward-pass estimate (two seeds, two probes) equals ``gauss_newton_trace``'s,
    and so does its gradient in the weights; without create_graph it is a constant; a misspelt
    curvature is refused."""
    stack = StackedMLP.stack([_model(0, output_relu), _model(1, output_relu)])
    params = list(stack.parameters())
    x = torch.stack([exact_batch(s)[0] for s in (0, 1)])
    y = torch.stack([exact_batch(s)[1] for s in (0, 1)]) % 2
    gens = lambda: [torch.Generator().manual_seed(s) for s in (7, 8)]  # noqa: E731
    mask = ClassMask((0, 1))

    def forward(create_graph: bool = True, curvature: str = "gauss_newton") -> torch.Tensor:
        hs = stack_activations(stack, params, x)
        return hutchinson_forward(stack, hs, y, mask, gens(), 2, create_graph=create_graph, curvature=curvature)

    engine, reference = forward(), gauss_newton_trace(stack, x, y, mask, gens(), n_probes=2)
    assert torch.allclose(engine, reference, rtol=1e-10, atol=1e-14)
    g_engine = torch.autograd.grad(engine.sum(), params)
    g_reference = torch.autograd.grad(reference.sum(), params)
    assert all(torch.allclose(a, b, rtol=1e-8, atol=1e-12) for a, b in zip(g_engine, g_reference))
    constant = forward(create_graph=False)
    assert torch.allclose(constant, engine) and not constant.requires_grad
    with pytest.raises(ValueError, match="curvature must be"):
        forward(curvature="fisher")


def test_the_composite_loss_takes_it_as_l4():
    stack = StackedMLP.stack([_model(0, False), _model(1, False)]).float()
    x = torch.stack([exact_batch(s)[0] for s in (0, 1)]).float()
    y = torch.stack([exact_batch(s)[1] for s in (0, 1)])
    gens = lambda: [torch.Generator().manual_seed(s) for s in (5, 6)]  # noqa: E731
    cfg = LossConfig(n_probes=2, curvature="gauss_newton")
    loss = CompositeLoss((1.0, 0.0, 0.0, 0.5), ClassMask(), PAPER, cfg, gens(), gens())
    total, terms, _ = loss(stack, x, y)
    expected = gauss_newton_trace(stack, x, y, ClassMask(), gens(), n_probes=2)
    assert torch.allclose(terms["l4"], expected, rtol=1e-6) and (terms["l4"] >= 0).all()
    assert torch.allclose(total, terms["ce"] + 0.5 * terms["l4"], rtol=1e-6)
    assert total.requires_grad
    with pytest.raises(ValueError, match="curvature must be"):
        LossConfig(curvature="fisher")


def test_the_hessian_is_indefinite_where_gauss_newton_is_not():
    """What the penalties chapter states: the CE Hessian of these networks has negative
    eigenvalues (so a probe's vᵀHv can be negative), G none."""
    for seed in range(3):
        model, mask = _model(seed, False), ClassMask()
        x, y = _batch(mask, seed)
        loss, flat = flat_ce(model, x, y, mask)
        assert torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss, flat)).min() < -1e-3
        assert torch.linalg.eigvalsh(_exact_gauss_newton(model, x, mask)).min() > -1e-12
