"""The lambda search: seeded, resumable after an interruption, and its runs cached."""

from __future__ import annotations

import optuna
import pytest

from antidistill import search as search_mod
from antidistill.profiles import PROFILES
from antidistill.search import SearchConfig, best_lambdas, run_search
from antidistill.store import Store


@pytest.fixture
def cfg():
    return SearchConfig("antidistill", "paper", PROFILES["smoke"], (0,))


def _params(study):
    return [t.params for t in study.trials if t.state.name == "COMPLETE"]


def test_search_is_seeded_and_lambdas_in_range(cfg, tmp_path):
    a = run_search(cfg, 2, Store(tmp_path / "a"), device="cpu", progress=False)
    b = run_search(cfg, 2, Store(tmp_path / "b"), device="cpu", progress=False)
    assert _params(a) == _params(b) and len(_params(a)) == 2
    assert all(0 <= v <= 1 for p in _params(a) for v in p.values())
    assert set(_params(a)[0]) == {"l1", "l2", "l3", "l4"}
    assert (tmp_path / "a" / "studies" / f"{cfg.study_name}.db").is_file()


def test_l4_0_search_never_suggests_l4(tmp_path):
    cfg = SearchConfig("antidistill_l4_0", "paper", PROFILES["smoke"], (0,))
    lambdas = best_lambdas(cfg, 1, Store(tmp_path), device="cpu", progress=False)
    assert lambdas[3] == 0.0


def test_more_trials_extend_the_study_and_reuse_runs(cfg, tmp_path, monkeypatch):
    store = Store(tmp_path)
    first = _params(run_search(cfg, 1, store, device="cpu", progress=False))
    calls = []
    real = search_mod.get_or_run
    monkeypatch.setattr(search_mod, "get_or_run", lambda *a, **k: calls.append(real(*a, **k)) or calls[-1])
    extended = run_search(cfg, 2, store, device="cpu", progress=False)
    assert _params(extended)[0] == first[0]
    assert [c["cached"] for c in calls] == [False]  # only the new trial trained


def test_interrupted_trial_is_resumed_with_the_same_lambdas(cfg, tmp_path):
    reference = _params(run_search(cfg, 2, Store(tmp_path / "ref"), device="cpu", progress=False))
    store = Store(tmp_path / "cut")
    run_search(cfg, 1, store, device="cpu", progress=False)
    # A killed process leaves its trial RUNNING in the storage file.
    study = optuna.load_study(study_name=cfg.study_name, storage=search_mod._storage(store, cfg),
                              sampler=optuna.samplers.TPESampler(seed=cfg.sampler_seed * 100003 + 1))
    study.ask({k: optuna.distributions.FloatDistribution(0, 1) for k in ("l1", "l2", "l3", "l4")})
    resumed = run_search(cfg, 2, store, device="cpu", progress=False)
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


def test_a_search_whose_trials_all_diverge_stops(cfg, tmp_path, monkeypatch):
    from antidistill.train import TrainingDiverged

    def diverge(*args, **kwargs):
        raise TrainingDiverged("loss is nan")

    monkeypatch.setattr(search_mod, "get_or_run", diverge)
    with pytest.raises(TrainingDiverged, match="3 trials diverged before 1 finished"):
        run_search(cfg, 1, Store(tmp_path), device="cpu", progress=False)
