"""Keeps freed tensor memory inside the process (glibc malloc), so a training step's large temporaries are not page-faulted in anew every step."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
# glibc serves a block of this size or more by mmap and unmaps it on free; 32 MiB is the most
# mallopt accepts on 64-bit Linux, above a stack of 20 students' batch ([20, 256, 784] floats, 16 MiB).
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 1024 * 1024 * 1024  # free memory at the heap's top kept before it is returned to the system
ENV = "ANTIDISTILL_KEEP_FREED_MEMORY"  # set to 0 to leave malloc as it is (to compare)


@functools.cache
def keep_freed_memory() -> bool:
    """Tell glibc's malloc to serve blocks up to ``MMAP_THRESHOLD`` from its heap and to keep
    up to ``TRIM_THRESHOLD`` of freed memory; returns whether it was applied.

    Without it, on the CPU every step of a stack allocates its batch-sized tensors (8 MiB for
    10 students) by mmap and frees them by munmap, and the kernel zero-fills their pages again
    at their first touch next step: for a pre-training step with L2 + L3 + L4, most of its page
    faults and system time. glibc raises its threshold by itself only after such a free, and
    trims the heap's top again soon after. Other C libraries
    (musl, macOS, Windows) are left alone, as is a process whose environment sets ``ENV`` to 0.
    Applied once per process; it only changes where freed memory waits, never a number.
    """
    if os.environ.get(ENV, "1") == "0":
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # glibc only: musl has mallopt as a no-op stub
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
