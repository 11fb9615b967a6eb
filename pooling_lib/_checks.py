"""Validation at the public edge, shared by the fast and the reference versions.

Every message names the parameter, shows the value and says what would work,
so a learner can fix the call without reading this file.

What is refused, and why (PyTorch's ``max_pool2d`` / ``avg_pool2d`` refuse the
same calls unless noted):

* ``A_prev`` that is not 4-D ``(m, h, w, c)``, holds no numbers, or is a
  masked array (its mask would silently be pooled as data; PyTorch has no
  masks). Zero height, width or channels are refused; an empty batch
  ``m = 0`` is allowed and gives an empty result, as in PyTorch.
* ``kernel_shape``, ``stride``, ``padding``, ``dilation`` that are not an int
  or an ordered pair of ints: bools, floats, dicts and sets are refused; NumPy
  integers are ints.
* Options the chosen mode would ignore: ``divisor_override`` or
  ``count_include_pad=False`` with ``mode='max'`` (``max_pool2d`` has no such
  arguments), ``ties`` other than ``'first'`` with ``mode='avg'``.

The public functions check their keywords with :func:`prepare` and
:func:`prepare_backward` and pass the maths one :class:`PoolOptions`. The
pictures, which must also draw options the library refuses, pass a
:class:`PoolRequest` (the options as given) and check it with
:meth:`PoolRequest.check`, by the same checks.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import warnings
from dataclasses import MISSING, dataclass, fields, replace

import numpy as np

from .geometry import PoolGeometry, PoolingOptionError, check_bool, pool_geometry, to_pair

MODES = ("max", "avg")
TIES = ("first", "all", "split")


def renamed_keyword(old, new):
    """Decorate a function whose keyword ``old`` is now called ``new``.

    ``old=`` still works, with a ``DeprecationWarning`` that names ``new``;
    passing both (``new`` by keyword or by position) is a ``TypeError`` that
    names both, since either could be the one meant.

    Examples
    --------
    >>> @renamed_keyword("kernel", "kernel_shape")
    ... def area(kernel_shape=2):
    ...     return kernel_shape**2
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     area(kernel=3), str(caught[0].message)
    (9, 'area(): kernel= is deprecated; use kernel_shape= instead')
    >>> area(4, kernel=3)
    Traceback (most recent call last):
    ...
    TypeError: area() got both kernel_shape= and kernel=, its old name; pass only kernel_shape=
    """

    def decorate(function):
        signature = inspect.signature(function)
        name = function.__qualname__.removesuffix(".__init__")

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if old in kwargs:
                if new in kwargs or new in signature.bind_partial(*args).arguments:
                    raise TypeError(
                        f"{name}() got both {new}= and {old}=, its old name; pass only {new}="
                    )
                warnings.warn(
                    f"{name}(): {old}= is deprecated; use {new}= instead",
                    DeprecationWarning,
                    stacklevel=2,
                )
                kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper

    return decorate


def as_float_array(value, name, ndim=None, layout="(m, h, w, c)"):
    """``value`` as a floating ndarray: floats keep their dtype, ints and bools become float64.

    The result may share memory with ``value``; callers never write into it.
    Masked arrays are refused: ``np.asarray`` would drop the mask and pool the
    hidden values as if they were data.
    """
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} must be a plain array, got a masked array (mask of shape "
            f"{np.shape(value.mask)}); pooling would treat the masked cells as data. Fill them "
            f"first: {name}.filled(-np.inf) keeps them from winning a max, "
            f"{name}.filled(0) adds nothing to an average"
        )
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"{name} must be a numeric array, got {type(value).__name__}: {error}"
        ) from error
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(
            f"{name} must hold real numbers, got complex dtype {array.dtype}; pool the real "
            "and imaginary parts separately, or take np.abs first"
        )
    if kind in "iub":
        array = array.astype(np.float64)
    elif kind != "f":
        raise TypeError(
            f"{name} must hold numbers, got dtype {array.dtype}; convert it with "
            "np.asarray(..., dtype=float)"
        )
    if ndim is not None and array.ndim != ndim:
        hint = ""
        if array.ndim == 2:
            hint = "; for one grey image use A[None, :, :, None]"
        elif array.ndim == 3:
            hint = "; for a batch of grey images (m, h, w) use A[..., None]"
        raise ValueError(
            f"{name} must have {ndim} dimensions {layout}, got shape {array.shape}{hint}"
        )
    return array


def check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise PoolingOptionError(
            f"{name} must be one of {options}, got {value!r}",
            parameter=name,
            value=value,
            rule="choice",
            limit=tuple(choices),
        )
    return value


def check_divisor(divisor_override):
    """None, or a non-zero int that fits PyTorch's int64 (it accepts negative divisors too)."""
    if divisor_override is None:
        return None
    if not isinstance(divisor_override, numbers.Integral) or isinstance(
        divisor_override, bool | np.bool_
    ):
        raise TypeError(f"divisor_override must be None or an int, got {divisor_override!r}")
    if divisor_override == 0:
        raise PoolingOptionError(
            "divisor_override must not be 0",
            "use None to divide by the number of cells in each window",
            parameter="divisor_override",
            value=0,
            rule="non_zero",
        )
    if abs(divisor_override) >= 2**63:
        raise PoolingOptionError(
            f"divisor_override must fit in 64 bits, got {divisor_override}",
            "PyTorch's divisor is a 64-bit integer; for the plain average of the window, use None",
            parameter="divisor_override",
            value=int(divisor_override),
            rule="int64",
            limit=2**63 - 1,
        )
    return int(divisor_override)


