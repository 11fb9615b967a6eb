"""What every explorer shares: the widget box, its controls, rendering, closing and checks.

:class:`Explorer` lays out the sliders and toggles a subclass declares, builds
the view's :class:`~pooling_lib._checks.PoolRequest` from them, renders its
view to a ``widgets.Image`` after every change (or once after a
:meth:`Explorer.hold_render` block), and closes what it holds. The checks
(:func:`integer`, :func:`pair`, :func:`kernel_and_stride`, :func:`option`)
refuse a factory's argument with a message that names the parameter, the
value and the range.
"""

from __future__ import annotations

import base64
import contextlib
import html
import numbers
import re
import weakref
from types import MappingProxyType

import ipywidgets as widgets
import numpy as np

from ._checks import PoolRequest
from .geometry import to_pair
from .plots import (
    digit_image,
)
from .presets import preset, preset_values, presets_for
from .style import PROJECTOR_CONTROL_PX, PROJECTOR_TEXT_PX

N_DIGITS = 5000


# Projector mode: controls in a column beside the picture, in type a room can read.
# ipywidgets sizes its controls from these two CSS variables; a toggle's text must
# never be cut, so buttons size to their text.
PROJECTOR_COLUMN_PX = 470
_PROJECTOR_CSS = f"""<style>
.pooling-projector {{--jp-widgets-font-size: {PROJECTOR_CONTROL_PX}px;
  --jp-widgets-inline-height: 40px; --jp-widgets-inline-label-width: 150px;}}
.pooling-projector .widget-label, .pooling-projector .widget-readout,
.pooling-projector button, .pooling-projector select,
.pooling-projector .widget-checkbox label {{font-size: {PROJECTOR_CONTROL_PX}px !important;}}
.pooling-projector .widget-readout {{min-width: 3.3em; overflow: visible;}}
.pooling-projector .pooling-pair + .pooling-pair {{margin-left: 16px;}}
.pooling-projector .pooling-pair .widget-readout {{min-width: 1.2em; margin-left: 4px;}}
.pooling-projector .pooling-pair .widget-label {{margin-right: 2px;}}
.pooling-projector .widget-toggle-buttons .widget-toggle-button {{width: auto !important;
  min-width: 3.6em; padding: 0 0.4em; height: 40px;}}
.pooling-projector .widget-button {{width: auto !important; height: 40px; padding: 0 0.45em;
  overflow: visible;}}
.pooling-projector .widget-toggle-button {{overflow: visible;}}
.pooling-projector .pooling-picture {{align-self: flex-start; width: auto; max-width: 100%;
  height: auto;}}
.pooling-projector .widget-checkbox {{width: auto !important;}}
.pooling-projector .widget-dropdown {{width: auto !important;}}
.pooling-projector .widget-dropdown select {{width: auto; flex: 0 0 auto;}}
.pooling-projector .widget-play button {{width: 2.2em; height: 40px;}}
.pooling-projector .widget-play button:nth-child(2) {{display: none;}}
.pooling-projector .widget-toggle-buttons {{display: flex; align-items: center;}}
.pooling-projector .widget-toggle-buttons .widget-label {{margin-right: 8px;}}
.pooling-projector .pooling-text {{font-size: {PROJECTOR_TEXT_PX}px; line-height: 1.25;}}
.pooling-projector .pooling-text p {{font-size: {PROJECTOR_TEXT_PX}px; margin: 0 0 0.2em 0;
  white-space: pre-wrap; line-height: 1.25;}}
.pooling-projector .pooling-hidden {{color: #8c8c8c; font-style: italic;}}
</style>"""


def output_or_one(in_shape, request):
    """The output size of a PoolRequest, or (1, 1) when it gives none (the picture says why)."""
    try:
        return request.check(in_shape).geometry.out_shape
    except ValueError:
        return (1, 1)


# What every factory raises, written once: ``{raises}`` in a factory's docstring.
_FACTORY_RAISES = """Raises
    ------
    TypeError
        If an option has the wrong type: a float or bool where an integer
        is expected, a non-string choice.
    ValueError
        If an option is outside what its control shows; the message gives
        the range."""


