"""The exercise checkers' package keeps its shape: small modules, no private crossings, no GUI.

Read from the source with :mod:`ast`, not imported: a rule about what a module
imports must hold whether or not that import would succeed here.

Scope: every module of ``pooling_lib/exercises/``, and for the GUI rule the
modules of ``pooling_lib`` that importing the package loads. The rest of
``pooling_lib`` is not covered by the private-name rule yet.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parent.parent / "pooling_lib"
PACKAGE = LIBRARY / "exercises"
MODULES = sorted(PACKAGE.glob("*.py"))
MAX_LINES = 800
# Importing the checkers must not start a plotting backend or the widget machinery.
GUI_MODULES = ("matplotlib.pyplot", "ipywidgets")


def is_private(name):
    return name.startswith("_") and not name.startswith("__")


def private_crossings(source, package_parts):
    """``(line, text)`` for every private name ``source`` takes from another module.

    Two ways count: ``from .x import _y`` (or ``from pooling_lib.x import _y``),
    and ``x._y`` where ``x`` names a module of the library bound by ``from . import
    x`` or ``import pooling_lib.x as x``. ``package_parts`` is the importing
    module's package, e.g. ``("pooling_lib", "exercises")``, to resolve ``..``.
    """
    tree = ast.parse(source)
    found, modules = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = absolute(node, package_parts)
            if target.split(".")[0] != "pooling_lib":
                continue
            for alias in node.names:
                if is_private(alias.name):
                    found.append((node.lineno, f"from {target} import {alias.name}"))
                elif node.module is None:
                    modules.add(alias.asname or alias.name)  # `from . import runner`
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "pooling_lib":
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and is_private(node.attr)
        ):
            found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return sorted(found)


def absolute(node, package_parts):
    """The absolute name of the module an ``ImportFrom`` reads."""
    if node.level == 0:
        return node.module or ""
    base = list(package_parts[: len(package_parts) - node.level + 1])
    return ".".join(base + ([node.module] if node.module else []))


def module_level_imports(source, package_parts):
    """Absolute names of the modules ``source`` imports when it is itself imported.

    Imports inside functions run later, on a call, and are left out.
    """
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = absolute(node, package_parts)
            names.append(target)
            # `from . import x` and `from matplotlib import pyplot` import x and pyplot.
            names += [f"{target}.{alias.name}" for alias in node.names]
    return names


def package_parts(path):
    """The package a file's relative imports start from: its folder, ``__init__`` or not."""
    return path.relative_to(LIBRARY.parent).parent.parts


def library_path(name):
    """The file of the library module ``name``, or None if it is not one."""
    parts = name.split(".")
    if parts[0] != "pooling_lib":
        return None
    base = LIBRARY.parent.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def loaded_by_import(start):
    """Every library file importing ``start`` runs, its packages' ``__init__`` included."""
    seen, todo = set(), list(start)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        parts = package_parts(path)
        for depth in range(1, len(parts) + 1):  # a module's packages run first
            todo.append(LIBRARY.parent.joinpath(*parts[:depth], "__init__.py"))
        for name in module_level_imports(path.read_text(), parts):
            target = library_path(name)
            if target is not None:
                todo.append(target)
    return seen


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_module_is_over_800_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: what is its second job?"


# Covers pooling_lib/exercises/ only: plots.py and explorers.py still import
# private names from _render.py, for a later change to fix.
@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_no_module_takes_a_private_name_from_another(path):
    assert private_crossings(path.read_text(), package_parts(path)) == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from .runner import _call\n", [(1, "from pooling_lib.exercises.runner import _call")]),
        ("from ..geometry import _pair\n", [(1, "from pooling_lib.geometry import _pair")]),
        ("from . import runner\nrunner._within(1, f)\n", [(2, "runner._within")]),
        ("import pooling_lib.pooling as p\np._planes(x)\n", [(2, "p._planes")]),
        ("from .runner import run_checker\nfrom . import TIME_LIMIT\n", []),
        ("import numpy as np\nnp._NoValue\n", []),  # not the library's
        ("from .cases import Case\nCase._fields\n", []),  # a class, not a module
    ],
)
def test_private_crossings_are_found(source, expected):
    assert private_crossings(source, ("pooling_lib", "exercises")) == expected


def test_importing_the_checkers_loads_no_plotting_or_widgets():
    loaded = loaded_by_import(MODULES)
    # The walk reaches beyond the package: the maths the checkers compare with.
    assert LIBRARY / "pooling.py" in loaded and LIBRARY / "__init__.py" in loaded
    for path in loaded:
        for name in module_level_imports(path.read_text(), package_parts(path)):
            assert not name.startswith(GUI_MODULES), f"{path.name} imports {name}"


def test_module_level_imports_see_plotting_and_skip_functions():
    source = (
        "from matplotlib import pyplot\nimport ipywidgets as w\n"
        "def show():\n    import matplotlib.pyplot as plt\n"
    )
    names = module_level_imports(source, ("pooling_lib",))
    assert "matplotlib.pyplot" in names and "ipywidgets" in names
    assert names.count("matplotlib.pyplot") == 1
