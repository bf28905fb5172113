"""One switch at a time: which flips can change which method (each "no" checked on real runs), and what a flip changes in a config."""

from __future__ import annotations

import pytest
from conftest import LAMBDAS as TINY_LAMBDAS
from conftest import outcome, tiny

from antidistill.ablation import ABLATED, FLIPPED, LAMBDAS, SEARCH_ONLY, Flip, acts_on, flips, other_mode
from antidistill.experiment import run_many
from antidistill.profiles import PROFILES
from antidistill.protocol import MODES, SWITCHES, protocol_for
from antidistill.store import Store

CHOICES = {"best": (0.2, 0.3, 0.4, 0.5), "importance": (0.6, 0.3, 0.1, 0.0), "other": (0.9, 0.8, 0.7, 0.6)}


def _choices(method: str) -> dict[str, tuple[float, ...]]:
    """Search choices with the λ a method does not search at 0, as the search returns them."""
    zero = {"antidistill_l4_0": 3}.get(method)
    return {k: v[:zero] + (0.0,) * (4 - zero) if zero else v for k, v in CHOICES.items()}


def test_every_switch_but_the_search_s_own_is_flipped():
    assert set(FLIPPED) == (set(SWITCHES) - set(SEARCH_ONLY)) | {LAMBDAS}
    assert all(not acts_on(s, m) for s in (LAMBDAS, "lambdas_from_importance") for m in ("xavier", "zero_pad"))
    with pytest.raises(ValueError, match="unknown switch"):
        acts_on("search_split", "xavier")


@pytest.mark.parametrize("profile", list(PROFILES))
def test_every_profile_flips_every_switch_on_some_method(profile):
    ablated = PROFILES[profile].ablated
    assert set(ablated) <= set(ABLATED) and "xavier" in ablated  # the chapter measures Xavier against the paper
    for base in MODES:
        assert {f.switch for f in flips(base, ablated)} == set(FLIPPED)


@pytest.mark.parametrize("base", MODES)
def test_a_flip_sets_one_switch_as_in_the_other_mode(base):
    other = protocol_for(other_mode(base))
    for flip in flips(base):
        cfg = tiny(flip.method, base)
        flipped = flip.config(cfg, _choices(flip.method))
        assert flipped.mode == base and flipped.seed == cfg.seed
        changed = [s for s in SWITCHES if getattr(flipped.protocol, s) != getattr(cfg.protocol, s)]
        if flip.switch == LAMBDAS:
            assert changed == [] and flipped.lambdas == _choices(flip.method)["other"]
            continue
        assert changed == [flip.switch] and getattr(flipped.protocol, flip.switch) == getattr(other, flip.switch)
        if flip.switch == "lambdas_from_importance" and acts_on(flip.switch, flip.method):
            assert flipped.lambdas == _choices(flip.method)["importance" if flip.value else "best"]
        else:
            assert flipped.lambdas == cfg.lambdas
    with pytest.raises(ValueError, match="is not a run of"):
        Flip(base, "shuffle", "xavier").config(tiny("zero_pad", base), {})


@pytest.mark.slow
@pytest.mark.parametrize("base", MODES)
def test_a_flip_said_not_to_act_changes_no_number(base, tmp_path):
    """Every (switch, method) that ``acts_on`` leaves out: its tiny run with the switch flipped
    gives the base run's numbers exactly, so the study omits nothing that moves a number."""
    store = Store(tmp_path)
    pairs = [
        (Flip(base, s, m), tiny(m, base))
        for s in FLIPPED
        for m in ABLATED
        if not acts_on(s, m) and not (s == LAMBDAS and m not in TINY_LAMBDAS)
    ]
    methods = sorted({m for _, cfg in pairs for m in [cfg.method]})
    base_runs = dict(zip(methods, run_many([tiny(m, base) for m in methods], store, "cpu", progress=False)))
    flipped = run_many([f.config(cfg, _choices(f.method)) for f, cfg in pairs], store, "cpu", progress=False)
    differs = [
        f"{f.switch} on {f.method}"
        for (f, _), run in zip(pairs, flipped)
        if outcome(run) | {"config": None, "config_hash": None}
        != outcome(base_runs[f.method]) | {"config": None, "config_hash": None}
    ]
    assert not differs, f"{base} mode: flips said not to act changed numbers: {', '.join(differs)}"
