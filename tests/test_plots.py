"""The pictures draw what the maths computes: windows, winners, gradients, formulas.

Each test updates a view and reads back its artists (segments, marker
coordinates, image data, texts) and compares them with pooling_lib's own
geometry, forward and backward passes.
"""

import functools
import io
import itertools
import re

import matplotlib
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from pooling_lib import (
    captions,
    check_views,
    maps,
    max_pool_winners,
    output_shape,
    plots,
    pool_backward,
    pool_forward,
    pool_geometry,
)
from pooling_lib.adaptive_views import unpool_figure
from pooling_lib.geometry import PoolingOptionError
from pooling_lib.gradcheck import numeric_gradient
from pooling_lib.plots import (
    PIPELINE_KERNELS,
    AnimationView,
    CellLabels,
    GlyphText,
    GradientView,
    MaxMaskView,
    PipelineView,
    PoolingFigure,
    PoolRequest,
    WindowView,
    conv2d_valid,
    digit_image,
    figure_png,
    max_mask_figure,
    output_size_formula,
    pipeline_figure,
    set_presentation,
    shift_image,
    window_figure,
    window_values,
)
from pooling_lib.render import axes_titles
from pooling_lib.style import IMAGE_CMAP, format_number
from tests.strategies import arrays_with_ties, pooling_cases

DIGIT, _ = digit_image(0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def winners_from_backward(image, kernel, stride, padding=0):
    """Each window's winner under ties='first', from pool_backward with a one-hot dA."""
    A = image[None, :, :, None]
    h_out, w_out = output_shape(*image.shape, kernel, stride, padding)
    found = []
    for i, j in itertools.product(range(h_out), range(w_out)):
        dA = np.zeros((1, h_out, w_out, 1))
        dA[0, i, j, 0] = 1.0
        grad = pool_backward(dA, A, kernel, stride, padding=padding)[0, :, :, 0]
        found.append(tuple(int(v) for v in np.argwhere(grad)[0]))
    return found


def request(kernel_shape=2, stride=2, *options, **named):
    """The options a view is given: 2 x 2 windows, stride 2, unless told otherwise."""
    return PoolRequest(kernel_shape, stride, *options, **named)


@pytest.fixture(scope="module")
def window_view():
    return WindowView(margin=4)


@pytest.fixture(scope="module")
def mask_view():
    return MaxMaskView()


@pytest.fixture(scope="module")
def gradient_view():
    return GradientView()


# --- helpers: convolution, shift, formula ------------------------------------------------


def test_conv2d_valid_is_cross_correlation():
    rng = np.random.default_rng(0)
    image, kernel = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    expected = np.array(
        [[np.sum(kernel * image[i : i + 3, j : j + 2]) for j in range(6)] for i in range(4)]
    )
    np.testing.assert_allclose(conv2d_valid(image, kernel), expected)


@pytest.mark.parametrize(
    ("image", "kernel", "match"),
    [
        (np.zeros((4, 4)), np.zeros((5, 1)), "does not fit"),
        (np.zeros(4), np.zeros((2, 2)), "must be 2-D"),
    ],
)
def test_conv2d_valid_rejects_bad_shapes(image, kernel, match):
    with pytest.raises(ValueError, match=match):
        conv2d_valid(image, kernel)


def test_shift_image_fills_with_zeros_and_never_wraps():
    image = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(shift_image(image, down=1)[0], [0, 0, 0])
    np.testing.assert_array_equal(shift_image(image, down=1)[1:], image[:2])
    np.testing.assert_array_equal(shift_image(image, right=-2)[:, 0], image[:, 2])
    np.testing.assert_array_equal(shift_image(image, down=-1, right=1)[:2, 1:], image[1:, :2])
    assert not shift_image(image, down=3).any()
    with pytest.raises(ValueError, match="must be 2-D"):
        shift_image(np.zeros(3))


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "ceil"),
    [
        (n, k, s, p, d, ceil)
        for n, k, s, p, d, ceil in itertools.product(
            (1, 5, 28), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2), (False, True)
        )
        if p <= k // 2 and d * (k - 1) + 1 <= n + 2 * p
    ],
)
def test_output_size_formula_ends_with_the_output_size(n, k, s, p, d, ceil):
    text = output_size_formula(n, k, s, p, d, ceil)
    assert text.startswith("h_out = " + ("ceil((" if ceil else "floor(("))
    assert f"({n} + 2*{p} - {d}*({k}-1) - 1) / {s}" in text
    assert int(text.split("= ")[-1].split()[0]) == output_shape(n, n, k, s, p, d, ceil)[0]


def test_output_size_formula_explains_the_ceil_mode_drop_and_refusals():
    # 5 wide, kernel 2, stride 2, padding 1: ceil gives 4 windows, the last would start at 5.
    text = output_size_formula(5, 2, 2, padding=1, ceil_mode=True)
    assert text.endswith(
        "= 4 - 1 = 3 (the last window would start at 5, at or past the input's end)"
    )
    assert output_shape(5, 5, 2, 2, 1, ceil_mode=True) == (3, 3)
    assert "not allowed" in output_size_formula(28, 3, 1, padding=2)
    assert "not even one window fits" in output_size_formula(4, 3, 1, dilation=2, name="w")


OPTIONS_ON_ONE_AXIS = dict(
    n=st.integers(0, 12),
    k=st.integers(0, 6),
    s=st.integers(0, 4),
    p=st.integers(0, 4),
    d=st.integers(0, 3),
    ceil=st.booleans(),
)


def geometry_refusal(n, k, s, p, d, ceil):
    """pool_geometry's PoolingOptionError for these options on an n x n input, or None."""
    try:
        pool_geometry((n, n), k, s, p, d, ceil)
    except PoolingOptionError as error:
        return error
    return None


