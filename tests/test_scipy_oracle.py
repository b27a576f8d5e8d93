"""Property tests: cnnlib's convolutions against SciPy and against plain loops.

Each property runs with the suite's Hypothesis profile (at least 1,000
examples, derandomized; see ``conftest.py``). Geometries cover every padding
form (int, (ph, pw), (top, bottom, left, right), 'valid', 'same', 'full'),
strides 1..3 and dilations 1..3, with int or (h, w) arguments.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from _reference import assert_within, bound, dilate, mode_pads, naive_conv2d, out_len, scipy_conv2d, scipy_correlate, tap_conv2d
from _parts import PARTS, part_size
from _strategies import geometries, rng_for, seeds
from cnnlib import conv2d, convolve2d, correlate2d, output_size

MODES = ("valid", "same", "full")
EXPLICIT = ("int", "pair", "quad")


def close(got, expected, x, k, g, b=None, pads=None):
    """Both results are float64 sums of the same C*KH*KW (+ bias) products, added in
    different orders (a BLAS product here, SciPy's or Python's loops there): they
    may differ by the two rounding-error bounds, computed from |x| and |k| as the
    cross-correlation of |x| with |k| padded by ``pads`` (default: the geometry's)."""
    assert got.shape == expected.shape, (got.shape, expected.shape)
    x4 = x if x.ndim == 4 else x[None, None]
    k4 = k if k.ndim == 4 else k[None, None]
    padding = mode_pads(g) if pads is None else pads
    magnitude = tap_conv2d(np.abs(x4), np.abs(k4), None if b is None else np.abs(b), (g.sh, g.sw), padding, (g.dh, g.dw))
    n = k4[0].size + (b is not None)
    assert_within(got, expected.reshape(got.shape), bound(magnitude.reshape(got.shape), n, np.float64, np.float64))


def test_the_default_hypothesis_profile_runs_1000_deterministic_examples():
    # conftest.py loads it; a per-test @settings(max_examples=...) would be visible here too.
    if os.environ.get("HYPOTHESIS_PROFILE"):
        pytest.skip("a non-default Hypothesis profile was selected explicitly")
    assert settings.default.max_examples >= 1000
    assert settings.default.derandomize is True
    assert settings.default.deadline is None
    for name, fn in list(globals().items()):
        if name.startswith("test_") and hasattr(fn, "hypothesis"):
            assert getattr(fn, "_hypothesis_internal_use_settings", settings.default).max_examples >= 1000, name


# (a) named modes against SciPy's own mode argument ---------------------------


@given(g=geometries(pad_kinds=MODES), seed=seeds)
def test_correlate2d_modes_match_scipy(g, seed):
    rng = rng_for(seed)
    x = rng.standard_normal((g.h, g.w))
    k = rng.standard_normal((g.kh, g.kw))
    got = correlate2d(x, k, padding=g.mode, stride=g.stride, dilation=g.dilation)
    expected = scipy.signal.correlate2d(x, dilate(k, (g.dh, g.dw)), mode=g.mode)[:: g.sh, :: g.sw]
    close(got, expected, x, k, g)


@given(g=geometries(pad_kinds=MODES), seed=seeds)
def test_convolve2d_modes_match_scipy(g, seed):
    rng = rng_for(seed)
    x = rng.standard_normal((g.h, g.w))
    k = rng.standard_normal((g.kh, g.kw))
    got = convolve2d(x, k, padding=g.mode, stride=g.stride, dilation=g.dilation)
    expected = scipy.signal.convolve2d(x, dilate(k, (g.dh, g.dw)), mode=g.mode)[:: g.sh, :: g.sw]
    # Convolution is correlation with the flipped kernel; for 'same' the odd extra
    # row/column of padding then moves to the top/left (see convolve2d's docstring).
    t, b, l, r = mode_pads(g)
    close(got, expected, x, k[::-1, ::-1], g, pads=(b, t, r, l))


# (b) explicit padding, stride and dilation: pad, dilate, 'valid', subsample --


@given(g=geometries(pad_kinds=EXPLICIT), seed=seeds)
def test_correlate2d_explicit_geometry_matches_scipy(g, seed):
    rng = rng_for(seed)
    x = rng.standard_normal((g.h, g.w))
    k = rng.standard_normal((g.kh, g.kw))
    got = correlate2d(x, k, padding=g.padding, stride=g.stride, dilation=g.dilation)
    close(got, scipy_correlate(x, k, g.pads, (g.sh, g.sw), (g.dh, g.dw)), x, k, g)


@given(g=geometries(pad_kinds=EXPLICIT), seed=seeds)
def test_convolve2d_explicit_geometry_matches_scipy(g, seed):
    # Convolution = correlation with the kernel rotated by 180 degrees, then the
    # same pad / dilate / 'valid' / subsample recipe, computed by SciPy's convolve2d.
    rng = rng_for(seed)
    x = rng.standard_normal((g.h, g.w))
    k = rng.standard_normal((g.kh, g.kw))
    got = convolve2d(x, k, padding=g.padding, stride=g.stride, dilation=g.dilation)
    t, b, l, r = g.pads
    xp = np.pad(x, ((t, b), (l, r)))
    expected = scipy.signal.convolve2d(xp, dilate(k, (g.dh, g.dw)), mode="valid")[:: g.sh, :: g.sw]
    close(got, expected, x, k[::-1, ::-1], g)


# (c) the conv2d layer: per-channel SciPy correlations summed, plus bias -------


@pytest.mark.parametrize("parts", PARTS)
@given(
    g=geometries(max_k=3, max_extra=3),
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    f=st.integers(1, 3),
    with_bias=st.booleans(),
    seed=seeds,
)
def test_conv2d_matches_scipy_channel_sum(g, n, c, f, with_bias, seed, parts):
    with part_size(parts):
        rng = rng_for(seed)
        x = rng.standard_normal((n, c, g.h, g.w))
        w = rng.standard_normal((f, c, g.kh, g.kw))
        b = rng.standard_normal(f) if with_bias else None
        got = conv2d(x, w, b, stride=g.stride, padding=g.padding, dilation=g.dilation)
        expected = scipy_conv2d(x, w, b, (g.sh, g.sw), g.pads, (g.dh, g.dw), mode=g.mode)
        close(got, expected, x, w, g, b)


# (d) conv2d against the definition, one multiply-add at a time --------------


@pytest.mark.parametrize("parts", PARTS)
@given(
    g=geometries(max_k=3, max_extra=3),
    n=st.integers(1, 2),
    c=st.integers(1, 2),
    f=st.integers(1, 2),
    with_bias=st.booleans(),
    seed=seeds,
)
def test_conv2d_matches_naive_loops(g, n, c, f, with_bias, seed, parts):
    with part_size(parts):
        rng = rng_for(seed)
        x = rng.standard_normal((n, c, g.h, g.w))
        w = rng.standard_normal((f, c, g.kh, g.kw))
        b = rng.standard_normal(f) if with_bias else None
        got = conv2d(x, w, b, stride=g.stride, padding=g.padding, dilation=g.dilation)
        expected = naive_conv2d(x, w, b, (g.sh, g.sw), mode_pads(g), (g.dh, g.dw))
        close(got, expected, x, w, g, b)


# (e) output_size, per axis, is the shape conv2d returns ----------------------


def _axis_padding(g, axis):
    """What output_size takes for one axis: an int, (before, after) or the mode name."""
    if g.mode is not None:
        return g.mode
    if isinstance(g.padding, int):
        return g.padding
    if len(g.padding) == 2:
        return g.padding[axis]
    return (g.pads[0], g.pads[1]) if axis == 0 else (g.pads[2], g.pads[3])


@given(g=geometries(max_k=5, max_p=4, max_extra=6), n=st.integers(1, 3), c=st.integers(1, 3), f=st.integers(1, 3))
def test_output_size_matches_conv2d_shape(g, n, c, f):
    oh = output_size(g.h, g.kh, padding=_axis_padding(g, 0), stride=g.sh, dilation=g.dh)
    ow = output_size(g.w, g.kw, padding=_axis_padding(g, 1), stride=g.sw, dilation=g.dw)
    out = conv2d(np.zeros((n, c, g.h, g.w)), np.zeros((f, c, g.kh, g.kw)), stride=g.stride, padding=g.padding, dilation=g.dilation)
    # Both agree with a count of the windows: the first row of a window steps
    # by S from 0 while the dilated kernel still fits in the padded input
    # (no formula shared with cnnlib) ...
    t, b, l, r = mode_pads(g)
    counted = (len(range(0, g.h + t + b - g.span[0] + 1, g.sh)), len(range(0, g.w + l + r - g.span[1] + 1, g.sw)))
    assert out.shape == (n, f) + counted
    assert (oh, ow) == counted
    # ... and with the floor formula written out independently.
    assert (oh, ow) == (out_len(g.h, g.kh, t, b, g.sh, g.dh), out_len(g.w, g.kw, l, r, g.sw, g.dw))
    assert oh >= 1 and ow >= 1


# (f) the contracts the docstrings state about SciPy, pinned -------------------
#
# Integer data throughout: every sum is exact, so "equals" is array_equal.


def _ints(shape, seed):
    return np.random.default_rng(seed).integers(-5, 6, size=shape).astype(float)


@pytest.mark.parametrize("fn", [correlate2d, convolve2d])
def test_valid_raises_where_scipy_swaps_the_arguments(fn):
    x, k = _ints((2, 3), 0), _ints((3, 4), 1)  # the kernel is larger on both axes
    ref = getattr(scipy.signal, fn.__name__)
    # SciPy's "swapped valid": it slides x over k instead ...
    swapped = ref(x, k, mode="valid")
    assert swapped.shape == (2, 2)
    if fn is correlate2d:
        np.testing.assert_array_equal(swapped, scipy.signal.correlate2d(k, x, mode="valid")[::-1, ::-1])
    else:
        np.testing.assert_array_equal(swapped, scipy.signal.convolve2d(k, x, mode="valid"))
    # ... cnnlib refuses: the kernel has no position inside the input.
    with pytest.raises(ValueError, match=rf"{fn.__name__}: k covers \(3, 4\).*larger than the padded input \(2, 3\)"):
        fn(x, k)
    with pytest.raises(ValueError, match=fn.__name__):
        fn(x, k, padding="valid")


@pytest.mark.parametrize("fn", [correlate2d, convolve2d])
def test_valid_raises_like_scipy_when_one_axis_is_too_large(fn):
    x, k = _ints((2, 3), 2), _ints((3, 2), 3)
    with pytest.raises(ValueError):
        getattr(scipy.signal, fn.__name__)(x, k, mode="valid")
    with pytest.raises(ValueError, match=fn.__name__):
        fn(x, k)


@pytest.mark.parametrize("xshape", [(5, 6), (4, 4), (2, 3), (1, 1)])
@pytest.mark.parametrize("kshape", [(2, 4), (3, 3), (1, 2), (4, 5)])
@pytest.mark.parametrize("fn", [correlate2d, convolve2d])
def test_valid_same_and_full_match_scipy_2d_functions(fn, xshape, kshape):
    x, k = _ints(xshape, 4), _ints(kshape, 5)
    ref = getattr(scipy.signal, fn.__name__)
    np.testing.assert_array_equal(fn(x, k, padding="full"), ref(x, k, mode="full"))
    np.testing.assert_array_equal(fn(x, k, padding="same"), ref(x, k, mode="same"))  # also a kernel larger than x
    if kshape[0] <= xshape[0] and kshape[1] <= xshape[1]:
        np.testing.assert_array_equal(fn(x, k), ref(x, k, mode="valid"))
        np.testing.assert_array_equal(fn(x, k, padding="valid"), ref(x, k, mode="valid"))


def test_same_with_an_even_kernel_matches_correlate2d_not_correlate():
    x = _ints((5, 6), 6)
    for kshape, agrees_with_nd in (((2, 4), False), ((2, 3), False), ((3, 2), False), ((3, 3), True)):
        k = _ints(kshape, 7)
        ours = correlate2d(x, k, padding="same")
        np.testing.assert_array_equal(ours, scipy.signal.correlate2d(x, k, mode="same"))
        nd = scipy.signal.correlate(x, k, mode="same", method="direct")
        assert np.array_equal(ours, nd) is agrees_with_nd, kshape
    # where the extra zero goes: a 2x2 kernel that picks its top-left tap returns x
    # itself (padding after), scipy.signal.correlate returns x shifted down-right.
    eye, pick = np.eye(3), np.array([[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(correlate2d(eye, pick, padding="same"), eye)
    np.testing.assert_array_equal(scipy.signal.correlate(eye, pick, mode="same", method="direct"), np.diag([0.0, 1.0, 1.0]))


def test_convolve2d_same_matches_both_scipy_convolutions():
    x = _ints((5, 6), 8)
    for kshape in ((2, 4), (3, 2), (3, 3), (1, 2)):
        k = _ints(kshape, 9)
        ours = convolve2d(x, k, padding="same")
        np.testing.assert_array_equal(ours, scipy.signal.convolve2d(x, k, mode="same"))
        np.testing.assert_array_equal(ours, scipy.signal.convolve(x, k, mode="same", method="direct"))
        if kshape[0] % 2 and kshape[1] % 2:
            np.testing.assert_array_equal(ours, correlate2d(x, k[::-1, ::-1], padding="same"))


def test_convolution_commutes_in_full_mode_only():
    a, b = _ints((4, 5), 10), _ints((2, 3), 11)
    np.testing.assert_array_equal(convolve2d(a, b, padding="full"), convolve2d(b, a, padding="full"))
    assert convolve2d(a, b, padding="same").shape == a.shape != convolve2d(b, a, padding="same").shape
    assert convolve2d(a, b).shape == (3, 3)
    with pytest.raises(ValueError, match="convolve2d"):
        convolve2d(b, a)  # 'valid': a does not fit in b
    # cross-correlation does not commute even in 'full' mode: swapping rotates the result
    full_ab = correlate2d(a, b, padding="full")
    assert not np.array_equal(full_ab, correlate2d(b, a, padding="full"))
    np.testing.assert_array_equal(full_ab, correlate2d(b, a, padding="full")[::-1, ::-1])
