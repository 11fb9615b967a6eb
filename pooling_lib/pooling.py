"""Max and average pooling, forward and backward, vectorised in NumPy.

The loop version in :mod:`pooling_lib.reference` visits one window at a time.
This one visits one *kernel offset* at a time: cell ``(di, dj)`` of every
window in the batch is a single strided slice of the input
(:meth:`PoolGeometry.offset_slices`), so a 3 x 3 kernel costs nine whole-array
operations however many windows there are.

Two details make it fast in practice, both in :mod:`pooling_lib.tiling`. The
batch is processed in tiles small enough for every temporary to stay in the
CPU cache, on a thread pool; a single large image is cut into tiles of rows
(and columns) of windows, so that no temporary grows with the image. And each
tile is turned from (m, h, w, c) into *planes*, one contiguous (h, w) map per
example and channel: in the (m, h, w, c) layout a strided slice has the
channels as its innermost run, two numbers long for the article's input, and
NumPy's inner loops are slow on runs that short. Windows side by side (stride
equal to the kernel, no padding), such as 2 x 2 with stride 2, need no planes:
:mod:`pooling_lib.blocks` pools them on whole rows of the (m, h, w, c) array.

Results are PyTorch's (CPU, default NCHW layout) to the bit, sign of zero
included: cells are added in PyTorch's order, float16 in float32, and
gradients come out as sums started from +0.0.
"""

from __future__ import annotations

import numpy as np

from . import blocks, tiling
from ._checks import gradient_dtype, prepare, prepare_backward
from .reference import divisor_as, gradient_divisor_as, quiet_like_pytorch, sum_dtype
from .tiling import default_threads, set_threads

__all__ = ["default_threads", "max_pool_winners", "pool_backward", "pool_forward", "set_threads"]


def _reduce_offsets(A_prev, geometry, out, combine, empty):
    """Fold every kernel offset's slice into ``out`` with ``combine`` (np.maximum or np.add).

    Windows start from ``empty`` (-inf or 0). When the first offsets' cells
    are inside the input for every window, the start is skipped: the first
    slice is copied, or the first two are combined straight into ``out``, so
    the work is one pass over ``out`` per offset and no more. Every step
    computes in ``out``'s dtype: float16 cells are added in float32.
    """
    offsets = tiling.offsets(geometry)
    whole = (slice(0, out.shape[1]), slice(0, out.shape[2]))
    leading = 0
    while leading < min(2, len(offsets)) and offsets[leading][1] == whole:
        leading += 1
    cells = [A_prev[:, rows, cols] for _, _, (rows, cols) in offsets[:leading]]
    if leading == 2 and out.dtype != A_prev.dtype:
        # Left to itself NumPy adds two float16 slices in float16, then casts.
        combine(cells[0], cells[1], out=out, dtype=out.dtype)
    elif leading == 2:
        combine(cells[0], cells[1], out=out)
    elif leading == 1:
        np.copyto(out, cells[0])
    else:
        out.fill(empty)
    for _, (out_rows, out_cols), (in_rows, in_cols) in offsets[leading:]:
        view = out[:, out_rows, out_cols]
        # ``view`` comes first, so the float32 loop is chosen for float16 cells.
        combine(view, A_prev[:, in_rows, in_cols], out=view)
    return offsets


def _max_forward(A_prev, geometry, out, zero_sign=True):
    """Each window's maximum; with ``zero_sign``, a zero maximum has its first zero's sign.

    np.maximum propagates NaN, so a window holding a NaN pools to NaN. It
    may return either of 0.0 and -0.0, which compare equal; PyTorch keeps
    the first in row-major order. Only inputs holding a -0.0 need the fix,
    and a sign-bit scan over the integer view finds them in one cheap pass.
    """
    offsets = _reduce_offsets(A_prev, geometry, out, np.maximum, -np.inf)
    if not zero_sign or A_prev.size == 0:
        return
    bits = A_prev.view(f"i{A_prev.itemsize}")
    if bits.min() >= 0 or not (bits == np.iinfo(bits.dtype).min).any():
        return
    zero = out == 0
    # In reverse, so that the first zero of a window is written last.
    for _, (out_rows, out_cols), (in_rows, in_cols) in reversed(offsets):
        cells = A_prev[:, in_rows, in_cols]
        np.copyto(
            out[:, out_rows, out_cols], cells, where=zero[:, out_rows, out_cols] & (cells == 0)
        )


