"""Padding (패딩) modes of PyTorch's ``nn.Conv2d(padding_mode=...)`` and their adjoints.

:func:`pad2d` adds rows and columns around the last two axes of an array;
:func:`pad2d_backward` is its adjoint (the backward pass): it folds the
gradient of the padded array back onto the array that was padded. The modes
are PyTorch's names (``F.pad`` names in brackets, and NumPy's ``np.pad``):

``'zeros'``
    zeros (``'constant'``; ``np.pad`` mode ``'constant'``).
``'circular'``
    the array wraps around, as if it tiled the plane: row ``-1`` is row
    ``H - 1`` (``np.pad`` mode ``'wrap'``). At most ``H`` rows per side.
``'reflect'``
    mirrored about the edge row, which is not repeated: rows ``-1, -2`` are
    rows ``1, 2`` (``np.pad`` mode ``'reflect'``). Fewer than ``H`` rows per
    side, as PyTorch requires.
``'replicate'``
    the edge row repeated (``np.pad`` mode ``'edge'``). Any amount.

Each padded position reads one input position (or none, for ``'zeros'``), so
padding is a linear map ``P`` and its adjoint ``P.T`` adds the gradient of
every padded position onto the input position it was read from:
``<pad2d(x), y> == <x, pad2d_backward(y)>`` for all ``x, y``. The adds happen
in a fixed order (the interior first, then the border rows and columns one by
one), with no matrix product, so the result does not depend on the BLAS kernel.

Rows are padded first, then columns, so a corner reads the corner of the
input in every mode (as ``np.pad`` and PyTorch do).
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_explicit_padding,
    as_padded_gradient,
    as_padding_mode,
    as_spatial_array,
    check_mode_padding,
)


def _source_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each of the ``before + n + after`` padded positions on one axis, the input position it reads.

    -1 marks a zero (``'zeros'`` mode). The arguments are already checked.
    """
    i = np.arange(-before, n + after)
    if mode == "zeros":
        return np.where((i >= 0) & (i < n), i, -1)
    if mode == "circular":
        return i % n
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    # reflect about 0 and n - 1 without repeating them (needs before, after < n)
    i = np.abs(i)
    return np.where(i > n - 1, 2 * (n - 1) - i, i)


def _pad_axis(x: np.ndarray, before: int, after: int, mode: str, axis: int) -> np.ndarray:
    if before == 0 and after == 0:
        return x
    n = x.shape[axis]
    src = _source_index(n, before, after, mode)
    if mode == "zeros":
        shape = list(x.shape)
        shape[axis] = n + before + after
        out = np.zeros(shape, dtype=x.dtype)
        index = [slice(None)] * x.ndim
        index[axis] = slice(before, before + n)
        out[tuple(index)] = x
        return out
    return np.take(x, src, axis=axis)


def _fold_axis(y: np.ndarray, before: int, after: int, mode: str, axis: int) -> np.ndarray:
    """The adjoint of :func:`_pad_axis`: each padded slice's gradient added onto the slice it was read from."""
    if before == 0 and after == 0:
        return y
    n = y.shape[axis] - before - after
    src = _source_index(n, before, after, mode)
    y = np.moveaxis(y, axis, 0)
    out = y[before : before + n].copy()                     # the interior: read once, gradient passes through
    for p in list(range(before)) + list(range(before + n, before + n + after)):
        if src[p] >= 0:                                   # a zero reads nothing, gets nothing
            out[src[p]] += y[p]
    return np.moveaxis(out, 0, axis)


def _pad(x: np.ndarray, pad, mode: str) -> np.ndarray:
    """pad2d without the checks: ``pad`` is (top, bottom, left, right)."""
    top, bottom, left, right = pad
    return _pad_axis(_pad_axis(x, top, bottom, mode, x.ndim - 2), left, right, mode, x.ndim - 1)


def _pad_backward(y: np.ndarray, pad, mode: str) -> np.ndarray:
    """pad2d_backward without the checks: the adjoint of :func:`_pad`, columns folded first, then rows."""
    top, bottom, left, right = pad
    return _fold_axis(_fold_axis(y, left, right, mode, y.ndim - 1), top, bottom, mode, y.ndim - 2)


