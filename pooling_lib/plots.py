"""Pictures of pooling, drawn on matplotlib Figures: no widgets, no pyplot.

Each picture is a *view*: a class that builds one
:class:`~matplotlib.figure.Figure` and its artists once, then redraws by
changing those artists in place (``set_data``, ``set_segments``,
``set_text``...) whenever :meth:`update` is called. Building artists once is
what makes the widgets in :mod:`pooling_lib.explorers` answer a slider within
a few tens of milliseconds, and the same views make the static figures below:

* :class:`WindowView` / :func:`window_figure`: every window on a digit, the
  pooled output at the same pixel scale, the output-size formula, padding,
  ceil-mode overhang and what the floor drops.
* :class:`MaxMaskView` / :func:`max_mask_figure`: which pixel wins each max
  window, which windows are ties, and the gradient under each tie policy.
* :class:`GradientView` / :func:`gradient_figure`: where one output cell's
  gradient goes under max and under average pooling, and the whole
  ``dA_prev`` map.
* :class:`PipelineView` / :func:`pipeline_figure`: convolution, ReLU and
  pooling on a shifted digit, and how much each map changes.
* :class:`AnimationView` / :func:`animation_figure`: one step of the window
  walking across the digit.

Two static pictures need no view, for the notebooks' small worked examples:

* :func:`grid_figure`: small arrays side by side with their values written
  in and boxes (windows, output cells) outlined on them.
* :func:`axis_cells_figure`: the cells of one axis and the cells each window
  reads, marking padding, ceil-mode overhang and a window ceil mode drops.

Every window position comes from :func:`pooling_lib.pool_geometry`, every
pooled value from :func:`pooling_lib.pool_forward` /
:func:`pooling_lib.pool_backward`, and every max window's winner from
:func:`pooling_lib.max_pool_winners`: the pictures never recompute geometry
or the max rule. In the views, options that the library refuses (padding
over half the kernel, a window larger than the padded digit) are drawn as a
short message in the picture, never raised; anything else that goes wrong
raises.

Colours are colour-blind safe: ``cividis`` for pixels, the diverging
``PuOr_r`` (orange positive, purple negative) for gradients, and the
Okabe-Ito palette for marks, which also differ in shape.

How the views draw fast (glyph text, a static background drawn once per
layout, an unfiltered PNG encoder) is :mod:`pooling_lib._render`'s business;
:class:`PoolingFigure`, :func:`figure_png`, :func:`set_presentation`,
:class:`GlyphText`, :class:`CellLabels` and ``DPI`` are importable from here.
"""

from __future__ import annotations

import functools
import re

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ._checks import TIES
from ._render import (
    BLUE,
    DPI,
    GRADIENT_CMAP,
    GREEN,
    GREY,
    IMAGE_CMAP,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    CellLabels,
    GlyphText,
    PoolingFigure,
    _cell_points,
    _fmt,
    _set_clim,
    _Style,
    _View,
    as_2d_arrays,
    figure_png,
    set_presentation,
)
from .data import load_mnist
from .geometry import pool_geometry, to_pair
from .pooling import max_pool_winners, pool_backward, pool_forward

__all__ = [
    "AXIS_CELL_STYLES",
    "BOX_COLORS",
    "CHANNELS",
    "DPI",
    "PIPELINE_KERNELS",
    "TIE_POLICIES",
    "AnimationView",
    "CellLabels",
    "GlyphText",
    "GradientView",
    "MaxMaskView",
    "PipelineView",
    "PoolingFigure",
    "WindowView",
    "animation_figure",
    "axis_cells_figure",
    "conv2d_valid",
    "digit_image",
    "figure_png",
    "gradient_figure",
    "grid_figure",
    "max_mask_figure",
    "output_size_formula",
    "pipeline_figure",
    "set_presentation",
    "shift_image",
    "window_figure",
    "window_values",
]

CHANNELS = ("digit", "inverse")
COUNT_CMAP = mpl.colormaps["viridis"]
UNREAD_RGBA = (0.92, 0.92, 0.92, 0.62)

PIPELINE_KERNELS = {
    "vertical edges": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal edges": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
}


@functools.lru_cache(maxsize=1)
def _mnist():
    images, labels = load_mnist()
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def digit_image(index=0, channel="digit"):
    """One bundled MNIST digit as a 2-D image, and its label.

    Parameters
    ----------
    index : int, default 0
        Which of the 5,000 bundled digits (ordered by label, 500 each).
    channel : {'digit', 'inverse'}, default 'digit'
        The digit itself (ink 1 on background 0) or its inverse ``1 - digit``,
        the two channels of :func:`pooling_lib.two_channel`.

    Returns
    -------
    image : ndarray of float64, shape (28, 28)
        Read-only pixel values in [0, 1].
    label : int
        The digit shown.

    Raises
    ------
    ValueError
        If ``index`` is out of range or ``channel`` is not one of the two.

    Examples
    --------
    >>> image, label = digit_image(0)
    >>> image.shape, label
    ((28, 28), 0)
    """
    images, labels = _mnist()
    if not 0 <= int(index) < len(images):
        raise ValueError(f"index must be in 0..{len(images) - 1}, got {index}")
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}, got {channel!r}")
    image = images[int(index)]
    if channel == "inverse":
        image = 1.0 - image
        image.flags.writeable = False
    return image, int(labels[int(index)])


def _as_image(image):
    image = np.asarray(image, dtype=float)
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"image must be 2-D with shape (h, w), got shape {image.shape}")
    return image


def conv2d_valid(image, kernel):
    """'Valid' 2-D convolution as deep-learning layers compute it (no kernel flip).

    Strictly this is cross-correlation: output cell ``(i, j)`` is
    ``sum(kernel * image[i:i+kh, j:j+kw])``. Only positions where the whole
    kernel fits are kept, so the output is smaller than the image.

    Parameters
    ----------
    image : array_like, shape (h, w)
    kernel : array_like, shape (kh, kw)
        At most as large as the image.

    Returns
    -------
    ndarray of float64, shape (h - kh + 1, w - kw + 1)

    Raises
    ------
    ValueError
        If either is not 2-D or the kernel is larger than the image.

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> conv2d_valid(image, [[0, 1], [0, 0]])
    array([[ 1.,  2.,  3.],
           [ 5.,  6.,  7.],
           [ 9., 10., 11.]])
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"image and kernel must be 2-D, got shapes {image.shape} and {kernel.shape}"
        )
    kh, kw = kernel.shape
    h, w = image.shape
    if kh > h or kw > w or kh < 1 or kw < 1:
        raise ValueError(
            f"kernel of shape {kernel.shape} does not fit in the image of shape {image.shape}; "
            "a 'valid' convolution needs 1 <= kernel size <= image size"
        )
    out = np.zeros((h - kh + 1, w - kw + 1))
    # One whole-image slice per kernel offset, as pool_forward does.
    for di in range(kh):
        for dj in range(kw):
            out += kernel[di, dj] * image[di : di + out.shape[0], dj : dj + out.shape[1]]
    return out


def shift_image(image, down=0, right=0):
    """Move an image by whole pixels, filling the uncovered border with zeros.

    Unlike ``np.roll`` nothing wraps around: ink pushed off one edge is lost,
    as when a digit is written off-centre.

    Parameters
    ----------
    image : array_like, shape (h, w)
    down, right : int, default 0
        Pixels to move; negative values move up or left.

    Returns
    -------
    ndarray of float64, shape (h, w)

    Examples
    --------
    >>> shift_image(np.arange(1.0, 5.0).reshape(2, 2), right=1)
    array([[0., 1.],
           [0., 3.]])
    """
    image = _as_image(image)
    h, w = image.shape
    out = np.zeros_like(image)
    down, right = int(down), int(right)
    if abs(down) >= h or abs(right) >= w:
        return out
    src_rows = slice(max(0, -down), h - max(0, down))
    dst_rows = slice(max(0, down), h - max(0, -down))
    src_cols = slice(max(0, -right), w - max(0, right))
    dst_cols = slice(max(0, right), w - max(0, -right))
    out[dst_rows, dst_cols] = image[src_rows, src_cols]
    return out


def _window_inside(geometry):
    """Which cells of every window lie inside the input, shape (h_out, w_out, kh, kw)."""
    return geometry.inside(0)[:, None, :, None] & geometry.inside(1)[None, :, None, :]


def window_values(image, geometry):
    """Every window's cells as one array; cells outside the input are masked.

    Parameters
    ----------
    image : array_like, shape (h, w)
    geometry : PoolGeometry
        From :func:`pooling_lib.pool_geometry` for this image's shape.

    Returns
    -------
    values : numpy.ma.MaskedArray of float64, shape (h_out, w_out, kh, kw)
        ``values[i, j]`` is window ``(i, j)``, row-major as PyTorch scans it.
        Cells outside the input (padding or ceil-mode overhang) are masked,
        by :meth:`PoolGeometry.inside`; the image's own values, NaN and
        infinities included, never are.
    rows : ndarray of int, shape (h_out, kh)
        Input row of every window cell (``geometry.window_positions(0)``).
    cols : ndarray of int, shape (w_out, kw)
        Input column of every window cell.

    Raises
    ------
    ValueError
        If the image's shape is not the input shape the geometry was made for.

    Examples
    --------
    >>> g = pool_geometry((3, 3), 2, stride=2, ceil_mode=True)
    >>> values, rows, cols = window_values(np.arange(9.0).reshape(3, 3), g)
    >>> values[1, 1].mask
    array([[False,  True],
           [ True,  True]])
    >>> values[1, 1].compressed(), rows[1], cols[1]
    (array([8.]), array([2, 3]), array([2, 3]))
    """
    image = _as_image(image)
    if image.shape != geometry.in_shape:
        raise ValueError(
            f"image has shape {image.shape}, but geometry is for an input of shape "
            f"{geometry.in_shape}; make it with pool_geometry(image.shape, ...)"
        )
    rows = geometry.window_positions(0)
    cols = geometry.window_positions(1)
    inside = _window_inside(geometry)
    h, w = image.shape
    # Clipping only makes every index valid; the mask says which cells are real.
    clipped = image[
        np.clip(rows, 0, h - 1)[:, None, :, None], np.clip(cols, 0, w - 1)[None, :, None, :]
    ]
    return np.ma.MaskedArray(np.where(inside, clipped, 0.0), mask=~inside), rows, cols


def _pool_options(geometry):
    """The keyword options of pool_forward and max_pool_winners that made ``geometry``."""
    return dict(padding=geometry.padding, dilation=geometry.dilation, ceil_mode=geometry.ceil_mode)


def _pool_image(image, geometry, mode):
    """pool_forward of one 2-D image, shape (h_out, w_out)."""
    A_prev = image[None, :, :, None]
    options = _pool_options(geometry)
    return pool_forward(A_prev, geometry.kernel_shape, geometry.stride, mode, **options)[0, :, :, 0]


def _winners(image, geometry):
    """Row and column of each max window's winner, shape (h_out, w_out); -1 for padding alone."""
    A_prev = image[None, :, :, None]
    options = _pool_options(geometry)
    rows, cols = max_pool_winners(A_prev, geometry.kernel_shape, geometry.stride, **options)
    return rows[0, :, :, 0], cols[0, :, :, 0]


def _max_winners(image, geometry):
    """Each max window's winner and its tied cells, by the library's rules.

    The winner is :func:`pooling_lib.max_pool_winners`' (PyTorch's
    ``return_indices``), the cell ``pool_backward(ties='first')`` feeds. A
    cell is tied when it lies inside the input and equals its window's
    maximum, or is NaN in a window whose maximum is NaN: the cells
    ``pool_backward(ties='all')`` feeds.

    Returns
    -------
    win_rows, win_cols : ndarray of int, shape (h_out, w_out)
        -1 for a window of padding alone, which has no winner.
    tie_counts : ndarray of int, shape (h_out, w_out)
        0 for a window of padding alone.
    tied : ndarray of bool, shape (h_out, w_out, kh, kw)
    """
    win_rows, win_cols = _winners(image, geometry)
    top = _pool_image(image, geometry, "max")[:, :, None, None]
    values, _, _ = window_values(image, geometry)
    cells = values.data
    tied = ~values.mask & ((cells == top) | (np.isnan(cells) & np.isnan(top)))
    return win_rows, win_cols, tied.sum(axis=(2, 3)), tied


def _winner_cell(image, geometry, i, j, mode):
    """Where max window ``(i, j)``'s winner sits among its own cells, ``(t, u)``.

    None for average pooling, and for a window of padding alone.
    """
    if mode != "max":
        return None
    win_rows, win_cols = _winners(image, geometry)
    if win_rows[i, j] < 0:
        return None
    t = int(np.flatnonzero(geometry.window_positions(0)[i] == win_rows[i, j])[0])
    u = int(np.flatnonzero(geometry.window_positions(1)[j] == win_cols[i, j])[0])
    return t, u


