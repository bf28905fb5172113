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


def test_a_profile_on_the_digits_keeps_its_schedules_under_its_own_name():
    from antidistill.config import config_hash

    paper = PROFILES["paper"]
    digits = paper.on("digits")
    assert paper.on("fashion-mnist") is paper and digits.name == "paper-digits"
    cfg, on = (
        paper.config("antidistill", 3, "paper", (1.0, 0.1, 0.5, 0.1)),
        digits.config("antidistill", 3, "paper", (1.0, 0.1, 0.5, 0.1)),
    )
    assert on.data.dataset == "digits" and on.student == cfg.student and on.growth == cfg.growth
    assert cfg.run_name == "paper-antidistill-seed3" and on.run_name == "paper-antidistill-seed3-digits"
    assert config_hash(on) != config_hash(cfg)
