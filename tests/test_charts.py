"""The charts draw the numbers they are given: lines, bars, images, labels, colours.

Each test builds a chart and reads back its artists (line data, bar heights,
image arrays, texts, colours) rather than only checking that it runs.
"""

import io
import subprocess
import sys

import matplotlib.colors as mcolors
import numpy as np
import pytest
from PIL import Image

from pooling_lib import charts, plots
from pooling_lib.charts import (
    IMPLEMENTATION_STYLES,
    MARKERS,
    OKABE_ITO,
    bar_chart,
    gallery_figure,
    kink_figure,
    line_chart,
    scaling_figure,
    timings_figure,
)
from pooling_lib.plots import PoolingFigure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def hex_color(color):
    return mcolors.to_hex(color).lower()


def png_size(figure):
    return Image.open(io.BytesIO(figure._repr_png_())).size


# -- line_chart ---------------------------------------------------------------


def test_line_chart_draws_one_line_per_series_with_its_data_and_labels():
    change = {"no pooling": [0.0, 0.7, 1.1], "max 2×2": [0.0, 0.5, 0.9]}
    figure = line_chart(
        [0, 1, 2], change, xlabel="shift (pixels)", ylabel="relative change", title="features"
    )
    assert isinstance(figure, PoolingFigure)
    (ax,) = figure.axes
    assert [line.get_label() for line in ax.lines] == ["no pooling", "max 2×2"]
    for line, values in zip(ax.lines, change.values(), strict=True):
        assert line.get_xdata().tolist() == [0.0, 1.0, 2.0]
        assert line.get_ydata().tolist() == values
    assert ax.get_xlabel() == "shift (pixels)"
    assert ax.get_ylabel() == "relative change"
    assert ax.get_title() == "features"
    assert legend_texts(ax) == ["no pooling", "max 2×2"]
    assert ax.get_xscale() == ax.get_yscale() == "linear"
    # Whole-number x values each get a tick.
    assert ax.get_xticks().tolist() == [0.0, 1.0, 2.0]


def test_line_chart_series_take_okabe_ito_colours_and_distinct_markers_in_turn():
    series = {f"series {k}": [k, k + 1.0] for k in range(len(OKABE_ITO) + 1)}
    ax = line_chart([1, 2], series, xlabel="x", ylabel="y").axes[0]
    colours = [hex_color(line.get_color()) for line in ax.lines]
    markers = [line.get_marker() for line in ax.lines]
    assert colours[: len(OKABE_ITO)] == [c.lower() for c in OKABE_ITO]
    assert markers[: len(MARKERS)] == list(MARKERS)
    # An eighth series starts the palette again.
    assert colours[-1] == OKABE_ITO[0].lower() and markers[-1] == MARKERS[0]


def test_line_chart_log_axes_and_many_points():
    steps = np.logspace(-12, -1, 45)
    ax = line_chart(steps, {"central": steps**2}, xlabel="step h", ylabel="error", log=True).axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), steps)
    # With many points the markers shrink, so the line stays readable.
    assert ax.lines[0].get_markersize() < 6.0


def test_line_chart_fractional_x_gets_automatic_ticks():
    ax = line_chart([0.5, 1.5, 2.25], {"a": [1, 2, 3]}, xlabel="x", ylabel="y").axes[0]
    assert ax.get_xticks().tolist() != [0.5, 1.5, 2.25]


def test_line_chart_percent_axis_shows_fractions_as_percentages():
    figure = line_chart(
        [0, 1], {"max": [0.92, 0.5]}, xlabel="shift", ylabel="accuracy", percent=True
    )
    ax = figure.axes[0]
    figure.canvas.draw()
    labels = [label.get_text() for label in ax.get_yticklabels() if label.get_text()]
    assert labels and all(label.endswith("%") for label in labels)
    assert "90%" in labels


def test_line_chart_presentation_makes_fonts_and_figure_larger():
    args = ([0, 1], {"a": [0.0, 1.0]})
    screen = line_chart(*args, xlabel="x", ylabel="y", title="t")
    projector = line_chart(*args, xlabel="x", ylabel="y", title="t", presentation=True)
    for attribute in ("title", "xaxis.label", "yaxis.label"):
        small = screen.axes[0]
        large = projector.axes[0]
        for part in attribute.split("."):
            small, large = getattr(small, part), getattr(large, part)
        assert large.get_fontsize() > small.get_fontsize()
    assert projector.axes[0].lines[0].get_linewidth() > screen.axes[0].lines[0].get_linewidth()
    width, height = png_size(screen)
    big_width, big_height = png_size(projector)
    assert big_width > width and big_height > height


