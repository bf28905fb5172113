"""MemberAdam: PyTorch's fused Adam, member by member, exactly."""

from __future__ import annotations

import torch

from antidistill.engine.adam import MemberAdam


def _train(optimizer_cls, params, grads, lrs, **kwargs):
    params = [p.clone().requires_grad_(True) for p in params]
    optimizer = optimizer_cls(params, lr=lrs[0], **kwargs)
    for lr, step_grads in zip(lrs, grads):
        optimizer.param_groups[0]["lr"] = lr  # what a schedule does between steps
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else g.clone()
        optimizer.step()
    return [p.detach() for p in params]


def test_each_member_gets_torchs_fused_adam_of_its_own_tensor():
    gen = torch.Generator().manual_seed(0)
    shapes = [(3, 37, 29), (3, 37), (3, 5)]  # odd sizes: the kernel's vector tails differ
    params = [torch.randn(s, generator=gen) for s in shapes]
    # The last tensor is frozen for the first two steps (no gradient), as in the head-only epochs.
    grads = [
        [torch.randn(s, generator=gen) if (i < 2 or k >= 2) else None for i, s in enumerate(shapes)] for k in range(6)
    ]
    lrs = [1e-2, 1e-2, 5e-3, 5e-3, 1e-3, 1e-3]
    stacked = _train(MemberAdam, params, grads, lrs)
    for s in range(3):
        alone = _train(
            torch.optim.Adam,
            [p[s] for p in params],
            [[None if g is None else g[s] for g in step] for step in grads],
            lrs,
            fused=True,
        )
        assert all(torch.equal(a, b[s]) for a, b in zip(alone, stacked))
    # And it is Adam: the textbook (foreach) update agrees to float rounding.
    reference = _train(torch.optim.Adam, params, grads, lrs, foreach=True)
    assert all(torch.allclose(a, b, rtol=0, atol=1e-6) for a, b in zip(reference, stacked))
    assert not torch.equal(stacked[2], params[2])  # the frozen tensor trained once it had gradients