@st.composite
def accepted_on_one_axis(draw):
    """Options in OPTIONS_ON_ONE_AXIS's ranges that pass every per-option rule.

    Drawn inside the rules rather than filtered: most free draws are refused,
    and filtering that many fails Hypothesis's health check on some seeds.
    """
    k = draw(st.integers(1, 6))
    return (
        draw(st.integers(1, 12)),
        k,
        draw(st.integers(1, 4)),
        draw(st.integers(0, min(4, k // 2))),
        draw(st.integers(1, 3)),
        draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(accepted_on_one_axis())
def test_output_size_formula_takes_its_count_from_the_geometry(options):
    n, k, s, p, d, ceil = options
    # Only a window wider than the padded input is left to refuse.
    assume(geometry_refusal(n, k, s, p, d, ceil) is None)
    text = output_size_formula(n, k, s, p, d, ceil)
    expected = pool_geometry((n, n), k, s, p, d, ceil).out_shape[0]
    assert int(text.split("= ")[-1].split()[0]) == expected


@settings(max_examples=300, deadline=None)
@given(**OPTIONS_ON_ONE_AXIS)
def test_output_size_formula_explains_every_refusal(n, k, s, p, d, ceil):
    error = geometry_refusal(n, k, s, p, d, ceil)
    assume(error is not None)
    text = output_size_formula(n, k, s, p, d, ceil)
    # A refusal is explained, never computed through (no ZeroDivisionError, no count).
    assert text.startswith("h_out: ")
    if error.rule == "half_kernel":
        assert text == f"h_out: padding {p} is more than kernel // 2 = {k // 2}, not allowed"
    elif error.rule == "window_fits":
        assert text.endswith("< 0, so not even one window fits")
    else:
        assert text == f"h_out: {error.summary}"


def test_output_size_formula_refuses_what_the_library_refuses():
    assert output_size_formula(28, 2, 0) == "h_out: stride must be positive, got (0, 0)"
    assert output_size_formula(28, 0, 1).startswith("h_out: kernel_shape must be positive")
    # Ceil mode keeps a window wider than the padded input when it starts inside it.
    assert output_size_formula(4, 3, 2, dilation=2, ceil_mode=True).endswith("ceil(-1 / 2) + 1 = 1")
    assert output_shape(4, 4, 3, 2, dilation=2, ceil_mode=True) == (1, 1)
    with pytest.raises(TypeError, match="stride must be an int"):
        output_size_formula(28, 2, 1.5)


def test_explain_rewords_the_librarys_numbers():
    for kernel_shape, padding, expected in (
        ((3, 5), (1, 3), "padding 3 is more than half the kernel width (5 // 2 = 2)"),
        ((3, 3), (2, 2), "padding 2 is more than half the kernel (3 // 2 = 1)"),
    ):
        with pytest.raises(ValueError) as refusal:
            pool_geometry((28, 28), kernel_shape, 1, padding)
        message = captions.refusal_message(refusal.value)
        assert message.splitlines()[0] == (expected)
    with pytest.raises(ValueError) as refusal:
        pool_geometry((5, 9), (2, 4), 1, 0, (5, 3))
    message = captions.refusal_message(refusal.value)
    assert message.splitlines()[0] == (
        "the window spans 6 x 10 pixels, more than the padded digit (5 x 9)"
    )


def test_window_values_and_winners_match_pool_backward():
    geometry = pool_geometry((28, 28), 3, 2)
    values, rows, cols = window_values(DIGIT, geometry)
    assert values.shape == (13, 13, 3, 3)
    np.testing.assert_array_equal(values[4, 5], DIGIT[8:11, 10:13])
    win_rows, win_cols, ties, _ = maps.max_winners(DIGIT, geometry)
    found = list(zip(win_rows.ravel().tolist(), win_cols.ravel().tolist(), strict=True))
    assert found == winners_from_backward(DIGIT, 3, 2)
    assert ties[0, 0] == 9  # a window of background: all nine cells tie at 0


def tie_counts_from_backward(image, geometry):
    """How many cells pool_backward(ties='all') feeds from each window, for a one-hot dA."""
    A = image[None, :, :, None]
    options = dict(
        padding=geometry.padding, dilation=geometry.dilation, ceil_mode=geometry.ceil_mode
    )
    counts = np.zeros(geometry.out_shape, dtype=int)
    for i, j in itertools.product(*map(range, geometry.out_shape)):
        dA = np.zeros((1, *geometry.out_shape, 1))
        dA[0, i, j, 0] = 1.0
        grad = pool_backward(dA, A, geometry.kernel_shape, geometry.stride, ties="all", **options)
        counts[i, j] = np.count_nonzero(grad)
    return counts


@settings(max_examples=150, deadline=None)
@given(case=pooling_cases(modes=("max",), max_side=7), data=st.data())
def test_winners_and_ties_are_the_librarys_with_nan_and_infinities(case, data):
    (_, h, w, _), options, geometry = case
    image = data.draw(arrays_with_ties((h, w), nan=True))
    win_rows, win_cols, tie_counts, tied = maps.max_winners(image, geometry)
    del options["mode"]
    rows, cols = max_pool_winners(image[None, :, :, None], **options)
    np.testing.assert_array_equal(win_rows, rows[0, :, :, 0])
    np.testing.assert_array_equal(win_cols, cols[0, :, :, 0])
    np.testing.assert_array_equal(tie_counts, tie_counts_from_backward(image, geometry))
    np.testing.assert_array_equal(tied.sum(axis=(2, 3)), tie_counts)
    # Padding is the geometry's mask, never a value: a NaN in the image is never masked.
    values, _, _ = window_values(image, geometry)
    inside = geometry.inside(0)[:, None, :, None] & geometry.inside(1)[None, :, None, :]
    np.testing.assert_array_equal(values.mask, ~inside)
    assert not (tied & values.mask).any()


@pytest.mark.parametrize(
    ("image", "winner", "ties"),
    [
        ([[1.0, np.nan], [3.0, 2.0]], (0, 1), 1),  # NaN wins, as in pool_backward
        ([[np.nan, 5.0], [np.nan, 2.0]], (1, 0), 2),  # the last NaN wins; NaNs tie
        ([[1.0, np.inf], [np.inf, 2.0]], (0, 1), 2),  # +inf cells tie
        ([[-np.inf, -np.inf], [-np.inf, -np.inf]], (0, 0), 4),
    ],
)
def test_nan_and_infinite_windows_have_the_librarys_winner(mask_view, image, winner, ties):
    image = np.array(image)
    mask_view.update(image, request())
    assert [tuple(w) for w in mask_view.winners] == [winner]
    assert mask_view.tie_counts.tolist() == [[ties]]
    marks = mask_view.clear_winners if ties == 1 else mask_view.tied_winners
    assert marks.get_data() == ([winner[1]], [winner[0]])
    assert len(mask_view.tied_windows.get_paths()) == (ties > 1)
    mask_view.update(image, request(ties="all"))
    xs, ys = mask_view.tied_winners.get_data()
    assert len(xs) == (ties if ties > 1 else 0)
    grad = pool_backward(np.ones((1, 1, 1, 1)), image[None, :, :, None], 2, 2, ties="all")
    assert np.count_nonzero(grad) == ties


def test_the_zoom_writes_nan_and_padding_apart_and_circles_the_librarys_winner():
    view = WindowView()
    view.update(np.array([[1.0, np.nan], [3.0, 2.0]]), request(2, 1))
    assert view.zoom_labels.strings == ["1.00", "nan", "3.00", "2.00"]
    assert view.zoom_winner.get_data() == ([1], [0])
    view.update(np.array([[1.0, np.inf], [np.inf, 2.0]]), request(2, 1))
    # Infinities are written as symbols, as everywhere else (style.format_number).
    assert view.zoom_labels.strings == ["1.00", "\N{INFINITY}", "\N{INFINITY}", "2.00"]
    assert view.zoom_winner.get_data() == ([1], [0])
    # A window on the corner: three cells of padding and the image's NaN, which wins.
    view.update(np.array([[np.nan, 0.5], [0.25, 1.0]]), request(padding=1))
    i, j = view.highlighted
    labels = view.zoom_labels.strings
    assert labels.count("pad") == 3 and len(labels) == 4
    row, col = max_pool_winners(
        np.array([[np.nan, 0.5], [0.25, 1.0]])[None, :, :, None], 2, 2, padding=1
    )
    geometry = view.geometry
    t = list(geometry.window_positions(0)[i]).index(row[0, i, j, 0])
    u = list(geometry.window_positions(1)[j]).index(col[0, i, j, 0])
    assert view.zoom_winner.get_data() == ([u], [t])


def test_a_window_of_padding_alone_has_no_winner_and_no_tie():
    # Rows -1 and 1 of a one-row image: padding, both of them.
    image = np.arange(3.0).reshape(1, 3)
    geometry = pool_geometry((1, 3), 2, 1, padding=1, dilation=2)
    win_rows, win_cols, tie_counts, _ = maps.max_winners(image, geometry)
    empty = ~(geometry.inside(0).any(axis=1)[:, None] & geometry.inside(1).any(axis=1)[None, :])
    assert empty.any()
    assert (win_rows[empty] == -1).all() and (win_cols[empty] == -1).all()
    assert (tie_counts[empty] == 0).all()
    assert maps.winner_cell(image, geometry, *np.argwhere(empty)[0], "max") is None


def test_window_values_needs_the_geometrys_shape():
    with pytest.raises(ValueError, match=r"image has shape \(3, 3\), but geometry is for"):
        window_values(np.zeros((3, 3)), pool_geometry((4, 4), 2))


def test_digit_image_channels_and_errors():
    inverse, label = digit_image(0, "inverse")
    np.testing.assert_allclose(inverse, 1 - DIGIT)
    assert label == 0
    assert digit_image(4999)[1] == 9
    with pytest.raises(ValueError, match="index must be in 0..4999"):
        digit_image(5000)
    with pytest.raises(ValueError, match="channel must be one of"):
        digit_image(0, "red")


# --- text and cell labels ---------------------------------------------------------------


def test_glyph_text_draws_what_matplotlib_text_draws_in_place():
    view = WindowView()
    text = view._figure_text(0.1, 0.5, 12, ha="left", va="center")
    text.set_text("pooling 2 x 2")
    assert text.get_text() == "pooling 2 x 2"
    text.set_position((0.2, 0.4))
    assert text.get_position() == (0.2, 0.4)
    view.figure.canvas.draw()
    box = text.get_window_extent()
    reference = view.figure.text(0.2, 0.4, "pooling 2 x 2", fontsize=12, va="center")
    expected = reference.get_window_extent(view.figure.canvas.get_renderer())
    assert abs(box.x0 - expected.x0) < 2 and abs(box.width - expected.width) < 3
    assert abs((box.y0 + box.y1) / 2 - (expected.y0 + expected.y1) / 2) < 3


def test_glyph_text_alignments_and_rotation():
    figure = PoolingFigure(figsize=(4, 4), dpi=72)
    texts = {}
    for ha, va in itertools.product(("left", "center", "right"), ("top", "bottom", "baseline")):
        text = GlyphText(figure, 0.5, 0.5, figure.transFigure, 10, ha=ha, va=va)
        text.set_text("ab\ncd")
        figure.add_artist(text)
        texts[ha, va] = text
    vertical = GlyphText(figure, 0.5, 0.5, figure.transFigure, 10, rotation=90)
    vertical.set_text("up")
    figure.add_artist(vertical)
    figure_png(figure)
    centre = 144
    assert texts["left", "top"].get_window_extent().x0 == pytest.approx(centre, abs=2)
    assert texts["right", "top"].get_window_extent().x1 == pytest.approx(centre, abs=2)
    assert texts["left", "top"].get_window_extent().y1 == pytest.approx(centre, abs=3)
    assert texts["left", "bottom"].get_window_extent().y0 == pytest.approx(centre, abs=3)
    box = vertical.get_window_extent()
    assert box.height > box.width


def test_glyph_text_skips_blank_lines_and_keeps_a_bounded_cache():
    figure = PoolingFigure(figsize=(2, 2), dpi=72)
    text = GlyphText(figure, 0.5, 0.5, figure.transFigure, 10, va="top")
    figure.add_artist(text)
    text.set_text("a")
    figure_png(figure)
    one_line = text.get_window_extent().height
    text.set_text("a\n\n   \nb")
    figure_png(figure)
    assert text.get_window_extent().height > 3 * one_line
    renderer = FigureCanvasAgg(figure).get_renderer()
    for number in range(300):
        text.set_text(str(number))
        text.draw(renderer)
    assert len(text._paths) <= 257


def test_cell_labels_fit_the_cells_or_stay_blank():
    view = WindowView()
    ax = view.ax_zoom
    labels = CellLabels(ax, fontsize=30)
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(1.5, -0.5)
    cmap, norm = IMAGE_CMAP, matplotlib.colors.Normalize(0, 1)
    assert labels.show_grid(np.array([[0.0, 1.0], [0.5, np.nan]]), cmap, norm)
    assert labels.strings == ["0.00", "1.00", "0.50"]
    np.testing.assert_array_equal(labels.positions, [[0, 0], [1, 0], [0, 1]])
    colors = labels.collection.get_facecolor()
    assert colors[0][0] == 1.0 and colors[1][0] == 0.0  # light on dark, dark on light
    assert labels.fontsize < 30  # shrunk to fit a cell
    ax.set_xlim(-0.5, 99.5)
    assert not labels.show_grid(np.zeros((1, 100)), cmap, norm)
    assert labels.strings == []
    ax.set_xlim(-0.5, 1.5)
    labels.show_grid(np.array([[np.nan]]), cmap, norm, nan_text="pad")
    assert labels.strings == ["pad"]


def test_cell_labels_write_masked_cells_apart_from_nan():
    view = WindowView()
    ax = view.ax_zoom
    labels = CellLabels(ax, fontsize=30)
    ax.set_xlim(-0.5, 2.5)
    ax.set_ylim(0.5, -0.5)
    cmap, norm = IMAGE_CMAP, matplotlib.colors.Normalize(0, 1)
    values = np.ma.MaskedArray([[0.5, np.nan, 0.0]], mask=[[False, False, True]])
    labels.show_grid(values, cmap, norm, nan_text="nan", masked_text="pad")
    assert labels.strings == ["0.50", "nan", "pad"]
    labels.show_grid(values, cmap, norm)
    assert labels.strings == ["0.50"]


# --- window view --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "ceil"),
    [
        (2, 2, 0, 1, False),
        (3, 2, 1, 1, False),
        ((3, 2), (1, 3), (1, 0), 1, True),
        (2, 3, 0, 2, True),
        (4, 4, 2, 1, True),
    ],
)
def test_window_view_draws_every_window_where_the_geometry_puts_it(
    window_view, kernel, stride, padding, dilation, ceil
):
    window_view.update(DIGIT, request(kernel, stride, padding, dilation, ceil))
    geometry = pool_geometry((28, 28), kernel, stride, padding, dilation, ceil)
    assert window_view.geometry == geometry
    assert window_view.message == ""
    segments = np.array(window_view.windows.get_segments())
    h_out, w_out = geometry.out_shape
    assert segments.shape == (h_out * w_out, 5, 2)
    rows, cols = geometry.window_positions(0), geometry.window_positions(1)
    tops = segments[:, 0, 1].reshape(h_out, w_out)[:, 0]
    lefts = segments[:, 0, 0].reshape(h_out, w_out)[0]
    np.testing.assert_allclose(tops, rows[:, 0] - 0.5 + 0.12)
    np.testing.assert_allclose(lefts, cols[:, 0] - 0.5 + 0.12)
    expected = pool_forward(
        DIGIT[None, :, :, None], kernel, stride, padding=padding, dilation=dilation, ceil_mode=ceil
    )[0, :, :, 0]
    np.testing.assert_array_equal(window_view.pooled, expected)
    np.testing.assert_array_equal(window_view.output.get_array(), expected)
    i, j = window_view.highlighted
    assert window_view.highlight_box.get_xy() == (cols[j, 0] - 0.5, rows[i, 0] - 0.5)
    assert window_view.output_box.get_xy() == (j - 0.5, i - 0.5)
    assert len(window_view.highlight_cells.get_paths()) == rows.shape[1] * cols.shape[1]
    unread = window_view.unread.get_array()[:, :, 3] > 0
    np.testing.assert_array_equal(unread, geometry.overlap_counts() == 0)
    lines = window_view.formula.get_text().splitlines()
    assert int(lines[0].split("= ")[-1].split()[0]) == h_out
    assert int(lines[1].split("= ")[-1].split()[0]) == w_out


def test_window_view_hatches_what_the_floor_drops_and_the_ceil_overhang(window_view):
    window_view.update(DIGIT, request(3, 2))
    rows_band, cols_band = window_view.dropped
    assert rows_band.get_y() == 26.5 and rows_band.get_height() == 1
    assert cols_band.get_x() == 26.5 and cols_band.get_width() == 1
    assert (
        window_view.formula.get_text()
        .splitlines()[2]
        .startswith("the floor drops row 27 and column 27")
    )
    window_view.update(DIGIT, request(2, 3, ceil_mode=True))
    assert window_view.geometry.out_shape == (10, 10)
    assert window_view.overhang[0].get_height() == 1 and window_view.overhang[0].get_y() == 27.5
    assert window_view.overhang[1].get_width() == 1
    assert window_view.dropped[0].get_height() == 0
    assert "ceil mode overhangs the padding by 1 row and 1 column" in window_view.formula.get_text()


def test_window_view_zoom_writes_the_highlighted_window(window_view):
    window_view.update(DIGIT, request(3, 2, mode="max"))
    i, j = window_view.highlighted
    values, _, _ = window_values(DIGIT, window_view.geometry)
    assert window_view.zoom_labels.strings == [f"{v:.2f}" for v in values[i, j].ravel()]
    flat = int(np.argmax(values[i, j]))
    assert window_view.zoom_winner.get_data() == ([flat % 3], [flat // 3])
    assert window_view.zoom_title.get_text() == f"window ({i}, {j}): max {values[i, j].max():.2f}"
    window_view.update(DIGIT, request(3, 2, padding=1, mode="avg"))
    assert window_view.zoom_winner.get_data() == ([], [])
    assert "mean" in window_view.zoom_title.get_text()
    window_view.update(DIGIT, request(3, 1, padding=1))
    i, j = window_view.highlighted
    assert i == 14 and window_view.pooled[14, j] == window_view.pooled[14].max()
    assert maps.pick_window(np.zeros((3, 5))) == (1, 2)
    assert maps.pick_window(np.array([[0.0, 0.0, 0.0], [1.0, 0.5, 1.0]])) == (1, 0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(kernel_shape=3, padding=3), "padding 3 is more than half the kernel (3 // 2 = 1)"),
        (
            dict(kernel_shape=(4, 1), padding=(0, 1)),
            "padding 1 is more than half the kernel width (1 // 2 = 0)",
        ),
        (
            dict(kernel_shape=8, dilation=4),
            "the window spans 29 x 29 pixels, more than the padded digit (28 x 28)",
        ),
    ],
)
def test_window_view_draws_a_message_for_refused_options(window_view, options, message):
    window_view.update(DIGIT, request(**options))
    assert window_view.geometry is None
    assert window_view.message.splitlines()[0] == message
    assert window_view.message_text.get_visible()
    assert not window_view.windows.get_visible()
    assert window_view.no_output.get_visible()
    assert window_view.pooled.size == 0
    window_view.png()
    window_view.update(DIGIT, request())
    assert window_view.message == "" and not window_view.message_text.get_visible()


def test_views_draw_where_windows_fall_and_raise_on_other_mistakes(window_view, mask_view):
    window_view.update(DIGIT, request(3, 2, padding=2))
    assert window_view.message.startswith("padding 2 is more than half the kernel")
    with pytest.raises(PoolingOptionError, match="mode must be one of 'max', 'avg', got 'mean'"):
        window_view.update(DIGIT, request(mode="mean"))
    with pytest.raises(PoolingOptionError, match=r"got \(1, 2, 3\) with 3 entries"):
        window_view.update(DIGIT, request((1, 2, 3)))
    with pytest.raises(TypeError, match="stride must be an int or a pair of ints, got 1.5"):
        window_view.update(DIGIT, request(2, 1.5))
    with pytest.raises(PoolingOptionError, match="ties must be one of 'first', 'all', 'split'"):
        mask_view.update(DIGIT, request(ties="last"))


def test_explain_falls_back_to_the_library_summary():
    error = PoolingOptionError(
        "stride must be positive, got (0, 1)",
        "stride=1 places a window",
        parameter="stride",
        value=(0, 1),
        rule="positive",
        limit=1,
    )
    assert captions.refusal_message(error) == "stride must be positive, got (0, 1)"


def test_window_view_keeps_one_pixel_scale_and_a_still_input(window_view):
    positions = []
    for kernel, stride in ((2, 2), (3, 1), (5, 3)):
        window_view.update(DIGIT, request(kernel, stride))
        geometry = window_view.geometry
        ax_in, ax_out = window_view.ax_in.get_position(), window_view.ax_out.get_position()
        span_in = np.diff(window_view.ax_in.get_xlim())[0]
        in_scale = ax_in.width / span_in
        out_scale = ax_out.width / geometry.out_shape[1]
        assert in_scale == pytest.approx(out_scale)
        positions.append(tuple(ax_in.bounds))
    assert len(set(positions)) == 1


def test_window_view_without_margin_fits_tightly():
    view = WindowView()
    view.update(DIGIT, request())
    assert view.ax_in.get_xlim() == (-0.5, 27.5)


# --- max mask view ------------------------------------------------------------------------


@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, 2, 0), (3, 2, 1), (3, 1, 0)])
def test_max_mask_winners_are_pool_backwards_first_maxima(mask_view, kernel, stride, padding):
    mask_view.update(DIGIT, request(kernel, stride, padding, ties="first"))
    assert [tuple(w) for w in mask_view.winners] == winners_from_backward(
        DIGIT, kernel, stride, padding
    )
    geometry = pool_geometry((28, 28), kernel, stride, padding)
    values, _, _ = window_values(DIGIT, geometry)
    flat = values.reshape(*geometry.out_shape, -1)
    expected_ties = (flat == np.nanmax(flat, axis=-1, keepdims=True)).sum(axis=-1)
    np.testing.assert_array_equal(mask_view.tie_counts, expected_ties)
    clear = mask_view.tie_counts.ravel() == 1
    xs, ys = mask_view.clear_winners.get_data()
    np.testing.assert_array_equal(np.column_stack([ys, xs]), mask_view.winners[clear])
    xs, ys = mask_view.tied_winners.get_data()
    np.testing.assert_array_equal(np.column_stack([ys, xs]), mask_view.winners[~clear])
    assert len(mask_view.tied_windows.get_paths()) == int((~clear).sum())


