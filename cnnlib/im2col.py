"""im2col and its adjoint col2im: convolution as one matrix product.

``im2col`` copies every receptive field (수용 영역) of a batch of images into
one row of a matrix, so that a convolution becomes a single matrix product with
the filters laid out as columns. ``col2im`` goes back: it is the *adjoint* of
``im2col`` (it sums the overlapping windows), **not** its inverse.

Inside the library (:func:`unfold` and :func:`fold`, used by ``conv2d``) the
same numbers are kept transposed: ``unfold(x) == im2col(x).T``, one *row per
kernel tap* (C*KH*KW rows) and one *column per output position* (N*OH*OW
columns). The copy is then several times faster, because its innermost loop
walks along an input row (OW numbers at a time) instead of along one window
(KW numbers at a time); see ``benchmarks/``.
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ._checks import as_float_array, as_int, as_shape, check_cols, geometry, keyword_only
from ._scratch import scratch

Pad4 = Tuple[int, int, int, int]
Pair = Tuple[int, int]


def pad_nchw(x: np.ndarray, pad: Pad4, value: float = 0.0, slot: Optional[str] = None) -> np.ndarray:
    """Pad the two spatial axes of an (N, C, H, W) array by ``(top, bottom, left, right)``.

    With ``slot`` the padded copy lives in that scratch slot (see
    :mod:`cnnlib._scratch`) and is valid only until the slot is used again.
    """
    if not any(pad):
        return x
    top, bottom, left, right = pad
    n, c, h, w = x.shape
    shape = (n, c, top + h + bottom, left + w + right)
    # A frame of `value` around every image (np.pad does the same, a few times slower).
    xp = empty_like_layout(x, shape, x.dtype) if slot is None else scratch(slot, shape, x.dtype)
    xp.fill(value)
    xp[:, :, top : top + h, left : left + w] = x
    return xp


def windows(
    x: np.ndarray, kernel: Pair, stride: Pair, pad: Pad4, dilation: Pair, value: float = 0.0, slot: Optional[str] = None
) -> np.ndarray:
    """Read-only strided view of shape (N, C, OH, OW, KH, KW) over the padded input.

    ``windows(...)[n, c, i, j]`` is the KH x KW patch that output position
    (i, j) sees in channel c. Nothing is copied except for the padding. The
    arguments must already be checked (see :func:`cnnlib._checks.geometry`).
    ``slot``: pad into that scratch slot (see :func:`pad_nchw`).
    """
    xp = pad_nchw(x, pad, value, slot)
    n, c, h, w = xp.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    s_n, s_c, s_h, s_w = xp.strides
    return as_strided(
        xp,
        shape=(n, c, oh, ow, kh, kw),
        strides=(s_n, s_c, s_h * sh, s_w * sw, s_h * dh, s_w * dw),
        writeable=False,
    )


def unfold(
    x: np.ndarray,
    kernel: Pair,
    stride: Pair,
    pad: Pad4,
    dilation: Pair,
    out: Optional[np.ndarray] = None,
    per_image: bool = False,
) -> np.ndarray:
    """im2col without argument checks, transposed: (C*KH*KW, N*OH*OW).

    ``unfold(x, ...) == im2col(x, ...).T``: row ``c*KH*KW + p*KW + q`` holds
    what kernel tap (c, p, q) sees at every output position, image by image in
    reading order. So ``w.reshape(F, -1) @ unfold(x, ...)`` is the convolution
    as an (F, N*OH*OW) matrix.

    ``per_image=True``: the same matrix for each image on its own, stacked:
    (N, C*KH*KW, OH*OW), and ``w.reshape(F, -1) @ unfold(...)`` is then the
    convolution already in the (N, F, OH*OW) order of the output.

    ``out``: a C-contiguous array of that shape to write into (conv2d passes
    scratch memory, and then the padding goes to scratch slot "pad" too).
    """
    win = windows(x, kernel, stride, pad, dilation, slot=None if out is None else "pad")
    n, c, oh, ow, kh, kw = win.shape
    # The one copy happens here. With the output axes (OH, OW) last, the
    # innermost loop of the copy reads a run of OW numbers along an input row,
    # not the KW numbers of one window: far fewer, longer steps.
    if per_image:
        taps = win.transpose(0, 1, 4, 5, 2, 3)                            # (N, C, KH, KW, OH, OW)
        shape = (n, c * kh * kw, oh * ow)
    else:
        taps = win.transpose(1, 4, 5, 0, 2, 3)                            # (C, KH, KW, N, OH, OW)
        shape = (c * kh * kw, n * oh * ow)
    if out is None:
        return taps.reshape(shape)
    np.copyto(out.reshape(taps.shape), taps)
    return out.reshape(shape)


def fold(
    patches: np.ndarray,
    x_shape: Tuple[int, int, int, int],
    kernel: Pair,
    stride: Pair,
    pad: Pad4,
    dilation: Pair,
    slot: Optional[str] = None,
) -> np.ndarray:
    """col2im without argument checks: add every window value back where it was read.

    ``patches`` has shape (N, C, KH, KW, OH, OW) (any strides: a transposed
    view of im2col's matrix or of :func:`unfold`'s is fine): ``patches[n, c, p, q, i, j]``
    is added to the input pixel that kernel tap (p, q) read for output (i, j).
    Overlapping windows add up. Returns (N, C, H, W).

    With ``slot`` the sums are made in that scratch slot and the result is a
    view of it (valid until the slot is used again): copy it out.
    """
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    top, bottom, left, right = pad
    hp, wp = h + top + bottom, w + left + right
    oh, ow = patches.shape[4:]
    if slot is None:
        xp = np.zeros((n, c, hp, wp), dtype=patches.dtype)
    else:
        xp = scratch(slot, (n, c, hp, wp), patches.dtype)
        xp.fill(0)
    for i in range(kh):
        r0 = i * dh
        for j in range(kw):
            c0 = j * dw
            # Kernel element (i, j) touched these input pixels, one per output position.
            xp[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw] += patches[:, :, i, j]
    return xp[:, :, top : top + h, left : left + w]


# ---------------------------------------------------------------------------
# The same two copies with the batch axis last.
#
# For small images the copies above are slow: a 4 x 4 map gives runs of only 4
# numbers, and the many tiny products pay NumPy's and BLAS's per-call cost
# each time. Putting the batch axis *last* in memory, (C, H, W, N), fixes both:
# one row of a kernel tap's window is then OW*N neighbouring numbers (all N
# images side by side), and the whole batch is one matrix product
# (F, C*KH*KW) @ (C*KH*KW, OH*OW*N). PyTorch calls such a choice a *memory
# format* (``torch.channels_last``): the array still has the shape
# (N, C, H, W), only the order of its numbers in memory differs. conv2d uses
# this layout when the output maps are small (``conv.BATCH_LAST_MAX_POSITIONS``)
# and returns its result as a transposed *view*, ``out.transpose(3, 0, 1, 2)``,
# so that the next layer (ReLU, pooling, the next conv2d) gets the batch-last
# numbers for free.
# ---------------------------------------------------------------------------


def is_batch_last(x: np.ndarray) -> bool:
    """True if the batch axis of the (N, C, H, W) array ``x`` is its innermost in memory (and N > 1).

    That is the case for conv2d's batch-last results, for what NumPy makes
    from them element by element (``np.maximum(x, 0)`` keeps the memory order
    of its input), and for a slice of the batch, ``x[a:b]``, of any of these.
    """
    return x.ndim == 4 and x.shape[0] > 1 and x.strides[0] == x.itemsize


def to_batch_last(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> a C-contiguous (C, H, W, N) array; free (no copy) if ``x`` is already batch-last."""
    return np.ascontiguousarray(x.transpose(1, 2, 3, 0))


