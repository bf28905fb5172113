"""Fast draws for a stack of seeds, each member's numbers those of ``seeding``'s reference draws.

Member s of a stack draws from ``generators[s]`` alone: its numbers are the ones a run of s
alone draws (``seeding.member_reference`` states them; ``tests/test_engine_draws.py`` checks
them number for number). What is here only makes them faster: members draw in parallel threads,
U[0, 1) comes from integer bits, Rademacher signs from the bits of random bytes, and on CUDA
each member fills all its tensors in one kernel.
"""

from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import torch

from ..seeding import member_reference


def member_flat(
    like: Sequence[torch.Tensor],
    generators: Sequence[torch.Generator],
    fill: Callable[[torch.Tensor, torch.Generator], Any],
) -> list[torch.Tensor]:
    """For stacked tensors ``like`` ([S, ...] each, one dtype), one draw per member made as one
    in-place ``fill`` of member s's row of a [S, n] buffer from ``generators[s]`` (n = the
    entries of one member's slices of all tensors), then cut into views shaped like ``like``.

    A member's numbers do not depend on the stack (its row is a contiguous tensor of n entries,
    filled from its generator alone); they differ from ``seeding.member_reference`` (one call per tensor).
    On CUDA that is one kernel per member instead of one per member and tensor, and a CUDA graph
    can hold it (``steps``)."""
    dtypes = {t.dtype for t in like}
    if len(dtypes) != 1:
        raise ValueError(f"member_flat draws for tensors of one dtype, got {sorted(map(str, dtypes))}")
    sizes = [math.prod(t.shape[1:]) for t in like]
    flat = _member_rows(sizes, generators, like[0].dtype, fill)
    return [part.view(len(generators), *t.shape[1:]).to(t.device) for part, t in zip(flat.split(sizes, dim=1), like)]


def _on_cpu(generators: Sequence[torch.Generator]) -> bool:
    return all(g.device.type == "cpu" for g in generators)


@functools.cache
def _draw_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="antidistill-draws")


# A forked child has none of its parent's threads: it makes its own pool (the inherited one's
# tasks would wait forever).
os.register_at_fork(after_in_child=_draw_threads.cache_clear)


def per_member(generators: Sequence[torch.Generator], draw: Callable[[int], Any]) -> None:
    """``draw(s)`` for every member s, each drawing from ``generators[s]`` alone.

    A CPU generator's fill runs on one core and torch releases the GIL while it runs, so when
    the members' generators are distinct CPU generators the members draw in parallel threads
    (S members in about the time of one, on S cores); each member's numbers are its
    generator's, in its order, either way. A generator shared by members, or a CUDA one (a
    kernel launch; a CUDA graph captures one thread's launches), or a member without one (None,
    as in dataset order), is drawn member by member."""
    if (
        len(generators) > 1
        and (os.cpu_count() or 1) > 1
        and all(g is not None for g in generators)
        and _on_cpu(generators)
        and len({id(g) for g in generators}) == len(generators)
    ):
        list(_draw_threads().map(draw, range(len(generators))))
    else:
        for s in range(len(generators)):
            draw(s)


def _member_rows(
    sizes: Sequence[int],
    generators: Sequence[torch.Generator],
    dtype: torch.dtype,
    fill: Callable[[torch.Tensor, torch.Generator], Any],
    pin: bool = False,
) -> torch.Tensor:
    """A tensor [S, sum(sizes)] on the generators' device whose row s is filled in place by
    ``fill(row, generators[s])`` (``per_member``); with ``pin`` (CPU) page-locked, so its copy
    to the GPU does not wait for the host."""
    flat = torch.empty(len(generators), sum(sizes), dtype=dtype, device=generators[0].device, pin_memory=pin)
    per_member(generators, lambda s: fill(flat[s], generators[s]))
    return flat


def _member_ints(
    sizes: Sequence[int], generators: Sequence[torch.Generator], dtype: torch.dtype, pin: bool = False
) -> torch.Tensor:
    """A CPU tensor [S, sum(sizes)] whose row s is member s's draws for tensors of ``sizes``
    entries each, in order: one ``random_`` of the whole row from ``generators[s]``.
    ``random_`` takes one 32-bit Mersenne-Twister output per element (int32 keeps its low 31
    bits, uint8 its low 8), so one fill of the row gives the numbers one fill per tensor would,
    at one call per member and step (the authors' single stream draws a step's noise and probes
    so). With ``pin`` the tensor is page-locked."""
    return _member_rows(sizes, generators, dtype, lambda row, g: row.random_(generator=g), pin)


