"""The CPU's numerical code path: MKL's and ATen's kernel choice pinned (and read back) so a run recomputes to the bit."""

from __future__ import annotations

import ctypes
import functools
import os
import platform
import sys
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

# On an x86-64 CPU, MKL (every matrix product) and ATen (reductions, softmax, Adam...) each pick
# kernels for the CPU they find, and kernels of different vector widths round differently:
# the same seed then gives other last bits on another CPU model, and MKL's unpinned batched
# products give a stack member other bits than the same seed alone (measured; README,
# "Reproducibility"). Pinned, both run their AVX2 kernels on every AVX2-or-newer CPU, and
# MKL's conditional numerical reproducibility (CNR) mode makes its reductions deterministic.
# STRICT adds bitwise reproducibility of ?gemm across thread counts, which is what keeps a
# stack member's product equal to its product alone (MKL splits one product between the
# threads and a batch of products across them).
PINNED = {"MKL_CBWR": "AVX2,STRICT", "ATEN_CPU_CAPABILITY": "avx2"}
# libgomp's threads spin while they wait for work, so a process sharing the cores stalls every
# parallel region (beside one busy process a fit epoch took many times its idle time, most of it
# spinning). Waiting passively costs an idle machine a little on stacked epochs (wake-ups);
# OMP_WAIT_POLICY=ACTIVE in the environment takes that back on a dedicated machine. Read when
# torch loads libgomp, so it is set here too; it changes where threads wait, never a number.
WAIT_POLICY = {"OMP_WAIT_POLICY": "PASSIVE"}
SWITCH = "ANTIDISTILL_PIN_CODE_PATH"  # "0": leave MKL and ATen to pick for this CPU (to compare)
# Other code paths, forced through the environment to emulate CPUs whose MKL and ATen pick other
# kernels (the tests rerun the stack-vs-alone checks under some; python -m antidistill code-paths measures runs).
EMULATED = {
    "native": {SWITCH: "0"},  # whatever MKL and ATen pick for this CPU, no CNR
    "avx512-strict": {"MKL_CBWR": "AVX512,STRICT", "ATEN_CPU_CAPABILITY": "avx512"},
    "compatible": {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "default"},  # SSE2, no CNR strictness
}

# The CPU features ATen checks before it picks a kernel set itself (DispatchStub.cpp). A set
# forced through ATEN_CPU_CAPABILITY is taken unchecked: on a CPU without its instructions the
# process dies of SIGILL at its first kernel (seen: "avx512" on an AVX2-only AMD EPYC).
ATEN_NEEDS = {
    "default": (),
    "avx2": ("avx2", "fma"),
    "avx512": ("avx512vl", "avx512bw", "avx512dq", "fma"),
}

# ATen (its OpenMP backend, as in the Linux wheels) sums a tensor of more than GRAIN_SIZE
# elements in one chunk per thread (at most ceil(n / GRAIN_SIZE) chunks, the first ones
# ceil(n / chunks) long) and then adds the chunks' sums, so a long sum's last bits depend on the
# thread count; the published runs were computed with PUBLISHED_THREADS threads.
# `sum_as_published` forms that sum on any thread count.
GRAIN_SIZE = 32768  # at::internal::GRAIN_SIZE
PUBLISHED_THREADS = 2


