"""cnnlib.data and cnnlib.train: the digits, batches, fit/evaluate/predict, bad input, progress display.

The training test asserts a floor on the test accuracy, never an exact value:
the last digits of a trained network depend on the BLAS kernel's rounding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn.datasets
import sklearn.metrics

from cnnlib import train as train_module
from cnnlib.data import batches, load_digits
from cnnlib.layers import (AvgPool2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential,
                           SoftmaxCrossEntropy)
from cnnlib.optim import SGD, Adam
from cnnlib.train import History, confusion_matrix, evaluate, fit, predict, show_progress

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def book_cnn(seed=0):
    """The benchmark's network: Conv(1->16)-ReLU-Pool-Conv(16->32)-ReLU-Pool-Linear."""
    rng = np.random.default_rng(seed)
    return Sequential(
        Conv2d(1, 16, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1, rng=rng), ReLU(), MaxPool2d(2),
        Flatten(), Linear(32 * 2 * 2, 10, rng=rng),
    )


# --- data -------------------------------------------------------------------------------


def test_digits_shapes_values_and_a_stratified_disjoint_split(digits):
    train, test = digits
    assert train.x.shape == (1437, 1, 8, 8) and test.x.shape == (360, 1, 8, 8)
    assert train.x.dtype == np.float32 and train.y.dtype.kind == "i"
    sk = sklearn.datasets.load_digits()
    # together they are scikit-learn's 1,797 images, each exactly once, scaled by 1/16
    both = np.concatenate([train.x, test.x]).reshape(-1, 64) * 16
    key = lambda a: sorted(map(bytes, np.round(a).astype(np.uint8)))
    assert key(both) == key(sk.data)
    np.testing.assert_array_equal(np.bincount(np.concatenate([train.y, test.y])), np.bincount(sk.target))
    # stratified: each class's test count is its total times 0.2, within one image
    assert np.all(np.abs(np.bincount(test.y) - 0.2 * np.bincount(sk.target)) <= 1)
    again = load_digits()
    np.testing.assert_array_equal(again[1].x, test.x)


def test_batches_cover_every_example_once_in_a_seeded_order():
    x, y = np.arange(23)[:, None] * 1.0, np.arange(23)
    got = list(batches((x, y), 5, rng=3))
    assert [len(b.y) for b in got] == [5, 5, 5, 5, 3]
    order = np.concatenate([b.y for b in got])
    np.testing.assert_array_equal(order, np.random.default_rng(3).permutation(23))
    np.testing.assert_array_equal(np.concatenate([b.x[:, 0] for b in got]), order)
    assert [b.y.tolist() for b in batches((x, y), 5, rng=3)] == [b.y.tolist() for b in got]


# --- predict, evaluate, confusion matrix ------------------------------------------------------


def test_confusion_matrix_matches_scikit_learn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), sklearn.metrics.confusion_matrix(y_true, y_pred))
    np.testing.assert_array_equal(confusion_matrix([1, 1], [1, 0], n_classes=3), [[0, 0, 0], [1, 1, 0], [0, 0, 0]])


def test_evaluate_and_predict_agree_with_the_loss_batch_by_batch(digits):
    _, test = digits
    model, loss = book_cnn(), SoftmaxCrossEntropy()
    value, accuracy = evaluate(model, loss, test, batch_size=100)     # 4 batches, the last of 60
    whole = loss(model(test.x), test.y)
    assert value == pytest.approx(whole, rel=1e-5)
    assert accuracy == np.mean(predict(model, test.x, batch_size=7) == test.y)


# --- training ------------------------------------------------------------------------------


def test_training_reaches_the_floor_on_the_digits(digits):
    train, test = digits
    model = book_cnn(0)
    history = fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.05, momentum=0.9), train, test,
                  epochs=8, batch_size=32, seed=0)
    print("test accuracy per epoch:", [round(a, 3) for a in history.test_accuracy])
    assert len(history) == 8 and history.train_loss[-1] < history.train_loss[0]
    assert history.test_accuracy[-1] >= 0.95
    assert history.seconds == sorted(history.seconds)
    assert predict(model, test.x).shape == (360,)


