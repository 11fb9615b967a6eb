"""The words the pictures write: formulas, option summaries and why options are refused.

Plain strings from plain numbers, no matplotlib, so that the text a learner
reads can be tested without drawing anything.
"""

from __future__ import annotations

import textwrap

from .geometry import PoolingOptionError, pool_geometry


def output_size_formula(n, kernel, stride=1, padding=0, dilation=1, ceil_mode=False, name="h"):
    """The output-size formula along one axis, with the numbers filled in.

    The count at the end is :func:`pooling_lib.pool_geometry`'s; the
    formula before it shows where it comes from.

    Parameters
    ----------
    n, kernel, stride, padding, dilation : int
        Input size and pooling options along this axis.
    ceil_mode : bool, default False
        Round up, then drop a last window that would start at or past the
        input's end.
    name : str, default 'h'
        Axis name written in front, e.g. ``'h'`` or ``'w'``.

    Returns
    -------
    str
        One line such as ``'h_out = floor((28 + 2*0 - 1*(2-1) - 1) / 2) + 1 = ...'``,
        whose last number is what :func:`pooling_lib.output_shape` returns, or,
        when :func:`pooling_lib.pool_geometry` refuses the options, why.

    Raises
    ------
    TypeError
        If an option is not an int, or ``ceil_mode`` not a bool.

    Examples
    --------
    >>> output_size_formula(28, 3, 2)
    'h_out = floor((28 + 2*0 - 1*(3-1) - 1) / 2) + 1 = floor(25 / 2) + 1 = 13'
    >>> output_size_formula(5, 2, 2, ceil_mode=True, name="w")
    'w_out = ceil((5 + 2*0 - 1*(2-1) - 1) / 2) + 1 = ceil(3 / 2) + 1 = 3'
    >>> output_size_formula(5, 2, 2, padding=1, ceil_mode=True)
    "h_out = ceil((5 + 2*1 - 1*(2-1) - 1) / 2) + 1 = ceil(5 / 2) + 1 = 4 - 1 = 3 (the last window would start at 5, at or past the input's end)"
    >>> output_size_formula(28, 3, 2, padding=2)
    'h_out: padding 2 is more than kernel // 2 = 1, not allowed'
    >>> output_size_formula(28, 2, 0)
    'h_out: stride must be positive, got (0, 0)'
    """  # noqa: E501
    # The formula's numbers, written out; the count itself is the library's.
    terms = f"{n} + 2*{padding} - {dilation}*({kernel}-1) - 1"
    numerator = n + 2 * padding - dilation * (kernel - 1) - 1
    try:
        geometry = pool_geometry((n, n), kernel, stride, padding, dilation, ceil_mode)
    except PoolingOptionError as error:
        if error.rule == "half_kernel":
            return (
                f"{name}_out: padding {error.value[0]} is more than kernel // 2 = "
                f"{error.limit[0]}, not allowed"
            )
        if error.rule == "window_fits":
            return f"{name}_out: {terms} = {numerator} < 0, so not even one window fits"
        return f"{name}_out: {error.summary}"
    out = geometry.out_shape[0]
    rounding = "ceil" if ceil_mode else "floor"
    text = f"{name}_out = {rounding}(({terms}) / {stride}) + 1 = {rounding}({numerator} / {stride})"
    dropped = geometry.dropped_window_start(0)
    if dropped is None:
        return f"{text} + 1 = {out}"
    # Rounding up asked for one window more than the geometry keeps.
    return (
        f"{text} + 1 = {out + 1} - 1 = {out} (the last window would start at {dropped}, at or "
        "past the input's end)"
    )


# The refusals a picture draws, by rule: where the windows fall. An option that is not
# an int or a pair, or a mode or tie policy that is not one of the choices, is a mistake
# in the calling code, and raises.
_DRAWN_RULES = ("positive", "non_negative", "half_kernel", "window_fits")


def options_or_message(in_shape, request):
    """Checked PoolOptions and '' or, for options the library refuses, None and a short message.

    ``request`` is a :class:`pooling_lib._checks.PoolRequest`. Only the
    refusals of where the windows fall (:func:`pooling_lib.pool_geometry`'s
    PoolingOptionError) become a message; anything else raises.
    """
    try:
        options = request.check(in_shape)
    except PoolingOptionError as error:
        if error.rule not in _DRAWN_RULES:
            raise
        return None, refusal_message(error)
    # The library accepts any padding up to half the kernel, but a picture draws every
    # padded cell and every window's cells: padding up to the input's size keeps that
    # work bounded by the input (the kernel then spans at most three times it).
    limit = max(in_shape)
    padding = max(options.geometry.padding)
    if padding > limit:
        return None, (
            f"padding {padding} is more than this picture shows "
            f"(at most the input's size, {limit})\n"
            "The library accepts it, but the windows would be almost all padding: "
            "lower the padding."
        )
    return options, ""


