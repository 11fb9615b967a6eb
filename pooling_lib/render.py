"""How the pictures are drawn: fast enough for a slider, identical on every run.

:mod:`pooling_lib.plots` decides *what* each picture shows; this module is
the machinery that draws it, shared by every view:

* :class:`PoolingFigure`, a Figure that shows itself as a PNG in Jupyter, and
  :func:`figure_png`, which renders one without timestamps or versions;
* :class:`View`, the base of every view: a figure built once, whose
  :meth:`View.png` redraws only what an update changed.

Three things keep an update within a few tens of milliseconds on a small
machine. The static part of a figure (frames, ticks, colour bars, legends)
is drawn once per layout and then restored from a copy (``View.png``).
All text is drawn as glyph outlines (:mod:`pooling_lib.glyphs`), which
matplotlib fills far faster than it renders ``Text``. And the PNG is written
without row filters, which Pillow spends most of its time on.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, NullFormatter

from .captions import options_or_message, options_title
from .maps import as_image
from .style import (
    DPI,
    GRADIENT_CMAP,
    IMAGE_CMAP,
    PROJECTOR_PICTURE,
    PROJECTOR_TEXT_PX,
    VERMILLION,
    Style,
    pixels,
    points,
    whole_pixels,
)

__all__ = ["CellLabels", "GlyphText", "Panel", "PoolingFigure", "View", "figure_png"]
from .glyphs import AxisText, CellLabels, ColorbarText, GlyphText, fixed_labels, wrap


class PoolingFigure(Figure):
    """A matplotlib Figure that shows itself as a PNG in Jupyter, with or without pyplot.

    Attributes
    ----------
    panels : list
        What a static figure drew in each of its axes, in order, for tests and
        notebooks to read: :class:`pooling_lib.array_figures.GridPanel` from
        :func:`~pooling_lib.plots.grid_figure`,
        :class:`pooling_lib.array_figures.AxisPanel` from
        :func:`~pooling_lib.plots.axis_cells_figure`; empty for other figures.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.panels = []
        self._before_draw = []

    def call_before_draw(self, callback):
        """Call ``callback()`` (no arguments) at the start of every draw.

        Labels that depend on the colour limits are set this way, just before
        drawing, whoever draws the figure.
        """
        self._before_draw.append(callback)

    def draw(self, renderer):
        for callback in self._before_draw:
            callback()
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


@dataclass
class Panel:
    """An axes of a view and the texts updates change on it.

    Attributes
    ----------
    ax : matplotlib.axes.Axes
    title : GlyphText
        The title, changed without a full redraw.
    ticks : AxisText
        The tick labels and axis labels.
    """

    ax: object
    title: GlyphText
    ticks: AxisText


