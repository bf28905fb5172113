"""What a study cost: its saved results counted against the work it needs, their recorded wall times summed, shared work left out."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import tiny, valid_record

pytest.importorskip("optuna", reason="the report's pages import the search (tools/setup.sh installs optuna)")

from antidistill.config import config_hash, override  # noqa: E402
from antidistill.profiles import PROFILES  # noqa: E402
from antidistill.report.reproduction import Reproduction  # noqa: E402
from antidistill.report.spent import _matching, _saved, _teachers, _without_lambdas, spent, spent_table  # noqa: E402
from antidistill.store import Store  # noqa: E402


def test_saved_results_count_once_against_the_distinct_configs_needed(tmp_path):
    store = Store(tmp_path)
    configs = [tiny("zero_pad", seed=s) for s in (0, 1, 2)]
    store.save("runs", configs[0].run_name, configs[0], valid_record(configs[0], wall_time_s=90.0))
    store.save("runs", configs[1].run_name, configs[1], valid_record(configs[1], wall_time_s=90.0, cpu_time_s=120.0))
    other = tiny("xavier")  # saved, but not among the configs asked for
    store.save("runs", other.run_name, other, valid_record(other, wall_time_s=600.0, cpu_time_s=600.0))
    # Two of three saved, 3 min of wall time; CPU time recorded by one of them (2 min).
    assert _matching(_saved(store), "runs", configs + configs[:1]) == (2, 3, 3.0, 2.0, 1)


def test_a_search_trial_is_matched_whatever_lambda_it_drew(tmp_path):
    store = Store(tmp_path)
    drawn = tiny("antidistill", lambdas=(0.1, 0.2, 0.3, 0.4))
    store.save("search", drawn.run_name, drawn, valid_record(drawn, wall_time_s=30.0))
    asked = override(drawn, {"lambdas": (0.0, 0.0, 0.0, 0.0)})
    assert _matching(_saved(store), "search", [asked]) == (0, 1, 0.0, 0.0, 0)
    assert _matching(_saved(store), "search", [asked], _without_lambdas) == (1, 1, 0.5, 0.0, 0)


def test_a_run_s_teacher_is_counted_only_where_no_shared_run_trains_it():
    base = tiny("zero_pad")
    relu = override(base, {"protocol.output_relu": not base.protocol.output_relu})
    noise = override(base, {"protocol.noise_per_batch": not base.protocol.noise_per_batch})  # a student's switch
    counted = {config_hash(base.teacher_config())}
    assert _teachers([tiny("xavier")], counted) == []  # no teacher, no pre-training
    assert _teachers([tiny("data_noise")], set()) == []  # it pre-trains, but without a teacher
    assert _teachers([relu, noise], counted) == [relu.teacher_config()]  # the teacher reads the ReLU
    assert _teachers([relu], counted) == []  # counted where first needed


def test_the_switches_study_counts_its_flipped_runs_and_totals_them(tmp_path):
    profile = dataclasses.replace(PROFILES["smoke"], ablated=("xavier",))
    rep = Reproduction("paper", profile, (0, 1), "cpu", Store(tmp_path))
    [(flip, configs), *rest] = rep.switch_configs()
    for cfg in configs:
        rep.store.save("switches", cfg.run_name, cfg, valid_record(cfg, wall_time_s=120.0, cpu_time_s=60.0))
    rows = spent(rep, "switches")
    n, flipped = len(configs), len(configs) * (1 + len(rest))
    assert rows[0] == ("paper mode: flipped runs", n, flipped, 2.0 * n, 1.0 * n, n)
    assert rows[1][1:3] == (0, 0)  # Xavier trains no teacher
    table = spent_table(rows)
    assert "paper mode: their own teachers" not in table.index
    assert table.loc["total"].tolist() == [n, 2 * flipped, 2.0 * n, 1.0 * n, n]
    with pytest.raises(ValueError, match="accounted are"):
        spent(rep, "switch")


def test_the_spent_command_counts_a_study_in_a_folder_without_computing(tmp_path, capsys):
    from antidistill.cli import main

    main(["spent", str(tmp_path), "--profile", "smoke", "--study", "fresh"])
    out = capsys.readouterr().out
    seeds, methods = len(PROFILES["smoke"].seeds), 8
    rows = {line.rsplit(None, 5)[0]: line.split()[-5:] for line in out.splitlines()[2:]}
    assert rows["paper mode: runs"] == ["0", str(seeds * methods), "0.0", "0.0", "0"]
    # A teacher and 8 runs per seed, in 2 modes.
    assert rows["total"] == ["0", str(2 * (seeds + seeds * methods)), "0.0", "0.0", "0"]
    assert not any(tmp_path.iterdir())  # nothing computed, nothing written


def test_the_declared_seeds_are_counted_block_by_block(tmp_path, capsys):
    from antidistill.cli import main

    main(["spent", str(tmp_path), "--profile", "paper", "--study", "declared"])
    out = capsys.readouterr().out
    rows = {line.rsplit(None, 5)[0]: line.split()[-5:] for line in out.splitlines()[2:]}
    # Seeds 20-49 beyond the reported and fresh 0-19, in blocks of ten, each mode: a teacher and 8 runs a seed.
    assert rows["authors mode, seeds 40-49: runs"] == ["0", "80", "0.0", "0.0", "0"]
    assert rows["total"] == ["0", str(2 * 30 * 9), "0.0", "0.0", "0"]
    assert not any(tmp_path.iterdir())


def test_a_chapter_shows_cpu_time_not_recorded_rather_than_zero(tmp_path, monkeypatch):
    import antidistill.report.spent as spent_mod

    rows = [("a: runs", 3, 3, 6.0, 0.0, 0), ("b: runs", 2, 2, 4.0, 3.0, 2), ("c: runs", 0, 2, 0.0, 0.0, 0)]
    monkeypatch.setattr(spent_mod, "spent", lambda rep, study: rows)
    table = spent_mod.glued(None, "fresh")["spent"]
    assert table.loc["a: runs", "CPU time (min)"] == "not recorded"
    assert table.loc["b: runs", "CPU time (min)"] == 3 and table.loc["c: runs", "CPU time (min)"] == 0
    assert table.loc["total", "CPU time (min)"] == 3  # some saved runs carry it: the sum of those


def test_the_spent_command_refuses_a_folder_that_is_not_there(tmp_path, capsys):
    from antidistill.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["spent", str(tmp_path / "nonexistent")])
    assert exit_.value.code == 2 and "no results folder at" in capsys.readouterr().err
