"""Training steps as CUDA graphs: used only where a step is fixed work, and training as the eager steps do."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from antidistill.data import C1, DataConfig
from antidistill.engine.steps import GRAPHS_ENV, Steps, make_optimizer, use_graphs
from antidistill.losses import CompositeLoss, GraphDraws, LossConfig, plain_ce
from antidistill.masks import ClassMask
from antidistill.models import StackedMLP, student_model, teacher_model
from antidistill.protocol import PAPER, protocol_for
from antidistill.seeding import Streams
from antidistill.train import TrainConfig, _set_trainable, batch_indices, fit


def teachers(*seeds):
    return StackedMLP.stack([teacher_model(generator=torch.Generator().manual_seed(s)) for s in seeds])


def composite(lambdas):
    gens = [torch.Generator()]
    return CompositeLoss(lambdas, ClassMask(), PAPER, LossConfig(), gens, gens, teacher=teachers(0))


def test_graphs_on_cuda_with_draws_in_the_graph_or_before_it(monkeypatch):
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert use_graphs(cuda, plain_ce(ClassMask()))
    l2 = composite((1.0, 0.5, 0.0, 0.0))  # fixed work
    assert use_graphs(cuda, l2) and l2.graph_draws == GraphDraws()  # nothing drawn
    for lambdas in ((1.0, 0.5, 0.5, 0.0), (1.0, 0.0, 0.0, 0.1)):  # L3 noise, L4 probes from CPU generators
        drawn_on_host = composite(lambdas)
        assert use_graphs(cuda, drawn_on_host) and drawn_on_host.graph_draws == GraphDraws(on_host=True)
    # Draws from CUDA generators only: in the graph, each generator registered once.
    on_gpu = [SimpleNamespace(device=cuda) for _ in range(3)]
    l3_l4 = CompositeLoss((1.0, 0.0, 0.5, 0.1), ClassMask(), PAPER, LossConfig(), on_gpu[:2], [on_gpu[2], on_gpu[0]])
    assert use_graphs(cuda, l3_l4) and l3_l4.graph_draws == GraphDraws(in_graph=tuple(on_gpu))
    l3 = CompositeLoss((1.0, 0.0, 0.5, 0.0), ClassMask(), PAPER, LossConfig(), on_gpu[:1], [torch.Generator()])
    assert l3.graph_draws == GraphDraws(in_graph=tuple(on_gpu[:1]))  # its probe generator is never drawn
    mixed = CompositeLoss((1.0, 0.0, 0.5, 0.1), ClassMask(), PAPER, LossConfig(), on_gpu[:1], [torch.Generator()])
    assert mixed.graph_draws == GraphDraws(on_host=True)
    assert not use_graphs(cpu, plain_ce(ClassMask()))
    assert not use_graphs(cuda, lambda model, x, y: None)  # not a Loss: its work is unknown
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


@pytest.mark.parametrize("mode", ["paper", "authors"])
def test_a_graphed_step_with_random_draws_is_the_eager_step(small_cuda, mode):
    """L2 + L3 + L4, every member drawing its noise and probes from its own streams: CUDA
    generators registered with the graph (paper), or the authors' single CPU stream drawn
    before each replay (with their drop-in-batch batches, one graph per batch size). Replays
    draw what eager steps draw, so losses, terms, weights and generator states match."""
    protocol = protocol_for(mode)
    mask, data = ClassMask(C1, protocol.mask), small_cuda
    device = data.train.x.device
    if mode == "paper":
        train, keep, epochs = data.d1().train, None, 1
    else:  # dataset order, so every epoch meets the same batch sizes: warm-up, capture, replay
        train, keep, epochs = data.train, C1, 3
    runs = []
    for graphs in (False, True):
        # Each run its own batch generators (the same seeds): the same batches.
        gens = [torch.Generator().manual_seed(s) for s in (0, 1)] if mode == "paper" else [None, None]
        streams = [Streams(s, single=protocol.single_stream, device=device) for s in (0, 1)]
        model = StackedMLP.stack(
            [student_model(protocol.output_relu, generator=torch.Generator().manual_seed(s)) for s in (0, 1)]
        ).to(device)
        loss_fn = CompositeLoss(
            (1.0, 0.01, 0.5, 0.1),
            mask,
            protocol,
            LossConfig(),
            [st("input_noise") for st in streams],
            [st("probes") for st in streams],
            teacher=teachers(0, 1).to(device),
        )
        assert loss_fn.graph_draws.on_host == (mode == "authors")
        assert len(loss_fn.graph_draws.in_graph) == (4 if mode == "paper" else 0)
        steps = Steps(model, make_optimizer(model, 1e-3, graphs=True), loss_fn, mask, graphs)
        out = []
        for _ in range(epochs):
            for idx in batch_indices(train.y, 300, gens, keep):
                loss, terms, correct = steps(train.x, train.y, idx)
                out.append((loss, *(terms[k] for k in ("ce", "l2", "l3", "l4")), correct))
        drawn = {id(g): g for g in [*loss_fn.noise_generators, *loss_fn.probe_generators]}.values()
        runs.append((out, [p.detach().clone() for p in model.parameters()], [g.get_state() for g in drawn]))
    (eager, w_eager, g_eager), (graphed, w_graphed, g_graphed) = runs
    assert len(eager) > 3  # eager warm-ups, captures and replays
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
        histories = fit(
            model,
            d1.train,
            d1.test,
            cfg,
            plain_ce(mask),
            mask,
            [torch.Generator().manual_seed(s) for s in (0, 1)],
            head_only_epochs=1,
            progress=False,
        )
        results.append((histories, model, first))
    (eager, _, _), (graphed, m_graphed, first) = results
    assert [round(r["lr"], 6) for r in graphed[0][1:]] == [1e-2, 1e-2, 1e-3]
    for h, g in zip(eager, graphed):
        for a, b in zip(h, g):
            assert a["val_acc"] == pytest.approx(b["val_acc"], abs=0.01)
            assert a.get("train_loss", 0) == pytest.approx(b.get("train_loss", 0), rel=1e-3)
    assert not torch.equal(first[0], next(m_graphed.parameters()))
