"""pooling_lib: max and average pooling from scratch in NumPy, and the pictures that explain it.

The layout is the original article's, (m, h, w, c): a batch of ``m`` maps of
height ``h``, width ``w`` and ``c`` channels. The semantics are PyTorch's
``max_pool2d`` and ``avg_pool2d``, option for option.

Modules, one idea each, in layers (each imports only from the layers above it):

* maths: ``geometry`` (where windows fall, output sizes, what is padding),
  ``adaptive`` and ``adaptive_loops`` (adaptive pooling and max unpooling,
  fast and with loops), ``modern_layers`` (global average, adaptive and
  anti-aliased pooling as network layers),
  ``pooling`` (the fast forward and backward passes, exported here),
  ``reference`` (the same with loops, as the notebooks build them),
  ``gradcheck`` (numeric gradients and relative errors), ``maps`` (what the
  pictures compute: convolution, shifts, window values, winners), ``nn`` (the
  layers of a small CNN whose pooling layer is this library's) and
  ``training`` (its loss, optimisers and training loop).
* data: ``data``, the bundled MNIST digits or your own.
* pictures: ``plots`` (the pictures of windows, winners and gradients, built
  from ``array_figures``, ``window_views``, ``flow_views``, ``render``,
  ``glyphs``, ``captions`` and ``style``) and ``charts`` (line and bar charts
  of measurements and galleries of small images); ``adaptive_views``
  (adaptive windows and what unpooling puts back), ``check_views`` (a
  gradient check window by window) and ``presets`` (the class demo's moments).
* widgets: ``explorers``, the same pictures behind sliders (with
  ``check_explorers``, the gradient check); ``modern_explorers``, the
  adaptive windows behind an output-size slider; ``network_explorers``, a
  trained network's maps and gradients (drawn by ``network_views``);
  ``dashboard``, the class demo built from them; and ``handout``, its slides
  and handout as PDF files.
* ``exercises``: checkers that run a learner's code on the cases that catch
  the classic mistakes.
"""

import importlib

from .adaptive import (
    adaptive_max_indices,
    adaptive_pool_backward,
    adaptive_pool_forward,
    max_unpool,
)
from .data import load_mnist, two_channel
from .geometry import PoolGeometry, PoolingOptionError, output_shape, pool_geometry
from .pooling import default_threads, max_pool_winners, pool_backward, pool_forward, set_threads

__all__ = [
    "PoolGeometry",
    "PoolingOptionError",
    "adaptive_max_indices",
    "adaptive_pool_backward",
    "adaptive_pool_forward",
    "default_threads",
    "load_mnist",
    "max_pool_winners",
    "max_unpool",
    "output_shape",
    "pool_backward",
    "pool_forward",
    "pool_geometry",
    "set_threads",
    "two_channel",
]
__version__ = "0.1.0"

_SUBMODULES = (
    "adaptive",
    "adaptive_loops",
    "adaptive_views",
    "charts",
    "dashboard",
    "data",
    "exercises",
    "explorers",
    "geometry",
    "gradcheck",
    "handout",
    "maps",
    "modern_explorers",
    "modern_layers",
    "network_explorers",
    "nn",
    "plots",
    "pooling",
    "reference",
    "style",
    "training",
)


def __getattr__(name):
    """Import a submodule on first use, so ``pooling_lib.explorers`` works after
    ``import pooling_lib`` without making every user pay for the widgets."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'pooling_lib' has no attribute {name!r}")
