"""Max and average pooling, forward and backward, vectorised in NumPy.

The loop version in :mod:`pooling_lib.reference` visits one window at a time.
This one visits one *kernel offset* at a time: cell ``(di, dj)`` of every
window in the batch is a single strided slice of the input
(:meth:`PoolGeometry.offset_slices`), so a 3 x 3 kernel costs nine whole-array
operations however many windows there are. Work is done in batch chunks small
enough for the temporaries to stay in the CPU cache.
"""

from __future__ import annotations

import numpy as np

from ._checks import gradient_dtype, prepare, prepare_backward

__all__ = ["pool_forward", "pool_backward"]

# Bytes of input per chunk: large enough to amortise Python's per-call cost,
# small enough that a chunk's temporaries stay in a typical L2/L3 cache.
_CHUNK_BYTES = 1 << 19


def _chunks(A_prev):
    """Slices of the batch axis, each holding about ``_CHUNK_BYTES`` of input."""
    m = A_prev.shape[0]
    per_example = max(1, A_prev[:1].nbytes)
    step = max(1, _CHUNK_BYTES // per_example)
    return [slice(start, min(start + step, m)) for start in range(0, m, step)]


def _divisors(geometry, count_include_pad, divisor_override):
    """Divisor of every window, shape (h_out, w_out, 1) to broadcast over channels."""
    if divisor_override is not None:
        return np.full((*geometry.out_shape, 1), float(divisor_override))
    rows = geometry.counted_cells(0, count_include_pad)
    cols = geometry.counted_cells(1, count_include_pad)
    return (rows[:, None] * cols[None, :])[:, :, None].astype(float)


def _max_forward(A_prev, geometry, out):
    out.fill(-np.inf)
    for _, (out_rows, out_cols), (in_rows, in_cols) in geometry.offset_slices():
        view = out[:, out_rows, out_cols]
        # np.maximum propagates NaN, so a window holding a NaN pools to NaN.
        np.maximum(view, A_prev[:, in_rows, in_cols], out=view)


def _avg_forward(A_prev, geometry, out, divisors):
    out.fill(0)
    for _, (out_rows, out_cols), (in_rows, in_cols) in geometry.offset_slices():
        view = out[:, out_rows, out_cols]
        view += A_prev[:, in_rows, in_cols]
    # Divide rather than multiply by 1/divisor: it rounds as PyTorch does. A
    # window of padding alone (divisor 0) has nothing to average and stays 0.
    np.divide(out, divisors, out=out, where=divisors > 0)


def pool_forward(A_prev, kernel_shape, stride=(1, 1), mode="max", *, padding=(0, 0),
                 dilation=(1, 1), ceil_mode=False, count_include_pad=True, divisor_override=None):
    """Forward pass of a 2-D max or average pooling layer.

    Parameters
    ----------
    A_prev : array_like, shape (m, h, w, c)
        A batch of ``m`` feature maps of height ``h``, width ``w`` and ``c``
        channels. Float arrays keep their dtype; ints and bools become
        float64. Never modified.
    kernel_shape : int or (int, int)
        Window height and width ``(kh, kw)``.
    stride : int or (int, int), default (1, 1)
        Step between windows ``(sh, sw)``.
    mode : {'max', 'avg'}, default 'max'
        Take each window's maximum or its mean.
    padding : int or (int, int), default (0, 0)
        Cells added on each side, at most ``kernel_shape // 2``. Padding never
        wins a max (it acts as -inf, so negative inputs pool correctly) and
        adds zero to an average.
    dilation : int or (int, int), default (1, 1)
        Spacing between a window's cells. PyTorch has it for max only; here
        average pooling takes it too, with the same geometry.
    ceil_mode : bool, default False
        Keep a last, partial window where the floor would drop the leftover
        rows or columns. It must start inside the input or the left padding.
    count_include_pad : bool, default True
        ``mode='avg'`` only: padding cells count in the divisor. Cells of the
        ceil-mode overhang beyond the padding never count.
    divisor_override : int, optional
        ``mode='avg'`` only: divide every window's sum by this instead.

    Returns
    -------
    ndarray, shape (m, h_out, w_out, c)
        ``(h_out, w_out)`` is :func:`pooling_lib.output_shape`. A max window
        holding a NaN gives NaN; a window lying wholly in padding (possible
        only with dilation) gives -inf for max and 0 for avg.

    Raises
    ------
    TypeError, ValueError
        For any invalid argument; the message names it and its value.

    See Also
    --------
    pool_backward : the matching gradient.
    pooling_lib.reference.pool_forward : the same, with loops.

    Examples
    --------
    >>> A = np.array([[1, 2, 5, 6],
    ...               [3, 4, 7, 8],
    ...               [9, 9, 0, -1],
    ...               [9, 9, -2, -3]]).reshape(1, 4, 4, 1)
    >>> pool_forward(A, 2, 2)[0, :, :, 0]
    array([[ 4.,  8.],
           [ 9., -1.]])
    >>> pool_forward(A, 2, 2, mode="avg")[0, :, :, 0]
    array([[ 2.5,  6.5],
           [ 9. , -1.5]])
    >>> pool_forward(A, 3, 2, ceil_mode=True).shape
    (1, 2, 2, 1)
    """
    A_prev, geometry = prepare(A_prev, kernel_shape, stride, mode, padding, dilation, ceil_mode,
                               count_include_pad, divisor_override)
    m, _, _, c = A_prev.shape
    A = np.empty((m, *geometry.out_shape, c), dtype=A_prev.dtype)
    if mode == "avg":
        divisors = _divisors(geometry, count_include_pad, divisor_override).astype(A.dtype)
    for batch in _chunks(A_prev):
        if mode == "max":
            _max_forward(A_prev[batch], geometry, A[batch])
        else:
            _avg_forward(A_prev[batch], geometry, A[batch], divisors)
    return A


def _max_backward(dA, A_prev, geometry, dA_prev, ties):
    """Route each window's gradient to its maximum, chunk by chunk."""
    A = np.empty(dA.shape, dtype=A_prev.dtype)
    _max_forward(A_prev, geometry, A)
    offsets = list(geometry.offset_slices())
    is_nan = np.isnan(A)
    has_nan = bool(is_nan.any())

    def is_max(in_rows, in_cols, out_rows, out_cols):
        cells = A_prev[:, in_rows, in_cols]
        hit = cells == A[:, out_rows, out_cols]
        if has_nan:
            hit |= np.isnan(cells) & is_nan[:, out_rows, out_cols]
        return hit

    if ties == "first":
        # The first maximum in row-major order wins; in a NaN window the last
        # NaN does (PyTorch updates on `value > best or isnan(value)`).
        unclaimed = np.ones(A.shape, dtype=bool)
        if has_nan:
            order = offsets[::-1]
            for _, (out_rows, out_cols), (in_rows, in_cols) in order:
                claim = np.isnan(A_prev[:, in_rows, in_cols]) & unclaimed[:, out_rows, out_cols]
                unclaimed[:, out_rows, out_cols] ^= claim
                dA_prev[:, in_rows, in_cols] += np.where(claim, dA[:, out_rows, out_cols], 0)
        for _, (out_rows, out_cols), (in_rows, in_cols) in offsets:
            claim = A_prev[:, in_rows, in_cols] == A[:, out_rows, out_cols]
            claim &= unclaimed[:, out_rows, out_cols]
            unclaimed[:, out_rows, out_cols] ^= claim
            # += not =: with overlapping windows one input cell can win several.
            dA_prev[:, in_rows, in_cols] += np.where(claim, dA[:, out_rows, out_cols], 0)
        return
    share = dA
    if ties == "split":
        tie_count = np.zeros(A.shape, dtype=np.int64)
        for _, (out_rows, out_cols), (in_rows, in_cols) in offsets:
            tie_count[:, out_rows, out_cols] += is_max(in_rows, in_cols, out_rows, out_cols)
        # A window of padding alone has no tied cell and sends nothing back.
        share = np.divide(dA, tie_count, out=np.zeros(dA.shape, dA_prev.dtype),
                          where=tie_count > 0)
    for _, (out_rows, out_cols), (in_rows, in_cols) in offsets:
        hit = is_max(in_rows, in_cols, out_rows, out_cols)
        dA_prev[:, in_rows, in_cols] += np.where(hit, share[:, out_rows, out_cols], 0)


def _avg_backward(dA, geometry, dA_prev, divisors):
    share = np.divide(dA, divisors, out=np.zeros_like(dA), where=divisors > 0)
    for _, (out_rows, out_cols), (in_rows, in_cols) in geometry.offset_slices():
        dA_prev[:, in_rows, in_cols] += share[:, out_rows, out_cols]


def pool_backward(dA, A_prev, kernel_shape, stride=(1, 1), mode="max", *, padding=(0, 0),
                  dilation=(1, 1), ceil_mode=False, count_include_pad=True, divisor_override=None,
                  ties="first"):
    """Backward pass of a 2-D pooling layer: the gradient with respect to its input.

    Parameters
    ----------
    dA : array_like, shape (m, h_out, w_out, c)
        Gradient of the loss with respect to the pooling's output. Its shape
        must be that of ``pool_forward(A_prev, ...)``.
    A_prev : array_like, shape (m, h, w, c)
        The input the forward pass saw (max needs it to find the winners).
    kernel_shape, stride, mode, padding, dilation, ceil_mode, count_include_pad, divisor_override
        The forward pass's options, as for :func:`pool_forward`.
    ties : {'first', 'all', 'split'}, default 'first'
        ``mode='max'`` only: who gets the gradient when several cells share a
        window's maximum. ``'first'`` (PyTorch, TensorFlow): the first in
        row-major order. ``'all'``: every tied cell gets the whole gradient
        (the sum over the input then exceeds the sum over the output).
        ``'split'``: tied cells share it equally. In a window holding NaN,
        NaN cells are the maxima, and under ``'first'`` the last NaN wins, as
        in PyTorch.

    Returns
    -------
    dA_prev : ndarray, shape (m, h, w, c)
        Gradient with respect to ``A_prev``; dtype is the wider of the two
        inputs' (ints and bools count as float64). Windows that overlap add
        their contributions.

    Raises
    ------
    TypeError, ValueError
        For any invalid argument; the message names it and its value.

    See Also
    --------
    pool_forward : the forward pass.
    pooling_lib.reference.pool_backward : the same, with loops.

    Examples
    --------
    Max pooling sends each window's gradient to its maximum, and average
    pooling spreads it evenly:

    >>> A = np.array([[1, 2, 5, 6],
    ...               [3, 4, 7, 8],
    ...               [9, 9, 0, -1],
    ...               [9, 9, -2, -3]]).reshape(1, 4, 4, 1)
    >>> dA = np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1)
    >>> pool_backward(dA, A, 2, 2)[0, :, :, 0]
    array([[ 0.,  0.,  0.,  0.],
           [ 0., 10.,  0., 20.],
           [30.,  0., 40.,  0.],
           [ 0.,  0.,  0.,  0.]])
    >>> pool_backward(dA, A, 2, 2, ties="all")[2:, :2, 0]
    array([[30., 30.],
           [30., 30.]])
    >>> pool_backward(dA, A, 2, 2, mode="avg")[0, :2, :, 0]
    array([[2.5, 2.5, 5. , 5. ],
           [2.5, 2.5, 5. , 5. ]])
    """
    dA, A_prev, geometry = prepare_backward(dA, A_prev, kernel_shape, stride, mode, padding,
                                            dilation, ceil_mode, count_include_pad,
                                            divisor_override, ties)
    dA_prev = np.zeros(A_prev.shape, dtype=gradient_dtype(A_prev, dA))
    dA = dA.astype(dA_prev.dtype, copy=False)
    if mode == "avg":
        divisors = _divisors(geometry, count_include_pad, divisor_override).astype(dA_prev.dtype)
    for batch in _chunks(A_prev):
        if mode == "max":
            _max_backward(dA[batch], A_prev[batch], geometry, dA_prev[batch], ties)
        else:
            _avg_backward(dA[batch], geometry, dA_prev[batch], divisors)
    return dA_prev
