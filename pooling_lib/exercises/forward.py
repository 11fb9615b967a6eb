"""Checkers of the forward passes: max and average pooling, no padding.

``check_forward_max`` and ``check_forward_avg``, their cases and the smells
of the classic mistakes. :func:`judge_pooled` also judges the padding
checker's answers, which have the same shape.
"""

from __future__ import annotations

import numpy as np

from ..pooling import pool_forward
from .cases import (
    Case,
    Failure,
    Grid,
    as_pair,
    case_geometry,
    random_batch,
    random_window,
    shape_words,
)
from .judging import (
    all_hints,
    as_float_array,
    first_hint,
    first_wrong,
    kind_problem,
    layout_hint,
    looks_like,
)
from .report import slice_panels
from .runner import checker_doc, run_checker
from .sizes import floor_size, size_smells


def _axis_text(positions, n):
    inside = [int(p) for p in positions if 0 <= p < n]
    text = ", ".join(str(int(p)) for p in positions)
    if len(inside) < len(positions):
        text += f" (outside 0 to {n - 1}: padding or overhang)"
    return text


def _forward_case(name, A_prev, kernel_shape, stride, mode):
    kernel_shape, stride = as_pair(kernel_shape), as_pair(stride)
    expected = pool_forward(A_prev, kernel_shape, stride, mode)
    info = {
        "mode": mode,
        "kernel_shape": kernel_shape,
        "stride": stride,
        "padding": (0, 0),
        "ceil_mode": False,
        "count_include_pad": True,
    }
    return Case(
        name,
        (A_prev, kernel_shape, stride),
        ("A_prev", "kernel_shape", "stride"),
        expected,
        _judge_forward,
        info,
    )


# One row per case: its name, then the call: A_prev (a recipe, built afresh
# on every check), kernel_shape, stride. Max and average pooling run the same cases.
_CASES = [
    ("one window (2 x 2 input, kernel 2, stride 2)", (Grid(2, 2, seed=1), 2, 2)),
    (
        "non-overlapping windows (kernel 2, stride 2), the article's setting",
        (Grid(4, 4, seed=2), 2, 2),
    ),
    ("negative inputs (kernel 2, stride 2)", (Grid(4, 4, seed=3, offset=-16.0), 2, 2)),
    ("overlapping windows (kernel 3, stride 1)", (Grid(5, 5, seed=4), 3, 1)),
    ("a size the stride does not divide (5 x 5, kernel 2, stride 2)", (Grid(5, 5, seed=5), 2, 2)),
    # Not square, and its output (2 x 3) not square either: an answer with rows
    # and columns swapped has a shape of its own.
    ("stride larger than the kernel (7 x 8, kernel 2, stride 3)", (Grid(7, 8, seed=6), 2, 3)),
    (
        "rectangular kernel and stride (4 x 7, kernel (2, 3), stride (1, 2))",
        (Grid(4, 7, seed=7), (2, 3), (1, 2)),
    ),
    ("several examples and channels (m = 2, c = 3)", (Grid(4, 4, seed=8, m=2, c=3), 2, 2)),
    ("a NaN in a window (NaN must come out)", (Grid(4, 4, seed=9, put={(1, 0): np.nan}), 2, 2)),
]


def _forward_cases(mode):
    return [
        _forward_case(name, A_prev(), kernel_shape, stride, mode)
        for name, (A_prev, kernel_shape, stride) in _CASES
    ]


def _draw_forward(rng, mode):
    size, kernel_shape, stride = random_window(rng)
    A_prev = random_batch(rng, size)
    return _forward_case(
        shape_words(A_prev, kernel_shape, stride), A_prev, kernel_shape, stride, mode
    )


