"""Tests for pooling_lib.exercises: each checker passes the truth and catches the classic mistakes.

Every mistake is a small buggy implementation written the way a learner would
write it. The tests assert that the checker fails it, on the expected case,
and that the printed hint names the mistake.
"""

import math

import numpy as np
import pytest

from pooling_lib import exercises, output_shape, pool_backward, pool_forward, reference
from pooling_lib.exercises.cases import Case
from pooling_lib.exercises.runner import run_checker
from pooling_lib.gradcheck import numeric_gradient, tie_free

# ---------------------------------------------------------------------------
# Helpers


def run(checker, fn, capsys):
    """Run ``checker(fn)``; return its result and what it printed, whitespace collapsed.

    Hints are wrapped to fit a notebook's width; collapsing runs of spaces and
    newlines lets tests look for a phrase wherever the lines break.
    """
    result = checker(fn)
    return result, " ".join(capsys.readouterr().out.split())


def windows(A_prev, kernel_shape, stride):
    """Yield (i, j, row slice, col slice) for every window, no padding."""
    (kh, kw), (sh, sw) = kernel_shape, stride
    h_out, w_out = output_shape(A_prev.shape[1], A_prev.shape[2], kernel_shape, stride)
    for i in range(h_out):
        for j in range(w_out):
            yield i, j, slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw)


def loop_forward(A_prev, kernel_shape, stride, reduce=np.max, size=output_shape):
    """A learner-style forward pass; ``reduce`` and ``size`` let tests plant mistakes."""
    m, h, w, c = A_prev.shape
    h_out, w_out = size(h, w, kernel_shape, stride)
    A = np.zeros((m, h_out, w_out, c))
    for i, j, rows, cols in windows(A_prev, kernel_shape, stride):
        if i < h_out and j < w_out:
            A[:, i, j, :] = reduce(A_prev[:, rows, cols, :], axis=(1, 2))
    return A


def max_backward_loops(
    dA, A_prev, kernel_shape, stride, pick="first", accumulate=True, scale_by_dA=True
):
    """A learner-style max backward pass with switches for the classic mistakes."""
    dA_prev = np.zeros_like(A_prev)
    m, _, _, c = A_prev.shape
    for i, j, rows, cols in windows(A_prev, kernel_shape, stride):
        for n in range(m):
            for ch in range(c):
                window = A_prev[n, rows, cols, ch]
                if pick == "first":
                    mask = np.zeros(window.shape)
                    mask.flat[np.argmax(window)] = 1
                elif pick == "all":
                    mask = (window == np.max(window)).astype(float)
                elif pick == "last":
                    mask = np.zeros(window.shape)
                    mask.flat[window.size - 1 - np.argmax(window.ravel()[::-1])] = 1
                else:  # "equality": the first cell equal to the max; NaN never equals itself
                    equal = (window == np.max(window)).ravel()
                    mask = np.zeros(window.shape)
                    if equal.any():
                        mask.flat[np.argmax(equal)] = 1
                grad = mask * (dA[n, i, j, ch] if scale_by_dA else 1.0)
                if accumulate:
                    dA_prev[n, rows, cols, ch] += grad
                else:
                    winner = np.unravel_index(np.argmax(mask), mask.shape)
                    dA_prev[n, rows, cols, ch][winner] = grad[winner]
    return dA_prev


def avg_backward_loops(dA, A_prev, kernel_shape, stride, divisor=None, accumulate=True):
    """A learner-style avg backward pass; ``divisor`` and ``accumulate`` plant mistakes."""
    kh, kw = kernel_shape
    divisor = kh * kw if divisor is None else divisor
    dA_prev = np.zeros_like(A_prev)
    for i, j, rows, cols in windows(A_prev, kernel_shape, stride):
        share = dA[:, i, j, :][:, None, None, :] / divisor
        if accumulate:
            dA_prev[:, rows, cols, :] += share
        else:
            dA_prev[:, rows, cols, :] = share
    return dA_prev


# ---------------------------------------------------------------------------
# Attempted or not, and errors in the learner's code


@pytest.mark.parametrize(
    "checker",
    [
        exercises.check_output_size,
        exercises.check_output_size_full,
        exercises.check_forward_max,
        exercises.check_forward_avg,
        exercises.check_backward_max,
        exercises.check_backward_avg,
        exercises.check_canvas,
        exercises.check_padding,
        exercises.check_same_padding,
        exercises.check_numeric_gradient,
        exercises.check_tie_free,
        exercises.check_adjoint_test,
    ],
)
def test_not_attempted_none_stub_and_empty_body(checker, capsys):
    def stub(*args):
        raise NotImplementedError

    def empty(*args):
        pass

    for fn in (None, stub, empty):
        result, out = run(checker, fn, capsys)
        assert result.passed is False and result.attempted is False
        assert not result
        assert "not attempted yet" in out
        assert "not attempted" in repr(result)
    assert "`empty` returned None" in out


def test_exception_is_reported_not_raised(capsys):
    def broken(A_prev, kernel_shape, stride):
        raise RuntimeError("something odd")

    result, out = run(exercises.check_forward_max, broken, capsys)
    assert not result and result.attempted
    assert "your function raised RuntimeError" in out
    assert "RuntimeError: something odd" in out
    assert "read the error message" in out
    assert len(result.failed) == 9


def test_an_exception_shows_how_the_function_was_called(capsys):
    _, out = run(exercises.check_backward_max, lambda d, A, k, s: A[:, 100], capsys)
    assert (
        "called fn(dA, A_prev, kernel_shape=(2, 2), stride=(2, 2)) with dA of shape "
        "(1, 1, 1, 1) and A_prev of shape (1, 2, 2, 1)"
    ) in out
    _, out = run(exercises.check_same_padding, lambda n, k, s: n / 0, capsys)
    assert "called fn(n=28, kernel=2, stride=2) Hint:" in out


