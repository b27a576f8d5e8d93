"""Pooling (풀링): max, average and global average, forward and backward.

Pooling has no parameters and leaves the number of channels unchanged. By
default the stride equals the window size (as in PyTorch), so no two windows
overlap and every input value is read by at most one window (by none when the
windows do not tile the input exactly: the leftover rows and columns are
floored away, as in PyTorch). The textbook version, im2col on every channel
and a max or mean along each row, is :mod:`cnnlib.reference`.

cnnlib gets the same numbers as that textbook version without building the
im2col matrix: for each cell (p, q) of the window it takes a *view* of what
that cell holds in every window at once (:func:`_window_cells`) and combines
the KH*KW views with ``np.maximum`` or ``+``. The backward passes first split
the padded input once into its S x S phases (:func:`_phases`), which turns
each cell's view into a plain slice (:func:`_cells`), and add each window's
gradient back cell by cell. The batch is handled a few images at a time
(``PART_BYTES``), so that what is read stays in the CPU cache while every
cell is visited. Each of these choices was measured against the code without
it (``make bench``, table ``variants_pool``); the comments where they happen
give the figures.

Anti-aliased subsampling after Zhang (2019, "Making convolutional networks
shift-invariant again"), issue 15: :func:`binomial_filter`, :func:`blur2d`
(Zhang's ``BlurPool``: a depthwise binomial blur, then every ``stride``-th
pixel) and :func:`max_blur_pool2d` (``MaxBlurPool``: max with stride 1, then
``blur2d``), each with its backward pass; the layers are
:class:`cnnlib.layers.BlurPool2d` and :class:`cnnlib.layers.MaxBlurPool2d`.
"""

from __future__ import annotations

import numpy as np

from ._checks import (as_filter_size, as_float_array, as_int, as_pair, as_padding_mode, as_shape, check_blur_fits,
                      check_dout, check_pool_padding, geometry, keyword_only)
from ._scratch import image_slices
from .im2col import empty_like_layout, pad_nchw
from .padding import _pad as _pad_modes, _pad_backward as _pad_modes_backward

# How many bytes of the input pooling works on at once (at least one image).
# Parts pay only when the batch is larger than the CPU caches: at AlexNet pool1
# (32 x 96 x 55 x 55) the whole batch in one part took 1.3-1.8x as long
# (max float32 forward 42 ms vs 27.5 ms); the book's batches fit in one part.
PART_BYTES = 4 * 2**20


def _setup(where, x, kernel_size, stride, padding):
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    k = as_pair(kernel_size, "kernel_size", where, 1)
    s, pad, d, out_hw = geometry(
        x.shape[2:], k, k if stride is None else stride, padding, 1, where, "x", "kernel_size", f"x.shape={x.shape}"
    )
    check_pool_padding(pad, k, where)
    return x, k, s, pad, out_hw


def _window_cells(xp, k, s, out_hw):
    """Every cell (p, q) of the window, for all windows at once, as a strided view of ``xp``.

    ``view[n, c, i, j] = xp[n, c, i*SH + p, j*SW + q]``: what cell (p, q) of
    window (i, j) holds. The forward passes combine these KH*KW views.
    """
    (oh, ow), (sh, sw) = out_hw, s
    for p in range(k[0]):
        for q in range(k[1]):
            yield xp[:, :, p : p + sh * (oh - 1) + 1 : sh, q : q + sw * (ow - 1) + 1 : sw]


def _phases(xp, s):
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
            phases[a, b] = view.copy(order="K")   # contiguous, in the memory order of xp (C or batch-last)
    return phases


def _zero_phases(shape, s, dtype, like):
    """Zeroed arrays shaped like the phases of an array of ``shape`` (to add gradients into), laid out like ``like``."""
    sh, sw = s
    phases = {}
    for a in range(sh):
        for b in range(sw):
            rows, cols = len(range(a, shape[2], sh)), len(range(b, shape[3], sw))
            phases[a, b] = empty_like_layout(like, shape[:2] + (rows, cols), dtype)
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


# The forward passes' cells, under a name of their own so that
# benchmarks/variants_bench.py can put the phases back for its A/B.
_forward_cells = _window_cells