def test_same_seed_same_history_twice(digits):
    train, test = digits
    small = (train.x[:256], train.y[:256])
    runs = []
    for _ in range(2):
        model = book_cnn(1)
        opt = Adam(model, lr=3e-3)
        runs.append((fit(model, SoftmaxCrossEntropy(), opt, small, test, epochs=2, batch_size=64, seed=7), model))
    (h1, m1), (h2, m2) = runs
    assert h1 == h2 and h1.test_accuracy == h2.test_accuracy and h1.train_loss == h2.train_loss
    for k in m1.params:
        np.testing.assert_array_equal(m1.params[k], m2.params[k])
    model = book_cnn(1)
    h3 = fit(model, SoftmaxCrossEntropy(), Adam(model, lr=3e-3), small, test, epochs=2, batch_size=64, seed=8)
    assert h3 != h1, "another batch order must change the history"


def test_fit_restores_the_blas_thread_setting():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
    x = np.zeros((4, 3), np.float32)
    model = Linear(3, 2, rng=0)
    fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.1), (x, np.array([0, 1, 0, 1])), (x, np.array([0, 1, 0, 1])),
        epochs=1, batch_size=2, seed=0)
    assert [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"] == before


# --- bad input: a named error before any work ---------------------------------------------------

X8 = np.zeros((4, 1, 8, 8), np.float32)
Y4 = np.array([0, 1, 2, 3])


def loss_after_forward():
    loss = SoftmaxCrossEntropy()
    loss(np.zeros((4, 10)), Y4)
    return loss


def bad(fn, exc, words, id):
    return pytest.param(fn, exc, words, id=id)


BAD = [
    bad(lambda: Conv2d(1, 4, 3, rng=0).forward(np.zeros((4, 3, 8, 8))), ValueError,
        ["Conv2d.forward", "x", "in_channels = 1", "(4, 3, 8, 8)"], "conv-wrong-channels"),
    bad(lambda: Conv2d(1, 4, 3, rng=0).forward(np.zeros((1, 8, 8))), ValueError,
        ["Conv2d.forward", "x", "(1, 8, 8)", "(N, C, H, W)"], "conv-3d-input"),
    bad(lambda: Conv2d(1, 4, 3, padding=-1), ValueError, ["Conv2d", "padding"], "conv-negative-padding"),
    bad(lambda: Conv2d(1, 4, 3, rng=1.5), TypeError, ["Conv2d", "rng"], "conv-float-rng"),
    bad(lambda: Conv2d(1, 4, 9, rng=0).forward(X8), ValueError, ["conv2d", "(4, 1, 8, 8)"], "conv-kernel-too-large"),
    bad(lambda: Linear(64, 10, rng=0).forward(X8), ValueError, ["Linear.forward", "x", "(4, 1, 8, 8)"], "linear-4d"),
    bad(lambda: Linear(64, 10, rng=0).forward(np.zeros((4, 63))), ValueError,
        ["Linear.forward", "in_features = 64", "(4, 63)"], "linear-wrong-features"),
    bad(lambda: MaxPool2d(2).forward(np.zeros((8, 8))), ValueError, ["MaxPool2d.forward", "x", "(8, 8)"], "pool-2d-input"),
    bad(lambda: AvgPool2d(0), ValueError, ["AvgPool2d", "kernel_size"], "pool-zero-kernel"),
    bad(lambda: Flatten().forward(np.zeros(3)), ValueError, ["Flatten.forward", "(3,)"], "flatten-1d"),
    bad(lambda: Sequential(ReLU(), "relu"), TypeError, ["Sequential", "argument 1", "str"], "sequential-not-a-layer"),
    bad(lambda: SoftmaxCrossEntropy()(np.zeros((4, 10)), np.array([0, 1, 2, 10])), ValueError,
        ["SoftmaxCrossEntropy", "labels", "[0, 9]", "10", "(4, 10)"], "labels-too-large"),
    bad(lambda: SoftmaxCrossEntropy()(np.zeros((4, 10)), np.array([0, -1, 2, 3])), ValueError,
        ["SoftmaxCrossEntropy", "labels", "-1"], "labels-negative"),
    bad(lambda: SoftmaxCrossEntropy()(np.zeros((4, 10)), Y4[:3]), ValueError,
        ["SoftmaxCrossEntropy", "batch sizes", "(3,)", "(4, 10)"], "labels-batch-mismatch"),
    bad(lambda: SoftmaxCrossEntropy()(np.zeros((4, 10)), Y4 * 1.0), TypeError,
        ["SoftmaxCrossEntropy", "labels", "float64", "(4,)"], "labels-float"),
    bad(lambda: SoftmaxCrossEntropy()(np.zeros((4, 10)), np.zeros((4, 10), int)), ValueError,
        ["SoftmaxCrossEntropy", "labels", "(4, 10)"], "labels-one-hot"),
    bad(lambda: SoftmaxCrossEntropy()(np.zeros((4, 10, 1)), Y4), ValueError,
        ["SoftmaxCrossEntropy", "(4, 10, 1)", "(N, K)"], "logits-3d"),
    bad(lambda: list(batches((X8, Y4[:3]), 2)), ValueError, ["batches", "batch sizes", "(3,)", "(4, 1, 8, 8)"], "batches-mismatch"),
    bad(lambda: batches((X8, Y4), 0), ValueError, ["batches", "batch_size"], "batches-zero"),
    bad(lambda: evaluate(Linear(64, 10, rng=0), SoftmaxCrossEntropy(), (X8, Y4[:2])), ValueError,
        ["evaluate", "batch sizes", "(2,)", "(4, 1, 8, 8)"], "evaluate-mismatch"),
    bad(lambda: confusion_matrix([0, 1, 2], [0, 1]), ValueError, ["confusion_matrix", "y_pred", "(2,)", "(3,)"], "confusion-mismatch"),
    bad(lambda: confusion_matrix([0, 1, 5], [0, 1, 2], n_classes=3), ValueError, ["confusion_matrix", "y_true", "5"], "confusion-out-of-range"),
    bad(lambda: load_digits(test_size=1.0), ValueError, ["load_digits", "test_size"], "digits-test-size"),
    bad(lambda: MaxPool2d(2, padding=5), ValueError, ["MaxPool2d", "padding", "at most half"], "pool-padding-at-construction"),
    bad(lambda: AvgPool2d(2, padding=-1), ValueError, ["AvgPool2d", "padding", "-1"], "avgpool-negative-padding"),
    bad(lambda: MaxPool2d(2, padding="same"), ValueError, ["MaxPool2d", "same", "stride"], "pool-same-needs-stride-1"),
    bad(lambda: loss_after_forward().backward(np.ones(4)), ValueError,
        ["SoftmaxCrossEntropy.backward", "dout", "shape ()", "(4,)"], "loss-backward-array-dout"),
    bad(lambda: loss_after_forward().backward("2"), TypeError, ["SoftmaxCrossEntropy.backward", "dout", "str"], "loss-backward-str-dout"),
    bad(lambda: loss_after_forward().backward(None), TypeError, ["SoftmaxCrossEntropy.backward", "dout", "object"], "loss-backward-none-dout"),
    bad(lambda: Conv2d(1, 4, 3, rng=-1), ValueError, ["Conv2d", "rng", "-1"], "conv-negative-seed"),
    bad(lambda: load_digits(dtype=np.uint8), TypeError, ["load_digits", "dtype", "uint8"], "digits-integer-dtype"),
    bad(lambda: load_digits(dtype="flaot32"), TypeError, ["load_digits", "dtype", "flaot32"], "digits-not-a-dtype"),
    bad(lambda: list(batches((X8, Y4), 2, rng=-1)), ValueError, ["batches", "rng", "-1"], "batches-negative-seed"),
    bad(lambda: list(batches((X8, Y4), 2, rng=1.5)), TypeError, ["batches", "rng", "1.5"], "batches-float-seed"),
    bad(lambda: predict(Sequential(Conv2d(1, 3, 3, rng=0)), X8), ValueError,
        ["predict", "(N, K)", "(1, 1, 8, 8)", "(1, 3, 6, 6)"], "predict-not-scores"),
    bad(lambda: predict(Linear(64, 10, rng=0), np.zeros((4, 1, 4, 4))), ValueError,
        ["predict", "x", "(4, 1, 4, 4)", "Linear.forward"], "predict-wrong-input"),
    bad(lambda: evaluate(Sequential(Flatten(), Linear(64, 5, rng=0)), SoftmaxCrossEntropy(), (X8, np.array([0, 1, 2, 7]))),
        ValueError, ["evaluate", "data[1] (y)", "K=5", "7"], "evaluate-label-beyond-outputs"),
]


@pytest.mark.parametrize("fn, exc, words", BAD)
def test_bad_input_is_refused_with_a_named_error(fn, exc, words):
    with pytest.raises(exc) as info:
        fn()
    message = str(info.value)
    for w in words:
        assert w in message, f"{w!r} missing from {message!r}"


def fit_args(**change):
    model = Sequential(Flatten(), Linear(64, 10, rng=0))
    args = dict(model=model, loss=SoftmaxCrossEntropy(), optimizer=SGD(model, lr=0.1), train=(X8, Y4), test=(X8, Y4),
                epochs=1, batch_size=2, seed=0)
    args.update(change)
    return args


@pytest.mark.parametrize("change, exc, words", [
    (dict(train=(X8, Y4[:3])), ValueError, ["fit", "train", "(3,)", "(4, 1, 8, 8)"]),
    (dict(test=(X8[:, :, :4], Y4)), ValueError, ["fit", "test", "(4, 1, 4, 8)"]),
    (dict(train=X8), TypeError, ["fit", "train", "pair"]),
    (dict(epochs=0), ValueError, ["fit", "epochs"]),
    (dict(batch_size=2.0), TypeError, ["fit", "batch_size"]),
    (dict(seed=None), TypeError, ["fit", "seed"]),
    (dict(optimizer="sgd"), TypeError, ["fit", "optimizer"]),
    (dict(loss=np.mean), TypeError, ["fit", "loss"]),
    (dict(train=(X8, np.array([0, 1, 2, 10]))), ValueError, ["fit", "train[1] (y)", "[0, 9]", "10", "K=10"]),
    (dict(test=(X8, np.array([0, 1, 2, -3]))), ValueError, ["fit", "test[1] (y)", "-3"]),
    (dict(seed=-1), ValueError, ["fit", "seed", "-1"]),
    (dict(train=(X8[:, :, :4, :4], Y4), test=(X8[:, :, :4, :4], Y4)), ValueError,
     ["fit", "train[0] (x)", "(4, 1, 4, 4)", "Linear.forward", "in_features = 64"]),
    (dict(optimizer=SGD(Linear(64, 10, rng=1), lr=0.1)), ValueError,
     ["fit", "optimizer was not built from this model", "SGD(model"]),
])
def test_bad_fit_arguments_change_nothing(change, exc, words):
    args = fit_args(**change)
    model = args["model"]
    before = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(exc) as info:
        fit(**args)
    for w in words:
        assert w in str(info.value)
    for k, v in model.params.items():
        np.testing.assert_array_equal(v, before[k])   # refused before any step


def test_a_refused_forward_keeps_the_previous_cache():
    conv = Conv2d(1, 2, 3, rng=0)
    out = conv(X8)
    with pytest.raises(ValueError):
        conv(np.zeros((4, 2, 8, 8)))
    assert conv.backward(np.ones_like(out)).shape == X8.shape


@pytest.mark.parametrize("layer, x", [(Conv2d(1, 2, 3, rng=0), X8), (ReLU(), X8), (MaxPool2d(2), X8), (Flatten(), X8),
                                      (Linear(64, 3, rng=0), X8.reshape(4, 64))])
def test_backward_checks_dout_and_order(layer, x):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones(3))
    out = layer(x)
    wrong = np.ones(out.shape[:-1] + (out.shape[-1] + 1,))
    with pytest.raises(ValueError, match=r"dout has shape .*forward pass returned shape"):
        layer.backward(wrong)


