"""Static pictures of small arrays, the ones the notebooks' worked examples call most.

* :func:`grid_figure`: small arrays side by side with their values written
  in and boxes (windows, output cells) outlined on them.
* :func:`axis_cells_figure`: the cells of one axis and the cells each window
  reads, marking padding, ceil-mode overhang and a window ceil mode drops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Patch, Rectangle

from ._checks import renamed_keyword
from .geometry import pool_geometry
from .glyphs import CellLabels
from .render import PoolingFigure, as_2d_arrays
from .style import (
    BLUE,
    DPI,
    GREEN,
    GREY,
    ORANGE,
    PURPLE,
    SKY,
    VERMILLION,
    Style,
    format_number,
    whole_pixels,
)

# Boxes on a grid take these colours in turn: Okabe-Ito, the blues last, as they sit on 'Blues'.
BOX_COLORS = (ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLUE)


_PANEL_INCHES = 2.8


@dataclass
class GridPanel:
    """What :func:`grid_figure` drew in one axes.

    Attributes
    ----------
    ax : matplotlib.axes.Axes
    labels : CellLabels
        The numbers written in the cells (``labels.strings``).
    boxes : list of matplotlib.patches.Rectangle
        The box outlines, in the order given.
    """

    ax: object
    labels: CellLabels
    boxes: list = field(default_factory=list)


@dataclass
class AxisPanel:
    """What :func:`axis_cells_figure` drew in one axes.

    Attributes
    ----------
    ax : matplotlib.axes.Axes
    cells : dict of int to str
        ``{position: kind}`` for the top row, kind one of
        :data:`AXIS_CELL_STYLES`.
    windows : list of (str, list of int, list of str or None)
        ``(label, positions, kinds)`` per window row; kinds is None for a
        window ceil mode drops.
    """

    ax: object
    cells: dict = field(default_factory=dict)
    windows: list = field(default_factory=list)


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
        One axes per array, in order; ``figure.panels`` holds one
        :class:`GridPanel` per array (the numbers written and the box
        outlines).

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
    >>> figure.panels[1].labels.strings
    ['3', '2', '4', '1']
    """
    arrays, titles, boxes = _as_grids(grids, titles, boxes)
    style = Style(presentation)
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
    width, height = whole_pixels(width), whole_pixels(height)
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
        drawn = GridPanel(ax, CellLabels(ax, style.font))
        figure.panels.append(drawn)
        if values:
            rows, cols = np.indices(grid.shape).reshape(2, -1)
            rgba = cmap(norm(shown[rows, cols]))
            luminance = rgba[:, :3] @ np.array([0.2126, 0.7152, 0.0722])
            colors = np.where(luminance[:, None] > 0.45, [[0, 0, 0, 1]], [[1, 1, 1, 1]])
            strings = [format_number(v, ".3g") for v in grid[rows, cols]]
            drawn.labels.show(strings, np.column_stack([cols, rows]), colors)
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
            drawn.boxes.append(box)
    return figure


# How a cell of one axis looks in axis_cells_figure: face colour and hatch.
AXIS_CELL_STYLES = {
    "input": ("white", ""),
    "padding": ("#d9d9d9", "//"),
    "overhang": ("#fdf0d5", ".."),
    "read by no window": ("#f6d3c3", "xx"),
}


def _axis_cases(n, kernel_shape, stride, padding, dilation, ceil_mode):
    """The options of each axis drawn: lists are zipped, single values repeated."""
    options = {
        "n": n,
        "kernel_shape": kernel_shape,
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
    """The axis row (y = 0) and one row of cells per window below it; returns an AxisPanel."""
    n, pad = geometry.in_shape[1], geometry.padding[1]
    read = geometry.overlap_counts()[0] > 0
    panel = AxisPanel(ax)
    for position in range(low, high + 1):
        if 0 <= position < n:
            kind = "input" if read[position] else "read by no window"
        else:
            kind = "padding" if -pad <= position < n + pad else "overhang"
        face, hatch = AXIS_CELL_STYLES[kind]
        ax.add_patch(
            Rectangle((position - 0.5, -0.5), 1, 1, fc=face, ec="black", hatch=hatch, lw=1)
        )
        panel.cells[position] = kind
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
        panel.windows.append(
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
    return panel


@renamed_keyword("kernel", "kernel_shape")
def axis_cells_figure(
    n, kernel_shape, stride, padding=0, dilation=1, ceil_mode=False, *, presentation=None
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
    kernel_shape, stride : int or list of int
    padding : int or list of int, default 0
        At most ``kernel_shape // 2``, as PyTorch requires.
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
        windows; ``figure.panels`` holds one :class:`AxisPanel` per axis
        (the kind of each cell of the top row, and the cells of each window).

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
    >>> figure.panels[1].windows[-1]
    ('window 2', [4, 5], ['input', 'overhang'])
    """
    cases = _axis_cases(n, kernel_shape, stride, padding, dilation, ceil_mode)
    style = Style(presentation)
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
    width = whole_pixels((x1 - x0) * cell)
    height = whole_pixels(sum(heights) + title_room * len(drawn) + legend_room)
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
        figure.panels.append(_draw_axis_cells(ax, geometry, dropped, case_low, case_high, style))
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
        figure.set_size_inches(whole_pixels(needed), height)
    return figure
