"""FGSM and weight noise measure what they claim and leave the model untouched."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from antidistill.attacks import AttackConfig, fgsm, fgsm_curve, weight_noise_curve
from antidistill.data import DataConfig
from antidistill.losses import ClassMask, plain_ce
from antidistill.models import StackedMLP, stack_forward, student_model
from antidistill.train import TrainConfig, fit
from conftest import assert_same_as_alone


def one(seed=0):
    """A default-initialised student as a stack of one."""
    return StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(seed))])


@pytest.fixture(scope="module")
def small_test(fashion):
    return DataConfig(n_train=1, n_test=1000).apply(fashion).test


@pytest.fixture(scope="module")
def trained(fashion):
    """A student trained briefly on real data, so that noise has accuracy to destroy."""
    data = DataConfig(n_train=4096, n_test=1000).apply(fashion)
    model = StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(s)) for s in (0, 1)])
    fit(model, data.train, data.test, TrainConfig(epochs=2), plain_ce(ClassMask()), ClassMask(),
        [torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)], progress=False)
    return model


def _clean(model, split):
    with torch.no_grad():
        return ((model(model.broadcast(split.x)).argmax(-1) == split.y).double().mean(1)).tolist()


def test_default_grids_are_the_authors():
    cfg = AttackConfig()
    assert len(cfg.fgsm_eps) == 10 and cfg.fgsm_eps[0] == 0 and cfg.fgsm_eps[-1] == 0.018
    assert len(cfg.noise_eps) == 10 and cfg.noise_eps[-1] == 0.09 and not cfg.clamp


def test_fgsm_eps_zero_returns_x(small_test):
    x = small_test.x[None]
    assert torch.equal(fgsm(one(), x, small_test.y[None], 0.0), x)


def test_fgsm_moves_every_pixel_by_eps(small_test):
    model = one().double()
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
    model = one()
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


@pytest.mark.parametrize("output_relu", [False, True])
def test_fgsm_logits_are_the_models_on_the_attacked_images(small_test, output_relu):
    """All eps at once, the first layer split in two: the logits of the model on x + eps * sign(grad)."""
    from antidistill.attacks import fgsm_logits, input_gradient_sign

    model = StackedMLP.stack([student_model(output_relu, generator=torch.Generator().manual_seed(s)) for s in (0, 1)])
    x, y = model.broadcast(small_test.x[:300]), small_test.y[:300].expand(2, -1)
    direction = input_gradient_sign(model, x, y)
    eps = (0.0, 0.01, 0.3)
    attacked = [fgsm(model, x, y, e) for e in eps]
    with torch.no_grad():
        logits = fgsm_logits(model, x, direction, torch.tensor(eps, dtype=torch.float64))
        for j, images in enumerate(attacked):
            expected = model(images)
            assert (logits[j] - expected).abs().max() <= 1e-5 * expected.abs().max()  # float32 rounding
        assert torch.equal(logits[0], model(x))


def test_clamped_fgsm_curve_scores_the_clipped_images(small_test):
    model = one()
    grid = (0.0, 0.2)
    (curve,) = fgsm_curve(model, small_test, grid, clamp=True)
    x, y = model.broadcast(small_test.x), small_test.y.expand(1, -1)
    attacked = [fgsm(model, x, y, e, clamp=True) for e in grid]
    with torch.no_grad():
        expected = [float((model(images).argmax(-1) == y).double().mean()) for images in attacked]
    assert curve == pytest.approx(expected, abs=1e-12)
    assert curve != fgsm_curve(model, small_test, grid)  # clipping changes the attack


def test_weight_noise_leaves_weights_bit_identical(small_test, gen):
    model = one()
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


def test_weight_noise_mean_meets_its_standard_error(small_test, trained):
    """Every eps stops at the first group of draws whose standard error is below the target,
    and the mean is the plain mean of that many independent draws."""
    cfg = AttackConfig(noise_se=0.01, noise_min_draws=8, noise_max_draws=400, noise_subset=250)
    grid = (0.01, 0.3)
    model = StackedMLP.stack([trained.member(0)])
    (curve,) = weight_noise_curve(model, small_test, grid, [torch.Generator().manual_seed(3)], cfg)
    assert all(se < 0.01 for se in curve.se) and all(k % 8 == 0 and k < 400 for k in curve.draws)
    assert curve.draws[1] > curve.draws[0]  # more noise, more spread, more draws
    # Redo the largest eps by hand: the same draws (same generator state) give the same mean.
    from antidistill.attacks import _noisy_correct, _one_noise
    params = [p.detach() for p in model.parameters()]
    gen = torch.Generator().manual_seed(3)
    values = []
    for _ in range(curve.draws[1]):
        xi, x, y, _ = _one_noise(params, small_test, [gen], 250)  # xi, then the 250 images, as one draw
        values.append(_noisy_correct(model, params, xi, x, y, [0.3])[0, 0].item() / 250)
    assert curve.acc[1] == pytest.approx(sum(values) / len(values), abs=1e-12)
    sample = torch.tensor(values, dtype=torch.float64)
    assert curve.se[1] == pytest.approx(float(sample.std() / len(values) ** 0.5), rel=1e-9)


@pytest.mark.parametrize("output_relu", [False, True])
def test_noisy_logits_are_those_of_the_shifted_weights(small_test, output_relu):
    """The first layer's product split in two (clean + eps * noise) gives the logits of the
    weights w + eps * xi, for every eps at once, every member of a stack."""
    from antidistill.attacks import _draw, _shifted, noisy_logits

    model = StackedMLP.stack([student_model(output_relu, generator=torch.Generator().manual_seed(s)) for s in (0, 1)])
    params = [p.detach() for p in model.parameters()]
    xi = _draw(params, [torch.Generator().manual_seed(s) for s in (2, 3)])
    x = model.broadcast(small_test.x[:300])
    eps = (0.0, 0.03, 0.5)
    logits = noisy_logits(model, params, xi, x, torch.tensor(eps, dtype=torch.float64))
    assert logits.shape == (3, 2, 300, 10)
    for j, e in enumerate(eps):
        expected = stack_forward(model, _shifted(params, xi, e), x)
        assert (logits[j] - expected).abs().max() <= 1e-5 * expected.abs().max()  # float32 rounding
    assert torch.equal(logits[0], stack_forward(model, params, x))  # eps 0: the clean network
    assert not torch.allclose(logits[1], logits[0], atol=1e-3)


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
    alone = [weight_noise_curve(StackedMLP.stack([trained.member(s)]), small_test, grid, [gens()[s]], cfg, per_batch)[0]
             for s in (0, 1)]
    assert_same_as_alone([vars(c) for c in together], [vars(c) for c in alone])
    if not per_batch:
        assert together[0].draws != together[1].draws


def test_noise_is_torch_randn_of_each_member_written_in_place():
    """xi of a stack: member s gets what torch.randn of its own shapes gives from its generator,
    in order, also when drawn into reused tensors."""
    from antidistill.attacks import _draw

    params = [p.detach() for p in StackedMLP.stack([one(0).member(0), one(1).member(0)]).parameters()]
    gens = lambda: [torch.Generator().manual_seed(s) for s in (7, 8)]  # noqa: E731
    mine = gens()
    buffers = [torch.full_like(p, float("nan")) for p in params]
    for _ in range(2):  # twice: the second draw continues the streams into the same tensors
        drawn = _draw(params, mine, buffers)
    ref_gens = gens()
    for _ in range(2):
        per_member = [[torch.randn(p.shape[1:], generator=g) for p in params] for g in ref_gens]
    assert all(torch.equal(d, torch.stack([m[i] for m in per_member])) for i, d in enumerate(drawn))
    assert all(d.data_ptr() == b.data_ptr() for d, b in zip(drawn, buffers))
    assert all(torch.equal(a.get_state(), b.get_state()) for a, b in zip(mine, ref_gens))
