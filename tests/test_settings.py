"""The settings the report states come from the configs of the build, and the box says how far it is from the paper's protocol."""

from __future__ import annotations

import pytest

pytest.importorskip("optuna", reason="the report's settings import the search (tools/setup.sh installs optuna)")

from antidistill.profiles import PROFILES  # noqa: E402
from antidistill.report.settings import _grid, protocol_box, settings  # noqa: E402


def test_a_quick_build_states_its_own_schedules_not_the_papers():
    quick, paper = settings(PROFILES["quick"], "paper"), settings(PROFILES["paper"], "paper")
    assert (quick["student_epochs"], quick["pretrain_epochs"], quick["teacher_epochs"]) == (4, 4, 8)
    assert (paper["student_epochs"], paper["pretrain_epochs"], paper["teacher_epochs"]) == (10, 15, 30)
    assert quick["head_only_epochs"] < paper["head_only_epochs"] == 3  # scaled with the student epochs
    assert (paper["trials_antidistill_l4_0"], paper["trials_antidistill"]) == (5, 10)
    assert quick["search_seeds"] == "0, 1" and paper["n_seeds"] == 10
    assert settings(PROFILES["smoke"], "paper", (4, 7))["seeds"] == "4, 7"


def test_the_authors_longer_recordings_are_stated_in_authors_mode_whatever_the_build_s_mode():
    for mode in ("paper", "authors"):
        paper, quick = settings(PROFILES["paper"], mode), settings(PROFILES["quick"], mode)
        assert (paper["authors_epochs_recorded"], quick["authors_epochs_recorded"]) == (30, 12)  # 3 x 10, 3 x 4
        assert paper["n_recorded_long"] + paper["n_recorded_short"] == paper["n_methods"]
        assert paper["recorded_short"] == "Transfer Learning and Anti-Distillation"
        assert (paper["authors_l4_scale"], paper["authors_probe"]) == ("0.0001", "uniform on [0, 1)")


def test_grids_read_as_ranges():
    assert settings(PROFILES["paper"], "paper")["fgsm_grid"] == "0 to 0.018 in steps of 0.002"
    assert settings(PROFILES["paper"], "paper")["noise_grid"] == "0 to 0.09 in steps of 0.01"
    assert _grid((0.0, 0.1, 0.5)) == "0, 0.1, 0.5"


def test_the_box_compares_row_by_row_and_says_whether_this_is_the_papers_protocol():
    def box(name: str, mode: str) -> str:
        return protocol_box(PROFILES[name], settings(PROFILES[name], mode), settings(PROFILES["paper"], mode))

    quick = box("quick", "paper")
    assert "smaller than the paper's protocol" in quick
    assert "| D1 pre-training epochs | 4 | 15 |" in quick and "| seeds | 3 | 10 |" in quick
    assert box("paper", "authors").startswith("This build runs the paper's full protocol.")


def test_the_differences_table_covers_every_protocol_switch_with_this_builds_value():
    """Every switch has a row, named as the switch's own description names it, with this
    build's value in words; no field name or Python value reaches the page."""
    from antidistill.protocol import AUTHORS, PAPER, SWITCHES, describe, label
    from antidistill.report.differences import differences, to_markdown

    for mode, protocol in (("paper", PAPER), ("authors", AUTHORS)):
        table = differences(PROFILES["quick"], mode)
        for name in SWITCHES:
            assert table.loc[label(name), f"this build ({mode} mode)"] == describe(name, getattr(protocol, name))
        assert not set(table.index) & set(SWITCHES)
        assert not {"True", "False", "None"} & set(table[f"this build ({mode} mode)"])
        assert all(table["code: where"].str.len() > 0) and all(table["authors' code"].str.len() > 0)
        assert table.loc["pre-training epochs", f"this build ({mode} mode)"] == "4"  # the quick profile's
    assert "| training batches reshuffled every epoch | silent |" in to_markdown(
        differences(PROFILES["paper"], "paper")
    )
