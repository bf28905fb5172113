"""engine.weight_noise gives each seed of a stack the reference weight-noise metric (``attacks.noisy_accuracy``) and draws xi as the reference does."""

from __future__ import annotations

import pytest
import torch
from conftest import one_student

from antidistill.attacks import AttackConfig, noisy_accuracy, weight_noise_curve
from antidistill.engine.weight_noise import draw_xi
from antidistill.models import StackedMLP
from antidistill.seeding import member_reference


def test_weight_noise_mean_meets_its_standard_error(small_test, trained):
    """Every eps stops at the first group of draws whose standard error is below the target,
    and the mean is the plain mean of that many independent draws."""
    cfg = AttackConfig(noise_se=0.01, noise_min_draws=8, noise_max_draws=400, noise_subset=250)
    grid = (0.01, 0.3)
    model = StackedMLP.stack([trained.member(0)])
    (curve,) = weight_noise_curve(model, small_test, grid, [torch.Generator().manual_seed(3)], cfg)
    assert all(se < 0.01 for se in curve.se) and all(k % 8 == 0 and k < 400 for k in curve.draws)
    assert curve.draws[1] > curve.draws[0]  # more noise, more spread, more draws
    # The reference, one model at a time: the same draws from the same generator state.
    ref = noisy_accuracy(trained.member(0), small_test, grid, torch.Generator().manual_seed(3), cfg)
    assert ref.draws == curve.draws
    assert ref.acc == pytest.approx(curve.acc, abs=1e-12) and ref.se == pytest.approx(curve.se, rel=1e-9)


@pytest.mark.parametrize("subset", [None, 200])
def test_each_seed_of_a_stack_gets_the_reference_metric(small_test, trained, subset):
    """Seeds that need different numbers of draws, scored at every eps from one split product:
    each seed's means, standard errors and draw counts are ``noisy_accuracy`` of that seed's model
    alone from its generator. The split product's logits differ from the shifted weights' in the
    last float32 bits (``test_engine_split_layer.py``), so the test allows an argmax to flip:
    at most one image in a draw, 1 / (images x draws) of a mean; measured here, none flips."""
    cfg = AttackConfig(noise_se=0.004, noise_min_draws=4, noise_max_draws=64, noise_subset=subset)
    grid = (0.0, 0.02, 0.2)
    curves = weight_noise_curve(trained, small_test, grid, [torch.Generator().manual_seed(s) for s in (5, 6)], cfg)
    images = subset or len(small_test)
    for s, curve in enumerate(curves):
        ref = noisy_accuracy(trained.member(s), small_test, grid, torch.Generator().manual_seed(5 + s), cfg)
        assert ref.draws == curve.draws
        for got, want, draws in zip(curve.acc, ref.acc, ref.draws):
            assert abs(got - want) <= 1 / (images * draws) + 1e-12
    assert curves[0].draws != curves[1].draws


def test_noise_is_torch_randn_of_each_member_written_in_place():
    """xi of a stack: member s gets what torch.randn of its own shapes gives from its generator,
    in order, also when drawn into reused tensors."""
    params = [p.detach() for p in StackedMLP.stack([one_student(0).member(0), one_student(1).member(0)]).parameters()]
    gens = lambda: [torch.Generator().manual_seed(s) for s in (7, 8)]  # noqa: E731
    mine = gens()
    buffers = [torch.full_like(p, float("nan")) for p in params]
    for _ in range(2):  # twice: the second draw continues the streams into the same tensors
        drawn = draw_xi(params, mine, buffers)
    ref_gens = gens()
    for _ in range(2):
        want = member_reference(params, ref_gens, "normal")
    assert all(torch.equal(d, w) for d, w in zip(drawn, want))
    assert all(d.data_ptr() == b.data_ptr() for d, b in zip(drawn, buffers))
    assert all(torch.equal(a.get_state(), b.get_state()) for a, b in zip(mine, ref_gens))