@pytest.mark.parametrize(
    ("x", "series", "error", "message"),
    [
        ([0, 1], [0, 1], TypeError, "series must be a dict"),
        ([0, 1], {}, ValueError, "at least one named series"),
        ([0, 1], {"a": [0, 1, 2]}, ValueError, "series 'a' has 3 values, but there are 2 x"),
        ([0, 1], {"a": [[0, 1]]}, ValueError, r"series 'a' must be 1-D, got shape \(1, 2\)"),
        ([[0, 1]], {"a": [0, 1]}, ValueError, r"x must be 1-D .* got shape \(1, 2\)"),
        ([], {"a": []}, ValueError, "x must be 1-D with at least one value"),
    ],
)
def test_line_chart_refuses_bad_input_and_says_what_would_work(x, series, error, message):
    with pytest.raises(error, match=message):
        line_chart(x, series, xlabel="x", ylabel="y")


def test_presentation_must_be_a_bool_or_none():
    with pytest.raises(TypeError, match=r"presentation must be True, False or None .*got 'yes'"):
        line_chart([0], {"a": [1]}, xlabel="x", ylabel="y", presentation="yes")
    with pytest.raises(TypeError, match=r"presentation must be True, False or None .*got 'yes'"):
        plots.grid_figure([np.zeros((2, 2))], presentation="yes")


def test_set_presentation_enlarges_charts_and_pictures_alike():
    args = ([0, 1], {"a": [1, 2]})
    grids = [np.eye(3)]
    screen = line_chart(*args, xlabel="x", ylabel="y", presentation=None)
    screen_grid = plots.grid_figure(grids, presentation=None)
    previous = plots.set_presentation(True)
    try:
        projector = line_chart(*args, xlabel="x", ylabel="y", presentation=None)
        projector_grid = plots.grid_figure(grids, presentation=None)
        explicit = line_chart(*args, xlabel="x", ylabel="y", presentation=False)
    finally:
        plots.set_presentation(previous)
    assert projector.get_size_inches()[0] > screen.get_size_inches()[0]
    assert projector_grid.get_size_inches()[0] > screen_grid.get_size_inches()[0]
    assert np.array_equal(explicit.get_size_inches(), screen.get_size_inches())


# -- bar_chart ----------------------------------------------------------------


