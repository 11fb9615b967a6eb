"""Adaptive pooling and max unpooling: say the output size, let the windows follow.

``torch.nn.AdaptiveAvgPool2d(output_size)`` picks its windows from the sizes
alone. Along an axis of ``n`` input cells and ``n_out`` outputs, output ``i``
covers the cells ``floor(i * n / n_out)`` up to, not including,
``ceil((i + 1) * n / n_out)``: each window holds every cell its share of
the axis, ``i * n / n_out`` to ``(i + 1) * n / n_out``, touches. Where a
boundary cuts a cell, the two neighbours share it (they overlap by one cell),
and the windows' sizes may differ (6 and 7 for 28 into 5; 3 each for 7 into
3); when ``n_out > n`` cells repeat. Every window holds at least one cell.

The arithmetic is PyTorch's CPU kernel for default (NCHW-contiguous) tensors,
step for step, so results agree to the bit, sign of zero included:

* average: the window's cells are added in row-major order onto +0.0 (float16
  in float32), the sum divided by the window's height and then by its width,
  and rounded once to the input's dtype. Backward: ``dA / kh / kw`` in the
  gradient's dtype (float16 rounds after each division), added (``+=``) to
  cells that start at +0.0, window after window in row-major order.
* max: a scan from -inf in row-major order where a cell takes over when it is
  larger or NaN (the first of equal maxima wins, the last NaN wins; a window
  of -inf is won by its first cell). Backward adds each window's gradient to
  its winner in row-major window order, in the gradient's dtype.

Two exceptions, both in PyTorch's averages. ``adaptive_avg_pool2d`` with
output size (1, 1) calls ``mean``, which sums in blocks and divides once; its
gradient is ``dA / (h * w)``, one division where this divides by ``h`` and
then by ``w``. And PyTorch's channels-last kernel (a tensor whose channels are contiguous, as an
(m, h, w, c) array's are) divides by ``kh * kw`` once in its vector lanes but
by ``kh`` then ``kw`` for the leftover channels, so its last bit depends on
the channel count. Both may differ from this in the last bit; the default
memory layout's adaptive kernel (``torch.ops.aten._adaptive_avg_pool2d``,
forward and backward) is the one matched, at every output size.

:mod:`pooling_lib.adaptive_loops` does the same one window at a time.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._checks import MODES, as_float_array, check_choice, gradient_dtype
from .reference import divisor_as, gradient_divisor_as, quiet_like_pytorch, sum_dtype

__all__ = [
    "adaptive_bounds",
    "adaptive_max_indices",
    "adaptive_pool_backward",
    "adaptive_pool_forward",
    "check_adaptive_backward",
    "check_adaptive_forward",
    "check_adaptive_input",
    "check_unpool",
    "check_output_size",
    "max_unpool",
    "MAX_SCALE",
]

MAX_SCALE = 32
"""The most times larger than its input an adaptive output or an unpooled map may be, per axis.

