"""engine.draws equals the reference draws of ``seeding`` number for number, whatever the stack, and draws members in parallel safely."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import torch

from antidistill.seeding import member_reference


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_uniform_draws_are_torch_rand_number_for_number(dtype):
    """member_uniform (int32 bits on the CPU for float32, torch.rand otherwise) gives the numbers
    torch.rand gives each member (``seeding.member_reference``), and leaves every generator where
    that leaves it (a shared generator included)."""
    from antidistill.engine.draws import member_uniform

    like = [torch.zeros(3, 33, 7, dtype=dtype), torch.zeros(3, 5, dtype=dtype), torch.zeros(3, 1, dtype=dtype)]
    shared = torch.Generator().manual_seed(5)
    for gens in ([torch.Generator().manual_seed(s) for s in (1, 2, 3)], [shared] * 3):
        twins = (
            [torch.Generator().set_state(g.get_state()) for g in gens]
            if gens[0] is not shared
            else [torch.Generator().set_state(shared.get_state())] * 3
        )
        got, want = member_uniform(like, gens), member_reference(like, twins, "uniform")
        for a, b, t in zip(got, want, like):
            assert a.dtype == dtype and a.shape == t.shape and torch.equal(a, b)
        assert all(torch.equal(g.get_state(), h.get_state()) for g, h in zip(gens, twins))


def test_rademacher_draws_unpack_one_byte_per_eight_entries():
    """On the CPU member s's probe for a tensor of n entries is the bits, lowest first, of
    ceil(n / 8) bytes randint(0, 256) draws from its generator (bit 1 -> +1), tensors in order;
    each member's draws are its own (a stack member equals the member alone)."""
    from antidistill.engine.draws import member_rademacher

    like = [torch.zeros(3, 33, 7), torch.zeros(3, 5), torch.zeros(3, 1)]
    got = member_rademacher(like, [torch.Generator().manual_seed(s) for s in (1, 2, 3)])
    for s in (1, 2, 3):
        g = torch.Generator().manual_seed(s)
        for t, drawn in zip(like, got):
            n = t[0].numel()
            bytes_ = torch.randint(0, 256, (-(-n // 8),), generator=g)
            signs = ((bytes_.unsqueeze(1) >> torch.arange(8)) & 1).flatten()[:n] * 2 - 1
            assert torch.equal(drawn[s - 1].flatten(), signs.float())
        alone = member_rademacher([t[:1] for t in like], [torch.Generator().manual_seed(s)])
        assert all(torch.equal(a[0], b[s - 1]) for a, b in zip(alone, got))
    big = member_rademacher([torch.zeros(1, 200_000)], [torch.Generator().manual_seed(0)])[0].flatten()
    assert set(big.unique().tolist()) == {-1.0, 1.0}
    assert abs(float(big.mean())) < 0.01 and abs(float((big[1:] * big[:-1]).mean())) < 0.01  # fair, uncorrelated


def test_flat_member_draws_are_one_fill_per_member_whatever_the_stack():
    """member_flat (the CUDA draws): member s's slices of all tensors are, in order, one fill of
    a row of their total size from its generator, so a stack member equals the member alone;
    tensors of several dtypes are refused."""
    from antidistill.engine.draws import member_flat

    like = [torch.zeros(3, 33, 7), torch.zeros(3, 5), torch.zeros(3, 1)]
    fill = lambda row, g: row.uniform_(generator=g)  # noqa: E731
    got = member_flat(like, [torch.Generator().manual_seed(s) for s in (1, 2, 3)], fill)
    assert [t.shape for t in got] == [t.shape for t in like]
    for s in (1, 2, 3):
        row = torch.empty(33 * 7 + 5 + 1).uniform_(generator=torch.Generator().manual_seed(s))
        assert torch.equal(torch.cat([t[s - 1].flatten() for t in got]), row)
        alone = member_flat([t[:1] for t in like], [torch.Generator().manual_seed(s)], fill)
        assert all(torch.equal(a[0], b[s - 1]) for a, b in zip(alone, got))
    with pytest.raises(ValueError, match="one dtype"):
        member_flat([torch.zeros(1, 2), torch.zeros(1, 2, dtype=torch.float64)], [torch.Generator()], fill)


def test_cpu_stream_draws_for_gpu_tensors_are_the_cpu_numbers(device):
    """The authors' single stream lives on the CPU; for tensors on the GPU its bits are
    converted there (page-locked, copied without waiting): the same numbers as on the CPU."""
    from antidistill.engine.draws import member_rademacher, member_uniform

    if not device.startswith("cuda"):
        pytest.skip("needs --device cuda")
    cpu_like = [torch.zeros(3, 33, 7), torch.zeros(3, 5)]
    gpu_like = [t.to(device) for t in cpu_like]
    for draw in (member_uniform, member_rademacher):
        want = draw(cpu_like, [torch.Generator().manual_seed(s) for s in (1, 2, 3)])
        got = draw(gpu_like, [torch.Generator().manual_seed(s) for s in (1, 2, 3)])
        assert all(g.device.type == "cuda" and torch.equal(g.cpu(), w) for g, w in zip(got, want))


def test_members_draw_in_parallel_only_from_distinct_cpu_generators(monkeypatch):
    """per_member uses threads only where each member has its own CPU generator; a shared
    generator, or a member without one (None: dataset order), is drawn member by member, in
    member order."""
    from antidistill.engine import draws as seeding

    monkeypatch.setattr(seeding.os, "cpu_count", lambda: 4)
    threads = []
    record = lambda s: threads.append((s, threading.get_ident()))  # noqa: E731
    seeding.per_member([torch.Generator() for _ in range(8)], record)
    assert sorted(s for s, _ in threads) == list(range(8)) and threading.get_ident() not in {t for _, t in threads}
    threads.clear()
    seeding.per_member([torch.Generator()] * 8, record)
    assert threads == [(s, threading.get_ident()) for s in range(8)]
    threads.clear()
    seeding.per_member([torch.Generator(), None, torch.Generator()], record)
    assert threads == [(s, threading.get_ident()) for s in range(3)]


def test_cpu_stream_draws_are_for_tensors_on_one_device():
    """A member's draws reach its tensors in one copy, so they must share one device."""
    from antidistill.engine.draws import member_rademacher, member_uniform

    like = [torch.zeros(2, 3), torch.zeros(2, 3, device="meta")]
    for draw in (member_uniform, member_rademacher):
        with pytest.raises(ValueError, match="one device"):
            draw(like, [torch.Generator(), torch.Generator()])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_draws_in_its_own_threads(monkeypatch):
    """The parent's draw threads do not exist in a forked child: the child makes its own pool
    (drawing with the inherited one would wait forever)."""
    from antidistill.engine import draws as seeding

    monkeypatch.setattr(seeding.os, "cpu_count", lambda: 4)
    # The parent's pool: four threads (each kept busy a moment), idle when the process forks.
    seeding.per_member([torch.Generator() for _ in range(4)], lambda s: time.sleep(0.1))
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        signal.alarm(20)
        drawn = []
        seeding.per_member([torch.Generator() for _ in range(2)], drawn.append)
        os._exit(0 if sorted(drawn) == [0, 1] else 1)
    assert os.waitpid(pid, 0)[1] == 0


@pytest.mark.parametrize("shared", [False, True])
def test_member_random_is_the_reference_draw_number_for_number(shared):
    """``member_random`` (bits, bytes, threads) gives ``seeding.member_reference``'s numbers for
    both kinds, each member drawing its slices in order from its own generator (or, shared, one
    member after the other), and leaves every generator where the reference leaves it; an
    unknown kind is an error naming the known ones."""
    from antidistill.engine.draws import member_random

    like = [torch.zeros(3, 33, 7), torch.zeros(3, 5), torch.zeros(3, 1)]

    def generators():
        if shared:
            return [torch.Generator().manual_seed(5)] * 3
        return [torch.Generator().manual_seed(s) for s in (5, 6, 7)]

    for kind in ("rademacher", "uniform"):
        fast, reference = generators(), generators()
        got, want = member_random(like, fast, kind), member_reference(like, reference, kind)
        assert all(torch.equal(g, w) for g, w in zip(got, want))
        assert all(torch.equal(f.get_state(), r.get_state()) for f, r in zip(fast, reference))
    with pytest.raises(ValueError, match="'rademacher', 'uniform'"):
        member_random(like, [torch.Generator()] * 3, "normal")
