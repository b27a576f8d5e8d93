"""Chapter 5: parameter counts (with groups), the locally connected layer, connection
patterns, receptive fields and the AlexNet table.

Expected values are computed by hand in the comments, from weight arrays a
working layer actually uses, or by independent loops; never by the function
under test.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlib import conv2d, conv_params, dense_params, locally_connected_params, output_size
from cnnlib.alexnet import alexnet_layers
from cnnlib.params import layer_counts
from cnnlib.sharing import connections_1d, locally_connected2d, receptive_field_size, unshare_weights

try:
    from _reference import naive_conv2d, out_len, pad4
except ImportError:  # tests/ turned into a package
    from tests._reference import naive_conv2d, out_len, pad4


# ------------------------------------------------------------------ conv_params(groups=)
@pytest.mark.parametrize(
    "args, groups, expected",
    [
        ((3, 96, 11), 1, 96 * (3 * 11 * 11 + 1)),      # AlexNet conv1: 96 * 364 = 34,944
        ((96, 256, 5), 2, 256 * (48 * 5 * 5 + 1)),     # conv2: 256 * 1,201 = 307,456
        ((256, 384, 3), 1, 384 * (256 * 9 + 1)),       # conv3: 384 * 2,305 = 885,120
        ((384, 384, 3), 2, 384 * (192 * 9 + 1)),       # conv4: 384 * 1,729 = 663,936
        ((384, 256, 3), 2, 256 * (192 * 9 + 1)),       # conv5: 256 * 1,729 = 442,624
        ((32, 32, 3), 32, 32 * (1 * 9 + 1)),           # depthwise: one 3x3 filter per channel = 320
        ((6, 4, (3, 5)), 2, 4 * (3 * 15 + 1)),         # rectangular kernel, 2 groups = 184
    ],
)
def test_conv_params_by_hand(args, groups, expected):
    assert conv_params(*args, groups=groups) == expected


def test_hand_counts_are_the_numbers_the_chapter_states():
    assert conv_params(3, 96, 11) == 34944
    assert conv_params(96, 256, 5, groups=2) == 307456
    assert conv_params(256, 384, 3) == 885120
    assert conv_params(384, 384, 3, groups=2) == 663936
    assert conv_params(384, 256, 3, groups=2) == 442624
    assert conv_params(32, 32, 3, groups=32, bias=False) == 288


def grouped_conv(x, w, b, groups):
    """A grouped convolution written with plain loops over groups: group g's filters
    w[g*F/G:(g+1)*F/G] (each with C/G channels) see only x's channels g*C/G:(g+1)*C/G."""
    n, c, h, wd = x.shape
    f = w.shape[0]
    cg, fg = c // groups, f // groups
    assert w.shape[1] == cg
    outs = [naive_conv2d(x[:, g * cg:(g + 1) * cg], w[g * fg:(g + 1) * fg], b[g * fg:(g + 1) * fg])
            for g in range(groups)]
    return np.concatenate(outs, axis=1)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_conv_params_is_the_size_of_the_weights_a_grouped_layer_uses(g, cg, fg, k, seed):
    """The weights and bias a working grouped layer reads: their sizes add up to conv_params,
    and the same layer as an ungrouped convolution needs block-diagonal (zero-filled) weights."""
    rng = np.random.default_rng(seed)
    c, f = g * cg, g * fg
    x = rng.integers(-3, 4, size=(1, c, k + 2, k + 1)).astype(float)
    w = rng.integers(-3, 4, size=(f, cg, k, k)).astype(float)   # PyTorch's layout (F, C/G, KH, KW)
    b = rng.integers(-3, 4, size=f).astype(float)
    assert conv_params(c, f, k, groups=g) == w.size + b.size
    assert conv_params(c, f, k, groups=g, bias=False) == w.size
    full = np.zeros((f, c, k, k))
    for gi in range(g):
        full[gi * fg:(gi + 1) * fg, gi * cg:(gi + 1) * cg] = w[gi * fg:(gi + 1) * fg]
    np.testing.assert_array_equal(grouped_conv(x, w, b, g), conv2d(x, full, b))  # integers: exact
    # Ungrouped, the same layer would have g times as many weights.
    assert conv_params(c, f, k, bias=False) == full.size == g * w.size


