"""Independent reference implementations used as oracles by the tests.

Nothing here imports :mod:`cnnlib`. The code is deliberately written
differently from the library (explicit loops, per-tap slicing, SciPy) so that
a shared mistake is unlikely. Padding is always spelled out per side as
``(top, bottom, left, right)``.

The second half of the file is the one place where the tests' tolerances come
from (see "Rounding-error bounds" below): a float comparison is either exact by
construction, or it checks ``|got - ref| <= bound`` element by element with a
bound computed from the inputs.
"""

from __future__ import annotations

import numpy as np
import scipy.signal


def pair(v):
    """An int or an (h, w) pair -> (h, w)."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def pad4(padding, kernel=None, dilation=1):
    """An int, an (ph, pw) pair, a (top, bottom, left, right) tuple -> 4 ints.

    A named mode needs the kernel (kh, kw): 'valid' pads nothing, 'full' the
    dilated span - 1 on every side, 'same' that total with the odd extra
    row/column at the bottom/right (the documented convention of cnnlib,
    PyTorch and scipy.signal.correlate2d).
    """
    if isinstance(padding, str):
        kh, kw = pair(kernel)
        dh, dw = pair(dilation)
        th, tw = dh * (kh - 1), dw * (kw - 1)
        return {
            "valid": (0, 0, 0, 0),
            "full": (th, th, tw, tw),
            "same": (th // 2, th - th // 2, tw // 2, tw - tw // 2),
        }[padding]
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return tuple(int(p) for p in padding)
    ph, pw = pair(padding)
    return (ph, ph, pw, pw)


def named_pads(padding, kh, kw, dilation=1):
    """(top, bottom, left, right) for any padding cnnlib takes: :func:`pad4` with the kernel (kh, kw)."""
    return pad4(padding, (kh, kw), dilation)


def mode_pads(g):
    """(top, bottom, left, right) for a drawn geometry (``_strategies.Geometry``)."""
    if g.mode is None:
        return g.pads
    return named_pads(g.mode, g.kh, g.kw, (g.dh, g.dw))


def out_len(n, k, before, after, s, d):
    """floor((n + before + after - d*(k-1) - 1) / s) + 1, written with math, not //."""
    import math

    return math.floor((n + before + after - d * (k - 1) - 1) / s) + 1


def dilate(k, dilation):
    """Insert ``d - 1`` zeros between the taps of a 2-D kernel."""
    dh, dw = pair(dilation)
    kh, kw = k.shape
    out = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=k.dtype)
    out[::dh, ::dw] = k
    return out


def scipy_correlate(x2, k2, pads, stride, dilation):
    """2-D cross-correlation via SciPy: pad, dilate the kernel, 'valid', subsample."""
    t, b, l, r = pads
    sh, sw = pair(stride)
    xp = np.pad(x2, ((t, b), (l, r)))
    return scipy.signal.correlate2d(xp, dilate(k2, dilation), mode="valid")[::sh, ::sw]


def scipy_conv2d(x, w, b, stride, pads, dilation, mode=None):
    """conv2d from SciPy: sum over channels of per-channel correlations, plus bias.

    ``mode`` in {'valid', 'same', 'full'} hands the padding to SciPy itself
    (on the dilated kernel); otherwise ``pads`` is applied with ``np.pad``.
    """
    n, c = x.shape[:2]
    f = w.shape[0]
    planes = []
    for i in range(n):
        row = []
        for j in range(f):
            acc = 0.0
            for ch in range(c):
                if mode is None:
                    acc = acc + scipy_correlate(x[i, ch], w[j, ch], pads, stride, dilation)
                else:
                    sh, sw = pair(stride)
                    acc = acc + scipy.signal.correlate2d(x[i, ch], dilate(w[j, ch], dilation), mode=mode)[::sh, ::sw]
            if b is not None:
                acc = acc + b[j]
            row.append(acc)
        planes.append(row)
    return np.array(planes, dtype=np.float64)


def naive_conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """The definition, one multiply-add at a time, with explicit bounds checks.

    out[n, f, i, j] = b[f] + sum_{c, m, q} x[n, c, i*sh + m*dh - top, j*sw + q*dw - left] * w[f, c, m, q]
    where reads outside the input count as zero. No padded copy is made.
    """
    N, C, H, W = x.shape
    F, C2, KH, KW = w.shape
    assert C == C2
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    top, bottom, left, right = pad4(padding, (KH, KW), dilation)
    OH = out_len(H, KH, top, bottom, sh, dh)
    OW = out_len(W, KW, left, right, sw, dw)
    out = np.zeros((N, F, OH, OW))
    for n in range(N):
        for f in range(F):
            for i in range(OH):
                for j in range(OW):
                    acc = 0.0 if b is None else float(b[f])
                    for c in range(C):
                        for m in range(KH):
                            r = i * sh + m * dh - top
                            if r < 0 or r >= H:
                                continue
                            for q in range(KW):
                                col = j * sw + q * dw - left
                                if 0 <= col < W:
                                    acc += float(x[n, c, r, col]) * float(w[f, c, m, q])
                    out[n, f, i, j] = acc
    return out


