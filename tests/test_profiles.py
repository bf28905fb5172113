"""Notebook parameters are validated with messages that say what is allowed."""

from __future__ import annotations

import pytest

from antidistill.profiles import PROFILES, validate_parameters


def test_profiles_exist_with_their_seed_counts():
    assert list(PROFILES) == ["smoke", "quick", "paper"]
    assert len(PROFILES["smoke"].seeds) == 2 and len(PROFILES["quick"].seeds) == 3
    assert PROFILES["paper"].seeds == tuple(range(10)) and PROFILES["paper"].overrides == ()
    assert PROFILES["paper"].trials("antidistill_l4_0") == 5 and PROFILES["paper"].trials("antidistill") == 10


def test_profile_config_applies_its_overrides():
    cfg = PROFILES["smoke"].config("xavier", 1, "authors")
    assert cfg.student.epochs == 1 and cfg.data.n_train == 3000 and cfg.protocol.output_relu
    assert PROFILES["paper"].config("xavier", 0, "paper").student.epochs == 10


def test_valid_parameters_resolve_seeds():
    profile, seeds = validate_parameters("paper", "quick", None, "auto", "results")
    assert profile.name == "quick" and seeds == (0, 1, 2)
    assert validate_parameters("authors", "smoke", [5, 7], "cpu", "r")[1] == (5, 7)


@pytest.mark.parametrize("args, message", [
    (("papper", "quick", None, "auto", "r"), "mode must be one of paper, authors"),
    (("paper", "fast", None, "auto", "r"), "profile must be one of smoke, quick, paper"),
    (("paper", "quick", [], "auto", "r"), "seeds is empty"),
    (("paper", "quick", [0, -1], "auto", "r"), "every seed must be an integer >= 0"),
    (("paper", "quick", "0,1", "auto", "r"), "seeds must be a list"),
    (("paper", "quick", [1, 1], "auto", "r"), "must not repeat"),
    (("paper", "quick", None, "gpu", "r"), "device must be"),
])
def test_bad_parameters_say_what_is_allowed(args, message):
    with pytest.raises(ValueError, match=message):
        validate_parameters(*args)


def test_injected_parameters_are_checked_by_name():
    from antidistill.profiles import check_injected, injected_names

    executed = ['mode = "paper"\nseeds = None', '# Parameters\nseed = 3\nmode = "authors"\n', "x = 1"]
    assert injected_names(executed) == ["seed", "mode"]
    with pytest.raises(ValueError, match="unknown parameter 'seed'; allowed: mode, profile, seeds"):
        check_injected(executed)
    check_injected(['# Parameters\nseeds = [3, 4]\n'])


def test_an_unwritable_results_folder_fails_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="cannot write results to .*a-file"):
        validate_parameters("paper", "smoke", None, "cpu", blocker)