@pytest.mark.parametrize(
    "fn, args, groups, words",
    [
        (conv_params, (3, 96, 11), 2, ["in_channels=3", "groups=2"]),
        (conv_params, (4, 6, 3), 4, ["out_channels=6", "groups=4"]),
        (conv_params, (4, 4, 3), 0, ["groups", ">= 1"]),
        (locally_connected_params, ((3, 8, 8), 4, 3), 2, ["in_channels=3", "groups=2"]),
        (layer_counts, ((4, 8, 8), 6, 3), 4, ["out_channels=6", "groups=4"]),
    ],
)
def test_groups_that_do_not_divide_are_refused(fn, args, groups, words):
    with pytest.raises(ValueError) as info:
        fn(*args, groups=groups)
    msg = str(info.value)
    assert msg.startswith(fn.__name__ + ":"), msg
    for word in words:
        assert word in msg, (word, msg)


@pytest.mark.parametrize("bad", [1.5, True, "2", None])
def test_groups_of_the_wrong_type_are_refused(bad):
    with pytest.raises(TypeError, match=r"conv_params: groups must be an integer"):
        conv_params(4, 4, 3, groups=bad)


def test_groups_is_keyword_only():
    with pytest.raises(TypeError):
        conv_params(4, 4, 3, True, 2)  # noqa: the fifth argument must be named


# ------------------------------------------------------------ the locally connected layer
@st.composite
def local_layers(draw):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(4))
    h = draw(st.integers(max(1, kh - pad[0] - pad[1]), 7))
    w = draw(st.integers(max(1, kw - pad[2] - pad[3]), 7))
    oh, ow = out_len(h, kh, pad[0], pad[1], sh, 1), out_len(w, kw, pad[2], pad[3], sw, 1)
    return dict(n=n, c=c, f=f, k=(kh, kw), s=(sh, sw), pad=pad, hw=(h, w), out=(oh, ow),
                seed=draw(st.integers(0, 2**31 - 1)))


def loop_locally_connected(x, w, b, stride, pad):
    """Independent oracle: one output neuron at a time, its own window and its own filter."""
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    f, oh, ow, c, kh, kw = w.shape
    out = np.zeros((x.shape[0], f, oh, ow))
    for n in range(x.shape[0]):
        for fi in range(f):
            for i in range(oh):
                for j in range(ow):
                    r, q = i * stride[0], j * stride[1]
                    out[n, fi, i, j] = np.sum(xp[n, :, r:r + kh, q:q + kw] * w[fi, i, j]) + b[fi, i, j]
    return out


@given(local_layers())
def test_locally_connected2d_matches_loops(p):
    rng = np.random.default_rng(p["seed"])
    x = rng.integers(-4, 5, size=(p["n"], p["c"], *p["hw"])).astype(float)
    w = rng.integers(-4, 5, size=(p["f"], *p["out"], p["c"], *p["k"])).astype(float)
    b = rng.integers(-4, 5, size=(p["f"], *p["out"])).astype(float)
    got = locally_connected2d(x, w, b, stride=p["s"], padding=p["pad"])
    np.testing.assert_array_equal(got, loop_locally_connected(x, w, b, p["s"], p["pad"]))  # integers: exact


