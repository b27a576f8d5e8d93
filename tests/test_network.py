"""Chapter 8's pure functions (cnnlib.network), its figures, its widget and its exercise check.

Oracles: hand-counted parameters, shapes from the output-size formula worked
by hand, scipy.special.softmax, layers chained by hand, a pair-by-pair loop for
the pairwise difference, and a deliberately broken backward for the gradient
check.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.special  # noqa: E402

import cnnlib.widgets  # noqa: E402
from cnnlib.exercises import check_loss_gradient  # noqa: E402
from cnnlib.layers import ReLU, SoftmaxCrossEntropy  # noqa: E402
from cnnlib.network import (activations, digit_report, gradient_check, layer_table,  # noqa: E402
                            make_first_filters_identical, max_pairwise_difference, mlp, n_params,
                            small_cnn, softmax, zero_init)
from cnnlib.optim import SGD  # noqa: E402
from cnnlib.train import fit  # noqa: E402
from cnnlib.viz import plot_confusion, plot_digit_report, plot_digits, plot_filters, plot_history  # noqa: E402

RNG = np.random.default_rng(8)
X = RNG.random((6, 1, 8, 8)).astype(np.float32)
Y = np.array([0, 1, 2, 3, 4, 5])


# --- the network ---------------------------------------------------------------------
def test_parameter_counts_by_hand():
    rows = layer_table(small_cnn(0), (1, 1, 8, 8))
    # conv1: 16 filters of 1*3*3 + 16 biases; conv2: 32 of 16*3*3 + 32; fc: 128*10 + 10
    assert [r.n_params for r in rows] == [16 * 9 + 16, 0, 0, 32 * 16 * 9 + 32, 0, 0, 0, 128 * 10 + 10]
    assert n_params(small_cnn(0)) == 160 + 4640 + 1290 == 6090
    assert n_params(mlp(32)) == 64 * 32 + 32 + 32 * 10 + 10 == 2410


def test_shapes_by_hand():
    # padding 1 with a 3x3 kernel keeps (8 + 2 - 3) + 1 = 8; each 2x2 pool halves
    rows = layer_table(small_cnn(0), (5, 1, 8, 8))
    assert [r.out_shape for r in rows] == [(5, 16, 8, 8), (5, 16, 8, 8), (5, 16, 4, 4), (5, 32, 4, 4),
                                           (5, 32, 4, 4), (5, 32, 2, 2), (5, 128), (5, 10)]
    assert [r.layer for r in rows] == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "ReLU", "MaxPool2d",
                                       "Flatten", "Linear"]


def test_same_seed_same_network_other_seed_other_network():
    a, b, c = small_cnn(0), small_cnn(0), small_cnn(1)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["0.weight"], c.params["0.weight"])


def test_activations_are_the_layers_chained_by_hand():
    model = small_cnn(3)
    outs = activations(model, X)
    h = X
    for layer, out in zip(model, outs):
        h = layer.forward(h)
        np.testing.assert_array_equal(out, h)
    np.testing.assert_array_equal(outs[-1], model(X))


def test_softmax_matches_scipy_and_does_not_overflow():
    z = RNG.normal(size=(7, 10)) * 5
    np.testing.assert_allclose(softmax(z), scipy.special.softmax(z, axis=1), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(softmax(z + 1000), scipy.special.softmax(z, axis=1), rtol=1e-12, atol=1e-16)


def test_digit_report_probabilities_and_maps():
    model = small_cnn(2)
    report = digit_report(model, X[3])
    logits = model(X[3:4])[0]
    np.testing.assert_allclose(report.probabilities, scipy.special.softmax(logits.astype(float)), rtol=1e-6)
    assert report.predicted == int(np.argmax(logits))
    assert [m.shape for _, m in report.stages] == [(16, 8, 8), (16, 8, 8), (16, 4, 4), (32, 4, 4), (32, 4, 4),
                                                   (32, 2, 2)]
    np.testing.assert_array_equal(report.stages[0][1], model[0](X[3:4])[0])
    assert report.image.shape == (8, 8)
    assert digit_report(model, X[3, 0]).predicted == report.predicted      # (H, W) works too


# --- gradient check ---------------------------------------------------------------------
def test_gradient_check_passes_a_correct_network():
    errors = gradient_check(small_cnn(0).to(np.float64), X.astype(np.float64), Y, n_per_array=8)
    assert set(errors) == {"0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "input"}
    assert max(errors.values()) < 1e-6


def test_gradient_check_catches_a_wrong_backward(monkeypatch):
    # A ReLU whose backward forgets its mask: every weight below it gets a wrong gradient.
    monkeypatch.setattr(ReLU, "backward", lambda self, dout: dout)
    errors = gradient_check(small_cnn(0).to(np.float64), X.astype(np.float64), Y, n_per_array=8)
    assert errors["0.weight"] > 1e-2 and errors["input"] > 1e-2
    assert errors["7.weight"] < 1e-6          # the layer above every ReLU is still right


def test_gradient_check_refuses_float32_and_non_sequential():
    with pytest.raises(TypeError, match="gradient_check: parameter '0.weight' is float32"):
        gradient_check(small_cnn(0), X, Y)
    with pytest.raises(TypeError, match="gradient_check: model must be"):
        gradient_check(ReLU(), X, Y)


# --- equal filters ------------------------------------------------------------------------
def pairwise_by_loop(w):
    return max(float(np.abs(a - b).max()) for a, b in itertools.combinations(w, 2))


def test_max_pairwise_difference_matches_a_loop_over_pairs():
    w = RNG.normal(size=(5, 2, 3, 3))
    assert max_pairwise_difference(w) == pairwise_by_loop(w)
    assert max_pairwise_difference(np.repeat(w[:1], 4, axis=0)) == 0.0
    with pytest.raises(ValueError, match="max_pairwise_difference: .*shape \\(3,\\)"):
        max_pairwise_difference(np.ones(3))


def _train(model, epochs=2):
    n = 64
    return fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.05, momentum=0.9), (X.repeat(11, 0)[:n],
               np.resize(Y, n)), (X, Y), epochs=epochs, batch_size=16, seed=0)


def test_equal_filters_with_a_symmetric_next_layer_stay_exactly_equal():
    # Tap by tap: the im2col path computes channels as columns (and rows) of one BLAS
    # product, where equal rows in different tiles may round differently (chapter 8).
    model = make_first_filters_identical(small_cnn(0, method="taps"))
    before = model[0].params["weight"].copy()
    _train(model)
    w = model[0].params["weight"]
    assert not np.array_equal(w, before)                       # they did learn
    assert pairwise_by_loop(w) == 0.0
    assert pairwise_by_loop(model[0].params["bias"][:, None]) == 0.0


def test_equal_first_filters_alone_drift_apart():
    model = make_first_filters_identical(small_cnn(0), symmetric_next=False)
    assert pairwise_by_loop(model[0].params["weight"]) == 0.0
    _train(model, epochs=1)
    assert pairwise_by_loop(model[0].params["weight"]) > 0.0


def test_zero_init_learns_only_the_last_bias():
    model = zero_init(small_cnn(0))
    _train(model)
    for name, p in model.params.items():
        if name == "7.bias":
            assert np.abs(p).max() > 0
        else:
            assert not p.any(), name


def test_make_first_filters_identical_checks_source():
    with pytest.raises(ValueError, match="source=16 but the first Conv2d has 16 filters"):
        make_first_filters_identical(small_cnn(0), source=16)


# --- figures and widget ------------------------------------------------------------------
def test_figures_have_their_panels():
    from cnnlib.train import History

    h = History([1.0, 0.5], [0.5, 0.8], [0.9, 0.4], [0.6, 0.9], [1.0, 2.0])
    assert len(plot_history(h).axes) == 2
    fig = plot_confusion(np.eye(3, dtype=int) * 5)
    assert len(fig.axes) == 1 and len(fig.axes[0].texts) == 3
    assert sum(len(ax.images) > 0 for ax in plot_digits(X[:5], list("abcde"), ncols=3).axes) == 5
    fig = plot_filters([np.ones((4, 1, 3, 3)), -np.ones((4, 1, 3, 3))], ["a", "b"])
    assert len(fig.axes) == 8
    fig = plot_digit_report(digit_report(small_cnn(0), X[0]), max_maps=4)
    # a label and a strip of maps per layer (6 layers), the input, the bar chart
    assert len(fig.axes) == 6 * 2 + 1 + 1
    strip = fig.axes[0].images[0].get_array()
    assert strip.shape == (8, 4 * 8 + 3)         # 4 maps of 8x8 with 3 one-pixel gaps
    plt.close("all")


@pytest.mark.filterwarnings("ignore::UserWarning")  # plt.show() on the Agg backend
def test_digit_explorer_redraws_the_chosen_digit(monkeypatch):
    import ipywidgets

    drawn = []

    def fake_plot(report):
        drawn.append(report)
        return plt.figure()

    monkeypatch.setattr(cnnlib.widgets, "plot_digit_report", fake_plot)
    model = small_cnn(0)
    box = cnnlib.widgets.digit_explorer(model, X, Y)
    assert isinstance(box, ipywidgets.VBox)
    slider = box.children[0]
    assert (slider.min, slider.max) == (0, len(X) - 1)
    np.testing.assert_array_equal(drawn[-1].image, X[0, 0])
    slider.value = 4
    np.testing.assert_array_equal(drawn[-1].image, X[4, 0])
    assert drawn[-1].predicted == digit_report(model, X[4]).predicted
    with pytest.raises(ValueError, match="digit_explorer"):
        cnnlib.widgets.digit_explorer(model, X, Y[:3])
    plt.close("all")


# --- the exercise check -----------------------------------------------------------------
def by_hand(logits, labels):
    """(softmax - onehot) / N, written without cnnlib."""
    logits = np.asarray(logits, float)
    p = scipy.special.softmax(logits, axis=1)
    p[np.arange(len(labels)), labels] -= 1
    return p / len(labels)


def test_check_loss_gradient_passes_the_hand_formula(capsys):
    assert check_loss_gradient(by_hand) is True
    assert capsys.readouterr().out.startswith("PASS")


@pytest.mark.parametrize("wrong", [
    lambda z, y: by_hand(z, y) * len(y),                               # forgot / N
    lambda z, y: scipy.special.softmax(np.asarray(z, float), axis=1),  # forgot the labels
    lambda z, y: 1 / 0,                                               # raises
])
def test_check_loss_gradient_fails_wrong_answers(wrong, capsys):
    assert check_loss_gradient(wrong) is False
    assert capsys.readouterr().out.startswith("FAIL")


def test_check_loss_gradient_names_an_overflow(capsys):
    def naive(z, y):
        z = np.asarray(z, float)
        with np.errstate(over="ignore", invalid="ignore"):
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        return p / len(y)

    assert check_loss_gradient(naive) is False
    assert "inf or nan" in capsys.readouterr().out
