"""Bad input: a clear error that names the parameter and the value, from both versions."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import output_shape, pool_backward, pool_forward, reference

A = np.zeros((2, 6, 6, 1))
VERSIONS = [
    pytest.param((pool_forward, pool_backward), id="fast"),
    pytest.param((reference.pool_forward, reference.pool_backward), id="loops"),
]


@pytest.fixture(params=VERSIONS)
def forward(request):
    return request.param[0]


@pytest.fixture(params=VERSIONS)
def backward(request):
    return request.param[1]


@pytest.mark.parametrize(
    "A_prev, error, message",
    [
        (
            np.zeros((28, 28)),
            ValueError,
            r"A_prev must have 4 dimensions \(m, h, w, c\), got shape \(28, 28\); for one grey "
            r"image use A\[None, :, :, None\]",
        ),
        (np.zeros((5, 28, 28)), ValueError, r"got shape \(5, 28, 28\); for a batch of grey images"),
        (np.zeros((1, 2, 3, 4, 5)), ValueError, r"got shape \(1, 2, 3, 4, 5\)$"),
        (
            np.zeros((1, 0, 4, 1)),
            ValueError,
            r"non-empty height and width, got shape \(1, 0, 4, 1\)",
        ),
        (
            np.zeros((1, 4, 4, 1), dtype=complex),
            TypeError,
            r"A_prev must hold real numbers, got complex dtype complex128",
        ),
        (np.full((1, 4, 4, 1), "a"), TypeError, r"A_prev must hold numbers, got dtype <U1"),
        (np.array([[[[None]]]]), TypeError, r"A_prev must hold numbers, got dtype object"),
        ([[1, 2], [3]], TypeError, r"A_prev must be a numeric array, got list"),
    ],
)
def test_bad_arrays(forward, A_prev, error, message):
    with pytest.raises(error, match=message):
        forward(A_prev, 2)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            dict(kernel_shape=0),
            ValueError,
            r"kernel_shape must be positive, got \(0, 0\); a window needs at least one cell",
        ),
        (dict(kernel_shape=(2, -1)), ValueError, r"kernel_shape must be positive, got \(2, -1\)"),
        (
            dict(kernel_shape=2.5),
            TypeError,
            r"kernel_shape must be an int or a pair of ints, got 2.5",
        ),
        (dict(kernel_shape=(2, 2.0)), TypeError, r"got \(2, 2.0\)"),
        (
            dict(kernel_shape=True),
            TypeError,
            r"kernel_shape must be an int or a pair of ints, got True",
        ),
        (dict(kernel_shape="2"), TypeError, r"got '2'"),
        (
            dict(kernel_shape=(1, 2, 3)),
            ValueError,
            r"kernel_shape must be an int or a pair of ints \(rows, cols\), got \(1, 2, 3\) with 3",
        ),
        (
            dict(kernel_shape=2, stride=0),
            ValueError,
            r"stride must be positive, got \(0, 0\); stride=1 places a window at every position",
        ),
        (
            dict(kernel_shape=2, dilation=(1, 0)),
            ValueError,
            r"dilation must be positive, got \(1, 0\)",
        ),
        (
            dict(kernel_shape=2, padding=-1),
            ValueError,
            r"padding must be zero or positive, got \(-1, -1\)",
        ),
        (
            dict(kernel_shape=3, padding=2),
            ValueError,
            r"padding must be at most half the kernel, kernel_shape // 2 = \(1, 1\), got "
            r"padding=\(2, 2\) for kernel_shape=\(3, 3\)",
        ),
        (
            dict(kernel_shape=7),
            ValueError,
            r"kernel_shape=\(7, 7\) with dilation=\(1, 1\) spans 7 x 7 cells, larger than the "
            r"padded input of 6 x 6",
        ),
        (dict(kernel_shape=3, dilation=3), ValueError, r"spans 7 x 7 cells"),
        (
            dict(kernel_shape=2, mode="mean"),
            ValueError,
            r"mode must be one of 'max', 'avg', got 'mean'",
        ),
        (
            dict(kernel_shape=2, ceil_mode="yes"),
            TypeError,
            r"ceil_mode must be True or False, got 'yes'",
        ),
        (
            dict(kernel_shape=2, mode="avg", count_include_pad=1),
            TypeError,
            r"count_include_pad must be True or False, got 1",
        ),
        (
            dict(kernel_shape=2, mode="avg", divisor_override=0),
            ValueError,
            r"divisor_override must not be 0; use None to divide by the number of cells",
        ),
        (
            dict(kernel_shape=2, mode="avg", divisor_override=2.0),
            TypeError,
            r"divisor_override must be None or an int, got 2.0",
        ),
        (
            dict(kernel_shape=2, mode="avg", divisor_override=10**400),
            ValueError,
            r"divisor_override must fit in 64 bits, got 1000",
        ),
        (
            dict(kernel_shape=np.array(2.5)),
            TypeError,
            r"kernel_shape must be an int or a pair of ints, got 2.5",
        ),
    ],
)
def test_bad_options(forward, kwargs, error, message):
    with pytest.raises(error, match=message):
        forward(A, **kwargs)


def test_bad_ties(backward):
    with pytest.raises(ValueError, match=r"ties must be one of 'first', 'all', 'split', got 'any'"):
        backward(np.zeros((2, 3, 3, 1)), A, 2, 2, ties="any")


@pytest.mark.parametrize(
    "dA, message",
    [
        (
            np.zeros((2, 3, 3, 2)),
            r"dA must have the forward output's shape \(m, h_out, w_out, c\) = "
            r"\(2, 3, 3, 1\), got \(2, 3, 3, 2\)",
        ),
        (np.zeros((2, 5, 5, 1)), r"= \(2, 3, 3, 1\), got \(2, 5, 5, 1\)"),
        (np.zeros((3, 3, 1)), r"dA must have 4 dimensions \(m, h_out, w_out, c\), got shape"),
    ],
)
def test_dA_must_match_the_forward_output(backward, dA, message):
    with pytest.raises(ValueError, match=message):
        backward(dA, A, 2, 2)


def test_output_shape_validates_the_same_way():
    with pytest.raises(ValueError, match=r"the input's height and width must be at least 1, got"):
        output_shape(0, 5, 2)
    with pytest.raises(ValueError, match=r"padding must be at most half the kernel"):
        output_shape(5, 5, 2, padding=2)


def test_errors_leave_inputs_untouched(forward):
    A_prev = np.arange(36.0).reshape(1, 6, 6, 1)
    saved = A_prev.copy()
    with pytest.raises(ValueError):
        forward(A_prev, 3, padding=2)
    np.testing.assert_array_equal(A_prev, saved)


def test_zero_dimensional_arrays_count_as_ints(forward):
    assert forward(A, np.array(2), stride=np.int64(2)).shape == (2, 3, 3, 1)


def test_negative_divisors_are_accepted_as_in_pytorch(forward):
    out = forward(np.ones((1, 2, 2, 1)), 2, mode="avg", divisor_override=-2)
    assert out[0, 0, 0, 0] == -2.0
