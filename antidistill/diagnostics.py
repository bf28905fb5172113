"""How much of a grown student is really used: distinct live hidden units, classes never predicted."""

from __future__ import annotations

import torch

from .data import Split
from .models import EVAL_CHUNK, MLP


@torch.no_grad()
def effective_widths(model: MLP, rtol: float = 1e-4) -> list[int]:
    """Per hidden layer, the number of distinct live units.

    A unit is dead when its incoming weights and bias are all exactly zero (a zero-padded unit
    stays so: its ReLU input is 0, so no gradient ever reaches it). Live units whose incoming
    weights and bias agree within ``rtol`` of their norm count once (Net2Net's copies of one
    teacher unit receive identical updates and never separate without noise).
    """
    widths = []
    for linear in model.linears[:-1]:
        rows = torch.cat([linear.weight, linear.bias[:, None]], dim=1).detach().cpu().double()
        norms = rows.norm(dim=1)
        live = norms > 0
        rows, norms = rows[live], norms[live]
        if len(rows) == 0:
            widths.append(0)
            continue
        close = torch.cdist(rows, rows) <= rtol * torch.maximum(norms[:, None], norms[None, :])
        # Connected components of the "close" graph by repeated label propagation.
        labels = torch.arange(len(rows))
        while True:
            spread = torch.where(close, labels[None, :], len(rows)).min(dim=1).values
            if torch.equal(spread, labels):
                break
            labels = spread
        widths.append(int(labels.unique().numel()))
    return widths


@torch.no_grad()
def never_predicted(model: MLP, split: Split) -> list[int]:
    """The classes that ``model`` predicts for no image of ``split``.

    With a ReLU after the output layer (the authors' network), a class whose output unit is
    negative for every input is stuck at 0, receives no gradient, and is never predicted again:
    one such class costs about a tenth of the accuracy on D2.
    """
    was_training = model.training
    model.eval()
    predicted = torch.cat([model(x).argmax(1) for x in split.x.split(EVAL_CHUNK)])
    model.train(was_training)
    counts = torch.bincount(predicted.cpu(), minlength=model.n_classes)
    return [int(c) for c in torch.nonzero(counts == 0).flatten()]