def test_max_mask_counts_the_pixels_each_tie_policy_feeds(mask_view):
    A = DIGIT[None, :, :, None]
    dA = np.ones((1, 14, 14, 1))
    for ties in ("first", "all", "split"):
        mask_view.update(DIGIT, request(ties=ties))
        grad = pool_backward(dA, A, 2, 2, ties=ties)[0, :, :, 0]
        np.testing.assert_array_equal(mask_view.dA_prev, grad)
        np.testing.assert_array_equal(mask_view.gradient.get_array(), grad)
        assert mask_view.receivers[ties] == np.count_nonzero(grad)
        assert mask_view.totals[ties] == pytest.approx(grad.sum())
        heights = [bar.get_height() for bar in mask_view.bars]
        assert heights == [mask_view.receivers[p] for p in ("first", "all", "split")]
        assert f"ties='{ties}'" in mask_view.summary.get_text()
    assert mask_view.receivers["all"] > mask_view.receivers["first"] == 196
    assert mask_view.totals["all"] > mask_view.totals["split"] == pytest.approx(196)
    xs, _ = mask_view.tied_winners.get_data()
    tied = int((mask_view.tie_counts > 1).sum())
    assert len(xs) == int(mask_view.tie_counts[mask_view.tie_counts > 1].sum()) > tied
    assert "155 tied (79%)" in mask_view.summary.get_text()


