"""cnnlib.equivariance and chapter 7's animations, exercise check and figure (issue 15).

Oracles: hand examples (stripes, ring shifts, a toy predictor's consistency
counted by hand), closed forms (the edge image's formula evaluated pixel by
pixel, rotations by multiples of 90 degrees = np.rot90), SciPy functions other
than the ones the code calls (``ndimage.map_coordinates`` for the scaling,
``ndimage.correlate`` with mode 'wrap' for the circular convolution), and
``np.roll`` for circular shifts. Bad input: TypeError/ValueError naming the
argument.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from cnnlib.animation import aliasing_animation, equivariance_animation, shade_classes
from cnnlib.equivariance import (LAYERS, SOBEL_X, aligned_relative_change, apply_layer, consistency, edge_image,
                                 equivariance_panels, relative_change, ring_shifts, rotate_images, scale_images,
                                 stripes)
from cnnlib.exercises import check_circular_conv

RNG = np.random.default_rng(15)


# ---------------------------------------------------------------- stripes, edges
def test_stripes_hand_examples():
    assert stripes(1, 5).tolist() == [[1, 0, 1, 0, 1]]
    assert stripes(2, 7, stripe_width=3).tolist() == [[1, 1, 1, 0, 0, 0, 1]] * 2
    assert stripes(3, 4).dtype == np.float64


def test_edge_image_matches_its_formula_pixel_by_pixel():
    size, angle, soft = 9, 30.0, 1.5
    c = (size - 1) / 2
    t = math.radians(angle)
    expected = np.array([[0.5 * (1 + math.tanh(((j - c) * math.cos(t) - (i - c) * math.sin(t)) / soft))
                          for j in range(size)] for i in range(size)])
    np.testing.assert_allclose(edge_image(size, angle, soft), expected, rtol=1e-14, atol=1e-15)


def test_edge_image_turned_half_way_is_the_complement():
    np.testing.assert_allclose(edge_image(7, 180), 1 - edge_image(7, 0), atol=1e-12)


# ---------------------------------------------------------------- rotation, scaling
@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_by_multiples_of_90_degrees_is_rot90(k):
    x = RNG.normal(size=(2, 1, 5, 5))
    np.testing.assert_allclose(rotate_images(x, 90 * k), np.rot90(x, k, axes=(-2, -1)), atol=1e-12)


def test_rotation_keeps_shape_and_zero_angle_is_identity():
    x = RNG.normal(size=(3, 2, 6, 7))
    assert rotate_images(x, 17).shape == x.shape
    np.testing.assert_array_equal(rotate_images(x, 0), x)


def test_small_rotation_agrees_with_map_coordinates():
    # Rotation by theta (counter-clockwise as displayed, rows down) about the centre, bilinear, zeros outside.
    x = RNG.uniform(size=(7, 7))
    theta = math.radians(20)
    c = 3.0
    i, j = np.mgrid[0:7, 0:7].astype(float)
    # the output pixel (i, j) reads the input at the inverse rotation of its position
    # (at 90 degrees: (i, j) reads (j, 6 - i), which is np.rot90)
    si = c + (i - c) * math.cos(theta) + (j - c) * math.sin(theta)
    sj = c - (i - c) * math.sin(theta) + (j - c) * math.cos(theta)
    expected = ndimage.map_coordinates(x, [si, sj], order=1, mode="constant", cval=0.0)
    np.testing.assert_allclose(rotate_images(x, 20), expected, atol=1e-12)


def test_scaling_agrees_with_map_coordinates():
    x = RNG.uniform(size=(2, 1, 8, 9))
    f = 1.2
    c = np.array([3.5, 4.0])
    i, j = np.mgrid[0:8, 0:9].astype(float)
    coords = [c[0] + (i - c[0]) / f, c[1] + (j - c[1]) / f]
    for n in range(2):
        expected = ndimage.map_coordinates(x[n, 0], coords, order=1, mode="constant", cval=0.0)
        np.testing.assert_allclose(scale_images(x, f)[n, 0], expected, atol=1e-12)


def test_scaling_a_centred_square_by_two_doubles_its_side():
    sq = np.zeros((8, 8)); sq[3:5, 3:5] = 1.0                    # 2x2 square about the centre 3.5
    big = scale_images(sq, 2.0)
    assert (big > 0.5).sum() == 16 and (big[2:6, 2:6] > 0.5).all()


# ---------------------------------------------------------------- shifts, consistency
def test_ring_shifts_hand_examples_and_counts():
    assert ring_shifts(1, 1) == [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    assert ring_shifts(0, 0) == [(0, 0)]
    for lo, hi in [(1, 3), (2, 2), (0, 2)]:
        inner = 2 * lo - 1 if lo > 0 else 0
        assert len(ring_shifts(lo, hi)) == (2 * hi + 1) ** 2 - inner ** 2


def test_consistency_of_a_hand_counted_toy_predictor():
    # Class 1 when the image's bright pixel is in the left half (columns 0-1 of 4), else 0.
    x = np.zeros((3, 1, 4, 4))
    x[0, 0, 1, 1] = 1       # column 1: moves to 2 under (0, 1) -> changes; stays under (0, -1) and (1, 0)
    x[1, 0, 2, 0] = 1       # column 0: stays left under (0, 1), (1, 0); under (0, -1) it leaves (zeros): class 0
    x[2, 0, 0, 3] = 1       # column 3: right; (0, 1) pushes it out -> still 0; (0, -1) -> column 2, 0; (1, 0) -> 0
    left = lambda v: (v[:, 0, :, :2].sum(axis=(1, 2)) > 0).astype(int)
    # changes: image 0 under (0, 1); image 1 under (0, -1). 2 of 9 pairs.
    assert consistency(left, x, [(0, 1), (0, -1), (1, 0)], mode="zeros") == pytest.approx(7 / 9, abs=0)


def test_consistency_circular_mode_wraps():
    x = np.zeros((1, 1, 4, 4)); x[0, 0, 0, 3] = 1
    left = lambda v: (v[:, 0, :, :2].sum(axis=(1, 2)) > 0).astype(int)
    assert consistency(left, x, [(0, 1)], mode="circular") == 0.0   # wraps to column 0
    assert consistency(left, x, [(0, 1)], mode="zeros") == 1.0      # lost: still "right"


def test_relative_change_hand_examples():
    assert relative_change([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert relative_change([[3.0, 4.0]], [[0.0, 4.0]]) == pytest.approx(0.6, rel=1e-15)


def test_aligned_relative_change_finds_the_shift_and_the_rest():
    a = RNG.normal(size=(6, 7))
    assert aligned_relative_change(a, np.roll(a, (2, -1), axis=(0, 1))) == (0.0, (2, -1))
    b = np.roll(a, (1, 1), axis=(0, 1))
    b[0, 0] += 1.0
    err, t = aligned_relative_change(a, b)
    assert t == (1, 1) and err == pytest.approx(1.0 / np.linalg.norm(a), rel=1e-12)
    # beyond max_shift the shift is not found
    err3, _ = aligned_relative_change(a, np.roll(a, (0, 3), axis=(0, 1)), max_shift=2)
    assert err3 > 0.5


# ---------------------------------------------------------------- layers and panels
def test_apply_layer_conv_against_scipy_correlate_wrap():
    x = RNG.normal(size=(9, 10))
    w = RNG.normal(size=(3, 3))
    expected = ndimage.correlate(x, w, mode="wrap")
    np.testing.assert_allclose(apply_layer("conv stride 1", x, w), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(apply_layer("conv stride 2", x, w), expected[::2, ::2], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(apply_layer("conv stride 1", x, w, "zeros"), ndimage.correlate(x, w, mode="constant"),
                               rtol=1e-12, atol=1e-12)


def test_apply_layer_blur_pool_against_scipy_correlate_wrap():
    # Zhang's blur pool, circular: the 3x3 binomial filter [1, 2, 1]/4 (x) [1, 2, 1]/4, every second pixel
    x = RNG.normal(size=(10, 12))
    binomial = np.outer([1, 2, 1], [1, 2, 1]) / 16
    np.testing.assert_allclose(apply_layer("blur pool", x), ndimage.correlate(x, binomial, mode="wrap")[::2, ::2],
                               rtol=1e-12, atol=1e-12)
    # max blur pool: 2x2 max with stride 1 (no padding: 9 x 11), then the blur of that map, circular
    m = np.maximum.reduce([x[a:a + 9, b:b + 11] for a in (0, 1) for b in (0, 1)])
    np.testing.assert_allclose(apply_layer("max blur pool", x), ndimage.correlate(m, binomial, mode="wrap")[::2, ::2],
                               rtol=1e-12, atol=1e-12)


def test_blur_pool_aliases_less_than_max_pool_on_a_random_image():
    x = RNG.normal(size=(32, 32))
    assert (equivariance_panels(x, (0, 1), "circular", "blur pool")["error"]
            < equivariance_panels(x, (0, 1), "circular", "avg pool 2x2")["error"])


def test_apply_layer_pooling_hand_examples():
    x = np.array([[1.0, 5, 2, 0], [3, 4, 8, 1], [0, 0, 1, 1], [2, 6, 1, 3]])
    assert apply_layer("max pool 2x2", x).tolist() == [[5, 8], [6, 3]]
    assert apply_layer("avg pool 2x2", x).tolist() == [[3.25, 2.75], [2.0, 1.5]]


def test_equivariance_panels_stride_one_circular_is_exact_and_finds_the_shift():
    x = RNG.normal(size=(10, 10))
    p = equivariance_panels(x, (2, -1), "circular", "conv stride 1")
    assert p["best_shift"] == (2, -1) and p["error"] < 1e-12
    np.testing.assert_array_equal(p["input"], np.roll(x, (2, -1), axis=(0, 1)))
    np.testing.assert_array_equal(p["difference"], p["f_shifted"] - p["shifted_f"])


def test_equivariance_panels_subsampling_aliases_and_two_pixels_do_not():
    x = RNG.normal(size=(12, 12))
    for layer in ("conv stride 2", "max pool 2x2", "avg pool 2x2"):
        assert equivariance_panels(x, (0, 1), "circular", layer)["error"] > 0.1
        two = equivariance_panels(x, (0, 2), "circular", layer)
        assert two["error"] < 1e-12 and two["best_shift"] == (0, 1)


def test_equivariance_panels_zero_padding_differs_only_at_the_border():
    x = RNG.normal(size=(10, 10))
    p = equivariance_panels(x, (0, 1), "zeros", "conv stride 1")
    cols = np.flatnonzero(np.any(np.abs(p["difference"]) > 1e-12, axis=0))
    assert cols.tolist() == [0, 9]          # p + min(s, p) = 2 columns for a 3x3 kernel, shift 1


# ---------------------------------------------------------------- animations
def test_shade_classes_hand_example():
    assert shade_classes([[0.0, 0.3, -1.0, 0.6, 0.25]], 1.0) == [["", "p2", "n4", "p3", "p1"]]


def test_equivariance_animation_frames_are_the_shifted_outputs():
    x = np.zeros((5, 6)); x[1:4, 2] = 1
    anim = equivariance_animation(x)
    circ, zero = anim.data["modes"]
    assert len(circ["frames"]) == 6 and all(f["equal"] for f in circ["frames"])
    assert not all(f["equal"] for f in zero["frames"])
    assert 'data-cnn-interactive="animation"' in anim._repr_html_()
    # frame 1's input panel shades the column the bar moved to (column 3), nothing else
    html = circ["frames"][1]["slots"]["input"]
    rows = html.split("<tr>")[1:]
    assert all(r.count('class="p4"') == (1 if 2 <= n <= 4 else 0) for n, r in enumerate(rows, start=1))


def test_aliasing_animation_flickers_on_odd_steps():
    anim = aliasing_animation(stripes(4, 8), w=np.ones((1, 1)))
    # plain subsampling of 1-pixel stripes: all ones, then all zeros (relative change 1), and back
    assert [f["change"] for f in anim.data["modes"][0]["frames"]] == [0.0, 1.0, 0.0, 1.0]
    assert [m["name"] for m in anim.data["modes"]] == ["conv stride 2", "max pool 2x2"]
    assert [f["change"] for f in anim.data["modes"][1]["frames"]] == [0.0, 0.0, 0.0, 0.0]   # max of (1, 0) is 1


# ---------------------------------------------------------------- exercise, figure, widget
def _taps(x, w):
    out = np.zeros(np.shape(x))
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            out += w[i, j] * np.roll(x, (w.shape[0] // 2 - i, w.shape[1] // 2 - j), axis=(0, 1))
    return out


def test_check_circular_conv_passes_taps_and_fails_wrong_answers(capsys):
    assert check_circular_conv(_taps) is True
    assert capsys.readouterr().out.startswith("PASS")
    assert check_circular_conv(lambda x, w: np.zeros_like(x)) is False                  # the starter
    assert check_circular_conv(lambda x, w: ndimage.correlate(x, w, mode="constant")) is False   # zero padding
    assert check_circular_conv(lambda x, w: ndimage.convolve(x, w, mode="wrap")) is False        # flipped kernel
    assert check_circular_conv(lambda x, w: 1 / 0) is False
    out = capsys.readouterr().out
    assert out.count("FAIL") == 4 and "ZeroDivisionError" in out


def test_check_circular_conv_catches_a_function_that_is_not_exactly_equivariant(capsys):
    # Correct values, but position-dependent rounding: the first column is computed in another order.
    def uneven(x, w):
        out = _taps(x, w)
        out[:, 0] = ndimage.correlate(x, w[::-1, ::-1][::-1, ::-1], mode="wrap")[:, 0] * (1 + 2 ** -52)
        return out
    assert check_circular_conv(uneven) is False
    assert "not exactly" in capsys.readouterr().out


def test_plot_equivariance_panels_draws_four_panels():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz import plot_equivariance_panels

    fig = plot_equivariance_panels(equivariance_panels(RNG.normal(size=(8, 8)), (0, 1), "circular", "max pool 2x2"))
    assert len(fig.axes) == 4 and "relative error" in fig.axes[3].get_title()
    plt.close(fig)


def test_equivariance_widget_builds_and_redraws():
    pytest.importorskip("ipywidgets")
    from cnnlib.widgets import equivariance_widget

    box = equivariance_widget(RNG.normal(size=(8, 8)))
    dy = box.children[0].children[0]
    dy.value = 1                                   # redraws without error
    layer = box.children[1].children[1]
    for name in LAYERS:
        layer.value = name


# ---------------------------------------------------------------- bad input
BAD = [
    (lambda: stripes(0, 4), ValueError, "height"),
    (lambda: stripes(2, 4, stripe_width=1.5), TypeError, "stripe_width"),
    (lambda: edge_image(5, "10"), TypeError, "angle"),
    (lambda: edge_image(5, float("nan")), ValueError, "angle"),
    (lambda: edge_image(5, 0, softness=0), ValueError, "softness"),
    (lambda: rotate_images(np.ones(4), 10), ValueError, "x"),
    (lambda: rotate_images(np.ones((3, 3)), True), TypeError, "angle"),
    (lambda: scale_images(np.ones((3, 3)), -1), ValueError, "factor"),
    (lambda: ring_shifts(2, 1), ValueError, "r_max"),
    (lambda: consistency(lambda v: np.zeros(len(v)), np.ones((2, 4, 4)), [(0, 1)]), ValueError, "x"),
    (lambda: consistency(lambda v: np.zeros(len(v)), np.ones((2, 1, 4, 4)), []), ValueError, "shifts"),
    (lambda: consistency(lambda v: np.zeros(len(v)), np.ones((2, 1, 4, 4)), [(0, 1.5)]), TypeError, "shifts[0]"),
    (lambda: consistency(lambda v: np.zeros(3), np.ones((2, 1, 4, 4)), [(0, 1)]), ValueError, "predict"),
    (lambda: consistency(lambda v: np.zeros(len(v)), np.ones((2, 1, 4, 4)), [(0, 1)], mode="reflect"), ValueError, "mode"),
    (lambda: relative_change([0.0, 0.0], [1.0, 1.0]), ValueError, "reference"),
    (lambda: relative_change([1.0, 0.0], [1.0, 1.0, 1.0]), ValueError, "other"),
    (lambda: aligned_relative_change(np.ones((3, 3)), np.ones((3, 4))), ValueError, "moved"),
    (lambda: aligned_relative_change(np.ones((3, 3)), np.ones((3, 3)), max_shift=-1), ValueError, "max_shift"),
    (lambda: apply_layer("conv stride 3", np.ones((4, 4))), ValueError, "layer"),
    (lambda: apply_layer("conv stride 1", np.ones((4, 4)), padding_mode="reflect"), ValueError, "padding_mode"),
    (lambda: apply_layer("conv stride 1", np.ones((1, 4, 4))), ValueError, "x"),
    (lambda: equivariance_panels(np.ones((4, 4)), (0, "1")), TypeError, "shift_by"),
    (lambda: equivariance_panels(np.ones((4, 4)), (0, 1, 2)), ValueError, "shift_by"),
    (lambda: equivariance_panels(np.ones((4, 4)), (0, 1), layer="dense"), ValueError, "layer"),
]


@pytest.mark.parametrize("call, exc, name", BAD, ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD)])
def test_bad_input_is_refused_with_the_argument_named(call, exc, name):
    with pytest.raises(exc) as info:
        call()
    assert name in str(info.value)


def test_sobel_is_the_default_kernel():
    x = RNG.normal(size=(6, 6))
    np.testing.assert_array_equal(apply_layer("conv stride 1", x), apply_layer("conv stride 1", x, SOBEL_X))
