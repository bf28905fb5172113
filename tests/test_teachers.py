"""A teacher is keyed by the switches its training reads (the others leave its weights unchanged, those change them), and weights trained again keep the record they reproduce."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch
from conftest import tiny

from antidistill.ablation import other_mode
from antidistill.protocol import MODES, SWITCHES, TEACHER_SWITCHES, protocol_for, teacher_part
from antidistill.store import InvalidRecord, Store, StoreWarning
from antidistill.teachers import TeacherConfig, _name, get_teachers, train_teachers


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


def _weights_lost(store: Store, cfg: TeacherConfig, data) -> tuple[dict, Path]:
    """A teacher saved in ``store``, then its weights deleted (as published results keep only
    seed 0's): its weights, and its record's path."""
    ((teacher, _),) = get_teachers([cfg], data, store, progress=False)
    store.path("teachers", _name(cfg), cfg, ".pt").unlink()
    return teacher.state_dict(), store.path("teachers", _name(cfg), cfg)


def test_weights_trained_again_keep_the_record_they_reproduce(tmp_path, fashion):
    """Recomputing only the missing weights rewrites no record: the saved one (its training
    time included) stays byte for byte, and the weights are the first training's to the bit."""
    cfg = tiny("zero_pad").teacher_config()
    data, store = cfg.data.apply(fashion), Store(tmp_path)
    weights, record = _weights_lost(store, cfg, data)
    saved = json.loads(record.read_text())
    record.write_text(json.dumps({**saved, "wall_time_s": 1234.5}))  # as if trained on another day
    before = record.read_bytes()
    ((teacher, found),) = get_teachers([cfg], data, store, progress=False)
    assert record.read_bytes() == before and found["wall_time_s"] == 1234.5 and not found["cached"]
    assert all(torch.equal(teacher.state_dict()[k], weights[k]) for k in weights)
    assert store.path("teachers", _name(cfg), cfg, ".pt").is_file()


@pytest.mark.parametrize("strict", [False, True])
def test_weights_trained_again_that_differ_from_their_record_are_not_passed_off_as_it(tmp_path, fashion, strict):
    cfg = tiny("zero_pad").teacher_config()
    data = cfg.data.apply(fashion)
    _, record = _weights_lost(Store(tmp_path), cfg, data)
    saved = json.loads(record.read_text())
    saved["history"][-1]["val_loss"] += 1e-6  # a record the retraining cannot reproduce
    record.write_text(json.dumps(saved))
    store = Store(tmp_path, strict=strict)
    if strict:
        with pytest.raises(InvalidRecord, match="does not reproduce its recorded history"):
            get_teachers([cfg], data, store, progress=False)
        assert json.loads(record.read_text()) == saved
        return
    with pytest.warns(StoreWarning, match="its record is replaced"):
        get_teachers([cfg], data, store, progress=False)
    assert json.loads(record.read_text())["history"][-1]["val_loss"] == saved["history"][-1]["val_loss"] - 1e-6
