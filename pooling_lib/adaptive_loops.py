"""Adaptive pooling and max unpooling with loops, one window at a time: the notebook's version.

Same signatures and results as :mod:`pooling_lib.adaptive`, which the tests
check to the bit. Read this file for *what* is computed: each window is
``rows starts[i]..stops[i] - 1`` by ``cols starts[j]..stops[j] - 1``, from
:func:`pooling_lib.adaptive.adaptive_bounds`.
"""

from __future__ import annotations

import numpy as np

from ._checks import gradient_dtype
from .adaptive import (
    adaptive_bounds,
    check_adaptive_backward,
    check_adaptive_forward,
    check_unpool,
)
from .reference import divisor_as, gradient_divisor_as, quiet_like_pytorch, sum_dtype

__all__ = ["adaptive_max_indices", "adaptive_pool_backward", "adaptive_pool_forward", "max_unpool"]


def _windows(in_shape, out_shape):
    """Every window in row-major order: ``(i, j, rows, cols)`` with rows and cols as ranges."""
    row_starts, row_stops = adaptive_bounds(in_shape[0], out_shape[0])
    col_starts, col_stops = adaptive_bounds(in_shape[1], out_shape[1])
    for i in range(out_shape[0]):
        for j in range(out_shape[1]):
            rows = range(int(row_starts[i]), int(row_stops[i]))
            cols = range(int(col_starts[j]), int(col_stops[j]))
            yield i, j, rows, cols


def _winner(window_values, rows, cols, width):
    """PyTorch's scan: a cell takes over when larger or NaN. Returns (value, flat index)."""
    best, where = -np.inf, rows[0] * width + cols[0]
    for row in rows:
        for col in cols:
            value = window_values[row, col]
            if value > best or np.isnan(value):
                best, where = value, row * width + col
    return best, where


@quiet_like_pytorch
def adaptive_pool_forward(A_prev, output_size, mode="max"):
    """Adaptive pooling, one window, example and channel at a time.

    Parameters and results are those of :func:`pooling_lib.adaptive.adaptive_pool_forward`.

    Examples
    --------
    >>> A = np.arange(25.0).reshape(1, 5, 5, 1)
    >>> adaptive_pool_forward(A, 2)[0, :, :, 0]
    array([[12., 14.],
           [22., 24.]])
    """
    A_prev, out_shape = check_adaptive_forward(A_prev, output_size, mode)
    m, h, w, c = A_prev.shape
    A = np.empty((m, *out_shape, c), dtype=A_prev.dtype)
    work = sum_dtype(A.dtype)
    for i, j, rows, cols in _windows((h, w), out_shape):
        for n in range(m):
            for ch in range(c):
                plane = A_prev[n, :, :, ch]
                if mode == "max":
                    A[n, i, j, ch] = _winner(plane, rows, cols, w)[0]
                    continue
                total = work.type(0.0)  # +0.0, in float32 for float16 input
                for row in rows:
                    for col in cols:
                        total = work.type(total + plane[row, col])
                total = total / divisor_as(len(rows), work)
                A[n, i, j, ch] = total / divisor_as(len(cols), work)
    return A


@quiet_like_pytorch
def adaptive_max_indices(A_prev, output_size):
    """Flat index of each adaptive max window's winner, one window at a time.

    Parameters and results are those of :func:`pooling_lib.adaptive.adaptive_max_indices`.

    Examples
    --------
    >>> A = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    >>> adaptive_max_indices(A, 1)[0, :, :, 0]
    array([[1]])
    """
    A_prev, out_shape = check_adaptive_forward(A_prev, output_size, "max")
    m, h, w, c = A_prev.shape
    indices = np.empty((m, *out_shape, c), dtype=np.int64)
    for i, j, rows, cols in _windows((h, w), out_shape):
        for n in range(m):
            for ch in range(c):
                indices[n, i, j, ch] = _winner(A_prev[n, :, :, ch], rows, cols, w)[1]
    return indices


@quiet_like_pytorch
def adaptive_pool_backward(dA, A_prev, output_size, mode="max"):
    """Adaptive pooling's gradient, one window, example and channel at a time.

    Parameters and results are those of :func:`pooling_lib.adaptive.adaptive_pool_backward`.

    Examples
    --------
    >>> A = np.array([[1.0, 3.0], [3.0, 2.0]]).reshape(1, 2, 2, 1)
    >>> adaptive_pool_backward(np.ones((1, 1, 1, 1)), A, 1)[0, :, :, 0]
    array([[0., 1.],
           [0., 0.]])
    """
    dA, A_prev, out_shape = check_adaptive_backward(dA, A_prev, output_size, mode)
    m, h, w, c = A_prev.shape
    dtype = gradient_dtype(A_prev, dA)
    dA_prev = np.zeros(A_prev.shape, dtype=dtype)  # every cell starts at +0.0
    for i, j, rows, cols in _windows((h, w), out_shape):
        for n in range(m):
            for ch in range(c):
                gradient = dtype.type(dA[n, i, j, ch])
                if mode == "max":
                    flat = _winner(A_prev[n, :, :, ch], rows, cols, w)[1]
                    # += not =: a cell may win several overlapping windows.
                    dA_prev[n, flat // w, flat % w, ch] += gradient
                    continue
                share = dtype.type(gradient / gradient_divisor_as(len(rows), dtype))
                share = dtype.type(share / gradient_divisor_as(len(cols), dtype))
                for row in rows:
                    for col in cols:
                        dA_prev[n, row, col, ch] += share
    return dA_prev


def max_unpool(A, indices, output_shape):
    """Max unpooling, one value at a time.

    Parameters and results are those of :func:`pooling_lib.adaptive.max_unpool`.

    Examples
    --------
    >>> A = np.array([[5.0]]).reshape(1, 1, 1, 1)
    >>> max_unpool(A, np.array([[[[2]]]]), 2)[0, :, :, 0]
    array([[0., 0.],
           [5., 0.]])
    """
    A, flat, (h, w) = check_unpool(A, indices, output_shape)
    m, h_out, w_out, c = A.shape
    out = np.zeros((m, h, w, c), dtype=A.dtype)
    for n in range(m):
        for ch in range(c):
            for i in range(h_out):
                for j in range(w_out):
                    # Plain = in row-major order: a later value overwrites an earlier one.
                    where = flat[n, i, j, ch]
                    out[n, where // w, where % w, ch] = A[n, i, j, ch]
    return out