def test_bar_chart_groups_one_bar_per_series_around_each_category():
    shares = {"channel 0": [0.17, 0.05, 0.02, 0.76], "channel 1": [0.13, 0.07, 0.04, 0.76]}
    figure = bar_chart(
        [1, 2, 3, 4], shares, xlabel="tied cells", ylabel="share", title="ties", percent=True
    )
    (ax,) = figure.axes
    assert len(ax.containers) == 2
    for container, values in zip(ax.containers, shares.values(), strict=True):
        assert [bar.get_height() for bar in container] == values
    left = [bar.get_x() + bar.get_width() / 2 for bar in ax.containers[0]]
    right = [bar.get_x() + bar.get_width() / 2 for bar in ax.containers[1]]
    # Side by side, centred on the category's tick.
    np.testing.assert_allclose((np.array(left) + right) / 2, ax.get_xticks())
    assert all(r > left_x for left_x, r in zip(left, right, strict=True))
    assert [label.get_text() for label in ax.get_xticklabels()] == ["1", "2", "3", "4"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("tied cells", "share", "ties")
    assert legend_texts(ax) == ["channel 0", "channel 1"]
    colours = [hex_color(container[0].get_facecolor()) for container in ax.containers]
    assert colours == [OKABE_ITO[0].lower(), OKABE_ITO[1].lower()]
    figure.canvas.draw()
    assert all(label.get_text().endswith("%") for label in ax.get_yticklabels())


@pytest.mark.parametrize(
    ("categories", "series", "message"),
    [
        ([], {"a": []}, "categories must name at least one group"),
        (["x", "y"], {"a": [1]}, "series 'a' has 1 values, but there are 2 categories"),
        (["x"], {}, "at least one named series"),
    ],
)
def test_bar_chart_refuses_bad_input(categories, series, message):
    with pytest.raises(ValueError, match=message):
        bar_chart(categories, series, xlabel="x", ylabel="y")


# -- gallery_figure -----------------------------------------------------------


def test_gallery_puts_images_in_rows_on_one_colour_scale():
    images = np.arange(5 * 4 * 4, dtype=float).reshape(5, 4, 4)
    figure = gallery_figure(images, [f"image {k}" for k in range(5)], columns=3)
    shown = [ax for ax in figure.axes if ax.images]
    assert len(shown) == 5 and len(figure.axes) == 5  # the sixth slot is removed
    for k, ax in enumerate(shown):
        np.testing.assert_array_equal(ax.images[0].get_array(), images[k])
        assert ax.images[0].get_clim() == (0.0, 79.0)
        assert ax.get_title() == f"image {k}"
        assert len(ax.get_xticks()) == len(ax.get_yticks()) == 0
    figure.canvas.draw()
    # Three to a row: the first three share a top edge, the last two sit below them.
    tops = [round(ax.get_position().y1, 3) for ax in shown]
    lefts = [round(ax.get_position().x0, 3) for ax in shown]
    assert tops[0] == tops[1] == tops[2] > tops[3] == tops[4]
    assert lefts[0] == lefts[3] and lefts[1] == lefts[4]


def test_gallery_marks_nan_cells_and_explains_a_fixed_scale_with_a_colour_bar():
    counts = np.array([[1.0, 2.0], [0.0, 9.0]])
    shown = np.where(counts == 0, np.nan, counts)
    figure = gallery_figure(
        [shown, shown], cmap="viridis", vmin=1, vmax=9, colorbar="windows reading the pixel"
    )
    images = [ax.images[0] for ax in figure.axes if ax.images]
    assert len(images) == 2
    assert images[0].get_clim() == (1.0, 9.0)
    assert images[0].get_array().mask.tolist() == [[False, False], [True, False]]
    assert hex_color(images[0].get_cmap().get_bad()) == charts.MISSING_COLOR
    colour_bar_axes = [ax for ax in figure.axes if not ax.images]
    assert len(colour_bar_axes) == 1
    assert colour_bar_axes[0].get_ylabel() == "windows reading the pixel"


def test_gallery_infinities_are_missing_and_a_flat_scale_still_draws():
    flat = np.full((3, 3), 2.0)
    flat[0, 0] = np.inf
    figure = gallery_figure([flat])
    image = figure.axes[0].images[0]
    assert image.get_array().mask[0, 0]
    low, high = image.get_clim()
    assert low == 2.0 and high > low
    assert gallery_figure([np.full((2, 2), np.nan)]).axes[0].images[0].get_clim() == (0.0, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"images": np.zeros((4, 4))}, TypeError, r"got one 2-D array; wrap it in a list"),
        ({"images": []}, ValueError, "at least one 2-D array"),
        ({"images": [np.zeros(3)]}, ValueError, r"images\[0\] must be 2-D .* shape \(3,\)"),
        ({"images": [np.zeros((2, 2))], "titles": ["a", "b"]}, ValueError, "one title per"),
        ({"images": [np.zeros((2, 2))], "columns": 0}, ValueError, "columns must be .* got 0"),
        ({"images": [np.zeros((2, 2))], "columns": 1.5}, ValueError, "got 1.5"),
        ({"images": [np.zeros((2, 2))], "columns": True}, ValueError, "got True"),
        ({"images": [np.zeros((2, 2))], "vmin": 3, "vmax": 1}, ValueError, "vmin must be below"),
    ],
)
def test_gallery_refuses_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        gallery_figure(**kwargs)


# -- kink_figure ----------------------------------------------------------------


def test_kink_figure_draws_max_and_the_secant_that_straddles_the_kink():
    figure = kink_figure(h=0.02)
    ax = figure.axes[0]
    curve, secant = ax.lines
    t = curve.get_xdata()
    assert t[0] == pytest.approx(0.94) and t[-1] == pytest.approx(1.06)
    np.testing.assert_array_equal(curve.get_ydata(), np.maximum(t, 1.0))
    np.testing.assert_allclose(secant.get_xdata(), [0.98, 1.02])
    np.testing.assert_allclose(secant.get_ydata(), [1.0, 1.02])
    slope = np.diff(secant.get_ydata()) / np.diff(secant.get_xdata())
    assert slope == pytest.approx(0.5)
    assert legend_texts(ax) == [
        "output = max(t, 1)",
        "central difference, h = 0.02: slope 0.5",
    ]
    assert ax.get_xlabel() == "value t of the first tied cell"
    assert ax.get_ylabel() == "pooled output"
    assert "kink" in [text.get_text() for text in ax.texts]


@pytest.mark.parametrize("h", [0, -0.1, np.inf, np.nan, True, "0.01"])
def test_kink_figure_needs_a_positive_step(h):
    with pytest.raises(ValueError, match="h must be a positive finite number"):
        kink_figure(h=h)


# -- scaling_figure and timings_figure ----------------------------------------


