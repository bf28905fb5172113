"""Training: batching, determinism, the head-only phase, schedules, and divergence detection."""

from __future__ import annotations

import pytest
import torch

from antidistill.data import C1, DataConfig
from antidistill.losses import ClassMask, plain_ce
from antidistill.models import teacher_model
from antidistill.train import TrainConfig, TrainingDiverged, batch_indices, fit


@pytest.fixture(scope="module")
def small(fashion):
    return DataConfig(n_train=2048, n_test=512).apply(fashion)


def test_batches_cover_the_data_once(gen):
    y = torch.arange(1000) % 10
    ordered = batch_indices(y, 256, None)
    assert [len(b) for b in ordered] == [256, 256, 256, 232]
    assert torch.equal(torch.cat(ordered), torch.arange(1000))
    shuffled = torch.cat(batch_indices(y, 256, gen))
    assert not torch.equal(shuffled, torch.arange(1000)) and torch.equal(shuffled.sort().values, torch.arange(1000))


def test_drop_in_batch_keeps_only_d1_inside_full_batches():
    y = torch.arange(1000) % 10
    batches = batch_indices(y, 256, None, keep_classes=C1)
    # Cut into 256s first, then filtered: not 500 D1 samples re-batched into [256, 244].
    expected = [int((torch.arange(s, min(s + 256, 1000)) % 10 < 5).sum()) for s in range(0, 1000, 256)]
    assert [len(b) for b in batches] == expected and sum(expected) == 500
    assert all((y[b] < 5).all() for b in batches)


def test_fit_records_history_and_is_deterministic(small):
    mask = ClassMask()
    cfg = TrainConfig(epochs=2, lr=1e-3)

    def once():
        model = teacher_model(generator=torch.Generator().manual_seed(0))
        history = fit(model, small.train, small.test, cfg, plain_ce(mask), mask,
                      torch.Generator().manual_seed(0), progress=False)
        return model, history

    (m1, h1), (m2, h2) = once(), once()
    assert h1 == h2 and all(torch.equal(p, q) for p, q in zip(m1.parameters(), m2.parameters()))
    assert [row["epoch"] for row in h1] == [0, 1, 2]
    assert h1[2]["val_acc"] > h1[0]["val_acc"] and h1[2]["train_loss"] < h1[1]["train_loss"]


def test_step_schedule_divides_the_rate(small):
    mask = ClassMask(C1)
    cfg = TrainConfig(epochs=3, lr=1e-2, decay="step", gamma=0.1, milestones=(2,))
    d1 = small.d1()
    history = fit(teacher_model(), d1.train, d1.test, cfg, plain_ce(mask), mask, None, progress=False)
    assert [round(row["lr"], 6) for row in history[1:]] == [1e-2, 1e-2, 1e-3]


def test_divergence_names_epoch_and_terms(small):
    mask = ClassMask()

    def exploding(model, x, y):
        logits = model(x)
        loss = mask.ce(logits, y) * float("inf")
        return loss, {"ce": float("inf")}, logits

    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 0.*'ce': inf"):
        fit(teacher_model(), small.train, small.test, TrainConfig(epochs=1), exploding, mask, None, progress=False)


@pytest.mark.parametrize("bad", [dict(epochs=-1), dict(lr=0), dict(decay="cosine"), dict(batch_size=0)])
def test_bad_train_config_is_rejected(bad):
    with pytest.raises(ValueError):
        TrainConfig(**bad)