# pool_geometry's refusals in its own words (tests/test_errors.py pins them): the pictures
# reword them with the numbers the library gives, and never work those numbers out again.
_PADDING_REFUSAL = re.compile(r"kernel_shape // 2 = \((\d+), (\d+)\), got padding=\((\d+), (\d+)\)")
_SPAN_REFUSAL = re.compile(
    r"spans (\d+) x (\d+) cells, larger than the padded input of (\d+) x (\d+)"
)


def _refusal_numbers(error, pattern):
    """The numbers a pool_geometry refusal states, or None for another refusal."""
    found = pattern.search(str(error))
    return None if found is None else [int(number) for number in found.groups()]


def output_size_formula(n, kernel, stride=1, padding=0, dilation=1, ceil_mode=False, name="h"):
    """The output-size formula along one axis, with the numbers filled in.

    The count at the end is :func:`pooling_lib.pool_geometry`'s; the
    formula before it shows where it comes from.

    Parameters
    ----------
    n, kernel, stride, padding, dilation : int
        Input size and pooling options along this axis.
    ceil_mode : bool, default False
        Round up, then drop a last window that would start at or past the
        input's end.
    name : str, default 'h'
        Axis name written in front, e.g. ``'h'`` or ``'w'``.

    Returns
    -------
    str
        One line such as ``'h_out = floor((28 + 2*0 - 1*(2-1) - 1) / 2) + 1 = ...'``,
        whose last number is what :func:`pooling_lib.output_shape` returns, or,
        when :func:`pooling_lib.pool_geometry` refuses the options, why.

    Raises
    ------
    TypeError
        If an option is not an int, or ``ceil_mode`` not a bool.

    Examples
    --------
    >>> output_size_formula(28, 3, 2)
    'h_out = floor((28 + 2*0 - 1*(3-1) - 1) / 2) + 1 = floor(25 / 2) + 1 = 13'
    >>> output_size_formula(5, 2, 2, ceil_mode=True, name="w")
    'w_out = ceil((5 + 2*0 - 1*(2-1) - 1) / 2) + 1 = ceil(3 / 2) + 1 = 3'
    >>> output_size_formula(5, 2, 2, padding=1, ceil_mode=True)
    "h_out = ceil((5 + 2*1 - 1*(2-1) - 1) / 2) + 1 = ceil(5 / 2) + 1 = 4 - 1 = 3 (the last window would start at 5, at or past the input's end)"
    >>> output_size_formula(28, 3, 2, padding=2)
    'h_out: padding 2 is more than kernel // 2 = 1, not allowed'
    >>> output_size_formula(28, 2, 0)
    'h_out: stride must be positive, got (0, 0)'
    """  # noqa: E501
    # The formula's numbers, written out; the count itself is the library's.
    terms = f"{n} + 2*{padding} - {dilation}*({kernel}-1) - 1"
    numerator = n + 2 * padding - dilation * (kernel - 1) - 1
    try:
        geometry = pool_geometry((n, n), kernel, stride, padding, dilation, ceil_mode)
    except ValueError as error:
        limit = _refusal_numbers(error, _PADDING_REFUSAL)
        if limit is not None:
            return (
                f"{name}_out: padding {padding} is more than kernel // 2 = {limit[0]}, not allowed"
            )
        if _refusal_numbers(error, _SPAN_REFUSAL) is not None:
            return f"{name}_out: {terms} = {numerator} < 0, so not even one window fits"
        return f"{name}_out: {str(error).split(';')[0]}"
    out = geometry.out_shape[0]
    rounding = "ceil" if ceil_mode else "floor"
    text = f"{name}_out = {rounding}(({terms}) / {stride}) + 1 = {rounding}({numerator} / {stride})"
    dropped = geometry.dropped_window_start(0)
    if dropped is None:
        return f"{text} + 1 = {out}"
    # Rounding up asked for one window more than the geometry keeps.
    return (
        f"{text} + 1 = {out + 1} - 1 = {out} (the last window would start at {dropped}, at or "
        "past the input's end)"
    )


def _geometry_or_message(in_shape, kernel_shape, stride, padding, dilation, ceil_mode):
    """A PoolGeometry and '' or, for options the library refuses, None and a short message.

    Only pool_geometry's ValueError (an invalid combination of options) becomes a
    message; anything else raises.
    """
    try:
        geometry = pool_geometry(in_shape, kernel_shape, stride, padding, dilation, ceil_mode)
    except ValueError as error:
        return None, _explain(error, kernel_shape, padding, dilation)
    # The library accepts any padding up to half the kernel, but a picture draws every
    # padded cell and every window's cells: padding up to the input's size keeps that
    # work bounded by the input (the kernel then spans at most three times it).
    limit = max(in_shape)
    if max(geometry.padding) > limit:
        return None, (
            f"padding {max(geometry.padding)} is more than this picture shows "
            f"(at most the input's size, {limit})\n"
            "The library accepts it, but the windows would be almost all padding: "
            "lower the padding."
        )
    return geometry, ""


def _drawn_padding(padding, in_shape):
    """The padding a picture draws: at most the input's size, as `_geometry_or_message` allows.

    Larger padding is refused with a message; drawing all of it would shrink the
    digit to a dot.
    """
    limit = max(in_shape)
    return tuple(min(p, limit) for p in padding)


def _explain(error, kernel_shape, padding, dilation):
    """Reword pool_geometry's refusal as one short line plus a hint, with its numbers."""
    limit = _refusal_numbers(error, _PADDING_REFUSAL)
    if limit is not None:
        same = kernel_shape[0] == kernel_shape[1] and padding[0] == padding[1]
        # The message gives every axis's limit: name the axis whose padding passes it.
        axis = 0 if padding[0] > limit[0] else 1
        where = "" if same else f" {('height', 'width')[axis]}"
        return (
            f"padding {padding[axis]} is more than half the kernel{where} "
            f"({kernel_shape[axis]} // 2 = {limit[axis]})\n"
            "More would make windows of padding alone: lower the padding or enlarge the kernel."
        )
    spans = _refusal_numbers(error, _SPAN_REFUSAL)
    if spans is not None:
        return (
            f"the window spans {spans[0]} x {spans[1]} pixels, more than the padded digit "
            f"({spans[2]} x {spans[3]})\n"
            f"Kernel {kernel_shape[0]} x {kernel_shape[1]} with dilation {dilation[0]}: use a "
            "smaller kernel or dilation, or more padding."
        )
    return str(error).split(";")[0]


def _window_boxes(geometry, inset=0.0):
    """Outline of every window's span as closed polylines, shape (h_out * w_out, 5, 2) in (x, y)."""
    rows = geometry.window_positions(0)
    cols = geometry.window_positions(1)
    top, bottom = rows[:, 0] - 0.5 + inset, rows[:, -1] + 0.5 - inset
    left, right = cols[:, 0] - 0.5 + inset, cols[:, -1] + 0.5 - inset
    t, l_ = np.meshgrid(top, left, indexing="ij")
    b, r = np.meshgrid(bottom, right, indexing="ij")
    corners = [(l_, t), (r, t), (r, b), (l_, b), (l_, t)]
    return np.stack([np.stack(xy, axis=-1) for xy in corners], axis=2).reshape(-1, 5, 2)


def _cell_squares(rows, cols):
    """Unit squares centred on the cells (rows[k], cols[k]), shape (n, 4, 2) in (x, y)."""
    rows = np.asarray(rows, dtype=float).ravel()
    cols = np.asarray(cols, dtype=float).ravel()
    dx = np.array([-0.5, 0.5, 0.5, -0.5])
    dy = np.array([-0.5, -0.5, 0.5, 0.5])
    return np.stack([cols[:, None] + dx, rows[:, None] + dy], axis=-1)


def _window_grid(geometry, i, j):
    """Rows and cols of every cell of window (i, j), padding included, row-major.

    Unlike :func:`pooling_lib.reference`'s ``_window_cells`` (the cells inside
    the input), this is the whole window as drawn.
    """
    rows = geometry.window_positions(0)[i]
    cols = geometry.window_positions(1)[j]
    grid_rows, grid_cols = np.meshgrid(rows, cols, indexing="ij")
    return grid_rows.ravel(), grid_cols.ravel()


def _set_box(rect, top, left, bottom, right):
    rect.set_bounds(left - 0.5, top - 0.5, right - left + 1, bottom - top + 1)


def _int_ticks(ax, n_rows, n_cols):
    """Ticks at the first and last row and column, enough to read the size."""
    ax.pooling_ticks.set(sorted({0, n_cols - 1}), sorted({0, n_rows - 1}))


def _symmetric(values, floor=1e-12):
    finite = np.abs(values[np.isfinite(values)])
    return max(float(finite.max()) if finite.size else 0.0, floor)


def _fmt_signed(value):
    # Adding 0.0 turns -0.0 (from rounding) into 0.0, so no cell reads "-0.00".
    return f"{value + 0.0:+.2f}".replace("-", "\N{MINUS SIGN}")


def _set_symmetric(ax_image, values):
    """Centre a diverging map on 0, symmetric about the largest magnitude."""
    top = _symmetric(values)
    _set_clim(ax_image, -top, top)


def _set_extent(ax_image, n_rows, n_cols):
    ax_image.set_extent((-0.5, n_cols - 0.5, n_rows - 0.5, -0.5))


def _set_limits(ax, top, left, bottom, right):
    ax.set_xlim(left - 0.5, right + 0.5)
    ax.set_ylim(bottom + 0.5, top - 0.5)


def _span_text(positions, noun):
    first, last = int(positions[0]), int(positions[-1])
    if first == last:
        return f"{noun} {first}"
    step = int(positions[1] - positions[0])
    return f"{noun}s {first}-{last}" + (f" by {step}" if step > 1 else "")


def _show_zoom(ax, zoom_image, labels, axis_labels, winner, window, rows, cols, winner_cell):
    """Draw one window's cells enlarged, with their values and its winner circled.

    ``window`` is one window of :func:`window_values` (padding masked);
    ``winner_cell`` is ``(t, u)`` among its cells, or None for no circle.
    """
    kh, kw = window.shape
    zoom_image.set_data(window)
    _set_extent(zoom_image, kh, kw)
    _set_limits(ax, 0, 0, kh - 1, kw - 1)
    axis_labels[0].set_text(_span_text(cols, "column"))
    axis_labels[1].set_text(_span_text(rows, "row"))
    labels.show_grid(window, IMAGE_CMAP, zoom_image.norm, nan_text="nan", masked_text="pad")
    if winner_cell is None:
        winner.set_data([], [])
    else:
        winner.set_data([winner_cell[1]], [winner_cell[0]])
        winner.set_markersize(0.8 * _cell_points(ax))


