"""Max and average pooling, forward and backward, vectorised in NumPy.

The loop version in :mod:`pooling_lib.reference` visits one window at a time.
This one visits one *kernel offset* at a time: cell ``(di, dj)`` of every
window in the batch is a single strided slice of the input
(:meth:`PoolGeometry.offset_slices`), so a 3 x 3 kernel costs nine whole-array
operations however many windows there are.

Two details make it fast in practice. The batch is processed in chunks small
enough for every temporary to stay in the CPU cache. And each chunk is turned
from (m, h, w, c) into *planes*, one contiguous (h, w) map per example and
channel: in the (m, h, w, c) layout a strided slice has the channels as its
innermost run, two numbers long for the article's input, and NumPy's inner
loops are slow on runs that short.
"""

from __future__ import annotations

import numpy as np

from ._checks import gradient_dtype, prepare, prepare_backward

__all__ = ["max_pool_winners", "pool_backward", "pool_forward"]

# Bytes of input per chunk: large enough to amortise Python's per-call cost,
# small enough that a chunk's temporaries stay in a typical L2/L3 cache.
_CHUNK_BYTES = 1 << 19


def _chunks(A_prev):
    """Slices of the batch axis, each holding about ``_CHUNK_BYTES`` of input."""
    m = A_prev.shape[0]
    per_example = max(1, A_prev[:1].nbytes)
    step = max(1, _CHUNK_BYTES // per_example)
    return [slice(start, min(start + step, m)) for start in range(0, m, step)]


def _to_planes(A_chunk):
    """(m, h, w, c) -> contiguous (c * m, h, w): one 2-D map per channel and example."""
    m, h, w, c = A_chunk.shape
    return np.ascontiguousarray(A_chunk.transpose(3, 0, 1, 2)).reshape(c * m, h, w)


def _from_planes(planes, out):
    """Write (c * m, h, w) planes into ``out``, shape (m, h, w, c)."""
    m, h, w, c = out.shape
    planes = planes.reshape(c, m, h, w)
    if c <= 8:
        # For a few channels, one strided copy each beats a 4-D transposing copy.
        for channel in range(c):
            out[..., channel] = planes[channel]
    else:
        np.copyto(out, planes.transpose(1, 2, 3, 0))


def _working_dtype(dtype):
    """Sums of float16 are taken in float32, as PyTorch does, then rounded once."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def _divisors(geometry, count_include_pad, divisor_override):
    """Divisor of every window, shape (h_out, w_out)."""
    if divisor_override is not None:
        return np.full(geometry.out_shape, float(divisor_override))
    rows = geometry.counted_cells(0, count_include_pad)
    cols = geometry.counted_cells(1, count_include_pad)
    return (rows[:, None] * cols[None, :]).astype(float)


def _reduce_offsets(A_prev, geometry, out, combine, empty):
    """Fold every kernel offset's slice into ``out`` with ``combine`` (np.maximum or np.add).

    Windows start from ``empty`` (-inf or 0). When the first offsets' cells
    are inside the input for every window, the start is skipped: the first
    slice is copied, or the first two are combined straight into ``out``, so
    the work is one pass over ``out`` per offset and no more.
    """
    offsets = list(geometry.offset_slices())
    whole = (slice(0, out.shape[1]), slice(0, out.shape[2]))
    leading = 0
    while leading < min(2, len(offsets)) and offsets[leading][1] == whole:
        leading += 1
    cells = [A_prev[:, rows, cols] for _, _, (rows, cols) in offsets[:leading]]
    if leading == 2:
        combine(cells[0], cells[1], out=out)
    elif leading == 1:
        np.copyto(out, cells[0])
    else:
        out.fill(empty)
    for _, (out_rows, out_cols), (in_rows, in_cols) in offsets[leading:]:
        view = out[:, out_rows, out_cols]
        combine(view, A_prev[:, in_rows, in_cols], out=view)


def _max_forward(A_prev, geometry, out):
    # np.maximum propagates NaN, so a window holding a NaN pools to NaN.
    _reduce_offsets(A_prev, geometry, out, np.maximum, -np.inf)


def _avg_forward(A_prev, geometry, out, divide):
    _reduce_offsets(A_prev, geometry, out, np.add, 0)
    divide(out, out)


def _divider(divisors):
    """A function ``divide(values, out)``: values / divisors, chosen once per call.

    Results round exactly as ``values / divisors`` does (PyTorch divides). A
    window of padding alone (divisor 0) has nothing to average and gives 0.
    """
    if not divisors.all():

        def divide(values, out):
            # Masked ufuncs are slow: only windows of padding alone need the mask.
            np.divide(values, divisors, out=out, where=divisors != 0)
            out[:, divisors == 0] = 0

        return divide
    if np.all(np.abs(np.frexp(divisors)[0]) == 0.5):
        # Every divisor is a power of two (4 for 2 x 2 windows): multiplying by
        # the reciprocal is exact, so it rounds as dividing does, only cheaper.
        reciprocals = 1 / divisors
        return lambda values, out: np.multiply(values, reciprocals, out=out)
    return lambda values, out: np.divide(values, divisors, out=out)


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
    ...               [9, 9, -4, -1],
    ...               [9, 9, -2, -3]]).reshape(1, 4, 4, 1)
    >>> pool_forward(A, 2, 2)[0, :, :, 0]
    array([[ 4.,  8.],
           [ 9., -1.]])
    >>> pool_forward(A, 2, 2, mode="avg")[0, :, :, 0]
    array([[ 2.5,  6.5],
           [ 9. , -2.5]])
    >>> pool_forward(A, 3, 2, ceil_mode=True).shape
    (1, 2, 2, 1)
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
    A = np.empty((m, *geometry.out_shape, c), dtype=A_prev.dtype)
    work_dtype = _working_dtype(A.dtype) if mode == "avg" else A.dtype
    if mode == "avg":
        divisors = _divisors(geometry, count_include_pad, divisor_override).astype(work_dtype)
        divide = _divider(divisors)
    for batch in _chunks(A_prev):
        planes = _to_planes(A_prev[batch])
        pooled = np.empty((planes.shape[0], *geometry.out_shape), dtype=work_dtype)
        if mode == "max":
            _max_forward(planes, geometry, pooled)
        else:
            _avg_forward(planes, geometry, pooled, divide)
        _from_planes(pooled, A[batch])
    return A


def _first_wins(A_prev, geometry, offsets):
    """Which windows each kernel offset wins, by PyTorch's rule; one bool mask per offset.

    PyTorch scans a window's cells in row-major order and lets a cell take
    over when it is strictly larger or NaN: the first of tied maxima wins, the
    last NaN wins, and an all -inf window is won by its first cell inside the
    input. Here, with the maxima known, offset by offset: the first cell equal
    to its window's maximum wins it; in a NaN window, the last NaN cell.
    """
    top = np.empty((A_prev.shape[0], *geometry.out_shape), dtype=A_prev.dtype)
    _max_forward(A_prev, geometry, top)
    wins = [None] * len(offsets)
    unclaimed_nan = np.isnan(top)
    if unclaimed_nan.any():
        for index in reversed(range(len(offsets))):
            _, (out_rows, out_cols), (in_rows, in_cols) = offsets[index]
            won = np.isnan(A_prev[:, in_rows, in_cols]) & unclaimed_nan[:, out_rows, out_cols]
            unclaimed_nan[:, out_rows, out_cols] ^= won
            wins[index] = won
    unclaimed = np.ones(top.shape, dtype=bool)
    for index, (_, (out_rows, out_cols), (in_rows, in_cols)) in enumerate(offsets):
        won = A_prev[:, in_rows, in_cols] == top[:, out_rows, out_cols]
        won &= unclaimed[:, out_rows, out_cols]
        unclaimed[:, out_rows, out_cols] ^= won
        wins[index] = won if wins[index] is None else won | wins[index]
    return wins


def _max_backward(dA, A_prev, geometry, dA_prev, ties):
    """Route each window's gradient to its maximum (or maxima, for ties 'all' and 'split')."""
    offsets = list(geometry.offset_slices())
    # Offsets in reverse order visit the windows that share an input cell in
    # row-major window order: the order PyTorch adds them in, so the sums
    # agree to the last bit.
    backwards = offsets[::-1]
    if ties == "first":
        wins = _first_wins(A_prev, geometry, offsets)
        overlap = geometry.windows_overlap
        routed = np.empty_like(dA)
        # Multiplying by the mask is several times faster than masked ufuncs
        # (where=), but 0 * inf is NaN: a non-finite dA takes np.where instead.
        finite = bool(np.isfinite(dA).all())
        for index in reversed(range(len(offsets))):
            _, (out_rows, out_cols), (in_rows, in_cols) = offsets[index]
            target = dA_prev[:, in_rows, in_cols]
            incoming = dA[:, out_rows, out_cols]
            if not finite:
                target += np.where(wins[index], incoming, 0)
            elif overlap:
                # Add, not assign: with overlapping windows one cell can win several.
                part = routed[:, out_rows, out_cols]
                np.multiply(incoming, wins[index], out=part)
                target += part
            else:
                np.multiply(incoming, wins[index], out=target)
        return
    top = np.empty(dA.shape, dtype=A_prev.dtype)
    _max_forward(A_prev, geometry, top)
    top_is_nan = np.isnan(top)

    def tied(out_rows, out_cols, in_rows, in_cols):
        cells = A_prev[:, in_rows, in_cols]
        hit = cells == top[:, out_rows, out_cols]
        return hit | (np.isnan(cells) & top_is_nan[:, out_rows, out_cols])

    share = dA
    if ties == "split":
        tie_count = np.zeros(dA.shape, dtype=np.int64)
        for _, out_index, in_index in offsets:
            tie_count[:, out_index[0], out_index[1]] += tied(*out_index, *in_index)
        # A window of padding alone has no tied cell and sends nothing back.
        share = np.divide(dA, tie_count, out=np.zeros_like(dA), where=tie_count > 0)
    for _, (out_rows, out_cols), (in_rows, in_cols) in backwards:
        hit = tied(out_rows, out_cols, in_rows, in_cols)
        dA_prev[:, in_rows, in_cols] += np.where(hit, share[:, out_rows, out_cols], 0)


def _avg_backward(dA, geometry, dA_prev, divide):
    share = np.empty_like(dA)
    divide(dA, share)
    for _, (out_rows, out_cols), (in_rows, in_cols) in reversed(list(geometry.offset_slices())):
        dA_prev[:, in_rows, in_cols] += share[:, out_rows, out_cols]


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
    ...               [9, 9, -4, -1],
    ...               [9, 9, -2, -3]]).reshape(1, 4, 4, 1)
    >>> dA = np.array([[10.0, 20.0], [30.0, 40.0]]).reshape(1, 2, 2, 1)
    >>> pool_backward(dA, A, 2, 2)[0, :, :, 0]
    array([[ 0.,  0.,  0.,  0.],
           [ 0., 10.,  0., 20.],
           [30.,  0.,  0., 40.],
           [ 0.,  0.,  0.,  0.]])
    >>> pool_backward(dA, A, 2, 2, ties="all")[0, 2:, :2, 0]
    array([[30., 30.],
           [30., 30.]])
    >>> pool_backward(dA, A, 2, 2, mode="avg")[0, :2, :, 0]
    array([[2.5, 2.5, 5. , 5. ],
           [2.5, 2.5, 5. , 5. ]])
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
    dA_prev = np.empty(A_prev.shape, dtype=gradient_dtype(A_prev, dA))
    if mode == "avg":
        divisors = _divisors(geometry, count_include_pad, divisor_override).astype(dA_prev.dtype)
        divide = _divider(divisors)
    for batch in _chunks(A_prev):
        dA_planes = _to_planes(dA[batch]).astype(dA_prev.dtype, copy=False)
        routed = np.zeros((dA_planes.shape[0], *A_prev.shape[1:3]), dtype=dA_prev.dtype)
        if mode == "max":
            _max_backward(dA_planes, _to_planes(A_prev[batch]), geometry, routed, ties)
        else:
            _avg_backward(dA_planes, geometry, routed, divide)
        _from_planes(routed, dA_prev[batch])
    return dA_prev


