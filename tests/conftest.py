"""Shared fixtures. PyTorch is the reference for every option: in CI it must be there."""

from __future__ import annotations

import importlib
import os

import pytest

# The CPU build: an unpinned `pip install torch` on Linux fetches gigabytes of CUDA.
TORCH_INSTALL = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"


def import_torch():
    """PyTorch, or a skip saying how to install it; with CI=true a missing torch fails.

    Without torch the recorded answers in ``tests/fixtures/torch_pooling.npz``
    still check parity; only the live comparisons skip.
    """
    try:
        return importlib.import_module("torch")
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PyTorch is required in CI: {TORCH_INSTALL}")
        pytest.skip(
            f"PyTorch not installed (the recorded answers still ran): {TORCH_INSTALL} "
            "to compare with it live"
        )


@pytest.fixture(scope="session")
def torch():
    """PyTorch for the live parity tests: see :func:`import_torch`."""
    return import_torch()


@pytest.fixture(scope="module")
def one_blas_thread():
    """Run BLAS on one thread for a module's tests.

    On a shared 2-core machine two OpenBLAS threads that wait on each other
    turned a half-second training test into a minute; one thread is also what
    the network tests' small matrices are fastest on.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        yield
