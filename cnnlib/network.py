"""Chapter 8's network and the pure functions that open it up.

:func:`small_cnn` builds the book's network, :func:`mlp` the fully connected
network it is compared with. :func:`layer_table` lists every layer's output
shape and parameter count, :func:`activations` the output of every layer for
one batch, :func:`digit_report` what the chapter's widget shows for one image
(feature maps and class probabilities), :func:`gradient_check` compares the
whole network's backward pass with central differences, and
:func:`max_pairwise_difference` measures how far a layer's filters are from
being all equal. Nothing here plots (that is :mod:`cnnlib.viz`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from ._checks import as_int
from .layers import Conv2d, Flatten, Layer, Linear, MaxPool2d, ReLU, Sequential, SoftmaxCrossEntropy


def small_cnn(seed=0, method: str = "im2col") -> Sequential:
    """The chapter's CNN: Conv(1→16, 3×3, pad 1)–ReLU–MaxPool(2)–Conv(16→32, 3×3, pad 1)–ReLU–MaxPool(2)–Flatten–Linear(128→10).

    For (N, 1, 8, 8) digits; returns (N, 10) logits. The weights come from one
    ``numpy.random.default_rng(seed)``, layer after layer (PyTorch's default
    initialisation, see :mod:`cnnlib.layers`). ``method="taps"`` makes both
    convolutions tap by tap (:func:`cnnlib.reference.conv2d_taps`): slower, but
    equal channels are rounded alike on every BLAS kernel (chapter 8's
    identical-filter experiment).

    Examples
    --------
    >>> import numpy as np
    >>> model = small_cnn(0)
    >>> model(np.zeros((2, 1, 8, 8), np.float32)).shape
    (2, 10)
    >>> sum(p.size for p in model.params.values())
    6090
    """
    rng = np.random.default_rng(seed)
    return Sequential(
        Conv2d(1, 16, 3, padding=1, rng=rng, method=method), ReLU(), MaxPool2d(2),
        Conv2d(16, 32, 3, padding=1, rng=rng, method=method), ReLU(), MaxPool2d(2),
        Flatten(), Linear(128, 10, rng=rng),
    )


def mlp(hidden: int, seed=0, n_in: int = 64, n_out: int = 10) -> Sequential:
    """Flatten–Linear(n_in→hidden)–ReLU–Linear(hidden→n_out): a fully connected network on flattened images.

    Examples
    --------
    >>> model = mlp(32)
    >>> sum(p.size for p in model.params.values())      # 64*32 + 32 + 32*10 + 10
    2410
    """
    hidden = as_int(hidden, "hidden", "mlp", 1)
    rng = np.random.default_rng(seed)
    return Sequential(Flatten(), Linear(n_in, hidden, rng=rng), ReLU(), Linear(hidden, n_out, rng=rng))


def n_params(model: Layer) -> int:
    """Number of learned numbers of a layer or network (the sizes of its ``params`` arrays).

    Examples
    --------
    >>> n_params(Linear(3, 2, rng=0))
    8
    """
    if not isinstance(model, Layer):
        raise TypeError(f"n_params: model must be a cnnlib layer or Sequential, got {type(model).__name__}")
    return int(sum(p.size for p in model.params.values()))


@dataclass
class LayerRow:
    """One row of :func:`layer_table`."""

    index: int
    layer: str
    out_shape: Tuple[int, ...]
    n_params: int


def layer_table(model: Sequential, input_shape) -> List[LayerRow]:
    """The output shape and parameter count of every layer, found by running one zero batch through ``model``.

    Parameters
    ----------
    model : Sequential
    input_shape : tuple of int
        The input's shape including the batch axis, e.g. (1, 1, 8, 8).

    Examples
    --------
    >>> rows = layer_table(small_cnn(0), (1, 1, 8, 8))
    >>> [(r.layer, r.out_shape, r.n_params) for r in rows[:3]]
    [('Conv2d', (1, 16, 8, 8), 160), ('ReLU', (1, 16, 8, 8), 0), ('MaxPool2d', (1, 16, 4, 4), 0)]
    >>> rows[-1].out_shape, rows[-1].n_params
    ((1, 10), 1290)
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"layer_table: model must be a cnnlib Sequential, got {type(model).__name__}")
    shape = tuple(as_int(s, "input_shape", "layer_table", 1) for s in input_shape)
    x = np.zeros(shape, np.float32)
    rows = []
    for i, layer in enumerate(model):
        x = layer(x)
        rows.append(LayerRow(i, type(layer).__name__, tuple(x.shape), n_params(layer)))
    return rows