def drawn_padding(padding, in_shape):
    """The padding a picture draws: at most the input's size, as `options_or_message` allows.

    Larger padding is refused with a message; drawing all of it would shrink the
    digit to a dot.
    """
    limit = max(in_shape)
    return tuple(min(p, limit) for p in padding)


def refusal_message(error):
    """Reword pool_geometry's refusal as one short line plus a hint, from its fields.

    The numbers come from the refusal's fields, never from its text, so that
    rewording a message cannot change what a picture says.

    Parameters
    ----------
    error : PoolingOptionError
        What :func:`pooling_lib.pool_geometry` raised. Padding over half the
        kernel (rule ``'half_kernel'``) and a window wider than the padded
        input (``'window_fits'``) are reworded; any other rule shows the
        refusal's ``summary``, its message before the hint.

    Returns
    -------
    str

    Examples
    --------
    >>> try:
    ...     pool_geometry((28, 28), 3, padding=2)
    ... except PoolingOptionError as error:
    ...     print(refusal_message(error).splitlines()[0])
    padding 2 is more than half the kernel (3 // 2 = 1)
    """
    if error.rule == "half_kernel":
        padding, limit, kernel_shape = error.value, error.limit, error.kernel_shape
        same = kernel_shape[0] == kernel_shape[1] and padding[0] == padding[1]
        # Name the axis whose padding passes its limit, the height's first.
        axis = 0 if padding[0] > limit[0] else 1
        where = "" if same else f" {('height', 'width')[axis]}"
        return (
            f"padding {padding[axis]} is more than half the kernel{where} "
            f"({kernel_shape[axis]} // 2 = {limit[axis]})\n"
            "PyTorch's rule: kernel // 2 is all a stride-1 output as large as the input needs. "
            "Lower the padding or enlarge the kernel."
        )
    if error.rule == "window_fits":
        spans, padded = error.span, error.limit
        return (
            f"the window spans {spans[0]} x {spans[1]} pixels, more than the padded digit "
            f"({padded[0]} x {padded[1]})\n"
            f"Kernel {error.kernel_shape[0]} x {error.kernel_shape[1]} with dilation "
            f"{error.dilation[0]}: use a smaller kernel or dilation, or more padding."
        )
    return error.summary


def span_text(positions, noun):
    first, last = int(positions[0]), int(positions[-1])
    if first == last:
        return f"{noun} {first}"
    step = int(positions[1] - positions[0])
    return f"{noun}s {first}-{last}" + (f" by {step}" if step > 1 else "")


def coverage(geometry):
    """One line saying what the floor drops, what ceil mode adds, and what no window reads."""
    notes = []
    dropped = []
    overhang = []
    for axis, noun in enumerate(("row", "column")):
        n, p = geometry.in_shape[axis], geometry.padding[axis]
        last = int(geometry.window_positions(axis)[-1, -1])
        if last < n - 1:
            first = last + 1
            dropped.append(f"{noun} {first}" if first == n - 1 else f"{noun}s {first}-{n - 1}")
        if last > n - 1 + p:
            extra = last - (n - 1 + p)
            overhang.append(f"{extra} {noun}{'s' if extra > 1 else ''}")
    if dropped:
        notes.append("the floor drops " + " and ".join(dropped))
    if overhang:
        notes.append("ceil mode overhangs the padding by " + " and ".join(overhang))
    if not notes:
        notes.append("the windows reach every row and column")
    unread = int((geometry.overlap_counts() == 0).sum())
    if unread:
        notes.append(f"{unread} pixels are read by no window")
    return "; ".join(notes)


