"""Pooling written with loops, one window at a time: the version the notebooks build.

Same signatures and the same results as :mod:`pooling_lib.pooling`, which the
tests check. Read this file to see *what* pooling computes; read
``pooling.py`` to see how to compute it fast.

A window is the grid of cells at rows ``geometry.window_positions(0)[i]`` and
columns ``geometry.window_positions(1)[j]``. Cells outside the input are
padding (or ceil-mode overhang): they never win a max, and they add zero to
an average, whose divisor :meth:`PoolGeometry.counted_cells` gives.
"""

from __future__ import annotations

import numpy as np

from ._checks import gradient_dtype, prepare, prepare_backward

__all__ = ["max_pool_winners", "pool_backward", "pool_forward"]


def _window_cells(geometry, i, j):
    """Rows and columns of window ``(i, j)`` that lie inside the input."""
    rows = geometry.window_positions(0)[i][geometry.inside(0)[i]]
    cols = geometry.window_positions(1)[j][geometry.inside(1)[j]]
    return rows, cols


def _divisor(geometry, i, j, count_include_pad, divisor_override):
    if divisor_override is not None:
        return divisor_override
    rows = geometry.counted_cells(0, count_include_pad)[i]
    cols = geometry.counted_cells(1, count_include_pad)[j]
    return rows * cols


def _winner(window):
    """Flat index of the cell that takes a max window's gradient.

    Scanning in row-major order, a cell replaces the current best when it is
    strictly larger, so the first of equal maxima wins; a NaN replaces
    anything, so the last NaN wins. This is PyTorch's rule.
    """
    values = window.ravel()
    best = 0
    for index in range(1, values.size):
        if values[index] > values[best] or np.isnan(values[index]):
            best = index
    return best


def _tied(window):
    """Mask of the cells tied for a max window's maximum (NaN ties with NaN)."""
    top = np.max(window)
    if np.isnan(top):
        return np.isnan(window)
    return window == top


def pool_forward(
    A_prev,
    kernel_shape,
    stride=(1, 1),
    mode="max",
    *,
    padding=(0, 0),
    dilation=(1, 1),
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """Forward pass of a pooling layer, one window at a time.

    Parameters and results are those of :func:`pooling_lib.pool_forward`.

    Examples
    --------
    >>> A = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> pool_forward(A, (2, 2), (2, 2))[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]])
    """
    A_prev, geometry = prepare(
        A_prev,
        kernel_shape,
        stride,
        mode,
        padding,
        dilation,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )
    m, _, _, c = A_prev.shape
    h_out, w_out = geometry.out_shape
    A = np.empty((m, h_out, w_out, c), dtype=A_prev.dtype)
    for i in range(h_out):
        for j in range(w_out):
            rows, cols = _window_cells(geometry, i, j)
            window = A_prev[:, rows][:, :, cols]  # shape (m, rows, cols, c)
            if mode == "max":
                # A window of padding alone has no cell to win: -inf, as in PyTorch.
                A[:, i, j] = np.max(window, axis=(1, 2)) if window.size else -np.inf
            else:
                total = np.sum(window, axis=(1, 2))
                divisor = _divisor(geometry, i, j, count_include_pad, divisor_override)
                A[:, i, j] = total / divisor if divisor else 0.0
    return A


def pool_backward(
    dA,
    A_prev,
    kernel_shape,
    stride=(1, 1),
    mode="max",
    *,
    padding=(0, 0),
    dilation=(1, 1),
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
    ties="first",
):
    """Backward pass of a pooling layer, one window, example and channel at a time.

    Parameters and results are those of :func:`pooling_lib.pool_backward`.

    Examples
    --------
    >>> A = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    >>> dA = np.ones((1, 1, 1, 1))
    >>> pool_backward(dA, A, 2)[0, :, :, 0]
    array([[0., 1.],
           [0., 0.]])
    >>> pool_backward(dA, A, 2, ties="split")[0, :, :, 0]
    array([[0. , 0.5],
           [0.5, 0. ]])
    """
    dA, A_prev, geometry = prepare_backward(
        dA,
        A_prev,
        kernel_shape,
        stride,
        mode,
        padding,
        dilation,
        ceil_mode,
        count_include_pad,
        divisor_override,
        ties,
    )
    m, _, _, c = A_prev.shape
    h_out, w_out = geometry.out_shape
    dA_prev = np.zeros(A_prev.shape, dtype=gradient_dtype(A_prev, dA))
    for i in range(h_out):
        for j in range(w_out):
            rows, cols = _window_cells(geometry, i, j)
            if rows.size == 0 or cols.size == 0:
                continue  # a window of padding alone passes no gradient back
            cells = np.ix_(rows, cols)
            if mode == "avg":
                divisor = _divisor(geometry, i, j, count_include_pad, divisor_override)
                for n in range(m):
                    for ch in range(c):
                        dA_prev[n][:, :, ch][cells] += dA[n, i, j, ch] / divisor
                continue
            for n in range(m):
                for ch in range(c):
                    window = A_prev[n][:, :, ch][cells]
                    if ties == "first":
                        share = np.zeros(window.shape)
                        share.flat[_winner(window)] = 1.0
                    else:
                        share = _tied(window).astype(float)
                        if ties == "split":
                            share /= share.sum()
                    # Only the cells that share the maximum receive anything: an
                    # infinite or NaN dA must not turn the others' zeros into NaN.
                    gradient = np.zeros(window.shape)
                    receives = share > 0
                    gradient[receives] = share[receives] * dA[n, i, j, ch]
                    # += not =: overlapping windows send gradient to the same cell.
                    dA_prev[n][:, :, ch][cells] += gradient
    return dA_prev


def max_pool_winners(
    A_prev, kernel_shape, stride=(1, 1), *, padding=(0, 0), dilation=(1, 1), ceil_mode=False
):
    """Row and column of each max window's winner, one window at a time.

    Parameters and results are those of :func:`pooling_lib.max_pool_winners`.

    Examples
    --------
    >>> A = np.array([[1, 3], [3, 2]]).reshape(1, 2, 2, 1)
    >>> rows, cols = max_pool_winners(A, 2)
    >>> int(rows[0, 0, 0, 0]), int(cols[0, 0, 0, 0])
    (0, 1)
    """
    A_prev, geometry = prepare(
        A_prev, kernel_shape, stride, "max", padding, dilation, ceil_mode, True, None
    )
    m, _, _, c = A_prev.shape
    rows = np.full((m, *geometry.out_shape, c), -1, dtype=np.intp)
    cols = np.full_like(rows, -1)
    for i in range(geometry.out_shape[0]):
        for j in range(geometry.out_shape[1]):
            window_rows, window_cols = _window_cells(geometry, i, j)
            if window_rows.size == 0 or window_cols.size == 0:
                continue
            for n in range(m):
                for ch in range(c):
                    window = A_prev[n][np.ix_(window_rows, window_cols)][:, :, ch]
                    row, col = np.unravel_index(_winner(window), window.shape)
                    rows[n, i, j, ch] = window_rows[row]
                    cols[n, i, j, ch] = window_cols[col]
    return rows, cols