def test_index_error_hint(capsys):
    def past_the_end(A_prev, kernel_shape, stride):
        return A_prev[:, 100]

    result, out = run(exercises.check_forward_avg, past_the_end, capsys)
    assert "IndexError: index 100 is out of bounds" in out
    assert "an index ran past the end" in out


def test_broadcast_error_hint(capsys):
    def misaligned(dA, A_prev, kernel_shape, stride):
        return np.ones(2) + np.ones(3)

    _, out = run(exercises.check_backward_avg, misaligned, capsys)
    assert "ValueError: operands could not be broadcast" in out
    assert "shapes did not line up" in out


def test_wrong_signature_hint(capsys):
    def two_arguments(A_prev, kernel_shape):
        return A_prev

    _, out = run(exercises.check_forward_max, two_arguments, capsys)
    assert "TypeError" in out
    assert "fn(A_prev, kernel_shape, stride)" in out


def test_not_implemented_in_a_later_case_is_a_failure(capsys):
    def only_square(A_prev, kernel_shape, stride):
        if kernel_shape[0] != kernel_shape[1]:
            raise NotImplementedError("rectangles later")
        return pool_forward(A_prev, kernel_shape, stride)

    result, out = run(exercises.check_forward_max, only_square, capsys)
    assert result.attempted and not result
    assert result.failed == ("rectangular kernel and stride (4 x 7, kernel (2, 3), stride (1, 2))",)
    assert "raised NotImplementedError" in out


def test_none_in_a_later_case_is_a_failure(capsys):
    def forgets(A_prev, kernel_shape, stride):
        if A_prev.shape[0] > 1:
            return None
        return pool_forward(A_prev, kernel_shape, stride)

    result, out = run(exercises.check_forward_max, forgets, capsys)
    assert result.failed == ("several examples and channels (m = 2, c = 3)",)
    assert "must `return` its result" in out


def test_changing_the_input_is_caught(capsys):
    def cleans_in_place(A_prev, kernel_shape, stride):
        np.nan_to_num(A_prev, copy=False)
        return pool_forward(A_prev, kernel_shape, stride)

    result, out = run(exercises.check_forward_max, cleans_in_place, capsys)
    assert result.failed == ("a NaN in a window (NaN must come out)",)
    assert "changed its input `A_prev` in place" in out


def test_non_array_answer(capsys):
    _, out = run(exercises.check_forward_max, lambda A, k, s: "an answer", capsys)
    assert "returned str" in out
    _, out = run(exercises.check_backward_max, lambda d, A, k, s: {"dA_prev": 0}, capsys)
    assert "returned dict" in out
    _, out = run(exercises.check_padding, lambda *args: {1: 2}, capsys)
    assert "returned dict" in out


def test_result_object(capsys):
    result, out = run(exercises.check_forward_max, lambda A, k, s: pool_forward(A, k, s), capsys)
    assert result and result.passed and result.attempted
    assert result.cases == 12 and result.failed == () and result.hints == ()
    assert repr(result) == "CheckResult('check_forward_max', passed=True, 12 of 12 cases pass)"
    assert result._ipython_display_() is None
    assert out.endswith(
        "✓ a NaN in a window (NaN must come out) ✓ 3 random cases, new ones on every run "
        "All 12 cases pass. Well done!"
    )


# ---------------------------------------------------------------------------
# Output size


def test_output_size_passes_the_truth(capsys):
    result, _ = run(exercises.check_output_size, output_shape, capsys)
    assert result