def _avg_forward(A_prev, geometry, out, divide):
    _reduce_offsets(A_prev, geometry, out, np.add, 0)
    divide(out, out)


class _Divider:
    """Divides window sums (or gradients) by their windows' divisors, a tile at a time.

    ``divide(values, out, window)`` writes ``values / divisors[window]`` to
    ``out``, rounding exactly as that division does (PyTorch divides).
    The divisor of window ``(i, j)`` is ``rows[i] * cols[j]`` counted cells
    (or ``divisor_override``), multiplied as Python ints (a huge kernel's
    counts overflow int64) and converted by ``convert`` once per distinct
    value. Each tile builds the grid of its own windows only, so nothing the
    size of a large image's output is held.
    """

    def __init__(self, options, convert):
        self._geometry = options.geometry
        self._count_include_pad = options.count_include_pad
        self._override = options.divisor_override
        self._convert = convert
        self._converted = {}
        self._last = (None, None, None)

    def _value(self, divisor):
        if divisor not in self._converted:
            self._converted[divisor] = self._convert(divisor)
        return self._converted[divisor]

    def _grid(self, window):
        """(divisors or reciprocals, the ufunc to apply them) for the windows in ``window``."""
        if self._last[0] == window:  # every chunk of a batch asks for the same grid
            return self._last[1:]
        if self._override is not None:
            rows = np.zeros(window[0].stop - window[0].start, dtype=int)
            cols = np.zeros(window[1].stop - window[1].start, dtype=int)
            table = np.array([[self._value(self._override)]])
        else:
            counts = [
                self._geometry.counted_cells(axis, self._count_include_pad, part)
                for axis, part in enumerate(window)
            ]
            (row_values, rows), (col_values, cols) = (
                np.unique(count, return_inverse=True) for count in counts
            )
            table = np.array(
                [[self._value(int(r) * int(c)) for c in col_values] for r in row_values]
            )
        operate = _divide_masked if not table.all() else np.divide
        if table.all() and np.isfinite(table).all():
            # Every divisor a power of two (4 for 2 x 2 windows): multiplying
            # by the exact reciprocal rounds as dividing does, only cheaper.
            if np.all(np.abs(np.frexp(table)[0]) == 0.5):
                table, operate = 1 / table, np.multiply
        grid = table[rows][:, cols]
        self._last = (window, grid, operate)
        return grid, operate

    def __call__(self, values, out, window):
        grid, operate = self._grid(window)
        operate(values, grid, out=out)

    def in_place(self, window):
        """``scale(values)``, dividing in place any array of the windows' sums, for one divisor.

        Where every window of ``window`` has the same divisor, a scalar
        divides an array of any layout (the blocks' (m, h_out, w_out, c))
        at full speed; elsewhere the divisor grid is lined up on the last two
        axes of a (m, c, h_out, w_out) view.
        """
        grid, operate = self._grid(window)
        if grid.size and (grid == grid.flat[0]).all() and operate is not _divide_masked:
            divisor = grid.flat[0]
            return lambda values: operate(values, divisor, out=values)
        return lambda values: operate(
            values.transpose(0, 3, 1, 2), grid, out=values.transpose(0, 3, 1, 2)
        )


