"""Check functions for the chapters' exercises: compare the reader's code with cnnlib.

Each check runs the reader's function on a few cases, compares with the
library, prints one clear PASS or FAIL line (with the first difference), and
returns ``True`` or ``False``. A check never raises because of the reader's
code: an exception is reported as a failure.
"""

from __future__ import annotations

import numpy as np

from .conv import correlate2d


def _cases_correlate2d():
    rng = np.random.default_rng(2)
    yield "the worked example", np.arange(1, 10).reshape(3, 3), np.array([[1, 1], [0, 2]])
    yield "a 4x5 input, 2x3 kernel", rng.integers(-5, 6, (4, 5)), rng.integers(-3, 4, (2, 3))
    yield "a 1x1 kernel", rng.normal(size=(3, 4)), np.array([[2.5]])
    yield "kernel as large as the input", rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    yield "a 6x4 input, 3x2 kernel", rng.normal(size=(6, 4)), rng.normal(size=(3, 2))


def check_correlate2d(fn, verbose: bool = True) -> bool:
    """Compare ``fn(x, k)`` with :func:`cnnlib.correlate2d` ('valid', stride 1).

    Examples
    --------
    >>> check_correlate2d(lambda x, k: correlate2d(x, k))
    PASS: your function matches cnnlib.correlate2d on all 5 cases.
    True
    >>> check_correlate2d(lambda x, k: correlate2d(x, np.flip(k)))
    FAIL on the worked example: expected [[13, 17], [25, 29]], got [[11, 15], [23, 27]].
    False
    """
    for n, (name, x, k) in enumerate(_cases_correlate2d(), start=1):
        expected = correlate2d(x, k)
        try:
            got = np.asarray(fn(np.array(x), np.array(k)), dtype=float)
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: your function raised {type(exc).__name__}: {exc}")
        if got.shape != expected.shape:
            return _report(verbose, False, f"FAIL on {name}: expected shape {expected.shape}, got {got.shape}.")
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-9):
            return _report(verbose, False, f"FAIL on {name}: expected {_show(expected)}, got {_show(got)}.")
    return _report(verbose, True, f"PASS: your function matches cnnlib.correlate2d on all {n} cases.")


def _show(a: np.ndarray) -> str:
    if a.size > 9:
        return f"an array of shape {a.shape} (first row {np.round(a[0], 3).tolist()})"
    return str([[int(v) if float(v).is_integer() else round(float(v), 3) for v in row] for row in a]).replace("'", "")


def _report(verbose: bool, ok: bool, line: str) -> bool:
    if verbose:
        print(line)
    return ok


def _cases_loss_gradient():
    rng = np.random.default_rng(8)
    yield "the docstring example", np.array([[0.0, 0.0], [0.0, np.log(3.0)]]), np.array([0, 1])
    yield "one image, 10 classes", rng.normal(size=(1, 10)), np.array([7])
    yield "a batch of 32, 10 classes", rng.normal(size=(32, 10)) * 3, rng.integers(0, 10, 32)
    yield "large logits (softmax must not overflow)", 1000.0 + rng.normal(size=(4, 3)), np.array([2, 0, 1, 1])


def check_loss_gradient(fn, verbose: bool = True) -> bool:
    """Compare ``fn(logits, labels)`` with ``cnnlib.layers.SoftmaxCrossEntropy().backward()``.

    The expected gradient of the mean cross-entropy with respect to the
    logits is ``(softmax(logits) - onehot(labels)) / N``, shape (N, K).

    Examples
    --------
    >>> from cnnlib.layers import SoftmaxCrossEntropy
    >>> def reference(logits, labels):
    ...     loss = SoftmaxCrossEntropy()
    ...     loss(logits, labels)
    ...     return loss.backward()
    >>> check_loss_gradient(reference)
    PASS: your gradient matches SoftmaxCrossEntropy.backward on all 4 cases.
    True
    >>> check_loss_gradient(lambda logits, labels: reference(logits, labels) * len(labels))
    FAIL on the docstring example: expected [[-0.25, 0.25], [0.125, -0.125]], got [[-0.5, 0.5], [0.25, -0.25]].
    False
    """
    from .layers import SoftmaxCrossEntropy

    for n, (name, logits, labels) in enumerate(_cases_loss_gradient(), start=1):
        loss = SoftmaxCrossEntropy()
        loss(logits, labels)
        expected = loss.backward()
        try:
            got = np.asarray(fn(np.array(logits), np.array(labels)), dtype=float)
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: your function raised {type(exc).__name__}: {exc}")
        if got.shape != expected.shape:
            return _report(verbose, False, f"FAIL on {name}: expected shape {expected.shape}, got {got.shape}.")
        if not np.all(np.isfinite(got)):
            return _report(verbose, False, f"FAIL on {name}: your gradient has inf or nan (subtract each row's "
                           "maximum before exp).")
        # Each entry is a difference of numbers <= 1 divided by N: a few units of roundoff.
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12):
            return _report(verbose, False, f"FAIL on {name}: expected {_show(expected)}, got {_show(got)}.")
    return _report(verbose, True, f"PASS: your gradient matches SoftmaxCrossEntropy.backward on all {n} cases.")


__all__ = ["check_correlate2d", "check_loss_gradient"]