# --- progress display ------------------------------------------------------------------------


@pytest.mark.parametrize("environ, tty, expected", [
    ({}, False, False),
    ({}, True, True),
    ({"JPY_SESSION_NAME": "notebooks/08.ipynb"}, False, True),
    ({"JPY_SESSION_NAME": "notebooks/08.ipynb", "CI": "true"}, False, False),
    ({"CI": "1"}, True, False),
    ({"CI": "false"}, True, True),
    ({"PYTEST_CURRENT_TEST": "t"}, True, False),
    ({"CNNLIB_PROGRESS": "0", "JPY_SESSION_NAME": "x"}, True, False),
    ({"CNNLIB_PROGRESS": "1", "CI": "true"}, False, True),
])
def test_show_progress_rule(environ, tty, expected):
    class Stream:
        def isatty(self):
            return tty

    assert show_progress(None, environ=environ, stream=Stream()) is expected


def test_fit_prints_nothing_by_default_under_pytest_and_a_bar_when_asked(capsys):
    for progress in (None, True):
        fit(**fit_args(progress=progress, epochs=3))
        captured = capsys.readouterr()
        if progress is None:
            assert captured.out == "" and captured.err == ""
        else:
            assert "training" in captured.err and "3/3" in captured.err and captured.out == ""


NOTEBOOK_CELL = """
import numpy as np
from cnnlib.layers import Flatten, Linear, Sequential, SoftmaxCrossEntropy
from cnnlib.optim import SGD
from cnnlib.train import fit
x = np.zeros((4, 1, 2, 2), np.float32); y = np.array([0, 1, 0, 1])
model = Sequential(Flatten(), Linear(4, 2, rng=0))
_ = fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.1), (x, y), (x, y), epochs=2, batch_size=2, seed=0)
"""


