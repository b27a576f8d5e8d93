"""cnnlib.layers: forward against independent references, backward against finite differences.

Every layer's backward pass is checked in float64 against central differences
of its forward pass (relative error < 1e-6), and a whole Sequential network is
checked end to end through the loss, for the input and every parameter. The
forward passes themselves are checked against the test's own references
(``_reference``: per-tap loops, explicit sums), so a backward that agrees with
a wrong forward cannot pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from _reference import ref_avg_pool2d, ref_max_pool2d, tap_conv2d
from cnnlib.layers import AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential, SoftmaxCrossEntropy

MAX_REL_ERR = 1e-6
H = 1e-6


def numerical_grad(f, a, h=H):
    """Central differences of the scalar f() with respect to every entry of the array a (changed in place)."""
    grad = np.zeros_like(a)
    flat, g = a.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = f()
        flat[i] = old - h
        fm = f()
        flat[i] = old
        g[i] = (fp - fm) / (2 * h)
    return grad


def rel_error(numerical, analytic):
    assert numerical.shape == analytic.shape, (numerical.shape, analytic.shape)
    scale = max(np.abs(numerical).max(), np.abs(analytic).max(), 1e-300)
    return float(np.abs(numerical - analytic).max() / scale)


def check(name, numerical, analytic):
    err = rel_error(numerical, analytic)
    print(f"{name}: max relative error {err:.2e}")
    assert err < MAX_REL_ERR, f"{name}: max relative error {err:.2e} >= {MAX_REL_ERR:g}"
    assert np.abs(numerical).max() > 0, f"{name}: the gradient is identically zero, the check means nothing"


def check_layer(layer, x, rng):
    """L = sum(layer(x) * G): dL/dout = G; compare backward's dx and grads with finite differences."""
    layer.to(np.float64)
    out = layer.forward(x)
    g = rng.standard_normal(out.shape)

    def f():
        return float((layer.forward(x) * g).sum())

    f()
    dx = layer.backward(g)
    grads = {k: v.copy() for k, v in layer.grads.items()}
    check(f"{layer!r} dx", numerical_grad(f, x), dx)
    for name, p in layer.params.items():
        check(f"{layer!r} d{name}", numerical_grad(f, p), grads[name])
    assert set(grads) == set(layer.params)


def away_from(rng, shape, gap=0.05):
    """Values with every pair at least ``gap`` apart and at least gap/2 away from 0 (no kinks within H)."""
    n = math.prod(shape)
    values = (np.arange(n) - n / 2 + 0.5) * gap
    return rng.permutation(values).reshape(shape)


CONV_SETTINGS = [
    pytest.param(dict(in_channels=1, out_channels=2, kernel_size=3), (2, 1, 5, 5), id="plain"),
    pytest.param(dict(in_channels=3, out_channels=4, kernel_size=3, padding=1), (2, 3, 6, 5), id="pad1"),
    pytest.param(dict(in_channels=2, out_channels=3, kernel_size=(3, 2), stride=2, padding=(1, 0)), (2, 2, 7, 8), id="rect-stride2"),
    pytest.param(dict(in_channels=2, out_channels=2, kernel_size=3, dilation=2, bias=False), (1, 2, 7, 7), id="dilation2-nobias"),
]


@pytest.mark.parametrize("kwargs, shape", CONV_SETTINGS)
def test_conv2d_forward_matches_the_tap_reference(kwargs, shape):
    rng = np.random.default_rng(1)
    layer = Conv2d(**kwargs, rng=0).to(np.float64)
    x = rng.standard_normal(shape)
    expected = tap_conv2d(x, layer.params["weight"], layer.params.get("bias"),
                          kwargs.get("stride", 1), kwargs.get("padding", 0), kwargs.get("dilation", 1))
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs, shape", CONV_SETTINGS)
def test_conv2d_backward_matches_finite_differences(kwargs, shape):
    rng = np.random.default_rng(2)
    check_layer(Conv2d(**kwargs, rng=0), rng.standard_normal(shape), rng)


