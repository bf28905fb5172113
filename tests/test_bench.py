"""The benchmark: its protocol counts follow the configs, and each timing runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import torch
from conftest import valid_record

from antidistill.bench import (
    LOADED_SHARE,
    OtherLoad,
    _trained_epoch,
    attack_curves,
    authors_style_epoch,
    fit_epoch,
    matmul_flops_per_sample,
    measured_profile,
    pretrain_epoch,
    protocol_curves,
    protocol_pretrain_fits,
    protocol_sample_passes,
    protocol_student_fits,
    single_run,
    steady_epoch,
    tight_epoch,
)
from antidistill.data import DataConfig
from antidistill.profiles import PROFILES
from antidistill.protocol import RECORDED_LONG


def test_the_authors_30_epoch_rows_add_their_extra_student_epochs():
    paper, authors = protocol_sample_passes("paper"), protocol_sample_passes("authors")
    # Six rows x 10 seeds x 20 more epochs x 60000 images; the search trials train 10 epochs in both.
    assert authors["student"] - paper["student"] == len(RECORDED_LONG) * 10 * 20 * 60000
    # Pre-training with L4: the final runs (10 seeds x 15 epochs), then 10 trials x 10 seeds
    # pre-training 15 epochs (paper mode) or 10 (the authors' notebooks).
    assert paper["pretrain_l4"] == (1 + 10) * 10 * 15 * 30000
    assert authors["pretrain_l4"] == (10 * 15 + 10 * 10 * 10) * 30000


def test_matmul_flops_are_the_hand_count_of_forward_and_backward():
    """Forward 2*in*out per layer, backward the weight gradient (2*in*out) and the gradient of
    every layer's input but the images' (2*in*out); L3 repeats the whole step on noisy images."""

    def plain(widths):
        pairs = [a * b for a, b in zip(widths[:-1], widths[1:])]
        return 2 * sum(pairs) + 2 * sum(pairs) + 2 * sum(pairs[1:])

    flops = matmul_flops_per_sample()
    assert flops["student"] == plain((784, 256, 128, 64, 10)) == 1_052_416
    assert flops["teacher"] == plain((784, 128, 64, 32, 10))
    assert flops["pretrain_l3"] == 2 * flops["student"]
    assert flops["pretrain_l4"] > flops["pretrain_l3"] + 784 * 256 * 2  # L4 adds at least x V^T


def test_curves_are_counted_per_seed_run():
    # 8 methods x 10 seeds of final runs; the search adds (5 + 10) trials x 10 seeds of FGSM only.
    assert protocol_curves("paper") == protocol_curves("authors") == {"fgsm": 80 + 150, "weight_noise": 80}


def test_pretraining_fits_are_counted_per_stack():
    # Final runs: data_noise and antidistill_l4_0 (L3), antidistill (L4); then 5 + 10 search trials.
    assert protocol_pretrain_fits() == {"pretrain_l3": 2 + 5, "pretrain_l4": 1 + 10}
    # Students: all 8 methods' final runs, then the 5 + 10 search trials.
    assert protocol_student_fits() == 8 + 5 + 10


def test_steady_epoch_is_a_second_epochs_time_on_cuda_only():
    """On CUDA the rate is two epochs less one (a first epoch also captures the graphs), after one
    untimed fit (a process's first CUDA work, measured on an H100: a one-epoch fit slower than a
    two-epoch one), best of the repeats; the first's excess is reported apart. On the CPU one
    epoch, best of the repeats, is the rate."""
    calls = []

    def timed(epochs: int) -> float:  # the first fit of the process pays 10 s more
        calls.append(epochs)
        return {1: 5.0, 2: 7.0}[epochs] + (10.0 if len(calls) == 1 else 0.0)

    assert steady_epoch(timed, torch.device("cuda"), repeats=2) == (2.0, 3.0) and calls == [1, 1, 2, 1, 2]
    calls.clear()
    assert steady_epoch(timed, torch.device("cpu"), repeats=2) == (5.0, 0.0) and calls == [1, 1]
    assert steady_epoch(lambda e: {1: 5.0, 2: 9.0}[e], torch.device("cuda")) == (4.0, 1.0)
    assert steady_epoch(lambda e: {1: 5.0, 2: 11.0}[e], torch.device("cuda")) == (6.0, 0.0)  # never negative
    with pytest.raises(RuntimeError, match="rerun the bench"):
        steady_epoch(lambda e: {1: 5.0, 2: 4.0}[e], torch.device("cuda"))


def test_measured_profile_sums_the_saved_wall_times_of_that_profile_only(tmp_path):
    pytest.importorskip("optuna")
    from antidistill.search import SearchConfig
    from antidistill.store import Store

    store, smoke, quick = Store(tmp_path), PROFILES["smoke"], PROFILES["quick"]

    def save(kind, name, cfg, wall):
        store.save(kind, name, cfg, valid_record(cfg, wall_time_s=wall))

    save("teachers", "t0", smoke.config("zero_pad", 0, "paper").teacher_config(), 36.0)
    save("teachers", "t0q", quick.config("zero_pad", 0, "paper").teacher_config(), 1e4)
    for seed in smoke.seeds:
        save("runs", f"x{seed}", smoke.config("xavier", seed, "paper"), 72.0)
        save("runs", f"a{seed}", smoke.config("xavier", seed, "authors"), 1e4)
    trial = SearchConfig.of(smoke, "antidistill", "paper").trial_config(0, (0.5, 0.25, 0.125, 0.0625))
    save("search", "s0", trial, 180.0)
    rows = {
        what: (saved, expected, hours) for what, saved, expected, hours in measured_profile(store, "paper", "smoke")
    }
    assert rows["teachers"] == (1, len(smoke.seeds), 0.01)
    assert rows["final runs: xavier"] == (len(smoke.seeds), len(smoke.seeds), 0.02 * len(smoke.seeds))
    assert rows["search trials: antidistill"] == (1, smoke.trials("antidistill") * len(smoke.seeds), 0.05)
    assert rows["final runs: net2net"] == (0, len(smoke.seeds), 0.0)
    # The fresh seeds' teachers and runs count on a row of their own, other seeds not at all.
    save("teachers", "t2", smoke.config("zero_pad", 2, "paper").teacher_config(), 18.0)
    save("runs", "x3", smoke.config("xavier", 3, "paper"), 36.0)
    save("runs", "x9", smoke.config("xavier", 9, "paper"), 1e4)
    rows = {
        what: (saved, expected, hours) for what, saved, expected, hours in measured_profile(store, "paper", "smoke")
    }
    assert rows["fresh seeds: teachers and final runs"] == (2, 9 * len(smoke.seeds), 0.015)
    assert rows["teachers"] == (1, len(smoke.seeds), 0.01)
    assert rows["final runs: xavier"] == (len(smoke.seeds), len(smoke.seeds), 0.02 * len(smoke.seeds))
    # Final runs of a searched method count with the λ its study chose, not with others (their runs regenerated).
    chosen, theirs = (0.5, 0.25, 0.125, 0.0625), (0.3, 0.2, 0.1, 0.05)
    for name, lambdas in (("mine", chosen), ("theirs", theirs)):
        save("runs", name, smoke.config("antidistill", 0, "paper", lambdas), 360.0)
    study = SearchConfig.of(smoke, "antidistill", "paper").study_name
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / f"{study}.json").write_text(
        json.dumps(
            {"best_lambdas": list(chosen), "importance_lambdas": list(theirs), "final_lambdas_from": "best_trial"}
        )
    )
    rows = {
        what: (saved, expected, hours) for what, saved, expected, hours in measured_profile(store, "paper", "smoke")
    }
    assert rows["final runs: antidistill"] == (1, len(smoke.seeds), 0.1)


def _timed_within_its_call(fn):
    """What ``fn`` returns, checked to be a time spent inside the call: positive, and no more
    than the call's own wall time (a timing of other work, or of nothing, fails)."""
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    seconds = value if isinstance(value, (int, float)) else sum(value)
    assert 0 < seconds <= elapsed, (value, elapsed)
    return value