An adaptive output is compared with the input it pools, an unpooled map with
the pooled map it is filled from. PyTorch sets no limit, but past the input's
size adaptive windows only repeat cells, and a typo such as
``output_size=10**9`` would ask for more memory than any machine has. 32 lets
a 1 x 1 global pooling of a 28 x 28 map unpool back.
"""


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def check_output_size(output_size, in_shape=None):
    """``output_size`` as a pair of ints >= 1; ``None`` in the pair keeps that input size.

    Parameters
    ----------
    output_size : int or (int or None, int or None)
    in_shape : (int, int), optional
        The input's height and width, which a ``None`` stands for. Without
        it a ``None`` stays ``None``, to be settled when the input is known.

    Returns
    -------
    (int, int), or (int or None, int or None) without ``in_shape``

    Raises
    ------
    TypeError
        For a float, bool, string or a sequence that is not a pair.
    ValueError
        For a size below 1 (PyTorch returns an empty map for 0, which no layer can use),
        or above :data:`MAX_SCALE` times ``in_shape``.

    Examples
    --------
    >>> check_output_size(3)
    (3, 3)
    >>> check_output_size((2, None), in_shape=(28, 28))
    (2, 28)
    >>> check_output_size((2, None))
    (2, None)
    """
    if _is_int(output_size):
        pair = (output_size, output_size)
    elif isinstance(output_size, tuple | list) and len(output_size) == 2:
        pair = tuple(output_size)
    else:
        raise TypeError(
            f"output_size must be an int or a pair of ints (height, width), got {output_size!r}; "
            "e.g. 7 or (7, 7), or (7, None) to keep the input's width"
        )
    sizes = []
    for axis, value in enumerate(pair):
        if value is None and in_shape is None:
            sizes.append(None)
            continue
        if value is None:
            value = in_shape[axis]
        if not _is_int(value):
            raise TypeError(
                f"output_size must be an int or a pair of ints (height, width), got "
                f"{output_size!r}; e.g. 7 or (7, 7)"
            )
        if value < 1:
            raise ValueError(
                f"output_size must be at least 1 along each axis, got {output_size!r}; "
                "use 1 for global pooling"
            )
        if in_shape is not None and value > MAX_SCALE * in_shape[axis]:
            raise ValueError(
                f"output_size must be at most {MAX_SCALE} times the input's size along each "
                f"axis, at most {(MAX_SCALE * in_shape[0], MAX_SCALE * in_shape[1])} for an input "
                f"of {in_shape[0]} x {in_shape[1]}, got {output_size!r}; an output larger than "
                "the input only repeats cells: to upsample, use np.repeat"
            )
        sizes.append(int(value))
    return tuple(sizes)


def check_adaptive_input(A_prev, name="A_prev"):
    """``A_prev`` as a floating (m, h, w, c) array with h, w and c at least 1 (m may be 0)."""
    A_prev = as_float_array(A_prev, name, ndim=4, layout="(m, h, w, c)")
    _, h, w, c = A_prev.shape
    if h == 0 or w == 0 or c == 0:
        raise ValueError(
            f"{name} must have a non-empty height, width and channels, got shape {A_prev.shape} "
            "(m, h, w, c); an empty batch (m = 0) is allowed"
        )
    return A_prev


def adaptive_bounds(in_size, out_size):
    """Where each adaptive window starts and stops along one axis.

    Parameters
    ----------
    in_size, out_size : int
        Cells of the input and outputs wanted along the axis, both >= 1, with
        ``out_size`` at most :data:`MAX_SCALE` times ``in_size``.

    Returns
    -------
    starts, stops : ndarray of int, shape (out_size,)
        Window ``i`` covers cells ``starts[i]`` to ``stops[i] - 1``:
        ``starts[i] = floor(i * in_size / out_size)`` and
        ``stops[i] = ceil((i + 1) * in_size / out_size)``.

    Examples
    --------
    Seven cells into three windows of three cells: each overlaps the next by the cell
    a boundary cuts.

    >>> starts, stops = adaptive_bounds(7, 3)
    >>> starts.tolist(), stops.tolist()
    ([0, 2, 4], [3, 5, 7])
    """
    for name, value in (("in_size", in_size), ("out_size", out_size)):
        if not _is_int(value):
            raise TypeError(f"{name} must be an int of at least 1, got {value!r}")
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if out_size > MAX_SCALE * in_size:
        raise ValueError(
            f"out_size must be at most {MAX_SCALE} * in_size = {MAX_SCALE * in_size}, got "
            f"{out_size}; more windows than that only repeat cells"
        )
    if in_size * out_size >= 2**63:
        # i * in_size would wrap around in int64 and give wrong windows.
        raise ValueError(
            f"in_size * out_size must be below 2**63, got {in_size} * {out_size}; no array "
            "that large fits in memory"
        )
    index = np.arange(out_size, dtype=np.int64)
    starts = index * in_size // out_size
    stops = -((-(index + 1) * in_size) // out_size)
    return starts, stops


def check_adaptive_forward(A_prev, output_size, mode):
    """Check a forward pass's arguments; return ``(A_prev, (h_out, w_out))``, A_prev an array."""
    A_prev = check_adaptive_input(A_prev)
    check_choice(mode, "mode", MODES)
    return A_prev, check_output_size(output_size, A_prev.shape[1:3])


def _offset_cells(A_prev, out_shape):
    """For each in-window offset ``(di, dj)`` in row-major order: (mask, rows, cols, flat index).

    ``rows`` and ``cols`` index every window's cell at that offset (clipped
    where a window is shorter), ``mask`` says which windows really have it.
    """
    _, h, w, _ = A_prev.shape
    row_starts, row_stops = adaptive_bounds(h, out_shape[0])
    col_starts, col_stops = adaptive_bounds(w, out_shape[1])
    heights, widths = row_stops - row_starts, col_stops - col_starts
    for di in range(int(heights.max())):
        rows = np.minimum(row_starts + di, row_stops - 1)
        for dj in range(int(widths.max())):
            cols = np.minimum(col_starts + dj, col_stops - 1)
            mask = (di < heights)[:, None] & (dj < widths)[None, :]
            yield mask[None, :, :, None], rows, cols, rows[:, None] * w + cols[None, :]