class WindowView(_View):
    """Every pooling window on a digit, and the pooled output at the same pixel scale.

    Drawn: the digit (``image``) and its padding (``padding_patch``, grey
    hatching); every window's outline (``windows``, alternating white and
    blue so overlaps show); one window highlighted, the largest output in
    the middle row (``highlight_cells``, ``highlight_box``), with its output cell
    (``output_box``); pixels no window reads greyed out (``unread``); the
    rows and columns the floor drops (``dropped``, red hatching); the
    ceil-mode overhang (``overhang``, orange hatching); the pooled output
    (``output``) with one input pixel as large as one output cell; the
    highlighted window enlarged with its values (``zoom``, ``zoom_labels``,
    ``zoom_winner``); the output-size formula with the current numbers
    (``formula``).

    Parameters
    ----------
    presentation : bool, optional
        Larger fonts and figure; default :func:`set_presentation`'s setting.
    margin : int, optional
        Always show this many cells around the input, so that the digit
        stays put while padding changes (an explorer passes its largest
        padding). By default the view fits the padding and windows tightly.

    Attributes
    ----------
    figure : PoolingFigure
    geometry : PoolGeometry or None
        The current geometry; None when the options are refused.
    highlighted : tuple of int or None
        Output cell ``(i, j)`` of the highlighted window.
    pooled : ndarray, shape (h_out, w_out)
        The pooled output drawn.
    message : str
        What the picture says about refused options, '' if none.

    Examples
    --------
    >>> view = WindowView()
    >>> image, _ = digit_image(0)
    >>> view.update(image, kernel_shape=3, stride=2)
    >>> view.geometry.out_shape, len(view.windows.get_segments())
    ((13, 13), 169)
    >>> view.update(image, kernel_shape=3, stride=2, padding=2)
    >>> view.message.splitlines()[0]
    'padding 2 is more than half the kernel (3 // 2 = 1)'
    """

    figsize = (12.0, 6.6)
    _top, _bottom, _right = 0.875, 0.25, 0.725

    def __init__(self, presentation=None, margin=None):
        super().__init__(presentation)
        self.margin = margin
        style = self.style
        self.title = self._figure_text(0.5, 0.975, style.large, ha="center", va="top")
        self.ax_in = self._image_axes([0.06, self._bottom, 0.4, 0.5])
        self.ax_out = self._image_axes([0.5, self._bottom, 0.2, 0.3])
        self.ax_zoom = self._image_axes([0.79, 0.5, 0.175, 0.33], labels=False)
        self.ax_zoom.pooling_ticks.set([], [])
        self._float(self.ax_out, self.ax_zoom)
        self.out_title = self._dynamic_title(self.ax_out)
        self.zoom_title = self._dynamic_title(self.ax_zoom)
        self.zoom_axis_labels = self._dynamic_axis_labels(self.ax_zoom)
        self.padding_patch = self._dynamic(
            Rectangle((0, 0), 1, 1, fc="#f2f2f2", ec=GREY, hatch="//", lw=0, zorder=0.5)
        )
        self.ax_in.add_patch(self.padding_patch)
        self.image = self._image(self.ax_in)
        self.unread = self._dynamic(
            self.ax_in.imshow(np.zeros((2, 2, 4)), interpolation="nearest", zorder=2, aspect="auto")
        )
        self.overhang = self._dynamic(
            *(
                Rectangle((0, 0), 1, 1, fc="#fff3d6", ec=ORANGE, hatch="xx", lw=0, zorder=0.6)
                for _ in range(2)
            )
        )
        self.dropped = self._dynamic(
            *(
                Rectangle(
                    (0, 0), 1, 1, fc=(0, 0, 0, 0), ec=VERMILLION, hatch="\\\\", lw=0, zorder=3
                )
                for _ in range(2)
            )
        )
        for patch in (*self.overhang, *self.dropped):
            self.ax_in.add_patch(patch)
        self.windows = self._dynamic(
            LineCollection([], linewidths=style.line, zorder=4, alpha=0.85)
        )
        self.ax_in.add_collection(self.windows, autolim=False)
        self.highlight_cells = self._dynamic(
            PolyCollection([], facecolors=(0.835, 0.369, 0.0, 0.5), edgecolors="none", zorder=5)
        )
        self.ax_in.add_collection(self.highlight_cells, autolim=False)
        self._highlight_halo, self.highlight_box = self._highlight(self.ax_in)
        self.output = self._image(self.ax_out)
        self._output_halo, self.output_box = self._highlight(self.ax_out, lw=2.0)
        self.no_output = self._glyphs(
            self.ax_out, 0.5, 0.5, style.font, ha="center", va="center", color=GREY
        )
        self.no_output.set_text("no output")
        self.zoom = self._image(self.ax_zoom)
        self.zoom_labels = self._labels(self.ax_zoom, style.font)
        self.zoom_winner = self._dynamic(
            *self.ax_zoom.plot(
                [],
                [],
                "o",
                mfc="none",
                mec=VERMILLION,
                mew=2.5 * style.line,
                zorder=7,
            )
        )
        self.formula = self._figure_text(
            0.03, 0.165, style.small, ha="left", va="top", family="DejaVu Sans Mono"
        )
        handles = [
            Line2D([], [], color=SKY, lw=2, label="windows (outlines)"),
            Patch(
                fc=(0.835, 0.369, 0.0, 0.5), ec=VERMILLION, lw=2.5, label="one window, its output"
            ),
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                mfc="none",
                mec=VERMILLION,
                mew=2,
                ms=10,
                label="its maximum (zoom)",
            ),
            Patch(fc="#f2f2f2", ec=GREY, hatch="//", label="padding (max -inf, avg 0)"),
            Patch(fc="#fff3d6", ec=ORANGE, hatch="xx", label="ceil-mode overhang"),
            Patch(fc="white", ec=VERMILLION, hatch="\\\\", label="dropped by the floor"),
            Patch(fc=UNREAD_RGBA, ec=GREY, label="read by no window"),
        ]
        self.legend = self._legend_image(
            handles, (0.765, 0.43), ncols=1, handlelength=1.8, labelspacing=0.45
        )
        self.geometry = None
        self.highlighted = None
        self.pooled = np.zeros((0, 0))

    def update(
        self,
        image,
        kernel_shape=2,
        stride=2,
        padding=0,
        dilation=1,
        ceil_mode=False,
        mode="max",
        title=None,
        subject=None,
    ):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
            The picture to pool, e.g. from :func:`digit_image`.
        kernel_shape, stride, padding, dilation : int or (int, int)
            As for :func:`pooling_lib.pool_forward`.
        ceil_mode : bool
        mode : {'max', 'avg'}
        title : str, optional
            Written above the picture; by default the options.
        subject : str, optional
            What the picture shows, written before the title, e.g. 'digit #0 (a 0)'.
        """
        image = _as_image(image)
        kernel_shape = to_pair(kernel_shape, "kernel_shape")
        stride = to_pair(stride, "stride")
        padding = to_pair(padding, "padding")
        dilation = to_pair(dilation, "dilation")
        ceil_mode = bool(ceil_mode)
        h, w = image.shape
        geometry, message = _geometry_or_message(
            (h, w), kernel_shape, stride, padding, dilation, ceil_mode
        )
        self.geometry = geometry
        self._set_message(message)
        if title is None:
            title = _options_title(mode, kernel_shape, stride, padding, dilation, ceil_mode)
        self.title.set_text(f"{subject}: {title}" if subject else title)
        self.image.set_data(image)
        _set_extent(self.image, h, w)
        ph, pw = _drawn_padding(padding, (h, w))
        self.padding_patch.set_bounds(-pw - 0.5, -ph - 0.5, w + 2 * pw, h + 2 * ph)
        self.ax_in.pooling_title.set_text(f"input {h} x {w}")
        lines = [
            output_size_formula(n, k, s, p, d, ceil_mode, name)
            for name, n, k, s, p, d in zip(
                "hw", (h, w), kernel_shape, stride, padding, dilation, strict=True
            )
        ]
        if geometry is None:
            self.formula.set_text("\n".join(lines))
            self._draw_refused(h, w, (ph, pw))
            return
        lines.append(_coverage(geometry))
        self.formula.set_text("\n".join(lines))
        self._draw_windows(image, geometry, mode)

    def _set_drawn(self, visible):
        for artist in (
            self.windows,
            self.highlight_cells,
            self._highlight_halo,
            self.highlight_box,
            self.output,
            self._output_halo,
            self.output_box,
            self.unread,
            *self.overhang,
            *self.dropped,
        ):
            artist.set_visible(visible)
        self.no_output.set_visible(not visible)
        self.ax_zoom.set_visible(visible)
        # An empty placeholder needs no axis names.
        self.ax_out.pooling_ticks.xlabel.set_text("column" if visible else "")
        self.ax_out.pooling_ticks.ylabel.set_text("row" if visible else "")

    def _draw_refused(self, h, w, padding):
        ph, pw = padding
        self._set_drawn(False)
        self.highlighted = None
        self.pooled = np.zeros((0, 0))
        self.out_title.set_text("")
        top, left, bottom, right = self._input_limits(h, w, -ph, -pw, h - 1 + ph, w - 1 + pw)
        _set_limits(self.ax_out, 0, 0, 7, 7)
        self.ax_out.pooling_ticks.set([], [])
        _int_ticks(self.ax_in, h, w)
        self._place((bottom - top + 1, right - left + 1), (8, 8), (h, w))

    def _input_limits(self, h, w, top, left, bottom, right):
        """Show at least ``margin`` cells around the input, and set the input's limits."""
        if self.margin is not None:
            top, left = min(top, -self.margin), min(left, -self.margin)
            bottom, right = max(bottom, h - 1 + self.margin), max(right, w - 1 + self.margin)
        _set_limits(self.ax_in, top, left, bottom, right)
        return top, left, bottom, right

    def _draw_windows(self, image, geometry, mode):
        h, w = geometry.in_shape
        h_out, w_out = geometry.out_shape
        rows, cols = geometry.window_positions(0), geometry.window_positions(1)
        ph, pw = geometry.padding
        self._set_drawn(True)
        self.windows.set_segments(_window_boxes(geometry, inset=0.12))
        parity = (np.add.outer(np.arange(h_out), np.arange(w_out)) % 2).ravel()
        self.windows.set_color(
            np.where(parity[:, None] == 0, [[1, 1, 1, 1]], [[0.337, 0.706, 0.914, 1]])
        )
        self.windows.set_linewidth(self.style.line * (0.7 if h_out * w_out > 400 else 1.1))
        pooled = _pool_image(image, geometry, mode)
        i, j = _pick_window(pooled)
        self.highlighted = (i, j)
        cell_rows, cell_cols = _window_grid(geometry, i, j)
        self.highlight_cells.set_verts(_cell_squares(cell_rows, cell_cols))
        for rect in (self._highlight_halo, self.highlight_box):
            _set_box(rect, rows[i, 0], cols[j, 0], rows[i, -1], cols[j, -1])
        unread = np.zeros((h, w, 4))
        unread[geometry.overlap_counts() == 0] = UNREAD_RGBA
        self.unread.set_data(unread)
        _set_extent(self.unread, h, w)
        top, left = min(-ph, rows[0, 0]), min(-pw, cols[0, 0])
        bottom = max(h - 1 + ph, rows[-1, -1])
        right = max(w - 1 + pw, cols[-1, -1])
        last_row, last_col = rows[-1, -1], cols[-1, -1]
        # Overhang: cells of the last windows beyond the padded input (ceil mode only).
        self.overhang[0].set_bounds(
            left - 0.5, h + ph - 0.5, right - left + 1, max(0, last_row - (h - 1 + ph))
        )
        self.overhang[1].set_bounds(
            w + pw - 0.5, top - 0.5, max(0, last_col - (w - 1 + pw)), bottom - top + 1
        )
        # Dropped: input rows and columns after the last window's last cell.
        self.dropped[0].set_bounds(-0.5, last_row + 0.5, w, max(0, h - 1 - last_row))
        self.dropped[1].set_bounds(last_col + 0.5, -0.5, max(0, w - 1 - last_col), h)
        self.pooled = pooled
        # A colour map has no colour for infinity: a max window of padding alone (-inf), or
        # an infinite input, is drawn as 'no value' (grey).
        self.output.set_data(np.where(np.isfinite(pooled), pooled, np.nan))
        _set_extent(self.output, h_out, w_out)
        for rect in (self._output_halo, self.output_box):
            _set_box(rect, i, j, i, j)
        self.out_title.set_text(f"{mode}-pooled output {h_out} x {w_out}")
        top, left, bottom, right = self._input_limits(h, w, top, left, bottom, right)
        _set_limits(self.ax_out, 0, 0, h_out - 1, w_out - 1)
        _int_ticks(self.ax_in, h, w)
        _int_ticks(self.ax_out, h_out, w_out)
        self._place((bottom - top + 1, right - left + 1), (h_out, w_out), (h, w))
        values, _, _ = window_values(image, geometry)
        _show_zoom(
            self.ax_zoom,
            self.zoom,
            self.zoom_labels,
            self.zoom_axis_labels,
            self.zoom_winner,
            values[i, j],
            rows[i],
            cols[j],
            _winner_cell(image, geometry, i, j, mode),
        )
        word = "max" if mode == "max" else "mean"
        self.zoom_title.set_text(f"window ({i}, {j}): {word} {_fmt(pooled[i, j])}")

    def _place(self, span_in, span_out, in_shape):
        """Size both axes so that one input pixel is as large as one output cell.

        With a ``margin`` the scale allows for the widest output any
        options give (stride 1: the input plus one cell), so it does not
        change, and the input stays put, while the output grows and shrinks.
        """
        fig_w, fig_h = self.figure.get_size_inches()
        gap, margin = 0.9 * self.style.figure_scale, 0.7 * self.style.figure_scale
        region_w = fig_w * self._right - margin - gap
        region_h = fig_h * (self._top - self._bottom)
        room = (
            span_out
            if self.margin is None
            else (max(span_out[0], in_shape[0] + 1), max(span_out[1], in_shape[1] + 1))
        )
        scale = min(region_w / (span_in[1] + room[1]), region_h / max(span_in[0], room[0]))
        width_in = span_in[1] * scale
        x0 = margin + (region_w - width_in - room[1] * scale) / 2
        top = fig_h * self._top
        self.ax_in.set_position(
            [
                x0 / fig_w,
                (top - span_in[0] * scale) / fig_h,
                width_in / fig_w,
                span_in[0] * scale / fig_h,
            ]
        )
        self.ax_out.set_position(
            [
                (x0 + width_in + gap) / fig_w,
                (top - span_out[0] * scale) / fig_h,
                span_out[1] * scale / fig_w,
                span_out[0] * scale / fig_h,
            ]
        )


def _pick_window(pooled):
    """The window to highlight: in the middle row, the largest output nearest the middle.

    A window on ink shows more in its zoom than one on the flat background.
    """
    i = pooled.shape[0] // 2
    row = np.where(np.isfinite(pooled[i]), pooled[i], -np.inf)
    candidates = np.flatnonzero(row == row.max())
    middle = pooled.shape[1] // 2
    return i, int(candidates[np.argmin(np.abs(candidates - middle))])


