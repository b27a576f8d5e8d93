"""Pooling one window at a time: what the widget and the animation show.

:func:`pool_steps` lists, for every output position, the window it reads, the
value pooling keeps (max or average) and, for max pooling, which cell holds it.
Pure and tested (``tests/test_pool_steps.py``); the widget
(:func:`cnnlib.widgets.pooling_widget`) and the animation
(:func:`cnnlib.animation.pooling_animation`) only display these steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from ._checks import as_float_array, as_pair
from ._format import number

POOL_KINDS = ("max", "average")


@dataclass(frozen=True)
class PoolStep:
    """One output value of pooling: the window it reads and what it keeps.

    ``rows`` and ``cols`` are the input rows and columns under the window;
    ``chosen`` is the (row, column) of the input cell max pooling keeps (the
    first maximum in reading order, as :func:`cnnlib.max_pool2d_backward`
    sends the gradient to), ``None`` for average pooling.
    """

    kind: str
    i: int
    j: int
    rows: List[int]
    cols: List[int]
    window: np.ndarray
    value: float
    chosen: Optional[Tuple[int, int]]
    output: np.ndarray
    input: np.ndarray

    def equation(self) -> str:
        vals = ", ".join(number(v) for v in self.window.ravel())
        if self.kind == "max":
            return f"max({vals}) = {number(self.value)}"
        return f"mean({vals}) = {number(self.value)}"


def pool_steps(x, kind: str = "max", kernel_size=2, *, stride=None) -> List[PoolStep]:
    """Every window of max or average pooling of a 2-D map, in reading order.

    Parameters
    ----------
    x : array_like, shape (H, W)
    kind : {"max", "average"}
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (no overlap), as in PyTorch. No padding.

    Returns
    -------
    list of PoolStep
        One per output value, row by row; each carries the whole output map.

    Examples
    --------
    >>> steps = pool_steps([[1, 2], [3, 4]], "max", 2)
    >>> steps[0].value, steps[0].chosen, steps[0].equation()
    (4.0, (1, 1), 'max(1, 2, 3, 4) = 4')
    >>> pool_steps([[1, 2], [3, 4]], "average", 2)[0].value
    2.5
    """
    where = "pool_steps"
    if kind not in POOL_KINDS:
        raise ValueError(f"{where}: kind must be one of {POOL_KINDS}, got {kind!r}")
    x = as_float_array(x, "x", 2, where, "(H, W)")
    kh, kw = as_pair(kernel_size, "kernel_size", where, 1)
    sh, sw = as_pair(kernel_size if stride is None else stride, "stride", where, 1)
    h, w = x.shape
    if kh > h or kw > w:
        raise ValueError(f"{where}: the window {kh}x{kw} is larger than x.shape={x.shape}")
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    windows = [[x[i * sh:i * sh + kh, j * sw:j * sw + kw] for j in range(ow)] for i in range(oh)]
    if kind == "max":
        out = np.array([[win.max() for win in row] for row in windows])
    else:
        out = np.array([[win.mean() for win in row] for row in windows])
    steps = []
    for i in range(oh):
        for j in range(ow):
            win = windows[i][j]
            chosen = None
            if kind == "max":
                p, q = np.unravel_index(int(np.argmax(win)), win.shape)   # first maximum
                chosen = (i * sh + int(p), j * sw + int(q))
            steps.append(PoolStep(kind, i, j, list(range(i * sh, i * sh + kh)), list(range(j * sw, j * sw + kw)),
                                  win.copy(), float(out[i, j]), chosen, out, x))
    return steps


__all__ = ["pool_steps", "PoolStep", "POOL_KINDS"]
