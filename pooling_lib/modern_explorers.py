"""The explorer of notebook 10: adaptive windows behind an output-size slider.

One widget a notebook shows in one line::

    from pooling_lib.modern_explorers import adaptive_explorer
    adaptive_explorer()

It follows :mod:`pooling_lib.explorers`: a :class:`pooling_lib.explorer_base.Explorer`
whose sliders update an :class:`pooling_lib.adaptive_views.AdaptiveWindowView`
in place and render it to a PNG, with no ``Output`` widget.
"""

from __future__ import annotations

from ._checks import MODES
from .adaptive_views import AdaptiveWindowView
from .explorer_base import N_DIGITS, Explorer, integer, option, pair, subject
from .plots import digit_image
from .style import presentation_setting

__all__ = ["AdaptiveExplorer", "adaptive_explorer"]

MAX_OUTPUT = 28


class AdaptiveExplorer(Explorer):
    """Adaptive windows on a digit; see :func:`adaptive_explorer`.

    Controls: ``digit``, ``mode``, ``out_h``, ``out_w``, ``row``, ``col``.
    The picture is a :class:`pooling_lib.adaptive_views.AdaptiveWindowView`.
    """

    def __init__(self, digit=0, output_size=5, mode="max", row=0, col=0, presentation=None):
        integer(digit, "digit", 0, N_DIGITS - 1)
        out_h, out_w = pair(output_size, "output_size", 1, MAX_OUTPUT)
        option(mode, "mode", MODES)
        integer(row, "row", 0, out_h - 1, " (a window of the output)")
        integer(col, "col", 0, out_w - 1, " (a window of the output)")
        self.presentation = presentation_setting(presentation)
        self.digit = self._slider("digit", "digit", digit, 0, N_DIGITS - 1, continuous=False)
        self.mode = self._toggles("mode", "mode", MODES, mode)
        self.out_h = self._slider("out_h", "output h", out_h, 1, MAX_OUTPUT)
        self.out_w = self._slider("out_w", "output w", out_w, 1, MAX_OUTPUT)
        self.row = self._slider("row", "window row", row, 0, out_h - 1)
        self.col = self._slider("col", "window col", col, 0, out_w - 1)
        rows = [(self.digit, self.mode), (self.out_h, self.out_w), (self.row, self.col)]
        self._start(AdaptiveWindowView(presentation), rows)

    def _sync_controls(self):
        # The highlighted window must exist: its sliders end at the output size.
        self.row.max = self.out_h.value - 1
        self.col.max = self.out_w.value - 1

    def _update(self):
        image, _ = digit_image(self.digit.value)
        self.view.update(
            image,
            (self.out_h.value, self.out_w.value),
            self.mode.value,
            self.row.value,
            self.col.value,
            subject=subject(self.digit.value),
        )


def adaptive_explorer(digit=0, output_size=5, mode="max", row=0, col=0, presentation=None):
    """Adaptive pooling's windows on an MNIST digit, as the output size changes.

    Sliders for the digit, the output height and width (1 to 28), and the
    highlighted window; max/avg buttons. The picture outlines every window
    on the digit (overlapping by a cell where a boundary cuts one, when the
    output size does not divide 28), shows the pooled map, and draws each
    window's rows and columns as bars, with the window's bounds as ``floor(i·h/h_out)`` and
    ``ceil((i + 1)·h/h_out)`` in the caption.

    Parameters
    ----------
    digit : int, default 0
        One of the 5,000 bundled digits, 0 to 4999.
    output_size : int or (int, int), default 5
        1 to 28 each.
    mode : {'max', 'avg'}, default 'max'
    row, col : int, default 0
        The highlighted window, inside the output.
    presentation : bool, optional
        Larger fonts and picture for a projector.

    Returns
    -------
    AdaptiveExplorer
        A widget: display it (the last line of a cell) to use it.

    Raises
    ------
    TypeError, ValueError
        For an option its sliders cannot show; the message gives the range.

    Examples
    --------
    >>> adaptive_explorer(output_size=(3, 4))
    AdaptiveExplorer(digit=0, mode='max', out_h=3, out_w=4, row=0, col=0)
    """
    return AdaptiveExplorer(digit, output_size, mode, row, col, presentation)
