"""Training: batching, determinism, the head-only phase, schedules, and divergence detection."""

from __future__ import annotations

import pytest
import torch
from conftest import assert_same_as_alone

from antidistill.data import C1, DataConfig
from antidistill.losses import plain_ce
from antidistill.masks import ClassMask
from antidistill.models import StackedMLP, teacher_model
from antidistill.train import TrainConfig, TrainingDiverged, batch_indices, fit


def teachers(*seeds):
    return StackedMLP.stack([teacher_model(generator=torch.Generator().manual_seed(s)) for s in seeds])


@pytest.fixture(scope="module")
def small(fashion):
    return DataConfig(n_train=2048, n_test=512).apply(fashion)


def test_batches_cover_the_data_once(gen):
    y = torch.arange(1000) % 10
    ordered = batch_indices(y, 256, [None])
    assert [b.shape for b in ordered] == [(1, 256)] * 3 + [(1, 232)]
    assert torch.equal(torch.cat(ordered, dim=1)[0], torch.arange(1000))
    g2 = torch.Generator().manual_seed(99)
    shuffled = torch.cat(batch_indices(y, 256, [gen, g2]), dim=1)
    for row in shuffled:  # each seed its own order, each a permutation
        assert not torch.equal(row, torch.arange(1000)) and torch.equal(row.sort().values, torch.arange(1000))
    assert not torch.equal(shuffled[0], shuffled[1])


def test_drop_in_batch_keeps_only_d1_inside_full_batches():
    y = torch.arange(1000) % 10
    batches = batch_indices(y, 256, [None, None], keep_classes=C1)
    # Cut into 256s first, then filtered: not 500 D1 samples re-batched into [256, 244].
    expected = [int((torch.arange(s, min(s + 256, 1000)) % 10 < 5).sum()) for s in range(0, 1000, 256)]
    assert [b.shape[1] for b in batches] == expected and sum(expected) == 500
    assert all((y[b] < 5).all() and torch.equal(b[0], b[1]) for b in batches)


def test_shuffled_drop_in_batch_refuses_unequal_seed_batches(gen):
    y = torch.arange(1000) % 10
    with pytest.raises(ValueError, match="one per stack"):
        batch_indices(y, 256, [gen, torch.Generator().manual_seed(5)], keep_classes=C1)
    assert sum(b.shape[1] for b in batch_indices(y, 256, [gen], keep_classes=C1)) == 500


def test_fit_records_history_and_is_deterministic(small):
    mask = ClassMask()
    cfg = TrainConfig(epochs=2, lr=1e-3)

    def once():
        model = teachers(0)
        (history,) = fit(
            model,
            small.train,
            small.test,
            cfg,
            plain_ce(mask),
            mask,
            [torch.Generator().manual_seed(0)],
            progress=False,
        )
        return model, history

    (m1, h1), (m2, h2) = once(), once()
    assert h1 == h2 and all(torch.equal(p, q) for p, q in zip(m1.parameters(), m2.parameters()))
    assert [row["epoch"] for row in h1] == [0, 1, 2]
    assert h1[2]["val_acc"] > h1[0]["val_acc"] and h1[2]["train_loss"] < h1[1]["train_loss"]


def test_step_schedule_divides_the_rate(small):
    mask = ClassMask(C1)
    cfg = TrainConfig(epochs=3, lr=1e-2, decay="step", gamma=0.1, milestones=(2,))
    d1 = small.d1()
    (history,) = fit(teachers(0), d1.train, d1.test, cfg, plain_ce(mask), mask, [None], progress=False)
    assert [round(row["lr"], 6) for row in history[1:]] == [1e-2, 1e-2, 1e-3]


def test_a_stack_trains_each_seed_as_it_trains_alone(small):
    """Adam on the stacked tensors is each seed's own Adam, every seed keeps its batch order:
    the stack of three gives the weights and histories of three separate fits (to the bit on the
    pinned code path, see conftest)."""
    mask = ClassMask()
    cfg = TrainConfig(epochs=2, lr=1e-3)
    gens = lambda seeds: [torch.Generator().manual_seed(10 + s) for s in seeds]  # noqa: E731
    stack = teachers(0, 1, 2)
    together = fit(stack, small.train, small.test, cfg, plain_ce(mask), mask, gens((0, 1, 2)), progress=False)
    for s in range(3):
        alone = teachers(s)
        (history,) = fit(alone, small.train, small.test, cfg, plain_ce(mask), mask, gens((s,)), progress=False)
        assert_same_as_alone(
            [together[s], [q[s] for q in stack.parameters()]], [history, [p[0] for p in alone.parameters()]]
        )
    assert together[0] != together[1]


def test_divergence_names_epoch_and_terms(small):
    mask = ClassMask()

    def exploding(model, x, y):
        logits = model(x)
        loss = mask.ce(logits, y) * torch.tensor([1.0, float("inf")])  # the second seed diverges
        return loss, {"ce": loss.detach()}, logits

    with pytest.raises(TrainingDiverged, match=r"epoch 1, batch 0 \(stack member 1\).*'ce': inf"):
        fit(
            teachers(0, 1),
            small.train,
            small.test,
            TrainConfig(epochs=1),
            exploding,
            mask,
            [None, None],
            progress=False,
        )


@pytest.mark.parametrize("bad", [dict(epochs=-1), dict(lr=0), dict(decay="cosine"), dict(batch_size=0)])
def test_bad_train_config_is_rejected(bad):
    with pytest.raises(ValueError):
        TrainConfig(**bad)