def test_max_mask_refuses_with_a_message(mask_view):
    mask_view.update(DIGIT, request(1, 1, padding=1))
    assert mask_view.message.startswith("padding 1 is more than half the kernel (1 // 2 = 0)")
    assert mask_view.winners.shape == (0, 2) and mask_view.receivers == {}
    mask_view.png()
    with pytest.raises(ValueError, match="ties must be one of"):
        mask_view.update(DIGIT, request(ties="last"))


# --- gradient view ------------------------------------------------------------------------


def test_gradient_view_routes_one_cells_gradient(gradient_view):
    gradient_view.update(DIGIT, request(3, 2), cell=(5, 4), seed=0)
    dA = np.round(np.random.default_rng(0).standard_normal((13, 13)), 2)
    np.testing.assert_array_equal(gradient_view.dA, dA)
    A = DIGIT[None, :, :, None]
    for mode, grad in (("max", gradient_view.dA_prev_max), ("avg", gradient_view.dA_prev_avg)):
        np.testing.assert_array_equal(
            grad, pool_backward(dA[None, ..., None], A, 3, 2, mode)[0, ..., 0]
        )
    one_hot = np.zeros((1, 13, 13, 1))
    one_hot[0, 5, 4, 0] = 1
    winner = np.argwhere(pool_backward(one_hot, A, 3, 2)[0, :, :, 0])
    np.testing.assert_array_equal(gradient_view.receivers_max, winner)
    assert gradient_view.max_winner.get_data() == ([winner[0, 1]], [winner[0, 0]])
    rows, cols = np.meshgrid(np.arange(10, 13), np.arange(8, 11), indexing="ij")
    np.testing.assert_array_equal(
        gradient_view.receivers_avg, np.column_stack([rows.ravel(), cols.ravel()])
    )
    value = dA[5, 4]
    headline = gradient_view.headline.get_text()
    assert f"dA[5, 4] = {value:+.2f}".replace("-", "\N{MINUS SIGN}") in headline
    assert f"{value / 9:+.2f}".replace("-", "\N{MINUS SIGN}") in gradient_view.avg_title.get_text()
    np.testing.assert_array_equal(
        gradient_view.overlap_counts, pool_geometry((28, 28), 3, 2).overlap_counts()
    )
    assert gradient_view.overlap.get_visible()
    assert gradient_view.grad_max.norm.vcenter == 0
    assert gradient_view.grad_max.norm.vmin == -gradient_view.grad_max.norm.vmax


def test_gradient_view_clips_the_cell_and_hides_overlap_without_it(gradient_view):
    gradient_view.update(DIGIT, request(4, 4), cell=(99, -3), seed=5)
    assert gradient_view.cell == (6, 0)
    assert not gradient_view.overlap.get_visible()
    assert "do not overlap" in gradient_view.no_overlap.get_text()
    assert len(gradient_view.dA_labels.strings) == 49  # a 7 x 7 dA is small enough to write
    gradient_view.update(DIGIT, request())
    assert gradient_view.dA_labels.strings == []