def _pool(x, k, s, pad, out_hw, combine, pad_value):
    """Combine the KH*KW cells of every window with ``combine`` (np.maximum or np.add)."""
    out = empty_like_layout(x, x.shape[:2] + tuple(out_hw), x.dtype)   # batch-last if x is
    for part in _parts(x):
        xp = pad_nchw(x[part], pad, pad_value)
        acc = out[part]
        # Strided views, no phases: measured A/B in `make bench` (variants_pool),
        # splitting the input into phases first made the forward passes 20-40 %
        # slower at the book's sizes (mnist-pool1 max float32: 0.55 ms like
        # this, 0.78 ms with phases) and gained nothing at AlexNet size.
        cells = _forward_cells(xp, k, s, out_hw)
        np.copyto(acc, next(cells))                 # cell (0, 0) of every window ...
        for value in cells:                         # ... then each other cell in turn
            combine(acc, value, out=acc)
    return out


@keyword_only
def max_pool2d(x, kernel_size, *, stride=None, padding=0) -> np.ndarray:
    """Max pooling: the largest value of each window.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride : int or (int, int), optional, keyword-only
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int, (int, int), (top, bottom, left, right) or {'valid', 'same'}, keyword-only
        Per side, as in :func:`cnnlib.conv2d`: an int for every side,
        ``(ph, pw)``, or the four sides. ``'same'`` (stride 1 only) keeps the
        size and puts an odd extra row/column at the bottom/right. At most
        half the window on each side (as PyTorch), so that every window holds
        at least one input value. Padded cells never win: the result is the
        maximum of the window's *input* values.

    Returns
    -------
    ndarray, shape (N, C, OH, OW)

    Notes
    -----
    NaN propagates, as in PyTorch: a window that holds a NaN (one or all of
    its values) gives NaN, and :func:`max_pool2d_backward` sends its gradient
    to that NaN. :func:`avg_pool2d` propagates NaN too. Checking costs
    nothing extra: ``np.maximum`` returns NaN when either operand is NaN.

    See Also
    --------
    cnnlib.reference.max_pool2d : the same as the textbook writes it (im2col
        on each channel and a max along each row), which the tests compare
        this one with.

    Examples
    --------
    >>> max_pool2d([[[[1, 2], [3, 4]]]], 2)
    array([[[[4.]]]])
    >>> max_pool2d([[[[1, 2], [3, float("nan")]]]], 2)
    array([[[[nan]]]])
    """
    x, k, s, pad, out_hw = _setup("max_pool2d", x, kernel_size, stride, padding)
    return _pool(x, k, s, pad, out_hw, np.maximum, -np.inf)


