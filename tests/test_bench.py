"""The benchmark: its protocol counts follow the configs, and each timing runs."""

from __future__ import annotations

import torch

from antidistill.bench import (_trained_epoch, attack_curves, authors_style_epoch, fit_epoch, pretrain_epoch,
                               protocol_curves, protocol_sample_passes, single_run, tight_epoch)
from antidistill.data import DataConfig
from antidistill.profiles import PROFILES
from antidistill.protocol import RECORDED_LONG


def test_the_authors_30_epoch_rows_add_their_extra_student_epochs():
    paper, authors = protocol_sample_passes("paper"), protocol_sample_passes("authors")
    # Six rows x 10 seeds x 20 more epochs x 60000 images; the search trials train 10 epochs in both.
    assert authors["student"] - paper["student"] == len(RECORDED_LONG) * 10 * 20 * 60000
    assert authors["pretrain_l4"] == paper["pretrain_l4"] == (1 + 10) * 10 * 15 * 30000


def test_curves_are_counted_per_seed_run():
    # 8 methods x 10 seeds of final runs; the search adds (5 + 10) trials x 10 seeds of FGSM only.
    assert protocol_curves("paper") == protocol_curves("authors") == {"fgsm": 80 + 150, "weight_noise": 80}


def test_each_timing_runs_on_a_small_split(fashion):
    data = DataConfig(n_train=768, n_test=256).apply(fashion)
    cpu = torch.device("cpu")
    assert fit_epoch(data, cpu) > 0 and fit_epoch(data, cpu, n_seeds=3) > 0 and tight_epoch(data, cpu) > 0
    assert pretrain_epoch(data, cpu, (1.0, 1.0, 1.0, 1.0), n_seeds=2) > 0
    assert tight_epoch(data, cpu, epochs=2) > 0
    _, model = _trained_epoch(data, cpu, 2)
    assert all(t > 0 for t in attack_curves(model, data, cpu))
    assert single_run(cpu, PROFILES["smoke"].config("xavier", 0, "paper")) > 0
    epoch, parts = authors_style_epoch(data, cpu, n_batches=2)
    assert epoch >= 3 * parts["seconds per step"] and parts["seconds per evaluation pass"] > 0
