"""Where the windows land: padding (패딩), stride (스트라이드) and dilation (팽창).

Chapter 3 of the book. Two questions about a convolution's geometry, answered
without touching any pixel values:

* :func:`window_layout` -- for given settings, where does every window sit in
  the padded input, what is the output size (출력 크기), and, when the settings
  do not fit, why not (in words, not as an exception). The chapter's widget,
  its figures and its JavaScript explorer all show what this returns.
* :func:`coverage` -- how many windows read each input pixel. It equals
  ``col2im`` applied to a matrix of ones (the tests check it), but is computed
  here one axis at a time: a pixel (r, c) is read by window (i, j) exactly when
  row r is under the window's rows *and* column c under its columns, and the two
  conditions do not depend on each other, so the 2-D count is the outer product
  of two 1-D counts.

Along one axis, with ``P_before``/``P_after`` zeros on the two sides, kernel
length ``K``, dilation ``D`` and stride ``S``::

    span  = D*(K - 1) + 1                        pixels one dilated window covers
    O     = floor((N + P_before + P_after - span) / S) + 1
          = floor((N + P_before + P_after - D*(K - 1) - 1) / S) + 1

Window ``i`` starts at padded position ``i*S``; whatever lies after the last
window's end (``(O - 1)*S + span``) is never read.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple

import numpy as np

from ._checks import PADDING_MODES, as_pair, geometry
from ._format import number

Pair = Tuple[int, int]
AXES = ("rows", "columns")


def _pair_or_reason(v: Any, name: str, minimum: int, reasons: List[str]) -> Optional[Pair]:
    """An int or a pair of ints; a value below ``minimum`` becomes a reason, a wrong type a TypeError."""
    if isinstance(v, (tuple, list, np.ndarray)):
        if len(v) != 2:
            raise TypeError(f"window_layout: {name} must be an int or a pair (height, width), got {tuple(v)!r}")
        vals = tuple(v)
    else:
        vals = (v, v)
    for x in vals:
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
            raise TypeError(f"window_layout: {name} must be an integer or a pair of integers, got {v!r}")
    vals = (int(vals[0]), int(vals[1]))
    if min(vals) < minimum:
        reasons.append(f"{name} must be at least {minimum}, got {vals[0] if vals[0] == vals[1] else vals}.")
        return None
    return vals


def _split(total: int) -> Pair:
    # The odd zero goes after (bottom / right), as cnnlib, PyTorch and scipy.signal.correlate2d do.
    return total // 2, total - total // 2


@dataclass(frozen=True)
class WindowLayout:
    """Every window position for one set of convolution settings (see :func:`window_layout`).

    Attributes
    ----------
    in_shape, kernel_size, stride, dilation : (int, int)
        The settings, as (height, width) pairs.
    padding : int, tuple or str
        As given (per side, or a mode name).
    pads : (top, bottom, left, right) or None
        Zeros on each side (None when the settings are invalid).
    span : (int, int)
        Rows and columns one dilated window covers: ``D*(K - 1) + 1``.
    padded : (int, int) or None
        Size of the padded input.
    fits : bool
        True when at least one window fits and the settings are valid.
    reasons : list of str
        Why the settings do not fit, in words (empty when ``fits``).
    output_shape : (OH, OW) or None
    row_starts, col_starts : list of int
        Where each window starts, in padded coordinates (``i*S``).
    unread : (int, int)
        Padded rows (at the bottom) and columns (at the right) after the last
        window: never read, because the next window would not fit.
    formulas : (str, str)
        The output-size formula for rows and for columns with the numbers filled in.
    """

    in_shape: Pair
    kernel_size: Pair
    stride: Pair
    dilation: Pair
    padding: Any
    pads: Optional[Tuple[int, int, int, int]]
    span: Pair
    padded: Optional[Pair]
    fits: bool
    reasons: List[str] = field(default_factory=list)
    output_shape: Optional[Pair] = None
    row_starts: List[int] = field(default_factory=list)
    col_starts: List[int] = field(default_factory=list)
    unread: Pair = (0, 0)
    formulas: Tuple[str, str] = ("", "")

    @property
    def positions(self) -> List[Pair]:
        """Top-left corner (padded coordinates) of every window, in reading order."""
        return [(r, c) for r in self.row_starts for c in self.col_starts]

    def taps(self, i: int, j: int) -> List[Pair]:
        """The padded positions that window (i, j) reads: KH*KW taps, D apart."""
        r0, c0 = self.row_starts[i], self.col_starts[j]
        (kh, kw), (dh, dw) = self.kernel_size, self.dilation
        return [(r0 + m * dh, c0 + q * dw) for m in range(kh) for q in range(kw)]

    def unread_note(self) -> str:
        """The sentence about rows/columns after the last window ('' when the windows reach the end)."""
        if not self.fits:
            return ""
        ur, uc = self.unread
        parts = [f"{n} {word if n == 1 else word + 's'} ({where})"
                 for n, word, where in ((ur, "row", "at the bottom"), (uc, "column", "at the right")) if n]
        if not parts:
            return ""
        verb = "is" if len(parts) == 1 and max(ur, uc) == 1 else "are"
        return (f"The last window stops short of the end: {' and '.join(parts)} of the padded input {verb} "
                "never read (the output size is floored).")

    def explanation(self) -> str:
        """One paragraph for a reader: the output size, or why there is none."""
        if not self.fits:
            return " ".join(self.reasons)
        oh, ow = self.output_shape
        note = self.unread_note()
        return f"{oh} × {ow} output: {oh * ow} window positions." + (" " + note if note else "")


def _formula(axis: int, n: int, k: int, before: int, after: int, s: int, d: int) -> str:
    o, big, small, pb, pa = ("OH", "H", "KH", "P_top", "P_bottom") if axis == 0 else ("OW", "W", "KW", "P_left", "P_right")
    num = n + before + after - d * (k - 1) - 1
    general = f"{o} = ⌊({big} + {pb} + {pa} − D·({small} − 1) − 1)/S⌋ + 1"
    filled = f"⌊({n} + {before} + {after} − {d}·({k} − 1) − 1)/{s}⌋ + 1"
    if num < 0:
        return f"{general} = {filled} = ⌊{num}/{s}⌋ + 1: the kernel does not fit"
    q = num // s
    frac = "" if num % s == 0 else f" ({num}/{s} = {number(num / s)}, floored)"
    return f"{general} = {filled} = ⌊{num}/{s}⌋ + 1 = {q} + 1 = {q + 1}{frac}"


def window_layout(in_shape, kernel_size, stride=1, padding=0, dilation=1) -> WindowLayout:
    """Where every window of a convolution lands, or why none fits -- never an exception for bad values.

    Parameters
    ----------
    in_shape : int or (int, int)
        Input height and width (H, W).
    kernel_size : int or (int, int)
        (KH, KW).
    stride, dilation : int or (int, int)
    padding : int, (int, int), (top, bottom, left, right) or {'valid', 'same', 'full'}
        Zeros on *each* side, as everywhere in cnnlib.

    Returns
    -------
    WindowLayout
        With ``fits=False`` and the reasons in words when the settings do not
        fit (kernel larger than the padded input, ``'same'`` with a stride,
        a size below 1). Values of the wrong *type* (a float stride, a string
        size) still raise ``TypeError``: they are mistakes in code, not settings.

    Examples
    --------
    >>> lay = window_layout((8, 4), 2, stride=2)      # the source notes' (8x4) input
    >>> lay.output_shape, lay.row_starts, lay.col_starts
    ((4, 2), [0, 2, 4, 6], [0, 2])
    >>> lay.formulas[0]
    'OH = ⌊(H + P_top + P_bottom − D·(KH − 1) − 1)/S⌋ + 1 = ⌊(8 + 0 + 0 − 1·(2 − 1) − 1)/2⌋ + 1 = ⌊6/2⌋ + 1 = 3 + 1 = 4'
    >>> window_layout(3, 3, padding=1, dilation=3).reasons
    ['The dilated kernel spans 7 rows (3 taps, 3 apart) but the padded input has only 5 (H 3 + padding 1 + 1).', \
'The dilated kernel spans 7 columns (3 taps, 3 apart) but the padded input has only 5 (W 3 + padding 1 + 1).']
    """
    reasons: List[str] = []
    hw = _pair_or_reason(in_shape, "in_shape", 1, reasons)
    k = _pair_or_reason(kernel_size, "kernel_size", 1, reasons)
    s = _pair_or_reason(stride, "stride", 1, reasons)
    d = _pair_or_reason(dilation, "dilation", 1, reasons)
    kk, dd = k or (1, 1), d or (1, 1)
    span = (dd[0] * (kk[0] - 1) + 1, dd[1] * (kk[1] - 1) + 1)
    pads = None
    if isinstance(padding, str):
        if padding not in PADDING_MODES:
            reasons.append(f"padding must be a number of zeros per side or one of {', '.join(PADDING_MODES)}; "
                           f"got {padding!r}.")
        elif padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "full":
            pads = (span[0] - 1, span[0] - 1, span[1] - 1, span[1] - 1)
        elif s is not None and s != (1, 1):
            sv = s[0] if s[0] == s[1] else s
            reasons.append(
                f"'same' padding is defined for stride 1 only (as in PyTorch): with stride {sv} the windows are "
                f"{sv} pixels apart, so an output as large as the input would need about {max(s) - 1} "
                f"zero{'s' if max(s) > 2 else ''} of padding per input pixel, and most windows would read only zeros.")
        else:
            pads = _split(span[0] - 1) + _split(span[1] - 1)
    else:
        if isinstance(padding, (tuple, list, np.ndarray)) and len(padding) == 4:
            vals = tuple(padding)
        else:
            p = _pair_or_reason(padding, "padding", 0, reasons)
            vals = None if p is None else (p[0], p[0], p[1], p[1])
        if vals is not None:
            for v in vals:
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
                    raise TypeError(f"window_layout: padding must hold integers, got {padding!r}")
            if min(vals) < 0:
                reasons.append(f"padding cannot be negative, got {tuple(int(v) for v in vals)} (top, bottom, left, right).")
            else:
                pads = tuple(int(v) for v in vals)
    padded = None
    if hw is not None and pads is not None:
        padded = (hw[0] + pads[0] + pads[1], hw[1] + pads[2] + pads[3])
        for axis, (name, big) in enumerate((("rows", "H"), ("columns", "W"))):
            if span[axis] > padded[axis]:
                before, after = pads[2 * axis], pads[2 * axis + 1]
                taps = f"{kk[axis]} taps, {dd[axis]} apart" if dd[axis] > 1 else f"{kk[axis]} taps"
                what = "dilated kernel" if dd[axis] > 1 else "kernel"
                reasons.append(f"The {what} spans {span[axis]} {name} ({taps}) but the padded input has only "
                               f"{padded[axis]} ({big} {hw[axis]} + padding {before} + {after}).")
    if reasons:
        return WindowLayout(in_shape=hw or (0, 0), kernel_size=kk, stride=s or (1, 1), dilation=dd, padding=padding,
                            pads=pads, span=span, padded=padded, fits=False, reasons=reasons)
    out = tuple((padded[a] - span[a]) // s[a] + 1 for a in range(2))
    starts = [list(range(0, s[a] * out[a], s[a])) for a in range(2)]
    unread = tuple(padded[a] - (starts[a][-1] + span[a]) for a in range(2))
    formulas = tuple(_formula(a, hw[a], kk[a], pads[2 * a], pads[2 * a + 1], s[a], dd[a]) for a in range(2))
    return WindowLayout(in_shape=hw, kernel_size=kk, stride=s, dilation=dd, padding=padding, pads=pads, span=span,
                        padded=padded, fits=True, reasons=[], output_shape=out, row_starts=starts[0],
                        col_starts=starts[1], unread=unread, formulas=formulas)


def _axis_count(n: int, k: int, before: int, s: int, d: int, out: int) -> np.ndarray:
    """How many windows read each of the n input positions along one axis."""
    starts = np.arange(out) * s - before                      # window i starts here (input coordinates)
    read = (starts[:, None] + np.arange(k) * d).ravel()       # every (window, tap) position
    inside = read[(read >= 0) & (read < n)]                   # taps on padding read no input pixel
    return np.bincount(inside, minlength=n)


def coverage(in_shape, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """How many windows read each input pixel: an (H, W) array of integers.

    Equal to ``col2im(np.ones((OH*OW, KH*KW)), (1, 1, H, W), KH, KW, ...)[0, 0]``
    (each window adds 1 to every pixel it reads), but computed one axis at a
    time: the count is the outer product of a row count and a column count.

    Parameters
    ----------
    in_shape : int or (int, int)
        (H, W).
    kernel_size : int or (int, int)
        (KH, KW).
    stride, padding, dilation
        As in :func:`cnnlib.conv2d` (padding per side, or 'valid'/'same'/'full').

    Returns
    -------
    ndarray of int, shape (H, W)
        A 0 marks a pixel that no window reads (a stride larger than the kernel
        skips pixels; a stride that does not divide evenly leaves the last ones).

    Examples
    --------
    >>> coverage((4, 4), 3)            # corners read once, the middle by all four windows
    array([[1, 2, 2, 1],
           [2, 4, 4, 2],
           [2, 4, 4, 2],
           [1, 2, 2, 1]])
    >>> coverage((1, 7), (1, 2), stride=3)   # stride 3 > kernel 2: every third pixel is skipped
    array([[1, 1, 0, 1, 1, 0, 0]])
    """
    where = "coverage"
    h, w = as_pair(in_shape, "in_shape", where, minimum=1)
    kernel = as_pair(kernel_size, "kernel_size", where, minimum=1)
    s, pad, d, (oh, ow) = geometry((h, w), kernel, stride, padding, dilation, where, "in_shape", "kernel_size",
                                   f"in_shape={(h, w)}, kernel_size={kernel}")
    rows = _axis_count(h, kernel[0], pad[0], s[0], d[0], oh)
    cols = _axis_count(w, kernel[1], pad[2], s[1], d[1], ow)
    return np.outer(rows, cols)


__all__ = ["coverage", "window_layout", "WindowLayout"]
