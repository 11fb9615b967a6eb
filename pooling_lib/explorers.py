"""Interactive explorers: the pictures of :mod:`pooling_lib.plots` behind sliders.

Each explorer is one widget a notebook shows in one line::

    from pooling_lib.explorers import window_explorer
    window_explorer()

Moving a slider calls the view's ``update`` (artists changed in place, no new
figure) and puts the rendered PNG into a ``widgets.Image``. There is no
``interact`` and no ``Output`` widget, so the notebooks pass strict nbval.
Options the library refuses (padding over half the kernel, a window larger
than the padded digit) are drawn as a message in the picture, by the view;
any other error is a bug, and raises, so that nbval and the browser tests
see it.

An explorer is a ``widgets.VBox`` whose saved output also holds a PNG of its
current state, so a notebook on GitHub or nbviewer shows the picture without
a kernel, and whose ``repr`` names its state without memory addresses, so
saved outputs do not change between runs.

Everything a test needs is an attribute: the sliders (``explorer.kernel_h``,
``explorer.stride_w``, ...), the view with its drawn artists
(``explorer.view``), and the image widget (``explorer.image``).

A factory accepts exactly the values its sliders can show, and refuses any
other with a ``TypeError`` or ``ValueError`` that names the parameter, the
value and the range: no option can make an explorer's work grow past what
its sliders reach. It passes its explorer class the pooling options as one
:class:`~pooling_lib.plots.PoolRequest`; the class checks them against its
sliders' ranges, and after every change builds the view's request from the
sliders (:attr:`Explorer.request_controls`). Build an explorer with its
factory (``window_explorer(kernel_shape=3)``): the classes are public for
``isinstance`` and for their attributes, and their constructors take the
options as that one request, not as keywords.

An explorer holds a figure and a few dozen widgets, which ipywidgets keeps
alive until they are closed. :meth:`Explorer.close` closes them all and drops
the figure; re-running a notebook cell closes the explorers that cell's
previous run built and that nothing of the learner's still uses, so a
learner who re-runs a cell all lesson does not fill the kernel's memory.
"""

from __future__ import annotations

import ipywidgets as widgets

from ._checks import MODES, PoolRequest, renamed_keyword
from .check_explorers import GradientCheckExplorer, gradient_check_explorer
from .explorer_base import (
    N_DIGITS,
    PAIRED_SLIDERS,
    Explorer,
    factory_doc,
    integer,
    kernel_and_stride,
    option,
    output_or_one,
)
from .geometry import check_bool, output_shape
from .plots import (
    CHANNELS,
    PIPELINE_KERNELS,
    TIE_POLICIES,
    AnimationView,
    GradientView,
    MaxMaskView,
    PipelineView,
    WindowView,
    digit_image,
)
from .presets import first_ink_step
from .style import presentation_setting

__all__ = [
    "Explorer",
    "GradientCheckExplorer",
    "GradientExplorer",
    "MaxMaskExplorer",
    "PipelineExplorer",
    "PoolingAnimation",
    "WindowExplorer",
    "gradient_check_explorer",
    "gradient_explorer",
    "max_mask_explorer",
    "pipeline_explorer",
    "pooling_animation",
    "window_explorer",
]


