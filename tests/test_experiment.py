"""Whole runs: every method in both modes, determinism, caching, the store and the command line."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import torch

from antidistill import experiment as experiment_mod
from antidistill.cli import main
from antidistill.config import config_hash, override
from antidistill.experiment import ExperimentConfig, get_or_run_seeds, run_seeds
from antidistill.growth import METHODS
from antidistill.protocol import AUTHORS, PAPER
from antidistill.store import Store, StoreWarning, atomic_write_json
from conftest import assert_same_as_alone, valid_record

# Capped weight-noise draws keep these runs short; the metric's own tests use the defaults.
TINY = {"data.n_train": 1024, "data.n_test": 256, "teacher.epochs": 1, "student.epochs": 1,
        "growth.pretrain.epochs": 1, "attack.noise_max_draws": 32}
TINY_ARGS = ["--epochs", "1", "--set", "data.n_train=1024", "--set", "data.n_test=256",
             "--set", "teacher.epochs=1", "--set", "growth.pretrain.epochs=1", "--set", "attack.noise_max_draws=32",
             "--quiet"]
LAMBDAS = {"antidistill": (1.0, 0.01, 0.5, 0.5), "antidistill_l4_0": (1.0, 0.01, 0.5, 0.0)}


def tiny(method, mode="paper", seed=0, **extra):
    return override(ExperimentConfig(method=method, seed=seed, mode=mode, lambdas=LAMBDAS.get(method)),
                    {**TINY, **extra})


def _outcome(result):
    drop = {"wall_time_s", "environment", "path", "cached", "teacher"}
    return {k: v for k, v in result.items() if k not in drop}


@pytest.mark.parametrize("mode", ["paper", "authors"])
@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_runs_in_both_modes(method, mode, tmp_path, device):
    result = run_seeds([tiny(method, mode)], Store(tmp_path), device=device, progress=False)[0]
    epochs = result["metric_epochs"]["fgsm"]
    assert 0 <= result["val_acc"] <= 1 and len(result["history"]) == 1 + epochs
    assert result["device"].startswith(device) and result["val_acc"] == result["history"][1]["val_acc"]
    assert len(result["fgsm"]["acc"]) == 10 and len(result["weight_noise"]["acc"]) == 10
    assert result["fgsm"]["acc"][0] == pytest.approx(result["history"][-1]["val_acc"])
    assert (result["teacher"] is not None) == METHODS[method].needs_teacher
    assert (result["pretrain_history"] is not None) == (METHODS[method].lambdas != "none")


def _same_numbers(stacked, alone, device):
    """Every saved number: as alone on the CPU (conftest: to the bit on the pinned code path); on
    CUDA batched kernels may round differently."""
    a, b = (_outcome(r) | {"stack_size": None} for r in (stacked, alone))
    if device == "cpu":
        assert_same_as_alone(a, b)
    else:
        for key in ("val_acc",):
            assert a[key] == pytest.approx(b[key], abs=0.02)
        for key in ("fgsm", "weight_noise"):
            assert a[key]["acc"] == pytest.approx(b[key]["acc"], abs=0.03)


@pytest.mark.parametrize("mode", ["paper", "authors"])
@pytest.mark.parametrize("method", list(METHODS))
def test_a_stack_of_seeds_gives_each_seed_its_own_run(method, mode, tmp_path, device):
    """Seeds 0 and 3 trained as one stack (teachers, growth, pre-training, D2 training, FGSM,
    weight noise) against each trained alone in a fresh store."""
    cfgs = [tiny(method, mode, seed=s, **{"student.epochs": 2}) for s in (0, 3)]
    stacked = run_seeds(cfgs, Store(tmp_path / "stack"), device=device, progress=False)
    assert [r["stack_size"] for r in stacked] == [2, 2]
    for cfg, result in zip(cfgs, stacked):
        alone = run_seeds([cfg], Store(tmp_path / f"seed{cfg.seed}"), device=device, progress=False)[0]
        assert alone["stack_size"] == 1
        _same_numbers(result, alone, device)
    assert stacked[0]["history"] != stacked[1]["history"]


def test_runs_are_stacked_by_everything_but_the_seed():
    configs = [tiny(m, seed=s) for m in ("xavier", "zero_pad") for s in (0, 1, 2)] + [tiny("xavier", seed=5)]
    assert experiment_mod.stacks(configs) == [[0, 1, 2, 6], [3, 4, 5]]
    assert experiment_mod.stacks(configs, max_seeds=3) == [[0, 1, 2], [6], [3, 4, 5]]
    # Classes dropped inside shuffled batches give seeds different batch sizes: one per stack.
    shuffled = [override(tiny("zero_pad", "authors", seed=s), {"protocol.shuffle": True}) for s in (0, 1)]
    assert experiment_mod.stacks(shuffled) == [[0], [1]]
    with pytest.raises(ValueError, match="differ only in their seed"):
        run_seeds([tiny("xavier"), tiny("zero_pad", seed=1)], None)
    with pytest.raises(ValueError, match="runs repeat"):
        run_seeds([tiny("xavier"), tiny("xavier")], None)


def test_modes_resolve_to_their_protocols():
    assert tiny("xavier").protocol == PAPER and tiny("xavier", "authors").protocol == AUTHORS
    ablation = override(tiny("xavier", "authors"), {"protocol.shuffle": True})
    assert ablation.protocol.shuffle and ablation.protocol.output_relu
    assert config_hash(ablation) != config_hash(tiny("xavier", "authors"))


@pytest.mark.parametrize("bad, match", [
    (dict(method="net2deeper"), "unknown method"),
    (dict(method="xavier", mode="mine"), "mode must be"),
    (dict(method="xavier", seed=-1), "seed"),
    (dict(method="antidistill"), "needs lambdas"),
    (dict(method="xavier", lambdas=(1, 1, 1, 1)), "apply only"),
    (dict(method="antidistill_l4_0", lambdas=(1, 1, 1, 1)), "searches l1, l2, l3 only: l4 must be 0"),
])
def test_bad_experiment_configs_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        ExperimentConfig(**bad)


def test_misspelt_override_is_an_error():
    with pytest.raises(ValueError, match="no parameter 'epoch'.*allowed: epochs"):
        override(ExperimentConfig(), {"student.epoch": 3})


def test_same_seed_same_result_and_other_seed_differs(tmp_path, device):
    cfg = tiny("antidistill")
    a = run_seeds([cfg], Store(tmp_path / "a"), device=device, progress=False)[0]
    b = run_seeds([cfg], Store(tmp_path / "b"), device=device, progress=False)[0]
    assert _outcome(a) == _outcome(b)
    c = run_seeds([tiny("antidistill", seed=1)], Store(tmp_path / "c"), device=device, progress=False)[0]
    assert c["history"] != a["history"]


def test_saved_run_is_reused_without_training(tmp_path, monkeypatch, device):
    store = Store(tmp_path)
    first = get_or_run_seeds([tiny("uniform_pad")], store, device=device, progress=False)[0]
    assert not first["cached"]

    def no_training(*args, **kwargs):
        raise AssertionError("a cached config must not train again")

    monkeypatch.setattr(experiment_mod, "fit", no_training)
    monkeypatch.setattr("antidistill.teachers.fit", no_training)
    second = get_or_run_seeds([tiny("uniform_pad")], store, device=device, progress=False)[0]
    assert second["cached"] and _outcome(second) == _outcome(first)
    # The teacher is cached too: a new student method on the same seed reuses it.
    monkeypatch.setattr(experiment_mod, "fit",
                        lambda *a, **k: [[{"epoch": e, "val_acc": 0.5, "val_loss": 1.0} for e in (0, 1)]])
    assert get_or_run_seeds([tiny("zero_pad")], store, device=device, progress=False)[0]["teacher"]["cached"]


def test_changed_config_is_not_served_an_old_result(tmp_path):
    store = Store(tmp_path)
    cfg = tiny("xavier")
    store.save("runs", cfg.run_name, cfg, valid_record(cfg))
    assert store.load("runs", cfg.run_name, cfg)["val_acc"] == 0.5
    assert store.load("runs", cfg.run_name, override(cfg, {"student.lr": 0.01})) is None
    # Even a file at the right path is ignored when the config inside it differs.
    path = store.path("runs", cfg.run_name, cfg)
    saved = json.loads(path.read_text())
    saved["config"]["student"]["lr"] = 0.5
    path.write_text(json.dumps(saved))
    with pytest.warns(StoreWarning, match="its config is not the one its file name was made from"):
        assert store.load("runs", cfg.run_name, cfg) is None
    # And a result computed by older code is not reused either.
    store.save("runs", cfg.run_name, cfg, valid_record(cfg))
    saved = json.loads(path.read_text())
    saved["results_version"] -= 1
    path.write_text(json.dumps(saved))
    assert store.load("runs", cfg.run_name, cfg) is None


def test_interrupted_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    atomic_write_json(path, {"v": 1})

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_json(path, {"v": 2})
    assert json.loads(path.read_text()) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]  # no temp file left behind


def test_cli_runs_and_writes_json(tmp_path, capsys, device):
    assert main(["run", "--mode", "authors", "--method", "xavier", "--seed", "0", "--out", str(tmp_path),
                 "--device", device, *TINY_ARGS]) == 0
    out = capsys.readouterr().out
    assert "final validation accuracy" in out
    [path] = list(Path(tmp_path, "runs").glob("authors-xavier-seed0-*.json"))
    saved = json.loads(path.read_text())
    assert saved["config"]["mode"] == "authors" and saved["config"]["student"]["epochs"] == 1
    assert f"{saved['val_acc']:.4f}" in out and "weight noise eps=" in out


def test_cli_without_a_weight_noise_grid_says_the_rest(tmp_path, capsys, device):
    assert main(["run", "--method", "xavier", "--out", str(tmp_path), "--device", device, *TINY_ARGS,
                 "--set", "attack.noise_eps=[]"]) == 0
    out = capsys.readouterr().out
    assert "FGSM eps=" in out and "weight noise" not in out


def test_cli_trains_several_seeds_as_one_stack(tmp_path, capsys, device):
    assert main(["run", "--method", "uniform_pad", "--seeds", "2,5", "--out", str(tmp_path), "--device", device,
                 *TINY_ARGS]) == 0
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
        main(["run", "--method", "net2net", "--seed", "3", "--out", str(tmp_path / out), "--device", device,
              *TINY_ARGS])
    [a] = (tmp_path / "a" / "runs").glob("*.json")
    [b] = (tmp_path / "b" / "runs").glob("*.json")
    assert _outcome(json.loads(a.read_text())) == _outcome(json.loads(b.read_text()))


@pytest.mark.parametrize("args, message", [
    (["--method", "nope"], "invalid choice: 'nope'"),
    (["--method", "xavier", "--epochs", "-2"], "must be >= 0"),
    (["--method", "antidistill", "--lambdas", "1,-1,0,0"], "every lambda must be a finite number >= 0"),
    (["--method", "antidistill", "--lambdas", "1,1"], "four numbers"),
    (["--method", "antidistill"], "needs lambdas"),
    (["--method", "xavier", "--set", "student.lr_max=3"], "no parameter 'lr_max'"),
])
def test_cli_rejects_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", *args])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_authors_mode_records_their_30_epoch_rows_as_they_did(tmp_path, device):
    """Accuracy at the student epochs, FGSM and weight noise after three times as many, for the
    six rows they recorded at 30 epochs; transfer (recorded at 10) trains the plain schedule."""
    long = run_seeds([tiny("xavier", "authors")], Store(tmp_path), device=device, progress=False)[0]
    assert long["metric_epochs"] == {"val_acc": 1, "fgsm": 3, "weight_noise": 3}
    assert len(long["history"]) == 4 and long["val_acc"] == long["history"][1]["val_acc"]
    assert long["fgsm"]["acc"][0] == pytest.approx(long["history"][3]["val_acc"])
    short = run_seeds([tiny("transfer", "authors")], Store(tmp_path), device=device, progress=False)[0]
    assert short["metric_epochs"] == {"val_acc": 1, "fgsm": 1, "weight_noise": 1}
    off = override(tiny("xavier", "authors"), {"protocol.recorded_epochs_factor": 1})
    assert len(run_seeds([off], Store(tmp_path), device=device, progress=False)[0]["history"]) == 2


def test_paper_weight_noise_saves_its_standard_error(tmp_path, device):
    cfg = override(tiny("xavier"), {"attack.noise_max_draws": 1024, "attack.noise_subset": 64})
    result = run_seeds([cfg], Store(tmp_path), device=device, progress=False)[0]
    noise = result["weight_noise"]
    assert len(noise["se"]) == len(noise["draws"]) == len(noise["acc"]) == 10
    assert all(se < 0.005 or k == 1024 for se, k in zip(noise["se"], noise["draws"]))
    authors = run_seeds([tiny("xavier", "authors")], Store(tmp_path), device=device, progress=False)[0]
    assert authors["weight_noise"]["se"] == [None] * 10


def test_saved_files_respect_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_json(tmp_path / "a.json", {"v": 1})
        os.umask(0o077)
        atomic_write_json(tmp_path / "b.json", {"v": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("key, raw, expected", [
    ("protocol.shuffle", "False", False), ("protocol.shuffle", "TRUE", True), ("student.lr", "0.01", 0.01),
    ("seed", "3", 3), ("teacher.milestones", [5], (5,)), ("data.n_train", None, None),
])
def test_overrides_are_converted_by_the_fields_type(key, raw, expected):
    cfg = override(ExperimentConfig(), {key: raw})
    head, _, rest = key.partition(".")
    value = getattr(getattr(cfg, head), rest) if rest else getattr(cfg, head)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("key, raw, message", [
    ("student.lr", "inf", "TrainConfig.lr must be float; got 'inf': Input should be a finite number"),
    ("teacher.milestones", 5, "a list, e.g. [5]"),
    ("protocol.shuffle", "maybe", "Protocol.shuffle must be bool"),
    ("seed", 1.5, "ExperimentConfig.seed must be int"),
    ("lambdas", "1,1,1,1", "ExperimentConfig.lambdas must be tuple"),
])
def test_overrides_that_do_not_fit_their_field_are_errors(key, raw, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        override(ExperimentConfig(), {key: raw})


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


@pytest.mark.parametrize("args, message", [
    (["--method", "antidistill", "--lambdas", "1,inf,1,1"], "every lambda must be a finite number >= 0"),
    (["--method", "xavier", "--device", "tpu"], "device must be 'auto', 'cpu' or 'cuda[:N]'; got 'tpu'"),
    (["--method", "xavier", "--device", ""], "device must be 'auto', 'cpu' or 'cuda[:N]'; got ''"),
    (["--method", "xavier", "--device", "mps"], "device must be 'auto', 'cpu' or 'cuda[:N]'; got 'mps'"),
])
def test_cli_rejects_bad_values_before_any_work(args, message, capsys, monkeypatch):
    monkeypatch.setattr(experiment_mod, "load_fashion_mnist", lambda: pytest.fail("loaded data"))
    with pytest.raises(SystemExit) as info:
        main(["run", *args])
    assert info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cli_cuda_without_a_gpu_says_so(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--method", "xavier", "--device", "cuda"])
    assert info.value.code == 2 and "torch sees no GPU here" in capsys.readouterr().err


def test_cli_out_that_is_a_file_fails_before_loading_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(experiment_mod, "load_fashion_mnist", lambda: pytest.fail("loaded data"))
    blocker = tmp_path / "results"
    blocker.write_text("")
    with pytest.raises(SystemExit) as info:
        main(["run", "--method", "xavier", "--out", str(blocker)])
    assert info.value.code == 2 and "cannot write results to" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--seeds", "0,0"], "seeds must not repeat"),
    (["--device", "tpu"], "device must be 'auto', 'cpu' or 'cuda[:N]'"),
])
def test_book_command_errors_are_one_line(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["book", "--profile", "smoke", "--no-build", *args])
    assert info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"\x8f\x00\xff random bytes", b"[]", b"", None])
def test_a_corrupt_saved_run_is_recomputed_with_a_warning(content, tmp_path, device):
    store = Store(tmp_path)
    cfg = tiny("xavier")
    first = get_or_run_seeds([cfg], store, device=device, progress=False)[0]
    path = store.path("runs", cfg.run_name, cfg)
    if content is None:  # a result missing one of its keys
        saved = json.loads(path.read_text())
        del saved["fgsm"]
        path.write_text(json.dumps(saved))
    else:
        path.write_bytes(content)
    with pytest.warns(StoreWarning, match=re.escape(str(path))):
        again = get_or_run_seeds([cfg], store, device=device, progress=False)[0]
    assert not again["cached"] and _outcome(again) == _outcome(first)
    assert len(store.results("runs")) == 1


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_a_corrupt_teacher_is_retrained_with_a_warning(damage, tmp_path, device):
    store = Store(tmp_path)
    first = get_or_run_seeds([tiny("zero_pad")], store, device=device, progress=False)[0]
    [weights] = (tmp_path / "teachers").glob("*.pt")
    weights.write_bytes(weights.read_bytes()[:100] if damage == "truncate" else b"")
    with pytest.warns(StoreWarning, match=re.escape(str(weights))):
        again = get_or_run_seeds([tiny("zero_pad")], store, device=device, progress=False, force=True)[0]
    assert again["teacher"]["cached"] is False and _outcome(again) == _outcome(first)


def test_reproduction_trains_the_missing_teachers_as_one_stack(tmp_path, monkeypatch, device):
    pytest.importorskip("optuna")  # the report's Reproduction imports the search (not on the GPU machine)
    from antidistill import teachers as teachers_mod
    from antidistill.report.reproduction import Reproduction

    rep = Reproduction.from_parameters("paper", "smoke", [0, 4], device, str(tmp_path))
    stacks = []
    real = teachers_mod.train_teachers
    monkeypatch.setattr(teachers_mod, "train_teachers",
                        lambda cfgs, *a, **k: stacks.append(len(cfgs)) or real(cfgs, *a, **k))
    records = rep.teacher_records()
    assert list(records) == [0, 4] and stacks == [2] and not any(r["cached"] for r in records.values())
    assert rep.teacher(4)[1]["cached"] and rep.teacher(4)[1]["val_acc"] == records[4]["val_acc"]
