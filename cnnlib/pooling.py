"""Pooling (풀링): max, average and global average, forward and backward.

Pooling has no parameters and leaves the number of channels unchanged. By
default the stride equals the window size (as in PyTorch), so every input value
is read by exactly one window.

The book explains pooling as im2col on every channel, a reshape to one window
per row, a max (or mean) along each row and the transpose back. cnnlib gets
the same numbers without building that matrix: for each cell (p, q) of the
window it takes a *view* of what that cell holds in every window at once
(:func:`_cells`) and combines the KH*KW views with ``np.maximum`` or ``+``.
With stride S those views would step S numbers at a time; splitting the input
once into its S x S phases (:func:`_phases`) turns them into plain slices.
Nothing is transposed, and the batch is handled a few images at a time, so
that what is read stays in the CPU cache while every cell is visited
(measured in ``benchmarks/``; the property tests check the results against
loops).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_pair, geometry, reject_nan
from ._scratch import image_slices, scratch
from .im2col import pad_nchw

_NAN_MAX = "the maximum of a window that holds NaN is undefined, and so is where its gradient goes"

# How many bytes of the input pooling works on at once (at least one image).
PART_BYTES = 4 * 2**20


def _setup(where, x, kernel_size, stride, padding):
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    k = as_pair(kernel_size, "kernel_size", where, 1)
    s, pad, d, out_hw = geometry(
        x.shape[2:], k, k if stride is None else stride, padding, 1, where, "x", "kernel_size", f"x.shape={x.shape}"
    )
    if pad[0] > k[0] // 2 or pad[1] > k[0] // 2 or pad[2] > k[1] // 2 or pad[3] > k[1] // 2:
        raise ValueError(
            f"{where}: padding (top, bottom, left, right)={pad} must be at most half of "
            f"kernel_size={k} on each side, or some windows would see only padding"
        )
    return x, k, s, pad, out_hw


def _phases(xp, s, slot):
    """Split the padded input into its SH*SW *phases*, each copied contiguous.

    Phase (a, b) is ``xp[:, :, a::SH, b::SW]``: every SH-th row from row a and
    every SW-th column from column b. Cell (p, q) of window (i, j) reads
    ``xp[i*SH + p, j*SW + q]``, which is row ``i + p // SH``, column
    ``j + q // SW`` of phase ``(p % SH, q % SW)``. So in the phases, one cell
    of all windows is a plain slice whose rows and columns step by 1 (see
    :func:`_cells`), and NumPy's loops run over neighbouring numbers (with
    SIMD) rather than every S-th one. Stride 1 has one phase, ``xp`` itself.
    """
    sh, sw = s
    if (sh, sw) == (1, 1):
        return {(0, 0): xp}
    phases = {}
    for a in range(sh):
        for b in range(sw):
            view = xp[:, :, a::sh, b::sw]
            phases[a, b] = scratch(f"{slot} phase {a},{b}", view.shape, xp.dtype)
            np.copyto(phases[a, b], view)
    return phases


def _zero_phases(shape, s, dtype):
    """Zeroed arrays shaped like the phases of an array of ``shape`` (to add gradients into)."""
    sh, sw = s
    phases = {}
    for a in range(sh):
        for b in range(sw):
            rows, cols = len(range(a, shape[2], sh)), len(range(b, shape[3], sw))
            phases[a, b] = scratch(f"gradient phase {a},{b}", shape[:2] + (rows, cols), dtype)
            phases[a, b].fill(0)
    return phases


def _interleave(phases, s, into):
    """The inverse of :func:`_phases`: put every phase back in its place in ``into``."""
    sh, sw = s
    for (a, b), phase in phases.items():
        into[:, :, a::sh, b::sw] = phase


def _cells(phases, k, s, out_hw):
    """Every cell (p, q) of the window, for all windows at once, as a view.

    ``view[n, c, i, j]`` is the value that cell (p, q) of window (i, j) holds,
    ``xp[n, c, i*SH + p, j*SW + q]``, taken from its phase (see
    :func:`_phases`). Combining the KH*KW views gives each window's max or sum.
    Adding into the same views of the gradient's phases puts each gradient
    back exactly where its value was read, so a backward pass routes each
    window's gradient cell by cell, with no col2im.
    """
    (oh, ow), (sh, sw) = out_hw, s
    for p in range(k[0]):
        for q in range(k[1]):
            phase = phases[p % sh, q % sw]
            yield phase[:, :, p // sh : p // sh + oh, q // sw : q // sw + ow]


def _parts(x):
    """Slices of the batch holding about PART_BYTES of input each."""
    return image_slices(x.shape[0], x[0].nbytes, PART_BYTES)


def _pool(x, k, s, pad, out_hw, combine, pad_value):
    """Combine the KH*KW cells of every window with ``combine`` (np.maximum or np.add)."""
    out = np.empty(x.shape[:2] + tuple(out_hw), dtype=x.dtype)
    for part in _parts(x):
        xp = pad_nchw(x[part], pad, pad_value, slot="pad")
        acc = out[part]
        cells = _cells(_phases(xp, s, "x"), k, s, out_hw)
        np.copyto(acc, next(cells))                 # cell (0, 0) of every window ...
        for value in cells:                         # ... then each other cell in turn
            combine(acc, value, out=acc)
    return out


def max_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Max pooling: the largest value of each window.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int)
        Per side, at most half the window; padded cells hold ``-inf`` so they
        never win.

    Returns
    -------
    ndarray, shape (N, C, OH, OW)

    Examples
    --------
    >>> max_pool2d([[[[1, 2], [3, 4]]]], 2)
    array([[[[4.]]]])
    """
    x, k, s, pad, out_hw = _setup("max_pool2d", x, kernel_size, stride, padding)
    reject_nan(x, "x", "max_pool2d", _NAN_MAX)
    return _pool(x, k, s, pad, out_hw, np.maximum, -np.inf)


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Average pooling: the mean of each window (padded zeros count, as in PyTorch).

    Parameters and Returns are as for :func:`max_pool2d`.

    Examples
    --------
    >>> avg_pool2d([[[[1, 2], [3, 4]]]], 2)
    array([[[[2.5]]]])
    """
    x, k, s, pad, out_hw = _setup("avg_pool2d", x, kernel_size, stride, padding)
    total = _pool(x, k, s, pad, out_hw, np.add, 0.0)
    total /= k[0] * k[1]
    return total


def _check_dout(where, dout, x, out_hw):
    dout = as_float_array(dout, "dout", 4, where, "(N, C, OH, OW)")
    expected = (x.shape[0], x.shape[1]) + tuple(out_hw)
    if dout.shape != expected:
        raise ValueError(f"{where}: dout has shape {dout.shape} but pooling x of shape {x.shape} gives {expected}")
    return dout


def _padded_shape(shape, pad):
    top, bottom, left, right = pad
    return shape[:2] + (shape[2] + top + bottom, shape[3] + left + right)


def _put_back(grads, s, dx, part, pad):
    """Put the gradient phases of a part together into ``dx[part]`` (cropping the padding)."""
    if not any(pad):
        _interleave(grads, s, into=dx[part])
        return
    top, _, left, _ = pad
    h, w = dx.shape[2:]
    whole = scratch("gradient", _padded_shape(dx[part].shape, pad), dx.dtype)
    _interleave(grads, s, into=whole)
    dx[part] = whole[:, :, top : top + h, left : left + w]


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Gradient of :func:`max_pool2d`: each window's gradient goes to its maximum.

    Like ReLU, max pooling passes the gradient through unchanged where the
    value was kept and sends zero everywhere else. On ties the first maximum
    (in row-major order inside the window) receives it.

    Parameters
    ----------
    dout : array_like, shape (N, C, OH, OW)
    x, kernel_size, stride, padding
        The arguments of the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> max_pool2d_backward([[[[1.0]]]], [[[[1, 2], [3, 4]]]], 2)
    array([[[[0., 0.],
             [0., 1.]]]])
    """
    where = "max_pool2d_backward"
    x, k, s, pad, out_hw = _setup(where, x, kernel_size, stride, padding)
    reject_nan(x, "x", where, _NAN_MAX)
    dout = _check_dout(where, dout, x, out_hw)
    # d * hit is the quick way to keep d where hit is True and 0 elsewhere,
    # but inf * 0 is NaN: if dout holds inf or NaN, np.where does it exactly.
    finite = bool(np.isfinite(dout).all())
    dx = np.empty(x.shape, dtype=np.result_type(x, dout))
    for part in _parts(x):
        x_phases = _phases(pad_nchw(x[part], pad, -np.inf, slot="pad"), s, "x")
        grads = _zero_phases(_padded_shape(x[part].shape, pad), s, dx.dtype)
        d = dout[part]
        best = scratch("best", d.shape, x.dtype)                   # each window's maximum
        cells = _cells(x_phases, k, s, out_hw)
        np.copyto(best, next(cells))
        for value in cells:
            np.maximum(best, value, out=best)
        waiting = scratch("waiting", d.shape, bool)               # windows not yet served
        waiting.fill(True)
        hit = scratch("hit", d.shape, bool)
        # Visit the window's cells in reading order: the first cell holding the
        # maximum takes the window's whole gradient, later ties get nothing. One
        # pass per cell over whole arrays; where windows overlap, += adds up the
        # gradients that reach the same input value from different windows.
        for value, grad in zip(_cells(x_phases, k, s, out_hw), _cells(grads, k, s, out_hw)):
            np.equal(value, best, out=hit)
            hit &= waiting                                        # windows this cell wins
            grad += d * hit if finite else np.where(hit, d, 0)    # d where the cell wins, 0 elsewhere
            waiting ^= hit                                        # hit is inside waiting: this removes exactly the hits
        _put_back(grads, s, dx, part, pad)
    return dx


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: each window's gradient is shared equally.

    Examples
    --------
    >>> avg_pool2d_backward([[[[1.0]]]], [[[[1, 2], [3, 4]]]], 2)
    array([[[[0.25, 0.25],
             [0.25, 0.25]]]])
    """
    where = "avg_pool2d_backward"
    x, k, s, pad, out_hw = _setup(where, x, kernel_size, stride, padding)
    dout = _check_dout(where, dout, x, out_hw)
    dx = np.empty(x.shape, dtype=np.result_type(x, dout))
    for part in _parts(x):
        grads = _zero_phases(_padded_shape(x[part].shape, pad), s, dx.dtype)
        d = dout[part]
        share = np.divide(d, k[0] * k[1], out=scratch("share", d.shape, dx.dtype))   # each cell's part
        for grad in _cells(grads, k, s, out_hw):
            grad += share
        _put_back(grads, s, dx, part, pad)
    return dx


def global_avg_pool2d(x, keepdims: bool = False) -> np.ndarray:
    """Average each channel over all positions: (N, C, H, W) -> (N, C).

    With ``keepdims=True`` the result is (N, C, 1, 1), like PyTorch's
    ``AdaptiveAvgPool2d(1)``.

    Examples
    --------
    >>> global_avg_pool2d([[[[1, 2], [3, 4]]]])
    array([[2.5]])
    """
    x = as_float_array(x, "x", 4, "global_avg_pool2d", "(N, C, H, W)")
    return x.mean(axis=(2, 3), keepdims=bool(keepdims))


__all__ = [
    "max_pool2d",
    "avg_pool2d",
    "global_avg_pool2d",
    "max_pool2d_backward",
    "avg_pool2d_backward",
]
