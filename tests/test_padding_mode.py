"""conv2d(padding_mode=...) and pad2d against references built from NumPy alone (issue 15).

The references: ``np.pad`` with mode 'wrap', 'reflect' or 'edge' (PyTorch's
'circular', 'reflect', 'replicate'), then the float64 zero-padding reference
of tests/_reference.py with padding 0; for the backward pass, the padded
input's reference gradient folded back by the adjoint of ``np.pad`` computed
here from an index map (each padded pixel sends its gradient to the pixel
``np.pad`` copied it from). Tolerances come from the rounding bound
(tests/_reference.py), never from this machine.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnnlib
from cnnlib import conv2d, conv2d_backward, pad2d, pad2d_backward
from cnnlib.layers import Conv2d

from _reference import assert_within, bound, conv2d_sums

NP_MODE = {"zeros": "constant", "circular": "wrap", "reflect": "reflect", "replicate": "edge"}
MODES = tuple(NP_MODE)


def np_pad(x, pads, mode):
    top, bottom, left, right = pads
    width = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(x, width, mode=NP_MODE[mode])


def source_map(shape_hw, pads, mode):
    """For every padded pixel, the flat index of the input pixel it copies (-1: a zero)."""
    h, w = shape_hw
    idx = np.arange(h * w).reshape(h, w)
    if mode == "zeros":
        top, bottom, left, right = pads
        return np.pad(idx, ((top, bottom), (left, right)), constant_values=-1)
    return np_pad(idx[None, None], pads, mode)[0, 0]


def np_pad_adjoint(y, shape, pads, mode):
    """<np_pad(x), y> = <x, np_pad_adjoint(y)>: a loop over the padded pixels."""
    src = source_map(shape[-2:], pads, mode).ravel()
    lead = int(np.prod(shape[:-2]))
    out = np.zeros((lead, shape[-2] * shape[-1]))
    flat = np.asarray(y, dtype=np.float64).reshape(lead, -1)
    for k, s in enumerate(src):
        if s >= 0:
            out[:, s] += flat[:, k]
    return out.reshape(shape)


@st.composite
def cases(draw):
    """A padding mode, a geometry it allows (PyTorch's limits) and a seed."""
    mode = draw(st.sampled_from(MODES))
    h, w = draw(st.integers(2, 7)), draw(st.integers(2, 7))
    # reflect: every side < the size on that axis; circular: <= the size.
    cap_h = {"reflect": h - 1, "circular": h}.get(mode, 3)
    cap_w = {"reflect": w - 1, "circular": w}.get(mode, 3)
    pads = (draw(st.integers(0, min(cap_h, 3))), draw(st.integers(0, min(cap_h, 3))),
            draw(st.integers(0, min(cap_w, 3))), draw(st.integers(0, min(cap_w, 3))))
    hp, wp = h + pads[0] + pads[1], w + pads[2] + pads[3]
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh = draw(st.integers(1, max(1, min(3, (hp - 1) // dh + 1))))
    kw = draw(st.integers(1, max(1, min(3, (wp - 1) // dw + 1))))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    seed = draw(st.integers(0, 2**32 - 1))
    return dict(mode=mode, pads=pads, dilation=(dh, dw), stride=stride,
                x_shape=(n, c, h, w), w_shape=(f, c, kh, kw), dtype=dtype, seed=seed)


@given(case=cases())
def test_conv2d_padding_modes_match_np_pad_reference(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.normal(size=case["x_shape"]).astype(case["dtype"])
    w = rng.normal(size=case["w_shape"]).astype(case["dtype"])
    b = rng.normal(size=case["w_shape"][0]).astype(case["dtype"])
    geo = dict(stride=case["stride"], dilation=case["dilation"])
    mode, pads = case["mode"], case["pads"]
    out = conv2d(x, w, b, padding=pads, padding_mode=mode, **geo)
    dout = rng.normal(size=out.shape).astype(case["dtype"])
    dx, dw, db = conv2d_backward(dout, x, w, padding=pads, padding_mode=mode, **geo)

    xp = np_pad(x.astype(np.float64), pads, mode)
    sums = conv2d_sums(xp, w, b, dout, padding=0, **geo)
    d = case["dtype"]
    ref, mag, n = sums["out"]
    assert_within(out, ref, bound(mag, n, d, np.float64), f"out ({mode})")
    for name, got in (("dw", dw), ("db", db)):
        ref, mag, n = sums[name]
        assert_within(got, ref, bound(mag, n, d, np.float64), f"{name} ({mode})")
    # dx: the padded input's gradient, folded back; a pixel copied k times sums k more terms.
    ref_p, mag_p, n_p = sums["dx"]
    copies = int(np.bincount(source_map(x.shape[2:], pads, mode).ravel() + 1)[1:].max())
    ref = np_pad_adjoint(ref_p, x.shape, pads, mode)
    mag = np_pad_adjoint(mag_p, x.shape, pads, mode)
    assert_within(dx, ref, bound(mag, n_p * copies + copies, d, np.float64), f"dx ({mode})")


@given(case=cases())
def test_pad2d_is_np_pad_and_its_backward_is_the_adjoint(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.normal(size=case["x_shape"])
    mode, pads = case["mode"], case["pads"]
    y = pad2d(x, pads, mode)
    np.testing.assert_array_equal(y, np_pad(x, pads, mode))  # a copy: exact
    g = rng.normal(size=y.shape)
    back = pad2d_backward(g, pads, mode)
    # Exactly the same sums in the same order? Not promised; within the bound of the fold's adds.
    copies = int(np.bincount(source_map(x.shape[2:], pads, mode).ravel() + 1)[1:].max())
    assert_within(back, np_pad_adjoint(g, x.shape, pads, mode),
                  bound(np_pad_adjoint(np.abs(g), x.shape, pads, mode), copies, np.float64, np.float64),
                  f"pad2d_backward ({mode})")
    # The adjoint identity <pad(x), g> = <x, pad_backward(g)>, within the rounding of two dot products.
    lhs, rhs = float(np.sum(y * g)), float(np.sum(x * back))
    scale = float(np.sum(np.abs(y * g)))
    assert abs(lhs - rhs) <= bound(scale, y.size * (copies + 1), np.float64, np.float64)


def test_circular_padding_by_hand():
    # A 3x3 input, 2x2 kernel of ones, circular padding on the bottom and right:
    # each output is the sum of a 2x2 block of the wrapped-around input.
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 2, 2))
    out = conv2d(x, w, padding=(0, 1, 0, 1), padding_mode="circular")
    np.testing.assert_array_equal(out[0, 0], [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 3 + 1 + 6 + 4],
                                             [4 + 5 + 7 + 8, 5 + 6 + 8 + 9, 6 + 4 + 9 + 7],
                                             [7 + 8 + 1 + 2, 8 + 9 + 2 + 3, 9 + 7 + 3 + 1]])
    # Every input pixel is read by exactly four of the nine windows: dx of ones is 4 everywhere.
    dx, dw, db = conv2d_backward(np.ones((1, 1, 3, 3)), x, w, padding=(0, 1, 0, 1), padding_mode="circular")
    np.testing.assert_array_equal(dx[0, 0], np.full((3, 3), 4.0))
    np.testing.assert_array_equal(dw[0, 0], np.full((2, 2), 45.0))  # each tap sees all nine pixels once
    assert db.tolist() == [9.0]


def test_reflect_and_replicate_by_hand():
    x = np.array([[[[1.0, 2.0, 3.0]]]])          # one row
    w = np.array([[[[1.0, 10.0, 100.0]]]])        # reads left, centre, right
    assert conv2d(x, w, padding=(0, 0, 1, 1), padding_mode="reflect")[0, 0].tolist() == [[2 + 10 + 200, 1 + 20 + 300, 2 + 30 + 200]]
    assert conv2d(x, w, padding=(0, 0, 1, 1), padding_mode="replicate")[0, 0].tolist() == [[1 + 10 + 200, 1 + 20 + 300, 2 + 30 + 300]]
    assert conv2d(x, w, padding=(0, 0, 1, 1))[0, 0].tolist() == [[0 + 10 + 200, 1 + 20 + 300, 2 + 30 + 0]]


@pytest.mark.parametrize("mode", MODES)
def test_gradient_check_each_mode(mode):
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(3, 2, 3, 3))
    geo = dict(padding=(1, 2, 2, 1), padding_mode=mode)
    dout = rng.normal(size=conv2d(x, w, **geo).shape)
    dx, dw, _ = conv2d_backward(dout, x, w, **geo)
    eps = 1e-6
    for arr, grad, what in ((x, dx, "dx"), (w, dw, "dw")):
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = np.sum(conv2d(x, w, **geo) * dout)
            arr[idx] = old - eps
            down = np.sum(conv2d(x, w, **geo) * dout)
            arr[idx] = old
            fd = (up - down) / (2 * eps)
            assert abs(fd - grad[idx]) <= 1e-6 * max(1.0, abs(fd)), f"{what}{idx} ({mode}): {fd} vs {grad[idx]}"


@pytest.mark.parametrize("mode", MODES)
def test_conv2d_layer_passes_padding_mode(mode):
    rng = np.random.default_rng(3)
    layer = Conv2d(2, 3, 3, padding=1, padding_mode=mode, rng=rng)
    x = rng.normal(size=(2, 2, 5, 5))
    y = layer.forward(x)
    np.testing.assert_array_equal(y, conv2d(x, layer.params["weight"], layer.params["bias"],
                                            padding=1, padding_mode=mode))
    dout = rng.normal(size=y.shape)
    dx = layer.backward(dout)
    want = conv2d_backward(dout, x, layer.params["weight"], padding=1, padding_mode=mode)
    np.testing.assert_array_equal(dx, want[0])
    np.testing.assert_array_equal(layer.grads["weight"], want[1])


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), padding=1, padding_mode="mirror"), "padding_mode"),
    (lambda: conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), padding=3, padding_mode="reflect"), "(1, 1, 3, 3)"),
    (lambda: conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), padding=4, padding_mode="circular"), "(1, 1, 3, 3)"),
    (lambda: pad2d(np.ones((3, 3)), 3, "reflect"), "(3, 3)"),
    (lambda: pad2d(np.ones((3, 3)), 1, "wrap"), "mode"),
    (lambda: Conv2d(1, 1, 3, padding_mode="same"), "padding_mode"),
    (lambda: Conv2d(1, 1, 3, method="taps", padding_mode="circular"), "taps"),
])
def test_bad_padding_mode_input_is_named(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert message in str(err.value)


def test_exported():
    assert {"pad2d", "pad2d_backward"} <= set(cnnlib.__all__)
