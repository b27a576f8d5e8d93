"""Argument checking shared by every public function of :mod:`cnnlib`.

All validation lives here so that every function rejects bad input the same
way: *before* any work, with a ``TypeError`` (wrong kind of value) or a
``ValueError`` (right kind, impossible value) whose message names the function,
the argument and the shapes involved.
"""

from __future__ import annotations

import numbers
from typing import Any, Tuple, Union

import numpy as np

IntPair = Union[int, Tuple[int, int]]
Padding = Union[int, Tuple[int, int], str]

PADDING_MODES = ("valid", "same", "full")


def as_float_array(a: Any, name: str, ndim: int, where: str, layout: str = "") -> np.ndarray:
    """Return ``a`` as a floating-point ndarray with ``ndim`` dimensions.

    Booleans and integers (for example a ``uint8`` photograph or a 0/1 mask)
    are promoted to ``float64`` before any arithmetic, so nothing can overflow.
    ``float32`` stays ``float32`` (and ``float16`` becomes ``float32``), so a
    caller who chose single precision keeps it.
    """
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{where}: {name} must be a numeric array, got a {type(a).__name__}")
    arr = np.asarray(a)
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(
            f"{where}: {name} must be real, got complex dtype {arr.dtype} (shape {arr.shape})"
        )
    if kind not in "biuf":
        raise TypeError(
            f"{where}: {name} must be a numeric array, got dtype {arr.dtype} (shape {arr.shape})"
        )
    if arr.ndim != ndim:
        shape_hint = f" {layout}" if layout else ""
        raise ValueError(
            f"{where}: {name} must be {ndim}-D{shape_hint}, got {arr.ndim}-D array of shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {arr.shape}); every dimension must be at least 1")
    if kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif arr.dtype not in (np.float32, np.float64):  # e.g. longdouble
        arr = arr.astype(np.float64)
    return arr


def reject_nan(a: np.ndarray, name: str, where: str, why: str) -> None:
    """Raise where NaN would make the result meaningless (e.g. the maximum of a window)."""
    if a.dtype.kind == "f" and np.isnan(a).any():
        count = int(np.isnan(a).sum())
        raise ValueError(f"{where}: {name} contains {count} NaN value(s) (shape {a.shape}); {why}")


