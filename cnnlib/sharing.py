"""Sparse interactions and parameter sharing (희소 상호작용, 파라미터 공유), as plain data.

A convolution layer differs from a fully connected one in two separate ways:

* **sparse interactions**: each output looks at a small window of the input
  (its receptive field, 수용 영역), not at every input value;
* **parameter sharing**: every window is multiplied by the *same* filter.

A **locally connected** layer keeps the first and drops the second: each
output position has a filter of its own. :func:`locally_connected2d` computes
such a layer; with every position's filter set equal (:func:`unshare_weights`
copies one filter bank to every position) it computes exactly
:func:`cnnlib.conv2d`. :func:`connections_1d` describes which input each
output of a 1-D layer sees and through which parameter, for the book's
connection diagrams; :func:`receptive_field_size` gives the size of the input
window seen by a unit of a stack of layers.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np

from ._checks import as_float_array, as_int, as_pair, geometry, result_dtype

KINDS = ("dense", "local", "conv")


def connections_1d(n_in: int, kernel_size: int, kind: str = "conv", stride: int = 1, padding: int = 0) -> np.ndarray:
    """Which input each output of a 1-D layer sees, and through which parameter.

    Parameters
    ----------
    n_in : int
        Number of inputs.
    kernel_size : int
        Window length. A ``'dense'`` layer has as many outputs as the
        windows would give, so that the three kinds map the same input to
        the same output.
    kind : {'conv', 'local', 'dense'}
        ``'conv'``: windows, one shared filter (the parameter of an edge is
        its tap ``m``, the same at every position); ``'local'``: the same
        windows, every edge its own parameter; ``'dense'``: every output sees
        every input, every edge its own parameter.
    stride, padding : int
        Of the windows (zeros on each side; edges to padding are not drawn).

    Returns
    -------
    ndarray of int, shape (n_out, n_in)
        ``-1`` where output ``j`` does not see input ``i``, otherwise the index
        of the weight on that edge. The number of distinct indices is the
        layer's number of weights (biases not counted): ``kernel_size`` for
        ``'conv'``, ``n_out * kernel_size`` for ``'local'`` (fewer at padded
        borders), ``n_out * n_in`` for ``'dense'``.

    Examples
    --------
    >>> connections_1d(5, 3)
    array([[ 0,  1,  2, -1, -1],
           [-1,  0,  1,  2, -1],
           [-1, -1,  0,  1,  2]])
    >>> connections_1d(4, 3, "local", padding=1)[0]
    array([ 0,  1, -1, -1])
    """
    where = "connections_1d"
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
    n = as_int(n_in, "n_in", where, 1)
    k = as_int(kernel_size, "kernel_size", where, 1)
    s = as_int(stride, "stride", where, 1)
    p = as_int(padding, "padding", where, 0)
    _, pad, _, (_, n_out) = geometry((1, n), (1, k), (1, s), (0, p), 1, where, "n_in", "kernel_size")
    if kind == "dense":
        return np.arange(n_out * n).reshape(n_out, n)
    out = np.full((n_out, n), -1, dtype=np.int64)
    edge = 0  # 'local': the next unused parameter
    for j in range(n_out):
        for m in range(k):
            i = j * s + m - pad[2]
            if 0 <= i < n:
                out[j, i] = m if kind == "conv" else edge
                edge += 1
    return out


def receptive_field_size(kernel_sizes: Sequence[int], strides: Optional[Sequence[int]] = None) -> int:
    """The width of the input window (along one axis) that one unit at the top of a stack of layers sees.

    ``r = 1 + sum_l (k_l - 1) * s_1 * ... * s_{l-1}``: each layer widens the
    window by ``k_l - 1`` steps of its input, and a step of layer ``l``'s
    input is ``s_1 ... s_{l-1}`` pixels. Pooling layers count like
    convolutions (a window and a stride). Padding does not change the size.
    (A stride larger than its kernel leaves gaps: the unit then depends on
    fewer inputs than the window holds.)

    Examples
    --------
    >>> receptive_field_size([3, 3])          # two 3x3 convolutions see 5x5
    5
    >>> receptive_field_size([11, 3], [4, 2])  # AlexNet conv1, then its 3x3 stride-2 pooling
    19
    """
    where = "receptive_field_size"
    ks = [as_int(k, f"kernel_sizes[{i}]", where, 1) for i, k in enumerate(kernel_sizes)]
    if not ks:
        raise ValueError(f"{where}: kernel_sizes is empty")
    ss = [1] * len(ks) if strides is None else [as_int(s, f"strides[{i}]", where, 1) for i, s in enumerate(strides)]
    if len(ss) != len(ks):
        raise ValueError(f"{where}: {len(ks)} kernel_sizes but {len(ss)} strides")
    r, jump = 1, 1
    for k, s in zip(ks, ss):
        r += (k - 1) * jump
        jump *= s
    return r


def locally_connected2d(x, w, b=None, stride=1, padding=0) -> np.ndarray:
    """A locally connected layer: windows like a convolution, but a filter of its own at every position.

    ``out[n, f, i, j] = b[f, i, j] + sum_{c, m, l} xpad[n, c, i*S + m, j*S + l] * w[f, i, j, c, m, l]``.
    With ``w[:, i, j]`` equal to one filter bank ``W`` at every ``(i, j)``
    (and ``b[:, i, j] = B``) this is exactly ``conv2d(x, W, B)``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (F, OH, OW, C, KH, KW)
        One filter bank per output position; ``(OH, OW)`` must be the output
        size that ``stride`` and ``padding`` give.
    b : array_like, shape (F, OH, OW), optional
        One bias per output neuron.
    stride : int or (int, int)
    padding : int, (int, int) or (top, bottom, left, right)
        Zeros added on each side.

    Returns
    -------
    ndarray, shape (N, F, OH, OW)

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(1, 10).reshape(1, 1, 3, 3)
    >>> w = np.array([[[[1, 1], [0, 2]]]])                  # conv2d gives [[13, 17], [25, 29]]
    >>> locally_connected2d(x, unshare_weights(w, (2, 2)))[0, 0]
    array([[13., 17.],
           [25., 29.]])
    >>> w_local = unshare_weights(w, (2, 2)).copy()
    >>> w_local[0, 1, 1] = 0                                  # the bottom-right neuron alone changes
    >>> locally_connected2d(x, w_local)[0, 0]
    array([[13., 17.],
           [25.,  0.]])
    """
    where = "locally_connected2d"
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    w = as_float_array(w, "w", 6, where, "(F, OH, OW, C, KH, KW)")
    if x.shape[1] != w.shape[3]:
        raise ValueError(
            f"{where}: channel mismatch: x has C={x.shape[1]} channels (x.shape={x.shape}) "
            f"but w expects C={w.shape[3]} (w.shape={w.shape})"
        )
    shapes = f"x.shape={x.shape}, w.shape={w.shape}"
    s, pad, _, (oh, ow) = geometry(x.shape[2:], w.shape[4:], stride, padding, 1, where, "x", "w", shapes)
    if (oh, ow) != w.shape[1:3]:
        raise ValueError(
            f"{where}: w has filters for {w.shape[1:3]} output positions (w.shape={w.shape}), "
            f"but x.shape={x.shape} with stride={s} and padding={pad} gives an output of {(oh, ow)}"
        )
    if b is not None:
        b = as_float_array(b, "b", 3, where, "(F, OH, OW)")
        if b.shape != (w.shape[0], oh, ow):
            raise ValueError(f"{where}: b must have shape {(w.shape[0], oh, ow)} (F, OH, OW), got {b.shape}")
    dtype = result_dtype(x, w) if b is None else result_dtype(x, w, b)
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[1]), (pad[2], pad[3])))
    kh, kw = w.shape[4:]
    # All windows as a view (no copy): (N, C, H', W', KH, KW), then every S-th start.
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    win = win[:, :, : (oh - 1) * s[0] + 1 : s[0], : (ow - 1) * s[1] + 1 : s[1]]
    # The idea in one line: each position (i, j) multiplies its window by its own filters.
    out = np.einsum("ncijkl,fijckl->nfij", win, w, optimize=True).astype(dtype, copy=False)
    if b is not None:
        out = out + b[None].astype(dtype, copy=False)
    return out


def unshare_weights(w, out_hw) -> np.ndarray:
    """Copy one filter bank (F, C, KH, KW) (or a bias (F,)) to every output position.

    Returns an array of shape ``(F, OH, OW, C, KH, KW)`` (or ``(F, OH, OW)``)
    for :func:`locally_connected2d`: the weights of a locally connected layer
    whose per-position filters are all equal, i.e. of a convolution.

    Examples
    --------
    >>> unshare_weights(np.ones((96, 3, 11, 11)), (55, 55)).shape
    (96, 55, 55, 3, 11, 11)
    >>> unshare_weights(np.arange(2.0), (1, 3))
    array([[[0., 0., 0.]],
    <BLANKLINE>
           [[1., 1., 1.]]])
    """
    where = "unshare_weights"
    oh, ow = as_pair(out_hw, "out_hw", where, 1)
    arr = np.asarray(w)
    if arr.ndim == 1:
        arr = as_float_array(arr, "w", 1, where, "(F,)")
        return np.broadcast_to(arr[:, None, None], (arr.shape[0], oh, ow)).copy()
    arr = as_float_array(arr, "w", 4, where, "(F, C, KH, KW) or a bias (F,)")
    f, c, kh, kw = arr.shape
    return np.broadcast_to(arr[:, None, None], (f, oh, ow, c, kh, kw)).copy()


__all__ = ["connections_1d", "receptive_field_size", "locally_connected2d", "unshare_weights", "KINDS"]
