"""Stored numbers are checked before use: a config's mode and protocol agree, and a saved run or
teacher that fails its schema is recomputed (or, in a strict store, stops with its name)."""

from __future__ import annotations

import errno
import json
import math

import pytest
import torch

from antidistill import store as store_mod
from antidistill.cli import main
from antidistill.config import config_hash, override
from antidistill.experiment import ExperimentConfig, get_or_run_seeds
from antidistill.protocol import AUTHORS
from antidistill.store import DiskFull, InvalidRecord, Store, StoreWarning, atomic_torch_save, atomic_write_json
from antidistill.teachers import _load

TINY = {
    "data.n_train": 1024,
    "data.n_test": 256,
    "teacher.epochs": 1,
    "student.epochs": 1,
    "attack.noise_max_draws": 32,
}


def test_changing_the_mode_alone_is_rejected_not_mislabelled(capsys):
    cfg = override(ExperimentConfig(method="xavier"), TINY)
    with pytest.raises(ValueError, match="mode 'authors' does not match the protocol"):
        override(cfg, {"mode": "authors"})
    assert override(ExperimentConfig(method="xavier", mode="authors"), TINY).protocol == AUTHORS
    with pytest.raises(SystemExit):
        main(["run", "--method", "xavier", "--set", "mode=authors", "--out", "unused"])
    assert "choose the mode with --mode" in capsys.readouterr().err


def test_a_group_of_settings_given_one_value_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--method", "xavier", "--set", "protocol=1", "--out", "unused"])
    assert "ExperimentConfig.protocol is a group of settings" in capsys.readouterr().err


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One tiny zero-pad run (teacher included) saved in a store: (store, config, run file)."""
    store = Store(tmp_path_factory.mktemp("store"))
    cfg = override(ExperimentConfig(method="zero_pad"), TINY)
    result = get_or_run_seeds([cfg], store, device="cpu", progress=False)[0]
    return store, cfg, result["path"]


def _damaged(saved, tmp_path, change):
    store, cfg, path = saved
    record = json.loads(open(path).read())
    change(record)
    copy = Store(tmp_path)
    target = copy.path("runs", cfg.run_name, cfg)
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(record))
    return copy, cfg, target


def _set(key, value):
    return lambda record: record.__setitem__(key, value)


def _mislabel(record):
    record["mode"] = record["config"]["mode"] = "authors"
    record["config_hash"] = config_hash(record["config"])


@pytest.mark.parametrize(
    "change, reason",
    [
        (_set("val_acc", math.nan), "val_acc: Input should be a finite number"),
        (_set("val_acc", 7.5), "val_acc: Input should be less than or equal to 1"),
        (_set("val_acc", "abc"), "val_acc: Input should be a valid number"),
        (lambda r: r["fgsm"]["acc"].pop(), "9 accuracies for 10 eps"),
        (lambda r: r["history"][-1].__setitem__("val_loss", math.inf), "history.1.val_loss"),
        (_set("config_hash", "0" * 12), "is not its config's"),
        (_mislabel, "its config is not the one its file name was made from"),
    ],
)
def test_an_invalid_saved_run_is_named_and_recomputed_or_stops_a_strict_store(saved, tmp_path, change, reason):
    store, cfg, target = _damaged(saved, tmp_path, change)
    with pytest.warns(StoreWarning, match=reason) as seen:
        assert store.load("runs", cfg.run_name, cfg) is None
    assert str(target) in str(seen[0].message)
    with pytest.raises(InvalidRecord, match=reason) as raised:
        Store(store.root, strict=True).load("runs", cfg.run_name, cfg)
    assert str(target) in str(raised.value)
    with pytest.warns(StoreWarning, match=reason):
        assert store.results("runs") == []


def test_a_mode_that_disagrees_with_its_protocol_is_refused_on_load(saved, tmp_path):
    def relabel(record):
        record["mode"] = record["config"]["mode"] = "authors"  # protocol stays paper mode's
        record["config_hash"] = config_hash(record["config"])

    store, cfg, target = _damaged(saved, tmp_path, relabel)
    renamed = target.with_name(f"{cfg.run_name}-{config_hash(json.loads(target.read_text())['config'])}.json")
    target.rename(renamed)
    with pytest.warns(StoreWarning, match="mode 'authors' but its protocol holds 'paper' mode's switches"):
        assert store.results("runs") == []


def test_the_valid_run_is_reused(saved):
    store, cfg, _ = saved
    assert store.load("runs", cfg.run_name, cfg) is not None


def test_nan_in_a_teacher_file_blames_the_file(saved):
    store, cfg, _ = saved
    tcfg = cfg.teacher_config()
    weights = store.path("teachers", f"seed{tcfg.seed}", tcfg, ".pt")
    state = torch.load(weights, weights_only=True)
    state["linears.0.weight"][0, 0] = math.nan
    torch.save(state, weights)
    with pytest.warns(StoreWarning, match="teacher's weights hold NaN") as seen:
        assert _load(tcfg, store) is None
    assert str(weights) in str(seen[0].message)
    with pytest.raises(InvalidRecord, match="NaN"):
        _load(tcfg, Store(store.root, strict=True))


def _no_room(*args):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_one_line_naming_the_folder_and_leaves_nothing_partial(tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod.os, "fsync", _no_room)
    with pytest.raises(DiskFull, match=rf"no room to save run.json in {tmp_path}: it needs \d+ KiB more"):
        atomic_write_json(tmp_path / "run.json", {"val_acc": 0.5})
    with pytest.raises(DiskFull, match="teacher.pt"):
        atomic_torch_save(tmp_path / "teacher.pt", {"w": torch.zeros(1000)})
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_reports_a_full_disk_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(store_mod.os, "fsync", _no_room)
    args = ["run", "--method", "zero_pad", "--out", str(tmp_path / "r"), "--quiet", "--device", "cpu"]
    for key, value in TINY.items():
        args += ["--set", f"{key}={value}"]
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no room to save seed0-" in err and "free space there" in err
    assert not [p for p in (tmp_path / "r").rglob("*") if p.is_file() and not p.name.startswith(".write-test")]


@pytest.mark.parametrize(
    "args, says",
    [
        (["--method", "antidistill", "--lambdas", "-1,0,0,0"], "every lambda must be a finite number >= 0"),
        (["--method", "xavier", "--seeds", "0,1", "--set", "seed=5"], "set the seed with --seed or --seeds"),
        (
            [
                "--method",
                "xavier",
                "--set",
                "student.lr=1e30",
                "--set",
                "data.n_train=1024",
                "--set",
                "student.epochs=1",
            ],
            "loss is nan",
        ),
    ],
)
def test_command_line_mistakes_are_one_line_errors(args, says, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", *args, "--out", str(tmp_path), "--quiet", "--device", "cpu"])
    assert exited.value.code in (1, 2)
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
