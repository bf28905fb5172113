"""``python -m antidistill bench``: every timing of one device in one table, flagged when the machine was busy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from ..data import load_fashion_mnist
from ..environment import pick_device
from ..experiment import STUDENT_TRAIN
from ..models import StackedMLP, n_params, student_model, teacher_model
from ..numerics import code_path
from .authors_loop import authors_style_epoch
from .cost import (
    STACKED_D1,
    matmul_flops_per_sample,
    protocol_curves,
    protocol_pretrain_fits,
    protocol_sample_passes,
    protocol_student_fits,
)
from .engine import Compared, compare_engine
from .load import OtherLoad
from .timings import (
    _trained_epoch,
    attack_curves,
    fit_epoch,
    matmul_gflops,
    pretrain_epoch,
    single_run,
    steady_epoch,
    tight_epoch,
)


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


@dataclass
class Measured:
    """The raw timings of one bench, in seconds (per seed where stacked); the table's rows are
    computed from them."""

    device: torch.device
    n_train: int
    stack: int
    gflops: float = 0.0
    fit: float = 0.0  # a D2 epoch of one student in ``fit``
    fit_first: float = 0.0  # what its first epoch adds (CUDA)
    stacked: float = 0.0  # the same, per seed of a stack
    stacked_first: float = 0.0
    tight: float = 0.0  # a bare-loop D2 epoch
    fgsm: float = 0.0
    noise: float = 0.0
    run: float = 0.0  # a whole single-seed run
    ten_tight: float = 0.0  # as many bare-loop epochs as a run trains
    d1: dict[str, float] = field(default_factory=dict)  # single-seed D1 epochs by terms
    stacked_d1: dict[str, dict[str, float]] = field(default_factory=dict)  # mode -> kind -> per seed
    d1_first: dict[str, dict[str, float]] = field(default_factory=dict)
    theirs: float = 0.0  # the authors'-style epoch
    their_parts: dict[str, float] = field(default_factory=dict)
    engine: list[Compared] = field(default_factory=list)  # each engine piece against its reference


# The single-seed D1 epochs timed, by their lambdas.
D1_TERMS = {
    "plain": (1.0, 0.0, 0.0, 0.0),
    "L2 + L3": (1.0, 1.0, 1.0, 0.0),
    "L2 + L3 + L4": (1.0, 1.0, 1.0, 1.0),
    "L4 alone": (1.0, 0.0, 0.0, 1.0),
}


def run_bench(cfg: BenchConfig = BenchConfig(), progress: bool = True) -> dict[str, Any]:
    """Every timing of the table, measured in one run on one device, headed by whether the
    machine was idle enough for them to be this code's speed and by the CPU code path."""
    path = code_path()
    with OtherLoad() as load:
        m = measure(cfg, progress)
    return {
        "timings trustworthy": load.verdict(),
        "other processes' share of the CPUs": load.share,
        "CPU code path": f"MKL_CBWR={path['mkl_cbwr']}, ATen {path['aten']} ({'pinned' if path['pinned'] else 'not pinned'})",
        **student_rows(m),
        **pretraining_rows(m),
        **authors_rows(m),
        **engine_rows(m),
        **estimate_rows(m),
    }


def measure(cfg: BenchConfig, progress: bool) -> Measured:
    """Every timing, each the best of ``cfg.repeats`` (each epoch function times itself, its
    model's set-up excluded)."""
    device = pick_device(cfg.device)
    data = load_fashion_mnist().to(device)
    say = print if progress else (lambda *a, **k: None)
    m = Measured(device, len(data.train), cfg.stack)
    say("matmul ...", flush=True)
    m.gflops = matmul_gflops(device, cfg.matmul_size, cfg.repeats)
    say("student epochs ...", flush=True)
    m.fit, m.fit_first = steady_epoch(lambda e: fit_epoch(data, device, 1, e), device, cfg.repeats)
    trained: list[StackedMLP] = []  # the last stack timed, for the attack curves

    def stacked_fit(epochs: int) -> float:
        seconds, model = _trained_epoch(data, device, cfg.stack, epochs)
        trained[:] = [model]
        return seconds

    stacked, m.stacked_first = steady_epoch(stacked_fit, device, cfg.repeats)
    m.stacked = stacked / cfg.stack
    m.tight = min(tight_epoch(data, device) for _ in range(cfg.repeats))
    say("attack curves ...", flush=True)
    m.fgsm, m.noise = (t / cfg.stack for t in attack_curves(trained[0], data, device))
    say("a single-seed run and ten tight epochs ...", flush=True)
    # Alternated, best of each: the machine's speed drifts (by a third on a shared VM).
    runs, ten_tight = [], []
    for _ in range(cfg.repeats):
        ten_tight.append(tight_epoch(data, device, STUDENT_TRAIN.epochs))
        runs.append(single_run(device))
    m.run, m.ten_tight = min(runs), min(ten_tight)
    say("pre-training epochs ...", flush=True)
    m.d1 = {
        terms: min(pretrain_epoch(data, device, lambdas) for _ in range(cfg.repeats))
        for terms, lambdas in D1_TERMS.items()
    }
    # Stacked, as the runs pre-train, in each mode (its own streams and batches). Timed once:
    # these are the slowest epochs of the table. On CUDA the authors' drop-in-batch batches come
    # in dozens of sizes, each with its warm-up and capture in a fit's first epoch (steady_epoch).
    for mode in ("paper", "authors"):
        timed = {
            kind: steady_epoch(lambda e: pretrain_epoch(data, device, lambdas, cfg.stack, mode, e), device)
            for kind, (_, lambdas) in STACKED_D1.items()
        }
        m.stacked_d1[mode] = {kind: t[0] / cfg.stack for kind, t in timed.items()}
        m.d1_first[mode] = {kind: t[1] for kind, t in timed.items()}
    say("the authors' pipeline ...", flush=True)
    m.theirs, m.their_parts = authors_style_epoch(load_fashion_mnist(), device, cfg.authors_batches)
    say("the engine against its references ...", flush=True)
    m.engine = compare_engine(data, device, cfg.repeats)
    return m


