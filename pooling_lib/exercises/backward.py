"""Checkers of the backward passes: where each window's gradient goes.

``check_backward_max`` and ``check_backward_avg``, their cases (ties, zeros,
overlapping windows, NaN) and the smells of the classic mistakes: ``=`` for
``+=``, every tied maximum winning, a missing divisor.
"""

from __future__ import annotations

import numpy as np

from ..geometry import output_shape
from ..pooling import pool_backward, pool_forward
from .cases import (
    Case,
    Failure,
    Given,
    Grid,
    as_pair,
    case_geometry,
    numbered_upstream,
    random_batch,
    random_values,
    random_window,
    shape_words,
)
from .judging import (
    as_float_array,
    first_hint,
    first_wrong,
    kind_problem,
    layout_hint,
    looks_like,
    wrong_cells,
)
from .report import slice_panels
from .runner import checker_doc, run_checker


def _backward_case(name, A_prev, kernel_shape, stride, mode, dA=None):
    kernel_shape, stride = as_pair(kernel_shape), as_pair(stride)
    out = pool_forward(A_prev, kernel_shape, stride, mode)
    dA = numbered_upstream(out.shape) if dA is None else dA
    expected = pool_backward(dA, A_prev, kernel_shape, stride, mode)
    info = {
        "mode": mode,
        "kernel_shape": kernel_shape,
        "stride": stride,
        "padding": (0, 0),
        "ceil_mode": False,
    }
    return Case(
        name,
        (dA, A_prev, kernel_shape, stride),
        ("dA", "A_prev", "kernel_shape", "stride"),
        expected,
        _judge_backward,
        info,
    )


# One row per case: its name, then the call: A_prev (a recipe, built afresh
# on every check), kernel_shape, stride. dA numbers the outputs 1, 2, 3, ...
_MAX_CASES = [
    ("one window, no ties (2 x 2 input, kernel 2, stride 2)", (Grid(2, 2, seed=13), 2, 2)),
    ("non-overlapping windows (kernel 2, stride 2)", (Grid(4, 4, seed=14), 2, 2)),
    (
        "tied maxima in a window (kernel 2, stride 2)",
        (Given(((1, 5, 2, 0), (5, 3, 1, 2), (0, 0, 4, 4), (0, 0, 1, 4))), 2, 2),
    ),
    (
        "windows of zeros, like MNIST's black background (kernel 2, stride 2)",
        (Given(((0, 0, 0, 0), (0, 0.5, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0))), 2, 2),
    ),
    ("overlapping windows (kernel 3, stride 1)", (Grid(5, 5, seed=11, put={(2, 2): 99.0}), 3, 1)),
    (
        "overlapping windows with ties (kernel 2, stride 1)",
        (Given(((0, 0, 0, 0), (0, 0, 1, 0), (0, 0, 1, 0), (0, 0, 0, 0))), 2, 1),
    ),
    ("a size the stride does not divide (5 x 5, kernel 2, stride 2)", (Grid(5, 5, seed=15), 2, 2)),
    ("negative inputs (kernel 2, stride 2)", (Grid(4, 4, seed=16, offset=-16.0), 2, 2)),
    (
        "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (2, 1))",
        (Grid(4, 7, seed=17), (2, 3), (2, 1)),
    ),
    ("several examples and channels (m = 2, c = 2)", (Grid(4, 4, seed=18, m=2, c=2), 2, 2)),
    (
        "a NaN in a window (the NaN takes the gradient)",
        (Grid(4, 4, seed=12, put={(0, 3): np.nan}), 2, 2),
    ),
]
_AVG_CASES = [
    ("one window (2 x 2 input, kernel 2, stride 2)", (Grid(2, 2, seed=21), 2, 2)),
    ("non-overlapping windows (kernel 2, stride 2)", (Grid(4, 4, seed=22), 2, 2)),
    ("overlapping windows (kernel 3, stride 1)", (Grid(5, 5, seed=23), 3, 1)),
    ("overlapping windows (kernel 2, stride 1)", (Grid(4, 4, seed=24), 2, 1)),
    ("a size the stride does not divide (5 x 5, kernel 2, stride 2)", (Grid(5, 5, seed=25), 2, 2)),
    ("stride larger than the kernel (7 x 7, kernel 2, stride 3)", (Grid(7, 7, seed=26), 2, 3)),
    (
        "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (2, 1))",
        (Grid(4, 7, seed=27), (2, 3), (2, 1)),
    ),
    ("several examples and channels (m = 2, c = 2)", (Grid(4, 4, seed=28, m=2, c=2), 2, 2)),
]