def test_gradient_view_notes_ties_and_refusals(gradient_view):
    gradient_view.update(DIGIT, request(3, 2), cell=(3, 6))
    # The tie count is pool_backward's: the cells that share the gradient under ties="all".
    dA = np.zeros((1, *pool_geometry(DIGIT.shape, 3, 2).out_shape, 1))
    dA[0, 3, 6, 0] = 1.0
    dA_prev = pool_backward(dA, DIGIT[None, :, :, None], 3, 2, "max", ties="all")
    tied = int(np.count_nonzero(dA_prev))
    assert tied > 1
    assert f"the first of {tied} tied" in gradient_view.headline.get_text()
    gradient_view.update(DIGIT, request(29, 1))
    assert gradient_view.message.startswith("the window spans 29 x 29 pixels")
    assert not gradient_view.grad_max.get_visible()
    gradient_view.png()


def test_gradient_view_reads_overlap_and_divisors_from_the_geometry():
    view = GradientView()
    # Stride 1 under a 3 x 3 kernel, but a 3 x 3 image has room for one window: no overlap.
    view.update(np.arange(9.0).reshape(3, 3), request(3, 1), cell=(0, 0))
    assert not view.overlap.get_visible()
    assert view.no_overlap.get_text().startswith("windows do not overlap")
    assert view.avg_title.get_text().endswith("to each of 9")
    view.update(DIGIT, request(3, 3))
    assert view.no_overlap.get_text().startswith("stride >= kernel:")


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (dict(padding=1), "padding=1"),
        (dict(ceil_mode=True), "ceil_mode=True"),
        (dict(dilation=2), "dilation=2"),
        (dict(mode="avg"), "mode='avg'"),
    ],
)
def test_gradient_check_view_refuses_options_it_does_not_draw(options, named):
    view = check_views.GradientCheckView()
    with pytest.raises(ValueError, match=f"^{re.escape(named)} is not something the gradient"):
        view.update(DIGIT, request(3, 3, **options), crop=(8, 8))


# --- pipeline view ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "named"),
    [
        (dict(kernel_shape=(2, 3), stride=(2, 3)), TypeError, "kernel_shape must be an int"),
        (dict(kernel_shape=2, stride=1), ValueError, "stride must equal kernel_shape=2"),
        (dict(kernel_shape=2, stride=2, padding=1), ValueError, "padding=1 is not something"),
    ],
)
def test_pipeline_view_refuses_options_it_does_not_draw(options, error, named):
    with pytest.raises(error, match=re.escape(named)):
        PipelineView().update(DIGIT, PoolRequest(**options), "vertical edges", (0, 1))


def test_pipeline_figure_names_a_pool_that_is_not_an_int():
    with pytest.raises(TypeError, match=r"pool must be an int, .* got 2\.5"):
        pipeline_figure(pool=2.5)


def test_pipeline_view_measures_the_change_shifting_makes():
    view = PipelineView()
    kernel = PIPELINE_KERNELS["vertical edges"]
    view.update(DIGIT, request(), "vertical edges", shift=(0, 1))
    relu0 = np.maximum(conv2d_valid(DIGIT, kernel), 0)
    relu1 = np.maximum(conv2d_valid(shift_image(DIGIT, 0, 1), kernel), 0)
    pooled0, pooled1 = (pool_forward(r[None, ..., None], 2, 2)[0, ..., 0] for r in (relu0, relu1))
    expected = {
        "relu": np.linalg.norm(relu1 - relu0) / np.linalg.norm(relu0),
        "pooled": np.linalg.norm(pooled1 - pooled0) / np.linalg.norm(pooled0),
    }
    assert view.changes == pytest.approx(expected)
    assert view.bars[0].get_height() == pytest.approx(100 * expected["relu"])
    assert view.bar_labels[1].get_text() == f"{100 * expected['pooled']:.0f}%"
    np.testing.assert_array_equal(view.pooled.get_array(), pooled1)
    assert view.explanation.get_text() == captions.shift_caption(
        expected["relu"], expected["pooled"], (0, 1), 2
    )
    assert view.kernel_labels.strings[:3] == ["\N{MINUS SIGN}1", "0", "1"]
    view.update(DIGIT, request(3, 3, mode="avg"), "blur", shift=(0, 0))
    assert view.changes == {"relu": 0.0, "pooled": 0.0}
    assert view.explanation.get_text().startswith("No shift")
    assert view.ghost.get_segments() == []
    view.update(DIGIT, request(1, 1), "sharpen", shift=(2, 0))
    assert view.changes["pooled"] == view.changes["relu"]
    assert view.explanation.get_text().startswith("A 1 x 1 pool keeps every cell")
    view.update(DIGIT, request(), "vertical edges", shift=(2, 2))
    assert "a shift pooling does not forgive" in " ".join(view.explanation.get_text().split())
    view.update(DIGIT, request(30, 30), "horizontal edges", shift=(0, 1))
    assert view.message.startswith("the window spans 30 x 30")
    assert view.changes == {}
    view.png()
    with pytest.raises(ValueError, match="kernel_name must be one of"):
        view.update(DIGIT, request(), "emboss", (0, 1))


@pytest.mark.parametrize(
    "relu, pooled, shift, pool, mode, how, verdict",
    [
        # The learners' case: shift 2 with pool 2 is not forgiven, whatever the bars say.
        (1.37, 1.30, (2, 2), 2, "max", "a little less than", "not smaller than the 2 x 2"),
        (1.08, 0.66, (0, 2), 2, "max", "much less than", "not smaller than the 2 x 2"),
        (1.39, 1.10, (0, 3), 3, "avg", "a little less than", "not smaller than the 3 x 3"),
        (0.88, 0.43, (0, 1), 3, "max", "much less than", "smaller than the 3 x 3"),
        (0.88, 0.40, (-1, 1), 4, "avg", "much less than", "smaller than the 4 x 4"),
        (1.08, 0.95, (0, -1), 3, "max", "a little less than", "smaller than the 3 x 3"),
        (1.00, 1.02, (1, 0), 2, "max", "about as much as", "smaller than the 2 x 2"),
        (0.50, 0.60, (0, 1), 2, "avg", "more than", "smaller than the 2 x 2"),
        (1.20, 0.40, (-3, 1), 2, "max", "much less than", "not smaller than the 2 x 2"),
    ],
)
def test_shift_caption_follows_its_numbers(relu, pooled, shift, pool, mode, how, verdict):
    text = " ".join(captions.shift_caption(relu, pooled, shift, pool, mode).split())
    assert text.startswith(f"The pooled map changed {how} the ReLU map: ")
    assert f"{round(100 * pooled)}% against {round(100 * relu)}%" in text
    points = round(100 * relu) - round(100 * pooled)
    assert f"{abs(points)} points {'less' if points >= 0 else 'more'}." in text
    largest = max(abs(v) for v in shift)
    assert f"A shift of {largest} pixel" in text and verdict in text
    forgiven = largest < pool
    assert ("not smaller than" in text) == (not forgiven)
    # Tolerance is claimed only for a shift inside the window that the numbers bear out.
    claims = "That is the local shift tolerance pooling buys." in text
    assert claims == (forgiven and how == "much less than")
    assert ("pooling forgives only moves that stay inside a window" in text) == (
        forgiven and not claims
    )
    assert ("a shift pooling does not forgive" in text) == (not forgiven)
    whole = all(v % pool == 0 for v in shift)
    assert ("moves the pooled map by whole cells" in text) == (not forgiven and whole)
    if claims:
        assert f"its {mode if mode == 'max' else 'average'} does not care" in text
    assert all(
        len(line) <= 100 for line in captions.shift_caption(relu, pooled, shift, pool).split("\n")
    )


def test_shift_caption_without_shift_or_pooling():
    assert captions.shift_caption(0.0, 0.0, (0, 0), 2).startswith("No shift, no change.")
    assert captions.shift_caption(0.9, 0.9, (0, 2), 1).startswith("A 1 x 1 pool keeps every cell")


def test_relative_change_of_a_blank_map():
    assert maps.relative_change(np.zeros(3), np.zeros(3)) == 0.0
    assert maps.relative_change(np.ones(3), np.zeros(3)) == float("inf")


# --- animation view -----------------------------------------------------------------------


