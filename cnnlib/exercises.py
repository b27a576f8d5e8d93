"""Check functions for the chapters' exercises: compare the reader's code with cnnlib.

Each check runs the reader's function on a few cases, compares with the
library, prints one clear PASS or FAIL line (with the first difference), and
returns ``True`` or ``False``. A check never raises because of the reader's
code: an exception is reported as a failure.
"""

from __future__ import annotations

import numpy as np

from ._format import number
from .conv import conv2d, correlate2d, output_size
from .pooling import max_pool2d
from .params import conv_params, dense_params, locally_connected_params
from .receptive import receptive_fields


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


# (name, n, k, pad_before, pad_after, stride, dilation): each case tests one part of the formula.
_OUTPUT_SIZE_CASES = (
    ("stride 1, no padding: n - k + 1", 8, 2, 0, 0, 1, 1),
    ("padding 1 on each side", 5, 3, 1, 1, 1, 1),
    ("uneven padding (0 before, 1 after)", 5, 2, 0, 1, 1, 1),
    ("stride 2 that divides evenly", 8, 2, 0, 0, 2, 1),
    ("AlexNet conv1, 227 pixels", 227, 11, 0, 0, 4, 1),
    ("stride 2 that does not divide evenly (cs231n's 10, 3, 2)", 10, 3, 0, 0, 2, 1),
    ("stride 4 leaving 3/4 of a step (floor, not round)", 10, 3, 0, 0, 4, 1),
    ("AlexNet with 224 pixels", 224, 11, 0, 0, 4, 1),
    ("dilation 2", 7, 3, 0, 0, 1, 2),
    ("dilation, padding and stride together", 9, 3, 2, 1, 2, 3),
    ("a kernel exactly as large as the padded input", 3, 5, 1, 1, 1, 1),
)


def check_output_size(fn, verbose: bool = True) -> bool:
    """Compare ``fn(n, k, pad_before, pad_after, stride, dilation)`` with :func:`cnnlib.output_size`.

    The cases go from the simplest (``n - k + 1``) to dilation, uneven
    padding and strides that do not divide evenly, where rounding instead of
    flooring gives a wrong answer. The first case that fails is reported with
    the expected value.

    Examples
    --------
    >>> check_output_size(lambda n, k, pb, pa, s, d: (n + pb + pa - d * (k - 1) - 1) // s + 1)
    PASS: your function matches cnnlib.output_size on all 11 cases.
    True
    >>> check_output_size(lambda n, k, pb, pa, s, d: round((n + pb + pa - d * (k - 1) - 1) / s) + 1)
    FAIL on stride 2 that does not divide evenly (cs231n's 10, 3, 2): n=10, k=3, padding (0, 0), stride 2, dilation 1: expected 4, got 5.
    False
    """
    for n_case, (name, n, k, pb, pa, s, d) in enumerate(_OUTPUT_SIZE_CASES, start=1):
        expected = output_size(n, k, padding=(pb, pa), stride=s, dilation=d)
        where = f"n={n}, k={k}, padding ({pb}, {pa}), stride {s}, dilation {d}"
        try:
            got = fn(n, k, pb, pa, s, d)
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: {where}: your function raised {type(exc).__name__}: {exc}")
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            return _report(verbose, False, f"FAIL on {name}: {where}: expected the integer {expected}, "
                                           f"got {got!r} ({type(got).__name__}); an output size is a whole number")
        if got != expected:
            return _report(verbose, False, f"FAIL on {name}: {where}: expected {expected}, got {got}.")
    return _report(verbose, True, f"PASS: your function matches cnnlib.output_size on all {n_case} cases.")


def _cases_receptive_field():
    yield "one 3x3 layer", [(3, 1)]
    yield "three 3x3 layers", [(3, 1)] * 3
    yield "3x3 conv, 2x2 pooling, 3x3 conv", [(3, 1), (2, 2), (3, 1)]
    yield "a 7x7 stride-2 conv, then 3x3 stride-2 pooling", [(7, 2), (3, 2)]
    yield "AlexNet's eight windows", [(11, 4), (3, 2), (5, 1), (3, 2), (3, 1), (3, 1), (3, 1), (3, 2)]
    yield "a 1x1 layer", [(1, 1), (1, 3)]


def check_receptive_field(fn, verbose: bool = True) -> bool:
    """Compare ``fn(layers)`` with :func:`cnnlib.receptive.receptive_fields`.

    ``layers`` is a list of ``(kernel, stride)`` pairs; ``fn`` must return the
    list of receptive-field sizes after each layer.

    Examples
    --------
    >>> check_receptive_field(lambda layers: [r.size for r in receptive_fields(layers)])
    PASS: your function matches cnnlib.receptive_fields on all 6 stacks.
    True
    >>> check_receptive_field(lambda layers: [1 + sum(k - 1 for k, s in layers[:i + 1]) for i in range(len(layers))])
    FAIL on 3x3 conv, 2x2 pooling, 3x3 conv: expected [3, 4, 8], got [3, 4, 6].
    False
    """
    for n, (name, layers) in enumerate(_cases_receptive_field(), start=1):
        expected = [r.size for r in receptive_fields(layers)]
        try:
            got = fn([tuple(layer) for layer in layers])
            got = [int(v) for v in got]
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: your function raised {type(exc).__name__}: {exc}")
        if got != expected:
            return _report(verbose, False, f"FAIL on {name}: expected {expected}, got {got}.")
    return _report(verbose, True, f"PASS: your function matches cnnlib.receptive_fields on all {n} stacks.")

