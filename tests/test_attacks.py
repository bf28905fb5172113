"""FGSM and weight noise measure what they claim and leave the model untouched."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from conftest import assert_same_as_alone, one_student
from torch import nn

from antidistill.attacks import AttackConfig, fgsm, fgsm_curve, weight_noise_curve
from antidistill.models import StackedMLP


def _clean(model, split):
    with torch.no_grad():
        return ((model(model.broadcast(split.x)).argmax(-1) == split.y).double().mean(1)).tolist()


def test_default_grids_are_the_authors():
    cfg = AttackConfig()
    assert len(cfg.fgsm_eps) == 10 and cfg.fgsm_eps[0] == 0 and cfg.fgsm_eps[-1] == 0.018
    assert len(cfg.noise_eps) == 10 and cfg.noise_eps[-1] == 0.09 and not cfg.clamp


def test_fgsm_eps_zero_returns_x(small_test):
    x = small_test.x[None]
    assert torch.equal(fgsm(one_student(), x, small_test.y[None], 0.0), x)


def test_fgsm_moves_every_pixel_by_eps(small_test):
    model = one_student().double()
    x, y = small_test.x.double()[None], small_test.y[None]
    gap = (fgsm(model, x, y, 0.01) - x).abs()
    assert torch.allclose(gap, torch.full_like(gap, 0.01), atol=1e-12, rtol=0)
    clamped = fgsm(model, x, y, 0.01, clamp=True)
    assert clamped.min() >= 0 and clamped.max() <= 1


def test_fgsm_never_lowers_the_loss_of_a_linear_model(gen):
    model = nn.Sequential(nn.Flatten(2), nn.Linear(784, 10)).double()
    x = torch.rand(1, 256, 28, 28, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 10, (1, 256), generator=gen)
    for eps in (0.001, 0.01, 0.1):
        before = F.cross_entropy(model(x)[0], y[0], reduction="none")
        after = F.cross_entropy(model(fgsm(model, x, y, eps))[0], y[0], reduction="none")
        assert (after >= before - 1e-12).all()
        assert after.mean() > before.mean()


def test_fgsm_curve_starts_at_clean_accuracy_and_falls(small_test):
    model = one_student()
    (curve,) = fgsm_curve(model, small_test, (0.0, 0.05, 0.2))
    assert curve[0] == pytest.approx(_clean(model, small_test)[0])
    assert curve[2] <= curve[0]


def test_fgsm_curves_of_a_stack_are_those_of_its_seeds(small_test, trained):
    grid = (0.0, 0.01, 0.05)
    together = fgsm_curve(trained, small_test, grid)
    alone = [fgsm_curve(StackedMLP.stack([trained.member(s)]), small_test, grid)[0] for s in (0, 1)]
    assert_same_as_alone(together, alone)
    assert together[0] != together[1]


def test_fgsm_curve_does_not_depend_on_the_chunk(small_test, trained, monkeypatch):
    import antidistill.attacks as attacks_mod

    grid = (0.0, 0.01, 0.05)
    whole = fgsm_curve(trained, small_test, grid)
    monkeypatch.setattr(attacks_mod, "FGSM_IMAGES", 2 * 37)  # 37 images a chunk for the two members
    assert fgsm_curve(trained, small_test, grid) == whole


def test_clamped_fgsm_curve_scores_the_clipped_images(small_test):
    model = one_student()
    grid = (0.0, 0.2)
    (curve,) = fgsm_curve(model, small_test, grid, clamp=True)
    x, y = model.broadcast(small_test.x), small_test.y.expand(1, -1)
    attacked = [fgsm(model, x, y, e, clamp=True) for e in grid]
    with torch.no_grad():
        expected = [float((model(images).argmax(-1) == y).double().mean()) for images in attacked]
    assert curve == pytest.approx(expected, abs=1e-12)
    assert curve != fgsm_curve(model, small_test, grid)  # clipping changes the attack


def test_weight_noise_leaves_weights_bit_identical(small_test, gen):
    model = one_student()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    for per_batch in (False, True):
        weight_noise_curve(model, small_test, (0.0, 0.05, 0.5), [gen], per_batch=per_batch)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_weight_noise_curve_is_seeded_and_hurts(small_test, trained):
    model = StackedMLP.stack([trained.member(0)])
    clean = _clean(model, small_test)[0]
    grid = (0.0, 0.1, 1.0)
    whole = AttackConfig(noise_subset=None)  # every draw scored on the whole split: eps 0 is exact
    (a,) = weight_noise_curve(model, small_test, grid, [torch.Generator().manual_seed(4)], whole)
    (b,) = weight_noise_curve(model, small_test, grid, [torch.Generator().manual_seed(4)], whole)
    (c,) = weight_noise_curve(model, small_test, grid, [torch.Generator().manual_seed(4)], per_batch=True)
    (d,) = weight_noise_curve(model, small_test, grid, [torch.Generator().manual_seed(4)])  # random subsets
    assert abs(d.acc[0] - clean) < 4 * d.se[0] and abs(d.acc[2] - a.acc[2]) < 4 * (d.se[2] + a.se[2])
    assert a == b and a.acc[0] == pytest.approx(clean) and c.acc[0] == pytest.approx(clean)
    assert a.se[0] == 0 and c.se == [None] * 3
    assert a.acc[1] != c.acc[1]  # a new draw per batch is a different experiment
    assert clean > 0.6 and a.acc[2] < clean - 0.2


def test_weight_noise_stops_at_the_draw_cap(small_test, trained):
    cfg = AttackConfig(noise_se=1e-6, noise_min_draws=4, noise_max_draws=8)
    curves = weight_noise_curve(trained, small_test, (0.05,), [torch.Generator().manual_seed(s) for s in (0, 1)], cfg)
    assert [c.draws for c in curves] == [[8], [8]] and all(c.se[0] > 1e-6 for c in curves)


@pytest.mark.parametrize("per_batch", [False, True])
def test_weight_noise_of_a_stack_is_that_of_its_seeds(small_test, trained, per_batch):
    """Seeds that need different numbers of draws: each stops where it would alone."""
    cfg = AttackConfig(noise_se=0.004, noise_min_draws=4, noise_max_draws=64, noise_subset=200)
    grid = (0.0, 0.02, 0.2)
    gens = lambda: [torch.Generator().manual_seed(s) for s in (5, 6)]  # noqa: E731
    together = weight_noise_curve(trained, small_test, grid, gens(), cfg, per_batch)
    alone = [
        weight_noise_curve(StackedMLP.stack([trained.member(s)]), small_test, grid, [gens()[s]], cfg, per_batch)[0]
        for s in (0, 1)
    ]
    assert_same_as_alone([vars(c) for c in together], [vars(c) for c in alone])
    if not per_batch:
        assert together[0].draws != together[1].draws
