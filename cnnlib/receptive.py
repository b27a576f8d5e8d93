"""Receptive fields (수용 영역): which input pixels one unit of a stacked network sees.

A convolution or pooling layer with kernel ``k``, stride ``s``, dilation ``d``
and ``p`` zeros before the input reads, for its output unit ``u``, the inputs
``s*u - p + d*t`` for ``t = 0 .. k-1``. Stacking layers composes these index
maps. Along one axis three numbers describe the result after layer ``l``
(all in input pixels):

* the **size** ``r_l`` of one unit's field:  ``r_l = r_{l-1} + d (k - 1) j_{l-1}``;
* the **jump** ``j_l`` between the fields of neighbouring units: ``j_l = s j_{l-1}``;
* the **start** of unit 0's field (its first input pixel; negative where it
  reaches into the padding): ``start_l = start_{l-1} - p j_{l-1}``,

beginning with ``r_0 = j_0 = 1`` and ``start_0 = 0`` (an input pixel sees itself).
Unit ``u`` of layer ``l`` then spans the input pixels
``start_l + u j_l`` to ``start_l + u j_l + r_l - 1``. With dilation the span
can have holes; :func:`field_sets` gives the exact set.

Pure functions of integers: no arrays of images, no plotting.
"""

from __future__ import annotations

import dataclasses
from typing import Any, List, Mapping, Optional, Sequence, Union

import numpy as np

from ._checks import as_int
from .conv import output_size


@dataclasses.dataclass(frozen=True)
class Window:
    """One layer along one axis: a convolution or a pooling window.

    ``padding`` is the number of zeros before the input (and after it, for the
    output length), or ``'same'``/``'valid'``.
    """

    kernel: int
    stride: int = 1
    dilation: int = 1
    padding: Union[int, str] = 0
    name: str = ""

    def pad_before(self) -> int:
        if self.padding == "valid":
            return 0
        if self.padding == "same":
            return self.dilation * (self.kernel - 1) // 2
        return int(self.padding)

    def label(self) -> str:
        if self.name:
            return self.name
        text = f"{self.kernel}x{self.kernel}"
        if self.stride != 1:
            text += f" s{self.stride}"
        if self.dilation != 1:
            text += f" d{self.dilation}"
        return text


@dataclasses.dataclass(frozen=True)
class FieldRow:
    """The receptive field after one layer (one axis, in input pixels)."""

    name: str
    kernel: int
    stride: int
    dilation: int
    size: int
    jump: int
    start: int
    out: Optional[int] = None


def _as_window(layer: Any, i: int, where: str) -> Window:
    name = f"layers[{i}]"
    if isinstance(layer, Window):
        spec = dataclasses.asdict(layer)
    elif isinstance(layer, Mapping):
        unknown = set(layer) - {"kernel", "stride", "dilation", "padding", "name"}
        if unknown or "kernel" not in layer:
            raise ValueError(
                f"{where}: {name} must have a 'kernel' and only the keys kernel, stride, dilation, padding, name; "
                f"got {sorted(layer)}"
            )
        spec = dict(layer)
    elif isinstance(layer, (tuple, list)):
        if not 1 <= len(layer) <= 4:
            raise ValueError(
                f"{where}: {name} must be (kernel[, stride[, dilation[, padding]]]), got {tuple(layer)!r} "
                f"of length {len(layer)}"
            )
        spec = dict(zip(("kernel", "stride", "dilation", "padding"), layer))
    else:
        raise TypeError(
            f"{where}: {name} must be a Window, a mapping or a tuple (kernel, stride, dilation, padding), "
            f"got {type(layer).__name__}"
        )
    kernel = as_int(spec["kernel"], f"{name}.kernel", where, 1)
    stride = as_int(spec.get("stride", 1), f"{name}.stride", where, 1)
    dilation = as_int(spec.get("dilation", 1), f"{name}.dilation", where, 1)
    padding = spec.get("padding", 0)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{where}: {name}.padding must be an int, 'same' or 'valid', got {padding!r}")
        if padding == "same" and stride != 1:
            raise ValueError(f"{where}: {name}.padding='same' needs stride 1, got stride={stride}")
    else:
        padding = as_int(padding, f"{name}.padding", where, 0)
    return Window(kernel, stride, dilation, padding, str(spec.get("name", "") or ""))


def _windows(layers: Sequence[Any], where: str) -> List[Window]:
    if isinstance(layers, (str, bytes, Mapping, Window)) or not isinstance(layers, Sequence):
        raise TypeError(f"{where}: layers must be a sequence of layers, got {type(layers).__name__}")
    return [_as_window(layer, i, where) for i, layer in enumerate(layers)]