@given(local_layers())
def test_equal_per_position_weights_compute_exactly_the_convolution(p):
    rng = np.random.default_rng(p["seed"])
    x = rng.integers(-4, 5, size=(p["n"], p["c"], *p["hw"])).astype(float)
    w = rng.integers(-4, 5, size=(p["f"], p["c"], *p["k"])).astype(float)
    b = rng.integers(-4, 5, size=p["f"]).astype(float)
    shared = conv2d(x, w, b, stride=p["s"], padding=p["pad"])
    w_local, b_local = unshare_weights(w, p["out"]), unshare_weights(b, p["out"])
    assert w_local.shape == (p["f"], *p["out"], p["c"], *p["k"])
    local = locally_connected2d(x, w_local, b_local, stride=p["s"], padding=p["pad"])
    # Small integers: every sum is exact in float64, whatever the order, so equality is exact.
    np.testing.assert_array_equal(local, shared)
    # The layer's weight arrays have exactly the sizes the counting functions give.
    in_shape = (p["c"], *p["hw"])
    assert w_local.size + b_local.size == locally_connected_params(in_shape, p["f"], p["k"], stride=p["s"],
                                                                   padding=p["pad"])
    assert w.size + b.size == conv_params(p["c"], p["f"], p["k"])


def test_equal_weights_on_random_floats_agree_to_rounding():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 12, 12))
    w = rng.normal(size=(4, 3, 5, 5))
    b = rng.normal(size=4)
    shared = conv2d(x, w, b, stride=2, padding=1)
    local = locally_connected2d(x, unshare_weights(w, shared.shape[2:]), unshare_weights(b, shared.shape[2:]),
                                stride=2, padding=1)
    # Each output sums 3*5*5 = 75 products and a bias: the two summation orders differ by
    # at most about 2 * 76 * u * (sum of |terms|), u = 2**-53.
    terms = np.abs(conv2d(np.pad(np.abs(x), 0), np.abs(w), np.abs(b), stride=2, padding=1))
    assert np.all(np.abs(local - shared) <= 2 * 76 * 2.0**-53 * terms)


def test_a_locally_connected_layer_is_not_translation_equivariant_in_general():
    # One neuron's own weights changed: only that neuron's output changes.
    x = np.arange(1, 10).reshape(1, 1, 3, 3)
    w = np.array([[[[1, 1], [0, 2]]]])
    wl = unshare_weights(w, (2, 2))
    wl[0, 1, 1] = 0
    np.testing.assert_array_equal(locally_connected2d(x, wl)[0, 0], [[13, 17], [25, 0]])


@pytest.mark.parametrize(
    "args, kwargs, exc, words",
    [
        ((np.ones((1, 2, 4, 4)), np.ones((1, 3, 3, 3, 2, 2))), {}, ValueError, ["channel", "(1, 2, 4, 4)"]),
        ((np.ones((1, 1, 4, 4)), np.ones((1, 2, 2, 1, 2, 2))), {}, ValueError, ["(2, 2)", "(3, 3)"]),
        ((np.ones((1, 1, 4, 4)), np.ones((1, 3, 3, 1, 2, 2)), np.ones((1, 3, 2))), {}, ValueError, ["b", "(1, 3, 3)", "(1, 3, 2)"]),
        ((np.ones((1, 1, 4, 4)), np.ones((1, 3, 3, 1, 2, 2))), {"stride": 0}, ValueError, ["stride"]),
        ((np.ones((1, 1, 4, 4)), np.ones((1, 3, 3, 1, 2)),), {}, ValueError, ["w", "6-D"]),
        ((np.ones((1, 1, 4, 4)), np.ones((1, 1, 1, 1, 5, 5))), {}, ValueError, ["w", "(5, 5)"]),
    ],
)
def test_locally_connected2d_refuses_bad_input(args, kwargs, exc, words):
    with pytest.raises(exc) as info:
        locally_connected2d(*args, **kwargs)
    msg = str(info.value)
    assert msg.startswith("locally_connected2d:"), msg
    for word in words:
        assert word in msg, (word, msg)