def test_animation_view_fills_the_output_row_by_row():
    view = AnimationView()
    pooled = pool_forward(DIGIT[None, ..., None], 2, 2)[0, ..., 0]
    view.update(DIGIT, request(), step=30)
    assert view.steps == 196 and view.cell == (2, 2)
    assert np.count_nonzero(~np.isnan(view.filled)) == 31
    np.testing.assert_array_equal(view.filled.ravel()[:31], pooled.ravel()[:31])
    assert view.value == pooled[2, 2]
    assert view.current_box.get_xy() == (3.5, 3.5)
    caption = view.caption.get_text()
    assert caption.startswith("step 30 of 0-195: output[2, 2] = the max of 4 values")
    assert view.output_labels.strings == []  # 14 x 14 is too many cells to write
    view.update(DIGIT, request(7, 7, mode="avg"), step=99)
    assert view.cell == (3, 3) and view.steps == 16
    assert len(view.output_labels.strings) == 16
    assert "/ 49 =" in view.caption.get_text()
    assert len(view.zoom_labels.strings) == 49
    view.update(DIGIT, request(30, 1))
    assert view.message.startswith("the window spans 30 x 30")
    assert view.steps == 0
    view.png()


# --- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("view", "states"),
    [
        (
            WindowView(margin=4),
            [
                dict(request=request(3, 2)),
                dict(request=request(2, 1, padding=1, ceil_mode=True)),
            ],
        ),
        (MaxMaskView(), [dict(request=request(ties="all")), dict(request=request(3, 1))]),
        (
            GradientView(),
            [
                dict(request=request(3, 2), cell=(2, 3)),
                dict(request=request(), cell=(9, 9), seed=4),
            ],
        ),
        (
            PipelineView(),
            [
                dict(request=request(), kernel_name="vertical edges", shift=(0, 1)),
                dict(request=request(4, 4), kernel_name="blur", shift=(2, -1)),
            ],
        ),
        (
            AnimationView(),
            [dict(request=request(), step=3), dict(request=request(7, 7, mode="avg"), step=10)],
        ),
    ],
    ids=["window", "max_mask", "gradient", "pipeline", "animation"],
)
def test_fast_render_matches_a_full_draw_and_is_deterministic(view, states):
    for state in states:
        view.update(DIGIT, **state)
        fast = view.png()
        assert fast.startswith(PNG_SIGNATURE)
        assert view.png() == fast
        difference = np.abs(pixels(fast) - pixels(figure_png(view.figure)))
        # The same picture, up to antialiasing where a frame corner meets a tick.
        assert np.count_nonzero(difference.max(axis=-1) > 16) <= 20
        assert view.png() == fast


def test_the_static_part_is_drawn_once_per_layout():
    view = GradientView()
    view.update(DIGIT, request(3, 2), cell=(1, 1))
    view.png()
    draws = view.full_draws
    for row in range(2, 8):
        view.update(DIGIT, request(3, 2), cell=(row, 3))
        view.png()
    # Colour bars follow the data and dA's axes the output size: both are drawn with
    # the dynamic artists, so no slider of the gradient explorer redraws the rest.
    for options in (
        dict(request=request(3, 2), seed=7),
        dict(request=request(2, 1)),
        dict(request=request((6, 1), 2)),
    ):
        view.update(digit_image(4999)[0], **options)
        view.png()
    assert view.full_draws == draws
    other = MaxMaskView()
    other.update(DIGIT, request())
    other.png()
    draws = other.full_draws
    # Padding widens the input's axes, which are part of the static picture.
    other.update(DIGIT, request(padding=1))
    other.png()
    assert other.full_draws == draws + 1


def test_static_figures_show_themselves_as_png():
    figures = [
        window_figure(kernel_shape=3, stride=2, channel="inverse"),
        max_mask_figure(ties="split"),
        pipeline_figure(kernel_name="sharpen", shift=(1, 1)),
        window_figure(image=np.eye(6), kernel_shape=2),
    ]
    for figure in figures:
        assert isinstance(figure, PoolingFigure)
        assert figure._repr_png_().startswith(PNG_SIGNATURE)
    titles = [
        [a.get_text() for a in figure.artists if isinstance(a, GlyphText)][0] for figure in figures
    ]
    assert titles[-1].startswith("image: max pooling")
    assert titles[0].startswith("digit #0 (a 0, inverse): max pooling, kernel 3 x 3")
    assert titles[2].startswith("digit #0 (a 0): conv ('sharpen')")


def test_presentation_enlarges_fonts_and_figure():
    small, large = WindowView(presentation=False), WindowView(presentation=True)
    assert large.style.font > small.style.font
    sizes = zip(large.figure.get_size_inches(), small.figure.get_size_inches(), strict=True)
    assert all(big > normal for big, normal in sizes)
    previous = set_presentation(True)
    try:
        assert MaxMaskView().style.presentation
    finally:
        set_presentation(previous)
    assert not MaxMaskView().style.presentation


# --- grid_figure and axis_cells_figure: the notebooks' small worked examples -------------

GRID = np.array(
    [[1, 3, 2, 0, 5, 1], [4, 2, 1, 1, 0, 2], [0, 1, 6, 2, -3, -2], [2, 2, 1, -1, -4, -1]],
    dtype=float,
)


def test_grid_figure_draws_each_array_with_its_title_and_values():
    pooled = pool_forward(GRID[None, :, :, None], 2, 2)[0, :, :, 0]
    figure = plots.grid_figure([GRID, pooled], ["input 4 x 6", "max-pooled 2 x 3"])
    assert isinstance(figure, PoolingFigure)
    assert [ax.get_title() for ax in figure.axes] == ["input 4 x 6", "max-pooled 2 x 3"]
    for panel, grid in zip(figure.panels, [GRID, pooled], strict=True):
        ax = panel.ax
        np.testing.assert_array_equal(ax.images[0].get_array(), grid)
        labels = panel.labels
        expected = [f"{v:g}".replace("-", "\N{MINUS SIGN}") for v in grid.ravel()]
        assert labels.strings == expected
        rows, cols = np.indices(grid.shape).reshape(2, -1)
        np.testing.assert_array_equal(labels.positions, np.column_stack([cols, rows]))
        assert ax.get_xlim() == (-0.5, grid.shape[1] - 0.5)
    # Same panel size for the 4 x 6 input and its 2 x 3 output: cell for window.
    first, second = (ax.get_position() for ax in figure.axes)
    assert first.width == pytest.approx(second.width) and first.height == pytest.approx(
        second.height
    )
    assert figure._repr_png_().startswith(PNG_SIGNATURE)


def test_grid_figure_outlines_boxes_in_a_fixed_colour_order():
    tiles = [(2 * i, 2 * j, 2, 2) for i in range(2) for j in range(3)]
    picked = [(1, 2, 1, 1, 4)]
    figure = plots.grid_figure([GRID, GRID], ["a", "b"], boxes=[tiles, picked])
    drawn = figure.panels[0].boxes
    assert len(drawn) == 6
    for number, (box, (row, col, height, width)) in enumerate(zip(drawn, tiles, strict=True)):
        inset = 0.07 * (number % 3)
        assert box.get_xy() == pytest.approx((col - 0.5 + inset, row - 0.5 + inset))
        assert (box.get_width(), box.get_height()) == pytest.approx(
            (width - 2 * inset, height - 2 * inset)
        )
        assert box.get_edgecolor() == matplotlib.colors.to_rgba(plots.BOX_COLORS[number])
        assert not box.get_fill()
    (chosen,) = figure.panels[1].boxes
    assert chosen.get_edgecolor() == matplotlib.colors.to_rgba(plots.BOX_COLORS[4])
    assert chosen.get_xy() == pytest.approx((2 - 0.5 + 0.07, 1 - 0.5 + 0.07))
    # Every outline has a white halo under it, so that it shows on dark cells.
    halos = [p for p in figure.axes[0].patches if p.get_edgecolor() == (1.0, 1.0, 1.0, 1.0)]
    assert len(halos) == 6
    assert plots.grid_figure([GRID, GRID], ["a", "b"], boxes=[tiles]).panels[1].boxes == []


