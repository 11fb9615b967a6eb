"""The slider-driven views of windows on a digit: :class:`WindowView` and :class:`MaxMaskView`.

* :class:`WindowView`: every window on a digit, the pooled output at the same
  pixel scale, the output-size formula, padding, ceil-mode overhang and what
  the floor drops.
* :class:`MaxMaskView`: which pixel wins each max window, which windows are
  ties, and the gradient under each tie policy.

Options the library refuses are drawn as a short message, never raised.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from .captions import (
    coverage,
    drawn_padding,
    output_size_formula,
)
from .geometry import check_bool
from .maps import (
    TIE_POLICIES,
    cell_squares,
    max_winners,
    pick_window,
    pool_gradient,
    pool_image,
    window_boxes,
    window_grid,
)
from .render import View
from .style import DPI, GREEN, GREY, ORANGE, PROJECTOR_PICTURE, SKY, VERMILLION, format_number
from .view_parts import (
    UNREAD_RGBA,
    int_ticks,
    set_box,
    set_extent,
    set_limits,
    set_symmetric,
    show_zoom,
)


class WindowView(View):
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
    >>> from pooling_lib.plots import PoolRequest, digit_image
    >>> view = WindowView()
    >>> image, _ = digit_image(0)
    >>> view.update(image, PoolRequest(kernel_shape=3, stride=2))
    >>> view.geometry.out_shape, len(view.windows.get_segments())
    ((13, 13), 169)
    >>> view.update(image, PoolRequest(kernel_shape=3, stride=2, padding=2))
    >>> view.message.splitlines()[0]
    'padding 2 is more than half the kernel (3 // 2 = 1)'
    """

    figsize = (12.0, 6.6)
    _top, _bottom, _right = 0.875, 0.25, 0.725

    def __init__(self, presentation=None, margin=None):
        super().__init__(presentation)
        self.margin = margin
        self._spacing = self.style.figure_scale
        style = self.style
        self.title = self._figure_text(0.5, 0.975, style.large, ha="center", va="top")
        self.ax_in = self._image_axes([0.06, self._bottom, 0.4, 0.5])
        self.ax_out = self._image_axes([0.5, self._bottom, 0.2, 0.3])
        self.ax_zoom = self._image_axes([0.79, 0.5, 0.175, 0.33], labels=False)
        self.panel(self.ax_zoom).ticks.set([], [])
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
        self.zoom_winner = self._winner_ring(self.ax_zoom)
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

    def update(self, image, request, title=None, subject=None):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
            The picture to pool, e.g. from :func:`digit_image`.
        request : PoolRequest
            The pooling options (:class:`pooling_lib._checks.PoolRequest`):
            kernel_shape, stride, padding, dilation, ceil_mode and mode.
        title : str, optional
            Written above the picture; by default the options.
        subject : str, optional
            What the picture shows, written before the title, e.g. 'digit #0 (a 0)'.
        """
        image, options = self._start_update(image, request, title, subject)
        h, w = image.shape
        kernel_shape, stride, padding, dilation = request.pairs()
        self.image.set_data(image)
        set_extent(self.image, h, w)
        ph, pw = drawn_padding(padding, (h, w))
        self.padding_patch.set_bounds(-pw - 0.5, -ph - 0.5, w + 2 * pw, h + 2 * ph)
        self.panel(self.ax_in).title.set_text(f"input {h} x {w}")
        lines = [
            output_size_formula(n, k, s, p, d, request.ceil_mode, name)
            for name, n, k, s, p, d in zip(
                "hw", (h, w), kernel_shape, stride, padding, dilation, strict=True
            )
        ]
        if options is None:
            self.formula.set_text("\n".join(lines))
            self._draw_refused(h, w, (ph, pw))
            return
        lines.append(coverage(options.geometry))
        self.formula.set_text("\n".join(lines))
        self._draw_windows(image, options)

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
        self.panel(self.ax_out).ticks.xlabel.set_text("column" if visible else "")
        self.panel(self.ax_out).ticks.ylabel.set_text("row" if visible else "")

    def _draw_refused(self, h, w, padding):
        ph, pw = padding
        self._set_drawn(False)
        self.highlighted = None
        self.pooled = np.zeros((0, 0))
        self.out_title.set_text("")
        top, left, bottom, right = self._input_limits(h, w, -ph, -pw, h - 1 + ph, w - 1 + pw)
        set_limits(self.ax_out, 0, 0, 7, 7)
        self.panel(self.ax_out).ticks.set([], [])
        int_ticks(self.panel(self.ax_in), h, w)
        self._place((bottom - top + 1, right - left + 1), (8, 8), (h, w))

    def _input_limits(self, h, w, top, left, bottom, right):
        """Show at least ``margin`` cells around the input, and set the input's limits."""
        if self.margin is not None:
            top, left = min(top, -self.margin), min(left, -self.margin)
            bottom, right = max(bottom, h - 1 + self.margin), max(right, w - 1 + self.margin)
        set_limits(self.ax_in, top, left, bottom, right)
        return top, left, bottom, right

    def _draw_windows(self, image, options):
        geometry, mode = options.geometry, options.mode
        h, w = geometry.in_shape
        h_out, w_out = geometry.out_shape
        rows, cols = geometry.window_positions(0), geometry.window_positions(1)
        ph, pw = geometry.padding
        self._set_drawn(True)
        self.windows.set_segments(window_boxes(geometry, inset=0.12))
        parity = (np.add.outer(np.arange(h_out), np.arange(w_out)) % 2).ravel()
        self.windows.set_color(
            np.where(parity[:, None] == 0, [[1, 1, 1, 1]], [[0.337, 0.706, 0.914, 1]])
        )
        self.windows.set_linewidth(self.style.line * (0.7 if h_out * w_out > 400 else 1.1))
        pooled = pool_image(image, geometry, mode)
        i, j = pick_window(pooled)
        self.highlighted = (i, j)
        cell_rows, cell_cols = window_grid(geometry, i, j)
        self.highlight_cells.set_verts(cell_squares(cell_rows, cell_cols))
        for rect in (self._highlight_halo, self.highlight_box):
            set_box(rect, rows[i, 0], cols[j, 0], rows[i, -1], cols[j, -1])
        unread = np.zeros((h, w, 4))
        unread[geometry.overlap_counts() == 0] = UNREAD_RGBA
        self.unread.set_data(unread)
        set_extent(self.unread, h, w)
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
        set_extent(self.output, h_out, w_out)
        for rect in (self._output_halo, self.output_box):
            set_box(rect, i, j, i, j)
        self.out_title.set_text(f"{mode}-pooled output {h_out} x {w_out}")
        top, left, bottom, right = self._input_limits(h, w, top, left, bottom, right)
        set_limits(self.ax_out, 0, 0, h_out - 1, w_out - 1)
        int_ticks(self.panel(self.ax_in), h, w)
        int_ticks(self.panel(self.ax_out), h_out, w_out)
        self._place((bottom - top + 1, right - left + 1), (h_out, w_out), (h, w))
        show_zoom(self, image, options, i, j)
        word = "max" if mode == "max" else "mean"
        self.zoom_title.set_text(f"window ({i}, {j}): {word} {format_number(pooled[i, j])}")

    def use_projector(self, width_px=PROJECTOR_PICTURE[0], height_px=PROJECTOR_PICTURE[1]):
        """As :meth:`View.use_projector`, with the digit and the window filling the picture.

        Without title, legend and formula (the page writes the formula) the
        digit and output take the full height, and the window grows to 200
        pixels, which holds a 2 x 2 window's values at the smallest text.
        """
        super().use_projector(width_px, height_px)
        width, height = width_px, 380
        self.figure.set_size_inches(width / DPI, height / DPI)
        self._top, self._bottom, self._right = 0.97, 0.06, 0.71
        # The largest digit now, rather than one that stays put for every option; the
        # input then moves with the options, so it is drawn with the dynamic part.
        self.margin, self._spacing = None, 0.3
        self._float(self.ax_in)
        self.ax_zoom.set_position([508 / width, 90 / height, 200 / width, 200 / height])

    def _place(self, span_in, span_out, in_shape):
        """Size both axes so that one input pixel is as large as one output cell.

        With a ``margin`` the scale allows for the widest output any
        options give (stride 1: the input plus one cell), so it does not
        change, and the input stays put, while the output grows and shrinks.
        """
        fig_w, fig_h = self.figure.get_size_inches()
        gap, margin = 0.9 * self._spacing, 0.7 * self._spacing
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


