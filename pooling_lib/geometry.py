"""Window geometry: where every pooling window falls, computed in one place.

The maths (:mod:`pooling_lib.pooling`, :mod:`pooling_lib.reference`), the
pictures and the exercise checkers all ask this module where windows start,
which of their cells lie inside the input, and how many cells an average
divides by. Nothing else recomputes it.

Conventions, identical to PyTorch's ``max_pool2d`` / ``avg_pool2d``:

* Along one axis of size ``n``, with kernel ``k``, stride ``s``, padding
  ``p`` and dilation ``d``, output window ``i`` covers the input positions
  ``i*s - p + t*d`` for ``t = 0 .. k-1``. Positions below 0 or at ``n`` and
  above are outside the input (padding, or ceil-mode overhang).
* The number of windows is
  ``floor((n + 2p - d*(k-1) - 1 + (s-1 if ceil_mode else 0)) / s) + 1``;
  in ceil mode a last window that would start at position ``n`` or later
  (in the right padding, or past it) is dropped, so every window starts
  inside the input or the left padding.
* Padding may be at most half the kernel: ``p <= k // 2`` (the undilated
  kernel, as PyTorch checks it). That is PyTorch's convention, not a law:
  ``k // 2`` is all the padding an output as large as the input needs at
  stride 1. It also rules out windows of padding alone, but so would any
  ``p < k`` without dilation: kernel 3 with padding 2 would still give every
  window an input cell.

A refused value raises :class:`PoolingOptionError`, a ValueError whose fields
(parameter, value, rule, limit) let the pictures explain the refusal without
reading its message.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PoolGeometry",
    "PoolingOptionError",
    "check_bool",
    "output_shape",
    "pool_geometry",
    "to_pair",
]


class PoolingOptionError(ValueError):
    """A pooling option whose value the library refuses, with the numbers that decided it.

    The message is for people; the fields are for code. A picture that explains
    a refusal reads the fields, so rewording a message cannot change what it draws.

    Parameters
    ----------
    summary : str
        What is wrong, naming the parameter and showing its value.
    hint : str, optional
        What would work; the message is ``summary + "; " + hint``.
    parameter : str
        The refused parameter, e.g. ``'padding'``.
    value : object
        Its value, as the check saw it (pairs as tuples of int).
    rule : str
        Which rule it breaks: ``'positive'``, ``'non_negative'``,
        ``'pair_length'``, ``'half_kernel'``, ``'window_fits'``, ``'choice'``,
        ``'non_zero'``, ``'int64'`` or ``'other_mode'``.
    limit : object, optional
        The bound or the choices that would pass: 1 for ``'positive'`` (the
        smallest allowed), 0 for ``'non_negative'``, 2 entries for
        ``'pair_length'``, ``kernel_shape // 2`` per axis for ``'half_kernel'``
        (the most allowed), the padded input ``(h + 2p, w + 2p)`` for
        ``'window_fits'``, the allowed values for ``'choice'``, the largest
        int64 for ``'int64'``; None for ``'non_zero'`` and ``'other_mode'``.
    kernel_shape, dilation, padding, in_shape, span : pair of int, optional
        The other numbers the rule involves, None when it involves none:
        ``kernel_shape`` for ``'half_kernel'``; all five for ``'window_fits'``,
        ``span`` being ``dilation * (kernel - 1) + 1`` per axis.
    mode : str, optional
        For ``'other_mode'``: the mode that would ignore the option.

    Notes
    -----
    Every parameter is kept as an attribute of the same name. A wrong type
    (a float kernel, a string stride) is a TypeError, not this.

    Examples
    --------
    >>> try:
    ...     pool_geometry((28, 28), 3, padding=2)
    ... except PoolingOptionError as error:
    ...     print(error.parameter, error.value, error.rule, error.limit, error.kernel_shape)
    padding (2, 2) half_kernel (1, 1) (3, 3)
    """

    def __init__(
        self,
        summary,
        hint="",
        *,
        parameter,
        value,
        rule,
        limit=None,
        kernel_shape=None,
        dilation=None,
        padding=None,
        in_shape=None,
        span=None,
        mode=None,
    ):
        super().__init__(f"{summary}; {hint}" if hint else summary)
        self.summary, self.hint = summary, hint
        self.parameter, self.value, self.rule, self.limit = parameter, value, rule, limit
        self.kernel_shape, self.dilation, self.padding = kernel_shape, dilation, padding
        self.in_shape, self.span, self.mode = in_shape, span, mode

    def __reduce__(self):
        # The fields are keyword-only, which the default pickling (args only)
        # would lose; an error raised in a worker process is pickled to reach the parent.
        return _rebuild_option_error, (self.summary, self.hint, self._fields())

    def _fields(self):
        names = ("parameter", "value", "rule", "limit", "kernel_shape", "dilation")
        names += ("padding", "in_shape", "span", "mode")
        return {name: getattr(self, name) for name in names}


def _rebuild_option_error(summary, hint, fields):
    return PoolingOptionError(summary, hint, **fields)


def to_pair(value, name):
    """Turn an int or a pair of ints into a tuple ``(rows, cols)``.

    Parameters
    ----------
    value : int or sequence of two ints
        What the caller passed.
    name : str
        The parameter's name, used in error messages.

    Returns
    -------
    tuple of int
        ``(value, value)`` for an int, else the pair as plain ints.

    Examples
    --------
    >>> to_pair(2, "stride")
    (2, 2)
    >>> to_pair((3, 1), "kernel_shape")
    (3, 1)
    >>> to_pair(np.int64(2), "stride")
    (2, 2)

    A dict or a set has no (rows, cols) order:

    >>> to_pair({2, 3}, "kernel_shape")
    Traceback (most recent call last):
    ...
    TypeError: kernel_shape must be an int or a pair of ints (rows, cols), got a set {2, 3}, ...
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if _is_int(value):
        return (int(value), int(value))
    if isinstance(value, str | bytes) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if hasattr(value, "keys") or not hasattr(value, "__getitem__"):
        # A dict (mapping) or a set has a length but no first and second entry:
        # reading value[0] would fail with a bare KeyError or TypeError.
        raise TypeError(
            f"{name} must be an int or a pair of ints (rows, cols), got a "
            f"{type(value).__name__} {value!r}, which has no (rows, cols) order; "
            "pass a tuple such as (2, 3)"
        )
    if len(value) != 2:
        raise PoolingOptionError(
            f"{name} must be an int or a pair of ints (rows, cols), got {tuple(value)!r} "
            f"with {len(value)} entries",
            parameter=name,
            value=tuple(value),
            rule="pair_length",
            limit=2,
        )
    if not all(_is_int(v) for v in value):
        raise TypeError(f"{name} must be an int or a pair of ints, got {tuple(value)!r}")
    return (int(value[0]), int(value[1]))


