"""Check functions for the chapters' exercises: compare the reader's code with cnnlib.

Each check runs the reader's function on a few cases, compares with the
library, prints one clear PASS or FAIL line (with the first difference), and
returns ``True`` or ``False``. A check never raises because of the reader's
code: an exception is reported as a failure.
"""

from __future__ import annotations

import numpy as np

from ._format import number
from .conv import correlate2d
from .pooling import max_pool2d


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


def _cases_max_pool():
    rng = np.random.default_rng(6)
    yield "the notes' example", np.array([[1, 2], [3, 4]]), 2
    yield "a 4x4 map, 2x2 windows", rng.integers(-5, 6, (4, 4)), 2
    yield "a 6x6 map, 3x3 windows", rng.normal(size=(6, 6)), 3
    yield "a 5x7 map (leftover row and columns dropped)", rng.normal(size=(5, 7)), 2
    yield "all values negative", -rng.uniform(1, 2, (4, 6)), 2


def check_max_pool2d(fn, verbose: bool = True) -> bool:
    """Compare ``fn(x, size)`` with :func:`cnnlib.max_pool2d` (window = stride = ``size``) on 2-D maps.

    Examples
    --------
    >>> check_max_pool2d(lambda x, s: max_pool2d(x[None, None], s)[0, 0])
    PASS: your function matches cnnlib.max_pool2d on all 5 cases.
    True
    >>> check_max_pool2d(lambda x, s: max_pool2d(x[None, None], s)[0, 0].T)
    FAIL on a 4x4 map, 2x2 windows: expected [[5, 2], [5, 3]], got [[5, 5], [2, 3]].
    False
    """
    for n, (name, x, size) in enumerate(_cases_max_pool(), start=1):
        expected = max_pool2d(np.asarray(x, float)[None, None], size)[0, 0]
        try:
            got = np.asarray(fn(np.array(x), size), dtype=float)
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: your function raised {type(exc).__name__}: {exc}")
        if got.shape != expected.shape:
            return _report(verbose, False, f"FAIL on {name}: expected shape {expected.shape}, got {got.shape}.")
        if not np.array_equal(got, expected):
            return _report(verbose, False, f"FAIL on {name}: expected {_show(expected)}, got {_show(got)}.")
    return _report(verbose, True, f"PASS: your function matches cnnlib.max_pool2d on all {n} cases.")


def _show(a: np.ndarray) -> str:
    if a.size > 9:
        return f"an array of shape {a.shape} (first row [{', '.join(number(v) for v in a[0])}])"
    return "[" + ", ".join("[" + ", ".join(number(v) for v in row) + "]" for row in a) + "]"


def _report(verbose: bool, ok: bool, line: str) -> bool:
    if verbose:
        print(line)
    return ok


__all__ = ["check_correlate2d", "check_max_pool2d"]
