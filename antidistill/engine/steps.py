"""One training step of a stack (gather, loss, backward, Adam), eager or replayed as a CUDA graph.

On a GPU a step of these small MLPs is a few dozen tiny kernels, and launching them costs more
than running them; a CUDA graph launches the whole step at once (``python -m antidistill graph-probe``
times an epoch both ways, for one seed and for stacks).
A graph replays fixed kernels on fixed memory, so it is used only where a step's work is fixed:
on CUDA, for a ``losses.Loss``. A loss's random draws (L3 noise, L4 probes) reach the graph in
one of two ways (its ``graph_draws``). Per-member CUDA generators (``in_graph``) are
registered with the graph, which reads their state at every replay and advances it by what one
step draws, so replays draw what eager steps would (PyTorch's graph-safe RNG). CPU generators
(the authors' single stream, ``on_host``) cannot run inside a graph: before each replay the
step's numbers are drawn on the host (``loss.draw``, in the order an eager step draws them) and
copied into the graph's input tensors, as the batch indices are. One graph is captured per
batch shape and set of trainable tensors (a short last batch, head-only epochs, the authors'
drop-in-batch sizes), after one eager step of that kind has run (the warm-up a capture needs;
it is a real training step). Adam then keeps its step count and learning rate on the device
(``capturable``), so a learning-rate schedule still reaches the graph.
"""

from __future__ import annotations

import os
from typing import Callable

import torch

from ..authors_draws import Cut
from ..data import take
from ..losses import Loss
from ..masks import ClassMask
from ..models import StackedMLP
from .adam import MemberAdam

# Set to 0 to train every step eagerly on CUDA too (to compare, or to debug a step).
GRAPHS_ENV = "ANTIDISTILL_CUDA_GRAPHS"

StepOutput = tuple[torch.Tensor, dict[str, torch.Tensor], torch.Tensor]


def use_graphs(device: torch.device, loss_fn: Loss) -> bool:
    """Whether ``fit`` replays its steps as CUDA graphs: on CUDA, for a ``Loss`` (whose draws say
    how they reach a graph; any other callable may do work a graph cannot replay) whose CUDA
    generators, if any, this torch can register with a graph, unless the environment variable
    ANTIDISTILL_CUDA_GRAPHS is 0."""
    if not isinstance(loss_fn, Loss):
        return False
    registers = not loss_fn.graph_draws.in_graph or hasattr(torch.cuda.CUDAGraph, "register_generator_state")
    return device.type == "cuda" and registers and os.environ.get(GRAPHS_ENV, "1") != "0"


def make_optimizer(model: StackedMLP, lr: float, graphs: bool) -> torch.optim.Adam:
    """Adam over the stacked tensors: fused per member on the CPU (``engine.adam.MemberAdam``); on CUDA
    torch's fused Adam (one pass over all tensors; every element updated alike, whatever the
    stack), keeping its learning rate on the device when the step is a graph.

    Fused, not foreach, on CUDA: the foreach update makes one memory-bound pass over every
    parameter and its moments per elementwise op (2.4 M parameters for a stack of 10 students);
    the fused kernel makes one pass in all (``python -m antidistill graph-probe`` times both)."""
    device = next(model.parameters()).device
    if device.type == "cpu":
        return MemberAdam(model.parameters(), lr=lr)
    if graphs:
        return torch.optim.Adam(model.parameters(), lr=torch.tensor(lr, device=device), fused=True, capturable=True)
    return torch.optim.Adam(model.parameters(), lr=lr, fused=True)


class Steps:
    """``steps(x_all, y_all, idx, cut)`` trains ``model`` on the batch ``idx`` [S, B] of every
    member and returns each member's loss [S], the terms, and the correct predictions [S]
    (detached). ``cut`` (``authors_draws.Cut``): the batch ``idx`` was cut from, which the
    authors' single stream draws L3's noise for."""

    def __init__(
        self, model: StackedMLP, optimizer: torch.optim.Optimizer, loss_fn: Loss, mask: ClassMask, graphs: bool
    ) -> None:
        self.model, self.optimizer, self.loss_fn, self.mask, self.graphs = model, optimizer, loss_fn, mask, graphs
        self._warm: set[tuple] = set()
        self._graphs: dict[tuple, tuple[torch.cuda.CUDAGraph, torch.Tensor, list[torch.Tensor], StepOutput]] = {}

    def _step(
        self,
        x_all: torch.Tensor,
        y_all: torch.Tensor,
        idx: torch.Tensor,
        draws: list[torch.Tensor] | None = None,
        cut: Cut | None = None,
    ) -> StepOutput:
        x, y = take(x_all, idx), take(y_all, idx)
        if draws is None and cut is not None:
            draws = self.loss_fn.draw(self.model, x, cut)
        per_seed, terms, logits = (
            self.loss_fn(self.model, x, y) if draws is None else self.loss_fn(self.model, x, y, draws)
        )
        per_seed.sum().backward()
        self.optimizer.step()
        return per_seed.detach(), terms, self.mask.correct(logits.detach(), y)

    def __call__(
        self, x_all: torch.Tensor, y_all: torch.Tensor, idx: torch.Tensor, cut: Cut | None = None
    ) -> StepOutput:
        if not self.graphs:
            return self._eager(x_all, y_all, idx, cut)
        key = (tuple(idx.shape), tuple(p.requires_grad for p in self.model.parameters()))
        if key not in self._warm:
            self._warm.add(key)
            return self._on_side_stream(lambda: self._eager(x_all, y_all, idx, cut))
        draws = None
        if self.loss_fn.graph_draws.on_host:
            # Only the batch's shape matters to the draws: a view of one image stands in for it.
            like = x_all[:1].unsqueeze(0).expand(*idx.shape, *x_all.shape[1:])
            draws = self.loss_fn.draw(self.model, like, cut)
        if key not in self._graphs:
            self._graphs[key] = self._capture(x_all, y_all, idx, draws)
        graph, static_idx, static_draws, out = self._graphs[key]
        static_idx.copy_(idx)
        for static, drawn in zip(static_draws, draws or ()):
            static.copy_(drawn)
        graph.replay()
        loss, terms, correct = out
        # The graph's outputs are overwritten by its next replay.
        return loss.clone(), {k: v.clone() for k, v in terms.items()}, correct.clone()

    def _eager(self, x_all: torch.Tensor, y_all: torch.Tensor, idx: torch.Tensor, cut: Cut | None) -> StepOutput:
        self.optimizer.zero_grad(set_to_none=True)
        return self._step(x_all, y_all, idx, cut=cut)

    @staticmethod
    def _on_side_stream(fn: Callable[[], StepOutput]) -> StepOutput:
        # PyTorch's recipe: the steps before a capture run on a side stream.
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            out = fn()
        torch.cuda.current_stream().wait_stream(side)
        return out

    def _capture(self, x_all: torch.Tensor, y_all: torch.Tensor, idx: torch.Tensor, draws: list[torch.Tensor] | None):
        static_idx = idx.clone()
        static_draws = None if draws is None else [d.clone() for d in draws]
        graph = torch.cuda.CUDAGraph()
        # Gradients set to None here are allocated inside the graph, which rewrites (not
        # accumulates) them at every replay; tensors that do not train keep None and Adam skips them.
        self.optimizer.zero_grad(set_to_none=True)
        for generator in self.loss_fn.graph_draws.in_graph:
            graph.register_generator_state(generator)
        with torch.cuda.graph(graph):
            out = self._step(x_all, y_all, static_idx, static_draws)
        return graph, static_idx, static_draws or [], out
