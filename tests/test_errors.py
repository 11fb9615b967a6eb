"""Bad input: a clear error that names the parameter and the value, from both versions."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import (
    max_pool_winners,
    output_shape,
    pool_backward,
    pool_forward,
    reference,
)

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
        (
            np.zeros((1, 4, 4, 0)),
            ValueError,
            r"A_prev must have at least one channel, got shape \(1, 4, 4, 0\) \(m, h, w, c\) "
            r"with c = 0, which PyTorch refuses too; for grey images use one channel",
        ),
        (np.zeros((0, 4, 4, 0)), ValueError, r"at least one channel, got shape \(0, 4, 4, 0\)"),
        (
            np.ma.masked_array(np.ones((1, 4, 4, 1)), mask=np.eye(4)[None, :, :, None]),
            TypeError,
            r"A_prev must be a plain array, got a masked array \(mask of shape \(1, 4, 4, 1\)\); "
            r"pooling would treat the masked cells as data. Fill them first: "
            r"A_prev.filled\(-np.inf\)",
        ),
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
            r"padding=\(2, 2\) for kernel_shape=\(3, 3\); PyTorch's rule \(kernel // 2 is "
            r"also all the padding an output as large as the input needs at stride 1\); lower "
            r"the padding or enlarge the kernel$",
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
            r"divisor_override must fit in 64 bits, got 1000\d+; PyTorch.s divisor is a 64-bit "
            r"integer; for the plain average of the window, use None",
        ),
        (
            dict(kernel_shape=np.array(2.5)),
            TypeError,
            r"kernel_shape must be an int or a pair of ints, got 2.5",
        ),
        (
            dict(kernel_shape={5: 1, 7: 1}),
            TypeError,
            r"kernel_shape must be an int or a pair of ints \(rows, cols\), got a dict "
            r"\{5: 1, 7: 1\}, which has no \(rows, cols\) order; pass a tuple such as \(2, 3\)",
        ),
        (dict(kernel_shape={0: 2, 1: 2}), TypeError, r"got a dict \{0: 2, 1: 2\}, which has no"),
        (dict(kernel_shape={2, 3}), TypeError, r"kernel_shape must .* got a set \{2, 3\}, which"),
        (dict(kernel_shape=2, stride=frozenset({1})), TypeError, r"stride must .* frozenset"),
        (dict(kernel_shape=np.bool_(True)), TypeError, r"kernel_shape must .* got np.True_"),
        (dict(kernel_shape=(2, False)), TypeError, r"kernel_shape must .* got \(2, False\)"),
        (
            dict(kernel_shape=2, mode="avg", divisor_override=True),
            TypeError,
            r"divisor_override must be None or an int, got True",
        ),
        (
            dict(kernel_shape=2, divisor_override=3),
            ValueError,
            r"divisor_override=3 applies to mode='avg' only; mode='max' would ignore it "
            r"\(PyTorch's max_pool2d has no such argument\): drop it, or use mode='avg'",
        ),
        (dict(kernel_shape=2, divisor_override=-1), ValueError, r"divisor_override=-1 applies"),
        (
            dict(kernel_shape=2, count_include_pad=False),
            ValueError,
            r"count_include_pad=False applies to mode='avg' only; mode='max' would ignore it",
        ),
        (
            dict(kernel_shape=(2, 2**63)),
            ValueError,
            r"kernel_shape=\(2, 9223372036854775808\) with dilation=\(1, 1\) spans",
        ),
        (
            dict(kernel_shape=3, padding=2**62),
            ValueError,
            r"padding must be at most half the kernel, kernel_shape // 2 = \(1, 1\), got "
            r"padding=\(4611686018427387904, 4611686018427387904\)",
        ),
        (
            dict(kernel_shape=2, dilation=np.uint64(2**63)),
            ValueError,
            r"kernel_shape=\(2, 2\) with dilation=\(9223372036854775808, 9223372036854775808\) "
            r"spans",
        ),
    ],
)
def test_bad_options(forward, kwargs, error, message):
    with pytest.raises(error, match=message):
        forward(A, **kwargs)


def test_bad_ties(backward):
    with pytest.raises(ValueError, match=r"ties must be one of 'first', 'all', 'split', got 'any'"):
        backward(np.zeros((2, 3, 3, 1)), A, 2, 2, ties="any")


@pytest.mark.parametrize("ties", ["all", "split"])
def test_ties_are_refused_for_averages(backward, ties):
    """An average window has no winner: a tie policy there would be silently ignored."""
    with pytest.raises(
        ValueError,
        match=rf"ties='{ties}' applies to mode='max' only; mode='avg' would ignore it \(every "
        r"cell of an average's window gets its share\): drop it, or use mode='max'",
    ):
        backward(np.zeros((2, 3, 3, 1)), A, 2, 2, mode="avg", ties=ties)


def test_options_at_their_defaults_are_accepted_in_either_mode(forward, backward):
    """Only a value the mode would ignore is refused, not the defaults passed explicitly."""
    dA = np.ones((2, 3, 3, 1))
    assert forward(A, 2, 2, "max", count_include_pad=True, divisor_override=None).shape == (
        2,
        3,
        3,
        1,
    )
    assert backward(dA, A, 2, 2, "avg", ties="first").shape == A.shape
    assert backward(dA, A, 2, 2, "max", count_include_pad=True).shape == A.shape


def test_the_mode_checks_apply_to_backward_too(backward):
    dA = np.ones((2, 3, 3, 1))
    with pytest.raises(ValueError, match=r"divisor_override=2 applies to mode='avg' only"):
        backward(dA, A, 2, 2, divisor_override=2)
    with pytest.raises(ValueError, match=r"count_include_pad=False applies to mode='avg' only"):
        backward(dA, A, 2, 2, count_include_pad=False)


def test_masked_upstream_gradients_are_refused(backward):
    dA = np.ma.masked_array(np.ones((2, 3, 3, 1)), mask=False)
    with pytest.raises(TypeError, match=r"dA must be a plain array, got a masked array"):
        backward(dA, A, 2, 2)


@pytest.mark.parametrize("module", [None, reference], ids=["fast", "loops"])
def test_winners_validate_like_the_forward_pass(module):
    winners = module.max_pool_winners if module else max_pool_winners
    with pytest.raises(ValueError, match=r"A_prev must have at least one channel"):
        winners(np.zeros((1, 4, 4, 0)), 2)
    with pytest.raises(TypeError, match=r"kernel_shape must .* got a set"):
        winners(A, {2})


def test_an_empty_batch_is_allowed_as_in_pytorch(forward, backward):
    """m = 0 gives an empty result of the right shape; only zero channels are refused."""
    empty = np.zeros((0, 6, 6, 3), dtype=np.float32)
    out = forward(empty, 3, 2, padding=1)
    assert out.shape == (0, 3, 3, 3) and out.dtype == np.float32
    grad = backward(np.zeros(out.shape), empty, 3, 2, padding=1)
    assert grad.shape == empty.shape


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


def test_numpy_integers_are_ints(forward):
    out = forward(
        A,
        (np.int64(3), np.uint8(2)),
        stride=np.int32(2),
        mode="avg",
        padding=(np.int16(1), np.uint64(0)),
        divisor_override=np.int64(-3),
    )
    assert out.shape == (2, 3, 3, 1)
    assert forward(A, np.array([3, 2]), dilation=np.array([1, 2])).shape == (2, 4, 4, 1)


def test_negative_divisors_are_accepted_as_in_pytorch(forward):
    out = forward(np.ones((1, 2, 2, 1)), 2, mode="avg", divisor_override=-2)
    assert out[0, 0, 0, 0] == -2.0