def check_bool(value, name):
    """``value`` as a plain bool; only True, False and NumPy bools are accepted."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _axis_size(n, k, s, p, d, ceil_mode):
    """Number of windows along one axis, or 0 if not even one fits."""
    span = d * (k - 1) + 1
    numerator = n + 2 * p - span + (s - 1 if ceil_mode else 0)
    if numerator < 0:
        return 0
    size = numerator // s + 1
    if ceil_mode and (size - 1) * s >= n + p:
        size -= 1
    return size


@dataclass(frozen=True)
class PoolGeometry:
    """Where the windows of a 2-D pooling fall on an input of ``in_shape``.

    Build it with :func:`pool_geometry`, which validates the options.
    All pairs are ``(rows, cols)``.

    Attributes
    ----------
    in_shape, kernel_shape, stride, padding, dilation : tuple of int
        The input's spatial size and the pooling options.
    ceil_mode : bool
        Whether a partial last window is kept.
    out_shape : tuple of int
        Number of windows down and across, ``(h_out, w_out)``.
    """

    in_shape: tuple
    kernel_shape: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    ceil_mode: bool
    out_shape: tuple

    def window_starts(self, axis):
        """Input position of each window's first cell along ``axis`` (0 rows, 1 cols).

        Starts can be negative: a window that begins in the left padding.

        Returns
        -------
        ndarray of int, shape (out_shape[axis],)
            int64, or Python ints (dtype object) for options too large for
            int64, which would otherwise wrap around silently.
        """
        count, s, p = self.out_shape[axis], self.stride[axis], self.padding[axis]
        if max(abs(p), abs((count - 1) * s - p)) < 2**62:
            return np.arange(count) * s - p
        return np.array([i * s - p for i in range(count)], dtype=object)

    def inside_offsets(self, axis, window):
        """The kernel offsets of ``window`` whose cells lie inside the input.

        Cell ``t`` of window ``i`` sits at ``i*s - p + t*d``; the offsets
        that land in ``[0, n)`` form one run. It is found with arithmetic, so
        a huge kernel, padding or dilation costs nothing: the run holds at
        most ``n`` offsets whatever the kernel.

        Parameters
        ----------
        axis : {0, 1}
            Rows or columns.
        window : int
            Index of the window along ``axis``.

        Returns
        -------
        range
            The offsets ``t``, ascending (empty for a window of padding alone).

        Examples
        --------
        >>> pool_geometry((4, 4), 2**63, padding=2**62).inside_offsets(0, 0)
        range(4611686018427387904, 4611686018427387908)
        """
        return range(*self._offsets_between(axis, window, 0, self.in_shape[axis]))

    def inside_positions(self, axis, window):
        """Input positions of the cells of ``window`` that lie inside the input.

        Returns
        -------
        ndarray of int, shape (len(inside_offsets(axis, window)),)
        """
        first, stop = self._offsets_between(axis, window, 0, self.in_shape[axis])
        start = window * self.stride[axis] - self.padding[axis]
        return np.arange(stop - first, dtype=np.intp) * self.dilation[axis] + (
            start + first * self.dilation[axis]
        )

    def _offsets_between(self, axis, window, low, high):
        """Offsets ``t`` of ``window`` whose cells fall in ``[low, high)``: ``(first, stop)``.

        Plain ints, not a range: ``len`` of a range fails past 2**63.
        """
        k, s, p, d = (
            self.kernel_shape[axis],
            self.stride[axis],
            self.padding[axis],
            self.dilation[axis],
        )
        start = window * s - p
        first = max(0, -((start - low) // d))
        stop = min(k, (high - 1 - start) // d + 1)
        return first, max(first, stop)

    def window_positions(self, axis):
        """Input position of every cell of every window along ``axis``.

        Returns
        -------
        ndarray of int, shape (out_shape[axis], kernel_shape[axis])
            Entry ``[i, t]`` is where cell ``t`` of window ``i`` falls; it may
            lie outside ``[0, in_shape[axis])``.

        Notes
        -----
        One entry per kernel cell, for pictures of small kernels. The maths
        use :meth:`inside_offsets` and :meth:`offset_slices`, whose cost does
        not grow with the kernel.
        """
        offsets = np.arange(self.kernel_shape[axis]) * self.dilation[axis]
        return self.window_starts(axis)[:, None] + offsets[None, :]

    def inside(self, axis):
        """Which window cells lie inside the input along ``axis``.

        Returns
        -------
        ndarray of bool, shape (out_shape[axis], kernel_shape[axis])
        """
        positions = self.window_positions(axis)
        return (positions >= 0) & (positions < self.in_shape[axis])

    def in_padding(self, axis):
        """Which window cells lie in the padding (not the input, not the overhang).

        Returns
        -------
        ndarray of bool, shape (out_shape[axis], kernel_shape[axis])
        """
        positions = self.window_positions(axis)
        pad = self.padding[axis]
        padded = (positions >= -pad) & (positions < self.in_shape[axis] + pad)
        return padded & ~self.inside(axis)

    def counted_cells(self, axis, count_include_pad, windows=slice(None)):
        """How many cells of each window an average divides by, along ``axis``.

        Cells inside the input always count; padding cells count when
        ``count_include_pad`` is true; the ceil-mode overhang beyond the
        padding never counts. The 2-D divisor of window ``(i, j)`` is
        ``counted_cells(0, ...)[i] * counted_cells(1, ...)[j]``.

        Parameters
        ----------
        axis : {0, 1}
            Rows or columns.
        count_include_pad : bool
            Whether padding cells count.
        windows : slice, optional
            Only these windows (all by default).

        Returns
        -------
        ndarray of int, shape (out_shape[axis],) or that of ``windows``
            int64, or Python ints (dtype object) past int64's range.
        """
        n, k, s, p, d = (
            self.in_shape[axis],
            self.kernel_shape[axis],
            self.stride[axis],
            self.padding[axis],
            self.dilation[axis],
        )
        low, high = (-p, n + p) if count_include_pad else (0, n)
        chosen = range(self.out_shape[axis])[windows]
        # Counted by arithmetic, not by listing cells: the kernel may be huge.
        if max(k, (self.out_shape[axis] + 1) * s + 2 * p + n) < 2**60:
            starts = np.arange(chosen.start, chosen.stop, chosen.step, dtype=np.int64) * s - p
            first = np.maximum(0, -((starts - low) // d))
            stop = np.minimum(k, (high - 1 - starts) // d + 1)
            return np.maximum(stop - first, 0)
        counts = [
            stop - first
            for first, stop in (self._offsets_between(axis, i, low, high) for i in chosen)
        ]
        return np.array(counts, dtype=object)

    def dropped_window_start(self, axis):
        """Where the window that ceil mode asked for, then dropped, would start.

        Rounding up can ask for one more window than fits; PyTorch drops it
        when it would start at or past the input's end (position ``n``).

        Returns
        -------
        int or None
            Its start along ``axis`` (``n`` or more), or None when no window
            was dropped.

        Examples
        --------
        >>> pool_geometry((5, 5), 2, stride=2, padding=1, ceil_mode=True).dropped_window_start(0)
        5
        """
        if not self.ceil_mode:
            return None
        n, k, s, p, d = (
            self.in_shape[axis],
            self.kernel_shape[axis],
            self.stride[axis],
            self.padding[axis],
            self.dilation[axis],
        )
        rounded_up = (n + 2 * p - d * (k - 1) - 1 + s - 1) // s + 1
        if rounded_up > self.out_shape[axis]:
            return self.out_shape[axis] * s - p
        return None

    def offset_span(self, axis, offset):
        """Windows whose cell ``offset`` lies inside the input, along ``axis``.

        Cell ``offset`` of window ``i`` sits at ``i*s - p + offset*d``. The
        windows for which that is inside the input form one run
        ``first .. stop-1``; the input positions they read are
        ``first_position, first_position + s, ...``.

        Returns
        -------
        first, stop, first_position : int
            ``first >= stop`` when no window has this cell inside the input.
        """
        n, s, p, d = (
            self.in_shape[axis],
            self.stride[axis],
            self.padding[axis],
            self.dilation[axis],
        )
        shift = offset * d - p
        first = max(0, -(shift // s))
        stop = max(0, min(self.out_shape[axis], (n - 1 - shift) // s + 1))
        return first, stop, first * s + shift

    def offset_slices(self):
        """Yield, for every kernel offset in row-major order, what it reads and writes.

        For the offset ``(di, dj)`` the pair ``(out_index, in_index)`` are
        slices: ``A[:, in_index[0], in_index[1]]`` holds cell ``(di, dj)`` of
        every window ``out[:, out_index[0], out_index[1]]`` whose cell lies
        inside the input. Offsets whose cell is outside the input for every
        window are skipped. This is what makes the fast version fast: one
        strided slice per offset instead of one loop step per window.

        Yields
        ------
        (di, dj), (out_rows, out_cols), (in_rows, in_cols)
        """
        spans = [
            [(t, *self.offset_span(axis, t)) for t in self._reachable_offsets(axis)]
            for axis in (0, 1)
        ]
        for di, first_i, stop_i, row in spans[0]:
            if first_i >= stop_i:
                continue
            rows = slice(row, row + (stop_i - first_i - 1) * self.stride[0] + 1, self.stride[0])
            for dj, first_j, stop_j, col in spans[1]:
                if first_j >= stop_j:
                    continue
                cols = slice(col, col + (stop_j - first_j - 1) * self.stride[1] + 1, self.stride[1])
                yield (di, dj), (slice(first_i, stop_i), slice(first_j, stop_j)), (rows, cols)

    def _reachable_offsets(self, axis):
        """Ascending offsets whose cell is inside the input for at least one window.

        Every other offset reads padding only and is skipped without being
        visited, so the work follows the input and output sizes, not the
        kernel, padding or dilation numbers.
        """
        n, count = self.in_shape[axis], self.out_shape[axis]
        # The last window reaches the input with its smallest offsets, the
        # first with its largest: every reachable offset lies between.
        lowest = self._offsets_between(axis, count - 1, 0, n)[0]
        highest = self._offsets_between(axis, 0, 0, n)[1]
        if highest - lowest <= 4 * (n + count):
            for offset in range(lowest, highest):
                first, stop, _ = self.offset_span(axis, offset)
                if first < stop:
                    yield offset
            return
        # A stride far longer than the input leaves long gaps between the runs
        # of the few windows: merge their runs instead of walking the gaps.
        runs = sorted(
            (first, stop)
            for first, stop in (self._offsets_between(axis, i, 0, n) for i in range(count))
            if first < stop
        )
        merged = []
        for first, stop in runs:
            if merged and first <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], stop)
            else:
                merged.append([first, stop])
        for first, stop in merged:
            yield from range(first, stop)

    @property
    def windows_overlap(self):
        """Whether some input cell lies in more than one window."""
        return bool(self.overlap_counts().max() > 1)

    def overlap_counts(self):
        """How many windows read each input pixel.

        Returns
        -------
        ndarray of int, shape in_shape
            1 everywhere for non-overlapping windows that tile the input, 0
            for pixels no window reaches (dropped by the floor), more where
            windows overlap (stride smaller than the kernel).
        """
        counts = np.zeros(self.in_shape, dtype=int)
        for _, _, (in_rows, in_cols) in self.offset_slices():
            counts[in_rows, in_cols] += 1
        return counts


def pool_geometry(
    in_shape, kernel_shape, stride=(1, 1), padding=(0, 0), dilation=(1, 1), ceil_mode=False
):
    """Validate pooling options for an input of spatial size ``in_shape``.

    Parameters
    ----------
    in_shape : pair of int
        ``(h, w)``, the input's height and width.
    kernel_shape, stride, padding, dilation : int or pair of int
        As for :func:`pooling_lib.pool_forward`.
    ceil_mode : bool
        Keep a partial last window (PyTorch's ``ceil_mode``).

    Returns
    -------
    PoolGeometry

    Raises
    ------
    TypeError
        If an option is not an int or a pair of ints.
    PoolingOptionError
        A ValueError: an option is out of range, or the windows do not fit.
        Its fields name the parameter, its value, the rule and the limit.

    Examples
    --------
    >>> g = pool_geometry((5, 5), 2, stride=2, ceil_mode=True)
    >>> g.out_shape
    (3, 3)
    >>> g.window_starts(0)
    array([0, 2, 4])
    """
    h, w = to_pair(in_shape, "in_shape")
    if h < 1 or w < 1:
        raise PoolingOptionError(
            f"the input's height and width must be at least 1, got (h, w) = ({h}, {w})",
            parameter="in_shape",
            value=(h, w),
            rule="positive",
            limit=1,
        )
    kernel_shape = to_pair(kernel_shape, "kernel_shape")
    stride = to_pair(stride, "stride")
    padding = to_pair(padding, "padding")
    dilation = to_pair(dilation, "dilation")
    ceil_mode = check_bool(ceil_mode, "ceil_mode")
    for name, pair, hint in (
        ("kernel_shape", kernel_shape, "a window needs at least one cell"),
        ("stride", stride, "stride=1 places a window at every position"),
        ("dilation", dilation, "dilation=1 means adjacent cells"),
    ):
        if min(pair) < 1:
            raise PoolingOptionError(
                f"{name} must be positive, got {pair}",
                hint,
                parameter=name,
                value=pair,
                rule="positive",
                limit=1,
            )
    if min(padding) < 0:
        raise PoolingOptionError(
            f"padding must be zero or positive, got {padding}",
            parameter="padding",
            value=padding,
            rule="non_negative",
            limit=0,
        )
    limit = (kernel_shape[0] // 2, kernel_shape[1] // 2)
    if padding[0] > limit[0] or padding[1] > limit[1]:
        raise PoolingOptionError(
            f"padding must be at most half the kernel, kernel_shape // 2 = {limit}, got "
            f"padding={padding} for kernel_shape={kernel_shape}",
            "PyTorch's rule (kernel // 2 is also all the padding an output as large as the "
            "input needs at stride 1); lower the padding or enlarge the kernel",
            parameter="padding",
            value=padding,
            rule="half_kernel",
            limit=limit,
            kernel_shape=kernel_shape,
        )
    out_shape = tuple(
        _axis_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip((h, w), kernel_shape, stride, padding, dilation, strict=True)
    )
    if min(out_shape) < 1:
        spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel_shape, dilation, strict=True))
        padded = (h + 2 * padding[0], w + 2 * padding[1])
        raise PoolingOptionError(
            f"kernel_shape={kernel_shape} with dilation={dilation} spans {spans[0]} x {spans[1]} "
            f"cells, larger than the padded input of {padded[0]} x {padded[1]} "
            f"(h, w = {h}, {w} plus padding={padding} on each side)",
            "use a smaller kernel or dilation, or more padding",
            parameter="kernel_shape",
            value=kernel_shape,
            rule="window_fits",
            limit=padded,
            kernel_shape=kernel_shape,
            dilation=dilation,
            padding=padding,
            in_shape=(h, w),
            span=spans,
        )
    return PoolGeometry(
        in_shape=(h, w),
        kernel_shape=kernel_shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        ceil_mode=ceil_mode,
        out_shape=out_shape,
    )


def output_shape(
    h, w, kernel_shape, stride=(1, 1), padding=(0, 0), dilation=(1, 1), ceil_mode=False
):
    """Height and width of a pooling's output.

    ``floor((n + 2p - d*(k-1) - 1 + (s-1 if ceil_mode else 0)) / s) + 1`` per
    axis, and in ceil mode one window fewer if the last would start at or
    past the input's end, in the right padding or beyond (PyTorch's rule).

    Parameters
    ----------
    h, w : int
        The input's height and width.
    kernel_shape, stride, padding, dilation : int or pair of int
        As for :func:`pooling_lib.pool_forward`.
    ceil_mode : bool
        Round the window count up instead of down.

    Returns
    -------
    tuple of int
        ``(h_out, w_out)``.

    Examples
    --------
    The original article's 2 x 2 windows with stride 2 on a 28 x 28 digit:

    >>> output_shape(28, 28, (2, 2), (2, 2))
    (14, 14)

    A 3 x 3 window with stride 2 drops the last column of a 28-wide input,
    unless ceil mode keeps a partial window:

    >>> output_shape(28, 28, 3, 2), output_shape(28, 28, 3, 2, ceil_mode=True)
    ((13, 13), (14, 14))
    """
    return pool_geometry((h, w), kernel_shape, stride, padding, dilation, ceil_mode).out_shape
