"""Pooling when the windows sit side by side: 2 x 2 with stride 2, and its kin.

When the stride equals the kernel and there is no padding, dilation or
ceil-mode overhang, every window is a block of the input and the blocks
tile it. Then the (m, h, w, c) array needs no reordering into planes
(:func:`pooling_lib.tiling.to_planes`): it *is* a (m, h_out, kh, w_out, kw, c)
array of blocks, and row ``di`` of every block is one view whose inner runs
are whole rows of the input, ``w * c`` numbers long.

So each pass works on rows first, with long contiguous runs. What remains is
one number per block column, ``(m, h_out, w_out, kw, c)``, a fresh array in
which each column ``dj`` of each channel is one evenly strided run through the
whole tile: NumPy loops over it as fast as over a contiguous one.

Results are those of :mod:`pooling_lib.pooling`'s general path to the bit,
and so PyTorch's; a tile that holds what these shortcuts do not handle (a
-0.0 for the forward maximum, a NaN maximum for the backward pass) is left to
the general path, which the functions say by returning False.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CHUNK_SCALE", "avg_blocks", "max_blocks", "max_blocks_backward", "side_by_side"]

# Up to this many channels, one strided run per channel beats a run of c numbers.
_FEW_CHANNELS = 2

# Tiles this many times the general path's (pooling_lib.tiling): the shortcuts
# keep few temporaries, so Python's cost per tile weighs more than the cache.
CHUNK_SCALE = 4


def side_by_side(geometry):
    """True when the windows are blocks that tile the input (the ``h % kh`` rest aside).

    Examples
    --------
    >>> from pooling_lib.geometry import pool_geometry
    >>> side_by_side(pool_geometry((28, 28), 2, 2)), side_by_side(pool_geometry((28, 28), 3, 1))
    (True, False)
    """
    return (
        geometry.padding == (0, 0)
        and geometry.dilation == (1, 1)
        and geometry.stride == geometry.kernel_shape
        and all(
            o * k <= n
            for o, k, n in zip(
                geometry.out_shape, geometry.kernel_shape, geometry.in_shape, strict=True
            )
        )
    )


def _blocks(A_prev, geometry):
    """View of A_prev, shape (m, h_out, kh, w_out * kw * c): row ``di`` of every block."""
    (kh, kw), (h_out, w_out) = geometry.kernel_shape, geometry.out_shape
    m, _, _, c = A_prev.shape
    return A_prev[:, : h_out * kh, : w_out * kw].reshape(m, h_out, kh, w_out * kw * c)


def _channels(c):
    """Each channel's index on the last axis, or one index for all when there are many."""
    return list(range(c)) if c <= _FEW_CHANNELS else [slice(None)]