def _forward_smells(case):
    """(test, hint) pairs for wrong values of a forward pass with the right shape."""
    A_prev, kernel_shape, stride = case.args[:3]
    mode, expected = case.info["mode"], case.expected
    options = {k: case.info[k] for k in ("padding", "ceil_mode", "count_include_pad")}
    kh, kw = kernel_shape
    other = "avg" if mode == "max" else "max"
    smells = []
    if mode == "max":
        smells.append(
            (
                looks_like(np.maximum(expected, 0)),
                "every negative window came out as 0: looks like the running maximum "
                "started at 0 (np.zeros). Start it at -inf, or at the window's first "
                "cell, so negative inputs can win.",
            )
        )
    is_nan = np.isnan(A_prev)
    no_nan = np.where(is_nan, -np.inf if mode == "max" else 0.0, A_prev)
    skipped = [_pool_or_none(no_nan, kernel_shape, stride, mode, options)]
    if mode == "avg":
        counts = _pool_or_none(
            (~is_nan).astype(float), kernel_shape, stride, "avg", {**options, "divisor_override": 1}
        )
        skipped.append(skipped[0] * kh * kw / counts)
    nan_hint = (
        "the NaN was skipped: NaN must win its window, as in PyTorch. np.max, "
        "np.maximum and np.mean let NaN through; Python's max(), np.fmax, np.nanmax "
        "and np.nanmean skip it."
    )
    smells += [(looks_like(candidate), nan_hint) for candidate in skipped]
    if mode == "avg":
        sums = pool_forward(A_prev, kernel_shape, stride, "avg", divisor_override=1, **options)
        smells += [
            (
                looks_like(sums),
                "these are the windows' sums: divide each by the number of "
                f"cells it holds, kh * kw = {kh * kw}.",
            ),
            (
                looks_like(np.floor(sums / (kh * kw))),
                "the averages were rounded down: use / (true division), not // .",
            ),
        ]
    smells.append(
        (
            looks_like(pool_forward(A_prev, kernel_shape, stride, other, **options)),
            f"you computed {'averages' if other == 'avg' else 'maxima'}: this "
            f"exercise wants the window's {'maximum' if mode == 'max' else 'mean'}.",
        )
    )
    for bad_kernel, bad_stride, hint in _swaps(case):
        candidate = _pool_or_none(A_prev, bad_kernel, bad_stride, mode, options)
        if candidate is not None and candidate.shape == expected.shape:
            smells.append((looks_like(candidate), hint))
    unstrided = _pool_or_none(A_prev, kernel_shape, 1, mode, options)
    if unstrided is not None:
        crop = unstrided[:, : expected.shape[1], : expected.shape[2]]
        if crop.shape == expected.shape:
            smells.append(
                (
                    looks_like(crop),
                    "window (i, j) must start at row i * sh and "
                    "column j * sw, not at row i and column j.",
                )
            )
    reduce = np.max if mode == "max" else np.mean
    if expected.shape[3] > 1:
        smells.append(
            (
                looks_like(
                    np.broadcast_to(reduce(expected, axis=3, keepdims=True), expected.shape)
                ),
                "the channels were pooled together: pool each channel on its own, "
                "over the window's rows and columns (axes 1 and 2) only.",
            )
        )
    if expected.shape[0] > 1:
        smells.append(
            (
                looks_like(
                    np.broadcast_to(reduce(expected, axis=0, keepdims=True), expected.shape)
                ),
                "the examples were pooled together: axis 0 is the batch; reduce "
                "over axes 1 and 2 only.",
            )
        )
    return smells


def _swaps(case):
    """Kernel and stride mixed up in the classic ways, with the hint for each."""
    (kh, kw), (sh, sw) = case.info["kernel_shape"], case.info["stride"]
    swaps = [
        ((kw, kh), (sh, sw), "kernel height and width are swapped: rows use kh, columns kw."),
        (
            (kh, kw),
            (sw, sh),
            "stride rows and columns are swapped: rows move by sh, columns by sw.",
        ),
        (
            (sh, sw),
            (sh, sw),
            "the windows are stride-sized: each window has kernel_shape "
            "cells, and moves by stride.",
        ),
    ]
    return [swap for swap in swaps if swap[:2] != ((kh, kw), (sh, sw))]


def _pool_or_none(A_prev, kernel_shape, stride, mode, options):
    try:
        return pool_forward(A_prev, kernel_shape, stride, mode, **options)
    except ValueError:
        return None


def _forward_shape_hint(case, array):
    A_prev, expected = case.args[0], case.expected
    m, h, w, c = A_prev.shape
    missing = [
        axis
        for axis, kept in (("batch", expected.shape[1:]), ("channel", expected.shape[:3]))
        if array.shape == kept
    ]
    if missing:
        return (
            f"the {' or the '.join(missing)} axis is missing: the output is "
            "(m, h_out, w_out, c); reduce over the window's rows and columns only."
        )
    for bad_kernel, bad_stride, hint in _swaps(case):
        if array.shape == (
            m,
            floor_size(h, bad_kernel[0], bad_stride[0]),
            floor_size(w, bad_kernel[1], bad_stride[1]),
            c,
        ):
            return hint
    if array.ndim == 4 and case.info["padding"] == (0, 0) and not case.info["ceil_mode"]:
        smells = size_smells(h, w, case.info["kernel_shape"], case.info["stride"])
        hint = all_hints(text for test, text in smells if test(array.shape))
        if hint:
            return hint
    return (
        f"the output must have shape (m, h_out, w_out, c) = {expected.shape}, with one "
        "row per window down and one column per window across."
    )


