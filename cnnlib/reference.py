"""The textbook version: conv2d and pooling with im2col, col2im and one matrix product.

This is the code to read first. Each layer is a few lines: copy every window
into one row of a matrix (:func:`im2col`), do the layer's work on that matrix
(a matrix product for a convolution, a max or a mean along each row for
pooling), and for the backward pass send the matrix's gradient back to where
each value was read (:func:`col2im`, which adds up where windows overlap).

:mod:`cnnlib.conv` and :mod:`cnnlib.pooling` compute the same numbers faster
(they keep the im2col matrix transposed, work a few images at a time, and
pooling never builds the matrix at all); their docstrings say what each
trick buys, measured in ``benchmarks/``. The property tests check the fast
functions against these ones, and both against loops and SciPy.

The functions take the same arguments as the fast ones and check them the
same way (:mod:`cnnlib._checks`); the arithmetic below is all there is.

Examples
--------
>>> import numpy as np
>>> x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
>>> im2col(x, (2, 2), (1, 1), (0, 0, 0, 0), (1, 1))
array([[1., 2., 4., 5.],
       [2., 3., 5., 6.],
       [4., 5., 7., 8.],
       [5., 6., 8., 9.]])
>>> conv2d(x, np.array([[[[1, 1], [0, 2]]]]))
array([[[[13., 17.],
         [25., 29.]]]])
"""

from __future__ import annotations

import numpy as np

from . import _checks

# --- im2col and col2im -----------------------------------------------------------


def im2col(x, kernel, stride, pad, dilation, fill=0.0):
    """Every window of ``x`` (N, C, H, W) as one row: (N*OH*OW, C*KH*KW).

    Row ``n*OH*OW + i*OW + j`` is the window of output (i, j) of image n,
    flattened channel-major (C, KH, KW) like ``w.reshape(F, -1)``.
    ``pad`` is (top, bottom, left, right), filled with ``fill``.
    """
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
    oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (w + left + right - dw * (kw - 1) - 1) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for p in range(kh):                     # kernel tap (p, q) reads every S-th pixel
        for q in range(kw):                 # from row p*D, column q*D on
            cols[:, :, p, q] = xp[:, :, p * dh : p * dh + sh * (oh - 1) + 1 : sh, q * dw : q * dw + sw * (ow - 1) + 1 : sw]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, c * kh * kw)


def col2im(cols, x_shape, kernel, stride, pad, dilation):
    """The adjoint of :func:`im2col`: add every row back where it was read, (N, C, H, W)."""
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    top, bottom, left, right = pad
    oh = (h + top + bottom - dh * (kh - 1) - 1) // sh + 1
    ow = (w + left + right - dw * (kw - 1) - 1) // sw + 1
    patches = cols.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    xp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            xp[:, :, p * dh : p * dh + sh * (oh - 1) + 1 : sh, q * dw : q * dw + sw * (ow - 1) + 1 : sw] += patches[:, :, p, q]
    return xp[:, :, top : top + h, left : left + w]


# --- convolution -------------------------------------------------------------------


def _conv_setup(where, x, w, stride, padding, dilation):
    x = _checks.as_float_array(x, "x", 4, where, "(N, C, H, W)")
    w = _checks.as_float_array(w, "w", 4, where, "(F, C, KH, KW)")
    _checks.check_channels(x, w, where)
    shapes = f"x.shape={x.shape}, w.shape={w.shape}"
    s, pad, d, out_hw = _checks.geometry(x.shape[2:], w.shape[2:], stride, padding, dilation, where, "x", "w", shapes)
    dtype = _checks.result_dtype(x, w)
    return x.astype(dtype, copy=False), w.astype(dtype, copy=False), s, pad, d, out_hw