def _backward_cases(table, mode):
    return [
        _backward_case(name, A_prev(), kernel_shape, stride, mode)
        for name, (A_prev, kernel_shape, stride) in table
    ]


def _draw_backward(rng, mode):
    size, kernel_shape, stride = random_window(rng)
    A_prev = random_batch(rng, size)
    out_shape = (A_prev.shape[0], *output_shape(*size, kernel_shape, stride), A_prev.shape[3])
    return _backward_case(
        shape_words(A_prev, kernel_shape, stride),
        A_prev,
        kernel_shape,
        stride,
        mode,
        dA=random_values(rng, out_shape),
    )


def _max_backward_last(dA, A_prev, geometry):
    """Max backward where the *last* of tied maxima wins (the `>=` mistake)."""
    dA_prev = np.zeros(A_prev.shape)
    m, _, _, c = A_prev.shape
    for i, rows in enumerate(geometry.window_positions(0)):
        for j, cols in enumerate(geometry.window_positions(1)):
            for n in range(m):
                for ch in range(c):
                    window = A_prev[n, rows][:, cols, ch]
                    flat = window.size - 1 - int(np.argmax(window.ravel()[::-1]))
                    r, q = np.unravel_index(flat, window.shape)
                    dA_prev[n, rows[r], cols[q], ch] += dA[n, i, j, ch]
    return dA_prev


def _unstrided_backward(dA, A_prev, kernel_shape, mode):
    """Backward whose window (i, j) starts at row i, column j: the stride left out of the slice.

    The window's maximum is looked for in that wrong slice too, as the
    learner's code does; the first of tied maxima wins.
    """
    kh, kw = kernel_shape
    m, h_out, w_out, c = dA.shape
    dA_prev = np.zeros(A_prev.shape)
    # Windows starting at (i, j) lie inside A_prev: h_out <= h - kh + 1.
    for i in range(h_out):
        for j in range(w_out):
            if mode == "avg":
                dA_prev[:, i : i + kh, j : j + kw, :] += dA[:, i : i + 1, j : j + 1, :] / (kh * kw)
                continue
            for n in range(m):
                for ch in range(c):
                    window = A_prev[n, i : i + kh, j : j + kw, ch]
                    r, q = np.unravel_index(int(np.argmax(window)), window.shape)
                    dA_prev[n, i + r, j + q, ch] += dA[n, i, j, ch]
    return dA_prev


_UNSTRIDED_HINT = (
    "window (i, j) starts at row i * sh and column j * sw of A_prev, not at row i and "
    "column j: the slice needs the stride, A_prev[n, i * sh:i * sh + kh, j * sw:j * sw + kw, "
    "ch], and the gradient goes into the same slice of dA_prev."
)


def _wrong_only_where(case, cells):
    """Smell test: some cells are wrong, and every wrong one is a cell where
    ``cells(overlap)`` holds, ``overlap`` counting the windows that cover each cell."""
    overlap = case_geometry(case).overlap_counts()[None, :, :, None]
    expected = case.expected

    def test(actual):
        wrong = wrong_cells(actual, expected)
        suspects = np.broadcast_to(cells(overlap), wrong.shape)
        return bool(wrong.any()) and bool(np.all(suspects[wrong]))

    return test


def _overlap_only(case):
    """Smell test: every wrong cell is one that several windows share (`=` for `+=`)."""
    return _wrong_only_where(case, lambda overlap: overlap >= 2)


def _uncovered_only(case):
    """Smell test: every wrong cell is one that no window covers."""
    return _wrong_only_where(case, lambda overlap: overlap == 0)


