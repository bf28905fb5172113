"""FGSM and weight noise measure what they claim and leave the model untouched."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from antidistill.attacks import AttackConfig, fgsm, fgsm_curve, weight_noise_curve
from antidistill.data import DataConfig
from antidistill.losses import ClassMask, plain_ce
from antidistill.models import student_model
from antidistill.train import TrainConfig, fit


@pytest.fixture(scope="module")
def small_test(fashion):
    return DataConfig(n_train=1, n_test=1000).apply(fashion).test


@pytest.fixture(scope="module")
def trained(fashion):
    """A student trained briefly on real data, so that noise has accuracy to destroy."""
    data = DataConfig(n_train=4096, n_test=1000).apply(fashion)
    model = student_model(generator=torch.Generator().manual_seed(0))
    fit(model, data.train, data.test, TrainConfig(epochs=2), plain_ce(ClassMask()), ClassMask(),
        torch.Generator().manual_seed(0), progress=False)
    return model


def test_default_grids_are_the_authors():
    cfg = AttackConfig()
    assert len(cfg.fgsm_eps) == 10 and cfg.fgsm_eps[0] == 0 and cfg.fgsm_eps[-1] == 0.018
    assert len(cfg.noise_eps) == 10 and cfg.noise_eps[-1] == 0.09 and not cfg.clamp


def test_fgsm_eps_zero_returns_x(small_test):
    model = student_model(generator=torch.Generator().manual_seed(0))
    assert torch.equal(fgsm(model, small_test.x, small_test.y, 0.0), small_test.x)


def test_fgsm_moves_every_pixel_by_eps(small_test):
    model = student_model(generator=torch.Generator().manual_seed(0)).double()
    x = small_test.x.double()
    gap = (fgsm(model, x, small_test.y, 0.01) - x).abs()
    assert torch.allclose(gap, torch.full_like(gap, 0.01), atol=1e-12, rtol=0)
    clamped = fgsm(model, x, small_test.y, 0.01, clamp=True)
    assert clamped.min() >= 0 and clamped.max() <= 1


def test_fgsm_never_lowers_the_loss_of_a_linear_model(gen):
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10)).double()
    x = torch.rand(256, 28, 28, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 10, (256,), generator=gen)
    for eps in (0.001, 0.01, 0.1):
        before = F.cross_entropy(model(x), y, reduction="none")
        after = F.cross_entropy(model(fgsm(model, x, y, eps)), y, reduction="none")
        assert (after >= before - 1e-12).all()
        assert after.mean() > before.mean()


def test_fgsm_curve_starts_at_clean_accuracy_and_falls(small_test):
    model = student_model(generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        clean = (model(small_test.x).argmax(1) == small_test.y).float().mean().item()
    curve = fgsm_curve(model, small_test, (0.0, 0.05, 0.2))
    assert curve[0] == pytest.approx(clean)
    assert curve[2] <= curve[0]


def test_weight_noise_leaves_weights_bit_identical(small_test, gen):
    model = student_model(generator=torch.Generator().manual_seed(0))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    for per_batch in (False, True):
        weight_noise_curve(model, small_test, (0.0, 0.05, 0.5), gen, per_batch=per_batch)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_weight_noise_curve_is_seeded_and_hurts(small_test, trained):
    model = trained
    with torch.no_grad():
        clean = (model(small_test.x).argmax(1) == small_test.y).float().mean().item()
    grid = (0.0, 0.1, 1.0)
    a = weight_noise_curve(model, small_test, grid, torch.Generator().manual_seed(4))
    b = weight_noise_curve(model, small_test, grid, torch.Generator().manual_seed(4))
    c = weight_noise_curve(model, small_test, grid, torch.Generator().manual_seed(4), per_batch=True)
    assert a == b and a.acc[0] == pytest.approx(clean) and c.acc[0] == pytest.approx(clean)
    assert a.se[0] == 0 and c.se == [None] * 3
    assert a.acc[1] != c.acc[1]  # a new draw per batch is a different experiment
    assert clean > 0.6 and a.acc[2] < clean - 0.2


def test_weight_noise_mean_meets_its_standard_error(small_test, trained):
    """Every eps stops at the first group of draws whose standard error is below the target,
    and the mean is the plain mean of that many independent draws."""
    cfg = AttackConfig(noise_se=0.01, noise_min_draws=8, noise_max_draws=400, noise_subset=250)
    grid = (0.01, 0.3)
    curve = weight_noise_curve(trained, small_test, grid, torch.Generator().manual_seed(3), cfg)
    assert all(se < 0.01 for se in curve.se) and all(k % 8 == 0 and k < 400 for k in curve.draws)
    assert curve.draws[1] > curve.draws[0]  # more noise, more spread, more draws
    # Redo the largest eps by hand: the same draws (same generator state) give the same mean.
    from antidistill.attacks import _one_draw
    params = {n: p.detach() for n, p in trained.named_parameters()}
    gen = torch.Generator().manual_seed(3)
    values = [_one_draw(trained, params, small_test, 0.3, gen, 250) for _ in range(curve.draws[1])]
    assert curve.acc[1] == pytest.approx(sum(values) / len(values), abs=1e-12)
    sample = torch.tensor(values, dtype=torch.float64)
    assert curve.se[1] == pytest.approx(float(sample.std() / len(values) ** 0.5), rel=1e-9)


def test_weight_noise_stops_at_the_draw_cap(small_test, trained):
    cfg = AttackConfig(noise_se=1e-6, noise_min_draws=4, noise_max_draws=8)
    curve = weight_noise_curve(trained, small_test, (0.05,), torch.Generator().manual_seed(0), cfg)
    assert curve.draws == [8] and curve.se[0] > 1e-6
