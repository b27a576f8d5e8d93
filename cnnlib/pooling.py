"""Pooling (풀링): max, average and global average, forward and backward.

Pooling has no parameters and leaves the number of channels unchanged. By
default the stride equals the window size (as in PyTorch), so every input value
is read by exactly one window. The implementation is the one the book teaches:
``im2col`` on every channel separately, ``reshape(-1, KH*KW)`` so that each row
is one window, a reduction along the row, and the transpose back to (N, C, OH, OW).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_float_array, as_pair, geometry
from .im2col import fold, unfold


def _setup(where, x, kernel_size, stride, padding):
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    k = as_pair(kernel_size, "kernel_size", where, 1)
    s, pad, d, out_hw = geometry(x.shape[2:], k, k if stride is None else stride, padding, 1, where, "x", "kernel_size")
    if pad[0] > k[0] // 2 or pad[1] > k[0] // 2 or pad[2] > k[1] // 2 or pad[3] > k[1] // 2:
        raise ValueError(
            f"{where}: padding (top, bottom, left, right)={pad} must be at most half of "
            f"kernel_size={k} on each side, or some windows would see only padding"
        )
    return x, k, s, pad, out_hw


def _window_rows(x, k, s, pad, value):
    """(N*OH*OW*C, KH*KW): one pooling window per row, in (n, i, j, c) order."""
    return unfold(x, k, s, pad, (1, 1), value).reshape(-1, k[0] * k[1])


def _back_to_nchw(values, n, c, out_hw):
    oh, ow = out_hw
    return values.reshape(n, oh, ow, c).transpose(0, 3, 1, 2)


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
    rows = _window_rows(x, k, s, pad, -np.inf)
    return _back_to_nchw(rows.max(axis=1), x.shape[0], x.shape[1], out_hw)


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> np.ndarray:
    """Average pooling: the mean of each window (padded zeros count, as in PyTorch).

    Parameters and Returns are as for :func:`max_pool2d`.

    Examples
    --------
    >>> avg_pool2d([[[[1, 2], [3, 4]]]], 2)
    array([[[[2.5]]]])
    """
    x, k, s, pad, out_hw = _setup("avg_pool2d", x, kernel_size, stride, padding)
    rows = _window_rows(x, k, s, pad, 0.0)
    return _back_to_nchw(rows.mean(axis=1), x.shape[0], x.shape[1], out_hw)


def _check_dout(where, dout, x, out_hw):
    dout = as_float_array(dout, "dout", 4, where, "(N, C, OH, OW)")
    expected = (x.shape[0], x.shape[1]) + tuple(out_hw)
    if dout.shape != expected:
        raise ValueError(f"{where}: dout has shape {dout.shape} but pooling x of shape {x.shape} gives {expected}")
    return dout


def _scatter(where, per_row_weights, dout, x, k, s, pad):
    """Spread dout over each window with the given (rows, KH*KW) weights, then col2im."""
    n, c, h, w = x.shape
    d_rows = per_row_weights * dout.transpose(0, 2, 3, 1).reshape(-1, 1)
    # Each channel was unfolded as its own single-channel image: fold it the same way.
    return fold(d_rows.reshape(-1, c * k[0] * k[1]), (n, c, h, w), k, s, pad, (1, 1))


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
    dout = _check_dout(where, dout, x, out_hw)
    rows = _window_rows(x, k, s, pad, -np.inf)
    onehot = np.zeros(rows.shape, dtype=np.result_type(x, dout))
    onehot[np.arange(rows.shape[0]), rows.argmax(axis=1)] = 1.0
    return _scatter(where, onehot, dout, x, k, s, pad)


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
    share = np.full((1, k[0] * k[1]), 1.0 / (k[0] * k[1]), dtype=np.result_type(x, dout))
    return _scatter(where, share, dout, x, k, s, pad)


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