def _rows_max(blocks, kw, c):
    """Maximum over each block's rows: shape (m, h_out, w_out, kw, c), a fresh array."""
    m, h_out, kh, row = blocks.shape
    rows = np.empty((m, h_out, row), dtype=blocks.dtype)
    if kh == 1:
        np.copyto(rows, blocks[:, :, 0])
    else:
        np.maximum(blocks[:, :, 0], blocks[:, :, 1], out=rows)
        for di in range(2, kh):
            np.maximum(rows, blocks[:, :, di], out=rows)
    return rows.reshape(m, h_out, row // (kw * c), kw, c)


def _columns_max(rows, out):
    """Maximum over the ``kw`` columns of ``rows`` (m, h_out, w_out, kw, c) into ``out``."""
    kw, c = rows.shape[-2:]
    for channel in _channels(c):
        columns = [rows[..., dj, channel] for dj in range(kw)]
        target = out[..., channel]
        if kw == 1:
            np.copyto(target, columns[0])
            continue
        np.maximum(columns[0], columns[1], out=target)
        for column in columns[2:]:
            np.maximum(target, column, out=target)


def _has_negative_zero(A_prev):
    bits = A_prev.view(f"i{A_prev.itemsize}")
    return A_prev.size > 0 and bits.min() < 0 and bool((bits == np.iinfo(bits.dtype).min).any())


def max_blocks(A_prev, geometry, out):
    """Each block's maximum into ``out`` (m, h_out, w_out, c); False if A_prev holds a -0.0.

    The maximum of a block is one number whatever order its cells are
    compared in, NaN included; only the sign of a zero maximum depends on the
    order (PyTorch keeps the first zero), so inputs holding -0.0 are refused.
    """
    if _has_negative_zero(A_prev):
        return False
    kw, c = geometry.kernel_shape[1], A_prev.shape[3]
    _columns_max(_rows_max(_blocks(A_prev, geometry), kw, c), out)
    return True


def _pairs(array):
    """``array`` (…, c) seen as complex numbers (…, c / 2), or itself if it cannot be.

    Adding complex numbers adds their real and imaginary parts apart, with the
    same rounding: a channel pair is added as one number, twice the run length.
    """
    c, itemsize = array.shape[-1], array.itemsize
    if c % 2 or array.dtype not in (np.float32, np.float64) or array.strides[-1] != itemsize:
        return array
    return array.view(np.complex64 if array.dtype == np.float32 else np.complex128)


def avg_blocks(A_prev, geometry, out, divide):
    """Each block's mean into ``out`` (m, h_out, w_out, c), ``out`` of A_prev's dtype.

    Cells are added in row-major order, as the general path and PyTorch add
    them, channel pairs as complex numbers when the layout allows; then
    ``divide(out)``, which divides in place as the general path divides, and
    ``+ 0``, so that no mean is -0.0.
    """
    (kh, kw), (h_out, w_out) = geometry.kernel_shape, geometry.out_shape
    m, _, _, c = A_prev.shape
    cells, sums = _pairs(A_prev), _pairs(out)
    if cells.shape[-1] != sums.shape[-1]:
        cells, sums = A_prev, out
    blocks = cells[:, : h_out * kh, : w_out * kw].reshape(m, h_out, kh, w_out, kw, -1)
    order = [blocks[:, :, di, :, dj] for di in range(kh) for dj in range(kw)]
    if kw > 1:
        # The first row of every block summed over *every* row of the input:
        # twice the additions needed, but each in one even run through the
        # tile, which NumPy does faster than the short runs of the block rows.
        rows = blocks.reshape(m, h_out * kh, w_out, kw, -1)
        row_sums = np.add(rows[..., 0, :], rows[..., 1, :])
        for dj in range(2, kw):
            np.add(row_sums, rows[..., dj, :], out=row_sums)
        first = row_sums.reshape(m, h_out, kh, w_out, -1)[:, :, 0]
        order = [first, *order[kw:]]
    if len(order) == 1:
        np.copyto(sums, order[0])
    else:
        np.add(order[0], order[1], out=sums)
    for cell in order[2:]:
        np.add(sums, cell, out=sums)
    divide(out)
    np.add(out, 0, out=out)


def _spread(values, kw):
    """``values`` (m, h_out, w_out, c) repeated over each block's ``kw`` columns."""
    m, h_out, w_out, c = values.shape
    if c * values.itemsize >= 16:
        # np.repeat copies a cell's channels as one block of bytes: fast when it is long.
        return np.repeat(values, kw, axis=2).reshape(m, h_out, w_out, kw, c)
    spread = np.empty((m, h_out, w_out, kw, c), dtype=values.dtype)
    source, target = _pairs(values), _pairs(spread)
    for dj in range(kw):
        for channel in _channels(source.shape[-1]):
            np.copyto(target[..., dj, channel], source[..., channel])
    return spread


def _packed(flags):
    """bool flags (..., c) seen as unsigned ints of several flags each, for bitwise work."""
    for unit in (8, 4, 2):
        if flags.shape[-1] % unit == 0:
            return flags.view(f"u{unit}")
    return flags


def max_blocks_backward(dA, A_prev, geometry, dA_prev):
    """Each block's gradient to its first maximum; False, untouched, if a maximum is NaN.

    Parameters
    ----------
    dA : ndarray, shape (m, h_out, w_out, c)
    A_prev : ndarray, shape (m, h, w, c)
    dA_prev : ndarray, shape (m, h, w, c)
        Written whole: the gradient, +0.0 for cells that win nothing.

    The maximum of every block is spread over its ``kw`` columns once; each
    row of blocks is then compared with it as one long run. Of the cells equal
    to the maximum, the first in row-major order wins, as in PyTorch: a block
    is claimed by its first match, flags for several channels handled as one
    integer. A block whose maximum is NaN is won by its last NaN, which this
    does not find.
    """
    (kh, kw), (h_out, w_out) = geometry.kernel_shape, geometry.out_shape
    m, _, _, c = A_prev.shape
    blocks = _blocks(A_prev, geometry)
    top = np.empty(dA.shape, dtype=A_prev.dtype)
    _columns_max(_rows_max(blocks, kw, c), top)
    if np.isnan(top).any():
        return False
    flat_top = _spread(top, kw).reshape(m, h_out, -1)
    # + 0: a winner's gradient is +0.0 + dA in PyTorch, never -0.0.
    flat_dA = _spread(np.add(dA, 0, dtype=dA_prev.dtype), kw).reshape(m, h_out, -1)
    # Multiplying by the winners' mask is several times faster than a masked
    # copy, but 0 * inf is NaN: a non-finite dA takes np.where instead.
    finite = bool(np.isfinite(flat_dA).all())
    unclaimed = _packed(np.ones(top.shape, dtype=bool))
    # Rows and columns past the last block (the floor's rest) win nothing.
    dA_prev[:, h_out * kh :] = 0
    dA_prev[:, : h_out * kh, w_out * kw :] = 0
    targets = dA_prev[:, : h_out * kh, : w_out * kw].reshape(m, h_out, kh, -1)
    for di in range(kh):
        won = blocks[:, :, di] == flat_top
        columns = _packed(won.reshape(m, h_out, w_out, kw, c))
        for dj in range(kw):
            for channel in _channels(columns.shape[-1]):
                cell, free = columns[..., dj, channel], unclaimed[..., channel]
                np.bitwise_and(cell, free, out=cell)
                if di < kh - 1 or dj < kw - 1:
                    np.bitwise_xor(free, cell, out=free)
        if finite:
            np.multiply(flat_dA, won, out=targets[:, :, di])
        else:
            np.copyto(targets[:, :, di], np.where(won, flat_dA, 0))
    # A negative dA times False is -0.0, where PyTorch leaves +0.0.
    np.add(dA_prev, 0, out=dA_prev)
    return True
