"""Servers and browser for the end-to-end tests.

Everything runs on 127.0.0.1 with fresh Jupyter config, data, runtime, settings
and workspace folders, so a developer's own Jupyter setup cannot change the result.
Set ``POOLING_E2E_ROOT`` to run against another folder holding ``notebooks/``,
``POOLING_E2E_TIMEOUT`` (seconds, default 600) to change each test's hang guard, and
``POOLING_E2E_CHROMIUM`` to use a Chromium other than ``/usr/bin/chromium``.
"""

from __future__ import annotations

import faulthandler
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from .helpers import (
    ACTION_TIMEOUT_MS,
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    SERVER_START_SECONDS,
    VIEWPORT,
    budget_seconds,
    course_root,
    jupyter_environment,
    start_lab,
    start_voila,
    stop_server,
)

ENABLE_HINT = (
    "To run the end-to-end tests: `sudo apt-get install chromium` (looked for at "
    "/usr/bin/chromium, or set POOLING_E2E_CHROMIUM) and `pip install -r requirements-dev.txt` "
    "(jupyterlab, voila, ipywidgets, playwright). Never run `playwright install`: "
    "the tests use the system Chromium."
)


def _unavailable(reason: str):
    message = f"{reason}. {ENABLE_HINT}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but the end-to-end tests cannot run: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    for module in ("playwright", "jupyterlab", "voila", "ipywidgets"):
        if importlib.util.find_spec(module) is None:
            _unavailable(f"Python package '{module}' is not installed in {sys.executable}")
    return CHROMIUM


@pytest.fixture(scope="session")
def jupyter_env(tmp_path_factory) -> dict[str, str]:
    """Environment for the servers: every Jupyter folder fresh and empty."""
    return jupyter_environment(tmp_path_factory.mktemp("jupyter"))


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def jupyter_lab(chromium, jupyter_env, logs_dir):
    """One JupyterLab serving the course root for every notebook test, stopped at the end.

    Session-scoped, and pytest-xdist hands a whole file to one worker (``--dist loadfile``
    in pyproject.toml), so a parallel run starts one Lab for all of them, not one per worker.
    """
    lab = start_lab(jupyter_env, logs_dir, course_root())
    try:
        yield lab
    finally:
        lab.shutdown_kernels()
        stop_server(lab.process)


@pytest.fixture
def voila(chromium, jupyter_env, logs_dir):
    """Start Voila on demand: ``url = voila(notebook_path)``; all are stopped after the test."""
    processes = []

    def serve(notebook: Path) -> str:
        process, url = start_voila(notebook, jupyter_env, logs_dir)
        processes.append(process)
        return url

    yield serve
    for process in processes:
        stop_server(process)


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A page in a fresh browser context: no cookies, storage or cache from other tests."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _watchdog(request):
    """Last resort if a wait is ever unbounded: dump the stacks and exit instead of hanging.

    Every wait in the helpers has its own deadline; this fires only if one does not.
    pytest captures stderr, so the stacks go to ``artifacts/watchdog-<worker>.txt``. The
    servers die with pytest (PR_SET_PDEATHSIG), so nothing is left behind.
    """
    if request.node.get_closest_marker("e2e") is None:
        yield
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # One file per xdist worker: two workers may each be inside a browser test.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    path = ARTIFACTS / f"watchdog-{worker}.txt"
    with path.open("w") as stacks:
        stacks.write(f"{request.node.nodeid} hung past its budget; stacks:\n")
        stacks.flush()
        # The servers may start inside the test (up to SERVER_START_SECONDS) before its budget.
        limit = budget_seconds() + SERVER_START_SECONDS + 120
        faulthandler.dump_traceback_later(limit, exit=True, file=stacks)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
    path.unlink(missing_ok=True)
