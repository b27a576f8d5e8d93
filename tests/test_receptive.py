"""Receptive fields, the FC-vs-conv connection maps and the pixel-correlation curve.

The oracles never use the recurrences of cnnlib/receptive.py: which input
pixels a unit depends on is found by *propagating a one-hot gradient* back
through the stack with cnnlib.conv2d_backward / avg_pool2d_backward (all-ones
kernels, so every dependency shows up as a positive number), and the
correlations come from numpy.corrcoef over pairs collected with explicit loops.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlib import avg_pool2d, avg_pool2d_backward, conv2d, conv2d_backward
from cnnlib.receptive import Window, connected_pixels, field_sets, format_receptive_fields, receptive_fields
from cnnlib.stats import correlation_by_distance


# ----------------------------------------------------------------- the oracle
def backprop_support(windows, shape, unit, pool_flags=None):
    """Input pixels a top-level unit depends on, by pushing a one-hot gradient back.

    ``windows`` are (kernel, stride, dilation, padding) per layer, applied to
    both axes of an input of ``shape`` (H, W); ``unit`` is (row, col) in the
    last output. A layer with its ``pool_flags`` entry True is an average
    pooling (dilation 1) and is differentiated with avg_pool2d_backward.
    """
    pool_flags = pool_flags or [False] * len(windows)
    xs = [np.zeros((1, 1) + tuple(shape))]
    for (k, s, d, p), pool in zip(windows, pool_flags):
        if pool:
            xs.append(avg_pool2d(xs[-1], k, stride=s, padding=p))
        else:
            xs.append(conv2d(xs[-1], np.ones((1, 1, k, k)), stride=s, padding=p, dilation=d))
    g = np.zeros_like(xs[-1])
    g[0, 0][unit] = 1.0
    for (k, s, d, p), pool, x in reversed(list(zip(windows, pool_flags, xs[:-1]))):
        if pool:
            g = avg_pool2d_backward(g, x, k, stride=s, padding=p)
        else:
            g = conv2d_backward(g, x, np.ones((1, 1, k, k)), stride=s, padding=p, dilation=d)[0]
    return g[0, 0] > 0


def fits(windows, n):
    for k, s, d, p in windows:
        if d * (k - 1) + 1 > n + 2 * p:
            return None
        n = (n + 2 * p - d * (k - 1) - 1) // s + 1
    return n


layer = st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2))


# ------------------------------------------------------------- hand examples
def test_three_3x3_layers_see_3_5_7():
    assert [r.size for r in receptive_fields([(3,)] * 3)] == [3, 5, 7]
    assert [r.jump for r in receptive_fields([(3,)] * 3)] == [1, 1, 1]


def test_pooling_doubles_the_jump_and_the_growth():
    rows = receptive_fields([Window(3, padding=1), Window(2, 2), Window(3, padding=1), Window(2, 2), Window(3, padding=1)],
                            input_size=8)
    # by hand: 3; 3+1=4 (jump 2); 4+2*2=8; 8+1*2=10 (jump 4); 10+2*4=18
    assert [(r.size, r.jump) for r in rows] == [(3, 1), (4, 2), (8, 2), (10, 4), (18, 4)]
    assert [r.out for r in rows] == [8, 4, 4, 2, 2]
    assert [r.start for r in rows] == [-1, -1, -3, -3, -7]


def test_published_receptive_fields_of_alexnet_and_vgg16():
    # Araujo, Norris & Sim, "Computing receptive fields of convolutional neural
    # networks", Distill 2019, table of r_0: AlexNet 195, VGG-16 212.
    alexnet = [(11, 4), (3, 2), (5, 1, 1, 2), (3, 2), (3, 1, 1, 1), (3, 1, 1, 1), (3, 1, 1, 1), (3, 2)]
    assert receptive_fields(alexnet)[-1].size == 195
    block = lambda n: [(3, 1, 1, 1)] * n + [(2, 2)]  # noqa: E731
    vgg16 = block(2) + block(2) + block(3) + block(3) + block(3)
    assert receptive_fields(vgg16)[-1].size == 212
    assert receptive_fields(vgg16, input_size=224)[-1].out == 7


def test_dilated_field_has_holes_and_stacked_dilations_fill_them():
    one = field_sets([(3, 1, 2)], 9, 0)[0]
    assert one.nonzero()[0].tolist() == [0, 2, 4]
    two = field_sets([(3, 1, 1), (3, 1, 2)], 9, 0)[0]
    assert two.nonzero()[0].tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert receptive_fields([(3, 1, 1), (3, 1, 2)])[-1].size == 7


def test_format_lists_every_layer():
    text = format_receptive_fields(receptive_fields([(3, 1, 1, 1), (2, 2)], input_size=8))
    lines = text.splitlines()
    assert len(lines) == 3 and "output" in lines[0]
    assert lines[2].split()[-4:] == ["4", "2", "-1", "4"]


# ------------------------------------------------------- against brute force
@given(st.lists(layer, min_size=1, max_size=4), st.integers(8, 40), st.data())
def test_fields_match_one_hot_backprop(windows, n, data):
    n_top = fits(windows, n)
    assume(n_top is not None and n_top >= 1)
    pool_flags = [data.draw(st.booleans()) and d == 1 and p <= k // 2 for (k, s, d, p) in windows]
    rows = receptive_fields([Window(k, s, d, p) for k, s, d, p in windows], input_size=n)
    assert rows[-1].out == n_top
    top = rows[-1]
    u = data.draw(st.integers(0, n_top - 1))
    # 1-D: an input of height 1 cannot take a kernel taller than 1, so use (1, n) with k x k only when k == 1;
    # instead run the square 2-D stack on an n x n input and read the row of the unit.
    support = backprop_support(windows, (n, n), (u, u), pool_flags)
    exact = field_sets([Window(k, s, d, p) for k, s, d, p in windows], n, u)[0]
    assert np.array_equal(support, np.outer(exact, exact))
    idx = np.flatnonzero(exact)
    lo, hi = top.start + u * top.jump, top.start + u * top.jump + top.size - 1
    if idx.size == 0:  # a unit that reads only padding (e.g. a 1x1 kernel with padding 1)
        assert hi < 0 or lo > n - 1 or (top.size > 1 and any(d > 1 or s > 1 for k, s, d, p in windows))
        return
    assert idx.min() >= lo and idx.max() <= hi
    if lo >= 0 and hi <= n - 1:  # the span lies inside the image: its ends are real pixels
        assert idx.min() == lo and idx.max() == hi


@pytest.mark.parametrize("windows,shape,unit", [
    ([(3, 1, 1, 1)] * 3, (9, 11), (4, 7)),
    ([(3, 1, 1, 1), (2, 2, 1, 0), (3, 1, 1, 1)], (12, 10), (1, 3)),
    ([(5, 2, 1, 2), (3, 1, 2, 0)], (20, 17), (2, 3)),
])
def test_rectangular_inputs_are_separable(windows, shape, unit):
    support = backprop_support(windows, shape, unit)
    ws = [Window(*w) for w in windows]
    rows = field_sets(ws, shape[0], unit[0])[0]
    cols = field_sets(ws, shape[1], unit[1])[0]
    assert np.array_equal(support, np.outer(rows, cols))


# ------------------------------------------------------ the widget's function
@given(st.integers(0, 7), st.integers(0, 7), st.integers(1, 3), st.one_of(st.none(), st.integers(0, 2**31)))
def test_connected_pixels_matches_backprop(r, c, n_layers, seed):
    perm = None if seed is None else np.random.default_rng(seed).permutation(64)
    got = connected_pixels("conv", (r, c), n_layers, permutation=perm)
    for n in range(1, n_layers + 1):
        reach = backprop_support([(3, 1, 1, 1)] * n, (8, 8), (r, c))  # in the coordinates the network sees
        if perm is not None:
            original = np.zeros(64, dtype=bool)
            original[perm] = reach.ravel()          # shuffled pixel q is original pixel perm[q]
            reach = original.reshape(8, 8)
        assert np.array_equal((got >= 1) & (got <= n), reach), n
    fc = connected_pixels("fc", (r, c), n_layers, permutation=perm)
    assert np.array_equal(fc, np.ones((8, 8), dtype=int))


def test_connected_pixels_of_a_corner_and_the_centre():
    corner = connected_pixels("conv", (0, 0), 3)
    assert (corner == 1).sum() == 4 and (corner == 2).sum() == 5 and (corner == 3).sum() == 7
    centre = connected_pixels("conv", (4, 4), 3)
    assert [(centre == n).sum() for n in (1, 2, 3)] == [9, 25 - 9, 49 - 25]


def test_the_shuffle_moves_the_fc_weights_but_scatters_the_conv_neighbourhood():
    perm = np.random.default_rng(0).permutation(64)
    plain = connected_pixels("conv", (4, 4), 1)
    shuffled = connected_pixels("conv", (4, 4), 1, permutation=perm)
    assert (plain > 0).sum() == (shuffled > 0).sum() == 9
    assert not np.array_equal(plain, shuffled)
    # what the network sees: the same 3x3 block, in shuffled coordinates
    assert np.array_equal(shuffled.reshape(-1)[perm].reshape(8, 8), plain)


# --------------------------------------------------- correlation by distance
def _loop_corr(x, d, axis):
    a, b = [], []
    h, w = x.shape
    for i in range(h):
        for j in range(w):
            if axis in ("horizontal", "both") and j + d < w:
                a.append(x[i, j]); b.append(x[i, j + d])  # noqa: E702
            if axis in ("vertical", "both") and i + d < h:
                a.append(x[i, j]); b.append(x[i + d, j])  # noqa: E702
    return np.corrcoef(a, b)[0, 1]


@pytest.mark.parametrize("axis", ["horizontal", "vertical", "both"])
def test_correlation_matches_corrcoef_on_loops(axis):
    rng = np.random.default_rng(5)
    x = np.cumsum(np.cumsum(rng.normal(size=(13, 17)), axis=0), axis=1)  # smooth, so correlations are large
    ds = [1, 2, 5, 9]
    got = correlation_by_distance(x, ds, axis=axis)
    want = np.array([_loop_corr(x, d, axis) for d in ds])
    # both are sums of ~200 products of values up to |x|max^2; relative error ~ 200 * 2**-52
    assert np.allclose(got, want, rtol=0, atol=1e-12)


def test_correlation_of_white_noise_is_near_zero_and_of_a_checkerboard_alternates():
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(300, 300))
    assert np.all(np.abs(correlation_by_distance(noise, [1, 10])) < 0.02)  # ~ 1/sqrt(180,000) * 4
    board = (-1.0) ** np.add.outer(np.arange(6), np.arange(6))
    assert correlation_by_distance(board, [1, 2]).tolist() == [-1.0, 1.0]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call,exc,words", [
    (lambda: receptive_fields([(0,)]), ValueError, ["receptive_fields", "layers[0].kernel"]),
    (lambda: receptive_fields([(3, 1, 1, 1, 9)]), ValueError, ["receptive_fields", "layers[0]", "length 5"]),
    (lambda: receptive_fields([{"kernal": 3}]), ValueError, ["receptive_fields", "layers[0]", "kernal"]),
    (lambda: receptive_fields([(3, 2, 1, "same")]), ValueError, ["receptive_fields", "same", "stride"]),
    (lambda: receptive_fields((3, 3)), TypeError, ["receptive_fields", "layers[0]", "int"]),
    (lambda: receptive_fields([(5,)], input_size=3), ValueError, ["receptive_fields", "layers[0]", "length 3"]),
    (lambda: receptive_fields([(2.5,)]), TypeError, ["receptive_fields", "layers[0].kernel"]),
    (lambda: field_sets([(3,)], 8, 6), ValueError, ["field_sets", "unit", "6"]),
    (lambda: connected_pixels("cnn", (0, 0), 1), ValueError, ["connected_pixels", "kind"]),
    (lambda: connected_pixels("conv", (8, 0), 1), ValueError, ["connected_pixels", "(8, 0)", "(8, 8)"]),
    (lambda: connected_pixels("conv", (0, 0), 1, kernel=2), ValueError, ["connected_pixels", "kernel"]),
    (lambda: connected_pixels("conv", (0, 0), 1, permutation=np.zeros(64, int)), ValueError,
     ["connected_pixels", "permutation", "(64,)"]),
    (lambda: correlation_by_distance(np.ones((4, 4)), [4]), ValueError, ["correlation_by_distance", "[4]", "(4, 4)"]),
    (lambda: correlation_by_distance(np.ones(4), [1]), ValueError, ["correlation_by_distance", "image", "(4,)"]),
    (lambda: correlation_by_distance(np.ones((4, 4)), 1), TypeError, ["correlation_by_distance", "distances"]),
])
def test_bad_input_is_refused_with_a_clear_message(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))
