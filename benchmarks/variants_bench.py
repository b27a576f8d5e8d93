"""What each speed trick of cnnlib buys: the fast path A/B against itself without the trick.

cnnlib's conv2d and pooling use a few optimisations that a student meets on
opening the code: per-thread scratch memory (``cnnlib._scratch``), working a
few images at a time (``COLS_BYTES``, ``PART_BYTES``), pooling on the input's
stride phases, and conv2d's forward product image by image. Each one is kept
only where this table shows that it pays. Every row times, in the same
interleaved rounds:

* ``cnnlib``: the library as it is;
* ``reference``: :mod:`cnnlib.reference`, the textbook im2col/col2im version;
* one column per trick, the same library with only that trick switched off
  (monkeypatched for the duration of each call):

  - ``no_scratch``: every temporary is a fresh ``np.empty``;
  - ``no_parts``: the whole batch in one part;
  - ``per_part_product`` (conv2d forward): one (F, K) x (K, m*OH*OW) product
    per part and a transposing copy into (N, F, OH, OW), instead of one
    product per image;
  - ``dx_by_fold`` (conv2d backward, stride 1): ``dx`` by col2im (adding
    KH*KW strided slices back) instead of as a correlation of the padded
    ``dout`` with the flipped filters;
  - ``per_image`` (conv2d, maps of at most ``BATCH_LAST_MAX_POSITIONS``):
    the per-image path instead of the batch-last one (the whole batch as one
    product, the batch axis last in memory). The rows ``digits-conv1`` and
    ``digits-conv2`` are the two layers of the network chapter 8 trains, at
    its batch size;
  - ``all_batch_last`` (conv2d, maps larger than that limit, up to 28 x 28):
    the batch-last path there too, which shows where the limit comes from
    (above 1: the per-image path is the faster one at that size);
  - ``no_phases`` (pooling backward): the window cells read as stride-S
    views of the padded input instead of plain slices of its S x S phases;
  - ``with_phases`` (pooling forward, which reads strided views): the
    phases put back in front of the forward pass;
  - ``c_order`` (rows ``digits-pool1`` and ``digits-pool2``, whose input is
    batch-last, as the network of chapter 8 hands it to its pooling layers):
    results and temporaries allocated in C order instead of in the memory
    order of the input.

Pooling keeps no scratch memory: with and without it timed the same within
the noise (0.7-1.4x either way, median 1.0x, 32 rows) when it had it.

A ratio above 1 (``<trick>_x`` = time without the trick / time with it)
means the trick pays.
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Callable, Dict, List

import numpy as np

import cnnlib
from cnnlib import _scratch, conv, pooling, reference

im2col_mod = importlib.import_module("cnnlib.im2col")   # the module (cnnlib.im2col is also the function)

from .conv_bench import CASES as CONV_CASES, QUICK_CASES as CONV_QUICK, ConvCase, _inputs, assert_close
from .machine import torch_or_none
from .pool_bench import CASES as POOL_CASES, QUICK_CASES as POOL_QUICK, PoolCase
from .tables import Column, Table
from .timing import compare, ms, ratio
from . import reference as ref


def _fresh(slot, shape, dtype):
    return np.empty(shape, dtype)


@contextlib.contextmanager
def _patched(pairs):
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in pairs]
    try:
        for mod, name, value in pairs:
            setattr(mod, name, value)
        yield
    finally:
        for mod, name, value in saved:
            setattr(mod, name, value)


NO_SCRATCH = [(conv, "scratch", _fresh), (im2col_mod, "scratch", _fresh)]
NO_PARTS = [(conv, "COLS_BYTES", 2**62), (pooling, "PART_BYTES", 2**62)]


def _forward_per_part(x, w, b, s, pad, d, out_hw):
    """conv2d's forward pass with one product per part and a transposing copy (the version before)."""
    n = x.shape[0]
    f, c, kh, kw = w.shape
    dtype = np.result_type(x, w)
    x = x.astype(dtype, copy=False)
    w_mat = w.reshape(f, -1).astype(dtype, copy=False)
    oh, ow = out_hw
    out = np.empty((n, f, oh * ow), dtype=dtype)
    for part in conv._image_slices(n, c * kh * kw * oh * ow * x.itemsize):
        m = part.stop - part.start
        cols = conv.unfold(x[part], (kh, kw), s, pad, d, out=conv.scratch("cols", (c * kh * kw, m * oh * ow), dtype))
        prod = np.matmul(w_mat, cols, out=conv.scratch("prod", (f, m * oh * ow), dtype))
        np.copyto(out[part], prod.reshape(f, m, oh * ow).transpose(1, 0, 2))
    if b is not None:
        out += b.astype(dtype, copy=False)[None, :, None]
    return out.reshape(n, f, oh, ow)


PER_PART_PRODUCT = [(conv, "_conv_forward", _forward_per_part)]


def _strided_cells(phases, k, s, out_hw):
    xp = phases[0, 0]
    (oh, ow), (sh, sw) = out_hw, s
    for p in range(k[0]):
        for q in range(k[1]):
            yield xp[:, :, p : p + sh * (oh - 1) + 1 : sh, q : q + sw * (ow - 1) + 1 : sw]