def run_cells_in_a_kernel(cells):
    """Run code cells in one fresh IPython kernel, as nbval/nbclient do; return each cell's outputs."""
    code = (
        "import json, sys, nbformat; from nbclient import NotebookClient\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in json.loads(sys.argv[1])])\n"
        "NotebookClient(nb, timeout=120, kernel_name='python3').execute()\n"
        "print(json.dumps([c.outputs for c in nb.cells]))\n"
    )
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "PYTEST_CURRENT_TEST", "CNNLIB_PROGRESS", "JPY_SESSION_NAME")}
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(cells)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_kernel_run_by_a_program_shows_nothing_and_one_started_by_jupyterlab_shows_a_widget():
    outputs = run_cells_in_a_kernel([
        NOTEBOOK_CELL,
        # what JupyterLab's server puts in the environment of a kernel it starts
        "import os; os.environ['JPY_SESSION_NAME'] = 'notebooks/08_small_cnn.ipynb'",
        "_ = fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.1), (x, y), (x, y), epochs=2, batch_size=2, seed=0)",
    ])
    # nbval and nbclient start the kernel themselves, without JPY_SESSION_NAME: no progress output
    assert outputs[0] == []
    # in a kernel started by JupyterLab: tqdm's notebook widget
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs[2]), outputs[2]