def test_grid_figure_writes_odd_values_and_leaves_images_bare():
    odd = np.array([[-0.0, -np.inf], [np.nan, 1 / 3]])
    (panel,) = plots.grid_figure([odd], ["odd"]).panels
    ax = panel.ax
    assert panel.labels.strings == ["0", "\N{MINUS SIGN}\N{INFINITY}", "nan", "0.333"]
    assert np.isnan(ax.images[0].get_array().filled(np.nan)[0, 1])
    digit = plots.grid_figure([DIGIT, DIGIT[::2, ::2]], ["digit", "half"], values=False)
    assert [panel.ax for panel in digit.panels] == digit.axes
    assert all(panel.labels.strings == [] for panel in digit.panels)
    assert [t.get_text() for t in digit.axes[0].get_xticklabels()] == ["0", "27"]
    # Cells too small to read get no numbers, even when asked for.
    assert plots.grid_figure([DIGIT], ["digit"]).panels[0].labels.strings == []
    # A 4 x 16 array keeps square cells: its panel is four times as wide as high.
    wide = plots.grid_figure([np.zeros((4, 16))], None, values=False)
    box, (fig_w, fig_h) = wide.axes[0].get_position(), wide.get_size_inches()
    assert box.width * fig_w / (box.height * fig_h) == pytest.approx(4, rel=0.02)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((GRID,), {}, TypeError, r"wrap it in a list: \[grid\]"),
        (([],), {}, ValueError, "at least one 2-D array"),
        (([np.zeros(3)],), {}, ValueError, r"grids\[0\] must be 2-D .* got shape \(3,\)"),
        (([GRID], ["a", "b"]), {}, ValueError, "one title per grid: 1, got 2"),
        (([GRID], ["a"]), {"boxes": [[], []]}, ValueError, "at most one list of boxes per grid"),
        (([GRID], ["a"]), {"boxes": [[(0, 0, 2)]]}, ValueError, r"got \(0, 0, 2\) in boxes\[0\]"),
    ],
)
def test_grid_figure_rejects_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        plots.grid_figure(*args, **kwargs)


AXIS_CASES = [
    (n, k, s, p, d, ceil)
    for n, k, s, p, d, ceil in itertools.product(
        (1, 5, 6, 7), (1, 2, 3), (1, 2, 3), (0, 1), (1, 2), (False, True)
    )
    if p <= k // 2 and d * (k - 1) + 1 <= n + 2 * p
]


@functools.cache
def one_axis(n, k, s, p, d, ceil):
    """The only AxisPanel of axis_cells_figure for these options, drawn once for both tests."""
    (panel,) = plots.axis_cells_figure(n, k, s, p, d, ceil).panels
    return panel


def window_cells_drawn(ax):
    """The squares drawn for window cells, grouped by row (top first): (x, face, hatch)."""
    squares = [p for p in ax.patches if p.get_zorder() == 2]
    rows = {}
    for square in squares:
        x, y = square.get_xy()
        rows.setdefault(round(y, 6), []).append(
            (round(x + 0.4), square.get_facecolor(), square.get_hatch() or "")
        )
    return [sorted(rows[y]) for y in sorted(rows, reverse=True)]


@pytest.mark.parametrize(("n", "k", "s", "p", "d", "ceil"), AXIS_CASES)
def test_axis_cells_figure_draws_each_windows_cells_where_the_geometry_puts_them(
    n, k, s, p, d, ceil
):
    panel = one_axis(n, k, s, p, d, ceil)
    ax = panel.ax
    geometry = pool_geometry((1, n), (1, k), (1, s), (0, p), (1, d), ceil)
    positions = geometry.window_positions(1)
    expected_kinds = np.where(
        geometry.inside(1), "input", np.where(geometry.in_padding(1), "padding", "overhang")
    )
    kept = [w for w in panel.windows if w[2] is not None]
    assert len(kept) == geometry.out_shape[1]
    assert ax.get_title().endswith(f"{geometry.out_shape[1]} window" + "s" * (len(kept) > 1))
    drawn = window_cells_drawn(ax)
    for i, (label, cells, kinds) in enumerate(kept):
        assert label == f"window {i}"
        assert cells == positions[i].tolist()
        assert kinds == expected_kinds[i].tolist()
        # The drawn squares: one per cell read, filled by kind.
        colour = matplotlib.colors.to_rgba(plots.BOX_COLORS[i % 6])
        for (x, face, hatch), position, kind in zip(drawn[i], cells, kinds, strict=True):
            assert x == position
            if kind == "input":
                assert (face, hatch) == (colour, "")
            else:
                style_face, style_hatch = plots.AXIS_CELL_STYLES[kind]
                assert (face, hatch) == (matplotlib.colors.to_rgba(style_face), style_hatch)
            # The axis row above says the same about that cell.
            assert panel.cells[position] == kind
    reached = {c for _, cells, _ in kept for c in cells}
    for position, kind in panel.cells.items():
        if 0 <= position < n:
            assert kind == ("input" if position in reached else "read by no window")
        else:
            assert kind in ("padding", "overhang")


@pytest.mark.parametrize(("n", "k", "s", "p", "d", "ceil"), AXIS_CASES)
def test_axis_cells_figure_shows_the_window_ceil_mode_drops(n, k, s, p, d, ceil):
    panel = one_axis(n, k, s, p, d, ceil)
    ax = panel.ax
    dropped = [w for w in panel.windows if w[2] is None]
    # output_size_formula says so exactly when ceil mode drops a window.
    says_dropped = "at or past the input's end" in output_size_formula(n, k, s, p, d, ceil)
    assert len(dropped) == says_dropped
    if dropped:
        (label, cells, _), last = dropped[0], panel.windows[-2][1]
        assert label == "dropped"
        assert cells == [c + s for c in last]
        assert cells[0] >= n, "a window is dropped when it would start past the input"
        assert "it would start past the input" in [t.get_text() for t in ax.texts]


def test_axis_cells_figure_draws_the_notebooks_four_cases():
    figure = plots.axis_cells_figure(
        n=[5, 5, 6, 5],
        kernel_shape=[2, 2, 3, 2],
        stride=2,
        padding=[0, 0, 1, 1],
        ceil_mode=[False, True, True, True],
    )
    assert [ax.get_title() for ax in figure.axes] == [
        "n = 5, kernel 2, stride 2, padding 0, ceil_mode=False: 2 windows",
        "n = 5, kernel 2, stride 2, padding 0, ceil_mode=True: 3 windows",
        "n = 6, kernel 3, stride 2, padding 1, ceil_mode=True: 4 windows",
        "n = 5, kernel 2, stride 2, padding 1, ceil_mode=True: 3 windows",
    ]
    floor, ceil, padded, dropped = figure.panels
    assert floor.cells == {
        0: "input",
        1: "input",
        2: "input",
        3: "input",
        4: "read by no window",
    }
    assert ceil.windows[-1] == ("window 2", [4, 5], ["input", "overhang"])
    assert padded.windows[-1] == ("window 3", [5, 6, 7], ["input", "padding", "overhang"])
    assert dropped.windows[-1] == ("dropped", [5, 6], None)
    # Every axis at the same scale, so the cells line up from one to the next.
    assert len({ax.get_xlim() for ax in figure.axes}) == 1
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == [*plots.AXIS_CELL_STYLES, "dropped window"]
    assert figure._repr_png_().startswith(PNG_SIGNATURE)


def test_axis_cells_figure_widens_for_its_title_and_presentation_enlarges_it():
    small = plots.axis_cells_figure(1, 1, 1, dilation=3)
    large = plots.axis_cells_figure(1, 1, 1, dilation=3, presentation=True)
    renderer = small.canvas.get_renderer()
    assert small.axes[0].title.get_window_extent(renderer).width < small.bbox.width
    assert all(
        big > normal
        for big, normal in zip(large.get_size_inches(), small.get_size_inches(), strict=True)
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": [5, 6], "kernel_shape": [2, 2, 2], "stride": 2}, "same length"),
        ({"n": [], "kernel_shape": 2, "stride": 2}, "at least one entry"),
        ({"n": 5, "kernel_shape": 3, "stride": 1, "padding": 2}, "padding must be at most half"),
        ({"n": 2, "kernel_shape": 3, "stride": 1, "dilation": 2}, "larger than the padded input"),
    ],
)
def test_axis_cells_figure_rejects_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.axis_cells_figure(**kwargs)


