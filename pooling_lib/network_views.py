"""The picture of a trained network at one pooling layer: maps and gradients, before and after.

:class:`NetworkView` shows one digit going through a network and, for one
pooling layer and one channel, the feature map before and after pooling
(forward), then the gradient of the predicted class's score arriving at the
pooled map and where the pooling layer sends it (backward), under a tie rule
that can differ from the one the network was trained with. It draws arrays it
is given; the explorer in :mod:`pooling_lib.network_explorers` computes them.
"""

from __future__ import annotations

import numpy as np

from .render import View
from .style import BLUE, GREY, VERMILLION
from .view_parts import int_ticks, set_extent, set_limits, set_symmetric

__all__ = ["NetworkView", "gradient_summary"]


def gradient_summary(d_after, d_before):
    """How the pooling layer routed a gradient: cells reached, and total in and out.

    Parameters
    ----------
    d_after : ndarray
        The gradient arriving at the pooled map, any shape.
    d_before : ndarray
        What the pooling layer's backward pass made of it, any shape.

    Returns
    -------
    dict
        ``'cells'`` (cells of ``d_before`` that are not 0), ``'size'`` (all
        its cells), ``'total_in'`` and ``'total_out'`` (sums of the absolute
        values: equal for a rule that hands each window's gradient on once).

    Examples
    --------
    >>> gradient_summary(np.ones((1, 1)), np.array([[1.0, 0], [0, 0]]))["cells"]
    1
    """
    d_after, d_before = np.asarray(d_after, dtype=float), np.asarray(d_before, dtype=float)
    return {
        "cells": int(np.count_nonzero(d_before)),
        "size": int(d_before.size),
        "total_in": float(np.abs(d_after).sum()),
        "total_out": float(np.abs(d_before).sum()),
    }


