"""The growth methods keep the properties that define them (function preservation above all)."""

from __future__ import annotations

import copy
import math

import pytest
import torch

from antidistill.data import C1, DataConfig
from antidistill.growth import (
    METHODS,
    GrowContext,
    GrowthConfig,
    copy_into,
    grow_seeds,
    net2net,
    net2wider,
    transfer,
    uniform_pad,
    wider_mappings,
    xavier,
    zero_pad,
)
from antidistill.losses import plain_ce
from antidistill.masks import ClassMask
from antidistill.models import STUDENT_BLOCKS, StackedMLP, student_model, teacher_model
from antidistill.protocol import AUTHORS, PAPER
from antidistill.seeding import Streams, derived_seed
from antidistill.train import TrainConfig, fit


def _ctx(seed=0, protocol=PAPER, **kwargs):
    return GrowContext(Streams(seed, protocol.single_stream), protocol, GrowthConfig(), **kwargs)


@pytest.fixture(scope="module")
def trained_teacher(fashion):
    """A teacher briefly trained on real D1 images (enough to be far from its init)."""
    d1 = DataConfig(n_train=3000, n_test=500).apply(fashion).d1()
    teacher = StackedMLP.stack([teacher_model(generator=torch.Generator().manual_seed(7))])
    mask = ClassMask(C1)
    (history,) = fit(
        teacher,
        d1.train,
        d1.test,
        TrainConfig(epochs=2, lr=1e-2),
        plain_ce(mask),
        mask,
        [torch.Generator().manual_seed(7)],
        progress=False,
    )
    assert history[-1]["val_acc"] > 0.6
    return teacher.member(0)


def test_registry_has_exactly_the_paper_methods():
    assert list(METHODS) == [
        "xavier",
        "zero_pad",
        "uniform_pad",
        "transfer",
        "net2net",
        "data_noise",
        "antidistill_l4_0",
        "antidistill",
    ]


@pytest.mark.parametrize("which", ["random", "trained"])
def test_net2net_preserves_the_function(which, trained_teacher, images64):
    x, _ = images64
    teacher = trained_teacher if which == "trained" else teacher_model(generator=torch.Generator().manual_seed(3))
    teacher = copy.deepcopy(teacher).double()  # .double() works in place; keep the fixture float32
    student = net2net(teacher, _ctx()).student.double()
    assert student.blocks == STUDENT_BLOCKS
    with torch.no_grad():
        gap = (student(x) - teacher(x)).abs().max().item()
    assert gap < 1e-6


def test_net2net_without_dividing_the_original_unit_breaks(trained_teacher, images64):
    x, _ = images64
    teacher = copy.deepcopy(trained_teacher).double()
    student = student_model().double()
    maps = wider_mappings(teacher, student.blocks, torch.Generator().manual_seed(0))
    net2wider(teacher, student, maps)
    with torch.no_grad():
        # Undo the division for the original copy of each replicated unit: its outgoing weights
        # keep the teacher's full value, so the next layer receives too much.
        for layer in range(1, len(student.linears)):
            counts = torch.bincount(maps[layer])
            n = teacher.linears[layer].in_features
            student.linears[layer].weight[:, :n] *= counts[:n].to(torch.float64)
        assert (counts[: maps[layer].max() + 1] > 1).any()
        gap = (student(x) - teacher(x)).abs().max().item()
    assert gap > 1e-3


def test_net2net_new_units_copy_teacher_units():
    teacher = teacher_model(generator=torch.Generator().manual_seed(1))
    maps = wider_mappings(teacher, STUDENT_BLOCKS, torch.Generator().manual_seed(0))
    assert [len(m) for m in maps] == [784, 256, 128, 64, 10]
    assert torch.equal(maps[1][:128], torch.arange(128)) and int(maps[1].max()) < 128
    again = wider_mappings(teacher, STUDENT_BLOCKS, torch.Generator().manual_seed(0))
    assert all(torch.equal(a, b) for a, b in zip(maps, again))


def test_net2net_noise_breaks_exactness(trained_teacher, images64):
    x, _ = images64
    ctx = GrowContext(Streams(0), PAPER, GrowthConfig(net2net_noise=1e-2))
    student = net2net(trained_teacher, ctx).student
    with torch.no_grad():
        assert (student(x.float()) - trained_teacher(x.float())).abs().max() > 1e-4