@keyword_only
def avg_pool2d(x, kernel_size, *, stride=None, padding=0) -> np.ndarray:
    """Average pooling: the mean of each window (padded zeros count, as in PyTorch).

    Parameters and Returns are as for :func:`max_pool2d`; a NaN in a window
    makes its mean NaN. See :func:`cnnlib.reference.avg_pool2d` for the
    textbook version.

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
    return check_dout(dout, (x.shape[0], x.shape[1]) + tuple(out_hw), where, f"pooling x of shape {x.shape}")


def _real_cells(hit, cell, k, s, pad, in_hw):
    """Set ``hit`` False in the windows where ``cell`` (p, q) is a padded cell.

    Window (i, j)'s cell (p, q) reads padded row ``i*SH + p``, which is an
    input row only when ``top <= i*SH + p < top + H``: the windows where it is
    not are a few rows (and columns) at the edges of the output grid.
    """
    (p, q), (sh, sw), (top, _, left, _), (h, w) = cell, s, pad, in_hw
    oh, ow = hit.shape[2:]
    i_lo, i_hi = max(0, -((p - top) // sh)), min(oh, (top + h - 1 - p) // sh + 1)
    j_lo, j_hi = max(0, -((q - left) // sw)), min(ow, (left + w - 1 - q) // sw + 1)
    hit[:, :, :i_lo] = False
    hit[:, :, i_hi:] = False
    hit[:, :, :, :j_lo] = False
    hit[:, :, :, j_hi:] = False


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
    whole = empty_like_layout(dx[part], _padded_shape(dx[part].shape, pad), dx.dtype)
    _interleave(grads, s, into=whole)
    dx[part] = whole[:, :, top : top + h, left : left + w]


@keyword_only
def max_pool2d_backward(dout, x, kernel_size, *, stride=None, padding=0) -> np.ndarray:
    """Gradient of :func:`max_pool2d`: each window's gradient goes to its maximum.

    Like ReLU, max pooling passes the gradient through unchanged where the
    value was kept and sends zero everywhere else. On ties the first maximum
    (in row-major order inside the window) receives it; a padded cell never
    does, even when the window's input values are all ``-inf``. A window that
    holds NaN sends its gradient to its last NaN in row-major order, as
    PyTorch's CPU kernel does (its forward value is NaN). Textbook version:
    :func:`cnnlib.reference.max_pool2d_backward`.

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
    # d * hit is the quick way to keep d where hit is True and 0 elsewhere,
    # but inf * 0 is NaN: if dout holds inf or NaN, np.where does it exactly.
    finite = bool(np.isfinite(dout).all())
    overlap = s[0] < k[0] or s[1] < k[1]
    dx = empty_like_layout(x, x.shape, np.result_type(x, dout))    # batch-last if x is
    for part in _parts(x):
        # Phases pay here (variants_pool in `make bench`): every cell is visited
        # twice or more, and with phases each visit reads neighbouring numbers;
        # without them the backward passes took 1.2-1.5x as long at the book's
        # sizes (mnist-pool1 max float32: 1.95 ms with phases, 2.85 ms without).
        x_phases = _phases(pad_nchw(x[part], pad, -np.inf), s)
        grads = _zero_phases(_padded_shape(x[part].shape, pad), s, dx.dtype, like=x)
        d = dout[part]
        best = empty_like_layout(x, d.shape, x.dtype)              # each window's maximum
        cells = _cells(x_phases, k, s, out_hw)
        np.copyto(best, next(cells))
        for value in cells:
            np.maximum(best, value, out=best)
        waiting = empty_like_layout(x, d.shape, bool)             # windows not yet served
        waiting.fill(True)
        hit = empty_like_layout(x, d.shape, bool)
        # Visit the window's cells in reading order: the first cell holding the
        # maximum takes the window's whole gradient, later ties get nothing. One
        # pass per cell over whole arrays; where windows overlap, += adds up the
        # gradients that reach the same input value from different windows.
        cell_ids = [(p, q) for p in range(k[0]) for q in range(k[1])]
        for cell, value, grad in zip(cell_ids, _cells(x_phases, k, s, out_hw), _cells(grads, k, s, out_hw)):
            np.equal(value, best, out=hit)
            if any(pad):
                _real_cells(hit, cell, k, s, pad, x.shape[2:])   # a padded -inf never wins
            hit &= waiting                                        # windows this cell wins
            if not finite:
                grad += np.where(hit, d, 0)                       # d where the cell wins, 0 elsewhere
            elif overlap:
                grad += d * hit
            else:
                # Windows that do not overlap (stride >= window) reach each input
                # value at most once, so writing is adding to zero, without the
                # temporary of `+=` (book's pooling layers: 12 us -> 6 us per cell).
                np.multiply(d, hit, out=grad)
            waiting ^= hit                                        # hit is inside waiting: this removes exactly the hits
        # Windows still waiting have NaN as their maximum (NaN == NaN is False).
        # One look at this output-sized mask; only then a pass for NaN, from the
        # last cell back, so the last NaN wins (PyTorch's CPU rule).
        if waiting.any():
            pairs = list(zip(_cells(x_phases, k, s, out_hw), _cells(grads, k, s, out_hw)))
            for value, grad in reversed(pairs):
                np.isnan(value, out=hit)
                hit &= waiting
                grad += np.where(hit, d, 0)
                waiting ^= hit
        _put_back(grads, s, dx, part, pad)
    return dx


