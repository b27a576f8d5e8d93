"""Check functions for the chapters' exercises: compare the reader's code with cnnlib.

Each check runs the reader's function on a few cases, compares with the
library, prints one clear PASS or FAIL line (with the first difference), and
returns ``True`` or ``False``. A check never raises because of the reader's
code: an exception is reported as a failure.
"""

from __future__ import annotations

import numpy as np

from .conv import correlate2d
from .params import conv_params, dense_params, locally_connected_params


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


def _cases_param_counts():
    # (name, in_shape (C, H, W), out_channels, kernel_size, stride, padding)
    yield "AlexNet conv1", (3, 227, 227), 96, 11, 4, 0
    yield "LeNet-5 C1", (1, 32, 32), 6, 5, 1, 0
    yield "AlexNet conv3 (padding 1)", (256, 13, 13), 384, 3, 1, 1
    yield "a 224 x 224 input (the size does not divide: floor)", (3, 224, 224), 96, 11, 4, 0
    yield "a 1x1 convolution", (64, 14, 14), 32, 1, 1, 0
    yield "a 7x7 input, 3x3 kernel, stride 2, padding 2", (2, 7, 7), 5, 3, 2, 2


def check_param_counts(fn, verbose: bool = True) -> bool:
    """Compare ``fn(in_shape, out_channels, kernel_size, stride, padding)`` with cnnlib's three counts.

    ``fn`` must return ``(shared, locally_connected, fully_connected)``, biases
    included, for a square kernel, stride and padding; the check compares with
    :func:`cnnlib.conv_params`, :func:`cnnlib.locally_connected_params` and
    :func:`cnnlib.dense_params` (every input value to every output neuron).

    Examples
    --------
    >>> from cnnlib.params import layer_counts
    >>> def right(in_shape, f, k, s, p):
    ...     lc = layer_counts(in_shape, f, k, stride=s, padding=p)
    ...     return lc.shared, lc.locally_connected, lc.fully_connected
    >>> check_param_counts(right)
    PASS: your counts match cnnlib on all 6 layers.
    True
    >>> check_param_counts(lambda in_shape, f, k, s, p: (f * in_shape[0] * k * k, 0, 0))
    FAIL on AlexNet conv1: shared: expected 34,944, got 34,848 (did you count the biases?).
    False
    """
    names = ("shared", "locally connected", "fully connected")
    for n, (name, in_shape, f, k, s, p) in enumerate(_cases_param_counts(), start=1):
        c, h, w = in_shape
        oh, ow = ((h + 2 * p - k) // s + 1), ((w + 2 * p - k) // s + 1)
        expected = (
            conv_params(c, f, k),
            locally_connected_params(in_shape, f, k, stride=s, padding=p),
            dense_params(c * h * w, f * oh * ow),
        )
        try:
            got = fn(in_shape, f, k, s, p)
            got = tuple(int(v) for v in got)
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: your function raised {type(exc).__name__}: {exc}")
        if len(got) != 3:
            return _report(verbose, False, f"FAIL on {name}: return three numbers, got {len(got)}.")
        for label, e, g in zip(names, expected, got):
            if e != g:
                hint = ""
                if label == "shared" and g == e - f:
                    hint = " (did you count the biases?)"
                elif label == "locally connected" and g == e // (oh * ow):
                    hint = " (every one of the OH * OW positions has its own filters)"
                return _report(verbose, False, f"FAIL on {name}: {label}: expected {e:,}, got {g:,}{hint}.")
    return _report(verbose, True, f"PASS: your counts match cnnlib on all {n} layers.")


def _show(a: np.ndarray) -> str:
    if a.size > 9:
        return f"an array of shape {a.shape} (first row {np.round(a[0], 3).tolist()})"
    return str([[int(v) if float(v).is_integer() else round(float(v), 3) for v in row] for row in a]).replace("'", "")


def _report(verbose: bool, ok: bool, line: str) -> bool:
    if verbose:
        print(line)
    return ok


__all__ = ["check_correlate2d", "check_param_counts"]
