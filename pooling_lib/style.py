"""The house style every picture and chart shares: sizes, colours, presentation mode, numbers.

* ``DPI`` and :func:`whole_pixels`, so that a figure's size in inches and its
  PNG's size in pixels always agree;
* the colour maps (``cividis`` for pixels, the diverging ``PuOr_r`` for
  gradients, NaN grey in both) and the Okabe-Ito palette, which stays
  distinguishable with every common colour-vision deficiency;
* :class:`Style`, font sizes and line widths for a screen or, after
  :func:`set_presentation`, for a projector;
* :func:`format_number`, how every number written into a picture looks.

No module draws with sizes or colours of its own choosing: they come from here.
"""

from __future__ import annotations

import math

import matplotlib as mpl
import numpy as np

__all__ = [
    "DPI",
    "GRADIENT_CMAP",
    "IMAGE_CMAP",
    "MISSING_COLOR",
    "PROJECTOR_CONTROL_PX",
    "PROJECTOR_PICTURE",
    "PROJECTOR_TEXT_PX",
    "Style",
    "format_number",
    "pixels",
    "points",
    "presentation_setting",
    "set_presentation",
    "whole_pixels",
]

DPI = 80
MISSING_COLOR = "#d9d9d9"
# Projector mode, sized for a 1280 x 720 screen with the controls beside the picture:
# the largest picture, in pixels, and the smallest text a back row reads, in pixels.
PROJECTOR_PICTURE = (720, 430)
PROJECTOR_TEXT_PX = 28
PROJECTOR_CONTROL_PX = 24
IMAGE_CMAP = mpl.colormaps["cividis"].with_extremes(bad=MISSING_COLOR)
GRADIENT_CMAP = mpl.colormaps["PuOr_r"].with_extremes(bad=MISSING_COLOR)

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#8c8c8c"
BLACK = "#000000"

_presentation_default = False


def set_presentation(on=True):
    """Make every picture and chart built from now on large enough for a projector.

    Parameters
    ----------
    on : bool, default True
        Larger fonts and a larger figure when true. Pictures, charts and
        explorers given ``presentation=True`` or ``False`` explicitly ignore this.

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


def presentation_setting(presentation):
    """``presentation`` as a plain bool: None means :func:`set_presentation`'s setting.

    Parameters
    ----------
    presentation : bool, numpy.bool_ or None

    Returns
    -------
    bool

    Raises
    ------
    TypeError
        If ``presentation`` is anything else (a string such as ``'False'`` would
        otherwise read as true).

    Examples
    --------
    >>> presentation_setting(np.True_), presentation_setting(False)
    (True, False)
    """
    if presentation is None:
        return _presentation_default
    if not isinstance(presentation, bool | np.bool_):
        raise TypeError(
            "presentation must be True, False or None (the set_presentation setting), "
            f"got {presentation!r}"
        )
    return bool(presentation)


class Style:
    """Font sizes, line widths and figure scale for a screen or a projector.

    Parameters
    ----------
    presentation : bool or None
        None follows :func:`set_presentation`.

    Attributes
    ----------
    presentation : bool
    figure_scale : float
        Every figure's inches are multiplied by this.
    font, small, large, title, tick, cell : float
        Font sizes in points: text, small text (views), large text (views),
        chart titles, chart tick labels, numbers written in cells.
    line, chart_line, marker : float
        Line widths (views, charts) and marker size in points.

    Raises
    ------
    TypeError
        If ``presentation`` is not a bool or None.
    """

    def __init__(self, presentation):
        self.presentation = presentation_setting(presentation)
        scale = 1.45 if self.presentation else 1.0
        self.figure_scale = 1.3 if self.presentation else 1.0
        self.font = 11.0 * scale
        self.small = 9.0 * scale
        self.large = 13.0 * scale
        self.title = 12.0 * scale
        self.tick = 9.5 * scale
        self.cell = 7.5 * scale
        self.line = 1.0 * scale
        self.chart_line = 1.8 * scale
        self.marker = 6.0 * scale


def points(pixels):
    """A size of ``pixels`` at ``DPI``, in points (what matplotlib's font sizes are in).

    Examples
    --------
    >>> points(28)
    25.2
    """
    return pixels * 72 / DPI


def pixels(size_in_points):
    """A font size in points as pixels of a picture drawn at ``DPI``.

    Examples
    --------
    >>> pixels(25.2)
    28.0
    """
    return round(size_in_points * DPI / 72, 3)


def whole_pixels(inches):
    """``inches`` rounded to a whole number of pixels at ``DPI``.

    A figure whose size is not a whole number of pixels gets a PNG one pixel
    smaller or larger than its size says, depending on rounding.

    Examples
    --------
    >>> whole_pixels(1.01) * DPI
    81.0
    """
    return round(inches * DPI) / DPI


def format_number(value, spec=".2f"):
    """How a number is written in a picture: NaN, infinities and signs one way everywhere.

    Parameters
    ----------
    value : float
    spec : str, default '.2f'
        A format specification for finite values, e.g. ``'.3g'`` or ``'+.2f'``.

    Returns
    -------
    str
        ``'nan'``; ``'∞'`` or ``'−∞'`` (``'+∞'`` when ``spec`` asks for a
        sign); otherwise ``format(value, spec)`` with a true minus sign, and
        -0.0 written as 0 (the sign of an exact zero says nothing to a learner).

    Examples
    --------
    >>> [format_number(v) for v in (float("nan"), -math.inf, -0.0, -1.5)]
    ['nan', '−∞', '0.00', '−1.50']
    >>> format_number(0.5, "+.2f"), format_number(math.inf, "+.2f")
    ('+0.50', '+∞')
    """
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        sign = "\N{MINUS SIGN}" if value < 0 else ("+" if "+" in spec else "")
        return sign + "\N{INFINITY}"
    # Adding 0.0 turns -0.0 into 0.0. A small negative value that rounds to zero
    # keeps its minus sign: it says on which side of zero the value lies.
    return format(value + 0.0, spec).replace("-", "\N{MINUS SIGN}")