def activations(model: Sequential, x) -> List[np.ndarray]:
    """The output of every layer of ``model`` for the batch ``x`` (the last one is the logits).

    Examples
    --------
    >>> import numpy as np
    >>> outs = activations(small_cnn(0), np.ones((1, 1, 8, 8), np.float32))
    >>> [a.shape for a in outs][:3], outs[-1].shape
    ([(1, 16, 8, 8), (1, 16, 8, 8), (1, 16, 4, 4)], (1, 10))
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"activations: model must be a cnnlib Sequential, got {type(model).__name__}")
    outs = []
    for layer in model:
        x = layer(x)
        outs.append(x)
    return outs


def softmax(logits) -> np.ndarray:
    """Row-wise softmax of (N, K) logits, computed after subtracting each row's maximum.

    Examples
    --------
    >>> softmax(np.array([[0.0, np.log(3.0)]])).round(4)
    array([[0.25, 0.75]])
    >>> softmax(np.array([[1000.0, 1000.0]]))          # no overflow
    array([[0.5, 0.5]])
    """
    z = np.asarray(logits, dtype=float)
    if z.ndim != 2:
        raise ValueError(f"softmax: logits must have shape (N, K), got shape {z.shape}")
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class DigitReport:
    """What the network does with one image (see :func:`digit_report`)."""

    image: np.ndarray                 # (H, W)
    stages: List[Tuple[str, np.ndarray]]   # (layer name, (C, h, w) maps) for every layer with a spatial output
    probabilities: np.ndarray         # (K,)
    predicted: int


def digit_report(model: Sequential, image) -> DigitReport:
    """Feature maps after each spatial layer and the class probabilities for one image: the data behind the widget.

    Parameters
    ----------
    model : Sequential
        Maps (1, 1, H, W) to (1, K) logits.
    image : array_like, shape (H, W) or (1, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> r = digit_report(small_cnn(0), np.zeros((8, 8)))
    >>> [(name, maps.shape) for name, maps in r.stages]
    [('0 Conv2d', (16, 8, 8)), ('1 ReLU', (16, 8, 8)), ('2 MaxPool2d', (16, 4, 4)), ('3 Conv2d', (32, 4, 4)), ('4 ReLU', (32, 4, 4)), ('5 MaxPool2d', (32, 2, 2))]
    >>> r.probabilities.shape, bool(np.isclose(r.probabilities.sum(), 1.0))
    ((10,), True)
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim == 3 and img.shape[0] == 1:
        img = img[0]
    if img.ndim != 2:
        raise ValueError(f"digit_report: image must have shape (H, W) or (1, H, W), got shape {np.shape(image)}")
    outs = activations(model, img[None, None])
    stages = [(f"{i} {type(layer).__name__}", out[0]) for i, (layer, out) in enumerate(zip(model, outs)) if out.ndim == 4]
    prob = softmax(outs[-1])[0]
    return DigitReport(img, stages, prob, int(prob.argmax()))


def gradient_check(model: Sequential, x, y, n_per_array: int = 12, eps: float = 1e-5, seed: int = 0,
                   check_input: bool = True) -> Dict[str, float]:
    """Compare backward's gradients with central differences of the loss, for every parameter array.

    The model must be in float64 (``model.to(np.float64)``). For every
    parameter array (and the input, if ``check_input``), ``n_per_array``
    entries drawn from ``seed`` are nudged by ``±eps`` and the difference
    quotient ``(L(p + eps) - L(p - eps)) / (2 eps)`` is compared with the
    analytic gradient. The error of an array is the largest
    ``|analytic - numerical|`` over its checked entries divided by the largest
    ``|analytic|`` of the whole array (so that entries whose gradient is
    almost 0 are not judged by their own, tiny, size).

    Why a tolerance of 1e-6 is right: the difference quotient errs by about
    eps**2 times the third derivative (truncation, ~1e-10) plus u * |L| / eps
    (rounding of the two losses, u ~ 1.1e-16 and |L| ~ 2: ~2e-11); the largest
    gradients are of order 1e-2..1, so a correct backward gives errors below
    ~1e-7, a wrong one errors of order 1. The loss is not differentiable where
    a max-pooling window has a tie or a ReLU input is exactly 0: nudging an
    input pixel of a blank background (many equal values) gives a one-sided
    quotient. Check the input gradient on inputs without such ties (e.g. with
    a little noise added).

    Returns
    -------
    dict of str to float
        One error per parameter (the model's ``params`` names) and ``"input"``.

    Examples
    --------
    >>> import numpy as np
    >>> model = small_cnn(0).to(np.float64)
    >>> x = np.random.default_rng(1).random((3, 1, 8, 8))
    >>> errors = gradient_check(model, x, np.array([0, 3, 7]))
    >>> list(errors)
    ['0.weight', '0.bias', '3.weight', '3.bias', '7.weight', '7.bias', 'input']
    >>> max(errors.values()) < 1e-6
    True
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"gradient_check: model must be a cnnlib Sequential, got {type(model).__name__}")
    for name, p in model.params.items():
        if p.dtype != np.float64:
            raise TypeError(f"gradient_check: parameter {name!r} is {p.dtype}; call model.to(np.float64) first")
    x = np.array(x, dtype=np.float64)
    loss = SoftmaxCrossEntropy()

    def value() -> float:
        return loss(model(x), y)

    value()
    dx = model.backward(loss.backward())
    grads = {k: g.copy() for k, g in model.grads.items()}
    rng = np.random.default_rng(seed)
    arrays = [(k, model.params[k], grads[k]) for k in model.params]
    if check_input:
        arrays.append(("input", x, dx))
    errors: Dict[str, float] = {}
    for name, p, g in arrays:
        flat_p, flat_g = p.reshape(-1), g.reshape(-1)
        scale = max(float(np.abs(flat_g).max()), 1e-300)
        worst = 0.0
        for j in rng.choice(flat_p.size, size=min(n_per_array, flat_p.size), replace=False):
            old = flat_p[j]
            flat_p[j] = old + eps
            up = value()
            flat_p[j] = old - eps
            down = value()
            flat_p[j] = old
            worst = max(worst, abs(flat_g[j] - (up - down) / (2 * eps)) / scale)
        errors[name] = float(worst)
    return errors


def max_pairwise_difference(weight) -> float:
    """``max |w[i] - w[j]|`` over all pairs of filters i, j and all their entries (0 when every filter is the same).

    Parameters
    ----------
    weight : array_like, shape (F, ...)
        One filter per row, e.g. a Conv2d weight (F, C, KH, KW).

    Examples
    --------
    >>> import numpy as np
    >>> max_pairwise_difference(np.array([[1.0, 2.0], [1.5, 0.0], [1.0, 2.0]]))
    2.0
    >>> max_pairwise_difference(np.ones((4, 1, 3, 3)))
    0.0
    """
    w = np.asarray(weight, dtype=float)
    if w.ndim < 2 or w.shape[0] < 2:
        raise ValueError(f"max_pairwise_difference: weight must have shape (F, ...) with F >= 2, got shape {w.shape}")
    flat = w.reshape(w.shape[0], -1)
    return float((flat.max(axis=0) - flat.min(axis=0)).max())


def make_first_filters_identical(model: Sequential, symmetric_next: bool = True, source: int = 0) -> Sequential:
    """Set every filter (and bias) of the first Conv2d to filter ``source``'s values, in place; returns ``model``.

    With ``symmetric_next`` the next Conv2d's weights are made the same for
    every input channel too (``w2[f, c] = w2[f, source]``), so that the layer
    above treats the identical channels alike and nothing can tell them apart.

    Examples
    --------
    >>> model = make_first_filters_identical(small_cnn(0))
    >>> max_pairwise_difference(model[0].params["weight"]), max_pairwise_difference(model[3].params["weight"].transpose(1, 0, 2, 3))
    (0.0, 0.0)
    """
    convs = [layer for layer in model if isinstance(layer, Conv2d)]
    if not convs:
        raise ValueError("make_first_filters_identical: model has no Conv2d layer")
    first = convs[0]
    source = as_int(source, "source", "make_first_filters_identical", 0)
    if source >= first.out_channels:
        raise ValueError(f"make_first_filters_identical: source={source} but the first Conv2d has "
                         f"{first.out_channels} filters")
    for name, p in first.params.items():
        p[...] = p[source]
    if symmetric_next and len(convs) > 1:
        w2 = convs[1].params["weight"]
        w2[...] = w2[:, source : source + 1]
    return model


def zero_init(model: Layer) -> Layer:
    """Set every parameter of ``model`` to 0, in place; returns ``model``.

    Examples
    --------
    >>> model = zero_init(small_cnn(0))
    >>> max(float(abs(p).max()) for p in model.params.values())
    0.0
    """
    for p in model.params.values():
        p[...] = 0
    return model


__all__ = ["small_cnn", "mlp", "n_params", "LayerRow", "layer_table", "activations", "softmax", "DigitReport",
           "digit_report", "gradient_check", "max_pairwise_difference", "make_first_filters_identical", "zero_init"]