def _one_zero_phase(shape, s, dtype, like):
    return {(0, 0): np.zeros(shape, dtype)}


def _copy_back(phases, s, into):
    into[...] = phases[0, 0]


# The forward passes read strided views; this puts the phases back in front of them.
WITH_PHASES = [(pooling, "_forward_cells", lambda xp, k, s, out_hw: pooling._cells(pooling._phases(xp, s), k, s, out_hw))]

NO_PHASES = [
    (pooling, "_phases", lambda xp, s: {(0, 0): xp}),
    (pooling, "_cells", _strided_cells),
    (pooling, "_zero_phases", _one_zero_phase),
    (pooling, "_interleave", _copy_back),
]


# conv2d_backward's dx by col2im, as before the stride-1 correlation.
DX_BY_FOLD = [(conv, "DX_BY_CORRELATION", False)]

# The per-image path for small maps too (no batch-last path).
PER_IMAGE = [(conv, "BATCH_LAST", False)]

# The batch-last path for larger maps too: where its limit comes from.
ALL_BATCH_LAST = [(conv, "BATCH_LAST_MAX_POSITIONS", 2**62)]

# Pooling's results and temporaries in C order whatever the input's memory order.
C_ORDER = [(pooling, "empty_like_layout", lambda like, shape, dtype: np.empty(shape, dtype))]

# The network chapter 8 trains, at its batch size of 32 (only in this table).
DIGITS_CONV = [
    ConvCase("digits-conv1", 32, 1, 16, 8, 3, 1, 1, "chapter 8: first layer on the 8x8 digits"),
    ConvCase("digits-conv2", 32, 16, 32, 4, 3, 1, 1, "chapter 8: second layer"),
]
DIGITS_POOL = [
    PoolCase("digits-pool1", 32, 16, 8, 2, 2, "chapter 8: after the first conv layer (batch-last input)"),
    PoolCase("digits-pool2", 32, 32, 4, 2, 2, "chapter 8: after the second conv layer (batch-last input)"),
]


def _batch_last_copy(a):
    """The same numbers, stored batch-last, as conv2d hands them on for small maps."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def _without(pairs, fn: Callable[[], object]) -> Callable[[], object]:
    def run():
        with _patched(pairs):
            return fn()

    return run


def _columns(tricks: List[str]) -> List[Column]:
    cols = [Column("case", "case", "str"), Column("op", "op", "str"), Column("dtype", "dtype", "str"),
            Column("cnnlib_ms", "cnnlib ms"), Column("reference_ms", "reference ms"), Column("torch_ms", "torch ms")]
    for t in tricks:
        cols.append(Column(f"{t}_ms", f"{t.replace('_', ' ')} ms"))
    cols.append(Column("reference_vs_cnnlib_x", "reference / cnnlib", "x"))
    for t in tricks:
        cols.append(Column(f"{t}_x", f"{t.replace('_', ' ')} / cnnlib", "x"))
    return cols


def _row(table: Table, case, op, dname, t: Dict, tricks: List[str]) -> None:
    values = dict(case=case, op=op, dtype=dname, cnnlib_ms=ms(t["cnnlib"]), reference_ms=ms(t["reference"]),
                  torch_ms=ms(t.get("torch")), reference_vs_cnnlib_x=ratio(t["reference"], t["cnnlib"]))
    for k in tricks:
        values[f"{k}_ms"] = ms(t.get(k))
        values[f"{k}_x"] = ratio(t.get(k), t["cnnlib"])
    table.add(**values)


def _check(fns: Dict[str, Callable[[], object]], dtype) -> None:
    """Every variant gives cnnlib's numbers (a switched-off trick must not change the result)."""
    expected = fns["cnnlib"]()
    for name, fn in fns.items():
        if fn is None or name in ("cnnlib", "torch"):
            continue
        got = fn()
        for g, e in zip(got if isinstance(got, tuple) else (got,), expected if isinstance(expected, tuple) else (expected,)):
            assert_close(g, e, dtype)