def _max_scan(A_prev, out_shape):
    """PyTorch's max scan over every window at once: (maxima, flat winner indices)."""
    m, _, _, c = A_prev.shape
    best = np.full((m, *out_shape, c), -np.inf, dtype=A_prev.dtype)
    winner = None
    for mask, rows, cols, flat in _offset_cells(A_prev, out_shape):
        cells = A_prev[:, rows[:, None], cols[None, :], :]
        if winner is None:
            winner = np.broadcast_to(flat[None, :, :, None], best.shape).astype(np.int64)
        take = mask & ((cells > best) | np.isnan(cells))
        np.copyto(best, cells, where=take)
        np.copyto(winner, flat[None, :, :, None], where=take)
    return best, winner


@quiet_like_pytorch
def adaptive_pool_forward(A_prev, output_size, mode="max"):
    """Adaptive max or average pooling: windows chosen so the output has ``output_size``.

    Parameters
    ----------
    A_prev : array_like, shape (m, h, w, c)
        Input batch; ints and bools count as float64.
    output_size : int or (int or None, int or None)
        ``(h_out, w_out)``, each at least 1 and possibly larger than the input;
        ``None`` keeps that input size. ``1`` is global pooling.
    mode : {'max', 'avg'}, default 'max'

    Returns
    -------
    ndarray, shape (m, h_out, w_out, c)
        Same dtype as ``A_prev``. Windows are :func:`adaptive_bounds`; the
        arithmetic is PyTorch's (see the module docstring).

    Raises
    ------
    TypeError, ValueError
        For any invalid argument; the message names it and its value.

    See Also
    --------
    adaptive_pool_backward, adaptive_max_indices
    pooling_lib.adaptive_loops.adaptive_pool_forward : the same, with loops.

    Examples
    --------
    >>> A = np.arange(25.0).reshape(1, 5, 5, 1)
    >>> adaptive_pool_forward(A, 2)[0, :, :, 0]
    array([[12., 14.],
           [22., 24.]])
    >>> adaptive_pool_forward(A, 1, mode="avg")[0, :, :, 0]
    array([[12.]])
    """
    A_prev, out_shape = check_adaptive_forward(A_prev, output_size, mode)
    if mode == "max":
        return _max_scan(A_prev, out_shape)[0]
    m, h, w, c = A_prev.shape
    work = sum_dtype(A_prev.dtype)
    total = np.zeros((m, *out_shape, c), dtype=work)
    for mask, rows, cols, _ in _offset_cells(A_prev, out_shape):
        np.add(total, A_prev[:, rows[:, None], cols[None, :], :], out=total, where=mask)
    row_starts, row_stops = adaptive_bounds(h, out_shape[0])
    col_starts, col_stops = adaptive_bounds(w, out_shape[1])
    heights = np.array([divisor_as(k, work) for k in row_stops - row_starts], dtype=work)
    widths = np.array([divisor_as(k, work) for k in col_stops - col_starts], dtype=work)
    # Two divisions, height then width, each rounded: PyTorch's `sum / kh / kw`.
    total /= heights[None, :, None, None]
    total /= widths[None, None, :, None]
    return total.astype(A_prev.dtype)


@quiet_like_pytorch
def adaptive_max_indices(A_prev, output_size):
    """Where each adaptive max window's winner sits, as PyTorch's ``return_indices`` gives it.

    Parameters
    ----------
    A_prev : array_like, shape (m, h, w, c)
    output_size : int or (int or None, int or None)
        As for :func:`adaptive_pool_forward`.

    Returns
    -------
    ndarray of int64, shape (m, h_out, w_out, c)
        The flat index ``row * w + col`` of the winning cell in its (h, w)
        map: the cell :func:`adaptive_pool_backward` sends the gradient to.

    Examples
    --------
    >>> A = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    >>> adaptive_max_indices(A, 1)[0, :, :, 0]
    array([[1]])
    """
    A_prev, out_shape = check_adaptive_forward(A_prev, output_size, "max")
    return _max_scan(A_prev, out_shape)[1]


