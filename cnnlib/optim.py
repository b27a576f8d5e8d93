"""Optimisers (최적화기): SGD with momentum and weight decay, and Adam, with PyTorch's update rules.

An optimiser is built from a model (a layer or a :class:`~cnnlib.layers.Sequential`)
and, at each ``step()``, reads every layer's ``grads`` as they are *now* (the
layer's ``backward`` has just overwritten them) and updates its ``params`` in
place: the arrays keep their identity, so references to them see the new
values. The rules are those of ``torch.optim.SGD`` and ``torch.optim.Adam``
(default options: no dampening, no Nesterov, no AMSGrad), written out in each
class's docstring, so one can be checked against the other number by number.
"""

from __future__ import annotations

import math
from typing import Dict, List, Tuple

import numpy as np

from ._checks import as_fraction, as_positive_float


def _slots(model, where: str) -> List[Tuple[object, str]]:
    """(layer, parameter name) for every parameter of ``model``, in order."""
    from .layers import Layer, Sequential

    if not isinstance(model, Layer):
        raise TypeError(f"{where}: model must be a cnnlib layer or Sequential, got {type(model).__name__}")
    layers = list(model.layers) if isinstance(model, Sequential) else [model]
    slots = [(layer, name) for layer in layers for name in layer.params]
    if not slots:
        raise ValueError(f"{where}: model {model!r} has no parameters to optimise")
    return slots


class Optimizer:
    """Base class: holds the (layer, name) pairs and a per-parameter state dict."""

    _where = "Optimizer"

    def __init__(self, model) -> None:
        self._slots = _slots(model, self._where)
        self.state: List[Dict[str, object]] = [{} for _ in self._slots]

    def _pairs(self):
        """(param, grad, state) for every parameter, reading the layers' current dicts."""
        for (layer, name), state in zip(self._slots, self.state):
            grad = layer.grads.get(name)
            if grad is None:
                raise RuntimeError(f"{self._where}.step: {type(layer).__name__} has no gradient for {name!r}; "
                                   "call backward before step")
            param = layer.params[name]
            if grad.shape != param.shape:
                raise ValueError(f"{self._where}.step: grads[{name!r}] of {type(layer).__name__} has shape "
                                 f"{grad.shape}, params[{name!r}] has shape {param.shape}")
            yield param, grad, state

    def step(self) -> None:  # pragma: no cover - subclasses define it
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with momentum and weight decay, as ``torch.optim.SGD``.

    For each parameter ``p`` with gradient ``g``, at every step::

        g = g + weight_decay * p                 # weight decay enters the gradient (L2)
        if momentum != 0:
            b = g            at the first step    # the buffer starts as the gradient itself
            b = momentum * b + g   afterwards
            g = b
        p = p - lr * g

    Parameters
    ----------
    model : Layer or Sequential
    lr : float
        Learning rate, > 0.
    momentum : float
        In [0, 1).
    weight_decay : float
        >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlib.layers import Linear
    >>> fc = Linear(2, 1, bias=False, rng=0)
    >>> fc.params["weight"][:] = [[1.0, 2.0]]
    >>> fc.grads["weight"] = np.array([[0.5, -1.0]], np.float32)
    >>> opt = SGD(fc, lr=0.1, momentum=0.9)
    >>> opt.step(); fc.params["weight"]          # buffer = g: 1 - 0.05, 2 + 0.1
    array([[0.95, 2.1 ]], dtype=float32)
    >>> opt.step(); fc.params["weight"]          # buffer = 0.9 g + g = 1.9 g
    array([[0.855, 2.29 ]], dtype=float32)
    """

    _where = "SGD"

    def __init__(self, model, lr, momentum=0.0, weight_decay=0.0) -> None:
        self.lr = as_positive_float(lr, "lr", self._where)
        self.momentum = as_fraction(momentum, "momentum", self._where)
        self.weight_decay = as_positive_float(weight_decay, "weight_decay", self._where, allow_zero=True)
        super().__init__(model)

    def step(self) -> None:
        for p, g, state in list(self._pairs()):
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.momentum:
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(g, dtype=p.dtype, copy=True)
                else:
                    buf *= self.momentum
                    buf += g
                g = buf
            p -= (self.lr * g).astype(p.dtype, copy=False)

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum}, weight_decay={self.weight_decay})"


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (bias-corrected moments, ``eps`` added after the square root).

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        m = beta1 * m + (1 - beta1) * g          # m and v start at 0
        v = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        p = p - lr * m_hat / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The last line is PyTorch's arrangement of ``lr * m_hat / (sqrt(v_hat) + eps)``:
    ``eps`` is added to the square root of the bias-corrected second moment.

    Parameters
    ----------
    model : Layer or Sequential
    lr : float
    betas : (float, float)
        Each in [0, 1).
    eps : float
        > 0.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlib.layers import Linear
    >>> fc = Linear(2, 1, bias=False, rng=0)
    >>> fc.params["weight"][:] = [[1.0, 2.0]]
    >>> fc.grads["weight"] = np.array([[0.5, -1.0]], np.float32)
    >>> opt = Adam(fc, lr=0.1)
    >>> opt.step(); fc.params["weight"].round(6)  # first step: lr * sign(g), up to eps
    array([[0.9, 2.1]], dtype=float32)
    """

    _where = "Adam"

    def __init__(self, model, lr=1e-3, betas=(0.9, 0.999), eps=1e-8) -> None:
        self.lr = as_positive_float(lr, "lr", self._where)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{self._where}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (as_fraction(betas[0], "betas[0]", self._where), as_fraction(betas[1], "betas[1]", self._where))
        self.eps = as_positive_float(eps, "eps", self._where)
        super().__init__(model)

    def step(self) -> None:
        beta1, beta2 = self.betas
        for p, g, state in list(self._pairs()):
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(p)
                state["exp_avg_sq"] = np.zeros_like(p)
            state["step"] += 1
            t = state["step"]
            m, v = state["exp_avg"], state["exp_avg_sq"]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            step_size = self.lr / (1 - beta1**t)
            denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + self.eps
            p -= (step_size * m / denom).astype(p.dtype, copy=False)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps})"


__all__ = ["SGD", "Adam"]
