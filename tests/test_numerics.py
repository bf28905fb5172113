"""The pinned CPU code path: set on import, read back, a forced path wins, too late warns; and the
stack-vs-alone tests rerun under forced code paths, emulating CPUs whose MKL and ATen pick other kernels."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from antidistill import numerics

ROOT = Path(__file__).resolve().parents[1]
x86_only = pytest.mark.skipif(not numerics._x86(), reason="MKL's and ATen's x86 kernel choice only")


def _env(**forced: str) -> dict[str, str]:
    """This environment without any code-path setting (the test process was pinned on import), plus ``forced``."""
    return numerics.forced(forced)


def _python(code: str, **forced: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_env(**forced), capture_output=True, text=True, timeout=120
    )


READ = "import json, antidistill; from antidistill import numerics; print(json.dumps(numerics.code_path()))"


@x86_only
@pytest.mark.slow  # a fresh Python process
def test_importing_antidistill_pins_the_code_path():
    done = _python(READ)
    path = json.loads(done.stdout)
    assert path["pinned"] and path["aten"] == "AVX2" and path["mkl_cbwr"].endswith(",STRICT"), path
    assert path["threads"] >= 1 and path["cpu"]


@x86_only
@pytest.mark.parametrize(
    "forced, mkl, aten",
    [
        (numerics.EMULATED["compatible"], "COMPATIBLE", "DEFAULT"),
        (numerics.EMULATED["native"], "OFF", None),
    ],
)
@pytest.mark.slow  # a fresh Python process
def test_a_forced_path_wins_and_is_not_called_pinned(forced, mkl, aten):
    path = json.loads(_python(READ, **forced).stdout)
    assert path["mkl_cbwr"] == mkl and not path["pinned"]
    assert aten is None or path["aten"] == aten


@x86_only
@pytest.mark.slow  # a fresh Python process
def test_pinning_after_torch_computed_warns_and_says_what_to_do():
    done = _python(
        "import torch; torch.ones(4, 4) @ torch.ones(4, 4); import antidistill; "
        "from antidistill import numerics; print(numerics.check())"
    )
    assert done.stdout.strip() == "False"
    assert "CodePathWarning" in done.stderr and "Import antidistill first" in done.stderr


@pytest.mark.slow  # a fresh Python process
def test_importing_torch_first_warns_that_openmp_spins_unless_the_policy_is_set():
    done = _python("import torch; import antidistill")
    assert "SpinWarning" in done.stderr and "Import antidistill first" in done.stderr
    assert "SpinWarning" not in _python("import antidistill; import torch").stderr
    assert "SpinWarning" not in _python("import torch; import antidistill", OMP_WAIT_POLICY="ACTIVE").stderr


def test_this_test_process_loaded_antidistill_before_torch():
    """pyproject's ``-p antidistill`` loads it before any conftest imports torch: under load a
    spinning test process ran a 2.6 s epoch in 10 s."""
    assert not numerics.after_torch


# The stack-vs-alone tests, rerun in a fresh process under code paths other CPUs take. With MKL in
# strict CNR mode (any branch) they must hold to the bit whatever ATen's kernel set; without it,
# within the tolerance conftest states. On a CPU whose MKL honours the named branch (Intel) these
# are other kernels; elsewhere MKL runs its own strict or compatible kernels, still another path.
EQUALITY_TESTS = [
    "tests/test_experiment.py::test_a_stack_of_seeds_gives_each_seed_its_own_run",
    "tests/test_losses.py::test_members_with_their_own_lambdas_equal_their_own_losses",
    "tests/test_train.py::test_a_stack_trains_each_seed_as_it_trains_alone",
    "tests/test_attacks.py::test_fgsm_curves_of_a_stack_are_those_of_its_seeds",
    "tests/test_attacks.py::test_weight_noise_of_a_stack_is_that_of_its_seeds",
]
FORCED_PATHS = {name: numerics.EMULATED[name] for name in ("avx512-strict", "compatible")}


def test_a_forced_kernel_set_runs_only_where_the_cpu_has_its_instructions(monkeypatch):
    """ATen takes a forced kernel set unchecked, and dies of SIGILL where the CPU lacks it."""
    zen3 = frozenset({"sse2", "avx", "avx2", "fma"})
    zen4 = zen3 | {"avx512f", "avx512vl", "avx512bw", "avx512dq"}
    assert not numerics.can_run(numerics.EMULATED["avx512-strict"], zen3)
    assert numerics.can_run(numerics.EMULATED["avx512-strict"], zen4)
    assert numerics.can_run(numerics.PINNED, zen3) and not numerics.can_run(numerics.PINNED, frozenset({"avx"}))
    assert all(numerics.can_run(numerics.EMULATED[name], frozenset()) for name in ("native", "compatible"))
    assert [numerics.widest_kernels(f) for f in (frozenset({"avx"}), zen3, zen4)] == ["default", "avx2", "avx512"]
    monkeypatch.setattr(numerics, "cpu_flags", lambda: None)
    assert numerics.can_run(numerics.EMULATED["avx512-strict"])  # features unknown: not refused
    with pytest.raises(ValueError, match="avx512"):
        numerics.can_run({"ATEN_CPU_CAPABILITY": "avx1024"}, zen4)


@x86_only
@pytest.mark.slow
@pytest.mark.parametrize("name", list(FORCED_PATHS))
def test_stacks_equal_alone_under_a_forced_code_path(name):
    if not numerics.can_run(FORCED_PATHS[name]):
        pytest.skip(f"this CPU lacks the instructions of ATen's {FORCED_PATHS[name]['ATEN_CPU_CAPABILITY']} kernels")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *EQUALITY_TESTS],
        cwd=ROOT,
        env=_env(**FORCED_PATHS[name]),
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = done.stdout[-3000:]
    assert done.returncode == 0, report
    assert "CPU code path: MKL_CBWR=" in report
    strict = FORCED_PATHS[name]["MKL_CBWR"].endswith(",STRICT")
    assert ("bit-identical required" in report) == strict, report


@x86_only
@pytest.mark.slow  # a fresh Python process
def test_the_fingerprint_tool_finds_no_stacked_product_that_differs_on_the_pinned_path():
    done = subprocess.run(
        [sys.executable, "-m", "antidistill", "fingerprint"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "'pinned': True" in done.stdout and "MKL products " in done.stdout and "ATen kernels " in done.stdout
    assert "differ from the member alone: 0" in done.stdout


def _openmp() -> bool:
    import torch

    return "ATen parallel backend: OpenMP" in torch.__config__.parallel_info()


@pytest.mark.skipif(not _openmp(), reason="sum_as_published follows the chunking of ATen's OpenMP backend")
def test_a_long_sum_rounds_as_with_the_published_thread_count_on_any(threads):
    """ATen sums a long tensor in one chunk per thread, so a plain sum's last bits follow the thread
    count; ``sum_as_published`` is the plain sum at the published count, at every count, for sizes
    on both sides of each edge of ATen's chunking."""
    import torch

    grain = numerics.GRAIN_SIZE
    g = torch.Generator().manual_seed(0)
    sizes = (1000, grain, grain + 1, 2 * grain - 1, 2 * grain, 2 * grain + 1, 100352, 200704)
    xs = [torch.randn(n, generator=g) * 3 for n in sizes for _ in range(8)]
    threads(numerics.PUBLISHED_THREADS)
    published = [x.sum().item() for x in xs]
    plain_moved = 0
    for count in (1, 3, 4):
        threads(count)
        assert [numerics.sum_as_published(x).item() for x in xs] == published, count
        plain_moved += sum(x.sum().item() != p for x, p in zip(xs, published))
    assert plain_moved > 0  # without it, these sums would not show what the function is for


def test_paths_that_differ_only_in_threads_are_the_same_path():
    path = numerics.code_path()
    assert numerics.same_path(path, {**path, "threads": path["threads"] + 3})
    assert not numerics.same_path(path, {**path, "cpu": "another CPU"})
    assert not numerics.same_path(path, {**path, "aten": "another kernel set"})