def axes_titles(ax):
    """The three title texts of an Axes: centre, left and right.

    Matplotlib makes all three for every Axes but gives public access only to
    the centre one's text (``get_title(loc)`` returns strings, not artists).
    A view needs the artists, to tell its titles from the rest of an Axes'
    children; this is the one place that reads matplotlib's private
    ``_left_title`` and ``_right_title``, and tests/test_plots.py checks it
    against ``set_title(loc=...)`` so that a matplotlib release that renames
    them fails there, loudly.

    Parameters
    ----------
    ax : matplotlib.axes.Axes

    Returns
    -------
    tuple of matplotlib.text.Text
        ``(centre, left, right)``.
    """
    return ax.title, ax._left_title, ax._right_title


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
        # Each image with a colour bar, and that bar's labels.
        self._colorbars = {}
        self._panels = {}
        self.figure.call_before_draw(self._refresh_colorbars)
        self._floating = []
        self._dynamic_set = frozenset()
        self._backgrounds = OrderedDict()
        self.full_draws = 0
        self.message = ""
        self.projector = False
        self.revealed = True
        self.answers = []
        self._cell_labels = []
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
        for ticks in self._colorbars.values():
            ticks.refresh()

    def panel(self, ax):
        """The :class:`Panel` of an axes made by ``_image_axes`` or ``_bar_axes``."""
        return self._panels[ax]

    def set_clim(self, image, vmin, vmax):
        """Set an image's colour limits; its colour bar, if any, follows at the next draw."""
        if image.get_clim() == (vmin, vmax):
            return
        bar = self._colorbars.get(image)
        if bar is None:
            image.set_clim(vmin, vmax)
            return
        # Rebuilding a colour bar costs more than the rest of an update, and an update
        # that is never drawn (a sweep, a held render) does not need it: it waits for the draw.
        with image.callbacks.blocked(signal="changed"):
            image.set_clim(vmin, vmax)
        bar.stale = True

    def _dynamic(self, *artists):
        """Register artists that updates change; returns the artist (or the tuple)."""
        self._dynamic_artists.extend(artists)
        return artists[0] if len(artists) == 1 else artists

    def _winner_ring(self, ax):
        """A vermilion ring on ``ax``, moved with ``set_data``, around a window's maximum."""
        (ring,) = ax.plot(
            [], [], "o", mfc="none", mec=VERMILLION, mew=2.5 * self.style.line, zorder=7
        )
        return self._dynamic(ring)

    def _labels(self, ax, fontsize):
        labels = CellLabels(ax, fontsize)
        self._dynamic(labels.collection)
        self._cell_labels.append(labels)
        return labels

    def use_projector(self, width_px=PROJECTOR_PICTURE[0], height_px=PROJECTOR_PICTURE[1]):
        """Draw for a projector: at the size the picture is shown, no small text in it.

        The figure is scaled to fit ``width_px`` by ``height_px`` pixels,
        shown one to one beside the controls. Text a back row cannot read
        at that size (titles, ticks, captions, legends) is left out of the
        picture: :meth:`text_lines` gives it to the page to write in large
        type. Numbers in cells are written at ``PROJECTOR_TEXT_PX`` or
        more, or not at all.

        Parameters
        ----------
        width_px, height_px : int
            The largest picture, in pixels.
        """
        width, height = self.figure.get_size_inches() * DPI
        scale = min(width_px / width, height_px / height)
        self.figure.set_size_inches(
            whole_pixels(width * scale / DPI), whole_pixels(height * scale / DPI)
        )
        smallest = points(PROJECTOR_TEXT_PX)
        for labels in self._cell_labels:
            labels.min_fontsize = smallest
            labels.max_fontsize = max(labels.max_fontsize * 1.5, smallest * 1.3)
        self.projector = True
        self._backgrounds.clear()

    def set_revealed(self, revealed):
        """Show or hide the answer artists (``answers``: bars, a circled maximum)."""
        self.revealed = bool(revealed)

    def _glyph_texts(self, figure_level_only=False):
        found = [child for child in self.figure.get_children() if isinstance(child, GlyphText)]
        if not figure_level_only:
            for ax in self.figure.axes:
                found.extend(child for child in ax.get_children() if isinstance(child, GlyphText))
        return found

    def _left_out(self):
        """Artists not drawn now: small text on a projector, answers not yet revealed."""
        left_out = []
        if self.projector:
            left_out += [*self._glyph_texts(), self.message_text, *self.figure.images]
        if not self.revealed:
            left_out += self.answers
        return left_out

    def text_lines(self):
        """The picture's sentences, top to bottom: what a projector shows beside it.

        Returns
        -------
        list of str
            Figure-level texts (captions, formulas, counts) other than the
            title, which repeats the controls, then any message saying why
            the options are refused.
        """
        title = getattr(self, "title", None)
        texts = [
            text
            for text in self._glyph_texts(figure_level_only=True)
            # Arrows between panels are not sentences.
            if text is not title and any(c.isalnum() for c in text.get_text())
        ]
        texts.sort(key=lambda text: -text.get_position()[1])
        lines = [text.get_text() for text in texts]
        return [*lines, self.message] if self.message else lines

    def smallest_text_px(self):
        """Size in pixels of the smallest text drawn in the picture, or None if there is none.

        On a projector only numbers in cells are drawn; elsewhere every text counts.
        """
        sizes = [pixels(labels.fontsize) for labels in self._cell_labels if labels.strings]
        if not self.projector:
            sizes += [
                pixels(text.get_fontsize())
                for text in self._glyph_texts()
                if text.get_visible() and text.get_text().strip()
            ]
        return min(sizes, default=None)

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
                titles = set(axes_titles(ax))
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
                    fixed_labels(ax.xaxis),
                    fixed_labels(ax.yaxis),
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
        left_out = [(artist, artist.get_visible()) for artist in self._left_out()]
        for artist, _ in left_out:
            artist.set_visible(False)
        try:
            return self._render(compress_level)
        finally:
            for artist, visible in left_out:
                artist.set_visible(visible)

    def _render(self, compress_level):
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
        self.message_text.set_text(wrap(message, 62))
        self.message_text.set_visible(bool(message))

    def _image_axes(self, rect, title="", labels=True):
        """An axes for an image, with a title and glyph tick labels (its :meth:`panel`).

        Matplotlib's tick labels, axis labels and titles are ``Text``
        artists, each costing a glyph rasterisation per draw; these are
        :class:`GlyphText` instead, so a full redraw costs little more than
        a partial one.
        """
        ax = self.figure.add_axes(rect)
        ax.tick_params(labelbottom=False, labelleft=False, length=3)
        title_text = self._dynamic_title(ax)
        title_text.set_text(title)
        ticks = AxisText(self, ax, "column" if labels else None, "row" if labels else None)
        self._panels[ax] = Panel(ax, title_text, ticks)
        return ax

    def _bar_axes(self, rect, title, categories, xlabel=None):
        """An axes for a few bars, labelled below; the heights are written on the bars."""
        ax = self.figure.add_axes(rect)
        ax.tick_params(labelbottom=False, labelleft=False, length=2)
        title_text = self._dynamic_title(ax)
        title_text.set_text(title)
        ticks = AxisText(self, ax, xlabel, None)
        ticks.set(list(range(len(categories))), [], list(categories))
        self._panels[ax] = Panel(ax, title_text, ticks)
        self.answers.append(ax)
        ax.yaxis.set_visible(False)
        ax.spines[["top", "right", "left"]].set_visible(False)
        return ax

    def _labelled_bars(self, ax, colors, hatches, label_size):
        """One bar per colour, height 0 until an update, each with a text above it.

        Returns
        -------
        bars : tuple of matplotlib.patches.Rectangle
        labels : list of GlyphText
        """
        count = len(colors)
        bars = self._dynamic(
            *ax.bar(range(count), [0] * count, color=colors, edgecolor="black", linewidth=0.8)
        )
        for bar, hatch in zip(bars, hatches, strict=True):
            bar.set_hatch(hatch)
        labels = [
            self._glyphs(
                ax, k, 0, label_size, coordinates="data", ha="center", va="bottom", offset=(0, 2)
            )
            for k in range(count)
        ]
        return bars, labels

    def _check_request(self, in_shape, request):
        """The checked options of ``request`` on ``in_shape``, their windows kept as ``geometry``.

        Options the library refuses give None, and their refusal is written
        over the picture (:func:`pooling_lib.captions.options_or_message`).
        """
        options, message = options_or_message(in_shape, request)
        self.geometry = None if options is None else options.geometry
        self._set_message(message)
        return options

    def _start_update(self, image, request, title, subject, pooling=None, detail=""):
        """Begin an update: ``image`` as an array, and ``request`` checked on its shape.

        Writes the title, by default the options (:func:`pooling_lib.captions.options_title`,
        the pooling named ``pooling``) followed by ``detail``, and returns
        ``(image, options)``; ``options`` is None when the library refuses
        them (:meth:`_check_request`).
        """
        image = as_image(image)
        options = self._check_request(image.shape, request)
        if title is None:
            title = options_title(request, pooling) + detail
        self._set_title(title, subject)
        return image, options

    def _set_title(self, title, subject=None):
        """The figure's title, after what the picture shows (``subject``) if given."""
        self.title.set_text(f"{subject}: {title}" if subject else title)

    def _colorbar(self, mappable, rect, label, integer=False):
        cax = self.figure.add_axes(rect)
        bar = self.figure.colorbar(mappable, cax=cax)
        bar.locator = MaxNLocator(nbins=4, integer=integer)
        # The colour bar re-enables its labels on every update: empty ones cost nothing.
        bar.formatter = NullFormatter()
        bar.ax.tick_params(length=2)
        self._colorbars[mappable] = ColorbarText(self, bar, label)
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
        if ax in self._panels:
            return self._panels[ax].title
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
