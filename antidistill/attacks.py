"""Robustness metrics: accuracy under an FGSM attack and with Gaussian noise added to the weights."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch.func import functional_call

from .authors_draws import LoaderDraws
from .config import check
from .data import Split
from .engine.split_layer import fgsm_logits
from .engine.weight_noise import draw_xi, expected_accuracy
from .models import EVAL_CHUNK, MLP, StackedMLP, stack_forward

FGSM_IMAGES = 25000  # images x stack members attacked at once (a chunk's memory)


@dataclass(frozen=True)
class AttackConfig:
    """The epsilon grids of both metrics (the authors' grids; Table I reads their largest values)."""

    fgsm_eps: tuple[float, ...] = tuple(round(0.002 * i, 3) for i in range(10))
    noise_eps: tuple[float, ...] = tuple(round(0.01 * i, 2) for i in range(10))
    # Clip adversarial images to [0, 1]; off in the authors' protocol.
    clamp: bool = field(default=False, metadata={"values": {True: "yes, to [0, 1]", False: "no"}})
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
        check(
            self.noise_subset is None or (isinstance(self.noise_subset, int) and self.noise_subset >= 1),
            f"noise_subset must be None (the whole test set) or an integer >= 1, got {self.noise_subset!r}",
        )
        check(
            isinstance(self.noise_min_draws, int) and self.noise_min_draws >= 2,
            f"noise_min_draws must be an integer >= 2, got {self.noise_min_draws!r}",
        )
        check(
            isinstance(self.noise_max_draws, int) and self.noise_max_draws >= self.noise_min_draws,
            f"noise_max_draws must be an integer >= noise_min_draws, got {self.noise_max_draws!r}",
        )


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


def fgsm_curve(
    model: StackedMLP, split: Split, eps_grid: tuple[float, ...], clamp: bool = False, loader: LoaderDraws | None = None
) -> list[list[float]]:
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


def _shifted(params: list[torch.Tensor], xi: list[torch.Tensor], eps: float) -> list[torch.Tensor]:
    return [p + eps * x for p, x in zip(params, xi)]


def _correct(model: StackedMLP, weights: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Correct predictions per seed of the stacked ``weights`` on per-seed inputs, by chunks."""
    correct = torch.zeros(y.shape[0], dtype=torch.long, device=y.device)
    for xc, yc in zip(x.split(EVAL_CHUNK, dim=1), y.split(EVAL_CHUNK, dim=1)):
        correct += (stack_forward(model, weights, xc).argmax(-1) == yc).sum(1)
    return correct


@dataclass(frozen=True)
class NoiseCurve:
    """Accuracy with noisy weights per eps: the mean over ``draws`` draws of xi and its
    Monte-Carlo standard error (None where one pass drew xi per test batch)."""

    acc: list[float]
    se: list[float | None]
    draws: list[int]


@torch.no_grad()
def noisy_accuracy(
    model: MLP, split: Split, eps_grid: tuple[float, ...], generator: torch.Generator, cfg: AttackConfig
) -> NoiseCurve:
    """The weight-noise metric of one model: at every eps, the mean accuracy of the weights
    w + eps * xi, xi ~ N(0, I), over draws of xi, each scored on ``cfg.noise_subset`` random test
    images. Every eps is scored on the same draws; they come in groups of ``cfg.noise_min_draws``
    until the standard error of an eps's mean is below ``cfg.noise_se`` (or it has
    ``cfg.noise_max_draws``). ``weight_noise_curve`` gives every seed of a stack these numbers."""
    weights = {name: p.detach() for name, p in model.named_parameters()}
    accs: list[list[float]] = [[] for _ in eps_grid]
    done: dict[int, tuple[float, float, int]] = {}
    while len(done) < len(eps_grid):
        for _ in range(cfg.noise_min_draws):
            xi = {
                name: torch.randn(w.shape, generator=generator, device=generator.device) for name, w in weights.items()
            }
            x, y = split.x, split.y
            if cfg.noise_subset is not None and cfg.noise_subset < len(split):
                images = torch.randperm(len(split), generator=generator, device=generator.device)[: cfg.noise_subset]
                x, y = x[images], y[images]
            for e, eps in enumerate(eps_grid):
                if e not in done:
                    noisy = {name: w + eps * xi[name] for name, w in weights.items()}
                    accs[e].append(float((functional_call(model, noisy, (x,)).argmax(-1) == y).double().mean()))
        for e in set(range(len(eps_grid))) - set(done):
            sample = torch.tensor(accs[e], dtype=torch.float64)
            error = float(sample.std() / math.sqrt(len(sample)))
            if error < cfg.noise_se or len(sample) >= cfg.noise_max_draws:
                done[e] = (float(sample.mean()), error, len(sample))
    acc, se, draws = zip(*(done[e] for e in range(len(eps_grid))))
    return NoiseCurve(list(acc), list(se), list(draws))


@torch.no_grad()
def weight_noise_curve(
    model: StackedMLP,
    split: Split,
    eps_grid: tuple[float, ...],
    generators: list[torch.Generator],
    cfg: AttackConfig | None = None,
    per_batch: bool = False,
    loader: LoaderDraws | None = None,
) -> list[NoiseCurve]:
    """Per seed, the accuracy on ``split`` of the model with weights w + eps * xi, xi ~ N(0, I), for every eps.

    Seed s draws from ``generators[s]``. The noisy weights are separate tensors, so the model's
    own are never written. By default each eps gets the expected accuracy under the noise,
    ``noisy_accuracy`` of every member (an unbiased estimate of the whole test set's expected
    accuracy; every eps sees the same draws, so eps are compared like with like), computed for
    the whole stack at once by ``engine.weight_noise``. ``per_batch`` instead runs one pass per eps with a
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
                weights = _shifted(params, draw_xi(params, generators), eps)
                correct += _correct(model, weights, model.broadcast(x), y.expand(n_seeds, -1))
            for curve, c in zip(curves, (correct.double() / len(split)).tolist()):
                curve.acc.append(c)
                curve.se.append(None)
                curve.draws.append(-(-len(split) // cfg.noise_batch))
    else:
        for curve, per_eps in zip(curves, expected_accuracy(model, params, split, eps_grid, generators, cfg)):
            for acc, error, draws in per_eps:
                curve.acc.append(acc)
                curve.se.append(error)
                curve.draws.append(draws)
    model.train(was_training)
    return curves
