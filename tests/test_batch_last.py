"""The batch-last path: small maps with the batch axis last in memory.

For small output maps (``conv.BATCH_LAST_MAX_POSITIONS``) conv2d copies the
batch into a (C, H, W, N) layout, makes one product of the whole batch and
returns its result as a transposed view, batch-last in memory; pooling, ReLU
and Flatten keep that memory order (see "batch axis last" in cnnlib/im2col.py).
These tests check that

* conv2d and conv2d_backward take that path exactly where the rule says, and
  agree with the per-image path within the rounding-error bound (the two sum
  the same products in different orders), and both with the float64 reference;
* its results are right whatever the memory order of the inputs (C order, or
  batch-last views as the layers pass them on), bit for bit: the path copies
  either into the same (C, H, W, N) block;
* pooling, forward and backward, gives the same bits on a batch-last input as
  on the same numbers in C order (the same elementwise operations in the same
  order per value), keeps the layout, and still routes inf and NaN gradients
  like the C-order path;
* a network's forward and backward pass, with the layers handing batch-last
  arrays to each other, agrees with the same network run on the per-image path.
"""

from __future__ import annotations

import numpy as np
import pytest

import cnnlib
from _reference import assert_within, bound, conv2d_sums
from cnnlib import conv
from cnnlib.im2col import is_batch_last, to_batch_last
from cnnlib.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential

NAMES = ("out", "dx", "dw", "db")

CASES = [
    # (N, C, H, W), (F, KH, KW), stride, padding, dilation, dtype
    ((32, 1, 8, 8), (16, 3, 3), 1, 1, 1, np.float32),      # the book's first layer
    ((32, 16, 4, 4), (32, 3, 3), 1, 1, 1, np.float32),     # ... and its second
    ((5, 3, 9, 8), (4, 3, 3), 1, 1, 1, np.float64),
    ((4, 2, 11, 10), (3, 3, 2), (2, 1), (1, 0, 2, 1), 1, np.float32),
    ((3, 1, 12, 12), (2, 3, 3), 2, "full", 1, np.float64),
    ((6, 2, 10, 9), (5, 2, 3), 1, 0, 2, np.float32),
    ((2, 3, 16, 16), (4, 3, 3), 1, "same", 1, np.float64),  # 16 x 16 = 256 positions: the limit
]


