"""How the pictures are drawn: fast enough for a slider, identical on every run.

:mod:`pooling_lib.plots` decides *what* each picture shows; this module is
the machinery that draws it, shared by every view:

* the house style: the fixed ``DPI``, colour maps, the Okabe-Ito palette and
  font sizes for the screen or a projector (:func:`set_presentation`);
* :class:`PoolingFigure`, a Figure that shows itself as a PNG in Jupyter, and
  :func:`figure_png`, which renders one without timestamps or versions;
* text drawn as glyph outlines (:class:`GlyphText`, :class:`CellLabels`, and
  the tick and colour-bar labels of the views);
* :class:`View`, the base of every view: a figure built once, whose
  :meth:`View.png` redraws only what an update changed.

Three things keep an update within a few tens of milliseconds on a small
machine. The static part of a figure (frames, ticks, colour bars, legends)
is drawn once per layout and then restored from a copy (``View.png``).
All text is drawn as glyph outlines, which matplotlib fills far faster than
it renders ``Text``. And the PNG is written without row filters, which
Pillow spends most of its time on.
"""

from __future__ import annotations

import functools
import io
import struct
import textwrap
import zlib
from collections import OrderedDict

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextPath, text_to_path
from matplotlib.ticker import MaxNLocator, NullFormatter
from matplotlib.transforms import Affine2D, ScaledTranslation, blended_transform_factory

__all__ = ["DPI", "CellLabels", "GlyphText", "PoolingFigure", "figure_png", "set_presentation"]

DPI = 80
IMAGE_CMAP = mpl.colormaps["cividis"].with_extremes(bad="#d9d9d9")
GRADIENT_CMAP = mpl.colormaps["PuOr_r"].with_extremes(bad="#d9d9d9")

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#8c8c8c"

_presentation_default = False


def set_presentation(on=True):
    """Make every picture built from now on large enough for a projector.

    Parameters
    ----------
    on : bool, default True
        Larger fonts and a larger figure when true. Pictures and explorers
        given ``presentation=True`` or ``False`` explicitly ignore this.

    Returns
    -------
    bool
        The previous setting, so a caller can restore it.

    Examples
    --------
    >>> previous = set_presentation(True)
    >>> Style(None).presentation, Style(presentation=False).presentation
    (True, False)
    >>> _ = set_presentation(previous)
    """
    global _presentation_default
    previous = _presentation_default
    _presentation_default = bool(on)
    return previous


class Style:
    """Font sizes and figure scale for the screen or for a projector."""

    def __init__(self, presentation):
        self.presentation = _presentation_default if presentation is None else bool(presentation)
        scale = 1.45 if self.presentation else 1.0
        self.figure_scale = 1.3 if self.presentation else 1.0
        self.font = 11.0 * scale
        self.small = 9.0 * scale
        self.large = 13.0 * scale
        self.cell = 7.5 * scale
        self.line = 1.0 * scale
        self.marker = 6.0 * scale


class PoolingFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG in Jupyter, with or without pyplot."""

    pooling_prepare = None

    def draw(self, renderer):
        # Labels that depend on the colour limits are set just before drawing.
        if self.pooling_prepare is not None:
            self.pooling_prepare()
        super().draw(renderer)

    def _repr_png_(self):
        return figure_png(self)


def figure_png(figure, compress_level=1):
    """Render a figure to PNG bytes, identical for identical figures.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        What to draw; drawn at the module's fixed ``DPI``.
    compress_level : int, default 1
        zlib level, 0-9: 1 is fast enough for a slider, 9 makes the smallest
        file (for pictures kept in the repository).

    Returns
    -------
    bytes
        A PNG file without the matplotlib version or any timestamp in it, so
        that saved notebook outputs do not change between runs.

    Examples
    --------
    >>> figure_png(PoolingFigure(figsize=(1, 1)))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=DPI,
        metadata={"Software": None},
        pil_kwargs={"compress_level": int(compress_level)},
    )
    return buffer.getvalue()


def _wrap(text, width):
    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def fmt_value(value):
    if np.isnan(value):
        return ""
    if np.isinf(value):
        return "-inf" if value < 0 else "inf"
    return f"{value:.2f}"


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


class _AxisText:
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


