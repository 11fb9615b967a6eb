"""The class demo on a projector: every section fits one screen, every text is large enough.

The dashboard (``notebooks/demo.ipynb`` in Voila) is opened at 1280 x 720 and at
1024 x 768. For each section and each of its presets, with the answer hidden and
revealed: heading, controls and picture fit the viewport without scrolling; the
smallest text drawn in the picture (its natural size, reported by the page as a
class ``pooling-text-px-N`` on the image) times the scale it is displayed at is at
least 28 px at 1280 x 720; the sentences beside it are written at 28 px or more; the
controls at 24 px or more; no control's text is cut. Every preset and the reveal
button change what is shown. The presenter's keys play, pause (keeping the step),
step and restart the animation. Screenshots go to ``tests/e2e/artifacts/projector/``.
"""

from __future__ import annotations

import contextlib

import pytest

from pooling_lib.presets import PRESETS, STARTS, preset_values

from .helpers import (
    ACTION_TIMEOUT_MS,
    ARTIFACTS,
    PICTURE_TIMEOUT_MS,
    Deadline,
    KernelTraffic,
    block_outside_requests,
    budget_seconds,
    course_root,
    dashboard_notebook,
    fresh_folder,
    open_in_voila,
    page_errors,
)

TEXT_PX = 28
CONTROL_PX = 24
# A slider an instructor drags on a projector: shorter tracks jump in whole steps.
TRACK_PX = 60
SECTIONS = list(STARTS)

# For section k (0-based): its heading, its explorer, and what the page reports of both.
MEASURE_JS = """
(k) => {
  const box = document.querySelectorAll('.pooling-projector')[k];
  const headings = Array.from(document.querySelectorAll('h2'));
  const top = box.getBoundingClientRect().top;
  const heading = headings.filter(h => h.getBoundingClientRect().top < top).pop();
  const h = heading.getBoundingClientRect(), b = box.getBoundingClientRect();
  const img = box.querySelector('img.pooling-picture');
  const reported = Array.from(img.classList).find(c => c.startsWith('pooling-text-px-'));
  const shown = el => el.offsetParent !== null;
  const controls = Array.from(box.querySelectorAll(
    '.widget-label, .widget-readout, button, select, .widget-checkbox label')).filter(shown);
  const cut = controls.filter(el => el.scrollWidth > el.clientWidth + 1)
    .map(el => (el.textContent || el.value || '').trim() || el.className);
  const controlPx = Math.min(...controls.map(el => parseFloat(getComputedStyle(el).fontSize)));
  const sentences = Array.from(box.querySelectorAll('.pooling-text p')).filter(shown);
  const tracks = Array.from(box.querySelectorAll('.widget-hslider .noUi-base'))
    .filter(shown).map(el => el.getBoundingClientRect().width);
  return {
    heading: heading.textContent.trim(),
    height: Math.max(b.bottom, h.bottom) - Math.min(b.top, h.top),
    width: Math.max(b.right, h.right) - Math.min(b.left, h.left, 0),
    left: Math.min(b.left, h.left),
    naturalWidth: img.naturalWidth,
    clientWidth: img.clientWidth,
    pictureTextPx: reported ? reported.slice('pooling-text-px-'.length) : null,
    sentencePx: sentences.length
      ? Math.min(...sentences.map(p => parseFloat(getComputedStyle(p).fontSize))) : null,
    controlPx,
    cut,
    shortestTrack: tracks.length ? Math.min(...tracks) : null,
    src: img.src,
    text: Array.from(box.querySelectorAll('.pooling-text')).map(t => t.innerText).join('\\n'),
  };
}
"""


def _section_index(name):
    return SECTIONS.index(name)


def _bring_into_view(page, k):
    page.evaluate(
        """(k) => {
          const box = document.querySelectorAll('.pooling-projector')[k];
          const headings = Array.from(document.querySelectorAll('h2'));
          const top = box.getBoundingClientRect().top;
          headings.filter(h => h.getBoundingClientRect().top < top).pop()
            .scrollIntoView({block: 'start'});
        }""",
        k,
    )