def _coverage(geometry):
    """One line saying what the floor drops, what ceil mode adds, and what no window reads."""
    notes = []
    dropped = []
    overhang = []
    for axis, noun in enumerate(("row", "column")):
        n, p = geometry.in_shape[axis], geometry.padding[axis]
        last = int(geometry.window_positions(axis)[-1, -1])
        if last < n - 1:
            first = last + 1
            dropped.append(f"{noun} {first}" if first == n - 1 else f"{noun}s {first}-{n - 1}")
        if last > n - 1 + p:
            extra = last - (n - 1 + p)
            overhang.append(f"{extra} {noun}{'s' if extra > 1 else ''}")
    if dropped:
        notes.append("the floor drops " + " and ".join(dropped))
    if overhang:
        notes.append("ceil mode overhangs the padding by " + " and ".join(overhang))
    if not notes:
        notes.append("the windows reach every row and column")
    unread = int((geometry.overlap_counts() == 0).sum())
    if unread:
        notes.append(f"{unread} pixels are read by no window")
    return "; ".join(notes)


def _options_title(mode, kernel_shape, stride, padding, dilation, ceil_mode):
    parts = [
        f"{mode} pooling",
        f"kernel {kernel_shape[0]} x {kernel_shape[1]}",
        f"stride {stride[0]} x {stride[1]}",
    ]
    if padding != (0, 0):
        parts.append(
            f"padding {padding[0]}"
            if padding[0] == padding[1]
            else f"padding {padding[0]}, {padding[1]}"
        )
    if dilation != (1, 1):
        parts.append(
            f"dilation {dilation[0]}"
            if dilation[0] == dilation[1]
            else f"dilation {dilation[0]}, {dilation[1]}"
        )
    if ceil_mode:
        parts.append("ceil mode")
    return ", ".join(parts)


# pool_backward's tie policies, in its order.
TIE_POLICIES = TIES


class MaxMaskView(_View):
    """Which pixel wins each max window, which windows are ties, and where gradient goes.

    Drawn on the digit: every window's outline (``windows``); tied windows,
    whose maximum appears in more than one cell, shaded blue
    (``tied_windows``); a circle on the winner of every untied window
    (``clear_winners``) and a square on the cells of tied windows that get
    gradient under the chosen tie policy (``tied_winners``). Beside it: the
    gradient ``dA_prev`` for ``dA = 1`` everywhere (``gradient``), and a bar
    per policy counting the pixels that get gradient (``bars``).

    Attributes
    ----------
    winners : ndarray of int, shape (h_out * w_out, 2)
        ``(row, col)`` of each window's winner under ties='first' (PyTorch),
        row-major over the windows.
    tie_counts : ndarray of int, shape (h_out, w_out)
        How many cells of each window share its maximum.
    receivers : dict of str to int
        Pixels that get gradient under each policy.
    totals : dict of str to float
        Sum of ``dA_prev`` under each policy.
    dA_prev : ndarray, shape (h, w)
        The gradient drawn, under the chosen policy.

    Examples
    --------
    >>> view = MaxMaskView()
    >>> view.update(digit_image(0)[0], kernel_shape=2, stride=2, ties="first")
    >>> view.winners.shape, int((view.tie_counts > 1).sum())
    ((196, 2), 155)
    >>> view.receivers
    {'first': 196, 'all': 635, 'split': 635}
    """

    figsize = (11.5, 6.6)

    def __init__(self, presentation=None):
        super().__init__(presentation)
        style = self.style
        self.title = self._figure_text(0.5, 0.975, style.large, ha="center", va="top")
        self.ax_in = self._image_axes([0.055, 0.29, 0.33, 0.58], "who wins each window")
        self.ax_grad = self._image_axes([0.455, 0.29, 0.29, 0.58], "gradient for dA = 1")
        self.ax_bar = self._bar_axes(
            [0.865, 0.35, 0.12, 0.52], "pixels that\nget gradient", TIE_POLICIES, "ties ="
        )
        self.image = self._image(self.ax_in)
        self.windows = self._dynamic(
            LineCollection([], colors="white", linewidths=0.6 * style.line, alpha=0.6, zorder=4)
        )
        self.ax_in.add_collection(self.windows, autolim=False)
        self.tied_windows = self._dynamic(
            PolyCollection([], facecolors=(0.337, 0.706, 0.914, 0.35), edgecolors="none", zorder=3)
        )
        self.ax_in.add_collection(self.tied_windows, autolim=False)
        self.clear_winners = self._dynamic(
            *self.ax_in.plot(
                [],
                [],
                "o",
                ms=style.marker,
                mfc=VERMILLION,
                mec="white",
                mew=0.8,
                zorder=6,
                label="unique maximum: gets dA",
            )
        )
        self.tied_winners = self._dynamic(
            *self.ax_in.plot(
                [],
                [],
                "s",
                ms=style.marker * 0.75,
                mfc=SKY,
                mec="black",
                mew=0.6,
                zorder=5,
                label="tied maximum that gets dA under this policy",
            )
        )
        self.gradient = self._diverging(self.ax_grad)
        self.colorbar = self._colorbar(self.gradient, [0.755, 0.29, 0.012, 0.58], "dA_prev")
        self._float(self.colorbar.ax)
        self.bars = self._dynamic(
            *self.ax_bar.bar(
                range(3),
                [0, 0, 0],
                color=[VERMILLION, SKY, GREEN],
                edgecolor="black",
                linewidth=0.8,
            )
        )
        for bar, hatch in zip(self.bars, ("", "//", ".."), strict=True):
            bar.set_hatch(hatch)
        self.bar_labels = [
            self._glyphs(
                self.ax_bar,
                k,
                0,
                style.small,
                coordinates="data",
                ha="center",
                va="bottom",
                offset=(0, 2),
            )
            for k in range(3)
        ]
        legend_handles = [
            self.clear_winners,
            self.tied_winners,
            Patch(fc=(0.337, 0.706, 0.914, 0.35), ec="none", label="tied window"),
        ]
        self.legend = self._legend_image(legend_handles, (0.03, 0.2), ncols=3)
        self.summary = self._figure_text(0.03, 0.13, style.small, ha="left", va="top")
        self.winners = np.zeros((0, 2), dtype=int)
        self.tie_counts = np.zeros((0, 0), dtype=int)
        self.receivers = {}
        self.totals = {}
        self.dA_prev = np.zeros((0, 0))
        self.geometry = None

    def update(
        self, image, kernel_shape=2, stride=2, padding=0, ties="first", title=None, subject=None
    ):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
        kernel_shape, stride, padding : int or (int, int)
            As for :func:`pooling_lib.pool_forward` (max pooling).
        ties : {'first', 'all', 'split'}
            Tie policy of :func:`pooling_lib.pool_backward` to show.
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        image = _as_image(image)
        kernel_shape = to_pair(kernel_shape, "kernel_shape")
        stride = to_pair(stride, "stride")
        padding = to_pair(padding, "padding")
        if ties not in TIE_POLICIES:
            raise ValueError(f"ties must be one of {TIE_POLICIES}, got {ties!r}")
        h, w = image.shape
        geometry, message = _geometry_or_message(
            (h, w), kernel_shape, stride, padding, (1, 1), False
        )
        self.geometry = geometry
        self._set_message(message)
        if title is None:
            title = _options_title("max", kernel_shape, stride, padding, (1, 1), False)
            title += f", ties='{ties}'"
        self.title.set_text(f"{subject}: {title}" if subject else title)
        self.image.set_data(image)
        _set_extent(self.image, h, w)
        ph, pw = _drawn_padding(padding, (h, w))
        _set_limits(self.ax_in, -ph, -pw, h - 1 + ph, w - 1 + pw)
        _set_limits(self.ax_grad, 0, 0, h - 1, w - 1)
        _int_ticks(self.ax_in, h, w)
        _int_ticks(self.ax_grad, h, w)
        drawn = (
            self.windows,
            self.tied_windows,
            self.clear_winners,
            self.tied_winners,
            self.gradient,
            *self.bars,
            *self.bar_labels,
        )
        for artist in drawn:
            artist.set_visible(geometry is not None)
        if geometry is None:
            self.winners = np.zeros((0, 2), dtype=int)
            self.tie_counts = np.zeros((0, 0), dtype=int)
            self.receivers, self.totals = {}, {}
            self.dA_prev = np.zeros((0, 0))
            self.summary.set_text("")
            return
        win_rows, win_cols, tie_counts, tied = _max_winners(image, geometry)
        self.winners = np.column_stack([win_rows.ravel(), win_cols.ravel()])
        self.tie_counts = tie_counts
        is_tied = tie_counts > 1
        boxes = _window_boxes(geometry, inset=0.1)
        self.windows.set_segments(boxes)
        self.tied_windows.set_verts(boxes[is_tied.ravel(), :4])
        clear = tie_counts == 1
        self.clear_winners.set_data(win_cols[clear], win_rows[clear])
        if ties == "first":
            tied_rows, tied_cols = win_rows[is_tied], win_cols[is_tied]
        else:
            rows, cols = geometry.window_positions(0), geometry.window_positions(1)
            i, j, t, u = np.nonzero(tied & is_tied[:, :, None, None])
            tied_rows, tied_cols = rows[i, t], cols[j, u]
        self.tied_winners.set_data(tied_cols, tied_rows)
        A_prev = image[None, :, :, None]
        dA = np.ones((1, *geometry.out_shape, 1))
        gradients = {
            policy: pool_backward(
                dA, A_prev, kernel_shape, stride, "max", padding=padding, ties=policy
            )[0, :, :, 0]
            for policy in TIE_POLICIES
        }
        self.receivers = {p: int(np.count_nonzero(g)) for p, g in gradients.items()}
        self.totals = {p: float(g.sum()) for p, g in gradients.items()}
        self.dA_prev = gradients[ties]
        self.gradient.set_data(self.dA_prev)
        _set_extent(self.gradient, h, w)
        # One colour scale for all three policies, so switching policy compares like with like.
        _set_symmetric(self.gradient, np.array([max(g.max() for g in gradients.values()), 1.0]))
        for k, policy in enumerate(TIE_POLICIES):
            bar = self.bars[k]
            bar.set_height(self.receivers[policy])
            selected = policy == ties
            bar.set_alpha(1.0 if selected else 0.35)
            bar.set_linewidth(2.5 if selected else 0.5)
            self.bar_labels[k].set_position((k, self.receivers[policy]))
            self.bar_labels[k].set_text(str(self.receivers[policy]))
        self.ax_bar.set_ylim(0, h * w * 1.12)
        n_windows = tie_counts.size
        n_tied = int(is_tied.sum())
        explain = {
            "first": "the first maximum in row-major order takes each window's dA (PyTorch)",
            "all": "every tied cell takes the whole dA, so the total exceeds the windows'",
            "split": "tied cells share dA equally, so the total equals the windows'",
        }[ties]
        self.summary.set_text(
            f"{n_windows} windows, {n_tied} tied ({100 * n_tied / n_windows:.0f}%): their maximum "
            "is in more than one cell, mostly the flat background.\n"
            f"ties='{ties}': {explain}.\n"
            f"{self.receivers[ties]} pixels get gradient; sum of dA_prev = "
            f"{self.totals[ties]:g} for {n_windows} windows "
            f"(first {self.totals['first']:g}, all {self.totals['all']:g}, "
            f"split {self.totals['split']:g})."
        )


