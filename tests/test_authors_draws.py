"""`authors` mode draws what the authors' loops draw, in their order and shape: each kind of draw
against a tiny copy of their loops (their structure, ``torch.utils.data.DataLoader`` itself)."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, TensorDataset

from antidistill import attacks
from antidistill.attacks import AttackConfig, fgsm_curve, weight_noise_curve
from antidistill.authors_draws import LoaderDraws, evaluation_passes, iterator_seed
from antidistill.data import C1, Split
from antidistill.losses import CompositeLoss, LossConfig, plain_ce
from antidistill.masks import ClassMask
from antidistill.models import StackedMLP, teacher_model
from antidistill.protocol import AUTHORS
from antidistill.seeding import Streams
from antidistill.train import TrainConfig, cut_batches, fit

SEED, BATCH = 7, 16  # 75 training batches: two quiet passes (after batches 0 and 50)


def _split(n: int, seed: int) -> Split:
    g = torch.Generator().manual_seed(seed)
    return Split(torch.rand(n, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g))


TRAIN, TEST = _split(1200, 1), _split(100, 2)


def _loader(split: Split, workers: int = 0) -> DataLoader:
    # Their get_data: images [B, 1, 28, 28], dataset order, their batch size (ours here).
    return DataLoader(
        TensorDataset(split.x.unsqueeze(1), split.y), shuffle=False, batch_size=BATCH, num_workers=workers
    )


def _stream() -> torch.Generator:
    return Streams(SEED, single=True)("student_batches")


def _student() -> StackedMLP:
    return StackedMLP.stack([teacher_model(output_relu=True, generator=torch.Generator().manual_seed(0))])


def test_a_dataloader_iterator_draws_one_int64_with_or_without_workers():
    for workers in (0, 2):
        torch.manual_seed(SEED)
        iterator = iter(_loader(TEST, workers))
        del iterator
        theirs = torch.rand(5)
        g = torch.Generator().manual_seed(SEED)
        iterator_seed(g)
        assert torch.equal(torch.rand(5, generator=g), theirs), workers


def test_student_training_draws_their_train_and_test_passes():
    """Their train_loop (after the per-batch logging: a quiet pass over the training set after
    every 50 batches) and test_loop, per epoch: no draw but the iterators'."""
    epochs, model = 2, _student()
    torch.manual_seed(SEED)
    train_loader, test_loader = _loader(TRAIN), _loader(TEST)
    for _ in range(epochs):
        for batch, _ in enumerate(train_loader):
            if batch % 50 == 0:
                for _ in train_loader:
                    pass
        for _ in test_loader:
            pass
    passes = evaluation_passes(AUTHORS, "transfer", len(train_loader))
    assert passes == 3 and evaluation_passes(AUTHORS, "xavier", len(train_loader)) == 1
    g = _stream()
    fit(
        model,
        TRAIN,
        TEST,
        TrainConfig(epochs=epochs, batch_size=BATCH),
        plain_ce(ClassMask()),
        ClassMask(),
        [None],
        loader=LoaderDraws((g,), passes),
        progress=False,
    )
    assert torch.equal(g.get_state(), torch.get_rng_state())


def test_pre_training_draws_noise_for_the_whole_batch_then_the_probe():
    """Their antidistil_loop: per batch, L3's noise for all images the loader gave (classes 5-9
    dropped after), then L4's probe, one U[0, 1) per parameter of the stacked parameter vector."""
    model = _student()
    n_params = sum(p[0].numel() for p in model.parameters())
    mask = torch.tensor([1, 1, 1, 1, 1, 0, 0, 0, 0, 0], dtype=torch.float)
    torch.manual_seed(SEED)
    theirs = []
    for epoch in range(2):
        for X, y in _loader(TRAIN):
            noise = torch.rand(*X.shape)
            keep = torch.as_tensor([bool(mask[e]) for e in y])
            theirs.append((noise[keep].flatten(1), torch.rand(n_params)))
    their_state = torch.get_rng_state()

    g = _stream()
    loss = CompositeLoss((1.0, 0.0, 1.0, 1.0), ClassMask(C1, "zero"), AUTHORS, LossConfig(), [g], [g])
    ours = []
    for epoch in range(2):
        LoaderDraws((g,)).before_epoch()
        for idx, cut in cut_batches(TRAIN.y, BATCH, [None], C1):
            noise, *probe = loss.draw(model, TRAIN.x[idx], cut)
            ours.append((noise[0].flatten(1), torch.cat([p[0].flatten() for p in probe])))
    assert len(ours) == len(theirs)
    for (n_ours, p_ours), (n_theirs, p_theirs) in zip(ours, theirs):
        assert torch.equal(n_ours, n_theirs) and torch.equal(p_ours, p_theirs)
    assert torch.equal(g.get_state(), their_state)

    # fit makes the same draws: the same stream afterwards.
    g = _stream()
    loss = CompositeLoss((1.0, 0.0, 1.0, 1.0), ClassMask(C1, "zero"), AUTHORS, LossConfig(), [g], [g])
    fit(
        model,
        TRAIN,
        TEST,
        TrainConfig(epochs=2, batch_size=BATCH),
        loss,
        ClassMask(C1, "zero"),
        [None],
        keep_classes=C1,
        loader=LoaderDraws((g,)),
        progress=False,
    )
    assert torch.equal(g.get_state(), their_state)


def test_the_attacks_draw_their_iterators_and_weight_noise(monkeypatch):
    """Their test_loop_fsgm (an iterator per eps) and test_loop_noise (an iterator per eps, then
    per batch one randn per parameter, in parameters() order)."""
    model, fgsm_eps, noise_eps = _student(), (0.0, 0.01, 0.02), (0.0, 0.05)
    shapes = [p.shape[1:] for p in model.parameters()]
    torch.manual_seed(SEED)
    test_loader = _loader(TEST)
    for _ in fgsm_eps:
        for _ in test_loader:
            pass
    after_fgsm = torch.get_rng_state()
    their_xi = []
    for _ in noise_eps:
        for _ in test_loader:
            their_xi.append([torch.randn(shape) for shape in shapes])

    drawn, draw = [], attacks.draw_xi

    def recording(*args, **kwargs):
        xi = draw(*args, **kwargs)
        drawn.append([t[0].clone() for t in xi])
        return xi

    monkeypatch.setattr(attacks, "draw_xi", recording)
    g = _stream()
    fgsm_curve(model, TEST, fgsm_eps, loader=LoaderDraws((g,)))
    assert torch.equal(g.get_state(), after_fgsm)
    weight_noise_curve(
        model, TEST, noise_eps, [g], AttackConfig(noise_batch=BATCH), per_batch=True, loader=LoaderDraws((g,))
    )
    assert len(drawn) == len(their_xi)
    assert all(torch.equal(a, b) for ours, theirs in zip(drawn, their_xi) for a, b in zip(ours, theirs))
    assert torch.equal(g.get_state(), torch.get_rng_state())