def max_pool_winners(
    A_prev, kernel_shape, stride=(1, 1), *, padding=(0, 0), dilation=(1, 1), ceil_mode=False
):
    """Where the cell that wins each max window sits in the input.

    The cell that :func:`pool_backward` with ``ties='first'`` sends the
    window's gradient to: PyTorch's ``return_indices=True``, as a row and a
    column instead of a flat index.

    Parameters
    ----------
    A_prev : array_like, shape (m, h, w, c)
        The input, as for :func:`pool_forward`.
    kernel_shape, stride, padding, dilation, ceil_mode
        As for :func:`pool_forward`.

    Returns
    -------
    rows, cols : ndarray of int, shape (m, h_out, w_out, c)
        Input row and column of each window's winner; -1 for a window lying
        wholly in padding, which has none.

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
    rows = np.empty((m, *geometry.out_shape, c), dtype=np.intp)
    cols = np.empty_like(rows)
    offsets = list(geometry.offset_slices())
    row_positions, col_positions = geometry.window_positions(0), geometry.window_positions(1)
    for batch in _chunks(A_prev):
        planes = _to_planes(A_prev[batch])
        wins = _first_wins(planes, geometry, offsets)
        found = [np.full((planes.shape[0], *geometry.out_shape), -1, dtype=np.intp) for _ in "rc"]
        for won, ((di, dj), (out_rows, out_cols), _) in zip(wins, offsets, strict=True):
            window_rows = row_positions[out_rows, di][:, None]
            window_cols = col_positions[out_cols, dj][None, :]
            np.copyto(found[0][:, out_rows, out_cols], window_rows, where=won)
            np.copyto(found[1][:, out_rows, out_cols], window_cols, where=won)
        _from_planes(found[0], rows[batch])
        _from_planes(found[1], cols[batch])
    return rows, cols
