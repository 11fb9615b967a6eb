"""Projector mode, the demo's presets, the reveal button and the animation's steps.

The browser side (sizes on the page, keys, play and pause) is in
``tests/e2e/test_projector.py``; here is what the kernel decides.
"""

from __future__ import annotations

import re

import pytest

from pooling_lib import dashboard, presets
from pooling_lib.explorers import (
    gradient_explorer,
    max_mask_explorer,
    pipeline_explorer,
    pooling_animation,
    window_explorer,
)
from pooling_lib.style import DPI, PROJECTOR_PICTURE, PROJECTOR_TEXT_PX

FACTORIES = {
    "PoolingAnimation": pooling_animation,
    "WindowExplorer": window_explorer,
    "MaxMaskExplorer": max_mask_explorer,
    "GradientExplorer": gradient_explorer,
    "PipelineExplorer": pipeline_explorer,
}
# What each row of the guide's 10-minute demo table tells the presenter to move.
GUIDE_MOVES = {
    1: {"step"},
    2: {"mode", "step"},
    3: {"kernel_h", "kernel_w"},
    4: {"ties"},
    5: {"row", "col"},
    6: {"shift_right"},
}


@pytest.fixture(scope="module")
def sections():
    built = {name: dashboard.section(name, query="") for name in FACTORIES}
    yield built
    for explorer in built.values():
        explorer.close()


def test_the_guide_demo_steps_each_have_a_preset_naming_the_controls_the_guide_moves():
    for step, names in GUIDE_MOVES.items():
        chosen = presets.from_query(f"step={step}")
        assert chosen.guide_step == step
        assert set(chosen.changes) == names


@pytest.mark.parametrize("chosen", presets.PRESETS, ids=lambda p: p.key)
def test_a_preset_sets_its_controls_and_puts_every_other_back_to_the_start(sections, chosen):
    explorer = sections[chosen.section]
    start = presets.STARTS[chosen.section]
    assert set(start) == set(explorer.controls)
    # Move every control the preset does not name away from the start first.
    others = [p for p in presets.presets_for(chosen.section) if p is not chosen]
    with explorer.hold_render():
        for other in others:
            for name, value in other.changes.items():
                if name not in chosen.changes:
                    explorer.controls[name].value = value
        explorer.controls["digit"].value = 7
    explorer.apply_preset(chosen.key)
    state = explorer.state()
    for name, value in state.items():
        expected = chosen.changes.get(name, start[name])
        assert value == expected, f"{chosen.key}: {name} is {value!r}, not {expected!r}"


@pytest.mark.parametrize("chosen", presets.PRESETS, ids=lambda p: p.key)
def test_every_text_in_a_projector_picture_is_large_enough(sections, chosen):
    explorer = sections[chosen.section]
    explorer.apply_preset(chosen.key)
    explorer.reveal.value = True
    smallest = explorer.view.smallest_text_px()
    assert smallest is None or smallest >= PROJECTOR_TEXT_PX
    width, height = explorer.view.figure.get_size_inches() * DPI
    assert width <= PROJECTOR_PICTURE[0] and height <= PROJECTOR_PICTURE[1]
    assert explorer.view.text_lines(), "the picture's sentences are written beside it"


def test_the_learners_picture_keeps_its_titles_and_small_text():
    plain = window_explorer()
    assert not plain.view.projector
    assert plain.view.smallest_text_px() < PROJECTOR_TEXT_PX
    assert plain.view.title.get_text().startswith("digit #0")


def test_reveal_hides_and_shows_the_answer(sections):
    explorer = sections["MaxMaskExplorer"]
    explorer.apply_preset("ties-all")
    hidden_png, hidden_text = bytes(explorer.image.value), explorer.text.value
    assert not explorer.reveal.value
    assert "predict first" in hidden_text and "658" not in hidden_text
    explorer.reveal.value = True
    assert "658" in explorer.text.value
    assert bytes(explorer.image.value) != hidden_png
    explorer.reveal.value = False
    assert explorer.text.value == hidden_text
    assert bytes(explorer.image.value) == hidden_png


def test_a_preset_hides_the_answer_again(sections):
    explorer = sections["WindowExplorer"]
    explorer.reveal.value = True
    explorer.apply_preset("kernel-3")
    assert not explorer.reveal.value
    assert "predict first" in explorer.text.value