# -------------------------------------------------------------- 1-D connection patterns
@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 3), st.integers(0, 2))
def test_connections_1d_counts_match_the_parameter_counts(n, k, s, p):
    if k > n + 2 * p:
        return
    conv = connections_1d(n, k, "conv", stride=s, padding=p)
    local = connections_1d(n, k, "local", stride=s, padding=p)
    dense = connections_1d(n, k, "dense", stride=s, padding=p)
    n_out = out_len(n, k, p, p, s, 1)
    assert conv.shape == local.shape == dense.shape == (n_out, n)
    assert np.array_equal(conv >= 0, local >= 0)                 # the same sparse pattern
    assert (dense >= 0).all()                                    # every output sees every input
    # Distinct weights: conv <= k (all k taps once some window lies inside), local one per edge.
    assert len(np.unique(dense)) == n_out * n == dense_params(n, n_out, bias=False)
    assert len(np.unique(local[local >= 0])) == (local >= 0).sum()
    if p == 0:
        assert len(np.unique(conv[conv >= 0])) == k == conv_params(1, 1, (1, k), bias=False)
        assert (local >= 0).sum() == locally_connected_params((1, 1, n), 1, (1, k), stride=s, bias=False)
    # Output j sees inputs j*s - p ... j*s - p + k - 1 (those that exist), through taps 0..k-1.
    for j in range(n_out):
        for m in range(k):
            i = j * s - p + m
            if 0 <= i < n:
                assert conv[j, i] == m


@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3)), min_size=1, max_size=4))
def test_receptive_field_size_matches_composed_connections(layers):
    """Compose the layers' 0/1 connection matrices on an input long enough for every layer:
    the inputs one top unit depends on span the receptive field (with gaps only when a
    stride is larger than its kernel)."""
    ks, ss = [k for k, _ in layers], [s for _, s in layers]
    r = receptive_field_size(ks, ss)
    n = r + 3 * math.prod(ss)
    reach = np.eye(n, dtype=int)
    length = n
    for k, s in layers:
        m = (connections_1d(length, k, "conv", stride=s) >= 0).astype(int)
        reach = (m @ reach > 0).astype(int)
        length = m.shape[0]
    for row in reach:
        seen = np.flatnonzero(row)
        assert seen[-1] - seen[0] + 1 == r          # the window's width
        if all(k >= s for k, s in layers):          # windows that overlap or touch leave no gaps
            assert len(seen) == r


def test_receptive_field_by_hand():
    assert receptive_field_size([3]) == 3
    assert receptive_field_size([3, 3, 3]) == 7                   # three 3x3 convolutions see 7x7
    # AlexNet: conv1 (11, s4), pool1 (3, s2), conv2 (5), pool2 (3, s2), conv3-5 (3), pool5 (3, s2)
    # 1 + 10 + 2*4 + 4*8 + 2*8 + 2*16*3 + 2*16 = 195
    assert receptive_field_size([11, 3, 5, 3, 3, 3, 3, 3], [4, 2, 1, 2, 1, 1, 1, 2]) == 195


# ---------------------------------------------------------------------- layer_counts
def test_layer_counts_alexnet_conv1_by_hand():
    lc = layer_counts((3, 227, 227), 96, 11, stride=4)
    assert lc.out_shape == (96, 55, 55)                          # (227 - 11)/4 + 1 = 55
    assert lc.weights_per_filter == 363 and lc.n_outputs == 290400 and lc.n_inputs == 154587
    assert (lc.shared, lc.locally_connected, lc.fully_connected) == (34944, 105705600, 44892355200)
    assert lc.formulas() == {
        "OH": "OH = ⌊(227 + 2·0 − 11) / 4⌋ + 1 = 55",
        "OW": "OW = ⌊(227 + 2·0 − 11) / 4⌋ + 1 = 55",
        "weights_per_filter": "3 · 11 · 11 = 363",
        "n_inputs": "3 · 227 · 227 = 154,587",
        "n_outputs": "96 · 55 · 55 = 290,400",
        "shared": "96 × (363 + 1) = 34,944",
        "locally_connected": "290,400 × (363 + 1) = 105,705,600",
        "fully_connected": "290,400 × (154,587 + 1) = 44,892,355,200",
        "local_vs_shared": "3,025×",                             # 55 * 55
        "dense_vs_shared": "1,284,694×",                          # 44,892,355,200 / 34,944 = 1,284,694.4
    }


