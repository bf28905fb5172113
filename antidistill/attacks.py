"""Robustness metrics: accuracy under an FGSM attack and with Gaussian noise added to the weights."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.func import functional_call

from .authors_draws import LoaderDraws
from .config import check
from .data import Split, take
from .models import StackedMLP, stack_forward
from .seeding import per_member
from .train import EVAL_CHUNK

FGSM_IMAGES = 25000  # images x stack members attacked at once (a chunk's memory)


@dataclass(frozen=True)
class AttackConfig:
    """The epsilon grids of both metrics (the authors' grids; Table I reads their largest values)."""

    fgsm_eps: tuple[float, ...] = tuple(round(0.002 * i, 3) for i in range(10))
    noise_eps: tuple[float, ...] = tuple(round(0.01 * i, 2) for i in range(10))
    clamp: bool = False  # clip adversarial images to [0, 1]; off in the authors' protocol
    noise_batch: int = 256  # test batch that gets its own weight noise when drawn per batch
    # Draws of xi per eps, each scored on its own random noise_subset test images (None: all):
    # groups of noise_min_draws until the Monte-Carlo standard error of the mean accuracy is
    # below noise_se, at most noise_max_draws. The spread between draws is almost all xi's:
    # measured on a 4-epoch Xavier student at eps 0.09, a draw's accuracy has std 0.093 scored
    # on 10000 or 1000 images, 0.098 on 250, 0.105 on 100. So 250 images need ~10% more draws
    # than 10000 for the same standard error, each scoring a fortieth of the images.
    noise_subset: int | None = 250
    noise_se: float = 0.005
    noise_min_draws: int = 16
    noise_max_draws: int = 1024

    def __post_init__(self) -> None:
        check(len(self.fgsm_eps) > 0 and min(self.fgsm_eps) >= 0, "fgsm_eps must be a non-empty list of eps >= 0")
        # Empty: no weight-noise curve (the lambda search's trials only need FGSM).
        check(all(e >= 0 for e in self.noise_eps), "noise_eps must be a list of eps >= 0")
        check(self.noise_batch >= 1, f"noise_batch must be >= 1, got {self.noise_batch}")
        check(self.noise_se > 0, f"noise_se must be > 0, got {self.noise_se}")
        check(self.noise_subset is None or (isinstance(self.noise_subset, int) and self.noise_subset >= 1),
              f"noise_subset must be None (the whole test set) or an integer >= 1, got {self.noise_subset!r}")
        check(isinstance(self.noise_min_draws, int) and self.noise_min_draws >= 2,
              f"noise_min_draws must be an integer >= 2, got {self.noise_min_draws!r}")
        check(isinstance(self.noise_max_draws, int) and self.noise_max_draws >= self.noise_min_draws,
              f"noise_max_draws must be an integer >= noise_min_draws, got {self.noise_max_draws!r}")


def input_gradient_sign(model: StackedMLP, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """sign(d CE / d x) for per-seed inputs x [S, B, ...]: the FGSM direction; the model's
    parameter gradients are left untouched."""
    x = x.detach().clone().requires_grad_(True)
    # With detached weights no weight gradient is computed (the first layer's own backward,
    # models._InputLinear, would otherwise compute one nobody reads).
    logits = functional_call(model, {name: p.detach() for name, p in model.named_parameters()}, (x,))
    # A sum, not a mean: each image's direction is then its own loss's, whatever the chunk size.
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return grad.sign()


def _step(x: torch.Tensor, direction: torch.Tensor, eps: float, clamp: bool) -> torch.Tensor:
    x_adv = x + eps * direction
    return x_adv.clamp(0, 1) if clamp else x_adv


def fgsm(model: StackedMLP, x: torch.Tensor, y: torch.Tensor, eps: float, clamp: bool = False) -> torch.Tensor:
    """The FGSM adversarial images x + eps * sign(grad_x CE) (Goodfellow et al., 2014), per seed."""
    return _step(x, input_gradient_sign(model, x, y), eps, clamp)


def fgsm_curve(model: StackedMLP, split: Split, eps_grid: tuple[float, ...], clamp: bool = False,
               loader: LoaderDraws | None = None) -> list[list[float]]:
    """Per seed, the accuracy on ``split`` attacked with FGSM at every eps of ``eps_grid``.

    The attack direction does not depend on eps, so it is computed once per chunk. ``loader``:
    the authors' loop made one test-loader iterator per eps (``authors_draws``), the attack's
    only draws, made here first.
    """
    if loader is not None:
        loader.iterator(len(eps_grid))
    was_training = model.training
    model.eval()
    correct = torch.zeros(model.n_seeds, len(eps_grid), dtype=torch.long, device=split.y.device)
    # Each image's direction is its own (a summed loss) and the counts are integers, so the chunk
    # may shrink as the stack grows (a 100-member stack of λ-search trials) without changing a bit.
    rows = min(EVAL_CHUNK, max(1, FGSM_IMAGES // model.n_seeds))
    eps_t = torch.tensor(eps_grid, dtype=torch.float64, device=split.y.device)
    for x, y in zip(split.x.split(rows), split.y.split(rows)):
        x, y = model.broadcast(x), y.expand(model.n_seeds, -1)
        direction = input_gradient_sign(model, x, y)
        with torch.no_grad():
            if clamp:  # clipping is not linear in eps: one pass per eps
                for i, eps in enumerate(eps_grid):
                    correct[:, i] += (model(_step(x, direction, eps, clamp)).argmax(-1) == y).sum(1)
            else:
                correct += (fgsm_logits(model, x, direction, eps_t).argmax(-1) == y).sum(-1).T
    model.train(was_training)
    return (correct.double() / len(split)).tolist()


def _draw(params: list[torch.Tensor], generators: list[torch.Generator],
          out: list[torch.Tensor] | None = None) -> list[torch.Tensor]:
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


def _shifted(params: list[torch.Tensor], xi: list[torch.Tensor], eps: float) -> list[torch.Tensor]:
    return [p + eps * x for p, x in zip(params, xi)]


def _correct(model: StackedMLP, weights: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Correct predictions per seed of the stacked ``weights`` on per-seed inputs, by chunks."""
    correct = torch.zeros(y.shape[0], dtype=torch.long, device=y.device)
    for xc, yc in zip(x.split(EVAL_CHUNK, dim=1), y.split(EVAL_CHUNK, dim=1)):
        correct += (stack_forward(model, weights, xc).argmax(-1) == yc).sum(1)
    return correct


def _eps_layers(model: StackedMLP, first: torch.Tensor, shift: torch.Tensor, eps: torch.Tensor,
                rest: list[torch.Tensor]) -> torch.Tensor:
    """The logits [k, S, B, C] of a stack whose first layer's pre-activation is first + eps[j] *
    shift [S, B, width] for each of k eps (the perturbation, of the weights or of the inputs, is
    linear in eps there), and whose later layers are ``rest`` [k * S, ...] (weight, bias per
    layer, eps major)."""
    k, n = eps.shape[0], first.shape[0]
    h = torch.addcmul(first.unsqueeze(0), eps.view(k, 1, 1, 1).to(first.dtype), shift.unsqueeze(0)).flatten(0, 1)
    for i in range(len(model.linears)):
        if i > 0:
            weight, bias = rest[2 * i - 2], rest[2 * i - 1]
            h = torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))
        if model.relu_after(i):
            h = torch.relu(h)
    return h.view(k, n, *h.shape[1:])


def first_layer(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The clean first layer's pre-activation x W^T + b [S, B, width] of stacked ``params`` on
    per-seed inputs x [S, B, ...]."""
    return torch.baddbmm(params[1].unsqueeze(1), x.flatten(2), params[0].transpose(1, 2))


def noisy_logits(model: StackedMLP, params: list[torch.Tensor], xi: list[torch.Tensor], x: torch.Tensor,
                 eps: torch.Tensor, first: torch.Tensor | None = None) -> torch.Tensor:
    """The logits [k, S, B, C] of the weights ``params + eps[j] * xi`` for every eps[j], on per-seed
    inputs x [S, B, ...]: what ``stack_forward`` gives with the shifted weights, to float rounding.

    The first layer holds most of the weights (784 inputs to the first hidden layer), and its product is
    linear in them: x (W + eps xi)^T + (b + eps xi_b) = (x W^T + b) + eps (x xi^T + xi_b). So two
    products serve every eps, where shifting the weights costs one per eps, and the clean one,
    ``first_layer(params, x)``, may come computed (``first``): it is the same for every draw of xi.
    The smaller layers after it run once for all eps together (eps folded into the seed axis).
    """
    h = x.flatten(2)
    first = first_layer(params, x) if first is None else first
    shift = torch.baddbmm(xi[1].unsqueeze(1), h, xi[0].transpose(1, 2))
    k = eps.shape[0]
    rest = [torch.addcmul(p.unsqueeze(0), eps.view(k, *(1,) * p.dim()).to(p.dtype), d.unsqueeze(0)).flatten(0, 1)
            for p, d in zip(params[2:], xi[2:])]
    return _eps_layers(model, first, shift, eps, rest)


def fgsm_logits(model: StackedMLP, x: torch.Tensor, direction: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """The logits [k, S, B, C] of the unclipped FGSM images x + eps[j] * direction for every
    eps[j]: ``model`` on each, to float rounding, with the first layer's product split as in
    ``noisy_logits``: (x + eps d) W^T + b = (x W^T + b) + eps (d W^T)."""
    params = [p.detach() for p in model.parameters()]
    first = first_layer(params, x)
    shift = torch.bmm(direction.flatten(2), params[0].transpose(1, 2))
    k = eps.shape[0]
    rest = [p.repeat(k, *(1,) * (p.dim() - 1)) for p in params[2:]]
    return _eps_layers(model, first, shift, eps, rest)


def _noisy_correct(model: StackedMLP, params: list[torch.Tensor], xi: list[torch.Tensor], x: torch.Tensor,
                   y: torch.Tensor, eps: list[float], first: torch.Tensor | None = None) -> torch.Tensor:
    """Correct predictions [k, S] of the noisy weights at every eps of ``eps``, by chunks of images
    (``first``: their clean first layer, when computed)."""
    eps_t = torch.tensor(eps, dtype=torch.float64, device=y.device)
    correct = torch.zeros(len(eps), y.shape[0], dtype=torch.long, device=y.device)
    firsts = [None] * -(-y.shape[1] // EVAL_CHUNK) if first is None else first.split(EVAL_CHUNK, dim=1)
    for xc, yc, fc in zip(x.split(EVAL_CHUNK, dim=1), y.split(EVAL_CHUNK, dim=1), firsts):
        correct += (noisy_logits(model, params, xi, xc, eps_t, fc).argmax(-1) == yc).sum(-1)
    return correct


def _clean_first(params: list[torch.Tensor], split: Split) -> torch.Tensor:
    """``first_layer`` of every seed on every image of ``split`` [S, N, width], by chunks: made
    once per curve, then each draw's images take their rows of it."""
    n_seeds = params[0].shape[0]
    return torch.cat([first_layer(params, x.unsqueeze(0).expand(n_seeds, *x.shape))
                      for x in split.x.split(EVAL_CHUNK)], dim=1)


def _one_noise(params: list[torch.Tensor], split: Split, generators: list[torch.Generator], subset: int | None,
               out: list[torch.Tensor] | None = None
               ) -> tuple[list[torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """One draw per seed: xi for every parameter (into ``out`` when given), then the test images
    it is scored on (all of ``split``, or a random subset), each seed from its own generator.
    Returns xi, the images, their labels, and their row numbers in ``split`` [S, B] (None: all)."""
    xi = _draw(params, generators, out)
    n = len(generators)
    if subset is not None and subset < len(split):
        idx = torch.stack([torch.randperm(len(split), generator=g, device=g.device)[:subset]
                           for g in generators]).to(split.y.device)
        return xi, take(split.x, idx), take(split.y, idx), idx
    return xi, split.x.unsqueeze(0).expand(n, *split.x.shape), split.y.expand(n, -1), None


def _expected_accuracy(model: StackedMLP, params: list[torch.Tensor], split: Split, eps_grid: tuple[float, ...],
                       generators: list[torch.Generator], cfg: AttackConfig, curves: list[NoiseCurve]) -> None:
    """The mean accuracy over draws of xi at every eps, until each mean's standard error is small.

    Every eps of a seed meets the same sequence of draws, so a draw (xi and its test images) is
    made once and scored at every eps of that seed still drawing: a seed draws as many times as
    its slowest eps needs, not the sum over eps. Groups of ``cfg.noise_min_draws`` draws; after
    each group, an eps whose standard error fell below ``cfg.noise_se`` (or that reached
    ``cfg.noise_max_draws``) stops; a seed stops when all its eps have.
    """
    n_seeds = len(generators)
    clean = _clean_first(params, split)  # [S, N, width]
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
            xi, x, y, idx = _one_noise(sub, split, gens, cfg.noise_subset, buffers)
            # The draw's images' rows of the clean first layer, each active seed its own.
            first = clean_sub if idx is None else take(clean_sub.flatten(0, 1), idx + offsets)
            # Every active seed is scored at every eps still open (each slice of the batched
            # products is its seed's own), and the rows an eps needs are kept.
            correct = _noisy_correct(model, sub, xi, x, y, [eps_grid[e] for e in rows], first)
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
    for s, curve in enumerate(curves):
        for e in range(len(eps_grid)):
            acc, error, draws = done[s][e]
            curve.acc.append(acc)
            curve.se.append(error)
            curve.draws.append(draws)
@dataclass(frozen=True)
class NoiseCurve:
    """Accuracy with noisy weights per eps: the mean over ``draws`` draws of xi and its
    Monte-Carlo standard error (None where one pass drew xi per test batch)."""

    acc: list[float]
    se: list[float | None]
    draws: list[int]


@torch.no_grad()
def weight_noise_curve(model: StackedMLP, split: Split, eps_grid: tuple[float, ...],
                       generators: list[torch.Generator], cfg: AttackConfig | None = None,
                       per_batch: bool = False, loader: LoaderDraws | None = None) -> list[NoiseCurve]:
    """Per seed, the accuracy on ``split`` of the model with weights w + eps * xi, xi ~ N(0, I), for every eps.

    Seed s draws from ``generators[s]``. The noisy weights are separate tensors, so the model's
    own are never written. By default each eps gets the expected accuracy under the noise: the
    mean over independent draws of xi, each scored on ``cfg.noise_subset`` random test images
    (an unbiased estimate of the whole test set's expected accuracy), drawn in groups of
    ``cfg.noise_min_draws`` until the standard error of the mean is below ``cfg.noise_se`` (or
    ``cfg.noise_max_draws`` is reached); a seed that is done stops drawing while the others go
    on. Every eps sees the same sequence of draws (each draw is made once and scored at every
    eps), so eps are compared like with like. ``per_batch`` instead runs one pass per eps with a
    fresh xi for every test batch of ``cfg.noise_batch`` (the authors' code), continuing the
    generators, each pass after the draw of its test-loader iterator where ``loader`` is given
    (their single stream, ``authors_draws``).
    """
    cfg = cfg or AttackConfig()
    check(len(generators) == model.n_seeds, "one weight-noise generator per seed")
    was_training = model.training
    model.eval()
    params = [p.detach() for p in model.parameters()]
    n_seeds = model.n_seeds
    curves = [NoiseCurve([], [], []) for _ in range(n_seeds)]
    if per_batch:
        for eps in eps_grid:
            if loader is not None:
                loader.iterator()
            correct = torch.zeros(n_seeds, dtype=torch.long, device=split.y.device)
            for x, y in zip(split.x.split(cfg.noise_batch), split.y.split(cfg.noise_batch)):
                weights = _shifted(params, _draw(params, generators), eps)
                correct += _correct(model, weights, model.broadcast(x), y.expand(n_seeds, -1))
            for curve, c in zip(curves, (correct.double() / len(split)).tolist()):
                curve.acc.append(c)
                curve.se.append(None)
                curve.draws.append(-(-len(split) // cfg.noise_batch))
    else:
        _expected_accuracy(model, params, split, eps_grid, generators, cfg, curves)
    model.train(was_training)
    return curves