@pytest.mark.parametrize(
    "rule, hint",
    [
        (lambda n, k, s: (n - k) // s, "off by one in the output size: remember the +1"),
        (lambda n, k, s: math.ceil((n - k) / s) + 1, "you rounded up"),
        (lambda n, k, s: n // k, "h // kh is right only when stride == kernel"),
        (lambda n, k, s: n // s, "h // sh counts windows that would run past the end"),
        (lambda n, k, s: n - k + 1, "the stride is missing"),
        (lambda n, k, s: (n - k) / s + 1, "not ints"),
        (lambda n, k, s: n - k, "along each axis there are (n - k) // s + 1 windows"),
    ],
)
def test_output_size_catches(rule, hint, capsys):
    def size(h, w, kernel_shape, stride):
        return rule(h, kernel_shape[0], stride[0]), rule(w, kernel_shape[1], stride[1])

    result, out = run(exercises.check_output_size, size, capsys)
    assert not result
    assert hint in out


def test_output_size_catches_swapped_axes_and_non_pairs(capsys):
    def swapped(h, w, kernel_shape, stride):
        return output_shape(h, w, kernel_shape, stride)[::-1]

    result, out = run(exercises.check_output_size, swapped, capsys)
    assert result.failed == ("rectangular everything (6 x 9, kernel (2, 3), stride (1, 2))",)
    assert "height and width are swapped" in out
    _, out = run(exercises.check_output_size, lambda h, w, k, s: (h - k[0]) // s[0] + 1, capsys)
    assert "return a pair of ints" in out
    result, _ = run(
        exercises.check_output_size, lambda h, w, k, s: np.array(output_shape(h, w, k, s)), capsys
    )
    assert result


def full_size(n, k, s, p=0, d=1, ceil_mode=False, drop=True, plus_one=1):
    numerator = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    size = numerator // s + plus_one
    if ceil_mode and drop and (size - 1) * s >= n + p:
        size -= 1
    return size


def test_output_size_full_passes_the_truth(capsys):
    result, _ = run(exercises.check_output_size_full, full_size, capsys)
    assert result


@pytest.mark.parametrize(
    "fn, hint",
    [
        (
            lambda n, k, s, p, d, c: full_size(n, k, s, p, d, c, plus_one=0),
            "off by one in the output size: remember the +1",
        ),
        (lambda n, k, s, p, d, c: full_size(n, k, s, p, 1, c), "dilation is missing"),
        (
            lambda n, k, s, p, d, c: full_size(n, k, s, p, d, c, drop=False),
            "the last window must start inside the input or the left padding",
        ),
        (lambda n, k, s, p, d, c: full_size(n, k, s, p, d, False), "ceil_mode is ignored"),
        (
            lambda n, k, s, p, d, c: (n + p - d * (k - 1) - 1) // s + 1,
            "padding is added on both sides",
        ),
        (lambda n, k, s, p, d, c: full_size(n, k, s, 0, d, c), "padding is missing"),
        (lambda n, k, s, p, d, c: float(full_size(n, k, s, p, d, c)), "not an int"),
        (lambda n, k, s, p, d, c: (n, k), "return one int"),
        (lambda n, k, s, p, d, c: full_size(n, k, s, p, d, c) + 3, "floor((n + 2p - d*(k - 1) - 1"),
    ],
)
def test_output_size_full_catches(fn, hint, capsys):
    result, out = run(exercises.check_output_size_full, fn, capsys)
    assert not result
    assert hint in out


# ---------------------------------------------------------------------------
# Forward passes


@pytest.mark.parametrize(
    "fn",
    [
        lambda A, k, s: pool_forward(A, k, s),
        lambda A, k, s: reference.pool_forward(A, k, s),
        loop_forward,
    ],
)
def test_forward_max_passes_the_truth(fn, capsys):
    result, out = run(exercises.check_forward_max, fn, capsys)
    assert result, out


@pytest.mark.parametrize(
    "fn",
    [
        lambda A, k, s: pool_forward(A, k, s, "avg"),
        lambda A, k, s: reference.pool_forward(A, k, s, "avg"),
        lambda A, k, s: loop_forward(A, k, s, reduce=np.mean),
    ],
)
def test_forward_avg_passes_the_truth(fn, capsys):
    result, out = run(exercises.check_forward_avg, fn, capsys)
    assert result, out


def max_from_zero(A_prev, kernel_shape, stride):
    """The running maximum starts at 0, as np.zeros makes it."""
    m, h, w, c = A_prev.shape
    A = np.zeros((m, *output_shape(h, w, kernel_shape, stride), c))
    for i, j, rows, cols in windows(A_prev, kernel_shape, stride):
        for di in range(kernel_shape[0]):
            for dj in range(kernel_shape[1]):
                A[:, i, j] = np.maximum(A[:, i, j], A_prev[:, rows.start + di, cols.start + dj])
    return A


def unstrided(A_prev, kernel_shape, stride):
    """Window (i, j) starts at row i, column j: the stride only sets the output size."""
    m, h, w, c = A_prev.shape
    (kh, kw) = kernel_shape
    A = np.zeros((m, *output_shape(h, w, kernel_shape, stride), c))
    for i in range(A.shape[1]):
        for j in range(A.shape[2]):
            A[:, i, j] = A_prev[:, i : i + kh, j : j + kw].max(axis=(1, 2))
    return A


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (max_from_zero, "negative inputs (kernel 2, stride 2)", "started at 0"),
        (
            lambda A, k, s: loop_forward(A, k, s, reduce=np.nanmax),
            "a NaN in a window",
            "the NaN was skipped",
        ),
        (
            lambda A, k, s: loop_forward(A, k, s, reduce=np.mean),
            "one window",
            "you computed averages",
        ),
        (
            lambda A, k, s: pool_forward(A, k[::-1], s),
            "rectangular",
            "kernel height and width are swapped",
        ),
        (
            lambda A, k, s: pool_forward(A, k, s[::-1]),
            "rectangular",
            "stride rows and columns are swapped",
        ),
        (
            lambda A, k, s: pool_forward(A, s, s),
            "overlapping windows (kernel 3, stride 1)",
            "the windows are stride-sized",
        ),
        (unstrided, "non-overlapping windows", "window (i, j) must start at row i * sh"),
        (
            lambda A, k, s: np.broadcast_to(
                pool_forward(A, k, s).max(axis=3, keepdims=True), pool_forward(A, k, s).shape
            ),
            "several examples and channels",
            "the channels were pooled together",
        ),
        (
            lambda A, k, s: np.broadcast_to(
                pool_forward(A, k, s).max(axis=0, keepdims=True), pool_forward(A, k, s).shape
            ),
            "several examples and channels",
            "the examples were pooled together",
        ),
        (
            lambda A, k, s: loop_forward(
                A, k, s, size=lambda h, w, k, s: ((h - k[0]) // s[0], (w - k[1]) // s[1])
            ),
            "one window",
            "off by one in the output size: remember the +1",
        ),
        (
            lambda A, k, s: pool_forward(A, k, s)[..., 0],
            "one window",
            "the batch or the channel axis is missing",
        ),
        (
            lambda A, k, s: (
                pool_forward(A, k, s)[..., 0] if A.shape[1] != 2 else pool_forward(A, k, s)
            ),
            "non-overlapping",
            "the channel axis is missing",
        ),
        (
            lambda A, k, s: pool_forward(A, k, s)[0] if A.shape[1] != 2 else pool_forward(A, k, s),
            "non-overlapping",
            "the batch axis is missing",
        ),
        (
            lambda A, k, s: pool_forward(A, k, s)[:, :, :, :, None],
            "one window",
            "the output must have shape (m, h_out, w_out, c)",
        ),
        (
            lambda A, k, s: pool_forward(A, k, s) + (A.shape[1] == 7),
            "stride larger than the kernel",
            "the first wrong output is A[0, 0, 0, 0]. Its window covers rows 0, 1 and columns 0, 1",
        ),
    ],
)
def test_forward_max_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_forward_max, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


def avg_floor(A_prev, kernel_shape, stride):
    sums = pool_forward(A_prev, kernel_shape, stride, "avg", divisor_override=1)
    return sums // (kernel_shape[0] * kernel_shape[1])


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda A, k, s: loop_forward(A, k, s, reduce=np.sum),
            "one window",
            "these are the windows' sums: divide each by the number of cells it holds, kh * kw = 4",
        ),
        (avg_floor, "one window", "the averages were rounded down"),
        (
            lambda A, k, s: loop_forward(A, k, s, reduce=np.nanmean),
            "a NaN in a window",
            "the NaN was skipped",
        ),
        (lambda A, k, s: pool_forward(A, k, s), "one window", "you computed maxima"),
        (
            lambda A, k, s: pool_forward(A, k, s, "avg") * (1 + (A.shape[1] == 5)),
            "overlapping windows",
            "the first wrong output is A[0, 0, 0, 0]",
        ),
    ],
)
def test_forward_avg_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_forward_avg, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


