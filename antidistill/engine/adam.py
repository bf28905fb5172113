"""Adam for a stack of seeds on the CPU: PyTorch's fused kernel, run on each member's slice."""

from __future__ import annotations

import torch


class MemberAdam(torch.optim.Adam):
    """Adam (no weight decay, no AMSGrad) whose fused CPU kernel updates every stack member's
    slice as a tensor of its own.

    The fused kernel makes one pass over memory per tensor where the foreach one makes one per
    arithmetic op, but it splits a tensor between threads by its length, and
    an element's last bits depend on where the split falls. On the whole [S, ...] tensor the split
    moves with S, so a seed's weights would depend on how many seeds share its stack (measured:
    ``tests/test_train.py``'s stack-vs-alone check fails with ``fused=True``). Slices [...] of one
    member are the tensors a lone run has, so they are split alike: a seed's update is the one it
    gets alone, to the bit. Members share a parameter's step count (a stack trains in lockstep).
    Frozen tensors (no gradient: the head-only epochs) are skipped, as ``torch.optim.Adam`` skips them.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps)
        self._members: dict[torch.Tensor, tuple] = {}

    @torch.no_grad()
    def step(self, closure=None):
        if closure is not None:
            raise ValueError("MemberAdam takes no closure")
        for group in self.param_groups:
            params, grads, avgs, squares, steps = [], [], [], [], []
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = torch.zeros((), dtype=torch.float32)
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    # The members' views, made once (a step's Python time counts on the CPU).
                    self._members[p] = (
                        p.unbind(0),
                        state["exp_avg"].unbind(0),
                        state["exp_avg_sq"].unbind(0),
                        [state["step"]] * p.shape[0],
                    )  # the step is read, not written, by the kernel
                state["step"] += 1
                mine = self._members[p]
                params += mine[0]
                grads += p.grad.unbind(0)
                avgs += mine[1]
                squares += mine[2]
                steps += mine[3]
            if params:
                beta1, beta2 = group["betas"]
                torch._fused_adam_(
                    params,
                    grads,
                    avgs,
                    squares,
                    [],
                    steps,
                    lr=float(group["lr"]),
                    beta1=beta1,
                    beta2=beta2,
                    weight_decay=0.0,
                    eps=group["eps"],
                    amsgrad=False,
                    maximize=False,
                )
        return None
