"""Max and average pooling, forward and backward: cnnlib vs loops vs PyTorch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import numpy as np

import cnnlib

from . import reference as ref
from .conv_bench import DTYPES, choose_subset
from .machine import torch_or_none
from .tables import Column, Table
from .timing import compare, ms, ratio


@dataclass(frozen=True)
class PoolCase:
    name: str
    n: int
    c: int
    h: int
    k: int
    stride: int
    about: str

    @property
    def out(self) -> int:
        return (self.h - self.k) // self.stride + 1


CASES = [
    PoolCase("mnist-pool1", 64, 8, 28, 2, 2, "book: after the first conv layer"),
    PoolCase("mnist-pool2", 64, 16, 14, 2, 2, "book: after the second conv layer"),
    PoolCase("alexnet-pool1", 32, 96, 55, 3, 2, "larger: AlexNet, overlapping 3x3 windows, stride 2"),
    PoolCase("wide-pool", 128, 32, 14, 2, 2, "larger: big batch"),
]
QUICK_CASES = [
    PoolCase("tiny-2x2", 2, 3, 8, 2, 2, "quick smoke size"),
    PoolCase("tiny-3x3s2", 2, 2, 9, 3, 2, "quick smoke size"),
]
OPS = ("max", "avg")


def _columns() -> List[Column]:
    return [
        Column("case", "case", "str"),
        Column("op", "op", "str"),
        Column("dtype", "dtype", "str"),
        Column("N", "N", "int", show=False),
        Column("C", "C", "int", show=False),
        Column("H", "H", "int", show=False),
        Column("W", "W", "int", show=False),
        Column("K", "K", "int", show=False),
        Column("stride", "stride", "int", show=False),
        Column("cnnlib_ms", "cnnlib ms"),
        Column("torch_ms", "torch ms"),
        Column("loops_ms", "loops ms (extrap.)"),
        Column("cnnlib_vs_torch_x", "cnnlib/torch", "x"),
        Column("loops_vs_cnnlib_x", "loops/cnnlib", "x"),
        Column("loops_fraction", "loops fraction run", "g3", show=False),
    ]


def run(quick: bool = False, repeats: Optional[int] = None, log=print) -> List[Table]:
    torch = torch_or_none()
    cases = QUICK_CASES if quick else CASES
    repeats = repeats or (3 if quick else 7)
    slow_target = 0.02 if quick else 0.1
    # No BLAS product runs here (pooling is copies and comparisons), so only
    # PyTorch's short-lived OpenMP spinning needs a gap: 50 ms is plenty.
    gap_s = 0.05
    fwd = Table("pool2d_forward", "Pooling forward: median time per call (ms) and ratios", _columns())
    bwd = Table("pool2d_backward", "Pooling backward: median time per call (ms) and ratios", _columns())
    fwd.missing = bwd.missing = "not installed" if torch is None else "n/a"
    cnn_fwd = {"max": cnnlib.max_pool2d, "avg": cnnlib.avg_pool2d}
    cnn_bwd = {"max": cnnlib.max_pool2d_backward, "avg": cnnlib.avg_pool2d_backward}

    for case in cases:
        for op in OPS:
            for dtype in DTYPES:
                dname = np.dtype(dtype).name
                log(f"  {op}_pool2d {case.name} {dname} ...")
                rng = np.random.default_rng(0)
                x = rng.standard_normal((case.n, case.c, case.h, case.h)).astype(dtype)
                dout = rng.standard_normal((case.n, case.c, case.out, case.out)).astype(dtype)
                k, s = case.k, case.stride
                expected = cnn_fwd[op](x, k, stride=s)
                assert expected.dtype == dtype
                exp_dx = cnn_bwd[op](dout, x, k, stride=s)
                tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
                pairs = case.n * case.c

                n_l, c_l = choose_subset(lambda n_, c_: ref.loops_pool2d(x, k, s, op, n_, c_), case.n, case.c, slow_target)
                np.testing.assert_allclose(ref.loops_pool2d(x, k, s, op, n_l, c_l), expected[:n_l, :c_l], **tol)
                t_fwd = t_bwd = None
                if torch is not None:
                    t_fwd = ref.torch_pool2d(torch, x, k, s, op)
                    t_bwd = ref.torch_pool2d_backward(torch, dout, x, k, s, op)
                    np.testing.assert_allclose(t_fwd().numpy(), expected, **tol)
                    np.testing.assert_allclose(t_bwd().numpy(), exp_dx, **tol)
                scales = {"loops": pairs / (n_l * c_l)}
                t = compare(
                    {
                        "cnnlib": lambda: cnn_fwd[op](x, k, stride=s),
                        "torch": t_fwd,
                        "loops": lambda: ref.loops_pool2d(x, k, s, op, n_l, c_l),
                    },
                    repeats=repeats,
                    scales=scales,
                    gap_s=gap_s,
                )
                _add(fwd, case, op, dname, t, scales)

                n_l, c_l = choose_subset(lambda n_, c_: ref.loops_pool2d_backward(dout, x, k, s, op, n_, c_), case.n, case.c, slow_target)
                np.testing.assert_allclose(
                    ref.loops_pool2d_backward(dout, x, k, s, op, n_l, c_l), exp_dx[:n_l, :c_l], **tol
                )
                scales = {"loops": pairs / (n_l * c_l)}
                t = compare(
                    {
                        "cnnlib": lambda: cnn_bwd[op](dout, x, k, stride=s),
                        "torch": t_bwd,
                        "loops": lambda: ref.loops_pool2d_backward(dout, x, k, s, op, n_l, c_l),
                    },
                    repeats=repeats,
                    scales=scales,
                    gap_s=gap_s,
                )
                _add(bwd, case, op, dname, t, scales)

    sizes = "; ".join(f"{c.name}: {c.n}x{c.c}x{c.h}x{c.h}, {c.k}x{c.k} stride {c.stride}" for c in cases)
    for table in (fwd, bwd):
        table.notes += [
            f"Sizes (N x C x H x W, window, stride): {sizes}.",
            "loops: Python loops over image, channel, row, column (np.max / np.mean of one window), run on the first "
            "images/channels and scaled by the fraction run (loops_fraction in the JSON).",
        ]
    bwd.notes.append(
        "Backward starts from x, as cnnlib's does: torch's max-pool time includes recomputing the argmax "
        "indices (aten.max_pool2d_with_indices) before aten.max_pool2d_with_indices_backward."
    )
    if torch is None:
        fwd.notes.append("PyTorch is not installed in this environment (`make bench` installs it).")
    return [fwd, bwd]


def _add(table: Table, case: PoolCase, op: str, dname: str, t, scales) -> None:
    table.add(
        case=case.name, op=op, dtype=dname, N=case.n, C=case.c, H=case.h, W=case.h, K=case.k, stride=case.stride,
        cnnlib_ms=ms(t["cnnlib"]), torch_ms=ms(t["torch"]), loops_ms=ms(t["loops"]),
        cnnlib_vs_torch_x=ratio(t["cnnlib"], t["torch"]), loops_vs_cnnlib_x=ratio(t["loops"], t["cnnlib"]),
        loops_fraction=1.0 / scales["loops"],
    )
