"""conv2d forward and backward: cnnlib vs loops, SciPy, PyTorch and the bare matrix product."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

import numpy as np

import cnnlib

from . import reference as ref
from .machine import torch_or_none
from .tables import Column, Table
from .timing import compare, gflops, ms, ratio


@dataclass(frozen=True)
class ConvCase:
    name: str
    n: int
    c: int
    f: int
    h: int
    k: int
    stride: int
    pad: int
    about: str

    @property
    def out(self) -> int:
        return (self.h + 2 * self.pad - self.k) // self.stride + 1

    @property
    def rows(self) -> int:        # M: one im2col row per output position
        return self.n * self.out * self.out

    @property
    def taps(self) -> int:        # K: one im2col column per kernel tap
        return self.c * self.k * self.k

    @property
    def flop(self) -> float:      # forward multiply-adds, counted as 2 flops
        return 2.0 * self.rows * self.taps * self.f


# The book's workload (a digit classifier on 28x28 images) and two larger layers.
CASES = [
    ConvCase("mnist-conv1", 64, 1, 8, 28, 3, 1, 1, "book: first layer on 28x28 digits"),
    ConvCase("mnist-conv2", 64, 8, 16, 28, 3, 1, 1, "book: second layer"),
    ConvCase("alexnet-conv1", 32, 3, 96, 227, 11, 4, 0, "larger: AlexNet's first layer"),
    ConvCase("wide-14x14", 128, 16, 32, 14, 3, 1, 1, "larger: big batch, more channels"),
]
QUICK_CASES = [
    ConvCase("tiny-3x3", 4, 2, 4, 12, 3, 1, 1, "quick smoke size"),
    ConvCase("tiny-stride2", 2, 3, 5, 15, 5, 2, 0, "quick smoke size"),
]
DTYPES = (np.float32, np.float64)


def assert_close(got, expected, dtype) -> None:
    """Equal up to rounding: the largest error relative to the largest value.

    A float32 sum of 100,000 products (AlexNet's dw) is off by about 1e-5 of
    its size whichever order it is added in, so elementwise rtol is too strict.
    """
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    scale = max(1.0, float(np.abs(expected).max()))
    err = float(np.abs(got.astype(np.float64) - expected).max()) / scale
    limit = 1e-4 if dtype == np.float32 else 1e-10
    assert err <= limit, f"relative error {err:.3g} > {limit:g}"


def choose_subset(run: Callable[[int, int], object], n: int, f: int, target_s: float) -> Tuple[int, int]:
    """Images and filters for a slow reference so one run takes about ``target_s``."""
    run(1, 1)  # warm-up and probe
    t0 = time.perf_counter()
    run(1, 1)
    one_pair = max(time.perf_counter() - t0, 1e-6)
    pairs = int(max(1, min(n * f, target_s / one_pair)))
    f_sub = min(f, pairs)
    n_sub = min(n, max(1, pairs // f_sub))
    return n_sub, f_sub


def _inputs(case: ConvCase, dtype, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((case.n, case.c, case.h, case.h)).astype(dtype)
    w = (rng.standard_normal((case.f, case.c, case.k, case.k)) / np.sqrt(case.taps)).astype(dtype)
    b = rng.standard_normal(case.f).astype(dtype)
    dout = rng.standard_normal((case.n, case.f, case.out, case.out)).astype(dtype)
    return x, w, b, dout


def _matmul_pair(case: ConvCase, dtype, seed: int = 1):
    """Contiguous random operands of im2col's product, in both orientations."""
    rng = np.random.default_rng(seed)
    cols = rng.standard_normal((case.rows, case.taps)).astype(dtype)   # (M, K)
    w_t = rng.standard_normal((case.taps, case.f)).astype(dtype)       # (K, F)
    cols_t = np.ascontiguousarray(cols.T)                              # (K, M)
    w_mat = np.ascontiguousarray(w_t.T)                                # (F, K)
    d_rows = rng.standard_normal((case.rows, case.f)).astype(dtype)    # (M, F)
    d_t = np.ascontiguousarray(d_rows.T)                               # (F, M)
    return cols, w_t, cols_t, w_mat, d_rows, d_t


def case_table(cases: List[ConvCase]) -> Table:
    t = Table(
        "conv2d_cases",
        "conv2d sizes: x (N, C, H, W) * w (F, C, K, K), padding per side",
        [
            Column("case", "case", "str"),
            Column("N", "N", "int"),
            Column("C", "C", "int"),
            Column("F", "F", "int"),
            Column("H", "H=W", "int"),
            Column("K", "K", "int"),
            Column("stride", "stride", "int"),
            Column("padding", "pad", "int"),
            Column("OH", "OH=OW", "int"),
            Column("matmul_M", "M=N*OH*OW", "int"),
            Column("matmul_K", "K=C*KH*KW", "int"),
            Column("gflop_forward", "GFLOP fwd", "g3"),
            Column("about", "about", "str"),
        ],
    )
    for c in cases:
        t.add(case=c.name, N=c.n, C=c.c, F=c.f, H=c.h, K=c.k, stride=c.stride, padding=c.pad, OH=c.out,
              matmul_M=c.rows, matmul_K=c.taps, gflop_forward=c.flop / 1e9, about=c.about)
    t.notes.append("matmul: im2col's product (M x K) @ (K x F); GFLOP counts a multiply-add as 2.")
    return t


def _columns(direction: str) -> List[Column]:
    return [
        Column("case", "case", "str"),
        Column("dtype", "dtype", "str"),
        Column("N", "N", "int", show=False),
        Column("C", "C", "int", show=False),
        Column("F", "F", "int", show=False),
        Column("H", "H", "int", show=False),
        Column("W", "W", "int", show=False),
        Column("KH", "KH", "int", show=False),
        Column("KW", "KW", "int", show=False),
        Column("stride", "stride", "int", show=False),
        Column("padding", "padding", "int", show=False),
        Column("gflop", "GFLOP", "g3", show=False),
        Column("cnnlib_ms", "cnnlib ms"),
        Column("matmul_ms", "matmul ms"),
        Column("torch_ms", "torch ms"),
        Column("scipy_ms", "scipy ms (extrap.)"),
        Column("loops_ms", "loops ms (extrap.)"),
        Column("cnnlib_gflops", "cnnlib GFLOP/s"),
        Column("matmul_gflops", "matmul GFLOP/s"),
        Column("torch_gflops", "torch GFLOP/s"),
        Column("cnnlib_vs_torch_x", "cnnlib/torch", "x"),
        Column("cnnlib_vs_matmul_x", "cnnlib/matmul", "x"),
        Column("loops_vs_cnnlib_x", "loops/cnnlib", "x"),
        Column("scipy_vs_cnnlib_x", "scipy/cnnlib", "x"),
        Column("scipy_fraction", "scipy fraction run", "g3", show=False),
        Column("loops_fraction", "loops fraction run", "g3", show=False),
    ]


def run(quick: bool = False, repeats: Optional[int] = None, log=print) -> List[Table]:
    torch = torch_or_none()
    cases = QUICK_CASES if quick else CASES
    repeats = repeats or (3 if quick else 7)
    slow_target = 0.02 if quick else 0.25
    fwd = Table("conv2d_forward", "conv2d forward: median time per call (ms) and ratios", _columns("forward"))
    bwd = Table("conv2d_backward", "conv2d backward (dx, dw, db): median time per call (ms) and ratios", _columns("backward"))
    missing = "not installed" if torch is None else "n/a"
    fwd.missing = bwd.missing = missing

    for case in cases:
        for dtype in DTYPES:
            dname = np.dtype(dtype).name
            log(f"  conv2d {case.name} {dname} ...")
            x, w, b, dout = _inputs(case, dtype)
            s, p = case.stride, case.pad
            mm = _matmul_pair(case, dtype)
            cols, w_t, cols_t, w_mat, d_rows, d_t = mm
            expected = cnnlib.conv2d(x, w, b, stride=s, padding=p)
            assert expected.dtype == dtype, f"cnnlib.conv2d turned {dname} into {expected.dtype}"
            exp_dx, exp_dw, exp_db = cnnlib.conv2d_backward(dout, x, w, stride=s, padding=p)

            # --- slow references on a subset, checked against cnnlib first ---
            n_l, f_l = choose_subset(lambda n_, f_: ref.loops_conv2d(x, w, b, s, p, n_, f_), case.n, case.f, slow_target)
            n_s, f_s = choose_subset(lambda n_, f_: ref.scipy_conv2d(x, w, b, s, p, n_, f_), case.n, case.f, slow_target)
            assert_close(ref.loops_conv2d(x, w, b, s, p, n_l, f_l), expected[:n_l, :f_l], dtype)
            assert_close(ref.scipy_conv2d(x, w, b, s, p, n_s, f_s), expected[:n_s, :f_s], dtype)
            torch_fwd = torch_bwd = None
            if torch is not None:
                torch_fwd = ref.torch_conv2d(torch, x, w, b, s, p)
                torch_bwd = ref.torch_conv2d_backward(torch, dout, x, w, s, p)
                assert_close(torch_fwd().numpy(), expected, dtype)
                for got, exp in zip(torch_bwd(), (exp_dx, exp_dw, exp_db)):
                    assert_close(got.numpy(), exp, dtype)

            pairs = case.n * case.f
            scales = {"loops": pairs / (n_l * f_l), "scipy": pairs / (n_s * f_s)}
            t = compare(
                {
                    "cnnlib": lambda: cnnlib.conv2d(x, w, b, stride=s, padding=p),
                    "matmul_rows": lambda: cols @ w_t,          # (M, K) @ (K, F)
                    "matmul_cols": lambda: w_mat @ cols_t,      # (F, K) @ (K, M)
                    "torch": torch_fwd,
                    "scipy": lambda: ref.scipy_conv2d(x, w, b, s, p, n_s, f_s),
                    "loops": lambda: ref.loops_conv2d(x, w, b, s, p, n_l, f_l),
                },
                repeats=repeats,
                scales=scales,
            )
            floor = min((t["matmul_rows"], t["matmul_cols"]), key=lambda v: v.median_s)
            _add_row(fwd, case, dname, case.flop, t, floor, scales)

            # --- backward ---
            n_l, f_l = choose_subset(lambda n_, f_: ref.loops_conv2d_backward(dout, x, w, s, p, n_, f_), case.n, case.f, slow_target)
            n_s, f_s = choose_subset(lambda n_, f_: ref.scipy_conv2d_backward(dout, x, w, s, p, n_, f_), case.n, case.f, slow_target)
            _check_backward_subset(ref.loops_conv2d_backward(dout, x, w, s, p, n_l, f_l), dout, x, w, s, p, n_l, f_l, dtype)
            _check_backward_subset(ref.scipy_conv2d_backward(dout, x, w, s, p, n_s, f_s), dout, x, w, s, p, n_s, f_s, dtype)
            scales = {"loops": pairs / (n_l * f_l), "scipy": pairs / (n_s * f_s)}
            t = compare(
                {
                    "cnnlib": lambda: cnnlib.conv2d_backward(dout, x, w, stride=s, padding=p),
                    # the two products of the backward pass: dW = dY^T cols, dcols = dY W
                    "matmul_rows": lambda: (d_t @ cols, d_rows @ w_mat),
                    "matmul_cols": lambda: (cols_t @ d_rows, w_t @ d_t),
                    "torch": torch_bwd,
                    "scipy": lambda: ref.scipy_conv2d_backward(dout, x, w, s, p, n_s, f_s),
                    "loops": lambda: ref.loops_conv2d_backward(dout, x, w, s, p, n_l, f_l),
                },
                repeats=repeats,
                scales=scales,
            )
            floor = min((t["matmul_rows"], t["matmul_cols"]), key=lambda v: v.median_s)
            _add_row(bwd, case, dname, 2 * case.flop, t, floor, scales)
            del mm, cols, w_t, cols_t, w_mat, d_rows, d_t

    for table, what in ((fwd, "forward"), (bwd, "backward")):
        table.notes += [
            "Median of the timed rounds after a warm-up; every implementation of a row ran in the same interleaved rounds.",
            "matmul: the bare BLAS product(s) of the same shape on contiguous random operands, the faster of the two "
            "orientations (M x K)(K x F) and (F x K)(K x M): the floor for an im2col design"
            + ("." if what == "forward" else " (backward: both products, dW and d-columns)."),
            "torch: torch.nn.functional.conv2d on the CPU" if what == "forward" else
            "torch: aten.convolution_backward on the CPU (dx, dw, db; no forward pass), like cnnlib.conv2d_backward",
            "loops: Python loops over image, filter, row, column with np.sum(window * filter); "
            "scipy: one scipy.signal.correlate2d per (image, filter, channel), summed"
            + (" (stride: every S-th value of the stride-1 result)" if what == "forward" else
               " (dx by convolve2d 'full', dw by correlate2d 'valid')")
            + ". Both run on the first images/filters only and are scaled by the fraction run (columns *_fraction in the JSON).",
            "GFLOP/s counts a multiply-add as 2 flops" + ("" if what == "forward" else "; backward = 2x forward (dx and dw)") + ".",
        ]
        if torch is None:
            table.notes.append("PyTorch is not installed in this environment (`make bench` installs it).")
    return [case_table(cases), fwd, bwd]


def _check_backward_subset(got, dout, x, w, s, p, n_sub, f_sub, dtype):
    """A reference run on the first images and filters equals cnnlib on the same slices."""
    expected = cnnlib.conv2d_backward(dout[:n_sub, :f_sub], x[:n_sub], w[:f_sub], stride=s, padding=p)
    for g, e in zip(got, expected):
        assert_close(g, e, dtype)


def _add_row(table: Table, case: ConvCase, dname: str, flop: float, t, floor, scales) -> None:
    table.add(
        case=case.name, dtype=dname, N=case.n, C=case.c, F=case.f, H=case.h, W=case.h, KH=case.k, KW=case.k,
        stride=case.stride, padding=case.pad, gflop=flop / 1e9,
        cnnlib_ms=ms(t["cnnlib"]), matmul_ms=ms(floor), torch_ms=ms(t["torch"]),
        scipy_ms=ms(t["scipy"]), loops_ms=ms(t["loops"]),
        cnnlib_gflops=gflops(flop, t["cnnlib"]), matmul_gflops=gflops(flop, floor), torch_gflops=gflops(flop, t["torch"]),
        cnnlib_vs_torch_x=ratio(t["cnnlib"], t["torch"]), cnnlib_vs_matmul_x=ratio(t["cnnlib"], floor),
        loops_vs_cnnlib_x=ratio(t["loops"], t["cnnlib"]), scipy_vs_cnnlib_x=ratio(t["scipy"], t["cnnlib"]),
        scipy_fraction=1.0 / scales["scipy"], loops_fraction=1.0 / scales["loops"],
    )
