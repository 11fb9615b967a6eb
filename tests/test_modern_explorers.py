"""Notebook 10's pictures and explorer: what they draw is what adaptive pooling computes."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_lib import adaptive_pool_forward, max_pool_winners
from pooling_lib.adaptive_views import AdaptiveWindowView, unpool_figure, window_outlines
from pooling_lib.modern_explorers import adaptive_explorer
from pooling_lib.plots import digit_image


def test_outlines_are_the_adaptive_windows():
    segments = window_outlines((7, 5), (3, 2), inset=0)
    assert segments.shape == (4 * 3 * 2, 2, 2)
    # Window (1, 0): rows 2 to 4, columns 0 to 2 (7 into 3, 5 into 2).
    top_edge = segments[4 * 2]
    assert top_edge.tolist() == [[-0.5, 1.5], [2.5, 1.5]]


def test_view_shows_the_pooled_map_and_names_the_window():
    image, _ = digit_image(3)
    view = AdaptiveWindowView().update(image, (5, 4), "avg", row=2, col=3)
    expected = adaptive_pool_forward(image[None, :, :, None], (5, 4), "avg")[0, :, :, 0]
    np.testing.assert_array_equal(view.pooled.get_array(), expected)
    assert len(view.outlines.get_segments()) == 4 * 5 * 4
    assert "rows 11 to 16" in view.caption.get_text()
    assert "columns 21 to 27" in view.caption.get_text()
    assert view.rows_title.get_text() == "row windows: 6, 7, 6, 7, 6 cells"
    assert view.png().startswith(b"\x89PNG")


def test_explorer_keeps_the_highlighted_window_inside_the_output():
    explorer = adaptive_explorer(output_size=(7, 3), row=6, col=2)
    explorer.out_h.value = 2
    assert explorer.row.max == 1 and explorer.row.value == 1
    assert explorer.state()["out_w"] == 3
    before = explorer.renders
    explorer.out_w.value = 28
    assert explorer.renders == before + 1 and explorer.last_error is None
    assert explorer.view.pooled.get_array().shape == (2, 28)
    explorer.close()


def test_explorer_repr_has_no_addresses():
    explorer = adaptive_explorer(output_size=(3, 4), mode="avg")
    assert repr(explorer) == (
        "AdaptiveExplorer(digit=0, mode='avg', out_h=3, out_w=4, row=0, col=0)"
    )
    explorer.close()


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"output_size": 0}, ValueError, r"output_size must be an integer from 1 to 28"),
        ({"output_size": 2.0}, TypeError, r"output_size"),
        ({"row": 5}, ValueError, r"row must be an integer from 0 to 4 \(a window of the output\)"),
        ({"mode": "mean"}, ValueError, r"mode"),
        ({"digit": 5000}, ValueError, r"digit must be an integer from 0 to 4999"),
    ],
)
def test_explorer_refuses_what_its_sliders_cannot_show(options, error, message):
    with pytest.raises(error, match=message):
        adaptive_explorer(**options)


def test_unpool_figure_puts_each_maximum_back_and_nothing_else():
    image, _ = digit_image(0)
    figure = unpool_figure(image)
    panels = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    unpooled = np.asarray(panels[2])
    rows, cols = max_pool_winners(image[None, :, :, None], 2, 2)
    winners = np.zeros(image.shape, dtype=bool)
    winners[rows[0, :, :, 0], cols[0, :, :, 0]] = True
    np.testing.assert_array_equal(unpooled[winners], image[winners])
    assert not unpooled[~winners].any()


def test_unpool_figure_refuses_a_batch():
    with pytest.raises(ValueError, match=r"image must be 2-D \(h, w\), got shape \(1, 28, 28\)"):
        unpool_figure(np.zeros((1, 28, 28)))
