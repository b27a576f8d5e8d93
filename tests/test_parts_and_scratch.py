"""The speed machinery must not change a single number.

conv2d and pooling work on a few images at a time (``COLS_BYTES``,
``PART_BYTES``) and keep their temporaries in reused scratch memory
(``cnnlib._scratch``). These tests check that

* splitting the batch into parts of one image gives the same results as doing
  the whole batch in one part: bit for bit where each image is computed by the
  same operations either way (pooling, conv2d's forward pass on a BLAS that
  repeats itself, db), and within the rounding-error bound of
  ``_reference.bound`` where the parts change the order of a sum (dw adds the
  parts one after another; dx is one matrix product per part, whose width the
  BLAS kernel may split differently);
* what a call returns never shares memory with the scratch slots, so the next
  call cannot overwrite an earlier result;
* threads each get their own slots, so concurrent calls give the same results
  as calls one after another (bit for bit on OpenBLAS, which does not split a
  sum between threads; within the rounding bound on a BLAS that does not
  promise that, such as MKL or Accelerate);
* max pooling's backward pass sends an inf or NaN gradient only to the window's
  maximum, as it does with finite values (``d * hit`` would spread ``inf * 0 =
  NaN`` over the whole window).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import cnnlib
from _blas import repeats_itself
from _reference import assert_within, bound, conv2d_sums
from cnnlib import _scratch, conv, pooling

NAMES = ("out", "dx", "dw", "db")


def assert_conv_results_agree(a, c, sums, dtype, exact, what):
    """out, dx, dw, db of two conv2d runs: equal where ``exact`` names them, else within the bound."""
    for name, x, y in zip(NAMES, a, c):
        assert x.dtype == y.dtype == dtype, (what, name)
        if name in exact:
            np.testing.assert_array_equal(y, x, err_msg=f"{what}: {name}")
        else:
            _, magnitude, n = sums[name]
            assert_within(y, x, bound(magnitude, n, dtype, dtype), f"{what}: {name}")


def _conv_results(x, w, b, dout, **kw):
    return (cnnlib.conv2d(x, w, b, **kw), *cnnlib.conv2d_backward(dout, x, w, **kw))


def _pool_results(x, dout, k, s, p):
    return (
        cnnlib.max_pool2d(x, k, stride=s, padding=p),
        cnnlib.avg_pool2d(x, k, stride=s, padding=p),
        cnnlib.max_pool2d_backward(dout, x, k, stride=s, padding=p),
        cnnlib.avg_pool2d_backward(dout, x, k, stride=s, padding=p),
    )


CONV_CASES = [
    # (N, C, H, W), (F, KH, KW), stride, padding, dilation, dtype
    ((5, 3, 9, 8), (4, 3, 3), 1, 1, 1, np.float64),
    ((4, 2, 11, 10), (3, 3, 2), (2, 1), (1, 0, 2, 1), 1, np.float32),
    ((3, 1, 12, 12), (2, 3, 3), 1, "same", 1, np.float64),
    ((3, 1, 12, 12), (2, 3, 3), 2, "full", 1, np.float64),
    ((6, 2, 10, 9), (5, 2, 3), 1, 0, 2, np.float32),
]


@pytest.mark.parametrize("xshape, wshape, stride, padding, dilation, dtype", CONV_CASES)
def test_conv2d_gives_identical_results_one_image_at_a_time(monkeypatch, xshape, wshape, stride, padding, dilation, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xshape).astype(dtype)
    w = rng.standard_normal((wshape[0], xshape[1]) + wshape[1:]).astype(dtype)
    b = rng.standard_normal(wshape[0]).astype(dtype)
    kw = dict(stride=stride, padding=padding, dilation=dilation)
    dout = rng.standard_normal(cnnlib.conv2d(x, w, b, **kw).shape).astype(dtype)

    monkeypatch.setattr(conv, "COLS_BYTES", 2**30)          # the whole batch in one part
    whole = _conv_results(x, w, b, dout, **kw)
    assert conv._image_slices(xshape[0], 1) == [slice(0, xshape[0])]
    monkeypatch.setattr(conv, "COLS_BYTES", 1)              # one image per part
    assert len(conv._image_slices(xshape[0], 1)) == xshape[0]
    parts = _conv_results(x, w, b, dout, **kw)
    sums = conv2d_sums(x, w, b, dout, **kw)
    # Exact by construction: db is one NumPy sum over the whole dout, whatever
    # the parts; out is one product per image, of the same shapes in both runs,
    # so a BLAS that repeats itself gives the same bits. dw adds the parts one
    # after another and dx is one product per part (its width changes with the
    # part size): only the rounding-error bound holds for them.
    exact = {"db", "out"} if repeats_itself() else {"db"}
    assert_conv_results_agree(whole, parts, sums, dtype, exact, "whole batch vs one image per part")
    # ... and both are right: within the bound of the float64 reference.
    for name, got in zip(NAMES, whole):
        ref, magnitude, n = sums[name]
        assert_within(got, ref, bound(magnitude, n, dtype, np.float64), f"{name} vs the float64 reference")


POOL_CASES = [
    # (N, C, H, W), kernel, stride, padding, dtype
    ((5, 3, 8, 8), 2, None, 0, np.float64),
    ((4, 2, 11, 11), 3, 2, 1, np.float32),
    ((3, 2, 9, 10), (3, 2), (1, 2), (1, 0), np.float64),
]


@pytest.mark.parametrize("xshape, k, s, p, dtype", POOL_CASES)
def test_pooling_gives_identical_results_one_image_at_a_time(monkeypatch, xshape, k, s, p, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(xshape).astype(dtype)
    dout = rng.standard_normal(cnnlib.max_pool2d(x, k, stride=s, padding=p).shape).astype(dtype)
    monkeypatch.setattr(pooling, "PART_BYTES", 2**30)
    whole = _pool_results(x, dout, k, s, p)
    monkeypatch.setattr(pooling, "PART_BYTES", 1)
    assert len(pooling._parts(x)) == xshape[0]
    parts = _pool_results(x, dout, k, s, p)
    for name, a, c in zip(["max", "avg", "max backward", "avg backward"], whole, parts):
        np.testing.assert_array_equal(c, a, err_msg=name)


def test_results_never_share_memory_with_scratch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 8, 8))
    w = rng.standard_normal((4, 3, 3, 3))
    dout = rng.standard_normal((2, 4, 8, 8))
    first = _conv_results(x, w, None, dout, padding=1) + _pool_results(x, dout[:, :3, :4, :4], 2, 2, 0)
    first += (cnnlib.im2col(x, 1, 1, padding=1),)
    kept = [a.copy() for a in first]
    slots = _scratch._local.slots.values()
    for a in first:
        for buf in slots:
            assert not np.shares_memory(a, buf)
    # Another round with other values reuses every slot ...
    _conv_results(x[::-1] * 3, w + 1, None, dout * 2, padding=1)
    _pool_results(x * -1, dout[:, :3, :4, :4] + 5, 2, 2, 0)
    # ... and the first results are untouched.
    for a, k in zip(first, kept):
        np.testing.assert_array_equal(a, k)


def test_threads_have_their_own_scratch():
    rng = np.random.default_rng(3)
    jobs = [
        (rng.standard_normal((3, 2, 10, 10)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((3, 4, 10, 10)))
        for _ in range(8)
    ]

    def run(job):
        x, w, dout = job
        return _conv_results(x, w, None, dout, padding=1) + _pool_results(x, dout[:, :2, :5, :5], 2, 2, 0)

    one_by_one = [run(j) for j in jobs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(run, jobs * 4))
    # Pooling is NumPy arithmetic in a fixed order: the same bits always. conv2d's
    # products are the same bits on OpenBLAS; elsewhere they are held to the
    # rounding-error bound, which slots shared between threads (another
    # thread's numbers) would still break by far.
    exact = set(NAMES) if repeats_itself() else {"db"}
    for i, got in enumerate(together):
        x, w, dout = jobs[i % len(jobs)]
        ref = one_by_one[i % len(jobs)]
        sums = conv2d_sums(x, w, None, dout, padding=1)
        assert_conv_results_agree(ref[:4], got[:4], sums, np.float64, exact, f"thread job {i}")
        for a, c in zip(ref[4:], got[4:]):
            np.testing.assert_array_equal(c, a)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_max_pool_backward_sends_a_non_finite_gradient_only_to_the_maximum(bad):
    x = np.array([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 9.0, 1.0]]]])     # maxima 5 and 9
    dout = np.array([[[[bad, 2.0]]]])
    dx = cnnlib.max_pool2d_backward(dout, x, 2)
    expected = np.array([[[[0.0, bad, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]]]])
    np.testing.assert_array_equal(dx, expected)


def test_scratch_memory_is_bounded_and_can_be_released():
    cnnlib.conv2d(np.ones((2, 3, 16, 16)), np.ones((5, 3, 3, 3)), padding=1)
    assert _scratch.held_bytes() > 0
    big = _scratch.scratch("test-big", (_scratch.KEEP_BYTES // 8 + 1,), np.float64)
    assert "test-big" not in _scratch._local.slots                # too big to keep: a plain array
    assert big.flags.owndata
    _scratch.release()
    assert _scratch.held_bytes() == 0
    assert cnnlib.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)))[0, 0, 0, 0] == 4.0