class GradientView(_View):
    """Where one output cell's gradient goes, for max and for average pooling.

    Top row: the digit under max pooling with the chosen window lit and its
    winner marked (``max_winner``); the same under average pooling with every
    cell that gets a share marked (``avg_receivers``); the upstream gradient
    ``dA`` (seeded, rounded to 2 decimals) with the chosen cell outlined.
    Bottom row: the whole ``dA_prev`` for max (``grad_max``) and for average
    (``grad_avg``) on a diverging map centred at 0, and how many windows read
    each pixel (``overlap``) when windows overlap.

    Attributes
    ----------
    dA : ndarray, shape (h_out, w_out)
    dA_prev_max, dA_prev_avg : ndarray, shape (h, w)
        From :func:`pooling_lib.pool_backward` (max with ties='first').
    cell : tuple of int
        The chosen output cell, clipped into the output.
    receivers_max : ndarray of int, shape (1, 2)
        ``(row, col)`` of the pixel that gets the cell's gradient under max.
    receivers_avg : ndarray of int, shape (kh * kw, 2)
        The pixels that share it under avg.
    overlap_counts : ndarray of int, shape (h, w)
        From :meth:`PoolGeometry.overlap_counts`.

    Examples
    --------
    >>> view = GradientView()
    >>> view.update(digit_image(0)[0], kernel_shape=3, stride=2, cell=(6, 6), seed=0)
    >>> view.cell, view.geometry.out_shape, view.receivers_avg.shape
    ((6, 6), (13, 13), (9, 2))
    """

    figsize = (12.5, 8.2)

    def __init__(self, presentation=None):
        super().__init__(presentation)
        style = self.style
        self.title = self._figure_text(0.5, 0.985, style.large, ha="center", va="top")
        self.headline = self._figure_text(0.5, 0.94, style.font, ha="center", va="top")
        col_x = (0.05, 0.375, 0.70)
        width, height = 0.215, 0.33
        top_y, bottom_y = 0.5, 0.065
        self.ax_max = self._image_axes([col_x[0], top_y, width, height])
        self.ax_avg = self._image_axes([col_x[1], top_y, width, height])
        self.ax_dA = self._image_axes([col_x[2], top_y, width, height])
        # Its limits and ticks follow the output's size, which kernel and stride change.
        self._float(self.ax_dA)
        self.ax_gmax = self._image_axes([col_x[0], bottom_y, width, height])
        self.ax_gavg = self._image_axes([col_x[1], bottom_y, width, height])
        self.ax_overlap = self._image_axes([col_x[2], bottom_y, width, height])
        self.max_title = self._dynamic_title(self.ax_max)
        self.avg_title = self._dynamic_title(self.ax_avg)
        self.overlap_title = self._dynamic_title(self.ax_overlap)
        self.image_max = self._image(self.ax_max)
        self.image_avg = self._image(self.ax_avg)
        self.window_max, self.window_avg = (
            self._dynamic(
                PolyCollection([], facecolors=(0.835, 0.369, 0.0, 0.4), edgecolors="none", zorder=4)
            )
            for _ in range(2)
        )
        self.ax_max.add_collection(self.window_max, autolim=False)
        self.ax_avg.add_collection(self.window_avg, autolim=False)
        self._max_boxes = self._highlight(self.ax_max)
        self._avg_boxes = self._highlight(self.ax_avg)
        self.max_winner = self._dynamic(
            *self.ax_max.plot(
                [], [], "o", ms=style.marker * 1.4, mfc=VERMILLION, mec="white", mew=1.2, zorder=9
            )
        )
        self.avg_receivers = self._dynamic(
            *self.ax_avg.plot(
                [], [], "s", ms=style.marker * 0.8, mfc=SKY, mec="black", mew=0.6, zorder=9
            )
        )
        self.dA_image = self._diverging(self.ax_dA)
        self._dA_boxes = self._highlight(self.ax_dA, lw=2.0)
        self.dA_labels = self._labels(self.ax_dA, style.cell)
        self.grad_max = self._diverging(self.ax_gmax)
        self.grad_avg = self._diverging(self.ax_gavg)
        self._gmax_boxes = self._highlight(self.ax_gmax, lw=1.5)
        self._gavg_boxes = self._highlight(self.ax_gavg, lw=1.5)
        self.overlap = self._image(self.ax_overlap, cmap=COUNT_CMAP, vmin=0, vmax=4)
        self.no_overlap = self._glyphs(
            self.ax_overlap, 0.5, 0.5, style.font, ha="center", va="center", color="#333333"
        )
        bar_w, bar_gap = 0.01, 0.008
        self._colorbar(self.dA_image, [col_x[2] + width + bar_gap, top_y, bar_w, height], "dA")
        self._colorbar(
            self.grad_max, [col_x[0] + width + bar_gap, bottom_y, bar_w, height], "dA_prev"
        )
        self._colorbar(
            self.grad_avg, [col_x[1] + width + bar_gap, bottom_y, bar_w, height], "dA_prev"
        )
        self.overlap_bar = self._colorbar(
            self.overlap,
            [col_x[2] + width + bar_gap, bottom_y, bar_w, height],
            "windows",
            integer=True,
        )
        self.ax_gmax.pooling_title.set_text("max: the whole dA_prev")
        self.ax_gavg.pooling_title.set_text("avg: the whole dA_prev")
        self.geometry = None
        self.cell = (0, 0)
        self.dA = np.zeros((0, 0))
        self.dA_prev_max = self.dA_prev_avg = np.zeros((0, 0))
        self.receivers_max = np.zeros((0, 2), dtype=int)
        self.receivers_avg = np.zeros((0, 2), dtype=int)
        self.overlap_counts = np.zeros((0, 0), dtype=int)

    def update(
        self, image, kernel_shape=3, stride=2, cell=(0, 0), seed=0, title=None, subject=None
    ):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
        kernel_shape, stride : int or (int, int)
            As for :func:`pooling_lib.pool_forward`.
        cell : (int, int)
            Output cell ``(row, col)`` whose gradient to follow; clipped into
            the output.
        seed : int
            Seed of the random upstream gradient ``dA`` (standard normal,
            rounded to 2 decimals so the numbers shown are exact).
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        image = _as_image(image)
        kernel_shape = to_pair(kernel_shape, "kernel_shape")
        stride = to_pair(stride, "stride")
        h, w = image.shape
        geometry, message = _geometry_or_message(
            (h, w), kernel_shape, stride, (0, 0), (1, 1), False
        )
        self.geometry = geometry
        self._set_message(message)
        if title is None:
            title = _options_title("max and avg", kernel_shape, stride, (0, 0), (1, 1), False)
            title += f", dA ~ N(0, 1) with seed {int(seed)}"
        self.title.set_text(f"{subject}: {title}" if subject else title)
        for ax_image in (self.image_max, self.image_avg):
            ax_image.set_data(image)
            _set_extent(ax_image, h, w)
        for ax in (self.ax_max, self.ax_avg, self.ax_gmax, self.ax_gavg, self.ax_overlap):
            _set_limits(ax, 0, 0, h - 1, w - 1)
            _int_ticks(ax, h, w)
        drawn = (
            self.window_max,
            self.window_avg,
            *self._max_boxes,
            *self._avg_boxes,
            self.max_winner,
            self.avg_receivers,
            self.dA_image,
            *self._dA_boxes,
            self.grad_max,
            self.grad_avg,
            *self._gmax_boxes,
            *self._gavg_boxes,
            self.overlap,
        )
        for artist in drawn:
            artist.set_visible(geometry is not None)
        if geometry is None:
            self.dA_labels.clear()
            self.headline.set_text("")
            self.no_overlap.set_text("")
            for text in (self.max_title, self.avg_title, self.overlap_title):
                text.set_text("")
            return
        h_out, w_out = geometry.out_shape
        i = int(np.clip(cell[0], 0, h_out - 1))
        j = int(np.clip(cell[1], 0, w_out - 1))
        self.cell = (i, j)
        dA = np.round(np.random.default_rng(int(seed)).standard_normal((h_out, w_out)), 2) + 0.0
        self.dA = dA
        A_prev = image[None, :, :, None]
        self.dA_prev_max, self.dA_prev_avg = (
            pool_backward(dA[None, :, :, None], A_prev, kernel_shape, stride, mode)[0, :, :, 0]
            for mode in ("max", "avg")
        )
        rows, cols = geometry.window_positions(0), geometry.window_positions(1)
        cell_rows, cell_cols = _window_grid(geometry, i, j)
        squares = _cell_squares(cell_rows, cell_cols)
        self.window_max.set_verts(squares)
        self.window_avg.set_verts(squares)
        for boxes in (self._max_boxes, self._avg_boxes, self._gmax_boxes, self._gavg_boxes):
            for rect in boxes:
                _set_box(rect, rows[i, 0], cols[j, 0], rows[i, -1], cols[j, -1])
        win_rows, win_cols, tie_counts, _ = _max_winners(image, geometry)
        winner = (int(win_rows[i, j]), int(win_cols[i, j]))
        self.receivers_max = np.array([winner])
        self.max_winner.set_data([winner[1]], [winner[0]])
        inside = _window_inside(geometry)[i, j].ravel()
        self.receivers_avg = np.column_stack([cell_rows[inside], cell_cols[inside]])
        self.avg_receivers.set_data(cell_cols[inside], cell_rows[inside])
        value = dA[i, j]
        # pool_backward's divisor: count_include_pad is True, its default.
        divisor = int(geometry.counted_cells(0, True)[i] * geometry.counted_cells(1, True)[j])
        receivers = len(self.receivers_avg)
        tie_note = f", the first of {tie_counts[i, j]} tied" if tie_counts[i, j] > 1 else ""
        self.headline.set_text(
            f"output cell ({i}, {j}): upstream gradient dA[{i}, {j}] = {_fmt_signed(value)}\n"
            f"max: all of it goes to pixel {winner}, the window's maximum "
            f"{image[winner]:.2f}{tie_note}.   avg: {_fmt_signed(value)} / {divisor} = "
            f"{_fmt_signed(value / divisor)} to each of its {receivers} pixels."
        )
        self.max_title.set_text(f"max: {_fmt_signed(value)} to one pixel")
        self.avg_title.set_text(f"avg: {_fmt_signed(value / divisor)} to each of {receivers}")
        self.dA_image.set_data(dA)
        _set_extent(self.dA_image, h_out, w_out)
        _set_limits(self.ax_dA, 0, 0, h_out - 1, w_out - 1)
        _int_ticks(self.ax_dA, h_out, w_out)
        _set_symmetric(self.dA_image, dA)
        for rect in self._dA_boxes:
            _set_box(rect, i, j, i, j)
        self.ax_dA.pooling_title.set_text(f"upstream dA, {h_out} x {w_out}")
        if h_out * w_out <= 100:
            self.dA_labels.show_grid(dA, GRADIENT_CMAP, self.dA_image.norm, _fmt_signed)
        else:
            self.dA_labels.clear()
        for ax_image, grad in (
            (self.grad_max, self.dA_prev_max),
            (self.grad_avg, self.dA_prev_avg),
        ):
            ax_image.set_data(grad)
            _set_extent(ax_image, h, w)
            _set_symmetric(ax_image, grad)
        counts = geometry.overlap_counts()
        self.overlap_counts = counts
        overlapping = bool(counts.max() > 1)
        self.overlap.set_visible(overlapping)
        self.overlap_bar.ax.set_visible(overlapping)
        if overlapping:
            self.overlap.set_data(counts)
            _set_extent(self.overlap, h, w)
            _set_clim(self.overlap, 0, max(1, int(counts.max())))
            self.no_overlap.set_text("")
            self.overlap_title.set_text("windows reading each pixel")
        else:
            apart = all(s >= k for s, k in zip(stride, kernel_shape, strict=True))
            why = "stride >= kernel:\n" if apart else ""
            self.no_overlap.set_text(
                f"{why}windows do not overlap,\neach pixel gets gradient\nfrom at most one window"
            )
            self.overlap_title.set_text("no overlap")