def test_forward_feedback_shows_the_arrays(capsys):
    _, out = run(exercises.check_forward_max, max_from_zero, capsys)
    assert "First failing case: negative inputs (kernel 2, stride 2)" in out
    assert "input A_prev[0, :, :, 0]:" in out
    assert "expected A[0, :, :, 0]:" in out
    assert "yours A[0, :, :, 0]:" in out
    assert "1 of 9 cases fail" in out


def test_forward_feedback_names_example_and_channel(capsys):
    def wrong_last_channel(A_prev, kernel_shape, stride):
        A = pool_forward(A_prev, kernel_shape, stride)
        if A.shape[3] > 1:
            A[1, 0, 1, 2] += 1
        return A

    _, out = run(exercises.check_forward_max, wrong_last_channel, capsys)
    assert "showing example 1, channel 2" in out
    assert "A[1, 0, 1, 2]" in out


# ---------------------------------------------------------------------------
# Backward passes


@pytest.mark.parametrize(
    "fn",
    [
        lambda d, A, k, s: pool_backward(d, A, k, s),
        lambda d, A, k, s: reference.pool_backward(d, A, k, s),
        max_backward_loops,
    ],
)
def test_backward_max_passes_the_truth(fn, capsys):
    result, out = run(exercises.check_backward_max, fn, capsys)
    assert result, out


@pytest.mark.parametrize(
    "fn",
    [
        lambda d, A, k, s: pool_backward(d, A, k, s, "avg"),
        lambda d, A, k, s: reference.pool_backward(d, A, k, s, "avg"),
        avg_backward_loops,
    ],
)
def test_backward_avg_passes_the_truth(fn, capsys):
    result, out = run(exercises.check_backward_avg, fn, capsys)
    assert result, out


def gradient_to_top_left(dA, A_prev, kernel_shape, stride):
    dA_prev = np.zeros_like(A_prev)
    for i, j, rows, cols in windows(A_prev, kernel_shape, stride):
        dA_prev[:, rows.start, cols.start] += dA[:, i, j]
    return dA_prev


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda d, A, k, s: max_backward_loops(d, A, k, s, accumulate=False),
            "overlapping windows (kernel 3, stride 1)",
            "looks like `=` where `+=` is needed",
        ),
        (
            lambda d, A, k, s: max_backward_loops(d, A, k, s, pick="all"),
            "tied maxima",
            "every tied maximum got the full gradient",
        ),
        (
            lambda d, A, k, s: pool_backward(d, A, k, s, ties="split"),
            "tied maxima",
            "the gradient was split between tied maxima",
        ),
        (
            lambda d, A, k, s: max_backward_loops(d, A, k, s, pick="last"),
            "tied maxima",
            "the last of the tied maxima got the gradient",
        ),
        (
            lambda d, A, k, s: max_backward_loops(d, A, k, s, pick="equality"),
            "a NaN in a window",
            "the NaN got no gradient",
        ),
        (
            lambda d, A, k, s: max_backward_loops(d, A, k, s, scale_by_dA=False),
            "non-overlapping windows",
            "each winner got 1 instead of its window's upstream gradient",
        ),
        (
            lambda d, A, k, s: pool_backward(d, A, k, s, "avg"),
            "one window",
            "this is the gradient of average pooling",
        ),
        (lambda d, A, k, s: d, "one window", "not dA's: start from np.zeros_like(A_prev)"),
        (lambda d, A, k, s: np.zeros((1, 1)), "one window", "so it has A_prev's shape"),
        (
            gradient_to_top_left,
            "non-overlapping",
            "should be 0, yours is 1. It lies in the windows (i, j) = (0, 0).",
        ),
        (
            lambda d, A, k, s: (
                pool_backward(d, A, k, s)
                + (A.shape[1:3] == (5, 5) and s == (2, 2)) * (np.arange(A.shape[2]) == 4)[:, None]
            ),
            "a size the stride does not divide",
            "dA_prev[0, 0, 4, 0] should be 0, yours is 1. No "
            "window covers that cell, so its gradient is 0.",
        ),
    ],
)
def test_backward_max_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_backward_max, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


