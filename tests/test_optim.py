"""cnnlib.optim: one step of each optimiser equals its update rule, written out by hand.

The expected numbers are typed in from a hand calculation (shown in the
comments) and cross-checked by the rule written out in plain Python floats in
the test, in the textbook arrangement; neither uses cnnlib.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib.layers import Linear, ReLU, Sequential
from cnnlib.optim import SGD, Adam


def one_param_layer(values):
    layer = Linear(len(values), 1, bias=False, rng=0).to(np.float64)
    layer.params["weight"][:] = [values]
    return layer


def test_sgd_momentum_and_weight_decay_two_steps_by_hand():
    layer = one_param_layer([1.0, -2.0])
    weight = layer.params["weight"]
    opt = SGD(layer, lr=0.1, momentum=0.9, weight_decay=0.01)
    # step 1: g + 0.01 p = (0.5 + 0.01, 0.25 - 0.02) = (0.51, 0.23); buffer = that (no 0.9 * 0 + ...)
    #         p = (1 - 0.051, -2 - 0.023)
    layer.grads["weight"] = np.array([[0.5, 0.25]])
    opt.step()
    np.testing.assert_allclose(weight, [[0.949, -2.023]], rtol=0, atol=1e-15)
    # step 2: g + 0.01 p = (-1 + 0.00949, 0.5 - 0.02023) = (-0.99051, 0.47977)
    #         buffer = 0.9 (0.51, 0.23) + that = (-0.53151, 0.68677); p -= 0.1 * buffer
    layer.grads["weight"] = np.array([[-1.0, 0.5]])
    opt.step()
    np.testing.assert_allclose(weight, [[1.002151, -2.091677]], rtol=0, atol=1e-15)
    assert layer.params["weight"] is weight, "the update must be in place"


def test_sgd_without_momentum_is_plain_gradient_descent():
    layer = one_param_layer([3.0])
    opt = SGD(layer, lr=0.5)
    layer.grads["weight"] = np.array([[2.0]])
    opt.step()
    opt.step()                          # the same gradient read again: 3 - 1 - 1
    assert layer.params["weight"][0, 0] == 1.0
    assert opt.state[0] == {}           # no momentum buffer


def adam_by_hand(p, grads, lr, b1, b2, eps):
    """Adam for one number, plain floats, the textbook's form lr * m_hat / (sqrt(v_hat) + eps)."""
    m = v = 0.0
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
    return p


def test_adam_two_steps_by_hand():
    layer = one_param_layer([1.0, 0.0])
    opt = Adam(layer, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    # step 1, g = 0.5: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25: p = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
    #   = 1 - 0.1 / (1 + 2e-8) = 0.900000002 (to 1e-15); the zero gradient leaves the second entry at 0
    layer.grads["weight"] = np.array([[0.5, 0.0]])
    opt.step()
    assert layer.params["weight"][0, 0] == pytest.approx(0.900000002, abs=1e-15)
    assert layer.params["weight"][0, 1] == 0.0
    # step 2, g = -1: m = -0.055, v = 0.00124975, m_hat = -0.055/0.19, v_hat = 0.00124975/0.001999
    layer.grads["weight"] = np.array([[-1.0, 0.0]])
    opt.step()
    m_hat, v_hat = -0.055 / 0.19, 0.00124975 / 0.001999
    by_hand = 0.900000002 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert by_hand == pytest.approx(0.9366104, abs=1e-7)
    assert layer.params["weight"][0, 0] == pytest.approx(by_hand, abs=1e-12)
    assert layer.params["weight"][0, 0] == pytest.approx(adam_by_hand(1.0, [0.5, -1.0], 0.1, 0.9, 0.999, 1e-8), abs=1e-14)
    assert opt.state[0]["step"] == 2


def test_adam_many_steps_follow_the_rule_in_float32():
    rng = np.random.default_rng(0)
    grads = rng.standard_normal(20)
    layer = Linear(1, 1, bias=False, rng=0)          # float32
    start = float(layer.params["weight"][0, 0])
    opt = Adam(layer, lr=0.01)
    for g in grads:
        layer.grads["weight"] = np.array([[g]], np.float32)
        opt.step()
    assert layer.params["weight"].dtype == np.float32
    expected = adam_by_hand(start, [float(np.float32(g)) for g in grads], 0.01, 0.9, 0.999, 1e-8)
    # 20 steps of size <= lr, each rounded to float32 (unit roundoff 2**-24 of |p| <= 1.2)
    assert float(layer.params["weight"][0, 0]) == pytest.approx(expected, abs=20 * 2 * 1.2 * 2**-24)


def test_optimiser_covers_every_layer_of_a_sequential_and_reads_fresh_grads():
    model = Sequential(Linear(2, 2, rng=0), ReLU(), Linear(2, 1, rng=1)).to(np.float64)
    opt = SGD(model, lr=1.0)
    before = {k: v.copy() for k, v in model.params.items()}
    for layer in (model[0], model[2]):
        layer.grads = {k: np.ones_like(v) for k, v in layer.params.items()}   # new dicts, as backward makes
    opt.step()
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k] - 1)


def test_step_before_backward_is_refused():
    with pytest.raises(RuntimeError, match="backward"):
        SGD(Linear(2, 2, rng=0), lr=0.1).step()


@pytest.mark.parametrize("make, words", [
    (lambda m: SGD(m, lr=0), ["SGD", "lr"]),
    (lambda m: SGD(m, lr="0.1"), ["SGD", "lr"]),
    (lambda m: SGD(m, lr=0.1, momentum=1.5), ["SGD", "momentum"]),
    (lambda m: SGD(m, lr=0.1, weight_decay=-1), ["SGD", "weight_decay"]),
    (lambda m: Adam(m, betas=(0.9,)), ["Adam", "betas"]),
    (lambda m: Adam(m, betas=(0.9, 1.0)), ["Adam", "betas[1]"]),
    (lambda m: Adam(m, eps=0), ["Adam", "eps"]),
    (lambda m: Adam(ReLU()), ["Adam", "no parameters"]),
    (lambda m: Adam([m]), ["Adam", "model", "list"]),
])
def test_bad_optimiser_arguments(make, words):
    with pytest.raises((TypeError, ValueError)) as info:
        make(Linear(2, 2, rng=0))
    for w in words:
        assert w in str(info.value)