class PipelineView(_View):
    """Convolution, ReLU and pooling on a shifted digit, and how much each map moves.

    Top row: the shifted digit (the dashed box is where its ink was), its
    convolution with a small kernel (``conv``), the ReLU of that (``relu``)
    and the pooled ReLU (``pooled``). Bottom row: the kernel with its numbers
    (``kernel``, ``kernel_labels``), both relative changes as bars (``bars``),
    and where the ReLU map and the pooled map changed against the unshifted
    digit (``relu_change``, ``pooled_change``).

    Attributes
    ----------
    changes : dict
        ``{'relu': r, 'pooled': p}``: ``||f(shifted) - f(digit)|| / ||f(digit)||``
        for the ReLU map and the pooled map.

    Examples
    --------
    >>> view = PipelineView()
    >>> view.update(digit_image(0)[0], kernel_name="vertical edges", shift=(0, 1))
    >>> view.changes["pooled"] < view.changes["relu"]
    True
    """

    figsize = (12.0, 7.4)

    def __init__(self, presentation=None):
        super().__init__(presentation)
        fig, style = self.figure, self.style
        self.title = self._figure_text(0.5, 0.985, style.large, ha="center", va="top")
        xs = (0.045, 0.29, 0.535, 0.78)
        width, height = 0.185, 0.3
        top_y, bottom_y = 0.575, 0.175
        self.ax_input = self._image_axes([xs[0], top_y, width, height])
        self.ax_conv = self._image_axes([xs[1], top_y, width, height])
        self.ax_relu = self._image_axes([xs[2], top_y, width, height])
        self.ax_pooled = self._image_axes([xs[3], top_y, width, height])
        self.ax_kernel = self._image_axes(
            [xs[0] + 0.035, bottom_y + 0.04, width - 0.07, height - 0.08], labels=False
        )
        self.ax_bar = self._bar_axes(
            [xs[1] + 0.035, bottom_y, width - 0.06, height],
            "relative L2 change",
            ("ReLU map", "pooled"),
        )
        self.ax_drelu = self._image_axes([xs[2], bottom_y, width, height])
        self.ax_dpooled = self._image_axes([xs[3], bottom_y, width, height])
        for ax in (self.ax_conv, self.ax_relu, self.ax_pooled, self.ax_drelu, self.ax_dpooled):
            ax.pooling_ticks.ylabel.set_text("")
        self.input_title = self._dynamic_title(self.ax_input)
        self.kernel_title = self._dynamic_title(self.ax_kernel)
        self.pooled_title = self._dynamic_title(self.ax_pooled)
        self.input = self._image(self.ax_input)
        self.ghost = self._dynamic(
            LineCollection(
                [], colors=ORANGE, linewidths=1.5 * style.line, linestyles="--", zorder=5
            )
        )
        self.ax_input.add_collection(self.ghost, autolim=False)
        self.conv = self._diverging(self.ax_conv)
        self.relu = self._image(self.ax_relu)
        self.pooled = self._image(self.ax_pooled)
        self.kernel = self._diverging(self.ax_kernel)
        self.kernel_labels = self._labels(self.ax_kernel, style.large)
        self.ax_kernel.pooling_ticks.set([], [])
        self.relu_change = self._image(self.ax_drelu)
        self.pooled_change = self._image(self.ax_dpooled)
        for x in xs[1:]:
            arrow = GlyphText(
                fig,
                x - 0.032,
                top_y + height / 2,
                fig.transFigure,
                style.large * 1.5,
                ha="center",
                va="center",
                color="#333333",
            )
            arrow.set_text("\N{RIGHTWARDS ARROW}")
            fig.add_artist(arrow)
        self.bars = self._dynamic(
            *self.ax_bar.bar(
                range(2),
                [0, 0],
                color=[SKY, ORANGE],
                edgecolor="black",
                linewidth=0.8,
            )
        )
        self.bars[1].set_hatch("//")
        self.bar_labels = [
            self._glyphs(
                self.ax_bar,
                k,
                0,
                style.font,
                coordinates="data",
                ha="center",
                va="bottom",
                offset=(0, 2),
            )
            for k in range(2)
        ]
        self.ax_bar.set_ylim(0, 165)
        self.ax_bar.set_xlim(-0.6, 1.6)
        self.ax_relu.pooling_title.set_text("ReLU")
        self.ax_drelu.pooling_title.set_text("ReLU map: change")
        self.ax_dpooled.pooling_title.set_text("pooled map: change")
        self.explanation = self._figure_text(0.045, 0.085, style.font, ha="left", va="top")
        self.changes = {}

    def update(
        self,
        image,
        kernel_name="vertical edges",
        shift=(0, 1),
        pool=2,
        mode="max",
        title=None,
        subject=None,
    ):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
            At least 3 x 3, the convolution kernel's size.
        kernel_name : str
            A key of :data:`PIPELINE_KERNELS`.
        shift : (int, int)
            Pixels to move the digit ``(down, right)``, zero-filled.
        pool : int
            Pooling window and stride (non-overlapping windows).
        mode : {'max', 'avg'}
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        image = _as_image(image)
        if kernel_name not in PIPELINE_KERNELS:
            raise ValueError(
                f"kernel_name must be one of {sorted(PIPELINE_KERNELS)}, got {kernel_name!r}"
            )
        down, right = (int(v) for v in shift)
        pool = int(pool)
        kernel = PIPELINE_KERNELS[kernel_name]
        if title is None:
            title = (
                f"conv ('{kernel_name}') \N{RIGHTWARDS ARROW} ReLU \N{RIGHTWARDS ARROW} "
                f"{mode} pool {pool} x {pool}, on the digit moved {down} down, "
                f"{right} right"
            )
        self.title.set_text(f"{subject}: {title}" if subject else title)
        shifted = shift_image(image, down, right)
        conv = conv2d_valid(shifted, kernel)
        relu0, relu = (np.maximum(conv2d_valid(image, kernel), 0.0), np.maximum(conv, 0.0))
        geometry, message = _geometry_or_message(
            relu.shape, (pool, pool), (pool, pool), (0, 0), (1, 1), False
        )
        self._set_message(message)
        h, w = image.shape
        self.input.set_data(shifted)
        _set_extent(self.input, h, w)
        self._ghost(image, down, right)
        self.input_title.set_text(f"digit moved ({down}, {right})")
        self.conv.set_data(conv)
        _set_extent(self.conv, *conv.shape)
        _set_symmetric(self.conv, conv)
        self.ax_conv.pooling_title.set_text(f"conv {conv.shape[0]} x {conv.shape[1]}")
        top = max(float(relu0.max()), 1e-12)
        for ax_image, values in ((self.relu, relu), (self.relu_change, np.abs(relu - relu0))):
            ax_image.set_data(values)
            _set_extent(ax_image, *values.shape)
            _set_clim(ax_image, 0, top)
        self.kernel.set_data(kernel)
        _set_extent(self.kernel, *kernel.shape)
        _set_symmetric(self.kernel, kernel)
        _set_limits(self.ax_kernel, 0, 0, kernel.shape[0] - 1, kernel.shape[1] - 1)
        self.kernel_labels.show_grid(kernel, GRADIENT_CMAP, self.kernel.norm, _fmt_kernel)
        self.kernel_title.set_text(f"kernel: {kernel_name}")
        for ax, shape in (
            (self.ax_conv, conv.shape),
            (self.ax_relu, relu.shape),
            (self.ax_drelu, relu.shape),
            (self.ax_input, image.shape),
        ):
            _set_limits(ax, 0, 0, shape[0] - 1, shape[1] - 1)
            _int_ticks(ax, *shape)
        pool_artists = (self.pooled, self.pooled_change, *self.bars, *self.bar_labels)
        for artist in pool_artists:
            artist.set_visible(geometry is not None)
        if geometry is None:
            self.changes = {}
            self.explanation.set_text("")
            self.pooled_title.set_text("")
            return
        pooled0, pooled = (
            pool_forward(r[None, :, :, None], pool, pool, mode)[0, :, :, 0] for r in (relu0, relu)
        )
        for ax_image, values in (
            (self.pooled, pooled),
            (self.pooled_change, np.abs(pooled - pooled0)),
        ):
            ax_image.set_data(values)
            _set_extent(ax_image, *values.shape)
            _set_clim(ax_image, 0, max(float(pooled0.max()), 1e-12))
        for ax in (self.ax_pooled, self.ax_dpooled):
            _set_limits(ax, 0, 0, pooled.shape[0] - 1, pooled.shape[1] - 1)
            _int_ticks(ax, *pooled.shape)
        self.pooled_title.set_text(f"{mode} pool {pooled.shape[0]} x {pooled.shape[1]}")
        self.changes = {
            "relu": _relative_change(relu, relu0),
            "pooled": _relative_change(pooled, pooled0),
        }
        for k, key in enumerate(("relu", "pooled")):
            percent = 100 * self.changes[key]
            self.bars[k].set_height(min(percent, 150.0))
            self.bar_labels[k].set_position((k, min(percent, 150.0)))
            self.bar_labels[k].set_text(f"{percent:.0f}%")
        self.explanation.set_text(self._explain(down, right, pool, mode))

    def _ghost(self, image, down, right):
        """Dashed outline of where the ink was before the shift."""
        rows = np.nonzero(image.max(axis=1) > 0.1)[0]
        cols = np.nonzero(image.max(axis=0) > 0.1)[0]
        if rows.size == 0 or (down == 0 and right == 0):
            self.ghost.set_segments([])
            return
        top, bottom, left, right_ = rows[0] - 0.5, rows[-1] + 0.5, cols[0] - 0.5, cols[-1] + 0.5
        self.ghost.set_segments(
            [[(left, top), (right_, top), (right_, bottom), (left, bottom), (left, top)]]
        )

    def _explain(self, down, right, pool, mode):
        relu, pooled = self.changes["relu"], self.changes["pooled"]
        if pool == 1:
            return (
                "A 1 x 1 pool keeps every cell: the pooled map is the ReLU map, and changes "
                "exactly as much. Try a pool size of 2 or more."
            )
        if down == 0 and right == 0:
            return (
                "No shift, no change. Move the digit with the shift sliders and compare how "
                "much the ReLU map and the pooled map change."
            )
        if pooled < relu:
            return (
                f"The ReLU map changes by {100 * relu:.0f}%, the pooled map by only "
                f"{100 * pooled:.0f}%: each pooled cell keeps the "
                f"{'strongest' if mode == 'max' else 'average'} response of a {pool} x {pool} "
                "block,\nand a small shift mostly moves features within their block. "
                "That is the small translation invariance pooling buys."
            )
        return (
            f"The pooled map changes as much as the ReLU map ({100 * pooled:.0f}% vs "
            f"{100 * relu:.0f}%): this shift moves features across block borders\n"
            f"(a shift by a multiple of {pool} moves the whole pooled map by whole cells)."
        )


def _fmt_kernel(value):
    return f"{value:.2g}".replace("-", "\N{MINUS SIGN}")


def _relative_change(new, old):
    norm = float(np.linalg.norm(old))
    if norm == 0.0:
        return 0.0 if not np.any(new) else float("inf")
    return float(np.linalg.norm(new - old) / norm)


class AnimationView(_View):
    """One step of a pooling window walking across the digit, row by row.

    Drawn: every window's faint outline (``windows``) and the current one
    (``current_box``) on the digit; the current window enlarged with its
    values written (``zoom``, ``zoom_labels``) and, for max, its maximum
    circled (``zoom_winner``); the output filled in up to the current cell
    (``output``) with the current cell outlined; a sentence saying what this
    step computes (``caption``).

    Attributes
    ----------
    steps : int
        Number of windows (``h_out * w_out``).
    cell : tuple of int
        Output cell of the current step.
    value : float
        What the current window pools to.
    filled : ndarray, shape (h_out, w_out)
        The output so far, NaN where not yet computed.

    Examples
    --------
    >>> view = AnimationView()
    >>> view.update(digit_image(0)[0], kernel_shape=2, stride=2, step=15)
    >>> view.steps, view.cell
    (196, (1, 1))
    """

    figsize = (11.0, 5.9)

    def __init__(self, presentation=None):
        super().__init__(presentation)
        style = self.style
        self.title = self._figure_text(0.5, 0.98, style.large, ha="center", va="top")
        self.ax_in = self._image_axes([0.05, 0.2, 0.33, 0.64], "input")
        self.ax_zoom = self._image_axes([0.41, 0.27, 0.2, 0.373], labels=False)
        self.ax_zoom.pooling_ticks.set([], [])
        self.ax_out = self._image_axes([0.655, 0.2, 0.33, 0.64])
        self._float(self.ax_out, self.ax_zoom)
        self.out_title = self._dynamic_title(self.ax_out)
        self.zoom_title = self._dynamic_title(self.ax_zoom)
        self.zoom_axis_labels = self._dynamic_axis_labels(self.ax_zoom)
        self.image = self._image(self.ax_in)
        self.windows = self._dynamic(
            LineCollection([], colors="white", linewidths=0.5 * style.line, alpha=0.35, zorder=4)
        )
        self.ax_in.add_collection(self.windows, autolim=False)
        self.current_cells = self._dynamic(
            PolyCollection([], facecolors=(0.835, 0.369, 0.0, 0.35), edgecolors="none", zorder=5)
        )
        self.ax_in.add_collection(self.current_cells, autolim=False)
        self._in_boxes = self._highlight(self.ax_in)
        self.current_box = self._in_boxes[1]
        self.zoom = self._image(self.ax_zoom)
        self.zoom_labels = self._labels(self.ax_zoom, style.large)
        self.zoom_winner = self._dynamic(
            *self.ax_zoom.plot(
                [],
                [],
                "o",
                mfc="none",
                mec=VERMILLION,
                mew=2.5 * style.line,
                zorder=7,
            )
        )
        self.output = self._image(self.ax_out)
        self._out_boxes = self._highlight(self.ax_out)
        self.output_labels = self._labels(self.ax_out, style.font)
        self.caption = self._figure_text(0.5, 0.075, style.large, ha="center", va="center")
        self.steps = 0
        self.cell = (0, 0)
        self.value = float("nan")
        self.filled = np.zeros((0, 0))
        self.geometry = None

    def update(self, image, kernel_shape=2, stride=2, mode="max", step=0, title=None, subject=None):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
        kernel_shape, stride : int or (int, int)
        mode : {'max', 'avg'}
        step : int
            Which window, counting row-major from 0; clipped into range.
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        image = _as_image(image)
        kernel_shape = to_pair(kernel_shape, "kernel_shape")
        stride = to_pair(stride, "stride")
        h, w = image.shape
        geometry, message = _geometry_or_message(
            (h, w), kernel_shape, stride, (0, 0), (1, 1), False
        )
        self.geometry = geometry
        self._set_message(message)
        if title is None:
            title = _options_title(mode, kernel_shape, stride, (0, 0), (1, 1), False)
        self.title.set_text(f"{subject}: {title}" if subject else title)
        self.image.set_data(image)
        _set_extent(self.image, h, w)
        _set_limits(self.ax_in, 0, 0, h - 1, w - 1)
        _int_ticks(self.ax_in, h, w)
        drawn = (self.windows, self.current_cells, *self._in_boxes, self.output, *self._out_boxes)
        for artist in drawn:
            artist.set_visible(geometry is not None)
        self.ax_zoom.set_visible(geometry is not None)
        if geometry is None:
            self.output_labels.clear()
            self.caption.set_text("")
            self.steps = 0
            return
        h_out, w_out = geometry.out_shape
        self.steps = h_out * w_out
        step = int(np.clip(step, 0, self.steps - 1))
        i, j = divmod(step, w_out)
        self.cell = (i, j)
        rows, cols = geometry.window_positions(0), geometry.window_positions(1)
        self.windows.set_segments(_window_boxes(geometry, inset=0.15))
        cell_rows, cell_cols = _window_grid(geometry, i, j)
        self.current_cells.set_verts(_cell_squares(cell_rows, cell_cols))
        for rect in self._in_boxes:
            _set_box(rect, rows[i, 0], cols[j, 0], rows[i, -1], cols[j, -1])
        values, _, _ = window_values(image, geometry)
        _show_zoom(
            self.ax_zoom,
            self.zoom,
            self.zoom_labels,
            self.zoom_axis_labels,
            self.zoom_winner,
            values[i, j],
            rows[i],
            cols[j],
            _winner_cell(image, geometry, i, j, mode),
        )
        pooled = _pool_image(image, geometry, mode)
        self.value = float(pooled[i, j])
        cells = values[i, j].compressed()
        if mode == "max":
            sentence = f"the max of {cells.size} values = {self.value:.2f}"
            self.zoom_title.set_text(f"window ({i}, {j}): max {self.value:.2f}")
        else:
            # pool_forward's divisor: count_include_pad is True, its default.
            divisor = int(geometry.counted_cells(0, True)[i] * geometry.counted_cells(1, True)[j])
            sentence = f"{cells.sum():.2f} / {divisor} = {self.value:.2f}"
            self.zoom_title.set_text(f"window ({i}, {j}): mean {self.value:.2f}")
        filled = np.full((h_out, w_out), np.nan)
        filled.ravel()[: step + 1] = pooled.ravel()[: step + 1]
        self.filled = filled
        self.output.set_data(filled)
        _set_extent(self.output, h_out, w_out)
        _set_limits(self.ax_out, 0, 0, h_out - 1, w_out - 1)
        _int_ticks(self.ax_out, h_out, w_out)
        for rect in self._out_boxes:
            _set_box(rect, i, j, i, j)
        if h_out * w_out <= 100:
            self.output_labels.show_grid(filled, IMAGE_CMAP, self.output.norm)
        else:
            self.output_labels.clear()
        self.out_title.set_text(f"output {h_out} x {w_out}, filled row by row")
        self.caption.set_text(
            f"step {step + 1} of {self.steps}: output[{i}, {j}] = {sentence}  "
            f"(rows {rows[i, 0]}-{rows[i, -1]}, columns {cols[j, 0]}-{cols[j, -1]})"
        )


