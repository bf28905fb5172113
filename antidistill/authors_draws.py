"""The authors' single stream draw for draw: every draw their loops make, and where ours makes it.

Their code seeds one global stream per run (``torch.manual_seed(seed)``; ``seeding.Streams``
with ``single=True`` stands for it) and draws from it, for one seed of a Table I row, in this
order:

1. initial weights: a teacher-shaped model first wherever their notebook loads a teacher
   (``teacher_loaded``, drawn by ``experiment.grow_stack``), then the growth's own draws
   (``growth/``: zero pad's student, Net2Net's discarded bias-free models (``net2net_discarded``),
   transfer's extra teacher-shaped model before its head);
2. D1 pre-training (methods 6-8), every epoch: the training DataLoader's iterator seed
   (``LoaderDraws``), then per batch L3's U[0, 1) for every image of the batch as their loader
   cut it, classes 5-9 included (``Cut``; kept images take their rows, ``losses.CompositeLoss.draw``),
   then with lambda4 > 0 L4's probe, one U[0, 1) per parameter in ``parameters()`` order;
3. D2 training, every epoch: the training iterator's seed, one for each quiet evaluation pass
   on the training set (every ``QUIET_EVERY`` batches, in the rows recorded after their per-batch
   logging), one for the test pass (``evaluation_passes``);
4. FGSM: one iterator seed per eps;
5. weight noise: per eps one iterator seed, then per test batch one N(0, 1) per parameter.

Their teachers were trained in a notebook of their own (one test pass per epoch). Nothing after
teacher training reads a teacher's stream, so its iterator seeds change no number; they are
drawn all the same, so that the emulation has no exception to state.

A torch ``DataLoader`` draws one int64 each time an iterator over it is made, in
``_BaseDataLoaderIter.__init__`` (``torch.empty((), dtype=torch.int64).random_()`` from the
loader's generator, the global one in their code), with ``shuffle=False`` and with worker
processes alike; an int64 ``random_`` takes two 32-bit outputs of the Mersenne Twister. Their
loops make an iterator for every epoch and every evaluation pass; the draws of a D2 epoch are
the only draws of that epoch, so ours makes those of the evaluation passes after its batches.
``tests/test_authors_draws.py`` checks every kind against a tiny copy of their loops that uses
``torch.utils.data.DataLoader`` itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from .models import MLP, N_INPUTS, teacher_model
from .protocol import Protocol

# Their train_loop evaluates on the whole training set after batches 0, 50, 100, ... of every
# epoch since their commit d9125e2 ("Per-batch logging", 2022-10-20).
QUIET_EVERY = 50


def teacher_loaded(protocol: Protocol, generator: torch.Generator, n_inputs: int = N_INPUTS) -> None:
    """Their notebooks for every method that loads a teacher build a teacher-shaped model first
    (drawing its default initial weights), then load the teacher's weights into it."""
    teacher_model(protocol.output_relu, generator=generator, n_inputs=n_inputs)


def net2net_discarded(teacher: MLP, student: MLP, generator: torch.Generator) -> None:
    """Consume the draws the authors' ``net2net_antidistil`` makes and then overwrites.

    Their Net2Net works on bias-free copies with one extra constant unit per layer: it builds a
    bias-free teacher-shaped and student-shaped MLP (784+1 inputs, widths+1, 10+1 outputs),
    then per hidden layer draws ``torch.randn(inputs, student width)`` and
    ``torch.randn(student width, next teacher width)`` before filling them. None of these values
    survive; drawing them keeps the single stream where theirs was.
    """

    def widths(model: MLP) -> list[int]:
        return [model.linears[0].in_features + 1, *(b + 1 for b in model.blocks), model.n_classes + 1]

    t_widths, s_widths = widths(teacher), widths(student)
    for w in (t_widths, s_widths):
        for n_in, n_out in zip(w[:-1], w[1:]):
            nn.init.kaiming_uniform_(torch.empty(n_out, n_in), a=math.sqrt(5), generator=generator)
    for i in range(len(student.blocks)):
        torch.randn(s_widths[i], s_widths[i + 1], generator=generator)
        torch.randn(s_widths[i + 1], t_widths[i + 2], generator=generator)


def iterator_seed(generator: torch.Generator) -> None:
    """The draw a DataLoader iterator makes when it is created (its workers' base seed)."""
    torch.empty((), dtype=torch.int64).random_(generator=generator)


@dataclass(frozen=True)
class LoaderDraws:
    """The iterator seeds of the authors' DataLoaders: ``generators[s]`` is member s's single
    stream; ``passes_after_epoch`` iterators are made after each training epoch (evaluations)."""

    generators: tuple[torch.Generator, ...]
    passes_after_epoch: int = 0

    def iterator(self, times: int = 1) -> None:
        """``times`` iterators made over a loader, by every member."""
        for generator in self.generators:
            for _ in range(times):
                iterator_seed(generator)

    def before_epoch(self) -> None:
        self.iterator()

    def after_epoch(self) -> None:
        self.iterator(self.passes_after_epoch)


def loader_draws(
    protocol: Protocol, generators: Sequence[torch.Generator], passes_after_epoch: int = 0
) -> LoaderDraws | None:
    """The iterator seeds to draw in the authors' single stream; None in independent streams
    (where no DataLoader is emulated, so nothing is drawn)."""
    return LoaderDraws(tuple(generators), passes_after_epoch) if protocol.single_stream else None


def evaluation_passes(protocol: Protocol, method: str, n_batches: int) -> int:
    """Evaluation passes per D2 epoch of ``method``'s student: the test pass, and the quiet
    passes on the training set after every ``QUIET_EVERY`` batches except in the rows emulated
    as recorded before their per-batch logging (their 30-epoch rows, ``Protocol.recorded_long``)."""
    quiet = 0 if protocol.recorded_long(method) else len(range(0, n_batches, QUIET_EVERY))
    return quiet + 1


@dataclass(frozen=True)
class Cut:
    """A batch as their loader cut it, before classes were dropped inside it: its ``size`` and,
    per member, the ``positions`` [S, B] of the images kept."""

    size: int
    positions: torch.Tensor

    def keep(self, drawn: torch.Tensor) -> torch.Tensor:
        """The rows of ``drawn`` [S, size, ...] (a draw for the whole batch) at the kept images."""
        index = self.positions.to(drawn.device).view(*self.positions.shape, *([1] * (drawn.dim() - 2)))
        return torch.take_along_dim(drawn, index, dim=1)

    def like(self, x: torch.Tensor) -> torch.Tensor:
        """A stand-in shaped like the whole batch for a kept batch ``x`` [S, B, ...] (draws read
        only its shape, dtype and device)."""
        return x[:, :1].expand(x.shape[0], self.size, *x.shape[2:])