def _settle(page, traffic, k, before, deadline, what):
    """Wait until the section shows something other than ``before`` and the kernel is idle."""
    waited = 0
    while waited < PICTURE_TIMEOUT_MS:
        page.wait_for_timeout(100)
        waited += 100
        deadline.remaining_ms()
        now = page.evaluate(MEASURE_JS, k)
        if traffic.idle and (now["src"], now["text"]) != (before["src"], before["text"]):
            page.wait_for_timeout(300)
            return page.evaluate(MEASURE_JS, k)
    pytest.fail(f"{what}: nothing changed on the page within {PICTURE_TIMEOUT_MS} ms")


def _idle(page, traffic, deadline):
    quiet = 0
    while quiet < 3:
        page.wait_for_timeout(150)
        deadline.remaining_ms()
        quiet = quiet + 1 if traffic.idle else 0


def _click(page, traffic, k, selector, deadline, what):
    before = page.evaluate(MEASURE_JS, k)
    box = page.locator(".pooling-projector").nth(k)
    box.locator(selector).first.click(timeout=deadline.remaining_ms(ACTION_TIMEOUT_MS))
    return _settle(page, traffic, k, before, deadline, what)


def _problems(measured, viewport, what):
    width, height = viewport["width"], viewport["height"]
    found = []
    if measured["height"] > height or measured["width"] > width or measured["left"] < 0:
        found.append(
            f"{what}: section is {measured['width']:.0f} x {measured['height']:.0f} px, "
            f"over the {width} x {height} viewport"
        )
    scale = measured["clientWidth"] / measured["naturalWidth"]
    if measured["pictureTextPx"] is None:
        found.append(f"{what}: the page does not report the picture's text size")
    elif measured["pictureTextPx"] != "none" and width == 1280:
        shown = float(measured["pictureTextPx"]) * scale
        if shown < TEXT_PX:
            found.append(f"{what}: text in the picture is {shown:.1f} px on screen")
    if width == 1280 and scale < 1:
        found.append(
            f"{what}: the picture is drawn at {measured['naturalWidth']} px, shown smaller"
        )
    if measured["sentencePx"] is not None and measured["sentencePx"] < TEXT_PX:
        found.append(f"{what}: the sentences beside the picture are {measured['sentencePx']} px")
    if measured["controlPx"] < CONTROL_PX:
        found.append(f"{what}: controls are written at {measured['controlPx']} px")
    if measured["cut"]:
        found.append(f"{what}: control text cut: {measured['cut']}")
    if measured["shortestTrack"] is None:
        found.append(f"{what}: no slider track found (every section has sliders)")
    elif measured["shortestTrack"] < TRACK_PX:
        found.append(
            f"{what}: a slider's track is {measured['shortestTrack']:.0f} px long, too short "
            "to drag from the front of a room"
        )
    return found


@contextlib.contextmanager
def _dashboard(request, browser, viewport, what, query=""):
    """The dashboard in Voila at ``viewport`` (width, height): ``(page, traffic, deadline)``."""
    serve = request.getfixturevalue("voila")
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    try:
        page = context.new_page()
        page.set_default_timeout(ACTION_TIMEOUT_MS)
        deadline = Deadline(budget_seconds(), what)
        traffic = KernelTraffic()
        traffic.attach(page)
        block_outside_requests(page, blocked=[])
        open_in_voila(page, serve(dashboard_notebook(course_root())) + query, traffic, deadline)
        yield page, traffic, deadline
    finally:
        context.close()