def _rounding_bound(x, k) -> np.ndarray:
    """Per output: how far two float64 sums of the window's products can differ."""
    k = np.asarray(k, dtype=float)
    nu = k.size * np.finfo(float).eps / 2
    magnitude = correlate2d(np.abs(np.asarray(x, dtype=float)), np.abs(k))
    return 2 * nu / (1 - nu) * magnitude * (1 + 2 * nu)   # the magnitude's own rounding, too


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


__all__ = ["check_correlate2d", "check_output_size", "check_receptive_field", "check_conv2d_im2col", "check_param_counts"]


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


__all__ += ["check_loss_gradient"]





__all__ += ["check_max_pool2d"]


# --- chapter 7 (issue 15): a circular convolution, tap by tap -------------------------------

def _cases_circular_conv():
    rng = np.random.default_rng(7)
    yield "a 5x6 integer image, a 3x3 kernel", rng.integers(-3, 4, (5, 6)), rng.integers(-2, 3, (3, 3))
    yield "an 8x8 random image, a 3x3 kernel", rng.normal(size=(8, 8)), rng.normal(size=(3, 3))
    yield "a 9x7 random image, a 5x5 kernel", rng.normal(size=(9, 7)), rng.normal(size=(5, 5))
    yield "a 6x10 random image, a 3x5 kernel", rng.normal(size=(6, 10)), rng.normal(size=(3, 5))


def _circular_bound(x, w) -> np.ndarray:
    """How far two float64 sums of the window's products can differ (circular windows)."""
    nu = np.asarray(w).size * np.finfo(float).eps / 2
    magnitude = conv2d(np.abs(np.asarray(x, float))[None, None], np.abs(np.asarray(w, float))[None, None],
                       padding=(w.shape[0] // 2, w.shape[1] // 2), padding_mode="circular")[0, 0]
    return 2 * nu / (1 - nu) * magnitude * (1 + 2 * nu)


def check_circular_conv(fn, verbose: bool = True) -> bool:
    """Check ``fn(x, w)``: a same-size cross-correlation with circular padding that is *exactly* equivariant.

    For a 2-D image ``x`` and a kernel ``w`` with odd sides, ``fn`` must agree
    with ``conv2d(x, w, padding=(kh // 2, kw // 2), padding_mode="circular")``
    up to rounding (the bound of the sums' orders), and
    ``fn(shift(x, s)) == shift(fn(x), s)`` must hold bit for bit for three
    circular shifts ``s``.

    Examples
    --------
    >>> def taps(x, w):
    ...     out = np.zeros(np.shape(x))
    ...     for i in range(w.shape[0]):
    ...         for j in range(w.shape[1]):
    ...             out += w[i, j] * np.roll(x, (w.shape[0] // 2 - i, w.shape[1] // 2 - j), axis=(0, 1))
    ...     return out
    >>> check_circular_conv(taps)
    PASS: your function matches cnnlib.conv2d (circular padding) and is exactly equivariant on all 4 cases.
    True
    >>> check_circular_conv(lambda x, w: conv2d(x[None, None], w[None, None], padding="same")[0, 0])
    FAIL on a 5x6 integer image, a 3x3 kernel: values differ from cnnlib.conv2d(..., padding_mode='circular') at (0, 0): expected 18, got 11.
    False
    """
    for n, (name, x, w) in enumerate(_cases_circular_conv(), start=1):
        x, w = np.asarray(x, float), np.asarray(w, float)
        p = (w.shape[0] // 2, w.shape[1] // 2)
        expected = conv2d(x[None, None], w[None, None], padding=p, padding_mode="circular")[0, 0]
        try:
            got = np.asarray(fn(x.copy(), w.copy()), dtype=float)
            moved = {s: np.asarray(fn(np.roll(x, s, axis=(0, 1)), w.copy()), dtype=float)
                     for s in [(0, 1), (2, -1), (-3, 4)]}
        except Exception as exc:  # the reader's code, any error
            return _report(verbose, False, f"FAIL on {name}: your function raised {type(exc).__name__}: {exc}")
        if got.shape != expected.shape:
            return _report(verbose, False, f"FAIL on {name}: expected shape {expected.shape} (same as x), got {got.shape}.")
        bad = np.abs(got - expected) > _circular_bound(x, w)
        if bad.any():
            i, j = (int(v) for v in np.argwhere(bad)[0])
            return _report(verbose, False, f"FAIL on {name}: values differ from cnnlib.conv2d(..., padding_mode='circular') "
                           f"at ({i}, {j}): expected {number(expected[i, j])}, got {number(got[i, j])}.")
        for s, m in moved.items():
            if m.shape != got.shape or not np.array_equal(m, np.roll(got, s, axis=(0, 1))):
                return _report(verbose, False, f"FAIL on {name}: f(shift(x, {s})) is not exactly shift(f(x), {s}); "
                               "compute every position by the same operations (tap by tap).")
    return _report(verbose, True, f"PASS: your function matches cnnlib.conv2d (circular padding) and is exactly "
                   f"equivariant on all {n} cases.")


__all__ += ["check_circular_conv"]
