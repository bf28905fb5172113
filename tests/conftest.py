"""Shared fixtures: the real Fashion-MNIST (never downloaded in tests), small float64 models, and
the device of the experiment-level tests (``--device cuda`` or ANTIDISTILL_TEST_DEVICE; CPU by default)."""

from __future__ import annotations

import os

import pytest
import torch


def pytest_addoption(parser):
    parser.addoption("--device", default=os.environ.get("ANTIDISTILL_TEST_DEVICE", "cpu"),
                     help="device of the experiment-level tests: cpu (default), cuda, cuda:N "
                          "(or set ANTIDISTILL_TEST_DEVICE)")


def pytest_configure(config):
    name = config.getoption("--device")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise pytest.UsageError(f"--device {name}: torch sees no CUDA device here; run on a GPU machine or use cpu")
    if name != "cpu" and not name.startswith("cuda"):
        raise pytest.UsageError(f"--device must be cpu, cuda or cuda:N, got {name!r}")


@pytest.fixture(scope="session")
def device(request) -> str:
    return request.config.getoption("--device")

from antidistill.data import DataError, load_fashion_mnist


@pytest.fixture(scope="session")
def fashion():
    try:
        return load_fashion_mnist(allow_download=False)
    except DataError as exc:  # pragma: no cover - the README's setup installs the data
        pytest.fail(f"Fashion-MNIST is required for the tests: {exc}")


@pytest.fixture(scope="session")
def images64(fashion):
    """512 real test images (all classes) and labels, in float64."""
    return fashion.test.x[:512].double(), fashion.test.y[:512]


@pytest.fixture
def gen():
    return torch.Generator().manual_seed(1234)
