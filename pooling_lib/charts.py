"""Charts of measurements and galleries of examples, on matplotlib Figures without pyplot.

The notebooks measure things (the error of a numeric slope for each step
size, how much features move when a digit shifts, test accuracies, timings)
and look at many examples at once. Each function here draws one such
picture from the numbers it is given, so that a notebook shows it in one
call:

* :func:`line_chart`: one or more series against a shared x axis.
* :func:`bar_chart`: grouped bars, one group per category.
* :func:`gallery_figure`: many small images in rows, on one colour scale.
* :func:`kink_figure`: ``max(t, 1)`` near its kink, and the central
  difference that straddles it.
* :func:`scaling_figure` and :func:`timings_figure`: timings of the
  implementations in notebook 08, each always in the same colour and marker.

Every figure is a :class:`~pooling_lib.plots.PoolingFigure`: it shows itself
as a PNG in Jupyter, with or without pyplot, and the PNG is the same on every
run. Colours are Okabe-Ito, distinguishable with every common colour-vision
deficiency, and every line also has its own marker, so a chart printed in
grey still reads. Axes are labelled, and a legend sits outside the axes, where
it never hides data. ``presentation=True`` makes fonts, lines and the figure
larger, for a projector.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.ticker import PercentFormatter

from .render import PoolingFigure, as_2d_arrays
from .style import DPI, MISSING_COLOR, Style, whole_pixels

__all__ = [
    "IMPLEMENTATION_STYLES",
    "MARKERS",
    "OKABE_ITO",
    "bar_chart",
    "gallery_figure",
    "kink_figure",
    "line_chart",
    "scaling_figure",
    "timings_figure",
    "training_curves",
]

# Okabe-Ito, without its yellow, which is too pale on white: series take these in turn.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
# Notebook 08's contestants keep one look in every chart, whichever of them are present.
IMPLEMENTATION_STYLES = {
    "four loops": ("#D55E00", "^"),
    "window loops": ("#E69F00", "o"),
    "pooling_lib": ("#0072B2", "s"),
    "PyTorch": ("#009E73", "D"),
}


def _new_figure(width, height, style):
    """An empty figure of ``width`` x ``height`` inches (before scaling), laid out by matplotlib."""
    # Whole pixels, so that the figure's size and its PNG's agree.
    size = tuple(whole_pixels(inches * style.figure_scale) for inches in (width, height))
    figure = PoolingFigure(figsize=size, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _as_series(series, length, what):
    """Validate a mapping name -> values; returns a dict of float arrays in the given order.

    ``length`` is the number of values each series must have, or, given as a
    negative number, the most it may have (a series may stop early).
    """
    if not isinstance(series, Mapping):
        raise TypeError(
            f"series must be a dict mapping each name to its values, got {type(series).__name__}; "
            "for one series write {'name': values}"
        )
    if not series:
        raise ValueError("series must hold at least one named series, got an empty dict")
    arrays = {}
    for name, values in series.items():
        array = np.asarray(values, dtype=float)
        if array.ndim != 1:
            raise ValueError(f"series {name!r} must be 1-D, got shape {array.shape}")
        too_long = length < 0 and len(array) > -length
        if too_long or (length >= 0 and len(array) != length):
            wanted = f"at most {-length}" if length < 0 else str(length)
            raise ValueError(
                f"series {name!r} has {len(array)} values, but there are {wanted} {what}"
            )
        arrays[str(name)] = array
    return arrays


def _styles(names, fixed=None):
    """A (colour, marker) per name: ``fixed`` ones first, the rest from the palette in turn."""
    fixed = fixed or {}
    spare = [
        (color, marker)
        for color, marker in zip(OKABE_ITO, MARKERS, strict=True)
        if color not in {c for c, _ in fixed.values()}
    ]
    styles, k = {}, 0
    for name in names:
        if name in fixed:
            styles[name] = fixed[name]
        else:
            styles[name] = spare[k % len(spare)]
            k += 1
    return styles


def _finish(ax, xlabel, ylabel, title, style, legend="outside"):
    """Labels, title, grid and a legend (outside the axes, or inside at the upper left)."""
    ax.set_xlabel(xlabel, fontsize=style.font)
    ax.set_ylabel(ylabel, fontsize=style.font)
    ax.set_title(title, fontsize=style.title)
    ax.tick_params(labelsize=style.tick)
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    if legend == "outside":
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=style.tick, frameon=False)
    elif legend == "inside":
        ax.legend(loc="upper left", fontsize=style.tick)
    elif legend == "upper right":
        ax.legend(loc="upper right", fontsize=style.tick)


def _draw_lines(x, series, *, xlabel, ylabel, title, log, percent, styles, presentation):
    style = Style(presentation)
    figure = _new_figure(8.0, 4.2, style)
    ax = figure.add_subplot()
    small_markers = len(x) > 15
    for name, values in series.items():
        color, marker = styles[name]
        ax.plot(
            x[: len(values)],
            values,
            color=color,
            marker=marker,
            markersize=style.marker * (0.6 if small_markers else 1.0),
            linewidth=style.chart_line,
            label=name,
        )
    if log:
        ax.set_xscale("log")
        ax.set_yscale("log")
    elif len(x) <= 15 and np.all(x == np.round(x)):
        ax.set_xticks(x)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    _finish(ax, xlabel, ylabel, title, style)
    return figure


def line_chart(
    x,
    series,
    *,
    xlabel,
    ylabel,
    title="",
    log=False,
    percent=False,
    presentation=None,
):
    """One or more measured series against a shared x axis, each with its own colour and marker.

    Parameters
    ----------
    x : array_like, shape (n,)
        The x values, shared by every series.
    series : dict of str to array_like, each shape (n,)
        The lines, in legend order: name -> y values at ``x``.
    xlabel, ylabel : str
        Axis labels; say the unit.
    title : str, default ''
        The chart's title.
    log : bool, default False
        Logarithmic x and y axes (for errors or times spanning powers of ten).
        Otherwise, when ``x`` holds at most 15 whole numbers, each gets a tick.
    percent : bool, default False
        Show y values (fractions, 0.25 for a quarter) as percentages.
    presentation : bool, optional
        Larger fonts, lines and figure for a projector. None follows
        :func:`pooling_lib.plots.set_presentation`.

    Returns
    -------
    PoolingFigure
        One axes with one line per series, in order, each labelled with its name.

    Raises
    ------
    ValueError
        If ``x`` is not 1-D, ``series`` is empty, or a series' length differs from ``x``'s.
    TypeError
        If ``series`` is not a dict, or ``presentation`` is not a bool.

    Examples
    --------
    >>> figure = line_chart([0, 1, 2], {"max": [0.0, 0.5, 0.9], "avg": [0.0, 0.6, 1.0]},
    ...                     xlabel="shift (pixels)", ylabel="relative change")
    >>> [line.get_label() for line in figure.axes[0].lines]
    ['max', 'avg']
    >>> figure.axes[0].lines[1].get_ydata().tolist()
    [0.0, 0.6, 1.0]
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or len(x) < 1:
        raise ValueError(f"x must be 1-D with at least one value, got shape {x.shape}")
    arrays = _as_series(series, len(x), "x values")
    return _draw_lines(
        x,
        arrays,
        xlabel=xlabel,
        ylabel=ylabel,
        title=title,
        log=bool(log),
        percent=bool(percent),
        styles=_styles(arrays),
        presentation=presentation,
    )