def factory_doc(factory):
    """Fill the ``{raises}`` of an explorer factory's docstring with the shared Raises section."""
    factory.__doc__ = factory.__doc__.replace("{raises}", _FACTORY_RAISES)
    return factory


def _is_whole_number(value):
    # bool is an int to Python, but a slider set to True is a mistake, not 1.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def integer(value, name, low, high, why=""):
    """``value`` as a plain int from ``low`` to ``high``, the range of its slider.

    NumPy integers are accepted; bools and floats are not, even when whole,
    because a slider would silently round them.
    """
    if not _is_whole_number(value):
        raise TypeError(f"{name} must be an integer from {low} to {high}{why}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}{why}, got {value}")
    return int(value)


def pair(value, name, low, high):
    """An int or a pair of ints for two sliders (rows, cols), each from ``low`` to ``high``."""
    what = f"{name} must be an integer from {low} to {high}, or a pair of them (rows, cols)"
    try:
        pair = to_pair(value, name)
    except TypeError as error:
        raise TypeError(f"{what}, got {value!r}") from error
    except ValueError as error:
        raise ValueError(f"{what}, got {value!r}") from error
    if not all(low <= v <= high for v in pair):
        shown = pair[0] if _is_whole_number(value) else pair
        raise ValueError(f"{what}, got {shown}")
    return pair


#: The sliders of a request's kernel_shape and stride, a (rows, cols) pair each
#: (:attr:`Explorer.request_controls`; made by :meth:`Explorer._pair_sliders`).
PAIRED_SLIDERS = MappingProxyType(
    {"kernel_shape": ("kernel_h", "kernel_w"), "stride": ("stride_h", "stride_w")}
)


def kernel_and_stride(request, high):
    """A request's ``kernel_shape`` and ``stride`` as pairs for two sliders each, 1 to ``high``."""
    kernel = pair(request.kernel_shape, "kernel_shape", 1, high)
    return kernel, pair(request.stride, "stride", 1, high)