def _flop_epoch(m: Measured) -> float:
    """Matmul FLOPs of one D2 epoch of one student, by the 6 x samples x parameters rule."""
    return 6 * m.n_train * n_params(student_model())


def student_rows(m: Measured) -> dict[str, Any]:
    """D2 epochs (alone, stacked, as a bare loop), the attack curves and a whole run."""
    flop_epoch, s, epochs = _flop_epoch(m), m.stack, STUDENT_TRAIN.epochs
    return {
        "device": str(m.device),
        "torch threads": torch.get_num_threads(),
        "matmul GFLOP/s": m.gflops,
        "student epoch, fit (s)": m.fit,
        "student epoch, fit: samples/s": m.n_train / m.fit,
        "student epoch, fit: GFLOP/s": flop_epoch / m.fit / 1e9,
        "student epoch, fit: % of matmul": 100 * flop_epoch / m.fit / 1e9 / m.gflops,
        "student epoch, tight loop (s)": m.tight,
        f"student epoch, S = {s}, per seed (s)": m.stacked,
        f"student epoch, S = {s}: % of matmul": 100 * flop_epoch / m.stacked / 1e9 / m.gflops,
        f"S = {s} vs S = 1, per seed (x faster)": m.fit / m.stacked,
        **(
            {
                "student epoch, S = 1: a fit's first epoch adds (s)": m.fit_first,
                f"student epoch, S = {s}: a fit's first epoch adds (s)": m.stacked_first,
            }
            if m.device.type == "cuda"
            else {}
        ),
        f"FGSM curve, S = {s}, per seed (s)": m.fgsm,
        f"weight-noise curve, S = {s}, per seed (s)": m.noise,
        "single-seed run, Xavier (s)": m.run,
        f"{epochs} tight-loop epochs (s)": m.ten_tight,
        f"single-seed run / {epochs} tight-loop epochs": m.run / m.ten_tight,
    }


def pretraining_rows(m: Measured) -> dict[str, Any]:
    """D1 epochs: each composite loss against plain cross-entropy, and stacked in each mode."""
    plain = m.d1["plain"]
    rows = {f"D1 epoch with {terms} / plain": seconds / plain for terms, seconds in m.d1.items() if terms != "plain"}
    rows.update(
        {
            f"D1 epoch with {terms}, S = {m.stack}, per seed, {mode} mode (s)": m.stacked_d1[mode][kind]
            for mode in m.stacked_d1
            for kind, (terms, _) in STACKED_D1.items()
        }
    )
    if m.device.type == "cuda":
        rows.update(
            {
                f"D1 with {terms}, S = {m.stack}, {mode} mode: a fit's first epoch adds (s)": m.d1_first[mode][kind]
                for mode in m.d1_first
                for kind, (terms, _) in STACKED_D1.items()
            }
        )
    return rows


def authors_rows(m: Measured) -> dict[str, Any]:
    """The authors'-style epoch, its parts, and how much faster ``fit`` is."""
    return {
        "authors'-style epoch (s, extrapolated)": m.theirs,
        **{f"authors'-style: {k}": v for k, v in m.their_parts.items()},
        "ours vs authors'-style (x faster)": m.theirs / m.fit,
    }


def engine_rows(m: Measured) -> dict[str, Any]:
    """Each engine piece's time and its reference's on the same work, and how much faster it is:
    what each optimisation buys (a piece that does not pay is a candidate to drop)."""
    rows = {}
    for c in m.engine:
        rows[f"engine: {c.piece} (s)"] = c.engine_s
        rows[f"engine: {c.piece}, its reference, {c.reference} (s)"] = c.reference_s
        rows[f"engine: {c.piece} vs {c.reference} (x faster)"] = c.speedup
    return rows


def estimate_rows(m: Measured) -> dict[str, Any]:
    """The full `paper` profile's time in each mode, from the stacked timings and the counts of
    ``cost`` (runs train their seeds as one stack: a sample costs what it costs in a stack, and
    so does a curve; not counted: set-ups, a teacher fit's first-epoch captures, the book,
    Optuna's own time), and its training's matmuls at the matmul rate: what no loop on this
    machine can beat."""
    params, n_d1 = n_params(student_model()), m.n_train / 2
    flops = matmul_flops_per_sample()
    rows = {}
    for mode in m.stacked_d1:
        per_sample = {
            "teacher": m.stacked / m.n_train * n_params(teacher_model()) / params,
            "student": m.stacked / m.n_train,
            **{k: t / n_d1 for k, t in m.stacked_d1[mode].items()},
        }
        per_curve = {"fgsm": m.fgsm, "weight_noise": m.noise}
        seconds = (
            sum(per_sample[k] * n for k, n in protocol_sample_passes(mode).items())
            + sum(per_curve[k] * n for k, n in protocol_curves(mode).items())
            + sum(m.d1_first[mode][k] * n for k, n in protocol_pretrain_fits().items())
            + m.stacked_first * protocol_student_fits()
        )
        rows[f"full paper profile, {mode} mode (hours, estimated)"] = seconds / 3600
    for mode in m.stacked_d1:
        floor = sum(flops[k] * n for k, n in protocol_sample_passes(mode).items()) / (m.gflops * 1e9)
        rows[f"full paper profile, {mode} mode: its training's matmuls at the matmul rate (hours)"] = floor / 3600
    return rows
