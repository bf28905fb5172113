"""The commands beyond run/book/bench: listed by the command line, and `compute` computes a whole profile's results and resumes from them."""

from __future__ import annotations

import pytest

pytest.importorskip("optuna", reason="the lambda search needs optuna (tools/setup.sh installs it)")

from conftest import saved_results, smoke_compute  # noqa: E402

from antidistill.cli import COMMANDS, main  # noqa: E402


@pytest.mark.slow
def test_compute_profile_saves_every_result_then_resumes(smoke_results):
    folder, first = smoke_results
    rows = [line for line in first if " / " in line]
    assert len(rows) == 1 + 2 + 8 + 1  # teachers, two searches, eight methods, the fresh seeds
    assert all(int(r.split("/")[0].split()[-1]) == int(r.split("/")[1].split()[0]) for r in rows)  # all saved

    saved = saved_results(folder)
    second = smoke_compute(folder)  # everything loads, nothing is recomputed or rewritten
    # Teachers (.json + .pt) of seeds 0 and 1: the final runs', the trials' of both modes' searches
    # (those the switches' "searched λ" rows need) and 5 flipped by a teacher switch; and the
    # fresh seeds' (2 and 3). Search runs, 2 trials x 2 seeds each: both searched methods, the
    # four Hessian penalties' and the other mode's full method. Final runs: 8 methods x 2 seeds,
    # on seeds 0-1 and on the fresh seeds, and the four penalties' runs. Then the switches: 27
    # flips x 2 seeds. Then the digits: their final runs' and search trials' teachers, 2 x 2
    # search trials and 2 x 8 final runs.
    teachers = (3 + 5) * 2 * 2 + 2 * 2
    search = (2 + 4 + 1) * 2 * 2
    runs = 8 * 2 * 2 + 4 * 2
    fashion, switches, digits = teachers + search + runs, 27 * 2, 2 * 2 * 2 + 8 + 2 * 8
    assert second == first and saved_results(folder) == saved and len(saved) == fashion + switches + digits
    assert len([p for p in saved if "digits" in p.name]) == digits
    assert len([p for p in saved if p.parent.name == "switches"]) == switches
    log = (folder / "compute_profile.log").read_text().splitlines()
    assert sum("done" in line for line in log) == 16  # 8 stages (the fresh seeds, the three studies), twice


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_is_listed_and_takes_its_own_options(name, capsys):
    with pytest.raises(SystemExit) as listed:
        main(["--help"])
    assert listed.value.code == 0 and name in capsys.readouterr().out
    with pytest.raises(SystemExit) as helped:
        main([name, "--help"])
    out = capsys.readouterr().out
    assert helped.value.code == 0 and out.startswith(f"usage: python -m antidistill {name}")
    with pytest.raises(SystemExit) as wrong:
        main([name, "--no-such-option"])
    assert wrong.value.code == 2 and f"python -m antidistill {name}: error:" in capsys.readouterr().err


def test_compute_takes_the_studies_named_and_only_those(tmp_path, monkeypatch):
    """`--study NAME` computes that study after the profile instead of every study (so two
    processes can compute two studies side by side); the penalties study is `paper` mode's."""
    from antidistill.report import reproduction

    asked = []
    monkeypatch.setattr(
        reproduction.Reproduction,
        "compute",
        lambda self, progress, done, modes, studies: asked.append((modes, studies)),
    )
    monkeypatch.setattr("antidistill.commands.compute.profile_table", lambda *a: "")
    monkeypatch.setattr("antidistill.commands.compute.measured_profile", lambda *a: None)
    main(["compute", str(tmp_path), "--profile", "smoke", "--mode", "authors", "--study", "switches"])
    main(["compute", str(tmp_path), "--profile", "smoke"])
    assert asked == [(("authors",), ["switches"]), (("paper",), reproduction.BOOK_STUDIES)]
    with pytest.raises(SystemExit) as wrong:
        main(["compute", str(tmp_path), "--mode", "authors", "--study", "penalties"])
    assert wrong.value.code == 2
