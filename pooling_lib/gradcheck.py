"""Numeric gradients, to check a backward pass against its forward pass.

The idea (CS231n's): nudge one input by ``+h`` and ``-h``, see how much a
scalar loss changes, and divide. If the analytic gradient from the backward
pass is right, the two agree to a relative error of about 1e-8 in float64.

A max pool is not differentiable where two cells of a window tie for the
maximum (a kink): the two one-sided slopes differ and a numeric gradient
lands somewhere between them. Check max pooling on inputs with no ties, such
as :func:`tie_free`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["numeric_gradient", "rel_error", "tie_free"]


def numeric_gradient(f, x, upstream, h=1e-5):
    """Central-difference gradient of ``sum(f(x) * upstream)`` with respect to ``x``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x``, returns an array shaped like ``upstream``.
    x : ndarray
        Point at which to differentiate. Not modified.
    upstream : ndarray
        The gradient flowing into ``f``'s output (``dA`` for a pooling layer).
    h : float, default 1e-5
        Step size.

    Returns
    -------
    ndarray, shaped like ``x``, float64
        ``(L(x + h e_k) - L(x - h e_k)) / 2h`` for every element ``k``,
        with ``L(x) = sum(f(x) * upstream)``.

    Examples
    --------
    >>> square = lambda v: v ** 2
    >>> numeric_gradient(square, np.array([1.0, -3.0]), np.ones(2))
    array([ 2., -6.])
    """
    x = np.array(x, dtype=np.float64)  # a copy: the caller's array is never nudged
    upstream = np.asarray(upstream, dtype=np.float64)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for k in range(flat_x.size):
        saved = flat_x[k]
        flat_x[k] = saved + h
        plus = np.sum(f(x) * upstream)
        flat_x[k] = saved - h
        minus = np.sum(f(x) * upstream)
        flat_x[k] = saved
        flat_grad[k] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    A NaN never looks like agreement: if either side holds a NaN the result is
    ``inf``, so ``rel_error(a, b) > tol`` catches it (a NaN would compare false
    with every tolerance). Equal infinities agree (error 0); an infinity
    against anything else is ``inf``.

    Parameters
    ----------
    a, b : array_like
        Two arrays of one shape, e.g. an analytic and a numeric gradient.

    Returns
    -------
    float
        0 for identical arrays (and for empty ones), at most 1 for finite
        ones, ``inf`` when a NaN or an unmatched infinity appears.

    Examples
    --------
    >>> rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    0.0
    >>> round(rel_error(np.array([1.0]), np.array([1.1])), 4)
    0.0476
    >>> rel_error(np.array([1.0, np.nan]), np.array([1.0, 2.0]))
    inf
    >>> rel_error(np.array([np.inf]), np.array([np.inf]))
    0.0
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    if np.isnan(a).any() or np.isnan(b).any():
        return float("inf")
    # Halving is exact, and keeps |a - b| and |a| + |b| finite for values near
    # the largest float64; a ratio of two overflowed infinities would be NaN.
    half_a, half_b = a / 2, b / 2
    with np.errstate(invalid="ignore"):
        errors = np.abs(half_a - half_b) / np.maximum(1e-8 / 2, np.abs(half_a) + np.abs(half_b))
    errors[a == b] = 0.0
    errors[(a != b) & ~(np.isfinite(a) & np.isfinite(b))] = np.inf
    return float(np.max(errors))


def tie_free(shape, seed=0, gap=1e-2):
    """Random values whose every pair differs by at least ``gap``: no max-pool kinks.

    A shuffled, evenly spaced ramp. With ``gap`` well above the step ``h`` of
    :func:`numeric_gradient`, a nudge never changes which cell wins a window.

    Examples
    --------
    >>> x = tie_free((1, 3, 3, 1))
    >>> x.shape, len(np.unique(x))
    ((1, 3, 3, 1), 9)
    """
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    values = (np.arange(size) - size / 2) * gap
    return rng.permutation(values).reshape(shape)
