"""Check functions for the chapters' exercises: compare the reader's code with cnnlib.

Each check runs the reader's function on a few cases, compares with the
library, prints one clear PASS or FAIL line (with the first difference), and
returns ``True`` or ``False``. A check never raises because of the reader's
code: an exception is reported as a failure.
"""

from __future__ import annotations

import numpy as np

from .conv import conv2d, correlate2d


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


def _cases_conv2d_im2col():
    rng = np.random.default_rng(4)
    yield "one image, one channel, one filter", np.arange(1, 10).reshape(1, 1, 3, 3), np.array([[[[1, 1], [0, 2]]]]), np.array([0.5])
    yield "2 images, 3 channels, 4 filters", rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
    # OW == FN: an (FN,) bias added to the 4-D map would broadcast along the width without an error.
    yield "OW equal to FN (3 and 3)", rng.normal(size=(2, 2, 4, 5)), rng.normal(size=(3, 2, 2, 3)), rng.normal(size=3)
    # N == FN and OH == OW: transpose(3, 0, 1, 2) instead of (0, 3, 1, 2) would keep the shape.
    yield "N = FN = 2, square maps", rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 3, 2, 2)), np.array([1.0, -1.0])
    yield "a 1x1 kernel", rng.normal(size=(3, 4, 3, 2)), rng.normal(size=(5, 4, 1, 1)), rng.normal(size=5)


def check_conv2d_im2col(fn, verbose: bool = True) -> bool:
    """Compare ``fn(x, w, b)`` with :func:`cnnlib.conv2d` (stride 1, no padding) on five cases.

    The cases include the traps of the chapter: a bias that must reach every
    position of its map, OW equal to FN, and N equal to FN.

    Examples
    --------
    >>> check_conv2d_im2col(lambda x, w, b: conv2d(x, w, b))
    PASS: your function matches cnnlib.conv2d on all 5 cases.
    True
    >>> check_conv2d_im2col(lambda x, w, b: conv2d(x, w))
    FAIL on one image, one channel, one filter: expected [[13.5, 17.5], [25.5, 29.5]] (image 0, map 0), got [[13, 17], [25, 29]].
    False
    """
    for n, (name, x, w, b) in enumerate(_cases_conv2d_im2col(), start=1):
        expected = conv2d(x, w, b)
        try:
            got = np.asarray(fn(np.array(x, dtype=float), np.array(w, dtype=float), np.array(b, dtype=float)), dtype=float)
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: your function raised {type(exc).__name__}: {exc}")
        if got.shape != expected.shape:
            return _report(verbose, False, f"FAIL on {name}: expected shape {expected.shape} (N, FN, OH, OW), got {got.shape}.")
        # Sums of at most C*FH*FW = 24 products of numbers below ~5 in magnitude: 1e-9 is far above rounding.
        bad = ~np.isclose(got, expected, rtol=1e-9, atol=1e-9)
        if bad.any():
            img, f = (int(v) for v in np.argwhere(bad)[0][:2])
            return _report(verbose, False, f"FAIL on {name}: expected {_show(expected[img, f])} (image {img}, map {f}), "
                           f"got {_show(got[img, f])}.")
    return _report(verbose, True, f"PASS: your function matches cnnlib.conv2d on all {n} cases.")


def _show(a: np.ndarray) -> str:
    if a.size > 9:
        return f"an array of shape {a.shape} (first row {np.round(a[0], 3).tolist()})"
    return str([[int(v) if float(v).is_integer() else round(float(v), 3) for v in row] for row in a]).replace("'", "")


def _report(verbose: bool, ok: bool, line: str) -> bool:
    if verbose:
        print(line)
    return ok


__all__ = ["check_correlate2d", "check_conv2d_im2col"]
