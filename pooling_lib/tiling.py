"""Cutting a pooling pass into tiles, and running the tiles on a thread pool.

:mod:`pooling_lib.pooling` works through its input a *tile* at a time: a
batch of whole examples, or for a large image a band of rows (and columns)
of windows, each reading about ``_CHUNK_BYTES`` of input, so that every
temporary stays in the CPU cache and none grows with the input. Tiles that
write disjoint cells run in parallel on one shared thread pool, NumPy
releasing the GIL; the result is the same to the bit whatever the thread count.

It also turns a tile from the (m, h, w, c) layout into *planes*, one
contiguous (h, w) map per example and channel, and back: in (m, h, w, c) a
strided slice has the channels as its innermost run, two numbers long for
the article's input, and NumPy's inner loops are slow on runs that short.
"""

from __future__ import annotations

import contextvars
import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "THREADS_VARIABLE",
    "Tile",
    "default_threads",
    "from_planes",
    "offsets",
    "run_tiles",
    "set_threads",
    "tiles",
    "to_planes",
]

# Bytes of input per chunk: large enough to amortise Python's per-call cost,
# small enough that a chunk's temporaries stay in a typical L2/L3 cache, and
# that no temporary grows with the input: a large image is cut into tiles.
_CHUNK_BYTES = 1 << 19

# Smaller inputs stay on the calling thread: a pool costs more than one digit.
_THREAD_MIN_BYTES, THREADS_VARIABLE = 1 << 20, "POOLING_LIB_THREADS"

_threads = None  # set by set_threads; None: the environment variable or the cores
_executors = {}  # the one thread pool, by its size
_lock = threading.Lock()


def default_threads():
    """How many threads pooling uses on a large input.

    Returns
    -------
    int
        The count given to :func:`set_threads`; else the environment variable
        ``POOLING_LIB_THREADS``; else the CPUs this process may run on.
        A ``POOLING_LIB_THREADS`` that is not a positive integer is a ValueError.
    """
    if _threads is not None:
        return _threads
    value = os.environ.get(THREADS_VARIABLE, "")
    if value.strip():
        if not value.strip().isdigit() or int(value) < 1:
            raise ValueError(f"{THREADS_VARIABLE} must be a positive integer, got {value!r}")
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no affinity on macOS and Windows
        return max(1, os.cpu_count() or 1)


def set_threads(n):
    """Pin the threads pooling uses (``None``: back to :func:`default_threads`'s rule).

    Chunks of a large batch run in parallel, NumPy releasing the GIL; results
    are the same to the bit whatever the count. ``set_threads(1)``, or the
    environment variable ``POOLING_LIB_THREADS=1``, keeps to one core.

    Parameters
    ----------
    n : int or None
        Threads from now on, at least 1.

    Returns
    -------
    int
        The count in force before, to restore it with.

    Raises
    ------
    TypeError, ValueError
        If ``n`` is neither ``None`` nor a positive int.
    """
    global _threads
    if n is not None and (not isinstance(n, int) or isinstance(n, bool)):
        raise TypeError(f"n must be a positive int or None, got {n!r}")
    if n is not None and n < 1:
        raise ValueError(f"n must be a positive int or None, got {n!r}")
    before, _threads = default_threads(), None if n is None else int(n)
    return before


def _pool(size):
    """The shared executor, made again with ``size`` workers when the count changed."""
    with _lock:
        if size not in _executors:
            while _executors:
                _executors.popitem()[1].shutdown(wait=False)
            _executors[size] = ThreadPoolExecutor(size, thread_name_prefix="pooling_lib")
        return _executors[size]