class _ColorbarText:
    """A colour bar's tick labels and label, drawn as :class:`GlyphText`."""

    def __init__(self, view, bar, label):
        self.bar = bar
        self.size = view.style.small
        self.view = view
        self.tick_labels = []
        self.label = self._text(0.5, ha="center", va="top", rotation=90)
        self.label.set_text(label)
        self._shown = None

    def _text(self, y, **kwargs):
        text = GlyphText(self.view.figure, 1.0, y, self.bar.ax.transAxes, self.size, **kwargs)
        self.bar.ax.add_artist(text)
        text.set_clip_on(False)
        return text

    def refresh(self):
        """Bring the colour bar up to its image's limits, and relabel its ticks."""
        mappable = self.bar.mappable
        if getattr(mappable, "pooling_colorbar_stale", False):
            self.bar.update_normal(mappable)
            mappable.pooling_colorbar_stale = False
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
        format = format or fmt_value
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


def _fixed_labels(axis):
    return tuple(getattr(axis.get_major_formatter(), "seq", ()))


def _encode_png(rgba, compress_level=1):
    """PNG bytes of an RGBA image, shape (h, w, 4), without row filters.

    Pillow tries every PNG row filter on every row, which costs more than
    drawing the picture; figures are mostly flat colour, which deflate
    packs well unfiltered, in a third of the time. Nothing in the file
    depends on when or with what it was made.
    """
    height, width = rgba.shape[:2]
    rows = np.empty((height, width * 4 + 1), dtype=np.uint8)
    rows[:, 0] = 0
    rows[:, 1:] = rgba.reshape(height, width * 4)

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), int(compress_level)))
        + chunk(b"IEND", b"")
    )