def tap_conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Vectorised reference conv2d: one strided slice and one einsum per kernel tap."""
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    top, bottom, left, right = pad4(padding, (KH, KW), dilation)
    OH = out_len(H, KH, top, bottom, sh, dh)
    OW = out_len(W, KW, left, right, sw, dw)
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out = np.zeros((N, F, OH, OW))
    for m in range(KH):
        for q in range(KW):
            patch = xp[:, :, m * dh : m * dh + sh * (OH - 1) + 1 : sh, q * dw : q * dw + sw * (OW - 1) + 1 : sw]
            out += np.einsum("nchw,fc->nfhw", patch, w[:, :, m, q])
    if b is not None:
        out += np.asarray(b)[None, :, None, None]
    return out


def pool_taps(x, kernel, stride, padding, fill):
    """(N, C, OH, OW, KH*KW): every pooling window's values, padded cells = ``fill``."""
    kh, kw = pair(kernel)
    sh, sw = pair(kernel if stride is None else stride)
    top, bottom, left, right = pad4(padding)
    N, C, H, W = x.shape
    OH = out_len(H, kh, top, bottom, sh, 1)
    OW = out_len(W, kw, left, right, sw, 1)
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
    taps = []
    for m in range(kh):
        for q in range(kw):
            taps.append(xp[:, :, m : m + sh * (OH - 1) + 1 : sh, q : q + sw * (OW - 1) + 1 : sw])
    return np.stack(taps, axis=-1)


def ref_max_pool2d(x, kernel, stride=None, padding=0):
    return pool_taps(x, kernel, stride, padding, -np.inf).max(axis=-1)


def ref_avg_pool2d(x, kernel, stride=None, padding=0):
    # Padded zeros count in the mean (PyTorch's count_include_pad=True).
    kh, kw = pair(kernel)
    return pool_taps(x, kernel, stride, padding, 0.0).sum(axis=-1) / (kh * kw)


def count_map(shape, kernel, stride, padding, dilation):
    """How many (window, tap) pairs read each input pixel, counted with loops."""
    H, W = shape
    kh, kw = pair(kernel)
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    top, bottom, left, right = pad4(padding)
    OH = out_len(H, kh, top, bottom, sh, dh)
    OW = out_len(W, kw, left, right, sw, dw)
    count = np.zeros((H, W))
    for i in range(OH):
        for j in range(OW):
            for m in range(kh):
                for q in range(kw):
                    r = i * sh + m * dh - top
                    c = j * sw + q * dw - left
                    if 0 <= r < H and 0 <= c < W:
                        count[r, c] += 1
    return count


# --- Rounding-error bounds ----------------------------------------------------
#
# Every float result the tests check is a sum of terms (products x*w, pixels
# of a window, gradients routed to one pixel). Computed in floating point with
# unit roundoff u (2**-53 for float64, 2**-24 for float32), a sum of n terms t_i,
# in ANY order of additions (one after another, pairwise, blocked, split between
# threads, with or without fused multiply-adds), satisfies
#
#     |computed - exact| <= gamma(n) * sum_i |t_i|,   gamma(n) = n*u / (1 - n*u)
#
# (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., sec. 3.1
# and 4.2; a product x*w counts as one more rounding, which n includes). The
# order is exactly what differs between BLAS kernels (OPENBLAS_CORETYPE), thread
# counts and part sizes, so this bound holds on every machine, while a fixed
# atol such as 1e-6 holds only for the kernels it was tried on. Two results
# computed independently are each within their bound of the exact value, so
# they differ by at most the sum of the two bounds. (Underflow is ignored: the
# tests' data are O(1), far from the subnormal range.)
#
# The magnitudes sum_i |t_i| are computed by the same reference code on |x|,
# |w|, |dout| in float64 (whose own relative error, gamma(n) for float64, is
# folded in by `bound`).


def unit_roundoff(dtype):
    """u = eps / 2: the largest relative error of one rounding in ``dtype``."""
    return float(np.finfo(np.dtype(dtype)).eps) / 2


def gamma(n, dtype):
    """gamma(n) = n*u / (1 - n*u) for the dtype's unit roundoff; ``n`` may be an array."""
    nu = np.asarray(n, dtype=np.float64) * unit_roundoff(dtype)
    assert np.all(nu < 0.5), "too many terms for the bound to mean anything"
    return nu / (1 - nu)


