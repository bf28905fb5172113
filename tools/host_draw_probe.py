"""Where does an authors-mode D1 epoch on CUDA spend its time? Profiles pre-training epochs of a
stack whose draws come from the seeds' single CPU streams (made on the host before each graph
replay), and times the host draws alone, in threads and member by member.

  python tools/host_draw_probe.py [--seeds 10] [--epochs 2]

A probe for issue 8 (the authors-mode estimate), not part of the engine.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import time


import torch

from antidistill import seeding
from antidistill.bench import pretrain_epoch
from antidistill.data import load_fashion_mnist
from antidistill.models import student_model


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def host_draws(n_seeds: int, batch: int, device: torch.device, threads: bool, ints_only: bool,
               reps: int = 30) -> float:
    """Seconds per step for one step's authors-mode draws (L3 noise of a batch, one uniform
    probe): the generators' integers alone (unpinned, on the host), or ``member_uniform``'s numbers on ``device``."""
    gens = [torch.Generator().manual_seed(s) for s in range(n_seeds)]
    shapes = [(n_seeds, batch, 784)] + [(n_seeds, *p.shape) for p in student_model().parameters()]
    like = [torch.empty(shapes[0], device=device)]
    params = [torch.empty(shape, device=device) for shape in shapes[1:]]
    saved = seeding.per_member
    if not threads:
        seeding.per_member = lambda gs, draw: [draw(s) for s in range(len(gs))]  # type: ignore[assignment]

    def once() -> None:
        if ints_only:
            seeding._member_ints([math.prod(shape[1:]) for shape in shapes], gens, torch.int32)
        else:
            seeding.member_uniform(like, gens), seeding.member_uniform(params, gens)

    try:
        once()
        sync(device)
        start = time.perf_counter()
        for _ in range(reps):
            once()
        sync(device)
        return (time.perf_counter() - start) / reps
    finally:
        seeding.per_member = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = load_fashion_mnist().to(device)
    for ints_only in (True, False):
        for threads in (True, False):
            print(f"host draws of one step, S = {args.seeds}, {'integers only' if ints_only else 'on ' + device.type}, "
                  f"{'threads' if threads else 'member by member'}: "
                  f"{host_draws(args.seeds, 128, device, threads, ints_only) * 1e3:.2f} ms", flush=True)
    for lambdas in ((1.0, 1.0, 1.0, 0.0), (1.0, 1.0, 1.0, 1.0)):
        profile = cProfile.Profile()
        profile.enable()
        seconds = pretrain_epoch(data, device, lambdas, args.seeds, "authors", args.epochs)
        profile.disable()
        print(f"\nauthors mode, lambdas {lambdas}, S = {args.seeds}: {args.epochs} D1 epochs {seconds:.2f} s", flush=True)
        pstats.Stats(profile).sort_stats("tottime").print_stats(18)


if __name__ == "__main__":
    main()