def training_curves(histories, *, title="", presentation=None):
    """Training loss and held-out accuracy per epoch, side by side, one line per network.

    Parameters
    ----------
    histories : dict of str to dict
        Name -> what :func:`pooling_lib.training.fit` returned: lists
        ``'loss'`` and ``'test_accuracy'``, one value per epoch.
    title : str, default ''
    presentation : bool, optional

    Returns
    -------
    PoolingFigure
        Two axes: loss (left), held-out accuracy in percent (right).

    Raises
    ------
    TypeError
        If ``histories`` is not a dict of dicts.
    ValueError
        If it is empty, or a history lacks ``'loss'`` or ``'test_accuracy'``.

    Examples
    --------
    >>> figure = training_curves({"max": {"loss": [0.5, 0.2], "test_accuracy": [0.9, 0.95]}})
    >>> [ax.get_ylabel() for ax in figure.axes]
    ['training loss', 'held-out accuracy']
    """
    if not isinstance(histories, Mapping) or not all(
        isinstance(h, Mapping) for h in histories.values()
    ):
        raise TypeError(
            "histories must be a dict mapping each name to what fit returned, got "
            f"{type(histories).__name__}"
        )
    if not histories:
        raise ValueError("histories must hold at least one history, got an empty dict")
    for name, history in histories.items():
        missing = [key for key in ("loss", "test_accuracy") if key not in history]
        if missing:
            raise ValueError(f"histories[{name!r}] has no {missing[0]!r}: pass what fit returned")
    style = Style(presentation)
    figure = _new_figure(10.0, 3.8, style)
    styles = _styles(list(histories))
    for ax, key, ylabel in zip(
        figure.subplots(1, 2),
        ("loss", "test_accuracy"),
        ("training loss", "held-out accuracy"),
        strict=True,
    ):
        for name, history in histories.items():
            values = np.asarray(history[key], dtype=float)
            epochs = np.arange(1, len(values) + 1)
            color, marker = styles[str(name)]
            ax.plot(
                epochs,
                values,
                color=color,
                marker=marker,
                markersize=style.marker,
                linewidth=style.chart_line,
                label=str(name),
            )
            ax.set_xticks(epochs)
        if key == "test_accuracy":
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=1))
        _finish(ax, "epoch", ylabel, "", style, legend="upper right" if key == "loss" else "none")
    figure.suptitle(title, fontsize=style.title)
    return figure