def empty_batch_last(shape: Tuple[int, int, int, int], dtype) -> np.ndarray:
    """An uninitialised (N, C, H, W) array of ``shape``, stored as a C-contiguous (C, H, W, N) block."""
    n, c, h, w = shape
    return np.empty((c, h, w, n), dtype).transpose(3, 0, 1, 2)


def empty_like_layout(x: np.ndarray, shape: Tuple[int, int, int, int], dtype) -> np.ndarray:
    """An uninitialised (N, C, H, W) array of ``shape``, batch-last in memory if ``x`` is.

    Pooling allocates its results with this, so that an output keeps the
    memory order of its input and NumPy's loops keep running over neighbouring numbers.
    """
    return empty_batch_last(shape, dtype) if is_batch_last(x) else np.empty(shape, dtype)


def unfold_batch_last(xt: np.ndarray, kernel: Pair, stride: Pair, pad: Pad4, dilation: Pair,
                      out_hw: Pair, out: Optional[np.ndarray] = None) -> np.ndarray:
    """im2col of a batch-last (C, H, W, N) array, transposed: (C*KH*KW, OH*OW*N).

    Row ``c*KH*KW + p*KW + q`` holds what kernel tap (c, p, q) sees at every
    output position (i, j) of every image n, at column ``(i*OW + j)*N + n``.
    The copy is one slice assignment per kernel tap: the tap's window over all
    channels and images, read in runs of OW*N neighbouring numbers (stride 1).
    ``out``: a C-contiguous (C*KH*KW, OH*OW*N) array to write into.
    """
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    top, bottom, left, right = pad
    c, h, w, n = xt.shape
    if any(pad):   # a zero frame around every channel
        xp = np.zeros((c, top + h + bottom, left + w + right, n), xt.dtype)
        xp[:, top : top + h, left : left + w] = xt
    else:
        xp = xt
    cols = np.empty((c * kh * kw, oh * ow * n), xt.dtype) if out is None else out
    taps = cols.reshape(c, kh, kw, oh, ow, n)
    for p in range(kh):
        for q in range(kw):
            taps[:, p, q] = xp[:, p * dh : p * dh + sh * (oh - 1) + 1 : sh, q * dw : q * dw + sw * (ow - 1) + 1 : sw]
    return cols


