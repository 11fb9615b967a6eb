"""The arrays the pictures show, computed with NumPy alone: no matplotlib here.

Convolution and shifting for the pipeline picture, every window's cells,
each max window's winner and ties, and the outlines of windows and cells as
coordinates. Windows come from :func:`pooling_lib.pool_geometry`, pooled
values from :func:`pooling_lib.pool_forward` and winners from
:func:`pooling_lib.max_pool_winners`: nothing here recomputes a rule of
the library.
"""

from __future__ import annotations

import numpy as np

from ._checks import TIES
from .pooling import max_pool_winners, pool_backward, pool_forward

PIPELINE_KERNELS = {
    "vertical edges": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal edges": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
}


def as_image(image):
    image = np.asarray(image, dtype=float)
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"image must be 2-D with shape (h, w), got shape {image.shape}")
    return image


def conv2d_valid(image, kernel):
    """'Valid' 2-D convolution as deep-learning layers compute it (no kernel flip).

    Strictly this is cross-correlation: output cell ``(i, j)`` is
    ``sum(kernel * image[i:i+kh, j:j+kw])``. Only positions where the whole
    kernel fits are kept, so the output is smaller than the image.

    Parameters
    ----------
    image : array_like, shape (h, w)
    kernel : array_like, shape (kh, kw)
        At most as large as the image.

    Returns
    -------
    ndarray of float64, shape (h - kh + 1, w - kw + 1)

    Raises
    ------
    ValueError
        If either is not 2-D or the kernel is larger than the image.

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> conv2d_valid(image, [[0, 1], [0, 0]])
    array([[ 1.,  2.,  3.],
           [ 5.,  6.,  7.],
           [ 9., 10., 11.]])
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(
            f"image and kernel must be 2-D, got shapes {image.shape} and {kernel.shape}"
        )
    kh, kw = kernel.shape
    h, w = image.shape
    if kh > h or kw > w or kh < 1 or kw < 1:
        raise ValueError(
            f"kernel of shape {kernel.shape} does not fit in the image of shape {image.shape}; "
            "a 'valid' convolution needs 1 <= kernel size <= image size"
        )
    out = np.zeros((h - kh + 1, w - kw + 1))
    # One whole-image slice per kernel offset, as pool_forward does.
    for di in range(kh):
        for dj in range(kw):
            out += kernel[di, dj] * image[di : di + out.shape[0], dj : dj + out.shape[1]]
    return out


def shift_image(image, down=0, right=0):
    """Move an image by whole pixels, filling the uncovered border with zeros.

    Unlike ``np.roll`` nothing wraps around: ink pushed off one edge is lost,
    as when a digit is written off-centre.

    Parameters
    ----------
    image : array_like, shape (h, w)
    down, right : int, default 0
        Pixels to move; negative values move up or left.

    Returns
    -------
    ndarray of float64, shape (h, w)

    Examples
    --------
    >>> shift_image(np.arange(1.0, 5.0).reshape(2, 2), right=1)
    array([[0., 1.],
           [0., 3.]])
    """
    image = as_image(image)
    h, w = image.shape
    out = np.zeros_like(image)
    down, right = int(down), int(right)
    if abs(down) >= h or abs(right) >= w:
        return out
    src_rows = slice(max(0, -down), h - max(0, down))
    dst_rows = slice(max(0, down), h - max(0, -down))
    src_cols = slice(max(0, -right), w - max(0, right))
    dst_cols = slice(max(0, right), w - max(0, -right))
    out[dst_rows, dst_cols] = image[src_rows, src_cols]
    return out


def window_inside(geometry):
    """Which cells of every window lie inside the input, shape (h_out, w_out, kh, kw)."""
    return geometry.inside(0)[:, None, :, None] & geometry.inside(1)[None, :, None, :]


def window_values(image, geometry):
    """Every window's cells as one array; cells outside the input are masked.

    Parameters
    ----------
    image : array_like, shape (h, w)
    geometry : PoolGeometry
        From :func:`pooling_lib.pool_geometry` for this image's shape.

    Returns
    -------
    values : numpy.ma.MaskedArray of float64, shape (h_out, w_out, kh, kw)
        ``values[i, j]`` is window ``(i, j)``, row-major as PyTorch scans it.
        Cells outside the input (padding or ceil-mode overhang) are masked,
        by :meth:`PoolGeometry.inside`; the image's own values, NaN and
        infinities included, never are.
    rows : ndarray of int, shape (h_out, kh)
        Input row of every window cell (``geometry.window_positions(0)``).
    cols : ndarray of int, shape (w_out, kw)
        Input column of every window cell.

    Raises
    ------
    ValueError
        If the image's shape is not the input shape the geometry was made for.

    Examples
    --------
    >>> from pooling_lib import pool_geometry
    >>> g = pool_geometry((3, 3), 2, stride=2, ceil_mode=True)
    >>> values, rows, cols = window_values(np.arange(9.0).reshape(3, 3), g)
    >>> values[1, 1].mask
    array([[False,  True],
           [ True,  True]])
    >>> values[1, 1].compressed(), rows[1], cols[1]
    (array([8.]), array([2, 3]), array([2, 3]))
    """
    image = as_image(image)
    if image.shape != geometry.in_shape:
        raise ValueError(
            f"image has shape {image.shape}, but geometry is for an input of shape "
            f"{geometry.in_shape}; make it with pool_geometry(image.shape, ...)"
        )
    rows = geometry.window_positions(0)
    cols = geometry.window_positions(1)
    inside = window_inside(geometry)
    h, w = image.shape
    # Clipping only makes every index valid; the mask says which cells are real.
    clipped = image[
        np.clip(rows, 0, h - 1)[:, None, :, None], np.clip(cols, 0, w - 1)[None, :, None, :]
    ]
    return np.ma.MaskedArray(np.where(inside, clipped, 0.0), mask=~inside), rows, cols


def _pool_options(geometry):
    """The keyword options of pool_forward and max_pool_winners that made ``geometry``."""
    return dict(padding=geometry.padding, dilation=geometry.dilation, ceil_mode=geometry.ceil_mode)


def pool_image(image, geometry, mode):
    """pool_forward of one 2-D image, shape (h_out, w_out)."""
    A_prev = image[None, :, :, None]
    options = _pool_options(geometry)
    return pool_forward(A_prev, geometry.kernel_shape, geometry.stride, mode, **options)[0, :, :, 0]


def pool_gradient(dA, image, geometry, mode="max", ties="first"):
    """pool_backward of one 2-D image for the upstream gradient ``dA``, shape (h, w)."""
    A_prev, dA = image[None, :, :, None], dA[None, :, :, None]
    options = _pool_options(geometry)
    return pool_backward(
        dA, A_prev, geometry.kernel_shape, geometry.stride, mode, ties=ties, **options
    )[0, :, :, 0]


def _winners(image, geometry):
    """Row and column of each max window's winner, shape (h_out, w_out); -1 for padding alone."""
    A_prev = image[None, :, :, None]
    options = _pool_options(geometry)
    rows, cols = max_pool_winners(A_prev, geometry.kernel_shape, geometry.stride, **options)
    return rows[0, :, :, 0], cols[0, :, :, 0]