class WindowExplorer(Explorer):
    """Where every window falls on a digit; see :func:`window_explorer`.

    Controls: ``digit``, ``channel``, ``mode``, ``kernel_h``, ``kernel_w``,
    ``stride_h``, ``stride_w``, ``padding``, ``dilation``, ``ceil_mode``.
    The picture is a :class:`pooling_lib.plots.WindowView`.
    """

    request_controls = {
        **PAIRED_SLIDERS,
        "padding": "padding",
        "dilation": "dilation",
        "ceil_mode": "ceil_mode",
        "mode": "mode",
    }

    def __init__(self, digit, channel, request, presentation):
        # Every argument is checked before any widget exists: ipywidgets keeps each
        # widget it makes, so a refusal half-way through would leave some behind.
        integer(digit, "digit", 0, N_DIGITS - 1)
        option(channel, "channel", CHANNELS)
        kernel, stride = kernel_and_stride(request, 8)
        padding = integer(request.padding, "padding", 0, 4)
        dilation = integer(request.dilation, "dilation", 1, 4)
        ceil_mode = check_bool(request.ceil_mode, "ceil_mode")
        mode = option(request.mode, "mode", MODES)
        self.presentation = presentation_setting(presentation)
        self.digit = self._slider("digit", "digit", digit, 0, N_DIGITS - 1, continuous=False)
        self.channel = self._toggles(
            "channel",
            "channel",
            CHANNELS,
            channel,
            ["the digit: ink 1 on 0", "its inverse: 1 - digit"],
        )
        self.mode = self._toggles("mode", "mode", MODES, mode)
        self.kernel_h, self.kernel_w = self._pair_sliders("kernel", kernel, 1, 8)
        self.stride_h, self.stride_w = self._pair_sliders("stride", stride, 1, 8)
        self.padding = self._slider("padding", "padding", padding, 0, 4)
        self.dilation = self._slider("dilation", "dilation", dilation, 1, 4)
        self.ceil_mode = self._checkbox("ceil_mode", "ceil mode", ceil_mode, "140px")
        rows = [
            (self.digit, self.channel, self.mode),
            (self.kernel_h, self.kernel_w, self.ceil_mode),
            (self.stride_h, self.stride_w),
            (self.padding, self.dilation),
        ]
        view = WindowView(presentation, margin=self.padding.max)
        self._start(view, rows)


class MaxMaskExplorer(Explorer):
    """Which pixel wins each max window, and ties; see :func:`max_mask_explorer`.

    Controls: ``digit``, ``channel``, ``ties`` (only with the gradient),
    ``kernel_h``, ``kernel_w``, ``stride_h``, ``stride_w``, ``padding``. The
    picture is a :class:`pooling_lib.plots.MaxMaskView`.
    """

    request_controls = {
        **PAIRED_SLIDERS,
        "padding": "padding",
        "ties": "ties",
    }

    def __init__(self, digit, channel, request, presentation, show_gradient):
        integer(digit, "digit", 0, N_DIGITS - 1)
        option(channel, "channel", CHANNELS)
        kernel, stride = kernel_and_stride(request, 6)
        padding = integer(request.padding, "padding", 0, 3)
        ties = option(request.ties, "ties", TIE_POLICIES)
        self.show_gradient = check_bool(show_gradient, "show_gradient")
        self.presentation = presentation_setting(presentation)
        self.digit = self._slider("digit", "digit", digit, 0, N_DIGITS - 1, continuous=False)
        self.channel = self._toggles("channel", "channel", CHANNELS, channel)
        # Tie policies decide only where gradient goes: without the gradient there is no
        # choice, no ties control, and the request keeps the default policy.
        if self.show_gradient:
            self.ties = self._toggles(
                "ties",
                "ties",
                TIE_POLICIES,
                ties,
                [
                    "the first maximum in row-major order gets dA (PyTorch)",
                    "every tied maximum gets all of dA",
                    "tied maxima share dA equally",
                ],
            )
        self.kernel_h, self.kernel_w = self._pair_sliders("kernel", kernel, 1, 6)
        self.stride_h, self.stride_w = self._pair_sliders("stride", stride, 1, 6)
        self.padding = self._slider("padding", "padding", padding, 0, 3)
        first_row = (self.digit, self.channel)
        rows = [
            (*first_row, self.ties) if self.show_gradient else first_row,
            (self.kernel_h, self.kernel_w, self.padding),
            (self.stride_h, self.stride_w),
        ]
        self._start(MaxMaskView(presentation, self.show_gradient), rows)