def sum_as_published(x: torch.Tensor) -> torch.Tensor:
    """``x.sum()`` rounded as ATen rounds it with ``PUBLISHED_THREADS`` threads, whatever the thread
    count (each chunk summed on one thread, then the chunks' sums added in order); the gradient
    is ``x.sum()``'s. On CUDA, ``x.sum()``: the CPU's threads play no part there."""
    import torch  # this module is imported before torch, to pin its code path

    x = x.reshape(-1)
    n = x.numel()
    if x.device.type != "cpu" or n <= GRAIN_SIZE:
        return x.sum()  # one chunk: ATen sums it on one thread anyway
    chunks = min(PUBLISHED_THREADS, -(-n // GRAIN_SIZE))
    size = -(-n // chunks)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        total = x[:size].sum()
        for start in range(size, n, size):
            total = total + x[start : start + size].sum()
    finally:
        torch.set_num_threads(threads)
    return total


# oneMKL's mkl_cbwr_get values (mkl_service.h); the branch is the low 16 bits, STRICT a flag.
_MKL_BRANCHES = {
    1: "OFF",
    2: "AUTO",
    3: "COMPATIBLE",
    4: "SSE2",
    6: "SSSE3",
    7: "SSE4_1",
    8: "SSE4_2",
    9: "AVX",
    10: "AVX2",
    12: "AVX512",
    14: "AVX512_E1",
    15: "AVX512_FP16",
}
_MKL_STRICT, _MKL_ALL = 0x10000, -1


def forced(path: dict[str, str], environ: dict[str, str] | None = None) -> dict[str, str]:
    """An environment (``os.environ`` by default) with its code-path settings replaced by ``path``
    (one of ``EMULATED``; {} for the pinned path), for a child process."""
    env = {
        k: v
        for k, v in (os.environ if environ is None else environ).items()
        if k not in (*PINNED, *WAIT_POLICY, SWITCH)
    }
    return {**env, **path}


class CodePathWarning(UserWarning):
    """The run computes on another numerical code path than the pinned one."""


# Whether ``pin`` ran after torch was imported (so after OpenMP read its wait policy).
after_torch = False


class SpinWarning(UserWarning):
    """OpenMP was loaded (with torch) before ``pin`` could ask its threads to wait passively."""


def _x86() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


@functools.cache
def _cpuinfo(field: str) -> str | None:
    """The first value of ``field`` in Linux's /proc/cpuinfo, or None where it cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(field):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def cpu_flags() -> frozenset[str] | None:
    """The CPU's features as Linux lists them (/proc/cpuinfo), or None where they cannot be read."""
    flags = _cpuinfo("flags")
    return None if flags is None else frozenset(flags.split())


def _has_kernels(capability: str, flags: frozenset[str]) -> bool:
    if capability.lower() not in ATEN_NEEDS:
        raise ValueError(f"ATEN_CPU_CAPABILITY={capability!r} is not one of {', '.join(ATEN_NEEDS)}")
    return all(flag in flags for flag in ATEN_NEEDS[capability.lower()])


def widest_kernels(flags: frozenset[str] | None = None) -> str | None:
    """The widest ATen kernel set this CPU (or one with ``flags``) has the instructions for, as
    ``ATEN_CPU_CAPABILITY`` names it; None where the CPU's features cannot be read. Saved with
    each run: the CPU's name alone does not tell two CPUs of one family apart."""
    flags = cpu_flags() if flags is None else flags
    if flags is None:
        return None
    return [name for name in ATEN_NEEDS if _has_kernels(name, flags)][-1]


def can_run(path: dict[str, str], flags: frozenset[str] | None = None) -> bool:
    """Whether this CPU (or one with ``flags``) has the instructions of the ATen kernel set that
    ``path`` forces; True where the CPU's features cannot be read (then the CPU's maker is trusted)."""
    flags = cpu_flags() if flags is None else flags
    capability = path.get("ATEN_CPU_CAPABILITY")
    return capability is None or flags is None or _has_kernels(capability, flags)


def pin() -> None:
    """Pin the code path, unless the environment already names one (a forced path wins, so a
    test or a user can emulate another CPU) or sets ``SWITCH`` to 0; OpenMP waits passively
    unless the environment says otherwise.

    MKL reads ``MKL_CBWR`` at its first call and ATen reads ``ATEN_CPU_CAPABILITY`` at its first
    kernel, so setting them works until torch computes anything; ``check()`` says when it was too late.
    """
    global after_torch
    after_torch = "torch" in sys.modules
    if after_torch and not all(name in os.environ for name in WAIT_POLICY):
        warnings.warn(
            "torch was imported before antidistill, so OpenMP's threads busy-wait: beside other work on the "
            "same cores every run slows down (measured 4x here; the numbers are unchanged). Import antidistill "
            f"first, or export {' '.join(f'{k}={v}' for k, v in WAIT_POLICY.items())} before starting Python.",
            SpinWarning,
            stacklevel=3,
        )
    for name, value in WAIT_POLICY.items():
        os.environ.setdefault(name, value)
    if not _x86() or os.environ.get(SWITCH, "1") == "0":
        return
    if not can_run(PINNED):
        warnings.warn(
            "this CPU has no AVX2, so the pinned code path (ATen's AVX2 kernels) cannot run here: MKL and ATen "
            "pick kernels for this CPU, and numbers may differ in their last bits from the published runs.",
            CodePathWarning,
            stacklevel=3,
        )
        return
    for name, value in PINNED.items():
        os.environ.setdefault(name, value)


def requested() -> bool:
    """Whether this process asked for the pinned path (``pin`` ran and nothing forced another)."""
    return _x86() and all(os.environ.get(k) == v for k, v in PINNED.items())


@functools.cache
def _mkl_service() -> Any:
    import torch  # loads the library MKL is linked into

    lib_dir = os.path.join(os.path.dirname(torch.__file__), "lib")
    try:
        lib = ctypes.CDLL(os.path.join(lib_dir, "libtorch_cpu.so"))
        get = lib.mkl_serv_cbwr_get
    except (OSError, AttributeError):
        return None
    get.argtypes, get.restype = [ctypes.c_int], ctypes.c_int
    return get


def mkl_branch() -> str | None:
    """MKL's CNR setting in force, as ``MKL_CBWR`` spells it (e.g. "AUTO,STRICT": on a non-Intel
    CPU MKL runs a requested branch as AUTO; "OFF": no CNR), or None where it cannot be read.
    Reading it makes MKL read ``MKL_CBWR``, as its first product would."""
    get = _mkl_service()
    if get is None:
        return None
    value = get(_MKL_ALL)
    if value < 0:
        return None
    name = _MKL_BRANCHES.get(value & 0xFFFF, str(value & 0xFFFF))
    return name + (",STRICT" if value & _MKL_STRICT else "")


def aten_capability() -> str:
    import torch

    return torch.backends.cpu.get_cpu_capability()


def cpu_model() -> str:
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def code_path() -> dict[str, Any]:
    """What may decide a CPU run's last bits, saved with every run: the CPU, MKL's CNR setting,
    ATen's kernel set, the thread count (recorded; see ``same_path``), and whether this is the
    pinned path."""
    import torch

    mkl, aten = mkl_branch(), aten_capability()
    return {
        "cpu": cpu_model(),
        "mkl_cbwr": mkl,
        "aten": aten,
        "threads": torch.get_num_threads(),
        "pinned": is_pinned(mkl, aten),
    }


def same_path(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two saved code paths give the same last bits: all but the thread count agree. MKL's
    strict mode makes a product's bits independent of the thread count, and the one long sum
    whose bits reach training is ``sum_as_published``: published 2-thread runs of Xavier, Data
    Noise and Anti-Distillation (both modes), recomputed on 1 thread (`authors` Anti-Distillation
    on 3 as well), gave every number to the bit."""
    drop = lambda path: {k: v for k, v in path.items() if k != "threads"}  # noqa: E731
    return drop(a) == drop(b)


def is_pinned(mkl: str | None, aten: str) -> bool:
    """Whether MKL and ATen run the pinned kernels: AVX2 CNR with STRICT (read back as AUTO on
    a CPU MKL gives no named branch) and ATen's AVX2 kernels."""
    return (
        requested() and aten.upper() == PINNED["ATEN_CPU_CAPABILITY"].upper() and mkl in ("AVX2,STRICT", "AUTO,STRICT")
    )


def check() -> bool:
    """Warn (once per process) when this process asked for the pinned path and does not run it
    (torch computed before ``antidistill`` was imported); returns whether it runs it."""
    if not requested():
        return False
    path = code_path()
    if not path["pinned"]:
        _warn_once(path["mkl_cbwr"], path["aten"])
    return path["pinned"]


@functools.cache
def _warn_once(mkl: str | None, aten: str) -> None:
    warnings.warn(
        f"the CPU code path is MKL_CBWR={mkl}, ATen {aten}, not the pinned {PINNED}: torch computed "
        f"before antidistill was imported, so these numbers may differ in their last bits from a "
        f"recompute. Import antidistill first, or export "
        f"{' '.join(f'{k}={v}' for k, v in PINNED.items())} before starting Python.",
        CodePathWarning,
        stacklevel=3,
    )