def test_the_animation_starts_at_the_first_window_with_ink(sections):
    animation = sections["PoolingAnimation"]
    animation.apply_preset("play")
    assert animation.step.value == presets.first_ink_step() == 22
    # It holds ink; every window before it is background, where nothing would be seen.
    assert animation.view.value > 0
    assert (animation.view.filled.ravel()[:22] == 0).all()
    assert animation.view.caption.get_text().startswith("step 22 of 0-195")


def test_the_play_widget_follows_a_step_set_in_the_kernel(sections):
    # The Play is linked to the step in the browser only; if it kept its own value the
    # page would put the step back there when it loads or when play is pressed.
    animation = sections["PoolingAnimation"]
    animation.apply_preset("avg")
    expected = presets.preset_values(presets.preset("avg"))["step"]
    assert animation.play.value == animation.step.value == expected


def test_next_previous_and_restart_move_the_step_and_pause_keeps_it(sections):
    animation = sections["PoolingAnimation"]
    animation.apply_preset("play")
    animation.next.click()
    animation.next.click()
    assert animation.step.value == 24
    animation.previous.click()
    assert animation.step.value == 23
    animation.play.playing = True
    animation.play.playing = False
    assert animation.step.value == 23
    animation.restart.click()
    assert animation.step.value == 22
    animation.move(-100)
    assert animation.step.value == 0
    animation.move(animation.step.max)
    assert animation.step.value == animation.step.max


def test_move_refuses_a_step_count_beyond_the_windows():
    animation = pooling_animation(presentation=True)
    with pytest.raises(ValueError, match=r"steps must be an integer from -195 to 195, got 400"):
        animation.move(400)
    with pytest.raises(TypeError, match=r"steps must be an integer .* got 1.5"):
        animation.move(1.5)


def test_the_learners_animation_has_no_projector_buttons():
    animation = pooling_animation()
    assert animation.next is None and animation.restart is None


def test_a_preset_of_another_section_is_refused():
    explorer = window_explorer()
    with pytest.raises(ValueError, match=r"key must be a preset of WindowExplorer, got 'ties-all'"):
        explorer.apply_preset("ties-all")
    with pytest.raises(ValueError, match=r"preset must be one of 'play', .* got 'nope'"):
        explorer.apply_preset("nope")


@pytest.mark.parametrize(
    ("query", "key"),
    [("step=1", "play"), ("step=6", "shift-1"), ("preset=ties-split", "ties-split"), ("", None)],
)
def test_the_address_picks_a_preset(query, key):
    chosen = presets.from_query(query)
    assert (chosen.key if chosen else None) == key


def test_an_unknown_step_in_the_address_is_refused_with_the_steps():
    with pytest.raises(ValueError, match=r"step must be one of the guide's demo steps \[1, 2, 3"):
        presets.from_query("step=9")


def test_the_dashboard_applies_the_preset_of_its_address(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "step=3")
    asked = dashboard.section("WindowExplorer")
    other = dashboard.section("MaxMaskExplorer")
    assert asked.state() == presets.STARTS["WindowExplorer"]
    assert dashboard.follow_address().key == "kernel-3"
    assert (asked.kernel_h.value, asked.kernel_w.value) == (3, 3)
    assert "pooling-asked" in asked._dom_classes
    assert "pooling-asked" not in other._dom_classes
    assert other.state() == presets.STARTS["MaxMaskExplorer"]
    monkeypatch.setenv("QUERY_STRING", "")
    assert dashboard.follow_address() is None
    with pytest.raises(ValueError, match=r"name must be one of 'PoolingAnimation', .* got 'x'"):
        dashboard.section("x")


def test_one_command_writes_the_slides_and_the_handout(tmp_path, capsys):
    from pooling_lib import handout

    handout.main([str(tmp_path / "print")])
    slides = (tmp_path / "print" / "slides.pdf").read_bytes()
    sheet = (tmp_path / "print" / "handout.pdf").read_bytes()
    # A title page and one page per preset; one page for the handout.
    page = re.compile(rb"/Type\s*/Page(?!s)")
    assert len(page.findall(slides)) == 1 + len(presets.PRESETS)
    assert len(page.findall(sheet)) == 1
    assert f"{1 + len(presets.PRESETS)} pages" in capsys.readouterr().out
    assert b"http" not in slides and b"http" not in sheet
