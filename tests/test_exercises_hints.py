"""Tests for the checkers' hints on answers of the wrong kind or layout, and on raising code.

Each mistake is a small learner-style function: one that raises (its input
must be printed), one that returns a list, a scalar, an object or an integer
array, one with rows and columns swapped or channels first, and a backward
pass whose slice forgot the stride. Each test asserts the checker names that
mistake, on a case where it shows.
"""

import numpy as np
import pytest

from pooling_lib import exercises, output_shape, pool_forward
from pooling_lib.exercises.cases import Case
from pooling_lib.exercises.runner import run_checker

# The integer dtype np.zeros(..., dtype=int) gives: int64 on Linux and macOS,
# int32 on Windows with NumPy 1.
INT = np.dtype(int)


def run(checker, fn, capsys):
    """Run ``checker(fn)``; return its result and what it printed, whitespace collapsed."""
    result = checker(fn)
    return result, " ".join(capsys.readouterr().out.split())


def collapsed(text):
    return " ".join(text.split())


def panel(array):
    """An array as the checkers print it, whitespace collapsed."""
    return collapsed(np.array2string(array, precision=3, suppress_small=True, max_line_width=90))


def window_loops(A_prev, kernel_shape, stride):
    """Yield (n, i, j, ch, window) for every window, the way a learner loops."""
    (kh, kw), (sh, sw) = kernel_shape, stride
    m, h, w, c = A_prev.shape
    h_out, w_out = output_shape(h, w, kernel_shape, stride)
    for n in range(m):
        for i in range(h_out):
            for j in range(w_out):
                for ch in range(c):
                    yield n, i, j, ch, A_prev[n, i * sh : i * sh + kh, j * sw : j * sw + kw, ch]


def forward_into(A, A_prev, kernel_shape, stride, reduce=np.max, order=(0, 1, 2, 3)):
    """Fill ``A`` window by window; ``order`` says where n, i, j, ch go in A's index."""
    for *index, window in window_loops(A_prev, kernel_shape, stride):
        A[tuple(index[axis] for axis in order)] = reduce(window)
    return A


def out_sizes(A_prev, kernel_shape, stride):
    m, h, w, c = A_prev.shape
    return (m, *output_shape(h, w, kernel_shape, stride), c)


# ---------------------------------------------------------------------------
# A function that raises: the call and its input are printed


def test_a_raising_function_is_shown_its_input_in_full(capsys):
    seen = []

    def broken(dA, A_prev, kernel_shape, stride):
        seen.append((dA.copy(), A_prev.copy()))
        raise RuntimeError("not yet")

    _, out = run(exercises.check_backward_max, broken, capsys)
    dA, A_prev = seen[0]
    assert (
        "called fn(dA, A_prev, kernel_shape=(2, 2), stride=(2, 2)) with dA of shape "
        "(1, 1, 1, 1) and A_prev of shape (1, 2, 2, 1) "
        f"dA[0, :, :, 0]: {panel(dA[0, :, :, 0])} "
        f"A_prev[0, :, :, 0]: {panel(A_prev[0, :, :, 0])} Hint:"
    ) in out
    assert "call your function yourself on the input printed above" in out
    assert "input shown" not in out


def test_a_raising_function_is_shown_every_example_and_channel(capsys):
    def fails_on_batches(A_prev, kernel_shape, stride):
        if A_prev.shape[0] > 1:
            raise ValueError("one example at a time")
        return pool_forward(A_prev, kernel_shape, stride)

    _, out = run(exercises.check_forward_max, fails_on_batches, capsys)
    assert "First failing case: several examples and channels (m = 2, c = 3)" in out
    labels = [f"A_prev[{n}, :, :, {ch}]:" for n in range(2) for ch in range(3)]
    assert all(label in out for label in labels), out


def raise_on(A_prev):
    raise RuntimeError("too big")


@pytest.mark.parametrize(
    "A_prev, summary",
    [
        (
            np.arange(400.0).reshape(1, 20, 20, 1),
            "A_prev: shape (1, 20, 20, 1), dtype float64, values from 0 to 399 (too large "
            "to print)",
        ),
        (
            np.arange(32.0).reshape(2, 2, 2, 4),
            "A_prev: shape (2, 2, 2, 4), dtype float64, values from 0 to 31 (too large to print)",
        ),
        (
            np.full((1, 11, 11, 1), np.nan),
            "A_prev: shape (1, 11, 11, 1), dtype float64 (too large to print)",
        ),
    ],
)
def test_a_large_input_is_summarised(A_prev, summary, capsys):
    case = Case("a large input", (A_prev,), ("A_prev",), None, lambda case, actual: None)
    result = run_checker("check_large", "large input", raise_on, [case])
    out = collapsed(capsys.readouterr().out)
    assert not result
    assert f"called fn(A_prev) with A_prev of shape {A_prev.shape} {summary} Hint:" in out