def as_int(v: Any, name: str, where: str, minimum: int) -> int:
    """Return ``v`` as a Python int, refusing bools, floats and values below ``minimum``."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an integer, got {v!r} of type {type(v).__name__}")
    v = int(v)
    if v < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {v}")
    return v


def as_pair(v: Any, name: str, where: str, minimum: int) -> Tuple[int, int]:
    """Accept an int or a pair of ints (height, width) and return the pair."""
    if isinstance(v, np.ndarray) and v.ndim == 0:  # np.array(2) holds one number
        v = v.item()
    if isinstance(v, (tuple, list, np.ndarray)):
        if len(v) != 2:
            raise ValueError(
                f"{where}: {name} must be an int or a pair (height, width), got {tuple(v)!r} of length {len(v)}"
            )
        return (as_int(v[0], f"{name}[0]", where, minimum), as_int(v[1], f"{name}[1]", where, minimum))
    value = as_int(v, name, where, minimum)
    return (value, value)


def _same_split(total: int) -> Tuple[int, int]:
    # Like PyTorch's padding='same': the odd extra row/column goes after.
    return (total // 2, total - total // 2)


def as_padding(
    padding: Any,
    kernel: Tuple[int, int],
    stride: Tuple[int, int],
    dilation: Tuple[int, int],
    where: str,
) -> Tuple[int, int, int, int]:
    """Normalise ``padding`` to ``(top, bottom, left, right)``.

    ``padding`` is the number of zeros added on *each* side (an int, a pair
    ``(ph, pw)``, or ``(top, bottom, left, right)``), or one of the names ``'valid'`` (none), ``'full'``
    (``dilation * (kernel - 1)`` on every side, every overlap) and ``'same'``
    (output as large as the input; needs ``stride == 1``; an odd total puts
    the extra row/column at the bottom/right, as PyTorch does).
    """
    if isinstance(padding, str):
        if padding not in PADDING_MODES:
            raise ValueError(f"{where}: padding must be an int, a pair or one of {PADDING_MODES}, got {padding!r}")
        span = [dilation[i] * (kernel[i] - 1) for i in range(2)]
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "full":
            return (span[0], span[0], span[1], span[1])
        if stride != (1, 1):
            raise ValueError(f"{where}: padding='same' needs stride 1, got stride={stride}")
        return _same_split(span[0]) + _same_split(span[1])
    if isinstance(padding, (tuple, list, np.ndarray)) and np.ndim(padding) == 1 and len(padding) not in (2, 4):
        raise ValueError(
            f"{where}: padding must be an int, (ph, pw), (top, bottom, left, right) or one of "
            f"{PADDING_MODES}, got {tuple(padding)!r} of length {len(padding)}"
        )
    if isinstance(padding, (tuple, list, np.ndarray)) and np.ndim(padding) == 1 and len(padding) == 4:
        return tuple(as_int(v, f"padding[{i}]", where, 0) for i, v in enumerate(padding))
    ph, pw = as_pair(padding, "padding", where, minimum=0)
    return (ph, ph, pw, pw)


def out_len(n: int, k: int, pad_before: int, pad_after: int, s: int, d: int) -> int:
    """Floor formula for one axis; may return < 1 (the caller reports it)."""
    return (n + pad_before + pad_after - d * (k - 1) - 1) // s + 1


def check_fits(
    in_hw: Tuple[int, int],
    kernel: Tuple[int, int],
    pad: Tuple[int, int, int, int],
    dilation: Tuple[int, int],
    where: str,
    x_name: str = "x",
    k_name: str = "kernel",
    shapes: str = "",
) -> None:
    """Raise if the (dilated) kernel does not fit inside the padded input.

    ``shapes`` describes the caller's arguments for the message, e.g.
    ``"x.shape=(1, 1, 3, 3), w.shape=(1, 1, 4, 4)"``.
    """
    padded = (in_hw[0] + pad[0] + pad[1], in_hw[1] + pad[2] + pad[3])
    span = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
    if span[0] > padded[0] or span[1] > padded[1]:
        dil = "" if dilation == (1, 1) else f", {tuple(kernel)} dilated by {dilation}"
        detail = shapes or f"{x_name} is {tuple(in_hw)}"
        raise ValueError(
            f"{where}: {k_name} covers {span} (height, width){dil}, larger than the padded input "
            f"{padded} ({detail}; padding (top, bottom, left, right)={pad})"
        )


def geometry(
    in_hw: Tuple[int, int],
    kernel: Tuple[int, int],
    stride: Any,
    padding: Any,
    dilation: Any,
    where: str,
    x_name: str = "x",
    k_name: str = "kernel",
    shapes: str = "",
):
    """Check stride, padding and dilation and return them with the output size.

    Returns ``(stride, pad, dilation, (OH, OW))`` with ``stride`` and
    ``dilation`` as pairs and ``pad`` as ``(top, bottom, left, right)``.
    """
    s = as_pair(stride, "stride", where, minimum=1)
    d = as_pair(dilation, "dilation", where, minimum=1)
    pad = as_padding(padding, kernel, s, d, where)
    check_fits(in_hw, kernel, pad, d, where, x_name, k_name, shapes)
    oh = out_len(in_hw[0], kernel[0], pad[0], pad[1], s[0], d[0])
    ow = out_len(in_hw[1], kernel[1], pad[2], pad[3], s[1], d[1])
    return s, pad, d, (oh, ow)


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """float32 only when every operand is float32; float64 otherwise."""
    return np.result_type(*arrays)


def as_groups(groups: Any, in_channels: int, out_channels: int, where: str) -> int:
    """``groups`` as an int >= 1 that divides both channel counts (PyTorch's ``Conv2d`` rule)."""
    g = as_int(groups, "groups", where, 1)
    for name, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        if n % g:
            raise ValueError(f"{where}: {name}={n} is not divisible by groups={g}")
    return g