def run(quick: bool = False, repeats=None, log=print, dtypes=(np.float32, np.float64), parts=("conv", "pool")) -> List[Table]:
    torch = torch_or_none()
    repeats = repeats or (3 if quick else 7)
    if quick:                       # a smoke run: one size each, one dtype
        dtypes = dtypes[:1]
    conv_tricks = ["no_scratch", "no_parts", "per_part_product", "dx_by_fold", "per_image", "all_batch_last"]
    pool_tricks = ["no_parts", "no_phases", "with_phases", "c_order"]
    tc = Table("variants_conv", "conv2d: each optimisation switched off in turn, and the textbook reference (ms)",
               _columns(conv_tricks))
    tp = Table("variants_pool", "pooling: each optimisation switched off in turn, and the textbook reference (ms)",
               _columns(pool_tricks))
    tc.missing = tp.missing = "n/a"

    for case in (CONV_QUICK[:1] if quick else CONV_CASES + DIGITS_CONV) if "conv" in parts else []:
        for dtype in dtypes:
            dname = np.dtype(dtype).name
            log(f"  variants conv2d {case.name} {dname} ...")
            x, w, b, dout = _inputs(case, dtype)
            kw = dict(stride=case.stride, padding=case.pad)
            beyond_limit = conv.BATCH_LAST_MAX_POSITIONS < case.out ** 2 <= 28 * 28
            fwd = lambda: cnnlib.conv2d(x, w, b, **kw)  # noqa: E731
            fns = {
                "cnnlib": fwd,
                "reference": lambda: reference.conv2d(x, w, b, **kw),
                "no_scratch": _without(NO_SCRATCH, fwd),
                "no_parts": _without(NO_PARTS, fwd),
                "per_part_product": _without(PER_PART_PRODUCT, fwd),
                "per_image": _without(PER_IMAGE, fwd),
                "all_batch_last": _without(ALL_BATCH_LAST, fwd) if beyond_limit else None,
                "torch": None if torch is None else ref.torch_conv2d(torch, x, w, b, case.stride, case.pad),
            }
            _check(fns, dtype)
            _row(tc, case.name, "forward", dname, compare(fns, repeats=repeats), conv_tricks)
            bwd = lambda: cnnlib.conv2d_backward(dout, x, w, **kw)  # noqa: E731
            fns = {
                "cnnlib": bwd,
                "reference": lambda: reference.conv2d_backward(dout, x, w, **kw),
                "no_scratch": _without(NO_SCRATCH, bwd),
                "no_parts": _without(NO_PARTS, bwd),
                "dx_by_fold": _without(DX_BY_FOLD, bwd) if case.stride == 1 else None,
                "per_image": _without(PER_IMAGE, bwd),
                "all_batch_last": _without(ALL_BATCH_LAST, bwd) if beyond_limit else None,
                "torch": None if torch is None else ref.torch_conv2d_backward(torch, dout, x, w, case.stride, case.pad),
            }
            _check(fns, dtype)
            _row(tc, case.name, "backward", dname, compare(fns, repeats=repeats), conv_tricks)

    for case in (POOL_QUICK[-1:] + DIGITS_POOL[:1] if quick else POOL_CASES + DIGITS_POOL) if "pool" in parts else []:
        for dtype in dtypes:
            dname = np.dtype(dtype).name
            rng = np.random.default_rng(0)
            x = rng.standard_normal((case.n, case.c, case.h, case.h)).astype(dtype)
            dout = rng.standard_normal((case.n, case.c, case.out, case.out)).astype(dtype)
            batch_last = case in DIGITS_POOL
            if batch_last:    # after conv2d and ReLU: batch-last, and many exact zeros
                x, dout = _batch_last_copy(np.maximum(x, 0)), _batch_last_copy(dout)
            k, s = case.k, case.stride
            for op in ("max", "avg"):
                log(f"  variants {op}_pool2d {case.name} {dname} ...")
                for direction in ("forward", "backward"):
                    if direction == "forward":
                        fast = getattr(cnnlib, f"{op}_pool2d")
                        slow = getattr(reference, f"{op}_pool2d")
                        f_fast = lambda fast=fast: fast(x, k, stride=s)  # noqa: E731
                        f_ref = lambda slow=slow: slow(x, k, stride=s)  # noqa: E731
                        f_torch = None if torch is None else ref.torch_pool2d(torch, x, k, s, op)
                    else:
                        fast = getattr(cnnlib, f"{op}_pool2d_backward")
                        slow = getattr(reference, f"{op}_pool2d_backward")
                        f_fast = lambda fast=fast: fast(dout, x, k, stride=s)  # noqa: E731
                        f_ref = lambda slow=slow: slow(dout, x, k, stride=s)  # noqa: E731
                        f_torch = None if torch is None else ref.torch_pool2d_backward(torch, dout, x, k, s, op)
                    fns = {
                        "cnnlib": f_fast,
                        "reference": f_ref,
                        "no_parts": _without(NO_PARTS, f_fast),
                        # phases: the backward passes use them, the forward passes do not
                        "no_phases": _without(NO_PHASES, f_fast) if direction == "backward" else None,
                        "with_phases": _without(WITH_PHASES, f_fast) if direction == "forward" else None,
                        "c_order": _without(C_ORDER, f_fast) if batch_last else None,
                        "torch": f_torch,
                    }
                    _check(fns, dtype)
                    _row(tp, case.name, f"{op} {direction}", dname, compare(fns, repeats=repeats), pool_tricks)

    tables = [t for t, name in ((tc, "conv"), (tp, "pool")) if name in parts]
    for t in tables:
        t.notes += [
            "Every column of a row was timed in the same interleaved rounds (median after a warm-up).",
            "<trick>_x = time with that trick switched off / time of cnnlib as it is: above 1, the trick pays.",
            "reference: cnnlib.reference, im2col/col2im and one matrix product (pooling: im2col per channel, max or mean per row).",
        ]
    _scratch.release()
    return tables
