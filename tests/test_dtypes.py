"""Integer, boolean and single-precision inputs; results are new arrays.

Integers and booleans are promoted to float64 *before* any arithmetic, so a
uint8 photograph cannot wrap around; float32 stays float32 only when every
operand is float32. Expected values are computed with Python integers.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _reference import assert_within, bound, conv2d_sums
from _strategies import geometries, rng_for, seeds
from cnnlib import (
    avg_pool2d,
    avg_pool2d_backward,
    col2im,
    conv2d,
    conv2d_backward,
    convolve2d,
    correlate2d,
    global_avg_pool2d,
    im2col,
    max_pool2d,
    max_pool2d_backward,
)


def py_correlate(x, k):
    """'valid' cross-correlation in exact Python integers."""
    x = [[int(v) for v in r] for r in np.asarray(x).tolist()]
    k = [[int(v) for v in r] for r in np.asarray(k).tolist()]
    H, W, KH, KW = len(x), len(x[0]), len(k), len(k[0])
    return [
        [sum(x[i + m][j + q] * k[m][q] for m in range(KH) for q in range(KW)) for j in range(W - KW + 1)]
        for i in range(H - KH + 1)
    ]


def as_exact_floats(int_grid):
    """Python ints -> float64, asserting that every value is exactly representable."""
    ints = np.array(int_grid, dtype=object)
    out = ints.astype(np.float64)
    for f, v in zip(out.ravel(), ints.ravel()):
        assert int(f) == v, (f, v)
    return out


# --- no overflow -------------------------------------------------------------------


UINT8_IMAGE = (200 + np.arange(56) % 56).astype(np.uint8).reshape(7, 8)  # 200 .. 255
UINT8_KERNEL = np.full((3, 3), 255, dtype=np.uint8)


def _computing_in_the_input_dtype(monkeypatch):
    """A broken cnnlib that skips the promotion of integers to float64 (arithmetic in uint8/int64)."""
    import importlib

    checks = importlib.import_module("cnnlib._checks")
    real = checks.as_float_array

    def no_promotion(a, name, ndim, where, layout=""):
        arr = np.asarray(a)
        real(arr, name, ndim, where, layout)        # the same checks ...
        return arr                                  # ... but the integers stay integers

    for mod in ("cnnlib.conv", "cnnlib._checks"):
        monkeypatch.setattr(importlib.import_module(mod), "as_float_array", no_promotion)


def test_uint8_exactness_check_catches_uint8_arithmetic(monkeypatch):
    # The check of the next test, run against a cnnlib that computes in uint8:
    # it must fail, or it would not test the promotion at all.
    exact = as_exact_floats(py_correlate(UINT8_IMAGE, UINT8_KERNEL))
    np.testing.assert_array_equal(correlate2d(UINT8_IMAGE, UINT8_KERNEL), exact)
    _computing_in_the_input_dtype(monkeypatch)
    broken = correlate2d(UINT8_IMAGE, UINT8_KERNEL)
    assert not np.array_equal(broken, exact)


def test_uint8_image_and_kernel_give_exact_results():
    assert UINT8_IMAGE.min() == 200 and UINT8_IMAGE.max() == 255
    expected = as_exact_floats(py_correlate(UINT8_IMAGE, UINT8_KERNEL))
    got = correlate2d(UINT8_IMAGE, UINT8_KERNEL)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(convolve2d(UINT8_IMAGE, UINT8_KERNEL), expected)  # constant kernel
    got4 = conv2d(UINT8_IMAGE[None, None], UINT8_KERNEL[None, None], b=np.array([255], dtype=np.uint8))
    assert got4.dtype == np.float64
    np.testing.assert_array_equal(got4[0, 0], expected + 255)


def test_uint8_convolution_flips_exactly():
    k = (247 + np.arange(9)).astype(np.uint8).reshape(3, 3)  # 247 .. 255, not symmetric
    expected = as_exact_floats(py_correlate(UINT8_IMAGE, k[::-1, ::-1]))
    np.testing.assert_array_equal(convolve2d(UINT8_IMAGE, k), expected)


def test_uint8_pooling_is_exact():
    x = UINT8_IMAGE[None, None, :6, :8]
    xi = x[0, 0].astype(int)
    blocks = [[xi[2 * i : 2 * i + 2, 2 * j : 2 * j + 2] for j in range(4)] for i in range(3)]
    np.testing.assert_array_equal(max_pool2d(x, 2)[0, 0], [[int(b.max()) for b in r] for r in blocks])
    # mean of four values 200..255: sum up to 1020 (overflows uint8), / 4 is exact in binary
    means = [[float(Fraction(int(b.sum()), 4)) for b in r] for r in blocks]
    np.testing.assert_array_equal(avg_pool2d(x, 2)[0, 0], means)
    np.testing.assert_array_equal(global_avg_pool2d(x)[0, 0], float(Fraction(int(xi.sum()), xi.size)))


def test_bool_mask_counts_exactly():
    rng = np.random.default_rng(3)
    mask = rng.random((6, 7)) < 0.5
    k = np.array([[True, False, True], [True, True, False]])
    expected = as_exact_floats(py_correlate(mask.astype(int), k.astype(int)))
    got = correlate2d(mask, k)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, expected)
    got4 = conv2d(mask[None, None], k[None, None], b=np.array([True]))
    np.testing.assert_array_equal(got4[0, 0], expected + 1)
    # max of a 0/1 window: 1 if any cell is set
    expected_max = [[float(mask[3 * i : 3 * i + 3, 3 * j : 3 * j + 3].any()) for j in range(2)] for i in range(2)]
    np.testing.assert_array_equal(max_pool2d(mask[None, None, :6, :6], 3)[0, 0], expected_max)


def test_int64_large_values_do_not_overflow():
    # a * 2**31 times b * 2**31 = a*b * 2**62; four such products exceed 2**63 - 1,
    # but a small multiple of 2**62 is exact in float64.
    rng = np.random.default_rng(4)
    x = rng.integers(1, 10, size=(4, 5)).astype(np.int64) * 2**31
    k = rng.integers(1, 10, size=(2, 2)).astype(np.int64) * 2**31
    exact = py_correlate(x, k)
    assert max(max(r) for r in exact) > np.iinfo(np.int64).max  # int64 arithmetic would overflow
    got = correlate2d(x, k)
    np.testing.assert_array_equal(got, as_exact_floats(exact))
    got4 = conv2d(x[None, None], k[None, None])
    np.testing.assert_array_equal(got4[0, 0], as_exact_floats(exact))


def test_int64_exactness_check_catches_int64_arithmetic(monkeypatch):
    # The check above, against a cnnlib that computes in int64: it wraps, and the check sees it.
    rng = np.random.default_rng(4)
    x = rng.integers(1, 10, size=(4, 5)).astype(np.int64) * 2**31
    k = rng.integers(1, 10, size=(2, 2)).astype(np.int64) * 2**31
    _computing_in_the_input_dtype(monkeypatch)
    with np.errstate(over="ignore"):
        broken = correlate2d(x, k)
    assert not np.array_equal(np.asarray(broken, dtype=object), np.array(py_correlate(x, k), dtype=object))


def test_integer_backward_pass_is_exact():
    x = UINT8_IMAGE[None, None, :4, :4]
    w = UINT8_KERNEL[None, None, :2, :2]
    dout = np.full((1, 1, 3, 3), 255, dtype=np.uint8)
    dx, dw, db = conv2d_backward(dout, x, w)
    # dw[m, q] = sum over the 3x3 outputs of 255 * x[i + m, j + q]
    xi = x[0, 0].astype(int)
    exp_dw = [[255 * int(xi[m : m + 3, q : q + 3].sum()) for q in range(2)] for m in range(2)]
    np.testing.assert_array_equal(dw[0, 0], exp_dw)
    np.testing.assert_array_equal(db, [255 * 9])
    # dx: every pixel gets 255 * 255 per window that reads it (count 1, 2 or 4 per axis product)
    cnt = np.array([1, 2, 2, 1])
    np.testing.assert_array_equal(dx[0, 0], 255 * 255 * np.outer(cnt, cnt))


# --- float32 stays float32 only when everything is float32 ------------------------


F32, F64 = np.float32, np.float64


@pytest.mark.parametrize(
    "xd, wd, bd, expected",
    [
        (F32, F32, F32, F32),
        (F32, F32, None, F32),
        (F32, F64, F32, F64),
        (F64, F32, F32, F64),
        (F32, F32, F64, F32),  # the bias is cast to the dtype of x and w
        (np.float16, np.float16, None, F32),
        (np.uint8, F32, None, F64),
        (np.int32, np.int32, np.int32, F64),
        (bool, F32, F32, F64),
    ],
)
def test_conv2d_result_dtype(xd, wd, bd, expected):
    rng = np.random.default_rng(5)
    x = (rng.random((2, 3, 6, 5)) * 4).astype(xd)
    w = (rng.random((4, 3, 3, 2)) * 4).astype(wd)
    b = None if bd is None else (rng.random(4) * 4).astype(bd)
    got = conv2d(x, w, b, padding=1)
    assert got.dtype == expected
    # Every input converts exactly to float64, so the float64 reference differs from the
    # result only by the rounding of the result's dtype (and its own float64 rounding).
    ref, magnitude, n = conv2d_sums(x, w, b, padding=1)["out"]
    assert_within(got, ref, bound(magnitude, n, expected, F64), f"conv2d in {expected.__name__}")


def test_float32_everywhere_else():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 2, 4, 4)).astype(F32)
    w = rng.standard_normal((3, 2, 2, 2)).astype(F32)
    assert correlate2d(x[0, 0], w[0, 0]).dtype == F32
    assert convolve2d(x[0, 0], w[0, 0]).dtype == F32
    assert correlate2d(x[0, 0], w[0, 0].astype(F64)).dtype == F64
    dx, dw, db = conv2d_backward(np.ones((1, 3, 3, 3), F32), x, w)
    assert (dx.dtype, dw.dtype, db.dtype) == (F32, F32, F32)
    dx, dw, db = conv2d_backward(np.ones((1, 3, 3, 3), F64), x, w)
    assert (dx.dtype, dw.dtype, db.dtype) == (F64, F64, F64)
    assert im2col(x, 2, 2).dtype == F32
    assert col2im(np.ones((9, 8), F32), x.shape, 2, 2).dtype == F32
    assert max_pool2d(x, 2).dtype == F32
    assert avg_pool2d(x, 2).dtype == F32
    assert global_avg_pool2d(x).dtype == F32
    assert max_pool2d_backward(np.ones((1, 2, 2, 2), F32), x, 2).dtype == F32
    assert avg_pool2d_backward(np.ones((1, 2, 2, 2), F32), x, 2).dtype == F32


# --- results are new arrays; inputs are never modified ------------------------------


def _read_only(*arrays):
    out = []
    for a in arrays:
        a = np.array(a, copy=True)
        a.setflags(write=False)  # an in-place write would now raise
        out.append(a)
    return out


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


CALLS = [
    pytest.param(correlate2d, (_x((4, 5)), _x((2, 3), 1)), {}, id="correlate2d"),
    pytest.param(correlate2d, (_x((4, 5)), _x((1, 1), 1)), {}, id="correlate2d-1x1"),
    pytest.param(convolve2d, (_x((4, 5)), _x((2, 3), 1)), {"padding": "same"}, id="convolve2d-same"),
    pytest.param(conv2d, (_x((1, 1, 4, 4)), _x((1, 1, 1, 1), 1)), {}, id="conv2d-1x1"),
    pytest.param(conv2d, (_x((2, 3, 5, 5)), _x((4, 3, 3, 3), 1), _x(4, 2)), {"stride": 2, "padding": 1}, id="conv2d"),
    pytest.param(conv2d_backward, (_x((2, 4, 3, 3), 3), _x((2, 3, 5, 5)), _x((4, 3, 3, 3), 1)), {}, id="conv2d_backward"),
    pytest.param(im2col, (_x((2, 3, 5, 5)), 3, 3), {"padding": 1}, id="im2col"),
    pytest.param(im2col, (_x((1, 1, 3, 3)), 1, 1), {}, id="im2col-1x1-kernel"),
    pytest.param(im2col, (_x((1, 1, 3, 3)), 1, 1), {"padding": 1}, id="im2col-1x1-kernel-padded"),
    pytest.param(im2col, (_x((2, 2, 3, 4)), 1, 1), {"padding": (1, 0, 0, 2), "stride": 2}, id="im2col-1x1-kernel-padded-strided"),
    pytest.param(im2col, (_x((1, 1, 3, 4)), 1, 4), {}, id="im2col-full-width-row-kernel"),
    pytest.param(im2col, (_x((2, 2, 3, 3)), 3, 3), {}, id="im2col-kernel-covers-input"),
    pytest.param(col2im, (_x((4, 4)), (1, 1, 3, 3), 2, 2), {}, id="col2im"),
    pytest.param(col2im, (_x((9, 1)), (1, 1, 3, 3), 1, 1), {}, id="col2im-1x1-kernel"),
    pytest.param(max_pool2d, (_x((1, 2, 4, 4)), 1), {}, id="max_pool2d-1x1"),
    pytest.param(max_pool2d, (_x((1, 2, 5, 5)), 3), {"stride": 2, "padding": 1}, id="max_pool2d"),
    pytest.param(avg_pool2d, (_x((1, 2, 4, 4)), 2), {}, id="avg_pool2d"),
    pytest.param(global_avg_pool2d, (_x((2, 3, 1, 1)),), {"keepdims": True}, id="global_avg_pool2d-1x1"),
    pytest.param(max_pool2d_backward, (_x((1, 2, 2, 2), 3), _x((1, 2, 4, 4)), 2), {}, id="max_pool2d_backward"),
    pytest.param(avg_pool2d_backward, (_x((1, 2, 4, 4), 3), _x((1, 2, 4, 4)), 1), {}, id="avg_pool2d_backward-1x1"),
]


@pytest.mark.parametrize("fn, args, kwargs", CALLS)
def test_results_are_new_arrays_and_inputs_are_untouched(fn, args, kwargs):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    frozen = _read_only(*arrays)
    copies = [a.copy() for a in frozen]
    it = iter(frozen)
    call_args = [next(it) if isinstance(a, np.ndarray) else a for a in args]
    result = fn(*call_args, **kwargs)
    results = result if isinstance(result, tuple) else (result,)
    for a, c in zip(frozen, copies):
        np.testing.assert_array_equal(a, c)
    for r in results:
        for a in frozen:
            assert not np.shares_memory(r, a), f"{fn.__name__} returned an array that shares memory with an input"
        assert r.flags.writeable, f"{fn.__name__} returned a read-only array"


@given(g=geometries(max_k=3), n=st.integers(1, 2), c=st.integers(1, 2), seed=seeds)
def test_im2col_never_returns_a_view_of_its_input(g, n, c, seed):
    x = rng_for(seed).standard_normal((n, c, g.h, g.w))
    cols = im2col(x, g.kh, g.kw, stride=g.stride, padding=g.padding, dilation=g.dilation)
    assert not np.shares_memory(cols, x)
    # a new array of its own that the caller may write into (a read-only view of
    # the padded copy would pass the line above)
    assert cols.flags.writeable and cols.flags.owndata
