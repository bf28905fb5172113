"""Training steps as CUDA graphs: used only where a step is fixed work, and training as the eager steps do."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from antidistill.data import C1, DataConfig
from antidistill.losses import ClassMask, CompositeLoss, LossConfig, plain_ce
from antidistill.models import StackedMLP, student_model, teacher_model
from antidistill.protocol import PAPER
from antidistill.seeding import Streams
from antidistill.steps import GRAPHS_ENV, Steps, make_optimizer, use_graphs
from antidistill.train import TrainConfig, _set_trainable, batch_indices, fit


def teachers(*seeds):
    return StackedMLP.stack([teacher_model(generator=torch.Generator().manual_seed(s)) for s in seeds])


def composite(lambdas):
    gens = [torch.Generator()]
    return CompositeLoss(lambdas, ClassMask(), PAPER, LossConfig(), gens, gens, teacher=teachers(0))


def test_graphs_only_on_cuda_for_losses_whose_draws_a_graph_can_hold(monkeypatch):
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert use_graphs(cuda, plain_ce(ClassMask()))
    assert use_graphs(cuda, composite((1.0, 0.5, 0.0, 0.0)))  # L2 is fixed work
    assert not use_graphs(cuda, composite((1.0, 0.5, 0.5, 0.0)))  # L3 draws input noise on the CPU
    assert not use_graphs(cuda, composite((1.0, 0.0, 0.0, 0.1)))  # L4 draws probes on the CPU
    # Draws from CUDA generators only: registered with the graph, each generator once.
    on_gpu = [SimpleNamespace(device=cuda) for _ in range(3)]
    l3_l4 = CompositeLoss((1.0, 0.0, 0.5, 0.1), ClassMask(), PAPER, LossConfig(), on_gpu[:2], [on_gpu[2], on_gpu[0]])
    assert use_graphs(cuda, l3_l4) and l3_l4.graph_generators == on_gpu
    l3 = CompositeLoss((1.0, 0.0, 0.5, 0.0), ClassMask(), PAPER, LossConfig(), on_gpu[:1], [torch.Generator()])
    assert use_graphs(cuda, l3) and l3.graph_generators == on_gpu[:1]  # its probe generator is never drawn
    mixed = CompositeLoss((1.0, 0.0, 0.5, 0.1), ClassMask(), PAPER, LossConfig(), on_gpu[:1], [torch.Generator()])
    assert not use_graphs(cuda, mixed)
    assert not use_graphs(cpu, plain_ce(ClassMask()))
    assert not use_graphs(cuda, lambda model, x, y: None)  # a loss that does not say it is safe
    monkeypatch.setenv(GRAPHS_ENV, "0")
    assert not use_graphs(cuda, plain_ce(ClassMask()))


@pytest.fixture(scope="module")
def small_cuda(fashion, device):
    if not device.startswith("cuda"):
        pytest.skip("CUDA graphs: run the tests with --device cuda on a GPU machine")
    return DataConfig(n_train=2048, n_test=512).apply(fashion).to(device)


def test_a_graphed_step_is_the_eager_step(small_cuda):
    """The same optimiser (capturable Adam), the same batches: replays give the eager steps' numbers,
    through a short last batch (a second graph) and a head-only phase (a third)."""
    mask, data = ClassMask(), small_cuda
    runs = []
    for graphs in (False, True):
        model = teachers(0, 1).to(data.train.x.device)
        steps = Steps(model, make_optimizer(model, 1e-3, graphs=True), plain_ce(mask), mask, graphs)
        out = []
        for head_only in (True, False, False):
            _set_trainable(model, head_only)
            for idx in batch_indices(data.train.y, 300, [torch.Generator().manual_seed(s) for s in (0, 1)]):
                loss, terms, correct = steps(data.train.x, data.train.y, idx)
                out.append((loss, terms["ce"], correct))
        runs.append((out, [p.detach().clone() for p in model.parameters()]))
    (eager, w_eager), (graphed, w_graphed) = runs
    assert all(torch.equal(a, b) for x, y in zip(eager, graphed) for a, b in zip(x, y))
    assert all(torch.equal(p, q) for p, q in zip(w_eager, w_graphed))


def test_a_graphed_step_with_random_draws_is_the_eager_step(small_cuda):
    """L2 + L3 + L4 with every member's noise and probes from its own CUDA generators: replays
    draw what eager steps draw (the generators registered with the graph advance as eager draws
    advance them), so losses, terms, weights and generator states match the eager run's."""
    mask, d1 = ClassMask(C1), small_cuda.d1()
    device = d1.train.x.device
    runs = []
    for graphs in (False, True):
        streams = [Streams(s, device=device) for s in (0, 1)]
        model = StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(s)) for s in (0, 1)]).to(device)
        loss_fn = CompositeLoss((1.0, 0.01, 0.5, 0.1), mask, PAPER, LossConfig(), [st("input_noise") for st in streams],
                                [st("probes") for st in streams], teacher=teachers(0, 1).to(device))
        assert loss_fn.graph_safe and len(loss_fn.graph_generators) == 4
        steps = Steps(model, make_optimizer(model, 1e-3, graphs=True), loss_fn, mask, graphs)
        out = []
        for idx in batch_indices(d1.train.y, 300, [torch.Generator().manual_seed(s) for s in (0, 1)]):
            loss, terms, correct = steps(d1.train.x, d1.train.y, idx)
            out.append((loss, *(terms[k] for k in ("ce", "l2", "l3", "l4")), correct))
        runs.append((out, [p.detach().clone() for p in model.parameters()],
                     [g.get_state() for g in loss_fn.graph_generators]))
    (eager, w_eager, g_eager), (graphed, w_graphed, g_graphed) = runs
    assert len(eager) > 3  # eager warm-up, capture and replays of the full batch, a short last batch
    assert all(torch.equal(a, b) for a, b in zip(g_eager, g_graphed))
    for x, y in zip(eager, graphed):
        for a, b in zip(x, y):
            torch.testing.assert_close(a, b)
    for p, q in zip(w_eager, w_graphed):
        torch.testing.assert_close(p, q)


