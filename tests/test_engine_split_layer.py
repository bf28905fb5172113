"""engine.split_layer: every eps from one split first-layer product gives the logits of the plain way, to float32 rounding."""

from __future__ import annotations

import pytest
import torch

from antidistill.attacks import _shifted, fgsm, input_gradient_sign
from antidistill.engine.split_layer import fgsm_logits, noisy_logits
from antidistill.models import StackedMLP, stack_forward, student_model
from antidistill.seeding import member_reference


@pytest.mark.parametrize("output_relu", [False, True])
def test_fgsm_logits_are_the_models_on_the_attacked_images(small_test, output_relu):
    """All eps at once, the first layer split in two: the logits of the model on x + eps * sign(grad)."""
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


@pytest.mark.parametrize("output_relu", [False, True])
def test_noisy_logits_are_those_of_the_shifted_weights(small_test, output_relu):
    """The first layer's product split in two (clean + eps * noise) gives the logits of the
    weights w + eps * xi, for every eps at once, every member of a stack."""
    model = StackedMLP.stack([student_model(output_relu, generator=torch.Generator().manual_seed(s)) for s in (0, 1)])
    params = [p.detach() for p in model.parameters()]
    xi = member_reference(params, [torch.Generator().manual_seed(s) for s in (2, 3)], "normal")
    x = model.broadcast(small_test.x[:300])
    eps = (0.0, 0.03, 0.5)
    logits = noisy_logits(model, params, xi, x, torch.tensor(eps, dtype=torch.float64))
    assert logits.shape == (3, 2, 300, 10)
    for j, e in enumerate(eps):
        expected = stack_forward(model, _shifted(params, xi, e), x)
        assert (logits[j] - expected).abs().max() <= 1e-5 * expected.abs().max()  # float32 rounding
    assert torch.equal(logits[0], stack_forward(model, params, x))  # eps 0: the clean network
    assert not torch.allclose(logits[1], logits[0], atol=1e-3)
