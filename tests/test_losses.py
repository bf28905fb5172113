"""Each term of the composite loss computes what the paper defines, checked against exact values."""

from __future__ import annotations

import math

import pytest
import torch
from conftest import assert_same_as_alone, exact_batch, exact_mlp

from antidistill.config import override
from antidistill.growth import copy_into
from antidistill.losses import (
    CompositeLoss,
    LossConfig,
    check_lambdas,
    exact_hessian_trace,
    flat_ce,
    hutchinson_trace,
    projection_distance,
    quadratic_form,
    uniform_noise,
)
from antidistill.masks import ClassMask
from antidistill.models import MLP, StackedMLP, student_model, teacher_model
from antidistill.protocol import PAPER
from antidistill.seeding import member_reference


def one(model):
    """``model`` as a stack of one."""
    return StackedMLP.stack([model])


def _batch(gen, n, classes=5):
    """Images and labels with the leading seed axis of a stack of one."""
    return torch.rand(1, n, 28, 28, generator=gen), torch.randint(0, classes, (1, n), generator=gen)


def test_l2_is_zero_on_the_teacher_block_and_positive_otherwise():
    teacher = teacher_model(generator=torch.Generator().manual_seed(0))
    inside = copy_into(student_model(generator=torch.Generator().manual_seed(1)), teacher)
    student = StackedMLP.stack([inside, inside])
    teachers = StackedMLP.stack([teacher, teacher])
    assert projection_distance(student, teachers).tolist() == [0.0, 0.0]
    with torch.no_grad():
        student.linears[2].weight[1, 3, 5] += 0.5
        student.linears[0].weight[1, 200, 5] += 10.0  # outside Pr[w]: must not count
    assert projection_distance(student, teachers).tolist() == pytest.approx([0.0, 0.25])
    assert projection_distance(student, teachers, squared=False).tolist() == pytest.approx([0.0, 0.5])


def test_the_authors_l2_and_its_gradient_do_not_depend_on_the_thread_count(threads):
    """Their L2 is a norm, not its square: its gradient divides by the sum, whose last bits torch's
    plain sum takes from the thread count (the teacher's first layer alone is 100,352 weights)."""
    teachers = StackedMLP.stack([teacher_model(generator=torch.Generator().manual_seed(s)) for s in range(6)])

    def l2_and_gradient(count):
        threads(count)
        student = StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(s)) for s in range(6, 12)])
        l2 = projection_distance(student, teachers, squared=False)
        l2.sum().backward()
        return l2.tolist(), [p.grad.clone() for p in student.parameters()]

    l2, grads = l2_and_gradient(1)
    for count in (2, 3, 4):
        other_l2, other_grads = l2_and_gradient(count)
        assert other_l2 == l2 and all(torch.equal(a, b) for a, b in zip(grads, other_grads)), count


def test_l2_gradient_only_reaches_the_projected_block():
    teacher = teacher_model(generator=torch.Generator().manual_seed(0))
    student = one(student_model(generator=torch.Generator().manual_seed(1)))
    projection_distance(student, one(teacher)).sum().backward()
    grad = student.linears[1].weight.grad[0]
    assert grad[:64, :128].abs().min() > 0 and grad[64:].abs().max() == 0 and grad[:, 128:].abs().max() == 0


def test_uniform_noise_stays_in_the_delta_box(gen):
    x = torch.rand(2, 64, 28, 28, generator=gen)
    noisy = uniform_noise(x, 0.05, [gen, torch.Generator().manual_seed(8)])
    gap = (noisy - x).abs()
    assert gap.max() <= 0.05 and gap.mean() == pytest.approx(0.025, rel=0.05)
    assert not torch.equal(gap[0], gap[1])  # each seed its own noise