def option(value, name, choices):
    """``value`` if it is one of ``choices`` (strings), which a widget offers."""
    listed = ", ".join(repr(choice) for choice in choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {listed}, got {value!r}")
    if value not in choices:
        near = value.strip().lower()
        hint = f"; did you mean {near!r}?" if near in choices else ""
        raise ValueError(f"{name} must be one of {listed}, got {value!r}{hint}")
    return value


def _widget_tree(root):
    """Every widget ``root`` holds, itself included: children, layouts, styles."""
    found = {}
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in found:
            continue
        found[id(widget)] = widget
        for name in widget.keys:
            value = getattr(widget, name, None)
            items = value if isinstance(value, list | tuple) else (value,)
            stack.extend(item for item in items if isinstance(item, widgets.Widget))
    return list(found.values())


def _running_cell():
    """``(cell id, request id)`` of the notebook cell being run, or None outside one.

    JupyterLab and Notebook 7 send the cell's id with each execute request;
    a re-run of the same cell has the same cell id and a new request id.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None or not hasattr(kernel, "get_parent"):
        return None
    parent = kernel.get_parent("shell") or {}
    cell_id = (parent.get("metadata") or {}).get("cellId")
    request_id = (parent.get("header") or {}).get("msg_id")
    if not cell_id or not request_id:
        return None
    return cell_id, request_id


def _shell():
    """The running IPython shell, or None (plain Python, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


# Cell id -> (request id, weak references to the explorers that run built).
_BUILT_BY_CELL = {}
# Weak references to explorers built by a cell's earlier run, to be closed
# once the cell that re-ran it has finished, unless still in use.
_PENDING = []
# The shells whose post_run_cell event already calls _close_unused.
_LISTENING = weakref.WeakSet()

# IPython's own names for outputs and inputs: every displayed explorer is in
# Out and `_`, so counting them would keep every re-run's explorer alive.
_HISTORY_NAME = re.compile(r"_{1,3}|_\d+|_i+|_i\d+|Out|_oh|In|_ih|_dh|exit|quit|get_ipython")


def _remember_for_rerun(explorer):
    """Remember what the running cell builds; when it re-runs, retire its last run's.

    A re-run cell's old output is gone from the page, but ipywidgets keeps its
    widgets, and with them the explorer and its figure, until they are closed.
    They are not closed here: the learner may still show them elsewhere (a
    name displayed in another cell, a box built there). After the cell has
    run, :func:`_close_unused` closes those nothing of the learner's refers
    to. Without IPython's events or a cell id (Voila, classic Notebook, plain
    Python) a run cannot be told from a re-run, and nothing is closed.
    """
    cell = _running_cell()
    shell = _shell()
    events = getattr(shell, "events", None)
    if cell is None or events is None or not isinstance(getattr(shell, "user_ns", None), dict):
        return
    cell_id, request_id = cell
    earlier_request, built = _BUILT_BY_CELL.get(cell_id, (None, []))
    if earlier_request != request_id:
        _PENDING.extend(built)
        built = []
        if shell not in _LISTENING:
            events.register("post_run_cell", lambda result=None: _close_unused(shell.user_ns))
            _LISTENING.add(shell)
    built.append(weakref.ref(explorer))
    _BUILT_BY_CELL[cell_id] = (request_id, built)


def _in_use(namespace):
    """Ids of the widgets the learner's names reach: bound, in a box, or in a collection.

    One level of list, tuple, set or dict is looked into, and every widget's
    ``children``; deeper structures are not, which at worst leaves an explorer
    open, as without cell ids.
    """
    roots = []
    for name, value in namespace.items():
        if _HISTORY_NAME.fullmatch(name):
            continue
        roots.append(value)
        if isinstance(value, list | tuple | set | frozenset):
            roots.extend(value)
        elif isinstance(value, dict):
            roots.extend(value.values())
    found = set()
    stack = [root for root in roots if isinstance(root, widgets.Widget)]
    while stack:
        widget = stack.pop()
        if id(widget) in found:
            continue
        found.add(id(widget))
        children = getattr(widget, "children", ())
        if isinstance(children, list | tuple):
            stack.extend(child for child in children if isinstance(child, widgets.Widget))
    return found


def _close_unused(namespace):
    """After a cell has run, close the explorers its earlier run built that nothing uses.

    Each is looked at once: one still in use is left to the learner (as
    without cell ids), rather than checked after every later cell.
    """
    pending = [reference() for reference in _PENDING]
    _PENDING.clear()
    pending = [explorer for explorer in pending if explorer is not None and not explorer.closed]
    if not pending:
        return
    used = _in_use(namespace)
    for explorer in pending:
        if id(explorer) not in used:
            explorer.close()


def _paired(row):
    """The controls of a row, one per line, except height and width sliders, which share one.

    A column of controls must fit a projector's screen beside the picture; a
    ``kernel_h`` and ``kernel_w`` side by side read as one setting anyway.
    """
    lines = []
    for item in row:
        name = getattr(item, "_pooling_name", "")
        previous = lines[-1][0] if lines and len(lines[-1]) == 1 else None
        previous_name = getattr(previous, "_pooling_name", "")
        if name.endswith("_w") and previous_name == name[:-2] + "_h":
            previous.layout.width = item.layout.width = "222px"
            previous.add_class("pooling-pair")
            item.add_class("pooling-pair")
            lines[-1].append(item)
        else:
            lines.append([item])
    return lines


def subject(digit, channel="digit"):
    _, label = digit_image(digit, channel)
    inverse = ", inverse" if channel == "inverse" else ""
    return f"digit #{digit} (a {label}{inverse})"


class Explorer(widgets.VBox):
    """Sliders above a picture that redraws on every change.

    Subclasses build their view and controls, then call
    :meth:`_start`; they define :meth:`_update` (read the controls, update
    the view), or declare :attr:`request_controls` and :attr:`view_controls`
    for the default one, and may define :meth:`_sync_controls` (adjust one
    control's range to another's value, e.g. the output row to the output
    size).

    Attributes
    ----------
    view : pooling_lib.render.View
        The picture: its artists are what tests inspect.
    image : ipywidgets.Image
        The rendered PNG shown in the notebook.
    controls : dict of str to ipywidgets.Widget
        Every control that changes the picture, by name.
    renders : int
        How many PNGs have been rendered, for tests.
    last_error : Exception or None
        The error the last update raised, or None. It is raised too, but a
        widget callback's error shows only in JupyterLab's log console, so
        it is also kept here to inspect.
    closed : bool
        Whether :meth:`close` has run.
    text, reveal : ipywidgets.HTML, ipywidgets.ToggleButton or None
        Projector mode only (``presentation=True``): the picture's sentences,
        written under it in large type, and the button that shows them and
        the picture's answer; None otherwise.
    preset_buttons : dict of str to ipywidgets.Button
        Projector mode only: one button per preset of the class demo, by key.
    picture_text_px : float or None
        Projector mode only: the smallest text drawn in the picture, in pixels
        of the PNG, which the page also reads from the image's CSS class.
    """

    closed = False
    #: Which control sets each field of the view's PoolRequest (:meth:`_request`): a
    #: control's name, or two names for a ``(rows, cols)`` pair. A field whose control
    #: this explorer lacks keeps PoolRequest's default.
    request_controls = MappingProxyType({})
    #: Which control sets each of the view's other ``update`` arguments, likewise.
    view_controls = MappingProxyType({})

    def _start(self, view, rows, extra_widgets=()):
        """Lay out the controls above the picture, connect them, and draw once.

        ``extra_widgets`` are widgets outside the layout that :meth:`close`
        must close too, e.g. a link between two controls.
        """
        self.view = view
        self._extra_widgets = list(extra_widgets)
        self.presentation = view.style.presentation
        self.renders = 0
        self.last_error = None
        self._held = False
        self._syncing = False
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("pooling-picture")
        self.picture_text_px = None
        self.text = None
        self.reveal = None
        self.preset_buttons = {}
        if self.presentation:
            children = self._projector_layout(view, rows)
        else:
            children = [*(widgets.HBox(list(row)) for row in rows), self.image]
        super().__init__(children=children)
        if self.presentation:
            self.add_class("pooling-presentation")
            self.add_class("pooling-projector")
        self.controls = {control._pooling_name: control for control in self._named_controls}
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self._sync_controls()
        self.refresh()
        _remember_for_rerun(self)

    def _projector_layout(self, view, rows):
        """Controls, presets and a reveal button beside the picture; its sentences below both.

        The picture is drawn at the size it is shown (:meth:`View.use_projector`),
        its small text moved into ``text``, an HTML panel in large type, which
        stays hidden, with the answer-giving parts of the picture, until the
        ``reveal`` button is pressed: the class predicts first.
        """
        view.use_projector()
        view.set_revealed(False)
        self.text = widgets.HTML()
        self.text.add_class("pooling-text")
        self.reveal = widgets.ToggleButton(
            value=False,
            description="reveal (R)",
            tooltip="show the counts, formula and caption the class is asked to predict",
        )
        self.reveal.add_class("pooling-reveal")
        self.reveal.observe(self._on_reveal, names="value")
        lines = []
        for row in rows:
            if all(isinstance(item, widgets.Button | widgets.Play) for item in row):
                lines.append(widgets.HBox(list(row)))
            else:
                lines.extend(widgets.HBox(list(pair)) for pair in _paired(row))
        buttons = []
        for choice in presets_for(type(self).__name__):
            button = widgets.Button(description=choice.label, tooltip=f"preset {choice.key}")
            button.add_class("pooling-preset")
            button.on_click(lambda _, key=choice.key: self.apply_preset(key))
            self.preset_buttons[choice.key] = button
            buttons.append(button)
        preset_row = widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap"))
        column = widgets.VBox(
            [preset_row, *lines, widgets.HBox([self.reveal])],
            layout=widgets.Layout(width=f"{PROJECTOR_COLUMN_PX}px", flex="0 0 auto"),
        )
        picture = widgets.VBox([self.image], layout=widgets.Layout(flex="1 1 auto"))
        return [widgets.HTML(_PROJECTOR_CSS), widgets.HBox([column, picture]), self.text]

    def _on_reveal(self, change=None):
        if self.closed:
            return
        self.view.set_revealed(self.reveal.value)
        self.refresh()

    def apply_preset(self, key):
        """Set every control of this explorer to a preset of the class demo, render once.

        The answer is hidden again (projector mode), so the class can predict.

        Parameters
        ----------
        key : str
            A key of :data:`pooling_lib.presets.PRESETS` for this explorer.

        Raises
        ------
        ValueError
            If ``key`` is not a preset, or a preset of another explorer.

        Examples
        --------
        >>> from pooling_lib.explorers import max_mask_explorer
        >>> explorer = max_mask_explorer(digit=3001)
        >>> explorer.apply_preset("ties-all")
        >>> explorer.ties.value
        'all'
        """
        chosen = preset(key)
        if chosen.section != type(self).__name__:
            raise ValueError(
                f"key must be a preset of {type(self).__name__}, got {key!r}, "
                f"which is for {chosen.section}"
            )
        with self.hold_render():
            for name, value in preset_values(chosen).items():
                self.controls[name].value = value
            if self.reveal is not None:
                self.reveal.value = False

    def close(self):
        """Close the explorer's widgets, stop its callbacks and drop its figure.

        ipywidgets keeps every widget, and so everything its callbacks refer
        to, until the widget is closed; a box's ``close`` closes only the box.
        This closes every control, layout and style, disconnects the sliders
        and lets the figure go, so that nothing but this small object is left.
        Afterwards the explorer shows nothing and its ``view`` is None.
        Calling it again does nothing.

        Examples
        --------
        >>> from pooling_lib.explorers import window_explorer
        >>> explorer = window_explorer()
        >>> explorer.close()
        >>> explorer.closed, explorer.view
        (True, None)
        """
        if self.closed:
            return
        self.closed = True
        # A constructor that refused its arguments built no widgets, and no controls.
        for control in getattr(self, "controls", {}).values():
            control.unobserve(self._on_change, names="value")
        for extra in getattr(self, "_extra_widgets", ()):
            for widget in _widget_tree(extra):
                widget.close()
        for widget in _widget_tree(self):
            if widget is not self:
                widget.close()
        super().close()
        self._extra_widgets = []
        self.view = None
        if hasattr(self, "image"):
            self.image.value = b""

    def _control(self, name, widget):
        """Name a control: it is observed, and its value is part of the state and repr."""
        widget._pooling_name = name
        if not hasattr(self, "_named_controls"):
            self._named_controls = []
        self._named_controls.append(widget)
        return widget

    def _slider(self, name, description, value, low, high, continuous=True):
        """An IntSlider from ``low`` to ``high``, wide enough for a projector.

        ``value`` must lie in that range (the error names ``name``): a value
        the slider cannot show would widen it, and with it the work of every
        later picture.
        """
        width = "440px" if self.presentation else "310px"
        value = integer(value, name, low, high)
        return self._control(
            name,
            widgets.IntSlider(
                value=value,
                min=low,
                max=high,
                step=1,
                description=description,
                continuous_update=continuous,
                style={"description_width": "initial"},
                layout=widgets.Layout(width=width),
            ),
        )

    def _pair_sliders(self, name, value, low, high):
        """Sliders ``<name>_h`` and ``<name>_w`` for an option's ``(rows, cols)`` pair ``value``."""
        return tuple(
            self._slider(f"{name}_{axis}", f"{name} {axis}", part, low, high)
            for axis, part in zip("hw", value, strict=True)
        )

    def _toggles(self, name, description, options, value, tooltips=None):
        return self._control(
            name,
            widgets.ToggleButtons(
                options=list(options),
                value=option(value, name, options),
                description=description,
                tooltips=list(tooltips or []),
                style={"description_width": "initial", "button_width": "72px"},
            ),
        )

    def _checkbox(self, name, description, value, width):
        """A named Checkbox, ``width`` wide (e.g. ``'140px'``) so its label is never cut."""
        return self._control(
            name,
            widgets.Checkbox(
                value=value,
                description=description,
                indent=False,
                layout=widgets.Layout(width=width),
            ),
        )

    def _on_change(self, change=None):
        if self._syncing or self.closed:
            return
        self._syncing = True
        try:
            self._sync_controls()
        finally:
            self._syncing = False
        self.refresh()

    def _sync_controls(self):
        """Keep dependent controls in range; by default nothing depends on anything."""

    def _read(self, names):
        """Each argument's value, read from the controls ``names`` gives (:attr:`view_controls`)."""
        values = {}
        for argument, name in names.items():
            if isinstance(name, str):
                if name in self.controls:
                    values[argument] = self.controls[name].value
            else:
                values[argument] = tuple(self.controls[part].value for part in name)
        return values

    def _request(self):
        """The pooling options the controls show, one PoolRequest (:attr:`request_controls`)."""
        return PoolRequest(**self._read(self.request_controls))

    def _update(self):
        """Update the view for the digit, the request and the view's other arguments.

        The digit is shown in the channel its ``channel`` control chooses, if
        the explorer has one.
        """
        digit = self.controls["digit"].value
        channel = self.controls["channel"].value if "channel" in self.controls else "digit"
        image, _ = digit_image(digit, channel)
        self.view.update(
            image,
            self._request(),
            subject=subject(digit, channel),
            **self._read(self.view_controls),
        )

    def refresh(self):
        """Update the picture from the controls and, unless held, render it.

        Options the library refuses need nothing here: the view draws them as
        a message. Any exception is a bug and propagates, after being kept
        in ``last_error``.
        """
        if self.closed:
            raise RuntimeError(
                f"this {type(self).__name__} is closed; build a new one to see the picture"
            )
        try:
            self._update()
        except Exception as error:
            self.last_error = error
            raise
        self.last_error = None
        if not self._held:
            self.image.value = self.view.png()
            self.renders += 1
            if self.presentation:
                self._show_text()

    def _show_text(self):
        """Write the picture's sentences beside it, and the size of its smallest text."""
        lines = self.view.text_lines()
        if self.view.message or self.view.revealed:
            shown = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        else:
            shown = '<p class="pooling-hidden">predict first, then reveal the answer</p>'
        if self.text.value != shown:
            self.text.value = shown
        smallest = self.view.smallest_text_px()
        if smallest != self.picture_text_px or not self.image._dom_classes[1:]:
            self.picture_text_px = smallest
            size = "none" if smallest is None else str(int(smallest))
            self.image._dom_classes = ("pooling-picture", f"pooling-text-px-{size}")

    @contextlib.contextmanager
    def hold_render(self):
        """Change several controls, render once at the end.

        Inside the block every change still updates the view (its artists
        and attributes), which is what a fast sweep over many settings
        checks, but no PNG is made.

        Examples
        --------
        >>> from pooling_lib.explorers import window_explorer
        >>> explorer = window_explorer()
        >>> with explorer.hold_render():
        ...     explorer.kernel_h.value = 3
        ...     explorer.kernel_w.value = 3
        >>> explorer.view.geometry.out_shape
        (13, 13)
        """
        held, self._held = self._held, True
        try:
            yield self
        finally:
            self._held = held
            if not held:
                self.refresh()

    def state(self):
        """The controls' values, by name: what the picture shows."""
        return {name: control.value for name, control in self.controls.items()}

    def __repr__(self):
        items = ", ".join(f"{name}={value!r}" for name, value in self.state().items())
        return f"{type(self).__name__}({items})"

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)
        # Shown where no widget can be, e.g. on GitHub or nbviewer.
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle
