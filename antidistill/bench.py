"""`python -m antidistill bench`: the machine's matmul rate, what our training reaches of it, and the authors' pipeline."""

from __future__ import annotations

import json
import os
import platform
import resource
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from .attacks import AttackConfig, fgsm_curve, weight_noise_curve
from .config import to_dict
from .data import C1, SIZES, FashionMNIST, Split, load_fashion_mnist, take
from .environment import pick_device, runtime
from .experiment import STUDENT_TRAIN, ExperimentConfig, run_seeds
from .growth import METHODS
from .growth.context import GrowContext, GrowthConfig
from .growth.pretrain import pretrain, pretrain_stack
from .losses import CompositeLoss, LossConfig, plain_ce
from .masks import ClassMask
from .models import StackedMLP, n_params, student_model, teacher_model
from .numerics import code_path
from .profiles import PROFILES
from .protocol import protocol_for
from .seeding import Streams
from .store import RESULTS_VERSION, Store, atomic_write_json
from .train import TrainConfig, batch_indices, fit


@dataclass(frozen=True)
class BenchConfig:
    """``repeats``: each timing is the best of this many. ``authors_batches``: batches of the
    authors'-style epoch that are timed (with their full evaluation passes every 50 batches);
    the epoch is extrapolated from them."""

    device: str = "auto"
    repeats: int = 2
    matmul_size: int = 2048
    authors_batches: int = 51
    stack: int = 10  # seeds per stack in the stacked timings (the paper profile's seeds)


# Other processes' share of the machine's CPU time during a bench above which its timings are
# not this code's speed: with the cores shared, a timed epoch measures the contention (beside one
# busy process a fit epoch can take many times its idle time), so the table is flagged, not shown as results.
LOADED_SHARE = 0.10


class OtherLoad:
    """The CPU time other processes (and the hypervisor's steal) took on this machine while the
    ``with`` block ran, as a share of all its cores' time; None where /proc/stat cannot be read."""

    def __enter__(self) -> "OtherLoad":
        self.share: float | None = None
        self._start = (time.perf_counter(), _machine_busy_s(), _own_cpu_s())
        return self

    def __exit__(self, *exc) -> None:
        wall0, busy0, own0 = self._start
        busy1 = _machine_busy_s()
        if busy0 is None or busy1 is None:
            return
        others = (busy1 - busy0) - (_own_cpu_s() - own0)
        self.share = max(0.0, others) / ((time.perf_counter() - wall0) * (os.cpu_count() or 1))

    def verdict(self) -> str:
        if self.share is None:
            return "not checked (no /proc/stat)"
        if self.share > LOADED_SHARE:
            return (f"no: other processes used {100 * self.share:.0f}% of the {os.cpu_count()} CPUs' time during "
                    f"the bench; rerun it on an idle machine")
        return f"yes (other processes used {100 * self.share:.0f}% of the CPUs' time)"