def test_quadratic_form_equals_exact_vHv():
    model = exact_mlp()
    x, y = exact_batch()
    loss_fn, flat0 = flat_ce(model, x, y)
    hessian = torch.autograd.functional.hessian(loss_fn, flat0)
    stack = one(model)
    params = list(stack.parameters())
    grads = torch.autograd.grad(ClassMask().ce(stack(x[None]), y[None]).sum(), params, create_graph=True)
    for kind in ("rademacher", "uniform"):
        v = member_reference(params, [torch.Generator().manual_seed(3)], kind)
        flat_v = torch.cat([t.flatten() for t in v])
        exact = flat_v @ hessian @ flat_v
        assert quadratic_form(grads, params, v).item() == pytest.approx(exact.item(), abs=1e-8)


def test_one_product_gives_each_seed_its_own_quadratic_form():
    """The Hessian of a sum of per-seed losses is block diagonal: in a stack of two models
    (different weights, different batches) each seed's v^T H v is its own exact value."""
    models, batches = [exact_mlp(0), exact_mlp(1)], [exact_batch(0), exact_batch(1)]
    stack = StackedMLP.stack(models)
    params = list(stack.parameters())
    x, y = torch.stack([b[0] for b in batches]), torch.stack([b[1] for b in batches])
    grads = torch.autograd.grad(ClassMask().ce(stack(x), y).sum(), params, create_graph=True)
    v = member_reference(params, [torch.Generator().manual_seed(3), torch.Generator().manual_seed(4)], "rademacher")
    together = quadratic_form(grads, params, v)
    for s, (model, (xs, ys)) in enumerate(zip(models, batches)):
        loss_fn, flat0 = flat_ce(model, xs, ys)
        flat_v = torch.cat([t[s].flatten() for t in v])
        exact = flat_v @ torch.autograd.functional.hessian(loss_fn, flat0) @ flat_v
        assert together[s].item() == pytest.approx(exact.item(), abs=1e-8)


def test_hutchinson_mean_is_within_three_standard_errors_of_the_trace():
    model = exact_mlp()
    x, y = exact_batch()
    trace = exact_hessian_trace(model, x, y)
    stack = one(model)
    params = list(stack.parameters())
    loss = ClassMask().ce(stack(x[None]), y[None]).sum()
    grads = torch.autograd.grad(loss, params, create_graph=True)
    gen = torch.Generator().manual_seed(0)
    draws = torch.cat(
        [quadratic_form(grads, params, member_reference(params, [gen], "rademacher"), False) for _ in range(2000)]
    ).detach()
    se = draws.std().item() / math.sqrt(len(draws))
    assert abs(draws.mean().item() - trace) < 3 * se
    assert trace > 0


def test_l4_gradient_matches_finite_differences():
    model = exact_mlp()
    x, y = exact_batch()
    loss_fn, flat0 = flat_ce(model, x, y)

    def l4(flat):
        # The same probes at every evaluation, so L4 is a deterministic function of w; the flat
        # vector [1, P] is a stack of one.
        return hutchinson_trace(loss_fn(flat[0])[None], [flat], [torch.Generator().manual_seed(5)], n_probes=2)

    assert torch.autograd.gradcheck(l4, (flat0[None].clone().requires_grad_(True),), eps=1e-6, atol=1e-6)


def test_authors_probe_takes_absolute_values():
    model = exact_mlp()
    x, y = exact_batch()
    stack = one(model)
    loss = ClassMask().ce(stack(x[None]), y[None])
    params = list(stack.parameters())
    signed = hutchinson_trace(loss, params, [torch.Generator().manual_seed(1)], probe="uniform")
    absolute = hutchinson_trace(loss, params, [torch.Generator().manual_seed(1)], probe="uniform", absolute=True)
    assert absolute.item() == pytest.approx(abs(signed.item()))