def _digit_and_title(digit, channel, image):
    if image is not None:
        return _as_image(image), "image"
    pixels, label = digit_image(digit, channel)
    return pixels, f"digit #{digit} (a {label}{', inverse' if channel == 'inverse' else ''})"


def window_figure(
    digit=0,
    *,
    channel="digit",
    kernel=2,
    stride=2,
    padding=0,
    dilation=1,
    ceil_mode=False,
    mode="max",
    image=None,
    presentation=None,
):
    """Static picture of :class:`WindowView`: every window on a digit and the pooled output.

    Parameters
    ----------
    digit : int, default 0
        Index of a bundled MNIST digit.
    channel : {'digit', 'inverse'}, default 'digit'
    kernel, stride, padding, dilation : int or (int, int)
        Pooling options, as for :func:`pooling_lib.pool_forward`. Options the
        library refuses are drawn as a message, not raised.
    ceil_mode : bool, default False
    mode : {'max', 'avg'}, default 'max'
    image : array_like, shape (h, w), optional
        Draw this instead of a digit.
    presentation : bool, optional
        Larger fonts and figure for a projector.

    Returns
    -------
    PoolingFigure
        A :class:`matplotlib.figure.Figure` that shows itself in Jupyter.

    Examples
    --------
    >>> window_figure(kernel=3, stride=2)
    <PoolingFigure size 960x528 with 3 Axes>
    """
    pixels, name = _digit_and_title(digit, channel, image)
    view = WindowView(presentation)
    view.update(pixels, kernel, stride, padding, dilation, ceil_mode, mode, subject=name)
    return view.figure


def max_mask_figure(
    digit=0,
    *,
    channel="digit",
    kernel=2,
    stride=2,
    padding=0,
    ties="first",
    image=None,
    presentation=None,
):
    """Static picture of :class:`MaxMaskView`: winners, ties and the gradient for ``dA = 1``.

    Parameters
    ----------
    digit : int, default 0
    channel : {'digit', 'inverse'}, default 'digit'
    kernel, stride, padding : int or (int, int)
    ties : {'first', 'all', 'split'}, default 'first'
    image : array_like, shape (h, w), optional
    presentation : bool, optional

    Returns
    -------
    PoolingFigure

    Examples
    --------
    >>> max_mask_figure(ties="split")
    <PoolingFigure size 920x528 with 4 Axes>
    """
    pixels, name = _digit_and_title(digit, channel, image)
    view = MaxMaskView(presentation)
    view.update(pixels, kernel, stride, padding, ties, subject=name)
    return view.figure


def gradient_figure(
    digit=0, *, kernel=3, stride=2, row=5, col=4, seed=0, image=None, presentation=None
):
    """Static picture of :class:`GradientView`: one cell's gradient under max and avg.

    Parameters
    ----------
    digit : int, default 0
    kernel, stride : int or (int, int), default 3 and 2
    row, col : int, default 5 and 4
        The output cell to follow.
    seed : int, default 0
        Seed of the random upstream gradient.
    image : array_like, shape (h, w), optional
    presentation : bool, optional

    Returns
    -------
    PoolingFigure

    Examples
    --------
    >>> gradient_figure()
    <PoolingFigure size 1000x656 with 10 Axes>
    """
    pixels, name = _digit_and_title(digit, "digit", image)
    view = GradientView(presentation)
    view.update(pixels, kernel, stride, (row, col), seed, subject=name)
    return view.figure


def pipeline_figure(
    digit=0,
    *,
    kernel_name="vertical edges",
    shift=(0, 1),
    pool=2,
    mode="max",
    image=None,
    presentation=None,
):
    """Static picture of :class:`PipelineView`: conv, ReLU, pooling and a shifted digit.

    Parameters
    ----------
    digit : int, default 0
    kernel_name : str, default 'vertical edges'
        One of :data:`PIPELINE_KERNELS`.
    shift : (int, int), default (0, 1)
        ``(down, right)`` in pixels.
    pool : int, default 2
    mode : {'max', 'avg'}, default 'max'
    image : array_like, shape (h, w), optional
    presentation : bool, optional

    Returns
    -------
    PoolingFigure

    Examples
    --------
    >>> pipeline_figure(kernel_name="blur")
    <PoolingFigure size 960x592 with 8 Axes>
    """
    pixels, name = _digit_and_title(digit, "digit", image)
    view = PipelineView(presentation)
    view.update(pixels, kernel_name, shift, pool, mode, subject=name)
    return view.figure


def animation_figure(
    digit=0, *, kernel=2, stride=2, mode="max", step=0, image=None, presentation=None
):
    """Static picture of :class:`AnimationView`: one step of the window's walk.

    Parameters
    ----------
    digit : int, default 0
    kernel, stride : int or (int, int)
    mode : {'max', 'avg'}, default 'max'
    step : int, default 0
        Which window, row-major from 0.
    image : array_like, shape (h, w), optional
    presentation : bool, optional

    Returns
    -------
    PoolingFigure

    Examples
    --------
    >>> animation_figure(step=20)
    <PoolingFigure size 880x472 with 3 Axes>
    """
    pixels, name = _digit_and_title(digit, "digit", image)
    view = AnimationView(presentation)
    view.update(pixels, kernel, stride, mode, step, subject=name)
    return view.figure


# Boxes on a grid take these colours in turn: Okabe-Ito, the blues last, as they sit on 'Blues'.
BOX_COLORS = (ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLUE)
_PANEL_INCHES = 2.8


def _fmt_grid_value(value):
    """Three significant digits, a true minus sign, and infinities as symbols."""
    if np.isnan(value):
        return "nan"
    if np.isinf(value):
        return "\N{MINUS SIGN}\N{INFINITY}" if value < 0 else "\N{INFINITY}"
    return f"{value + 0.0:.3g}".replace("-", "\N{MINUS SIGN}")


def _as_grids(grids, titles, boxes):
    """Validate grid_figure's arguments; returns float grids, titles and per-grid box lists."""
    arrays = as_2d_arrays(grids, "grids")
    titles = [""] * len(arrays) if titles is None else [str(title) for title in titles]
    if len(titles) != len(arrays):
        raise ValueError(f"titles must give one title per grid: {len(arrays)}, got {len(titles)}")
    boxes = [list(per_grid) for per_grid in boxes]
    if len(boxes) > len(arrays):
        raise ValueError(
            f"boxes must give at most one list of boxes per grid ({len(arrays)}), "
            f"got {len(boxes)} lists"
        )
    for k, per_grid in enumerate(boxes):
        for box in per_grid:
            if len(box) not in (4, 5):
                raise ValueError(
                    f"each box must be (row, col, height, width) or (row, col, height, width, "
                    f"colour), got {tuple(box)!r} in boxes[{k}]"
                )
    boxes += [[] for _ in range(len(arrays) - len(boxes))]
    return arrays, titles, boxes


def _grid_ticks(ax, n_rows, n_cols, fontsize):
    """Every row and column numbered on small grids; the first and last on large ones."""
    for n, set_ticks in ((n_cols, ax.set_xticks), (n_rows, ax.set_yticks)):
        ticks = range(n) if n <= 12 else sorted({0, n - 1})
        set_ticks(list(ticks))
    ax.tick_params(labelsize=fontsize, length=2, pad=2)


