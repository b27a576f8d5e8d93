"""Numerical gradient checks (central differences, float64) of the backward passes.

The loss is ``L = sum(forward(x) * G)`` for a fixed random ``G``, so its
gradient with respect to the output is ``G`` (the ``dout`` we pass in). The
numerical derivative differentiates the *test's own* forward implementations
(``_reference``), not cnnlib's, so a backward pass that merely agrees with a
wrong forward pass cannot pass.

Each loss is linear in the variable being perturbed, so a central difference
has no truncation error: what separates it from the analytic gradient is
rounding only, and the tolerance is that rounding, bounded per element from
the inputs (``tolerance`` below; ``_reference.bound`` explains gamma(n)):

* the loss is a float64 sum of products whose absolute values add up to at
  most T (the same loss on |x| + h, |w| + h, |b| + h, |G|); each evaluation is
  off by at most gamma(n_L) * T, and the difference of two, divided by 2h,
  by gamma(n_L) * T / h;
* x + h and x - h are rounded: the step is 2h within 2u(|x| + h), a relative
  error of u(|x| + h) / h on a gradient of size at most S (its own sum of
  absolute terms), plus two roundings for the subtraction and the division;
* the analytic gradient is itself a float64 sum of n terms: gamma(n) * S.

The relative error ``max |numerical - analytic| / max(|numerical|, |analytic|)``
and the worst ratio of error to tolerance are printed for every check (run
with ``-s`` to see them).
"""

from __future__ import annotations

import numpy as np
import pytest

from _reference import conv2d_sums, conv_input_grad, gamma, named_pads, pad4, ref_avg_pool2d, ref_max_pool2d, tap_conv2d, unit_roundoff
from cnnlib import avg_pool2d_backward, conv2d_backward, max_pool2d_backward

U = unit_roundoff(np.float64)


def numerical_grad(f, a, h):
    """Central differences of the scalar function f with respect to every entry of a."""
    grad = np.zeros_like(a)
    it = np.nditer(a, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = a[idx]
        a[idx] = old + h
        fp = f()
        a[idx] = old - h
        fm = f()
        a[idx] = old
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def rel_error(numerical, analytic):
    assert numerical.shape == analytic.shape, (numerical.shape, analytic.shape)
    scale = max(np.abs(numerical).max(), np.abs(analytic).max(), 1e-300)
    return float(np.abs(numerical - analytic).max() / scale)


def tolerance(a, h, loss_magnitude, n_loss, grad_magnitude, n_grad):
    """Largest |numerical - analytic| rounding allows, per entry of the variable ``a``."""
    step = U * (np.abs(a) + h) / h + 2 * U                        # rounded x +- h, subtraction, division
    return gamma(n_loss, np.float64) * loss_magnitude / h + grad_magnitude * (step + gamma(n_grad, np.float64))


def check(name, numerical, analytic, tol):
    err = rel_error(numerical, analytic)
    ratio = float((np.abs(numerical - analytic) / tol).max())
    print(f"{name}: max relative error {err:.2e}, worst error / rounding bound {ratio:.2e}")
    assert np.all(np.abs(numerical - analytic) <= tol), f"{name}: error {ratio:.2f} times the rounding bound"
    # a gradient that is identically zero would make the check meaningless
    assert np.abs(numerical).max() > 0


CONV_SETTINGS = [
    # (N, C, H, W), (F, KH, KW), stride, padding, dilation
    pytest.param((1, 1, 5, 5), (1, 3, 3), 1, 0, 1, id="plain-3x3"),
    pytest.param((2, 3, 6, 5), (4, 3, 3), 1, 1, 1, id="batch-channels-filters-pad1"),
    pytest.param((2, 2, 7, 7), (3, 3, 3), 2, 1, 1, id="stride2-pad1"),
    pytest.param((1, 2, 8, 6), (2, 2, 3), (2, 1), (1, 0), 1, id="rect-kernel-rect-stride-pair-pad"),
    pytest.param((2, 2, 7, 8), (2, 3, 2), 1, 0, 2, id="dilation2"),
    pytest.param((1, 3, 9, 9), (2, 3, 3), 2, 2, (2, 3), id="dilation-pair-stride2-pad2"),
    pytest.param((2, 1, 6, 7), (3, 2, 2), 3, (0, 1, 2, 1), 1, id="stride3-asymmetric-pad"),
    pytest.param((1, 2, 5, 6), (2, 4, 3), 1, "same", 1, id="same-even-kernel"),
    pytest.param((1, 2, 4, 4), (2, 2, 3), 1, "full", (1, 2), id="full-dilated"),
    pytest.param((2, 2, 6, 6), (2, 1, 1), 2, 0, 1, id="1x1-stride2"),
]


@pytest.mark.parametrize("xshape, wshape, stride, padding, dilation", CONV_SETTINGS)
def test_conv2d_backward_matches_central_differences(xshape, wshape, stride, padding, dilation):
    rng = np.random.default_rng(sum(xshape) * 100 + sum(wshape))
    n, c, h, w_ = xshape
    f, kh, kw = wshape
    x = rng.standard_normal(xshape)
    w = rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f)
    pads = named_pads(padding, kh, kw, dilation)

    def loss():
        return float(np.sum(tap_conv2d(x, w, b, stride, pads, dilation) * G))

    G = rng.standard_normal(tap_conv2d(x, w, b, stride, pads, dilation).shape)
    dx, dw_, db = conv2d_backward(G, x, w, stride=stride, padding=padding, dilation=dilation)
    assert dx.shape == x.shape and dw_.shape == w.shape and db.shape == (f,)

    h_step = 1e-5  # the loss is linear in each of x, w, b: no truncation error
    # T: the loss on magnitudes, at least as large as any perturbed evaluation's terms;
    # n_L: C*KH*KW products and the bias per output, times G, summed over all outputs.
    h = h_step
    T = float(np.sum(tap_conv2d(np.abs(x) + h, np.abs(w) + h, np.abs(b) + h, stride, pads, dilation) * np.abs(G)))
    n_loss = c * kh * kw + 1 + G.size
    sums = conv2d_sums(x, w, b, G, stride, pads, dilation)
    for name, var, analytic in (("dx", x, dx), ("dw", w, dw_), ("db", b, db)):
        _, magnitude, n = sums[name]
        check(name, numerical_grad(loss, var, h), analytic, tolerance(var, h, T, n_loss, magnitude, n))


