"""A teacher is keyed by the switches its training reads: the others leave its weights unchanged, those change them."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from conftest import tiny

from antidistill.ablation import other_mode
from antidistill.protocol import MODES, SWITCHES, TEACHER_SWITCHES, protocol_for, teacher_part
from antidistill.teachers import TeacherConfig, train_teachers


def _trained(base: TeacherConfig, protocol, data) -> dict[str, torch.Tensor]:
    """The teacher of ``base`` trained under ``protocol`` as given (not reduced to its teacher part)."""
    cfg = dataclasses.replace(base)
    object.__setattr__(cfg, "protocol", protocol)
    return train_teachers([cfg], data, progress=False)[0][0].state_dict()


@pytest.mark.parametrize("mode", MODES)
def test_a_teacher_keeps_only_the_switches_it_reads(mode):
    other = protocol_for(other_mode(mode))
    flipped = dataclasses.replace(protocol_for(mode), **{s: getattr(other, s) for s in SWITCHES})
    part = teacher_part(flipped)
    assert part.base == mode
    for switch in SWITCHES:
        expected = other if switch in TEACHER_SWITCHES else protocol_for(mode)
        assert getattr(part, switch) == getattr(expected, switch), switch
    assert TeacherConfig(protocol=flipped).protocol == part


@pytest.mark.parametrize("mode", MODES)
def test_the_switches_a_teacher_does_not_read_leave_its_weights_unchanged(mode, fashion):
    """Why the key may drop them: trained under each such switch flipped alone, the teacher is the
    base teacher to the bit; and each switch it keys on does change it (none is kept needlessly)."""
    base_cfg = tiny("zero_pad", mode).teacher_config()
    data = base_cfg.data.apply(fashion)
    base = _trained(base_cfg, protocol_for(mode), data)
    other = protocol_for(other_mode(mode))
    for switch in SWITCHES:
        if getattr(other, switch) == getattr(protocol_for(mode), switch):
            continue
        weights = _trained(base_cfg, dataclasses.replace(protocol_for(mode), **{switch: getattr(other, switch)}), data)
        same = all(torch.equal(weights[k], base[k]) for k in base)
        assert same == (switch not in TEACHER_SWITCHES), f"{switch} flipped from {mode} mode"
