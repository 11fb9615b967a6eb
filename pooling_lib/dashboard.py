"""The class demo's dashboard: its sections, the preset its address asks for, its keys.

``notebooks/demo.ipynb`` (served by Voila) shows one section per cell::

    dashboard.section("WindowExplorer")

Each is an explorer in projector mode (``presentation=True``), set to where
the guide's demo starts (:data:`pooling_lib.presets.STARTS`), or to the
preset the page address names (``?step=4``, ``?preset=ties-all``), which
Voila passes to the kernel (:func:`follow_address`, the notebook's last cell).
:func:`keyboard` gives the presenter's keys.
"""

from __future__ import annotations

import os

from IPython.display import HTML

from . import explorers
from .presets import STARTS, from_query

__all__ = ["FACTORIES", "KEYS", "follow_address", "keyboard", "page_style", "section"]

FACTORIES = {
    "PoolingAnimation": explorers.pooling_animation,
    "WindowExplorer": explorers.window_explorer,
    "MaxMaskExplorer": explorers.max_mask_explorer,
    "GradientExplorer": explorers.gradient_explorer,
    "PipelineExplorer": explorers.pipeline_explorer,
}

# The sections built last, by name, for follow_address.
_BUILT = {}

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
  // The section the address asks for is marked once the kernel has applied its preset.
  let tries = 0;
  const find = setInterval(function () {
    const target = document.querySelector('.pooling-asked');
    if (target || ++tries > 60) { clearInterval(find); }
    if (target) { target.scrollIntoView({block: 'end'}); }
  }, 500);
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


def section(name, query=""):
    """One dashboard section: an explorer for a projector, at the demo's start or a preset.

    Parameters
    ----------
    name : str
        The explorer's class name, a key of :data:`FACTORIES`.
    query : str, default ''
        A page address's query string; a preset it names for this section
        is applied, and the section marked so that the page scrolls to it.
        The dashboard leaves it empty and calls :func:`follow_address` once
        every section is built.

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
    start = STARTS[name]
    # Built at the start where the factory takes it, so that the first picture is the one shown.
    given = {key: start[key] for key in ("digit", "step") if key in start}
    explorer = FACTORIES[name](**given, presentation=True)
    if explorer.state() != start:
        with explorer.hold_render():
            for control, value in start.items():
                explorer.controls[control].value = value
    _BUILT[name] = explorer
    _apply(explorer, from_query(query))
    return explorer


def _apply(explorer, asked):
    if asked is not None and asked.section == type(explorer).__name__:
        explorer.apply_preset(asked.key)
        explorer.add_class("pooling-asked")


def _address_query():
    """The page address's query string, as Voila gives it; '' outside Voila.

    A preheated Voila kernel runs the notebook before anyone asks for the page;
    ``voila.utils.get_query_string`` waits for the request there, and returns
    at once otherwise.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        # Importing Voila takes seconds; only a preheated kernel needs it.
        return os.environ.get("QUERY_STRING", "")
    from voila.utils import get_query_string

    return get_query_string() or ""


def follow_address(query=None):
    """Apply the preset the page address asks for (``?step=4``, ``?preset=ties-all``).

    Call it after every section is built: with Voila's preheated kernels
    (``--preheat_kernel=True``) the sections are drawn before the page is
    asked for, and only this waits for the address.

    Parameters
    ----------
    query : str, optional
        Default: the address Voila passes (``QUERY_STRING``).

    Returns
    -------
    pooling_lib.presets.Preset or None
        The preset applied, if any.
    """
    asked = from_query(_address_query() if query is None else query)
    if asked is not None and asked.section in _BUILT:
        _apply(_BUILT[asked.section], asked)
    return asked
