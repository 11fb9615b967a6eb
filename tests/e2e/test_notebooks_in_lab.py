"""Every course notebook, opened in JupyterLab, runs clean and its explorers respond.

Run with ``pytest tests/e2e -m e2e``. Screenshots go to ``tests/e2e/artifacts/<notebook>/``.
Nothing here asserts a duration: ``benchmarks/bench_browser.py`` measures how fast the
pictures follow the controls. The time limits below only turn a hang into a failure.
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
    course_root,
    exercise_controls,
    fresh_folder,
    lab_notebooks,
    open_in_lab,
    page_errors,
    run_all_in_lab,
    watch_saves,
)

ROOT = course_root()
NOTEBOOKS = [pytest.param(path, id=path.name) for path in lab_notebooks(ROOT)]


@pytest.mark.e2e
@pytest.mark.parametrize("notebook", NOTEBOOKS or [pytest.param(None, id="no-notebooks")])
def test_notebook_runs_and_every_explorer_moves_its_picture(notebook, request):
    if notebook is None:
        pytest.fail(
            f"no notebooks found in {ROOT / 'notebooks'} (expected NN_topic.ipynb files); "
            "set POOLING_E2E_ROOT to a folder holding notebooks/ to test another tree",
            pytrace=False,
        )
    # Servers and browser only once there is something to drive.
    lab = request.getfixturevalue("jupyter_lab")
    page = request.getfixturevalue("page")
    deadline = Deadline(budget_seconds(), f"{notebook.name} in JupyterLab")
    shots = fresh_folder(ARTIFACTS / notebook.stem)
    traffic = KernelTraffic()
    traffic.attach(page)
    blocked: list[str] = []
    block_outside_requests(page, blocked)
    writes: list[str] = []
    watch_saves(page, writes)
    started = time.monotonic()
    try:
        open_in_lab(page, lab, notebook, deadline)
        # Cell outputs first; the page catches what cells do not hold (interact's Output
        # widget, widget views that fail); the kernel traffic catches callback errors.
        problems = run_all_in_lab(page, traffic, deadline) or page_errors(page)
        problems += traffic.callback_errors
        page.screenshot(path=shots / "00-after-run-all.png", timeout=deadline.remaining_ms())
        if problems:
            pytest.fail(f"{notebook.name} fails under Run All:\n" + "\n\n".join(problems))

        presses = exercise_controls(page, traffic, shots, deadline)
    except BaseException:
        with contextlib.suppress(Exception):  # never hide the real failure
            page.screenshot(path=shots / "failure.png", timeout=10_000)
        raise
    finally:
        lab.shutdown_kernels()
    seconds = time.monotonic() - started

    changed = sum(1 for p in presses if p.pictures_changed)
    line = (
        f"lab   {notebook.name}: {len(presses)} control changes, "
        f"{changed} changed the picture, {seconds:.0f} s"
    )
    if traffic.stderr:
        # Not a failure (a deprecation warning is not a bug), but a learner would see it.
        line += f"\n      stderr: {''.join(traffic.stderr).strip()[:300]}"
    print(line)

    assert not writes, f"running {notebook.name} in Lab wrote to the course files: {writes}"
    assert not blocked, f"{notebook.name} tried to reach the network: {blocked}"

    failures = [f"{p.control}, {p.action}: {p.problem}" for p in presses if p.problem]
    if failures:
        pytest.fail(f"{notebook.name}: controls misbehave:\n" + "\n\n".join(failures))