def test_layer_counts_grouped_and_padded():
    lc = layer_counts((96, 27, 27), 256, 5, padding=2, groups=2)  # AlexNet conv2
    f = lc.formulas()
    assert f["OH"] == "OH = ⌊(27 + 2·2 − 5) / 1⌋ + 1 = 27"
    assert f["weights_per_filter"] == "(96/2) · 5 · 5 = 1,200"
    assert lc.shared == 307456
    assert lc.locally_connected == 27 * 27 * 307456 == 224135424
    assert lc.fully_connected == 256 * 27 * 27 * (96 * 27 * 27 + 1) == 13060880640


def test_layer_counts_ratio_rounds_halves_up():
    # 2x2 input, 1x1 kernel, one filter: shared 2, locally connected 8, dense 4 * 5 = 20
    lc = layer_counts((1, 2, 2), 1, 1)
    assert (lc.shared, lc.locally_connected, lc.fully_connected) == (2, 8, 20)
    assert lc.formulas()["dense_vs_shared"] == "10×"
    # 1x3 input, 1x3 kernel padded (0, 0, 1, 1): 3 outputs; shared 4; dense 3 * 4 = 12 -> 3×
    lc = layer_counts((1, 1, 3), 1, (1, 3), padding=(0, 0, 1, 1))
    assert lc.formulas()["OW"] == "OW = ⌊(3 + 2·1 − 3) / 1⌋ + 1 = 3"
    assert lc.formulas()["dense_vs_shared"] == "3×"
    # 1x1 input, 2x2 kernel padded (1, 0, 1, 0): shared 5, dense 1 * 2 = 2 -> 0.4 -> 0×
    lc = layer_counts((1, 1, 1), 1, 2, padding=(1, 0, 1, 0))
    assert lc.formulas()["OH"] == "OH = ⌊(1 + 1 + 0 − 2) / 1⌋ + 1 = 1"
    assert lc.formulas()["dense_vs_shared"] == "0×"


def test_layer_counts_refuses_a_kernel_that_does_not_fit():
    with pytest.raises(ValueError, match=r"^layer_counts: kernel_size"):
        layer_counts((3, 4, 4), 2, 5)


# ----------------------------------------------------------------------------- AlexNet
def test_alexnet_shapes_follow_the_paper():
    layers = {l["name"]: l for l in alexnet_layers()}
    sizes = [layers[n]["out_shape"][1] for n in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5",
                                                 "pool5")]
    assert sizes == [55, 27, 27, 13, 13, 13, 13, 6]
    # Paper, section 3.5: 96 kernels 11x11x3; 256 of 5x5x48; 384 of 3x3x256; 384 of 3x3x192; 256 of 3x3x192.
    assert layers["conv1"]["weight_shape"] == (96, 3, 11, 11)
    assert layers["conv2"]["weight_shape"] == (256, 48, 5, 5)
    assert layers["conv3"]["weight_shape"] == (384, 256, 3, 3)
    assert layers["conv4"]["weight_shape"] == (384, 192, 3, 3)
    assert layers["conv5"]["weight_shape"] == (256, 192, 3, 3)
    assert layers["fc6"]["weight_shape"] == (4096, 6 * 6 * 256)
    assert layers["fc7"]["weight_shape"] == (4096, 4096)
    assert layers["fc8"]["weight_shape"] == (1000, 4096)
    # 224 does not give 55.
    assert output_size(224, 11, stride=4) == 54