def avg_spread_to_edges(dA, A_prev, kernel_shape, stride):
    """Repeat dA over the windows, then stretch it to A_prev's size with its edge values."""
    dA_prev = avg_backward_loops(dA, A_prev, kernel_shape, stride)
    h_used = (dA.shape[1] - 1) * stride[0] + kernel_shape[0]
    w_used = (dA.shape[2] - 1) * stride[1] + kernel_shape[1]
    dA_prev[:, h_used:] = dA_prev[:, h_used - 1 : h_used]
    dA_prev[:, :, w_used:] = dA_prev[:, :, w_used - 1 : w_used]
    return dA_prev


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda d, A, k, s: avg_backward_loops(d, A, k, s, accumulate=False),
            "overlapping windows (kernel 3, stride 1)",
            "looks like `=` where `+=` is needed: overlapping windows must add",
        ),
        (
            lambda d, A, k, s: avg_backward_loops(d, A, k, s, divisor=1),
            "one window",
            "every cell got the window's whole gradient: divide dA by the kh * kw = 4 cells",
        ),
        (
            lambda d, A, k, s: avg_backward_loops(d, A, k, s, divisor=k[0]),
            "one window",
            "every value is off by the same factor",
        ),
        (avg_spread_to_edges, "a size the stride does not divide", "cells that no window covers"),
        (
            lambda d, A, k, s: pool_backward(d, A, k, s),
            "one window",
            "this is the gradient of max pooling",
        ),
        (gradient_to_top_left, "one window", "Each covering window sends it dA[0, i, j, 0] / 4"),
        (
            lambda d, A, k, s: avg_backward_loops(d, A, k, s) + (A.shape[1] == 7),
            "stride larger",
            "dA_prev[0, 0, 0, 0] should be 0.25, yours is 1.25. It lies in the windows "
            "(i, j) = (0, 0)",
        ),
    ],
)
def test_backward_avg_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_backward_avg, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


def test_backward_feedback_shows_upstream_gradient(capsys):
    _, out = run(
        exercises.check_backward_max,
        lambda d, A, k, s: max_backward_loops(d, A, k, s, pick="all"),
        capsys,
    )
    assert "upstream gradient dA[0, :, :, 0]:" in out
    assert "expected dA_prev[0, :, :, 0]:" in out
    assert "yours dA_prev[0, :, :, 0]:" in out


def test_backward_feedback_names_example_and_channel(capsys):
    def wrong_second_example(dA, A_prev, kernel_shape, stride):
        dA_prev = pool_backward(dA, A_prev, kernel_shape, stride)
        if A_prev.shape[0] > 1:
            dA_prev[1] *= -1
        return dA_prev

    _, out = run(exercises.check_backward_max, wrong_second_example, capsys)
    assert "showing example 1, channel" in out


# ---------------------------------------------------------------------------
# Padding and ceil mode


def truth_padded(A, k, s, mode, p, ceil_mode, count_include_pad):
    return pool_forward(
        A, k, s, mode, padding=p, ceil_mode=ceil_mode, count_include_pad=count_include_pad
    )


def padded_by_hand(
    A,
    k,
    s,
    mode,
    p,
    ceil_mode,
    count_include_pad,
    pad_value=-np.inf,
    count_overhang=False,
    drop=True,
):
    """Pad explicitly, then pool with loops: how a learner might write it.

    The input sits in a canvas of NaN, large enough for the ceil-mode overhang;
    the padding around it holds ``pad_value`` (max) or 0 (avg). With
    ``pad_value=0`` the overhang holds 0 too, as when one pads to cover it.
    """
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    m, h, w, c = A.shape
    sizes = [
        full_size(n, kk, ss, pp, 1, ceil_mode, drop)
        for n, kk, ss, pp in ((h, kh, sh, ph), (w, kw, sw, pw))
    ]
    big = np.full(
        (m, h + 2 * ph + kh + sh, w + 2 * pw + kw + sw, c), 0.0 if pad_value == 0 else np.nan
    )
    big[:, : h + 2 * ph, : w + 2 * pw] = pad_value if mode == "max" else 0.0
    big[:, ph : ph + h, pw : pw + w] = A
    out = np.zeros((m, *sizes, c))
    for i in range(sizes[0]):
        for j in range(sizes[1]):
            window = big[:, i * sh : i * sh + kh, j * sw : j * sw + kw]
            if mode == "max":
                out[:, i, j] = np.nanmax(window, axis=(1, 2))
                continue
            rows = np.arange(i * sh, i * sh + kh)
            cols = np.arange(j * sw, j * sw + kw)
            in_input = np.outer((rows >= ph) & (rows < ph + h), (cols >= pw) & (cols < pw + w))
            in_padded = np.outer(rows < h + 2 * ph, cols < w + 2 * pw)
            counted = in_padded if count_include_pad else in_input
            if count_overhang:
                # "Every row and column that is not padding": the overhang counts.
                not_padding_rows = ((rows >= ph) & (rows < ph + h)) | (rows >= h + 2 * ph)
                not_padding_cols = ((cols >= pw) & (cols < pw + w)) | (cols >= w + 2 * pw)
                counted = counted | np.outer(not_padding_rows, not_padding_cols)
            out[:, i, j] = np.nansum(window, axis=(1, 2)) / counted.sum()
    return out