_ASSIGN_HINT = (
    "looks like `=` where `+=` is needed: overlapping windows must add. Only "
    "cells that several windows share are wrong; each window adds its share to "
    "dA_prev, so write dA_prev[...] += ... ."
)


def _backward_smells(case):
    dA, A_prev, kernel_shape, stride = case.args
    mode, expected = case.info["mode"], case.expected
    (kh, kw) = kernel_shape
    smells = []
    # Before the `=` smell, which only asks where the wrong cells are: with a
    # kernel wider than its stride, the stride's mistake can be wrong only where
    # windows overlap too.
    if stride != (1, 1):
        smells.append(
            (looks_like(_unstrided_backward(dA, A_prev, kernel_shape, mode)), _UNSTRIDED_HINT)
        )
    smells.append((_overlap_only(case), _ASSIGN_HINT))
    if mode == "max":
        nan_cells = np.isnan(A_prev)
        smells += [
            (
                looks_like(pool_backward(dA, A_prev, kernel_shape, stride, ties="all")),
                "every tied maximum got the full gradient (the original article's rule): ask "
                "for the first one (ties='first'), as PyTorch and TensorFlow do. Scan the window "
                "in row-major order and keep the first cell equal to its maximum, e.g. with "
                "np.argmax.",
            ),
            (
                looks_like(pool_backward(dA, A_prev, kernel_shape, stride, ties="split")),
                "the gradient was split between tied maxima: frameworks give all of it to the "
                "first one (ties='first'), e.g. with np.argmax.",
            ),
            (
                looks_like(_max_backward_last(dA, A_prev, case_geometry(case))),
                "the last of the tied maxima got the gradient: the first one should (compare "
                "with a strict `>` when scanning, or use np.argmax, which returns the first).",
            ),
            (
                lambda actual: bool(nan_cells.any()) and bool(np.all(actual[nan_cells] == 0)),
                "the NaN got no gradient: a NaN wins its window, but `window == window.max()` is "
                "False everywhere because NaN == NaN is False. np.argmax returns the NaN's "
                "position; or test np.isnan as well.",
            ),
            (
                looks_like(pool_backward(np.ones_like(dA), A_prev, kernel_shape, stride)),
                "each winner got 1 instead of its window's upstream gradient: multiply the mask "
                "by dA[n, i, j, c].",
            ),
        ]
    else:
        smells += [
            (
                looks_like(expected * kh * kw),
                f"every cell got the window's whole gradient: divide dA by the kh * kw = "
                f"{kh * kw} cells the window averaged.",
            ),
            (
                _uncovered_only(case),
                "cells that no window covers (the rows and columns the floor drops, or the gaps "
                "when the stride is larger than the kernel) must get no gradient.",
            ),
        ]
    other = "avg" if mode == "max" else "max"
    smells.append(
        (
            looks_like(pool_backward(dA, A_prev, kernel_shape, stride, other)),
            "this is the gradient of "
            + ("average" if other == "avg" else "max")
            + " pooling: "
            + (
                "send each window's gradient to its maximum."
                if mode == "max"
                else "spread it evenly over the window."
            ),
        )
    )
    if mode == "avg":
        smells.append(
            (
                _constant_ratio(expected),
                f"every value is off by the same factor: check the divisor. Each cell "
                f"of a window gets dA / (kh * kw) = dA / {kh * kw} from it.",
            )
        )
    return smells


def _constant_ratio(expected):
    """Smell test: the answer is the expected one times a constant (a wrong divisor)."""

    def test(actual):
        nonzero = expected != 0
        if not nonzero.any() or np.any(actual[~nonzero] != 0):
            return False
        ratio = actual[nonzero] / expected[nonzero]
        return bool(np.allclose(ratio, ratio.flat[0])) and not np.isclose(ratio.flat[0], 1)

    return test


