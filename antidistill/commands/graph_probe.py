"""Does a CUDA graph help `fit`'s step? Times one D2 epoch of S stacked students, eager vs one captured step,
and the captured step with foreach vs fused Adam.

  python -m antidistill graph-probe [--seeds 1,10,40]

A probe for issue 8 (item 3), not part of the engine: the step is `fit`'s (gather, forward,
per-seed cross-entropy, backward, Adam), replayed as one graph with capturable Adam.
"""

from __future__ import annotations

import argparse
import time

import torch

from ..data import load_fashion_mnist
from ..experiment import STUDENT_TRAIN
from ..losses import plain_ce
from ..masks import ClassMask
from ..models import StackedMLP, student_model
from ..train import batch_indices


def epoch(n_seeds: int, graph: bool, data, device, adam: str = "fused") -> float:
    model = StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(s)) for s in range(n_seeds)]).to(
        device
    )
    loss_fn = plain_ce(ClassMask())
    opt = torch.optim.Adam(model.parameters(), lr=STUDENT_TRAIN.lr, capturable=graph, **{adam: True})
    gens = [torch.Generator().manual_seed(s) for s in range(n_seeds)]
    batches = [b.to(device) for b in batch_indices(data.train.y.cpu(), STUDENT_TRAIN.batch_size, gens)]
    batches = [b for b in batches if b.shape[1] == batches[0].shape[1]]  # a graph needs one shape
    x_all, y_all = data.train.x, data.train.y

    def step(idx):
        opt.zero_grad(set_to_none=False)
        loss, _, _ = loss_fn(model, x_all[idx], y_all[idx])
        loss.sum().backward()
        opt.step()
        return loss.detach()

    if graph:
        static_idx = batches[0].clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                step(static_idx)
        torch.cuda.current_stream().wait_stream(side)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            static_loss = step(static_idx)
        torch.cuda.synchronize()
        start = time.perf_counter()
        losses = []
        for idx in batches:
            static_idx.copy_(idx)
            g.replay()
            losses.append(static_loss.clone())
        torch.cuda.synchronize()
        return time.perf_counter() - start
    for idx in batches[:3]:
        step(idx)
    torch.cuda.synchronize()
    start = time.perf_counter()
    losses = [step(idx) for idx in batches]
    torch.cuda.synchronize()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m antidistill graph-probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1,10,40")
    args = parser.parse_args(argv)
    device = torch.device("cuda")
    data = load_fashion_mnist().to(device)
    for s in (int(v) for v in args.seeds.split(",")):
        eager = min(epoch(s, False, data, device) for _ in range(2))
        graph = min(epoch(s, True, data, device) for _ in range(2))
        foreach = min(epoch(s, True, data, device, "foreach") for _ in range(2))
        print(
            f"S = {s:3d}: eager {eager:.3f} s an epoch ({eager / s:.4f} s a seed), CUDA graph {graph:.3f} s "
            f"({graph / s:.4f} s a seed): {eager / graph:.2f}x; graph with foreach Adam {foreach:.3f} s "
            f"(fused {foreach / graph:.2f}x faster)",
            flush=True,
        )
    return 0