def fold_batch_last(d_cols: np.ndarray, in_hw: Pair, kernel: Pair, stride: Pair, pad: Pad4,
                    dilation: Pair) -> np.ndarray:
    """col2im for the batch-last layout: (C, KH, KW, OH, OW, N) -> a C-contiguous (C, H, W, N).

    The adjoint of :func:`unfold_batch_last`: each tap's values are added back
    where that tap read them, one slice addition per tap, and the padding is cropped.
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    c, oh, ow, n = d_cols.shape[0], d_cols.shape[3], d_cols.shape[4], d_cols.shape[5]
    h, w = in_hw
    top, bottom, left, right = pad
    xp = np.zeros((c, top + h + bottom, left + w + right, n), d_cols.dtype)
    for p in range(kh):
        for q in range(kw):
            xp[:, p * dh : p * dh + sh * (oh - 1) + 1 : sh, q * dw : q * dw + sw * (ow - 1) + 1 : sw] += d_cols[:, p, q]
    if not any(pad):
        return xp
    return np.ascontiguousarray(xp[:, top : top + h, left : left + w])


@keyword_only
def im2col(x, kh: int, kw: int, *, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Lay every receptive field of ``x`` out as one row of a matrix.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        A batch of images. Integers and booleans are promoted to float64.
    kh, kw : int
        Kernel height and width.
    stride, padding, dilation : int or (int, int), keyword-only
        As in :func:`cnnlib.conv2d`; ``padding`` is per side and may also be
        ``(top, bottom, left, right)``, ``'valid'``, ``'same'`` or ``'full'``.

    Returns
    -------
    cols : ndarray, shape (N*OH*OW, C*KH*KW)
        A new, writeable array that owns its data. Row ``n*OH*OW + i*OW + j``
        holds the patch seen by output position (i, j) of image n, flattened
        channel-major (C, KH, KW), so that ``cols @ w.reshape(F, -1).T`` is
        the convolution with filters ``w``. :func:`cnnlib.reference.im2col`
        is the same copy written as a loop over the kernel taps.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1, 10).reshape(1, 1, 3, 3)
    >>> im2col(x, 2, 2)
    array([[1., 2., 4., 5.],
           [2., 3., 5., 6.],
           [4., 5., 7., 8.],
           [5., 6., 8., 9.]])
    """
    where = "im2col"
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    kernel = (as_int(kh, "kh", where, 1), as_int(kw, "kw", where, 1))
    s, pad, d, _ = geometry(x.shape[2:], kernel, stride, padding, dilation, where, shapes=f"x.shape={x.shape}")
    win = windows(x, kernel, s, pad, d)                                   # (N, C, OH, OW, KH, KW), a view
    n, c, oh, ow, kh, kw = win.shape
    # One copy: the transpose puts the channel next to the kernel axes so each
    # row holds one receptive field, channel-major like w.reshape(F, -1).
    # Copy into a new array even where a reshape could have been a view (a 1x1
    # kernel: a view of x, or of the read-only padded copy), so the caller
    # always gets a new, writeable array that owns its data.
    cols = np.empty((n * oh * ow, c * kh * kw), dtype=win.dtype)
    np.copyto(cols.reshape(n, oh, ow, c, kh, kw), win.transpose(0, 2, 3, 1, 4, 5))
    return cols


