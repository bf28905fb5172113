"""The malloc tuning applies on glibc, can be switched off, and never changes a number."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from antidistill.engine import allocator

SCRIPT = """
import torch
from antidistill.engine.allocator import keep_freed_memory
from antidistill.models import StackedMLP, student_model
from antidistill.masks import ClassMask
from antidistill.losses import plain_ce
from antidistill.train import TrainConfig, fit
from antidistill.data import Split
g = torch.Generator().manual_seed(0)
split = Split(torch.rand(600, 28, 28, generator=g), torch.randint(0, 10, (600,), generator=g))
model = StackedMLP.stack([student_model(generator=torch.Generator().manual_seed(s)) for s in range(2)])
fit(model, split, split, TrainConfig(epochs=2, lr=1e-3, batch_size=128), plain_ce(ClassMask()), ClassMask(),
    [torch.Generator().manual_seed(5), torch.Generator().manual_seed(6)], progress=False)
print(keep_freed_memory(), sum(float(p.double().sum()) for p in model.parameters()).hex())
"""


def _run(env_value: str) -> tuple[str, str]:
    env = {**os.environ, allocator.ENV: env_value}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    applied, checksum = out.stdout.split()
    return applied, checksum


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
@pytest.mark.slow  # a fresh Python process
def test_applied_on_glibc_off_by_env_and_numbers_unchanged():
    applied_on, on = _run("1")
    applied_off, off = _run("0")
    assert (applied_on, applied_off) == ("True", "False")
    assert on == off