def run_tiles(work, tiles, nbytes, parallel=True):
    """``work(tile)`` for every tile: on the pool if ``parallel`` (disjoint cells) and it pays."""
    large = parallel and len(tiles) > 1 and nbytes >= _THREAD_MIN_BYTES
    threads = default_threads() if large else 1  # one digit pays for no system call
    if threads < 2:
        for tile in tiles:
            work(tile)
        return
    # A few runs of tiles per thread (a task per tile costs more); the caller's errstate holds.
    step = -(-len(tiles) // (4 * threads))
    runs = [tiles[start : start + step] for start in range(0, len(tiles), step)]
    contexts = [contextvars.copy_context() for _ in runs]
    list(_pool(threads).map(lambda context, run: context.run(list, map(work, run)), contexts, runs))


@dataclass(frozen=True)
class Tile:
    """One piece of work: some examples, some windows, and the input they read.

    ``out_rows``/``out_cols`` select windows of the whole output and
    ``in_rows``/``in_cols`` the input cells they reach; ``geometry``
    describes the same windows on that piece of input alone (its padding is
    whatever lies before the piece). ``whole`` is true when the tile spans
    the full height and width.
    """

    batch: slice
    out_rows: slice
    out_cols: slice
    in_rows: slice
    in_cols: slice
    geometry: object
    whole: bool


def _axis_pieces(geometry, axis, per_piece):
    """Cut the windows along ``axis`` into runs of ``per_piece``: (out slice, in slice, padding)."""
    n, k, s, p, d = (
        geometry.in_shape[axis],
        geometry.kernel_shape[axis],
        geometry.stride[axis],
        geometry.padding[axis],
        geometry.dilation[axis],
    )
    count = geometry.out_shape[axis]
    for first in range(0, count, per_piece):
        stop = min(first + per_piece, count)
        start = first * s - p
        low = min(max(start, 0), n)
        high = max(low, min((stop - 1) * s - p + d * (k - 1) + 1, n))
        yield slice(first, stop), slice(low, high), low - start


def _windows_per_piece(budget_cells, geometry, axis):
    """How many windows along ``axis`` fit when their input may span ``budget_cells``."""
    n, k, s, d = (
        geometry.in_shape[axis],
        geometry.kernel_shape[axis],
        geometry.stride[axis],
        geometry.dilation[axis],
    )
    span = min(n, d * (k - 1) + 1)
    if budget_cells <= span:
        return 1
    return max(1, (budget_cells - span) // s + 1)


def tiles(A_prev, geometry, scale=1):
    """The pieces a pass works through, each reading about ``scale * _CHUNK_BYTES`` of input.

    ``scale`` > 1 suits a pass with few temporaries per tile, for which
    Python's cost per tile weighs more than the cache.

    Small examples go in batches of whole examples. A large one is cut into
    bands of whole rows of windows, and a band whose single row of windows is
    still too large is cut across too. Either way the temporaries stay the
    size of a chunk, not of the input. A backward pass may add the tiles up
    in this order: bands go top to bottom and a band is cut across only when
    it holds one row of windows, so every input cell receives its windows'
    gradients in row-major window order, as PyTorch adds them.
    """
    m, h, w, c = A_prev.shape
    h_out, w_out = geometry.out_shape
    per_example = max(1, h * w * c * A_prev.itemsize)
    budget = scale * _CHUNK_BYTES
    if per_example <= budget:
        step = budget // per_example
        for start in range(0, m, step):
            yield Tile(
                slice(start, min(start + step, m)),
                slice(0, h_out),
                slice(0, w_out),
                slice(0, h),
                slice(0, w),
                geometry,
                True,
            )
        return
    row_cells = max(1, w * c * A_prev.itemsize)
    band = _windows_per_piece(budget // row_cells, geometry, 0)
    across = w_out
    if band == 1:
        rows_read = min(h, geometry.dilation[0] * (geometry.kernel_shape[0] - 1) + 1)
        column_cells = max(1, budget // (rows_read * c * A_prev.itemsize))
        across = _windows_per_piece(column_cells, geometry, 1)
    for example in range(m):
        for out_rows, in_rows, top in _axis_pieces(geometry, 0, band):
            for out_cols, in_cols, left in _axis_pieces(geometry, 1, across):
                piece = replace(
                    geometry,
                    in_shape=(in_rows.stop - in_rows.start, in_cols.stop - in_cols.start),
                    padding=(top, left),
                    out_shape=(out_rows.stop - out_rows.start, out_cols.stop - out_cols.start),
                )
                whole = piece.in_shape == (h, w) and piece.out_shape == (h_out, w_out)
                yield Tile(
                    slice(example, example + 1), out_rows, out_cols, in_rows, in_cols, piece, whole
                )


@functools.lru_cache(maxsize=32)
def offsets(geometry):
    """``geometry.offset_slices()`` as a list, worked out once per geometry.

    Every chunk of a batch, and most tiles of an image, share one geometry;
    listing the offsets again for each would cost more than pooling a chunk.
    """
    return list(geometry.offset_slices())


def to_planes(A_chunk):
    """(m, h, w, c) -> contiguous (c * m, h, w): one 2-D map per channel and example."""
    m, h, w, c = A_chunk.shape
    return np.ascontiguousarray(A_chunk.transpose(3, 0, 1, 2)).reshape(c * m, h, w)


def from_planes(planes, out, plus_zero=False):
    """Write (c * m, h, w) planes into ``out``, shape (m, h, w, c).

    With ``plus_zero`` each value is written as ``value + 0`` in ``out``'s
    dtype, which turns -0.0 into +0.0 and changes nothing else. PyTorch's
    averages and gradients are sums started from +0.0, which never end at
    -0.0; here the first terms are not added onto a zero, so the sign is
    put right on the way out, at no extra cost over the copy.
    """
    m, h, w, c = out.shape
    planes = planes.reshape(c, m, h, w)

    def write(source, target):
        if plus_zero and source.dtype != out.dtype:
            # dtype=out's: a float32 average is rounded to float16 *before*
            # the zero is added, as PyTorch rounds it before adding.
            np.add(source, 0, out=target, dtype=out.dtype)
        elif plus_zero:
            np.add(source, 0, out=target)
        else:
            np.copyto(target, source)

    if c <= 8:
        # For a few channels, one strided copy each beats a 4-D transposing copy.
        for channel in range(c):
            write(planes[channel], out[..., channel])
    else:
        write(planes.transpose(1, 2, 3, 0), out)
