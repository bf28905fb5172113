"""Notebook parameters are validated with messages that say what is allowed."""

from __future__ import annotations

from antidistill.profiles import PROFILES


def test_profiles_exist_with_their_seed_counts():
    assert list(PROFILES) == ["smoke", "quick", "paper"]
    assert len(PROFILES["smoke"].seeds) == 2 and len(PROFILES["quick"].seeds) == 3
    assert PROFILES["paper"].seeds == tuple(range(10)) and PROFILES["paper"].overrides == ()
    assert PROFILES["paper"].trials("antidistill_l4_0") == 5 and PROFILES["paper"].trials("antidistill") == 10


def test_profile_config_applies_its_overrides():
    cfg = PROFILES["smoke"].config("xavier", 1, "authors")
    assert cfg.student.epochs == 1 and cfg.data.n_train == 3000 and cfg.protocol.output_relu
    assert PROFILES["paper"].config("xavier", 0, "paper").student.epochs == 10
