"""antidistill: an executable reproduction of "Anti-Distillation: Knowledge Transfer from a Simple Model to the Complex One"."""

from . import numerics as _numerics

# Before anything imports torch's kernels: the CPU code path every run computes on (numerics.py).
_numerics.pin()

__version__ = "0.1.0"