@pytest.mark.parametrize("protocol", [PAPER, AUTHORS], ids=["paper", "authors"])
def test_zero_pad_computes_the_teacher_exactly(protocol, images64):
    x, _ = images64
    teacher = teacher_model(protocol.output_relu, generator=torch.Generator().manual_seed(5)).double()
    student = zero_pad(teacher, _ctx(protocol=protocol)).student.double()
    with torch.no_grad():
        assert (student(x) - teacher(x)).abs().max() < 1e-12  # exact up to summation order


def test_uniform_pad_keeps_the_block_but_not_the_function(images64):
    x, _ = images64
    teacher = teacher_model(generator=torch.Generator().manual_seed(5)).double()
    student = uniform_pad(teacher, _ctx()).student.double()
    first = student.linears[0].weight
    assert torch.equal(first[:128], teacher.linears[0].weight)
    assert first[128:].abs().max() > 0 and first[128:].abs().max() <= 1 / 28
    with torch.no_grad():
        assert (student(x) - teacher(x)).abs().max() > 1e-3


def test_copy_into_writes_the_top_left_block():
    teacher, student = teacher_model(), student_model()
    copy_into(student, teacher)
    assert torch.equal(student.linears[3].weight[:10, :32], teacher.linears[3].weight)
    assert torch.equal(student.linears[1].bias[:64], teacher.linears[1].bias)


def test_transfer_copies_hidden_layers_and_draws_a_fresh_head():
    teacher = teacher_model(generator=torch.Generator().manual_seed(2))
    grown = transfer(teacher, _ctx())
    model = grown.student
    assert model.blocks == teacher.blocks and grown.head_only_epochs == 3
    for a, b in zip(model.linears[:-1], teacher.linears[:-1]):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    assert not torch.equal(model.linears[-1].weight, teacher.linears[-1].weight)


def test_transfer_trains_only_the_head_first(fashion):
    data = DataConfig(n_train=1024, n_test=256).apply(fashion)
    teacher = teacher_model(generator=torch.Generator().manual_seed(2))
    grown = transfer(teacher, _ctx())
    model = StackedMLP.stack([grown.student])
    before = [p.detach().clone() for p in model.parameters()]
    everything = ClassMask()
    fit(
        model,
        data.train,
        data.test,
        TrainConfig(epochs=1),
        plain_ce(everything),
        everything,
        [None],
        head_only_epochs=1,
        progress=False,
    )
    after = list(model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before[:-2], after[:-2]))
    assert not torch.equal(before[-1], after[-1])
    assert all(p.requires_grad for p in model.parameters())


def test_xavier_is_the_seeded_default_init():
    """Paper mode: the default init from the seed's own "student_init" stream. Authors mode:
    exactly what their `torch.manual_seed(seed); make_student_model()` drew."""
    a = xavier(None, _ctx(seed=11)).student
    torch.manual_seed(derived_seed(11, "student_init"))
    b = student_model()
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = xavier(None, _ctx(seed=11, protocol=AUTHORS)).student
    torch.manual_seed(11)
    d = student_model(output_relu=True)
    assert all(torch.equal(p, q) for p, q in zip(c.parameters(), d.parameters()))


def test_pretraining_methods_reject_missing_or_wrong_lambdas(fashion):
    data = DataConfig(n_train=512, n_test=128).apply(fashion)
    teacher = teacher_model()
    with pytest.raises(ValueError, match="needs lambdas"):
        METHODS["antidistill"](teacher, _ctx(data=data))
    with pytest.raises(ValueError, match="searches l1, l2, l3 only: l4 must be 0"):
        METHODS["antidistill_l4_0"](teacher, _ctx(data=data, lambdas=(1, 1, 1, 1)))
    with pytest.raises(ValueError, match="grows a trained teacher"):
        METHODS["zero_pad"](None, _ctx())


def test_anti_distillation_pretraining_runs_all_terms(fashion):
    data = DataConfig(n_train=512, n_test=128).apply(fashion)
    cfg = GrowthConfig(pretrain=TrainConfig(epochs=1, lr=5e-3, decay="exponential", gamma=0.85))
    ctx = GrowContext(Streams(0), PAPER, cfg, data=data, lambdas=(1.0, 0.1, 1.0, 0.1), progress=False)
    grown = grow_seeds(METHODS["antidistill"], [teacher_model()], [ctx])
    row = grown.pretrain_histories[0][-1]
    assert {"train_ce", "train_l2", "train_l3", "train_l4"} <= set(row)
    # One Rademacher probe per batch: the estimate of the (non-negative) trace may be negative.
    assert row["train_l2"] > 0 and math.isfinite(row["train_l4"])


