"""Random streams: one independent generator per purpose (paper), the authors' single stream (authors)."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest
import torch

from antidistill.attacks import _draw
from antidistill.growth import GrowContext, GrowthConfig, transfer, xavier
from antidistill.models import student_model, teacher_model
from antidistill.protocol import AUTHORS, PAPER
from antidistill.seeding import PURPOSES, Streams, derived_seed


def test_the_documented_rule_is_seedsequence_spawning():
    children = np.random.SeedSequence(7).spawn(len(PURPOSES))
    for i, purpose in enumerate(PURPOSES):
        assert derived_seed(7, purpose) == int(children[i].generate_state(1, dtype=np.uint64)[0])
    seeds = {derived_seed(s, p) for s in range(10) for p in PURPOSES}
    assert len(seeds) == 10 * len(PURPOSES)


def test_streams_are_per_purpose_and_continue():
    streams = Streams(3)
    assert streams("probes") is streams("probes") and streams("probes") is not streams("input_noise")
    first = torch.rand(4, generator=streams("probes"))
    assert not torch.equal(first, torch.rand(4, generator=streams("probes")))
    with pytest.raises(ValueError, match="unknown random purpose"):
        streams("dropout")
    with pytest.raises(ValueError, match="seed must be"):
        Streams(-1)


def test_single_stream_shares_like_the_authors_code():
    streams = Streams(3, single=True)
    student_side = {id(streams(p)) for p in ("student_init", "pretrain_batches", "student_batches",
                                              "input_noise", "probes", "weight_noise")}
    assert len(student_side) == 1
    assert streams("teacher_init") is streams("teacher_batches") is not streams("student_init")
    assert streams("net2net_units") is not streams("student_init")  # their unseeded `random`
    # Both sides restart torch.manual_seed(seed), as their two notebooks did.
    assert torch.equal(torch.rand(3, generator=Streams(3, True)("teacher_init")),
                       torch.rand(3, generator=torch.Generator().manual_seed(3)))


def _flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weight_noise_is_uncorrelated_with_the_initial_weights(seed):
    """Each layer's xi against the same layer's initial weights (it was about -0.35 when both
    streams were torch.manual_seed(seed))."""
    streams = Streams(seed)
    student = xavier(None, GrowContext(streams, PAPER, GrowthConfig())).student
    params = [p.detach()[None] for p in student.parameters()]  # a stack of one
    xi = _draw(params, [streams("weight_noise")])
    for i, (w, noise) in enumerate(zip(params, xi)):
        if w.numel() >= 1000:
            r = torch.corrcoef(torch.stack([w.flatten(), noise.flatten()]))[0, 1].item()
            assert abs(r) < 5 / w.numel() ** 0.5, f"parameter {i}"


def test_teacher_and_student_start_from_different_weights():
    streams = Streams(0)
    teacher = teacher_model(generator=streams("teacher_init"))
    student = student_model(generator=streams("student_init"))
    block = student.linears[0].weight[:128]
    assert not torch.equal(block, teacher.linears[0].weight)
    r = torch.corrcoef(torch.stack([block.flatten(), teacher.linears[0].weight.flatten()]))[0, 1].item()
    assert abs(r) < 0.02


def test_transfer_head_is_not_the_teachers_initial_head():
    for protocol in (PAPER, AUTHORS):
        streams = Streams(0, protocol.single_stream)
        initial = teacher_model(protocol.output_relu, generator=streams("teacher_init"))
        trained = teacher_model(protocol.output_relu, generator=torch.Generator().manual_seed(99))
        if protocol.single_stream:
            teacher_model(protocol.output_relu, generator=streams("student_init"))  # their teacher shell
        head = transfer(trained, GrowContext(streams, protocol, GrowthConfig())).student.linears[-1]
        assert not torch.equal(head.weight, initial.linears[-1].weight)
        assert not torch.equal(head.weight, trained.linears[-1].weight)


def test_authors_transfer_head_is_their_third_draw():
    """torch.manual_seed(s); make_teacher_model() [loaded]; transfer_last_layer: make_teacher_model()
    then nn.Linear(32, 10) as the head."""
    streams = Streams(4, single=True)
    teacher_model(True, generator=streams("student_init"))
    trained = teacher_model(True, generator=torch.Generator().manual_seed(99))
    head = transfer(trained, GrowContext(streams, AUTHORS, GrowthConfig())).student.linears[-1]
    torch.manual_seed(4)
    teacher_model(True), teacher_model(True)
    reference = torch.nn.Linear(32, 10)
    assert torch.equal(head.weight, reference.weight) and torch.equal(head.bias, reference.bias)


def test_training_draws_come_from_the_run_device(device):
    """L3 noise, probes and weight noise are drawn where the run computes; everything else (and
    the authors' single stream) on the CPU. On the CPU these are the documented streams."""
    from antidistill.seeding import ON_DEVICE, PURPOSES

    streams = Streams(6, device=device)
    for purpose in PURPOSES:
        expected = torch.device(device).type if purpose in ON_DEVICE else "cpu"
        assert streams(purpose).device.type == expected, purpose
    assert streams("probes").initial_seed() == derived_seed(6, "probes")
    single = Streams(6, single=True, device=device)
    assert all(single(p).device.type == "cpu" for p in PURPOSES)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_uniform_draws_are_torch_rand_number_for_number(dtype):
    """member_uniform (int32 bits on the CPU for float32, torch.rand otherwise) gives the numbers
    member_draws of torch.rand gives, and leaves every generator where that leaves it (a shared
    generator included)."""
    from antidistill.seeding import member_draws, member_uniform

    like = [torch.zeros(3, 33, 7, dtype=dtype), torch.zeros(3, 5, dtype=dtype), torch.zeros(3, 1, dtype=dtype)]
    rand = lambda shape, g, dt: torch.rand(shape, generator=g, dtype=dt)  # noqa: E731
    shared = torch.Generator().manual_seed(5)
    for gens in ([torch.Generator().manual_seed(s) for s in (1, 2, 3)], [shared] * 3):
        twins = [torch.Generator().set_state(g.get_state()) for g in gens] if gens[0] is not shared else \
            [torch.Generator().set_state(shared.get_state())] * 3
        got, want = member_uniform(like, gens), member_draws(like, twins, rand)
        for a, b, t in zip(got, want, like):
            assert a.dtype == dtype and a.shape == t.shape and torch.equal(a, b)
        assert all(torch.equal(g.get_state(), h.get_state()) for g, h in zip(gens, twins))


def test_rademacher_draws_unpack_one_byte_per_eight_entries():
    """On the CPU member s's probe for a tensor of n entries is the bits, lowest first, of
    ceil(n / 8) bytes randint(0, 256) draws from its generator (bit 1 -> +1), tensors in order;
    each member's draws are its own (a stack member equals the member alone)."""
    from antidistill.seeding import member_rademacher

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
    from antidistill.seeding import member_flat

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
    from antidistill.seeding import member_rademacher, member_uniform

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
    from antidistill import seeding

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
    from antidistill.seeding import member_rademacher, member_uniform

    like = [torch.zeros(2, 3), torch.zeros(2, 3, device="meta")]
    for draw in (member_uniform, member_rademacher):
        with pytest.raises(ValueError, match="one device"):
            draw(like, [torch.Generator(), torch.Generator()])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_draws_in_its_own_threads(monkeypatch):
    """The parent's draw threads do not exist in a forked child: the child makes its own pool
    (drawing with the inherited one would wait forever)."""
    from antidistill import seeding

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


def test_member_random_is_the_named_kinds_draw_and_rejects_others():
    """``member_random(kind)`` gives the numbers of that kind's draw from the same streams; an
    unknown kind is an error naming the known ones."""
    from antidistill.seeding import member_rademacher, member_random, member_uniform

    like = [torch.zeros(2, 9, 4), torch.zeros(2, 4)]
    for kind, draw in (("rademacher", member_rademacher), ("uniform", member_uniform)):
        got = member_random(like, [torch.Generator().manual_seed(s) for s in (5, 6)], kind)
        want = draw(like, [torch.Generator().manual_seed(s) for s in (5, 6)])
        assert all(torch.equal(g, w) for g, w in zip(got, want))
    with pytest.raises(ValueError, match="'rademacher', 'uniform'"):
        member_random(like, [torch.Generator(), torch.Generator()], "normal")