def grid_figure(grids, titles=None, boxes=(), values=True, cmap="Blues", *, presentation=None):
    """Small 2-D arrays side by side, each cell's value written in, boxes outlined on them.

    Each array gets a panel of the same size, however many cells it has, so
    that a pooled output sits beside its input at a glance. Each
    panel's colours run from its smallest to its largest value; with the
    values written in, only the light part of the colour map is used, so
    that the numbers and the boxes stand out. NaN and infinite cells are
    grey.

    Parameters
    ----------
    grids : sequence of array_like, each shape (h_k, w_k)
        The arrays, left to right. Sizes may differ.
    titles : sequence of str, optional
        One title per array.
    boxes : sequence of sequences of tuples, default ()
        ``boxes[k]`` lists the boxes outlined on ``grids[k]``, each
        ``(row, col, height, width)``: the cells ``row .. row+height-1`` by
        ``col .. col+width-1``. Boxes take :data:`BOX_COLORS` in turn, the
        same order on every array, so box ``n`` on an input and box ``n`` on
        its output match; a fifth entry ``(row, col, height, width, n)``
        picks colour ``n`` instead. Boxes are inset a little, by their
        colour number, so that overlapping ones stay apart. Arrays after the
        last list get no boxes.
    values : bool, default True
        Write each cell's value (3 significant digits). Cells too small to
        read, as on a 28 x 28 digit, get none anyway.
    cmap : str or matplotlib.colors.Colormap, default 'Blues'
        ``'gray'`` or ``'cividis'`` suit images.
    presentation : bool, optional
        Larger fonts and figure for a projector.

    Returns
    -------
    PoolingFigure
        One axes per array, in order. Each axes has ``pooling_labels``
        (:class:`CellLabels`, the numbers written) and ``pooling_boxes``
        (the box outlines, :class:`~matplotlib.patches.Rectangle`).

    Raises
    ------
    ValueError
        If an array is not 2-D, titles do not match the arrays, or a box is
        not 4 or 5 numbers.
    TypeError
        If ``grids`` is a single 2-D array rather than a list of them.

    Examples
    --------
    >>> grid = np.array([[1.0, 3.0, 2.0, 0.0], [4.0, 2.0, 1.0, 1.0]])
    >>> figure = grid_figure([grid, grid.reshape(2, 2, 2).max(axis=2)], ["input", "max"],
    ...                      boxes=[[(0, 0, 2, 2), (0, 2, 2, 2)], [(0, 0, 2, 1), (0, 1, 2, 1)]])
    >>> figure
    <PoolingFigure size 536x296 with 2 Axes>
    >>> figure.axes[1].pooling_labels.strings
    ['3', '2', '4', '1']
    """
    arrays, titles, boxes = _as_grids(grids, titles, boxes)
    style = _Style(presentation)
    cmap = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    cmap = cmap.with_extremes(bad="#d9d9d9")
    panel = _PANEL_INCHES * style.figure_scale
    sizes = [
        (panel * min(1.0, h / w), panel * min(1.0, w / h)) for h, w in (a.shape for a in arrays)
    ]
    left, gap, right = 0.5 * style.figure_scale, 0.45 * style.figure_scale, 0.15
    top, bottom = 0.4 * style.figure_scale, 0.5 * style.figure_scale
    width = left + sum(w for _, w in sizes) + gap * (len(arrays) - 1) + right
    height = top + max(h for h, _ in sizes) + bottom
    # Whole pixels, so the figure's size and its PNG's agree.
    width, height = round(width * DPI) / DPI, round(height * DPI) / DPI
    figure = PoolingFigure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    x = left
    for k, (grid, title, grid_boxes, (panel_h, panel_w)) in enumerate(
        zip(arrays, titles, boxes, sizes, strict=True)
    ):
        rect = [x / width, (height - top - panel_h) / height, panel_w / width, panel_h / height]
        x += panel_w + gap
        ax = figure.add_axes(rect)
        finite = grid[np.isfinite(grid)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        # With numbers written in, the colours stay in the map's light part, behind the text.
        vmax = high + 0.7 * (high - low) if values else high
        norm = mpl.colors.Normalize(low, vmax if vmax > low else low + 1.0)
        shown = np.where(np.isfinite(grid), grid, np.nan)
        ax.imshow(shown, cmap=cmap, norm=norm, interpolation="nearest", aspect="auto")
        ax.set_xlim(-0.5, grid.shape[1] - 0.5)
        ax.set_ylim(grid.shape[0] - 0.5, -0.5)
        ax.set_title(title, fontsize=style.font)
        _grid_ticks(ax, *grid.shape, style.small * 0.85)
        ax.set_xlabel("column", fontsize=style.small, labelpad=2)
        if k == 0:
            ax.set_ylabel("row", fontsize=style.small, labelpad=2)
        ax.pooling_labels = CellLabels(ax, style.font)
        if values:
            rows, cols = np.indices(grid.shape).reshape(2, -1)
            rgba = cmap(norm(shown[rows, cols]))
            luminance = rgba[:, :3] @ np.array([0.2126, 0.7152, 0.0722])
            colors = np.where(luminance[:, None] > 0.45, [[0, 0, 0, 1]], [[1, 1, 1, 1]])
            strings = [_fmt_grid_value(v) for v in grid[rows, cols]]
            ax.pooling_labels.show(strings, np.column_stack([cols, rows]), colors)
        ax.pooling_boxes = []
        for number, (row, col, box_h, box_w, *choice) in enumerate(grid_boxes):
            colour = int(choice[0]) if choice else number
            inset = 0.07 * (colour % 3)
            corner = (col - 0.5 + inset, row - 0.5 + inset)
            size = (box_w - 2 * inset, box_h - 2 * inset)
            line = 2.5 * style.line
            # A white halo under each outline keeps it visible on dark cells and on blue boxes.
            halo = Rectangle(corner, *size, fill=False, ec="white", lw=line + 2, zorder=7)
            box = Rectangle(
                corner,
                *size,
                fill=False,
                ec=BOX_COLORS[colour % len(BOX_COLORS)],
                lw=line,
                zorder=8,
            )
            for patch in (halo, box):
                # Not clipped: half of an outline along the border lies outside the axes.
                ax.add_patch(patch).set_clip_on(False)
            ax.pooling_boxes.append(box)
    return figure


# How a cell of one axis looks in axis_cells_figure: face colour and hatch.
AXIS_CELL_STYLES = {
    "input": ("white", ""),
    "padding": ("#d9d9d9", "//"),
    "overhang": ("#fdf0d5", ".."),
    "read by no window": ("#f6d3c3", "xx"),
}


def _axis_cases(n, kernel, stride, padding, dilation, ceil_mode):
    """The options of each axis drawn: lists are zipped, single values repeated."""
    options = {
        "n": n,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
    }
    lengths = {
        name: len(value) for name, value in options.items() if isinstance(value, list | tuple)
    }
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"options given as lists must all have the same length, one entry per axis drawn; "
            f"got lengths {lengths}"
        )
    rows = next(iter(lengths.values()), 1)
    if rows < 1:
        raise ValueError("options given as lists must have at least one entry, got empty lists")
    return [
        tuple(value[row] if name in lengths else value for name, value in options.items())
        for row in range(rows)
    ]


def _dropped_window(geometry):
    """Cells of the window ceil mode asks for but drops, along the columns, or None.

    Rounding up can ask for one window more than the geometry keeps: PyTorch
    drops it because it would start at or past the input's end
    (:meth:`PoolGeometry.dropped_window_start`). Its cells are laid out as
    every window's are.
    """
    start = geometry.dropped_window_start(1)
    if start is None:
        return None
    last = geometry.window_positions(1)[-1]
    return last - last[0] + start


def _axis_title(n, kernel, stride, padding, dilation, ceil_mode, windows):
    dilated = f", dilation {dilation}" if dilation != 1 else ""
    plural = "" if windows == 1 else "s"
    return (
        f"n = {n}, kernel {kernel}, stride {stride}, padding {padding}{dilated}, "
        f"ceil_mode={ceil_mode}: {windows} window{plural}"
    )


def _draw_axis_cells(ax, geometry, dropped, low, high, style):
    """The axis row (y = 0) and one row of cells per window below it."""
    n, pad = geometry.in_shape[1], geometry.padding[1]
    read = geometry.overlap_counts()[0] > 0
    ax.pooling_cells = {}
    for position in range(low, high + 1):
        if 0 <= position < n:
            kind = "input" if read[position] else "read by no window"
        else:
            kind = "padding" if -pad <= position < n + pad else "overhang"
        face, hatch = AXIS_CELL_STYLES[kind]
        ax.add_patch(
            Rectangle((position - 0.5, -0.5), 1, 1, fc=face, ec="black", hatch=hatch, lw=1)
        )
        ax.pooling_cells[position] = kind
        ax.text(
            position,
            0,
            str(position).replace("-", "\N{MINUS SIGN}"),
            ha="center",
            va="center",
            fontsize=style.small,
            color="black" if 0 <= position < n else "#595959",
            # A patch of plain colour behind the number, so that the hatching does not cross it.
            bbox={"fc": face, "ec": "none", "pad": 3} if hatch else None,
        )
    ax.text(low - 0.8, 0, "cells", ha="right", va="center", fontsize=style.small)
    # Each window's cells come from the geometry: where they fall, and which are input,
    # padding or overhang. Nothing here recomputes them.
    positions = geometry.window_positions(1)
    kinds = np.where(
        geometry.inside(1), "input", np.where(geometry.in_padding(1), "padding", "overhang")
    )
    ax.pooling_windows = []
    rows = [(positions[i], kinds[i], BOX_COLORS[i % len(BOX_COLORS)]) for i in range(len(kinds))]
    if dropped is not None:
        rows.append((dropped, None, GREY))
    for i, (cells, cell_kinds, colour) in enumerate(rows):
        y = -1.4 - 1.0 * i
        ax.plot([cells[0], cells[-1]], [y, y], color=colour, lw=2 * style.line, zorder=1)
        for t, position in enumerate(cells):
            kind = "dropped" if cell_kinds is None else str(cell_kinds[t])
            if kind == "dropped":
                face, hatch, edge, line = "white", "", GREY, ":"
            else:
                face, hatch = (colour, "") if kind == "input" else AXIS_CELL_STYLES[kind]
                edge, line = colour, "-"
            patch = Rectangle(
                (position - 0.4, y - 0.35),
                0.8,
                0.7,
                fc=face,
                ec=edge,
                hatch=hatch,
                lw=2 * style.line,
                ls=line,
                zorder=2,
            )
            ax.add_patch(patch)
        label = f"window {i}" if cell_kinds is not None else "dropped"
        ax.text(low - 0.8, y, label, ha="right", va="center", fontsize=style.small, color=colour)
        ax.pooling_windows.append(
            (label, [int(c) for c in cells], None if cell_kinds is None else cell_kinds.tolist())
        )
        if cell_kinds is None:
            ax.text(
                cells[-1] + 0.7,
                y,
                "it would start past the input",
                va="center",
                fontsize=style.small,
                color=GREY,
            )


def axis_cells_figure(
    n, kernel, stride, padding=0, dilation=1, ceil_mode=False, *, presentation=None
):
    """The cells of one axis and every window's cells below them: padding, overhang, drops.

    The top row is the axis: input cells numbered from 0, padding hatched
    grey, ceil-mode overhang dotted, input cells that no window reads
    cross-hatched. Below it, one row per window shows the cells that window
    reads (every ``dilation``-th cell of its span), in the window's colour
    where they are input, hatched where they are padding, dotted where they
    are overhang. In ceil mode, a last window that rounding up asks for but
    PyTorch drops, because it would start past the input (in the right
    padding or beyond), is drawn dotted grey.

    Where every window falls and which of its cells are input, padding or
    overhang come from :func:`pooling_lib.pool_geometry`
    (``window_positions``, ``inside``, ``in_padding``), drawn along the
    columns of a ``1 x n`` input.

    Parameters
    ----------
    n : int or list of int
        Number of input cells along the axis.
    kernel, stride : int or list of int
    padding : int or list of int, default 0
        At most ``kernel // 2``, as PyTorch requires.
    dilation : int or list of int, default 1
    ceil_mode : bool or list of bool, default False
    presentation : bool, optional
        Larger fonts and figure for a projector.

    Any option given as a list draws several axes, one below the other, one
    per entry, for comparison; the other options are the same for all.

    Returns
    -------
    PoolingFigure
        One axes per axis drawn, titled with its options and its number of
        windows. Each axes has ``pooling_cells`` (``{position: kind}`` for
        the top row) and ``pooling_windows`` (``(label, positions, kinds)``
        per window row, kinds None for a dropped window).

    Raises
    ------
    ValueError
        If lists of options differ in length, or
        :func:`pooling_lib.pool_geometry` refuses the options (its message
        gives them as ``(1, value)`` pairs: the axis drawn is the second).

    Examples
    --------
    >>> figure = axis_cells_figure(5, 2, 2, ceil_mode=[False, True])
    >>> figure
    <PoolingFigure size 481x358 with 2 Axes>
    >>> figure.axes[1].pooling_windows[-1]
    ('window 2', [4, 5], ['input', 'overhang'])
    """
    cases = _axis_cases(n, kernel, stride, padding, dilation, ceil_mode)
    style = _Style(presentation)
    drawn = []
    for n_, k, s, p, d, ceil in cases:
        geometry = pool_geometry((1, n_), (1, k), (1, s), (0, p), (1, d), ceil)
        dropped = _dropped_window(geometry)
        last = geometry.window_positions(1)[-1, -1] if dropped is None else dropped[-1]
        low = min(-p, int(geometry.window_positions(1)[0, 0]))
        high = max(n_ - 1 + p, int(last))
        rows = geometry.out_shape[1] + (dropped is not None)
        drawn.append(((n_, k, s, p, d, ceil), geometry, dropped, low, high, rows))
    low = min(case[3] for case in drawn)
    high = max(case[4] for case in drawn)
    # Room on the left for the row labels, on the right for the note on a dropped window.
    x0, x1 = low - 3.2, high + (7.5 if any(case[2] is not None for case in drawn) else 1.0)
    cell = 0.42 * style.figure_scale
    title_room, legend_room = 0.45 * style.figure_scale, 0.55 * style.figure_scale
    heights = [(1.1 + 1.0 * case[5]) * cell for case in drawn]
    width = round((x1 - x0) * cell * DPI) / DPI
    height = round((sum(heights) + title_room * len(drawn) + legend_room) * DPI) / DPI
    figure = PoolingFigure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    top = height
    for (options, geometry, dropped, case_low, case_high, rows), axes_height in zip(
        drawn, heights, strict=True
    ):
        top -= title_room
        ax = figure.add_axes([0, (top - axes_height) / height, 1, axes_height / height])
        top -= axes_height
        ax.set_xlim(x0, x1)
        ax.set_ylim(-0.9 - 1.0 * rows, 0.6)
        ax.set_axis_off()
        ax.set_title(_axis_title(*options, geometry.out_shape[1]), fontsize=style.font)
        _draw_axis_cells(ax, geometry, dropped, case_low, case_high, style)
    handles = [
        Patch(fc=face, ec="black", hatch=hatch, label=kind)
        for kind, (face, hatch) in AXIS_CELL_STYLES.items()
    ]
    handles.append(Patch(fc="white", ec=GREY, ls=":", lw=2, label="dropped window"))
    legend = figure.legend(
        handles=handles,
        loc="lower center",
        ncols=len(handles),
        fontsize=style.small,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.2,
    )
    # Widen the figure, not the cells, if a title or the legend needs more room.
    renderer = figure.canvas.get_renderer()
    texts = [legend, *(ax.title for ax in figure.axes)]
    needed = max(text.get_window_extent(renderer).width for text in texts) / DPI + 0.3
    if needed > width:
        extra = (needed - width) / cell / 2
        for ax in figure.axes:
            ax.set_xlim(x0 - extra, x1 + extra)
        figure.set_size_inches(round(needed * DPI) / DPI, height)
    return figure
