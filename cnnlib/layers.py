"""Layers (층) of a small CNN, each with ``forward`` and ``backward``, in the spirit of ``torch.nn``.

A layer is a small object. ``forward(x)`` computes the output and keeps (caches)
what ``backward`` will need; ``backward(dout)`` takes the gradient of the loss
with respect to that output, stores the gradients with respect to the layer's
parameters in ``grads`` and returns the gradient with respect to the input.
Each layer's docstring says what it caches.

``params`` and ``grads`` are dicts keyed ``"weight"`` and ``"bias"`` holding
arrays in PyTorch's shapes (:class:`Conv2d` weight ``(F, C, KH, KW)``,
:class:`Linear` weight ``(out, in)``), so weights can be copied to and from
``torch.nn`` one to one. ``backward`` *overwrites* ``grads`` (nothing
accumulates, so there is no ``zero_grad``); an optimiser (:mod:`cnnlib.optim`)
reads them at each step and updates ``params`` in place.

Initialisation is PyTorch's default for ``nn.Conv2d`` and ``nn.Linear``:
weights from ``kaiming_uniform_(a=sqrt(5))``, which is the uniform distribution
on ``[-1/sqrt(fan_in), 1/sqrt(fan_in)]``, and biases from the same interval
(``fan_in = C*KH*KW`` for a convolution, ``in_features`` for a linear layer),
drawn from the NumPy ``Generator`` given as ``rng`` (or an int seed), weights
first, then biases. Parameters are float32 (single precision, for speed);
``layer.to(np.float64)`` converts them, e.g. for a gradient check.

The loss, :class:`SoftmaxCrossEntropy`, is PyTorch's ``nn.CrossEntropyLoss``:
softmax and negative log-likelihood in one numerically stable step, mean over
the batch, labels as integers.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterator, List, Tuple

import numpy as np

from ._checks import as_generator, as_padding_mode, as_gradient, as_int, as_labels, as_layer_input, as_pair, geometry
from . import _checks, reference
from .conv import conv2d, conv2d_backward
from .im2col import empty_batch_last, is_batch_last
from .pooling import avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .pooling import blur2d, blur2d_backward, max_blur_pool2d, max_blur_pool2d_backward  # issue 15

DEFAULT_DTYPE = np.float32


def _uniform(rng: np.random.Generator, bound: float, shape: Tuple[int, ...]) -> np.ndarray:
    """U(-bound, bound) in float64, then rounded to float32 (the default dtype)."""
    return rng.uniform(-bound, bound, size=shape).astype(DEFAULT_DTYPE)


class Layer:
    """Base class: no parameters, ``forward``/``backward`` to be defined by subclasses.

    Attributes
    ----------
    params, grads : dict of str to ndarray
        Empty for layers without parameters.

    Notes
    -----
    A layer remembers its *last* forward pass only, and ``backward`` uses it:
    call ``backward`` for the batch that went forward last. Some layers
    (``Conv2d``, ``Linear``, ``MaxPool2d``) keep the input array itself, not a
    copy, as the training loop needs nothing more: changing that array in place
    between ``forward`` and ``backward`` (``x += 1``) changes the gradients,
    without an error. (PyTorch detects such a change and raises.)

    Examples
    --------
    >>> relu = ReLU()
    >>> relu.params, relu.grads
    ({}, {})
    """

    def __init__(self) -> None:
        self.params: Dict[str, np.ndarray] = {}
        self.grads: Dict[str, np.ndarray] = {}
        self._cache: Any = None

    def forward(self, x):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def to(self, dtype) -> "Layer":
        """Convert the parameters to ``dtype`` (e.g. ``np.float64``) in place of the old arrays; returns ``self``."""
        for name, p in self.params.items():
            self.params[name] = p.astype(dtype)
        self.grads = {}
        return self

    def _cached(self, where: str):
        if self._cache is None:
            raise RuntimeError(f"{where}: backward called before forward (nothing cached)")
        return self._cache

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._args()})"

    def _args(self) -> str:
        return ""


class Conv2d(Layer):
    """2-D convolution layer, like ``torch.nn.Conv2d`` (cross-correlation, no kernel flip).

    Parameters
    ----------
    in_channels, out_channels : int
        C and F.
    kernel_size : int or (int, int)
        (KH, KW).
    stride, padding, dilation : int or (int, int)
        As in :func:`cnnlib.conv2d`; ``padding`` is zeros on each side
        (``'same'`` and ``'valid'`` work too).
    bias : bool
        Whether to add one learned bias per filter.
    rng : numpy.random.Generator, int or None
        Source of the initial weights (PyTorch's default initialisation,
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = C*KH*KW, for weights
        and bias alike).

    Attributes
    ----------
    params : {"weight": (F, C, KH, KW), "bias": (F,)}
    grads : the same keys and shapes, after ``backward``.

    needs_input_grad : bool
        True (the default): ``backward`` returns dx. False: it returns None
        and skips dx's product and col2im (like PyTorch, which computes no
        gradient for an input that does not require one). Set it on a
        network's first layer, whose dx nobody uses; :func:`cnnlib.train.fit`
        does that for a first ``Conv2d`` while it trains.

    Notes
    -----
    ``forward(x)`` maps (N, C, H, W) to (N, F, OH, OW) and caches ``x``;
    ``backward(dout)`` calls :func:`cnnlib.conv2d_backward` with it.

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2d(1, 16, 3, padding=1, rng=0)
    >>> conv.params["weight"].shape, conv.params["bias"].shape, conv.params["weight"].dtype
    ((16, 1, 3, 3), (16,), dtype('float32'))
    >>> bool(np.abs(conv.params["weight"]).max() <= 1 / 3)     # 1/sqrt(fan_in), fan_in = 9
    True
    >>> y = conv(np.ones((2, 1, 8, 8), np.float32))
    >>> y.shape
    (2, 16, 8, 8)
    >>> conv.backward(np.ones_like(y)).shape, conv.grads["weight"].shape
    ((2, 1, 8, 8), (16, 1, 3, 3))
    >>> conv.needs_input_grad = False
    >>> conv.backward(np.ones_like(y)) is None, conv.grads["weight"].shape
    (True, (16, 1, 3, 3))
    """

    needs_input_grad = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True, rng=None,
                 method="im2col", padding_mode="zeros"):
        super().__init__()
        where = "Conv2d"
        self.method = _checks.as_choice(method, "method", where, ("im2col", "taps"))
        self.padding_mode = as_padding_mode(padding_mode, where)
        if self.method == "taps" and self.padding_mode != "zeros":
            _checks.incompatible_options(where, "method='taps'", "padding_mode='zeros'", self.padding_mode)
        self.in_channels = as_int(in_channels, "in_channels", where, 1)
        self.out_channels = as_int(out_channels, "out_channels", where, 1)
        self.kernel_size = as_pair(kernel_size, "kernel_size", where, 1)
        # Check stride, padding and dilation now (on an input just large enough), not at the first forward.
        kh, kw = self.kernel_size
        geometry((kh * 64, kw * 64), self.kernel_size, stride, padding, dilation, where, "x", "kernel_size")
        self.stride, self.padding, self.dilation = stride, padding, dilation
        gen = as_generator(rng, "rng", where)
        fan_in = self.in_channels * kh * kw
        bound = 1.0 / math.sqrt(fan_in)
        self.params["weight"] = _uniform(gen, bound, (self.out_channels, self.in_channels, kh, kw))
        if bias:
            self.params["bias"] = _uniform(gen, bound, (self.out_channels,))

    def forward(self, x):
        where = "Conv2d.forward"
        x = as_layer_input(x, where, 4, "(N, C, H, W)", axis=1, size=self.in_channels,
                           what=f"C = in_channels = {self.in_channels}")
        if self.method == "im2col":
            out = conv2d(x, self.params["weight"], self.params.get("bias"), stride=self.stride,
                         padding=self.padding, dilation=self.dilation, padding_mode=self.padding_mode)
        else:  # tap by tap (zero padding only)
            out = reference.conv2d_taps(x, self.params["weight"], self.params.get("bias"),
                                        stride=self.stride, padding=self.padding, dilation=self.dilation)
        self._cache = (x, out.shape)
        return out

    def backward(self, dout):
        where = "Conv2d.backward"
        x, out_shape = self._cached(where)
        dout = as_gradient(dout, out_shape, where)
        if self.method == "im2col":
            dx, dw, db = conv2d_backward(dout, x, self.params["weight"], stride=self.stride, padding=self.padding,
                                         dilation=self.dilation, padding_mode=self.padding_mode,
                                         need_dx=self.needs_input_grad)
        else:  # tap by tap: position-independent rounding (cnnlib.reference.conv2d_taps)
            dx, dw, db = reference.conv2d_taps_backward(dout, x, self.params["weight"], stride=self.stride,
                                                        padding=self.padding, dilation=self.dilation)
            dx = dx if self.needs_input_grad else None
        self.grads = {"weight": dw}
        if "bias" in self.params:
            self.grads["bias"] = db
        return dx

    def _args(self) -> str:
        extra = "".join(f", {k}={v}" for k, v, d in (("stride", self.stride, 1), ("padding", self.padding, 0),
                                                      ("dilation", self.dilation, 1)) if v != d)
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}{extra}" + (
            "" if "bias" in self.params else ", bias=False")


class Linear(Layer):
    """Fully connected layer, like ``torch.nn.Linear``: ``y = x @ weight.T + bias``.

    Parameters
    ----------
    in_features, out_features : int
    bias : bool
    rng : numpy.random.Generator, int or None
        PyTorch's default initialisation: U(-1/sqrt(in_features),
        1/sqrt(in_features)) for weight and bias.

    Attributes
    ----------
    params : {"weight": (out_features, in_features), "bias": (out_features,)}
    grads : the same keys and shapes, after ``backward``.

    Notes
    -----
    ``forward(x)`` maps (N, in_features) to (N, out_features) and caches ``x``.
    ``backward(dout)``: ``grads["weight"] = dout.T @ x``,
    ``grads["bias"] = dout.sum(0)``, returns ``dout @ weight``.

    Examples
    --------
    >>> import numpy as np
    >>> fc = Linear(3, 2, rng=0)
    >>> fc.params["weight"].shape
    (2, 3)
    >>> fc.params["weight"][:] = [[1, 0, 0], [0, 1, 1]]
    >>> fc.params["bias"][:] = [0, 10]
    >>> fc(np.array([[1.0, 2.0, 3.0]], np.float32))
    array([[ 1., 15.]], dtype=float32)
    >>> fc.backward(np.array([[1.0, 1.0]], np.float32))
    array([[1., 1., 1.]], dtype=float32)
    >>> fc.grads["weight"]
    array([[1., 2., 3.],
           [1., 2., 3.]], dtype=float32)
    """

    def __init__(self, in_features, out_features, bias=True, rng=None):
        super().__init__()
        where = "Linear"
        self.in_features = as_int(in_features, "in_features", where, 1)
        self.out_features = as_int(out_features, "out_features", where, 1)
        gen = as_generator(rng, "rng", where)
        bound = 1.0 / math.sqrt(self.in_features)
        self.params["weight"] = _uniform(gen, bound, (self.out_features, self.in_features))
        if bias:
            self.params["bias"] = _uniform(gen, bound, (self.out_features,))

    def forward(self, x):
        x = as_layer_input(x, "Linear.forward", 2, "(N, in_features)", axis=1, size=self.in_features,
                           what=f"in_features = {self.in_features}")
        w = self.params["weight"]
        dtype = np.result_type(x, w)
        out = x.astype(dtype, copy=False) @ w.T.astype(dtype, copy=False)
        if "bias" in self.params:
            out += self.params["bias"]
        self._cache = x
        return out

    def backward(self, dout):
        where = "Linear.backward"
        x = self._cached(where)
        dout = as_gradient(dout, (x.shape[0], self.out_features), where)
        w = self.params["weight"]
        dtype = np.result_type(x, w, dout)
        dout = dout.astype(dtype, copy=False)
        self.grads = {"weight": dout.T @ x.astype(dtype, copy=False)}
        if "bias" in self.params:
            self.grads["bias"] = dout.sum(axis=0)
        return dout @ w.astype(dtype, copy=False)

    def _args(self) -> str:
        return f"{self.in_features}, {self.out_features}" + ("" if "bias" in self.params else ", bias=False")


class ReLU(Layer):
    """Rectified linear unit, ``max(x, 0)``, element by element (any shape).

    Caches the mask ``x > 0``; ``backward`` passes ``dout`` where it is True
    and 0 elsewhere (the derivative at exactly 0 is taken as 0, as in PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> relu = ReLU()
    >>> relu(np.array([[-1.0, 0.0, 2.0]]))
    array([[0., 0., 2.]])
    >>> relu.backward(np.array([[5.0, 5.0, 5.0]]))
    array([[0., 0., 5.]])
    """

    def forward(self, x):
        x = np.asarray(x)
        if x.dtype.kind not in "biuf":
            raise TypeError(f"ReLU.forward: x must be a real numeric array, got dtype {x.dtype} (shape {x.shape})")
        if x.dtype.kind in "biu":
            x = x.astype(np.float64)
        self._cache = mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        mask = self._cached("ReLU.backward")
        dout = as_gradient(dout, mask.shape, "ReLU.backward")
        return dout * mask


class _Pool(Layer):
    _fn = staticmethod(max_pool2d)
    _bwd = staticmethod(max_pool2d_backward)
    _name = "MaxPool2d"

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = as_pair(kernel_size, "kernel_size", self._name, 1)
        step = self.kernel_size if stride is None else as_pair(stride, "stride", self._name, 1)
        # Checked now, as Conv2d does, rather than at the first forward pass.
        _checks.check_pool_padding(_checks.as_padding(padding, self.kernel_size, step, (1, 1), self._name),
                                   self.kernel_size, self._name)
        self.stride, self.padding = stride, padding

    def forward(self, x):
        where = f"{self._name}.forward"
        x = as_layer_input(x, where, 4, "(N, C, H, W)")
        out = self._fn(x, self.kernel_size, stride=self.stride, padding=self.padding)
        self._cache = (x, out.shape)
        return out

    def backward(self, dout):
        where = f"{self._name}.backward"
        x, out_shape = self._cached(where)
        dout = as_gradient(dout, out_shape, where)
        return self._bwd(dout, x, self.kernel_size, stride=self.stride, padding=self.padding)

    def _args(self) -> str:
        return f"kernel_size={self.kernel_size}" + ("" if self.stride is None else f", stride={self.stride}") + (
            "" if self.padding == 0 else f", padding={self.padding}")


class MaxPool2d(_Pool):
    """Max pooling layer, like ``torch.nn.MaxPool2d``: (N, C, H, W) -> (N, C, OH, OW).

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``.
    padding : int or (int, int)
        At most half the window on each side (padded cells never win).

    Notes
    -----
    Caches ``x``; ``backward`` routes each window's gradient to its maximum
    (the first one in reading order on ties) with
    :func:`cnnlib.max_pool2d_backward`.

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxPool2d(2)
    >>> pool(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    array([[[[4.]]]])
    >>> pool.backward(np.array([[[[1.0]]]]))
    array([[[[0., 0.],
             [0., 1.]]]])
    """

    _fn = staticmethod(max_pool2d)
    _bwd = staticmethod(max_pool2d_backward)
    _name = "MaxPool2d"


class AvgPool2d(_Pool):
    """Average pooling layer, like ``torch.nn.AvgPool2d``: (N, C, H, W) -> (N, C, OH, OW).

    Parameters are as for :class:`MaxPool2d`; padded zeros count in the mean.
    Caches ``x``; ``backward`` shares each window's gradient equally among
    its cells (:func:`cnnlib.avg_pool2d_backward`).

    Examples
    --------
    >>> import numpy as np
    >>> pool = AvgPool2d(2)
    >>> pool(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    array([[[[2.5]]]])
    >>> pool.backward(np.array([[[[1.0]]]]))
    array([[[[0.25, 0.25],
             [0.25, 0.25]]]])
    """

    _fn = staticmethod(avg_pool2d)
    _bwd = staticmethod(avg_pool2d_backward)
    _name = "AvgPool2d"


class Flatten(Layer):
    """(N, d1, d2, ...) -> (N, d1*d2*...), like ``torch.nn.Flatten()``.

    Caches the input's shape; ``backward`` reshapes ``dout`` back to it. It
    also notes whether the input was batch-last in memory
    (:func:`cnnlib.im2col.is_batch_last`, conv2d's layout for small maps) and
    then hands the gradient back in that order, so that the layer before gets
    it laid out like its own output (measured on chapter 8's network: 75.7 vs
    72.6 ms per epoch without and with).

    Examples
    --------
    >>> import numpy as np
    >>> flat = Flatten()
    >>> flat(np.zeros((2, 32, 2, 2))).shape
    (2, 128)
    >>> flat.backward(np.zeros((2, 128))).shape
    (2, 32, 2, 2)
    """

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"Flatten.forward: x must have a batch axis and at least one more, got shape {x.shape}")
        self._cache = x.shape
        self._batch_last = is_batch_last(x)
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        shape = self._cached("Flatten.backward")
        dout = as_gradient(dout, (shape[0], math.prod(shape[1:])), "Flatten.backward")
        if not self._batch_last:
            return dout.reshape(shape)
        dx = empty_batch_last(shape, dout.dtype)
        dx[...] = dout.reshape(shape)
        return dx


class Sequential(Layer):
    """Layers applied one after the other, like ``torch.nn.Sequential``.

    ``forward`` runs the layers in order, ``backward`` in reverse order, each
    layer caching its own input.

    Parameters
    ----------
    *layers : Layer

    Attributes
    ----------
    layers : list of Layer
    params, grads : dict
        Every layer's arrays under PyTorch's ``state_dict`` names, ``"0.weight"``,
        ``"0.bias"``, ``"3.weight"`` ... (the arrays themselves, not copies).

    Examples
    --------
    >>> import numpy as np
    >>> model = Sequential(Flatten(), Linear(4, 3, rng=0), ReLU(), Linear(3, 2, rng=1))
    >>> model(np.ones((5, 1, 2, 2), np.float32)).shape
    (5, 2)
    >>> list(model.params)
    ['1.weight', '1.bias', '3.weight', '3.bias']
    >>> model.backward(np.ones((5, 2), np.float32)).shape
    (5, 1, 2, 2)
    >>> model[1].grads["weight"].shape
    (3, 4)
    """

    def __init__(self, *layers):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential: argument {i} must be a layer, got {type(layer).__name__}")
        self.layers: List[Layer] = list(layers)
        self._cache = None               # params and grads come from the layers (properties below)

    @property
    def params(self) -> Dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.params.items()}

    @property
    def grads(self) -> Dict[str, np.ndarray]:
        return {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def to(self, dtype) -> "Sequential":
        for layer in self.layers:
            layer.to(dtype)
        return self

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"


class SoftmaxCrossEntropy:
    """Softmax followed by the cross-entropy loss, like ``torch.nn.CrossEntropyLoss()``.

    ``loss = mean_n( -log softmax(logits[n])[labels[n]] )``, computed as
    ``logsumexp(logits[n]) - logits[n, labels[n]]`` after subtracting each row's
    maximum, so large logits do not overflow.

    Notes
    -----
    ``forward(logits, labels)`` (or calling the object) takes logits of shape
    (N, K) and integer labels of shape (N,) in ``[0, K)``, returns the mean loss
    (a float) and caches the softmax probabilities and the labels.
    ``backward(dout=1.0)`` returns ``dout * (softmax - onehot(labels)) / N``,
    shape (N, K), the gradient with respect to the logits.

    Examples
    --------
    >>> import numpy as np
    >>> loss = SoftmaxCrossEntropy()
    >>> logits = np.array([[0.0, 0.0], [0.0, np.log(3.0)]])
    >>> round(loss(logits, np.array([0, 1])), 6)    # (log 2 + log 4/3) / 2
    0.490415
    >>> loss.backward()
    array([[-0.25 ,  0.25 ],
           [ 0.125, -0.125]])
    """

    def __init__(self) -> None:
        self._cache = None

    def forward(self, logits, labels) -> float:
        where = "SoftmaxCrossEntropy"
        logits = as_layer_input(logits, where, 2, "(N, K)")
        n, k = logits.shape
        labels = as_labels(labels, where, n=n, n_classes=k, against=f"logits.shape={logits.shape}")
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        log_prob = shifted[np.arange(n), labels] - np.log(total[:, 0])
        self._cache = (exp / total, labels)
        return float(-log_prob.mean())

    __call__ = forward

    def backward(self, dout=1.0):
        if self._cache is None:
            raise RuntimeError("SoftmaxCrossEntropy.backward: backward called before forward (nothing cached)")
        prob, labels = self._cache
        # The forward pass returned one number, so dout has shape (): an array would
        # broadcast into a wrong gradient.
        dout = as_gradient(dout, (), "SoftmaxCrossEntropy.backward")
        n = prob.shape[0]
        grad = prob.copy()
        grad[np.arange(n), labels] -= 1
        grad *= np.asarray(dout, dtype=prob.dtype) / n
        return grad

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


# --- issue 15 (chapter 7): anti-aliased subsampling after Zhang (2019) ----------------------


class BlurPool2d(Layer):
    """Anti-aliased subsampling, Zhang's (2019) ``BlurPool``: (N, C, H, W) -> (N, C, ceil(H/s), ceil(W/s)).

    Blurs each channel with the binomial filter and keeps every ``stride``-th
    pixel (:func:`cnnlib.pooling.blur2d`). No parameters.

    Parameters
    ----------
    channels : int or None
        If given, the number of channels the input must have (Zhang's
        ``BlurPool(channels, ...)`` needs it to build its filter; here it is
        only checked). None: any.
    stride : int
    filter_size : int, 1 to 7
        The binomial filter's size (3: ``[1, 2, 1]`` outer ``[1, 2, 1]`` / 16).
    padding_mode : {'reflect', 'circular', 'replicate', 'zeros'}
        ``'reflect'``, Zhang's choice: ``(F-1)//2`` before, ``F//2`` after.

    Notes
    -----
    Caches the input's shape; ``backward`` is :func:`cnnlib.pooling.blur2d_backward`.

    Examples
    --------
    >>> import numpy as np
    >>> pool = BlurPool2d(1)
    >>> x = np.zeros((1, 1, 5, 5)); x[0, 0, 2, 2] = 16.0
    >>> pool(x)
    array([[[[0., 0., 0.],
             [0., 4., 0.],
             [0., 0., 0.]]]])
    >>> pool.backward(np.ones((1, 1, 3, 3))).shape
    (1, 1, 5, 5)
    """

    def __init__(self, channels=None, stride=2, filter_size=3, padding_mode="reflect"):
        super().__init__()
        where = "BlurPool2d"
        self.channels = None if channels is None else as_int(channels, "channels", where, 1)
        self.stride = as_int(stride, "stride", where, 1)
        self.filter_size = _checks.as_filter_size(filter_size, where)
        self.padding_mode = as_padding_mode(padding_mode, where)

    def forward(self, x):
        where = "BlurPool2d.forward"
        x = as_layer_input(x, where, 4, "(N, C, H, W)")
        _checks.check_layer_channels(x, self.channels, where)
        out = blur2d(x, stride=self.stride, filter_size=self.filter_size, padding_mode=self.padding_mode)
        self._cache = (x.shape, out.shape)
        return out

    def backward(self, dout):
        where = "BlurPool2d.backward"
        x_shape, out_shape = self._cached(where)
        dout = as_gradient(dout, out_shape, where)
        return blur2d_backward(dout, x_shape, stride=self.stride, filter_size=self.filter_size,
                               padding_mode=self.padding_mode)

    def _args(self) -> str:
        head = [] if self.channels is None else [str(self.channels)]
        return ", ".join(head + [f"stride={self.stride}", f"filter_size={self.filter_size}"] +
                         ([] if self.padding_mode == "reflect" else [f"padding_mode={self.padding_mode!r}"]))


class MaxBlurPool2d(Layer):
    """Zhang's (2019) MaxBlurPool: max with stride 1, then :class:`BlurPool2d` with ``stride``.

    Replaces ``MaxPool2d(kernel_size)`` (whose stride equals its window):
    (N, C, H, W) -> (N, C, ceil((H - kh + 1) / stride), ceil((W - kw + 1) / stride)),
    e.g. 14 x 14 -> 7 x 7 with the defaults, as ``MaxPool2d(2)``. No parameters.

    Parameters
    ----------
    kernel_size : int or (int, int)
        The max's window (no padding).
    stride : int
        The blur's subsampling.
    filter_size : int, 1 to 7
    padding_mode : {'reflect', 'circular', 'replicate', 'zeros'}
        The blur's padding.

    Notes
    -----
    Caches ``x``; ``backward`` is :func:`cnnlib.pooling.max_blur_pool2d_backward`
    (the blur's adjoint, then the gradient of the max, to the first maximum
    in reading order on ties).

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxBlurPool2d(2)
    >>> x = np.zeros((1, 1, 4, 4)); x[0, 0, 2, 2] = 16.0
    >>> pool(x)
    array([[[[ 4.,  8.],
             [ 8., 16.]]]])
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)         # each 2x2 window's max is its bottom-right pixel
    >>> pool(x)
    array([[[[ 7.5,  8.5],
             [11.5, 12.5]]]])
    >>> pool.backward(np.ones((1, 1, 2, 2)))[0, 0] * 16   # only the maxima (rows, columns 1-3) get gradient
    array([[ 0.,  0.,  0.,  0.],
           [ 0.,  4.,  8.,  4.],
           [ 0.,  8., 16.,  8.],
           [ 0.,  4.,  8.,  4.]])
    """

    def __init__(self, kernel_size=2, stride=2, filter_size=3, padding_mode="reflect"):
        super().__init__()
        where = "MaxBlurPool2d"
        self.kernel_size = as_pair(kernel_size, "kernel_size", where, 1)
        self.stride = as_int(stride, "stride", where, 1)
        self.filter_size = _checks.as_filter_size(filter_size, where)
        self.padding_mode = as_padding_mode(padding_mode, where)

    def _kwargs(self):
        return dict(kernel_size=self.kernel_size, stride=self.stride, filter_size=self.filter_size,
                    padding_mode=self.padding_mode)

    def forward(self, x):
        where = "MaxBlurPool2d.forward"
        x = as_layer_input(x, where, 4, "(N, C, H, W)")
        out = max_blur_pool2d(x, **self._kwargs())
        self._cache = (x, out.shape)
        return out

    def backward(self, dout):
        where = "MaxBlurPool2d.backward"
        x, out_shape = self._cached(where)
        dout = as_gradient(dout, out_shape, where)
        return max_blur_pool2d_backward(dout, x, **self._kwargs())

    def _args(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, filter_size={self.filter_size}" + (
            "" if self.padding_mode == "reflect" else f", padding_mode={self.padding_mode!r}")


__all__ = ["Layer", "Conv2d", "Linear", "ReLU", "MaxPool2d", "AvgPool2d", "Flatten", "Sequential", "SoftmaxCrossEntropy"]

__all__ += ["BlurPool2d", "MaxBlurPool2d"]  # issue 15 (chapter 7)
