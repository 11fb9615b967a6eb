"""Servers and browser for the end-to-end tests.

Everything runs on 127.0.0.1 with fresh Jupyter config, data, runtime, settings
and workspace folders, so a developer's own Jupyter setup cannot change the result.
Set ``POOLING_E2E_ROOT`` to run against another folder holding ``notebooks/``,
``POOLING_E2E_TIMEOUT`` (seconds, default 180) to change each test's budget, and
``POOLING_E2E_CHROMIUM`` to use a Chromium other than ``/usr/bin/chromium``.
"""

from __future__ import annotations

import faulthandler
import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    LabServer,
    budget_seconds,
    course_root,
    free_port,
    start_server,
    stop_server,
    wait_for_port,
    write_lab_settings,
)

SERVER_START_SECONDS = 90
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
    home = tmp_path_factory.mktemp("jupyter")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTER_TOKEN", "PYTHONSTARTUP"}
    }
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }
    for variable, name in folders.items():
        (home / name).mkdir()
        env[variable] = str(home / name)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    write_lab_settings(home / "settings")
    # Matplotlib's first import may print a font-cache notice to stderr; not in a notebook.
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env=env,
        check=False,
        timeout=120,
        capture_output=True,
    )
    return env


@pytest.fixture(scope="session")
def logs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server-logs")


@pytest.fixture(scope="session")
def jupyter_lab(chromium, jupyter_env, logs_dir):
    """A JupyterLab serving the course root, stopped (with its kernels) at the end."""
    root = course_root()
    port = free_port()
    token = secrets.token_hex(16)
    log_path = logs_dir / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={jupyter_env['JUPYTERLAB_SETTINGS_DIR']}",
        f"--LabApp.workspaces_dir={jupyter_env['JUPYTERLAB_WORKSPACES_DIR']}",
        # Lab makes a checkpoint of every notebook it opens: keep them out of the repository.
        f"--FileCheckpoints.checkpoint_dir={jupyter_env['JUPYTER_RUNTIME_DIR']}/checkpoints",
        # Nothing that reaches the network.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    process = start_server(command, log_path, jupyter_env, cwd=root)
    lab = LabServer(process, port, token, root, log_path)
    try:
        lab.wait_ready(SERVER_START_SECONDS)
        yield lab
    finally:
        lab.shutdown_kernels()
        stop_server(process)


@pytest.fixture
def voila(chromium, jupyter_env, logs_dir):
    """Start Voila on demand: ``url = voila(notebook_path)``; all are stopped after the test."""
    processes = []

    def serve(notebook: Path) -> str:
        port = free_port()
        log_path = logs_dir / f"voila-{notebook.stem}-{port}.log"
        command = [
            sys.executable,
            "-m",
            "voila",
            str(notebook),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0",
            # Without this Voila hides the traceback behind a generic message.
            "--show_tracebacks=True",
        ]
        process = start_server(command, log_path, jupyter_env, cwd=notebook.parent)
        processes.append(process)
        wait_for_port(process, port, log_path, SERVER_START_SECONDS)
        return f"http://127.0.0.1:{port}/"

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
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _watchdog(request):
    """Last resort if a wait is ever unbounded: dump the stacks and exit instead of hanging.

    Every wait in the helpers has its own deadline; this fires only if one does not.
    pytest captures stderr, so the stacks go to ``artifacts/watchdog.txt``. The servers
    die with pytest (PR_SET_PDEATHSIG), so nothing is left behind.
    """
    if request.node.get_closest_marker("e2e") is None:
        yield
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (ARTIFACTS / "watchdog.txt").open("w") as stacks:
        stacks.write(f"{request.node.nodeid} hung past its budget; stacks:\n")
        stacks.flush()
        # The servers may start inside the test (up to SERVER_START_SECONDS) before its budget.
        limit = budget_seconds() + SERVER_START_SECONDS + 120
        faulthandler.dump_traceback_later(limit, exit=True, file=stacks)
        try:
            yield
        finally:
            faulthandler.cancel_dump_traceback_later()
    (ARTIFACTS / "watchdog.txt").unlink(missing_ok=True)


_summaries: list[str] = []


@pytest.fixture
def latency_summary():
    """Tests add one line each; the lines are printed at the end of the run."""
    return _summaries.append


def pytest_terminal_summary(terminalreporter):
    if _summaries:
        terminalreporter.section("e2e picture latency (key press to new picture shown)")
        for line in _summaries:
            terminalreporter.write_line(line)
