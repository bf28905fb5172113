"""The lambda search: seeded, resumable after an interruption, and its runs cached."""

from __future__ import annotations

import json
import re
import unittest.mock

import pytest
import torch

optuna = pytest.importorskip("optuna", reason="the lambda search needs optuna (tools/setup.sh installs it)")

from conftest import assert_same_as_alone

from antidistill import search as search_mod
from antidistill.config import override
from antidistill.profiles import PROFILES
from antidistill.search import SearchConfig, _lambdas_of, best_lambdas, importance_lambdas, run_search, startup_lambdas
from antidistill.store import Store


@pytest.fixture
def cfg():
    return SearchConfig("antidistill", "paper", PROFILES["smoke"], (0,))


def _params(study):
    return [t.params for t in study.trials if t.state.name == "COMPLETE"]


def test_search_is_seeded_and_lambdas_in_range(cfg, tmp_path, device):
    a = run_search(cfg, 2, Store(tmp_path / "a"), device=device, progress=False)
    b = run_search(cfg, 2, Store(tmp_path / "b"), device=device, progress=False)
    assert _params(a) == _params(b) and len(_params(a)) == 2
    assert all(0 <= v <= 1 for p in _params(a) for v in p.values())
    assert set(_params(a)[0]) == {"l1", "l2", "l3", "l4"}
    assert (tmp_path / "a" / "studies" / f"{cfg.study_name}.db").is_file()


def test_a_read_only_store_without_the_study_writes_nothing(cfg, tmp_path):
    from antidistill.store import NotStored

    with pytest.raises(NotStored, match=f"lacks the λ search {cfg.study_name}"):
        run_search(cfg, 2, Store(tmp_path, read_only=True), device="cpu", progress=False)
    assert not (tmp_path / "studies").exists()


def test_l4_0_search_never_suggests_l4(tmp_path, device):
    cfg = SearchConfig("antidistill_l4_0", "paper", PROFILES["smoke"], (0,))
    lambdas = best_lambdas(cfg, 1, Store(tmp_path), device=device, progress=False)
    assert lambdas[3] == 0.0


