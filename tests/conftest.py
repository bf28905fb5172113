"""Shared fixtures: the real Fashion-MNIST (never downloaded in tests), small float64 models, the
smoke profile's results, and the device of the experiment-level tests (``--device cuda`` or
ANTIDISTILL_TEST_DEVICE; CPU by default)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch


def pytest_addoption(parser):
    parser.addoption(
        "--device",
        default=os.environ.get("ANTIDISTILL_TEST_DEVICE", "cpu"),
        help="device of the experiment-level tests: cpu (default), cuda, cuda:N (or set ANTIDISTILL_TEST_DEVICE)",
    )
    parser.addoption(
        "--full",
        action="store_true",
        help="also run the tests marked full (minutes more): recomputes of two full-size Fashion-MNIST "
        "published runs, and the comparisons with the authors' records on every seed they take",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--full"):
        return
    # Kept out of the default run so it stays well under CI's quarter hour on 2 cores; each has a
    # smaller sibling there (a digits recompute, fewer seeds).
    skip = pytest.mark.skip(reason="a full-size check: run with `bash tools/test.sh --full`")
    for item in items:
        if item.get_closest_marker("full"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def full(request) -> bool:
    """Whether this run was asked for ``--full``: the tests that take seeds take all of theirs."""
    return request.config.getoption("--full")


def pytest_configure(config):
    name = config.getoption("--device")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise pytest.UsageError(f"--device {name}: torch sees no CUDA device here; run on a GPU machine or use cpu")
    if name != "cpu" and not name.startswith("cuda"):
        raise pytest.UsageError(f"--device must be cpu, cuda or cuda:N, got {name!r}")


@pytest.fixture(scope="session")
def device(request) -> str:
    return request.config.getoption("--device")


from antidistill.data import DataConfig, DataError, load_fashion_mnist
from antidistill.losses import plain_ce
from antidistill.masks import ClassMask
from antidistill.models import StackedMLP, student_model
from antidistill.train import TrainConfig, fit


@pytest.fixture(scope="session")
def fashion():
    try:
        return load_fashion_mnist(allow_download=False)
    except DataError as exc:  # pragma: no cover - the README's setup installs the data
        pytest.fail(f"Fashion-MNIST is required for the tests: {exc}")


@pytest.fixture(scope="session")
def images64(fashion):
    """512 real test images (all classes) and labels, in float64."""
    return fashion.test.x[:512].double(), fashion.test.y[:512]


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(1234)


# --- A stack member against the same seed alone -------------------------------------------------
# Bit-identical where MKL runs in strict CNR mode (the pinned code path, antidistill/numerics.py:
# its products then round alike whether MKL splits one between threads or spreads a batch of them
# across threads). On any other path (forced, or MKL's own choice with the pin switched off) a
# member's batched products may round differently from its products alone, and the tests compare
# with a tolerance instead. Derived from a measurement: every stack-vs-alone test of the suite
# under MKL_CBWR=COMPATIBLE, ATEN_CPU_CAPABILITY=default (AMD EPYC, 2 threads) differed by at most
# 1.4e-5 relative in a loss (antidistill_l4_0 in authors mode, where training carries a last-bit
# difference through its epochs; 2.0e-7 before the authors' draws moved its stream), and by one
# image in 256 in one accuracy (the same run's weight noise at eps 0.03: 0.4180 vs 0.4219), the
# last-bit difference having grown into one flipped prediction; with ATen's AVX2 kernels instead,
# 2.8e-5 in a loss. So losses and other floats are compared within STACK_RTOL (a factor 3.5 over
# the measured), accuracies within STACK_ACC_ATOL (two images in 256; a broken stack moves them by
# far more).
STACK_RTOL, STACK_ATOL = 1e-4, 1e-8
STACK_ACC_ATOL = 2 / 256
_worst: list[tuple[float, str]] = []


def exact_mlp(seed=0):
    """A float64 MLP small enough for the exact Hessian (4*5+5 + 5*3+3 + 3*3+3 = 55 parameters)."""
    from antidistill.models import MLP

    return MLP((5, 3), n_classes=3, n_inputs=4, generator=torch.Generator().manual_seed(seed)).double()


def exact_batch(seed=0):
    """16 float64 inputs and labels for ``exact_mlp``."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(16, 4, generator=g, dtype=torch.float64), torch.randint(0, 3, (16,), generator=g)