class View:
    """One figure, built once; :meth:`update` changes its artists in place.

    Rendering is split in two. Artists registered with :meth:`_dynamic`
    change on every update; everything else (axes, ticks, labels, colour
    bars, legends) changes only with the layout. :meth:`png` draws the
    static part once per layout, keeps it, and on later calls restores it
    and draws only the dynamic artists over it, in the order a full draw
    would use. Text is the slowest thing matplotlib draws, and most of it
    is static, so this halves the time of a typical update.
    """

    figsize = (10.0, 6.0)
    backgrounds_kept = 4

    def __init__(self, presentation=None):
        self.style = Style(presentation)
        width, height = self.figsize
        scale = self.style.figure_scale
        self.figure = PoolingFigure(figsize=(width * scale, height * scale), dpi=DPI)
        FigureCanvasAgg(self.figure)
        self._dynamic_artists = []
        self._colorbar_ticks = []
        self.figure.pooling_prepare = self._refresh_colorbars
        self._floating = []
        self._dynamic_set = frozenset()
        self._backgrounds = OrderedDict()
        self.full_draws = 0
        self.message = ""
        self.message_text = self._dynamic(
            self.figure.text(
                0.5,
                0.55,
                "",
                ha="center",
                va="center",
                fontsize=self.style.large,
                zorder=20,
                visible=False,
                bbox={"boxstyle": "round,pad=0.6", "fc": "#fff6df", "ec": VERMILLION, "lw": 2},
            )
        )

    def _refresh_colorbars(self):
        for ticks in self._colorbar_ticks:
            ticks.refresh()

    def _dynamic(self, *artists):
        """Register artists that updates change; returns the artist (or the tuple)."""
        self._dynamic_artists.extend(artists)
        return artists[0] if len(artists) == 1 else artists

    def _labels(self, ax, fontsize):
        labels = CellLabels(ax, fontsize)
        self._dynamic(labels.collection)
        return labels

    def _float(self, *axes):
        """Mark axes whose frame, ticks or size change with updates.

        Everything of a floating axes is redrawn on every render and left out
        of the static key, so moving or resizing it needs no full redraw.
        Its titles must come from :meth:`_dynamic_title`.
        """
        self._floating.extend(axes)

    def _draw_list(self):
        """The dynamic artists, in the order a full draw would draw them."""
        dynamic = set(self._dynamic_artists)
        # Images cover the inner half of the axes' frame, so the frame is redrawn after them.
        for ax in {artist.axes for artist in self._dynamic_artists} - {None}:
            dynamic.update(ax.spines.values())
        order = []
        for ax in self.figure.axes:
            children = ax.get_children()
            if ax in self._floating:
                titles = {ax.title, ax._left_title, ax._right_title}
                rest = [a for a in children if a is not ax.patch and a not in titles]
                dynamic.update(rest)
                order.append(ax.patch)
                order.extend(sorted(rest, key=lambda artist: artist.get_zorder()))
            else:
                mine = [artist for artist in children if artist in dynamic]
                order.extend(sorted(mine, key=lambda artist: artist.get_zorder()))
        figure_level = [artist for artist in self._dynamic_artists if artist.axes is None]
        order.extend(sorted(figure_level, key=lambda artist: artist.get_zorder()))
        self._dynamic_set = frozenset(dynamic)
        return order

    def _static_key(self):
        """Everything the static part of the picture depends on."""
        parts = []
        for ax in self.figure.axes:
            if ax in self._floating:
                continue
            parts.append(
                (
                    ax.get_visible(),
                    tuple(ax.get_position().bounds),
                    ax.get_xlim(),
                    ax.get_ylim(),
                    tuple(ax.get_xticks()),
                    tuple(ax.get_yticks()),
                    _fixed_labels(ax.xaxis),
                    _fixed_labels(ax.yaxis),
                    ax.get_xlabel(),
                    ax.get_ylabel(),
                    ax.get_title(),
                )
            )
        parts.extend(
            (text.get_text(), text.get_visible())
            for text in self.figure.texts
            if text not in self._dynamic_set
        )
        return tuple(parts)

    def png(self, compress_level=1):
        """The current picture as PNG bytes.

        The pixels are those :func:`figure_png` gives (a full draw), to
        within antialiasing at a few frame corners; the bytes depend only
        on what is drawn.

        Parameters
        ----------
        compress_level : int, default 1
            zlib level, 0-9.

        Returns
        -------
        bytes
        """
        canvas = self.figure.canvas
        self._refresh_colorbars()
        order = self._draw_list()
        key = self._static_key()
        background = self._backgrounds.pop(key, None)
        if background is None:
            shown = [artist for artist in order if artist.get_visible()]
            for artist in shown:
                artist.set_visible(False)
            try:
                canvas.draw()
            finally:
                for artist in shown:
                    artist.set_visible(True)
            background = canvas.copy_from_bbox(self.figure.bbox)
            self.full_draws += 1
        else:
            canvas.restore_region(background)
        self._backgrounds[key] = background
        while len(self._backgrounds) > self.backgrounds_kept:
            self._backgrounds.popitem(last=False)
        renderer = canvas.get_renderer()
        for artist in order:
            if artist.get_visible() and (artist.axes is None or artist.axes.get_visible()):
                artist.draw(renderer)
        return _encode_png(np.asarray(canvas.buffer_rgba()), compress_level)

    def _set_message(self, message):
        self.message = message
        self.message_text.set_text(_wrap(message, 62))
        self.message_text.set_visible(bool(message))

    def _image_axes(self, rect, title="", labels=True):
        """An axes for an image, with a title (``ax.pooling_title``) and glyph tick labels.

        Matplotlib's tick labels, axis labels and titles are ``Text``
        artists, each costing a glyph rasterisation per draw; these are
        :class:`GlyphText` instead, so a full redraw costs little more than
        a partial one.
        """
        ax = self.figure.add_axes(rect)
        ax.tick_params(labelbottom=False, labelleft=False, length=3)
        ax.pooling_title = self._dynamic_title(ax)
        ax.pooling_title.set_text(title)
        ax.pooling_ticks = _AxisText(
            self, ax, "column" if labels else None, "row" if labels else None
        )
        return ax

    def _bar_axes(self, rect, title, categories, xlabel=None):
        """An axes for a few bars, labelled below; the heights are written on the bars."""
        ax = self.figure.add_axes(rect)
        ax.tick_params(labelbottom=False, labelleft=False, length=2)
        ax.pooling_title = self._dynamic_title(ax)
        ax.pooling_title.set_text(title)
        ax.pooling_ticks = _AxisText(self, ax, xlabel, None)
        ax.pooling_ticks.set(list(range(len(categories))), [], list(categories))
        ax.yaxis.set_visible(False)
        ax.spines[["top", "right", "left"]].set_visible(False)
        return ax

    def _colorbar(self, mappable, rect, label, integer=False):
        cax = self.figure.add_axes(rect)
        bar = self.figure.colorbar(mappable, cax=cax)
        bar.locator = MaxNLocator(nbins=4, integer=integer)
        # The colour bar re-enables its labels on every update: empty ones cost nothing.
        bar.formatter = NullFormatter()
        bar.ax.tick_params(length=2)
        mappable.pooling_colorbar = bar
        self._colorbar_ticks.append(_ColorbarText(self, bar, label))
        # A bar's range follows its image's data, which most updates change: drawn with
        # the dynamic artists, it no longer forces a redraw of the whole static picture.
        self._float(cax)
        return bar

    def _image(self, ax, cmap=IMAGE_CMAP, vmin=0.0, vmax=1.0, zorder=1):
        return self._dynamic(
            ax.imshow(
                np.zeros((2, 2)),
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                interpolation="nearest",
                zorder=zorder,
                aspect="auto",
            )
        )

    def _diverging(self, ax):
        image = self._image(ax, cmap=GRADIENT_CMAP, vmin=-1.0, vmax=1.0)
        image.set_norm(TwoSlopeNorm(0.0, -1.0, 1.0))
        return image

    def _highlight(self, ax, lw=3.0, color=VERMILLION, zorder=8):
        """A thick outline with a white halo, visible on dark and bright pixels alike."""
        halo = Rectangle(
            (0, 0), 1, 1, fc="none", ec="white", lw=(lw + 2) * self.style.line, zorder=zorder
        )
        box = Rectangle(
            (0, 0), 1, 1, fc="none", ec=color, lw=lw * self.style.line, zorder=zorder + 0.1
        )
        ax.add_patch(halo)
        ax.add_patch(box)
        return self._dynamic(halo, box)

    def _dynamic_title(self, ax):
        """A title that updates can change without a full redraw.

        Matplotlib re-places an axes' own title on every full draw (and
        misplaces it while it is hidden), so changing titles are plain texts
        fixed where the title would be.
        """
        existing = getattr(ax, "pooling_title", None)
        if existing is not None:
            return existing
        return self._glyphs(ax, 0.5, 1.0, self.style.font, ha="center", offset=(0, 6))

    def _dynamic_axis_labels(self, ax):
        """Axis labels, for an axes without ticks, that updates can change."""
        below = self._glyphs(ax, 0.5, 0.0, self.style.small, ha="center", va="top", offset=(0, -3))
        left = self._glyphs(
            ax, 0.0, 0.5, self.style.small, ha="center", va="bottom", offset=(-3, 0), rotation=90
        )
        return below, left

    def _legend_image(self, handles, upper_left, **options):
        """Draw a legend once, into pixels placed on the figure.

        A legend never changes, but redrawing its text is a large part of a
        full draw; as an image it costs a copy.

        Returns
        -------
        list of str
            The legend's labels, in order.
        """
        scratch = Figure(figsize=self.figure.get_size_inches(), dpi=DPI)
        FigureCanvasAgg(scratch)
        legend = scratch.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=upper_left,
            fontsize=self.style.small,
            frameon=False,
            borderaxespad=0.0,
            **options,
        )
        scratch.canvas.draw()
        box = legend.get_window_extent()
        height = int(scratch.bbox.height)
        x0, x1 = max(0, int(box.x0) - 2), int(np.ceil(box.x1)) + 2
        top, bottom = max(0, height - int(np.ceil(box.y1)) - 2), height - int(box.y0) + 2
        pixels = np.asarray(scratch.canvas.buffer_rgba())[top:bottom, x0:x1].copy()
        self.figure.figimage(pixels, xo=x0, yo=height - bottom, origin="upper", zorder=5)
        return [text.get_text() for text in legend.get_texts()]

    def _figure_text(self, x, y, size, **kwargs):
        """A figure-level text that updates change."""
        text = GlyphText(self.figure, x, y, self.figure.transFigure, size, **kwargs)
        self.figure.add_artist(text)
        return self._dynamic(text)

    def _glyphs(self, ax, x, y, size, coordinates="axes", **kwargs):
        """A text in an axes that updates change; ``coordinates`` 'axes' or 'data'."""
        anchor = ax.transAxes if coordinates == "axes" else ax.transData
        text = GlyphText(self.figure, x, y, anchor, size, **kwargs)
        ax.add_artist(text)
        text.set_clip_on(False)
        return self._dynamic(text)


