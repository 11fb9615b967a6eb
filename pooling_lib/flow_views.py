"""The slider-driven views of what flows through pooling: gradients, a pipeline, a walk.

* :class:`GradientView`: where one output cell's gradient goes under max and
  under average pooling, and the whole ``dA_prev`` map.
* :class:`PipelineView`: convolution, ReLU and pooling on a shifted digit,
  and how much each map changes.
* :class:`AnimationView`: one step of the window walking across the digit.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection

from .captions import shift_caption
from .glyphs import GlyphText
from .maps import (
    PIPELINE_KERNELS,
    as_image,
    cell_squares,
    conv2d_valid,
    max_winners,
    pool_gradient,
    pool_image,
    relative_change,
    shift_image,
    window_boxes,
    window_grid,
    window_inside,
)
from .render import View
from .style import (
    DPI,
    GRADIENT_CMAP,
    IMAGE_CMAP,
    ORANGE,
    PROJECTOR_PICTURE,
    SKY,
    VERMILLION,
    format_number,
)
from .view_parts import (
    COUNT_CMAP,
    int_ticks,
    set_box,
    set_extent,
    set_limits,
    set_symmetric,
    show_zoom,
)

# Gradients show their sign, so that a cell that received nothing reads +0.00 apart
# from one that received a little; kernel weights are short.
_signed = functools.partial(format_number, spec="+.2f")
_kernel_weight = functools.partial(format_number, spec=".2g")


class GradientView(View):
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
    >>> from pooling_lib.plots import PoolRequest, digit_image
    >>> view = GradientView()
    >>> view.update(digit_image(0)[0], PoolRequest(kernel_shape=3, stride=2), cell=(6, 6), seed=0)
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
        self.panel(self.ax_gmax).title.set_text("max: the whole dA_prev")
        self.panel(self.ax_gavg).title.set_text("avg: the whole dA_prev")
        self.geometry = None
        self.cell = (0, 0)
        self.dA = np.zeros((0, 0))
        self.dA_prev_max = self.dA_prev_avg = np.zeros((0, 0))
        self.receivers_max = np.zeros((0, 2), dtype=int)
        self.receivers_avg = np.zeros((0, 2), dtype=int)
        self.overlap_counts = np.zeros((0, 0), dtype=int)

    def update(self, image, request, cell=(0, 0), seed=0, title=None, subject=None):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
        request : PoolRequest
            The pooling options (:class:`pooling_lib._checks.PoolRequest`):
            kernel_shape and stride; both modes are drawn.
        cell : (int, int)
            Output cell ``(row, col)`` whose gradient to follow; clipped into
            the output.
        seed : int
            Seed of the random upstream gradient ``dA`` (standard normal,
            rounded to 2 decimals so the numbers shown are exact).
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        detail = f", dA ~ N(0, 1) with seed {int(seed)}"
        image, options = self._start_update(image, request, title, subject, "max and avg", detail)
        h, w = image.shape
        for ax_image in (self.image_max, self.image_avg):
            ax_image.set_data(image)
            set_extent(ax_image, h, w)
        for ax in (self.ax_max, self.ax_avg, self.ax_gmax, self.ax_gavg, self.ax_overlap):
            set_limits(ax, 0, 0, h - 1, w - 1)
            int_ticks(self.panel(ax), h, w)
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
            artist.set_visible(options is not None)
        if options is None:
            self.dA_labels.clear()
            self.headline.set_text("")
            self.no_overlap.set_text("")
            for text in (self.max_title, self.avg_title, self.overlap_title):
                text.set_text("")
            return
        geometry = options.geometry
        h_out, w_out = geometry.out_shape
        i = int(np.clip(cell[0], 0, h_out - 1))
        j = int(np.clip(cell[1], 0, w_out - 1))
        self.cell = (i, j)
        dA = np.round(np.random.default_rng(int(seed)).standard_normal((h_out, w_out)), 2) + 0.0
        self.dA = dA
        self.dA_prev_max, self.dA_prev_avg = (
            pool_gradient(dA, image, geometry, mode) for mode in ("max", "avg")
        )
        rows, cols = geometry.window_positions(0), geometry.window_positions(1)
        cell_rows, cell_cols = window_grid(geometry, i, j)
        squares = cell_squares(cell_rows, cell_cols)
        self.window_max.set_verts(squares)
        self.window_avg.set_verts(squares)
        for boxes in (self._max_boxes, self._avg_boxes, self._gmax_boxes, self._gavg_boxes):
            for rect in boxes:
                set_box(rect, rows[i, 0], cols[j, 0], rows[i, -1], cols[j, -1])
        win_rows, win_cols, tie_counts, _ = max_winners(image, geometry)
        winner = (int(win_rows[i, j]), int(win_cols[i, j]))
        self.receivers_max = np.array([winner])
        self.max_winner.set_data([winner[1]], [winner[0]])
        inside = window_inside(geometry)[i, j].ravel()
        self.receivers_avg = np.column_stack([cell_rows[inside], cell_cols[inside]])
        self.avg_receivers.set_data(cell_cols[inside], cell_rows[inside])
        value = dA[i, j]
        # pool_backward's divisor: count_include_pad is True, its default.
        divisor = int(geometry.counted_cells(0, True)[i] * geometry.counted_cells(1, True)[j])
        receivers = len(self.receivers_avg)
        tie_note = f", the first of {tie_counts[i, j]} tied" if tie_counts[i, j] > 1 else ""
        self.headline.set_text(
            f"output cell ({i}, {j}): upstream gradient dA[{i}, {j}] = {_signed(value)}\n"
            f"max: all of it goes to pixel {winner}, the window's maximum "
            f"{image[winner]:.2f}{tie_note}.   avg: {_signed(value)} / {divisor} = "
            f"{_signed(value / divisor)} to each of its {receivers} pixels."
        )
        self.max_title.set_text(f"max: {_signed(value)} to one pixel")
        self.avg_title.set_text(f"avg: {_signed(value / divisor)} to each of {receivers}")
        self.dA_image.set_data(dA)
        set_extent(self.dA_image, h_out, w_out)
        set_limits(self.ax_dA, 0, 0, h_out - 1, w_out - 1)
        int_ticks(self.panel(self.ax_dA), h_out, w_out)
        set_symmetric(self, self.dA_image, dA)
        for rect in self._dA_boxes:
            set_box(rect, i, j, i, j)
        self.panel(self.ax_dA).title.set_text(f"upstream dA, {h_out} x {w_out}")
        if h_out * w_out <= 100:
            self.dA_labels.show_grid(dA, GRADIENT_CMAP, self.dA_image.norm, _signed)
        else:
            self.dA_labels.clear()
        for ax_image, grad in (
            (self.grad_max, self.dA_prev_max),
            (self.grad_avg, self.dA_prev_avg),
        ):
            ax_image.set_data(grad)
            set_extent(ax_image, h, w)
            set_symmetric(self, ax_image, grad)
        counts = geometry.overlap_counts()
        self.overlap_counts = counts
        overlapping = bool(counts.max() > 1)
        self.overlap.set_visible(overlapping)
        self.overlap_bar.ax.set_visible(overlapping)
        if overlapping:
            self.overlap.set_data(counts)
            set_extent(self.overlap, h, w)
            self.set_clim(self.overlap, 0, max(1, int(counts.max())))
            self.no_overlap.set_text("")
            self.overlap_title.set_text("windows reading each pixel")
        else:
            apart = all(s >= k for s, k in zip(geometry.stride, geometry.kernel_shape, strict=True))
            why = "stride >= kernel:\n" if apart else ""
            self.no_overlap.set_text(
                f"{why}windows do not overlap,\neach pixel gets gradient\nfrom at most one window"
            )
            self.overlap_title.set_text("no overlap")


class PipelineView(View):
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
    >>> from pooling_lib.plots import PoolRequest, digit_image
    >>> view = PipelineView()
    >>> request = PoolRequest(kernel_shape=2, stride=2)
    >>> view.update(digit_image(0)[0], request, kernel_name="vertical edges", shift=(0, 1))
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
            self.panel(ax).ticks.ylabel.set_text("")
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
        self.panel(self.ax_kernel).ticks.set([], [])
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
        self.bars, self.bar_labels = self._labelled_bars(
            self.ax_bar, [SKY, ORANGE], [None, "//"], style.font
        )
        self.ax_bar.set_ylim(0, 165)
        self.ax_bar.set_xlim(-0.6, 1.6)
        self.panel(self.ax_relu).title.set_text("ReLU")
        self.panel(self.ax_drelu).title.set_text("ReLU map: change")
        self.panel(self.ax_dpooled).title.set_text("pooled map: change")
        self.explanation = self._figure_text(0.045, 0.085, style.font, ha="left", va="top")
        self.changes = {}

    def update(self, image, request, kernel_name, shift, title=None, subject=None):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
            At least 3 x 3, the convolution kernel's size.
        request : PoolRequest
            The pooling options (:class:`pooling_lib._checks.PoolRequest`):
            mode, and an int kernel_shape that is the stride too
            (non-overlapping windows).
        kernel_name : str
            A key of :data:`PIPELINE_KERNELS`.
        shift : (int, int)
            Pixels to move the digit ``(down, right)``, zero-filled.
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        image = as_image(image)
        if kernel_name not in PIPELINE_KERNELS:
            raise ValueError(
                f"kernel_name must be one of {sorted(PIPELINE_KERNELS)}, got {kernel_name!r}"
            )
        down, right = (int(v) for v in shift)
        request.refuse_other_than(("kernel_shape", "stride", "mode"), "the pipeline")
        pool, mode = request.kernel_shape, request.mode
        if isinstance(pool, bool) or not isinstance(pool, numbers.Integral):
            raise TypeError(
                f"kernel_shape must be an int, the pool's window and stride, got {pool!r}"
            )
        if request.stride != pool:
            raise ValueError(
                f"stride must equal kernel_shape={pool} in the pipeline, which pools "
                f"side-by-side windows, got stride={request.stride!r}"
            )
        kernel = PIPELINE_KERNELS[kernel_name]
        if title is None:
            title = (
                f"conv ('{kernel_name}') \N{RIGHTWARDS ARROW} ReLU \N{RIGHTWARDS ARROW} "
                f"{mode} pool {pool} x {pool}, on the digit moved {down} down, "
                f"{right} right"
            )
        self._set_title(title, subject)
        shifted = shift_image(image, down, right)
        conv = conv2d_valid(shifted, kernel)
        relu0, relu = (np.maximum(conv2d_valid(image, kernel), 0.0), np.maximum(conv, 0.0))
        options = self._check_request(relu.shape, request)
        h, w = image.shape
        self.input.set_data(shifted)
        set_extent(self.input, h, w)
        self._ghost(image, down, right)
        self.input_title.set_text(f"digit moved ({down}, {right})")
        self.conv.set_data(conv)
        set_extent(self.conv, *conv.shape)
        set_symmetric(self, self.conv, conv)
        self.panel(self.ax_conv).title.set_text(f"conv {conv.shape[0]} x {conv.shape[1]}")
        top = max(float(relu0.max()), 1e-12)
        for ax_image, values in ((self.relu, relu), (self.relu_change, np.abs(relu - relu0))):
            ax_image.set_data(values)
            set_extent(ax_image, *values.shape)
            self.set_clim(ax_image, 0, top)
        self.kernel.set_data(kernel)
        set_extent(self.kernel, *kernel.shape)
        set_symmetric(self, self.kernel, kernel)
        set_limits(self.ax_kernel, 0, 0, kernel.shape[0] - 1, kernel.shape[1] - 1)
        self.kernel_labels.show_grid(kernel, GRADIENT_CMAP, self.kernel.norm, _kernel_weight)
        self.kernel_title.set_text(f"kernel: {kernel_name}")
        for ax, shape in (
            (self.ax_conv, conv.shape),
            (self.ax_relu, relu.shape),
            (self.ax_drelu, relu.shape),
            (self.ax_input, image.shape),
        ):
            set_limits(ax, 0, 0, shape[0] - 1, shape[1] - 1)
            int_ticks(self.panel(ax), *shape)
        pool_artists = (self.pooled, self.pooled_change, *self.bars, *self.bar_labels)
        for artist in pool_artists:
            artist.set_visible(options is not None)
        if options is None:
            self.changes = {}
            self.explanation.set_text("")
            self.pooled_title.set_text("")
            return
        pooled0, pooled = (pool_image(r, options.geometry, mode) for r in (relu0, relu))
        for ax_image, values in (
            (self.pooled, pooled),
            (self.pooled_change, np.abs(pooled - pooled0)),
        ):
            ax_image.set_data(values)
            set_extent(ax_image, *values.shape)
            self.set_clim(ax_image, 0, max(float(pooled0.max()), 1e-12))
        for ax in (self.ax_pooled, self.ax_dpooled):
            set_limits(ax, 0, 0, pooled.shape[0] - 1, pooled.shape[1] - 1)
            int_ticks(self.panel(ax), *pooled.shape)
        self.pooled_title.set_text(f"{mode} pool {pooled.shape[0]} x {pooled.shape[1]}")
        self.changes = {
            "relu": relative_change(relu, relu0),
            "pooled": relative_change(pooled, pooled0),
        }
        for k, key in enumerate(("relu", "pooled")):
            percent = 100 * self.changes[key]
            self.bars[k].set_height(min(percent, 150.0))
            self.bar_labels[k].set_position((k, min(percent, 150.0)))
            self.bar_labels[k].set_text(f"{percent:.0f}%")
        self.explanation.set_text(
            shift_caption(self.changes["relu"], self.changes["pooled"], (down, right), pool, mode)
        )

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


class AnimationView(View):
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
    >>> from pooling_lib.plots import PoolRequest, digit_image
    >>> view = AnimationView()
    >>> view.update(digit_image(0)[0], PoolRequest(kernel_shape=2, stride=2), step=15)
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
        self.panel(self.ax_zoom).ticks.set([], [])
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
        self.zoom_winner = self._winner_ring(self.ax_zoom)
        self.output = self._image(self.ax_out)
        self._out_boxes = self._highlight(self.ax_out)
        self.output_labels = self._labels(self.ax_out, style.font)
        self.caption = self._figure_text(0.5, 0.075, style.large, ha="center", va="center")
        self.steps = 0
        self.cell = (0, 0)
        self.value = float("nan")
        self.filled = np.zeros((0, 0))
        self.geometry = None

    def use_projector(self, width_px=PROJECTOR_PICTURE[0], height_px=PROJECTOR_PICTURE[1]):
        """As :meth:`View.use_projector`, with the window enlarged so its values stay written.

        Without titles and captions the picture needs no margins; the zoom
        grows to 200 pixels, which holds a 2 x 2 window's values at the
        projector's smallest text.
        """
        super().use_projector(width_px, height_px)
        # The answer to "what will this window give?": circled only once revealed.
        self.answers.append(self.zoom_winner)
        width, height = 720, 360
        self.figure.set_size_inches(width / DPI, height / DPI)
        for ax, (left, bottom, side) in (
            (self.ax_in, (8, 10, 340)),
            (self.ax_zoom, (368, 80, 200)),
            (self.ax_out, (588, 112, 128)),
        ):
            ax.set_position([left / width, bottom / height, side / width, side / height])

    def update(self, image, request, step=0, title=None, subject=None):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
        request : PoolRequest
            The pooling options (:class:`pooling_lib._checks.PoolRequest`):
            kernel_shape, stride and mode.
        step : int
            Which window, counting row-major from 0; clipped into range.
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        image, options = self._start_update(image, request, title, subject)
        h, w = image.shape
        self.image.set_data(image)
        set_extent(self.image, h, w)
        set_limits(self.ax_in, 0, 0, h - 1, w - 1)
        int_ticks(self.panel(self.ax_in), h, w)
        drawn = (self.windows, self.current_cells, *self._in_boxes, self.output, *self._out_boxes)
        for artist in drawn:
            artist.set_visible(options is not None)
        self.ax_zoom.set_visible(options is not None)
        if options is None:
            self.output_labels.clear()
            self.caption.set_text("")
            self.steps = 0
            return
        geometry, mode = options.geometry, options.mode
        h_out, w_out = geometry.out_shape
        self.steps = h_out * w_out
        step = int(np.clip(step, 0, self.steps - 1))
        i, j = divmod(step, w_out)
        self.cell = (i, j)
        rows, cols = geometry.window_positions(0), geometry.window_positions(1)
        self.windows.set_segments(window_boxes(geometry, inset=0.15))
        cell_rows, cell_cols = window_grid(geometry, i, j)
        self.current_cells.set_verts(cell_squares(cell_rows, cell_cols))
        for rect in self._in_boxes:
            set_box(rect, rows[i, 0], cols[j, 0], rows[i, -1], cols[j, -1])
        window = show_zoom(self, image, options, i, j)
        pooled = pool_image(image, geometry, mode)
        self.value = float(pooled[i, j])
        cells = window.compressed()
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
        set_extent(self.output, h_out, w_out)
        set_limits(self.ax_out, 0, 0, h_out - 1, w_out - 1)
        int_ticks(self.panel(self.ax_out), h_out, w_out)
        for rect in self._out_boxes:
            set_box(rect, i, j, i, j)
        if h_out * w_out <= 100:
            self.output_labels.show_grid(filled, IMAGE_CMAP, self.output.norm)
        else:
            self.output_labels.clear()
        self.out_title.set_text(f"output {h_out} x {w_out}, filled row by row")
        self.caption.set_text(
            f"step {step} of 0-{self.steps - 1}: output[{i}, {j}] = {sentence}  "
            f"(rows {rows[i, 0]}-{rows[i, -1]}, columns {cols[j, 0]}-{cols[j, -1]})"
        )
