"""The defects an independent review found in cnnlib (issue 8), one test each.

Every test here failed on the code the review read (main at 985b25d) and
passes now; the comment above each says what it used to do.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnnlib
from _parts import PARTS, part_size
from _reference import mode_pads, named_pads, pool_taps, tap_conv2d
from _strategies import geometries, rng_for, seeds
from cnnlib import conv, pooling, reference
from cnnlib.animation import sliding_window_animation

CNNLIB = Path(cnnlib.__file__).parent
steps_mod = importlib.import_module("cnnlib.steps")


# --- im2col returned a read-only view (1x1 kernel with padding) -----------------------


@pytest.mark.parametrize("kwargs", [dict(padding=1), dict(padding=(0, 2)), dict(stride=2, padding=1), {}])
def test_im2col_of_a_1x1_kernel_is_writeable_and_owns_its_data(kwargs):
    # Before: the reshape of the read-only padded window view came back as is.
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    cols = cnnlib.im2col(x, 1, 1, **kwargs)
    assert cols.flags.writeable and cols.flags.owndata and cols.flags.c_contiguous
    before = x.copy()
    cols[:] = -1.0                                     # must not raise, must not touch x
    np.testing.assert_array_equal(x, before)


# --- output_size read a padding pair two ways ------------------------------------------


@pytest.mark.parametrize("pair", [(0, 1), [0, 1], np.array([0, 1])])
def test_output_size_reads_every_padding_pair_as_before_after(pair):
    # Before: a tuple was (before, after) = 4, an ndarray went through the 2-D
    # parser as (ph, pw) and gave 3.  5 + 0 + 1 - 3 + 1 = 4 windows.
    assert cnnlib.output_size(5, 3, padding=pair) == len(range(0, 5 + 0 + 1 - 3 + 1)) == 4


def test_output_size_per_axis_matches_conv2d_with_four_sides():
    x, w = np.zeros((1, 1, 7, 6)), np.zeros((1, 1, 3, 2))
    out = cnnlib.conv2d(x, w, stride=2, padding=(0, 1, 2, 3))
    assert out.shape[2:] == (
        cnnlib.output_size(7, 3, padding=np.array([0, 1]), stride=2),
        cnnlib.output_size(6, 2, padding=(2, 3), stride=2),
    )


# --- the animation captioned the kernel by position, not by mode ----------------------


@pytest.mark.parametrize(
    "modes, captions",
    [
        (("convolution",), ["kernel, flipped"]),
        (("convolution", "cross-correlation"), ["kernel, flipped", "kernel, as is"]),
        (("cross-correlation", "convolution"), ["kernel, as is", "kernel, flipped"]),
    ],
)
def test_animation_captions_the_kernel_by_mode(modes, captions):
    # Before: the first mode was always captioned "as is" (HTML and JavaScript).
    anim = sliding_window_animation([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2], [3, 4]], modes=modes)
    assert [m["kernel_caption"] for m in anim.data["modes"]] == captions
    first = re.search(r'class="cnn-kernel-caption">([^<]*)<', anim._repr_html_()).group(1)
    assert first == captions[0]
    # the caption really belongs to the kernel shown: flipped iff the applied kernel is k[::-1, ::-1]
    for m in anim.data["modes"]:
        flipped = m["frames"][0]["applied"] == [[4, 3], [2, 1]]
        assert flipped == (m["kernel_caption"] == "kernel, flipped")


# --- max pooling with padding: a padded -inf won ties with a real -inf ----------------


def test_max_pool_backward_never_sends_gradient_to_padding():
    # PyTorch 2.13 gives dx.sum() == 4.0 here (each 2x2 window holds one input
    # value); before, cnnlib gave 1.0: three windows chose a padded cell.
    x = np.full((1, 1, 2, 2), -np.inf)
    dx = cnnlib.max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(dx, np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(cnnlib.max_pool2d(x, 2, stride=2, padding=1), np.full((1, 1, 2, 2), -np.inf))


def test_max_pool_backward_first_real_cell_wins_among_minus_infinities():
    # 3x3 windows, stride 1, padding 1 over a 2x3 input of -inf except one value:
    # each window's gradient goes to its first *input* cell holding the maximum.
    x = np.array([[[[-np.inf, -np.inf, -np.inf], [-np.inf, -np.inf, 5.0]]]])
    dout = np.arange(1.0, 7.0).reshape(1, 1, 2, 3)
    dx = cnnlib.max_pool2d_backward(dout, x, 3, stride=1, padding=1)
    # windows (0,0) and (1,0) reach columns 0..1 only: all -inf, first input cell (0, 0);
    # the other four windows reach the 5.0 at (1, 2).
    expected = np.array([[[[1.0 + 4.0, 0, 0], [0, 0, 2.0 + 3.0 + 5.0 + 6.0]]]])
    np.testing.assert_array_equal(dx, expected)


# --- the NaN contract: max pooling propagates NaN, as PyTorch and avg_pool2d -----------


def test_max_pool_nan_propagates_like_pytorch():
    # Before: max_pool2d and max_pool2d_backward raised ValueError on any NaN.
    nan = np.nan
    x = np.array([[[[1.0, nan, 3.0, 4.0], [nan, 2.0, 0.0, -1.0]]]])
    np.testing.assert_array_equal(cnnlib.max_pool2d(x, 2), [[[[nan, 4.0]]]])
    np.testing.assert_array_equal(cnnlib.avg_pool2d(x, 2), [[[[nan, 1.5]]]])
    np.testing.assert_array_equal(cnnlib.max_pool2d(np.full((1, 1, 2, 2), nan), 2), [[[[nan]]]])
    # PyTorch's CPU kernel: the gradient goes to the window's *last* NaN.
    dx = cnnlib.max_pool2d_backward([[[[10.0, 20.0]]]], x, 2)
    np.testing.assert_array_equal(dx, [[[[0, 0, 0, 20.0], [10.0, 0, 0, 0]]]])
    dx = cnnlib.max_pool2d_backward([[[[7.0]]]], np.full((1, 1, 2, 2), nan), 2)
    np.testing.assert_array_equal(dx, [[[[0, 0], [0, 7.0]]]])


class _NoIsnan:
    """numpy, except that np.isnan raises: a full NaN pass over the input is not allowed."""

    def __getattr__(self, name):
        if name == "isnan":
            raise AssertionError("np.isnan called on NaN-free input")
        return getattr(np, name)


def test_max_pool_pays_no_nan_pass_on_nan_free_input(monkeypatch):
    # Before: reject_nan ran np.isnan over the whole input in every call
    # (3.2 of 18.9 ms at AlexNet pool1 float32, the review measured).
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    expected = (cnnlib.max_pool2d(x, 3, stride=2, padding=1), cnnlib.max_pool2d_backward(np.ones((2, 3, 3, 3)), x, 3, stride=2, padding=1))
    monkeypatch.setattr(pooling, "np", _NoIsnan())
    monkeypatch.setattr(importlib.import_module("cnnlib._checks"), "np", _NoIsnan())
    np.testing.assert_array_equal(cnnlib.max_pool2d(x, 3, stride=2, padding=1), expected[0])
    np.testing.assert_array_equal(cnnlib.max_pool2d_backward(np.ones((2, 3, 3, 3)), x, 3, stride=2, padding=1), expected[1])


# --- a list or float64 bias turned a float32 layer into float64 ------------------------


@pytest.mark.parametrize("bias", [[0.5, -1.25], (0.5, -1.25), np.array([0.5, -1.25]), np.array([0.5, -1.25], np.float32)])
@pytest.mark.parametrize("fn", [cnnlib.conv2d, reference.conv2d])
def test_bias_is_cast_to_the_dtype_of_x_and_w(fn, bias):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    w = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    got = fn(x, w, bias, padding=1)
    assert got.dtype == np.float32
    # the float32 sum plus the float32 bias, exactly
    no_bias = fn(x, w, padding=1)
    np.testing.assert_array_equal(got, no_bias + np.float32([0.5, -1.25])[None, :, None, None])


# --- argument checking lived in five modules ---------------------------------------------


@pytest.mark.parametrize("module", ["conv.py", "pooling.py", "im2col.py", "params.py", "steps.py", "reference.py", "widgets.py"])
def test_argument_checks_live_in_checks(module):
    # Before: conv.py, pooling.py, im2col.py, params.py and steps.py raised their own errors.
    source = (CNNLIB / module).read_text()
    assert not re.search(r"\braise (TypeError|ValueError)\b", source), f"{module} checks arguments itself"


# --- number formatting existed three times -------------------------------------------------


def test_a_figure_writes_a_number_the_same_way_everywhere():
    # Before: the panel title said "= 1.2e+02" and the equation "= 123.45".
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz import plot_window_step

    x = [[123.45, 1.0], [2.0, 3.0]]
    step = cnnlib.window_step(x, [[1.0]], 0, 0)
    fig = plot_window_step(step)
    try:
        title = fig.axes[3].get_title()
        suptitle = fig._suptitle.get_text()
        cells = [t.get_text() for t in fig.axes[0].texts]
    finally:
        plt.close(fig)
    assert title.endswith("= 123.5") and suptitle.endswith("= 123.5"), (title, suptitle)
    assert "123.5" in cells
    anim = sliding_window_animation(x, [[1.0]])
    frame = anim.data["modes"][0]["frames"][0]
    assert frame["total"] == 123.5 and frame["equation"].endswith("= 123.5")


def test_number_formatting_is_defined_once():
    for path in CNNLIB.glob("*.py"):
        if path.name == "_format.py":
            continue
        src = path.read_text()
        assert not re.search(r"is_integer\(\)|:\.?\d*g\}|round\(float", src), f"{path.name} formats numbers itself"


# --- window_steps computed the whole convolution once per window ------------------------


@pytest.mark.parametrize("mode, name", [("cross-correlation", "correlate2d"), ("convolution", "convolve2d")])
def test_window_steps_computes_the_output_once(monkeypatch, mode, name):
    # Before: 9 windows, 9 calls.
    calls = []
    real = getattr(steps_mod, name)

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(steps_mod, name, counting)
    steps = cnnlib.window_steps(np.arange(16.0).reshape(4, 4), np.ones((2, 2)), mode)
    assert len(steps) == 9 and len(calls) == 1


# --- pooling's docstrings --------------------------------------------------------------------


def test_pooling_docstrings_say_what_the_code_does():
    # Before: "exactly one window", and no word of 4-tuples or 'same'.
    assert "exactly one window" not in pooling.__doc__ and "at most one window" in pooling.__doc__
    doc = cnnlib.max_pool2d.__doc__
    assert "(top, bottom, left, right)" in doc and "'same'" in doc and "NaN" in doc
    assert "NaN" in cnnlib.max_pool2d_backward.__doc__


def test_every_input_value_read_by_at_most_one_default_window():
    # 5x5 input, 2x2 windows, default stride: row 4 and column 4 are read by none.
    count = pool_taps(np.ones((1, 1, 5, 5)), 2, None, 0, 0.0)
    assert count.sum() == 16
    dx = cnnlib.avg_pool2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 5, 5)), 2) * 4
    assert dx.max() == 1.0 and dx[0, 0, 4].sum() == 0 and dx[0, 0, :, 4].sum() == 0


@pytest.mark.parametrize("padding", [(1, 0, 0, 1), (0, 1, 1, 1), "same"])
def test_pooling_accepts_four_sides_and_same_as_documented(padding):
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 6))
    stride = 1 if padding == "same" else 2
    pads = named_pads(padding, 3, 3)
    got = cnnlib.max_pool2d(x, 3, stride=stride, padding=padding)
    np.testing.assert_array_equal(got, pool_taps(x, 3, stride, pads, -np.inf).max(axis=-1))
    if padding == "same":
        assert got.shape == x.shape


# --- conv2d backward: dx identical whatever the part size ------------------------------------


@pytest.mark.parametrize("batch_last", [True, False])
@pytest.mark.parametrize("f, stride, padding", [(8, 1, 1), (16, 2, 1), (32, 1, "same")])
def test_conv2d_dx_is_identical_for_every_part_size(monkeypatch, f, stride, padding, batch_last):
    # Before: one product per part, whose width changed with the part size, so
    # float32 dx differed in the last bits for F >= 8. Now the per-image path
    # (batch_last False) makes one product per image, and the batch-last path
    # (these 11 x 11 maps, with the batch axis last) one for the whole batch:
    # in neither does COLS_BYTES change the products.
    monkeypatch.setattr(conv, "BATCH_LAST", batch_last)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4, 11, 11)).astype(np.float32)
    w = rng.standard_normal((f, 4, 3, 3)).astype(np.float32)
    kw = dict(stride=stride, padding=padding)
    dout = rng.standard_normal(cnnlib.conv2d(x, w, **kw).shape).astype(np.float32)
    results = []
    per_image = x[0].nbytes * 9
    for budget in (2**40, 3 * per_image, 2 * per_image, 1):
        monkeypatch.setattr(conv, "COLS_BYTES", budget)
        results.append(cnnlib.conv2d_backward(dout, x, w, **kw)[0])
    for dx in results[1:]:
        np.testing.assert_array_equal(dx, results[0])


# --- the reference path: a second oracle for the fast one --------------------------------------


def _close(got, expected, terms_abs):
    """|got - expected| <= 8 * eps * (sum of |terms|), elementwise (float64 sums in any order)."""
    bound = 8 * np.finfo(np.float64).eps * terms_abs + 1e-300
    assert got.shape == expected.shape
    assert np.all(np.abs(got - expected) <= bound), np.max(np.abs(got - expected) - bound)


@pytest.mark.parametrize("parts", PARTS)
@given(
    g=geometries(max_k=3, max_extra=3),
    n=st.integers(1, 3),
    c=st.integers(1, 2),
    f=st.integers(1, 3),
    seed=seeds,
)
def test_conv2d_fast_path_matches_the_reference_path(g, n, c, f, seed, parts):
    rng = rng_for(seed)
    x = rng.standard_normal((n, c, g.h, g.w))
    w = rng.standard_normal((f, c, g.kh, g.kw))
    b = rng.standard_normal(f)
    kw = dict(stride=g.stride, padding=g.padding, dilation=g.dilation)
    with part_size(parts):
        out = cnnlib.conv2d(x, w, b, **kw)
        dout = rng.standard_normal(out.shape)
        fast = cnnlib.conv2d_backward(dout, x, w, **kw)
    ref_out = reference.conv2d(x, w, b, **kw)
    ref_back = reference.conv2d_backward(dout, x, w, **kw)
    # Bounds from the arithmetic: each value is a sum of products; the sum of
    # their absolute values bounds the rounding of any order of summation.
    pads = mode_pads(g)
    out_abs = tap_conv2d(np.abs(x), np.abs(w), np.abs(b), g.stride, pads, g.dilation)
    _close(out, ref_out, out_abs)
    _close(ref_out, tap_conv2d(x, w, b, g.stride, pads, g.dilation), out_abs)
    dx_abs = reference.conv2d_backward(np.abs(dout), np.abs(x), np.abs(w), **kw)
    for got, exp, terms in zip(fast, ref_back, dx_abs):
        _close(got, exp, terms)


@st.composite
def _pool_geometry(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = draw(st.one_of(st.none(), st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    pads = tuple(draw(st.integers(0, k // 2)) for k in (kh, kh, kw, kw))
    h = max(1, kh - pads[0] - pads[1]) + draw(st.integers(0, 5))
    w = max(1, kw - pads[2] - pads[3]) + draw(st.integers(0, 5))
    return (draw(st.integers(1, 3)), draw(st.integers(1, 2)), h, w), (kh, kw), stride, pads


@pytest.mark.parametrize("parts", PARTS)
@given(geom=_pool_geometry(), seed=seeds, ties=st.booleans(), specials=st.booleans())
def test_pooling_fast_path_matches_the_reference_path(geom, seed, ties, specials, parts):
    shape, kernel, stride, pads = geom
    rng = rng_for(seed)
    x = rng.integers(-2, 3, shape).astype(float) if ties else rng.standard_normal(shape)
    if specials:  # -inf and NaN in random places
        x[rng.random(shape) < 0.2] = -np.inf
        x[rng.random(shape) < 0.1] = np.nan
    kw = dict(stride=stride, padding=pads)
    with part_size(parts):
        fast = (cnnlib.max_pool2d(x, kernel, **kw), cnnlib.avg_pool2d(x, kernel, **kw))
        dout = rng.standard_normal(fast[0].shape)
        fast += (cnnlib.max_pool2d_backward(dout, x, kernel, **kw), cnnlib.avg_pool2d_backward(dout, x, kernel, **kw))
    ref = (
        reference.max_pool2d(x, kernel, **kw),
        reference.avg_pool2d(x, kernel, **kw),
        reference.max_pool2d_backward(dout, x, kernel, **kw),
        reference.avg_pool2d_backward(dout, x, kernel, **kw),
    )
    # max: the same values, exactly; the gradients: the same winners, so
    # sums of the same dout values (up to the order of the sum).
    np.testing.assert_array_equal(fast[0], ref[0])
    np.testing.assert_array_equal(fast[0], pool_taps(x, kernel, stride, pads, -np.inf).max(axis=-1))
    np.testing.assert_allclose(fast[1], ref[1], rtol=1e-14, atol=1e-14, equal_nan=True)
    scale = np.abs(dout).sum()
    np.testing.assert_allclose(fast[2], ref[2], rtol=0, atol=8 * np.finfo(float).eps * scale)
    np.testing.assert_allclose(fast[3], ref[3], rtol=0, atol=8 * np.finfo(float).eps * scale)