@pytest.mark.parametrize(
    ("draw", "args"),
    [
        (window_figure, ()),
        (max_mask_figure, ()),
        (plots.axis_cells_figure, (5,)),
        (unpool_figure, (np.eye(6),)),
    ],
)
def test_figures_still_take_kernel_with_a_warning_and_refuse_both(draw, args):
    name = draw.__name__
    with pytest.warns(
        DeprecationWarning, match=rf"^{name}\(\): kernel= is deprecated; use kernel_shape="
    ):
        old = (
            draw(*args, kernel=3, stride=3) if draw is not unpool_figure else draw(*args, kernel=3)
        )
    options = {"stride": 3} if draw is not unpool_figure else {}
    assert figure_png(old) == figure_png(draw(*args, kernel_shape=3, **options))
    with pytest.raises(TypeError, match=rf"^{name}\(\) got both kernel_shape= and kernel="):
        draw(*args, kernel_shape=2, kernel=3)


def test_a_positional_kernel_shape_and_kernel_are_refused_together():
    with pytest.raises(TypeError, match="got both kernel_shape= and kernel="):
        plots.axis_cells_figure(5, 2, 2, kernel=3)


def test_every_small_refusal_states_its_rule_and_numbers_in_its_fields():
    # Every small combination: the fields a caption reads agree with the message
    # the library writes and with the options themselves, worked out by hand.
    seen = set()
    for n, k, s, p, d in itertools.product(
        range(1, 5), range(0, 4), range(0, 3), range(-1, 3), range(1, 4)
    ):
        try:
            pool_geometry((n, 4), (k, 2), (s, 1), (p, 0), (d, 1))
        except PoolingOptionError as error:
            case = (n, k, s, p, d, str(error))
            assert ("half the kernel" in str(error)) == (error.rule == "half_kernel"), case
            assert ("spans" in str(error)) == (error.rule == "window_fits"), case
            if error.rule == "half_kernel":
                assert (error.value, error.limit, error.kernel_shape) == (
                    (p, 0),
                    (k // 2, 1),
                    (k, 2),
                )
                assert p > k // 2
            elif error.rule == "window_fits":
                assert error.span == (d * (k - 1) + 1, 2) and error.limit == (n + 2 * p, 4)
                assert error.span[0] > error.limit[0]
            else:
                assert str(error).startswith(error.summary) and error.parameter in str(error)
            seen.add(error.rule)
    assert seen == {"half_kernel", "window_fits", "positive", "non_negative"}


def test_refusal_message_reads_the_fields_not_the_error_text():
    fields = dict(parameter="padding", value=(1, 3), rule="half_kernel", limit=(1, 2))
    reworded = PoolingOptionError("some future wording", **fields, kernel_shape=(3, 5))
    message = captions.refusal_message(reworded)
    assert message.splitlines()[0] == "padding 3 is more than half the kernel width (5 // 2 = 2)"
    # PyTorch's convention, not "windows of padding alone": kernel 5 with padding 3 has none.
    assert message.splitlines()[1] == (
        "PyTorch's rule: kernel // 2 is all a stride-1 output as large as the input needs. "
        "Lower the padding or enlarge the kernel."
    )
    reworded = PoolingOptionError(
        "some future wording",
        "with no numbers in it",
        parameter="kernel_shape",
        value=(2, 4),
        rule="window_fits",
        limit=(5, 9),
        kernel_shape=(2, 4),
        dilation=(5, 3),
        padding=(0, 0),
        in_shape=(5, 9),
        span=(6, 10),
    )
    assert (
        captions.refusal_message(reworded).splitlines()[0]
        == "the window spans 6 x 10 pixels, more than the padded digit (5 x 9)"
    )


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        (float("nan"), ".2f", "nan"),
        (float("nan"), "+.2f", "nan"),
        (np.inf, ".3g", "\N{INFINITY}"),
        (-np.inf, ".2f", "\N{MINUS SIGN}\N{INFINITY}"),
        (np.inf, "+.2f", "+\N{INFINITY}"),
        (-0.0, ".2f", "0.00"),
        (-0.0, "+.2f", "+0.00"),
        (-0.0, ".3g", "0"),
        (-0.001, "+.2f", "\N{MINUS SIGN}0.00"),
        (-1.25, ".3g", "\N{MINUS SIGN}1.25"),
        (0.1 + 0.2, ".3g", "0.3"),
        (np.float32(-2.5), ".2g", "\N{MINUS SIGN}2.5"),
    ],
)
def test_every_number_in_a_picture_is_written_one_way(value, spec, expected):
    assert format_number(value, spec) == expected


def test_axes_titles_are_the_artists_set_title_writes():
    # Reads matplotlib's private _left_title and _right_title: a release that renames
    # them must fail here rather than leave a view redrawing its titles wrongly.
    figure = PoolingFigure()
    ax = figure.add_subplot()
    texts = [
        ax.set_title(text, loc=loc)
        for text, loc in (("c", "center"), ("l", "left"), ("r", "right"))
    ]
    assert list(axes_titles(ax)) == texts
    assert [title.get_text() for title in axes_titles(ax)] == ["c", "l", "r"]


# --- gradient check view --------------------------------------------------------------------


def test_failing_windows_match_a_brute_force_over_the_windows():
    rng = np.random.default_rng(5)
    errors = np.where(rng.random((8, 8)) < 0.1, 1.0, 0.0)
    for kernel, stride in ((2, 2), (3, 1), (3, 2), (1, 3)):
        geometry = pool_geometry((8, 8), kernel, stride)
        expected = np.array(
            [
                [errors[i * stride : i * stride + kernel, j * stride : j * stride + kernel].max()
                 > 1e-7 for j in range(geometry.out_shape[1])]
                for i in range(geometry.out_shape[0])
            ]
        )  # fmt: skip
        np.testing.assert_array_equal(check_views.failing_windows(errors, geometry), expected)
    assert check_views.cell_errors(np.array([2.0, -1.0]), np.array([1.0, -1.0])).tolist() == [
        1 / 3,
        0.0,
    ]


def test_gradient_check_view_fails_only_where_the_numbers_disagree():
    view = check_views.GradientCheckView()
    view.update(DIGIT, request(ties="first"), crop=(8, 8))
    numeric = numeric_gradient(
        lambda v: pool_forward(v[None, :, :, None], 2, 2)[0, :, :, 0],
        DIGIT[8:16, 8:16],
        np.round(np.random.default_rng(0).standard_normal((4, 4)), 2),
    )
    np.testing.assert_array_equal(view.numeric, numeric)
    tied = view.tie_counts > 1
    np.testing.assert_array_equal(view.failing, tied)
    text = view.summary.get_text()
    assert text.startswith(f"16 windows, {tied.sum()} tied. The check fails")
    assert "Every failing window is a tie" in text
    # Overlapping windows: a tied cell makes every window that reads it disagree.
    view.update(DIGIT, request(3, 1), crop=(8, 8))
    assert view.failing.sum() > (view.tie_counts > 1).sum()
    assert "Some failing windows have no tie" in view.summary.get_text()
    view.update(DIGIT, request(3, 1), crop=(8, 8), jitter=True)
    assert not view.failing.any() and "The check passes" in view.summary.get_text()
    # A ramp has no tie; one tied pair passes under 'split' only, where each cell gets dA / 2.
    ramp = np.arange(64.0).reshape(8, 8) / 64
    view.update(ramp, request(), crop=(0, 0))
    assert view.summary.get_text().endswith("This crop has no tie, so no kink.")
    ramp[1, 0] = ramp[1, 1]
    view.update(ramp, request(ties="first"), crop=(0, 0))
    assert view.failing.tolist()[0][0] and view.failing.sum() == 1
    view.update(ramp, request(ties="split"), crop=(0, 0))
    assert not view.failing.any()
    assert "each cell of a tied pair gets dA / 2" in view.summary.get_text()
    view.update(DIGIT, request(9), crop=(30, -4))
    assert view.message.startswith("the window spans 9 x 9 pixels")
    assert view.summary.get_text() == ""
    np.testing.assert_array_equal(view.image.get_array(), DIGIT[20:28, 0:8])
    with pytest.raises(ValueError, match=r"image must be at least 8 x 8, got shape \(5, 5\)"):
        view.update(np.zeros((5, 5)), request())
    with pytest.raises(TypeError, match="jitter must be True or False, got 'yes'"):
        view.update(DIGIT, request(), jitter="yes")
    with pytest.raises(ValueError, match="ties must be one of"):
        view.update(DIGIT, request(ties="last"))
    view.png()