def _draw_bars(categories, series, *, xlabel, ylabel, title, percent, styles, presentation):
    style = Style(presentation)
    figure = _new_figure(8.0, 4.2, style)
    ax = figure.add_subplot()
    positions = np.arange(len(categories))
    width = 0.8 / len(series)
    for k, (name, values) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        ax.bar(positions + offset, values, width, color=styles[name][0], label=name)
    ax.set_xticks(positions, categories)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    _finish(ax, xlabel, ylabel, title, style)
    ax.grid(False, axis="x")
    return figure


def _as_categories(categories):
    labels = [str(category) for category in categories]
    if not labels:
        raise ValueError("categories must name at least one group of bars, got none")
    return labels


def bar_chart(
    categories,
    series,
    *,
    xlabel,
    ylabel,
    title="",
    percent=False,
    presentation=None,
):
    """Grouped bars: for each category, one bar per series, side by side.

    Parameters
    ----------
    categories : sequence, length n
        The groups along the x axis, left to right; each is shown as ``str``.
    series : dict of str to array_like, each shape (n,)
        One bar per category for each series, in legend order.
    xlabel, ylabel : str
        Axis labels; say the unit.
    title : str, default ''
        The chart's title.
    percent : bool, default False
        Show y values (fractions, 0.25 for a quarter) as percentages.
    presentation : bool, optional
        Larger fonts and figure for a projector. None follows
        :func:`pooling_lib.plots.set_presentation`.

    Returns
    -------
    PoolingFigure
        One axes; its ``containers`` hold one group of bars per series, in order.

    Raises
    ------
    ValueError
        If there are no categories, ``series`` is empty, or a series does not
        give one value per category.
    TypeError
        If ``series`` is not a dict, or ``presentation`` is not a bool.

    Examples
    --------
    >>> figure = bar_chart([1, 2], {"channel 0": [0.2, 0.8], "channel 1": [0.1, 0.9]},
    ...                    xlabel="tied cells", ylabel="share of windows", percent=True)
    >>> [float(bar.get_height()) for bar in figure.axes[0].containers[1]]
    [0.1, 0.9]
    >>> [label.get_text() for label in figure.axes[0].get_xticklabels()]
    ['1', '2']
    """
    labels = _as_categories(categories)
    arrays = _as_series(series, len(labels), "categories")
    return _draw_bars(
        labels,
        arrays,
        xlabel=xlabel,
        ylabel=ylabel,
        title=title,
        percent=bool(percent),
        styles=_styles(arrays),
        presentation=presentation,
    )