def test_composite_loss_combines_the_weighted_terms(gen):
    teacher = one(teacher_model(generator=torch.Generator().manual_seed(0)))
    student = one(student_model(generator=torch.Generator().manual_seed(1)))
    x, y = _batch(gen, 32)
    mask = ClassMask(tuple(range(5)))
    lambdas = (0.5, 0.01, 0.25, 0.1)
    total, terms, logits = CompositeLoss(
        lambdas,
        mask,
        PAPER,
        LossConfig(),
        [torch.Generator().manual_seed(9)],
        [torch.Generator().manual_seed(10)],
        teacher,
    )(student, x, y)
    assert set(terms) == {"ce", "l2", "l3", "l4"} and logits.shape == (1, 32, 10) and total.shape == (1,)
    assert total.item() == pytest.approx(
        sum(lam * terms[k] for lam, k in zip(lambdas, ("ce", "l2", "l3", "l4"))), rel=1e-5
    )
    assert terms["ce"] == pytest.approx(mask.ce(student(x), y).item(), rel=1e-6)
    total.sum().backward()
    assert all(p.grad is not None for p in student.parameters())


def test_zero_lambdas_skip_their_terms(gen):
    student = one(student_model())
    x, y = _batch(gen, 8)
    loss = CompositeLoss((1, 0, 1, 0), ClassMask((0, 1, 2, 3, 4)), PAPER, LossConfig(), [gen], [gen])
    _, terms, _ = loss(student, x, y)
    assert set(terms) == {"ce", "l3"}


def test_authors_l4_is_scaled_down(gen):
    student = one(student_model(generator=torch.Generator().manual_seed(1)))
    x, y = _batch(gen, 8)
    lambdas, mask = (0, 0, 0, 1), ClassMask(tuple(range(5)))
    paper = CompositeLoss(lambdas, mask, PAPER, LossConfig(), [gen], [torch.Generator().manual_seed(2)])
    paper = paper(student, x, y)[1]
    authors_like = CompositeLoss(
        lambdas, mask, override(PAPER, l4_scale=1e-4), LossConfig(), [gen], [torch.Generator().manual_seed(2)]
    )(student, x, y)[1]
    assert authors_like["l4"].item() == pytest.approx(paper["l4"].item() * 1e-4, rel=1e-5)


def test_class_masks():
    logits = torch.tensor([[1.0, 2.0, 3.0, 9.0]])
    assert torch.equal(ClassMask((0, 1)).scores(logits), logits[:, :2])
    assert torch.equal(ClassMask((0, 1), "zero").scores(logits), torch.tensor([[1.0, 2.0, 0.0, 0.0]]))
    assert ClassMask((0, 1, 2)).correct(logits, torch.tensor([2])).item() == 1
    # Per seed on a leading seed axis: seed 0 right, seed 1 wrong.
    stacked = torch.stack([logits, logits])
    assert ClassMask((0, 1, 2)).correct(stacked, torch.tensor([[2], [1]])).tolist() == [1, 0]
    ce = ClassMask((0, 1)).ce(stacked, torch.tensor([[1], [0]]))
    assert ce.tolist() == pytest.approx([math.log(1 + math.e**-1), math.log(1 + math.e)])
    with pytest.raises(ValueError):
        ClassMask((0, 1), "nope")


@pytest.mark.parametrize("bad", [(1, 2, 3), (1, -0.1, 0, 0), (float("nan"), 0, 0, 0)])
def test_bad_lambdas_are_rejected(bad):
    with pytest.raises(ValueError, match="lambda"):
        check_lambdas(bad)


@pytest.mark.parametrize("output_relu, how", [(False, "drop"), (True, "zero")])
def test_relu_mlp_cross_entropy_hessian_has_a_non_negative_diagonal(images64, output_relu, how):
    """Each weight enters the logits piecewise linearly and CE is convex in the logits, so every
    diagonal entry of the exact Hessian, and so the trace, is >= 0: L4 is bounded below by 0,
    and a negative L4 value can only be the noise of a Hutchinson estimate."""
    x, y = images64
    keep = y < 5
    small = torch.nn.functional.avg_pool2d(x[keep][:64, None], 4).flatten(1)  # 7x7 real images
    model = MLP(
        (6, 5), n_classes=10, output_relu=output_relu, n_inputs=49, generator=torch.Generator().manual_seed(3)
    ).double()
    mask = ClassMask(tuple(range(5)), how)
    loss, flat = flat_ce(model, small, y[keep][:64], mask)
    diagonal = torch.autograd.functional.hessian(loss, flat).diagonal()
    assert diagonal.min().item() >= -1e-12 and diagonal.sum().item() > 0


