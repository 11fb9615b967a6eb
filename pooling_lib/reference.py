"""Pooling written with loops, one window at a time: the version the notebooks build.

Same signatures and the same results as :mod:`pooling_lib.pooling`, which the
tests check. Read this file to see *what* pooling computes; read
``pooling.py`` to see how to compute it fast.

A window is the grid of cells at rows ``geometry.window_positions(0)[i]`` and
columns ``geometry.window_positions(1)[j]``. Cells outside the input are
padding (or ceil-mode overhang): they never win a max, and they add zero to
an average, whose divisor :meth:`PoolGeometry.counted_cells` gives. So the
loops visit only the cells inside the input
(:meth:`PoolGeometry.inside_positions`), and a typo such as a kernel of
``10**9`` costs no more than a small one.

The arithmetic is PyTorch's, step for step, so that the results agree to
the bit: a max scans each window in row-major order and keeps the first of
equal maxima; an average adds the cells in row-major order (float16 in
float32) and divides by the divisor converted to the float type; gradients
start at +0.0 and are added (``+=``) window by window.
"""

from __future__ import annotations

import functools

import numpy as np

from ._checks import gradient_dtype, prepare, prepare_backward

__all__ = ["max_pool_winners", "pool_backward", "pool_forward"]


def quiet_like_pytorch(function):
    """Run ``function`` without NumPy's overflow and inf - inf warnings.

    Sums of huge numbers overflow to inf and inf - inf is NaN, as in PyTorch,
    which says nothing: neither is a mistake of the caller's.
    """

    @functools.wraps(function)
    def quiet(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return function(*args, **kwargs)

    return quiet


def _window_cells(geometry, i, j):
    """Rows and columns of window ``(i, j)`` that lie inside the input.

    Found by arithmetic, never by listing the whole kernel: cells in the
    padding contribute nothing, so a huge kernel or padding costs no more
    than the input it covers.
    """
    return geometry.inside_positions(0, i), geometry.inside_positions(1, j)


def _divisor(options, i, j):
    """The int an average divides window ``(i, j)``'s sum by (a Python int, never wraps)."""
    if options.divisor_override is not None:
        return options.divisor_override
    rows = options.geometry.counted_cells(0, options.count_include_pad)[i]
    cols = options.geometry.counted_cells(1, options.count_include_pad)[j]
    return int(rows) * int(cols)


def divisor_as(divisor, dtype):
    """The int ``divisor`` as a float of ``dtype``, rounded once as C++ converts an int64.

    PyTorch divides a float sum by an integer, which C++ converts straight to
    the float type, rounding to nearest even. NumPy's ``np.float32(n)`` goes
    through float64 and can round twice (``2**62 + 2**38 + 1``), so the
    rounding is done here on the integer itself.

    Parameters
    ----------
    divisor : int
        Any Python int.
    dtype : float dtype
        float16, float32 or float64.

    Returns
    -------
    numpy scalar of ``dtype``
        Infinite if the rounded value is too large for ``dtype``.

    Examples
    --------
    >>> float(divisor_as(2**62 + 2**38 + 1, np.float32)) == 2**62 + 2**39
    True
    """
    dtype = np.dtype(dtype)
    kept_bits = np.finfo(dtype).nmant + 1
    magnitude = abs(int(divisor))
    dropped = magnitude.bit_length() - kept_bits
    if dropped > 0:
        kept, rest = divmod(magnitude, 1 << dropped)
        half = 1 << (dropped - 1)
        if rest > half or (rest == half and kept % 2):
            kept += 1
        magnitude = kept << dropped
    with np.errstate(over="ignore"):
        value = np.array(float(magnitude) if magnitude < 2**1023 else np.inf).astype(dtype)
    return -value[()] if divisor < 0 else value[()]


def gradient_divisor_as(divisor, dtype):
    """The divisor an average's backward pass divides ``dA`` by, in ``dtype``.

    PyTorch divides the gradient in its own dtype: for float16 the int
    becomes a float16 first (2049 becomes 2048; 65520 and more become inf,
    so the share is 0). Float32 and float64 are as :func:`divisor_as`.
    """
    if np.dtype(dtype) == np.float16:
        return divisor_as(divisor, np.float32).astype(np.float16)
    return divisor_as(divisor, dtype)


def sum_dtype(dtype):
    """float16 windows are summed in float32, as PyTorch's CPU kernel does."""
    return np.dtype(np.float32) if np.dtype(dtype) == np.float16 else np.dtype(dtype)


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


@quiet_like_pytorch
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
    A_prev, options = prepare(
        A_prev,
        kernel_shape=kernel_shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
        mode=mode,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
    )
    geometry = options.geometry
    m, _, _, c = A_prev.shape
    h_out, w_out = geometry.out_shape
    A = np.empty((m, h_out, w_out, c), dtype=A_prev.dtype)
    for i in range(h_out):
        for j in range(w_out):
            rows, cols = _window_cells(geometry, i, j)
            if options.mode == "max":
                # PyTorch's scan: start from -inf, and let a cell take over when
                # it is larger or NaN. The first of equal maxima stays, so a
                # window holding 0.0 then -0.0 gives 0.0. A window of padding
                # alone has no cell to win: -inf.
                best = np.full((m, c), -np.inf, dtype=A.dtype)
                for row in rows:
                    for col in cols:
                        cell = A_prev[:, row, col]
                        best = np.where((cell > best) | np.isnan(cell), cell, best)
                A[:, i, j] = best
                continue
            # Add the cells one by one in row-major order, in float32 for
            # float16 input: the order and precision PyTorch sums in.
            total = np.zeros((m, c), dtype=sum_dtype(A.dtype))
            for row in rows:
                for col in cols:
                    total += A_prev[:, row, col]
            divisor = _divisor(options, i, j)
            # PyTorch adds the mean onto a zeroed output, so -0.0 (a tiny
            # negative mean rounded away) comes out as +0.0.
            A[:, i, j] = 0.0
            if rows.size and cols.size:
                A[:, i, j] += (total / divisor_as(divisor, total.dtype)).astype(A.dtype)
    return A


@quiet_like_pytorch
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
    dA, A_prev, options = prepare_backward(
        dA,
        A_prev,
        kernel_shape=kernel_shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
        mode=mode,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
        ties=ties,
    )
    geometry = options.geometry
    m, _, _, c = A_prev.shape
    h_out, w_out = geometry.out_shape
    dA_prev = np.zeros(A_prev.shape, dtype=gradient_dtype(A_prev, dA))
    dA = dA.astype(dA_prev.dtype)
    # Every cell starts at +0.0 and only ever has gradient added to it (+=),
    # as in PyTorch: so no cell ends at -0.0, since +0.0 + -0.0 is +0.0.
    for i in range(h_out):
        for j in range(w_out):
            rows, cols = _window_cells(geometry, i, j)
            if rows.size == 0 or cols.size == 0:
                continue  # a window of padding alone passes no gradient back
            if options.mode == "avg":
                divisor = _divisor(options, i, j)
                share = dA[:, i, j] / gradient_divisor_as(divisor, dA_prev.dtype)
                for row in rows:
                    for col in cols:
                        dA_prev[:, row, col] += share
                continue
            for n in range(m):
                for ch in range(c):
                    window = A_prev[n][np.ix_(rows, cols)][:, :, ch]
                    if options.ties == "first":
                        receives = np.zeros(window.shape, dtype=bool)
                        receives.flat[_winner(window)] = True
                    else:
                        receives = _tied(window)
                    amount = dA[n, i, j, ch]
                    if options.ties == "split":
                        amount = amount / dA_prev.dtype.type(receives.sum())
                    # Only the cells that receive are touched: an infinite or NaN
                    # dA must not turn the others' zeros into NaN.
                    for row, col in zip(*np.nonzero(receives), strict=True):
                        # += not =: overlapping windows send gradient to the same cell.
                        dA_prev[n, rows[row], cols[col], ch] += amount
    return dA_prev


@quiet_like_pytorch
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
    A_prev, options = prepare(
        A_prev,
        kernel_shape=kernel_shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
    )
    geometry = options.geometry
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