def _machine_busy_s() -> float | None:
    """Seconds of CPU time the whole machine spent busy since boot (user, nice, system, irq,
    softirq and steal; /proc/stat), or None off Linux."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_s() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _best(fn: Callable[[], Any], repeats: int, device: torch.device) -> float:
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_gflops(device: torch.device, n: int, repeats: int) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b  # warm-up
    seconds = _best(lambda: [a @ b for _ in range(4)], repeats, device) / 4
    return 2 * n ** 3 / seconds / 1e9


def _students(n_seeds: int, device: torch.device) -> StackedMLP:
    students = [student_model(generator=torch.Generator().manual_seed(s)) for s in range(n_seeds)]
    return StackedMLP.stack(students).to(device)


def _trained_epoch(data: FashionMNIST, device: torch.device, n_seeds: int,
                   epochs: int = 1) -> tuple[float, StackedMLP]:
    model = _students(n_seeds, device)
    everything = ClassMask()
    _sync(device)
    start = time.perf_counter()
    fit(model, data.train, data.test, TrainConfig(epochs=epochs, lr=STUDENT_TRAIN.lr), plain_ce(everything),
        everything, [torch.Generator().manual_seed(s) for s in range(n_seeds)], progress=False)
    _sync(device)
    return time.perf_counter() - start, model


def fit_epoch(data: FashionMNIST, device: torch.device, n_seeds: int = 1, epochs: int = 1) -> float:
    """One D2 epoch (or ``epochs``) of a stack of ``n_seeds`` students in ``train.fit`` (its
    validation passes included): the time for all of them."""
    return _trained_epoch(data, device, n_seeds, epochs)[0]


def steady_epoch(timed: Callable[[int], float], device: torch.device, repeats: int = 1) -> tuple[float, float]:
    """(an epoch's time, what a fit's first epoch adds) from ``timed(epochs)``, one fit's time,
    best of ``repeats`` fits of each length.

    On CUDA a fit's first epoch also runs every batch shape's eager warm-up and graph capture
    (``engine.steps``), which a fit pays once, not every epoch: the rate is then a second epoch's (two
    epochs less one) and the rest of the first is reported apart. One untimed fit comes first:
    the first CUDA work of a kind in a process (kernels loaded, handles made) belongs to no
    epoch, and timed in, it made a one-epoch fit slower than a two-epoch one (a rate below 0).
    Elsewhere: one epoch, 0."""
    if device.type != "cuda":
        return min(timed(1) for _ in range(repeats)), 0.0
    timed(1)
    ones, twos = zip(*[(timed(1), timed(2)) for _ in range(repeats)])
    first, later = min(ones), min(twos) - min(ones)
    if later <= 0:
        raise RuntimeError(f"a two-epoch fit ({min(twos):.3g} s) took no longer than a one-epoch fit "
                           f"({first:.3g} s): the device's timings are unstable; rerun the bench")
    return later, max(first - later, 0.0)


def tight_epoch(data: FashionMNIST, device: torch.device, epochs: int = 1) -> float:
    """The same epochs as a bare loop: batches (gathered as ``fit`` gathers them), forward,
    backward, fused Adam, nothing else."""
    model = student_model(generator=torch.Generator().manual_seed(0)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=STUDENT_TRAIN.lr, fused=True)
    batches = [b[0] for b in batch_indices(data.train.y, STUDENT_TRAIN.batch_size, [torch.Generator().manual_seed(1)])]
    _sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        for idx in batches:
            optimizer.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(take(data.train.x, idx)), take(data.train.y, idx)).backward()
            optimizer.step()
    _sync(device)
    return time.perf_counter() - start


def single_run(device: torch.device, cfg: ExperimentConfig | None = None) -> float:
    """A whole single-seed run, nothing cached (by default Xavier, seed 0, paper profile and
    mode): growth, D2 training with its per-epoch validation, the FGSM and the weight-noise curves."""
    cfg = cfg or PROFILES["paper"].config("xavier", 0, "paper")
    _sync(device)
    start = time.perf_counter()
    run_seeds([cfg], None, str(device), progress=False)
    _sync(device)
    return time.perf_counter() - start


def attack_curves(model: StackedMLP, data: FashionMNIST, device: torch.device) -> tuple[float, float]:
    """Seconds for the FGSM curve and for the weight-noise curve (the protocol's grids and
    stopping rule) of every seed of ``model``. The noise curve's draws depend on how the
    accuracy spreads under noise, so ``model`` should be trained (an untrained one sits at
    chance and stops early)."""
    cfg = AttackConfig()
    _sync(device)
    start = time.perf_counter()
    fgsm_curve(model, data.test, cfg.fgsm_eps)
    _sync(device)
    middle = time.perf_counter()
    weight_noise_curve(model, data.test, cfg.noise_eps,
                       [Streams(s, device=device)("weight_noise") for s in range(model.n_seeds)], cfg)
    _sync(device)
    return middle - start, time.perf_counter() - middle


def pretrain_epoch(data: FashionMNIST, device: torch.device, lambdas: tuple[float, ...], n_seeds: int = 1,
                   mode: str = "paper", epochs: int = 1) -> float:
    """One D1 pre-training epoch (or ``epochs``) of a stack of ``n_seeds`` with the composite loss
    of ``lambdas``, as a run in ``mode`` pre-trains (``growth.pretrain_stack``: that mode's
    streams, batches, class mask and L4 gradient; the growth stage's batch size and learning
    rate): the time for all of them. In ``authors`` mode every draw comes from the seed's one
    CPU stream."""
    protocol = protocol_for(mode)
    growth = GrowthConfig()
    ctxs = [GrowContext(Streams(s, single=protocol.single_stream, device=device), protocol,
                        replace(growth, pretrain=replace(growth.pretrain, epochs=epochs)), data, progress=False)
            for s in range(n_seeds)]
    grown = [pretrain(teacher_model(protocol.output_relu, generator=c.streams("teacher_init")), c, lambdas, "bench")
             for c in ctxs]
    model = StackedMLP.stack([g.student for g in grown]).to(device)
    _sync(device)
    start = time.perf_counter()
    pretrain_stack(model, [g.pretraining for g in grown], ctxs)
    _sync(device)
    return time.perf_counter() - start


class _PerSampleImages(torch.utils.data.Dataset):
    """What torchvision's FashionMNIST hands a DataLoader: one PIL image per sample, ToTensor'd."""

    def __init__(self, split: Split) -> None:
        from torchvision import transforms

        self.images = (split.x * 255).round().to(torch.uint8).numpy()
        self.labels = split.y.tolist()
        self.to_tensor = transforms.ToTensor()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        from PIL import Image

        return self.to_tensor(Image.fromarray(self.images[i], mode="L")), self.labels[i]


def authors_style_epoch(data: FashionMNIST, device: torch.device, n_batches: int) -> tuple[float, dict[str, float]]:
    """A student epoch the way the authors' pipeline runs it, extrapolated from ``n_batches``.

    Their loop: a torchvision dataset through a DataLoader (2 workers, per-sample ToTensor), a
    per-sample Python loop building the class mask, and every 50 batches a full evaluation pass
    over the training set. Same model (with their output ReLU) and optimiser as ours.
    """
    loader = torch.utils.data.DataLoader(_PerSampleImages(data.train), batch_size=STUDENT_TRAIN.batch_size,
                                         shuffle=False, num_workers=2)
    model = student_model(output_relu=True, generator=torch.Generator().manual_seed(0)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=STUDENT_TRAIN.lr)
    mask = torch.ones(10, device=device)
    loss_fn = nn.CrossEntropyLoss()

    def evaluate() -> None:
        with torch.no_grad():
            for x, y in loader:
                x, y = x.to(device), y.to(device)
                keep = torch.as_tensor([bool(mask[e]) for e in y])
                (model(x) * mask)[keep].argmax(1)

    step_time, eval_time, evals = 0.0, 0.0, 0
    for batch, (x, y) in enumerate(loader):
        if batch == n_batches:
            break
        start = time.perf_counter()
        x, y = x.to(device), y.to(device)
        pred = model(x) * mask
        keep = torch.as_tensor([bool(mask[e]) for e in y])
        loss = loss_fn(pred[keep], y[keep])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()  # their loop reads the loss every step
        _sync(device)
        step_time += time.perf_counter() - start
        if batch % 50 == 0:
            start = time.perf_counter()
            evaluate()
            eval_time += time.perf_counter() - start
            evals += 1
    steps = -(-len(data.train) // STUDENT_TRAIN.batch_size)
    per_step, per_eval = step_time / n_batches, eval_time / max(evals, 1)
    epoch = steps * per_step + -(-steps // 50) * per_eval
    return epoch, {"seconds per step": per_step, "seconds per evaluation pass": per_eval}


def protocol_sample_passes(mode: str) -> dict[str, float]:
    """Training samples processed by the full `paper` profile in ``mode``, per kind of step,
    counted from the configs: teacher, plain student, pre-training with L3 only, and with L4."""
    profile = PROFILES["paper"]
    protocol = protocol_for(mode)
    cfg = profile.config("xavier", 0, mode)
    n_train = SIZES["train"]
    n_d1 = n_train // 2  # classes 0-4 of a balanced set
    seeds = len(profile.seeds)
    search_seeds = seeds if profile.search_seeds is None else profile.search_seeds
    passes = {"teacher": seeds * cfg.teacher.epochs * n_d1, "student": 0.0, "pretrain_l3": 0.0, "pretrain_l4": 0.0}
    # The final runs (the authors' 30-epoch rows included), then the search trials (plain epochs).
    final_d1 = cfg.growth.pretrain.epochs
    runs = [(m, seeds, protocol.epochs_recorded(m, cfg.student.epochs), final_d1) for m in METHODS]
    runs += [(m, trials * search_seeds, cfg.student.epochs, protocol.trial_pretrain_epochs(final_d1))
             for m, trials in profile.search_trials]
    for method, count, epochs, d1_epochs in runs:
        passes["student"] += count * epochs * n_train
        if METHODS[method].lambdas != "none":
            passes[pretrain_kind(method)] += count * d1_epochs * n_d1
    return passes


# Each kind of pre-training step the bench times and counts: its terms, the lambdas it uses.
STACKED_D1 = {"pretrain_l3": ("L2 + L3", (1.0, 1.0, 1.0, 0.0)), "pretrain_l4": ("L2 + L3 + L4", (1.0, 1.0, 1.0, 1.0))}


def pretrain_kind(method: str) -> str:
    """The kind of D1 pre-training step ``method`` takes (a key of ``matmul_flops_per_sample``): with L4 or without."""
    return "pretrain_l4" if "l4" in METHODS[method].searched else "pretrain_l3"


def _protocol_stacks() -> list[tuple[str, int]]:
    """(method, stacks) of the full `paper` profile: each method's final run (one stack of its
    seeds), then each searched method's trials (at most one stack each: trials that share a
    stack share its fits)."""
    return [(m, 1) for m in METHODS] + list(PROFILES["paper"].search_trials)


def protocol_pretrain_fits() -> dict[str, int]:
    """D1 pre-trainings (one ``fit`` of a stack of seeds each) of the full `paper` profile, per
    kind of step: one per stack of a pre-training method."""
    fits = {"pretrain_l3": 0, "pretrain_l4": 0}
    for method, count in _protocol_stacks():
        if METHODS[method].lambdas != "none":
            fits[pretrain_kind(method)] += count
    return fits


def protocol_student_fits() -> int:
    """Student trainings on D2 (one ``fit`` of a stack of seeds each) of the full `paper` profile:
    one per stack."""
    return sum(count for _, count in _protocol_stacks())


def protocol_curves(mode: str) -> dict[str, int]:
    """Seed runs of the full `paper` profile in ``mode`` that compute an FGSM curve (the final
    runs and every search trial's seeds) and a weight-noise curve (the final runs only)."""
    profile = PROFILES["paper"]
    seeds = len(profile.seeds)
    search_seeds = seeds if profile.search_seeds is None else profile.search_seeds
    final = len(METHODS) * seeds
    return {"fgsm": final + sum(t for _, t in profile.search_trials) * search_seeds, "weight_noise": final}


def matmul_flops_per_sample() -> dict[str, float]:
    """Matmul FLOPs per training sample of one step (forward and backward, as ``fit`` runs it) of
    each kind of ``protocol_sample_passes``, counted by torch's ``FlopCounterMode`` on one batch."""
    from torch.utils.flop_counter import FlopCounterMode

    batch = 64
    x, y = torch.rand(1, batch, 28, 28), torch.randint(0, len(C1), (1, batch))
    g = lambda s: torch.Generator().manual_seed(s)  # noqa: E731
    teacher = StackedMLP.stack([teacher_model(generator=g(0))])

    def count(make, lambdas) -> float:
        model = StackedMLP.stack([make(generator=g(1))])
        loss = (plain_ce(ClassMask()) if lambdas is None else
                CompositeLoss(lambdas, ClassMask(C1), protocol_for("paper"), LossConfig(), [g(2)], [g(3)], teacher))
        with FlopCounterMode(display=False) as counter:
            loss(model, x, y)[0].sum().backward()
        return counter.get_total_flops() / batch

    return {"teacher": count(teacher_model, None), "student": count(student_model, None),
            **{kind: count(student_model, lambdas) for kind, (_, lambdas) in STACKED_D1.items()}}


def profile_table(rows: list[tuple[str, int, int, float]]) -> str:
    """``measured_profile``'s rows as text, one line per kind of work, and their total."""
    lines = [f"{what:40s} {saved:4d} / {expected:<4d} {hours * 60:8.1f} min" for what, saved, expected, hours in rows]
    done = all(saved >= expected for _, saved, expected, _ in rows)
    total = sum(h for *_, h in rows)
    lines.append(f"{'total' + ('' if done else ' so far (incomplete)'):40s} {'':11s} {total * 60:8.1f} min = {total:.2f} h")
    return "\n".join(lines)


def run_bench(cfg: BenchConfig = BenchConfig(), progress: bool = True) -> dict[str, Any]:
    """Every timing of the table, measured in one run on one device, headed by whether the
    machine was idle enough for them to be this code's speed and by the CPU code path."""
    path = code_path()
    with OtherLoad() as load:
        table = _timings(cfg, progress)
    return {"timings trustworthy": load.verdict(), "other processes' share of the CPUs": load.share,
            "CPU code path": f"MKL_CBWR={path['mkl_cbwr']}, ATen {path['aten']} ({'pinned' if path['pinned'] else 'not pinned'})",
            **table}


def _timings(cfg: BenchConfig, progress: bool) -> dict[str, Any]:
    device = pick_device(cfg.device)
    data = load_fashion_mnist().to(device)
    say = print if progress else (lambda *a, **k: None)
    say("matmul ...", flush=True)
    gflops = matmul_gflops(device, cfg.matmul_size, cfg.repeats)
    params = n_params(student_model())
    flop_epoch = 6 * len(data.train) * params
    say("student epochs ...", flush=True)
    # Each epoch function times itself (model set-up excluded); keep the best of the repeats.
    ours, ours_first = steady_epoch(lambda e: fit_epoch(data, device, 1, e), device, cfg.repeats)
    trained: list[StackedMLP] = []  # the last stack timed, for the attack curves

    def stacked_fit(epochs: int) -> float:
        seconds, model = _trained_epoch(data, device, cfg.stack, epochs)
        trained[:] = [model]
        return seconds

    stacked, student_first = steady_epoch(stacked_fit, device, cfg.repeats)
    stacked /= cfg.stack
    tight = min(tight_epoch(data, device) for _ in range(cfg.repeats))
    say("attack curves ...", flush=True)
    fgsm_s, noise_s = (t / cfg.stack for t in attack_curves(trained[0], data, device))
    say("a single-seed run and ten tight epochs ...", flush=True)
    # Alternated, best of each: the machine's speed drifts (by a third on a shared VM).
    run_s, ten_tight = [], []
    for _ in range(cfg.repeats):
        ten_tight.append(tight_epoch(data, device, STUDENT_TRAIN.epochs))
        run_s.append(single_run(device))
    say("pre-training epochs ...", flush=True)
    plain_d1, with_l3, with_l4, l4_only = (min(pretrain_epoch(data, device, lambdas) for _ in range(cfg.repeats))
                                           for lambdas in ((1.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 0.0),
                                                           (1.0, 1.0, 1.0, 1.0), (1.0, 0.0, 0.0, 1.0)))
    # Stacked, as the runs pre-train, in each mode (its own streams and batches). Timed once:
    # these are the slowest epochs of the table. On CUDA the authors' drop-in-batch batches come
    # in dozens of sizes, each with its warm-up and capture in a fit's first epoch (steady_epoch).
    def d1(mode: str, lambdas: tuple[float, ...]) -> tuple[float, float]:
        return steady_epoch(lambda e: pretrain_epoch(data, device, lambdas, cfg.stack, mode, e), device)

    timed_d1 = {mode: {kind: d1(mode, lambdas) for kind, (_, lambdas) in STACKED_D1.items()}
                for mode in ("paper", "authors")}
    stacked_d1 = {mode: {kind: t[0] / cfg.stack for kind, t in kinds.items()} for mode, kinds in timed_d1.items()}
    first_extra = {mode: {kind: t[1] for kind, t in kinds.items()} for mode, kinds in timed_d1.items()}
    say("the authors' pipeline ...", flush=True)
    theirs, parts = authors_style_epoch(load_fashion_mnist(), device, cfg.authors_batches)
    # Runs train their seeds as one stack: a sample costs what it costs in a stack, and so does
    # a curve. Not counted: teachers' and students' set-up, a teacher fit's first-epoch captures,
    # the book, Optuna's own time.
    n_d1 = len(data.train) / 2
    per_sample = {mode: {"teacher": stacked / len(data.train) * n_params(teacher_model()) / params,
                         "student": stacked / len(data.train), **{k: t / n_d1 for k, t in stacked_d1[mode].items()}}
                  for mode in stacked_d1}
    per_curve = {"fgsm": fgsm_s, "weight_noise": noise_s}
    estimate = {mode: (sum(per_sample[mode][k] * n for k, n in protocol_sample_passes(mode).items())
                       + sum(per_curve[k] * n for k, n in protocol_curves(mode).items())
                       + sum(first_extra[mode][k] * n for k, n in protocol_pretrain_fits().items())
                       + student_first * protocol_student_fits()) / 3600
                for mode in ("paper", "authors")}
    # The same training at the matmul rate: what no loop on this machine can beat.
    flops = matmul_flops_per_sample()
    floor = {mode: sum(flops[k] * n for k, n in protocol_sample_passes(mode).items()) / (gflops * 1e9) / 3600
             for mode in ("paper", "authors")}
    return {
        "device": str(device),
        "torch threads": torch.get_num_threads(),
        "matmul GFLOP/s": gflops,
        "student epoch, fit (s)": ours,
        "student epoch, fit: samples/s": len(data.train) / ours,
        "student epoch, fit: GFLOP/s": flop_epoch / ours / 1e9,
        "student epoch, fit: % of matmul": 100 * flop_epoch / ours / 1e9 / gflops,
        "student epoch, tight loop (s)": tight,
        f"student epoch, S = {cfg.stack}, per seed (s)": stacked,
        f"student epoch, S = {cfg.stack}: % of matmul": 100 * flop_epoch / stacked / 1e9 / gflops,
        f"S = {cfg.stack} vs S = 1, per seed (x faster)": ours / stacked,
        **({"student epoch, S = 1: a fit's first epoch adds (s)": ours_first,
            f"student epoch, S = {cfg.stack}: a fit's first epoch adds (s)": student_first}
           if device.type == "cuda" else {}),
        f"FGSM curve, S = {cfg.stack}, per seed (s)": fgsm_s,
        f"weight-noise curve, S = {cfg.stack}, per seed (s)": noise_s,
        "single-seed run, Xavier (s)": min(run_s),
        f"{STUDENT_TRAIN.epochs} tight-loop epochs (s)": min(ten_tight),
        f"single-seed run / {STUDENT_TRAIN.epochs} tight-loop epochs": min(run_s) / min(ten_tight),
        "D1 epoch with L2 + L3 / plain": with_l3 / plain_d1,
        "D1 epoch with L2 + L3 + L4 / plain": with_l4 / plain_d1,
        "D1 epoch with L4 alone / plain": l4_only / plain_d1,
        **{f"D1 epoch with {terms}, S = {cfg.stack}, per seed, {mode} mode (s)": stacked_d1[mode][kind]
           for mode in stacked_d1 for kind, (terms, _) in STACKED_D1.items()},
        **({f"D1 with {terms}, S = {cfg.stack}, {mode} mode: a fit's first epoch adds (s)": first_extra[mode][kind]
            for mode in first_extra for kind, (terms, _) in STACKED_D1.items()}
           if device.type == "cuda" else {}),
        "authors'-style epoch (s, extrapolated)": theirs,
        **{f"authors'-style: {k}": v for k, v in parts.items()},
        "ours vs authors'-style (x faster)": theirs / ours,
        **{f"full paper profile, {mode} mode (hours, estimated)": h for mode, h in estimate.items()},
        **{f"full paper profile, {mode} mode: its training's matmuls at the matmul rate (hours)": h
           for mode, h in floor.items()},
    }


def save_bench(store: Store, table: dict[str, Any]) -> Path:
    """The table with the machine it was measured on, under ``<results>/bench/``."""
    record = {**table, "environment": runtime(), "machine": f"{platform.node()} ({platform.machine()})"}
    path = store.root / "bench" / f"{platform.node()}-{table['device'].replace(':', '')}.json"
    atomic_write_json(path, {**record, "config": {"device": table["device"]}, "results_version": RESULTS_VERSION})
    return path


def measured_profile(store: Store, mode: str, profile_name: str = "paper") -> list[tuple[str, int, int, float]]:
    """What a profile's saved results took to compute: (what, saved, expected, hours) per kind of
    work (teachers, each method's search trials and final runs). A saved result counts when its
    config is the one the profile asks for (its seed aside; its lambdas too, but for the final runs
    of a searched method once its study's summary names the λ they use) under the current results
    version, so other profiles or modes in the same folder are left out.

    Each saved teacher and run records its own wall time (a stack's time shared among its
    members), so the sums are what the profile cost, however many processes and sessions computed
    it; a stack interrupted before it saved is not counted (its rerun is). Optuna's own time and
    the book's rendering are not included. The search's trial configs need Optuna (extra ``[search]``).
    """
    from .search import SEARCHED, SearchConfig

    profile = PROFILES[profile_name]
    search_seeds = profile.seeds if profile.search_seeds is None else profile.seeds[:profile.search_seeds]

    def chosen(method: str) -> list[float] | None:
        """The λ the final runs use, from the study's saved summary (None while there is none)."""
        path = store.root / "studies" / f"{SearchConfig.of(profile, method, mode).study_name}.json"
        try:
            info = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return info["importance_lambdas"] if info.get("final_lambdas_from") == "importance" else info["best_lambdas"]

    def wanted(kind: str, cfg: dict[str, Any]) -> dict[str, Any]:
        if kind == "teachers":
            return to_dict(profile.config("zero_pad", cfg["seed"], mode).teacher_config())
        lambdas = None if cfg["lambdas"] is None else tuple(cfg["lambdas"])
        if kind == "runs" and cfg["method"] in SEARCHED and chosen(cfg["method"]) is not None:
            # Final runs with other λ (the authors' runs regenerated with theirs) are not this profile's.
            lambdas = tuple(chosen(cfg["method"]))
        if kind == "search":
            return to_dict(SearchConfig.of(profile, cfg["method"], mode).trial_config(cfg["seed"], lambdas))
        return to_dict(profile.config(cfg["method"], cfg["seed"], mode, lambdas))

    times: dict[tuple[str, str], list[float]] = defaultdict(list)
    for kind in ("teachers", "search", "runs"):
        for record in store.results(kind):
            if record.get("results_version") == RESULTS_VERSION and record["config"] == wanted(kind, record["config"]):
                times[kind, record["config"].get("method", "")].append(record["wall_time_s"])
    rows = [("teachers", len(times["teachers", ""]), len(profile.seeds), sum(times["teachers", ""]) / 3600)]
    rows += [(f"search trials: {m}", len(times["search", m]), profile.trials(m) * len(search_seeds),
              sum(times["search", m]) / 3600) for m in SEARCHED]
    rows += [(f"final runs: {m}", len(times["runs", m]), len(profile.seeds), sum(times["runs", m]) / 3600)
             for m in METHODS]
    return rows


def saved_benches(store: Store) -> list[dict[str, Any]]:
    """Every bench table saved in ``store`` (one per machine and device)."""
    return store.results("bench")