def test_conv2d_backward_by_hand():
    # dout = ones: dw[m, q] is the sum of the inputs tap (m, q) reads,
    # dx counts how many windows read each pixel (weighted by the kernel).
    x = np.arange(1, 10).reshape(1, 1, 3, 3)
    w = np.array([[[[1, 1], [0, 2]]]])
    dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, w)
    # dw[0,0] = 1+2+4+5 = 12, dw[0,1] = 2+3+5+6 = 16, dw[1,0] = 4+5+7+8 = 24, dw[1,1] = 5+6+8+9 = 28
    np.testing.assert_array_equal(dw[0, 0], [[12, 16], [24, 28]])
    np.testing.assert_array_equal(db, [4])
    # dx[r, c] = sum of kernel taps that land on (r, c): e.g. centre = 1 + 1 + 0 + 2 = 4
    np.testing.assert_array_equal(dx[0, 0], [[1, 2, 1], [1, 4, 3], [0, 2, 2]])


POOL_SETTINGS = [
    # (N, C, H, W), kernel, stride, padding
    pytest.param((1, 1, 4, 4), 2, None, 0, id="2x2-non-overlapping"),
    pytest.param((2, 3, 6, 6), 3, 1, 0, id="overlapping-3x3-stride1"),
    pytest.param((2, 2, 7, 7), 3, 2, 1, id="overlapping-stride2-pad1"),
    pytest.param((1, 2, 5, 6), (2, 3), (1, 2), (1, 1), id="rect-window-overlapping-pad"),
    pytest.param((2, 1, 5, 5), 2, 2, 1, id="pad1-stride2"),
    pytest.param((1, 2, 7, 5), 2, None, 0, id="floored-leftover-row"),
]


def _window_sums(g, x_shape, kernel, stride, padding):
    """For every input pixel, the sum of g over the pooling windows that contain it."""
    n, c, h, w = x_shape
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    stride = (kh, kw) if stride is None else stride
    oh, ow = g.shape[2:]
    ones = np.ones((1, 1, kh, kw))
    pads = pad4(padding)
    return conv_input_grad(g.reshape(n * c, 1, oh, ow), ones, (n * c, 1, h, w), stride, pads, 1).reshape(x_shape)


def _distinct_input(shape, seed):
    # A random permutation of 0..size-1, spaced 1 apart: no two values within the
    # finite-difference step, so the max never changes hands (no kinks, no ties).
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape).astype(float) - np.prod(shape) / 2


