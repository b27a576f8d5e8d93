"""One output number of a convolution layer, traced back through im2col.

A convolution layer computes ``out[n, f, i, j]`` as one entry of a matrix
product: row ``n*OH*OW + i*OW + j`` of the im2col matrix (the input patch that
output position (i, j) of image n sees, all channels) times column ``f`` of the
filter matrix ``w.reshape(FN, -1).T`` (filter f, flattened the same way), plus
the bias ``b[f]``. :func:`conv_trace` returns every piece of that as plain data,
for the chapter's widget and figures (which only *show* it) and for the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List

import numpy as np

from ._format import number
from ._checks import as_float_array, as_int, geometry
from .conv import conv2d
from .im2col import im2col, pad_nchw


@dataclass(frozen=True)
class ConvTrace:
    """Where output ``out[n, f, i, j]`` of :func:`cnnlib.conv2d` comes from.

    Attributes
    ----------
    n, f, i, j : int
        The output position: image n, filter (output channel) f, row i, column j.
    row : int
        The im2col row that holds the patch: ``n*OH*OW + i*OW + j``.
    rows, cols : list of int
        Rows and columns of the *padded* input that the patch covers.
    patch : ndarray (C, FH, FW)
        The input values under the window, every channel.
    row_values : ndarray (C*FH*FW,)
        ``cols_matrix[row]``: the patch flattened channel-major.
    column : ndarray (C*FH*FW,)
        ``w_matrix[:, f]``: filter f flattened the same way.
    products : ndarray (C*FH*FW,)
        ``row_values * column``.
    bias : float
        ``b[f]`` (0 without a bias).
    total : float
        ``products.sum() + bias``.
    cols_matrix : ndarray (N*OH*OW, C*FH*FW)
        ``im2col(x, FH, FW, stride=..., padding=...)``.
    w_matrix : ndarray (C*FH*FW, FN)
        ``w.reshape(FN, -1).T``.
    output : ndarray (N, FN, OH, OW)
        ``conv2d(x, w, b, ...)``, computed independently of the pieces above.
    padded : ndarray (N, C, H + pads, W + pads)
        The zero-padded input the windows slide over.
    """

    n: int
    f: int
    i: int
    j: int
    row: int
    rows: List[int]
    cols: List[int]
    patch: np.ndarray
    row_values: np.ndarray
    column: np.ndarray
    products: np.ndarray
    bias: float
    total: float
    cols_matrix: np.ndarray
    w_matrix: np.ndarray
    output: np.ndarray
    padded: np.ndarray

    def equation(self, max_terms: int = 6) -> str:
        """The dot product written out, shortened to ``max_terms`` terms and '…'."""
        terms = [f"{_factor(a)}·{_factor(b)}" for a, b in zip(self.row_values, self.column)]
        shown = " + ".join(terms[:max_terms]) + (" + …" if len(terms) > max_terms else "")
        bias = "" if not self.bias else (f" + {_fmt(self.bias)}" if self.bias > 0 else f" − {_fmt(-self.bias)}")
        return f"{shown}{bias} = {_fmt(self.total)}"


def _fmt(v: float) -> str:
    # The book's one number format (cnnlib._format), with a typographic minus.
    return number(v).replace("-", "−")


def _factor(v: float) -> str:
    """A factor of a product: negative numbers in parentheses, 2·(−1)."""
    text = _fmt(v)
    return f"({text})" if text.startswith("−") else text


def conv_trace(x, w, n: int, f: int, i: int, j: int, b=None, *, stride=1, padding=0) -> ConvTrace:
    """The input patch, im2col row, filter column and product behind ``conv2d(x, w, b)[n, f, i, j]``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    w : array_like, shape (FN, C, FH, FW)
    n, f, i, j : int
        Output position: image, filter, row, column.
    b : array_like, shape (FN,), optional
    stride, padding
        As for :func:`cnnlib.conv2d` (keywords only).

    Returns
    -------
    ConvTrace

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(18).reshape(1, 2, 3, 3)          # one image, two channels
    >>> w = np.ones((1, 2, 2, 2))
    >>> t = conv_trace(x, w, 0, 0, 1, 1)
    >>> t.row, t.patch.tolist()
    (3, [[[4.0, 5.0], [7.0, 8.0]], [[13.0, 14.0], [16.0, 17.0]]])
    >>> t.total, t.output[0, 0, 1, 1]
    (84.0, np.float64(84.0))
    """
    where = "conv_trace"
    x = as_float_array(x, "x", 4, where, "(N, C, H, W)")
    w = as_float_array(w, "w", 4, where, "(FN, C, FH, FW)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"{where}: channel mismatch: x has C={x.shape[1]} (x.shape={x.shape}) "
            f"but w expects C={w.shape[1]} (w.shape={w.shape})"
        )
    fn, c, fh, fw = w.shape
    if b is not None:
        b = as_float_array(b, "b", 1, where, "(FN,)")
        if b.shape != (fn,):
            raise ValueError(f"{where}: b has shape {b.shape} but w has FN={fn} filters (w.shape={w.shape})")
    shapes = f"x.shape={x.shape}, w.shape={w.shape}"
    s, pad, _, (oh, ow) = geometry(x.shape[2:], (fh, fw), stride, padding, 1, where, "x", "w", shapes)
    bounds = {"n": x.shape[0], "f": fn, "i": oh, "j": ow}
    pos = {}
    for name, value in zip("nfij", (n, f, i, j)):
        pos[name] = as_int(value, name, where, 0)
        if pos[name] >= bounds[name]:
            raise ValueError(
                f"{where}: {name}={pos[name]} is outside the output (N, FN, OH, OW)={(x.shape[0], fn, oh, ow)}"
            )
    n, f, i, j = pos["n"], pos["f"], pos["i"], pos["j"]
    cols_matrix = im2col(x, fh, fw, stride=stride, padding=padding)
    w_matrix = w.reshape(fn, -1).T
    row = n * oh * ow + i * ow + j
    r0, c0 = i * s[0], j * s[1]
    padded = pad_nchw(x, pad)
    patch = padded[n, :, r0 : r0 + fh, c0 : c0 + fw].copy()
    row_values = cols_matrix[row].copy()
    column = w_matrix[:, f].copy()
    products = row_values * column
    bias = 0.0 if b is None else float(b[f])
    output = conv2d(x, w, b, stride=stride, padding=padding)
    return ConvTrace(
        n=n, f=f, i=i, j=j, row=row,
        rows=list(range(r0, r0 + fh)), cols=list(range(c0, c0 + fw)),
        patch=patch, row_values=row_values, column=column, products=products,
        bias=bias, total=float(products.sum() + bias),
        cols_matrix=cols_matrix, w_matrix=w_matrix, output=output, padded=np.array(padded),
    )


__all__ = ["ConvTrace", "conv_trace"]
