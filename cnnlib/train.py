"""Training: a mini-batch loop with a per-epoch history, evaluation, prediction, confusion matrix.

:func:`fit` is the loop every PyTorch tutorial writes by hand::

    for epoch in range(epochs):
        for x, y in batches(train, batch_size, rng):    # a new shuffled order each epoch
            loss_value = loss(model(x), y)
            model.backward(loss.backward())              # every layer's grads, overwritten
            optimizer.step()                             # params updated in place

and after each epoch it measures the test accuracy and records one row of the
:class:`History`.

Progress: in JupyterLab (or Jupyter Notebook) :func:`fit` shows a tqdm progress
bar (a widget) with the latest loss and accuracies; in a terminal, a text bar.
It shows nothing when the notebook is run by a program (nbval, nbclient,
``scripts/execute_notebooks.py``), under CI, or under pytest. The rule is
:func:`show_progress`. tqdm is imported only when a bar is shown.

BLAS threads: while :func:`fit`, :func:`evaluate` and :func:`predict` run,
NumPy's BLAS uses ``BLAS_THREADS`` threads (1; through threadpoolctl, which
comes with scikit-learn), and the previous setting is restored afterwards. The
products of a small network on 8x8 images are a few microseconds each, too
small to share between threads, and on a busy machine OpenBLAS's second thread
waits for a core: one training epoch of the book's network took several
times longer with two threads than with one (``benchmarks/``, section
``train``, measures both). ``BLAS_THREADS = None`` leaves BLAS alone.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np

from ._checks import as_dataset, as_generator, as_int, as_labels
from .data import batches
from .layers import Conv2d, Sequential


BLAS_THREADS: Optional[int] = 1


def _blas_threads():
    """A context in which BLAS uses ``BLAS_THREADS`` threads (no change if None or threadpoolctl is missing)."""
    if BLAS_THREADS is None:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - it is installed with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(BLAS_THREADS, user_api="blas")


@dataclass
class History:
    """What :func:`fit` measured, one entry per epoch.

    Attributes
    ----------
    train_loss : list of float
        Mean loss over the epoch's training images, each batch's loss computed
        before that batch's step and weighted by its size (the last, smaller
        batch counts for fewer images), as in ``sum(loss * len(batch)) / N``.
    train_accuracy : list of float
        Fraction of the epoch's training images classified correctly by the
        model as it was when their batch came (before that batch's step), as
        the running accuracy of a PyTorch loop. ``evaluate(model, loss, train)``
        measures the model at the end of the epoch instead.
    test_loss, test_accuracy : list of float
        On the whole test set, after the epoch.
    seconds : list of float
        Wall-clock time from the start of :func:`fit` to the end of each epoch
        (including the test evaluation). Not compared by ``==``: two runs
        with the same seed have equal histories.

    Examples
    --------
    >>> h = History()
    >>> h.train_loss.append(0.5)
    >>> len(h), h == History(train_loss=[0.5])
    (1, True)
    """

    train_loss: List[float] = field(default_factory=list)
    train_accuracy: List[float] = field(default_factory=list)
    test_loss: List[float] = field(default_factory=list)
    test_accuracy: List[float] = field(default_factory=list)
    seconds: List[float] = field(default_factory=list, compare=False)

    def __len__(self) -> int:
        return len(self.train_loss)

    def rows(self) -> List[dict]:
        """One dict per epoch: ``epoch`` (from 1) and every measured value."""
        return [
            {"epoch": i + 1, "train_loss": self.train_loss[i], "train_accuracy": self.train_accuracy[i],
             "test_loss": self.test_loss[i], "test_accuracy": self.test_accuracy[i], "seconds": self.seconds[i]}
            for i in range(len(self))
        ]


def _truthy(value: Optional[str]) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no", "off")


def show_progress(progress: Optional[bool] = None, environ=None, stream=None) -> bool:
    """Whether :func:`fit` shows a progress bar.

    ``progress=True``/``False`` decides. With ``None`` (the default):

    1. the environment variable ``CNNLIB_PROGRESS`` decides if it is set
       (``1``: show, ``0``: do not);
    2. never under CI (``CI`` set, as CI services do) or pytest
       (``PYTEST_CURRENT_TEST``);
    3. in a Jupyter kernel, only if a Jupyter *server* started it: JupyterLab and
       Jupyter Notebook set ``JPY_SESSION_NAME`` in the kernel's environment;
       nbval, nbclient and ``jupyter nbconvert --execute`` do not, so a
       notebook executed by a program stores no progress output;
    4. otherwise (a script), only if ``stream`` (standard error) is a terminal.

    Parameters
    ----------
    progress : bool or None
    environ : mapping, optional
        Instead of ``os.environ`` (for tests).
    stream : file, optional
        Instead of ``sys.stderr``.

    Examples
    --------
    >>> show_progress(True), show_progress(False)
    (True, False)
    >>> show_progress(environ={"JPY_SESSION_NAME": "notebooks/08.ipynb"})
    True
    >>> show_progress(environ={"JPY_SESSION_NAME": "08.ipynb", "CI": "true"})
    False
    >>> import io
    >>> show_progress(environ={}, stream=io.StringIO())       # not a terminal
    False
    """
    if progress is not None:
        return bool(progress)
    env = os.environ if environ is None else environ
    if env.get("CNNLIB_PROGRESS") is not None and env.get("CNNLIB_PROGRESS").strip() != "":
        return _truthy(env.get("CNNLIB_PROGRESS"))
    if _truthy(env.get("CI")) or env.get("PYTEST_CURRENT_TEST"):
        return False
    if env.get("JPY_SESSION_NAME"):
        return True
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _check_model(model, where: str):
    from .layers import Layer

    if not isinstance(model, Layer):
        raise TypeError(f"{where}: model must be a cnnlib layer or Sequential, got {type(model).__name__}")


def _check_loss(loss, where: str):
    if not (callable(loss) and hasattr(loss, "backward")):
        raise TypeError(f"{where}: loss must be a loss object with backward (e.g. SoftmaxCrossEntropy()), "
                        f"got {type(loss).__name__}")


def _n_classes(model, x, name: str, where: str) -> int:
    """K, the number of scores ``model`` gives one input: run it on the first row of ``x``.

    Checked before any real work, so that a model that does not end in (N, K)
    scores, or that refuses the input, is reported with the user's names and
    shapes instead of from deep inside a layer.
    """
    try:
        out = model(x[:1])
    except (TypeError, ValueError) as err:
        raise type(err)(f"{where}: the model cannot take {name} of shape {x.shape} (tried its first row, "
                        f"shape {x[:1].shape}): {err}") from err
    if out.ndim != 2:
        raise ValueError(f"{where}: model must map (N, ...) to (N, K) scores, but it maps {name} rows of shape "
                         f"{x[:1].shape} to shape {out.shape}")
    return out.shape[1]


def _check_optimizer(optimizer, model, where: str):
    """The optimiser must update exactly the model's parameters (else training changes nothing, or another model)."""
    from .optim import Optimizer, _slots

    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{where}: optimizer must be a cnnlib.optim optimiser (SGD or Adam), got {type(optimizer).__name__}")
    mine = [(id(layer), name) for layer, name in _slots(model, where)]
    theirs = [(id(layer), name) for layer, name in optimizer._slots]
    if mine != theirs:
        shared = len(set(mine) & set(theirs))
        raise ValueError(f"{where}: optimizer was not built from this model: it updates {len(theirs)} parameter "
                         f"arrays, the model has {len(mine)}, and {shared} of them are the same. Build it again "
                         f"after making the model, e.g. SGD(model, lr=...), so that it steps the model's own "
                         f"parameters.")


def _logits(model, x, batch_size):
    """The model's outputs on every row of ``x``, batch by batch (bounded memory)."""
    return np.concatenate([model(x[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)])


def predict(model, x, batch_size: int = 256) -> np.ndarray:
    """Predicted classes: the index of the largest output of ``model`` for each input.

    Parameters
    ----------
    model : Layer or Sequential
        Maps (B, ...) inputs to (B, K) scores (logits).
    x : ndarray, shape (N, ...)
    batch_size : int
        How many inputs go through the model at once.

    Returns
    -------
    ndarray of int, shape (N,)

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlib.layers import Linear
    >>> fc = Linear(2, 3, rng=0)
    >>> fc.params["weight"][:] = [[1, 0], [0, 1], [-1, -1]]
    >>> fc.params["bias"][:] = 0
    >>> predict(fc, np.array([[2.0, 1.0], [0.0, 3.0], [-1.0, -1.0]]))
    array([0, 1, 2])
    """
    where = "predict"
    _check_model(model, where)
    x = np.asarray(x)
    if x.dtype.kind not in "biuf" or x.ndim < 1 or x.size == 0:
        raise TypeError(f"{where}: x must be a non-empty numeric array, got dtype {x.dtype} (shape {x.shape})")
    batch_size = as_int(batch_size, "batch_size", where, 1)
    with _blas_threads():
        _n_classes(model, x, "x", where)
        return _logits(model, x, batch_size).argmax(axis=1)


def evaluate(model, loss, data, batch_size: int = 256) -> Tuple[float, float]:
    """Mean loss and accuracy of ``model`` on a whole data set.

    Parameters
    ----------
    model : Layer or Sequential
    loss : SoftmaxCrossEntropy
    data : (x, y)
        ``x`` of shape (N, ...), integer labels ``y`` of shape (N,).
    batch_size : int

    Returns
    -------
    (loss, accuracy) : (float, float)
        The loss averaged over all N examples, and the fraction classified correctly.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlib.layers import Linear, SoftmaxCrossEntropy
    >>> fc = Linear(2, 2, rng=0)
    >>> fc.params["weight"][:] = [[1, 0], [0, 1]]
    >>> fc.params["bias"][:] = 0
    >>> x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], np.float32)
    >>> loss_value, accuracy = evaluate(fc, SoftmaxCrossEntropy(), (x, np.array([0, 1, 1])))
    >>> round(accuracy, 4)
    0.6667
    """
    where = "evaluate"
    _check_model(model, where)
    _check_loss(loss, where)
    x, y = as_dataset(data, "data", where)
    batch_size = as_int(batch_size, "batch_size", where, 1)
    with _blas_threads():
        k = _n_classes(model, x, "data[0] (x)", where)
        as_labels(y, where, n_classes=k, name="data[1] (y)", against=f"the model outputs K={k} scores")
        return _evaluate(model, loss, x, y, batch_size)


def _evaluate(model, loss, x, y, batch_size):
    total, correct = 0.0, 0
    for i in range(0, x.shape[0], batch_size):
        out = model(x[i : i + batch_size])
        yb = y[i : i + batch_size]
        total += loss(out, yb) * yb.shape[0]
        correct += int((out.argmax(axis=1) == yb).sum())
    return total / x.shape[0], correct / x.shape[0]


def fit(model, loss, optimizer, train, test, epochs: int, batch_size: int, seed, progress: Optional[bool] = None) -> History:
    """Train ``model`` with mini-batches for ``epochs`` passes over ``train``.

    Each epoch draws a new order of the training set from
    ``numpy.random.default_rng(seed)`` (see :func:`cnnlib.data.batches`), runs
    forward, loss, backward and ``optimizer.step()`` on every batch, then
    evaluates on ``test``. The same model initialisation, seed and data give
    the same history.

    Calling :func:`fit` again on the same model and optimiser goes on from the
    trained weights (and the optimiser's momentum), draws its batch orders
    afresh from ``seed``, and returns a history of its own epochs only; so two
    epochs and then one do not give the same weights as three in one call. A
    ``Generator`` passed as ``seed`` is consumed: pass an int to repeat a run.

    Parameters
    ----------
    model : Layer or Sequential
        Maps (B, ...) to (B, K) logits; the optimiser must have been built from it.
    loss : SoftmaxCrossEntropy
    optimizer : cnnlib.optim.SGD or cnnlib.optim.Adam
    train, test : (x, y)
        Images (N, ...) and integer labels (N,), e.g. from :func:`cnnlib.data.load_digits`.
    epochs, batch_size : int
    seed : int (>= 0) or numpy.random.Generator
        Source of the batch order.
    progress : bool or None
        Show a progress bar; ``None`` decides by :func:`show_progress`.

    Returns
    -------
    History
        One entry per epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlib.layers import Flatten, Linear, Sequential, SoftmaxCrossEntropy
    >>> from cnnlib.optim import SGD
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((64, 1, 2, 2)).astype(np.float32)
    >>> y = (x[:, 0, 0, 0] > 0).astype(int)          # class 1 where the first pixel is positive
    >>> model = Sequential(Flatten(), Linear(4, 2, rng=0))
    >>> history = fit(model, SoftmaxCrossEntropy(), SGD(model, lr=0.5), (x, y), (x, y),
    ...               epochs=20, batch_size=16, seed=0)
    >>> len(history), history.test_accuracy[-1] >= 0.9
    (20, True)
    """
    where = "fit"
    _check_model(model, where)
    _check_loss(loss, where)
    _check_optimizer(optimizer, model, where)
    train = as_dataset(train, "train", where)
    test = as_dataset(test, "test", where)
    if train[0].shape[1:] != test[0].shape[1:]:
        raise ValueError(f"{where}: train and test images differ in shape: train x.shape={train[0].shape}, "
                         f"test x.shape={test[0].shape}")
    epochs = as_int(epochs, "epochs", where, 1)
    batch_size = as_int(batch_size, "batch_size", where, 1)
    rng = as_generator(seed, "seed", where, allow_none=False)
    # The number of classes K is what the model outputs: one example tells, and every
    # label of both sets must be in [0, K) before the first step changes anything.
    with _blas_threads():
        k = _n_classes(model, train[0], "train[0] (x)", where)
    for name, (x, y) in (("train", train), ("test", test)):
        as_labels(y, where, n_classes=k, name=f"{name}[1] (y)", against=f"the model outputs K={k} scores")
    history = History()
    bar = None
    if show_progress(progress):
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch")
    start = time.perf_counter()
    # The first layer's input gradient is never used: a first Conv2d skips it
    # while training (a third of its backward pass), and is put back as it was.
    first = model.layers[0] if isinstance(model, Sequential) else model
    saved = getattr(first, "needs_input_grad", None)
    try:
        if isinstance(first, Conv2d):
            first.needs_input_grad = False
        with _blas_threads():
            _epochs(model, loss, optimizer, train, test, epochs, batch_size, rng, history, bar, start)
    finally:
        if isinstance(first, Conv2d):
            first.needs_input_grad = saved
        if bar is not None:
            bar.close()
    return history


def _epochs(model, loss, optimizer, train, test, epochs, batch_size, rng, history, bar, start):
    """The loop of :func:`fit` (arguments already checked)."""
    n = train[0].shape[0]
    for _ in range(epochs):
        total, correct = 0.0, 0
        for xb, yb in batches(train, batch_size, rng=rng):
            out = model(xb)
            total += loss(out, yb) * yb.shape[0]
            correct += int((out.argmax(axis=1) == yb).sum())
            model.backward(loss.backward())
            optimizer.step()
        test_loss, test_accuracy = _evaluate(model, loss, test[0], test[1], 256)
        history.train_loss.append(total / n)
        history.train_accuracy.append(correct / n)
        history.test_loss.append(test_loss)
        history.test_accuracy.append(test_accuracy)
        history.seconds.append(time.perf_counter() - start)
        if bar is not None:
            # refresh=False: the figures appear with the count they belong to (update redraws).
            bar.set_postfix(loss=f"{total / n:.3f}", train=f"{correct / n:.3f}", test=f"{test_accuracy:.3f}",
                            refresh=False)
            bar.update(1)


def confusion_matrix(y_true, y_pred, n_classes: Optional[int] = None) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    ``C[i, j]`` is the number of examples of class ``i`` predicted as ``j``
    (rows: truth, columns: prediction, as ``sklearn.metrics.confusion_matrix``).
    The diagonal holds the correct predictions.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
    n_classes : int, optional
        K; by default one more than the largest label seen.

    Returns
    -------
    ndarray of int, shape (K, K)

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0])
    array([[1, 1, 0],
           [0, 1, 0],
           [1, 0, 1]])
    """
    where = "confusion_matrix"
    y_true = as_labels(y_true, where, name="y_true")
    if n_classes is None:
        y_pred_arr = as_labels(y_pred, where, n=y_true.shape[0], name="y_pred", against=f"y_true.shape={y_true.shape}")
        k = int(max(y_true.max(), y_pred_arr.max())) + 1
        as_labels(y_true, where, n_classes=k, name="y_true")
        as_labels(y_pred_arr, where, n_classes=k, name="y_pred")
    else:
        k = as_int(n_classes, "n_classes", where, 1)
        y_true = as_labels(y_true, where, n_classes=k, name="y_true")
        y_pred_arr = as_labels(y_pred, where, n=y_true.shape[0], n_classes=k, name="y_pred",
                               against=f"y_true.shape={y_true.shape}")
    return np.bincount(y_true * k + y_pred_arr, minlength=k * k).reshape(k, k)


__all__ = ["History", "fit", "evaluate", "predict", "confusion_matrix", "show_progress"]
