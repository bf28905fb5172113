"""Fingerprints this machine's CPU code path, to compare two CPU models without training anything:
hashes of MKL's products and of ATen's reductions on fixed inputs, and which batched products
give a stack member other bits than the member alone.

    python -m antidistill fingerprint            # the pinned path (importing antidistill pins it)
    MKL_CBWR=COMPATIBLE python -m antidistill fingerprint

Run it on two machines with the same torch (and so the same MKL) and thread count: equal MKL
hashes mean MKL computes the student's products to the same bits there; equal ATen hashes, the
same for ATen's kernels. The inputs come from numpy's PCG64, which every numpy version draws alike.
"""

from __future__ import annotations

import argparse
import hashlib

import numpy as np
import torch  # noqa: E402  (after antidistill, as every run imports it)

from ..models import N_INPUTS, STUDENT_BLOCKS, TEACHER_BLOCKS  # importing antidistill pins the path
from ..numerics import code_path

RNG = np.random.default_rng(0)
BATCHES = (256, 96, 131, 2500)  # a full batch, the last one, an odd one (dropped classes), an evaluation chunk
OPS = {  # one stacked layer's products, as training and evaluation compute them
    "forward": lambda x, w, b, g: torch.baddbmm(b.unsqueeze(1), x, w.transpose(1, 2)),
    "input grad": lambda x, w, b, g: torch.bmm(g, w),
    "weight grad": lambda x, w, b, g: torch.bmm(g.transpose(1, 2), x),
    "weight grad (transposed)": lambda x, w, b, g: torch.bmm(x.transpose(1, 2), g),
}


def _uniform(*shape: int) -> torch.Tensor:
    return torch.from_numpy(RNG.random(shape, dtype=np.float32) - 0.5)


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(
        prog="python -m antidistill fingerprint",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    layers = set()
    for blocks in (STUDENT_BLOCKS, TEACHER_BLOCKS):
        widths = (N_INPUTS, *blocks, 10)
        layers |= set(zip(widths[:-1], widths[1:]))
    mkl, differ = hashlib.sha256(), set()
    for batch in BATCHES:
        for n_in, n_out in sorted(layers):
            x, w, b, g = (
                _uniform(10, batch, n_in),
                _uniform(10, n_out, n_in),
                _uniform(10, n_out),
                _uniform(10, batch, n_out),
            )
            for name, op in OPS.items():
                stacked = op(x, w, b, g)
                mkl.update(stacked.numpy().tobytes())
                if any(
                    not torch.equal(
                        stacked[s : s + 1],
                        op(x[s : s + 1].clone(), w[s : s + 1].clone(), b[s : s + 1].clone(), g[s : s + 1].clone()),
                    )
                    for s in range(10)
                ):
                    differ.add(f"{name} {n_in}->{n_out}, batch {batch}")
    aten = hashlib.sha256()
    x = _uniform(10, 256, 777)
    for result in (
        x.sum(1),
        x.sum(2),
        torch.log_softmax(x, -1),
        torch.softmax(x, 1),
        x.exp().mean(),
        torch.nn.functional.cross_entropy(x[0], torch.arange(256) % 777),
    ):
        aten.update(result.numpy().tobytes())
    path = code_path()
    print(f"code path: {path}")
    print(f"torch {torch.__version__}; MKL products {mkl.hexdigest()[:16]}; ATen kernels {aten.hexdigest()[:16]}")
    print(
        f"stacked products that differ from the member alone: {len(differ)}"
        + "".join(f"\n  {d}" for d in sorted(differ))
    )
