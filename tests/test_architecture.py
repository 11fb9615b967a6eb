"""The library keeps its shape: small modules, no private crossings, layers that import upward.

Read from the source with :mod:`ast`, not imported: a rule about what a module
imports must hold whether or not that import would succeed here.

Scope: every module of ``pooling_lib``, the exercise checkers included, for
the size and private-name rules; each layer's own list for what it may not
import; the fast and loop twins for their signatures.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from pooling_lib import adaptive, adaptive_loops, pooling, reference

LIBRARY = Path(__file__).resolve().parent.parent / "pooling_lib"
PACKAGE = LIBRARY / "exercises"
MODULES = sorted(PACKAGE.glob("*.py"))
LIBRARY_MODULES = sorted(LIBRARY.rglob("*.py"))
MAX_LINES = 800
# Over the size limit for a stated reason; an entry no longer needed fails its test.
OVERSIZE = {}
# Each layer and the top-level names its modules may never import, anywhere in
# the file (inside a function too): the maths runs without a display, and the
# pictures run without widgets.
MATHS = (
    "geometry",
    "pooling",
    "tiling",
    "blocks",
    "reference",
    "gradcheck",
    "maps",
    "nn",
    "training",
    "_checks",
    "data",
    "adaptive",
    "adaptive_loops",
    "modern_layers",
)
PICTURES = (
    "plots",
    "array_figures",
    "window_views",
    "flow_views",
    "check_views",
    "render",
    "glyphs",
    "captions",
    "style",
    "charts",
    "view_parts",
    "adaptive_views",
    "network_views",
    "presets",
)
WIDGETS = (
    "explorers",
    "explorer_base",
    "modern_explorers",
    "network_explorers",
    "check_explorers",
    "dashboard",
    "handout",
)
FORBIDDEN = {
    "maths": (MATHS, ("matplotlib", "ipywidgets", "pooling_lib.explorers")),
    "pictures": (PICTURES, ("ipywidgets", "pooling_lib.explorers", "pooling_lib.explorer_base")),
}
# Fast functions and their loop twins, which must share every signature.
TWINS = ((pooling, reference), (adaptive, adaptive_loops))
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


def module_id(path):
    return str(path.relative_to(LIBRARY))


@pytest.mark.parametrize("path", LIBRARY_MODULES, ids=module_id)
def test_no_module_is_over_800_lines(path):
    lines = len(path.read_text().splitlines())
    if module_id(path) in OVERSIZE:
        assert lines > MAX_LINES, f"{path.name} is {lines} lines now: drop it from OVERSIZE"
        return
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines: what is its second job?"


@pytest.mark.parametrize("path", LIBRARY_MODULES, ids=module_id)
def test_no_module_takes_a_private_name_from_another(path):
    assert private_crossings(path.read_text(), package_parts(path)) == []


def all_imports(source, package_parts):
    """Absolute names of every module ``source`` imports, at any depth, with what it names.

    Unlike :func:`module_level_imports`, imports inside functions count: a
    maths module that imports matplotlib on a call still needs it installed.
    """
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = absolute(node, package_parts)
            names += [target] + [f"{target}.{alias.name}" for alias in node.names]
    return names


def forbidden_imports(source, package_parts, forbidden):
    """The imports of ``source`` that are, or lie inside, one of the ``forbidden`` modules."""
    return sorted(
        {
            name
            for name in all_imports(source, package_parts)
            for banned in forbidden
            if name == banned or name.startswith(banned + ".")
        }
    )


@pytest.mark.parametrize(
    "layer, module",
    [(layer, module) for layer, (modules, _) in FORBIDDEN.items() for module in modules],
)
def test_no_layer_imports_what_it_must_run_without(layer, module):
    path = LIBRARY / f"{module}.py"
    assert forbidden_imports(path.read_text(), package_parts(path), FORBIDDEN[layer][1]) == []


def test_every_module_belongs_to_a_layer():
    # A new module must be placed in a layer, or it escapes the import rules.
    top = {path.stem for path in LIBRARY.glob("*.py")} - {"__init__"}
    assert top == set(MATHS) | set(PICTURES) | set(WIDGETS)


def test_forbidden_imports_are_found_at_any_depth():
    source = (
        "import numpy as np\nimport matplotlibx\nfrom .explorers import explore\n"
        "def show():\n    import matplotlib.pyplot as plt\n"
    )
    found = forbidden_imports(source, ("pooling_lib",), ("matplotlib", "pooling_lib.explorers"))
    assert found == ["matplotlib.pyplot", "pooling_lib.explorers", "pooling_lib.explorers.explore"]
    assert forbidden_imports(source, ("pooling_lib",), ("ipywidgets", "numpy.linalg")) == []


@pytest.mark.parametrize("fast, loops", TWINS, ids=lambda module: module.__name__)
def test_loop_and_fast_twins_share_their_signatures(fast, loops):
    assert loops.__all__ and set(loops.__all__) <= set(fast.__all__)
    for name in loops.__all__:
        assert inspect.signature(getattr(loops, name)) == inspect.signature(getattr(fast, name)), (
            name
        )


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