def test_linear_forward_is_x_times_weight_transposed_plus_bias():
    rng = np.random.default_rng(3)
    layer = Linear(4, 3, rng=0).to(np.float64)
    x = rng.standard_normal((5, 4))
    w, b = layer.params["weight"], layer.params["bias"]
    expected = np.array([[sum(x[n, i] * w[o, i] for i in range(4)) + b[o] for o in range(3)] for n in range(5)])
    np.testing.assert_allclose(layer(x), expected, rtol=1e-13)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_backward_matches_finite_differences(bias):
    rng = np.random.default_rng(4)
    check_layer(Linear(6, 4, bias=bias, rng=0), rng.standard_normal((3, 6)), rng)


def test_relu_forward_and_backward():
    rng = np.random.default_rng(5)
    x = away_from(rng, (2, 3, 4, 4))
    layer = ReLU()
    np.testing.assert_array_equal(layer(x), np.where(x > 0, x, 0.0))
    check_layer(ReLU(), x, rng)


@pytest.mark.parametrize("cls, ref", [(MaxPool2d, ref_max_pool2d), (AvgPool2d, ref_avg_pool2d)])
@pytest.mark.parametrize("kernel, stride, padding, shape", [
    (2, None, 0, (2, 3, 6, 6)),
    (3, 2, 1, (2, 2, 7, 7)),
    ((2, 3), (2, 1), 0, (1, 2, 6, 7)),
])
def test_pool_layers_forward_and_backward(cls, ref, kernel, stride, padding, shape):
    rng = np.random.default_rng(6)
    x = away_from(rng, shape)          # distinct values: no ties within H for the max
    layer = cls(kernel, stride=stride, padding=padding)
    np.testing.assert_allclose(layer(x), ref(x, kernel, stride, padding), rtol=1e-13, atol=1e-15)
    check_layer(layer, x, rng)


def test_flatten_forward_and_backward():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 2, 2))
    layer = Flatten()
    out = layer(x)
    np.testing.assert_array_equal(out[1], np.concatenate([x[1, c].ravel() for c in range(3)]))
    check_layer(Flatten(), x, rng)


def test_softmax_cross_entropy_value_by_hand():
    # Row 0: logits (0, 0), label 0: -log(1/2) = log 2.
    # Row 1: logits (0, log 3), label 1: softmax = (1/4, 3/4), -log(3/4).
    # Row 2: logits (1000, 0), label 1: -log(e^0 / (e^1000 + 1)) = 1000 + log(1 + e^-1000) = 1000.
    logits = np.array([[0.0, 0.0], [0.0, np.log(3.0)], [1000.0, 0.0]])
    loss = SoftmaxCrossEntropy()
    value = loss(logits, np.array([0, 1, 1]))
    assert value == pytest.approx((math.log(2) - math.log(0.75) + 1000.0) / 3, rel=1e-15)
    expected = np.array([[0.5 - 1, 0.5], [0.25, 0.75 - 1], [1.0, 0.0 - 1]]) / 3
    np.testing.assert_allclose(loss.backward(), expected, rtol=1e-15, atol=1e-300)


def test_softmax_cross_entropy_backward_matches_finite_differences():
    rng = np.random.default_rng(8)
    logits = rng.standard_normal((4, 5)) * 3
    labels = np.array([0, 4, 2, 2])
    loss = SoftmaxCrossEntropy()
    loss(logits, labels)
    analytic = loss.backward(2.5)
    check("SoftmaxCrossEntropy dlogits", numerical_grad(lambda: 2.5 * loss(logits, labels), logits), analytic)