def test_import_cnnlib_does_not_import_scikit_learn_or_tqdm():
    code = "import sys, cnnlib, cnnlib.layers, cnnlib.optim, cnnlib.data, cnnlib.train; " \
           "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'tqdm', 'scipy', 'matplotlib', 'threadpoolctl'}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_history_rows_and_equality_ignore_the_clock():
    a = History([1.0], [0.5], [0.9], [0.8], [1.0])
    b = History([1.0], [0.5], [0.9], [0.8], [2.0])
    assert a == b and a.rows()[0]["epoch"] == 1 and a.rows()[0]["seconds"] == 1.0


@pytest.mark.parametrize("module", ["cnnlib.layers", "cnnlib.optim", "cnnlib.data", "cnnlib.train"])
def test_every_public_name_has_a_numpydoc_docstring_with_an_example(module):
    import importlib

    mod = importlib.import_module(module)
    for name in mod.__all__:
        doc = getattr(mod, name).__doc__ or ""
        assert "Examples\n" in doc and ">>>" in doc, f"{module}.{name} has no Examples section with a runnable example"


def test_an_optimizer_of_another_model_is_refused_even_when_that_model_has_gradients():
    # The notebook trap: re-running `model = ...` but not `opt = SGD(model, ...)`.
    # The old optimiser then steps the old model (which has gradients), and
    # training would silently leave the new model as it was.
    old, new = (Sequential(Flatten(), Linear(64, 10, rng=s)) for s in (0, 1))
    loss = SoftmaxCrossEntropy()
    loss(old(X8), Y4)
    old.backward(loss.backward())
    before = {k: v.copy() for k, v in new.params.items()}
    with pytest.raises(ValueError, match="optimizer was not built from this model"):
        fit(new, loss, SGD(old, lr=0.1), (X8, Y4), (X8, Y4), epochs=1, batch_size=2, seed=0)
    for k, v in new.params.items():
        np.testing.assert_array_equal(v, before[k])
    # An optimiser of some of the model's layers (or of the same layers in another
    # Sequential) names the same arrays only when they are all the same.
    fc = Linear(64, 10, rng=0)
    fit(Sequential(Flatten(), fc), loss, SGD(Sequential(fc), lr=0.1), (X8, Y4), (X8, Y4), epochs=1, batch_size=2, seed=0)


