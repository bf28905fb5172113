"""The results store: saved runs reused only when their config and code match, written atomically with the umask, damaged files recomputed with a warning."""

from __future__ import annotations

import json
import os
import re

import pytest
from conftest import outcome, tiny, valid_record

from antidistill import experiment as experiment_mod
from antidistill.config import override
from antidistill.experiment import get_or_run_seeds
from antidistill.store import Store, StoreWarning, atomic_write_json


def test_saved_run_is_reused_without_training(tmp_path, monkeypatch, device):
    store = Store(tmp_path)
    first = get_or_run_seeds([tiny("uniform_pad")], store, device=device, progress=False)[0]
    assert not first["cached"]

    def no_training(*args, **kwargs):
        raise AssertionError("a cached config must not train again")

    monkeypatch.setattr(experiment_mod, "fit", no_training)
    monkeypatch.setattr("antidistill.teachers.fit", no_training)
    second = get_or_run_seeds([tiny("uniform_pad")], store, device=device, progress=False)[0]
    assert second["cached"] and outcome(second) == outcome(first)
    # The teacher is cached too: a new student method on the same seed reuses it.
    monkeypatch.setattr(
        experiment_mod, "fit", lambda *a, **k: [[{"epoch": e, "val_acc": 0.5, "val_loss": 1.0} for e in (0, 1)]]
    )
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
    assert not again["cached"] and outcome(again) == outcome(first)
    assert len(store.results("runs")) == 1


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_a_corrupt_teacher_is_retrained_with_a_warning(damage, tmp_path, device):
    store = Store(tmp_path)
    first = get_or_run_seeds([tiny("zero_pad")], store, device=device, progress=False)[0]
    [weights] = (tmp_path / "teachers").glob("*.pt")
    weights.write_bytes(weights.read_bytes()[:100] if damage == "truncate" else b"")
    with pytest.warns(StoreWarning, match=re.escape(str(weights))):
        again = get_or_run_seeds([tiny("zero_pad")], store, device=device, progress=False, force=True)[0]
    assert again["teacher"]["cached"] is False and outcome(again) == outcome(first)