class GradientExplorer(Explorer):
    """Where one output cell's gradient goes; see :func:`gradient_explorer`.

    Controls: ``digit``, ``kernel_h``, ``kernel_w``, ``stride_h``,
    ``stride_w``, ``row``, ``col``, ``seed``. ``row`` and ``col`` range over
    the output, which changes with kernel and stride. The picture is a
    :class:`pooling_lib.plots.GradientView`.
    """

    request_controls = PAIRED_SLIDERS
    view_controls = {"cell": ("row", "col"), "seed": "seed"}

    def __init__(self, digit, request, row, col, seed, presentation):
        integer(digit, "digit", 0, N_DIGITS - 1)
        kernel, stride = kernel_and_stride(request, 6)
        integer(row, "row", 0, 27)
        integer(col, "col", 0, 27)
        integer(seed, "seed", 0, 99)
        self.presentation = presentation_setting(presentation)
        self.digit = self._slider("digit", "digit", digit, 0, N_DIGITS - 1, continuous=False)
        self.kernel_h, self.kernel_w = self._pair_sliders("kernel", kernel, 1, 6)
        self.stride_h, self.stride_w = self._pair_sliders("stride", stride, 1, 6)
        self.row = self._slider("row", "output row", row, 0, 27)
        self.col = self._slider("col", "output col", col, 0, 27)
        self.seed = self._slider("seed", "dA seed", seed, 0, 99)
        rows = [
            (self.digit, self.seed),
            (self.kernel_h, self.kernel_w),
            (self.stride_h, self.stride_w),
            (self.row, self.col),
        ]
        self._start(GradientView(presentation), rows)

    def _sync_controls(self):
        in_shape = digit_image(self.digit.value)[0].shape
        h_out, w_out = output_or_one(in_shape, self._request())
        self.row.max, self.col.max = h_out - 1, w_out - 1


class PipelineExplorer(Explorer):
    """Convolution, ReLU and pooling on a shifted digit; see :func:`pipeline_explorer`.

    Controls: ``digit``, ``kernel_name``, ``shift_down``, ``shift_right``,
    ``pool``, ``mode``. The picture is a :class:`pooling_lib.plots.PipelineView`.
    """

    # The pool size is the window and the stride: windows tile the map.
    request_controls = {"kernel_shape": "pool", "stride": "pool", "mode": "mode"}
    view_controls = {"kernel_name": "kernel_name", "shift": ("shift_down", "shift_right")}

    def __init__(self, digit, kernel_name, shift_down, shift_right, request, presentation):
        integer(digit, "digit", 0, N_DIGITS - 1)
        option(kernel_name, "kernel_name", tuple(PIPELINE_KERNELS))
        integer(shift_down, "shift_down", -3, 3)
        integer(shift_right, "shift_right", -3, 3)
        pool = integer(request.kernel_shape, "pool", 1, 4)
        mode = option(request.mode, "mode", MODES)
        self.presentation = presentation_setting(presentation)
        self.digit = self._slider("digit", "digit", digit, 0, N_DIGITS - 1, continuous=False)
        self.kernel_name = self._control(
            "kernel_name",
            widgets.Dropdown(
                options=list(PIPELINE_KERNELS),
                value=option(kernel_name, "kernel_name", tuple(PIPELINE_KERNELS)),
                description="conv kernel",
                style={"description_width": "initial"},
            ),
        )
        self.shift_down = self._slider("shift_down", "shift down", shift_down, -3, 3)
        self.shift_right = self._slider("shift_right", "shift right", shift_right, -3, 3)
        self.pool = self._slider("pool", "pool size", pool, 1, 4)
        self.mode = self._toggles("mode", "mode", MODES, mode)
        rows = [
            (self.digit, self.kernel_name, self.mode),
            (self.shift_down, self.shift_right, self.pool),
        ]
        self._start(PipelineView(presentation), rows)


