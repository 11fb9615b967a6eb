"""The class demo's dashboard: its sections, the preset its address asks for, its keys.

``notebooks/demo.ipynb`` (served by Voila) shows one section per cell::

    dashboard.section("WindowExplorer")

Each is an explorer in projector mode (``presentation=True``), set to where
the guide's demo starts (:data:`pooling_lib.presets.STARTS`), or to the
preset the page address names (``?step=4``, ``?preset=ties-all``), which
Voila passes to the kernel as the environment variable ``QUERY_STRING``.
:func:`keyboard` gives the presenter's keys.
"""

from __future__ import annotations

import os

from IPython.display import HTML

from . import explorers
from .presets import STARTS, from_query

__all__ = ["FACTORIES", "KEYS", "keyboard", "page_style", "section"]

FACTORIES = {
    "PoolingAnimation": explorers.pooling_animation,
    "WindowExplorer": explorers.window_explorer,
    "MaxMaskExplorer": explorers.max_mask_explorer,
    "GradientExplorer": explorers.gradient_explorer,
    "PipelineExplorer": explorers.pipeline_explorer,
}

# What each key does, for the guide and the page: the section is the one most in view.
# The Play widget's first button plays and pauses; its second (■) jumps to step 0 and
# is hidden on the projector.
KEYS = {
    "Space": "play or pause the animation (the step is kept)",
    "→ / ←": "one step on / back",
    "Home": "restart the animation at the first window with ink",
    "R": "reveal or hide the answer",
    "N / P": "next / previous section",
}

_KEYS_JS = """<script>
(function () {
  if (window.poolingKeys) { return; }
  window.poolingKeys = true;
  function inView() {
    let best = null, most = 0;
    for (const box of document.querySelectorAll('.pooling-projector')) {
      const r = box.getBoundingClientRect();
      const shown = Math.min(r.bottom, window.innerHeight) - Math.max(r.top, 0);
      if (shown > most) { most = shown; best = box; }
    }
    return best;
  }
  function jump(direction) {
    const headings = Array.from(document.querySelectorAll('h2'));
    const tops = headings.map(h => h.getBoundingClientRect().top);
    const index = direction > 0
      ? tops.findIndex(t => t > 5) : tops.map(t => t < -5).lastIndexOf(true);
    if (index >= 0) { headings[index].scrollIntoView({block: 'start'}); }
  }
  document.addEventListener('keydown', function (event) {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target.closest && target.closest('.widget-slider, input, select, textarea')) { return; }
    const section = inView();
    function press(selector) {
      const button = section && section.querySelector(selector);
      if (!button) { return; }
      button.click();
      event.preventDefault();
      if (document.activeElement) { document.activeElement.blur(); }
    }
    const key = event.key.toLowerCase();
    if (key === ' ') {
      press('.widget-play button');
    } else if (key === 'arrowright') { press('.pooling-next');
    } else if (key === 'arrowleft') { press('.pooling-previous');
    } else if (key === 'home') { press('.pooling-restart');
    } else if (key === 'r') { press('.pooling-reveal');
    } else if (key === 'n') { jump(1); event.preventDefault();
    } else if (key === 'p') { jump(-1); event.preventDefault(); }
  });
  const target = document.querySelector('.pooling-asked');
  if (target) { setTimeout(() => target.scrollIntoView({block: 'center'}), 300); }
})();
</script>"""


def keyboard():
    """The presenter's keys (:data:`KEYS`) for the dashboard, as an HTML script.

    Returns
    -------
    IPython.display.HTML
        Shown in Voila it installs the keys once; it shows nothing itself.
    """
    return HTML(_KEYS_JS)


def page_style():
    """Headings and prose large enough for a projector, in Voila only (``body[data-voila]``).

    Returns
    -------
    IPython.display.HTML
    """
    markdown = "body[data-voila] .jp-RenderedMarkdown"
    return HTML(
        f"<style>{markdown} h1 {{font-size: 40px; margin: 0.2em 0}} "
        f"{markdown} h2 {{font-size: 30px; margin: 0.3em 0 0.2em 0}} "
        f"{markdown} p {{font-size: 21px; margin: 0 0 0.3em 0}}</style>"
    )


def section(name, query=None):
    """One dashboard section: an explorer for a projector, at the demo's start or a preset.

    Parameters
    ----------
    name : str
        The explorer's class name, a key of :data:`FACTORIES`.
    query : str, optional
        The page address's query string; default the ``QUERY_STRING``
        environment variable, which Voila sets. A preset for this section
        is applied, and the section marked so that the page scrolls to it.

    Returns
    -------
    pooling_lib.explorer_base.Explorer

    Raises
    ------
    ValueError
        If ``name`` is not a section, or the query names an unknown preset.

    Examples
    --------
    >>> section("MaxMaskExplorer", query="preset=ties-all").ties.value
    'all'
    """
    if name not in FACTORIES:
        names = ", ".join(repr(key) for key in FACTORIES)
        raise ValueError(f"name must be one of {names}, got {name!r}")
    asked = from_query(os.environ.get("QUERY_STRING", "") if query is None else query)
    explorer = FACTORIES[name](presentation=True)
    with explorer.hold_render():
        for control, value in STARTS[name].items():
            explorer.controls[control].value = value
        if asked is not None and asked.section == name:
            explorer.apply_preset(asked.key)
            explorer.add_class("pooling-asked")
    return explorer
