"""The sliding window, one position at a time, as plain data.

The widgets and the JavaScript animations of the book only *show* what these
functions return; every number they display is computed here, by
:func:`cnnlib.correlate2d` or :func:`cnnlib.convolve2d`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np

from ._checks import as_float_array, check_choice, check_position, geometry
from ._format import number
from .conv import convolve2d, correlate2d

MODES = ("cross-correlation", "convolution")


@dataclass(frozen=True)
class WindowStep:
    """One position of the kernel over the input.

    Attributes
    ----------
    mode : str
        ``'cross-correlation'`` or ``'convolution'``.
    i, j : int
        Output position.
    rows, cols : list of int
        Input rows and columns covered by the window.
    window : ndarray (KH, KW)
        The input values under the window.
    applied : ndarray (KH, KW)
        The kernel as it is laid over the window: unchanged for
        cross-correlation, flipped on both axes for convolution.
    products : ndarray (KH, KW)
        ``window * applied``.
    total : float
        The sum of the products: ``output[i, j]``.
    output : ndarray (OH, OW)
        The whole result, computed by cnnlib (the animation fills it in).
    input : ndarray (H, W)
        The input the kernel slides over.
    """

    mode: str
    i: int
    j: int
    rows: List[int]
    cols: List[int]
    window: np.ndarray
    applied: np.ndarray
    products: np.ndarray
    total: float
    output: np.ndarray
    input: np.ndarray

    def equation(self) -> str:
        """The sum written out, e.g. ``'1·1 + 2·1 + 4·0 + 5·2 = 13'``."""
        terms = " + ".join(f"{number(a)}·{number(b)}" for a, b in zip(self.window.ravel(), self.applied.ravel()))
        return f"{terms} = {number(self.total)}"


def _check(where, x, k, mode):
    check_choice(mode, "mode", MODES, where)
    x = as_float_array(x, "x", 2, where, "(H, W)")
    k = as_float_array(k, "k", 2, where, "(KH, KW)")
    _, _, _, out_hw = geometry(x.shape, k.shape, 1, 0, 1, where, "x", "k", f"x.shape={x.shape}, k.shape={k.shape}")
    return x, k, out_hw


def _output(x, k, mode):
    return correlate2d(x, k) if mode == "cross-correlation" else convolve2d(x, k)


def _step(x, k, i, j, mode, output) -> WindowStep:
    """The step at (i, j), given the whole ``output`` (computed once by the caller)."""
    kh, kw = k.shape
    applied = k if mode == "cross-correlation" else k[::-1, ::-1]
    window = x[i : i + kh, j : j + kw]
    return WindowStep(
        mode=mode,
        i=i,
        j=j,
        rows=list(range(i, i + kh)),
        cols=list(range(j, j + kw)),
        window=window.copy(),
        applied=applied.copy(),
        products=window * applied,
        total=float(output[i, j]),
        output=output,
        input=x.copy(),
    )


def window_step(x, k, i: int, j: int, mode: str = "cross-correlation") -> WindowStep:
    """The products and the sum at output position (i, j) ('valid' padding, stride 1).

    Examples
    --------
    >>> step = window_step([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1], [0, 2]], 0, 0)
    >>> step.equation()
    '1·1 + 2·1 + 4·0 + 5·2 = 13'
    >>> window_step([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1], [0, 2]], 0, 0, "convolution").equation()
    '1·2 + 2·0 + 4·1 + 5·1 = 11'
    """
    where = "window_step"
    x, k, out_hw = _check(where, x, k, mode)
    i, j = check_position(i, j, out_hw, where)
    return _step(x, k, i, j, mode, _output(x, k, mode))


def window_steps(x, k, mode: str = "cross-correlation") -> List[WindowStep]:
    """Every position of the sliding window in reading order (row by row).

    The whole output is computed once, by :func:`cnnlib.correlate2d` or
    :func:`cnnlib.convolve2d`, and every step shares it.

    Examples
    --------
    >>> [s.total for s in window_steps([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1], [0, 2]])]
    [13.0, 17.0, 25.0, 29.0]
    """
    x, k, (oh, ow) = _check("window_steps", x, k, mode)
    output = _output(x, k, mode)
    return [_step(x, k, i, j, mode, output) for i in range(oh) for j in range(ow)]


__all__ = ["WindowStep", "window_step", "window_steps", "MODES"]
