"""The class demo's moments as presets: each sets every control of a dashboard section at once.

A preset is one row of the instructor's guide (``docs/instructor_guide.md``):
the 10-minute demo's steps 1 to 6 and the lesson's moments. It names the
controls the guide step moves (``changes``); applied, it puts those at the
step's values and every other control of the section back where the
section starts (:data:`STARTS`), so that a preset shows the same picture
whatever was clicked before.

The dashboard offers them as a row of buttons per section and reads one
from its page address: ``?step=4`` (a row of the demo's table) or
``?preset=ties-all`` (a preset's key); see :func:`from_query`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs

import numpy as np

from .geometry import output_shape
from .plots import digit_image

__all__ = [
    "DEMO_DIGIT",
    "PRESETS",
    "STARTS",
    "Preset",
    "first_ink_step",
    "from_query",
    "preset",
    "presets_for",
    "preset_values",
]

DEMO_DIGIT = 3001


def first_ink_step(digit=DEMO_DIGIT, kernel=2, stride=2):
    """The first window, row-major from 0, that holds any ink: where an animation has news.

    Parameters
    ----------
    digit : int, default 3001
        One of the bundled digits.
    kernel, stride : int, default 2
        Square window and step.

    Returns
    -------
    int
        0 if no window holds ink.

    Examples
    --------
    >>> first_ink_step(3001)
    22
    """
    image, _ = digit_image(digit)
    h_out, w_out = output_shape(*image.shape, kernel, stride)
    for step in range(h_out * w_out):
        i, j = divmod(step, w_out)
        window = image[i * stride : i * stride + kernel, j * stride : j * stride + kernel]
        if np.any(window > 0):
            return step
    return 0


def _stroke_step(digit=DEMO_DIGIT, kernel=2, stride=2, after=0):
    """The first window after ``after`` whose every cell is ink: a mean worth working out."""
    image, _ = digit_image(digit)
    h_out, w_out = output_shape(*image.shape, kernel, stride)
    for step in range(after, h_out * w_out):
        i, j = divmod(step, w_out)
        window = image[i * stride : i * stride + kernel, j * stride : j * stride + kernel]
        if np.all(window > 0) and np.ptp(window) > 0.2:
            return step
    return after


# Where each dashboard section starts: the factory's defaults on the demo digit.
STARTS = {
    "PoolingAnimation": {
        "digit": DEMO_DIGIT,
        "mode": "max",
        "kernel": 2,
        "stride": 2,
        "step": first_ink_step(),
    },
    "WindowExplorer": {
        "digit": DEMO_DIGIT,
        "channel": "digit",
        "mode": "max",
        "kernel_h": 2,
        "kernel_w": 2,
        "ceil_mode": False,
        "stride_h": 2,
        "stride_w": 2,
        "padding": 0,
        "dilation": 1,
    },
    "MaxMaskExplorer": {
        "digit": DEMO_DIGIT,
        "channel": "digit",
        "ties": "first",
        "kernel_h": 2,
        "kernel_w": 2,
        "padding": 0,
        "stride_h": 2,
        "stride_w": 2,
    },
    "GradientExplorer": {
        "digit": DEMO_DIGIT,
        "seed": 0,
        "kernel_h": 3,
        "kernel_w": 3,
        "stride_h": 2,
        "stride_w": 2,
        "row": 5,
        "col": 4,
    },
    "PipelineExplorer": {
        "digit": DEMO_DIGIT,
        "kernel_name": "vertical edges",
        "mode": "max",
        "shift_down": 0,
        "shift_right": 1,
        "pool": 2,
    },
}


@dataclass(frozen=True)
class Preset:
    """One moment of the demo or the lesson.

    Attributes
    ----------
    key : str
        Short name, as in ``?preset=KEY``.
    label : str
        The button's text.
    section : str
        The explorer class the preset is for, a key of :data:`STARTS`.
    changes : dict
        The controls the guide's step names, and their values.
    guide_step : int or None
        Row of the guide's 10-minute demo table (1 to 6), None for a lesson moment.
    """

    key: str
    label: str
    section: str
    changes: dict = field(default_factory=dict)
    guide_step: int | None = None


PRESETS = (
    Preset("play", "1 · play", "PoolingAnimation", {"step": first_ink_step()}, 1),
    Preset(
        "avg",
        "2 · avg on a stroke",
        "PoolingAnimation",
        {"mode": "avg", "step": _stroke_step(after=first_ink_step())},
        2,
    ),
    Preset("kernel-3", "3 · kernel 3", "WindowExplorer", {"kernel_h": 3, "kernel_w": 3}, 3),
    Preset(
        "kernel-5-stride-3",
        "lesson · k5 s3",
        "WindowExplorer",
        {"kernel_h": 5, "kernel_w": 5, "stride_h": 3, "stride_w": 3},
    ),
    Preset("ties-first", "4 · first", "MaxMaskExplorer", {"ties": "first"}, 4),
    Preset("ties-all", "4 · all", "MaxMaskExplorer", {"ties": "all"}),
    Preset("ties-split", "lesson · split", "MaxMaskExplorer", {"ties": "split"}),
    Preset("follow", "5 · on the stroke", "GradientExplorer", {"row": 6, "col": 5}, 5),
    Preset(
        "overlap",
        "stride 1",
        "GradientExplorer",
        {"stride_h": 1, "stride_w": 1, "row": 12, "col": 10},
    ),
    Preset("shift-1", "6 · shift 1", "PipelineExplorer", {"shift_right": 1}, 6),
    Preset("shift-2", "6 · shift 2", "PipelineExplorer", {"shift_right": 2}),
    Preset("pool-4", "6 · pool 4", "PipelineExplorer", {"pool": 4, "shift_right": 1}),
)


def presets_for(section):
    """The presets of one section (an explorer class name), in the guide's order.

    Examples
    --------
    >>> [p.key for p in presets_for("MaxMaskExplorer")]
    ['ties-first', 'ties-all', 'ties-split']
    """
    return tuple(p for p in PRESETS if p.section == section)


def preset(key):
    """The preset called ``key``.

    Raises
    ------
    ValueError
        If there is none; the message lists the keys.
    """
    for candidate in PRESETS:
        if candidate.key == key:
            return candidate
    keys = ", ".join(repr(p.key) for p in PRESETS)
    raise ValueError(f"preset must be one of {keys}, got {key!r}")


def preset_values(chosen):
    """Every control of the preset's section: its changes over the section's start.

    Examples
    --------
    >>> preset_values(preset("ties-all"))["ties"]
    'all'
    """
    return {**STARTS[chosen.section], **chosen.changes}


def from_query(query):
    """The preset a dashboard address asks for, or None.

    Parameters
    ----------
    query : str
        The address's query string, without ``?``: ``'step=4'`` picks the
        first preset of the guide's demo step 4, ``'preset=ties-all'`` one
        preset by key. Voila gives it to the kernel as ``QUERY_STRING``.

    Returns
    -------
    Preset or None
        None for an empty query or one that names neither.

    Raises
    ------
    ValueError
        If ``step`` is not a step of the guide's table or ``preset`` not a key.

    Examples
    --------
    >>> from_query("step=4").key, from_query("preset=pool-4").key, from_query("")
    ('ties-first', 'pool-4', None)
    """
    fields = parse_qs(query or "")
    if "preset" in fields:
        return preset(fields["preset"][0])
    if "step" in fields:
        text = fields["step"][0]
        steps = sorted({p.guide_step for p in PRESETS if p.guide_step is not None})
        for candidate in PRESETS:
            if text.isdigit() and candidate.guide_step == int(text):
                return candidate
        raise ValueError(f"step must be one of the guide's demo steps {steps}, got {text!r}")
    return None
