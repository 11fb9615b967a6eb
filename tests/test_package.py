"""The package's front door: what `import pooling_lib` gives a notebook."""

from __future__ import annotations

import pytest

import pooling_lib


def test_submodules_load_on_first_use():
    assert pooling_lib.gradcheck.rel_error is not None
    assert pooling_lib.reference.pool_forward is not pooling_lib.pool_forward


def test_unknown_attributes_say_so():
    with pytest.raises(AttributeError, match=r"module 'pooling_lib' has no attribute 'pool'"):
        pooling_lib.pool  # noqa: B018