def check_adaptive_backward(dA, A_prev, output_size, mode):
    """Check a backward pass's arguments; return ``(dA, A_prev, (h_out, w_out))`` as arrays."""
    A_prev, out_shape = check_adaptive_forward(A_prev, output_size, mode)
    dA = as_float_array(dA, "dA", ndim=4, layout="(m, h_out, w_out, c)")
    m, _, _, c = A_prev.shape
    expected = (m, *out_shape, c)
    if dA.shape != expected:
        raise ValueError(
            f"dA must have the forward output's shape (m, h_out, w_out, c) = {expected}, "
            f"got {dA.shape}"
        )
    return dA, A_prev, out_shape


@quiet_like_pytorch
def adaptive_pool_backward(dA, A_prev, output_size, mode="max"):
    """Backward pass of adaptive pooling: the gradient with respect to its input.

    Parameters
    ----------
    dA : array_like, shape (m, h_out, w_out, c)
        Gradient of the loss with respect to the forward output.
    A_prev : array_like, shape (m, h, w, c)
        The input the forward pass saw.
    output_size, mode
        The forward pass's, as for :func:`adaptive_pool_forward`.

    Returns
    -------
    dA_prev : ndarray, shape (m, h, w, c)
        Dtype the wider of the two inputs'. Max sends each window's gradient
        to its winner; average sends ``dA / kh / kw`` to every cell of the
        window. Cells start at +0.0 and add (``+=``) in row-major window
        order, because overlapping windows share cells.

    Examples
    --------
    >>> A = np.arange(9.0).reshape(1, 3, 3, 1)
    >>> adaptive_pool_backward(np.ones((1, 2, 2, 1)), A, 2, mode="avg")[0, :, :, 0]
    array([[0.25, 0.5 , 0.25],
           [0.5 , 1.  , 0.5 ],
           [0.25, 0.5 , 0.25]])
    """
    dA, A_prev, out_shape = check_adaptive_backward(dA, A_prev, output_size, mode)
    m, h, w, c = A_prev.shape
    dtype = gradient_dtype(A_prev, dA)
    dA = dA.astype(dtype, copy=False)
    dA_prev = np.zeros(A_prev.shape, dtype=dtype)
    if m == 0:
        return dA_prev
    if mode == "max":
        winners = _max_scan(A_prev, out_shape)[1]
        # One unbuffered np.add.at, entries in row-major window order: each
        # cell adds its windows' gradients in PyTorch's order, rounding each sum.
        order = (1, 2, 0, 3)
        batch = np.broadcast_to(np.arange(m)[:, None, None, None], winners.shape)
        channel = np.broadcast_to(np.arange(c), winners.shape)
        flat = dA_prev.reshape(m, h * w, c)
        np.add.at(
            flat,
            (
                batch.transpose(order).ravel(),
                winners.transpose(order).ravel(),
                channel.transpose(order).ravel(),
            ),
            dA.transpose(order).ravel(),
        )
        return dA_prev
    row_starts, row_stops = adaptive_bounds(h, out_shape[0])
    col_starts, col_stops = adaptive_bounds(w, out_shape[1])
    for i, (top, bottom) in enumerate(zip(row_starts, row_stops, strict=True)):
        kh = gradient_divisor_as(int(bottom - top), dtype)
        for j, (left, right) in enumerate(zip(col_starts, col_stops, strict=True)):
            kw = gradient_divisor_as(int(right - left), dtype)
            share = (dA[:, i, j, :] / kh).astype(dtype) / kw
            dA_prev[:, top:bottom, left:right, :] += share.astype(dtype)[:, None, None, :]
    return dA_prev


def _flat_indices(indices, A, shape):
    """``indices`` as flat int64 ``row * w + col``, each checked to lie in the (h, w) map.

    The range is checked before any arithmetic: a row of 2**62 times the
    width would wrap around in int64 and land inside the map.
    """
    h, w = shape
    if isinstance(indices, tuple) and len(indices) == 2:
        rows, cols = (np.asarray(part) for part in indices)
        for name, part in (("rows", rows), ("cols", cols)):
            if part.dtype.kind not in "iu":
                raise TypeError(
                    f"indices must be integers, got {name} of dtype {part.dtype}; pass "
                    "max_pool_winners(...) or flat indices"
                )
        if rows.shape != cols.shape:
            raise ValueError(
                f"indices as (rows, cols) must have one shape, got {rows.shape} and {cols.shape}"
            )
        checks = (("rows", rows, h, "rows "), ("cols", cols, w, "columns "))
    else:
        flat = np.asarray(indices)
        if flat.dtype.kind not in "iu":
            raise TypeError(
                f"indices must be integers (flat row * w + col), got dtype {flat.dtype}; pass "
                "max_pool_winners(...) or adaptive_max_indices(...)"
            )
        checks = (("indices", flat, h * w, ""),)
    for name, part, size, what in checks:
        if part.shape != A.shape:
            raise ValueError(
                f"indices must have the shape of A (m, h_out, w_out, c) = {A.shape}, got "
                f"{part.shape}"
            )
        outside = (part < 0) | (part >= size)
        if outside.any():
            raise ValueError(
                f"{name} must point inside the {h} x {w} map ({what}0 to {size - 1}), got "
                f"{int(part[outside][0])}; were they taken with a different output_shape, or "
                "with padding (-1 marks a window of padding alone)?"
            )
    if len(checks) == 2:
        return checks[0][1].astype(np.int64) * w + checks[1][1].astype(np.int64)
    return checks[0][1].astype(np.int64, copy=False)