def test_each_timing_times_work_inside_its_own_call(fashion):
    data = DataConfig(n_train=768, n_test=256).apply(fashion)
    cpu = torch.device("cpu")
    _timed_within_its_call(lambda: fit_epoch(data, cpu))
    _timed_within_its_call(lambda: fit_epoch(data, cpu, n_seeds=3, epochs=2))
    _timed_within_its_call(lambda: tight_epoch(data, cpu, epochs=2))
    _timed_within_its_call(lambda: pretrain_epoch(data, cpu, (1.0, 1.0, 1.0, 1.0), n_seeds=2))
    _timed_within_its_call(lambda: pretrain_epoch(data, cpu, (1.0, 1.0, 1.0, 1.0), n_seeds=2, mode="authors"))
    _, model = _trained_epoch(data, cpu, 2)
    _timed_within_its_call(lambda: attack_curves(model, data, cpu))
    _timed_within_its_call(lambda: single_run(cpu, PROFILES["smoke"].config("xavier", 0, "paper")))
    epoch, parts = authors_style_epoch(data, cpu, n_batches=2)
    assert epoch >= 3 * parts["seconds per step"] and parts["seconds per evaluation pass"] > 0


def test_the_table_rows_follow_the_timings():
    """The table's derived rows are ratios and sums of the measured timings: twice as slow a
    machine (every timing doubled) doubles every time and estimate and halves every rate; the
    matmul-rate floor moves with the matmul rate alone."""
    from antidistill.bench.table import Measured, authors_rows, estimate_rows, student_rows

    def measured(scale: float, gflops: float) -> Measured:
        d1 = {
            "paper": {"pretrain_l3": 0.3 * scale, "pretrain_l4": 0.9 * scale},
            "authors": {"pretrain_l3": 0.4 * scale, "pretrain_l4": 0.5 * scale},
        }
        return Measured(
            torch.device("cpu"),
            60000,
            10,
            gflops=gflops,
            fit=2.0 * scale,
            stacked=0.5 * scale,
            tight=1.0 * scale,
            fgsm=0.2 * scale,
            noise=0.4 * scale,
            run=30.0 * scale,
            ten_tight=10.0 * scale,
            stacked_d1=d1,
            d1_first={m: {k: 0.0 for k in d1[m]} for m in d1},
            theirs=20.0 * scale,
        )

    one, two, fast = measured(1, 100.0), measured(2, 100.0), measured(1, 200.0)
    rows1, rows2 = student_rows(one), student_rows(two)
    assert rows1["S = 10 vs S = 1, per seed (x faster)"] == rows2["S = 10 vs S = 1, per seed (x faster)"] == 4.0
    assert rows2["student epoch, fit: samples/s"] == rows1["student epoch, fit: samples/s"] / 2 == 15000.0
    assert rows1["single-seed run / 10 tight-loop epochs"] == 3.0
    assert authors_rows(one)["ours vs authors'-style (x faster)"] == 10.0
    est1, est2, est_fast = estimate_rows(one), estimate_rows(two), estimate_rows(fast)
    for key, hours in est1.items():
        if "estimated" in key:
            assert hours > 0 and est2[key] == pytest.approx(2 * hours) and est_fast[key] == pytest.approx(hours)
        else:  # the matmul-rate floor
            assert est2[key] == pytest.approx(hours) and est_fast[key] == pytest.approx(hours / 2)
    assert (
        est1["full paper profile, paper mode (hours, estimated)"]
        != est1["full paper profile, authors mode (hours, estimated)"]
    )


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="reads /proc/stat")
@pytest.mark.slow  # a fresh Python process
def test_a_busy_machine_is_detected_and_flagged():
    """Other processes spinning on a quarter of the cores while the bench would time: their share
    is seen and the verdict says the timings are not this code's speed."""
    n = os.cpu_count() or 1
    spin = "import time\nend = time.time() + 3\nwhile time.time() < end: pass"
    hogs = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(max(1, n // 4))]
    try:
        time.sleep(0.3)
        with OtherLoad() as load:
            time.sleep(1.5)
    finally:
        for hog in hogs:
            hog.kill()
    assert load.share is not None and load.share > 0.8 * len(hogs) / n > LOADED_SHARE
    assert load.verdict().startswith("no: other processes used")
    load.share = 0.01
    assert load.verdict().startswith("yes")


def test_each_engine_piece_is_set_against_its_reference(fashion):
    """A comparison times both sides on the same work (each within its own call) and the table
    shows both times and their ratio, the reference's over the engine's."""
    from antidistill.bench.engine import Compared, draws
    from antidistill.bench.table import Measured, engine_rows

    start = time.perf_counter()
    probes = draws(fashion, torch.device("cpu"), repeats=1, kind="rademacher")
    wall = time.perf_counter() - start
    assert 0 < probes.reference_s < wall and 0 < probes.engine_s < wall
    assert probes.reference == "torch draws per member" and probes.speedup == probes.reference_s / probes.engine_s
    m = Measured(torch.device("cpu"), 60000, 10, engine=[Compared("L4 (x)", "Pearlmutter", 3.0, 1.5)])
    assert engine_rows(m) == {
        "engine: L4 (x) (s)": 1.5,
        "engine: L4 (x), its reference, Pearlmutter (s)": 3.0,
        "engine: L4 (x) vs Pearlmutter (x faster)": 2.0,
    }
