"""The pictures layer keeps its shape: one job per module, maths apart from drawing, no GUI.

Read from the source with :mod:`ast`, so that a rule is checked without
importing (and so without starting) anything it forbids.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pooling_lib"
# The modules that draw, and the ones they need; explorers wraps them in widgets.
PICTURES = (
    "render",
    "glyphs",
    "array_figures",
    "captions",
    "charts",
    "check_views",
    "flow_views",
    "maps",
    "plots",
    "style",
    "view_parts",
    "window_views",
    "adaptive_views",
    "network_views",
    "presets",
)
# Arrays and words only: the notebooks' maths, testable without a plotting library.
MATHS = ("captions", "maps", "tiling", "blocks")
# Marking: the checkers' cases in parts worth points; it calls the checkers, draws nothing.
GRADING = ("exercises/grading",)
OURS = (
    *PICTURES,
    "explorer_base",
    "explorers",
    "modern_explorers",
    "network_explorers",
    "check_explorers",
    "dashboard",
    "handout",
    *GRADING,
)
MAX_LINES = 800


def source(module):
    return (PACKAGE / f"{module}.py").read_text()


def imported_modules(text):
    """Every module ``text`` imports, absolute (``matplotlib.lines``) or relative (``.maps``)."""
    found = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.add(base)
            if not node.module:
                found.update("." * node.level + alias.name for alias in node.names)
    return found


def private_imports(text):
    """``(line, name)`` for every ``_private`` name imported from another module."""
    return [
        (node.lineno, alias.name)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.ImportFrom) and node.module != "__future__"
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]


def names_root(modules, root):
    return sorted(m for m in modules if m == root or m.startswith(root + "."))


def relative(modules, name):
    return sorted(
        m for m in modules if m.lstrip(".") == name or m.lstrip(".").startswith(name + ".")
    )


@pytest.mark.parametrize("module", PICTURES)
def test_the_pictures_never_import_widgets_or_explorers(module):
    modules = imported_modules(source(module))
    assert names_root(modules, "ipywidgets") == []
    assert relative(modules, "explorers") == []
    assert names_root(modules, "pooling_lib.explorers") == []


@pytest.mark.parametrize("module", MATHS)
def test_the_maths_modules_never_import_matplotlib(module):
    assert names_root(imported_modules(source(module)), "matplotlib") == []


def test_importing_the_maths_loads_no_matplotlib():
    # The rule above is per module; this one follows every import they make.
    code = (
        "import sys, pooling_lib.maps, pooling_lib.captions; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("module", GRADING)
def test_grading_draws_nothing(module):
    modules = imported_modules(source(module))
    assert names_root(modules, "matplotlib") == [] and names_root(modules, "ipywidgets") == []


@pytest.mark.parametrize("module", OURS)
def test_no_module_imports_another_modules_private_name(module):
    assert private_imports(source(module)) == []


@pytest.mark.parametrize("module", OURS)
def test_no_module_is_over_800_lines(module):
    assert len(source(module).splitlines()) <= MAX_LINES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from .render import _View, figure_png\n", [(1, "_View")]),
        ("from pooling_lib.geometry import to_pair, _is_int\n", [(1, "_is_int")]),
        ("from __future__ import annotations\nfrom .maps import window_values\n", []),
        ("import pooling_lib.render\n", []),
    ],
)
def test_private_imports_are_found(text, expected):
    assert private_imports(text) == expected


@pytest.mark.parametrize(
    ("text", "root", "expected"),
    [
        ("import matplotlib as mpl\n", "matplotlib", ["matplotlib"]),
        ("from matplotlib.lines import Line2D\n", "matplotlib", ["matplotlib.lines"]),
        ("import ipywidgets.widgets\n", "ipywidgets", ["ipywidgets.widgets"]),
        ("import matplotlibx\n", "matplotlib", []),
    ],
)
def test_imports_are_found(text, root, expected):
    assert names_root(imported_modules(text), root) == expected


def test_relative_imports_are_found():
    assert relative(imported_modules("from . import explorers\n"), "explorers") == [".explorers"]
    assert relative(imported_modules("from .explorers import Explorer\n"), "explorers") == [
        ".explorers"
    ]
