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

    A correct answer may add the KH*KW products of a window in any order, so
    each output may differ from cnnlib's by the rounding of two such sums in
    float64: at most ``2 * gamma(KH*KW) * sum |x * k|`` over the window, with
    ``gamma(n) = n*u / (1 - n*u)`` and ``u = 2**-53``. Anything further off fails
    (the integer cases must match exactly).

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
        if not np.all(np.abs(got - expected) <= _rounding_bound(x, k)):
            return _report(verbose, False, f"FAIL on {name}: expected {_show(expected)}, got {_show(got)}.")
    return _report(verbose, True, f"PASS: your function matches cnnlib.correlate2d on all {n} cases.")


def _rounding_bound(x, k) -> np.ndarray:
    """Per output: how far two float64 sums of the window's products can differ."""
    k = np.asarray(k, dtype=float)
    nu = k.size * np.finfo(float).eps / 2
    magnitude = correlate2d(np.abs(np.asarray(x, dtype=float)), np.abs(k))
    return 2 * nu / (1 - nu) * magnitude * (1 + 2 * nu)   # the magnitude's own rounding, too


def _show(a: np.ndarray) -> str:
    if a.size > 9:
        return f"an array of shape {a.shape} (first row {np.round(a[0], 3).tolist()})"
    return str([[int(v) if float(v).is_integer() else round(float(v), 3) for v in row] for row in a]).replace("'", "")


def _report(verbose: bool, ok: bool, line: str) -> bool:
    if verbose:
        print(line)
    return ok


__all__ = ["check_correlate2d"]
