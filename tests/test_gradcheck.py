"""The gradient-checking helpers the notebooks use."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import pool_backward, pool_forward
from pooling_lib.gradcheck import numeric_gradient, rel_error, tie_free


def test_numeric_gradient_never_nudges_the_callers_array():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    saved = x.copy()
    grad = numeric_gradient(lambda v: (v**3).sum(keepdims=True), x, np.ones(1))
    np.testing.assert_allclose(grad, 3 * saved**2, rtol=1e-8)
    np.testing.assert_array_equal(x, saved)


def test_a_numeric_check_fails_at_a_tie_and_passes_without_one():
    """The reason notebooks check max pooling on tie-free inputs."""
    tied = np.zeros((1, 2, 2, 1))
    dA = np.ones((1, 1, 1, 1))
    numeric = numeric_gradient(lambda x: pool_forward(x, 2), tied, dA)
    assert rel_error(pool_backward(dA, tied, 2), numeric) > 0.1
    clean = tie_free((1, 2, 2, 1))
    numeric = numeric_gradient(lambda x: pool_forward(x, 2), clean, dA)
    assert rel_error(pool_backward(dA, clean, 2), numeric) < 1e-9


def test_rel_error_edge_cases():
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(
        ValueError, match=r"rel_error needs arrays of one shape, got \(2,\) and \(3,\)"
    ):
        rel_error(np.zeros(2), np.zeros(3))


def test_tie_free_values_are_spread_apart():
    x = tie_free((2, 5, 5, 3), seed=4, gap=0.5)
    gaps = np.diff(np.sort(x.ravel()))
    assert np.all(gaps >= 0.5 - 1e-12)


@pytest.mark.parametrize(
    "a, b",
    [
        ([1.0, np.nan], [1.0, 2.0]),
        ([1.0, 2.0], [np.nan, 2.0]),
        ([np.nan], [np.nan]),
        ([np.inf], [1.0]),
        ([np.inf], [-np.inf]),
        ([1.0], [-np.inf]),
    ],
)
def test_a_nan_or_a_lone_infinity_never_looks_like_agreement(a, b):
    """NaN > tol is False for every tol: a NaN error would let a broken gradient pass."""
    assert rel_error(np.array(a), np.array(b)) == np.inf
    assert rel_error(np.array(a), np.array(b)) > 1e300


def test_rel_error_of_equal_infinities_and_extreme_values():
    assert rel_error(np.array([np.inf, -np.inf, 1.0]), np.array([np.inf, -np.inf, 1.0])) == 0.0
    # |a - b| and |a| + |b| both overflow here; halving first keeps the true ratio.
    assert rel_error(np.array([1e308]), np.array([-1e308])) == 1.0
    assert rel_error(np.array([np.finfo(np.float64).max]), np.array([0.0])) == 1.0