def one_student(seed=0):
    """A default-initialised student as a stack of one."""
    return StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(seed))])


@pytest.fixture(scope="session")
def smoke_results(tmp_path_factory):
    """A results folder computed once by ``python -m antidistill compute --profile smoke`` (a
    fresh process, as a user runs it), and the lines of the table it printed. The compute test
    checks it and resumes in it; the book test builds from a copy, so the smoke profile is
    computed once per test run (it is what the book computes before its pages run)."""
    folder = tmp_path_factory.mktemp("smoke-results")
    return folder, smoke_compute(folder)


def smoke_compute(folder) -> list[str]:
    """The table ``compute --profile smoke`` prints at the end (the search also prints its progress)."""
    out = subprocess.run(
        [sys.executable, "-m", "antidistill", "compute", str(folder), "--profile", "smoke", "--device", "cpu"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return [line for line in out.stdout.splitlines() if " min" in line]


def saved_results(folder) -> dict:
    """The teachers, searches and runs saved in a results folder, each with its modification time
    (a study's summary is left out: it is rewritten on every read)."""
    kinds = ("teachers", "search", "runs", "switches")
    return {p.relative_to(folder): p.stat().st_mtime_ns for kind in kinds for p in (folder / kind).iterdir()}


@pytest.fixture(scope="session")
def small_test(fashion):
    """1000 real test images."""
    return DataConfig(n_train=1, n_test=1000).apply(fashion).test


@pytest.fixture(scope="session")
def trained(fashion):
    """A student trained briefly on real data, so that noise has accuracy to destroy."""
    data = DataConfig(n_train=4096, n_test=1000).apply(fashion)
    model = StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(s)) for s in (0, 1)])
    fit(
        model,
        data.train,
        data.test,
        TrainConfig(epochs=2),
        plain_ce(ClassMask()),
        ClassMask(),
        [torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)],
        progress=False,
    )
    return model


def stacks_bit_exact() -> bool:
    from antidistill.numerics import mkl_branch

    branch = mkl_branch()
    return branch is not None and branch.endswith(",STRICT")


