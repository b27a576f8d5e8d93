"""Property tests for pooling against independent reference code.

Windows are 1..4 on each axis, strides 1..3 or the default (= window), padding
up to half the window on each side; every property runs the profile's 1,000+
examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _reference import assert_within, bound, gamma, out_len, ref_avg_pool2d, ref_max_pool2d
from _parts import PARTS, part_size
from _strategies import rng_for, seeds
from cnnlib import avg_pool2d, avg_pool2d_backward, global_avg_pool2d, max_pool2d, max_pool2d_backward


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    padding = ph if ph == pw and draw(st.booleans()) else (ph, pw)
    h = max(1, kh - 2 * ph) + draw(st.integers(0, 5))
    w = max(1, kw - 2 * pw) + draw(st.integers(0, 5))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    kernel = kh if kh == kw and draw(st.booleans()) else (kh, kw)
    return (n, c, h, w), kernel, stride, padding, (kh, kw, ph, pw)


def _out_shape(shape, stride, geom):
    n, c, h, w = shape
    kh, kw, ph, pw = geom
    if stride is None:
        sh, sw = kh, kw
    elif isinstance(stride, int):
        sh = sw = stride
    else:
        sh, sw = stride
    return (n, c, out_len(h, kh, ph, ph, sh, 1), out_len(w, kw, pw, pw, sw, 1)), (sh, sw)


@pytest.mark.parametrize("parts", PARTS)
@given(case=pool_cases(), seed=seeds)
def test_max_and_avg_pool_match_reference(case, seed, parts):
    with part_size(parts):
        shape, kernel, stride, padding, geom = case
        x = rng_for(seed).standard_normal(shape)
        out_shape, _ = _out_shape(shape, stride, geom)
        got_max = max_pool2d(x, kernel, stride=stride, padding=padding)
        got_avg = avg_pool2d(x, kernel, stride=stride, padding=padding)
        assert got_max.shape == got_avg.shape == out_shape
        np.testing.assert_array_equal(got_max, ref_max_pool2d(x, kernel, stride, padding))  # no rounding in a max
        # A mean of K = KH*KW cells: K - 1 additions and a division (one more rounding
        # allowed for a multiplication by 1/K), each way; magnitude mean(|x|).
        k_cells = geom[0] * geom[1]
        magnitude = ref_avg_pool2d(np.abs(x), kernel, stride, padding)
        assert_within(got_avg, ref_avg_pool2d(x, kernel, stride, padding), bound(magnitude, k_cells + 1, np.float64, np.float64))


@pytest.mark.parametrize("parts", PARTS)
@given(case=pool_cases(), seed=seeds)
def test_avg_pool2d_backward_is_the_adjoint(case, seed, parts):
    with part_size(parts):
        # avg pooling is linear, so its backward pass is its transpose:
        # <avg_pool(x), y> == <x, avg_pool_backward(y)>
        shape, kernel, stride, padding, geom = case
        rng = rng_for(seed)
        x = rng.standard_normal(shape)
        out_shape, _ = _out_shape(shape, stride, geom)
        y = rng.standard_normal(out_shape)
        back = avg_pool2d_backward(y, x, kernel, stride=stride, padding=padding)
        assert back.shape == shape
        lhs = float(np.sum(ref_avg_pool2d(x, kernel, stride, padding) * y))
        rhs = float(np.sum(x * back))
        # The same sum of x[cell] * y[window] / K both ways (exact in real arithmetic).
        # lhs: a window mean (K + 1 roundings), times y, summed over y.size windows;
        # rhs: up to K shares y / K added into each pixel, times x, summed over x.size.
        k_cells = geom[0] * geom[1]
        magnitude = float(np.sum(ref_avg_pool2d(np.abs(x), kernel, stride, padding) * np.abs(y)))
        tol = (gamma(k_cells + 2 + y.size, np.float64) + gamma(k_cells + 2 + x.size, np.float64)) * magnitude
        assert abs(lhs - rhs) <= tol, (lhs, rhs, tol)


@pytest.mark.parametrize("parts", PARTS)
@given(case=pool_cases(), seed=seeds)
def test_max_pool2d_backward_routes_each_gradient_to_its_window_maximum(case, seed, parts):
    with part_size(parts):
        shape, kernel, stride, padding, geom = case
        kh, kw, ph, pw = geom
        rng = rng_for(seed)
        x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(float)  # distinct values: no ties
        out_shape, (sh, sw) = _out_shape(shape, stride, geom)
        dout = rng.standard_normal(out_shape)
        expected = np.zeros(shape)
        magnitude = np.zeros(shape)                  # sum of |dout| routed to each pixel
        windows = np.zeros(shape)                    # how many gradients each pixel receives
        n_, c_, oh, ow = out_shape
        for n in range(n_):
            for c in range(c_):
                for i in range(oh):
                    for j in range(ow):
                        best, at = -np.inf, None
                        for m in range(kh):
                            for q in range(kw):
                                r, col = i * sh + m - ph, j * sw + q - pw
                                if 0 <= r < shape[2] and 0 <= col < shape[3] and x[n, c, r, col] > best:
                                    best, at = x[n, c, r, col], (r, col)
                        expected[n, c, at[0], at[1]] += dout[n, c, i, j]
                        magnitude[n, c, at[0], at[1]] += abs(dout[n, c, i, j])
                        windows[n, c, at[0], at[1]] += 1
        got = max_pool2d_backward(dout, x, kernel, stride=stride, padding=padding)
        # Overlapping windows add their gradients into one pixel, in any order: exact
        # where a pixel gets at most one (a sum with 0), else within the bound.
        assert_within(got, expected, bound(magnitude, np.maximum(windows - 1, 0), np.float64, np.float64))


@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 6), w=st.integers(1, 6), seed=seeds)
def test_global_avg_pool2d_is_the_channel_mean(n, c, h, w, seed):
    x = rng_for(seed).standard_normal((n, c, h, w))
    expected = np.array([[sum(x[i, j].ravel().tolist()) / (h * w) for j in range(c)] for i in range(n)])
    # A mean of h*w values, each way: h*w - 1 additions and a division (+1 spare).
    tol = bound(np.abs(x).mean(axis=(2, 3)), h * w + 1, np.float64, np.float64)
    assert_within(global_avg_pool2d(x), expected, tol)
    assert_within(global_avg_pool2d(x, keepdims=True), expected[:, :, None, None], tol[:, :, None, None])
    # and it is avg_pool2d with one window covering the whole image
    assert_within(avg_pool2d(x, (h, w))[:, :, 0, 0], expected, tol)