def _divide_masked(values, divisors, out):
    """values / divisors, and 0 where the divisor is 0 (a window of padding alone)."""
    # Masked ufuncs are slow: only grids holding such a window come here.
    np.divide(values, divisors, out=out, where=divisors != 0)
    out[:, divisors == 0] = 0


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
        holding a NaN gives NaN; of equal maxima the first in row-major order
        is the result (so a window holding 0.0 then -0.0 gives 0.0). An
        average adds its cells in row-major order (float16 in float32,
        rounded once at the end) and divides by the divisor converted to that
        float type; it is never -0.0. A window lying wholly in padding
        (possible only with dilation) gives -inf for max and 0 for avg.

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
    geometry, mode = options.geometry, options.mode
    m, _, _, c = A_prev.shape
    A = np.empty((m, *geometry.out_shape, c), dtype=A_prev.dtype)
    work_dtype = sum_dtype(A.dtype) if mode == "avg" else A.dtype
    if mode == "avg":
        divide = _Divider(options, lambda n: divisor_as(n, work_dtype))

    # float16 averages add in float32, which the blocks' shortcut does not.
    shortcut = mode == "max" or work_dtype == A.dtype

    def work(tile):
        source = A_prev[tile.batch, tile.in_rows, tile.in_cols]
        target = A[tile.batch, tile.out_rows, tile.out_cols]
        window = (tile.out_rows, tile.out_cols)
        if shortcut and blocks.side_by_side(tile.geometry):
            if mode == "avg":
                blocks.avg_blocks(source, tile.geometry, target, divide.in_place(window))
                return
            if blocks.max_blocks(source, tile.geometry, target):
                return
        planes = tiling.to_planes(source)
        pooled = np.empty((planes.shape[0], *tile.geometry.out_shape), dtype=work_dtype)
        if mode == "max":
            _max_forward(planes, tile.geometry, pooled)
        else:
            _avg_forward(
                planes, tile.geometry, pooled, lambda values, out: divide(values, out, window)
            )
        tiling.from_planes(pooled, target, plus_zero=mode == "avg")

    # Tiles write disjoint windows of A: any order gives the same bits.
    scale = blocks.CHUNK_SCALE if shortcut and blocks.side_by_side(geometry) else 1
    tiling.run_tiles(work, list(tiling.tiles(A_prev, geometry, scale)), A_prev.nbytes)
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
    # Winners are found with ==, for which 0.0 and -0.0 are the same maximum.
    _max_forward(A_prev, geometry, top, zero_sign=False)
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


def _max_backward(dA, A_prev, geometry, dA_prev, ties, shared):
    """Route each window's gradient to its maximum (or maxima, for ties 'all' and 'split').

    ``shared``: ``dA_prev`` already holds other tiles' gradients, so every
    cell must be added to, never overwritten.
    """
    offsets = tiling.offsets(geometry)
    # Offsets in reverse order visit the windows that share an input cell in
    # row-major window order: the order PyTorch adds them in, so the sums
    # agree to the last bit.
    backwards = offsets[::-1]
    if ties == "first":
        wins = _first_wins(A_prev, geometry, offsets)
        overlap = shared or geometry.windows_overlap
        routed = np.empty_like(dA)
        # Multiplying by the mask is several times faster than masked ufuncs
        # (where=), but 0 * inf is NaN: a non-finite dA takes np.where instead.
        # A negative dA times False is -0.0, which the caller turns back into
        # the +0.0 PyTorch leaves in cells that win nothing.
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
    _max_forward(A_prev, geometry, top, zero_sign=False)
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
        counts = tie_count.astype(dA.dtype)
        share = np.divide(dA, counts, out=np.zeros_like(dA), where=tie_count > 0)
    for _, (out_rows, out_cols), (in_rows, in_cols) in backwards:
        hit = tied(out_rows, out_cols, in_rows, in_cols)
        dA_prev[:, in_rows, in_cols] += np.where(hit, share[:, out_rows, out_cols], 0)