def _walk(a, b, where: str):
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), f"{where}: keys differ"
        for k in a:
            yield from _walk(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        assert len(a) == len(b), f"{where}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _walk(x, y, f"{where}[{i}]")
    elif isinstance(a, torch.Tensor):
        assert a.shape == b.shape and a.dtype == b.dtype, f"{where}: shapes or dtypes differ"
        if a.is_floating_point():
            yield a.detach().double(), b.detach().double(), where
        else:
            assert torch.equal(a, b), f"{where}: integers differ"
    elif isinstance(a, float) and isinstance(b, float):
        yield torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_as_alone(together, alone, where: str = "result") -> None:
    """Numbers of a stack member (``together``) against the same seed alone, any nesting of
    dicts, lists, floats, ints and tensors: equal to the bit on a strict-CNR path, else within
    STACK_RTOL/STACK_ATOL, accuracies within STACK_ACC_ATOL (the worst relative difference seen
    is printed after the tests)."""
    exact = stacks_bit_exact()
    for x, y, at in _walk(together, alone, where):
        if exact:
            assert torch.equal(x, y), f"{at}: {x.tolist()} != {y.tolist()} (bit-identical expected on this code path)"
            continue
        if "acc" in at.rsplit(".", 1)[-1]:  # an accuracy: a count of images
            gap = float((x - y).abs().max()) if x.numel() else 0.0
            assert gap <= STACK_ACC_ATOL, (
                f"{at}: stack and alone differ by {gap:.4f}, more than this path's {STACK_ACC_ATOL:.4f} for accuracies"
            )
            continue
        gap = float(((x - y).abs() / (y.abs() + STACK_ATOL / STACK_RTOL)).max()) if x.numel() else 0.0
        if gap > 0:
            _worst.append((gap, at))
        assert torch.allclose(x, y, rtol=STACK_RTOL, atol=STACK_ATOL, equal_nan=True), (
            f"{at}: stack and alone differ by {gap:.2e} relative, more than this path's tolerance {STACK_RTOL}"
        )


def pytest_terminal_summary(terminalreporter):
    from antidistill.numerics import code_path

    path = code_path()
    line = (
        f"CPU code path: MKL_CBWR={path['mkl_cbwr']}, ATen {path['aten']}, {path['threads']} threads "
        f"({'pinned' if path['pinned'] else 'not the pinned path'}); stacks vs alone: "
        f"{'bit-identical required' if stacks_bit_exact() else f'tolerance {STACK_RTOL} relative'}"
    )
    if _worst:
        gap, at = max(_worst)
        line += f"; largest difference seen {gap:.1e} ({at})"
    terminalreporter.write_line(line)


# --- Schema-valid records for tests that exercise the store without training --------------------
def valid_record(cfg, **fields) -> dict:
    """A run record of ``cfg`` (an ExperimentConfig) or a teacher record (a TeacherConfig) that
    passes ``antidistill.records``, every accuracy 0.5, with ``fields`` replacing its values."""
    from antidistill.config import config_hash, to_dict

    epochs = getattr(cfg, "student", None) or cfg.train
    history = [{"epoch": e, "val_acc": 0.5, "val_loss": 1.0} for e in range(epochs.epochs + 1)]
    record = {"seed": cfg.seed, "val_acc": 0.5, "history": history, "wall_time_s": 1.0}
    if hasattr(cfg, "attack"):
        n_fgsm, n_noise = len(cfg.attack.fgsm_eps), len(cfg.attack.noise_eps)
        record |= {
            "method": cfg.method,
            "mode": cfg.mode,
            "config_hash": config_hash(to_dict(cfg)),
            "metric_epochs": {"val_acc": epochs.epochs, "fgsm": epochs.epochs, "weight_noise": epochs.epochs},
            "pretrain_history": None,
            "fgsm": {"eps": list(cfg.attack.fgsm_eps), "acc": [0.5] * n_fgsm},
            "weight_noise": {
                "eps": list(cfg.attack.noise_eps),
                "acc": [0.5] * n_noise,
                "se": [0.0] * n_noise,
                "draws": [1] * n_noise,
            },
        }
    return record | fields


# Tiny runs for the tests of whole runs, the store and the command line.
# Capped weight-noise draws keep these runs short; the metric's own tests use the defaults.
TINY = {
    "data.n_train": 1024,
    "data.n_test": 256,
    "teacher.epochs": 1,
    "student.epochs": 1,
    "growth.pretrain.epochs": 1,
    "attack.noise_max_draws": 32,
}


TINY_ARGS = [
    "--epochs",
    "1",
    "--set",
    "data.n_train=1024",
    "--set",
    "data.n_test=256",
    "--set",
    "teacher.epochs=1",
    "--set",
    "growth.pretrain.epochs=1",
    "--set",
    "attack.noise_max_draws=32",
    "--quiet",
]


LAMBDAS = {"antidistill": (1.0, 0.01, 0.5, 0.5), "antidistill_l4_0": (1.0, 0.01, 0.5, 0.0)}


def tiny(method, mode="paper", seed=0, **extra):
    """A run of ``method`` small enough for a test: 1024 training images, one epoch per stage."""
    from antidistill.config import override
    from antidistill.experiment import ExperimentConfig

    return override(
        ExperimentConfig(method=method, seed=seed, mode=mode, lambdas=LAMBDAS.get(method)), {**TINY, **extra}
    )


def outcome(result):
    """A run's numbers, without what may differ between two computations of it (time, machine, cache)."""
    drop = {"wall_time_s", "cpu_time_s", "environment", "path", "cached", "teacher"}
    return {k: v for k, v in result.items() if k not in drop}


@pytest.fixture
def threads():
    """``threads(n)`` sets torch's thread count for the test; the count before is restored after it."""
    import torch

    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)