def test_authors_zero_pad_is_the_teacher_itself(trained_teacher):
    grown = zero_pad(trained_teacher, _ctx(protocol=AUTHORS)).student
    assert grown.blocks == trained_teacher.blocks and grown is not trained_teacher
    assert all(torch.equal(a, b) for a, b in zip(grown.parameters(), trained_teacher.parameters()))
    assert zero_pad(trained_teacher, _ctx()).student.blocks == STUDENT_BLOCKS


@pytest.mark.parametrize("protocol", [PAPER, AUTHORS], ids=["paper", "authors"])
def test_net2net_preserves_the_function_in_both_modes(protocol, trained_teacher, images64):
    x, _ = images64
    teacher = copy.deepcopy(trained_teacher)
    teacher.output_relu = protocol.output_relu
    student = net2net(teacher, _ctx(protocol=protocol)).student.double()
    with torch.no_grad():
        assert (student(x) - teacher.double()(x)).abs().max().item() < 1e-6


@pytest.mark.parametrize("protocol, batches", [(PAPER, "d1"), (AUTHORS, "drop_in_batch")], ids=["paper", "authors"])
def test_pretraining_batches_follow_the_protocol(fashion, monkeypatch, protocol, batches):
    """Paper: D1's own batches. Authors: every training image in dataset order, classes 5-9
    dropped inside each batch of 256 (about twice as many steps an epoch)."""
    import antidistill.growth.pretrain as pretrain_mod

    data = DataConfig(n_train=2048, n_test=128).apply(fashion)
    seen = {}

    def spy(model, train, val, cfg, loss, mask, generators, **kwargs):
        seen.update(n=len(train), keep=kwargs.get("keep_classes"), shuffled=generators[0] is not None)
        return [[{"epoch": 0, "val_acc": 0.0}]]

    monkeypatch.setattr(pretrain_mod, "fit", spy)
    grow_seeds(METHODS["data_noise"], [None], [_ctx(protocol=protocol, data=data)])
    if batches == "d1":
        assert seen == {"n": len(data.d1().train), "keep": None, "shuffled": True}
    else:
        assert seen == {"n": 2048, "keep": C1, "shuffled": False}


@pytest.mark.parametrize("protocol", [PAPER, AUTHORS], ids=["paper", "authors"])
@pytest.mark.parametrize("method", ["xavier", "zero_pad", "uniform_pad", "transfer", "net2net"])
def test_grow_seeds_stacks_what_each_seed_grows(method, protocol, trained_teacher):
    """Growth is per seed (Net2Net with its own unit map per seed); the stack holds exactly the
    students each seed's own call gives."""
    teachers = [trained_teacher, copy.deepcopy(trained_teacher)]
    with torch.no_grad():  # two seeds, two different teachers: every method must then grow two students
        for p in teachers[1].parameters():
            p.mul_(1.5)
    stack = grow_seeds(METHODS[method], teachers, [_ctx(seed=s, protocol=protocol) for s in (0, 1)]).student
    for s in (0, 1):
        alone = METHODS[method](teachers[s], _ctx(seed=s, protocol=protocol)).student
        assert all(torch.equal(p, q[s]) for p, q in zip(alone.parameters(), stack.parameters()))
    assert not all(torch.equal(q[0], q[1]) for q in stack.parameters())


def test_which_lambdas_a_method_searches_is_declared_once():
    pytest.importorskip("optuna")  # the search module (not on the GPU machine)
    from antidistill.search import SEARCHED

    assert SEARCHED == {"antidistill_l4_0": ("l1", "l2", "l3"), "antidistill": ("l1", "l2", "l3", "l4")}
    assert METHODS["antidistill"].check_searched((1, 1, 1, 1)) == (1, 1, 1, 1)
    assert METHODS["antidistill_l4_0"].check_searched((0.5, 0, 1, 0)) == (0.5, 0, 1, 0)
    with pytest.raises(ValueError, match="l4 must be 0"):
        METHODS["antidistill_l4_0"].check_searched((1, 1, 1, 0.1))
