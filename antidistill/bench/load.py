"""Whether the machine was idle while a bench ran: other processes' share of its CPU time."""

from __future__ import annotations

import os
import resource
import time

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
            return (
                f"no: other processes used {100 * self.share:.0f}% of the {os.cpu_count()} CPUs' time during "
                f"the bench; rerun it on an idle machine"
            )
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
