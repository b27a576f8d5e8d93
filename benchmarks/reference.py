"""The implementations cnnlib is compared with, each checked against cnnlib.

* **Nested loops**: the first version every course writes (cs231n's "naive"
  layer): Python loops over image, filter (or channel) and output position,
  NumPy only for the product of one window with one filter.
* **SciPy**: one ``scipy.signal.correlate2d`` per (image, filter, channel),
  summed over the channels, as a SciPy user would write a conv layer. SciPy has
  no stride: the stride-1 result is computed and every S-th value kept.
* **PyTorch** (if installed): ``torch.nn.functional.conv2d`` and pooling on the
  CPU, on tensors that share memory with the NumPy inputs (no copy is timed).

The loops and SciPy are far too slow to run on the large batches in full. They
run on the first ``n_sub`` images and ``f_sub`` filters (channels for pooling)
only; each (image, filter) pair costs the same, so the full time is the subset
time times ``N*F / (n_sub*f_sub)``. Tables mark these columns "(extrapolated)"
and give the fraction that was really run.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np
import scipy.signal


def subset(n: int, f: int, positions_per_pair: int, budget: int) -> Tuple[int, int]:
    """How many images and filters to run so that about ``budget`` positions are visited."""
    pairs = max(1, budget // max(1, positions_per_pair))
    f_sub = min(f, pairs)
    n_sub = min(n, max(1, pairs // f_sub))
    return n_sub, f_sub


def _pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x


# --- convolution ---------------------------------------------------------------
def loops_conv2d(x, w, b, stride: int, pad: int, n_sub: int, f_sub: int):
    xp = _pad(x[:n_sub], pad)
    _, _, hp, wp = xp.shape
    _, _, kh, kw = w.shape
    oh, ow = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    out = np.zeros((n_sub, f_sub, oh, ow), dtype=x.dtype)
    for n in range(n_sub):
        for f in range(f_sub):
            for i in range(oh):
                for j in range(ow):
                    window = xp[n, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out


def loops_conv2d_backward(dout, x, w, stride: int, pad: int, n_sub: int, f_sub: int):
    xp = _pad(x[:n_sub], pad)
    _, _, kh, kw = w.shape
    oh, ow = dout.shape[2:]
    dxp = np.zeros_like(xp)
    dw = np.zeros((f_sub,) + w.shape[1:], dtype=x.dtype)
    for n in range(n_sub):
        for f in range(f_sub):
            for i in range(oh):
                for j in range(ow):
                    rows = slice(i * stride, i * stride + kh)
                    cols = slice(j * stride, j * stride + kw)
                    g = dout[n, f, i, j]
                    dw[f] += xp[n, :, rows, cols] * g
                    dxp[n, :, rows, cols] += w[f] * g
    db = dout[:n_sub, :f_sub].sum(axis=(0, 2, 3))
    h, wd = x.shape[2:]
    return dxp[:, :, pad : pad + h, pad : pad + wd], dw, db


def scipy_conv2d(x, w, b, stride: int, pad: int, n_sub: int, f_sub: int):
    xp = _pad(x[:n_sub], pad)
    c = x.shape[1]
    out = None
    for n in range(n_sub):
        for f in range(f_sub):
            acc = scipy.signal.correlate2d(xp[n, 0], w[f, 0], mode="valid")
            for ch in range(1, c):
                acc += scipy.signal.correlate2d(xp[n, ch], w[f, ch], mode="valid")
            acc = acc[::stride, ::stride] + b[f]
            if out is None:
                out = np.empty((n_sub, f_sub) + acc.shape, dtype=acc.dtype)
            out[n, f] = acc
    return out


def _dilate(g, stride: int):
    """Put stride-1 zeros between the values of a 2-D gradient (undo the subsampling)."""
    if stride == 1:
        return g
    out = np.zeros((stride * (g.shape[0] - 1) + 1, stride * (g.shape[1] - 1) + 1), dtype=g.dtype)
    out[::stride, ::stride] = g
    return out


def scipy_conv2d_backward(dout, x, w, stride: int, pad: int, n_sub: int, f_sub: int):
    """dx by full convolution with each filter, dw by correlating x with dout."""
    xp = _pad(x[:n_sub], pad)
    _, c, hp, wp = xp.shape
    _, _, kh, kw = w.shape
    dxp = np.zeros_like(xp)
    dw = np.zeros((f_sub, c, kh, kw), dtype=x.dtype)
    for n in range(n_sub):
        for f in range(f_sub):
            g = _dilate(dout[n, f], stride)
            for ch in range(c):
                back = scipy.signal.convolve2d(g, w[f, ch], mode="full")
                dxp[n, ch, : back.shape[0], : back.shape[1]] += back
                dw[f, ch] += scipy.signal.correlate2d(xp[n, ch], g, mode="valid")[:kh, :kw]
    db = dout[:n_sub, :f_sub].sum(axis=(0, 2, 3))
    h, wd = x.shape[2:]
    return dxp[:, :, pad : pad + h, pad : pad + wd], dw, db


# --- pooling -------------------------------------------------------------------
def loops_pool2d(x, k: int, stride: int, op: str, n_sub: int, c_sub: int):
    _, _, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    reduce = np.max if op == "max" else np.mean
    out = np.zeros((n_sub, c_sub, oh, ow), dtype=x.dtype)
    for n in range(n_sub):
        for c in range(c_sub):
            for i in range(oh):
                for j in range(ow):
                    out[n, c, i, j] = reduce(x[n, c, i * stride : i * stride + k, j * stride : j * stride + k])
    return out


def loops_pool2d_backward(dout, x, k: int, stride: int, op: str, n_sub: int, c_sub: int):
    oh, ow = dout.shape[2:]
    dx = np.zeros((n_sub, c_sub) + x.shape[2:], dtype=x.dtype)
    for n in range(n_sub):
        for c in range(c_sub):
            for i in range(oh):
                for j in range(ow):
                    r, q = i * stride, j * stride
                    if op == "max":
                        window = x[n, c, r : r + k, q : q + k]
                        a, b = np.unravel_index(np.argmax(window), window.shape)
                        dx[n, c, r + a, q + b] += dout[n, c, i, j]
                    else:
                        dx[n, c, r : r + k, q : q + k] += dout[n, c, i, j] / (k * k)
    return dx


# --- PyTorch -------------------------------------------------------------------
def torch_conv2d(torch, x, w, b, stride: int, pad: int):
    xt, wt, bt = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)

    def run():
        with torch.no_grad():
            return torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=pad)

    return run


def torch_conv2d_backward(torch, dout, x, w, stride: int, pad: int):
    """dx, dw, db without the forward pass, like cnnlib.conv2d_backward."""
    dt, xt, wt = torch.from_numpy(dout), torch.from_numpy(x), torch.from_numpy(w)
    bias_sizes = [w.shape[0]]

    def run():
        with torch.no_grad():
            return torch.ops.aten.convolution_backward(
                dt, xt, wt, bias_sizes, [stride, stride], [pad, pad], [1, 1], False, [0, 0], 1, [True, True, True]
            )

    return run


def torch_pool2d(torch, x, k: int, stride: int, op: str):
    xt = torch.from_numpy(x)
    fn = torch.nn.functional.max_pool2d if op == "max" else torch.nn.functional.avg_pool2d

    def run():
        with torch.no_grad():
            return fn(xt, k, stride)

    return run


def torch_pool2d_backward(torch, dout, x, k: int, stride: int, op: str):
    """Max: recompute the argmax indices, then route (cnnlib's backward also starts from x)."""
    xt, dt = torch.from_numpy(x), torch.from_numpy(dout)
    K, S, P = [k, k], [stride, stride], [0, 0]

    def run():
        with torch.no_grad():
            if op == "max":
                _, idx = torch.ops.aten.max_pool2d_with_indices(xt, K, S, P)
                return torch.ops.aten.max_pool2d_with_indices_backward(dt, xt, K, S, P, [1, 1], False, idx)
            return torch.ops.aten.avg_pool2d_backward(dt, xt, K, S, P, False, True, None)

    return run