def max_winners(image, geometry):
    """Each max window's winner and its tied cells, by the library's rules.

    The winner is :func:`pooling_lib.max_pool_winners`' (PyTorch's
    ``return_indices``), the cell ``pool_backward(ties='first')`` feeds. A
    cell is tied when it lies inside the input and equals its window's
    maximum, or is NaN in a window whose maximum is NaN: the cells
    ``pool_backward(ties='all')`` feeds.

    Returns
    -------
    win_rows, win_cols : ndarray of int, shape (h_out, w_out)
        -1 for a window of padding alone, which has no winner.
    tie_counts : ndarray of int, shape (h_out, w_out)
        0 for a window of padding alone.
    tied : ndarray of bool, shape (h_out, w_out, kh, kw)
    """
    win_rows, win_cols = _winners(image, geometry)
    top = pool_image(image, geometry, "max")[:, :, None, None]
    values, _, _ = window_values(image, geometry)
    cells = values.data
    tied = ~values.mask & ((cells == top) | (np.isnan(cells) & np.isnan(top)))
    return win_rows, win_cols, tied.sum(axis=(2, 3)), tied


def winner_cell(image, geometry, i, j, mode):
    """Where max window ``(i, j)``'s winner sits among its own cells, ``(t, u)``.

    None for average pooling, and for a window of padding alone.
    """
    if mode != "max":
        return None
    win_rows, win_cols = _winners(image, geometry)
    if win_rows[i, j] < 0:
        return None
    t = int(np.flatnonzero(geometry.window_positions(0)[i] == win_rows[i, j])[0])
    u = int(np.flatnonzero(geometry.window_positions(1)[j] == win_cols[i, j])[0])
    return t, u