# ---------------------------------------------------------------------------
# Answers of the wrong kind


def nested_lists(A_prev, kernel_shape, stride):
    m, h_out, w_out, c = out_sizes(A_prev, kernel_shape, stride)
    A = [[[[0.0] * c for _ in range(w_out)] for _ in range(h_out)] for _ in range(m)]
    for n, i, j, ch, window in window_loops(A_prev, kernel_shape, stride):
        A[n][i][j][ch] = float(np.max(window))
    return A


def object_array(A_prev, kernel_shape, stride):
    A = np.empty(out_sizes(A_prev, kernel_shape, stride), dtype=object)
    return forward_into(A, A_prev, kernel_shape, stride)


def first_window_only(A_prev, kernel_shape, stride):
    kh, kw = kernel_shape
    return float(np.max(A_prev[0, :kh, :kw, 0]))


@pytest.mark.parametrize(
    "fn, summary, hint",
    [
        (
            nested_lists,
            "returned a Python list",
            "the values are right, but your function returned a Python list: return a NumPy "
            "float array",
        ),
        (
            lambda A, k, s: tuple(nested_lists(A, k, s)),
            "returned a Python tuple",
            "the values are right, but your function returned a Python tuple",
        ),
        (
            object_array,
            "returned an array of dtype object",
            "the values are right, but your array has dtype object (Python objects, not "
            "machine numbers): return a NumPy float array",
        ),
        (
            first_window_only,
            "returned a single number (float)",
            "your function returned one number, 3.0: return a NumPy float array with one "
            "value per output cell.",
        ),
    ],
)
def test_forward_names_an_answer_that_is_not_a_float_array(fn, summary, hint, capsys):
    result, out = run(exercises.check_forward_max, fn, capsys)
    assert not result
    assert result.failed[0].startswith("one window"), result.failed
    assert f"one window (2 x 2 input, kernel 2, stride 2): {summary}" in out
    assert f"Hint: {hint}" in out, out


def test_backward_names_a_list_answer(capsys):
    def backward_as_list(dA, A_prev, kernel_shape, stride):
        dA_prev = np.zeros_like(A_prev)
        for n, i, j, ch, window in window_loops(A_prev, kernel_shape, stride):
            dA_prev[n, i * stride[0] : i * stride[0] + kernel_shape[0]][
                :, j * stride[1] : j * stride[1] + kernel_shape[1], ch
            ] += dA[n, i, j, ch] / window.size
        return dA_prev.tolist()

    result, out = run(exercises.check_backward_avg, backward_as_list, capsys)
    assert len(result.failed) == 8
    assert "Hint: the values are right, but your function returned a Python list" in out


def int_average(A_prev, kernel_shape, stride):
    A = np.zeros(out_sizes(A_prev, kernel_shape, stride), dtype=int)
    return forward_into(A, A_prev, kernel_shape, stride, reduce=np.mean)


def floor_average(A_prev, kernel_shape, stride):
    A = np.zeros(out_sizes(A_prev, kernel_shape, stride))
    return forward_into(
        A, A_prev, kernel_shape, stride, reduce=lambda window: np.sum(window) // window.size
    )


def test_an_integer_array_is_named_not_called_floor_division(capsys):
    result, out = run(exercises.check_forward_avg, int_average, capsys)
    assert result.failed[0].startswith("one window"), result.failed
    assert f"one window (2 x 2 input, kernel 2, stride 2): returned an array of dtype {INT}" in out
    assert (
        f"Hint: your array has dtype {INT}, so NumPy cuts every value stored in it to a whole "
        "number (2.75 becomes 2). Make the output a float array"
    ) in out
    assert "//" not in " ".join(result.hints)
    # The same truncated values in a float array are the arithmetic's doing.
    result, out = run(exercises.check_forward_avg, floor_average, capsys)
    assert "the averages were rounded down: use / (true division), not //" in out
    assert "dtype" not in " ".join(result.hints)