def check_mode_options(mode, count_include_pad, divisor_override):
    """Refuse average-only options with ``mode='max'``, which would silently ignore them.

    ``count_include_pad`` defaults to True, so only an explicit False can be
    told apart from the default and refused.
    """
    if mode != "max":
        return
    for name, value, ignored in (
        ("divisor_override", divisor_override, divisor_override is not None),
        ("count_include_pad", count_include_pad, not count_include_pad),
    ):
        if ignored:
            raise PoolingOptionError(
                f"{name}={value!r} applies to mode='avg' only",
                "mode='max' would ignore it (PyTorch's max_pool2d has no such argument): "
                "drop it, or use mode='avg'",
                parameter=name,
                value=value,
                rule="other_mode",
                mode=mode,
            )


def _checked_mode(mode, count_include_pad, divisor_override):
    """Check ``mode`` and the average's options; return them as plain values."""
    check_choice(mode, "mode", MODES)
    count_include_pad = check_bool(count_include_pad, "count_include_pad")
    divisor_override = check_divisor(divisor_override)
    check_mode_options(mode, count_include_pad, divisor_override)
    return count_include_pad, divisor_override


def check_ties(ties, mode):
    """Refuse a tie policy that is not one of :data:`TIES`, or not 'first' with ``mode='avg'``."""
    check_choice(ties, "ties", TIES)
    if mode == "avg" and ties != "first":
        raise PoolingOptionError(
            f"ties={ties!r} applies to mode='max' only",
            "mode='avg' would ignore it (every cell of an average's window gets its share): "
            "drop it, or use mode='max'",
            parameter="ties",
            value=ties,
            rule="other_mode",
            mode=mode,
        )
    return ties


@dataclass(frozen=True)
class PoolOptions:
    """One call's pooling options, checked once and passed whole to the maths.

    Built by :func:`prepare` from the public PyTorch-style keywords; the fast
    and the loop versions read their options from it, never from a list of
    positional arguments.

    Attributes
    ----------
    geometry : PoolGeometry
        Where the windows fall on this input: ``kernel_shape``, ``stride``,
        ``padding``, ``dilation`` and ``ceil_mode`` as checked pairs and bool.
    mode : {'max', 'avg'}
    count_include_pad : bool
        Whether an average's divisor counts padding cells (True for max).
    divisor_override : int or None
        What every average divides by instead (None for max).
    ties : {'first', 'all', 'split'}
        Where a max window's gradient goes on a tie ('first' for averages and
        forward passes).
    """

    geometry: PoolGeometry
    mode: str = "max"
    count_include_pad: bool = True
    divisor_override: int | None = None
    ties: str = "first"


