"""Text drawn as glyph outlines: fast to fill, the same pixels on every run.

Matplotlib renders a ``Text`` through its font machinery on every draw, which
costs a slider update more than everything else it draws. Here each
character's outline is made once and cached; a line of text is those
outlines set side by side, drawn as one path.

* :class:`GlyphText`, one piece of text as a patch;
* :class:`CellLabels`, a number written in each cell of an image axes, dark
  or light against the cell's colour;
* :class:`AxisText` and :class:`ColorbarText`, the tick labels of the views'
  axes and colour bars, in glyphs too.
"""

from __future__ import annotations

import functools
import textwrap

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.textpath import TextPath, text_to_path
from matplotlib.transforms import Affine2D, ScaledTranslation, blended_transform_factory

from .style import format_number


def wrap(text, width):
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


@functools.cache
def _char_outline(char, family):
    """One character's outline at size 1 and its advance, from a size-100 font for precision."""
    prop = FontProperties(family=family, size=100)

    def width(text):
        return text_to_path.get_text_width_height_descent(text, prop, False)[0]

    # Between two x's, so that a space (no ink of its own) has its width too.
    advance = width(f"x{char}x") - width("xx")
    if char.isspace():
        return np.zeros((0, 2)), np.zeros(0, dtype=Path.code_type), advance / 100
    outline = TextPath((0, 0), char, prop=prop)
    return outline.vertices / 100, outline.codes, advance / 100


@functools.lru_cache(maxsize=4096)
def _line_outline(line, family):
    """Glyph outlines of one line at size 1, set by advance widths, and its width.

    Building a line from cached characters takes microseconds where
    ``TextPath`` takes milliseconds; it leaves out kerning, which at these
    sizes moves a letter by a fraction of a pixel.

    Returns
    -------
    vertices : ndarray, shape (n, 2)
    codes : ndarray, shape (n,)
    width : float
    """
    vertices, codes, x = [], [], 0.0
    for char in line:
        char_vertices, char_codes, advance = _char_outline(char, family)
        if len(char_vertices):
            vertices.append(char_vertices + [x, 0.0])
            codes.append(char_codes)
        x += advance
    if not vertices:
        return np.zeros((0, 2)), np.zeros(0, dtype=Path.code_type), x
    return np.concatenate(vertices), np.concatenate(codes), x


