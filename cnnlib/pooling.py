"""Pooling (풀링): max, average and global average, forward and backward.

Pooling has no parameters and leaves the number of channels unchanged. By
default the stride equals the window size (as in PyTorch), so every input value
is read by exactly one window. The implementation is the one the book teaches,
im2col on every channel separately and a reduction over each window, with the
window's KH*KW values laid along their own axis, (N, C, KH*KW, OH, OW), rather
than along a row of ``reshape(-1, KH*KW)``. The numbers are the same; this
layout makes the copy cheap (see :mod:`cnnlib.im2col`) and the reduction
leaves (N, C, OH, OW) directly, with no transpose back.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_pair, geometry, reject_nan
from .im2col import pad_nchw, windows

_NAN_MAX = "the maximum of a window that holds NaN is undefined, and so is where its gradient goes"


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


def _window_taps(x, k, s, pad, value):
    """(N, C, KH*KW, OH, OW): ``taps[n, c, :, i, j]`` are the values of window (i, j).

    This is im2col on each channel as its own image; a reduction over axis 2
    gives the (N, C, OH, OW) result directly.
    """
    win = windows(x, k, s, pad, (1, 1), value)                 # (N, C, OH, OW, KH, KW), a view
    n, c, oh, ow, kh, kw = win.shape
    # The copy: output axes last, so it moves whole runs along an input row.
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c, kh * kw, oh, ow)


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
    # (Reducing the strided view of windows() directly, without this copy, is
    # ten or more times slower: numpy's reduction loop would step KW numbers at a time.)
    return _window_taps(x, k, s, pad, -np.inf).max(axis=2)


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Average pooling: the mean of each window (padded zeros count, as in PyTorch).

    Parameters and Returns are as for :func:`max_pool2d`.

    Examples
    --------
    >>> avg_pool2d([[[[1, 2], [3, 4]]]], 2)
    array([[[[2.5]]]])
    """
    x, k, s, pad, out_hw = _setup("avg_pool2d", x, kernel_size, stride, padding)
    return _window_taps(x, k, s, pad, 0.0).mean(axis=2)


def _check_dout(where, dout, x, out_hw):
    dout = as_float_array(dout, "dout", 4, where, "(N, C, OH, OW)")
    expected = (x.shape[0], x.shape[1]) + tuple(out_hw)
    if dout.shape != expected:
        raise ValueError(f"{where}: dout has shape {dout.shape} but pooling x of shape {x.shape} gives {expected}")
    return dout


def _cells(xp, k, s, out_hw):
    """Every cell (p, q) of the window, for all windows at once, as strided views.

    ``view[n, c, i, j] == xp[n, c, i*SH + p, j*SW + q]``: the value that cell
    (p, q) of window (i, j) holds. Writing into such a view of a gradient
    array adds back exactly where the value was read, so a backward pass can
    route each window's gradient cell by cell, with no (N, C, KH*KW, OH, OW)
    copy and no col2im.
    """
    (oh, ow), (sh, sw) = out_hw, s
    for p in range(k[0]):
        for q in range(k[1]):
            yield xp[:, :, p : p + sh * (oh - 1) + 1 : sh, q : q + sw * (ow - 1) + 1 : sw]


def _crop(dxp, x_shape, pad):
    top, _, left, _ = pad
    return dxp[:, :, top : top + x_shape[2], left : left + x_shape[3]]


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
    xp = pad_nchw(x, pad, -np.inf)
    best = None                                                    # each window's maximum
    for value in _cells(xp, k, s, out_hw):
        best = value.copy() if best is None else np.maximum(best, value, out=best)
    dxp = np.zeros(xp.shape, dtype=np.result_type(x, dout))
    waiting = np.ones(best.shape, dtype=bool)                      # windows not yet served
    # Visit the window's cells in reading order: the first cell holding the
    # maximum takes the window's whole gradient, later ties get nothing. One
    # pass per cell over whole arrays; where windows overlap, += adds up the
    # gradients that reach the same input value from different windows.
    for value, grad in zip(_cells(xp, k, s, out_hw), _cells(dxp, k, s, out_hw)):
        hit = (value == best) & waiting
        grad += hit * dout
        waiting &= ~hit
    return _crop(dxp, x.shape, pad)


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
    share = dout * (1.0 / (k[0] * k[1]))                            # each cell's part of the gradient
    n, c, h, w = x.shape
    dxp = np.zeros((n, c, h + pad[0] + pad[1], w + pad[2] + pad[3]), dtype=np.result_type(x, dout))
    for grad in _cells(dxp, k, s, out_hw):
        grad += share
    return _crop(dxp, x.shape, pad)


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
