"""Random streams: one independent generator per purpose (paper), the authors' single stream (authors)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from antidistill.growth import GrowContext, GrowthConfig, transfer, xavier
from antidistill.models import student_model, teacher_model
from antidistill.protocol import AUTHORS, PAPER
from antidistill.seeding import PURPOSES, Streams, derived_seed, member_reference


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
    student_side = {
        id(streams(p))
        for p in ("student_init", "pretrain_batches", "student_batches", "input_noise", "probes", "weight_noise")
    }
    assert len(student_side) == 1
    assert streams("teacher_init") is streams("teacher_batches") is not streams("student_init")
    assert streams("net2net_units") is not streams("student_init")  # their unseeded `random`
    # Both sides restart torch.manual_seed(seed), as their two notebooks did.
    assert torch.equal(
        torch.rand(3, generator=Streams(3, True)("teacher_init")),
        torch.rand(3, generator=torch.Generator().manual_seed(3)),
    )


def _flat(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weight_noise_is_uncorrelated_with_the_initial_weights(seed):
    """Each layer's xi against the same layer's initial weights (it was about -0.35 when both
    streams were torch.manual_seed(seed))."""
    streams = Streams(seed)
    student = xavier(None, GrowContext(streams, PAPER, GrowthConfig())).student
    params = [p.detach()[None] for p in student.parameters()]  # a stack of one
    xi = member_reference(params, [streams("weight_noise")], "normal")
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