def set_clim(ax_image, vmin, vmax):
    if ax_image.get_clim() == (vmin, vmax):
        return
    if getattr(ax_image, "pooling_colorbar", None) is None:
        ax_image.set_clim(vmin, vmax)
        return
    # Rebuilding a colour bar costs more than the rest of an update, and an update
    # that is never drawn (a sweep, a held render) does not need it: it waits for the draw.
    with ax_image.callbacks.blocked(signal="changed"):
        ax_image.set_clim(vmin, vmax)
    ax_image.pooling_colorbar_stale = True


def as_2d_arrays(arrays, name):
    """``arrays`` (a list of 2-D arrays, or an (n, h, w) array) as a list of float arrays.

    One 2-D array alone is refused with a hint, because iterating over it would
    silently give its rows.
    """
    if isinstance(arrays, np.ndarray) and arrays.ndim == 2:
        raise TypeError(
            f"{name} must be several 2-D arrays (a list, or an array of shape (n, h, w)), "
            f"got one 2-D array; wrap it in a list: [{name[:-1]}]"
        )
    converted = [np.asarray(array, dtype=float) for array in arrays]
    if not converted:
        raise ValueError(f"{name} must hold at least one 2-D array, got none")
    for k, array in enumerate(converted):
        if array.ndim != 2 or min(array.shape) < 1:
            raise ValueError(f"{name}[{k}] must be 2-D with shape (h, w), got shape {array.shape}")
    return converted
