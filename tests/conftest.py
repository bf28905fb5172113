"""Shared fixtures: the real Fashion-MNIST (never downloaded in tests) and small float64 models."""

from __future__ import annotations

import pytest
import torch

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