class GlyphText(PathPatch):
    """Text drawn as glyph outlines: looks like matplotlib's ``Text``, draws far faster.

    ``Text`` rasterises every glyph through FreeType on each draw, about
    5 ms for a 70-character line; the same outlines filled as one path take
    about 0.1 ms. The outlines of each string are built once and kept, so
    text that changes with a slider costs almost nothing to redraw.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    x, y : float
        Anchor point, in ``anchor`` coordinates.
    anchor : matplotlib.transforms.Transform
        ``figure.transFigure``, ``ax.transAxes`` or ``ax.transData``.
    fontsize : float
        In points.
    ha : {'left', 'center', 'right'}, default 'left'
        Horizontal alignment of each line, in the text's own direction.
    va : {'baseline', 'top', 'center', 'bottom'}, default 'baseline'
        Vertical alignment of the block of lines.
    offset : (float, float), default (0, 0)
        Shift from the anchor, in points.
    rotation : {0, 90}, default 0
        90 reads upwards, as a y-axis label.
    family : str, default 'DejaVu Sans'
    color : color, default 'black'
    """

    def __init__(
        self,
        figure,
        x,
        y,
        anchor,
        fontsize,
        ha="left",
        va="baseline",
        offset=(0, 0),
        rotation=0,
        family="DejaVu Sans",
        color="black",
        zorder=3,
    ):
        super().__init__(
            Path(np.zeros((1, 2))), facecolor=color, edgecolor="none", lw=0, zorder=zorder
        )
        self.set_clip_on(False)
        self._prop = FontProperties(family=family, size=fontsize)
        self._family = family
        self._align = (ha, va)
        self._offset = offset
        self._rotation = rotation
        self._anchor = anchor
        self._dpi_scale = figure.dpi_scale_trans
        self._paths = {}
        self._text = ""
        self.set_position((x, y))

    def set_offset(self, offset):
        """Shift from the anchor, in points."""
        self._offset = (float(offset[0]), float(offset[1]))
        self.set_position(self._xy)

    def set_position(self, xy):
        """Move the anchor point to ``xy``, in anchor coordinates."""
        self._xy = (float(xy[0]), float(xy[1]))
        placement = Affine2D().rotate_deg(self._rotation).translate(*self._offset).scale(1 / 72)
        self.set_transform(placement + self._dpi_scale + ScaledTranslation(*self._xy, self._anchor))

    def get_position(self):
        return self._xy

    def get_text(self):
        return self._text

    def get_fontsize(self):
        """The font size, in points."""
        return self._prop.get_size_in_points()

    def set_text(self, text):
        """Show ``text``; its outlines are built when it is first drawn."""
        self._text = str(text)

    def _outline(self, text):
        """All lines' glyph outlines, aligned about (0, 0), in points."""
        size = self._prop.get_size_in_points()
        _, height, descent = text_to_path.get_text_width_height_descent("lp", self._prop, False)
        ascent, step = height - descent, 1.3 * size
        lines = text.split("\n")
        ha, va = self._align
        first_baseline = {
            "baseline": 0.0,
            "top": -ascent,
            "bottom": (len(lines) - 1) * step + descent,
            "center": ((len(lines) - 1) * step + descent - ascent) / 2,
        }[va]
        pieces = []
        for number, line in enumerate(lines):
            if not line:
                continue
            vertices, codes, width = _line_outline(line, self._family)
            if not len(vertices):
                continue
            shift = {"left": 0.0, "center": -width * size / 2, "right": -width * size}[ha]
            pieces.append(Path(vertices * size + [shift, first_baseline - number * step], codes))
        return Path.make_compound_path(*pieces) if pieces else Path(np.zeros((1, 2)))

    def draw(self, renderer):
        if not self._text.strip():
            return
        path = self._paths.get(self._text)
        if path is None:
            path = self._outline(self._text)
            if len(self._paths) > 256:
                self._paths.clear()
            self._paths[self._text] = path
        self.set_path(path)
        super().draw(renderer)


class AxisText:
    """Tick labels and axis labels of one axes, drawn as :class:`GlyphText`."""

    _pad = 5.0

    def __init__(self, view, ax, xlabel, ylabel):
        self.view = view
        self.ax = ax
        self.size = view.style.small
        self._x_anchor = blended_transform_factory(ax.transData, ax.transAxes)
        self._y_anchor = blended_transform_factory(ax.transAxes, ax.transData)
        self.x_labels = []
        self.y_labels = []
        self.xlabel = self.ylabel = None
        if xlabel:
            self.xlabel = self._text(
                0.5,
                0.0,
                ax.transAxes,
                ha="center",
                va="top",
                offset=(0, -(self._pad + 1.3 * self.size)),
            )
            self.xlabel.set_text(xlabel)
        if ylabel:
            self.ylabel = self._text(0.0, 0.5, ax.transAxes, ha="center", va="bottom", rotation=90)
            self.ylabel.set_text(ylabel)

    def _text(self, x, y, anchor, **kwargs):
        text = GlyphText(self.view.figure, x, y, anchor, self.size, **kwargs)
        self.ax.add_artist(text)
        text.set_clip_on(False)
        return text

    def set(self, xticks, yticks, xlabels=None, ylabels=None):
        """Put ticks at ``xticks``/``yticks`` (data units), labelled with the numbers or labels."""
        if list(self.ax.get_xticks()) != list(xticks):
            self.ax.set_xticks(xticks)
        if list(self.ax.get_yticks()) != list(yticks):
            self.ax.set_yticks(yticks)
        xlabels = xlabels or [f"{v:g}" for v in xticks]
        ylabels = ylabels or [f"{v:g}" for v in yticks]
        self._fill(
            self.x_labels,
            [(x, 0) for x in xticks],
            xlabels,
            lambda: self._text(0, 0, self._x_anchor, ha="center", va="top", offset=(0, -self._pad)),
        )
        self._fill(
            self.y_labels,
            [(0, y) for y in yticks],
            ylabels,
            lambda: self._text(
                0, 0, self._y_anchor, ha="right", va="center", offset=(-self._pad, 0)
            ),
        )
        if self.ylabel is not None:
            widest = max((len(label) for label in ylabels), default=0)
            self.ylabel.set_offset((-(self._pad + 0.62 * self.size * widest + 3), 0))

    @staticmethod
    def _fill(pool, positions, labels, make):
        while len(pool) < len(positions):
            pool.append(make())
        for k, text in enumerate(pool):
            if k < len(positions):
                text.set_position(positions[k])
                text.set_text(labels[k])
            else:
                text.set_text("")