def _out_len(w: Window, n: int, where: str, i: int) -> int:
    pad = w.padding if isinstance(w.padding, str) else (w.padding, w.padding)
    try:
        return output_size(n, w.kernel, padding=pad, stride=w.stride, dilation=w.dilation)
    except ValueError as exc:
        raise ValueError(f"{where}: layers[{i}] ({w.label()}) does not fit its input of length {n}: {exc}") from None


def receptive_fields(layers: Sequence[Any], input_size: Optional[int] = None) -> List[FieldRow]:
    """Receptive-field size, jump and start after every layer of a stack (one axis).

    Parameters
    ----------
    layers : sequence of Window, mapping or tuple
        Each layer as ``Window(kernel, stride=1, dilation=1, padding=0, name="")``,
        a mapping with those keys, or a tuple ``(kernel[, stride[, dilation[, padding]]])``.
        A pooling layer is a window like any other (kernel 2, stride 2 for 2x2 pooling).
    input_size : int, optional
        Length of the input axis; if given, every row also holds the layer's
        output length (computed with :func:`cnnlib.output_size`).

    Returns
    -------
    list of FieldRow
        One row per layer: ``size`` (input pixels one unit sees), ``jump``
        (input pixels between neighbouring units) and ``start`` (first input
        pixel of unit 0's field; negative inside the padding), and ``out``.

    Examples
    --------
    >>> [r.size for r in receptive_fields([(3,), (3,), (3,)])]         # three 3x3 convolutions
    [3, 5, 7]
    >>> rows = receptive_fields([(3, 1, 1, 1), (2, 2), (3, 1, 1, 1)], input_size=8)
    >>> [(r.size, r.jump, r.start, r.out) for r in rows]
    [(3, 1, -1, 8), (4, 2, -1, 4), (8, 2, -3, 4)]
    """
    where = "receptive_fields"
    windows = _windows(layers, where)
    n = None if input_size is None else as_int(input_size, "input_size", where, 1)
    size, jump, start = 1, 1, 0
    rows = []
    for i, w in enumerate(windows):
        size += w.dilation * (w.kernel - 1) * jump
        start -= w.pad_before() * jump
        jump *= w.stride
        if n is not None:
            n = _out_len(w, n, where, i)
        rows.append(FieldRow(w.label(), w.kernel, w.stride, w.dilation, size, jump, start, n))
    return rows


def format_receptive_fields(rows: Sequence[FieldRow]) -> str:
    """The rows of :func:`receptive_fields` as a plain-text table (one line per layer).

    Examples
    --------
    >>> print(format_receptive_fields(receptive_fields([(3,), (2, 2)])))
    layer        kernel  stride  dilation  field  jump  start
    1 3x3             3       1         1      3     1      0
    2 2x2 s2          2       2         1      4     2      0
    """
    with_out = any(r.out is not None for r in rows)
    head = f"{'layer':12s} {'kernel':>6s} {'stride':>7s} {'dilation':>9s} {'field':>6s} {'jump':>5s} {'start':>6s}"
    lines = [head + (f" {'output':>7s}" if with_out else "")]
    for i, r in enumerate(rows, start=1):
        line = (f"{i:<2d}{r.name:10s} {r.kernel:6d} {r.stride:7d} {r.dilation:9d} "
                f"{r.size:6d} {r.jump:5d} {r.start:6d}")
        lines.append(line + (f" {r.out:7d}" if with_out else ""))
    return "\n".join(lines)


def field_sets(layers: Sequence[Any], input_size: int, unit: int) -> List[np.ndarray]:
    """Exactly which positions, at every level, one top-level unit depends on (one axis).

    Parameters
    ----------
    layers : sequence of layers, as for :func:`receptive_fields`
    input_size : int
        Length of the input axis.
    unit : int
        Index of the unit in the last layer's output.

    Returns
    -------
    list of bool ndarray
        ``masks[0]`` over the input (length ``input_size``), ``masks[l]`` over
        layer ``l``'s output; ``masks[-1]`` marks ``unit`` alone. Positions in
        the padding are dropped (they hold zeros, not inputs).

    Examples
    --------
    >>> [m.nonzero()[0].tolist() for m in field_sets([(3, 1, 1, 1), (3, 1, 1, 1)], 8, 0)]
    [[0, 1, 2], [0, 1], [0]]
    >>> field_sets([(3, 1, 2)], 7, 1)[0].nonzero()[0].tolist()     # dilation 2: holes
    [1, 3, 5]
    """
    where = "field_sets"
    windows = _windows(layers, where)
    n0 = as_int(input_size, "input_size", where, 1)
    sizes = [n0]
    for i, w in enumerate(windows):
        sizes.append(_out_len(w, sizes[-1], where, i))
    u = as_int(unit, "unit", where, 0)
    if u >= sizes[-1]:
        raise ValueError(f"{where}: unit must be < {sizes[-1]} (the last layer's output length), got {u}")
    masks = [np.zeros(n, dtype=bool) for n in sizes]
    masks[-1][u] = True
    for level in range(len(windows), 0, -1):
        w = windows[level - 1]
        above = np.flatnonzero(masks[level])
        below = (w.stride * above[:, None] - w.pad_before() + w.dilation * np.arange(w.kernel)[None, :]).ravel()
        below = below[(below >= 0) & (below < sizes[level - 1])]
        masks[level - 1][below] = True
    return masks