@pytest.mark.e2e
@pytest.mark.parametrize("viewport", [(1280, 720), (1024, 768)], ids=lambda v: f"{v[0]}x{v[1]}")
def test_every_section_and_preset_fits_a_projector_screen(request, browser, viewport):
    size = {"width": viewport[0], "height": viewport[1]}
    shots = fresh_folder(ARTIFACTS / "projector" / f"{viewport[0]}x{viewport[1]}")
    problems = []
    with _dashboard(request, browser, viewport, f"projector {viewport}") as (
        page,
        traffic,
        deadline,
    ):
        try:
            assert page.locator(".pooling-projector").count() == len(SECTIONS)
            for k, name in enumerate(SECTIONS):
                _bring_into_view(page, k)
                measured = page.evaluate(MEASURE_JS, k)
                problems += _problems(measured, size, f"{name} at the start")
                page.screenshot(path=shots / f"{k + 1}-start.png")
                choices = [p for p in PRESETS if p.section == name]
                for chosen in choices:
                    # From a preset showing something else, so that this one has work to do.
                    other = next(p for p in choices if preset_values(p) != preset_values(chosen))
                    box = page.locator(".pooling-projector").nth(k)
                    box.locator(f"button[title='preset {other.key}']").click()
                    _idle(page, traffic, deadline)
                    what = f"{name}, preset {chosen.key}"
                    measured = _click(
                        page, traffic, k, f"button[title='preset {chosen.key}']", deadline, what
                    )
                    problems += _problems(measured, size, what + " (answer hidden)")
                    measured = _click(
                        page, traffic, k, ".pooling-reveal", deadline, what + " reveal"
                    )
                    problems += _problems(measured, size, what + " (answer shown)")
                    _bring_into_view(page, k)
                    page.screenshot(path=shots / f"{k + 1}-{chosen.key}.png")
            problems += page_errors(page) + traffic.errors
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=shots / "failure.png", timeout=10_000)
            raise
    if problems:
        pytest.fail("the dashboard on a projector:\n" + "\n".join(problems), pytrace=False)


def _step(page):
    return int(
        page.locator(".pooling-projector")
        .first.locator(".widget-slider .widget-readout")
        .first.inner_text()
    )


@pytest.mark.e2e
def test_the_presenters_keys_play_pause_step_and_restart_the_animation(request, browser):
    with _dashboard(request, browser, (1280, 720), "presenter's keys") as (page, traffic, deadline):
        _bring_into_view(page, 0)
        start = STARTS["PoolingAnimation"]["step"]
        assert _step(page) == start, "the animation starts at the first window with ink"

        def wait_for(condition, what):
            for _ in range(PICTURE_TIMEOUT_MS // 100):
                page.wait_for_timeout(100)
                deadline.remaining_ms()
                if condition(_step(page)):
                    return _step(page)
            pytest.fail(f"{what}: the step stayed at {_step(page)}")

        page.keyboard.press("ArrowRight")
        wait_for(lambda step: step == start + 1, "→")
        page.keyboard.press("ArrowLeft")
        wait_for(lambda step: step == start, "←")
        page.keyboard.press(" ")
        wait_for(lambda step: step >= start + 2, "space (play)")
        page.keyboard.press(" ")
        paused = _step(page)
        # Paused: the step neither moves on nor goes back to 0.
        page.wait_for_timeout(2000)
        assert _step(page) in (paused, paused + 1)
        held = _step(page)
        page.wait_for_timeout(1500)
        assert _step(page) == held and held > start
        page.keyboard.press("Home")
        wait_for(lambda step: step == start, "Home (restart)")
        stop = page.locator(".pooling-projector .widget-play button").nth(1)
        assert not stop.is_visible(), "■, which jumps to step 0, is hidden on the projector"
        assert not (page_errors(page) + traffic.errors)


@pytest.mark.e2e
def test_the_address_opens_the_dashboard_at_a_preset(request, browser):
    with _dashboard(
        request, browser, (1280, 720), "?preset=ties-all", query="?preset=ties-all"
    ) as (page, traffic, deadline):
        k = _section_index("MaxMaskExplorer")
        section = page.locator(".pooling-projector").nth(k)
        active = section.locator(".widget-toggle-buttons button.mod-active")
        assert "all" in [active.nth(i).inner_text() for i in range(active.count())]
        page.wait_for_function(
            """(k) => {
              const r = document.querySelectorAll('.pooling-projector')[k].getBoundingClientRect();
              return r.top >= 0 && r.bottom <= window.innerHeight;
            }""",
            arg=k,
            timeout=deadline.remaining_ms(PICTURE_TIMEOUT_MS),
        )
        others = page.locator(".pooling-asked")
        assert others.count() == 1
        assert not (page_errors(page) + traffic.errors)
