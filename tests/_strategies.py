"""Hypothesis strategies shared by the property tests: geometry and data.

A drawn case always fits (the dilated kernel is no larger than the padded
input), so no example is thrown away with ``assume``. Array values come from a
seeded NumPy generator: the seed is the only thing Hypothesis has to shrink.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np
from hypothesis import strategies as st

PAD_KINDS = ("int", "pair", "quad", "valid", "same", "full")


@dataclass(frozen=True)
class Geometry:
    h: int
    w: int
    kh: int
    kw: int
    stride: Union[int, Tuple[int, int]]  # as passed to cnnlib
    dilation: Union[int, Tuple[int, int]]  # as passed to cnnlib
    padding: Union[int, Tuple[int, ...], str]  # as passed to cnnlib
    sh: int
    sw: int
    dh: int
    dw: int
    pads: Optional[Tuple[int, int, int, int]]  # (top, bottom, left, right); None for a named mode
    mode: Optional[str]  # 'valid' / 'same' / 'full' or None

    @property
    def span(self):
        """Extent of the dilated kernel, (rows, cols)."""
        return self.dh * (self.kh - 1) + 1, self.dw * (self.kw - 1) + 1


def _int_or_pair(draw, a: int, b: int):
    """Pass an int when both axes agree (sometimes), else the (h, w) pair."""
    if a == b and draw(st.booleans()):
        return a
    return (a, b)


@st.composite
def geometries(draw, pad_kinds=PAD_KINDS, max_k=4, max_s=3, max_d=3, max_p=3, max_extra=4):
    """A 2-D convolution geometry whose (dilated) kernel fits the padded input."""
    kind = draw(st.sampled_from(pad_kinds))
    kh = draw(st.integers(1, max_k))
    kw = draw(st.integers(1, max_k))
    dh = draw(st.integers(1, max_d))
    dw = draw(st.integers(1, max_d))
    if kind == "same":
        sh = sw = 1
    else:
        sh = draw(st.integers(1, max_s))
        sw = draw(st.integers(1, max_s))
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    mode = None
    if kind == "int":
        p = draw(st.integers(0, max_p))
        padding, pads = p, (p, p, p, p)
    elif kind == "pair":
        ph, pw = draw(st.integers(0, max_p)), draw(st.integers(0, max_p))
        padding, pads = (ph, pw), (ph, ph, pw, pw)
    elif kind == "quad":
        pads = tuple(draw(st.integers(0, max_p)) for _ in range(4))
        padding = pads
    else:
        padding, pads, mode = kind, None, kind
    if mode is None:
        min_h = max(1, eh - pads[0] - pads[1])
        min_w = max(1, ew - pads[2] - pads[3])
    elif mode == "valid":
        min_h, min_w = eh, ew
    else:  # 'same' and 'full' pad enough for any input
        min_h = min_w = 1
    h = min_h + draw(st.integers(0, max_extra))
    w = min_w + draw(st.integers(0, max_extra))
    return Geometry(
        h=h,
        w=w,
        kh=kh,
        kw=kw,
        stride=_int_or_pair(draw, sh, sw),
        dilation=_int_or_pair(draw, dh, dw),
        padding=padding,
        sh=sh,
        sw=sw,
        dh=dh,
        dw=dw,
        pads=pads,
        mode=mode,
    )


seeds = st.integers(min_value=0, max_value=2**32 - 1)


def rng_for(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)