class ColorbarText:
    """A colour bar's tick labels and label, drawn as :class:`GlyphText`."""

    def __init__(self, view, bar, label):
        self.bar = bar
        self.size = view.style.small
        self.view = view
        self.tick_labels = []
        self.label = self._text(0.5, ha="center", va="top", rotation=90)
        self.label.set_text(label)
        self._shown = None
        # Set when the image's colour limits change without the bar: it follows at the next draw.
        self.stale = False

    def _text(self, y, **kwargs):
        text = GlyphText(self.view.figure, 1.0, y, self.bar.ax.transAxes, self.size, **kwargs)
        self.bar.ax.add_artist(text)
        text.set_clip_on(False)
        return text

    def refresh(self):
        """Bring the colour bar up to its image's limits, and relabel its ticks."""
        mappable = self.bar.mappable
        if self.stale:
            self.bar.update_normal(mappable)
            self.stale = False
        low, high = self.bar.vmin, self.bar.vmax
        ticks = [t for t in self.bar.get_ticks() if low - 1e-9 <= t <= high + 1e-9]
        if (ticks, low, high) == self._shown:
            return
        self._shown = (ticks, low, high)
        labels = [f"{t:g}".replace("-", "\N{MINUS SIGN}") for t in ticks]
        while len(self.tick_labels) < len(ticks):
            self.tick_labels.append(self._text(0.0, ha="left", va="center", offset=(4, 0)))
        # Colour bars of a TwoSlopeNorm have a non-linear data scale: place the labels in
        # axes fractions, found through that scale.
        to_axes = self.bar.ax.transAxes.inverted()
        for k, text in enumerate(self.tick_labels):
            text.set_text(labels[k] if k < len(ticks) else "")
            if k < len(ticks):
                y = to_axes.transform(self.bar.ax.transData.transform((0.0, ticks[k])))[1]
                text.set_position((1.0, y))
        widest = max((len(label) for label in labels), default=0)
        self.label.set_offset((4 + 0.62 * self.size * widest + 4, 0))


