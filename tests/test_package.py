"""The package's front door: what `import pooling_lib` gives a notebook."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import pooling_lib


@pytest.mark.parametrize("name", pooling_lib._SUBMODULES)
def test_each_listed_submodule_is_that_module(name):
    module = getattr(pooling_lib, name)
    assert isinstance(module, types.ModuleType)
    assert module.__name__ == f"pooling_lib.{name}"


def test_widgets_load_only_when_an_explorer_is_asked_for():
    code = (
        "import sys, pooling_lib\n"
        "before = 'ipywidgets' in sys.modules\n"
        "pooling_lib.explorers\n"
        "print(before, 'ipywidgets' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


def test_unknown_attributes_say_so():
    with pytest.raises(AttributeError, match=r"module 'pooling_lib' has no attribute 'pool'"):
        pooling_lib.pool  # noqa: B018
