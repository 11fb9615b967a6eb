"""The gradient-check explorer: numeric against analytic gradients of max pooling, window by window.

Notebook 05 checks the backward pass against central differences; this
explorer shows the check on an 8 x 8 crop of a digit, so a learner sees that
it fails exactly where windows tie, and passes once a jitter breaks the ties.
:mod:`pooling_lib.explorers` re-exports it with the other explorers.
"""

from __future__ import annotations

from ._checks import PoolRequest, renamed_keyword
from .check_views import CROP, GradientCheckView
from .explorer_base import N_DIGITS, Explorer, factory_doc, integer, option
from .geometry import check_bool
from .plots import TIE_POLICIES
from .style import presentation_setting

__all__ = ["GradientCheckExplorer", "gradient_check_explorer"]


class GradientCheckExplorer(Explorer):
    """Numeric against analytic gradient on a crop; see :func:`gradient_check_explorer`.

    Controls: ``digit``, ``row``, ``col`` (the crop's top-left pixel),
    ``kernel``, ``stride``, ``ties``, ``jitter``. The picture is a
    :class:`pooling_lib.check_views.GradientCheckView`.
    """

    request_controls = {"kernel_shape": "kernel", "stride": "stride", "ties": "ties"}
    view_controls = {"crop": ("row", "col"), "jitter": "jitter"}

    def __init__(self, digit, row, col, request, jitter, presentation):
        last = 28 - CROP
        integer(digit, "digit", 0, N_DIGITS - 1)
        integer(row, "row", 0, last)
        integer(col, "col", 0, last)
        kernel = integer(request.kernel_shape, "kernel_shape", 1, 4)
        stride = integer(request.stride, "stride", 1, 4)
        ties = option(request.ties, "ties", TIE_POLICIES)
        jitter = check_bool(jitter, "jitter")
        self.presentation = presentation_setting(presentation)
        self.digit = self._slider("digit", "digit", digit, 0, N_DIGITS - 1, continuous=False)
        self.row = self._slider("row", "crop row", row, 0, last)
        self.col = self._slider("col", "crop col", col, 0, last)
        self.kernel = self._slider("kernel", "kernel", kernel, 1, 4)
        self.stride = self._slider("stride", "stride", stride, 1, 4)
        self.ties = self._toggles("ties", "ties", TIE_POLICIES, ties)
        self.jitter = self._checkbox("jitter", "tie-free jitter", jitter, "160px")
        rows = [
            (self.digit, self.ties, self.jitter),
            (self.row, self.col),
            (self.kernel, self.stride),
        ]
        self._start(GradientCheckView(presentation), rows)


@factory_doc
@renamed_keyword("kernel", "kernel_shape")
def gradient_check_explorer(
    digit=0, row=8, col=8, kernel_shape=2, stride=2, ties="first", jitter=False, presentation=None
):
    """A gradient check of max pooling, window by window, on an 8 x 8 crop of a digit.

    The numeric gradient (central differences) beside the backward pass's,
    every value written; tied windows are shaded and the windows where the
    two disagree are outlined. The check fails at ties, and only there; the
    jitter (:func:`pooling_lib.gradcheck.tie_free`, 1e-3 apart) breaks them
    and the check passes. A crop keeps each numeric gradient to 128 forward
    passes, and the view keeps the last ones it computed, so changing the
    tie policy costs no new numeric gradient.

    Parameters
    ----------
    digit : int, default 0
        0 to 4999.
    row, col : int, default 8
        Top-left pixel of the crop, 0 to 20.
    kernel_shape, stride : int, default 2
        Square windows, each from 1 to 4; no padding.
    ties : {'first', 'all', 'split'}, default 'first'
        As in :func:`pooling_lib.pool_backward`.
    jitter : bool, default False
        Add tie-breaking values 1e-3 apart to the crop.
    presentation : bool, optional

    Returns
    -------
    GradientCheckExplorer

    {raises}

    Examples
    --------
    >>> explorer = gradient_check_explorer()
    >>> int(explorer.view.failing.sum()), int((explorer.view.tie_counts > 1).sum())
    (7, 7)
    >>> explorer.jitter.value = True
    >>> int(explorer.view.failing.sum())
    0
    """
    request = PoolRequest(kernel_shape, stride, ties=ties)
    return GradientCheckExplorer(digit, row, col, request, jitter, presentation)