@keyword_only
def col2im(cols, x_shape, kh: int, kw: int, *, stride=1, padding=0, dilation=1) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every row back where it was read from.

    Where windows overlap, their values are **summed**; ``col2im`` therefore
    does not invert ``im2col`` (a pixel read by four windows comes back four
    times as large). It is the transpose of the linear map ``im2col``, which is
    exactly what the backward pass of a convolution needs:
    ``<im2col(x), y> == <x, col2im(y)>`` for all ``x`` and ``y``.

    Parameters
    ----------
    cols : array_like, shape (N*OH*OW, C*KH*KW)
    x_shape : tuple of 4 ints
        (N, C, H, W) of the array that ``im2col`` was (or would be) applied to.
    kh, kw, stride, padding, dilation
        As for :func:`im2col`.

    Returns
    -------
    ndarray, shape ``x_shape``

    Examples
    --------
    >>> import numpy as np
    >>> col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2)  # how often each pixel is read
    array([[[[1., 2., 1.],
             [2., 4., 2.],
             [1., 2., 1.]]]])
    """
    where = "col2im"
    cols = as_float_array(cols, "cols", 2, where, "(N*OH*OW, C*KH*KW)")
    n, c, h, w = as_shape(x_shape, "N, C, H, W", where, "x_shape")
    kernel = (as_int(kh, "kh", where, 1), as_int(kw, "kw", where, 1))
    s, pad, d, (oh, ow) = geometry((h, w), kernel, stride, padding, dilation, where, shapes=f"x_shape={(n, c, h, w)}")
    expected = (n * oh * ow, c * kernel[0] * kernel[1])
    check_cols(cols, expected, where, f"x_shape={(n, c, h, w)} with a {kernel[0]}x{kernel[1]} kernel")
    # Row n*OH*OW + i*OW + j, column (c, p, q) -> patches[n, c, p, q, i, j] (a view, no copy).
    patches = cols.reshape(n, oh, ow, c, kernel[0], kernel[1]).transpose(0, 3, 4, 5, 1, 2)
    return fold(patches, (n, c, h, w), kernel, s, pad, d)


__all__ = ["im2col", "col2im"]