def check_unpool(A, indices, output_shape):
    """Check :func:`max_unpool`'s arguments; return ``(A, flat indices, (h, w))``."""
    A = as_float_array(A, "A", ndim=4, layout="(m, h_out, w_out, c)")
    if _is_int(output_shape):
        output_shape = (output_shape, output_shape)
    if not (
        isinstance(output_shape, tuple | list)
        and len(output_shape) == 2
        and all(_is_int(v) for v in output_shape)
    ):
        raise TypeError(
            f"output_shape must be an int or a pair of ints (h, w), got {output_shape!r}; "
            "e.g. the pooling input's A_prev.shape[1:3]"
        )
    if min(output_shape) < 1:
        raise ValueError(
            f"output_shape must be a pair of positive ints (h, w), got {output_shape!r}; "
            "e.g. the pooling input's A_prev.shape[1:3]"
        )
    h, w = (int(v) for v in output_shape)
    limit = (MAX_SCALE * max(A.shape[1], 1), MAX_SCALE * max(A.shape[2], 1))
    if h > limit[0] or w > limit[1]:
        raise ValueError(
            f"output_shape must be at most {MAX_SCALE} times A's map (h_out, w_out) = "
            f"{A.shape[1:3]} along each axis, at most {limit}, got {output_shape!r}; "
            "e.g. the pooling input's A_prev.shape[1:3]"
        )
    return A, _flat_indices(indices, A, (h, w)), (h, w)


def max_unpool(A, indices, output_shape):
    """Put pooled values back where the max pooling found them; zeros everywhere else.

    SegNet's decoder upsamples this way: ``torch.nn.functional.max_unpool2d``.

    Parameters
    ----------
    A : array_like, shape (m, h_out, w_out, c)
        Values to put back, such as a max pooling's output.
    indices : int array, shape (m, h_out, w_out, c), or (rows, cols) pair of them
        Where each value goes in its (h, w) map: flat ``row * w + col``
        (PyTorch's ``return_indices``, :func:`adaptive_max_indices`), or the
        ``(rows, cols)`` that :func:`pooling_lib.max_pool_winners` returns.
    output_shape : int or (int, int)
        ``(h, w)`` of the map to fill, usually the pooling's input size; at
        most :data:`MAX_SCALE` times ``(h_out, w_out)``.

    Returns
    -------
    ndarray, shape (m, h, w, c)
        Dtype of ``A``; +0.0 where no index points. Values are written in
        row-major order, so when two indices point at one cell the later
        value stays. PyTorch documents repeated indices as nondeterministic;
        its CPU kernel writes the later one last, and the tests compare with it.

    Raises
    ------
    TypeError, ValueError
        Non-integer indices, mismatched shapes, or an index outside the map
        (-1, a window of padding alone, is outside too; with ``(rows, cols)``
        each is checked against its own axis).

    Examples
    --------
    >>> A = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    >>> pooled = adaptive_pool_forward(A, 1)
    >>> max_unpool(pooled, adaptive_max_indices(A, 1), 2)[0, :, :, 0]
    array([[0., 3.],
           [0., 0.]])
    """
    A, flat, (h, w) = check_unpool(A, indices, output_shape)
    m, h_out, w_out, c = A.shape
    out = np.zeros((m, h * w, c), dtype=A.dtype)
    batch, channel = np.arange(m)[:, None], np.arange(c)[None, :]
    # Window by window in row-major order: a later value overwrites an earlier one.
    for i in range(h_out):
        for j in range(w_out):
            out[batch, flat[:, i, j, :], channel] = A[:, i, j, :]
    return out.reshape(m, h, w, c)