@keyword_only
def avg_pool2d_backward(dout, x, kernel_size, *, stride=None, padding=0) -> np.ndarray:
    """Gradient of :func:`avg_pool2d`: each window's gradient is shared equally.

    Parameters are as for :func:`max_pool2d_backward`. Textbook version:
    :func:`cnnlib.reference.avg_pool2d_backward`.

    Examples
    --------
    >>> avg_pool2d_backward([[[[1.0]]]], [[[[1, 2], [3, 4]]]], 2)
    array([[[[0.25, 0.25],
             [0.25, 0.25]]]])
    """
    where = "avg_pool2d_backward"
    x, k, s, pad, out_hw = _setup(where, x, kernel_size, stride, padding)
    dout = _check_dout(where, dout, x, out_hw)
    dx = empty_like_layout(x, x.shape, np.result_type(x, dout))
    for part in _parts(x):
        grads = _zero_phases(_padded_shape(x[part].shape, pad), s, dx.dtype, like=x)
        d = dout[part]
        share = np.divide(d, k[0] * k[1], dtype=dx.dtype)           # each cell's part
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


# --- issue 15 (chapter 7): anti-aliased subsampling after Zhang (2019) ----------------------

def binomial_filter(size=3) -> np.ndarray:
    """The normalised 2-D binomial filter of Zhang (2019): ``outer(a, a) / sum``, ``a`` a row of Pascal's triangle.

    ``a`` is ``[1]``, ``[1, 1]``, ``[1, 2, 1]``, ``[1, 3, 3, 1]``, ... (the
    binomial coefficients ``C(size - 1, i)``), so the filter sums to 1 and its
    entries ``a[i] * a[j] / 4**(size - 1)`` are exact in binary floating
    point (a small integer over a power of two). It is a discrete Gaussian:
    it keeps slow variations and damps the fastest ones, those that a
    subsampling by 2 would fold back (alias) onto slow ones.

    Parameters
    ----------
    size : int, 1 to 7
        The filter is ``size x size``; 1 is no blur at all.

    Returns
    -------
    ndarray, shape (size, size), float64

    Examples
    --------
    >>> binomial_filter(3) * 16
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> binomial_filter(4)[0] * 64
    array([1., 3., 3., 1.])
    >>> float(binomial_filter(7).sum())
    1.0
    """
    size = as_filter_size(size, "binomial_filter")
    a = np.ones(1)
    for _ in range(size - 1):                 # Pascal's triangle, one row at a time (integers)
        a = np.convolve(a, [1.0, 1.0])
    return np.outer(a, a) / float(4 ** (size - 1))


def _blur_setup(where, x, stride, filter_size, padding_mode):
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    s = as_int(stride, "stride", where, 1)
    f = as_filter_size(filter_size, where)
    mode = as_padding_mode(padding_mode, where)
    check_blur_fits(x.shape[2:], f, mode, where, x.shape)
    return x, s, f, mode


def _blur_pads(f):
    """Zhang's padding: (F - 1) // 2 rows before, ceil((F - 1) / 2) = F // 2 after, on both axes."""
    before, after = (f - 1) // 2, f // 2
    return (before, after, before, after)


