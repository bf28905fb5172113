"""The command line: `run` trains and writes its JSON, one seed or a stack; bad arguments are one-line errors before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import TINY_ARGS, outcome, tiny

from antidistill import data as data_mod
from antidistill.cli import main
from antidistill.config import config_hash


def test_cli_runs_and_writes_json(tmp_path, capsys, device):
    assert (
        main(
            [
                "run",
                "--mode",
                "authors",
                "--method",
                "xavier",
                "--seed",
                "0",
                "--out",
                str(tmp_path),
                "--device",
                device,
                *TINY_ARGS,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    # Their code trained Xavier three times as long and their table read it after the configured epochs.
    assert "after epoch 1 (Table I's reading); after its last epoch, 3:" in out
    [path] = list(Path(tmp_path, "runs").glob("authors-xavier-seed0-*.json"))
    saved = json.loads(path.read_text())
    assert saved["config"]["mode"] == "authors" and saved["config"]["student"]["epochs"] == 1
    assert f"{saved['val_acc']:.4f}" in out and "weight noise eps=" in out


def test_cli_without_a_weight_noise_grid_says_the_rest(tmp_path, capsys, device):
    assert (
        main(
            [
                "run",
                "--method",
                "xavier",
                "--out",
                str(tmp_path),
                "--device",
                device,
                *TINY_ARGS,
                "--set",
                "attack.noise_eps=[]",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "FGSM eps=" in out and "weight noise" not in out


def test_cli_trains_several_seeds_as_one_stack(tmp_path, capsys, device):
    assert (
        main(
            ["run", "--method", "uniform_pad", "--seeds", "2,5", "--out", str(tmp_path), "--device", device, *TINY_ARGS]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "paper-uniform_pad-seed2" in out and "paper-uniform_pad-seed5" in out
    saved = [json.loads(p.read_text()) for p in sorted((tmp_path / "runs").glob("*.json"))]
    assert [(r["seed"], r["stack_size"]) for r in saved] == [(2, 2), (5, 2)]
    with pytest.raises(SystemExit):
        main(["run", "--method", "xavier", "--seeds", "1,1", "--out", str(tmp_path), *TINY_ARGS])
    assert "repeats a seed" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--method", "xavier", "--seed", "1", "--seeds", "2,3", "--out", str(tmp_path), *TINY_ARGS])
    assert "not allowed with argument" in capsys.readouterr().err


def test_cli_twice_same_seed_is_identical(tmp_path, capsys, device):
    for out in ("a", "b"):
        main(
            ["run", "--method", "net2net", "--seed", "3", "--out", str(tmp_path / out), "--device", device, *TINY_ARGS]
        )
    [a] = (tmp_path / "a" / "runs").glob("*.json")
    [b] = (tmp_path / "b" / "runs").glob("*.json")
    assert outcome(json.loads(a.read_text())) == outcome(json.loads(b.read_text()))


@pytest.mark.parametrize(
    "args, message",
    [
        (["--method", "nope"], "invalid choice: 'nope'"),
        (["--method", "xavier", "--epochs", "-2"], "must be >= 0"),
        (["--method", "antidistill", "--lambdas", "1,-1,0,0"], "every lambda must be a finite number >= 0"),
        (["--method", "antidistill", "--lambdas", "1,1"], "four numbers"),
        (["--method", "antidistill"], "needs lambdas"),
        (["--method", "xavier", "--set", "student.lr_max=3"], "no parameter 'lr_max'"),
    ],
)
def test_cli_rejects_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", *args])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_set_false_turns_a_switch_off(tmp_path, capsys, device):
    args = ["run", "--mode", "authors", "--method", "xavier", "--out", str(tmp_path), "--device", device, *TINY_ARGS]
    main([*args, "--set", "protocol.shuffle=False"])
    [path] = Path(tmp_path, "runs").glob("*.json")
    saved = json.loads(path.read_text())
    assert saved["config"]["protocol"]["shuffle"] is False
    assert saved["config_hash"] == config_hash(tiny("xavier", "authors"))  # the same config as never setting it
    with pytest.raises(SystemExit) as info:
        main([*args, "--set", "student.lr=inf"])
    assert info.value.code == 2 and "finite" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--method", "antidistill", "--lambdas", "1,inf,1,1"], "every lambda must be a finite number >= 0"),
        (["--method", "xavier", "--device", "tpu"], "device must be 'auto', 'cpu' or 'cuda[:N]'; got 'tpu'"),
        (["--method", "xavier", "--device", ""], "device must be 'auto', 'cpu' or 'cuda[:N]'; got ''"),
        (["--method", "xavier", "--device", "mps"], "device must be 'auto', 'cpu' or 'cuda[:N]'; got 'mps'"),
    ],
)
def test_cli_rejects_bad_values_before_any_work(args, message, capsys, monkeypatch):
    monkeypatch.setattr(data_mod, "load_dataset", lambda name: pytest.fail("loaded data"))
    with pytest.raises(SystemExit) as info:
        main(["run", *args])
    assert info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cli_cuda_without_a_gpu_says_so(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--method", "xavier", "--device", "cuda"])
    assert info.value.code == 2 and "torch sees no GPU here" in capsys.readouterr().err


def test_cli_out_that_is_a_file_fails_before_loading_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(data_mod, "load_dataset", lambda name: pytest.fail("loaded data"))
    blocker = tmp_path / "results"
    blocker.write_text("")
    with pytest.raises(SystemExit) as info:
        main(["run", "--method", "xavier", "--out", str(blocker)])
    assert info.value.code == 2 and "cannot write results to" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seeds", "0,0"], "seeds must not repeat"),
        (["--device", "tpu"], "device must be 'auto', 'cpu' or 'cuda[:N]'"),
    ],
)
def test_book_command_errors_are_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["book", "--profile", "smoke", "--no-build", *args])
    assert info.value.code == 2 and message in capsys.readouterr().err