def small_cnn(rng):
    return Sequential(
        Conv2d(1, 2, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
        Conv2d(2, 3, 3, padding=1, rng=rng), ReLU(), AvgPool2d(2),
        Flatten(), Linear(12, 4, rng=rng),
    ).to(np.float64)


def test_sequential_end_to_end_through_the_loss():
    rng = np.random.default_rng(9)
    model = small_cnn(np.random.default_rng(0))
    x = rng.standard_normal((3, 1, 8, 8))
    labels = np.array([0, 3, 1])
    loss = SoftmaxCrossEntropy()

    def f():
        return loss(model(x), labels)

    f()
    dx = model.backward(loss.backward())
    grads = {k: v.copy() for k, v in model.grads.items()}
    assert list(grads) == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"]
    check("Sequential dx", numerical_grad(f, x), dx)
    for name, p in model.params.items():
        check(f"Sequential d{name}", numerical_grad(f, p), grads[name])


def test_sequential_params_are_the_layers_arrays():
    model = small_cnn(np.random.default_rng(0))
    assert model.params["3.weight"] is model[3].params["weight"]
    assert model[0].params["weight"].shape == (2, 1, 3, 3) and model[7].params["weight"].shape == (4, 12)
    assert len(model) == 8 and [type(l).__name__ for l in model][:3] == ["Conv2d", "ReLU", "MaxPool2d"]


# --- initialisation -------------------------------------------------------------------


def test_default_initialisation_is_pytorchs_uniform_bound():
    # kaiming_uniform_(a=sqrt(5)): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in) = 1 / sqrt(fan_in).
    conv = Conv2d(16, 32, 3, rng=0)
    fan_in = 16 * 9
    bound = math.sqrt(2 / 6) * math.sqrt(3 / fan_in)
    assert bound == pytest.approx(1 / 12)
    for name in ("weight", "bias"):
        p = conv.params[name]
        assert p.dtype == np.float32
        assert np.abs(p).max() <= bound * (1 + 2**-23)
    w = conv.params["weight"].astype(np.float64)
    # U(-b, b) has mean 0 and variance b^2/3; 4,608 draws: the standard error of the variance is about 2%.
    assert abs(w.mean()) < 4 * bound / math.sqrt(3 * w.size)
    assert w.var() == pytest.approx(bound**2 / 3, rel=0.1)
    assert Linear(100, 10, rng=0).params["weight"].max() <= 0.1 * (1 + 2**-23)


def test_same_rng_gives_the_same_weights_and_a_generator_is_consumed_in_order():
    a, b = Conv2d(1, 4, 3, rng=5), Conv2d(1, 4, 3, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a.params["weight"], b.params["weight"])
    gen = np.random.default_rng(5)
    first, second = Linear(3, 3, rng=gen), Linear(3, 3, rng=gen)
    assert not np.array_equal(first.params["weight"], second.params["weight"])
    # weights first, then biases, from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) drawn in float64
    ref = np.random.default_rng(5)
    np.testing.assert_array_equal(a.params["weight"], ref.uniform(-1 / 3, 1 / 3, (4, 1, 3, 3)).astype(np.float32))
    np.testing.assert_array_equal(a.params["bias"], ref.uniform(-1 / 3, 1 / 3, 4).astype(np.float32))


def test_backward_overwrites_grads_and_nothing_accumulates():
    layer = Linear(2, 2, rng=0)
    x = np.ones((1, 2), np.float32)
    for _ in range(3):
        layer(x)
        layer.backward(np.ones((1, 2), np.float32))
    np.testing.assert_array_equal(layer.grads["weight"], np.ones((2, 2)))


# --- issue 13 (speed): Conv2d.needs_input_grad / conv2d_backward(need_dx=False) ---

def test_conv2d_needs_input_grad_false_skips_dx_and_keeps_dw_db():
    import numpy as np
    from cnnlib.layers import Conv2d

    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 6, 5))
    conv = Conv2d(2, 4, 3, padding=1, rng=1).to(np.float64)
    dout = rng.standard_normal(conv(x).shape)
    dx = conv.backward(dout)
    full = {k: v.copy() for k, v in conv.grads.items()}
    conv.needs_input_grad = False
    assert conv.backward(dout) is None
    assert dx is not None and dx.shape == x.shape
    for k in full:        # the same operations in the same order: bit for bit
        np.testing.assert_array_equal(conv.grads[k], full[k])


def test_fit_skips_first_dx_and_restores_the_flag():
    import numpy as np
    from cnnlib.layers import Conv2d, Flatten, Linear, Sequential, SoftmaxCrossEntropy
    from cnnlib.optim import SGD
    from cnnlib.train import fit

    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 4, 4)).astype(np.float32)
    y = np.arange(8) % 2
    model = Sequential(Conv2d(1, 2, 3, padding=1, rng=0), Flatten(), Linear(32, 2, rng=1))
    seen = []
    original = model[0].backward
    model[0].backward = lambda d: seen.append(model[0].needs_input_grad) or original(d)
    fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.1), (x, y), (x, y), epochs=1, batch_size=4, seed=0,
        progress=False)
    assert seen == [False, False]
    assert model[0].needs_input_grad is True
