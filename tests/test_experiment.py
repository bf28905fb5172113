"""Whole runs: every method in both modes, stacks against single seeds, determinism, the authors' recorded epochs."""

from __future__ import annotations

import pytest
import torch
from conftest import assert_same_as_alone, outcome, tiny

from antidistill import experiment as experiment_mod
from antidistill.config import override
from antidistill.experiment import run_seeds
from antidistill.growth import METHODS
from antidistill.store import Store


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
    # Its own work's time, its teacher's apart: CPU time (all threads) at most the threads' share of wall time.
    assert 0 < result["cpu_time_s"] <= 1.05 * torch.get_num_threads() * result["wall_time_s"] + 0.05


def _same_numbers(stacked, alone, device):
    """Every saved number: as alone on the CPU (conftest: to the bit on the pinned code path); on
    CUDA batched kernels may round differently."""
    a, b = (outcome(r) | {"stack_size": None} for r in (stacked, alone))
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


def test_same_seed_same_result_and_other_seed_differs(tmp_path, device):
    cfg = tiny("antidistill")
    a = run_seeds([cfg], Store(tmp_path / "a"), device=device, progress=False)[0]
    b = run_seeds([cfg], Store(tmp_path / "b"), device=device, progress=False)[0]
    assert outcome(a) == outcome(b)
    c = run_seeds([tiny("antidistill", seed=1)], Store(tmp_path / "c"), device=device, progress=False)[0]
    assert c["history"] != a["history"]


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


def test_reproduction_trains_the_missing_teachers_as_one_stack(tmp_path, monkeypatch, device):
    pytest.importorskip("optuna")  # the report's Reproduction imports the search (not on the GPU machine)
    from antidistill import teachers as teachers_mod
    from antidistill.report.reproduction import Reproduction

    rep = Reproduction.from_parameters("paper", "smoke", [0, 4], device, str(tmp_path))
    stacks = []
    real = teachers_mod.train_teachers
    monkeypatch.setattr(
        teachers_mod, "train_teachers", lambda cfgs, *a, **k: stacks.append(len(cfgs)) or real(cfgs, *a, **k)
    )
    records = rep.teacher_records()
    assert list(records) == [0, 4] and stacks == [2] and not any(r["cached"] for r in records.values())
    assert rep.teacher(4)[1]["cached"] and rep.teacher(4)[1]["val_acc"] == records[4]["val_acc"]


@pytest.mark.slow
def test_every_method_runs_on_the_digits_in_both_modes(tmp_path):
    """The second data set through the same interface: 64 inputs reach every growth method, the
    teachers and both attacks; every run is saved as a digits run, with its curves."""
    from antidistill.experiment import run_many
    from antidistill.store import Store

    cfgs = [tiny(m, mode, **{"data.dataset": "digits"}) for mode in ("paper", "authors") for m in METHODS]
    for cfg, run in zip(cfgs, run_many(cfgs, Store(tmp_path), "cpu", progress=False)):
        assert run["config"]["data"]["dataset"] == "digits" and cfg.run_name.endswith("-digits")
        assert len(run["fgsm"]["acc"]) == len(cfg.attack.fgsm_eps) and 0 <= run["val_acc"] <= 1


def test_processes_computing_one_batch_share_its_stacks(tmp_path, monkeypatch):
    """A stack another process has claimed (and is computing) is left for last, then taken when
    that process lets it go: two processes on one batch do not compute the same stack twice.
    The results come back in the configs' order; a store read only takes no claim."""
    import filelock

    from antidistill.experiment import run_many

    cfgs = [tiny(m, seed=s) for m in ("xavier", "zero_pad") for s in (0, 1)]
    store = Store(tmp_path)
    other = filelock.FileLock(store.claim("runs", cfgs[0].run_name, cfgs[0]).lock_file)
    other.acquire()  # another process computes the Xavier stack
    order = []

    def computed(stack, store, device, progress, kind):
        order.append(stack[0].method)
        if stack[0].method == "zero_pad":
            other.release()  # ... and finishes it meanwhile
        return [{"method": c.method, "seed": c.seed} for c in stack]

    monkeypatch.setattr(experiment_mod, "get_or_run_seeds", computed)
    runs = run_many(cfgs, store, "cpu", progress=False)
    assert order == ["zero_pad", "xavier"]
    assert [(r["method"], r["seed"]) for r in runs] == [(c.method, c.seed) for c in cfgs]
    reader = Store(tmp_path / "published", strict=True, read_only=True)
    run_many(cfgs, reader, "cpu", progress=False)
    assert not (tmp_path / "published").exists()
