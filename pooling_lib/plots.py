"""Pictures of pooling, drawn on matplotlib Figures: no widgets, no pyplot.

This is the pictures' public face: notebooks write ``plots.grid_figure(...)``
and find every picture here, whichever module draws it.

Each slider-driven picture is a *view*: a class that builds one
:class:`~matplotlib.figure.Figure` and its artists once, then redraws by
changing those artists in place whenever ``update`` is called, which is what
makes the widgets in :mod:`pooling_lib.explorers` answer a slider within a
few tens of milliseconds. A view's ``update`` takes the image and the
pooling options as one :class:`PoolRequest`, the options as given, which
the view checks against the image itself. The figure functions here keep
the library's keywords (``kernel_shape=``, ``stride=``, ...) and build the
request from them. The same views make the static figures here:

* :class:`WindowView` / :func:`window_figure`: every window on a digit, the
  pooled output at the same pixel scale, the output-size formula, padding,
  ceil-mode overhang and what the floor drops.
* :class:`MaxMaskView` / :func:`max_mask_figure`: which pixel wins each max
  window, which windows are ties, and the gradient under each tie policy.
* :class:`PipelineView` / :func:`pipeline_figure`: convolution, ReLU and
  pooling on a shifted digit, and how much each map changes.
* :class:`GradientView` and :class:`AnimationView`, behind the gradient and
  animation explorers: where one output cell's gradient goes, and the window
  walking across the digit.

Two static pictures need no view, for the notebooks' small worked examples:
:func:`grid_figure` (small arrays with their values written in and boxes
outlined) and :func:`axis_cells_figure` (the cells of one axis and the cells
each window reads).

Where things live: the views in :mod:`pooling_lib.window_views` and
:mod:`pooling_lib.flow_views`, the static array pictures in
:mod:`pooling_lib.array_figures`, the arrays they show in
:mod:`pooling_lib.maps` and the words in :mod:`pooling_lib.captions` (both
without matplotlib), sizes, colours and number formatting in
:mod:`pooling_lib.style`, and the drawing machinery in
:mod:`pooling_lib.render` and :mod:`pooling_lib.glyphs`. This module alone
reads the bundled digits (:func:`digit_image`); the views are given arrays.

Every window position comes from :func:`pooling_lib.pool_geometry`, every
pooled value from :func:`pooling_lib.pool_forward` /
:func:`pooling_lib.pool_backward`, and every max window's winner from
:func:`pooling_lib.max_pool_winners`: the pictures never recompute geometry
or the max rule. In the views, options that the library refuses are drawn
as a short message in the picture, never raised; anything else raises.
"""

from __future__ import annotations

import functools
import numbers

from ._checks import PoolRequest, renamed_keyword
from .array_figures import AXIS_CELL_STYLES, BOX_COLORS, axis_cells_figure, grid_figure
from .captions import output_size_formula
from .data import load_mnist
from .flow_views import AnimationView, GradientView, PipelineView
from .glyphs import CellLabels, GlyphText
from .maps import PIPELINE_KERNELS, TIE_POLICIES, as_image, conv2d_valid, shift_image, window_values
from .render import PoolingFigure, figure_png
from .style import DPI, set_presentation
from .window_views import MaxMaskView, WindowView

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
    "PoolRequest",
    "PoolingFigure",
    "WindowView",
    "axis_cells_figure",
    "conv2d_valid",
    "digit_image",
    "figure_png",
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


def _digit_and_title(digit, channel, image):
    if image is not None:
        return as_image(image), "image"
    pixels, label = digit_image(digit, channel)
    return pixels, f"digit #{digit} (a {label}{', inverse' if channel == 'inverse' else ''})"


@renamed_keyword("kernel", "kernel_shape")
def window_figure(
    digit=0,
    *,
    channel="digit",
    kernel_shape=2,
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
    kernel_shape, stride, padding, dilation : int or (int, int)
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
    >>> window_figure(kernel_shape=3, stride=2)
    <PoolingFigure size 960x528 with 3 Axes>
    """
    pixels, name = _digit_and_title(digit, channel, image)
    request = PoolRequest(kernel_shape, stride, padding, dilation, ceil_mode, mode)
    view = WindowView(presentation)
    view.update(pixels, request, subject=name)
    return view.figure


@renamed_keyword("kernel", "kernel_shape")
def max_mask_figure(
    digit=0,
    *,
    channel="digit",
    kernel_shape=2,
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
    kernel_shape, stride, padding : int or (int, int)
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
    request = PoolRequest(kernel_shape, stride, padding, ties=ties)
    view = MaxMaskView(presentation)
    view.update(pixels, request, subject=name)
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
    if isinstance(pool, bool) or not isinstance(pool, numbers.Integral):
        raise TypeError(f"pool must be an int, the pooling window and stride, got {pool!r}")
    pixels, name = _digit_and_title(digit, "digit", image)
    request = PoolRequest(kernel_shape=int(pool), stride=int(pool), mode=mode)
    view = PipelineView(presentation)
    view.update(pixels, request, kernel_name, shift, subject=name)
    return view.figure