def _device(like: Sequence[torch.Tensor]) -> torch.device:
    """The one device of ``like``, which a member's draws reach in one copy."""
    devices = {t.device for t in like}
    if len(devices) != 1:
        raise ValueError(f"draws for tensors on one device, got {sorted(map(str, devices))}")
    return devices.pop()


def member_uniform(like: Sequence[torch.Tensor], generators: Sequence[torch.Generator]) -> list[torch.Tensor]:
    """U[0, 1) for every member: ``seeding.member_reference``'s ``torch.rand``, number for number.

    On the CPU ``torch.rand`` (float32) turns one 32-bit output of the generator into
    (bits & (2**24 - 1)) * 2**-24, and int32 ``random_`` consumes one output per element too,
    so the same arithmetic on its bits gives the same numbers from the same stream positions,
    in about half the time (its per-element kernel is lighter; the conversion is vectorised).
    From CUDA's generators: ``member_flat`` of ``uniform_`` (other numbers, one kernel a member).
    Other dtypes on the CPU: ``torch.rand``.
    """
    if not _on_cpu(generators):
        return member_flat(like, generators, lambda row, g: row.uniform_(generator=g))
    if any(t.dtype != torch.float32 for t in like):
        return member_reference(like, generators, "uniform")
    # The bits travel to the tensors' device in one copy and are converted there (exact integer
    # and power-of-two arithmetic: the same numbers on any device).
    sizes, device = [math.prod(t.shape[1:]) for t in like], _device(like)
    bits = _member_ints(sizes, generators, torch.int32, device.type == "cuda").to(device, non_blocking=True)
    return [
        b.bitwise_and((1 << 24) - 1).to(t.dtype).mul_(2.0**-24).view(t.shape)
        for b, t in zip(bits.split(sizes, dim=1), like)
    ]


@functools.cache
def _signs(device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """[256, 8]: entry (b, k) is +1 where bit k of the byte b is set (lowest bit first), else -1."""
    return (((torch.arange(256).unsqueeze(1) >> torch.arange(8)) & 1) * 2 - 1).to(device=device, dtype=dtype)


def member_rademacher(like: Sequence[torch.Tensor], generators: Sequence[torch.Generator]) -> list[torch.Tensor]:
    """+-1 with equal odds for every member, member s drawing its slices of ``like`` in order
    from ``generators[s]``.

    On the CPU each generator output gives one byte (uint8 ``random_``), whose bits, lowest
    first, give 8 consecutive entries (bit 1 -> +1): a tensor of n entries takes ceil(n / 8)
    outputs, where ``randint(0, 2)`` takes n, one by one (for a stack of students, every step,
    a good share of a pre-training step with L4). From CUDA's generators, ``member_flat`` of
    ``random_(0, 2)`` (one kernel a member, all tensors at once), then 2 b - 1.
    """
    if not _on_cpu(generators):
        return [t.mul_(2).sub_(1) for t in member_flat(like, generators, lambda row, g: row.random_(0, 2, generator=g))]
    sizes, device = [math.prod(t.shape[1:]) for t in like], _device(like)
    n_bytes = [-(-n // 8) for n in sizes]
    # The bytes travel to the tensors' device (an eighth of the signs' size) and are unpacked there.
    packed = _member_ints(n_bytes, generators, torch.uint8, device.type == "cuda").to(device, non_blocking=True)
    return [
        _signs(t.device, t.dtype).index_select(0, b.reshape(-1).int()).view(len(generators), -1)[:, :n].reshape(t.shape)
        for b, n, t in zip(packed.split(n_bytes, dim=1), sizes, like)
    ]


# The kinds of draw ``member_random`` makes: Hutchinson's probes (paper mode's Rademacher, the
# authors' U[0, 1)) and L3's U[0, 1) noise.
KINDS = {"rademacher": member_rademacher, "uniform": member_uniform}


def member_random(like: Sequence[torch.Tensor], generators: Sequence[torch.Generator], kind: str) -> list[torch.Tensor]:
    """Draws of ``kind`` ("rademacher" or "uniform") shaped like each seed-stacked tensor of
    ``like``: member s draws its slices, tensor after tensor, from ``generators[s]``, the draws a
    single-seed run of s makes."""
    if kind not in KINDS:
        raise ValueError(f"a draw's kind must be one of {', '.join(map(repr, KINDS))}, got {kind!r}")
    return KINDS[kind](like, generators)