def options_title(request, pooling=None):
    """The options of a :class:`pooling_lib._checks.PoolRequest` in a few words.

    ``pooling`` names the pooling, by default the request's ``mode``; padding,
    dilation and ceil mode are named only when they are not the default.

    Examples
    --------
    >>> from pooling_lib._checks import PoolRequest
    >>> options_title(PoolRequest(kernel_shape=3, stride=(2, 1), padding=1, ceil_mode=True))
    'max pooling, kernel 3 x 3, stride 2 x 1, padding 1, ceil mode'
    """
    kernel_shape, stride, padding, dilation = request.pairs()
    parts = [
        f"{pooling or request.mode} pooling",
        f"kernel {kernel_shape[0]} x {kernel_shape[1]}",
        f"stride {stride[0]} x {stride[1]}",
    ]
    if padding != (0, 0):
        parts.append(
            f"padding {padding[0]}"
            if padding[0] == padding[1]
            else f"padding {padding[0]}, {padding[1]}"
        )
    if dilation != (1, 1):
        parts.append(
            f"dilation {dilation[0]}"
            if dilation[0] == dilation[1]
            else f"dilation {dilation[0]}, {dilation[1]}"
        )
    if request.ceil_mode:
        parts.append("ceil mode")
    return ", ".join(parts)


def shift_caption(relu_change, pooled_change, shift, pool, mode="max"):
    """What the pipeline picture's numbers say: which map moved less, and whether pooling forgives.

    The comparison comes from the two changes; the verdict from the shift
    against the pooling window (which is also the stride, so windows tile
    the map). A shift smaller than the window on both axes keeps most
    features inside their window, which pooling can forgive; a shift of a
    whole window or more carries them into other windows, which it cannot,
    whatever the numbers.

    Parameters
    ----------
    relu_change, pooled_change : float
        Relative L2 changes of the ReLU map and of the pooled map, 0 for none.
    shift : (int, int)
        The digit's shift ``(down, right)`` in pixels; negative moves up or left.
    pool : int
        Pooling window and stride, at least 1.
    mode : {'max', 'avg'}, default 'max'

    Returns
    -------
    str
        The numbers compared, then the verdict, wrapped at 100 characters.

    Examples
    --------
    >>> print(shift_caption(0.88, 0.43, (0, 1), 3))
    The pooled map changed much less than the ReLU map: 43% against 88%, 45 points less. A shift of 1
    pixel is smaller than the 3 x 3 window (stride 3): most features stay in their window, and its max
    does not care where in it they sit. That is the local shift tolerance pooling buys.
    >>> print(shift_caption(1.37, 1.30, (2, 2), 2))
    The pooled map changed a little less than the ReLU map: 130% against 137%, 7 points less. A shift of
    2 pixels is not smaller than the 2 x 2 window (stride 2): features move into other windows, a shift
    pooling does not forgive (a multiple of 2 moves the pooled map by whole cells).
    """  # noqa: E501
    down, right = (int(v) for v in shift)
    if pool == 1:
        return (
            "A 1 x 1 pool keeps every cell: the pooled map is the ReLU map, and changes "
            "exactly as much. Try a pool size of 2 or more."
        )
    if down == 0 and right == 0:
        return (
            "No shift, no change. Move the digit with the shift sliders and compare how "
            "much the ReLU map and the pooled map change."
        )
    relu, pooled = 100 * relu_change, 100 * pooled_change
    # Rounded as the bars' labels are, so the sentence and the bars agree.
    relu_text, pooled_text, points = round(relu), round(pooled), round(relu) - round(pooled)
    if pooled <= 0.75 * relu:
        how = "much less than"
    elif pooled < 0.95 * relu:
        how = "a little less than"
    elif pooled <= 1.05 * relu:
        how = "about as much as"
    else:
        how = "more than"
    difference = f"{abs(points)} points {'less' if points >= 0 else 'more'}"
    numbers = (
        f"The pooled map changed {how} the ReLU map: {pooled_text}% against {relu_text}%, "
        f"{difference}."
    )
    largest = max(abs(down), abs(right))
    pixels = f"{largest} pixel{'s' if largest > 1 else ''}"
    window = f"the {pool} x {pool} window (stride {pool})"
    if largest >= pool:
        whole = down % pool == 0 and right % pool == 0
        verdict = (
            f"A shift of {pixels} is not smaller than {window}: features move into other "
            "windows, a shift pooling does not forgive"
            + (f" (a multiple of {pool} moves the pooled map by whole cells)." if whole else ".")
        )
    elif how == "much less than":
        keeps = "its max" if mode == "max" else "its average"
        verdict = (
            f"A shift of {pixels} is smaller than {window}: most features stay in "
            f"their window, and {keeps} does not care where in it they sit. That is the local "
            "shift tolerance pooling buys."
        )
    else:
        verdict = (
            f"A shift of {pixels} is smaller than {window}, but here it carries many "
            "features across window borders: pooling forgives only moves that stay inside a window."
        )
    # Wrapped to the picture's width, about 100 characters of its font.
    return "\n".join(textwrap.wrap(f"{numbers} {verdict}", 100))