@pytest.mark.parametrize("xshape, kernel, stride, padding", POOL_SETTINGS)
def test_max_pool2d_backward_matches_central_differences(xshape, kernel, stride, padding):
    x = _distinct_input(xshape, seed=sum(xshape))
    G = np.random.default_rng(7).standard_normal(ref_max_pool2d(x, kernel, stride, padding).shape)

    def loss():
        return float(np.sum(ref_max_pool2d(x, kernel, stride, padding) * G))

    dx = max_pool2d_backward(G, x, kernel, stride=stride, padding=padding)
    h = 1e-4
    # The max itself is exact; times G and summed: G.size roundings. A pixel's gradient
    # is at most the |G| of every window that holds it, added up (up to KH*KW of them).
    T = float(np.sum(ref_max_pool2d(np.abs(x) + h, kernel, stride, padding) * np.abs(G)))
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    tol = tolerance(x, h, T, G.size, _window_sums(np.abs(G), x.shape, kernel, stride, padding), kh * kw)
    check("max_pool dx", numerical_grad(loss, x, h), dx, tol)


@pytest.mark.parametrize("xshape, kernel, stride, padding", POOL_SETTINGS)
def test_avg_pool2d_backward_matches_central_differences(xshape, kernel, stride, padding):
    x = np.random.default_rng(sum(xshape)).standard_normal(xshape)
    G = np.random.default_rng(8).standard_normal(ref_avg_pool2d(x, kernel, stride, padding).shape)

    def loss():
        return float(np.sum(ref_avg_pool2d(x, kernel, stride, padding) * G))

    dx = avg_pool2d_backward(G, x, kernel, stride=stride, padding=padding)
    h = 1e-5
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    # A window mean (KH*KW + 1 roundings), times G, summed over G.size outputs;
    # each pixel gets a share G / (KH*KW) of every window that holds it.
    T = float(np.sum(ref_avg_pool2d(np.abs(x) + h, kernel, stride, padding) * np.abs(G)))
    grad_magnitude = _window_sums(np.abs(G), x.shape, kernel, stride, padding) / (kh * kw)
    tol = tolerance(x, h, T, kh * kw + 1 + G.size, grad_magnitude, kh * kw + 1)
    check("avg_pool dx", numerical_grad(loss, x, h), dx, tol)


def test_max_pool2d_backward_routes_to_the_maximum_by_hand():
    x = np.array([[[[1, 5, 2, 0], [3, 4, 8, 7], [9, 1, 0, 2], [2, 6, 3, 1]]]], dtype=float)
    dout = np.array([[[[10.0, 20.0], [30.0, 40.0]]]])
    # maxima: 5 at (0,1), 8 at (1,2), 9 at (2,0), 3 at (3,2)
    expected = np.zeros((4, 4))
    expected[0, 1], expected[1, 2], expected[2, 0], expected[3, 2] = 10, 20, 30, 40
    np.testing.assert_array_equal(max_pool2d_backward(dout, x, 2)[0, 0], expected)


def test_max_pool2d_backward_overlapping_windows_accumulate():
    # 3x3 input, 2x2 windows, stride 1: the centre 9 is the max of all four windows.
    x = np.array([[[[1, 2, 3], [4, 9, 5], [6, 7, 8]]]], dtype=float)
    dx = max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 2, stride=1)
    expected = np.zeros((3, 3))
    expected[1, 1] = 4
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_avg_pool2d_backward_by_hand():
    # 2x2 input, 2x2 window, one zero of padding: each window has one real pixel,
    # which receives a quarter of that window's gradient.
    dx = avg_pool2d_backward([[[[4.0, 8.0], [12.0, 16.0]]]], np.ones((1, 1, 2, 2)), 2, padding=1)
    np.testing.assert_array_equal(dx[0, 0], [[1, 2], [3, 4]])


@pytest.mark.parametrize(
    "dout_shape",
    [(1, 1, 3, 3), (1, 2, 2, 2), (2, 1, 2, 2), (1, 1, 2, 3), (1, 1, 4)],
)
def test_conv2d_backward_rejects_a_wrong_dout_shape(dout_shape):
    x = np.zeros((1, 1, 3, 3))
    w = np.zeros((1, 1, 2, 2))  # conv2d(x, w) has shape (1, 1, 2, 2)
    with pytest.raises(ValueError) as info:
        conv2d_backward(np.ones(dout_shape), x, w)
    msg = str(info.value)
    assert "conv2d_backward" in msg and "dout" in msg
    assert str(dout_shape) in msg


@pytest.mark.parametrize("fn", [max_pool2d_backward, avg_pool2d_backward])
def test_pool_backward_rejects_a_wrong_dout_shape(fn):
    with pytest.raises(ValueError) as info:
        fn(np.ones((1, 1, 3, 3)), np.zeros((1, 1, 4, 4)), 2)
    msg = str(info.value)
    assert fn.__name__ in msg and "dout" in msg and "(1, 1, 3, 3)" in msg