def test_scaling_figure_converts_to_milliseconds_and_keeps_each_implementation_look():
    seconds = {
        "window loops": [0.002, 0.003, 0.008],
        "four loops": [0.002, 0.004],
        "my version": [0.0001, 0.0002, 0.0004],
    }
    figure = scaling_figure([4, 8, 16], seconds, title="kernel 2")
    ax = figure.axes[0]
    window, four, mine = ax.lines
    np.testing.assert_allclose(window.get_ydata(), [2.0, 3.0, 8.0])
    # A series that stops early covers the first sizes only.
    assert four.get_xdata().tolist() == [4.0, 8.0]
    np.testing.assert_allclose(four.get_ydata(), [2.0, 4.0])
    for line in (window, four):
        colour, marker = IMPLEMENTATION_STYLES[line.get_label()]
        assert hex_color(line.get_color()) == colour.lower() and line.get_marker() == marker
    taken = {colour.lower() for colour, _ in IMPLEMENTATION_STYLES.values()}
    assert hex_color(mine.get_color()) not in taken
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_xlabel() == "digits in the batch (m)"
    assert ax.get_ylabel() == "milliseconds per call"
    assert ax.get_title() == "kernel 2"


def test_scaling_figure_refuses_a_series_longer_than_the_sizes():
    with pytest.raises(ValueError, match="'PyTorch' has 3 values, but there are at most 2 sizes"):
        scaling_figure([4, 8], {"PyTorch": [1, 2, 3]})
    with pytest.raises(ValueError, match="sizes must be 1-D"):
        scaling_figure(4, {"PyTorch": [1]})


def test_timings_figure_draws_milliseconds_per_setting_in_each_implementation_colour():
    seconds = {"window loops": [0.03, 0.009, 0.004], "pooling_lib": [0.002, 0.001, 0.0007]}
    figure = timings_figure(
        ["stride 1", "stride 2", "stride 3"], seconds, ylabel="ms per 256 digits", title="k 3"
    )
    ax = figure.axes[0]
    for container, (name, values) in zip(ax.containers, seconds.items(), strict=True):
        np.testing.assert_allclose([bar.get_height() for bar in container], np.array(values) * 1e3)
        colour = IMPLEMENTATION_STYLES[name][0].lower()
        assert {hex_color(bar.get_facecolor()) for bar in container} == {colour}
    assert [label.get_text() for label in ax.get_xticklabels()] == [
        "stride 1",
        "stride 2",
        "stride 3",
    ]
    assert (ax.get_ylabel(), ax.get_title()) == ("ms per 256 digits", "k 3")
    assert legend_texts(ax) == ["window loops", "pooling_lib"]


# -- rendering -----------------------------------------------------------------


def test_charts_render_the_same_png_every_time_at_their_stated_size():
    def draw():
        return line_chart([0, 1, 2], {"a": [1, 3, 2]}, xlabel="x", ylabel="y", title="t")

    first, second = draw()._repr_png_(), draw()._repr_png_()
    assert first.startswith(PNG_SIGNATURE)
    assert first == second
    figure = draw()
    width, height = (figure.get_size_inches() * figure.dpi).round().astype(int)
    assert png_size(figure) == (width, height)


def test_charts_never_import_pyplot():
    code = (
        "import sys\n"
        "from pooling_lib import charts\n"
        "charts.kink_figure()._repr_png_()\n"
        "charts.gallery_figure([[[0.0, 1.0]]], colorbar='c')._repr_png_()\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_training_curves_draw_loss_and_accuracy_per_network_in_matching_colours():
    histories = {
        "max": {"loss": [0.5, 0.2, 0.1], "test_accuracy": [0.90, 0.95, 0.97]},
        "avg": {"loss": [0.6, 0.3, 0.2], "test_accuracy": [0.88, 0.93, 0.96], "seconds": [1, 1, 1]},
    }
    figure = charts.training_curves(histories, title="two networks")
    loss_ax, accuracy_ax = figure.axes
    assert [line.get_label() for line in loss_ax.lines] == ["max", "avg"]
    assert accuracy_ax.lines[1].get_ydata().tolist() == [0.88, 0.93, 0.96]
    assert loss_ax.lines[0].get_xdata().tolist() == [1, 2, 3]
    assert [ln.get_color() for ln in loss_ax.lines] == [ln.get_color() for ln in accuracy_ax.lines]
    assert accuracy_ax.yaxis.get_major_formatter()(0.97, 0) == "97.0%"


@pytest.mark.parametrize(
    ("histories", "error", "message"),
    [
        (
            [],
            TypeError,
            r"histories must be a dict mapping each name to what fit returned, got list",
        ),
        ({"max": [0.5]}, TypeError, r"histories must be a dict mapping each name"),
        ({}, ValueError, r"histories must hold at least one history, got an empty dict"),
        ({"max": {"loss": [1.0]}}, ValueError, r"histories\['max'\] has no 'test_accuracy'"),
    ],
)
def test_training_curves_refuse_bad_input(histories, error, message):
    with pytest.raises(error, match=message):
        charts.training_curves(histories)
