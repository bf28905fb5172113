"""L4's Hutchinson estimate from a forward pass: ``losses.hutchinson_trace``'s numbers (or ``losses.gauss_newton_trace``'s), without their double backward.

``losses.hutchinson_trace`` is the estimate as the paper describes it: v^T H v by
Pearlmutter's trick, a Hessian-vector product from a second backward pass. Minimising it
needs a third-order pass. Here each v^T H v is the second derivative of the loss along
w + t v, carried forward through the layers, so L4's gradient costs one first-order backward
(``tests/test_engine_curvature.py`` checks both give the same estimate and gradient). The
Gauss-Newton matrix's v^T G v is the first of the two parts of the same second derivative, so
the same pass gives it (``tests/test_gauss_newton.py``).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from ..config import check
from ..masks import ClassMask
from ..models import StackedMLP
from .draws import member_random

CURVATURES = ("hessian", "gauss_newton")  # the matrices whose trace L4 can estimate


def curvature_along(
    model: StackedMLP,
    hs: list[torch.Tensor],
    y: torch.Tensor,
    mask: ClassMask,
    v: Sequence[torch.Tensor],
    curvature: str = "hessian",
) -> torch.Tensor:
    """v^T H v per seed, H the Hessian in the weights of the mean cross-entropy of the batch whose
    forward pass ``hs`` is (``models.stack_activations``): the second derivative of the loss along
    w + t v.

    A ReLU network is piecewise multilinear in its layers' weights, so along w + t v every
    pre-activation is a polynomial in t whose first two derivatives pass forward layer by layer:
    a' = h' W^T + h V^T + v_b and a'' = h'' W^T + 2 h' V^T, masked by the ReLU where it is applied
    (its second derivative is 0 almost everywhere, as autograd takes it). At the scores s, with
    p = softmax(s): d^2 CE / dt^2 = sum_c p_c s'_c^2 - (sum_c p_c s'_c)^2 + (p - e_y)^T s''. The
    same number as Pearlmutter's double backward (``quadratic_form``), from a forward pass and
    first-order autograd alone: its gradient in w (L4 in paper mode) costs one backward, not the
    third-order pass a differentiated Hessian-vector product needs.

    With ``curvature="gauss_newton"`` it is v^T G v, G = J^T (diag p - p p^T) J: the first part
    alone (the variance of s' = J v under p), so h'' is never carried.
    """
    check(curvature in CURVATURES, f"curvature must be one of {CURVATURES}, got {curvature!r}")
    second = curvature == "hessian"
    d1 = d2 = None  # h' and h'' of the layer's input (zero at the images)
    for i, layer in enumerate(model.linears):
        weight_t, probe_t = layer.weight.transpose(1, 2), v[2 * i].transpose(1, 2)
        a1 = torch.baddbmm(v[2 * i + 1].unsqueeze(1), hs[i], probe_t)
        a2 = None
        if d1 is not None:
            a1 = a1 + torch.bmm(d1, weight_t)
        if d1 is not None and second:
            a2 = 2 * torch.bmm(d1, probe_t)
            if d2 is not None:
                a2 = a2 + torch.bmm(d2, weight_t)
        if model.relu_after(i):
            on = (hs[i + 1] > 0).to(a1.dtype)
            a1 = a1 * on
            a2 = None if a2 is None else a2 * on
        d1, d2 = a1, a2
    scores = mask.scores(hs[-1])
    s1 = mask.scores(d1)
    p = torch.softmax(scores, dim=-1)
    q = (p * s1 * s1).sum(-1) - (p * s1).sum(-1).square()
    if d2 is not None:
        residual = p - F.one_hot(y, scores.shape[-1]).to(p.dtype)
        q = q + (residual * mask.scores(d2)).sum(-1)
    return q.mean(-1)


def hutchinson_forward(
    model: StackedMLP,
    hs: list[torch.Tensor],
    y: torch.Tensor,
    mask: ClassMask,
    generators: Sequence[torch.Generator],
    n_probes: int = 1,
    probe: str = "rademacher",
    absolute: bool = False,
    create_graph: bool = True,
    probes: Sequence[Sequence[torch.Tensor]] | None = None,
    curvature: str = "hessian",
) -> torch.Tensor:
    """``hutchinson_trace`` of the stack's mean cross-entropy on the batch of ``hs``, each v^T H v
    from ``curvature_along``: the same probes from the same generators (or ``probes``, one set
    per probe drawn beforehand), the same estimate to float rounding. Without ``create_graph``
    the estimate is a constant (no gradient). ``curvature="gauss_newton"``: the trace of G
    instead, ``gauss_newton_trace``'s estimate."""
    params = list(model.parameters())
    estimates = []
    with torch.set_grad_enabled(create_graph and torch.is_grad_enabled()):
        for i in range(n_probes):
            v = member_random(params, generators, probe) if probes is None else probes[i]
            q = curvature_along(model, hs, y, mask, v, curvature)
            estimates.append(q.abs() if absolute else q)
    return torch.stack(estimates).mean(0)
