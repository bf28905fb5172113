"""The weight-noise metric for a stack, fast: ``attacks.noisy_accuracy``'s numbers for every seed at once.

``attacks.noisy_accuracy`` states the metric for one model: the mean accuracy over draws of
xi, every eps scored on the same draws, in groups until each mean's standard error is small.
Here a stack's seeds draw in parallel threads into reused buffers, every draw is scored at all
its open eps from one split first-layer product (``split_layer``) whose clean half is computed
once per curve, and seeds that are done stop drawing while the others go on
(``tests/test_engine_weight_noise.py`` checks it against the reference, seed by seed).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ..data import Split, take
from ..models import EVAL_CHUNK, StackedMLP
from .draws import per_member
from .split_layer import first_layer, noisy_logits


def draw_xi(
    params: list[torch.Tensor], generators: list[torch.Generator], out: list[torch.Tensor] | None = None
) -> list[torch.Tensor]:
    """xi ~ N(0, I) for every stacked parameter, seed s from ``generators[s]``, on the
    generators' device (see ``seeding.Streams``): what ``torch.randn`` of each member's shapes
    gives, written straight into the stacked tensors ``out`` (made when not given) instead of
    being stacked afterwards."""
    device = generators[0].device
    out = out or [torch.empty((len(generators), *p.shape[1:]), dtype=p.dtype, device=device) for p in params]

    def fill(s: int) -> None:
        for t in out:
            t[s].normal_(generator=generators[s])

    per_member(generators, fill)
    return [t.to(p.device) for t, p in zip(out, params)]


def noisy_correct(
    model: StackedMLP,
    params: list[torch.Tensor],
    xi: list[torch.Tensor],
    x: torch.Tensor,
    y: torch.Tensor,
    eps: list[float],
    first: torch.Tensor | None = None,
) -> torch.Tensor:
    """Correct predictions [k, S] of the noisy weights at every eps of ``eps``, by chunks of images
    (``first``: their clean first layer, when computed)."""
    eps_t = torch.tensor(eps, dtype=torch.float64, device=y.device)
    correct = torch.zeros(len(eps), y.shape[0], dtype=torch.long, device=y.device)
    firsts = [None] * -(-y.shape[1] // EVAL_CHUNK) if first is None else first.split(EVAL_CHUNK, dim=1)
    for xc, yc, fc in zip(x.split(EVAL_CHUNK, dim=1), y.split(EVAL_CHUNK, dim=1), firsts):
        correct += (noisy_logits(model, params, xi, xc, eps_t, fc).argmax(-1) == yc).sum(-1)
    return correct


def clean_first(params: list[torch.Tensor], split: Split) -> torch.Tensor:
    """``first_layer`` of every seed on every image of ``split`` [S, N, width], by chunks: made
    once per curve, then each draw's images take their rows of it."""
    n_seeds = params[0].shape[0]
    return torch.cat(
        [first_layer(params, x.unsqueeze(0).expand(n_seeds, *x.shape)) for x in split.x.split(EVAL_CHUNK)], dim=1
    )


def one_noise(
    params: list[torch.Tensor],
    split: Split,
    generators: list[torch.Generator],
    subset: int | None,
    out: list[torch.Tensor] | None = None,
) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """One draw per seed: xi for every parameter (into ``out`` when given), then the test images
    it is scored on (all of ``split``, or a random subset), each seed from its own generator.
    Returns xi, the images, their labels, and their row numbers in ``split`` [S, B] (None: all)."""
    xi = draw_xi(params, generators, out)
    n = len(generators)
    if subset is not None and subset < len(split):
        idx = torch.stack([torch.randperm(len(split), generator=g, device=g.device)[:subset] for g in generators]).to(
            split.y.device
        )
        return xi, take(split.x, idx), take(split.y, idx), idx
    return xi, split.x.unsqueeze(0).expand(n, *split.x.shape), split.y.expand(n, -1), None


def expected_accuracy(
    model: StackedMLP,
    params: list[torch.Tensor],
    split: Split,
    eps_grid: tuple[float, ...],
    generators: list[torch.Generator],
    cfg: Any,
) -> list[list[tuple[float, float, int]]]:
    """Per seed and eps, (the mean accuracy over draws of xi, its standard error, the number of
    draws), drawn until each mean's standard error is small (``cfg``: ``attacks.AttackConfig``).

    Every eps of a seed meets the same sequence of draws, so a draw (xi and its test images) is
    made once and scored at every eps of that seed still drawing: a seed draws as many times as
    its slowest eps needs, not the sum over eps. Groups of ``cfg.noise_min_draws`` draws; after
    each group, an eps whose standard error fell below ``cfg.noise_se`` (or that reached
    ``cfg.noise_max_draws``) stops; a seed stops when all its eps have.
    """
    n_seeds = len(generators)
    clean = clean_first(params, split)  # [S, N, width]
    values = [[[] for _ in eps_grid] for _ in range(n_seeds)]  # values[seed][eps index]
    done: list[dict[int, tuple[float, float, int]]] = [{} for _ in range(n_seeds)]
    active = list(range(n_seeds))
    while active:
        chosen = torch.tensor(active, device=params[0].device)
        sub = [p.index_select(0, chosen) for p in params]
        gens = [generators[s] for s in active]
        # Per eps still open for some active seed: the rows (positions in ``active``) that need it.
        rows = {e: [i for i, s in enumerate(active) if e not in done[s]] for e in range(len(eps_grid))}
        rows = {e: r for e, r in rows.items() if r}
        # Where only some active seeds still need an eps, their rows are picked out of the draw.
        picks = {e: torch.tensor(r, device=params[0].device) for e, r in rows.items() if len(r) < len(active)}
        scores: dict[int, list[torch.Tensor]] = {e: [] for e in rows}
        buffers = [torch.empty_like(p, device=gens[0].device) for p in sub]  # each draw's xi, rewritten
        clean_sub = clean if len(active) == n_seeds else clean.index_select(0, chosen)
        offsets = torch.arange(len(active), device=clean.device).unsqueeze(1) * clean.shape[1]
        for _ in range(cfg.noise_min_draws):
            xi, x, y, idx = one_noise(sub, split, gens, cfg.noise_subset, buffers)
            # The draw's images' rows of the clean first layer, each active seed its own.
            first = clean_sub if idx is None else take(clean_sub.flatten(0, 1), idx + offsets)
            # Every active seed is scored at every eps still open (each slice of the batched
            # products is its seed's own), and the rows an eps needs are kept.
            correct = noisy_correct(model, sub, xi, x, y, [eps_grid[e] for e in rows], first)
            for c, e in zip(correct, rows):
                scores[e].append((c if e not in picks else c.index_select(0, picks[e])).double() / y.shape[1])
        group = {e: torch.stack(v, dim=1).tolist() for e, v in scores.items()}  # one wait per group
        for e, r in rows.items():
            for i, accs in zip(r, group[e]):
                s = active[i]
                values[s][e] += accs
                sample = torch.tensor(values[s][e], dtype=torch.float64)
                error = float(sample.std(correction=1) / math.sqrt(len(values[s][e])))  # noise_min_draws >= 2
                if error < cfg.noise_se or len(values[s][e]) >= cfg.noise_max_draws:
                    done[s][e] = (float(sample.mean()), error, len(values[s][e]))
        active = [s for s in active if len(done[s]) < len(eps_grid)]
    return [[done[s][e] for e in range(len(eps_grid))] for s in range(n_seeds)]