def test_padding_passes_the_truth(capsys):
    for fn in (truth_padded, padded_by_hand):
        result, out = run(exercises.check_padding, fn, capsys)
        assert result, out

    def reference_padded(A, k, s, mode, p, ceil_mode, count_include_pad):
        return reference.pool_forward(
            A, k, s, mode, padding=p, ceil_mode=ceil_mode, count_include_pad=count_include_pad
        )

    result, _ = run(exercises.check_padding, reference_padded, capsys)
    assert result


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda *args: padded_by_hand(*args, pad_value=0.0),
            "max with padding 1 on negative inputs",
            "padding with zeros wins over negative inputs: pad max with -inf",
        ),
        (
            lambda *args: (
                padded_by_hand(*args, pad_value=0.0) if args[4] == (0, 0) else truth_padded(*args)
            ),
            "max in ceil mode on negative inputs",
            "Windows that reach into the ceil-mode overhang came out as 0",
        ),
        (
            lambda *args: padded_by_hand(*args, count_overhang=True),
            "avg in ceil mode",
            "ceil-mode overhang counted in the divisor",
        ),
        (
            lambda *args: truth_padded(*args[:6], True),
            "avg with padding 1, count_include_pad=False",
            "count_include_pad=False: divide by the cells inside the input only",
        ),
        (
            # count_include_pad=False in the avg cases only: max pooling refuses it.
            lambda *args: truth_padded(*args[:6], args[3] == "max"),
            "avg with padding 1, count_include_pad=True",
            "count_include_pad=True: padding cells count in the divisor",
        ),
        (
            lambda *args: (
                truth_padded(*args) if args[6] else padded_by_hand(*args, count_overhang=True)
            ),
            "avg in ceil mode with padding 1, count_include_pad=False",
            "ceil-mode overhang counted in the divisor",
        ),
        (
            lambda *args: padded_by_hand(*args, drop=False),
            "ceil mode drops a window",
            "drop a window that would start at or past the input's end",
        ),
        (
            lambda *args: truth_padded(*args[:5], False, args[6]),
            "max in ceil mode",
            "ceil_mode is ignored",
        ),
        (
            lambda *args: truth_padded(*args[:4], 0, *args[5:]),
            "max with padding 1 (5 x 5",
            "padding is ignored",
        ),
        (
            lambda A, k, s, mode, p, c, cip: pool_forward(
                A[:, p[0] :, p[1] :], k, s, mode, padding=p, ceil_mode=c, count_include_pad=cip
            ),
            "max with padding 1 (5 x 5",
            "padding goes on both sides",
        ),
        (
            lambda *args: truth_padded(*args)[:, :1],
            "no padding",
            "see output_shape() for the number of windows",
        ),
        (
            lambda *args: truth_padded(*args) * 2 if args[3] == "max" else truth_padded(*args),
            "no padding",
            "the first wrong output is A[0, 0, 0, 0]",
        ),
    ],
)
def test_padding_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_padding, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


def test_padding_window_hint_marks_padding_cells(capsys):
    def wrong_at_the_border(*args):
        out = truth_padded(*args)
        if args[4] != (0, 0):
            out[0, 0, 0, 0] += 1
        return out

    _, out = run(exercises.check_padding, wrong_at_the_border, capsys)
    assert "covers rows -1, 0, 1 (outside 0 to 4: padding or overhang)" in out


# ---------------------------------------------------------------------------
# The first step of pool_padded: the empty output and the padded canvas


def canvas_by_hand(
    A, k, s, mode, p, ceil_mode, fill=None, room=True, offset=None, size=full_size, dtype=float
):
    """Steps 1 and 2 of the notebook, as a learner writes them, with switches for the mistakes.

    ``room=False`` makes the canvas exactly the padded input, with no room for
    the ceil-mode overhang; ``offset(ph, pw)`` says where A goes.
    """
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    m, h, w, c = A.shape
    h_out, w_out = size(h, kh, sh, ph, 1, ceil_mode), size(w, kw, sw, pw, 1, ceil_mode)
    if fill is None:
        fill = -np.inf if mode == "max" else 0.0
    rows, cols = h + 2 * ph + (kh if room else 0), w + 2 * pw + (kw if room else 0)
    canvas = np.full((m, rows, cols, c), fill, dtype=dtype)
    top, left = offset(ph, pw) if offset else (ph, pw)
    canvas[:, top : top + h, left : left + w] = A
    return np.empty((m, h_out, w_out, c)), canvas


def test_canvas_passes_the_truth(capsys):
    result, out = run(exercises.check_canvas, canvas_by_hand, capsys)
    assert result, out

    def just_large_enough(*args):
        # The smallest canvas that works: as many rows as the last window reaches.
        A, canvas = canvas_by_hand(*args)
        (kh, kw), (sh, sw) = args[1], args[2]
        rows, cols = (
            (n - 1) * st + k for n, st, k in zip(A.shape[1:3], (sh, sw), (kh, kw), strict=True)
        )
        ph, pw = args[4]
        rows, cols = max(rows, ph + args[0].shape[1]), max(cols, pw + args[0].shape[2])
        return A, canvas[:, :rows, :cols]

    result, out = run(exercises.check_canvas, just_large_enough, capsys)
    assert result, out