def pad2d(x, padding, mode="zeros") -> np.ndarray:
    """Pad the last two axes of ``x`` as ``nn.Conv2d(padding_mode=mode)`` does before it convolves.

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Any number of leading axes (e.g. (N, C, H, W)). Integers and booleans
        are promoted to float64; float32 stays float32.
    padding : int, (int, int) or (top, bottom, left, right)
        Rows/columns added on each side: an int for all four sides,
        ``(ph, pw)`` for top and bottom / left and right.
    mode : {'zeros', 'circular', 'reflect', 'replicate'}
        See the module docstring. ``'reflect'`` needs every side's padding
        smaller than the input on that axis, ``'circular'`` at most as large
        (PyTorch's limits).

    Returns
    -------
    ndarray, shape (..., H + top + bottom, W + left + right)
        Equal to ``np.pad`` with mode ``'constant'``, ``'wrap'``, ``'reflect'``
        or ``'edge'``, and to ``torch.nn.functional.pad`` with ``'constant'``,
        ``'circular'``, ``'reflect'``, ``'replicate'`` (a copy: exact).

    See Also
    --------
    pad2d_backward : its adjoint.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1, 10).reshape(3, 3)
    >>> pad2d(x, 1, "circular")
    array([[9., 7., 8., 9., 7.],
           [3., 1., 2., 3., 1.],
           [6., 4., 5., 6., 4.],
           [9., 7., 8., 9., 7.],
           [3., 1., 2., 3., 1.]])
    >>> pad2d(x, (0, 0, 2, 0), "reflect")        # two columns on the left only
    array([[3., 2., 1., 2., 3.],
           [6., 5., 4., 5., 6.],
           [9., 8., 7., 8., 9.]])
    >>> pad2d(x, (1, 0), "replicate")
    array([[1., 2., 3.],
           [1., 2., 3.],
           [4., 5., 6.],
           [7., 8., 9.],
           [7., 8., 9.]])
    """
    where = "pad2d"
    x = as_spatial_array(x, "x", where)
    pad = as_explicit_padding(padding, where)
    mode = as_padding_mode(mode, where)
    check_mode_padding(pad, x.shape[-2:], mode, where, f"x.shape={x.shape}")
    return _pad(x, pad, mode)


def pad2d_backward(dx_padded, padding, mode="zeros") -> np.ndarray:
    """The adjoint of :func:`pad2d`: the gradient with respect to the unpadded array.

    Every padded position's gradient is added onto the input position it was
    read from (the interior passes through; in ``'zeros'`` mode the border is
    dropped). So ``<pad2d(x, p, m), y> == <x, pad2d_backward(y, p, m)>``.

    Parameters
    ----------
    dx_padded : array_like, shape (..., H + top + bottom, W + left + right)
        Gradient with respect to ``pad2d(x, padding, mode)``.
    padding, mode
        As given to :func:`pad2d`; ``H`` and ``W`` follow from the shape.

    Returns
    -------
    ndarray, shape (..., H, W)

    Examples
    --------
    With circular padding 1 the padded rows (and columns) of a 3 x 3 input
    read input rows 2, 0, 1, 2, 0: rows 0 and 2 twice, row 1 once. A gradient
    of ones therefore gives each pixel the number of times it was read:

    >>> import numpy as np
    >>> pad2d_backward(np.ones((5, 5)), 1, "circular")
    array([[4., 2., 4.],
           [2., 1., 2.],
           [4., 2., 4.]])
    >>> pad2d_backward(np.ones((3, 5)), (0, 1), "replicate")   # each edge column read twice
    array([[2., 1., 2.],
           [2., 1., 2.],
           [2., 1., 2.]])
    """
    where = "pad2d_backward"
    pad = as_explicit_padding(padding, where)
    mode = as_padding_mode(mode, where)
    y = as_padded_gradient(dx_padded, pad, where)
    top, bottom, left, right = pad
    in_hw = (y.shape[-2] - top - bottom, y.shape[-1] - left - right)
    check_mode_padding(pad, in_hw, mode, where, f"dx_padded.shape={y.shape}")
    return _pad_backward(y, pad, mode)


__all__ = ["pad2d", "pad2d_backward"]
