"""Set-up shared by the whole test run, notebooks included, wherever pytest is started.

- Matplotlib builds its font cache on first import and says so on stderr, which
  strict nbval would count as an unexpected output. Building it here, in the
  pytest process, before any notebook kernel starts, keeps that message out.
- nbval reads its sanitize file relative to the current directory; the default
  here is an absolute path, so a run from ``notebooks/`` or from another folder
  finds it too.
- The 95 % coverage gate applies to the full run only (``pytest`` from the
  repository root with no path arguments, ``-k``, ``-m``, ``--deselect`` or ``--lf``).
  A run of one file, one folder or a selection measures only part of the library,
  so it passes when its tests pass.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.font_manager  # noqa: F401
import pytest

ROOT = Path(__file__).resolve().parent
SANITIZE_FILE = ROOT / "notebooks" / "nbval_sanitize.cfg"
COVERAGE_FAIL_UNDER = 95.0


def full_run(config: pytest.Config) -> bool:
    """True when pytest runs all of ``testpaths``: no path given and no test deselected."""
    option = config.option
    selected = (
        getattr(option, "keyword", "")
        or getattr(option, "markexpr", "")
        or getattr(option, "deselect", None)
        or getattr(option, "lf", False)
    )
    return config.args_source == pytest.Config.ArgsSource.TESTPATHS and not selected


def _set_sanitize_file(config: pytest.Config) -> None:
    if not hasattr(config.option, "nbval_sanitize_with"):
        return  # nbval is not installed: no notebook tests to sanitize
    given = config.option.nbval_sanitize_with
    if given is None:
        config.option.nbval_sanitize_with = str(SANITIZE_FILE)
    elif not Path(given).is_file() and (config.rootpath / given).is_file():
        # A path written relative to the repository root, as in the instructor's guide.
        config.option.nbval_sanitize_with = str(config.rootpath / given)


def _set_coverage_gate(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller combines the data and applies the gate
    if not full_run(config):
        return
    if getattr(config.option, "no_cov", False):
        return  # switched off on purpose with --no-cov
    plugin = config.pluginmanager.getplugin("_cov")
    if plugin is None:
        raise pytest.UsageError(
            "the full test run measures coverage of pooling_lib and needs pytest-cov "
            "with --cov=pooling_lib (see addopts in pyproject.toml): "
            "pip install -r requirements-dev.txt"
        )
    # pytest-cov reads the threshold after the tests ran; a --cov-fail-under given on the
    # command line wins (coverage's own default, when none is configured, is 0).
    if not plugin.options.cov_fail_under:
        plugin.options.cov_fail_under = COVERAGE_FAIL_UNDER


def pytest_configure(config: pytest.Config) -> None:
    _set_sanitize_file(config)
    _set_coverage_gate(config)