def test_alexnet_counts_by_hand():
    layers = {l["name"]: l for l in alexnet_layers()}
    by_hand = {
        "conv1": 96 * 364, "conv2": 256 * 1201, "conv3": 384 * 2305, "conv4": 384 * 1729, "conv5": 256 * 1729,
        "fc6": 4096 * 9217, "fc7": 4096 * 4097, "fc8": 1000 * 4097,
        "pool1": 0, "pool2": 0, "pool5": 0,
    }
    assert {n: l["params"] for n, l in layers.items()} == by_hand
    total = sum(by_hand.values())
    assert total == 60965224                          # "60 million parameters" in the paper's abstract
    assert round(total / 1e6) == 61
    # The params column is the size of the weight arrays plus one bias per output.
    for l in layers.values():
        if l["weight_shape"]:
            assert l["params"] == math.prod(l["weight_shape"]) + l["weight_shape"][0]
    # Without sharing: positions * shared count; fully connected: outputs * (inputs + 1).
    for n in ("conv1", "conv2", "conv3", "conv4", "conv5"):
        l = layers[n]
        f, oh, ow = l["out_shape"]
        assert l["locally_connected"] == oh * ow * l["params"]
        assert l["fully_connected"] == f * oh * ow * (math.prod(l["in_shape"]) + 1)
    assert layers["conv1"]["fully_connected"] == 44892355200


# ------------------------------------------- the widget, the explorer and the figures
def test_counts_widget_shows_layer_counts_report():
    import html as html_lib

    from cnnlib.widgets import param_counts_widget

    w = param_counts_widget()
    sliders = {s.description: s for s in w.children[:-1]}
    out = w.children[-1]
    expected = layer_counts((3, 227, 227), 96, 11, stride=4).report()
    assert html_lib.escape(expected) in out.value
    sliders["input size H = W"].value = 224
    assert html_lib.escape(layer_counts((3, 224, 224), 96, 11, stride=4).report()) in out.value
    sliders["kernel size K"].value = 15
    sliders["input size H = W"].value = 10
    assert "No output: layer_counts: kernel_size" in out.value


def test_report_lines():
    r = layer_counts((3, 227, 227), 96, 11, stride=4).report().splitlines()
    assert r[2] == "output shape (F, OH, OW) = (96, 55, 55)"
    assert r[6] == "shared (conv):       96 × (363 + 1) = 34,944"
    assert r[7].endswith("= 105,705,600   (3,025× shared)")


def test_explorer_first_render_is_cnnlib_and_needs_no_network():
    from cnnlib.explorers import param_explorer

    ex = param_explorer(H=13, C=256, F=384, K=3, S=1, P=1)
    page = ex._repr_html_()
    lc = layer_counts((256, 13, 13), 384, 3, padding=1)
    for key, text in lc.formulas().items():
        if key != "OW":
            assert f'data-key="{key}">{text}<' in page.replace("&#x27;", "'"), key
    assert "http" not in page and "<script src" not in page
    assert ex._repr_html_() == page                         # the same HTML every run (stable id)
    with pytest.raises(ValueError, match="param_explorer: K"):
        param_explorer(K=0)


def test_depends_on_follows_the_connections():
    from cnnlib.viz import depends_on

    a = connections_1d(5, 3, "conv", padding=1)
    marked = depends_on([a, a], 2, 2)                       # g3 in two stacked layers
    assert marked[0].tolist() == [True] * 5 and marked[1].tolist() == [False, True, True, True, False]
    up = depends_on([a], 0, 0)                               # x1 affects s1 and s2
    assert up[1].tolist() == [True, True, False, False, False]


def test_figures_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cnnlib.viz import plot_network, plot_param_counts

    ax = plot_network([connections_1d(5, 3, "local", padding=1)], color_by_param=True)
    assert len(ax.lines) == (connections_1d(5, 3, "local", padding=1) >= 0).sum() == 13
    ax = plot_param_counts(alexnet_layers())
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights[-1] == 44892355200 and len(heights) == 5 * 3 + 3 + 1   # conv x3, fc x1, the total
    assert 60965224 in heights and ax.get_yscale() == "log"
    plt.close("all")