def test_more_trials_extend_the_study_and_reuse_runs(cfg, tmp_path, monkeypatch, device):
    store = Store(tmp_path)
    first = _params(run_search(cfg, 1, store, device=device, progress=False))
    calls = []
    real = search_mod.get_or_run_seeds
    monkeypatch.setattr(search_mod, "get_or_run_seeds", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    extended = run_search(cfg, 2, store, device=device, progress=False)
    assert _params(extended)[0] == first[0]
    # Only the new trial trained, all its seeds in one stack.
    assert [[r["cached"] for r in c] for c in calls] == [[False] * len(cfg.search_seeds)]


def test_interrupted_trial_is_resumed_with_the_same_lambdas(cfg, tmp_path, device):
    reference = _params(run_search(cfg, 2, Store(tmp_path / "ref"), device=device, progress=False))
    store = Store(tmp_path / "cut")
    run_search(cfg, 1, store, device=device, progress=False)
    # A killed process leaves its trial RUNNING in the storage file.
    study = optuna.load_study(
        study_name=cfg.study_name, storage=search_mod._storage(store, cfg), sampler=search_mod.sampler(cfg, 1)
    )
    study.ask({k: optuna.distributions.FloatDistribution(0, 1) for k in ("l1", "l2", "l3", "l4")})
    resumed = run_search(cfg, 2, store, device=device, progress=False)
    states = [t.state.name for t in resumed.trials]
    assert states == ["COMPLETE", "FAIL", "COMPLETE"] and resumed.trials[1].user_attrs["interrupted"]
    assert _params(resumed) == reference


def test_study_name_depends_on_what_defines_the_search():
    base = SearchConfig("antidistill", "paper", PROFILES["smoke"], (0, 1))
    assert base.study_name == SearchConfig("antidistill", "paper", PROFILES["smoke"], (0, 1)).study_name
    assert base.study_name != SearchConfig("antidistill", "paper", PROFILES["smoke"], (0, 2)).study_name
    assert base.study_name != SearchConfig("antidistill", "authors", PROFILES["smoke"], (0, 1)).study_name
    with pytest.raises(ValueError, match="only antidistill_l4_0, antidistill"):
        SearchConfig("xavier", "paper", PROFILES["smoke"], (0,))


def test_a_search_whose_trials_all_diverge_stops(cfg, tmp_path, monkeypatch, device):
    from antidistill.train import TrainingDiverged

    def diverge(*args, **kwargs):
        raise TrainingDiverged("loss is nan")

    monkeypatch.setattr(search_mod, "get_or_run_seeds", diverge)
    with pytest.raises(TrainingDiverged, match="3 trials diverged before 1 finished"):
        run_search(cfg, 1, Store(tmp_path), device=device, progress=False)


def _fake_study(n=8):
    names = ("l1", "l2", "l3", "l4")
    study = optuna.create_study(direction="maximize")
    dist = {k: optuna.distributions.FloatDistribution(0, 1) for k in names}
    gen = torch.Generator().manual_seed(0)
    for _ in range(n):
        params = dict(zip(names, torch.rand(4, generator=gen).tolist()))
        # The objective depends mostly on l4, then l3: importances should rank them first.
        value = 2 * params["l4"] + params["l3"] + 0.1 * params["l1"]
        study.add_trial(optuna.trial.create_trial(params=params, distributions=dist, value=value))
    return study


def test_importances_are_computed_once_per_set_of_finished_trials():
    """Kept per process (fANOVA is slow), but never for a study whose finished trials changed."""
    study = _fake_study()
    first = importance_lambdas(study, 0)
    assert importance_lambdas(study, 0) is first
    params = {"l1": 0.9, "l2": 0.9, "l3": 0.1, "l4": 0.1}
    dist = {k: optuna.distributions.FloatDistribution(0, 1) for k in params}
    study.add_trial(optuna.trial.create_trial(params=params, distributions=dist, value=5.0))
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
    now = tuple(optuna.importance.get_param_importances(study, evaluator=evaluator).values())
    assert importance_lambdas(study, 0) == now != first


def test_authors_full_anti_distillation_takes_importances_as_lambdas(tmp_path, monkeypatch):
    """Their final run: lambdas = the importance values, in importance order (most important first)."""
    study = _fake_study()
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
    expected = tuple(optuna.importance.get_param_importances(study, evaluator=evaluator).values())
    assert importance_lambdas(study, 0) == expected and expected[0] == max(expected)
    monkeypatch.setattr(search_mod, "run_search", lambda *a, **k: study)
    store = Store(tmp_path)
    authors = SearchConfig("antidistill", "authors", PROFILES["smoke"], (0,))
    assert best_lambdas(authors, 8, store, progress=False) == expected
    best = _lambdas_of(study.best_trial.params)
    assert best_lambdas(SearchConfig("antidistill", "paper", PROFILES["smoke"], (0,)), 8, store, progress=False) == best
    saved = json.loads((tmp_path / "studies" / f"{authors.study_name}.json").read_text())
    assert saved["final_lambdas_from"] == "importance" and saved["best_lambdas"] == list(best)
    # Asked again, the summary is the same and its file is not rewritten.
    path = tmp_path / "studies" / f"{authors.study_name}.json"
    path.chmod(0o444)
    try:
        assert best_lambdas(authors, 8, store, progress=False) == expected and path.stat().st_mode & 0o777 == 0o444
    finally:
        path.chmod(0o644)


@pytest.mark.parametrize("profile", ["quick", "paper"])
def test_search_trials_train_on_the_final_schedule(profile):
    """The final runs' schedule, but the authors' trials pre-train at most 10 epochs (their
    notebooks' range(10); 15 in their final runs), a profile's shorter pre-training kept."""
    for mode in ("paper", "authors"):
        cfg = SearchConfig("antidistill_l4_0", mode, PROFILES[profile], (0, 1, 2))
        final = PROFILES[profile].config("antidistill_l4_0", 0, mode, (1.0, 1.0, 1.0, 0.0))
        trial = cfg.trial_config(0, (1.0, 1.0, 1.0, 0.0))
        assert trial.student == final.student
        expected = final.growth.pretrain.epochs if mode == "paper" else min(10, final.growth.pretrain.epochs)
        assert trial.growth == override(final.growth, {"pretrain.epochs": expected})
        # Their search read FGSM after the plain student epochs, not their 30-epoch recordings.
        assert trial.protocol.recorded_epochs_factor == 1
    assert (
        SearchConfig("antidistill", "authors", PROFILES["paper"], (0,))
        .trial_config(0, (1.0, 1.0, 1.0, 1.0))
        .growth.pretrain.epochs
        == 10
    )


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_paper_mode_scores_trials_on_a_validation_split_and_authors_mode_on_the_test_split(profile):
    """Paper mode holds out a validation split the size of the test split the final runs report
    on (teachers included: the trial's whole data is the config's); authors mode keeps theirs."""
    trial = SearchConfig("antidistill", "paper", PROFILES[profile], (0,)).trial_config(0, (1.0,) * 4)
    final = PROFILES[profile].config("antidistill", 0, "paper", (1.0,) * 4)
    assert trial.data.validation == (final.data.n_test or 10000) and final.data.validation is None
    assert trial.teacher_config().data == trial.data
    authors = SearchConfig("antidistill", "authors", PROFILES[profile], (0,)).trial_config(0, (1.0,) * 4)
    assert authors.data.validation is None and authors.protocol.search_split == "test"


def test_ctrl_c_inside_a_trial_resumes_to_the_same_lambdas(cfg, tmp_path, monkeypatch, device):
    reference = _params(run_search(cfg, 2, Store(tmp_path / "ref"), device=device, progress=False))
    store = Store(tmp_path / "cut")
    run_search(cfg, 1, store, device=device, progress=False)
    real = search_mod.get_or_run_seeds

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(search_mod, "get_or_run_seeds", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_search(cfg, 2, store, device=device, progress=False)
    monkeypatch.setattr(search_mod, "get_or_run_seeds", real)
    resumed = run_search(cfg, 2, store, device=device, progress=False)
    assert [t.state.name for t in resumed.trials] == ["COMPLETE", "FAIL", "COMPLETE"]
    assert "diverged" not in resumed.trials[1].user_attrs and _params(resumed) == reference


def test_a_study_in_use_by_another_process_is_refused(cfg, tmp_path, device):
    import filelock

    store = Store(tmp_path)
    search_mod._storage(store, cfg)
    with filelock.FileLock(tmp_path / "studies" / f"{cfg.study_name}.lock"):
        with pytest.raises(RuntimeError, match="another process is using the study"):
            run_search(cfg, 1, store, device=device, progress=False)
    assert len(_params(run_search(cfg, 1, store, device=device, progress=False))) == 1


def test_a_finished_study_is_read_while_another_process_holds_its_lock(cfg, tmp_path, device):
    """The book's pages run side by side and each reads the λ: a finished study needs no lock,
    and reading it trains nothing; one more trial than it holds needs the lock again."""
    import filelock

    store = Store(tmp_path)
    first = _params(run_search(cfg, 1, store, device=device, progress=False))
    with filelock.FileLock(tmp_path / "studies" / f"{cfg.study_name}.lock"):
        with unittest.mock.patch.object(search_mod, "get_or_run_seeds", side_effect=AssertionError("trained")):
            assert _params(run_search(cfg, 1, store, device=device, progress=False)) == first
        with pytest.raises(RuntimeError, match="another process is using the study"):
            run_search(cfg, 2, store, device=device, progress=False)


def test_a_garbled_study_file_says_what_to_delete(cfg, tmp_path, device):
    store = Store(tmp_path)
    path = tmp_path / "studies" / f"{cfg.study_name}.db"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database " * 100)
    with pytest.raises(RuntimeError, match=f"{re.escape(str(path))} cannot be read .*delete it.*cached"):
        run_search(cfg, 1, store, device=device, progress=False)


@pytest.mark.slow  # a fresh Python process
def test_sigint_to_a_running_search_resumes_to_the_same_lambdas(cfg, tmp_path, device):
    """Ctrl-C as a terminal sends it: SIGINT to the process group, mid-search; the resumed search
    equals an uninterrupted one."""
    import os
    import signal
    import subprocess
    import sys
    import time

    reference = _params(run_search(cfg, 3, Store(tmp_path / "ref"), device=device, progress=False))
    # One trial per pre-run stack, so runs are saved one by one and the signal lands while the
    # search still trains (with all start-up trials in one stack the rest is cached and quick).
    # Python raises KeyboardInterrupt only if SIGINT was not ignored when it started, and a shell
    # starts background jobs with SIGINT ignored: the child restores the handler itself.
    script = (
        f"import signal; signal.signal(signal.SIGINT, signal.default_int_handler);"
        f"from antidistill.profiles import PROFILES; from antidistill.search import SearchConfig, run_search;"
        f"from antidistill.store import Store; import antidistill.search as s; s.PRERUN_MAX_RUNS = {{'cpu': 1, 'cuda': 1}};"
        f"run_search(SearchConfig('antidistill', 'paper', PROFILES['smoke'], (0,)), 3, "
        f"Store({str(tmp_path / 'cut')!r}), device={device!r}, progress=False)"
    )
    process = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 120
    while not list((tmp_path / "cut" / "search").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=120) != 0
    resumed = run_search(cfg, 3, Store(tmp_path / "cut"), device=device, progress=False)
    assert _params(resumed) == reference


def test_startup_trials_train_as_one_stack_and_change_nothing(tmp_path, monkeypatch, device):
    """The random start-up trials are trained ahead in one stack; the study (lambdas, values)
    is the one a trial-by-trial search gives."""
    cfg = SearchConfig("antidistill_l4_0", "paper", PROFILES["smoke"], (0, 1))
    sizes = []
    real = search_mod.get_or_run_seeds
    monkeypatch.setattr(
        search_mod, "get_or_run_seeds", lambda cfgs, *a, **k: sizes.append(len(cfgs)) or real(cfgs, *a, **k)
    )
    together = run_search(cfg, 3, Store(tmp_path / "stacked"), device=device, progress=False)
    assert sizes[0] == 6 and sizes[1:] == [2, 2, 2]  # one stack of 3 trials x 2 seeds, then three cached reads
    monkeypatch.setattr(search_mod, "_prerun_startup", lambda *a, **k: None)
    alone = run_search(cfg, 3, Store(tmp_path / "sequential"), device=device, progress=False)
    assert _params(together) == _params(alone)
    assert [startup_lambdas(cfg, k)[:3] for k in range(3)] == [tuple(p.values()) for p in _params(alone)]
    values = lambda study: [t.value for t in study.trials]  # noqa: E731
    if device == "cpu":
        assert_same_as_alone(values(together), values(alone))
    else:
        assert values(together) == pytest.approx(values(alone), abs=0.03)


def test_prerun_stacks_are_capped_by_the_device_type(tmp_path, monkeypatch):
    """3 start-up trials x 2 seeds under a CPU cap of 4 runs: stacks of 2 trials, then 1 (a
    diverged stack is skipped, so the chunks are seen without training anything)."""
    from antidistill.search import _prerun_startup
    from antidistill.train import TrainingDiverged

    sizes = []

    def record(cfgs, *args, **kwargs):
        sizes.append(len(cfgs))
        raise TrainingDiverged("not trained in this test")

    monkeypatch.setattr(search_mod, "get_or_run_seeds", record)
    monkeypatch.setattr(search_mod, "PRERUN_MAX_RUNS", {"cpu": 4, "cuda": 100})
    _prerun_startup(
        SearchConfig("antidistill_l4_0", "paper", PROFILES["smoke"], (0, 1)),
        0,
        3,
        Store(tmp_path),
        "cpu",
        progress=False,
    )
    assert sizes == [4, 2]