class NetworkView(View):
    """One digit through a network, at one pooling layer and channel.

    Top row: the digit (``input``), the channel's map before pooling
    (``before``), after pooling (``after``), and the network's class
    probabilities (``bars``, the predicted class in vermillion). Bottom row:
    the gradient of the predicted score arriving at the pooled map
    (``d_after``), and the gradient the pooling layer sends to the map before
    it (``d_before``), both on one diverging scale centred on 0.

    Attributes
    ----------
    summary : dict
        :func:`gradient_summary` of the last update.

    Examples
    --------
    >>> view = NetworkView()
    >>> before = np.arange(16.0).reshape(4, 4)
    >>> view.update(np.zeros((28, 28)), before, before[1::2, 1::2], np.ones((2, 2)),
    ...             np.kron(np.ones((2, 2)), [[0, 0], [0, 1]]), np.full(10, 0.1))
    >>> view.summary["cells"], view.summary["total_out"]
    (4, 4.0)
    """

    figsize = (12.0, 6.8)

    def __init__(self, presentation=None):
        super().__init__(presentation)
        style = self.style
        self.title = self._figure_text(0.5, 0.985, style.large, ha="center", va="top")
        xs, width, height = (0.04, 0.29, 0.54, 0.79), 0.19, 0.32
        top_y, bottom_y = 0.55, 0.12
        self.ax_input = self._image_axes([xs[0], top_y, width, height], "the digit")
        self.ax_before = self._image_axes([xs[1], top_y, width, height])
        self.ax_after = self._image_axes([xs[2], top_y, width, height])
        self.ax_probs = self._bar_axes(
            [xs[3], top_y, width, height], "class probabilities", [str(k) for k in range(10)]
        )
        self.ax_probs.set_ylim(0, 1.15)
        self.ax_probs.set_xlim(-0.6, 9.6)
        self.ax_d_before = self._image_axes([xs[1], bottom_y, width, height])
        self.ax_d_after = self._image_axes([xs[2], bottom_y, width, height])
        self.input = self._image(self.ax_input)
        self.before = self._image(self.ax_before)
        self.after = self._image(self.ax_after)
        self.d_before = self._diverging(self.ax_d_before)
        self.d_after = self._diverging(self.ax_d_after)
        self.bars = self._dynamic(
            *self.ax_probs.bar(range(10), np.zeros(10), color=GREY, edgecolor="black", lw=0.6)
        )
        self.backward_title = self._figure_text(
            0.04, 0.42, style.font, ha="left", va="top", color=BLUE
        )
        self.explanation = self._figure_text(0.04, 0.06, style.font, ha="left", va="top")
        self.summary = {}

    def update(
        self,
        image,
        before,
        after,
        d_after,
        d_before,
        probabilities,
        subject="",
        layer_name="pooling layer",
        ties="first",
    ):
        """Redraw for one digit, layer and channel.

        Parameters
        ----------
        image : array_like, shape (h, w)
            The digit.
        before, d_before : array_like, shape (h1, w1)
            The channel's map going into the pooling layer, and the gradient
            the layer's backward pass sends to it.
        after, d_after : array_like, shape (h2, w2)
            The pooled map, and the gradient arriving at it.
        probabilities : array_like, shape (classes,)
            The network's softmax output; the largest is the prediction.
        subject, layer_name, ties : str
            Words for the title and captions.
        """
        image, before, after = (np.asarray(a, dtype=float) for a in (image, before, after))
        d_after, d_before = np.asarray(d_after, float), np.asarray(d_before, float)
        probabilities = np.asarray(probabilities, dtype=float)
        predicted = int(np.argmax(probabilities))
        self.title.set_text(
            f"{subject}: predicted {predicted} with probability {probabilities[predicted]:.2f}"
            if subject
            else f"predicted {predicted} with probability {probabilities[predicted]:.2f}"
        )
        top = max(float(before.max()), 1e-12)
        panels = (
            (self.ax_input, self.input, image, 0.0, max(float(image.max()), 1e-12)),
            (self.ax_before, self.before, before, 0.0, top),
            (self.ax_after, self.after, after, 0.0, top),
        )
        for ax, artist, values, low, high in panels:
            artist.set_data(values)
            set_extent(artist, *values.shape)
            self.set_clim(artist, low, high)
            set_limits(ax, 0, 0, values.shape[0] - 1, values.shape[1] - 1)
            int_ticks(self.panel(ax), *values.shape)
        for ax, artist, values in (
            (self.ax_d_after, self.d_after, d_after),
            (self.ax_d_before, self.d_before, d_before),
        ):
            artist.set_data(values)
            set_extent(artist, *values.shape)
            set_symmetric(self, artist, d_after)
            set_limits(ax, 0, 0, values.shape[0] - 1, values.shape[1] - 1)
            int_ticks(self.panel(ax), *values.shape)
        self.panel(self.ax_before).title.set_text(
            f"into the {layer_name}, {before.shape[0]} x {before.shape[1]}"
        )
        self.panel(self.ax_after).title.set_text(f"pooled, {after.shape[0]} x {after.shape[1]}")
        self.panel(self.ax_d_after).title.set_text("gradient arriving at the pooled map")
        self.panel(self.ax_d_before).title.set_text(f"sent back with ties='{ties}'")
        for k, bar in enumerate(self.bars):
            bar.set_height(probabilities[k])
            bar.set_facecolor(VERMILLION if k == predicted else GREY)
        self.summary = gradient_summary(d_after, d_before)
        self.backward_title.set_text(
            f"backward, right to left:\nthe gradient of the\nscore of class {predicted}"
            "\n(orange +, purple -)\n\n\N{LEFTWARDS ARROW} the pooling layer\nsends it back"
        )
        self.explanation.set_text(self._explain(ties))

    def _explain(self, ties):
        s = self.summary
        ratio = s["total_out"] / s["total_in"] if s["total_in"] else 1.0
        text = (
            f"{s['cells']} of the {s['size']} cells before pooling receive gradient; "
            f"the pooling layer hands on {ratio:.2f} times the gradient it received."
        )
        if ties == "all" and ratio > 1.0001:
            text += "\nties='all' invents the surplus: every tied maximum gets the whole share."
        elif ties == "all":
            text += "\nNo window here has a tied maximum that carries gradient: 'all' adds nothing."
        return text