@pytest.mark.parametrize("scale", [1.0, 100.0])
def test_a_network_whose_relus_are_all_off_keeps_its_output_bias_curvature(images64, scale):
    """What the experiment chapter states: a constant output does not make the trace 0. With
    every ReLU off, only the last bias moves the logits, and the trace is that block's,
    sum_k p_k (1 - p_k) = 1 - sum_k p_k^2 over the kept classes: 0 only as p grows certain."""
    x, y = images64
    keep = y < 5
    small = torch.nn.functional.avg_pool2d(x[keep][:32, None], 4).flatten(1)
    model = MLP((6, 5), n_classes=10, n_inputs=49, generator=torch.Generator().manual_seed(3)).double()
    with torch.no_grad():
        for hidden in model.linears[:-1]:
            hidden.bias.fill_(-100.0)  # the images lie in [0, 1]: no unit turns on
        model.linears[-1].bias.copy_(scale * torch.linspace(-1, 1, 10, dtype=torch.float64))
    mask = ClassMask(tuple(range(5)), "drop")
    p = torch.softmax(model.linears[-1].bias[:5], 0)
    trace = exact_hessian_trace(model, small, y[keep][:32], mask)
    assert trace == pytest.approx(1 - (p**2).sum().item(), rel=1e-9)
    assert (trace > 0.5) if scale == 1.0 else (0 < trace < 1e-6)


def test_l4_without_gradient_adds_only_a_constant(gen):
    """The authors' switch: L4 is computed (same probes, same value) but trains nothing."""
    student = one(student_model(generator=torch.Generator().manual_seed(1)))
    x, y = _batch(gen, 8)
    mask = ClassMask(tuple(range(5)))
    values = {}
    for on in (True, False):
        loss = CompositeLoss(
            (0, 0, 0, 1), mask, override(PAPER, l4_gradient=on), LossConfig(), [gen], [torch.Generator().manual_seed(2)]
        )
        total, terms, _ = loss(student, x, y)
        values[on] = terms["l4"].item()
        grads = torch.autograd.grad(total.sum(), list(student.parameters()))
        assert any(g.abs().max() > 0 for g in grads) == on
    assert values[False] == pytest.approx(values[True], rel=1e-5)


def test_members_with_their_own_lambdas_equal_their_own_losses(gen):
    """λ-search trials share a stack: each member's total is its own composite loss."""
    teacher = teacher_model(generator=torch.Generator().manual_seed(0))
    students = [student_model(generator=torch.Generator().manual_seed(s)) for s in (1, 2)]
    x = torch.rand(2, 16, 28, 28, generator=gen)
    y = torch.randint(0, 5, (2, 16), generator=gen)
    mask, lambdas = ClassMask(tuple(range(5))), [(1.0, 0.01, 0.5, 0.2), (0.3, 0.2, 0.9, 0.7)]
    gens = lambda s: ([torch.Generator().manual_seed(10 + s)], [torch.Generator().manual_seed(20 + s)])  # noqa: E731
    both = CompositeLoss(
        lambdas,
        mask,
        PAPER,
        LossConfig(),
        [gens(0)[0][0], gens(1)[0][0]],
        [gens(0)[1][0], gens(1)[1][0]],
        StackedMLP.stack([teacher, teacher]),
    )
    total, terms, _ = both(StackedMLP.stack(students), x, y)
    for s in (0, 1):
        alone = CompositeLoss(lambdas[s], mask, PAPER, LossConfig(), *gens(s), one(teacher))
        total_s, terms_s, _ = alone(one(students[s]), x[s : s + 1], y[s : s + 1])
        assert_same_as_alone(
            [total[s], {k: terms[k][s] for k in terms}], [total_s[0], {k: terms_s[k][0] for k in terms}]
        )
    with pytest.raises(ValueError, match="same loss terms"):
        CompositeLoss(
            [(1, 0, 1, 0), (1, 0.5, 1, 0)],
            mask,
            PAPER,
            LossConfig(),
            [gen, gen],
            [gen, gen],
            StackedMLP.stack([teacher, teacher]),
        )


