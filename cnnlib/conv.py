"""Convolution (합성곱) and cross-correlation (교차 상관), forward and backward.

Deep-learning libraries compute *cross-correlation* and call it convolution:
the kernel slides over the input without being flipped. :func:`correlate2d`
is that operation on one 2-D array, :func:`convolve2d` is the mathematician's
convolution (kernel flipped on both axes), and :func:`conv2d` is the layer a
CNN uses: batches, channels and many filters at once, computed with im2col and
a matrix product.

The textbook version of these layers, im2col and one matrix product in a few
lines, is :mod:`cnnlib.reference`; read it first. The functions here give the
same numbers (the property tests check them against it, and both against
loops and SciPy) with four changes, each kept because ``make bench`` (table
``variants_conv``, each change switched off in turn) shows that it pays:

* The im2col matrix is kept transposed, ``w.reshape(F, -1) @ im2col(x).T``
  rather than ``im2col(x) @ w.reshape(F, -1).T`` (the same numbers, as
  ``(A @ B).T == B.T @ A.T``): its copy then reads whole input rows (see
  :mod:`cnnlib.im2col`), and the forward pass multiplies image by image, so
  each product lands in the output already in (N, F, OH, OW) order.
* The batch is unfolded a few images at a time (``COLS_BYTES``), not all at
  once: the columns just copied are still in the CPU cache when the product
  reads them, and memory stays small.
* The temporaries live in reused scratch memory (:mod:`cnnlib._scratch`).
* Small output maps (at most ``BATCH_LAST_MAX_POSITIONS`` positions, like
  the 8 x 8 and 4 x 4 maps of chapter 8's network) take another path: the
  batch is copied *batch-last*, (C, H, W, N), so that one row of a tap's
  window holds all N images side by side, and the whole batch is one product
  (:func:`_conv_forward_batch_last`). The result is returned as a transposed
  view, still of shape (N, F, OH, OW), that the next layers keep in that
  memory order (see "batch axis last" in :mod:`cnnlib.im2col`). At those
  sizes this is 1.6-2.3x faster than the per-image path; at 28 x 28 it is
  faster with two BLAS threads and slower with one, hence the limit.

On the per-image path the backward pass computes ``dx`` image by image
too, so the part size cannot change a single bit of it (the batch-last path
has no parts); ``dw`` sums over the images, so its
rounding depends on the order of that sum. With stride 1 it gets ``dx``
without col2im: the gradient of a stride-1 cross-correlation is the
cross-correlation of the padded ``dout`` with the filters flipped and their
two channel axes swapped (see :func:`_dx_correlation_pad`), one more im2col
and product instead of adding KH*KW strided slices back.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ._checks import (
    as_bias,
    as_float_array,
    as_int,
    as_padding,
    as_pair,
    as_padding_mode,
    axis_padding,
    check_axis_fits,
    check_channels,
    check_dout,
    check_mode_padding,
    geometry,
    keyword_only,
    out_len,
    result_dtype,
)
from ._scratch import image_slices, scratch
from .im2col import fold, fold_batch_last, to_batch_last, unfold, unfold_batch_last
from .padding import _pad, _pad_backward

# How many bytes of im2col columns conv2d holds at once (at least one image's
# worth). A few MB fits the CPU caches; larger values only cost memory. Measured
# (variants_conv, whole batch in one part vs these parts): AlexNet conv1 float32
# backward 4.0 s vs 1.9 s, forward 0.80 s vs 0.59 s; the book's mnist layers
# 1.0-1.8x.
COLS_BYTES = 4 * 2**20


def _image_slices(n: int, bytes_per_image: int):
    """Consecutive slices of the batch whose im2col columns stay within COLS_BYTES."""
    return image_slices(n, bytes_per_image, COLS_BYTES)


@keyword_only
def output_size(n: int, kernel: int, *, padding=0, stride: int = 1, dilation: int = 1) -> int:
    """Length of one output axis of a convolution or pooling window.

    ``OH = floor((H + P_before + P_after - D*(K - 1) - 1) / S) + 1`` with
    dilation ``D`` (``D = 1``: no dilation). When the window does not land
    exactly on the last pixel the result is floored, as PyTorch does: the
    leftover rows are never read.

    Parameters
    ----------
    n : int
        Input length (H or W).
    kernel : int
        Kernel length (FH or FW).
    padding : int, (int, int) or {'valid', 'same', 'full'}, keyword-only
        An int is the number of zeros on *each* side; a pair (tuple, list or
        array) is ``(before, after)`` on this one axis; a name is read as
        :func:`conv2d` reads it.
    stride, dilation : int, keyword-only

    Returns
    -------
    int

    Examples
    --------
    >>> output_size(227, 11, stride=4)   # AlexNet conv1
    55
    >>> output_size(224, 11, stride=4)   # (224 - 11)/4 + 1 = 54.25, floored
    54
    >>> output_size(5, 3, padding='same')
    5
    >>> output_size(5, 3, padding=(0, 1))   # no zero before, one after
    4
    """
    where = "output_size"
    n = as_int(n, "n", where, 1)
    k = as_int(kernel, "kernel", where, 1)
    s = as_int(stride, "stride", where, 1)
    d = as_int(dilation, "dilation", where, 1)
    before, after = axis_padding(padding, k, s, d, where)
    check_axis_fits(n, k, before, after, d, where)
    return out_len(n, k, before, after, s, d)


# Small output maps: the batch axis last in memory (see "batch axis last" in
# cnnlib/im2col.py). Measured in `make bench` (variants_conv, column
# per_image: the per-image path below instead), on chapter 8's two layers:
# 1.6-2.3x faster (32 x 16 x 4 x 4 -> 32 filters, float32: forward 0.24 vs
# 0.54 ms, backward 0.48 vs 0.90 ms); on 128 x 16 x 14 x 14 -> 32, 0.94-1.5x.
# At 28 x 28 (column all_batch_last) it was faster still with BLAS's two
# threads (0.51-0.87x of the time) but slower with one (1.07-1.25x, timed
# alone), so the limit is 16 x 16 = 256 positions, where both agree.
# The whole batch is one product, without parts: its im2col matrix may hold
# up to BATCH_LAST_MAX_BYTES, else the per-image path (with parts) is taken.
BATCH_LAST = True
BATCH_LAST_MAX_POSITIONS = 256
BATCH_LAST_MAX_BYTES = 32 * 2**20


def _batch_last(x, w, out_hw) -> bool:
    """Whether conv2d takes the batch-last path: more than one image, small maps, columns that fit."""
    n, (f, c, kh, kw), (oh, ow) = x.shape[0], w.shape, out_hw
    cols_bytes = c * kh * kw * oh * ow * n * np.dtype(result_dtype(x, w)).itemsize
    return BATCH_LAST and n > 1 and oh * ow <= BATCH_LAST_MAX_POSITIONS and cols_bytes <= BATCH_LAST_MAX_BYTES


def _conv_forward_batch_last(x, w, b, s, pad, d, out_hw) -> np.ndarray:
    """conv2d with the batch axis last: one (F, K) @ (K, OH*OW*N) product for the whole batch.

    Returns a transposed view of a C-contiguous (F, OH, OW, N) array: shape
    (N, F, OH, OW), batch-last in memory. Unlike the per-image path, an
    image's result here can differ in its last bits with the batch size
    (the number of columns of the product, which BLAS cuts into tiles), as
    in PyTorch; it does not depend on ``COLS_BYTES``.
    """
    n = x.shape[0]
    f, c, kh, kw = w.shape
    oh, ow = out_hw
    dtype = result_dtype(x, w)
    w_mat = w.reshape(f, -1).astype(dtype, copy=False)                    # (F, C*KH*KW)
    xt = to_batch_last(x.astype(dtype, copy=False))                       # (C, H, W, N)
    cols = unfold_batch_last(xt, (kh, kw), s, pad, d, out_hw,
                             out=scratch("cols", (c * kh * kw, oh * ow * n), dtype))
    out = w_mat @ cols                                                    # (F, OH*OW*N)
    if b is not None:
        out += b.astype(dtype, copy=False)[:, None]
    return out.reshape(f, oh, ow, n).transpose(3, 0, 1, 2)


def _conv_backward_batch_last(dout, x, w, s, pad, d, out_hw, need_dx):
    """conv2d_backward with the batch axis last (see :func:`_conv_forward_batch_last`).

    With ``d_rows`` the (F, OH*OW*N) batch-last gradient: ``dw = d_rows @ cols.T``
    and ``dx = col2im(w_mat.T @ d_rows)``, where col2im is one slice addition
    per kernel tap (runs of OW*N numbers). dx is returned batch-last, as a
    transposed view.
    """
    (oh, ow), n = out_hw, x.shape[0]
    f, c, kh, kw = w.shape
    dtype = result_dtype(x, w, dout)
    w_mat = w.reshape(f, -1).astype(dtype, copy=False)                    # (F, C*KH*KW)
    xt = to_batch_last(x.astype(dtype, copy=False))                       # (C, H, W, N)
    cols = unfold_batch_last(xt, (kh, kw), s, pad, d, out_hw,
                             out=scratch("cols", (c * kh * kw, oh * ow * n), dtype))
    d_rows = to_batch_last(dout.astype(dtype, copy=False)).reshape(f, -1)   # (F, OH*OW*N)
    dw = (d_rows @ cols.T).reshape(w.shape)
    db = d_rows.sum(axis=1)
    if not need_dx:
        return None, dw, db
    d_cols = (w_mat.T @ d_rows).reshape(c, kh, kw, oh, ow, n)
    dx = fold_batch_last(d_cols, x.shape[2:], (kh, kw), s, pad, d)        # (C, H, W, N)
    return dx.transpose(3, 0, 1, 2), dw, db


def _conv_forward(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray], s, pad, d, out_hw) -> np.ndarray:
    if _batch_last(x, w, out_hw):
        return _conv_forward_batch_last(x, w, b, s, pad, d, out_hw)
    n = x.shape[0]
    f, c, kh, kw = w.shape
    # float32 in, float32 all the way (half the memory traffic of float64);
    # astype(copy=False) copies nothing when the dtype already matches.
    # The result's dtype is that of x and w; the bias is cast to it (a list or
    # a float64 bias does not turn a float32 layer into a float64 one).
    dtype = result_dtype(x, w)
    x = x.astype(dtype, copy=False)
    w_mat = w.reshape(f, -1).astype(dtype, copy=False)                    # (F, C*KH*KW)
    oh, ow = out_hw
    out = np.empty((n, f, oh * ow), dtype=dtype)
    bias = None if b is None else b.astype(dtype, copy=False)[:, None]   # (F, 1): filter f's bias on all of map f
    for part in _image_slices(n, c * kh * kw * oh * ow * x.itemsize):
        m = part.stop - part.start                                        # images in this part
        # Each image's im2col matrix, transposed: (C*KH*KW, OH*OW), in reused
        # scratch memory (see _scratch.py).
        cols = unfold(x[part], (kh, kw), s, pad, d, out=scratch("cols", (m, c * kh * kw, oh * ow), dtype), per_image=True)
        # One product per image, (F, C*KH*KW) @ (C*KH*KW, OH*OW): row f is
        # filter f's output map, already in the (N, F, OH*OW) order of `out`.
        # Measured against one product per part and a transposing copy
        # (variants_conv, per part product): mnist-conv1 float32 0.96 vs 7.9 ms,
        # mnist-conv2 13.9 vs 52 ms; the same within noise at AlexNet and wide-14x14.
        np.matmul(w_mat, cols, out=out[part])
        if bias is not None:
            out[part] += bias
    return out.reshape(n, f, oh, ow)                                      # free: already in this order


@keyword_only
def conv2d(x, w, b=None, *, stride=1, padding=0, dilation=1, padding_mode="zeros") -> np.ndarray:
    """2-D convolution layer (really cross-correlation, as in every DL library).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        A batch of N images with C channels. Integers and booleans are promoted
        to float64; the result is float32 when ``x`` and ``w`` are both float32.
    w : array_like, shape (F, C, KH, KW)
        F filters, each spanning all C input channels.
    b : array_like, shape (F,), optional
        One bias per filter, added to every output position. It is cast to
        the result's dtype (that of ``x`` and ``w``): a list, or a float64
        bias, does not make a float32 layer compute in float64.
    stride, dilation : int or (int, int), keyword-only
    padding : int, (int, int), (top, bottom, left, right) or {'valid', 'same', 'full'}, keyword-only
        Rows/columns added on *each* side: an int for all four sides, ``(ph, pw)``
        for top and bottom / left and right.
    padding_mode : {'zeros', 'circular', 'reflect', 'replicate'}, keyword-only
        What the padding holds, as in ``torch.nn.Conv2d(padding_mode=...)``:
        zeros, the input wrapped around, the input mirrored about its edge
        (edge not repeated) or the edge repeated (see :mod:`cnnlib.padding`).
        A mode other than ``'zeros'`` pads ``x`` with :func:`cnnlib.pad2d`
        first and then convolves with no padding, as PyTorch does; the output
        size is the same in every mode. ``'reflect'`` needs each side's
        padding smaller than the input, ``'circular'`` at most its size.

    Returns
    -------
    ndarray, shape (N, F, OH, OW)
        ``OH = output_size(H, KH, padding=..., stride=..., dilation=...)`` and likewise OW.

    See Also
    --------
    cnnlib.reference.conv2d : the same layer as the textbook writes it (im2col
        and one matrix product), which the tests compare this one with.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1, 10).reshape(1, 1, 3, 3)
    >>> w = np.array([[[[1, 1], [0, 2]]]])
    >>> conv2d(x, w)
    array([[[[13., 17.],
             [25., 29.]]]])
    >>> conv2d(np.zeros((8, 3, 32, 32)), np.zeros((16, 3, 5, 5)), padding=2).shape
    (8, 16, 32, 32)
    >>> # each row padded circularly, [3, 1, 2, 3, 1]; then neighbours summed: 3+1, 1+2, 2+3, 3+1
    >>> conv2d(x, np.ones((1, 1, 1, 2)), padding=(0, 1), padding_mode="circular")
    array([[[[ 4.,  3.,  5.,  4.],
             [10.,  9., 11., 10.],
             [16., 15., 17., 16.]]]])
    """
    where = "conv2d"
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    w = as_float_array(w, "w", 4, where, "(F, C, KH, KW)")
    check_channels(x, w, where)
    if b is not None:
        b = as_bias(b, w, where)
    mode = as_padding_mode(padding_mode, where)
    shapes = f"x.shape={x.shape}, w.shape={w.shape}"
    s, pad, d, out_hw = geometry(x.shape[2:], w.shape[2:], stride, padding, dilation, where, "x", "w", shapes)
    if mode != "zeros":
        # PyTorch's way: pad in the mode, then convolve with no padding (the zero path, unchanged).
        check_mode_padding(pad, x.shape[2:], mode, where, shapes)
        x, pad = _pad(x, pad, mode), (0, 0, 0, 0)
    return _conv_forward(x, w, b, s, pad, d, out_hw)


@keyword_only
def conv2d_backward(dout, x, w, *, stride=1, padding=0, dilation=1, padding_mode="zeros",
                    need_dx=True) -> Tuple[Optional[np.ndarray], np.ndarray, np.ndarray]:
    """Gradients of :func:`conv2d` with respect to its input, filters and bias.

    Parameters
    ----------
    dout : array_like, shape (N, F, OH, OW)
        Gradient of the loss with respect to the output of ``conv2d``.
    x, w, stride, padding, dilation, padding_mode
        The arguments the forward pass was called with.
    need_dx : bool, keyword-only
        ``False``: skip ``dx`` and return ``None`` in its place. The first
        layer of a network needs no input gradient (nothing is learned before
        it), and ``dx`` is a third of the work: a product and a col2im.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), or None if ``need_dx`` is False
        ``col2im(dout_rows @ w_matrix)``: each output's gradient flows back to
        every pixel of its receptive field. With a ``padding_mode`` other than
        ``'zeros'`` this is first the gradient of the padded input, which
        :func:`cnnlib.pad2d_backward` then folds back onto ``x`` (a padded
        pixel's gradient goes to the pixel it copied).
    dw : ndarray, shape (F, C, KH, KW)
        ``dout_rows.T @ im2col(x)``.
    db : ndarray, shape (F,)
        ``dout`` summed over the batch and both spatial axes.

    See Also
    --------
    cnnlib.reference.conv2d_backward : the same three gradients as the
        textbook writes them (two matrix products and col2im).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1, 10).reshape(1, 1, 3, 3)
    >>> w = np.array([[[[1, 1], [0, 2]]]])
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dw[0, 0]                     # sum of each kernel tap's inputs
    array([[12., 16.],
           [24., 28.]])
    >>> db
    array([4.])
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 3, 3)), x, w, padding=(0, 1, 0, 1), padding_mode="replicate")
    >>> dx[0, 0]                     # the padded last row and column send their gradient to the edge
    array([[ 1.,  2.,  3.],
           [ 1.,  4.,  7.],
           [ 1.,  6., 11.]])
    >>> conv2d_backward(np.ones((1, 1, 2, 2)), x, w, need_dx=False)[0] is None
    True
    """
    where = "conv2d_backward"
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    w = as_float_array(w, "w", 4, where, "(F, C, KH, KW)")
    check_channels(x, w, where)
    mode = as_padding_mode(padding_mode, where)
    shapes = f"x.shape={x.shape}, w.shape={w.shape}"
    s, pad, d, (oh, ow) = geometry(x.shape[2:], w.shape[2:], stride, padding, dilation, where, "x", "w", shapes)
    n, f = x.shape[0], w.shape[0]
    dout = check_dout(dout, (n, f, oh, ow), where, f"conv2d(x of shape {x.shape}, w of shape {w.shape})")
    need_dx = bool(need_dx)
    if mode == "zeros":
        return _conv_backward(dout, x, w, s, pad, d, (oh, ow), need_dx)
    check_mode_padding(pad, x.shape[2:], mode, where, shapes)
    dxp, dw, db = _conv_backward(dout, _pad(x, pad, mode), w, s, (0, 0, 0, 0), d, (oh, ow), need_dx)
    return (_pad_backward(dxp, pad, mode) if need_dx else None), dw, db


# dx as a correlation (stride 1) instead of col2im. Measured in `make bench`
# (variants_conv, column dx_by_fold): see benchmarks/README.md.
DX_BY_CORRELATION = True


def _dx_correlation_pad(s, pad, d, kernel):
    """Padding of ``dout`` that makes a stride-1 ``dx`` a 'valid' correlation, or None.

    With stride 1, input pixel h received ``dout[i] * w[p]`` from every tap p
    and output i with ``h = i + D*p - top``. Padding ``dout`` with
    ``D*(K-1) - top`` zeros before (and ``D*(K-1) - bottom`` after) and
    flipping the kernel turns that sum into a plain cross-correlation with
    the same dilation, whose output has exactly H rows:
    ``dx[h] = sum_p' dout_padded[h + D*p'] * w[K-1-p']``. It needs stride 1
    and at most ``D*(K-1)`` zeros on each side (else the padding would be
    negative); otherwise None and the caller folds (col2im).
    """
    if not DX_BY_CORRELATION or tuple(s) != (1, 1):
        return None
    reach_h, reach_w = d[0] * (kernel[0] - 1), d[1] * (kernel[1] - 1)
    top, bottom, left, right = pad
    full = (reach_h - top, reach_h - bottom, reach_w - left, reach_w - right)
    return full if min(full) >= 0 else None


def _conv_backward(dout, x, w, s, pad, d, out_hw, need_dx):
    """conv2d_backward after the checks (zero padding ``pad``)."""
    if _batch_last(x, w, out_hw):
        return _conv_backward_batch_last(dout, x, w, s, pad, d, out_hw, need_dx)
    (oh, ow), n, f = out_hw, x.shape[0], w.shape[0]
    dtype = result_dtype(x, w, dout)
    kernel = w.shape[2:]
    w_mat = w.reshape(f, -1).astype(dtype, copy=False)                      # (F, C*KH*KW)
    # Contiguous: NumPy's stacked matmul below handed the transposed view to
    # BLAS 14x more slowly (measured: 14 ms vs 1.0 ms for 8 calls at mnist-conv2).
    w_t = np.ascontiguousarray(w_mat.T)                                     # (C*KH*KW, F)
    d_out = dout.astype(dtype, copy=False).reshape(n, f, oh * ow)           # (N, F, OH*OW)
    x = x.astype(dtype, copy=False)
    c, kh, kw = w.shape[1:]
    dw = np.zeros(w_mat.shape, dtype=dtype)
    dx = np.empty(x.shape, dtype=dtype) if need_dx else None
    full_pad = _dx_correlation_pad(s, pad, d, kernel) if need_dx else None
    if full_pad is not None:
        # The flipped filters with their channel axes swapped, as a (C, F*KH*KW) matrix:
        # w_flip[c, f, p, q] = w[f, c, KH-1-p, KW-1-q].
        w_flip = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), dtype=dtype).reshape(c, -1)
        d_out4 = d_out.reshape(n, f, oh, ow)
    # A few images at a time, as in conv2d, in reused scratch memory.
    for part in _image_slices(n, w_mat.shape[1] * oh * ow * x.itemsize):
        m = part.stop - part.start
        # dw: forward is out = w_mat @ cols, so dw = d_rows @ cols.T, one product
        # per part with the part's images side by side (a sum over the images, so
        # its rounding depends on the part size anyway).
        cols = unfold(x[part], kernel, s, pad, d, out=scratch("cols", (c * kh * kw, m * oh * ow), dtype))
        d_rows = scratch("d_rows", (f, m * oh * ow), dtype)                # (F, m*OH*OW)
        np.copyto(d_rows.reshape(f, m, oh * ow), d_out[part].transpose(1, 0, 2))
        dw += d_rows @ cols.T
        if not need_dx:
            continue
        if full_pad is not None:
            # dx image by image as the correlation of the padded dout with w_flip
            # (see _dx_correlation_pad): (C, F*KH*KW) @ (F*KH*KW, H*W) per image.
            h, wd = x.shape[2:]
            d_cols = unfold(d_out4[part], kernel, (1, 1), full_pad, d, per_image=True,
                            out=scratch("d_cols", (m, f * kh * kw, h * wd), dtype))
            np.matmul(w_flip, d_cols, out=dx[part].reshape(m, c, h * wd))
            continue
        # dx: d cols = w_mat.T @ d_out, one product per image, (C*KH*KW, F) @ (F, OH*OW),
        # so each image's dx comes from the same operations whatever the part size;
        # then added back where each value was read (col2im).
        d_cols = np.matmul(w_t, d_out[part], out=scratch("d_cols", (m, c * kh * kw, oh * ow), dtype))
        d_cols = d_cols.reshape(m, c, kh, kw, oh, ow)
        dx[part] = fold(d_cols, x[part].shape, kernel, s, pad, d, slot="fold")
    db = d_out.sum(axis=(0, 2))
    return dx, dw.reshape(w.shape), db


@keyword_only
def correlate2d(x, k, *, padding=0, stride=1, dilation=1) -> np.ndarray:
    """Cross-correlation (교차 상관) of one 2-D array with one 2-D kernel.

    ``out[i, j] = sum_{m, n} x[i*S + m*D, j*S + n*D] * k[m, n]`` over the padded
    input: the kernel slides **without** being flipped. This is what
    ``torch.nn.Conv2d`` and every deep-learning "convolution" compute.

    How it relates to ``scipy.signal.correlate2d`` (equal up to floating-point
    rounding, because the products are added in another order; exactly equal
    for integer inputs). With dilation D compare with SciPy on the kernel with
    D - 1 zeros between its taps; with stride S take every S-th row and column
    of SciPy's result.

    * ``padding='full'``: equals ``correlate2d(x, k, mode='full')``, for any
      shapes.
    * ``padding='valid'`` (or 0, the default): equals ``mode='valid'`` when the
      kernel fits in the input, ``KH <= H`` and ``KW <= W``. When it does not,
      this function raises ``ValueError``. SciPy raises too when only one axis
      is too large, but when ``k`` is larger on both axes it swaps the two
      arrays and returns ``correlate2d(k, x, 'valid')`` rotated by 180°
      ("swapped valid"): a result that is not the kernel sliding over ``x``.
    * ``padding='same'`` (stride 1 only): equals ``mode='same'``, also for a
      kernel larger than the input. An even kernel needs an odd number of
      zeros; the extra row/column goes at the bottom/right, as in PyTorch and
      ``scipy.signal.correlate2d``. The n-dimensional
      ``scipy.signal.correlate(x, k, mode='same')`` puts it at the top/left
      instead, so for an even kernel its result is shifted by one; for an odd
      kernel all three agree.
    * explicit padding (an int, (ph, pw) or (top, bottom, left, right)):
      equals ``mode='valid'`` on ``np.pad(x, ((top, bottom), (left, right)))``.

    Parameters
    ----------
    x : array_like, shape (H, W)
    k : array_like, shape (KH, KW)
    padding : int, (int, int), (top, bottom, left, right) or {'valid', 'same', 'full'}, keyword-only
        Zeros per side. ``'same'`` keeps the size (stride 1 only).
    stride, dilation : int or (int, int), keyword-only

    Returns
    -------
    ndarray, shape (OH, OW)

    Raises
    ------
    ValueError
        If the (dilated) kernel is larger than the padded input on either axis,
        or ``padding='same'`` with a stride other than 1.

    Examples
    --------
    >>> x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    >>> correlate2d(x, [[1, 1], [0, 2]])
    array([[13., 17.],
           [25., 29.]])
    >>> correlate2d(x, [[1, 1], [0, 2]], padding='same')   # the extra zeros at the bottom/right
    array([[13., 17.,  3.],
           [25., 29.,  6.],
           [15., 17.,  9.]])
    >>> correlate2d([[1, 1], [0, 2]], x)                    # no 'valid' position: no SciPy-style swap
    Traceback (most recent call last):
    ...
    ValueError: correlate2d: k covers (3, 3) (height, width), larger than the padded input (2, 2) (x.shape=(2, 2), k.shape=(3, 3); padding (top, bottom, left, right)=(0, 0, 0, 0))
    """
    return _single("correlate2d", x, k, padding, stride, dilation, flip=False)


@keyword_only
def convolve2d(x, k, *, padding=0, stride=1, dilation=1) -> np.ndarray:
    """Convolution (합성곱) in the mathematical sense: the kernel is flipped.

    ``convolve2d(x, k, ...) == correlate2d(x, k[::-1, ::-1], ...)`` for every
    padding except an even kernel with ``'same'``, where the odd extra
    row/column of zeros moves to the top/left (the flip moves it), so that the
    result stays equal to ``scipy.signal.convolve2d(x, k, mode='same')`` (and
    to ``scipy.signal.convolve``'s).

    Relation to ``scipy.signal.convolve2d`` (up to rounding; exact for
    integers), as for :func:`correlate2d`: ``'full'`` equals ``mode='full'``
    for any shapes; ``'same'`` equals ``mode='same'``; ``'valid'`` equals
    ``mode='valid'`` when the kernel fits in the input, and raises
    ``ValueError`` where SciPy would swap the two arrays (``k`` larger on both
    axes; SciPy then returns ``convolve2d(k, x, 'valid')``).

    Only with ``padding='full'`` is the operation **commutative**,
    ``convolve2d(a, b, padding='full') == convolve2d(b, a, padding='full')``,
    and associative, and for any shapes, unlike cross-correlation. In
    ``'valid'`` and ``'same'`` mode the two arguments play different roles
    (``'same'`` returns the shape of ``x``; ``'valid'`` needs ``k`` to fit in
    ``x``), so swapping them changes the result or raises.

    Parameters, Returns and Raises are as for :func:`correlate2d`.

    Examples
    --------
    >>> convolve2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1], [0, 2]])
    array([[11., 15.],
           [23., 27.]])
    >>> convolve2d([[1, 2]], [[3, 4, 5]], padding='full')   # [1*3, 1*4 + 2*3, 1*5 + 2*4, 2*5]
    array([[ 3., 10., 13., 10.]])
    >>> convolve2d([[3, 4, 5]], [[1, 2]], padding='full')   # commutative in 'full' mode
    array([[ 3., 10., 13., 10.]])
    >>> convolve2d([[3, 4, 5]], [[1, 2]], padding='same')   # not in 'same': the shape of x ...
    array([[ 3., 10., 13.]])
    >>> convolve2d([[1, 2]], [[3, 4, 5]], padding='same')
    array([[10., 13.]])
    """
    return _single("convolve2d", x, k, padding, stride, dilation, flip=True)


def _single(where, x, k, padding, stride, dilation, flip: bool) -> np.ndarray:
    x = as_float_array(x, "x", 2, where, "(H, W)")
    k = as_float_array(k, "k", 2, where, "(KH, KW)")
    if flip:
        k = k[::-1, ::-1]
        if isinstance(padding, str) and padding == "same" and as_pair(stride, "stride", where, 1) == (1, 1):
            # Flipping the kernel moves the odd extra row/column of 'same' to
            # the other side; this keeps the result equal to SciPy's.
            top, bottom, left, right = as_padding("same", k.shape, (1, 1), as_pair(dilation, "dilation", where, 1), where)
            padding = (bottom, top, right, left)
    shapes = f"x.shape={x.shape}, k.shape={k.shape}"
    s, pad, d, out_hw = geometry(x.shape, k.shape, stride, padding, dilation, where, "x", "k", shapes)
    return _conv_forward(x[None, None], k[None, None], None, s, pad, d, out_hw)[0, 0]


__all__ = ["output_size", "conv2d", "conv2d_backward", "correlate2d", "convolve2d"]
