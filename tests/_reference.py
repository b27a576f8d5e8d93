"""Independent reference implementations used as oracles by the tests.

Nothing here imports :mod:`cnnlib`. The code is deliberately written
differently from the library (explicit loops, per-tap slicing, SciPy) so that
a shared mistake is unlikely. Padding is always spelled out per side as
``(top, bottom, left, right)``.
"""

from __future__ import annotations

import numpy as np
import scipy.signal


def pair(v):
    """An int or an (h, w) pair -> (h, w)."""
    if isinstance(v, (tuple, list)):
        return int(v[0]), int(v[1])
    return int(v), int(v)


def pad4(padding):
    """An int, an (ph, pw) pair or a (top, bottom, left, right) tuple -> 4 ints."""
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return tuple(int(p) for p in padding)
    ph, pw = pair(padding)
    return (ph, ph, pw, pw)


def named_pads(padding, kh, kw, dilation=1):
    """(top, bottom, left, right) for any padding cnnlib takes, from the documented convention.

    An int, an (ph, pw) pair or four sides are spelled out; 'valid' is none;
    'full' pads the kernel's dilated span - 1 on every side; 'same' pads that
    total, the odd extra row/column after (PyTorch; SciPy agrees).
    """
    if not isinstance(padding, str):
        return pad4(padding)
    dh, dw = pair(dilation)
    th, tw = dh * (kh - 1), dw * (kw - 1)
    return {
        "valid": (0, 0, 0, 0),
        "full": (th, th, tw, tw),
        "same": (th // 2, th - th // 2, tw // 2, tw - tw // 2),
    }[padding]


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
    top, bottom, left, right = pad4(padding)
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
    top, bottom, left, right = pad4(padding)
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
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