@pytest.mark.parametrize("mode", ["paper", "authors"])
def test_a_step_computes_the_same_from_draws_made_beforehand(mode):
    """CompositeLoss.draw makes a step's draws in the step's own order (noise, then each probe;
    in authors mode from one shared stream), so the loss on those draws is the loss that draws
    for itself, number for number, and the generators end where they would."""
    from antidistill.data import C1
    from antidistill.protocol import protocol_for
    from antidistill.seeding import Streams

    protocol = protocol_for(mode)
    x, y = torch.rand(2, 24, 28, 28), torch.randint(0, 5, (2, 24))
    teacher = StackedMLP.stack(
        [teacher_model(protocol.output_relu, generator=torch.Generator().manual_seed(s)) for s in (0, 1)]
    )
    results = []
    for beforehand in (False, True):
        streams = [Streams(s, single=protocol.single_stream) for s in (3, 4)]
        model = StackedMLP.stack(
            [student_model(protocol.output_relu, generator=torch.Generator().manual_seed(s)) for s in (0, 1)]
        )
        loss = CompositeLoss(
            (1.0, 0.01, 0.5, 0.1),
            ClassMask(C1, protocol.mask),
            protocol,
            LossConfig(n_probes=2),
            [st("input_noise") for st in streams],
            [st("probes") for st in streams],
            teacher,
        )
        total, terms, _ = loss(model, x, y, loss.draw(model, x)) if beforehand else loss(model, x, y)
        results.append((total.detach(), terms, [st("probes").get_state() for st in streams]))
    (total_a, terms_a, states_a), (total_b, terms_b, states_b) = results
    assert torch.equal(total_a, total_b) and all(torch.equal(terms_a[k], terms_b[k]) for k in terms_a)
    assert set(terms_a) == {"ce", "l2", "l3", "l4"}
    assert all(torch.equal(a, b) for a, b in zip(states_a, states_b))


def test_authors_draws_are_torch_rand_from_the_single_stream_in_order():
    """In authors mode a step draws from each seed's one stream torch.rand for the batch's noise,
    then for every parameter of every probe, in that order (``draw`` makes them as one fill per
    member: the same numbers, and the stream ends where those calls leave it)."""
    from antidistill.data import C1
    from antidistill.protocol import protocol_for
    from antidistill.seeding import Streams

    protocol = protocol_for("authors")
    assert protocol.single_stream and protocol.probe == "uniform"
    x = torch.rand(2, 24, 28, 28)
    model = StackedMLP.stack(
        [student_model(protocol.output_relu, generator=torch.Generator().manual_seed(s)) for s in (0, 1)]
    )
    streams = [Streams(s, single=True) for s in (3, 4)]
    loss = CompositeLoss(
        (1.0, 0.0, 0.5, 0.1),
        ClassMask(C1, protocol.mask),
        protocol,
        LossConfig(n_probes=2),
        [st("input_noise") for st in streams],
        [st("probes") for st in streams],
    )
    drawn = loss.draw(model, x)
    params = list(model.parameters())
    assert len(drawn) == 1 + 2 * len(params)
    for s, seed in enumerate((3, 4)):
        theirs = Streams(seed, single=True)("input_noise")
        want = [torch.rand(t.shape[1:], generator=theirs) for t in [x] + params + params]
        assert all(torch.equal(d[s], w) for d, w in zip(drawn, want))
        assert torch.equal(streams[s]("probes").get_state(), theirs.get_state())