class PoolingAnimation(Explorer):
    """A window walking across the digit; see :func:`pooling_animation`.

    Controls: ``digit``, ``mode``, ``kernel``, ``stride`` and ``step``;
    ``play`` (an ``ipywidgets.Play``) drives ``step`` in the browser. The
    picture is a :class:`pooling_lib.plots.AnimationView`.
    """

    request_controls = {"kernel_shape": "kernel", "stride": "stride", "mode": "mode"}
    view_controls = {"step": "step"}

    def __init__(self, digit, request, step, interval, presentation):
        digit = integer(digit, "digit", 0, N_DIGITS - 1)
        mode = option(request.mode, "mode", MODES)
        kernel = integer(request.kernel_shape, "kernel_shape", 1, 7)
        stride = integer(request.stride, "stride", 1, 7)
        h_out, w_out = output_shape(*digit_image(digit)[0].shape, kernel, stride)
        windows = h_out * w_out
        step = integer(
            step,
            "step",
            0,
            windows - 1,
            f" (kernel {kernel} and stride {stride} make {windows} windows)",
        )
        interval = integer(interval, "interval", 10, 10_000, " milliseconds")
        self.presentation = presentation_setting(presentation)
        self.digit = self._slider("digit", "digit", digit, 0, N_DIGITS - 1, continuous=False)
        self.mode = self._toggles("mode", "mode", MODES, mode)
        self.kernel = self._slider("kernel", "kernel", kernel, 1, 7)
        self.stride = self._slider("stride", "stride", stride, 1, 7)
        self.step = self._slider("step", "step", step, 0, windows - 1)
        self.play = widgets.Play(
            value=self.step.value,
            min=0,
            max=self.step.max,
            step=1,
            interval=interval,
            description="play",
            show_repeat=False,
        )
        # Linked in the browser: a running animation costs the kernel one render per step.
        self._link = widgets.jslink((self.play, "value"), (self.step, "value"))
        rows = [
            (self.play, self.step),
            (self.kernel, self.stride, self.mode),
            (self.digit,),
        ]
        self.previous = self.next = self.restart = None
        if self.presentation:
            # ■ of the Play widget jumps to step 0, a window of background; the projector
            # hides it and offers a pause that keeps the step, one-step moves and a
            # restart that is labelled as such.
            self.previous = self._button("◀ back", "one step back (←)", "pooling-previous", -1)
            self.next = self._button("next ▶", "one step on (→)", "pooling-next", 1)
            self.restart = self._button(
                "↺ restart", "back to the first window with ink (Home)", "pooling-restart", None
            )
            rows = [
                (self.play, self.previous, self.next, self.restart),
                (self.step, self.kernel, self.stride, self.mode, self.digit),
            ]
        self._start(AnimationView(presentation), rows, extra_widgets=[self._link])

    def _button(self, description, tooltip, css_class, steps):
        button = widgets.Button(description=description, tooltip=tooltip)
        button.add_class(css_class)
        button.on_click(lambda _: self.move(steps))
        return button

    def move(self, steps=None):
        """Step the animation by ``steps`` windows (clipped to the ends), or restart it.

        Parameters
        ----------
        steps : int or None
            Windows to move, negative to go back; None goes back to the
            first window that holds ink, where the animation has something
            to show.

        Examples
        --------
        >>> animation = pooling_animation(digit=3001)
        >>> animation.move(), animation.step.value
        (None, 22)
        >>> animation.move(-30), animation.step.value
        (None, 0)
        """
        if steps is None:
            target = first_ink_step(self.digit.value, self.kernel.value, self.stride.value)
        else:
            target = self.step.value + integer(steps, "steps", -self.step.max, self.step.max)
        self.step.value = min(max(target, 0), self.step.max)

    def _sync_controls(self):
        in_shape = digit_image(self.digit.value)[0].shape
        h_out, w_out = output_or_one(in_shape, self._request())
        self.step.max = h_out * w_out - 1
        self.play.max = self.step.max

    def _update(self):
        # The Play widget is linked to the step in the browser only: a step set here
        # must reach it too, or the page would put the step back to the Play's value.
        self.play.value = self.step.value
        super()._update()


