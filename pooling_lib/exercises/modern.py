"""Checkers of notebook 10: adaptive windows, max unpooling, global average and max-blur pooling.

``check_adaptive_bounds``, ``check_max_unpool``, ``check_global_avg_pool`` and
``check_max_blur_pool``, their cases and the smells of the classic mistakes:
windows rounded down at both ends, unpooled values written to the wrong cell
or added up, an average over the wrong axes, a max that subsamples before the
blur.
"""

from __future__ import annotations

import numpy as np

from ..adaptive import MAX_SCALE, adaptive_bounds, adaptive_pool_forward, max_unpool
from ..modern_layers import blur_pool_forward
from ..pooling import max_pool_winners, pool_forward
from .cases import Case, Failure, Grid, random_ints, random_values
from .judging import all_hints, as_float_array, first_hint, kind_problem, layout_hint, looks_like
from .report import brief, show
from .runner import checker_doc, run_checker

__all__ = [
    "check_adaptive_bounds",
    "check_global_avg_pool",
    "check_max_blur_pool",
    "check_max_unpool",
]

# -- adaptive windows ------------------------------------------------------------


def _bounds_smells(n, n_out):
    """(candidate starts, candidate stops, hint) for the classic ways to get the windows wrong."""
    index = np.arange(n_out)
    starts, stops = adaptive_bounds(n, n_out)
    floor_stop = (index + 1) * n // n_out
    return [
        (
            starts,
            floor_stop,
            "the windows end at floor((i + 1) * n / n_out): rounded down at both ends, a "
            "cell cut by a boundary belongs to one window instead of both, and with more "
            "windows than cells some windows are empty (3 cells into 5: [0, 0), [0, 1), "
            "[1, 1), ...). Round the end up: ceil((i + 1) * n / n_out), in integers "
            "-((-(i + 1) * n) // n_out).",
        ),
        (
            -((-index * n) // n_out),
            stops,
            "the windows start at ceil(i * n / n_out): a cell cut by a boundary then belongs "
            "to the earlier window only, and with more windows than cells some are empty: "
            "round the start down, floor(i * n / n_out), so that each window holds every "
            "cell its share of the axis touches.",
        ),
        (
            index * (n // n_out),
            index * (n // n_out) + n // n_out,
            "equal windows of n // n_out cells each: that is a fixed kernel and stride, which "
            "leaves cells out when n_out does not divide n. Adaptive windows are "
            "floor(i * n / n_out) to ceil((i + 1) * n / n_out).",
        ),
        (
            starts,
            stops - 1,
            "your ends are the last cell of each window; return the end as in a Python slice, "
            "one past the last cell, so that rows[start:stop] is the window.",
        ),
        (
            np.round(index * n / n_out).astype(int),
            np.round((index + 1) * n / n_out).astype(int),
            "round() sends halves to the even number and rounds the start up sometimes: use "
            "floor for the start and ceil for the end.",
        ),
    ]


def _judge_bounds(case, actual):
    n, n_out = case.args
    starts, stops = case.expected
    details = [f"  called fn{case.args}", *show("expected (starts, stops)", case.expected)]
    if not isinstance(actual, tuple | list) or len(actual) != 2:
        return Failure(
            f"returned {brief(actual)}",
            "return a pair (starts, stops): two sequences of n_out ints.",
            details,
        )
    try:
        got = tuple(np.asarray(part).astype(float) for part in actual)
    except (TypeError, ValueError):
        return Failure(f"returned {brief(actual)}", "starts and stops must hold numbers.", details)
    details += show("yours", tuple(np.asarray(part) for part in actual))
    if any(part.shape != (n_out,) for part in got):
        return Failure(
            "wrong length",
            f"one window per output: starts and stops each hold n_out = {n_out} numbers.",
            details,
        )
    if np.array_equal(got[0], starts) and np.array_equal(got[1], stops):
        return None
    hint = all_hints(
        text
        for bad_starts, bad_stops, text in _bounds_smells(n, n_out)
        if np.array_equal(got[0], bad_starts) and np.array_equal(got[1], bad_stops)
    )
    return Failure(
        "wrong windows",
        hint or "window i covers cells floor(i * n / n_out) up to ceil((i + 1) * n / n_out).",
        details,
    )


def _bounds_case(name, n, n_out):
    return Case(name, (n, n_out), ("n", "n_out"), adaptive_bounds(n, n_out), _judge_bounds)


_BOUNDS_CASES = [
    ("an even split (8 cells into 4 windows)", 8, 4),
    ("7 cells into 3 windows: equal sizes, overlapping", 7, 3),
    ("28 cells into 5 windows", 28, 5),
    ("10 cells into 4 windows", 10, 4),
    ("global pooling (6 cells into 1 window)", 6, 1),
    ("more windows than cells (3 cells into 5 windows)", 3, 5),
]


def _draw_bounds(rng):
    (n,) = random_ints(rng, 1, 40, 1)
    (n_out,) = random_ints(rng, 1, min(40, MAX_SCALE * n), 1)
    return _bounds_case(f"{n} cells into {n_out} windows", n, n_out)


@checker_doc
def check_adaptive_bounds(fn, *, time_limit=None, seed=None):
    """Check ``fn(n, n_out) -> (starts, stops)``, the adaptive windows along one axis.

    Parameters
    ----------
    fn : callable or None
        Your function. Window ``i`` covers cells ``starts[i]`` up to, not
        including, ``stops[i]``. Return two sequences of ``n_out`` ints.
    {keywords}
    """
    cases = [_bounds_case(name, n, n_out) for name, n, n_out in _BOUNDS_CASES]
    return run_checker(
        "check_adaptive_bounds",
        "adaptive windows",
        fn,
        cases,
        _draw_bounds,
        time_limit,
        seed,
    )


# -- max unpooling ---------------------------------------------------------------


def _panel_lines(case, array):
    A, indices, output_shape = case.args
    lines = [f"  called fn(A, indices, output_shape={output_shape}), A of shape {A.shape}"]
    lines += show("A[0, :, :, 0]", A[0, :, :, 0])
    lines += show("indices[0, :, :, 0]", indices[0, :, :, 0])
    lines += show("expected[0, :, :, 0]", case.expected[0, :, :, 0])
    if array is not None and array.ndim == 4 and array.shape[0] and array.shape[3]:
        lines += show("yours[0, :, :, 0]", array[0, :, :, 0])
    return lines


def _unpool_by_rule(A, indices, shape, write):
    """An unpooling with a planted rule: ``write(out, n, flat, ch, value, (h, w))`` per value."""
    h, w = shape
    out = np.zeros((A.shape[0], h, w, A.shape[3]))
    for n, i, j, ch in np.ndindex(*A.shape):
        write(out, n, int(indices[n, i, j, ch]), ch, A[n, i, j, ch], (h, w))
    return out


def _unpool_smells(case):
    A, indices, (h, w) = case.args

    def added(out, n, flat, ch, value, size):
        out[n, flat // size[1], flat % size[1], ch] += value

    def first_stays(out, n, flat, ch, value, size):
        row, col = flat // size[1], flat % size[1]
        if out[n, row, col, ch] == 0:
            out[n, row, col, ch] = value

    def swapped(out, n, flat, ch, value, size):
        row, col = flat % size[0], flat // size[0]
        if row < size[0] and col < size[1]:
            out[n, row, col, ch] = value

    factor = (h // A.shape[1], w // A.shape[2])
    nearest = np.repeat(np.repeat(A, factor[0], axis=1), factor[1], axis=2)
    smells = [
        (
            looks_like(_unpool_by_rule(A, indices, (h, w), added)),
            "two windows chose the same cell and you added their values (+=): unpooling "
            "writes (=), so the later value replaces the earlier one (PyTorch's CPU kernel "
            "writes the later one last).",
        ),
        (
            looks_like(_unpool_by_rule(A, indices, (h, w), first_stays)),
            "where two windows chose the same cell the first value stayed: write every value "
            "in order with =, so the later one replaces it.",
        ),
        (
            looks_like(_unpool_by_rule(A, indices, (h, w), swapped)),
            "row and column are swapped: row = index // w, col = index % w.",
        ),
    ]
    if nearest.shape[1:3] == (h, w):
        smells.append(
            (
                looks_like(nearest),
                "every cell of the window got the value: that is nearest-neighbour "
                "upsampling. Unpooling puts each value back only where its index points; "
                "the other cells stay 0.",
            )
        )
    return smells


def _judge_unpool(case, actual):
    expected = case.expected
    array = as_float_array(actual)
    if array is None:
        return Failure(f"returned {type(actual).__name__}", "return a NumPy array (m, h, w, c).")
    kind = kind_problem(actual)
    if kind is not None:
        return Failure(f"returned {kind[0]}", kind[1], _panel_lines(case, array))
    if array.shape != expected.shape:
        hint = layout_hint(array.shape, expected.shape, "h", "w") or (
            f"the output is (m, h, w, c) = {expected.shape}: m and c from A, (h, w) from "
            "output_shape."
        )
        return Failure(f"shape {array.shape}, expected {expected.shape}", hint)
    if np.array_equal(array, expected, equal_nan=True):
        return None
    hint = first_hint(_unpool_smells(case), array) or (
        "start from zeros of shape (m, h, w, c); for every value A[n, i, j, ch], its index "
        "k = indices[n, i, j, ch] says where it goes: row k // w, column k % w."
    )
    return Failure("wrong values", hint, _panel_lines(case, array))


def _unpool_case(name, A_prev, kernel, stride):
    A = pool_forward(A_prev, kernel, stride)
    rows, cols = max_pool_winners(A_prev, kernel, stride)
    indices = rows * A_prev.shape[2] + cols
    shape = A_prev.shape[1:3]
    return Case(
        name,
        (A, indices, shape),
        ("A", "indices", "output_shape"),
        max_unpool(A, indices, shape),
        _judge_unpool,
    )


_OVERLAP = Grid(5, 6, seed=13, put={(1, 1): 90.0, (2, 3): 80.0})
_UNPOOL_CASES = [
    ("the article's 2 x 2 windows, stride 2 (4 x 4)", Grid(4, 4, seed=11), 2, 2),
    ("a map that is not square (4 x 6)", Grid(4, 6, seed=12), 2, 2),
    ("negative values (zeros stay zeros)", Grid(4, 4, seed=14, offset=-20.0), 2, 2),
    ("overlapping windows share a winner (kernel 3, stride 1)", _OVERLAP, 3, 1),
    ("several examples and channels (m = 2, c = 2)", Grid(4, 6, seed=15, m=2, c=2), 2, 2),
]


def _given_unpool_case(name, values, indices, shape):
    A = np.array(values, dtype=float).reshape(1, 1, -1, 1)
    indices = np.array(indices).reshape(A.shape)
    return Case(
        name,
        (A, indices, shape),
        ("A", "indices", "output_shape"),
        max_unpool(A, indices, shape),
        _judge_unpool,
    )


def _draw_unpool(rng):
    h, w = random_ints(rng, 2, 8, 2)
    kernel, stride = random_ints(rng, 1, 3, 1)[0], random_ints(rng, 1, 3, 1)[0]
    kernel = min(kernel, h, w)
    m, c = random_ints(rng, 1, 2, 2)
    A_prev = random_values(rng, (m, h, w, c))
    return _unpool_case(f"{h} x {w}, kernel {kernel}, stride {stride}", A_prev, kernel, stride)


@checker_doc
def check_max_unpool(fn, *, time_limit=None, seed=None):
    """Check ``fn(A, indices, output_shape) -> out``, max unpooling with flat indices.

    Parameters
    ----------
    fn : callable or None
        Your function. ``A`` and ``indices`` have shape (m, h_out, w_out, c);
        ``indices[n, i, j, ch]`` is ``row * w + col`` in the (h, w) map;
        ``output_shape`` is ``(h, w)``. Return zeros of shape (m, h, w, c)
        with each value of ``A`` written where its index points (a later value
        replaces an earlier one in the same cell).
    {keywords}
    """
    cases = [_unpool_case(name, grid(), k, s) for name, grid, k, s in _UNPOOL_CASES]
    cases.append(
        _given_unpool_case(
            "two values sent to one cell (the later one stays)", [5.0, 7.0, 2.0], [4, 4, 0], (3, 3)
        )
    )
    return run_checker(
        "check_max_unpool", "max unpooling", fn, cases, _draw_unpool, time_limit, seed
    )


# -- global average pooling ------------------------------------------------------


def _gap_smells(case):
    (A_prev,) = case.args
    m, h, w, c = A_prev.shape
    smells = [
        (
            looks_like(A_prev.sum(axis=(1, 2))),
            f"these are the sums: divide by the h * w = {h * w} cells of each map.",
        ),
        (
            looks_like(A_prev.max(axis=(1, 2))),
            "that is global max pooling: global average pooling takes each map's mean.",
        ),
        (
            looks_like(np.broadcast_to(A_prev.mean(axis=(1, 2, 3))[:, None], (m, c))),
            "the channels were averaged together: average over the rows and columns "
            "(axes 1 and 2) only, one number per example and channel.",
        ),
        (
            looks_like(np.broadcast_to(A_prev.mean(axis=(0, 1, 2))[None, :], (m, c))),
            "the examples were averaged together: axis 0 is the batch; average over axes 1 "
            "and 2 only.",
        ),
    ]
    return smells


def _judge_gap(case, actual):
    (A_prev,) = case.args
    expected = case.expected
    array = as_float_array(actual)
    details = [f"  called fn(A_prev) with A_prev of shape {A_prev.shape}"]
    details += show("expected, shape (m, c)", expected)
    if array is None:
        return Failure(f"returned {type(actual).__name__}", "return a NumPy array (m, c).", details)
    details += show("yours", array)
    kind = kind_problem(actual)
    if kind is not None:
        return Failure(f"returned {kind[0]}", kind[1], details)
    m, h, w, c = A_prev.shape
    if array.shape != expected.shape:
        if array.shape == (m, 1, 1, c):
            hint = "kept the pooled axes (m, 1, 1, c): return shape (m, c), e.g. .reshape(m, c)."
        elif array.shape in ((m,), (c,)) and m == c:
            hint = (
                "averaged over too many axes: in (m, h, w, c) the map is axes 1 and 2; "
                "mean(axis=(1, 2)) gives one number per example and channel."
            )
        elif array.shape == (m,):
            hint = (
                "the channels were averaged together: average over the rows and columns "
                "(axes 1 and 2) only, one number per example and channel."
            )
        elif array.shape == (c,):
            hint = "the examples were averaged together: axis 0 is the batch; use axes 1 and 2."
        elif array.shape in ((m, h), (m, w), (h, c), (w, c), (m, h, c), (m, w, c)):
            hint = (
                "averaged over the wrong axes: in (m, h, w, c), the map is axes 1 and 2; "
                "mean(axis=(1, 2)) gives (m, c)."
            )
        else:
            hint = f"one number per example and channel: shape (m, c) = {expected.shape}."
        return Failure(f"shape {array.shape}, expected {expected.shape}", hint, details)
    if np.allclose(array, expected, rtol=1e-6, atol=1e-9, equal_nan=True):
        return None
    hint = first_hint(_gap_smells(case), array) or (
        "each output is the mean of one example's one channel over all h * w cells."
    )
    return Failure("wrong values", hint, details)


def _gap_case(name, A_prev):
    m, _, _, c = A_prev.shape
    expected = adaptive_pool_forward(A_prev, 1, "avg").reshape(m, c)
    return Case(name, (A_prev,), ("A_prev",), expected, _judge_gap)


_GAP_CASES = [
    ("one example, two channels (1 x 3 x 3 x 2)", Grid(3, 3, seed=21, c=2)),
    ("a map that is not square (1 x 2 x 5 x 1)", Grid(2, 5, seed=22)),
    ("several channels (c = 3)", Grid(3, 4, seed=23, c=3)),
    ("several examples and channels (m = 2, c = 3)", Grid(4, 3, seed=24, m=2, c=3)),
    ("negative values", Grid(3, 3, seed=25, m=2, c=2, offset=-30.0)),
]


def _draw_gap(rng):
    m, h, w, c = random_ints(rng, 1, 4, 4)
    return _gap_case(f"{m} x {h} x {w} x {c}", random_values(rng, (m, h, w, c)))


@checker_doc
def check_global_avg_pool(fn, *, time_limit=None, seed=None):
    """Check ``fn(A_prev) -> A``, global average pooling from (m, h, w, c) to (m, c).

    Parameters
    ----------
    fn : callable or None
        Your function: each example's and channel's mean over its whole map.
    {keywords}
    """
    cases = [_gap_case(name, grid()) for name, grid in _GAP_CASES]
    return run_checker(
        "check_global_avg_pool", "global average pooling", fn, cases, _draw_gap, time_limit, seed
    )


# -- max-blur pooling ------------------------------------------------------------


def _max_blur_smells(case):
    (A_prev,) = case.args
    return [
        (
            # The dense max subsampled without a blur is this very array.
            looks_like(pool_forward(A_prev, 2, 2)),
            "that is plain 2 x 2 max pooling: either the max subsampled (stride 2), or the "
            "dense max was subsampled without the blur. Take the max with stride 1, then "
            "blur with [1, 2, 1] x [1, 2, 1] / 16 as you keep every second row and column.",
        ),
        (
            looks_like(blur_pool_forward(pool_forward(A_prev, 2, 2), 1)),
            "the max already subsampled (stride 2) and the blur came after: by then the "
            "aliasing is done. Take the max with stride 1, then blur with stride 2.",
        ),
        (
            looks_like(pool_forward(blur_pool_forward(A_prev, 1), 2, 2)),
            "the blur came before the max: blurring first lowers the peaks the max should "
            "keep. Max with stride 1 first, then blur with stride 2.",
        ),
        (
            looks_like(16 * case.expected),
            "16 times too large: divide the [1, 2, 1] x [1, 2, 1] filter by its sum, 16.",
        ),
    ]


def _max_blur_shape_hint(A_prev, actual, expected_shape):
    c = A_prev.shape[3]
    dense = pool_forward(A_prev, 2, 1)
    m, dense_h, dense_w, _ = dense.shape
    if actual.ndim == 4 and actual.shape[:3] == expected_shape[:3]:
        return (
            f"keep every channel: the output has the input's c = {c} channels, each pooled alone."
        )
    if actual.shape == dense.shape:
        if np.allclose(actual, blur_pool_forward(dense, 1), rtol=1e-6, atol=1e-9):
            return "the blur kept every position: it must also subsample, stride 2."
        return (
            "that is the size of the dense max (stride 1): blur it and keep every second "
            "row and column."
        )
    # The 3 x 3 blur with stride 2 and no padding: (n - 3) // 2 + 1 along each axis.
    if actual.shape == (m, (dense_h - 3) // 2 + 1, (dense_w - 3) // 2 + 1, c):
        return (
            "the blur skipped the border: pad the dense max with one zero on each side "
            "before blurring, so that no row or column is lost."
        )
    return (
        f"expected {expected_shape}: a dense max of (h - 1) x (w - 1), padded by one zero "
        "on each side, blurred with a 3 x 3 filter and stride 2."
    )


def _judge_max_blur(case, actual):
    (A_prev,) = case.args
    expected = case.expected
    array = as_float_array(actual)
    details = [f"  called fn(A_prev) with A_prev of shape {A_prev.shape}"]
    details += show("A_prev[0, :, :, 0]", A_prev[0, :, :, 0])
    details += show("expected[0, :, :, 0]", expected[0, :, :, 0])
    if array is None:
        hint = "return a NumPy array (m, h_out, w_out, c)."
        return Failure(f"returned {type(actual).__name__}", hint, details)
    if array.ndim == 4 and array.shape[0] and array.shape[3]:
        details += show("yours[0, :, :, 0]", array[0, :, :, 0])
    kind = kind_problem(actual)
    if kind is not None:
        return Failure(f"returned {kind[0]}", kind[1], details)
    if array.shape != expected.shape:
        hint = _max_blur_shape_hint(A_prev, array, expected.shape)
        return Failure(f"shape {array.shape}, expected {expected.shape}", hint, details)
    if np.allclose(array, expected, rtol=1e-6, atol=1e-9, equal_nan=True):
        return None
    hint = first_hint(_max_blur_smells(case), array) or (
        "max with stride 1 (2 x 2 windows), then pad by one zero each side, blur with "
        "[1, 2, 1] x [1, 2, 1] / 16 and keep every second row and column."
    )
    return Failure("wrong values", hint, details)


def _max_blur_case(name, A_prev):
    expected = blur_pool_forward(pool_forward(A_prev, 2, 1), 2)
    return Case(name, (A_prev,), ("A_prev",), expected, _judge_max_blur)


_MAX_BLUR_CASES = [
    ("one example, a 4 x 4 map", Grid(4, 4, seed=31)),
    ("a map of odd size (5 x 5)", Grid(5, 5, seed=32)),
    ("a map that is not square (6 x 4)", Grid(6, 4, seed=33)),
    ("several examples and channels (m = 2, c = 3)", Grid(6, 6, seed=34, m=2, c=3)),
    ("negative values", Grid(5, 6, seed=35, offset=-40.0)),
]


def _draw_max_blur(rng):
    m, c = random_ints(rng, 1, 3, 2)
    h, w = random_ints(rng, 3, 8, 2)
    return _max_blur_case(f"{m} x {h} x {w} x {c}", random_values(rng, (m, h, w, c)))


@checker_doc
def check_max_blur_pool(fn, *, time_limit=None, seed=None):
    """Check ``fn(A_prev) -> A``, Zhang's max-blur pooling of 2 x 2 windows.

    Parameters
    ----------
    fn : callable or None
        Your function, (m, h, w, c) to (m, h_out, w_out, c): the 2 x 2 max at
        every position (stride 1), then the [1, 2, 1] x [1, 2, 1] / 16 blur
        with one zero of padding on each side and stride 2, as
        :class:`pooling_lib.modern_layers.MaxBlurPool2D` computes it.
    {keywords}
    """
    cases = [_max_blur_case(name, grid()) for name, grid in _MAX_BLUR_CASES]
    return run_checker(
        "check_max_blur_pool", "max-blur pooling", fn, cases, _draw_max_blur, time_limit, seed
    )