def connected_pixels(kind: str, pixel, n_layers: int, shape=(8, 8), kernel: int = 3, permutation=None) -> np.ndarray:
    """Which input pixels one unit is connected to: fully connected vs stacked convolutions.

    For ``kind='conv'`` the unit sits at ``pixel`` (row, column) of the feature
    map after ``n_layers`` convolutions with ``kernel x kernel`` kernels,
    stride 1 and 'same' padding. For ``kind='fc'`` it is any unit of a fully
    connected layer (완전 연결 계층): connected to every pixel after one layer.

    With ``permutation`` (a permutation of ``range(H*W)``) the network is fed
    the shuffled image ``x.reshape(-1)[permutation].reshape(H, W)``; the
    result is still given in the *original* image's coordinates, so it shows
    which pixels of the digit the unit really combines. (The shuffled view is
    ``result.reshape(-1)[permutation].reshape(H, W)``.)

    Returns
    -------
    ndarray of int, shape (H, W)
        For each input pixel the number of layers after which it first reaches
        the unit (1, 2, ...), or 0 if it does not reach it within ``n_layers``.

    Examples
    --------
    >>> connected_pixels("conv", (0, 0), 1, shape=(4, 4))
    array([[1, 1, 0, 0],
           [1, 1, 0, 0],
           [0, 0, 0, 0],
           [0, 0, 0, 0]])
    >>> int((connected_pixels("fc", (0, 0), 1, shape=(4, 4)) == 1).sum())
    16
    """
    where = "connected_pixels"
    if kind not in ("fc", "conv"):
        raise ValueError(f"{where}: kind must be 'fc' or 'conv', got {kind!r}")
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"{where}: shape must be (H, W), got {shape!r}")
    h, w = (as_int(v, f"shape[{i}]", where, 1) for i, v in enumerate(shape))
    if not isinstance(pixel, (tuple, list)) or len(pixel) != 2:
        raise ValueError(f"{where}: pixel must be (row, column), got {pixel!r}")
    r, c = (as_int(v, f"pixel[{i}]", where, 0) for i, v in enumerate(pixel))
    if r >= h or c >= w:
        raise ValueError(f"{where}: pixel {(r, c)} lies outside the image of shape {(h, w)}")
    layers = as_int(n_layers, "n_layers", where, 1)
    k = as_int(kernel, "kernel", where, 1)
    if k % 2 == 0:
        raise ValueError(f"{where}: kernel must be odd for 'same' padding centred on the unit, got {k}")
    perm = None
    if permutation is not None:
        perm = np.asarray(permutation)
        if perm.dtype.kind not in "iu" or perm.shape != (h * w,) or not np.array_equal(np.sort(perm), np.arange(h * w)):
            raise ValueError(
                f"{where}: permutation must hold each of 0 .. {h * w - 1} once (shape ({h * w},)), "
                f"got shape {perm.shape} and dtype {perm.dtype}"
            )
    if kind == "fc":
        seen = np.ones((h, w), dtype=int)
    else:
        seen = np.zeros((h, w), dtype=int)
        for n in range(layers, 0, -1):  # fewest layers last, so it wins
            stack = [Window(k, padding="same")] * n
            rows = field_sets(stack, h, r)[0]
            cols = field_sets(stack, w, c)[0]
            seen[np.outer(rows, cols)] = n
    if perm is None:
        return seen
    original = np.zeros(h * w, dtype=int)
    original[perm] = seen.reshape(-1)
    return original.reshape(h, w)


__all__ = ["Window", "FieldRow", "receptive_fields", "format_receptive_fields", "field_sets", "connected_pixels"]
