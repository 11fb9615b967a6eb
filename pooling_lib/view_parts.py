"""Small drawing steps that several slider-driven views share.

Each changes artists in place (limits, extents, box bounds, colour limits),
the way :class:`pooling_lib.render.View` updates without rebuilding.
"""

from __future__ import annotations

import matplotlib as mpl

from .captions import span_text
from .glyphs import cell_points
from .maps import symmetric, window_values, winner_cell
from .style import IMAGE_CMAP

COUNT_CMAP = mpl.colormaps["viridis"]


UNREAD_RGBA = (0.92, 0.92, 0.92, 0.62)


def set_box(rect, top, left, bottom, right):
    rect.set_bounds(left - 0.5, top - 0.5, right - left + 1, bottom - top + 1)


def int_ticks(panel, n_rows, n_cols):
    """Ticks at the first and last row and column of a :class:`~pooling_lib.render.Panel`."""
    panel.ticks.set(sorted({0, n_cols - 1}), sorted({0, n_rows - 1}))


def set_symmetric(view, image, values):
    """Centre a view's diverging map on 0, symmetric about the largest magnitude."""
    top = symmetric(values)
    view.set_clim(image, -top, top)


def set_extent(ax_image, n_rows, n_cols):
    ax_image.set_extent((-0.5, n_cols - 0.5, n_rows - 0.5, -0.5))


def set_limits(ax, top, left, bottom, right):
    ax.set_xlim(left - 0.5, right + 0.5)
    ax.set_ylim(bottom + 0.5, top - 0.5)


def show_zoom(view, image, options, i, j):
    """Draw window ``(i, j)`` enlarged in a view's zoom: its values, and a max's winner circled.

    ``view`` holds the zoom: ``ax_zoom``, ``zoom``, ``zoom_labels``,
    ``zoom_axis_labels`` and ``zoom_winner``; ``options`` are the checked
    PoolOptions of ``image``. Returns the window's cells, padding masked,
    as :func:`window_values` gives them.
    """
    geometry = options.geometry
    window = window_values(image, geometry)[0][i, j]
    winner_at = winner_cell(image, geometry, i, j, options.mode)
    ax = view.ax_zoom
    kh, kw = window.shape
    view.zoom.set_data(window)
    set_extent(view.zoom, kh, kw)
    set_limits(ax, 0, 0, kh - 1, kw - 1)
    view.zoom_axis_labels[0].set_text(span_text(geometry.window_positions(1)[j], "column"))
    view.zoom_axis_labels[1].set_text(span_text(geometry.window_positions(0)[i], "row"))
    view.zoom_labels.show_grid(
        window, IMAGE_CMAP, view.zoom.norm, nan_text="nan", masked_text="pad"
    )
    if winner_at is None:
        view.zoom_winner.set_data([], [])
    else:
        view.zoom_winner.set_data([winner_at[1]], [winner_at[0]])
        view.zoom_winner.set_markersize(0.8 * cell_points(ax))
    return window