class CellLabels:
    """Numbers written in grid cells, all drawn as one PathCollection.

    A hundred matplotlib ``Text`` artists take about 50 ms to draw; the same
    strings as glyph outlines in one collection take about 2 ms, which keeps
    a slider instant while every cell shows its value. The font shrinks to
    fit the cells; below 5 points nothing is written, since it could not be
    read.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes whose data coordinates put cell ``(row, col)`` at ``x=col, y=row``.
    fontsize : float
        Largest font size, in points.

    Attributes
    ----------
    strings : list of str
        What is written, one per cell, in the order given to :meth:`show`.
    positions : ndarray, shape (n, 2)
        ``(x, y)`` data coordinates of each string's centre.
    fontsize : float
        Size of the strings last written, in points.
    collection : matplotlib.collections.PathCollection
    """

    min_fontsize = 5.0

    def __init__(self, ax, fontsize, zorder=6):
        self.ax = ax
        self.max_fontsize = fontsize
        self.fontsize = fontsize
        self._prop = FontProperties(family="DejaVu Sans")
        self._glyphs = {}
        digit = TextPath((0, 0), "0", size=1, prop=self._prop).get_extents()
        self._middle = (digit.y0 + digit.y1) / 2
        self.collection = PathCollection(
            [],
            offsets=np.zeros((0, 2)),
            offset_transform=ax.transData,
            edgecolors="none",
            zorder=zorder,
        )
        self._scale = Affine2D()
        # Glyphs are stored at size 1 and scaled here, from points to pixels.
        self.collection.set_transform(self._scale + ax.figure.dpi_scale_trans)
        ax.add_collection(self.collection, autolim=False)
        self.strings = []
        self.positions = np.zeros((0, 2))

    def _glyph(self, text):
        """Outline of ``text`` at size 1, centred on its middle, and its width."""
        entry = self._glyphs.get(text)
        if entry is None:
            vertices, codes, width = _line_outline(text, "DejaVu Sans")
            centred = Path(vertices - [width / 2, self._middle], codes)
            entry = (centred, width)
            if len(self._glyphs) > 4096:
                self._glyphs.clear()
            self._glyphs[text] = entry
        return entry

    def fit(self, strings):
        """Largest font size (up to the maximum) at which every string fits its cell."""
        cell_w, cell_h = _cell_size(self.ax)
        widest = max((self._glyph(s)[1] for s in strings), default=1.0)
        return min(self.max_fontsize, 0.8 * cell_w / max(widest, 0.5), 0.55 * cell_h)

    def show(self, strings, positions, colors):
        """Write ``strings[k]`` centred at ``positions[k]`` in ``colors[k]``, if legible.

        Returns
        -------
        bool
            False, and nothing written, when the cells are too small to read.
        """
        strings = list(strings)
        fontsize = self.fit(strings)
        if fontsize < self.min_fontsize or not strings:
            strings, positions, colors = [], np.zeros((0, 2)), ["black"]
        self.strings = strings
        self.fontsize = fontsize
        self.positions = np.asarray(positions, dtype=float).reshape(-1, 2)
        self._scale.clear().scale(fontsize / 72)
        self.collection.set_paths([self._glyph(s)[0] for s in strings])
        self.collection.set_offsets(self.positions)
        self.collection.set_facecolor(colors)
        return bool(strings)

    def show_grid(self, values, cmap, norm, format=None, nan_text=None, masked_text=None):
        """Write every value of a 2-D array in its cell, dark or light against its colour.

        ``format`` turns a value into a string (default 2 decimals). NaN
        cells get ``nan_text`` and, in a masked array, masked cells get
        ``masked_text``; either is left blank when None.
        """
        format = format or format_number
        masked = np.ma.getmaskarray(values)
        values = np.asarray(np.ma.getdata(values), dtype=float)
        nan = np.isnan(values) & ~masked
        blank = np.zeros(values.shape, dtype=bool)
        if masked_text is None:
            blank |= masked
        if nan_text is None:
            blank |= nan
        rows, cols = np.nonzero(~blank)
        cell_values, cell_masked = values[rows, cols], masked[rows, cols]
        shown = np.where(np.isfinite(cell_values), cell_values, norm.vmin)
        rgba = cmap(norm(shown))
        rgba[np.isnan(cell_values) | cell_masked] = cmap.get_bad()
        luminance = rgba[:, :3] @ np.array([0.2126, 0.7152, 0.0722])
        colors = np.where(luminance[:, None] > 0.45, [[0, 0, 0, 1]], [[1, 1, 1, 1]])
        strings = [
            masked_text if is_masked else nan_text if np.isnan(value) else format(value)
            for value, is_masked in zip(cell_values, cell_masked, strict=True)
        ]
        return self.show(strings, np.column_stack([cols, rows]), colors)

    def clear(self):
        """Write nothing."""
        self.show([], np.zeros((0, 2)), [])


def _cell_size(ax):
    """Width and height in points of one data unit (one cell) of an image axes."""
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return (
        box.width * fig_w * 72 / max(abs(x1 - x0), 1e-9),
        box.height * fig_h * 72 / max(abs(y1 - y0), 1e-9),
    )


def cell_points(ax):
    return min(_cell_size(ax))


def fixed_labels(axis):
    return tuple(getattr(axis.get_major_formatter(), "seq", ()))