@factory_doc
@renamed_keyword("kernel", "kernel_shape")
def window_explorer(
    digit=0,
    channel="digit",
    kernel_shape=2,
    stride=2,
    padding=0,
    dilation=1,
    ceil_mode=False,
    mode="max",
    presentation=None,
):
    """Every pooling window on an MNIST digit, with the pooled output beside it.

    Sliders for the digit, kernel and stride (height and width), padding
    and dilation, a ceil-mode box and max/avg buttons. The picture shows
    each window's outline (one highlighted, with its values enlarged), the
    output at the same pixel scale, the output-size formula with the
    current numbers, the padding, the ceil-mode overhang, and the rows and
    columns the floor drops. Refused options show a message instead.

    Parameters
    ----------
    digit : int, default 0
        Index of one of the 5,000 bundled digits, 0 to 4999.
    channel : {'digit', 'inverse'}, default 'digit'
    kernel_shape, stride : int or (int, int), default 2
        Each from 1 to 8, as on the sliders.
    padding : int, default 0
        0 to 4. More than half the kernel is drawn as the library's refusal.
    dilation : int, default 1
        1 to 4.
    ceil_mode : bool, default False
    mode : {'max', 'avg'}, default 'max'
    presentation : bool, optional
        Larger fonts, picture and controls for a projector; default
        :func:`pooling_lib.plots.set_presentation`'s setting.

    Returns
    -------
    WindowExplorer
        A widget: display it (the last line of a cell) to use it.

    {raises}

    Examples
    --------
    >>> window_explorer(kernel_shape=3, stride=2)
    WindowExplorer(digit=0, channel='digit', mode='max', kernel_h=3, kernel_w=3, stride_h=2, stride_w=2, padding=0, dilation=1, ceil_mode=False)
    """  # noqa: E501
    request = PoolRequest(kernel_shape, stride, padding, dilation, ceil_mode, mode)
    return WindowExplorer(digit, channel, request, presentation)


@factory_doc
@renamed_keyword("kernel", "kernel_shape")
def max_mask_explorer(
    digit=0,
    channel="digit",
    kernel_shape=2,
    stride=2,
    padding=0,
    ties="first",
    presentation=None,
    show_gradient=True,
):
    """Which input pixel wins each max window, the ties, and the gradient for ``dA = 1``.

    On MNIST most windows lie on the flat black background, where every
    cell ties at 0. The picture marks unique winners (circles), tied
    windows (blue) and the tied cells that get gradient (squares) under the
    chosen tie policy, shows ``dA_prev`` for ``dA = 1``, and counts the
    pixels that get gradient under each policy. With ``show_gradient=False``
    it shows the forward pass only: winners, tied windows and every tied
    cell, with no gradient, colour bar or tie control.

    Parameters
    ----------
    digit : int, default 0
        0 to 4999.
    channel : {'digit', 'inverse'}, default 'digit'
    kernel_shape, stride : int or (int, int), default 2
        Each from 1 to 6.
    padding : int, default 0
        0 to 3.
    ties : {'first', 'all', 'split'}, default 'first'
        As in :func:`pooling_lib.pool_backward`.
    presentation : bool, optional
    show_gradient : bool, default True
        False for a lesson on the forward pass: winners and ties only.

    Returns
    -------
    MaxMaskExplorer

    {raises}

    Examples
    --------
    >>> explorer = max_mask_explorer(ties="all")
    >>> explorer.view.receivers
    {'first': 196, 'all': 635, 'split': 635}
    >>> sorted(max_mask_explorer(show_gradient=False).controls)
    ['channel', 'digit', 'kernel_h', 'kernel_w', 'padding', 'stride_h', 'stride_w']
    """
    request = PoolRequest(kernel_shape, stride, padding, ties=ties)
    return MaxMaskExplorer(digit, channel, request, presentation, show_gradient)