def _blur_out_hw(in_hw, s):
    # padded size H + F - 1, window F, stride s: floor((H - 1) / s) + 1 = ceil(H / s)
    return tuple((n - 1) // s + 1 for n in in_hw)


def _blur(x, s, f, mode):
    """blur2d without the checks: one tap of the filter at a time, in reading order (no BLAS)."""
    k = binomial_filter(f).astype(x.dtype)
    xp = _pad_modes(x, _blur_pads(f), mode)
    oh, ow = _blur_out_hw(x.shape[2:], s)
    out = np.zeros(x.shape[:2] + (oh, ow), dtype=x.dtype)
    for p in range(f):
        for q in range(f):
            out += k[p, q] * xp[:, :, p : p + s * (oh - 1) + 1 : s, q : q + s * (ow - 1) + 1 : s]
    return out


def _blur_backward(dout, x_shape, s, f, mode):
    """The adjoint of :func:`_blur`: each tap's share of dout added back where it was read, then the padding folded."""
    k = binomial_filter(f).astype(dout.dtype)
    pads = _blur_pads(f)
    oh, ow = dout.shape[2:]
    gp = np.zeros(_padded_shape(tuple(x_shape), pads), dtype=dout.dtype)
    for p in range(f):
        for q in range(f):
            gp[:, :, p : p + s * (oh - 1) + 1 : s, q : q + s * (ow - 1) + 1 : s] += k[p, q] * dout
    return _pad_modes_backward(gp, pads, mode)


def blur2d(x, stride=2, filter_size=3, padding_mode="reflect") -> np.ndarray:
    """Anti-aliased subsampling (Zhang 2019, "BlurPool"): blur each channel with a binomial filter, keep every ``stride``-th pixel.

    Each channel is blurred on its own (depthwise, ``groups = C``) with
    :func:`binomial_filter` ``(filter_size)``, cross-correlated as
    ``F.conv2d`` does, with the stride; nothing mixes channels and there are
    no parameters. Padding is that of Zhang's reference code
    (``antialiased_cnns.BlurPool`` / ``Downsample``:
    ``ReflectionPad2d([(F-1)//2, ceil((F-1)/2)] * 2)``): ``(F - 1) // 2`` rows
    and columns before and ``ceil((F - 1) / 2) = F // 2`` after, i.e. 1 and 1
    for F = 3, 1 and 2 for F = 4, 0 and 1 for F = 2, none for F = 1 (which
    then just subsamples, ``x[:, :, ::stride, ::stride]``, as in that code).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    stride : int
        Keep every ``stride``-th row and column (1: blur only).
    filter_size : int, 1 to 7
    padding_mode : {'reflect', 'circular', 'replicate', 'zeros'}
        How the border is padded (:func:`cnnlib.pad2d`); ``'reflect'`` is
        Zhang's default. ``'reflect'`` needs ``H, W > F // 2``.

    Returns
    -------
    ndarray, shape (N, C, ceil(H / stride), ceil(W / stride))
        ``x``'s float dtype. The filter's entries are exact binary fractions
        and the taps are added one at a time in a fixed order (no BLAS), so
        the result does not depend on the BLAS kernel, and a constant image
        whose value has a short binary mantissa (an integer, 0.375, ...)
        comes out exactly constant (except with ``'zeros'`` padding).

    See Also
    --------
    blur2d_backward, max_blur_pool2d, cnnlib.layers.BlurPool2d

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, 1, 5, 5)); x[0, 0, 2, 2] = 16.0     # one bright pixel
    >>> blur2d(x, stride=1)[0, 0]                        # the filter x 16 around it
    array([[0., 0., 0., 0., 0.],
           [0., 1., 2., 1., 0.],
           [0., 2., 4., 2., 0.],
           [0., 1., 2., 1., 0.],
           [0., 0., 0., 0., 0.]])
    >>> blur2d(x)[0, 0]                                  # stride 2: rows and columns 0, 2, 4
    array([[0., 0., 0.],
           [0., 4., 0.],
           [0., 0., 0.]])
    >>> blur2d(np.full((1, 2, 5, 5), 7.0)).shape, float(blur2d(np.full((1, 1, 5, 5), 7.0)).max())
    ((1, 2, 3, 3), 7.0)
    """
    x, s, f, mode = _blur_setup("blur2d", x, stride, filter_size, padding_mode)
    return _blur(x, s, f, mode)


def blur2d_backward(dout, x_shape, stride=2, filter_size=3, padding_mode="reflect") -> np.ndarray:
    """Gradient of :func:`blur2d` with respect to its input (its adjoint).

    Every output pixel's gradient is spread back over the ``F x F`` pixels it
    averaged, with the filter's weights, and the padding's share is folded
    back onto the pixels it copied (:func:`cnnlib.pad2d_backward`). So
    ``<blur2d(x), y> == <x, blur2d_backward(y, x.shape)>`` up to rounding.

    Parameters
    ----------
    dout : array_like, shape (N, C, ceil(H / stride), ceil(W / stride))
    x_shape : (N, C, H, W)
        The shape of the forward pass's input.
    stride, filter_size, padding_mode
        As given to :func:`blur2d`.

    Returns
    -------
    ndarray, shape x_shape

    Examples
    --------
    >>> import numpy as np
    >>> blur2d_backward(np.ones((1, 1, 1, 1)), (1, 1, 2, 2), filter_size=2) * 4
    array([[[[1., 1.],
             [1., 1.]]]])
    >>> g = np.zeros((1, 1, 2, 2)); g[0, 0, 0, 0] = 16.0
    >>> blur2d_backward(g, (1, 1, 4, 4), padding_mode="zeros")[0, 0]
    array([[4., 2., 0., 0.],
           [2., 1., 0., 0.],
           [0., 0., 0., 0.],
           [0., 0., 0., 0.]])
    """
    where = "blur2d_backward"
    shape = as_shape(x_shape, "N, C, H, W", where, "x_shape")
    s = as_int(stride, "stride", where, 1)
    f = as_filter_size(filter_size, where)
    mode = as_padding_mode(padding_mode, where)
    check_blur_fits(shape[2:], f, mode, where, shape)
    dout = check_dout(dout, shape[:2] + _blur_out_hw(shape[2:], s), where,
                      f"blur2d(x of shape {shape}, stride={s})")
    return _blur_backward(dout, shape, s, f, mode)


def _max_blur_setup(where, x, kernel_size, stride, filter_size, padding_mode):
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    k = as_pair(kernel_size, "kernel_size", where, 1)
    s = as_int(stride, "stride", where, 1)
    f = as_filter_size(filter_size, where)
    mode = as_padding_mode(padding_mode, where)
    _, _, _, m_hw = geometry(x.shape[2:], k, 1, 0, 1, where, "x", "kernel_size", f"x.shape={x.shape}")
    check_blur_fits(m_hw, f, mode, where, x.shape[:2] + tuple(m_hw))
    return x, k, s, f, mode


def max_blur_pool2d(x, kernel_size=2, stride=2, filter_size=3, padding_mode="reflect") -> np.ndarray:
    """Zhang's (2019) MaxBlurPool: max pooling with stride 1, then :func:`blur2d` with ``stride``.

    ``nn.MaxPool2d(kernel_size, stride=2)`` is a max with stride 1 followed
    by subsampling; MaxBlurPool puts the anti-aliasing blur between the two,
    as ``antialiased_cnns.BlurPool`` after ``nn.MaxPool2d(kernel_size,
    stride=1)`` in Zhang's code. The max has no padding (an (H, W) input gives
    ``(H - kh + 1, W - kw + 1)``); ``padding_mode`` applies to the blur only.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
        The max's window.
    stride : int
        The blur's subsampling.
    filter_size : int, 1 to 7
    padding_mode : {'reflect', 'circular', 'replicate', 'zeros'}
        The blur's padding (see :func:`blur2d`).

    Returns
    -------
    ndarray, shape (N, C, ceil((H - kh + 1) / stride), ceil((W - kw + 1) / stride))

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, 1, 4, 4)); x[0, 0, 2, 2] = 16.0
    >>> max_pool2d(x, 2)[0, 0]                   # the plain 2x2 max pool keeps the pixel whole
    array([[ 0.,  0.],
           [ 0., 16.]])
    >>> max_blur_pool2d(x)[0, 0]     # max (3x3, a 2x2 block of 16s), reflect-padded, blurred, every 2nd pixel
    array([[ 4.,  8.],
           [ 8., 16.]])
    """
    x, k, s, f, mode = _max_blur_setup("max_blur_pool2d", x, kernel_size, stride, filter_size, padding_mode)
    m = max_pool2d(x, k, stride=1)
    return _blur(m, s, f, mode)


def max_blur_pool2d_backward(dout, x, kernel_size=2, stride=2, filter_size=3, padding_mode="reflect") -> np.ndarray:
    """Gradient of :func:`max_blur_pool2d`: :func:`blur2d_backward`, then :func:`max_pool2d_backward` (stride 1).

    Parameters
    ----------
    dout : array_like, shape of ``max_blur_pool2d(x, ...)``
    x, kernel_size, stride, filter_size, padding_mode
        The arguments of the forward pass.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)               # the max of each 2x2 is its bottom-right
    >>> max_blur_pool2d_backward(np.ones((1, 1, 1, 1)), x, filter_size=2) * 4
    array([[[[0., 0., 0.],
             [0., 1., 1.],
             [0., 1., 1.]]]])
    """
    where = "max_blur_pool2d_backward"
    x, k, s, f, mode = _max_blur_setup(where, x, kernel_size, stride, filter_size, padding_mode)
    m_shape = x.shape[:2] + (x.shape[2] - k[0] + 1, x.shape[3] - k[1] + 1)
    dout = check_dout(dout, m_shape[:2] + _blur_out_hw(m_shape[2:], s), where,
                      f"max_blur_pool2d(x of shape {x.shape}, kernel_size={k}, stride={s})")
    dm = _blur_backward(dout, m_shape, s, f, mode)
    return max_pool2d_backward(dm, x, k, stride=1)