class MaxMaskView(View):
    """Which pixel wins each max window, which windows are ties, and where gradient goes.

    Drawn on the digit: every window's outline (``windows``); tied windows,
    whose maximum appears in more than one cell, shaded blue
    (``tied_windows``); a circle on the winner of every untied window
    (``clear_winners``) and a square on the cells of tied windows that get
    gradient under the chosen tie policy (``tied_winners``). Beside it: the
    gradient ``dA_prev`` for ``dA = 1`` everywhere (``gradient``), and a bar
    per policy counting the pixels that get gradient (``bars``).

    With ``show_gradient=False`` only the forward pass is drawn: winners,
    tied windows and every cell that holds a tied maximum, no gradient,
    colour bar or tie policy. It is the picture for a lesson that has not
    met the backward pass yet.

    Parameters
    ----------
    presentation : bool, optional
    show_gradient : bool, default True
        Draw the gradient panel, its colour bar and the per-policy bars.

    Attributes
    ----------
    winners : ndarray of int, shape (h_out * w_out, 2)
        ``(row, col)`` of each window's winner under ties='first' (PyTorch),
        row-major over the windows.
    tie_counts : ndarray of int, shape (h_out, w_out)
        How many cells of each window share its maximum.
    receivers : dict of str to int
        Pixels that get gradient under each policy; empty without the gradient.
    totals : dict of str to float
        Sum of ``dA_prev`` under each policy; empty without the gradient.
    dA_prev : ndarray, shape (h, w)
        The gradient drawn, under the chosen policy; shape (0, 0) without it.

    Examples
    --------
    >>> from pooling_lib.plots import PoolRequest, digit_image
    >>> view = MaxMaskView()
    >>> view.update(digit_image(0)[0], PoolRequest(kernel_shape=2, stride=2, ties="first"))
    >>> view.winners.shape, int((view.tie_counts > 1).sum())
    ((196, 2), 155)
    >>> view.receivers
    {'first': 196, 'all': 635, 'split': 635}
    >>> forward_only = MaxMaskView(show_gradient=False)
    >>> forward_only.update(digit_image(0)[0], PoolRequest(kernel_shape=2, stride=2))
    >>> forward_only.receivers, len(forward_only.figure.axes)
    ({}, 1)
    """

    figsize = (11.5, 6.6)

    def __init__(self, presentation=None, show_gradient=True):
        self.show_gradient = check_bool(show_gradient, "show_gradient")
        if not show_gradient:
            # One panel instead of three: a narrower figure keeps the digit as large.
            self.figsize = (7.0, 6.6)
        super().__init__(presentation)
        style = self.style
        self.title = self._figure_text(0.5, 0.975, style.large, ha="center", va="top")
        if show_gradient:
            self.ax_in = self._image_axes([0.055, 0.29, 0.33, 0.58], "who wins each window")
        else:
            self.ax_in = self._image_axes([0.2, 0.29, 0.545, 0.58], "who wins each window")
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
                label="unique maximum: gets dA" if show_gradient else "unique maximum",
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
                label=(
                    "tied maximum that gets dA under this policy"
                    if show_gradient
                    else "tied maximum: the value is in several cells"
                ),
            )
        )
        self.winners = np.zeros((0, 2), dtype=int)
        self.tie_counts = np.zeros((0, 0), dtype=int)
        self.receivers = {}
        self.totals = {}
        self.dA_prev = np.zeros((0, 0))
        self.geometry = None
        legend_handles = [
            self.clear_winners,
            self.tied_winners,
            Patch(fc=(0.337, 0.706, 0.914, 0.35), ec="none", label="tied window"),
        ]
        if not show_gradient:
            self.legend = self._legend_image(legend_handles, (0.03, 0.2), ncols=2)
            self.summary = self._figure_text(0.03, 0.1, style.small, ha="left", va="top")
            self.bars, self.bar_labels = (), []
            return
        self.ax_grad = self._image_axes([0.455, 0.29, 0.29, 0.58], "gradient for dA = 1")
        self.ax_bar = self._bar_axes(
            [0.865, 0.35, 0.12, 0.52], "pixels that\nget gradient", TIE_POLICIES, "ties ="
        )
        self.gradient = self._diverging(self.ax_grad)
        self.colorbar = self._colorbar(self.gradient, [0.755, 0.29, 0.012, 0.58], "dA_prev")
        self._float(self.colorbar.ax)
        self.bars, self.bar_labels = self._labelled_bars(
            self.ax_bar, [VERMILLION, SKY, GREEN], ["", "//", ".."], style.small
        )
        self.legend = self._legend_image(legend_handles, (0.03, 0.2), ncols=3)
        self.summary = self._figure_text(0.03, 0.13, style.small, ha="left", va="top")

    def update(self, image, request, title=None, subject=None):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
        request : PoolRequest
            The pooling options (:class:`pooling_lib._checks.PoolRequest`):
            kernel_shape, stride, padding and ties, for max pooling.
            ``ties`` is the tie policy of :func:`pooling_lib.pool_backward`
            to show; without the gradient, every tied cell is marked whatever
            the policy.
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        ties = request.ties
        detail = f", ties='{ties}'" if self.show_gradient else ""
        image, options = self._start_update(image, request, title, subject, "max", detail)
        h, w = image.shape
        self.image.set_data(image)
        set_extent(self.image, h, w)
        ph, pw = drawn_padding(request.pairs()[2], (h, w))
        set_limits(self.ax_in, -ph, -pw, h - 1 + ph, w - 1 + pw)
        int_ticks(self.panel(self.ax_in), h, w)
        drawn = (
            self.windows,
            self.tied_windows,
            self.clear_winners,
            self.tied_winners,
            *self.bars,
            *self.bar_labels,
        )
        if self.show_gradient:
            set_limits(self.ax_grad, 0, 0, h - 1, w - 1)
            int_ticks(self.panel(self.ax_grad), h, w)
            drawn += (self.gradient,)
        for artist in drawn:
            artist.set_visible(options is not None)
        if options is None:
            self.winners = np.zeros((0, 2), dtype=int)
            self.tie_counts = np.zeros((0, 0), dtype=int)
            self.receivers, self.totals = {}, {}
            self.dA_prev = np.zeros((0, 0))
            self.summary.set_text("")
            return
        geometry = options.geometry
        win_rows, win_cols, tie_counts, tied = max_winners(image, geometry)
        self.winners = np.column_stack([win_rows.ravel(), win_cols.ravel()])
        self.tie_counts = tie_counts
        is_tied = tie_counts > 1
        boxes = window_boxes(geometry, inset=0.1)
        self.windows.set_segments(boxes)
        self.tied_windows.set_verts(boxes[is_tied.ravel(), :4])
        clear = tie_counts == 1
        self.clear_winners.set_data(win_cols[clear], win_rows[clear])
        if ties == "first" and self.show_gradient:
            tied_rows, tied_cols = win_rows[is_tied], win_cols[is_tied]
        else:
            rows, cols = geometry.window_positions(0), geometry.window_positions(1)
            i, j, t, u = np.nonzero(tied & is_tied[:, :, None, None])
            tied_rows, tied_cols = rows[i, t], cols[j, u]
        self.tied_winners.set_data(tied_cols, tied_rows)
        n_windows = tie_counts.size
        n_tied = int(is_tied.sum())
        tied_text = (
            f"{n_windows} windows, {n_tied} tied ({100 * n_tied / n_windows:.0f}%): their maximum "
            "is in more than one cell, mostly the flat background."
        )
        if not self.show_gradient:
            self.summary.set_text(
                f"{tied_text}\nA tie does not change the output: every tied cell holds the "
                "same maximum."
            )
            return
        dA = np.ones(geometry.out_shape)
        gradients = {
            policy: pool_gradient(dA, image, geometry, "max", policy) for policy in TIE_POLICIES
        }
        self.receivers = {p: int(np.count_nonzero(g)) for p, g in gradients.items()}
        self.totals = {p: float(g.sum()) for p, g in gradients.items()}
        self.dA_prev = gradients[ties]
        self.gradient.set_data(self.dA_prev)
        set_extent(self.gradient, h, w)
        # One colour scale for all three policies, so switching policy compares like with like.
        set_symmetric(
            self, self.gradient, np.array([max(g.max() for g in gradients.values()), 1.0])
        )
        for k, policy in enumerate(TIE_POLICIES):
            bar = self.bars[k]
            bar.set_height(self.receivers[policy])
            selected = policy == ties
            bar.set_alpha(1.0 if selected else 0.35)
            bar.set_linewidth(2.5 if selected else 0.5)
            self.bar_labels[k].set_position((k, self.receivers[policy]))
            self.bar_labels[k].set_text(str(self.receivers[policy]))
        self.ax_bar.set_ylim(0, h * w * 1.12)
        explain = {
            "first": "the first maximum in row-major order takes each window's dA (PyTorch)",
            "all": "every tied cell takes the whole dA, so the total exceeds the windows'",
            "split": "tied cells share dA equally, so the total equals the windows'",
        }[ties]
        if self.projector:
            # Written beside the picture in large type: the counts, not the explanation.
            self.summary.set_text(
                f"{n_tied} of {n_windows} windows tied ({100 * n_tied / n_windows:.0f}%), "
                f"mostly flat background.\n{self.receivers[ties]} pixels get gradient; "
                f"dA_prev sums to {self.totals[ties]:g} (first {self.totals['first']:g}, "
                f"all {self.totals['all']:g}, split {self.totals['split']:g})."
            )
            return
        self.summary.set_text(
            f"{tied_text}\n"
            f"ties='{ties}': {explain}.\n"
            f"{self.receivers[ties]} pixels get gradient; sum of dA_prev = "
            f"{self.totals[ties]:g} for {n_windows} windows "
            f"(first {self.totals['first']:g}, all {self.totals['all']:g}, "
            f"split {self.totals['split']:g})."
        )
