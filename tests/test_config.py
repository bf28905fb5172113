"""Experiment configs: bad settings rejected, and `--set` overrides parsed by each field's type."""

from __future__ import annotations

import dataclasses
import re

import pytest
from conftest import tiny

from antidistill.config import added_field, config_hash, from_dict, override, to_dict
from antidistill.experiment import ExperimentConfig
from antidistill.protocol import AUTHORS, PAPER


def test_modes_resolve_to_their_protocols():
    assert tiny("xavier").protocol == PAPER and tiny("xavier", "authors").protocol == AUTHORS
    ablation = override(tiny("xavier", "authors"), {"protocol.shuffle": True})
    assert ablation.protocol.shuffle and ablation.protocol.output_relu
    assert config_hash(ablation) != config_hash(tiny("xavier", "authors"))


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(method="net2deeper"), "unknown method"),
        (dict(method="xavier", mode="mine"), "mode must be"),
        (dict(method="xavier", seed=-1), "seed"),
        (dict(method="antidistill"), "needs lambdas"),
        (dict(method="xavier", lambdas=(1, 1, 1, 1)), "apply only"),
        (dict(method="antidistill_l4_0", lambdas=(1, 1, 1, 1)), "searches l1, l2, l3 only: l4 must be 0"),
    ],
)
def test_bad_experiment_configs_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        ExperimentConfig(**bad)


def test_misspelt_override_is_an_error():
    with pytest.raises(ValueError, match="no parameter 'epoch'.*allowed: epochs"):
        override(ExperimentConfig(), {"student.epoch": 3})


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("protocol.shuffle", "False", False),
        ("protocol.shuffle", "TRUE", True),
        ("student.lr", "0.01", 0.01),
        ("seed", "3", 3),
        ("teacher.milestones", [5], (5,)),
        ("data.n_train", None, None),
    ],
)
def test_overrides_are_converted_by_the_fields_type(key, raw, expected):
    cfg = override(ExperimentConfig(), {key: raw})
    head, _, rest = key.partition(".")
    value = getattr(getattr(cfg, head), rest) if rest else getattr(cfg, head)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    "key, raw, message",
    [
        ("student.lr", "inf", "TrainConfig.lr must be float; got 'inf': Input should be a finite number"),
        ("teacher.milestones", 5, "a list, e.g. [5]"),
        ("protocol.shuffle", "maybe", "Protocol.shuffle must be bool"),
        ("seed", 1.5, "ExperimentConfig.seed must be int"),
        ("lambdas", "1,1,1,1", "ExperimentConfig.lambdas must be tuple"),
    ],
)
def test_overrides_that_do_not_fit_their_field_are_errors(key, raw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        override(ExperimentConfig(), {key: raw})


@dataclasses.dataclass(frozen=True)
class _Before:
    rate: float = 0.1
    sizes: tuple[int, ...] = (1, 2)


@dataclasses.dataclass(frozen=True)
class _After:
    rate: float = 0.1
    sizes: tuple[int, ...] = (1, 2)
    curvature: str = added_field("hessian")


@dataclasses.dataclass(frozen=True)
class _Outer:
    inner: _After = dataclasses.field(default_factory=_After)


def test_a_field_added_at_its_default_leaves_saved_configs_and_hashes_as_they_were():
    """What a field added after results were published must do: configs at its default keep the
    dict and hash they were saved with (and read back), another value is written and hashed."""
    assert to_dict(_After()) == to_dict(_Before()) == {"rate": 0.1, "sizes": [1, 2]}
    assert config_hash(_After()) == config_hash(_Before())
    assert config_hash(_Outer()) == config_hash({"inner": to_dict(_Before())})
    assert from_dict(_After, to_dict(_Before())) == _After()
    other = _After(curvature="gauss_newton")
    assert to_dict(other) == {"rate": 0.1, "sizes": [1, 2], "curvature": "gauss_newton"}
    assert config_hash(other) != config_hash(_After()) and from_dict(_After, to_dict(other)) == other
    assert to_dict(override(_Outer(), {"inner.curvature": "gauss_newton"}))["inner"]["curvature"] == "gauss_newton"
