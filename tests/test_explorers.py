"""The explorers answer their sliders with the right picture; only bugs raise.

Tests move sliders as a learner would (``explorer.kernel_h.value = 3``) and
read what the view drew. The sweeps cover the product of every slider's
smallest, middle and largest values: the view's ``update`` runs for each
combination (fast, no PNG), and a sample is rendered through the widget.
Hypothesis then draws any combination over every control's whole range.
"""

import base64
import contextlib
import functools
import itertools

import ipywidgets as widgets
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from pooling_lib import explorers as explorers_module
from pooling_lib import max_pool_winners, pool_backward, pool_forward, pool_geometry
from pooling_lib import plots as plots_module
from pooling_lib.explorers import (
    GradientExplorer,
    MaxMaskExplorer,
    PipelineExplorer,
    PoolingAnimation,
    WindowExplorer,
    gradient_explorer,
    max_mask_explorer,
    pipeline_explorer,
    pooling_animation,
    window_explorer,
)
from pooling_lib.plots import PIPELINE_KERNELS, digit_image, window_values

DIGIT, _ = digit_image(0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONSTRUCTORS = [
    window_explorer,
    max_mask_explorer,
    gradient_explorer,
    pipeline_explorer,
    pooling_animation,
]


def grid(slider):
    """The smallest, middle and largest value of a slider."""
    return sorted({slider.min, (slider.min + slider.max) // 2, slider.max})


def geometry_or_none(*args, **kwargs):
    try:
        return pool_geometry(*args, **kwargs)
    except ValueError:
        return None


def check_refusal(view, geometry):
    """The view drew windows exactly when the library accepts the options."""
    if geometry is None:
        assert view.geometry is None
        headline = view.message.splitlines()[0]
        assert 10 < len(headline) < 100
        assert "Traceback" not in view.message
    else:
        assert view.message == ""
        assert view.geometry.out_shape == geometry.out_shape


@pytest.fixture(scope="module")
def explorers():
    return {make.__name__: make() for make in CONSTRUCTORS}


# --- showing and saving -------------------------------------------------------------------


@pytest.mark.parametrize("name", [make.__name__ for make in CONSTRUCTORS])
def test_explorer_saves_a_png_and_a_stable_repr(explorers, name):
    explorer = explorers[name]
    assert isinstance(explorer, widgets.VBox)
    assert bytes(explorer.image.value).startswith(PNG_SIGNATURE)
    bundle = explorer._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == bytes(explorer.image.value)
    assert bundle["text/plain"] == repr(explorer)
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert " at 0x" not in repr(explorer)
    assert repr(explorer).startswith(type(explorer).__name__ + "(digit=0, ")
    for control in explorer.controls.values():
        assert control.description


def test_reprs_name_the_state():
    assert repr(window_explorer(kernel=3, padding=1)) == (
        "WindowExplorer(digit=0, channel='digit', mode='max', kernel_h=3, kernel_w=3, "
        "stride_h=2, stride_w=2, padding=1, dilation=1, ceil_mode=False)"
    )
    assert repr(pooling_animation()) == (
        "PoolingAnimation(digit=0, mode='max', kernel=2, stride=2, step=0)"
    )


def test_the_same_state_gives_the_same_png_bytes():
    first = max_mask_explorer(kernel=3, ties="split")
    second = max_mask_explorer()
    assert first.image.value != second.image.value
    with second.hold_render():
        second.kernel_h.value = 3
        second.kernel_w.value = 3
        second.ties.value = "split"
    assert second.image.value == first.image.value
    first.refresh()
    assert first.image.value == second.image.value


def test_one_change_renders_once_and_hold_render_once_in_all():
    explorer = window_explorer()
    assert explorer.renders == 1
    explorer.kernel_h.value = 3
    assert explorer.renders == 2
    explorer.kernel_h.value = 3
    assert explorer.renders == 2
    with explorer.hold_render():
        explorer.stride_h.value = 1
        explorer.stride_w.value = 1
        assert explorer.renders == 2
        assert explorer.view.geometry.out_shape == (26, 27)
    assert explorer.renders == 3


def test_presentation_mode_enlarges_picture_and_controls():
    explorer = pipeline_explorer(presentation=True)
    plain = pipeline_explorer(presentation=False)
    assert explorer.view.style.presentation and not plain.view.style.presentation
    assert "pooling-presentation" in explorer._dom_classes
    assert "font-size" in explorer.children[0].value
    assert explorer.shift_down.layout.width > plain.shift_down.layout.width
    assert len(explorer.image.value) > len(plain.image.value)


def test_a_bug_in_an_update_raises_and_draws_nothing(monkeypatch):
    explorer = gradient_explorer()
    shown = explorer.image.value

    def broken(*args, **kwargs):
        raise RuntimeError("something odd")

    monkeypatch.setattr(explorer.view, "update", broken)
    with pytest.raises(RuntimeError, match="something odd"):
        explorer.seed.value = 3
    assert isinstance(explorer.last_error, RuntimeError)
    assert explorer.view.message == ""
    assert explorer.image.value == shown
    monkeypatch.undo()
    explorer.seed.value = 4
    assert explorer.last_error is None and explorer.image.value != shown


def test_only_the_librarys_refusals_become_messages(monkeypatch):
    explorer = window_explorer()

    def broken(*args, **kwargs):
        raise ValueError("a bug, not a refusal")

    # A ValueError that pool_geometry did not raise is a bug, even with a refusal's type.
    monkeypatch.setattr(plots_module, "max_pool_winners", broken)
    with pytest.raises(ValueError, match="a bug, not a refusal"):
        explorer.kernel_h.value = 3
    monkeypatch.undo()
    renders = explorer.renders
    explorer.padding.value = 4
    assert explorer.view.message.startswith("padding 4 is more than half the kernel height")
    assert explorer.last_error is None and explorer.renders == renders + 1


# --- what the sliders draw ----------------------------------------------------------------


def test_window_explorer_sliders_move_the_windows():
    explorer = window_explorer()
    view = explorer.view
    assert len(view.windows.get_segments()) == 196
    explorer.kernel_h.value = 3
    explorer.stride_w.value = 3
    geometry = pool_geometry((28, 28), (3, 2), (2, 3))
    assert view.geometry == geometry
    assert len(view.windows.get_segments()) == 13 * 9
    assert view.formula.get_text().splitlines()[0].endswith("= floor(25 / 2) + 1 = 13")
    assert view.formula.get_text().splitlines()[1].endswith("= floor(26 / 3) + 1 = 9")
    explorer.padding.value = 2
    assert view.message.splitlines()[0] == (
        "padding 2 is more than half the kernel height (3 // 2 = 1)"
    )
    assert not view.windows.get_visible()
    explorer.padding.value = 1
    explorer.ceil_mode.value = True
    assert view.geometry == pool_geometry((28, 28), (3, 2), (2, 3), 1, 1, True)
    explorer.channel.value = "inverse"
    np.testing.assert_array_equal(view.image.get_array(), 1 - DIGIT)
    assert "inverse" in view.title.get_text()
    explorer.mode.value = "avg"
    assert view.out_title.get_text().startswith("avg-pooled output")
    explorer.digit.value = 4999
    assert view.title.get_text().startswith("digit #4999 (a 9, inverse)")


def test_max_mask_explorer_marks_the_winners_pool_backward_picks():
    explorer = max_mask_explorer()
    view = explorer.view
    grad = pool_backward(np.ones((1, 14, 14, 1)), DIGIT[None, :, :, None], 2, 2)[0, :, :, 0]
    assert sorted(map(tuple, view.winners.tolist())) == sorted(
        map(tuple, np.argwhere(grad).tolist())
    )
    xs, ys = view.clear_winners.get_data()
    assert set(zip(ys.tolist(), xs.tolist(), strict=True)) <= set(map(tuple, np.argwhere(grad)))
    explorer.ties.value = "all"
    assert view.receivers["all"] == np.count_nonzero(view.dA_prev) == 635
    assert view.bars[1].get_alpha() == 1.0 and view.bars[0].get_alpha() < 1.0
    explorer.channel.value = "inverse"
    values, _, _ = window_values(1 - DIGIT, pool_geometry((28, 28), 2, 2))
    flat = values.reshape(14, 14, 4)
    tied = (flat == flat.max(axis=-1, keepdims=True)).sum(axis=-1) > 1
    assert int((view.tie_counts > 1).sum()) == int(tied.sum()) == 160


def test_gradient_explorer_keeps_the_cell_inside_the_output():
    explorer = gradient_explorer()
    assert (explorer.row.max, explorer.col.max) == (12, 12)
    explorer.row.value = 12
    explorer.kernel_h.value = 6
    assert explorer.row.max == 11 and explorer.row.value == 11
    assert explorer.view.cell == (11, 4)
    assert explorer.renders == 3
    explorer.stride_w.value = 6
    assert explorer.col.max == 4
    explorer.col.value = 3
    value = explorer.view.dA[11, 3]
    assert f"dA[11, 3] = {value:+.2f}".replace("-", "\N{MINUS SIGN}") in (
        explorer.view.headline.get_text()
    )


def test_pipeline_explorer_reports_both_changes():
    explorer = pipeline_explorer()
    before = dict(explorer.view.changes)
    explorer.shift_right.value = 0
    assert explorer.view.changes == {"relu": 0.0, "pooled": 0.0}
    explorer.shift_right.value = 1
    assert explorer.view.changes == before
    explorer.kernel_name.value = "horizontal edges"
    explorer.shift_down.value = 1
    assert explorer.view.changes["pooled"] < explorer.view.changes["relu"]
    assert explorer.view.kernel_title.get_text() == "kernel: horizontal edges"


def test_animation_steps_follow_kernel_and_stride():
    animation = pooling_animation()
    assert type(animation._link).__name__ == "Link"
    assert animation._link.source == (animation.play, "value")
    assert animation._link.target == (animation.step, "value")
    animation.step.value = 20
    assert animation.view.cell == (1, 6)
    assert np.count_nonzero(~np.isnan(animation.view.filled)) == 21
    animation.kernel.value = 7
    animation.stride.value = 7
    assert animation.step.max == animation.play.max == 15
    assert animation.step.value == 15
    assert animation.view.cell == (3, 3)
    animation.mode.value = "avg"
    assert animation.view.zoom_winner.get_data() == ([], [])


def test_constructors_widen_sliders_for_values_beyond_their_range():
    explorer = window_explorer(kernel=(10, 2), stride=9)
    assert explorer.kernel_h.max == 10 and explorer.kernel_h.value == 10
    assert explorer.stride_w.value == 9
    assert isinstance(explorer, WindowExplorer)


# --- sweeps over every slider -------------------------------------------------------------


def test_window_explorer_sweep(explorers):
    explorer = explorers["window_explorer"]
    view = explorer.view
    sliders = [
        explorer.kernel_h,
        explorer.kernel_w,
        explorer.stride_h,
        explorer.stride_w,
        explorer.padding,
        explorer.dilation,
    ]
    combos = list(itertools.product(*(grid(s) for s in sliders), (False, True)))
    assert len(combos) == 3**6 * 2
    for kh, kw, sh, sw, padding, dilation, ceil in combos:
        view.update(DIGIT, (kh, kw), (sh, sw), padding, dilation, ceil)
        geometry = geometry_or_none((28, 28), (kh, kw), (sh, sw), padding, dilation, ceil)
        check_refusal(view, geometry)
        if geometry is not None:
            assert len(view.windows.get_segments()) == np.prod(geometry.out_shape)
    for kh, kw, sh, sw, padding, dilation, ceil in combos[::97]:
        with explorer.hold_render():
            explorer.kernel_h.value, explorer.kernel_w.value = kh, kw
            explorer.stride_h.value, explorer.stride_w.value = sh, sw
            explorer.padding.value, explorer.dilation.value = padding, dilation
            explorer.ceil_mode.value = ceil
        assert explorer.last_error is None
        assert bytes(explorer.image.value).startswith(PNG_SIGNATURE)


def test_max_mask_explorer_sweep(explorers):
    explorer = explorers["max_mask_explorer"]
    view = explorer.view
    sliders = [
        explorer.kernel_h,
        explorer.kernel_w,
        explorer.stride_h,
        explorer.stride_w,
        explorer.padding,
    ]
    combos = list(itertools.product(*(grid(s) for s in sliders), ("first", "all", "split")))
    for kh, kw, sh, sw, padding, ties in combos:
        view.update(DIGIT, (kh, kw), (sh, sw), padding, ties)
        geometry = geometry_or_none((28, 28), (kh, kw), (sh, sw), padding)
        check_refusal(view, geometry)
        if geometry is not None:
            assert len(view.winners) == np.prod(geometry.out_shape)
    for kh, kw, sh, sw, padding, ties in combos[::61]:
        with explorer.hold_render():
            explorer.kernel_h.value, explorer.kernel_w.value = kh, kw
            explorer.stride_h.value, explorer.stride_w.value = sh, sw
            explorer.padding.value, explorer.ties.value = padding, ties
        assert explorer.last_error is None


def test_gradient_explorer_sweep(explorers):
    explorer = explorers["gradient_explorer"]
    view = explorer.view
    sliders = [explorer.kernel_h, explorer.kernel_w, explorer.stride_h, explorer.stride_w]
    combos = list(itertools.product(*(grid(s) for s in sliders), (0, 27), (0, 27), (0, 99)))
    for kh, kw, sh, sw, row, col, seed in combos:
        view.update(DIGIT, (kh, kw), (sh, sw), (row, col), seed)
        geometry = geometry_or_none((28, 28), (kh, kw), (sh, sw))
        check_refusal(view, geometry)
        h_out, w_out = geometry.out_shape
        assert view.cell == (min(row, h_out - 1), min(col, w_out - 1))
    for kh, kw, sh, sw, row, col, seed in combos[::41]:
        with explorer.hold_render():
            explorer.kernel_h.value, explorer.kernel_w.value = kh, kw
            explorer.stride_h.value, explorer.stride_w.value = sh, sw
            explorer.row.value, explorer.col.value, explorer.seed.value = row, col, seed
        assert explorer.last_error is None
        assert explorer.row.value <= explorer.row.max


def test_pipeline_explorer_sweep(explorers):
    explorer = explorers["pipeline_explorer"]
    view = explorer.view
    shifts = grid(explorer.shift_down)
    combos = list(
        itertools.product(PIPELINE_KERNELS, shifts, shifts, grid(explorer.pool), ("max", "avg"))
    )
    for kernel_name, down, right, pool, mode in combos:
        view.update(DIGIT, kernel_name, (down, right), pool, mode)
        assert view.message == ""
        assert set(view.changes) == {"relu", "pooled"}
        assert all(np.isfinite(v) and v >= 0 for v in view.changes.values())
    for kernel_name, down, right, pool, mode in combos[::23]:
        with explorer.hold_render():
            explorer.kernel_name.value, explorer.mode.value = kernel_name, mode
            explorer.shift_down.value, explorer.shift_right.value = down, right
            explorer.pool.value = pool
        assert explorer.last_error is None


def test_animation_sweep(explorers):
    animation = explorers["pooling_animation"]
    view = animation.view
    for kernel, stride, mode in itertools.product(
        grid(animation.kernel), grid(animation.stride), ("max", "avg")
    ):
        geometry = pool_geometry((28, 28), kernel, stride)
        steps = int(np.prod(geometry.out_shape))
        for step in (0, steps // 2, steps - 1, steps + 5):
            view.update(DIGIT, kernel, stride, mode, step)
            assert view.message == "" and view.steps == steps
            assert np.count_nonzero(~np.isnan(view.filled)) == min(step, steps - 1) + 1
        with animation.hold_render():
            animation.kernel.value, animation.stride.value = kernel, stride
            animation.mode.value = mode
            animation.step.value = animation.step.max
        assert animation.last_error is None
        assert animation.view.cell == (geometry.out_shape[0] - 1, geometry.out_shape[1] - 1)


def test_digit_and_channel_extremes_render(explorers):
    for name in ("window_explorer", "max_mask_explorer"):
        explorer = explorers[name]
        for digit, channel in itertools.product((0, 4999), ("digit", "inverse")):
            with explorer.hold_render():
                explorer.digit.value, explorer.channel.value = digit, channel
            assert explorer.last_error is None
    for name in ("gradient_explorer", "pipeline_explorer", "pooling_animation"):
        explorers[name].digit.value = 4999
        assert explorers[name].last_error is None


def test_output_size_for_refused_options_is_one_cell():
    assert explorers_module._output_or_one((28, 28), 30, 1) == (1, 1)
    assert explorers_module._output_or_one((28, 28), 3, 2) == (13, 13)


def test_explorer_classes_are_exported():
    for cls in (GradientExplorer, MaxMaskExplorer, PipelineExplorer, PoolingAnimation):
        assert issubclass(cls, widgets.VBox)


# --- any combination of every control, drawn by hypothesis ---------------------------------

# Built with the smallest kernel and stride, an explorer's dependent sliders (output row and
# column, animation step) reach their largest range.
WIDEST = {
    "window_explorer": {},
    "max_mask_explorer": {},
    "gradient_explorer": {"kernel": 1, "stride": 1},
    "pipeline_explorer": {},
    "pooling_animation": {"kernel": 1, "stride": 1},
}


@functools.cache
def control_ranges(name):
    """Every control's whole range, as the widgets themselves state it."""
    explorer = getattr(explorers_module, name)(**WIDEST[name])
    ranges = {}
    for control_name, control in explorer.controls.items():
        if isinstance(control, widgets.Checkbox):
            ranges[control_name] = st.booleans()
        elif isinstance(control, widgets.IntSlider):
            ranges[control_name] = st.integers(control.min, control.max)
        else:
            ranges[control_name] = st.sampled_from(list(control.options))
    return st.fixed_dictionaries(ranges)


@contextlib.contextmanager
def no_png(explorer):
    """Every control change updates the view, as in the notebook, but no PNG is rendered."""
    held, explorer._held = explorer._held, True
    try:
        yield explorer
    finally:
        explorer._held = held


def move_controls(explorer, values):
    """Set the controls one by one, in the order they are shown, as a learner would."""
    for name, control in explorer.controls.items():
        control.value = values[name]


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_window_explorer_any_combination(explorers, data):
    explorer = explorers["window_explorer"]
    values = data.draw(control_ranges("window_explorer"))
    with no_png(explorer):
        move_controls(explorer, values)
    view = explorer.view
    image, _ = digit_image(values["digit"], values["channel"])
    np.testing.assert_array_equal(view.image.get_array(), image)
    options = dict(
        kernel_shape=(values["kernel_h"], values["kernel_w"]),
        stride=(values["stride_h"], values["stride_w"]),
        padding=values["padding"],
        dilation=values["dilation"],
        ceil_mode=values["ceil_mode"],
    )
    geometry = geometry_or_none((28, 28), **options)
    event("refused" if geometry is None else "accepted")
    check_refusal(view, geometry)
    if geometry is not None:
        assert len(view.windows.get_segments()) == np.prod(geometry.out_shape)
        expected = pool_forward(image[None, :, :, None], mode=values["mode"], **options)
        np.testing.assert_array_equal(view.pooled, expected[0, :, :, 0])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_max_mask_explorer_any_combination(explorers, data):
    explorer = explorers["max_mask_explorer"]
    values = data.draw(control_ranges("max_mask_explorer"))
    with no_png(explorer):
        move_controls(explorer, values)
    view = explorer.view
    image, _ = digit_image(values["digit"], values["channel"])
    options = dict(
        kernel_shape=(values["kernel_h"], values["kernel_w"]),
        stride=(values["stride_h"], values["stride_w"]),
        padding=values["padding"],
    )
    geometry = geometry_or_none((28, 28), **options)
    event("refused" if geometry is None else "accepted")
    check_refusal(view, geometry)
    if geometry is not None:
        rows, cols = max_pool_winners(image[None, :, :, None], **options)
        np.testing.assert_array_equal(view.winners, np.column_stack([rows.ravel(), cols.ravel()]))
        assert view.receivers[values["ties"]] == np.count_nonzero(view.dA_prev)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_gradient_explorer_any_combination(explorers, data):
    explorer = explorers["gradient_explorer"]
    values = data.draw(control_ranges("gradient_explorer"))
    with no_png(explorer):
        move_controls(explorer, values)
    view = explorer.view
    geometry = geometry_or_none(
        (28, 28),
        (values["kernel_h"], values["kernel_w"]),
        (values["stride_h"], values["stride_w"]),
    )
    check_refusal(view, geometry)
    h_out, w_out = geometry.out_shape
    assert (explorer.row.max, explorer.col.max) == (h_out - 1, w_out - 1)
    # The output cell is the one drawn, clipped into the output as the sliders are.
    assert view.cell == (explorer.row.value, explorer.col.value)
    assert view.cell == (min(values["row"], h_out - 1), min(values["col"], w_out - 1))


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_pipeline_explorer_any_combination(explorers, data):
    explorer = explorers["pipeline_explorer"]
    values = data.draw(control_ranges("pipeline_explorer"))
    with no_png(explorer):
        move_controls(explorer, values)
    view = explorer.view
    assert view.message == ""
    assert set(view.changes) == {"relu", "pooled"}
    assert all(np.isfinite(v) and v >= 0 for v in view.changes.values())
    assert view.kernel_title.get_text() == f"kernel: {values['kernel_name']}"
    assert view.input_title.get_text() == (
        f"digit moved ({values['shift_down']}, {values['shift_right']})"
    )
    pooled = view.pooled.get_array()
    assert view.pooled_title.get_text() == (
        f"{values['mode']} pool {pooled.shape[0]} x {pooled.shape[1]}"
    )
    assert pooled.shape == (26 // values["pool"], 26 // values["pool"])


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_animation_any_combination(explorers, data):
    animation = explorers["pooling_animation"]
    values = data.draw(control_ranges("pooling_animation"))
    with no_png(animation):
        move_controls(animation, values)
    view = animation.view
    geometry = pool_geometry((28, 28), values["kernel"], values["stride"])
    steps = int(np.prod(geometry.out_shape))
    assert view.message == "" and view.steps == steps
    assert animation.step.max == animation.play.max == steps - 1
    step = min(values["step"], steps - 1)
    assert animation.step.value == step
    assert view.cell == divmod(step, geometry.out_shape[1])


@pytest.mark.parametrize("name", list(WIDEST))
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_any_combination_renders(explorers, name, data):
    explorer = explorers[name]
    values = data.draw(control_ranges(name))
    renders = explorer.renders
    with explorer.hold_render():
        move_controls(explorer, values)
    assert explorer.renders == renders + 1
    assert bytes(explorer.image.value).startswith(PNG_SIGNATURE)
    assert explorer.last_error is None