@dataclass(frozen=True)
class PoolRequest:
    """Pooling options as the caller gave them, not yet checked.

    What the pictures and the explorers pass around: a picture must take
    options the library refuses, to draw the refusal, so it cannot hold a
    :class:`PoolOptions`, which only checked options make. :meth:`check`
    turns it into one for an input of a given size, with the library's
    usual errors.

    Attributes
    ----------
    kernel_shape, stride, padding, dilation : int or (int, int)
        As for :func:`pooling_lib.pool_forward`.
    ceil_mode : bool
    mode : {'max', 'avg'}
    ties : {'first', 'all', 'split'}
        As for :func:`pooling_lib.pool_backward`.

    Examples
    --------
    >>> request = PoolRequest(kernel_shape=3, stride=2, padding=1)
    >>> request.check((28, 28)).geometry.out_shape
    (14, 14)
    >>> PoolRequest(kernel_shape=3, stride=2, padding=2).check((28, 28))
    Traceback (most recent call last):
    ...
    pooling_lib.geometry.PoolingOptionError: padding must be at most half the kernel, kernel_shape // 2 = (1, 1), got padding=(2, 2) for kernel_shape=(3, 3); PyTorch's rule (kernel // 2 is also all the padding an output as large as the input needs at stride 1); lower the padding or enlarge the kernel
    """  # noqa: E501

    kernel_shape: int | tuple[int, int]
    stride: int | tuple[int, int]
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1
    ceil_mode: bool = False
    mode: str = "max"
    ties: str = "first"

    def check(self, in_shape):
        """The checked options for an input of spatial size ``in_shape = (h, w)``.

        In the order :func:`prepare_backward` checks them: ``mode``, then
        where the windows fall (:func:`pooling_lib.pool_geometry`), then
        ``ties``; by the same checks, with the same messages.

        Returns
        -------
        PoolOptions

        Raises
        ------
        TypeError
            If an option has the wrong type.
        PoolingOptionError
            If an option is refused; its fields say which and why.
        """
        count_include_pad, divisor_override = _checked_mode(self.mode, True, None)
        geometry = pool_geometry(
            in_shape, self.kernel_shape, self.stride, self.padding, self.dilation, self.ceil_mode
        )
        ties = check_ties(self.ties, self.mode)
        return PoolOptions(geometry, self.mode, count_include_pad, divisor_override, ties)

    def refuse_other_than(self, names, picture):
        """Refuse an option outside ``names`` that is not at its default.

        For a picture that draws only some options (``picture`` names it in
        the message): an option it would ignore is an error, not a silent no-op.

        Raises
        ------
        ValueError
            Naming the option, its value and the options the picture takes.
        """
        for field in fields(self):
            if field.name in names or field.default is MISSING:
                continue
            value = getattr(self, field.name)
            if value != field.default:
                raise ValueError(
                    f"{field.name}={value!r} is not something {picture} draws: it takes "
                    f"{', '.join(names)} and leaves {field.name} at {field.default!r}"
                )

    def pairs(self):
        """``kernel_shape``, ``stride``, ``padding`` and ``dilation`` as ``(rows, cols)`` pairs.

        Only their types are checked (a ``TypeError`` as :meth:`check` gives),
        not their values: a picture writes refused options too.
        """
        return tuple(
            to_pair(getattr(self, name), name)
            for name in ("kernel_shape", "stride", "padding", "dilation")
        )


def prepare(
    A_prev,
    *,
    kernel_shape,
    stride,
    padding,
    dilation,
    ceil_mode,
    mode="max",
    count_include_pad=True,
    divisor_override=None,
):
    """Check every argument of a forward pass; return ``(A_prev, options)``.

    Keyword-only, so the public functions pass each option by its name, once.
    See the module docstring for what is refused. An empty batch (``m = 0``)
    passes and gives an empty result; zero height, width or channels do not.

    Returns
    -------
    A_prev : ndarray, shape (m, h, w, c)
        As a floating array.
    options : PoolOptions
    """
    A_prev = as_float_array(A_prev, "A_prev", ndim=4, layout="(m, h, w, c)")
    count_include_pad, divisor_override = _checked_mode(mode, count_include_pad, divisor_override)
    _, h, w, c = A_prev.shape
    if h == 0 or w == 0:
        raise ValueError(
            f"A_prev must have a non-empty height and width, got shape {A_prev.shape} (m, h, w, c)"
        )
    # The options first, as PyTorch checks them: a bad padding is named even
    # when the input has no channels either.
    geometry = pool_geometry((h, w), kernel_shape, stride, padding, dilation, ceil_mode)
    if c == 0:
        raise ValueError(
            f"A_prev must have at least one channel, got shape {A_prev.shape} (m, h, w, c) with "
            "c = 0, which PyTorch refuses too; for grey images use one channel, "
            "A[..., None]. An empty batch (m = 0) is allowed"
        )
    return A_prev, PoolOptions(geometry, mode, count_include_pad, divisor_override)


def prepare_backward(dA, A_prev, *, ties="first", **forward_options):
    """Check every argument of a backward pass; return ``(dA, A_prev, options)``.

    ``forward_options`` are :func:`prepare`'s keywords, checked first, as the
    forward pass checks them.
    """
    A_prev, options = prepare(A_prev, **forward_options)
    check_ties(ties, options.mode)
    dA = as_float_array(dA, "dA", ndim=4, layout="(m, h_out, w_out, c)")
    m, _, _, c = A_prev.shape
    expected = (m, *options.geometry.out_shape, c)
    if dA.shape != expected:
        raise ValueError(
            f"dA must have the forward output's shape (m, h_out, w_out, c) = {expected}, "
            f"got {dA.shape}"
        )
    return dA, A_prev, replace(options, ties=ties)


def gradient_dtype(A_prev, dA):
    """dtype of ``dA_prev``: the wider of the two floating dtypes."""
    return np.result_type(A_prev.dtype, dA.dtype)
