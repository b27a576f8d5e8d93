"""Chapter 8 / issue 17: conv2d tap by tap, against im2col within the rounding bound, and exact symmetry."""
import numpy as np
import pytest

from cnnlib import conv2d, conv2d_backward
from cnnlib import reference as r
from cnnlib.layers import Conv2d

CASES = [dict(padding=1), dict(stride=2, dilation=2, padding=2), dict()]


@pytest.mark.parametrize("kw", CASES)
def test_taps_match_im2col_within_gamma_bound(kw):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(3, 2, 7, 6)), rng.normal(size=(4, 2, 3, 2)), rng.normal(size=4)
    terms = 2 * 3 * 2 + 1
    u = np.finfo(float).eps / 2
    gamma = 2 * terms * u / (1 - 2 * terms * u)        # both sides' rounding
    ref = conv2d(x, w, b, **kw)
    bound = gamma * (conv2d(np.abs(x), np.abs(w), np.abs(b), **kw))
    assert np.all(np.abs(r.conv2d_taps(x, w, b, **kw) - ref) <= bound)
    dout = rng.normal(size=ref.shape)
    for got, want in zip(r.conv2d_taps_backward(dout, x, w, **kw), conv2d_backward(dout, x, w, **kw)):
        mag = np.abs(want).max() + 1
        n = dout.size
        assert np.abs(got - want).max() <= 2 * n * u * mag * np.abs(dout).max() * max(np.abs(x).max(), np.abs(w).max()) * 10


def test_taps_gradient_check():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    dout = rng.normal(size=r.conv2d_taps(x, w, padding=1).shape)
    dx, dw, _ = r.conv2d_taps_backward(dout, x, w, padding=1)
    eps = 1e-6
    for arr, grad in ((x, dx), (w, dw)):
        for idx in [(0, 0, 1, 1), (1, 1, 2, 0), (0, 1, 0, 2)]:
            old = arr[idx]
            arr[idx] = old + eps; up = np.sum(r.conv2d_taps(x, w, padding=1) * dout)
            arr[idx] = old - eps; down = np.sum(r.conv2d_taps(x, w, padding=1) * dout)
            arr[idx] = old
            num = (up - down) / (2 * eps)
            assert abs(num - grad[idx]) / max(1.0, abs(num)) < 1e-6


def test_identical_filters_give_bitwise_identical_outputs_and_gradients():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 3, 8, 8))
    w = np.repeat(rng.normal(size=(1, 3, 3, 3)), 16, axis=0)          # 16 equal filters
    out = r.conv2d_taps(x, w, padding=1)
    assert all(np.array_equal(out[:, 0], out[:, k]) for k in range(16))
    x2 = np.repeat(rng.normal(size=(5, 1, 8, 8)), 16, axis=1)         # 16 equal channels
    w2 = np.repeat(rng.normal(size=(8, 1, 3, 3)), 16, axis=1)         # equal across channels
    dout = rng.normal(size=(5, 8, 8, 8))
    dx, dw, _ = r.conv2d_taps_backward(dout, x2, w2, padding=1)
    assert all(np.array_equal(dx[:, 0], dx[:, k]) for k in range(16))
    assert all(np.array_equal(dw[:, 0], dw[:, k]) for k in range(16))
    dout1 = np.repeat(rng.normal(size=(5, 1, 8, 8)), 16, axis=1)      # equal gradients for equal filters
    _, dw1, db1 = r.conv2d_taps_backward(dout1, x, w, padding=1)
    assert all(np.array_equal(dw1[0], dw1[k]) for k in range(16)) and np.all(db1 == db1[0])


def test_conv2d_layer_method():
    layer = Conv2d(1, 4, 3, padding=1, rng=0, method="taps")
    same = Conv2d(1, 4, 3, padding=1, rng=0)
    x = np.random.default_rng(0).normal(size=(2, 1, 6, 6))
    assert np.allclose(layer(x), same(x))
    with pytest.raises(ValueError, match="method"):
        Conv2d(1, 4, 3, method="fft")


def test_identical_first_filters_stay_exactly_identical_when_trained_tap_by_tap():
    """Issue 17: with method='taps' the experiment is exact by construction (run under every kernel by test_kernels)."""
    from cnnlib.layers import Flatten, Linear, MaxPool2d, ReLU, Sequential, SoftmaxCrossEntropy
    from cnnlib.network import make_first_filters_identical, max_pairwise_difference
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 1, 8, 8)), rng.integers(0, 10, 64)
    m = Sequential(Conv2d(1, 16, 3, padding=1, rng=rng, method="taps"), ReLU(), MaxPool2d(2),
                   Conv2d(16, 32, 3, padding=1, rng=rng, method="taps"), ReLU(), MaxPool2d(2),
                   Flatten(), Linear(128, 10, rng=rng))
    for layer in m:
        for k in getattr(layer, "params", {}):
            layer.params[k] = layer.params[k].astype(np.float64)
    make_first_filters_identical(m)
    loss = SoftmaxCrossEntropy()
    for step in range(10):
        xb, yb = X[step % 4 * 16 : step % 4 * 16 + 16], y[step % 4 * 16 : step % 4 * 16 + 16]
        loss(m(xb), yb)
        m.backward(loss.backward())
        for layer in m:
            for k in getattr(layer, "params", {}):
                layer.params[k] -= 0.1 * layer.grads[k]
    assert max_pairwise_difference(m[0].params["weight"]) == 0.0
    assert max_pairwise_difference(m[0].params["bias"][:, None]) == 0.0
    assert max_pairwise_difference(m[0].params["weight"] + 0) == 0.0 and np.abs(m[0].grads["weight"]).max() > 0
