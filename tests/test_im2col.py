"""im2col lays out receptive fields; col2im is its adjoint (not its inverse)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _reference import assert_within, bound, count_map, gamma, mode_pads, out_len, tap_conv2d
from _strategies import geometries, rng_for, seeds
from cnnlib import col2im, im2col


def receptive_fields(x, g):
    """Every receptive field, read with explicit slices: rows (n, i, j), columns (c, m, q)."""
    t, b, l, r = mode_pads(g)
    n, c, h, w = x.shape
    oh = out_len(h, g.kh, t, b, g.sh, g.dh)
    ow = out_len(w, g.kw, l, r, g.sw, g.dw)
    xp = np.pad(x, ((0, 0), (0, 0), (t, b), (l, r)))
    rows = []
    for ni in range(n):
        for i in range(oh):
            for j in range(ow):
                r0, c0 = i * g.sh, j * g.sw
                patch = xp[ni, :, r0 : r0 + g.span[0] : g.dh, c0 : c0 + g.span[1] : g.dw]
                assert patch.shape == (c, g.kh, g.kw)
                rows.append(patch.ravel())  # C-order: channel-major, like w.reshape(F, -1)
    return np.array(rows).reshape(n * oh * ow, c * g.kh * g.kw), (oh, ow)


def im2col_g(x, g):
    return im2col(x, g.kh, g.kw, stride=g.stride, padding=g.padding, dilation=g.dilation)


def col2im_g(cols, shape, g):
    return col2im(cols, shape, g.kh, g.kw, stride=g.stride, padding=g.padding, dilation=g.dilation)


batch = dict(n=st.integers(1, 2), c=st.integers(1, 3))


# --- im2col ------------------------------------------------------------------


def test_im2col_by_hand():
    # Each row is one 2x2 window of [[1,2,3],[4,5,6],[7,8,9]], read row by row.
    x = np.arange(1, 10).reshape(1, 1, 3, 3)
    expected = [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]]
    np.testing.assert_array_equal(im2col(x, 2, 2), expected)


def test_im2col_columns_are_channel_major():
    # One 2x2 window over two channels: channel 0's four values, then channel 1's.
    x = np.array([[[[1, 2], [3, 4]], [[10, 20], [30, 40]]]])
    np.testing.assert_array_equal(im2col(x, 2, 2), [[1, 2, 3, 4, 10, 20, 30, 40]])
    # two images: rows of image 0 come first
    x2 = np.concatenate([x, -x])
    np.testing.assert_array_equal(im2col(x2, 2, 2), [[1, 2, 3, 4, 10, 20, 30, 40], [-1, -2, -3, -4, -10, -20, -30, -40]])


def test_im2col_padding_by_hand():
    # 2x2 input, 2x2 kernel, one zero on each side, stride 2: each window holds one real pixel.
    x = np.array([[[[1, 2], [3, 4]]]])
    expected = [[0, 0, 0, 1], [0, 0, 2, 0], [0, 3, 0, 0], [4, 0, 0, 0]]
    np.testing.assert_array_equal(im2col(x, 2, 2, stride=2, padding=1), expected)


@given(g=geometries(), seed=seeds, **batch)
def test_im2col_rows_are_receptive_fields(g, seed, n, c):
    x = rng_for(seed).standard_normal((n, c, g.h, g.w))
    cols = im2col_g(x, g)
    expected, (oh, ow) = receptive_fields(x, g)
    assert cols.shape == (n * oh * ow, c * g.kh * g.kw)
    np.testing.assert_array_equal(cols, expected)


@given(g=geometries(max_k=3), seed=seeds, f=st.integers(1, 3), **batch)
def test_im2col_column_order_matches_filter_reshape(g, seed, n, c, f):
    # cols @ w.reshape(F, -1).T, rows (n, i, j) -> (N, F, OH, OW), is the convolution.
    rng = rng_for(seed)
    x = rng.standard_normal((n, c, g.h, g.w))
    w = rng.standard_normal((f, c, g.kh, g.kw))
    cols = im2col_g(x, g)
    t, b, l, r = mode_pads(g)
    oh, ow = out_len(g.h, g.kh, t, b, g.sh, g.dh), out_len(g.w, g.kw, l, r, g.sw, g.dw)
    got = (cols @ w.reshape(f, -1).T).reshape(n, oh, ow, f).transpose(0, 3, 1, 2)
    expected = tap_conv2d(x, w, None, (g.sh, g.sw), (t, b, l, r), (g.dh, g.dw))
    # Two float64 sums of the same C*KH*KW products in different orders.
    magnitude = tap_conv2d(np.abs(x), np.abs(w), None, (g.sh, g.sw), (t, b, l, r), (g.dh, g.dw))
    assert_within(got, expected, bound(magnitude, c * g.kh * g.kw, np.float64, np.float64))


# --- col2im ------------------------------------------------------------------


@given(g=geometries(), seed=seeds, **batch)
def test_col2im_is_the_adjoint_of_im2col(g, seed, n, c):
    # <im2col(x), y> == <x, col2im(y)> for arbitrary x and y.
    rng = rng_for(seed)
    x = rng.standard_normal((n, c, g.h, g.w))
    cols = im2col_g(x, g)
    y = rng.standard_normal(cols.shape)
    back = col2im_g(y, x.shape, g)
    assert back.shape == x.shape
    lhs = float(np.sum(cols * y))
    rhs = float(np.sum(x * back))
    # Both sides are the same sum of products x[pixel] * y[row, col] (exactly equal
    # in real arithmetic), grouped differently: lhs adds cols.size products; rhs
    # first adds up to max(count) values of y into each pixel, then x.size
    # products. Both magnitudes are sum |cols * y|.
    magnitude = float(np.sum(np.abs(cols * y)))
    count = count_map((g.h, g.w), (g.kh, g.kw), (g.sh, g.sw), mode_pads(g), (g.dh, g.dw))
    tol = (gamma(cols.size, np.float64) + gamma(count.max() + 1 + x.size, np.float64)) * magnitude
    assert abs(lhs - rhs) <= tol, (lhs, rhs, tol)


@given(g=geometries(), seed=seeds, **batch)
def test_col2im_of_im2col_multiplies_by_the_count_map(g, seed, n, c):
    x = rng_for(seed).standard_normal((n, c, g.h, g.w))
    round_trip = col2im_g(im2col_g(x, g), x.shape, g)
    # How often each pixel is read, counted with loops (independent of cnnlib) ...
    count = count_map((g.h, g.w), (g.kh, g.kw), (g.sh, g.sw), mode_pads(g), (g.dh, g.dw))
    # round_trip adds `count` copies of each pixel (count - 1 roundings), x * count is
    # one rounding: within gamma(count) * count * |x| of each other.
    assert_within(round_trip, x * count, bound(count * np.abs(x), count, np.float64))
    # ... which is also what col2im(im2col(ones)) reports.
    ones = np.ones((1, 1, g.h, g.w))
    np.testing.assert_array_equal(col2im_g(im2col_g(ones, g), ones.shape, g)[0, 0], count)


def test_col2im_is_not_an_inverse_when_windows_overlap():
    # 3x3 input, 2x2 windows, stride 1: the centre is read by all four windows,
    # edge midpoints by two, corners by one.
    x = np.arange(1, 10, dtype=float).reshape(1, 1, 3, 3)
    counts = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    back = col2im(im2col(x, 2, 2), x.shape, 2, 2)
    np.testing.assert_array_equal(back[0, 0], x[0, 0] * counts)
    assert not np.array_equal(back, x)
    np.testing.assert_array_equal(col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2)[0, 0], counts)


@given(
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    bh=st.integers(1, 4),
    bw=st.integers(1, 4),
    seed=seeds,
    **batch,
)
def test_col2im_inverts_im2col_for_non_overlapping_tiles(kh, kw, bh, bw, seed, n, c):
    # stride == kernel, no padding, the tiles cover the image exactly: identity.
    x = rng_for(seed).standard_normal((n, c, kh * bh, kw * bw))
    cols = im2col(x, kh, kw, stride=(kh, kw))
    assert cols.shape == (n * bh * bw, c * kh * kw)
    np.testing.assert_array_equal(col2im(cols, x.shape, kh, kw, stride=(kh, kw)), x)


def test_col2im_leftover_pixels_come_back_as_zero():
    # 5x5 with 2x2 tiles, stride 2: row 4 and column 4 are never read (floored size).
    x = np.arange(1, 26, dtype=float).reshape(1, 1, 5, 5)
    back = col2im(im2col(x, 2, 2, stride=2), x.shape, 2, 2, stride=2)
    expected = x.copy()
    expected[..., 4, :] = 0
    expected[..., :, 4] = 0
    np.testing.assert_array_equal(back, expected)


@pytest.mark.parametrize("bad_rows", [3, 5])
def test_col2im_rejects_cols_of_the_wrong_shape(bad_rows):
    with pytest.raises(ValueError, match=r"col2im: cols has shape"):
        col2im(np.ones((bad_rows, 4)), (1, 1, 3, 3), 2, 2)