@_checks.keyword_only
def conv2d(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """:func:`cnnlib.conv2d` as im2col and one matrix product. Same arguments, same result."""
    x, w, s, pad, d, (oh, ow) = _conv_setup("reference.conv2d", x, w, stride, padding, dilation)
    f = w.shape[0]
    cols = im2col(x, w.shape[2:], s, pad, d)                 # (N*OH*OW, C*KH*KW)
    out = cols @ w.reshape(f, -1).T                          # (N*OH*OW, F): one row per output position
    if b is not None:
        out += _checks.as_bias(b, w, "reference.conv2d").astype(out.dtype)
    return out.reshape(x.shape[0], oh, ow, f).transpose(0, 3, 1, 2).copy()


@_checks.keyword_only
def conv2d_backward(dout, x, w, *, stride=1, padding=0, dilation=1):
    """:func:`cnnlib.conv2d_backward` as two matrix products and col2im: ``(dx, dw, db)``."""
    where = "reference.conv2d_backward"
    x, w, s, pad, d, (oh, ow) = _conv_setup(where, x, w, stride, padding, dilation)
    n, f = x.shape[0], w.shape[0]
    dout = _checks.check_dout(dout, (n, f, oh, ow), where, f"conv2d(x of shape {x.shape}, w of shape {w.shape})")
    dtype = np.result_type(x, dout)
    cols = im2col(x.astype(dtype), w.shape[2:], s, pad, d)   # (N*OH*OW, C*KH*KW)
    d_rows = dout.astype(dtype).transpose(0, 2, 3, 1).reshape(-1, f)   # (N*OH*OW, F), rows as in cols
    w_mat = w.reshape(f, -1).astype(dtype)                   # (F, C*KH*KW)
    dw = (d_rows.T @ cols).reshape(w.shape)                  # forward: out = cols @ w_mat.T
    db = d_rows.sum(axis=0)
    dx = col2im(d_rows @ w_mat, x.shape, w.shape[2:], s, pad, d)
    return dx, dw, db


# --- pooling -----------------------------------------------------------------------


def _pool_setup(where, x, kernel_size, stride, padding):
    x = _checks.as_float_array(x, "x", 4, where, "(N, C, H, W)")
    k = _checks.as_pair(kernel_size, "kernel_size", where, 1)
    s, pad, _, out_hw = _checks.geometry(
        x.shape[2:], k, k if stride is None else stride, padding, 1, where, "x", "kernel_size", f"x.shape={x.shape}"
    )
    _checks.check_pool_padding(pad, k, where)
    return x, k, s, pad, out_hw


def _channel_cols(x, k, s, pad, fill):
    """im2col of every channel on its own: (N*C*OH*OW, KH*KW), one window per row."""
    n, c, h, w = x.shape
    return im2col(x.reshape(n * c, 1, h, w), k, s, pad, (1, 1), fill)


def _winners(x, k, s, pad):
    """For each window (row of im2col), the column of the cell that gets the gradient.

    The first largest value in reading order; a padded cell never wins (it is
    not an input value); a window holding NaN picks its last NaN, as PyTorch's
    CPU kernel does.
    """
    cols = _channel_cols(x, k, s, pad, -np.inf)
    real = _channel_cols(np.ones_like(x), k, s, pad, 0.0) > 0          # False on padded cells
    best = cols.max(axis=1, keepdims=True)                              # NaN if the window holds one
    first_max = np.argmax((cols == best) & real, axis=1)
    nan = np.isnan(cols)
    last_nan = cols.shape[1] - 1 - np.argmax(nan[:, ::-1], axis=1)
    return np.where(nan.any(axis=1), last_nan, first_max), cols.shape


@_checks.keyword_only
def max_pool2d(x, kernel_size, *, stride=None, padding=0):
    """:func:`cnnlib.max_pool2d` as im2col per channel and a max along each row."""
    x, k, s, pad, (oh, ow) = _pool_setup("reference.max_pool2d", x, kernel_size, stride, padding)
    return _channel_cols(x, k, s, pad, -np.inf).max(axis=1).reshape(x.shape[:2] + (oh, ow))


@_checks.keyword_only
def avg_pool2d(x, kernel_size, *, stride=None, padding=0):
    """:func:`cnnlib.avg_pool2d` as im2col per channel and a mean along each row (padded zeros count)."""
    x, k, s, pad, (oh, ow) = _pool_setup("reference.avg_pool2d", x, kernel_size, stride, padding)
    return _channel_cols(x, k, s, pad, 0.0).mean(axis=1).reshape(x.shape[:2] + (oh, ow))


@_checks.keyword_only
def max_pool2d_backward(dout, x, kernel_size, *, stride=None, padding=0):
    """:func:`cnnlib.max_pool2d_backward`: each window's gradient to its winner, then col2im."""
    where = "reference.max_pool2d_backward"
    x, k, s, pad, out_hw = _pool_setup(where, x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    dout = _checks.check_dout(dout, (n, c) + tuple(out_hw), where, f"pooling x of shape {x.shape}")
    winner, shape = _winners(x, k, s, pad)
    d_cols = np.zeros(shape, dtype=np.result_type(x, dout))
    d_cols[np.arange(shape[0]), winner] = dout.ravel()
    return col2im(d_cols, (n * c, 1, h, w), k, s, pad, (1, 1)).reshape(x.shape)


@_checks.keyword_only
def avg_pool2d_backward(dout, x, kernel_size, *, stride=None, padding=0):
    """:func:`cnnlib.avg_pool2d_backward`: each window's gradient shared by its KH*KW cells, then col2im."""
    where = "reference.avg_pool2d_backward"
    x, k, s, pad, out_hw = _pool_setup(where, x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    dout = _checks.check_dout(dout, (n, c) + tuple(out_hw), where, f"pooling x of shape {x.shape}")
    share = dout.astype(np.result_type(x, dout)).reshape(-1, 1) / (k[0] * k[1])
    d_cols = np.repeat(share, k[0] * k[1], axis=1)
    return col2im(d_cols, (n * c, 1, h, w), k, s, pad, (1, 1)).reshape(x.shape)


__all__ = [
    "im2col",
    "col2im",
    "conv2d",
    "conv2d_backward",
    "max_pool2d",
    "avg_pool2d",
    "max_pool2d_backward",
    "avg_pool2d_backward",
]


# --- convolution tap by tap (position-independent rounding) --------------------------
#
# Why this exists: in the im2col path the channels of a layer are columns of a
# matrix product, and a BLAS kernel groups columns into tiles, so two channels
# holding the same numbers can be rounded differently just because they sit at
# different positions.  Here every kernel entry (c, i, j) is one shifted view of
# the padded input, and every channel and filter goes through the same sequence
# of elementwise NumPy operations (each correctly rounded IEEE arithmetic), and
# every sum runs along an outer axis in a fixed order: equal inputs give equal
# outputs, bit for bit, on every BLAS kernel and CPU.  Chapter 8 uses it for the
# identical-filter experiment.  It is slower than im2col.


def _tap_views(xp, kh, kw, s, d, oh, ow):
    (sh, sw), (dh, dw) = s, d
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))


@_checks.keyword_only
def conv2d_taps(x, w, b=None, *, stride=1, padding=0, dilation=1):
    """:func:`cnnlib.conv2d` tap by tap with elementwise operations only: same result, position-independent rounding.

    Examples
    --------
    >>> import numpy as np
    >>> conv2d_taps(np.arange(1.0, 10.0).reshape(1, 1, 3, 3), np.array([[[[1, 1], [0, 2]]]]))
    array([[[[13., 17.],
             [25., 29.]]]])
    """
    x, w, s, pad, d, (oh, ow) = _conv_setup("reference.conv2d_taps", x, w, stride, padding, dilation)
    n, c = x.shape[:2]
    f, _, kh, kw = w.shape
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out = np.zeros((n, f, oh, ow), dtype=x.dtype)
    for ch in range(c):
        for i, j, (rows, cols) in _tap_views(xp, kh, kw, s, d, oh, ow):
            out += w[None, :, ch, i, j, None, None] * xp[:, ch : ch + 1, rows, cols]   # out[:, f] += w[f,c,i,j] * view
    if b is not None:
        out += _checks.as_bias(b, w, "reference.conv2d_taps").astype(out.dtype)[None, :, None, None]
    return out


@_checks.keyword_only
def conv2d_taps_backward(dout, x, w, *, stride=1, padding=0, dilation=1):
    """:func:`cnnlib.conv2d_backward` tap by tap (see :func:`conv2d_taps`): ``(dx, dw, db)``.

    Examples
    --------
    >>> import numpy as np
    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((2, 1, 2, 2))
    >>> dx, dw, db = conv2d_taps_backward(np.ones((1, 2, 2, 2)), x, w)
    >>> dx[0, 0], dw[:, 0, 0, 0], db
    (array([[2., 4., 2.],
           [4., 8., 4.],
           [2., 4., 2.]]), array([4., 4.]), array([4., 4.]))
    """
    where = "reference.conv2d_taps_backward"
    x, w, s, pad, d, (oh, ow) = _conv_setup(where, x, w, stride, padding, dilation)
    n, c, h, wd = x.shape
    f, _, kh, kw = w.shape
    dout = _checks.check_dout(dout, (n, f, oh, ow), where, f"conv2d(x of shape {x.shape}, w of shape {w.shape})")
    dtype = np.result_type(x, dout)
    x, w, dout = x.astype(dtype), w.astype(dtype), dout.astype(dtype)
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    dxp = np.zeros_like(xp)
    dw = np.zeros(w.shape, dtype=dtype)
    # (N*OH*OW, F): sums over axis 0 of this layout add rows one after another, elementwise, in a fixed order
    db = np.ascontiguousarray(dout.transpose(0, 2, 3, 1)).reshape(-1, f).sum(axis=0)
    for ch in range(c):
        for i, j, (rows, cols) in _tap_views(xp, kh, kw, s, d, oh, ow):
            prod = dout * xp[:, ch : ch + 1, rows, cols]                     # (N, F, OH, OW)
            dw[:, ch, i, j] = np.ascontiguousarray(prod.transpose(0, 2, 3, 1)).reshape(-1, f).sum(axis=0)
            contrib = np.zeros((n, oh, ow), dtype=dtype)
            for fi in range(f):                                              # sum over filters, in order
                contrib += w[fi, ch, i, j] * dout[:, fi]
            dxp[:, ch, rows, cols] += contrib
    dx = dxp[:, :, top : top + h, left : left + wd]
    return dx, dw, db
