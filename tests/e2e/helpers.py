"""Drive the course in headless Chromium the way a learner does.

This module starts the servers (JupyterLab, Voila) for ``conftest.py`` and for
``benchmarks/bench_browser.py``, and holds what happens inside the browser: open a
notebook, run every cell, read errors out of the page and out of the kernel
traffic, and move every control, noting when the picture it drives changes. The
tests assert that it changes; the benchmark reports how long that takes.

Nothing here imports Playwright at module level, so ``pytest --doctest-modules``
can import this file on a machine without the browser tooling.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page, WebSocket

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Debian's package; never a browser that Playwright downloads.
CHROMIUM = Path(os.environ.get("POOLING_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1600, "height": 1000}
DASHBOARD = "demo.ipynb"

# Hang guards, not speed targets (benchmarks/bench_browser.py measures speed). They are
# generous because on a saturated 2-core machine the browser's renderer can stall for
# tens of seconds: a press whose picture has not changed after a minute is a dead
# control, and one browser call (focus, click, evaluate) that takes longer than
# ACTION_TIMEOUT_MS is a hung page.
PICTURE_TIMEOUT_MS = 60_000
ACTION_TIMEOUT_MS = 120_000
# The picture is "settled" once no image has changed for this long and the kernel is idle.
QUIET_MS = 300

SKIP_CLASS = "e2e-skip"
WIDGET_ERROR_TEXTS = (
    "Error displaying widget",
    "model not found",
    "Failed to load model class",
    "Could not create a view",
    "There was an error when executing cell",
)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def budget_seconds() -> float:
    """Hang guard of one test: ``$POOLING_E2E_TIMEOUT`` seconds, default 600.

    Generous on purpose: a notebook run and every control pressed take a minute or two
    on a busy 2-core machine; only a hang should reach this.
    """
    return float(os.environ.get("POOLING_E2E_TIMEOUT", "600"))


def course_root() -> Path:
    """Folder that holds ``notebooks/``: ``$POOLING_E2E_ROOT`` or the repository root."""
    return Path(os.environ.get("POOLING_E2E_ROOT") or REPO_ROOT).resolve()


def lab_notebooks(root: Path) -> list[Path]:
    """Every ``notebooks/*.ipynb`` except the dashboard, sorted; ``solutions/`` is not searched."""
    return sorted(p for p in (root / "notebooks").glob("*.ipynb") if p.name != DASHBOARD)


def dashboard_notebook(root: Path) -> Path:
    return root / "notebooks" / DASHBOARD


class E2ETimeout(AssertionError):
    """A wait ran past the test's time budget."""


class Deadline:
    """Time budget shared by every wait of one test, so a hang fails instead of blocking."""

    def __init__(self, seconds: float, what: str):
        self.what = what
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining_ms(self, cap_ms: float | None = None) -> int:
        left = (self.end - time.monotonic()) * 1000
        if left <= 0:
            raise E2ETimeout(f"{self.what}: out of its {self.seconds:.0f} s budget")
        return int(left if cap_ms is None else min(left, cap_ms))


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # If pytest is killed (or its watchdog fires), the server must not outlive it.
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_server(command: list[str], log_path: Path, env: dict[str, str], cwd: Path):
    """Start a server in its own process group, its output going to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    try:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
    finally:
        log.close()


def log_tail(log_path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_for_port(process, port: int, log_path: Path, seconds: float) -> None:
    """Wait until ``port`` accepts connections; fail with the server log if it never does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with code {process.returncode} before listening on {port}; "
                f"log {log_path}:\n{log_tail(log_path)}"
            )
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(
        f"server did not listen on {port} within {seconds:.0f} s; "
        f"log {log_path}:\n{log_tail(log_path)}"
    )


def stop_server(process, grace: float = 10.0) -> None:
    """SIGTERM the server's process group, then SIGKILL it.

    A clean Jupyter shutdown on SIGTERM also stops the kernels it started.
    """
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def http(url: str, method: str = "GET", timeout: float = 5.0) -> Any:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


@dataclass
class LabServer:
    process: Any
    port: int
    token: str
    root: Path
    log_path: Path

    def url(self, path: str, query: str = "") -> str:
        joiner = "&" if query else ""
        return f"http://127.0.0.1:{self.port}/{path}?{query}{joiner}token={self.token}"

    def wait_ready(self, seconds: float) -> None:
        wait_for_port(self.process, self.port, self.log_path, seconds)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with contextlib.suppress(OSError, ValueError):
                if http(self.url("api/status")) is not None:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"JupyterLab never answered /api/status:\n{log_tail(self.log_path)}")

    def shutdown_kernels(self) -> None:
        """Stop every kernel, so one notebook's kernel does not slow the next on a small machine."""
        with contextlib.suppress(OSError, ValueError):
            for kernel in http(self.url("api/kernels")) or []:
                with contextlib.suppress(OSError, urllib.error.HTTPError):
                    http(self.url(f"api/kernels/{kernel['id']}"), method="DELETE", timeout=10)


# Hang guard for a server to listen; a busy 2-core machine needs well under a minute.
SERVER_START_SECONDS = 150


def jupyter_environment(home: Path) -> dict[str, str]:
    """Environment for the servers, with every Jupyter folder fresh and empty under ``home``."""
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
        (home / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(home / name)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    write_lab_settings(home / "settings")
    write_learner_view(home / "config")
    # Matplotlib's first import may print a font-cache notice to stderr; not in a notebook.
    subprocess.run(
        [sys.executable, "-c", "import matplotlib.font_manager"],
        env=env,
        check=False,
        timeout=120,
        capture_output=True,
    )
    return env


def start_lab(env: dict[str, str], logs_dir: Path, root: Path) -> LabServer:
    """A JupyterLab serving ``root`` on 127.0.0.1, ready; stop it with ``stop_server``."""
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
        f"--LabApp.user_settings_dir={env['JUPYTERLAB_SETTINGS_DIR']}",
        f"--LabApp.workspaces_dir={env['JUPYTERLAB_WORKSPACES_DIR']}",
        # Lab makes a checkpoint of every notebook it opens: keep them out of the repository.
        f"--FileCheckpoints.checkpoint_dir={env['JUPYTER_RUNTIME_DIR']}/checkpoints",
        # Nothing that reaches the network.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    process = start_server(command, log_path, env, cwd=root)
    lab = LabServer(process, port, token, root, log_path)
    try:
        lab.wait_ready(SERVER_START_SECONDS)
    except BaseException:
        stop_server(process)
        raise
    return lab


def start_voila(notebook: Path, env: dict[str, str], logs_dir: Path) -> tuple[Any, str]:
    """Voila serving ``notebook`` on 127.0.0.1: its process (for ``stop_server``) and URL."""
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
    process = start_server(command, log_path, env, cwd=notebook.parent)
    try:
        wait_for_port(process, port, log_path, SERVER_START_SECONDS)
    except BaseException:
        stop_server(process)
        raise
    return process, f"http://127.0.0.1:{port}/"


def write_lab_settings(settings_dir: Path) -> None:
    """User settings for a clean, quiet, read-only Lab.

    No autosave: running the course must never rewrite the notebooks in the repository.
    No news or update checks: they reach the network.
    """
    settings = {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "docmanager-extension/plugin": {"autosave": False},
    }
    for name, values in settings.items():
        path = settings_dir / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


# Installed for instructors by requirements-dev.txt, not for learners (requirements.txt):
# nbgrader's server and Lab extensions, and Notebook 7's Lab extension that nbgrader
# brings. Switched off here, so the browser tests see the Lab a learner sees.
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.validate_assignment",
    "nbgrader.server_extensions.assignment_list",
    "nbgrader.server_extensions.course_list",
)
INSTRUCTOR_LAB_EXTENSIONS = ("@jupyter/nbgrader", "@jupyter-notebook/lab-extension")


def write_learner_view(config_dir: Path) -> None:
    """Jupyter config that switches off the instructor-only extensions, if installed."""
    server = {
        "ServerApp": {"jpserver_extensions": dict.fromkeys(INSTRUCTOR_SERVER_EXTENSIONS, False)}
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server))
    page = {"disabledExtensions": dict.fromkeys(INSTRUCTOR_LAB_EXTENSIONS, True)}
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(page))


# ----------------------------------------------------------- kernel traffic


def decode_kernel_frame(payload: str | bytes) -> dict | None:
    """Decode one kernel websocket frame (JSON text, or the binary v1 protocol) to a message.

    >>> header = json.dumps({"msg_type": "status"}).encode()
    >>> content = json.dumps({"execution_state": "idle"}).encode()
    >>> parts = [b"iopub", header, b"{}", b"{}", content]
    >>> offsets, position = [], 8 * (len(parts) + 2)
    >>> for part in parts:
    ...     offsets.append(position)
    ...     position += len(part)
    >>> offsets.append(position)
    >>> frame = struct.pack(f"<{len(offsets) + 1}Q", len(offsets), *offsets) + b"".join(parts)
    >>> message = decode_kernel_frame(frame)
    >>> message["channel"], message["header"]["msg_type"], message["content"]
    ('iopub', 'status', {'execution_state': 'idle'})
    """
    try:
        if isinstance(payload, str):
            message = json.loads(payload)
            return message if isinstance(message, dict) and "channel" in message else None
        (count,) = struct.unpack_from("<Q", payload, 0)
        offsets = struct.unpack_from(f"<{count}Q", payload, 8)
        parts = [payload[offsets[i] : offsets[i + 1]] for i in range(count - 1)]
        return {
            "channel": parts[0].decode(),
            "header": json.loads(parts[1]),
            "parent_header": json.loads(parts[2]),
            "content": json.loads(parts[4]),
        }
    except (ValueError, IndexError, struct.error, UnicodeDecodeError):
        return None


@dataclass
class KernelTraffic:
    """What the kernels tell the page: errors, stderr and busy/idle.

    Read off the websocket frames the browser receives, so it catches exceptions
    raised in widget callbacks, which JupyterLab only shows in its log console
    and Voila does not show at all.
    """

    errors: list[str] = field(default_factory=list)
    # What cells wrote to stderr (warnings): reported, not failed on.
    stderr: list[str] = field(default_factory=list)
    # Errors from widget callbacks and other comm messages: no cell output shows these.
    callback_errors: list[str] = field(default_factory=list)
    _states: dict[str, str] = field(default_factory=dict)

    def attach(self, page: Page) -> None:
        page.on("websocket", self._on_socket)

    @property
    def idle(self) -> bool:
        return all(state == "idle" for state in self._states.values())

    def _on_socket(self, socket: WebSocket) -> None:
        if "/api/kernels/" not in socket.url:
            return
        key = socket.url
        socket.on("framereceived", lambda payload: self._on_frame(key, payload))
        socket.on("close", lambda _socket: self._states.pop(key, None))

    def _on_frame(self, key: str, payload: str | bytes) -> None:
        message = decode_kernel_frame(payload)
        if message is None or message["channel"] != "iopub":
            return
        kind = message["header"].get("msg_type")
        content = message["content"]
        cause = (message.get("parent_header") or {}).get("msg_type", "?")
        if kind == "status":
            self._states[key] = content.get("execution_state", "?")
        elif kind == "error":
            error = (
                f"kernel error during {cause}: {content.get('ename')}: {content.get('evalue')}\n"
                + trim_traceback("\n".join(content.get("traceback", [])))
            )
            self.errors.append(error)
            if cause != "execute_request":
                self.callback_errors.append(error)
        elif kind == "stream" and content.get("name") == "stderr" and cause == "execute_request":
            # Only what a cell prints: the widget manager's comm chatter ("No such comm")
            # goes to stderr too, but no learner ever sees it.
            self.stderr.append(content.get("text", ""))


# --------------------------------------------------------------- the page

PAGE_ERRORS_JS = """
(widgetTexts) => {
  const found = [];
  for (const out of document.querySelectorAll('.jp-OutputArea-output')) {
    const text = out.textContent || '';
    const mime = out.getAttribute('data-mime-type') || '';
    if (/Traceback|Error/.test(text) && (mime.includes('stderr') || text.includes('Traceback'))) {
      found.push('error output: ' + text.trim());
      continue;
    }
    for (const needle of widgetTexts) {
      if (text.includes(needle)) { found.push('error shown: ' + text.trim().slice(0, 500)); break; }
    }
  }
  return found;
}
"""

LAB_NOTEBOOK_STATE_JS = """
() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [];
  const model = panel.content.model;
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    if (cell.type !== 'code') continue;
    const errors = [];
    for (let j = 0; j < cell.outputs.length; j++) {
      const out = cell.outputs.get(j).toJSON();
      if (out.output_type === 'error') {
        errors.push(out.ename + ': ' + out.evalue + '\\n' + (out.traceback || []).join('\\n'));
      } else if (out.output_type === 'stream' && out.name === 'stderr') {
        const text = Array.isArray(out.text) ? out.text.join('') : out.text;
        if (/Traceback/.test(text)) errors.push(text);
      }
    }
    const source = cell.sharedModel.getSource();
    cells.push({index: i, count: cell.executionCount, state: cell.executionState || null,
                errors, blank: source.trim() === ''});
  }
  const prompts = Array.from(panel.node.querySelectorAll('.jp-InputArea-prompt'))
    .map(e => e.textContent.trim());
  const pendingWidgets = Array.from(panel.node.querySelectorAll('.jp-OutputArea-output'))
    .filter(o => (o.textContent || '').includes('Loading widget')).length;
  return {path: panel.context.path, ready: panel.context.isReady,
          kernel: kernel ? kernel.status : 'none', cells, prompts, pendingWidgets,
          count: model.cells.length, dialog: !!document.querySelector('.jp-Dialog')};
}
"""


def trim_traceback(text: str, lines: int = 25) -> str:
    r"""The last ``lines`` lines of a traceback, without terminal colours.

    >>> trim_traceback("\x1b[31mValueError\x1b[39m: bad\n" * 3, lines=2)
    'ValueError: bad\nValueError: bad'
    """
    return "\n".join(ANSI.sub("", text).strip().splitlines()[-lines:])


def page_errors(page: Page) -> list[str]:
    """Tracebacks and widget errors visible in any output area of the page."""
    return [trim_traceback(e) for e in page.evaluate(PAGE_ERRORS_JS, list(WIDGET_ERROR_TEXTS))]


def block_outside_requests(page: Page, blocked: list[str]) -> None:
    """Fail fast on anything not served from 127.0.0.1 (Voila's icon CDN, MathJax): no internet."""

    def outside(url: str) -> bool:
        return not url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))

    def abort(route) -> None:
        blocked.append(route.request.url)
        route.abort()

    page.route(outside, abort)


def watch_saves(page: Page, writes: list[str]) -> None:
    """Collect every request by which the page would write a file (save, rename, delete).

    Checkpoints are left out: the Lab fixture keeps them in a temporary folder.
    """

    def on_request(request) -> None:
        if (
            request.method in {"PUT", "PATCH", "POST", "DELETE"}
            and "/api/contents/" in request.url
            and "/checkpoints" not in request.url
        ):
            writes.append(f"{request.method} {request.url.split('?')[0]}")

    page.on("request", on_request)


def open_in_lab(page: Page, lab: LabServer, notebook: Path, deadline: Deadline) -> str:
    """Open ``notebook`` in a fresh workspace and wait for its kernel to be idle."""
    relative = notebook.resolve().relative_to(lab.root).as_posix()
    # A workspace of its own with ?reset: nothing from another test or session is restored.
    workspace = f"e2e-{notebook.stem}-{int(time.time() * 1000)}"
    page.goto(
        lab.url(f"lab/workspaces/{workspace}/tree/{quote(relative)}", query="reset"),
        wait_until="domcontentloaded",
        timeout=deadline.remaining_ms(ACTION_TIMEOUT_MS),
    )
    while True:
        state = page.evaluate(LAB_NOTEBOOK_STATE_JS)
        if state and state["dialog"]:
            # e.g. "Select Kernel" for a notebook saved without kernelspec metadata.
            page.locator(".jp-Dialog .jp-mod-accept").first.click(timeout=deadline.remaining_ms())
        elif state and state["path"] == relative and state["ready"] and state["kernel"] == "idle":
            return relative
        page.wait_for_timeout(200)
        deadline.remaining_ms()


def run_all_in_lab(page: Page, traffic: KernelTraffic, deadline: Deadline) -> list[str]:
    """Clear outputs, run all cells, wait until nothing is queued; return the problems found."""
    page.evaluate(
        """async () => {
          // Saved outputs (execution counts, dead widget views) must not count as this run.
          await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs');
          window.__e2eRunAll = {done: false};
          window.jupyterapp.commands.execute('notebook:run-all-cells').then(
            ok => { window.__e2eRunAll = {done: true, ok}; },
            err => { window.__e2eRunAll = {done: true, ok: false, error: String(err)}; });
        }"""
    )
    settled_polls = 0
    state = page.evaluate(LAB_NOTEBOOK_STATE_JS)
    while settled_polls < 3:
        page.wait_for_timeout(250)
        running = [c["index"] + 1 for c in state["cells"] if c["state"] == "running"]
        try:
            deadline.remaining_ms()
        except E2ETimeout as timeout:
            raise E2ETimeout(f"{timeout}; cells still running or queued: {running}") from None
        state = page.evaluate(LAB_NOTEBOOK_STATE_JS)
        run_all = page.evaluate("() => window.__e2eRunAll")
        queued = any(c["state"] == "running" for c in state["cells"]) or any(
            "*" in prompt for prompt in state["prompts"]
        )
        settled = (
            run_all["done"]
            and not queued
            and not state["pendingWidgets"]
            and state["kernel"] == "idle"
            and traffic.idle
        )
        settled_polls = settled_polls + 1 if settled else 0
    # Cells are numbered from 1, markdown included, as in the notebook's own order.
    where = f"of {state['count']}"
    problems = []
    for cell in state["cells"]:
        for error in cell["errors"]:
            problems.append(f"cell {cell['index'] + 1} {where}: {trim_traceback(error)}")
    if not problems:
        for cell in state["cells"]:
            if cell["count"] is None and not cell["blank"]:
                problems.append(f"cell {cell['index'] + 1} {where} did not run under Run All")
    return problems


VOILA_STATE_JS = """
() => {
  const cells = document.getElementById('rendered_cells');
  const outputs = Array.from(document.querySelectorAll('.jp-OutputArea-output'));
  return {
    app: !!window.jupyterapp,
    loading: !!document.getElementById('loading'),
    shown: !!cells && cells.style.display !== 'none',
    pendingWidgets: outputs.filter(o => (o.textContent || '').includes('Loading widget')).length,
  };
}
"""

CODE_ON_PAGE_JS = """
(sourceLines) => {
  const text = document.body.innerText;
  return {
    inputAreas: document.querySelectorAll(
      '.jp-CodeCell .jp-InputArea, .jp-InputPrompt, .cm-editor, .CodeMirror').length,
    lines: sourceLines.filter(line => text.includes(line)),
  };
}
"""


def open_in_voila(page: Page, url: str, traffic: KernelTraffic, deadline: Deadline) -> None:
    """Load a Voila dashboard and wait until its widgets are drawn and its kernel is idle."""
    # Voila streams the page while it executes the notebook, so "load" comes late; poll instead.
    page.goto(url, wait_until="commit", timeout=deadline.remaining_ms(ACTION_TIMEOUT_MS))
    stable = 0
    while stable < 3:
        page.wait_for_timeout(200)
        deadline.remaining_ms()
        state = page.evaluate(VOILA_STATE_JS)
        ready = (
            state["app"]
            and not state["loading"]
            and state["shown"]
            and not state["pendingWidgets"]
            and traffic.idle
        )
        stable = stable + 1 if ready else 0


def code_shown(page: Page, notebook: Path) -> list[str]:
    """What of the notebook's code is visible on the page (editors, prompts, source lines)."""
    import nbformat

    lines = []
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type == "code":
            # Short lines ("x = 1", "plt.show()") could appear in prose; long ones would not.
            lines += [line.strip() for line in cell.source.splitlines() if len(line.strip()) >= 20]
    found = page.evaluate(CODE_ON_PAGE_JS, lines)
    shown = [f"{found['inputAreas']} code input areas or prompts"] if found["inputAreas"] else []
    return shown + [f"source line on the page: {line!r}" for line in found["lines"]]


# ------------------------------------------------------------ the controls

# Each kind: the selector for one control, how a person operates it, how to read its value.
# Steps are ("press", key) on the focused control, ("pick", option index) as a mouse user
# picks from a list, or ("click", button index). No ArrowUp/ArrowDown: in JupyterLab those
# reach the notebook's own shortcuts and move the cell selection instead of the control.
CONTROL_KINDS = {
    "slider": {
        "selector": ".widget-slider .noUi-handle",
        "steps": [("press", "End"), ("press", "Home"), ("press", "ArrowRight")],
        "value": "el => el.getAttribute('aria-valuetext') ?? el.getAttribute('aria-valuenow')",
    },
    "dropdown": {
        "selector": ".widget-dropdown select",
        "steps": [("press", "End"), ("press", "Home"), ("pick", 1)],
        "value": "el => el.value",
    },
    "checkbox": {
        "selector": ".widget-checkbox input[type=checkbox]",
        "steps": [("press", "Space"), ("press", "Space")],
        "value": "el => String(el.checked)",
    },
    "toggle-buttons": {
        "selector": ".widget-toggle-buttons",
        "steps": [("click", -1), ("click", 0), ("click", 1)],
        "value": "el => String(Array.from(el.querySelectorAll('button')).findIndex("
        "b => b.classList.contains('mod-active')))",
    },
}

CONTROL_LABEL_JS = """
el => {
  const box = el.closest('.widget-slider, .widget-dropdown, .widget-checkbox,'
                         + ' .widget-toggle-buttons, .widget-inline-hbox');
  const texts = Array.from(box ? box.querySelectorAll('.widget-label, .widget-label-basic') : [])
    .map(label => label.textContent.replace(/\u200b/g, '').trim()).filter(Boolean);
  return texts[0] || el.getAttribute('aria-label') || '';
}
"""

SCROLL_TO_OUTPUT_JS = """
el => (el.closest('.jp-OutputArea-output') || el).scrollIntoView({block: 'start'})
"""

CONTROL_SKIPPED_JS = f"el => !!el.closest('.{SKIP_CLASS}')"

# Arm before a press: remember every generated picture (blob:/data: <img>) by content hash,
# note the moment the key (or click) reaches the page, and log every <img> src change after it.
ARM_PROBE_JS = """
async () => {
  if (window.__e2eProbe) window.__e2eProbe.stop();
  const digest = async (src) => {
    try {
      const bytes = await (await fetch(src)).arrayBuffer();
      const hash = await crypto.subtle.digest('SHA-256', bytes);
      return Array.from(new Uint8Array(hash)).map(b => b.toString(16).padStart(2, '0')).join('');
    } catch (e) { return 'unreadable:' + src; }
  };
  const pictures = () => Array.from(document.querySelectorAll('img'))
    .filter(img => /^(blob|data):/.test(img.src));
  const probe = {digest, pictures, inputAt: null, changes: [], before: new Map(), known: new Set()};
  for (const img of pictures()) {
    const hash = await digest(img.src);
    probe.before.set(img, hash);
    probe.known.add(hash);
  }
  const onInput = () => { if (probe.inputAt === null) probe.inputAt = performance.now(); };
  window.addEventListener('keydown', onInput, true);
  window.addEventListener('pointerdown', onInput, true);
  window.addEventListener('change', onInput, true);
  const record = (img) => {
    const entry = {img, at: performance.now(), shownAt: null};
    probe.changes.push(entry);
    // The learner sees the picture once it is decoded, not when its src is set.
    img.decode().catch(() => null).then(() => { entry.shownAt = performance.now(); });
  };
  const observer = new MutationObserver(records => {
    for (const r of records) {
      if (r.type === 'attributes') {
        if (r.target.tagName === 'IMG' && r.target.src !== r.oldValue) record(r.target);
      } else {
        for (const node of r.addedNodes) {
          if (node.nodeType !== 1) continue;
          const imgs = node.tagName === 'IMG' ? [node] : Array.from(node.querySelectorAll('img'));
          imgs.forEach(record);
        }
      }
    }
  });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                   attributeFilter: ['src'], attributeOldValue: true});
  probe.stop = () => {
    observer.disconnect();
    window.removeEventListener('keydown', onInput, true);
    window.removeEventListener('pointerdown', onInput, true);
    window.removeEventListener('change', onInput, true);
  };
  window.__e2eProbe = probe;
}
"""

PROBE_STATUS_JS = """
() => {
  const p = window.__e2eProbe;
  const last = p.changes.length ? Math.max(...p.changes.map(c => c.at)) : null;
  return {changes: p.changes.length, sinceLast: last === null ? null : performance.now() - last,
          sinceInput: p.inputAt === null ? null : performance.now() - p.inputAt};
}
"""

# After the picture settled: which pictures really differ (by content), and when the last of
# them was shown, counted from the key press.
FINISH_PROBE_JS = """
async () => {
  const p = window.__e2eProbe;
  p.stop();
  const changed = [];
  for (const img of p.pictures()) {
    const hash = await p.digest(img.src);
    const previous = p.before.get(img);
    if (previous === undefined ? !p.known.has(hash) : previous !== hash) changed.push(img);
  }
  const shown = p.changes.filter(c => changed.includes(c.img)).map(c => c.shownAt ?? c.at);
  return {changed: changed.length, pictures: p.before.size,
          latency: shown.length && p.inputAt !== null ? Math.max(...shown) - p.inputAt : null};
}
"""


@dataclass
class Press:
    control: str
    action: str
    value_before: str | None
    value_after: str | None
    latency_ms: float | None = None
    pictures_changed: int = 0
    problem: str | None = None


def _operate(control: Locator, step: tuple[str, str | int], deadline: Deadline) -> None:
    how, what = step
    timeout = deadline.remaining_ms(ACTION_TIMEOUT_MS)
    if how == "press":
        # Focus again each time: a redrawn view may have dropped it, as a person would notice.
        control.focus(timeout=timeout)
        control.page.keyboard.press(str(what))
    elif how == "pick":
        options = control.locator("option").count()
        control.select_option(index=min(int(what), options - 1), timeout=timeout)
    else:
        buttons = control.locator("button")
        index = int(what) % buttons.count() if int(what) < 0 else int(what)
        buttons.nth(min(index, buttons.count() - 1)).click(timeout=timeout)


def _wait_until_settled(page, traffic: KernelTraffic, expect_picture, errors_before, deadline):
    while True:
        page.wait_for_timeout(40)
        deadline.remaining_ms()
        status = page.evaluate(PROBE_STATUS_JS)
        since_input = status["sinceInput"] or 0
        if len(traffic.errors) > errors_before and traffic.idle:
            return
        if status["changes"]:
            if status["sinceLast"] >= QUIET_MS and traffic.idle:
                return
        elif not expect_picture and since_input >= QUIET_MS and traffic.idle:
            return
        if since_input >= PICTURE_TIMEOUT_MS:
            return


def exercise_controls(
    page: Page,
    traffic: KernelTraffic,
    shots: Path,
    deadline: Deadline,
) -> list[Press]:
    """Operate every control on the page as a person would and time the pictures they drive.

    Sliders get End, Home, ArrowRight on their focused handle; dropdowns End, Home and
    a pick of the second option; checkboxes Space twice; toggle buttons three clicks
    (see ``CONTROL_KINDS``). After each step that changed the control's value, some
    generated picture (an ``<img>`` with a blob: or data: source, such as a
    ``widgets.Image`` or a figure in an ``Output``) anywhere on the page must show
    different pixels, and no error may appear. Controls inside an element with CSS
    class ``e2e-skip`` are left alone. Screenshots go to ``shots``.
    """
    presses: list[Press] = []
    number = 0
    for kind_name, kind in CONTROL_KINDS.items():
        controls = page.locator(kind["selector"])
        for index in range(controls.count()):
            control = controls.nth(index)
            if control.evaluate(CONTROL_SKIPPED_JS):
                continue
            number += 1
            label = control.evaluate(CONTROL_LABEL_JS) or f"#{index}"
            name = f"{kind_name} '{label}'"
            stem = f"{number:02d}-{kind_name}-{slug(label)}"
            # Bring the whole output (control and, usually, its picture) on screen for the shots.
            control.evaluate(SCROLL_TO_OUTPUT_JS)
            control.scroll_into_view_if_needed(timeout=deadline.remaining_ms(ACTION_TIMEOUT_MS))
            page.screenshot(path=shots / f"{stem}-before.png", timeout=deadline.remaining_ms())
            for step in kind["steps"]:
                press = _press(page, traffic, control, kind, name, step, deadline)
                presses.append(press)
                if press.problem:
                    break  # One report per control; a dead control would only repeat it.
            page.screenshot(path=shots / f"{stem}-after.png", timeout=deadline.remaining_ms())
    return presses


def _press(page, traffic, control, kind, name, step, deadline) -> Press:
    errors_before = len(traffic.errors)
    shown_before = set(page_errors(page))
    value_before = control.evaluate(kind["value"])
    page.evaluate(ARM_PROBE_JS)
    _operate(control, step, deadline)
    value_after = control.evaluate(kind["value"])
    moved = value_after != value_before
    action = f"{step[0]} {step[1]}"
    press = Press(name, action, value_before, value_after)
    _wait_until_settled(page, traffic, moved, errors_before, deadline)
    result = page.evaluate(FINISH_PROBE_JS)
    press.pictures_changed = result["changed"]
    new_errors = traffic.errors[errors_before:]
    new_errors += [e for e in page_errors(page) if e not in shown_before]
    if new_errors:
        press.problem = "error after the change:\n" + "\n".join(new_errors)
    elif moved and not result["changed"]:
        press.problem = (
            f"value went {value_before} -> {value_after} but no picture changed within "
            f"{PICTURE_TIMEOUT_MS} ms ({result['pictures']} generated pictures on the page)"
        )
    elif moved and result["latency"] is None:
        press.problem = "the picture changed but the key press or click was never seen"
    elif moved:
        press.latency_ms = round(result["latency"], 1)
    return press


def slug(text: str) -> str:
    """A file-name-safe version of a label.

    >>> slug("Kernel size:")
    'kernel-size'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "control"


def fresh_folder(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path