def test_canvas_catches_a_canvas_one_row_too_small(capsys):
    def short(*args):
        A, canvas = canvas_by_hand(*args)
        (kh, _), (sh, _) = args[1], args[2]
        ph = args[4][0]
        rows = max((A.shape[1] - 1) * sh + kh, ph + args[0].shape[1])
        return A, canvas[:, : rows - 1]

    result, out = run(exercises.check_canvas, short, capsys)
    assert not result
    assert result.failed[0].startswith("max with padding 1 (5 x 5"), result.failed
    assert "canvas of 6 x 10, too small" in out and "the windows read 7" in out, out


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda *args: canvas_by_hand(*args, fill=0.0),
            "max with padding 1 (5 x 5",
            "a canvas of zeros for max pooling: fill it with -inf",
        ),
        (
            lambda *args: canvas_by_hand(*args, fill=-np.inf),
            "avg with padding 1",
            "a canvas of -inf for average pooling: fill it with 0",
        ),
        (
            lambda *args: canvas_by_hand(*args, room=False),
            "max in ceil mode: room for the overhang",
            "the canvas is too small for the ceil-mode overhang: it has 5 rows, the padded "
            "input's h + 2 * ph = 5, but the last window reads up to row 5 of the canvas",
        ),
        (
            lambda *args: canvas_by_hand(*args, offset=lambda ph, pw: (0, 0)),
            "max with padding 1 (5 x 5",
            "A_prev is copied at offset (0, 0): it goes at (ph, pw) = (1, 1)",
        ),
        (
            lambda *args: canvas_by_hand(*args, offset=lambda ph, pw: (2 * ph, 2 * pw)),
            "max with padding 1 (5 x 5",
            "A_prev is copied at offset (2, 2): it goes at (ph, pw) = (1, 1)",
        ),
        (
            # (ph, pw) read as (pw, ph): only rectangular padding shows it.
            lambda *args: canvas_by_hand(*args, offset=lambda ph, pw: (pw, ph)),
            "rectangular padding (1, 0)",
            "A_prev is copied at offset (0, 1): it goes at (ph, pw) = (1, 0)",
        ),
        (
            lambda *args: canvas_by_hand(*args[:5], False),
            "max in ceil mode: room for the overhang",
            "ceil_mode is ignored",
        ),
        (
            lambda *args: canvas_by_hand(*args, size=lambda *a: full_size(*a, drop=False)),
            "ceil mode drops a window",
            "drop a window that would start at or past the input's end",
        ),
        (
            lambda *args: canvas_by_hand(*args)[1],
            "max with padding 1 (5 x 5",
            "return a pair (A, canvas)",
        ),
        (
            lambda *args: canvas_by_hand(*args[:3], "avg", *args[4:], dtype=int),
            "max with padding 1 (5 x 5",
            "your array has dtype int64",
        ),
        (
            lambda *args: (canvas_by_hand(*args)[0], canvas_by_hand(*args)[1][:, :, :, :1, None]),
            "max with padding 1 (5 x 5",
            "the canvas holds every example and channel",
        ),
    ],
)
def test_canvas_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_canvas, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


def test_canvas_names_a_wrong_cell_when_no_mistake_fits(capsys):
    def one_input_cell_wrong(*args):
        A, canvas = canvas_by_hand(*args)
        ph, pw = args[4]
        canvas[0, ph + 1, pw, 0] += 0.5
        return A, canvas

    result, out = run(exercises.check_canvas, one_input_cell_wrong, capsys)
    assert not result
    assert "canvas[0, 2, 1, 0] is 13.5, expected 13.0, A_prev[0, 1, 0, 0]: copy A_prev in" in out

    def corner_left_empty(*args):
        A, canvas = canvas_by_hand(*args)
        canvas[0, -1, -1, 0] = 7.0
        return A, canvas

    _, out = run(exercises.check_canvas, corner_left_empty, capsys)
    assert "a cell outside A_prev (padding, or room for the overhang): fill the whole" in out


# ---------------------------------------------------------------------------
# TensorFlow 'SAME'


def same_padding(n, k, s, extra_first=False, total_rule=None, clip=True):
    out = math.ceil(n / s)
    total = (out - 1) * s + k - n if total_rule is None else total_rule(n, k, s)
    total = max(total, 0) if clip else total
    small, large = total // 2, total - total // 2
    return (large, small) if extra_first else (small, large)


def test_same_padding_passes_the_truth(capsys):
    result, _ = run(exercises.check_same_padding, same_padding, capsys)
    assert result
    result, _ = run(
        exercises.check_same_padding, lambda n, k, s: np.array(same_padding(n, k, s)), capsys
    )
    assert result


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda n, k, s: same_padding(n, k, s, extra_first=True),
            "an even kernel",
            "TensorFlow puts it at the end",
        ),
        (
            lambda n, k, s: same_padding(n, k, s, total_rule=lambda n, k, s: k - 1),
            "the article's",
            "k - 1 cells of padding suit stride 1 only",
        ),
        (
            lambda n, k, s: same_padding(n, k, s, clip=False),
            "stride larger than the kernel",
            "clip it at 0",
        ),
        (
            lambda n, k, s: sum(same_padding(n, k, s)),
            "the article's",
            "return a pair (before, after)",
        ),
        (lambda n, k, s: (0, 0), "kernel 3, stride 1", "'SAME' needs total = max("),
    ],
)
def test_same_padding_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_same_padding, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


# ---------------------------------------------------------------------------
# Gradient checking


def central(f, x, upstream, h=1e-5, divide=2.0, restore=True, copy=True, sign=1.0, weigh=True):
    """A learner-style numeric gradient with switches for the classic mistakes."""
    x = x.copy() if copy else x
    weights = upstream if weigh else np.ones_like(upstream)
    grad = np.zeros_like(x)
    for k in range(x.size):
        saved = x.flat[k]
        x.flat[k] = saved + h
        plus = np.sum(f(x) * weights)
        x.flat[k] = saved - h
        minus = np.sum(f(x) * weights)
        if restore:
            x.flat[k] = saved
        grad.flat[k] = sign * (plus - minus) / (divide * h)
    return grad


def one_sided(f, x, upstream, h=1e-5):
    grad = np.zeros_like(x)
    base = np.sum(f(x) * upstream)
    for k in range(x.size):
        nudged = x.copy()
        nudged.flat[k] += h
        grad.flat[k] = (np.sum(f(nudged) * upstream) - base) / h
    return grad