def _judge_backward(case, actual):
    dA, A_prev, kernel_shape, _ = case.args
    expected = case.expected
    array = as_float_array(actual)
    if array is None:
        return Failure(
            f"returned {type(actual).__name__}", "return a NumPy array shaped like A_prev."
        )
    kind = kind_problem(actual)
    if kind is not None:
        summary, hint = kind
        if array.shape == expected.shape and first_wrong(array, expected) is None:
            hint = "the values are right, but " + hint
        return Failure(f"returned {summary}", hint, _backward_details(case, array, 0, 0))
    layout = layout_hint(array.shape, expected.shape, rows="h", cols="w")
    if array.shape != expected.shape and layout:
        return Failure(
            f"shape {array.shape}, expected {expected.shape}",
            layout,
            _backward_details(case, array, 0, 0),
        )
    if array.shape != expected.shape:
        hint = (
            f"dA_prev is the gradient with respect to A_prev, so it has A_prev's shape "
            f"{A_prev.shape}"
        )
        if array.shape == dA.shape:
            hint += ", not dA's: start from np.zeros_like(A_prev) and add into it."
        return Failure(
            f"shape {array.shape}, expected {expected.shape}",
            hint + ".",
            _backward_details(case, array, 0, 0),
        )
    index = first_wrong(array, expected)
    if index is None:
        return None
    hint = first_hint(_backward_smells(case), array) or _cell_hint(case, array, index)
    return Failure("wrong values", hint, _backward_details(case, array, index[0], index[3]))


def _cell_hint(case, array, index):
    """Name the first wrong cell of dA_prev and the windows that cover it."""
    n, r, q, ch = index
    geometry = case_geometry(case)
    windows = [
        (i, j)
        for i, rows in enumerate(geometry.window_positions(0))
        if r in rows
        for j, cols in enumerate(geometry.window_positions(1))
        if q in cols
    ]
    where = (
        f"dA_prev[{n}, {r}, {q}, {ch}] should be {case.expected[index]:g}, yours is "
        f"{array[index]:g}. "
    )
    if not windows:
        return where + "No window covers that cell, so its gradient is 0."
    listed = ", ".join(f"({i}, {j})" for i, j in windows[:6])
    ratio = ""
    if case.info["mode"] == "avg":
        kh, kw = case.info["kernel_shape"]
        ratio = (
            f" Each covering window sends it dA[{n}, i, j, {ch}] / {kh * kw}, and the "
            "contributions add."
        )
    return where + f"It lies in the windows (i, j) = {listed}.{ratio}"


def _backward_details(case, array, n, ch):
    dA, A_prev, kernel_shape, stride = case.args
    lines = [
        f"  called fn(dA, A_prev, kernel_shape={kernel_shape!r}, stride={stride!r})",
        f"  with A_prev of shape {A_prev.shape} and dA of shape {dA.shape}",
    ]
    inputs = [("input", "A_prev", A_prev), ("upstream gradient", "dA", dA)]
    return lines + slice_panels(inputs, "dA_prev", case.expected, array, n, ch)


@checker_doc
def check_backward_max(fn, *, time_limit=None, seed=None):
    """Check a max pooling backward pass, ``fn(dA, A_prev, kernel_shape, stride) -> dA_prev``.

    Parameters
    ----------
    fn : callable or None
        Your function. ``dA`` has the forward output's shape (m, h_out, w_out, c),
        ``A_prev`` is the forward input (m, h, w, c). Return ``dA_prev``, shaped
        like ``A_prev``: each window's gradient goes to its maximum; of tied
        maxima, the first in row-major order takes it (PyTorch's rule); a NaN
        wins its window; overlapping windows add.
    {keywords}
    """
    return run_checker(
        "check_backward_max",
        "max pooling backward pass",
        fn,
        _backward_cases(_MAX_CASES, "max"),
        lambda rng: _draw_backward(rng, "max"),
        time_limit,
        seed,
    )


@checker_doc
def check_backward_avg(fn, *, time_limit=None, seed=None):
    """Check an average pooling backward pass, ``fn(dA, A_prev, kernel_shape, stride) -> dA_prev``.

    Parameters
    ----------
    fn : callable or None
        Your function, as for :func:`check_backward_max`: every cell of a
        window gets ``dA / (kh * kw)`` from it, and overlapping windows add.
    {keywords}
    """
    return run_checker(
        "check_backward_avg",
        "average pooling backward pass",
        fn,
        _backward_cases(_AVG_CASES, "avg"),
        lambda rng: _draw_backward(rng, "avg"),
        time_limit,
        seed,
    )
