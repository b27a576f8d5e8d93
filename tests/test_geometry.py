"""Chapter 3's geometry: coverage (how often each pixel is read) and window_layout
(where the windows land, or why none fits), against loops, col2im and conv2d."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from _reference import count_map, out_len
from _strategies import geometries
from cnnlib import col2im, conv2d, coverage, im2col, output_size, window_layout


def mode_pads(g):
    """(top, bottom, left, right) for a drawn geometry, from the documented rules (not from cnnlib)."""
    if g.mode is None:
        return g.pads
    th, tw = g.span[0] - 1, g.span[1] - 1
    return {"valid": (0, 0, 0, 0), "full": (th, th, tw, tw),
            "same": (th // 2, th - th // 2, tw // 2, tw - tw // 2)}[g.mode]


def kw(g):
    return dict(stride=g.stride, padding=g.padding, dilation=g.dilation)


# --- coverage -------------------------------------------------------------------------


@given(g=geometries())
def test_coverage_equals_col2im_of_ones(g):
    oh, ow = (out_len(g.h, g.kh, *mode_pads(g)[:2], g.sh, g.dh), out_len(g.w, g.kw, *mode_pads(g)[2:], g.sw, g.dw))
    ones = np.ones((oh * ow, g.kh * g.kw))                       # every window adds 1 where it reads
    expected = col2im(ones, (1, 1, g.h, g.w), g.kh, g.kw, **kw(g))[0, 0]
    got = coverage((g.h, g.w), (g.kh, g.kw), **kw(g))
    assert got.shape == (g.h, g.w) and got.dtype.kind == "i"
    np.testing.assert_array_equal(got, expected)


@given(g=geometries())
def test_coverage_equals_a_loop_over_windows_and_taps(g):
    expected = count_map((g.h, g.w), (g.kh, g.kw), (g.sh, g.sw), mode_pads(g), (g.dh, g.dw))
    np.testing.assert_array_equal(coverage((g.h, g.w), (g.kh, g.kw), **kw(g)), expected)


def test_coverage_by_hand():
    # 'valid', stride 1: corners once, the middle k*k times.
    c = coverage((7, 7), 3)
    assert c[0, 0] == c[0, -1] == c[-1, 0] == c[-1, -1] == 1
    assert c[3, 3] == 9 and c[0, 3] == 3
    # padding 1 ('same' for 3x3): the corners are read by 4 windows.
    assert coverage((7, 7), 3, padding=1)[0, 0] == 4
    # stride 3 > kernel 2 along a row of 8: pixels 2 and 5 are skipped, 6 and 7 are never reached
    np.testing.assert_array_equal(coverage((1, 8), (1, 2), stride=3)[0], [1, 1, 0, 1, 1, 0, 1, 1])
    np.testing.assert_array_equal(coverage((1, 7), (1, 2), stride=3)[0], [1, 1, 0, 1, 1, 0, 0])
    # stride = kernel, divisible: every pixel exactly once
    assert (coverage((8, 4), 2, stride=2) == 1).all()
    # dilation 2, 'valid': the middle of 5 is read by ... one window, at its middle tap
    np.testing.assert_array_equal(coverage((1, 5), (1, 3), dilation=2)[0], [1, 0, 1, 0, 1])


def test_coverage_rejects_what_does_not_fit():
    with pytest.raises(ValueError, match=r"coverage.*kernel_size"):
        coverage((3, 3), 4)
    with pytest.raises(TypeError, match=r"coverage.*stride"):
        coverage((3, 3), 2, stride=1.5)
    with pytest.raises(ValueError, match=r"coverage.*same.*stride"):
        coverage((5, 5), 3, padding="same", stride=2)


# --- window_layout: the explorer's pure function --------------------------------------


@given(g=geometries(), n=st.integers(1, 2), c=st.integers(1, 2), f=st.integers(1, 2))
def test_window_positions_equal_output_size_equal_conv2d_shape(g, n, c, f):
    lay = window_layout((g.h, g.w), (g.kh, g.kw), **kw(g))
    assert lay.fits and not lay.reasons
    oh = output_size(g.h, g.kh, padding=mode_pads(g)[:2], stride=g.sh, dilation=g.dh)
    ow = output_size(g.w, g.kw, padding=mode_pads(g)[2:], stride=g.sw, dilation=g.dw)
    shape = conv2d(np.zeros((n, c, g.h, g.w)), np.zeros((f, c, g.kh, g.kw)), **kw(g)).shape
    assert len(lay.positions) == oh * ow == shape[2] * shape[3]
    assert lay.output_shape == (oh, ow) == shape[2:]
    assert lay.pads == mode_pads(g)
    # The formula's last number is the output size.
    for formula, o in zip(lay.formulas, (oh, ow)):
        assert re.search(r"= (\d+)( \(\d+/\d+ = [\d.]+, floored\))?$", formula).group(1) == str(o), formula


@given(g=geometries(max_k=3, max_extra=3))
def test_window_taps_are_what_im2col_reads(g):
    lay = window_layout((g.h, g.w), (g.kh, g.kw), **kw(g))
    x = np.arange(1, g.h * g.w + 1, dtype=float).reshape(g.h, g.w)
    t, b, l, r = mode_pads(g)
    xp = np.pad(x, ((t, b), (l, r)))                               # zeros around, as conv2d pads
    cols = im2col(x[None, None], g.kh, g.kw, **kw(g))
    oh, ow = lay.output_shape
    for i in range(oh):
        for j in range(ow):
            taps = lay.taps(i, j)
            np.testing.assert_array_equal(cols[i * ow + j], [xp[p, q] for p, q in taps])
    # after the last window: padded rows/columns that no tap reads
    last_row = max(p for i in range(oh) for p, _ in lay.taps(i, 0))
    last_col = max(q for j in range(ow) for _, q in lay.taps(0, j))
    assert lay.unread == (xp.shape[0] - 1 - last_row, xp.shape[1] - 1 - last_col)
    assert lay.padded == xp.shape


@st.composite
def any_settings(draw):
    """Settings that may or may not fit (a kernel larger than the input, 'same' with a stride ...)."""
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    k = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 3))
    padding = draw(st.one_of(st.integers(0, 2), st.sampled_from(["valid", "same", "full"]),
                             st.tuples(*[st.integers(0, 2)] * 4)))
    return (h, w), k, s, d, padding


@given(settings=any_settings())
def test_window_layout_never_raises_and_agrees_with_output_size_on_what_fits(settings):
    (h, w), k, s, d, padding = settings
    lay = window_layout((h, w), k, stride=s, padding=padding, dilation=d)
    try:
        expected = conv2d(np.zeros((1, 1, h, w)), np.zeros((1, 1) + k), stride=s, padding=padding, dilation=d).shape[2:]
    except ValueError:
        expected = None
    if expected is None:
        assert not lay.fits and lay.reasons and lay.output_shape is None and lay.positions == []
        assert lay.explanation() == " ".join(lay.reasons)
    else:
        assert lay.fits and lay.output_shape == expected and len(lay.positions) == expected[0] * expected[1]


def test_window_layout_explains_in_words():
    lay = window_layout(3, 3, padding=1, dilation=3)
    assert not lay.fits
    assert lay.reasons[0] == ("The dilated kernel spans 7 rows (3 taps, 3 apart) but the padded input has only 5 "
                              "(H 3 + padding 1 + 1).")
    same = window_layout(8, 3, stride=2, padding="same")
    assert not same.fits and "'same' padding is defined for stride 1 only" in same.reasons[0]
    assert "stride must be at least 1" in window_layout(5, 3, stride=0).reasons[0]
    assert "padding cannot be negative" in window_layout(5, 3, padding=(0, -1, 0, 0)).reasons[0]
    assert "kernel_size must be at least 1" in window_layout(5, 0).reasons[0]
    with pytest.raises(TypeError, match="window_layout: stride"):
        window_layout(5, 3, stride=1.5)


def test_window_layout_by_hand():
    # The source notes' (8x4) input with a 2x2 filter.
    one, two = window_layout((8, 4), 2, stride=1), window_layout((8, 4), 2, stride=2)
    assert one.output_shape == (7, 3) and len(one.positions) == 21
    assert two.output_shape == (4, 2) and len(two.positions) == 8 and two.unread == (0, 0)
    # cs231n's invalid example: W=10, F=3, S=2 -> (10-3)/2+1 = 4.5 -> 4; the last column is never read.
    cs = window_layout((1, 10), (1, 3), stride=2)
    assert cs.output_shape == (1, 4) and cs.col_starts == [0, 2, 4, 6] and cs.unread == (0, 1)
    assert cs.formulas[1].endswith("= 3 + 1 = 4 (7/2 = 3.5, floored)")
    assert "never read" in cs.explanation()
    # AlexNet conv1
    assert window_layout(227, 11, stride=4).output_shape == (55, 55)
    assert window_layout(224, 11, stride=4).output_shape == (54, 54)
    assert window_layout(224, 11, stride=4).unread == (1, 1)
    # 'same' with an even kernel: the odd zero at the bottom/right
    assert window_layout(5, 2, padding="same").pads == (0, 1, 0, 1)
    assert window_layout(5, 4, padding="same").pads == (1, 2, 1, 2)
