"""antidistill: an executable reproduction of "Anti-Distillation: Knowledge Transfer from a Simple Model to the Complex One"."""

__version__ = "0.1.0"
