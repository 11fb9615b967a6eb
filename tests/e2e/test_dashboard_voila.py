"""The dashboard, served by Voila, shows no code, runs clean, and every control moves a picture.

Run with ``pytest tests/e2e -m e2e``. Screenshots go to ``tests/e2e/artifacts/demo/``.
Nothing here asserts a duration: ``benchmarks/bench_browser.py`` measures it.
"""

from __future__ import annotations

import contextlib
import time

import pytest

from .helpers import (
    ARTIFACTS,
    Deadline,
    KernelTraffic,
    block_outside_requests,
    budget_seconds,
    code_shown,
    course_root,
    dashboard_notebook,
    exercise_controls,
    fresh_folder,
    open_in_voila,
    page_errors,
)


@pytest.mark.e2e
def test_dashboard_hides_code_and_every_control_moves_its_picture(request):
    notebook = dashboard_notebook(course_root())
    if not notebook.is_file():
        pytest.fail(f"the dashboard notebook {notebook} does not exist", pytrace=False)
    serve = request.getfixturevalue("voila")
    page = request.getfixturevalue("page")
    deadline = Deadline(budget_seconds(), f"{notebook.name} in Voila")
    shots = fresh_folder(ARTIFACTS / notebook.stem)
    traffic = KernelTraffic()
    traffic.attach(page)
    # Voila asks a CDN for Font Awesome; offline that must fail fast, not hang the page.
    block_outside_requests(page, blocked=[])
    started = time.monotonic()
    try:
        open_in_voila(page, serve(notebook), traffic, deadline)
        page.screenshot(path=shots / "00-dashboard.png", timeout=deadline.remaining_ms())
        # Errors first: a traceback quotes source lines, which the code check would flag.
        problems = page_errors(page) + traffic.errors
        if problems:
            pytest.fail(f"{notebook.name} fails in Voila:\n" + "\n\n".join(problems))
        shown = code_shown(page, notebook)
        if shown:
            pytest.fail(f"{notebook.name} shows code in Voila:\n" + "\n".join(shown))
        if not page.locator(".widget-slider").count():
            pytest.fail(f"{notebook.name} shows no slider in Voila", pytrace=False)

        # Each section hides its answer until revealed, so that the class predicts first; a
        # control whose only effect is the answer (max against avg on one window) then shows
        # nothing new. With every answer shown, every control must move its picture.
        reveal = page.locator(".pooling-reveal")
        for index in range(reveal.count()):
            reveal.nth(index).click(timeout=deadline.remaining_ms())
        presses = exercise_controls(page, traffic, shots, deadline)
    except BaseException:
        with contextlib.suppress(Exception):  # never hide the real failure
            page.screenshot(path=shots / "failure.png", timeout=10_000)
        raise
    seconds = time.monotonic() - started

    changed = sum(1 for p in presses if p.pictures_changed)
    line = (
        f"voila {notebook.name}: {len(presses)} control changes, "
        f"{changed} changed the picture, {seconds:.0f} s"
    )
    if traffic.stderr:
        # Not a failure (a deprecation warning is not a bug), but a learner would see it.
        line += f"\n      stderr: {''.join(traffic.stderr).strip()[:300]}"
    print(line)

    failures = [f"{p.control}, {p.action}: {p.problem}" for p in presses if p.problem]
    if failures:
        pytest.fail(f"{notebook.name}: controls misbehave:\n" + "\n\n".join(failures))