def window_boxes(geometry, inset=0.0):
    """Outline of every window's span as closed polylines, shape (h_out * w_out, 5, 2) in (x, y)."""
    rows = geometry.window_positions(0)
    cols = geometry.window_positions(1)
    top, bottom = rows[:, 0] - 0.5 + inset, rows[:, -1] + 0.5 - inset
    left, right = cols[:, 0] - 0.5 + inset, cols[:, -1] + 0.5 - inset
    t, l_ = np.meshgrid(top, left, indexing="ij")
    b, r = np.meshgrid(bottom, right, indexing="ij")
    corners = [(l_, t), (r, t), (r, b), (l_, b), (l_, t)]
    return np.stack([np.stack(xy, axis=-1) for xy in corners], axis=2).reshape(-1, 5, 2)


def cell_squares(rows, cols):
    """Unit squares centred on the cells (rows[k], cols[k]), shape (n, 4, 2) in (x, y)."""
    rows = np.asarray(rows, dtype=float).ravel()
    cols = np.asarray(cols, dtype=float).ravel()
    dx = np.array([-0.5, 0.5, 0.5, -0.5])
    dy = np.array([-0.5, -0.5, 0.5, 0.5])
    return np.stack([cols[:, None] + dx, rows[:, None] + dy], axis=-1)


def window_grid(geometry, i, j):
    """Rows and cols of every cell of window (i, j), padding included, row-major.

    Unlike :func:`pooling_lib.reference`'s ``_window_cells`` (the cells inside
    the input), this is the whole window as drawn.
    """
    rows = geometry.window_positions(0)[i]
    cols = geometry.window_positions(1)[j]
    grid_rows, grid_cols = np.meshgrid(rows, cols, indexing="ij")
    return grid_rows.ravel(), grid_cols.ravel()


def symmetric(values, floor=1e-12):
    finite = np.abs(values[np.isfinite(values)])
    return max(float(finite.max()) if finite.size else 0.0, floor)


def pick_window(pooled):
    """The window to highlight: in the middle row, the largest output nearest the middle.

    A window on ink shows more in its zoom than one on the flat background.
    """
    i = pooled.shape[0] // 2
    row = np.where(np.isfinite(pooled[i]), pooled[i], -np.inf)
    candidates = np.flatnonzero(row == row.max())
    middle = pooled.shape[1] // 2
    return i, int(candidates[np.argmin(np.abs(candidates - middle))])


# pool_backward's tie policies, in its order.
TIE_POLICIES = TIES


def relative_change(new, old):
    norm = float(np.linalg.norm(old))
    if norm == 0.0:
        return 0.0 if not np.any(new) else float("inf")
    return float(np.linalg.norm(new - old) / norm)
