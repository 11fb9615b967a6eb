"""Pictures of notebook 10: adaptive windows on a digit, and what max unpooling puts back.

:class:`AdaptiveWindowView` is the picture behind
:func:`pooling_lib.modern_explorers.adaptive_explorer`: every adaptive window
outlined on the digit, one highlighted with its pooled value, and the
windows' row and column spans drawn as bars, so their sizes and their
overlaps show. :func:`unpool_figure` is the digit, its max pooling, the
unpooling (SegNet) and, for contrast, nearest-neighbour upsampling.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection

from ._checks import renamed_keyword
from .adaptive import adaptive_bounds, adaptive_pool_forward, max_unpool
from .charts import gallery_figure
from .pooling import max_pool_winners, pool_forward
from .render import View
from .style import BLUE, ORANGE, VERMILLION, format_number

__all__ = ["AdaptiveWindowView", "unpool_figure", "window_outlines"]


def window_outlines(in_shape, out_shape, inset=0.12):
    """The outline of every adaptive window, as line segments in pixel coordinates.

    Parameters
    ----------
    in_shape, out_shape : (int, int)
        Input and output (height, width).
    inset : float, default 0.12
        Each box is drawn this far inside its cells, so that neighbours that
        overlap by a cell show two lines, not one.

    Returns
    -------
    ndarray, shape (4 * h_out * w_out, 2, 2)
        Four segments ``[(x0, y0), (x1, y1)]`` per window, in row-major window order.

    Examples
    --------
    >>> window_outlines((4, 4), (1, 1), inset=0).shape
    (4, 2, 2)
    """
    row_starts, row_stops = adaptive_bounds(in_shape[0], out_shape[0])
    col_starts, col_stops = adaptive_bounds(in_shape[1], out_shape[1])
    top = np.repeat(row_starts - 0.5 + inset, out_shape[1])
    bottom = np.repeat(row_stops - 0.5 - inset, out_shape[1])
    left = np.tile(col_starts - 0.5 + inset, out_shape[0])
    right = np.tile(col_stops - 0.5 - inset, out_shape[0])
    corners = [
        ((left, top), (right, top)),
        ((right, top), (right, bottom)),
        ((right, bottom), (left, bottom)),
        ((left, bottom), (left, top)),
    ]
    segments = np.empty((len(top), 4, 2, 2))
    for side, ((x0, y0), (x1, y1)) in enumerate(corners):
        segments[:, side] = np.stack([np.stack([x0, y0], -1), np.stack([x1, y1], -1)], 1)
    return segments.reshape(-1, 2, 2)


class AdaptiveWindowView(View):
    """A digit with its adaptive windows, the pooled map, and the windows' spans as bars.

    Call :meth:`update` with an image and the output size; the artists change
    in place. Attributes a test reads: ``outlines`` (the window boxes),
    ``pooled`` (the output image), ``row_spans`` / ``col_spans`` (the bars)
    and ``caption`` (the window's rows, columns and value in words).
    """

    figsize = (11.0, 5.2)

    def __init__(self, presentation=None):
        super().__init__(presentation)
        style = self.style
        self.ax_input = self._image_axes([0.04, 0.2, 0.34, 0.68], "input: windows outlined")
        self.ax_output = self._image_axes([0.43, 0.2, 0.25, 0.68], "")
        self._float(self.ax_output)
        self.ax_rows = self.figure.add_axes([0.74, 0.58, 0.23, 0.3])
        self.ax_cols = self.figure.add_axes([0.74, 0.2, 0.23, 0.3])
        self._float(self.ax_rows, self.ax_cols)
        for ax in (self.ax_rows, self.ax_cols):
            ax.tick_params(labelleft=False, labelbottom=False, length=2)
        self.input_image = self._image(self.ax_input)
        self.pooled = self._image(self.ax_output)
        self.outlines = self._dynamic(
            LineCollection([], colors=ORANGE, linewidths=1.0 * style.line, zorder=5)
        )
        self.ax_input.add_collection(self.outlines)
        self.box = self._highlight(self.ax_input)
        self.cell_box = self._highlight(self.ax_output)
        self.row_spans = self._dynamic(LineCollection([], colors=BLUE, linewidths=3 * style.line))
        self.col_spans = self._dynamic(LineCollection([], colors=BLUE, linewidths=3 * style.line))
        self.row_pick = self._dynamic(LineCollection([], colors=VERMILLION, linewidths=4))
        self.col_pick = self._dynamic(LineCollection([], colors=VERMILLION, linewidths=4))
        self.ax_rows.add_collection(self.row_spans)
        self.ax_rows.add_collection(self.row_pick)
        self.ax_cols.add_collection(self.col_spans)
        self.ax_cols.add_collection(self.col_pick)
        self.rows_title = self._dynamic_title(self.ax_rows)
        self.cols_title = self._dynamic_title(self.ax_cols)
        self.caption = self._figure_text(0.04, 0.07, style.font, ha="left", va="center")

    def update(self, image, output_size, mode="max", row=0, col=0, subject=""):
        """Show ``image``, shape (h, w), pooled adaptively to ``output_size`` (h_out, w_out).

        ``row``, ``col`` pick the highlighted window; ``mode`` is 'max' or 'avg'.
        """
        image = np.asarray(image, dtype=float)
        h, w = image.shape
        h_out, w_out = output_size
        pooled = adaptive_pool_forward(image[None, :, :, None], (h_out, w_out), mode)[0, :, :, 0]
        row_starts, row_stops = adaptive_bounds(h, h_out)
        col_starts, col_stops = adaptive_bounds(w, w_out)
        self.input_image.set_data(image)
        self.input_image.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
        self.ax_input.set_xlim(-0.5, w - 0.5)
        self.ax_input.set_ylim(h - 0.5, -0.5)
        self.panel(self.ax_input).ticks.set(list(range(0, w, 5)), list(range(0, h, 5)))
        self.outlines.set_segments(window_outlines((h, w), (h_out, w_out)))
        self.pooled.set_data(pooled)
        self.pooled.set_extent((-0.5, w_out - 0.5, h_out - 0.5, -0.5))
        self.ax_output.set_xlim(-0.5, w_out - 0.5)
        self.ax_output.set_ylim(h_out - 0.5, -0.5)
        self.panel(self.ax_output).ticks.set(_ticks(w_out), _ticks(h_out))
        self.panel(self.ax_output).title.set_text(f"{mode} pooled: {h_out} x {w_out}")
        top, bottom = row_starts[row], row_stops[row]
        left, right = col_starts[col], col_stops[col]
        for patch in self.box:
            patch.set_bounds(left - 0.5, top - 0.5, right - left, bottom - top)
        for patch in self.cell_box:
            patch.set_bounds(col - 0.5, row - 0.5, 1, 1)
        self._spans(self.ax_rows, self.row_spans, self.row_pick, row_starts, row_stops, row, h)
        self._spans(self.ax_cols, self.col_spans, self.col_pick, col_starts, col_stops, col, w)
        self.rows_title.set_text(f"row windows: {_sizes(row_stops - row_starts)} cells")
        self.cols_title.set_text(f"column windows: {_sizes(col_stops - col_starts)} cells")
        self.caption.set_text(
            f"{subject}  window ({row}, {col}): rows {top} to {bottom - 1} = "
            f"floor({row}·{h}/{h_out}) to ceil({row + 1}·{h}/{h_out}) − 1, columns {left} to "
            f"{right - 1}; {mode} = {format_number(pooled[row, col])}"
        )
        return self

    @staticmethod
    def _spans(ax, spans, pick, starts, stops, chosen, n):
        """One horizontal bar per window, from its first cell to its last, window 0 on top."""
        k = len(starts)
        pairs = enumerate(zip(starts, stops, strict=True))
        segments = [[(start - 0.5, i), (stop - 0.5, i)] for i, (start, stop) in pairs]
        spans.set_segments(segments)
        pick.set_segments([segments[chosen]])
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(k - 0.5, -0.5)


def _ticks(n):
    """Tick positions for ``n`` cells: every cell when few, else about five."""
    return list(range(0, n, max(1, -(-n // 5))))


def _sizes(sizes):
    """Window sizes in words: '6, 7, 6, 7, 6' (or the distinct ones, for many windows)."""
    if len(sizes) <= 8:
        return ", ".join(str(int(s)) for s in sizes)
    return " or ".join(str(int(s)) for s in np.unique(sizes))


@renamed_keyword("kernel", "kernel_shape")
def unpool_figure(image, kernel_shape=2, presentation=None):
    """A digit, its max pooling, the unpooling of that, and nearest-neighbour upsampling.

    Parameters
    ----------
    image : array_like, shape (h, w)
        E.g. ``pooling_lib.plots.digit_image(0)[0]``.
    kernel_shape : int, default 2
        Max pooling's window and stride.
    presentation : bool, optional

    Returns
    -------
    PoolingFigure
        Four panels; the unpooled map is non-zero only where a window's
        maximum was, which is what SegNet's decoder upsamples with.

    Examples
    --------
    >>> figure = unpool_figure(np.eye(4))
    >>> len([ax for ax in figure.axes if ax.images])
    4
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (h, w), got shape {image.shape}; e.g. X[0]")
    kernel = kernel_shape
    A_prev = image[None, :, :, None]
    pooled = pool_forward(A_prev, kernel, kernel)
    unpooled = max_unpool(pooled, max_pool_winners(A_prev, kernel, kernel), image.shape)
    nearest = np.kron(pooled[0, :, :, 0], np.ones((kernel, kernel)))
    h, w = image.shape
    canvas = np.zeros((h, w))
    canvas[: nearest.shape[0], : nearest.shape[1]] = nearest
    h_out, w_out = pooled.shape[1:3]
    titles = [
        f"input {h} x {w}",
        f"max pooled {h_out} x {w_out}",
        "max unpooled: each max put back",
        "nearest upsampling, for contrast",
    ]
    panels = [image, pooled[0, :, :, 0], unpooled[0, :, :, 0], canvas]
    return gallery_figure(panels, titles, columns=4, cmap="cividis", presentation=presentation)
