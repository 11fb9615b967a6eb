"""Shared fixtures. PyTorch is the reference for every option: in CI it must be there."""

from __future__ import annotations

import importlib
import os

import pytest


@pytest.fixture(scope="session")
def torch():
    """PyTorch, or a skip on a learner's machine without it; in CI a missing torch fails."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("PyTorch is required in CI: pip install -r requirements-dev.txt")
        pytest.skip("PyTorch not installed: pip install -r requirements-dev.txt to compare with it")