def _window_hint(case, index):
    """Where the window of output ``index`` = (n, i, j, ch) lies, in words."""
    n, i, j, ch = index
    geometry = case_geometry(case)
    h, w = geometry.in_shape
    rows = _axis_text(geometry.window_positions(0)[i], h)
    cols = _axis_text(geometry.window_positions(1)[j], w)
    return (
        f"the first wrong output is A[{n}, {i}, {j}, {ch}]. Its window covers rows "
        f"{rows} and columns {cols} of example {n}, channel {ch}: work it out by hand and "
        "compare."
    )


def _judge_forward(case, actual):
    return judge_pooled(case, actual, _forward_shape_hint, _forward_smells)


def judge_pooled(case, actual, shape_hint, smells):
    """Judge a pooled array of shape (m, h_out, w_out, c), with or without padding.

    An answer that is not a float array (a list, a scalar, an integer or
    object array) is named first, then one with its axes in the wrong order.
    ``shape_hint(case, array)`` explains any other wrong shape; ``smells(case)``
    lists the classic mistakes that give wrong values. Any other wrong value is
    explained by where its window lies.
    """
    expected = case.expected
    array = as_float_array(actual)
    if array is None:
        return Failure(
            f"returned {type(actual).__name__}",
            "return a NumPy array of shape (m, h_out, w_out, c).",
        )
    kind = kind_problem(actual)
    if kind is not None:
        return _kind_failure(case, array, kind)
    if array.shape != expected.shape:
        details = _forward_details(case, array, 0, 0)
        hint = layout_hint(array.shape, expected.shape) or shape_hint(case, array)
        return Failure(f"shape {array.shape}, expected {expected.shape}", hint, details)
    index = first_wrong(array, expected)
    if index is None:
        return None
    hint = first_hint(_transposed(expected) + smells(case), array) or _window_hint(case, index)
    return Failure("wrong values", hint, _forward_details(case, array, index[0], index[3]))


def _transposed(expected):
    """The smell of rows and columns swapped in a square output, where only the values show it."""
    swapped = expected.swapaxes(1, 2)
    if swapped.shape != expected.shape or np.array_equal(swapped, expected, equal_nan=True):
        return []
    return [
        (
            looks_like(swapped),
            "rows and columns are swapped: A[n, i, j, ch] is the window i down and j "
            "across, at row i * sh and column j * sw; yours holds the window j down and i "
            "across there.",
        )
    ]


def _kind_failure(case, array, kind):
    """The answer is not a float array: say so first, and whether its values are right."""
    summary, hint = kind
    if array.shape == case.expected.shape and first_wrong(array, case.expected) is None:
        hint = "the values are right, but " + hint
    return Failure(f"returned {summary}", hint, _forward_details(case, array, 0, 0))


def _forward_details(case, array, n, ch):
    A_prev = case.args[0]
    options = ", ".join(
        f"{k}={v!r}" for k, v in zip(case.arg_names[1:], case.args[1:], strict=True)
    )
    lines = [f"  called fn(A_prev, {options})", f"  with A_prev of shape {A_prev.shape}"]
    inputs = [("input", "A_prev", A_prev)]
    return lines + slice_panels(inputs, "A", case.expected, array, n, ch)


@checker_doc
def check_forward_max(fn, *, time_limit=None, seed=None):
    """Check a max pooling forward pass, ``fn(A_prev, kernel_shape, stride) -> A``.

    Parameters
    ----------
    fn : callable or None
        Your function. ``A_prev`` has shape (m, h, w, c); ``kernel_shape`` and
        ``stride`` are pairs ``(rows, cols)``. Return ``A`` of shape
        (m, h_out, w_out, c), each entry the maximum of one window. No padding.
    {keywords}

    Notes
    -----
    Cases: a single window, the article's 2 x 2 / stride 2, negative inputs,
    overlapping windows, a size the stride does not divide, a stride larger
    than the kernel, a rectangular kernel and stride, several examples and
    channels, and a NaN (which must come out as NaN); then three random
    inputs of random shapes, kernels and strides.
    """
    return run_checker(
        "check_forward_max",
        "max pooling forward pass",
        fn,
        _forward_cases("max"),
        lambda rng: _draw_forward(rng, "max"),
        time_limit,
        seed,
    )


@checker_doc
def check_forward_avg(fn, *, time_limit=None, seed=None):
    """Check an average pooling forward pass, ``fn(A_prev, kernel_shape, stride) -> A``.

    Parameters
    ----------
    fn : callable or None
        Your function, as for :func:`check_forward_max`, returning each
        window's mean.
    {keywords}
    """
    return run_checker(
        "check_forward_avg",
        "average pooling forward pass",
        fn,
        _forward_cases("avg"),
        lambda rng: _draw_forward(rng, "avg"),
        time_limit,
        seed,
    )