def test_an_integer_array_of_right_values_is_still_named(capsys):
    def int_maximum(A_prev, kernel_shape, stride):
        A = np.zeros(out_sizes(A_prev, kernel_shape, stride), dtype=int)
        return forward_into(A, A_prev, kernel_shape, stride)

    result, out = run(exercises.check_forward_max, int_maximum, capsys)
    # The grids hold whole numbers, so the values fit an int array; a NaN does not.
    assert len(result.failed) == 9
    assert "a NaN in a window (NaN must come out): your function raised ValueError" in out
    assert f"Hint: the values are right, but your array has dtype {INT}" in out


def test_backward_names_an_integer_array(capsys):
    def int_spread(dA, A_prev, kernel_shape, stride):
        dA_prev = np.zeros(A_prev.shape, dtype=int)
        (kh, kw), (sh, sw) = kernel_shape, stride
        for n, i, j, ch, _ in window_loops(A_prev, kernel_shape, stride):
            cells = (n, slice(i * sh, i * sh + kh), slice(j * sw, j * sw + kw), ch)
            # Assignment, unlike +=, casts the float sum into the int array silently.
            dA_prev[cells] = dA_prev[cells] + dA[n, i, j, ch] / (kh * kw)
        return dA_prev

    result, out = run(exercises.check_backward_avg, int_spread, capsys)
    assert result.failed[0].startswith("one window"), result.failed
    assert f"returned an array of dtype {INT}" in out
    assert f"Hint: your array has dtype {INT}, so NumPy cuts every value" in out


def test_a_float32_array_is_accepted(capsys):
    result, out = run(
        exercises.check_forward_max,
        lambda A, k, s: pool_forward(A, k, s).astype(np.float32),
        capsys,
    )
    assert result, out


# ---------------------------------------------------------------------------
# Axes in the wrong order


def rows_and_columns_swapped(A_prev, kernel_shape, stride):
    m, h_out, w_out, c = out_sizes(A_prev, kernel_shape, stride)
    A = np.zeros((m, w_out, h_out, c))
    return forward_into(A, A_prev, kernel_shape, stride, order=(0, 2, 1, 3))


def test_forward_names_swapped_rows_and_columns(capsys):
    result, out = run(exercises.check_forward_max, rows_and_columns_swapped, capsys)
    hints = dict(zip(result.failed, result.hints, strict=True))
    # Square outputs show it in their values, the 7 x 8 case in its shape.
    assert "Hint: rows and columns are swapped: A[n, i, j, ch] is the window i down" in out
    assert "stride larger than the kernel (7 x 8, kernel 2, stride 3): shape (1, 3, 2, 1), " in out
    assert hints["stride larger than the kernel (7 x 8, kernel 2, stride 3)"] == (
        "rows and columns are swapped: yours is (m, w_out, h_out, c) = (1, 3, 2, 1); it must "
        "be (m, h_out, w_out, c) = (1, 2, 3, 1), 2 rows down and 3 columns across. Check the "
        "order in np.zeros((m, h_out, w_out, c)) and in every index [n, i, j, ch]."
    )


@pytest.mark.parametrize(
    "checker, reduce",
    [(exercises.check_forward_max, np.max), (exercises.check_forward_avg, np.mean)],
)
def test_forward_names_channels_first(checker, reduce, capsys):
    def channels_first(A_prev, kernel_shape, stride):
        m, h_out, w_out, c = out_sizes(A_prev, kernel_shape, stride)
        A = np.zeros((m, c, h_out, w_out))
        return forward_into(A, A_prev, kernel_shape, stride, reduce, order=(0, 3, 1, 2))

    result, out = run(checker, channels_first, capsys)
    # One window, one channel: (1, 1, 1, 1) either way.
    assert result.failed[0].startswith("non-overlapping windows"), result.failed
    assert (
        "Hint: the channels came first, (m, c, h_out, w_out) = (1, 1, 2, 2), PyTorch's order: "
        "here they come last, as in A_prev, so the result is (m, h_out, w_out, c) = (1, 2, 2, 1)"
    ) in out
    hints = dict(zip(result.failed, result.hints, strict=True))
    assert hints["several examples and channels (m = 2, c = 3)"].startswith(
        "the channels came first, (m, c, h_out, w_out) = (2, 3, 2, 2)"
    )