@factory_doc
@renamed_keyword("kernel", "kernel_shape")
def gradient_explorer(digit=0, kernel_shape=3, stride=2, row=5, col=4, seed=0, presentation=None):
    """Follow one output cell's gradient back to the input, for max and for avg.

    Pick the output cell with the row and column sliders (focus a slider and
    use the arrow keys to step). Its window lights up on the digit, its
    upstream gradient (from a seeded random ``dA``) is written, and the
    pixels that receive it are marked: one for max, every cell for avg. Below,
    the whole ``dA_prev`` for both, and how many windows read each pixel when
    windows overlap (stride < kernel).

    Parameters
    ----------
    digit : int, default 0
        0 to 4999.
    kernel_shape, stride : int or (int, int), default 3 and 2
        Each from 1 to 6.
    row, col : int, default 5 and 4
        The output cell, 0 to 27; a cell beyond the output (which kernel
        and stride make smaller) moves to its last row or column, as the
        sliders do.
    seed : int, default 0
        Seed of ``dA``, standard normal rounded to 2 decimals; 0 to 99.
    presentation : bool, optional

    Returns
    -------
    GradientExplorer

    {raises}

    Examples
    --------
    >>> explorer = gradient_explorer()
    >>> explorer.view.cell, explorer.view.receivers_max.tolist()
    ((5, 4), [[11, 10]])
    """
    request = PoolRequest(kernel_shape, stride)
    return GradientExplorer(digit, request, row, col, seed, presentation)


@factory_doc
def pipeline_explorer(
    digit=0,
    kernel_name="vertical edges",
    shift_down=0,
    shift_right=1,
    pool=2,
    mode="max",
    presentation=None,
):
    """Convolution, ReLU and pooling on a digit that moves by a few pixels.

    Shows how much the ReLU map and the pooled map change when the digit
    shifts, as maps and as relative L2 changes: pooling keeps the strongest
    response of each block, so small shifts change it less.

    Parameters
    ----------
    digit : int, default 0
        0 to 4999.
    kernel_name : str, default 'vertical edges'
        One of ``'vertical edges'``, ``'horizontal edges'``, ``'blur'``,
        ``'sharpen'`` (:data:`pooling_lib.plots.PIPELINE_KERNELS`).
    shift_down, shift_right : int, default 0 and 1
        Pixels to move the digit, -3 to 3; negative moves up or left.
    pool : int, default 2
        Pooling window and stride, 1 to 4.
    mode : {'max', 'avg'}, default 'max'
    presentation : bool, optional

    Returns
    -------
    PipelineExplorer

    {raises}

    Examples
    --------
    >>> explorer = pipeline_explorer()
    >>> explorer.view.changes["pooled"] < explorer.view.changes["relu"]
    True
    """
    request = PoolRequest(kernel_shape=pool, stride=pool, mode=mode)
    return PipelineExplorer(digit, kernel_name, shift_down, shift_right, request, presentation)


@factory_doc
@renamed_keyword("kernel", "kernel_shape")
def pooling_animation(
    digit=0, kernel_shape=2, stride=2, mode="max", step=0, interval=400, presentation=None
):
    """A window walking across the digit, the output filling in cell by cell.

    Press play (or drag the step slider): each step shows the current window
    on the digit, its values enlarged with the max circled or the mean
    worked out, and the output so far. For class demos; square kernels and
    strides keep the controls few.

    Parameters
    ----------
    digit : int, default 0
        0 to 4999.
    kernel_shape, stride : int, default 2
        Each from 1 to 7.
    mode : {'max', 'avg'}, default 'max'
    step : int, default 0
        Window to start at, row-major from 0 to the number of windows less one.
    interval : int, default 400
        Milliseconds per step when playing, 10 to 10,000.
    presentation : bool, optional

    Returns
    -------
    PoolingAnimation

    {raises}

    Examples
    --------
    >>> animation = pooling_animation(step=15)
    >>> animation.view.cell, animation.step.max
    ((1, 1), 195)
    """
    request = PoolRequest(kernel_shape, stride, mode=mode)
    return PoolingAnimation(digit, request, step, interval, presentation)
