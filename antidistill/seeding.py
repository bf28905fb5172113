"""Random streams: one independent torch generator per (seed, purpose), by numpy's SeedSequence.

The rule, stated once: the stream of purpose ``p`` in the run of seed ``s`` is a CPU
``torch.Generator`` seeded with the first 64-bit word of ``SeedSequence(s).spawn(n)[i]``, where
``i = PURPOSES.index(p)`` (equivalently ``SeedSequence(s, spawn_key=(i,))``). SeedSequence
hashes (seed, index) so that different purposes and different seeds give statistically
independent streams; no two purposes share one. ``PURPOSES`` only ever grows at its end, so a
purpose keeps its stream when another is added.

The authors' code drew everything from one global stream, ``torch.manual_seed(seed)``, once
for the teacher and once again for the student. ``Streams(seed, single=True)`` reproduces
that: every student-side purpose returns the same generator (seeded with ``seed`` itself),
every teacher-side purpose another one seeded the same way, so the order of draws is theirs.
Their Net2Net unit choice came from Python's unseeded ``random``, which no seed reproduces;
it keeps its own derived stream in both modes.

The draws made during training and measurement (``ON_DEVICE``: L3 noise, L4 probes, weight
noise) come from a generator on the run's device, seeded by the same rule: on the CPU that is
the stream above; on CUDA it is the GPU's own generator, so those numbers differ from the
CPU's (as its floating point does) but repeat exactly from run to run, and no step waits for a
host-side draw. Initial weights, batch orders and the authors' single stream stay on the CPU.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

PURPOSES = (
    "teacher_init",  # the teacher's initial weights
    "teacher_batches",  # the teacher's batch order
    "student_init",  # every draw of the growth: student init, Net2Net's copies, transfer's head
    "pretrain_batches",  # batch order of the D1 pre-training (methods 6-8)
    "student_batches",  # batch order of the D2 training
    "input_noise",  # L3: the uniform input noise
    "probes",  # L4: Hutchinson's probe vectors
    "weight_noise",  # the weight-noise metric's xi
    "net2net_units",  # which teacher unit each new Net2Net unit copies (authors: unseeded `random`)
)
TEACHER_SIDE = ("teacher_init", "teacher_batches")
ON_DEVICE = ("input_noise", "probes", "weight_noise")
OWN_STREAM_ALWAYS = ("net2net_units",)


def derived_seed(seed: int, purpose: str) -> int:
    """The 64-bit torch seed of ``purpose`` in the run of ``seed`` (the rule in the module docstring)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown random purpose {purpose!r}; known: {', '.join(PURPOSES)}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    sequence = np.random.SeedSequence(seed, spawn_key=(PURPOSES.index(purpose),))
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def uniform(shape: Sequence[int], generator: torch.Generator, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """U[0, 1): L3's input noise, and the authors' L4 probes."""
    return torch.rand(tuple(shape), generator=generator, dtype=dtype, device=generator.device)


def rademacher(shape: Sequence[int], generator: torch.Generator, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """+-1 with equal odds: the bits of random bytes, lowest bit first (1 -> +1), eight entries a byte."""
    n = math.prod(shape)
    random_bytes = torch.empty(-(-n // 8), dtype=torch.uint8, device=generator.device).random_(generator=generator)
    bits = (random_bytes.unsqueeze(1) >> torch.arange(8, dtype=torch.uint8, device=generator.device)) & 1
    return (bits.flatten()[:n].to(dtype) * 2 - 1).view(tuple(shape))


def normal(shape: Sequence[int], generator: torch.Generator, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """N(0, 1): the weight-noise metric's xi."""
    return torch.randn(tuple(shape), generator=generator, dtype=dtype, device=generator.device)


DRAWS = {"uniform": uniform, "rademacher": rademacher, "normal": normal}


def member_reference(
    like: Sequence[torch.Tensor], generators: Sequence[torch.Generator], kind: str
) -> list[torch.Tensor]:
    """Draws of ``kind`` shaped like each seed-stacked tensor of ``like`` ([S, ...]), in its dtype,
    on its device: member s draws its slices, tensor after tensor, from ``generators[s]`` (on that
    generator's device) -- what a run of s alone draws.
    Training uses ``engine.draws.member_random``, the same numbers from CPU generators, faster."""
    if kind not in DRAWS:
        raise ValueError(f"a draw's kind must be one of {', '.join(map(repr, DRAWS))}, got {kind!r}")
    drawn = [[DRAWS[kind](t.shape[1:], g, t.dtype) for t in like] for g in generators]
    return [torch.stack([member[i] for member in drawn]).to(t.device) for i, t in enumerate(like)]


class Streams:
    """The generators of one run. ``streams("probes")`` always returns the same generator
    object for a purpose, so successive draws of one purpose continue one stream."""

    def __init__(self, seed: int, single: bool = False, device: torch.device | str = "cpu") -> None:
        derived_seed(seed, PURPOSES[0])  # validates the seed
        self.seed, self.single, self.device = seed, single, torch.device(device)
        self._generators: dict[str, torch.Generator] = {}

    def _key(self, purpose: str) -> str:
        if not self.single or purpose in OWN_STREAM_ALWAYS:
            return purpose
        return "authors_teacher" if purpose in TEACHER_SIDE else "authors_student"

    def __call__(self, purpose: str) -> torch.Generator:
        if purpose not in PURPOSES:
            raise ValueError(f"unknown random purpose {purpose!r}; known: {', '.join(PURPOSES)}")
        key = self._key(purpose)
        if key not in self._generators:
            seed = self.seed if key.startswith("authors_") else derived_seed(self.seed, purpose)
            device = self.device if key in ON_DEVICE else "cpu"
            self._generators[key] = torch.Generator(device=device).manual_seed(seed)
        return self._generators[key]