def backward_into(dA_prev, dA, A_prev, kernel_shape, stride, order=(0, 1, 2, 3), slide=True):
    """A learner's avg backward, written into ``dA_prev`` laid out as ``order`` says.

    ``slide=False`` forgets the stride in the slice: window (i, j) starts at
    row i, column j.
    """
    (kh, kw), (sh, sw) = kernel_shape, stride
    if not slide:
        sh = sw = 1
    for n, i, j, ch, _ in window_loops(A_prev, kernel_shape, stride):
        for r in range(i * sh, i * sh + kh):
            for q in range(j * sw, j * sw + kw):
                index = (n, r, q, ch)
                dA_prev[tuple(index[axis] for axis in order)] += dA[n, i, j, ch] / (kh * kw)
    return dA_prev


@pytest.mark.parametrize(
    "order, case, hint",
    [
        (
            (0, 2, 1, 3),
            "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (2, 1))",
            "rows and columns are swapped: yours is (m, w, h, c) = (1, 7, 4, 1); it must be "
            "(m, h, w, c) = (1, 4, 7, 1), 4 rows down and 7 columns across.",
        ),
        (
            (0, 3, 1, 2),
            "one window (2 x 2 input, kernel 2, stride 2)",
            "the channels came first, (m, c, h, w) = (1, 1, 2, 2), PyTorch's order: here they "
            "come last, as in A_prev, so the result is (m, h, w, c) = (1, 2, 2, 1).",
        ),
    ],
)
def test_backward_names_axes_in_the_wrong_order(order, case, hint, capsys):
    def misordered(dA, A_prev, kernel_shape, stride):
        dA_prev = np.zeros(tuple(A_prev.shape[axis] for axis in order))
        return backward_into(dA_prev, dA, A_prev, kernel_shape, stride, order)

    result, _ = run(exercises.check_backward_avg, misordered, capsys)
    hints = dict(zip(result.failed, result.hints, strict=True))
    assert hints[case].startswith(hint), hints


# ---------------------------------------------------------------------------
# A backward slice without the stride


def avg_backward_unstrided(dA, A_prev, kernel_shape, stride):
    return backward_into(np.zeros_like(A_prev), dA, A_prev, kernel_shape, stride, slide=False)


def max_backward_unstrided(dA, A_prev, kernel_shape, stride):
    kh, kw = kernel_shape
    dA_prev = np.zeros_like(A_prev)
    for n, i, j, ch, _ in window_loops(A_prev, kernel_shape, stride):
        a_prev_slice = A_prev[n, i : i + kh, j : j + kw, ch]
        mask = np.zeros(a_prev_slice.shape)
        mask.flat[np.argmax(a_prev_slice)] = 1
        dA_prev[n, i : i + kh, j : j + kw, ch] += mask * dA[n, i, j, ch]
    return dA_prev


_UNSTRIDED = (
    "window (i, j) starts at row i * sh and column j * sw of A_prev, not at row i and "
    "column j: the slice needs the stride"
)


@pytest.mark.parametrize(
    "checker, fn, stride_case",
    [
        (
            exercises.check_backward_max,
            max_backward_unstrided,
            "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (2, 1))",
        ),
        (
            exercises.check_backward_avg,
            avg_backward_unstrided,
            "stride larger than the kernel (7 x 7, kernel 2, stride 3)",
        ),
    ],
)
def test_backward_names_a_slice_without_the_stride(checker, fn, stride_case, capsys):
    result, out = run(checker, fn, capsys)
    assert result.failed[0].startswith("non-overlapping windows (kernel 2, stride 2)")
    assert f"Hint: {_UNSTRIDED}" in out, out
    hints = dict(zip(result.failed, result.hints, strict=True))
    assert hints[stride_case].startswith(_UNSTRIDED), hints
    # With stride 1 the slice is right, and so is the answer.
    assert not any("stride 1)" in name for name in result.failed), result.failed


def test_a_right_answer_reports_the_7_by_8_case(capsys):
    result, out = run(
        exercises.check_forward_avg, lambda A, k, s: pool_forward(A, k, s, "avg"), capsys
    )
    assert result.cases == 12
    assert "✓ stride larger than the kernel (7 x 8, kernel 2, stride 3) ✓ rectangular" in out


def test_numeric_gradient_names_a_list_answer(capsys):
    def gradient_as_list(f, x, upstream, h=1e-5):
        grad = []
        for k in range(x.size):
            plus, minus = x.copy(), x.copy()
            plus.flat[k] += h
            minus.flat[k] -= h
            grad.append(float(np.sum((f(plus) - f(minus)) * upstream) / (2 * h)))
        return grad

    result, out = run(exercises.check_numeric_gradient, gradient_as_list, capsys)
    assert result.failed[0].startswith("a square"), result.failed
    assert "returned a Python list" in out
    assert "Hint: the values are right, but your function returned a Python list" in out