def bound(magnitude, n, *dtypes):
    """Largest possible |a - b| between results computed in ``dtypes`` (one per result).

    ``magnitude`` is sum |t_i| (per element, float64), ``n`` the number of terms
    (and roundings) behind each element. ``bound(S, n, np.float32, np.float64)``
    compares a float32 result with a float64 reference; ``bound(S, n, d, d)``
    two results computed in the same dtype ``d`` in different orders.
    """
    magnitude = np.asarray(magnitude, dtype=np.float64)
    g = sum(gamma(n, d) for d in dtypes)
    return g * magnitude * (1 + gamma(np.max(n) + 1, np.float64))  # the magnitudes' own rounding


def assert_within(got, ref, tol, what=""):
    """|got - ref| <= tol element by element (tol from `bound`), with a readable failure."""
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, f"{what}: shape {got.shape} != {ref.shape}"
    tol = np.broadcast_to(np.asarray(tol, dtype=np.float64), ref.shape)
    err = np.abs(got.astype(np.float64) - ref.astype(np.float64))
    bad = ~(err <= tol)  # also catches NaN
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, err / np.maximum(tol, 1e-300), -1)), ref.shape)
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {ref.size} elements outside the rounding-error bound; worst at "
            f"{tuple(int(v) for v in i)}: got {got[i]!r}, reference {ref[i]!r}, |difference| {err[i]:.3g} "
            f"> bound {tol[i]:.3g}"
        )


def conv_input_grad(dout, w, x_shape, stride=1, padding=0, dilation=1):
    """dx of conv2d by the transposed definition, one kernel tap at a time.

    dx[n, c, r, col] = sum over (f, m, q, i, j) with r = i*sh + m*dh - top,
    col = j*sw + q*dw - left of dout[n, f, i, j] * w[f, c, m, q].
    """
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    N, C, H, W = x_shape
    F, _, KH, KW = w.shape
    top, bottom, left, right = pad4(padding, (KH, KW), dilation)
    OH, OW = dout.shape[2:]
    dxp = np.zeros((N, C, H + top + bottom, W + left + right))
    for m in range(KH):
        for q in range(KW):
            rows = slice(m * dh, m * dh + sh * (OH - 1) + 1, sh)
            cols = slice(q * dw, q * dw + sw * (OW - 1) + 1, sw)
            dxp[:, :, rows, cols] += np.einsum("nfhw,fc->nchw", dout, w[:, :, m, q])
    return dxp[:, :, top : top + H, left : left + W]


def conv_weight_grad(dout, x, kernel, stride=1, padding=0, dilation=1):
    """dw of conv2d: dw[f, c, m, q] = sum_{n, i, j} dout[n, f, i, j] * xpad[n, c, i*sh + m*dh, j*sw + q*dw]."""
    sh, sw = pair(stride)
    dh, dw = pair(dilation)
    KH, KW = pair(kernel)
    top, bottom, left, right = pad4(padding, (KH, KW), dilation)
    OH, OW = dout.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    out = np.zeros((dout.shape[1], x.shape[1], KH, KW))
    for m in range(KH):
        for q in range(KW):
            patch = xp[:, :, m * dh : m * dh + sh * (OH - 1) + 1 : sh, q * dw : q * dw + sw * (OW - 1) + 1 : sw]
            out[:, :, m, q] = np.einsum("nfhw,nchw->fc", dout, patch)
    return out


def conv2d_sums(x, w, b=None, dout=None, stride=1, padding=0, dilation=1):
    """Reference values, magnitudes and term counts of conv2d and its gradients.

    Returns a dict name -> (reference, magnitude, n) for 'out' and, with
    ``dout``, 'dx', 'dw', 'db'. The reference is computed in float64 from the
    inputs as given (float32 inputs convert exactly); ``magnitude`` is the same
    sum over absolute values; ``n`` bounds the number of terms per element:

    * out: C*KH*KW products, plus the bias;
    * dx: F*KH*KW (every filter, every tap that can land on the pixel);
    * dw and db: N*OH*OW (every image, every output position).
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    b = None if b is None else np.asarray(b, dtype=np.float64)
    N, C = x.shape[:2]
    F, _, KH, KW = w.shape
    geo = dict(stride=stride, padding=padding, dilation=dilation)
    sums = {
        "out": (
            tap_conv2d(x, w, b, **geo),
            tap_conv2d(np.abs(x), np.abs(w), None if b is None else np.abs(b), **geo),
            C * KH * KW + (b is not None),
        )
    }
    if dout is not None:
        dout = np.asarray(dout, dtype=np.float64)
        OH, OW = dout.shape[2:]
        sums["dx"] = (
            conv_input_grad(dout, w, x.shape, **geo),
            conv_input_grad(np.abs(dout), np.abs(w), x.shape, **geo),
            F * KH * KW,
        )
        sums["dw"] = (
            conv_weight_grad(dout, x, (KH, KW), **geo),
            conv_weight_grad(np.abs(dout), np.abs(x), (KH, KW), **geo),
            N * OH * OW,
        )
        sums["db"] = (dout.sum(axis=(0, 2, 3)), np.abs(dout).sum(axis=(0, 2, 3)), N * OH * OW)
    return sums
