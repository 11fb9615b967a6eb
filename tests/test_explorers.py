"""The explorers answer their sliders with the right picture; only bugs raise.

Tests move sliders as a learner would (``explorer.kernel_h.value = 3``) and
read what the view drew. The sweeps cover the product of every slider's
smallest, middle and largest values: the view's ``update`` runs for each
combination (fast, no PNG), and a sample is rendered through the widget.
Hypothesis then draws any combination over every control's whole range.
"""

import base64
import contextlib
import ctypes
import functools
import gc
import itertools
import os
import re
import weakref

import ipywidgets as widgets
import ipywidgets.widgets.widget as widget_module
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from IPython.core.formatters import DisplayFormatter

from pooling_lib import (
    check_views,
    explorer_base,
    max_pool_winners,
    pool_backward,
    pool_forward,
    pool_geometry,
)
from pooling_lib import explorers as explorers_module
from pooling_lib import maps as maps_module
from pooling_lib import plots as plots_module
from pooling_lib.explorers import (
    GradientCheckExplorer,
    GradientExplorer,
    MaxMaskExplorer,
    PipelineExplorer,
    PoolingAnimation,
    WindowExplorer,
    gradient_check_explorer,
    gradient_explorer,
    max_mask_explorer,
    pipeline_explorer,
    pooling_animation,
    window_explorer,
)
from pooling_lib.plots import (
    PIPELINE_KERNELS,
    PipelineView,
    PoolRequest,
    digit_image,
    window_values,
)
from pooling_lib.style import DPI, PROJECTOR_PICTURE