def _avg_backward(dA, geometry, dA_prev, divide):
    share = np.empty_like(dA)
    divide(dA, share)
    for _, (out_rows, out_cols), (in_rows, in_cols) in reversed(tiling.offsets(geometry)):
        dA_prev[:, in_rows, in_cols] += share[:, out_rows, out_cols]


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
        inputs' (ints and bools count as float64). Every cell starts at +0.0
        and windows that overlap add their contributions in row-major window
        order, as PyTorch does: so no cell is ever -0.0, not even a winner
        whose ``dA`` is -0.0 (+0.0 + -0.0 is +0.0). Averages divide ``dA`` by
        the divisor in the gradient's dtype: for float16 the divisor is
        rounded to float16 first, as in PyTorch (65520 and more become inf).

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
    geometry, mode = options.geometry, options.mode
    shortcut = mode == "max" and options.ties == "first"
    scale = blocks.CHUNK_SCALE if shortcut and blocks.side_by_side(geometry) else 1
    tiles = list(tiling.tiles(A_prev, geometry, scale))
    whole = all(tile.whole for tile in tiles)
    # Tiles of one image may share input cells (their windows overlap, or
    # interleave under dilation): each then adds onto what the tiles before it
    # left, so the gradient must start at zero.
    allocate = np.empty if whole else np.zeros
    dA_prev = allocate(A_prev.shape, dtype=gradient_dtype(A_prev, dA))
    if mode == "avg":
        divide = _Divider(options, lambda n: gradient_divisor_as(n, dA_prev.dtype))

    def work(tile):
        window = (tile.out_rows, tile.out_cols)
        target = dA_prev[tile.batch, tile.in_rows, tile.in_cols]
        if shortcut and tile.whole and blocks.side_by_side(tile.geometry):
            if blocks.max_blocks_backward(dA[tile.batch], A_prev[tile.batch], geometry, target):
                return
        dA_planes = tiling.to_planes(dA[tile.batch, tile.out_rows, tile.out_cols])
        dA_planes = dA_planes.astype(dA_prev.dtype, copy=False)
        if tile.whole:
            routed = np.zeros((dA_planes.shape[0], *target.shape[1:3]), dtype=dA_prev.dtype)
        else:
            routed = tiling.to_planes(target)
        if mode == "max":
            A_planes = tiling.to_planes(A_prev[tile.batch, tile.in_rows, tile.in_cols])
            _max_backward(dA_planes, A_planes, tile.geometry, routed, options.ties, not tile.whole)
        else:
            _avg_backward(
                dA_planes,
                tile.geometry,
                routed,
                lambda values, out, window=window: divide(values, out, window),
            )
        tiling.from_planes(routed, target, plus_zero=True)

    # Whole-example tiles write disjoint examples; tiles of one image may add
    # into the same cells, and must do so in order.
    tiling.run_tiles(work, tiles, A_prev.nbytes + dA.nbytes, parallel=whole)
    return dA_prev


@quiet_like_pytorch
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
    rows = np.empty((m, *geometry.out_shape, c), dtype=np.intp)
    cols = np.empty_like(rows)

    def work(tile):
        planes = tiling.to_planes(A_prev[tile.batch, tile.in_rows, tile.in_cols])
        offsets = tiling.offsets(tile.geometry)
        wins = _first_wins(planes, tile.geometry, offsets)
        found = [
            np.full((planes.shape[0], *tile.geometry.out_shape), -1, dtype=np.intp) for _ in "rc"
        ]
        for won, (_, (out_rows, out_cols), (in_rows, in_cols)) in zip(wins, offsets, strict=True):
            # The offset's input slice lists, window by window, the cell it reads.
            window_rows = np.arange(in_rows.start, in_rows.stop, in_rows.step) + tile.in_rows.start
            window_cols = np.arange(in_cols.start, in_cols.stop, in_cols.step) + tile.in_cols.start
            np.copyto(found[0][:, out_rows, out_cols], window_rows[:, None], where=won)
            np.copyto(found[1][:, out_rows, out_cols], window_cols[None, :], where=won)
        tiling.from_planes(found[0], rows[tile.batch, tile.out_rows, tile.out_cols])
        tiling.from_planes(found[1], cols[tile.batch, tile.out_rows, tile.out_cols])

    tiling.run_tiles(work, list(tiling.tiles(A_prev, geometry)), A_prev.nbytes)
    return rows, cols
