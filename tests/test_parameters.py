"""The notebooks' parameters: validated with errors that say what is allowed, and only the known names accepted."""

from __future__ import annotations

import pytest

from antidistill.report.parameters import check_injected, injected_names, validate_parameters


def test_valid_parameters_resolve_seeds(tmp_path):
    profile, seeds = validate_parameters("paper", "quick", None, "auto", tmp_path)
    assert profile.name == "quick" and seeds == (0, 1, 2)
    assert validate_parameters("authors", "smoke", [5, 7], "cpu", tmp_path)[1] == (5, 7)


@pytest.mark.parametrize(
    "args, message",
    [
        (("papper", "quick", None, "auto", "TMP"), "mode must be one of paper, authors"),
        (("paper", "fast", None, "auto", "TMP"), "profile must be one of smoke, quick, paper"),
        (("paper", "quick", [], "auto", "TMP"), "seeds is empty"),
        (("paper", "quick", [0, -1], "auto", "TMP"), "every seed must be an integer >= 0"),
        (("paper", "quick", "0,1", "auto", "TMP"), "seeds must be a list"),
        (("paper", "quick", [1, 1], "auto", "TMP"), "must not repeat"),
        (("paper", "quick", None, "gpu", "TMP"), "device must be"),
    ],
)
def test_bad_parameters_say_what_is_allowed(args, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        validate_parameters(*args[:-1], tmp_path)


def test_injected_parameters_are_checked_by_name():
    executed = ['mode = "paper"\nseeds = None', '# Parameters\nseed = 3\nmode = "authors"\n', "x = 1"]
    assert injected_names(executed) == ["seed", "mode"]
    with pytest.raises(ValueError, match="unknown parameter 'seed'; allowed: mode, profile, seeds"):
        check_injected(executed)
    check_injected(["# Parameters\nseeds = [3, 4]\n"])


def test_an_unwritable_results_folder_fails_before_any_work(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="cannot write results to .*a-file"):
        validate_parameters("paper", "smoke", None, "cpu", blocker)