DIGIT, _ = digit_image(0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONSTRUCTORS = [
    window_explorer,
    max_mask_explorer,
    gradient_explorer,
    pipeline_explorer,
    pooling_animation,
    gradient_check_explorer,
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
    assert repr(window_explorer(kernel_shape=3, padding=1)) == (
        "WindowExplorer(digit=0, channel='digit', mode='max', kernel_h=3, kernel_w=3, "
        "stride_h=2, stride_w=2, padding=1, dilation=1, ceil_mode=False)"
    )
    assert repr(pooling_animation()) == (
        "PoolingAnimation(digit=0, mode='max', kernel=2, stride=2, step=0)"
    )


def test_the_same_state_gives_the_same_png_bytes():
    first = max_mask_explorer(kernel_shape=3, ties="split")
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


def test_presentation_mode_is_the_projector_layout_and_plain_mode_is_unchanged():
    explorer = pipeline_explorer(presentation=True)
    plain = pipeline_explorer(presentation=False)
    assert explorer.view.style.presentation and not plain.view.style.presentation
    assert "pooling-projector" in explorer._dom_classes
    assert "pooling-projector" not in plain._dom_classes
    assert "font-size" in explorer.children[0].value
    assert explorer.shift_down.layout.width > plain.shift_down.layout.width
    # The projector's picture is drawn at the size it is shown; the plain one as before.
    assert explorer.view.projector and not plain.view.projector
    width, height = explorer.view.figure.get_size_inches() * DPI
    assert width <= PROJECTOR_PICTURE[0] and height <= PROJECTOR_PICTURE[1]
    assert tuple(plain.view.figure.get_size_inches()) == PipelineView.figsize
    assert plain.text is None and plain.reveal is None and plain.preset_buttons == {}


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
    monkeypatch.setattr(maps_module, "max_pool_winners", broken)
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


def test_max_mask_explorer_without_the_gradient_shows_winners_and_every_tied_cell():
    explorer = max_mask_explorer(show_gradient=False)
    full = max_mask_explorer()
    view = explorer.view
    assert "ties" not in explorer.controls and not hasattr(explorer, "ties")
    # The forward picture: one image axes, no gradient, colour bar or tie bars.
    assert len(view.figure.axes) == 1 and not hasattr(view, "ax_grad")
    assert view.receivers == {} and view.dA_prev.shape == (0, 0)
    assert "ties=" not in view.title.get_text() and "dA" not in view.summary.get_text()
    np.testing.assert_array_equal(view.winners, full.view.winners)
    np.testing.assert_array_equal(view.clear_winners.get_data(), full.view.clear_winners.get_data())
    # Every cell holding a tied window's maximum is marked, not only the one 'first' picks.
    values, _, _ = window_values(DIGIT, pool_geometry((28, 28), 2, 2))
    flat = values.reshape(14, 14, 4)
    tied_windows = (flat == flat.max(axis=-1, keepdims=True)).sum(axis=-1) > 1
    tied_cells = ((flat == flat.max(axis=-1, keepdims=True)) & tied_windows[..., None]).sum()
    assert len(view.tied_winners.get_data()[0]) == tied_cells == 635 - 41
    explorer.kernel_h.value = 3
    assert view.geometry.kernel_shape == (3, 2)
    assert "ties" not in repr(explorer)
    explorer.close()
    full.close()


def test_gradient_check_explorer_fails_at_ties_only_and_reuses_its_numeric_gradient(monkeypatch):
    explorer = gradient_check_explorer()
    view = explorer.view
    tied = view.tie_counts > 1
    # Non-overlapping windows: the check fails exactly in the tied windows.
    np.testing.assert_array_equal(view.failing, tied)
    assert tied.sum() == 7
    crop = DIGIT[8:16, 8:16]
    np.testing.assert_array_equal(view.image.get_array(), crop)
    calls = []
    real = check_views.numeric_gradient
    monkeypatch.setattr(
        check_views, "numeric_gradient", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    explorer.ties.value = "split"
    explorer.ties.value = "all"
    assert calls == []  # the tie policy changes only the backward pass
    explorer.jitter.value = True
    assert calls == [1] and not view.failing.any() and view.error < 1e-7
    explorer.jitter.value = False
    assert calls == [1]
    explorer.stride.value = 1
    assert len(calls) == 2 and view.geometry.out_shape == (7, 7)
    explorer.close()


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


# --- what the factories accept -------------------------------------------------------------

KERNEL_1_8 = "kernel_shape must be an integer from 1 to 8, or a pair of them (rows, cols), got "
REFUSALS = [
    # Work would grow with the option, not the digit: refused before anything is built.
    (
        window_explorer,
        {"kernel_shape": 10**6, "padding": 5 * 10**5},
        ValueError,
        KERNEL_1_8 + "1000000",
    ),
    (window_explorer, {"kernel_shape": (10, 2)}, ValueError, KERNEL_1_8 + "(10, 2)"),
    (window_explorer, {"kernel_shape": (1, 2, 3)}, ValueError, KERNEL_1_8 + "(1, 2, 3)"),
    (window_explorer, {"kernel_shape": 2.0}, TypeError, KERNEL_1_8 + "2.0"),
    (window_explorer, {"kernel_shape": True}, TypeError, KERNEL_1_8 + "True"),
    (
        window_explorer,
        {"stride": 0},
        ValueError,
        "stride must be an integer from 1 to 8, or a pair of them (rows, cols), got 0",
    ),
    (window_explorer, {"padding": 5}, ValueError, "padding must be an integer from 0 to 4, got 5"),
    (
        window_explorer,
        {"dilation": 0},
        ValueError,
        "dilation must be an integer from 1 to 4, got 0",
    ),
    (
        window_explorer,
        {"channel": "DIGIT"},
        ValueError,
        "channel must be one of 'digit', 'inverse', got 'DIGIT'; did you mean 'digit'?",
    ),
    (
        window_explorer,
        {"channel": 1},
        TypeError,
        "channel must be one of 'digit', 'inverse', got 1",
    ),
    (window_explorer, {"mode": "mean"}, ValueError, "mode must be one of 'max', 'avg', got 'mean'"),
    (window_explorer, {"ceil_mode": 1}, TypeError, "ceil_mode must be True or False, got 1"),
    (
        window_explorer,
        {"digit": 2.5},
        TypeError,
        "digit must be an integer from 0 to 4999, got 2.5",
    ),
    (
        window_explorer,
        {"digit": 2.0},
        TypeError,
        "digit must be an integer from 0 to 4999, got 2.0",
    ),
    (
        window_explorer,
        {"digit": False},
        TypeError,
        "digit must be an integer from 0 to 4999, got False",
    ),
    (
        window_explorer,
        {"digit": 5000},
        ValueError,
        "digit must be an integer from 0 to 4999, got 5000",
    ),
    (
        window_explorer,
        {"presentation": "yes"},
        TypeError,
        "presentation must be True, False or None (the set_presentation setting), got 'yes'",
    ),
    (
        max_mask_explorer,
        {"ties": "FIRST"},
        ValueError,
        "ties must be one of 'first', 'all', 'split', got 'FIRST'; did you mean 'first'?",
    ),
    (
        max_mask_explorer,
        {"show_gradient": "no"},
        TypeError,
        "show_gradient must be True or False, got 'no'",
    ),
    (
        max_mask_explorer,
        {"kernel_shape": 7},
        ValueError,
        "kernel_shape must be an integer from 1 to 6, or a pair of them (rows, cols), got 7",
    ),
    (
        max_mask_explorer,
        {"padding": -1},
        ValueError,
        "padding must be an integer from 0 to 3, got -1",
    ),
    (
        gradient_check_explorer,
        {"row": 21},
        ValueError,
        "row must be an integer from 0 to 20, got 21",
    ),
    (
        gradient_check_explorer,
        {"kernel_shape": 5},
        ValueError,
        "kernel_shape must be an integer from 1 to 4, got 5",
    ),
    (gradient_check_explorer, {"jitter": 1}, TypeError, "jitter must be True or False, got 1"),
    (
        gradient_check_explorer,
        {"ties": "any"},
        ValueError,
        "ties must be one of 'first', 'all', 'split', got 'any'",
    ),
    (gradient_explorer, {"seed": -5}, ValueError, "seed must be an integer from 0 to 99, got -5"),
    (gradient_explorer, {"seed": 1.5}, TypeError, "seed must be an integer from 0 to 99, got 1.5"),
    (gradient_explorer, {"row": 28}, ValueError, "row must be an integer from 0 to 27, got 28"),
    (gradient_explorer, {"col": "3"}, TypeError, "col must be an integer from 0 to 27, got '3'"),
    (
        pipeline_explorer,
        {"kernel_name": "nope"},
        ValueError,
        "kernel_name must be one of 'vertical edges', 'horizontal edges', 'blur', 'sharpen', "
        "got 'nope'",
    ),
    (
        pipeline_explorer,
        {"kernel_name": "Blur "},
        ValueError,
        "kernel_name must be one of 'vertical edges', 'horizontal edges', 'blur', 'sharpen', "
        "got 'Blur '; did you mean 'blur'?",
    ),
    (
        pipeline_explorer,
        {"shift_down": 4},
        ValueError,
        "shift_down must be an integer from -3 to 3, got 4",
    ),
    (pipeline_explorer, {"pool": 5}, ValueError, "pool must be an integer from 1 to 4, got 5"),
    (
        pooling_animation,
        {"step": 196},
        ValueError,
        "step must be an integer from 0 to 195 (kernel 2 and stride 2 make 196 windows), got 196",
    ),
    (
        pooling_animation,
        {"kernel_shape": 7, "stride": 7, "step": 16},
        ValueError,
        "step must be an integer from 0 to 15 (kernel 7 and stride 7 make 16 windows), got 16",
    ),
    (
        pooling_animation,
        {"kernel_shape": (2, 2)},
        TypeError,
        "kernel_shape must be an integer from 1 to 7, got (2, 2)",
    ),
    (
        pooling_animation,
        {"interval": 0},
        ValueError,
        "interval must be an integer from 10 to 10000 milliseconds, got 0",
    ),
]


@pytest.mark.parametrize(
    ("make", "options", "error", "message"),
    REFUSALS,
    ids=[
        f"{make.__name__}-{'-'.join(options)}-{repr(list(options.values()))[:24]}"
        for make, options, _, _ in REFUSALS
    ],
)
def test_factories_refuse_what_their_controls_cannot_show(make, options, error, message):
    before = len(widget_module._instances)
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        make(**options)
    # Every argument is checked before a widget exists, so a refusal leaves none behind.
    gc.collect()
    assert len(widget_module._instances) == before


KERNEL_FACTORIES = [
    window_explorer,
    max_mask_explorer,
    gradient_explorer,
    pooling_animation,
    gradient_check_explorer,
]


@pytest.mark.parametrize("make", KERNEL_FACTORIES)
def test_factories_still_take_kernel_with_a_warning_that_names_kernel_shape(make):
    name = make.__name__
    with pytest.warns(
        DeprecationWarning, match=rf"^{name}\(\): kernel= is deprecated; use kernel_shape="
    ):
        old = make(kernel=3, stride=3)
    new = make(kernel_shape=3, stride=3)
    try:
        assert repr(old) == repr(new)
    finally:
        old.close()
        new.close()


@pytest.mark.parametrize("make", KERNEL_FACTORIES)
def test_factories_refuse_kernel_and_kernel_shape_together(make):
    before = len(widget_module._instances)
    message = rf"^{make.__name__}\(\) got both kernel_shape= and kernel=, its old name"
    with pytest.raises(TypeError, match=message):
        make(kernel_shape=2, kernel=3)
    gc.collect()
    assert len(widget_module._instances) == before


def test_factories_accept_numpy_integers_and_show_plain_ints():
    explorer = window_explorer(digit=np.int64(3), kernel_shape=np.int32(3), stride=(np.int8(2), 1))
    assert explorer.state()["digit"] == 3 and type(explorer.digit.value) is int
    assert (explorer.kernel_h.value, explorer.stride_h.value, explorer.stride_w.value) == (3, 2, 1)
    animation = pooling_animation(kernel_shape=np.uint8(7), stride=7, step=np.int64(15))
    assert animation.view.cell == (3, 3)
    assert gradient_explorer(seed=np.int16(99)).seed.value == 99


def test_a_slider_range_is_the_factory_range():
    explorer = window_explorer(kernel_shape=8, stride=(8, 1), padding=4, dilation=4)
    assert (explorer.kernel_h.min, explorer.kernel_h.max) == (1, 8)
    assert (explorer.padding.max, explorer.dilation.max) == (4, 4)
    # The library refuses this padding for that kernel and the picture says so.
    assert explorer.last_error is None and explorer.view.geometry is not None
    assert isinstance(explorer, WindowExplorer)


def test_views_refuse_padding_beyond_the_input_in_bounded_work():
    # pool_geometry accepts this, but drawing every padded cell of every window would not end.
    for view in (plots_module.WindowView(), plots_module.MaxMaskView()):
        view.update(DIGIT, PoolRequest(kernel_shape=10**6, stride=2, padding=5 * 10**5))
        assert view.geometry is None
        assert view.message.splitlines()[0] == (
            "padding 500000 is more than this picture shows (at most the input's size, 28)"
        )
        assert view.png().startswith(PNG_SIGNATURE)
        view.update(DIGIT, PoolRequest(kernel_shape=56, stride=1, padding=28))
        assert view.message == "" and view.geometry.out_shape == (29, 29)


# --- closing, and re-running a cell ---------------------------------------------------------


def alive_after_close(explorer):
    """Weak references to everything an explorer holds, then close and drop it."""
    held = [explorer, explorer.view, explorer.view.figure, explorer.view.figure.canvas]
    held += explorer_base._widget_tree(explorer)
    if isinstance(explorer, PoolingAnimation):
        held.append(explorer._link)
    references = [weakref.ref(item) for item in held]
    explorer.close()
    return references


@pytest.mark.parametrize("make", CONSTRUCTORS, ids=[make.__name__ for make in CONSTRUCTORS])
def test_close_releases_the_explorer_its_widgets_and_its_figure(make):
    gc.collect()
    before = len(widget_module._instances)
    explorer = make()
    assert len(widget_module._instances) > before + 10
    references = alive_after_close(explorer)
    assert len(widget_module._instances) == before
    del explorer
    gc.collect()
    assert [reference() for reference in references if reference() is not None] == []


def test_a_closed_explorer_stops_answering_and_says_why():
    explorer = gradient_explorer()
    renders = explorer.renders
    explorer.close()
    explorer.close()
    assert explorer.closed and explorer.view is None
    explorer.seed.value = 7
    assert explorer.renders == renders
    with pytest.raises(RuntimeError, match="^this GradientExplorer is closed; build a new one"):
        explorer.refresh()
    # A notebook shows a closed explorer as its state, in text: no widget, no stale picture.
    data, _ = DisplayFormatter().format(explorer)
    assert data == {"text/plain": repr(explorer)}
    assert repr(explorer).endswith(", row=5, col=4, seed=7)")


class FakeEvents:
    """IPython's event manager, as far as the explorers use it."""

    def __init__(self):
        self.callbacks = {"post_run_cell": []}

    def register(self, event, callback):
        self.callbacks[event].append(callback)

    def trigger(self, event, *args):
        for callback in list(self.callbacks[event]):
            callback(*args)


class FakeShell:
    """An IPython shell: the learner's names, Out history, and the end of each cell."""

    def __init__(self):
        self.user_ns = {"Out": {}, "_oh": {}, "In": [""], "exit": None}
        self.events = FakeEvents()
        self.count = 0

    def run(self, cell_id, code):
        """Run ``code(ns)`` as cell ``cell_id``; what it returns goes to Out, as a display."""
        self.count += 1
        explorer_base_running["cell"] = (cell_id, f"request-{self.count}")
        try:
            value = code(self.user_ns)
            if value is not None:
                self.user_ns["Out"][self.count] = value
                self.user_ns["_"] = value
                self.user_ns[f"_{self.count}"] = value
        finally:
            explorer_base_running["cell"] = None
        self.events.trigger("post_run_cell", None)
        return value


explorer_base_running = {"cell": None}


@pytest.fixture
def shell(monkeypatch):
    """A fake JupyterLab kernel: cells with ids, run one after another in one shell."""
    fake = FakeShell()
    monkeypatch.setattr(explorer_base, "_running_cell", lambda: explorer_base_running["cell"])
    monkeypatch.setattr(explorer_base, "_shell", lambda: fake)
    monkeypatch.setattr(explorer_base, "_BUILT_BY_CELL", {})
    monkeypatch.setattr(explorer_base, "_PENDING", [])
    return fake


def assign(name, make, **options):
    """A cell `name = make(**options)`."""

    def cell(ns):
        ns[name] = make(**options)

    return cell


def test_rerunning_a_cell_closes_what_its_last_run_built(shell):
    def two(ns):
        ns["first"], ns["second"] = window_explorer(), pooling_animation()

    shell.run("cell-a", two)
    first, second = shell.user_ns["first"], shell.user_ns["second"]
    other_cell = shell.run("cell-b", lambda ns: max_mask_explorer())
    assert not (first.closed or second.closed or other_cell.closed)
    gc.collect()
    before = len(widget_module._instances)
    shell.run("cell-a", lambda ns: ns.update(first=window_explorer(), second=None))
    rerun = shell.user_ns["first"]
    assert first.closed and second.closed and not rerun.closed and not other_cell.closed
    # The new explorer's widgets replace the two old explorers' widgets, which were more.
    assert len(widget_module._instances) < before
    # Outside a cell with an id nothing is closed.
    outside = window_explorer()
    assert not rerun.closed and not outside.closed


def test_rerunning_a_cell_keeps_an_explorer_shown_elsewhere(shell):
    # Cell A builds e1, cell B shows it; cell A, edited, now builds e2.
    shell.run("cell-a", assign("e1", window_explorer))
    e1 = shell.user_ns["e1"]
    assert shell.run("cell-b", lambda ns: ns["e1"]) is e1
    shell.run("cell-a", assign("e2", window_explorer, kernel_shape=3))
    assert not e1.closed and not shell.user_ns["e2"].closed
    e1.kernel_h.value = 4
    assert e1.view.geometry.kernel_shape == (4, 2)


@pytest.mark.parametrize(
    "hold",
    [
        lambda e: widgets.HBox([widgets.Label("side by side"), widgets.VBox([e])]),
        lambda e: [e, 3],
        lambda e: {"left": e},
        lambda e: (e,),
    ],
    ids=["in a box", "in a list", "in a dict", "in a tuple"],
)
def test_rerunning_a_cell_keeps_an_explorer_held_elsewhere(shell, hold):
    shell.run("cell-a", assign("e1", window_explorer))
    e1 = shell.user_ns["e1"]
    shell.run("cell-b", lambda ns: ns.update(held=hold(ns["e1"])))
    shell.run("cell-a", assign("e1", window_explorer, kernel_shape=3))
    assert not e1.closed and shell.user_ns["e1"] is not e1
    # Once nothing holds it any more, a later re-run does not resurrect it: it stays open,
    # as it would without cell ids, rather than close under a widget still on the page.
    del shell.user_ns["held"]
    shell.run("cell-a", assign("e1", window_explorer, kernel_shape=4))
    assert not e1.closed


def test_an_explorer_only_in_the_output_history_is_closed_on_rerun(shell):
    shown = shell.run("cell-a", lambda ns: window_explorer())
    assert shell.user_ns["_"] is shown and shown in shell.user_ns["Out"].values()
    shell.run("cell-a", lambda ns: window_explorer())
    assert shown.closed


def test_the_shell_is_listened_to_once(shell):
    for _ in range(3):
        shell.run("cell-a", assign("e", window_explorer))
        shell.run("cell-b", assign("f", window_explorer))
    assert len(shell.events.callbacks["post_run_cell"]) == 1


def test_without_ipythons_events_nothing_is_closed(monkeypatch):
    # Plain Python, or a kernel without events: a run cannot be told from a re-run.
    running = {"cell": ("cell-a", "request-1")}
    monkeypatch.setattr(explorer_base, "_running_cell", lambda: running["cell"])
    monkeypatch.setattr(explorer_base, "_shell", lambda: None)
    monkeypatch.setattr(explorer_base, "_BUILT_BY_CELL", {})
    first = window_explorer()
    running["cell"] = ("cell-a", "request-2")
    window_explorer()
    assert not first.closed


def resident_mib():
    """The process's resident memory, after handing freed heap pages back to the system."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        # Without this, memory freed by closed explorers may stay in the allocator's pools.
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
@pytest.mark.parametrize("bound", [True, False], ids=["e = explorer()", "explorer()"])
def test_rerunning_a_cell_does_not_grow_memory(shell, bound):
    # Each gradient_explorer holds about 10 MiB (figure, rendered backgrounds): before
    # re-runs closed their predecessors, 10 re-runs grew the process by about 100 MiB.
    # Displayed outputs stay in IPython's Out history, which does not keep them open.
    made, figures = [], []

    def cell(ns):
        made.append(gradient_explorer())
        figures.append(weakref.ref(made[-1].view.figure))
        if bound:
            ns["e"] = made[-1]
            return None
        return made[-1]

    for run in range(16):
        shell.run("cell", cell)
        if run == 5:
            start = resident_mib()
    grown = resident_mib() - start
    assert [explorer.closed for explorer in made] == [True] * 15 + [False]
    made.clear()
    assert [figure() is None for figure in figures] == [True] * 15 + [False]
    assert grown < 40


def test_running_cell_is_none_outside_a_kernel():
    assert explorer_base._running_cell() is None


class FakeKernel:
    """What ipykernel gives: the message of the request being executed."""

    def __init__(self, parent):
        self.parent = parent

    def get_parent(self, channel=None):
        assert channel == "shell"
        return self.parent


@pytest.mark.parametrize(
    ("parent", "expected"),
    [
        (
            {"header": {"msg_id": "request-7"}, "metadata": {"cellId": "cell-3"}},
            ("cell-3", "request-7"),
        ),
        # Classic Notebook and Voila send no cell id: nothing is closed for them.
        ({"header": {"msg_id": "request-7"}, "metadata": {}}, None),
        ({}, None),
    ],
)
def test_running_cell_reads_the_kernels_request(monkeypatch, parent, expected):
    import IPython

    shell = type("Shell", (), {"kernel": FakeKernel(parent)})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    assert explorer_base._running_cell() == expected


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
    # Each slider offers a smallest, a middle and a largest value to sweep.
    assert all(len(grid(slider)) == 3 for slider in sliders)
    combos = list(itertools.product(*(grid(s) for s in sliders), (False, True)))
    for kh, kw, sh, sw, padding, dilation, ceil in combos:
        view.update(DIGIT, PoolRequest((kh, kw), (sh, sw), padding, dilation, ceil))
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
        view.update(DIGIT, PoolRequest((kh, kw), (sh, sw), padding, ties=ties))
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
        view.update(DIGIT, PoolRequest((kh, kw), (sh, sw)), (row, col), seed)
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
        view.update(DIGIT, PoolRequest(pool, pool, mode=mode), kernel_name, (down, right))
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
            view.update(DIGIT, PoolRequest(kernel, stride, mode=mode), step)
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
    assert explorer_base.output_or_one((28, 28), PoolRequest(30, 1)) == (1, 1)
    assert explorer_base.output_or_one((28, 28), PoolRequest(3, 2)) == (13, 13)


def test_each_factory_builds_its_exported_class():
    for factory, cls in (
        (window_explorer, WindowExplorer),
        (max_mask_explorer, MaxMaskExplorer),
        (gradient_explorer, GradientExplorer),
        (pipeline_explorer, PipelineExplorer),
        (pooling_animation, PoolingAnimation),
        (gradient_check_explorer, GradientCheckExplorer),
    ):
        assert cls.__name__ in explorers_module.__all__
        explorer = factory()
        try:
            assert type(explorer) is cls
        finally:
            explorer.close()


# --- any combination of every control, drawn by hypothesis ---------------------------------

# Built with the smallest kernel and stride, an explorer's dependent sliders (output row and
# column, animation step) reach their largest range.
WIDEST = {
    "window_explorer": {},
    "max_mask_explorer": {},
    "gradient_explorer": {"kernel_shape": 1, "stride": 1},
    "pipeline_explorer": {},
    "pooling_animation": {"kernel_shape": 1, "stride": 1},
    "gradient_check_explorer": {},
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


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_gradient_check_explorer_any_combination(explorers, data):
    explorer = explorers["gradient_check_explorer"]
    values = data.draw(control_ranges("gradient_check_explorer"))
    with no_png(explorer):
        move_controls(explorer, values)
    view = explorer.view
    assert view.message == ""
    image, _ = digit_image(values["digit"])
    crop = image[values["row"] : values["row"] + 8, values["col"] : values["col"] + 8]
    kernel, stride = values["kernel"], values["stride"]
    assert view.geometry.out_shape == pool_geometry((8, 8), kernel, stride).out_shape
    if values["jitter"]:
        # No ties left: the check passes everywhere, whatever the policy.
        assert not view.failing.any() and view.error < 1e-7
    else:
        np.testing.assert_array_equal(view.image.get_array(), crop)
        if stride >= kernel:
            # Windows share no cell, so only a tie can make one disagree.
            assert not (view.failing & (view.tie_counts == 1)).any()