def test_fit_with_graphs_trains_as_without(small_cuda, monkeypatch):
    """A learning-rate schedule reaches the graph (step decay after epoch 2), the head-only epoch
    and the short last batch get their own graphs, and the histories match eager training up to
    float rounding (eager training uses Adam's host-side step count; on an H100 the weights
    then differ by more than 1e-4 after three epochs at lr 1e-2, the histories by far less)."""
    mask = ClassMask(C1)
    d1 = small_cuda.d1()
    cfg = TrainConfig(epochs=3, lr=1e-2, batch_size=300, decay="step", gamma=0.1, milestones=(2,))
    results = []
    for flag in ("0", "1"):
        monkeypatch.setenv(GRAPHS_ENV, flag)
        model = teachers(0, 1).to(d1.train.x.device)
        first = [p.detach().clone() for p in model.parameters()]
        histories = fit(model, d1.train, d1.test, cfg, plain_ce(mask), mask,
                        [torch.Generator().manual_seed(s) for s in (0, 1)], head_only_epochs=1, progress=False)
        results.append((histories, model, first))
    (eager, _, _), (graphed, m_graphed, first) = results
    assert [round(r["lr"], 6) for r in graphed[0][1:]] == [1e-2, 1e-2, 1e-3]
    for h, g in zip(eager, graphed):
        for a, b in zip(h, g):
            assert a["val_acc"] == pytest.approx(b["val_acc"], abs=0.01)
            assert a.get("train_loss", 0) == pytest.approx(b.get("train_loss", 0), rel=1e-3)
    assert not torch.equal(first[0], next(m_graphed.parameters()))