def test_numeric_gradient_passes_the_truth(capsys):
    for fn in (numeric_gradient, central):
        result, out = run(exercises.check_numeric_gradient, fn, capsys)
        assert result, out


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (lambda f, x, u: central(f, x, u, divide=1.0), "a square", "twice too large"),
        (lambda f, x, u: central(f, x, u, divide=4.0), "a square", "half too small"),
        (lambda f, x, u: central(f, x, u, sign=-1.0), "a square", "the sign is flipped"),
        (one_sided, "a square", "looks like a one-sided difference"),
        (
            lambda f, x, u: central(f, x, u, weigh=False),
            "weights from upstream",
            "the upstream weights are missing",
        ),
        (
            lambda f, x, u: central(f, x, u, copy=False, restore=False),
            "a square",
            "changed its input `x` in place",
        ),
        (
            lambda f, x, u: central(f, x, u, restore=False),
            "entries that interact",
            "relative error",
        ),
        (lambda f, x, u: 1.0, "a square", "return an array shaped like x, (3,)"),
        (lambda f, x, u: object(), "a square", "return an array shaped like x"),
    ],
)
def test_numeric_gradient_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_numeric_gradient, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


# ---------------------------------------------------------------------------
# Tie-free inputs


def spaced(shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.01).reshape(shape)


def test_tie_free_passes_the_truth(capsys):
    for fn in (tie_free, spaced):
        result, out = run(exercises.check_tie_free, fn, capsys)
        assert result, out


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda shape, seed: np.random.default_rng(seed).random(shape),
            "a batch with channels",
            "Random floats crowd together",
        ),
        (
            lambda shape, seed: (
                np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape)
            ),
            "one small map",
            "return floats",
        ),
        (
            lambda shape, seed: spaced(shape, None),
            "the same seed twice",
            "the same seed must give the same array",
        ),
        (
            lambda shape, seed: spaced(shape, 0),
            "another seed gives",
            "a different seed should give",
        ),
        (lambda shape, seed: np.full(shape, np.nan), "one small map", "finite"),
        (
            lambda shape, seed: spaced((2, 2), seed),
            "one small map",
            "return a NumPy array of shape",
        ),
        (lambda shape, seed: [0.0, 1.0], "one small map", "return a NumPy array of shape"),
    ],
)
def test_tie_free_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_tie_free, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


# ---------------------------------------------------------------------------
# Adjoint test


def adjoint(forward, backward, x, g):
    return np.sum(forward(x) * g), np.sum(x * backward(g))


def test_adjoint_test_passes_the_truth(capsys):
    result, out = run(exercises.check_adjoint_test, adjoint, capsys)
    assert result, out


@pytest.mark.parametrize(
    "fn, failing_case, hint",
    [
        (
            lambda f, b, x, g: adjoint(f, b, x, g)[::-1],
            "a buggy backward",
            "the two numbers are swapped",
        ),
        (
            lambda f, b, x, g: adjoint(f, b, x, g)[0] - adjoint(f, b, x, g)[1],
            "avg pooling",
            "not their difference",
        ),
        (lambda f, b, x, g: (1.0, 2.0, 3.0), "avg pooling", "return exactly two numbers"),
        (
            lambda f, b, x, g: (np.sum(f(x)) * np.sum(g), np.sum(x) * np.sum(b(g))),
            "avg pooling",
            "lhs multiplies forward(x) by g entry by entry",
        ),
    ],
)
def test_adjoint_test_catches(fn, failing_case, hint, capsys):
    result, out = run(exercises.check_adjoint_test, fn, capsys)
    assert not result
    assert result.failed[0].startswith(failing_case), result.failed
    assert hint in out, out


# ---------------------------------------------------------------------------
# Whatever comes back, a checker reports it and never raises

CHECKERS = [getattr(exercises, name) for name in exercises.__all__ if name.startswith("check_")]
ODD_ANSWERS = [
    0,
    1.5,
    True,
    "text",
    [],
    [1, 2],
    (1, 2, 3),
    ("a", "b"),
    (np.nan, np.nan),
    {},
    object(),
    np.array(3.0),
    np.zeros(2),
    np.zeros((1, 1, 1, 1, 1)),
    np.array(["a"]),
    np.zeros((1, 2, 2, 1), dtype=complex),
    np.zeros((1, 2, 2, 1), dtype=object),
    np.full((1, 2, 2, 1), np.nan),
]


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda checker: checker.__name__)
def test_odd_answers_are_reported_not_raised(checker, capsys):
    for answer in ODD_ANSWERS:
        result = checker(lambda *args, answer=answer: answer)
        assert not result and result.attempted, answer
    assert "cases fail" in capsys.readouterr().out


def test_a_judge_that_cannot_cope_is_a_failure_not_a_crash(capsys):
    def confused_judge(case, actual):
        raise KeyError("surprise")

    case = Case("a case", (), (), None, confused_judge)
    result = run_checker("check_demo", "demo", lambda: 1, [case])
    out = " ".join(capsys.readouterr().out.split())
    assert not result and result.failed == ("a case",)
    assert "the checker could not compare your answer (KeyError: 'surprise')" in out


def test_every_checker_is_exported_and_documented():
    for checker in CHECKERS:
        assert checker.__doc__ and "Returns" in checker.__doc__
        assert checker.__name__ in exercises.__doc__


def test_public_names_belong_to_the_package_not_its_modules():
    # help() and pickle name them where learners import them from.
    for name in exercises.__all__:
        if name != "TIME_LIMIT":
            assert getattr(exercises, name).__module__ == "pooling_lib.exercises", name
    assert repr(exercises.CheckResult) == "<class 'pooling_lib.exercises.CheckResult'>"
