"""The gradient check, window by window: :class:`GradientCheckView`.

A numeric gradient of max pooling set beside the backward pass's, on a small
crop of a digit, with every window whose cells disagree outlined and every
tied window shaded: the picture shows that the check fails at ties, and
only there. Numeric gradients cost two forward passes per pixel, so the
view works on a crop and keeps the last few it computed.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.patches import Patch

from .geometry import check_bool
from .gradcheck import numeric_gradient, rel_error, tie_free
from .maps import as_image, max_winners, pool_gradient, pool_image, window_boxes
from .render import View
from .style import GRADIENT_CMAP, VERMILLION
from .view_parts import int_ticks, set_extent, set_limits, set_symmetric

#: Side of the square crop the check runs on: 2 * 8 * 8 = 128 forward passes.
CROP = 8
#: A cell disagrees when ``|a - n| / (|a| + |n|)`` passes this, the course's "correct".
TOLERANCE = 1e-7
#: Gap of the tie-breaking jitter: a hundred times the numeric gradient's step.
JITTER_GAP = 1e-3


def cell_errors(analytic, numeric):
    """Relative error of every cell, ``|a - n| / max(1e-8, |a| + |n|)``, shape of the inputs.

    Examples
    --------
    >>> cell_errors(np.array([1.0, 0.0]), np.array([0.5, 0.0])).round(3).tolist()
    [0.333, 0.0]
    """
    analytic, numeric = np.asarray(analytic, float), np.asarray(numeric, float)
    return np.abs(analytic - numeric) / np.maximum(1e-8, np.abs(analytic) + np.abs(numeric))


def failing_windows(errors, geometry, tolerance=TOLERANCE):
    """Windows holding a cell whose error passes ``tolerance``, shape (h_out, w_out), bool.

    A cell read by several windows (stride < kernel) counts in each of them.
    """
    rows, cols = geometry.window_positions(0), geometry.window_positions(1)
    bad = errors > tolerance
    return bad[rows[:, None, :, None], cols[None, :, None, :]].any(axis=(2, 3))


class GradientCheckView(View):
    """Numeric against analytic gradient of max pooling, window by window, on a crop.

    Left: the crop with every window outlined (``windows``), tied windows
    shaded blue (``tied_windows``) and the windows where the check fails
    outlined in red (``failing``). Middle: the backward pass's ``dA_prev``
    under the chosen tie policy (``analytic_image``). Right: the central
    difference's (``numeric_image``), on the same colour scale, each value
    written in its cell. Below, the counts and the verdict (``summary``).

    Attributes
    ----------
    analytic, numeric : ndarray, shape (CROP, CROP)
        The two gradients; ``dA`` is seeded, standard normal rounded to 2 decimals.
    failing : ndarray of bool, shape (h_out, w_out)
        Windows with a cell whose relative error passes :data:`TOLERANCE`.
    tie_counts : ndarray of int, shape (h_out, w_out)
        How many cells of each window share its maximum.
    error : float
        :func:`pooling_lib.gradcheck.rel_error` of the whole crop.

    Examples
    --------
    >>> from pooling_lib.plots import PoolRequest, digit_image
    >>> view = GradientCheckView()
    >>> request = PoolRequest(kernel_shape=2, stride=2)
    >>> view.update(digit_image(3001)[0], request, crop=(8, 8))
    >>> int(view.failing.sum()), int((view.tie_counts > 1).sum())
    (4, 4)
    >>> view.update(digit_image(3001)[0], request, crop=(8, 8), jitter=True)
    >>> int(view.failing.sum()), view.error < 1e-7
    (0, True)
    """

    figsize = (12.5, 6.2)
    numeric_cache_size = 32

    def __init__(self, presentation=None):
        super().__init__(presentation)
        style = self.style
        self.title = self._figure_text(0.5, 0.98, style.large, ha="center", va="top")
        xs, y, width, height = (0.05, 0.375, 0.67), 0.27, 0.25, 0.6
        self.ax_in = self._image_axes([xs[0], y, width, height], "the crop: ties and failures")
        self.ax_analytic = self._image_axes([xs[1], y, width, height])
        self.ax_numeric = self._image_axes([xs[2], y, width, height], "numeric gradient")
        self.analytic_title = self._dynamic_title(self.ax_analytic)
        self.image = self._image(self.ax_in)
        self.windows = self._dynamic(
            LineCollection([], colors="white", linewidths=0.6 * style.line, alpha=0.6, zorder=4)
        )
        self.tied_windows = self._dynamic(
            PolyCollection([], facecolors=(0.337, 0.706, 0.914, 0.45), edgecolors="none", zorder=3)
        )
        self.failing_boxes = self._dynamic(
            LineCollection([], colors=VERMILLION, linewidths=2.5 * style.line, zorder=6)
        )
        for collection in (self.windows, self.tied_windows, self.failing_boxes):
            self.ax_in.add_collection(collection, autolim=False)
        self.analytic_image = self._diverging(self.ax_analytic)
        self.numeric_image = self._diverging(self.ax_numeric)
        self.analytic_labels = self._labels(self.ax_analytic, style.cell)
        self.numeric_labels = self._labels(self.ax_numeric, style.cell)
        self._colorbar(self.numeric_image, [xs[2] + width + 0.008, y, 0.01, height], "dA_prev")
        handles = [
            Patch(fc=(0.337, 0.706, 0.914, 0.45), ec="none", label="tied window"),
            Patch(fc="none", ec=VERMILLION, lw=2, label="check fails in this window"),
        ]
        self.legend = self._legend_image(handles, (0.03, 0.2), ncols=2)
        self.summary = self._figure_text(0.03, 0.13, style.font, ha="left", va="top")
        self._numeric_cache = OrderedDict()
        self.geometry = None
        self.analytic = self.numeric = np.zeros((0, 0))
        self.failing = np.zeros((0, 0), dtype=bool)
        self.tie_counts = np.zeros((0, 0), dtype=int)
        self.error = 0.0

    def _numeric(self, crop, geometry, dA):
        """The central-difference gradient, from the cache when these inputs were seen."""
        key = (crop.tobytes(), geometry, dA.tobytes())
        if key in self._numeric_cache:
            self._numeric_cache.move_to_end(key)
            return self._numeric_cache[key]

        def layer(values):
            return pool_image(values, geometry, "max")

        numeric = numeric_gradient(layer, crop, dA)
        self._numeric_cache[key] = numeric
        if len(self._numeric_cache) > self.numeric_cache_size:
            self._numeric_cache.popitem(last=False)
        return numeric

    def update(self, image, request, crop=(8, 8), jitter=False, seed=0, title=None, subject=None):
        """Redraw for these options.

        Parameters
        ----------
        image : array_like, shape (h, w)
            At least :data:`CROP` pixels each way.
        request : PoolRequest
            The pooling options (:class:`pooling_lib._checks.PoolRequest`):
            kernel_shape, stride and ties, the tie policy of the backward
            pass. Max pooling without padding, dilation or ceil mode: any
            other option is a ValueError naming it.
        crop : (int, int)
            Top-left pixel of the :data:`CROP` x :data:`CROP` crop, clipped into the image.
        jitter : bool
            Add :func:`pooling_lib.gradcheck.tie_free` values :data:`JITTER_GAP`
            apart to the crop, which breaks every tie.
        seed : int
            Seed of the upstream gradient ``dA``.
        title, subject : str, optional
            As for :meth:`WindowView.update`.
        """
        image = as_image(image)
        jitter = check_bool(jitter, "jitter")
        request.refuse_other_than(("kernel_shape", "stride", "ties"), "the gradient check")
        ties = request.ties
        if min(image.shape) < CROP:
            raise ValueError(f"image must be at least {CROP} x {CROP}, got shape {image.shape}")
        top = int(np.clip(crop[0], 0, image.shape[0] - CROP))
        left = int(np.clip(crop[1], 0, image.shape[1] - CROP))
        values = image[top : top + CROP, left : left + CROP]
        if jitter:
            values = values + tie_free(values.shape, seed=1, gap=JITTER_GAP)
        detail = f", ties='{ties}', rows {top}-{top + CROP - 1}, columns {left}-{left + CROP - 1}"
        detail += ", tie-free jitter" if jitter else ""
        values, options = self._start_update(values, request, title, subject, "max", detail)
        self.image.set_data(values)
        set_extent(self.image, CROP, CROP)
        for ax in (self.ax_in, self.ax_analytic, self.ax_numeric):
            set_limits(ax, 0, 0, CROP - 1, CROP - 1)
            int_ticks(self.panel(ax), CROP, CROP)
        drawn = (
            self.windows,
            self.tied_windows,
            self.failing_boxes,
            self.analytic_image,
            self.numeric_image,
        )
        for artist in drawn:
            artist.set_visible(options is not None)
        if options is None:
            for labels in (self.analytic_labels, self.numeric_labels):
                labels.clear()
            self.summary.set_text("")
            self.analytic_title.set_text("")
            return
        geometry = options.geometry
        rng = np.random.default_rng(int(seed))
        dA = np.round(rng.standard_normal(geometry.out_shape), 2) + 0.0
        self.analytic = pool_gradient(dA, values, geometry, "max", options.ties)
        self.numeric = self._numeric(values, geometry, dA)
        self.failing = failing_windows(cell_errors(self.analytic, self.numeric), geometry)
        self.tie_counts = max_winners(values, geometry)[2]
        self.error = rel_error(self.analytic, self.numeric)
        boxes = window_boxes(geometry, inset=0.1)
        self.windows.set_segments(boxes)
        self.tied_windows.set_verts(boxes[(self.tie_counts > 1).ravel(), :4])
        self.failing_boxes.set_segments(window_boxes(geometry, inset=0.18)[self.failing.ravel()])
        scale = np.concatenate([self.analytic.ravel(), self.numeric.ravel()])
        for ax_image, labels, gradient in (
            (self.analytic_image, self.analytic_labels, self.analytic),
            (self.numeric_image, self.numeric_labels, self.numeric),
        ):
            ax_image.set_data(gradient)
            set_extent(ax_image, CROP, CROP)
            set_symmetric(self, ax_image, scale)
            # Rounded for the label only: the numeric gradient carries rounding noise.
            labels.show_grid(np.round(gradient, 3) + 0.0, GRADIENT_CMAP, ax_image.norm)
        self.analytic_title.set_text(f"backward pass, ties='{ties}'")
        self.summary.set_text(self._verdict(jitter, ties))

    def _verdict(self, jitter, ties):
        n_windows = self.failing.size
        tied = self.tie_counts > 1
        n_fail, n_tied = int(self.failing.sum()), int(tied.sum())
        n_fail_tied = int((self.failing & tied).sum())
        head = f"{n_windows} windows, {n_tied} tied."
        if n_fail:
            head += (
                f" The check fails (relative error {self.error:.2g}): {n_fail} windows "
                f"disagree, {n_fail_tied} of them tied."
            )
        else:
            head += " The check passes (relative error below 1e-7): no window disagrees."
        if jitter:
            why = (
                f"The jitter ({JITTER_GAP:g} apart, far above the step 1e-5) leaves no tie, "
                "so no kink: where the values are distinct, the two gradients agree."
            )
        elif n_fail and n_fail == n_fail_tied:
            why = (
                "Every failing window is a tie: a kink, where the numeric gradient gives each "
                "tied cell dA / 2, however many tie.\nThe backward pass is right; "
                "the check cannot judge it there. Turn on the jitter to break the ties."
            )
        elif n_fail:
            why = (
                "Some failing windows have no tie: with overlapping windows, a tied cell "
                "read by several windows makes each of them disagree."
            )
        elif n_tied and ties == "split":
            why = (
                "Under ties='split' each cell of a tied pair gets dA / 2, as the numeric "
                "gradient says."
            )
        elif n_tied:
            why = "Its tied windows receive dA = 0, which every rule passes back alike."
        else:
            why = "This crop has no tie, so no kink."
        return f"{head}\n{why}"
