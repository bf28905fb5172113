"""Benchmarks and cost accounting, outside the method: timings (``timings``, ``authors_loop``, the engine against its references in ``engine``), the
cost model of the full protocol (``cost``), the bench table (``table``) and what saved results
cost (``accounting``)."""

from .accounting import measured_profile, profile_table, save_bench, saved_benches
from .authors_loop import authors_style_epoch
from .cost import (
    STACKED_D1,
    matmul_flops_per_sample,
    pretrain_kind,
    protocol_curves,
    protocol_pretrain_fits,
    protocol_sample_passes,
    protocol_student_fits,
)
from .engine import Compared, compare_engine
from .load import LOADED_SHARE, OtherLoad
from .table import BenchConfig, run_bench
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

__all__ = [
    "LOADED_SHARE",
    "STACKED_D1",
    "BenchConfig",
    "Compared",
    "OtherLoad",
    "_trained_epoch",
    "attack_curves",
    "authors_style_epoch",
    "compare_engine",
    "fit_epoch",
    "matmul_flops_per_sample",
    "matmul_gflops",
    "measured_profile",
    "pretrain_epoch",
    "pretrain_kind",
    "profile_table",
    "protocol_curves",
    "protocol_pretrain_fits",
    "protocol_sample_passes",
    "protocol_student_fits",
    "run_bench",
    "save_bench",
    "saved_benches",
    "single_run",
    "steady_epoch",
    "tight_epoch",
]
