"""Fixtures for the golden-model unit tests (tests/unit)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from tables import new  # noqa: E402


@pytest.fixture
def env():
    """A fresh Memory and an IommuModel at reset with the default capabilities."""
    return new()


@pytest.fixture
def mem(env):
    return env[0]


@pytest.fixture
def iommu(env):
    return env[1]