def test_train_loss_is_the_mean_over_images_so_the_short_last_batch_weighs_less(digits):
    # 5 images in batches of 2: sizes 2, 2, 1. Replay fit's epoch by hand with a
    # twin model and optimiser, and compare with both ways of averaging.
    x, y = digits[0].x[:5], digits[0].y[:5]
    twins = [Sequential(Flatten(), Linear(64, 10, rng=3)) for _ in range(2)]
    loss = SoftmaxCrossEntropy()
    history = fit(twins[0], loss, SGD(twins[0], lr=0.5), (x, y), (x, y), epochs=1, batch_size=2, seed=0)
    opt = SGD(twins[1], lr=0.5)
    losses, sizes = [], []
    for xb, yb in batches((x, y), 2, rng=np.random.default_rng(0)):
        losses.append(loss(twins[1](xb), yb))
        sizes.append(len(yb))
        twins[1].backward(loss.backward())
        opt.step()
    assert sizes == [2, 2, 1]
    weighted = float(np.dot(losses, sizes) / 5)
    # float32 losses of order 1, summed over 5 terms: a few units of 2**-24 at most.
    assert history.train_loss[0] == pytest.approx(weighted, rel=1e-5)
    assert abs(weighted - float(np.mean(losses))) > 1e-3      # the two averages are told apart here


def test_loss_backward_scales_by_a_scalar_dout_of_any_numeric_type():
    loss = loss_after_forward()
    base = loss.backward()
    for dout in (2, 2.0, np.float32(2), np.array(2.0)):
        np.testing.assert_array_equal(loss.backward(dout), 2 * base)