def _batch_last_view(a):
    """The same numbers as ``a``, stored batch-last: a transposed view, as the layers pass them on."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def _results(x, w, b, dout, **kw):
    return (cnnlib.conv2d(x, w, b, **kw), *cnnlib.conv2d_backward(dout, x, w, **kw))


def _case(xshape, wshape, dtype, seed=0, **kw):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xshape).astype(dtype)
    w = rng.standard_normal((wshape[0], xshape[1]) + wshape[1:]).astype(dtype)
    b = rng.standard_normal(wshape[0]).astype(dtype)
    dout = rng.standard_normal(cnnlib.conv2d(x, w, b, **kw).shape).astype(dtype)
    return x, w, b, dout


@pytest.mark.parametrize("xshape, wshape, stride, padding, dilation, dtype", CASES)
def test_conv2d_batch_last_agrees_with_the_per_image_path(monkeypatch, xshape, wshape, stride, padding, dilation, dtype):
    kw = dict(stride=stride, padding=padding, dilation=dilation)
    x, w, b, dout = _case(xshape, wshape, dtype, **kw)
    fast = _results(x, w, b, dout, **kw)
    assert is_batch_last(fast[0]) and is_batch_last(fast[1]), "small maps, N > 1: the batch-last path"
    monkeypatch.setattr(conv, "BATCH_LAST", False)
    slow = _results(x, w, b, dout, **kw)
    assert slow[0].flags.c_contiguous and slow[1].flags.c_contiguous
    sums = conv2d_sums(x, w, b, dout, **kw)
    for name, a, c in zip(NAMES, fast, slow):
        assert a.shape == c.shape and a.dtype == c.dtype == dtype, name
        _, magnitude, n = sums[name]
        assert_within(a, c, bound(magnitude, n, dtype, dtype), f"{name}: batch-last vs per image")
        ref, magnitude, n = sums[name]
        assert_within(a, ref, bound(magnitude, n, dtype, np.float64), f"{name}: batch-last vs float64 reference")


@pytest.mark.parametrize("xshape, wshape, stride, padding, dilation, dtype", CASES[:4])
def test_conv2d_gives_the_same_bits_whatever_the_inputs_memory_order(xshape, wshape, stride, padding, dilation, dtype):
    kw = dict(stride=stride, padding=padding, dilation=dilation)
    x, w, b, dout = _case(xshape, wshape, dtype, seed=1, **kw)
    c_order = _results(x, w, b, dout, **kw)
    views = _results(_batch_last_view(x), w, b, _batch_last_view(dout), **kw)
    for name, a, c in zip(NAMES, c_order, views):
        np.testing.assert_array_equal(c, a, err_msg=name)


def test_the_rule_picks_the_path_by_batch_size_map_size_and_memory(monkeypatch):
    w = np.ones((2, 1, 3, 3))
    assert is_batch_last(cnnlib.conv2d(np.ones((2, 1, 16, 16)), w, padding=1))      # 256 positions
    assert cnnlib.conv2d(np.ones((2, 1, 17, 16)), w, padding=1).flags.c_contiguous  # 272: per image
    assert cnnlib.conv2d(np.ones((1, 1, 8, 8)), w, padding=1).flags.c_contiguous    # one image
    monkeypatch.setattr(conv, "BATCH_LAST_MAX_BYTES", 9 * 64 * 8 * 2 - 1)          # the columns do not fit
    assert cnnlib.conv2d(np.ones((2, 1, 8, 8)), w, padding=1).flags.c_contiguous
    monkeypatch.setattr(conv, "BATCH_LAST_MAX_BYTES", 9 * 64 * 8 * 2)              # ... now they do
    assert is_batch_last(cnnlib.conv2d(np.ones((2, 1, 8, 8)), w, padding=1))


def test_a_batch_last_result_is_an_ordinary_array():
    x = np.arange(2 * 9, dtype=np.float64).reshape(2, 1, 3, 3)
    out = cnnlib.conv2d(x, np.ones((1, 1, 2, 2)))
    assert is_batch_last(out) and not out.flags.c_contiguous
    # image 1 is image 0 (0..8) plus 9: each 2 x 2 sum is image 0's, 0+1+3+4 = 8, ..., plus 4 * 9
    np.testing.assert_array_equal(out[1, 0], [[8 + 36, 12 + 36], [20 + 36, 24 + 36]])
    np.testing.assert_array_equal(out.reshape(2, -1), np.ascontiguousarray(out).reshape(2, -1))
    out[0, 0, 0, 0] = -1.0                                   # writeable, and owns its numbers
    assert out[0, 0, 0, 0] == -1.0 and x[0, 0, 0, 0] == 0.0


POOL_CASES = [
    # (N, C, H, W), kernel, stride, padding, dtype
    ((32, 16, 8, 8), 2, None, 0, np.float32),       # the book's pooling layers
    ((32, 32, 4, 4), 2, None, 0, np.float32),
    ((5, 3, 8, 8), 2, None, 0, np.float64),
    ((4, 2, 11, 11), 3, 2, 1, np.float32),           # padding, overlapping windows
    ((3, 2, 9, 10), (3, 2), (1, 2), (1, 0), np.float64),
    ((3, 2, 7, 7), 3, 1, "same", np.float64),
]


def _pool_results(x, dout, k, s, p):
    return (
        cnnlib.max_pool2d(x, k, stride=s, padding=p),
        cnnlib.avg_pool2d(x, k, stride=s, padding=p),
        cnnlib.max_pool2d_backward(dout, x, k, stride=s, padding=p),
        cnnlib.avg_pool2d_backward(dout, x, k, stride=s, padding=p),
    )


@pytest.mark.parametrize("xshape, k, s, p, dtype", POOL_CASES)
def test_pooling_gives_the_same_bits_on_a_batch_last_input_and_keeps_its_layout(xshape, k, s, p, dtype):
    rng = np.random.default_rng(2)
    # ReLU-like inputs: many exact zeros, so many windows hold tied maxima
    # (the first one in reading order must take the gradient on both paths).
    x = np.maximum(rng.standard_normal(xshape), 0).astype(dtype)
    dout = rng.standard_normal(cnnlib.max_pool2d(x, k, stride=s, padding=p).shape).astype(dtype)
    c_order = _pool_results(x, dout, k, s, p)
    for dout_in in (dout, _batch_last_view(dout)):          # the gradient in either order
        bl = _pool_results(_batch_last_view(x), dout_in, k, s, p)
        for name, a, c in zip(["max", "avg", "max backward", "avg backward"], c_order, bl):
            np.testing.assert_array_equal(c, a, err_msg=name)
            assert is_batch_last(c), f"{name}: the result keeps the input's memory order"


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_max_pool_backward_routes_inf_and_nan_alike_on_a_batch_last_input(bad):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 2, 6, 6))
    x[1, 0, 2, 3] = np.nan                                   # a NaN in the input too
    dout = rng.standard_normal((4, 2, 3, 3))
    dout[0, 1, 1, 1] = bad
    want = cnnlib.max_pool2d_backward(dout, x, 2)
    got = cnnlib.max_pool2d_backward(_batch_last_view(dout), _batch_last_view(x), 2)
    np.testing.assert_array_equal(got, want)
    window = got[0, 1, 2:4, 2:4]
    assert np.count_nonzero(window) == 1 and (np.isnan(window).sum() == 1) == np.isnan(bad)


def test_flatten_hands_back_its_gradient_in_the_inputs_memory_order():
    x = _batch_last_view(np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2))
    flat = Flatten()
    out = flat(x)
    np.testing.assert_array_equal(out, np.ascontiguousarray(x).reshape(2, -1))
    dout = np.arange(24, dtype=np.float32).reshape(2, 12) * 10
    dx = flat.backward(dout)
    assert is_batch_last(dx)
    np.testing.assert_array_equal(dx, dout.reshape(2, 3, 2, 2))
    c = Flatten()
    c(np.ascontiguousarray(x))
    assert c.backward(dout).flags.c_contiguous


def _book_cnn(seed):
    rng = np.random.default_rng(seed)
    return Sequential(
        Conv2d(1, 16, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
        Flatten(), Linear(128, 10, rng=rng),
    ).to(np.float64)


def test_the_book_cnn_forward_and_backward_agree_with_the_per_image_path(monkeypatch):
    # float64: the two paths round differently, and a max pool can then pick
    # another of two nearly equal values; in float64 on random inputs that
    # needs two values within ~1e-15 of each other, which this seed does not have.
    x = np.random.default_rng(4).standard_normal((32, 1, 8, 8))
    dlogits = np.random.default_rng(5).standard_normal((32, 10))
    runs = []
    for batch_last in (True, False):
        monkeypatch.setattr(conv, "BATCH_LAST", batch_last)
        model = _book_cnn(0)
        logits = model(x)
        model[0].needs_input_grad = True
        dx = model.backward(dlogits)
        runs.append((logits, dx, model.grads))
    (l1, dx1, g1), (l2, dx2, g2) = runs
    # Relative to the largest value: a handful of float64 roundings per layer.
    tol = 1e-12
    np.testing.assert_allclose(l1, l2, rtol=0, atol=tol * np.abs(l2).max())
    np.testing.assert_allclose(dx1, dx2, rtol=0, atol=tol * np.abs(dx2).max())
    assert g1.keys() == g2.keys()
    for name in g1:
        np.testing.assert_allclose(g1[name], g2[name], rtol=0, atol=tol * np.abs(g2[name]).max(), err_msg=name)


def test_to_batch_last_copies_nothing_when_the_array_is_already_batch_last():
    x = _batch_last_view(np.ones((3, 2, 4, 4)))
    xt = to_batch_last(x)
    assert xt.shape == (2, 4, 4, 3) and np.shares_memory(xt, x)
    assert not np.shares_memory(to_batch_last(np.ones((3, 2, 4, 4))), x)