def gallery_figure(
    images,
    titles=None,
    *,
    columns=10,
    cmap="gray",
    vmin=None,
    vmax=None,
    colorbar=None,
    presentation=None,
):
    """Many small images in rows, on one colour scale: an overview of examples at a glance.

    For a few small arrays with their values written in and windows outlined,
    use :func:`pooling_lib.plots.grid_figure` instead.

    Parameters
    ----------
    images : array_like, shape (n, h, w), or sequence of array_like, each shape (h_k, w_k)
        The images, left to right, then row by row.
    titles : sequence of str, optional
        One title per image, such as its label.
    columns : int, default 10
        Images per row; the last row may be shorter.
    cmap : str or matplotlib.colors.Colormap, default 'gray'
        Colour map shared by every image. NaN cells are light grey.
    vmin, vmax : float, optional
        The values at the two ends of the colour map, the same for every image
        (default: the smallest and largest finite value over all images).
    colorbar : str, optional
        If given, a colour bar with this label explains the scale.
    presentation : bool, optional
        Larger fonts and figure for a projector. None follows
        :func:`pooling_lib.plots.set_presentation`.

    Returns
    -------
    PoolingFigure
        One axes per image, in order (then the colour bar's, if any); each
        image is the axes' ``images[0]``.

    Raises
    ------
    ValueError
        If an image is not 2-D, the titles do not match the images,
        ``columns`` is below 1, or ``vmin`` is not below ``vmax``.
    TypeError
        If ``images`` is a single 2-D array rather than several of them.

    Examples
    --------
    >>> digits = np.stack([np.eye(4), np.fliplr(np.eye(4)), np.ones((4, 4))])
    >>> figure = gallery_figure(digits, ["diagonal", "anti-diagonal", "ones"], columns=2)
    >>> [ax.get_title() for ax in figure.axes if ax.images]
    ['diagonal', 'anti-diagonal', 'ones']
    >>> figure.axes[2].images[0].get_clim()
    (0.0, 1.0)
    """
    arrays = as_2d_arrays(images, "images")
    titles = [""] * len(arrays) if titles is None else [str(title) for title in titles]
    if len(titles) != len(arrays):
        raise ValueError(f"titles must give one title per image: {len(arrays)}, got {len(titles)}")
    if isinstance(columns, bool) or int(columns) != columns or columns < 1:
        raise ValueError(f"columns must be a whole number of at least 1, got {columns!r}")
    finite = np.concatenate([array[np.isfinite(array)] for array in arrays])
    low = float(vmin) if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    high = float(vmax) if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    if vmin is not None and vmax is not None and not low < high:
        raise ValueError(f"vmin must be below vmax, got vmin={vmin!r} and vmax={vmax!r}")
    if high <= low:
        high = low + 1.0
    style = Style(presentation)
    cols = min(int(columns), len(arrays))
    rows = math.ceil(len(arrays) / cols)
    # Panels shrink to keep the figure about 12 inches wide, never grow past 2.8 inches.
    panel = min(2.8, 11.5 / cols)
    extra = 1.0 if colorbar else 0.0
    figure = _new_figure(cols * panel + extra, rows * (panel + 0.3), style)
    axes = figure.subplots(rows, cols, squeeze=False)
    cmap = mpl.colormaps[cmap] if isinstance(cmap, str) else cmap
    cmap = cmap.with_extremes(bad=MISSING_COLOR)
    shown = None
    for k, ax in enumerate(axes.flat):
        if k >= len(arrays):
            figure.delaxes(ax)
            continue
        image = np.where(np.isfinite(arrays[k]), arrays[k], np.nan)
        shown = ax.imshow(image, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        ax.set_title(titles[k], fontsize=style.tick)
        ax.set_xticks([])
        ax.set_yticks([])
    if colorbar:
        bar = figure.colorbar(shown, ax=axes, shrink=0.9)
        bar.set_label(colorbar, fontsize=style.tick)
        bar.ax.tick_params(labelsize=style.tick)
    return figure


def kink_figure(h=0.01, *, presentation=None):
    """The output of a max window as one of two tied cells moves, and the slope a check sees.

    The window's other tied cell stays at 1, so the output is ``max(t, 1)``:
    flat to the left of ``t = 1`` (slope 0), rising to the right (slope 1).
    The central difference with step ``h`` joins ``t = 1 - h`` to
    ``t = 1 + h`` and so measures the slope 0.5, which neither side has.

    Parameters
    ----------
    h : float, default 0.01
        The step of the central difference drawn; the chart shows
        ``1 - 3h <= t <= 1 + 3h``.
    presentation : bool, optional
        Larger fonts and figure for a projector. None follows
        :func:`pooling_lib.plots.set_presentation`.

    Returns
    -------
    PoolingFigure
        One axes with two lines: the output ``max(t, 1)``, then the secant
        through its values at ``1 - h`` and ``1 + h``.

    Raises
    ------
    ValueError
        If ``h`` is not a positive finite number.

    Examples
    --------
    >>> secant = kink_figure(h=0.01).axes[0].lines[1]
    >>> secant.get_xdata().tolist(), secant.get_ydata().tolist()
    ([0.99, 1.01], [1.0, 1.01])
    """
    if isinstance(h, bool) or not isinstance(h, int | float | np.number) or not 0 < h < math.inf:
        raise ValueError(f"h must be a positive finite number, such as 0.01, got {h!r}")
    h = float(h)
    style = Style(presentation)
    figure = _new_figure(7.5, 4.0, style)
    ax = figure.add_subplot()
    t = np.linspace(1 - 3 * h, 1 + 3 * h, 201)
    ax.plot(
        t, np.maximum(t, 1.0), color=OKABE_ITO[0], lw=style.chart_line, label="output = max(t, 1)"
    )
    ends = np.array([1 - h, 1 + h])
    ax.plot(
        ends,
        np.maximum(ends, 1.0),
        color=OKABE_ITO[3],
        ls="--",
        marker="o",
        markersize=style.marker,
        lw=style.chart_line,
        label=f"central difference, h = {h:g}: slope 0.5",
    )
    ax.annotate(
        "kink",
        xy=(1.0, 1.0),
        xytext=(1 + 1.2 * h, 1 + 0.15 * h),
        fontsize=style.font,
        va="center",
        arrowprops={"arrowstyle": "->", "color": "#404040"},
    )
    title = "max(t, 1): slope 0 left of the tie, 1 right of it"
    _finish(ax, "value t of the first tied cell", "pooled output", title, style, legend="inside")
    return figure


def scaling_figure(
    sizes,
    seconds,
    *,
    title="",
    xlabel="digits in the batch (m)",
    ylabel="milliseconds per call",
    presentation=None,
):
    """How each implementation's time grows with the batch, in milliseconds on log-log axes.

    On log-log axes a line of slope 1 is a time proportional to the batch
    size; a flat start is a fixed cost that does not depend on it.

    Parameters
    ----------
    sizes : array_like, shape (n,)
        The batch sizes timed, increasing.
    seconds : dict of str to array_like, each shape (n_k,) with n_k <= n
        Seconds per call for each implementation at ``sizes[:n_k]``: a slow
        one may stop early. The names of :data:`IMPLEMENTATION_STYLES` keep
        their colour and marker; other names take the remaining colours.
    title : str, default ''
        The chart's title.
    xlabel, ylabel : str
        Axis labels.
    presentation : bool, optional
        Larger fonts, lines and figure for a projector. None follows
        :func:`pooling_lib.plots.set_presentation`.

    Returns
    -------
    PoolingFigure
        One axes with one line per implementation, its y data in milliseconds.

    Raises
    ------
    ValueError
        If ``sizes`` is not 1-D, ``seconds`` is empty, or a series is longer than ``sizes``.
    TypeError
        If ``seconds`` is not a dict, or ``presentation`` is not a bool.

    Examples
    --------
    >>> figure = scaling_figure([4, 8, 16], {"pooling_lib": [0.001, 0.001, 0.002],
    ...                                      "four loops": [0.01, 0.02]})
    >>> [line.get_ydata().tolist() for line in figure.axes[0].lines]
    [[1.0, 1.0, 2.0], [10.0, 20.0]]
    """
    sizes = np.asarray(sizes, dtype=float)
    if sizes.ndim != 1 or len(sizes) < 1:
        raise ValueError(f"sizes must be 1-D with at least one value, got shape {sizes.shape}")
    arrays = _as_series(seconds, -len(sizes), "sizes")
    return _draw_lines(
        sizes,
        {name: values * 1e3 for name, values in arrays.items()},
        xlabel=xlabel,
        ylabel=ylabel,
        title=title,
        log=True,
        percent=False,
        styles=_styles(arrays, IMPLEMENTATION_STYLES),
        presentation=presentation,
    )


def timings_figure(
    settings,
    seconds,
    *,
    title="",
    xlabel="",
    ylabel="milliseconds per call",
    presentation=None,
):
    """Each implementation's time for each setting, as grouped bars in milliseconds.

    Parameters
    ----------
    settings : sequence, length n
        What was timed, left to right (``"stride 1"``, ...); shown as ``str``.
    seconds : dict of str to array_like, each shape (n,)
        Seconds per call for each implementation and setting. The names of
        :data:`IMPLEMENTATION_STYLES` keep their colour.
    title : str, default ''
        The chart's title.
    xlabel, ylabel : str
        Axis labels.
    presentation : bool, optional
        Larger fonts and figure for a projector. None follows
        :func:`pooling_lib.plots.set_presentation`.

    Returns
    -------
    PoolingFigure
        One axes; its ``containers`` hold one group of bars per
        implementation, heights in milliseconds.

    Raises
    ------
    ValueError
        If there are no settings, ``seconds`` is empty, or a series does not
        give one time per setting.
    TypeError
        If ``seconds`` is not a dict, or ``presentation`` is not a bool.

    Examples
    --------
    >>> figure = timings_figure(["stride 1", "stride 2"],
    ...                         {"window loops": [0.03, 0.008], "pooling_lib": [0.002, 0.001]})
    >>> [round(float(bar.get_height()), 6) for bar in figure.axes[0].containers[0]]
    [30.0, 8.0]
    """
    labels = _as_categories(settings)
    arrays = _as_series(seconds, len(labels), "settings")
    return _draw_bars(
        labels,
        {name: values * 1e3 for name, values in arrays.items()},
        xlabel=xlabel,
        ylabel=ylabel,
        title=title,
        percent=False,
        styles=_styles(arrays, IMPLEMENTATION_STYLES),
        presentation=presentation,
    )
