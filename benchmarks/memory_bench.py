"""Peak memory of one call, per byte of input, at the largest conv2d size.

im2col copies every receptive field: its matrix holds N*OH*OW*C*KH*KW numbers,
about KH*KW/stride^2 times the input. Each measurement runs in a fresh Python
process (so memory freed by an earlier one cannot hide a later one's peak) and
reports two figures:

* ``tracemalloc``: the peak of the bytes allocated during the call (NumPy
  reports its array buffers to tracemalloc). Exact, but blind to PyTorch.
* peak RSS: the rise of the process's resident memory during the call, read
  from Linux's ``VmHWM`` after resetting it (``/proc/self/clear_refs``). Sees
  everything, including PyTorch, at page granularity.

Both include the result arrays themselves.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from .conv_bench import CASES, QUICK_CASES, DTYPES, ConvCase, _inputs
from .machine import torch_or_none
from .tables import Column, Table

IMPLS = ("cnnlib.conv2d", "cnnlib.conv2d_backward", "cnnlib.im2col", "torch.conv2d", "torch.conv2d_backward")


def _status_kib(field: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _call(impl: str, case: ConvCase, dtype):
    """Return a zero-argument function doing one call of ``impl`` on fixed inputs."""
    import cnnlib

    x, w, b, dout = _inputs(case, dtype)
    s, p = case.stride, case.pad
    if impl == "cnnlib.conv2d":
        return x, lambda: cnnlib.conv2d(x, w, b, stride=s, padding=p)
    if impl == "cnnlib.conv2d_backward":
        return x, lambda: cnnlib.conv2d_backward(dout, x, w, stride=s, padding=p)
    if impl == "cnnlib.im2col":
        return x, lambda: cnnlib.im2col(x, case.k, case.k, stride=s, padding=p)
    torch = torch_or_none()
    if torch is None:
        return x, None
    from . import reference as ref

    if impl == "torch.conv2d":
        return x, ref.torch_conv2d(torch, x, w, b, s, p)
    if impl == "torch.conv2d_backward":
        return x, ref.torch_conv2d_backward(torch, dout, x, w, s, p)
    raise ValueError(impl)


def probe(impl: str, case_name: str, dtype_name: str) -> Dict:
    """One measurement; runs inside the child process."""
    import tracemalloc

    case = {c.name: c for c in CASES + QUICK_CASES}[case_name]
    dtype = np.dtype(dtype_name).type
    x, fn = _call(impl, case, dtype)
    if fn is None:
        return {"available": False}
    result = fn()                      # warm-up: imports, caches, thread pools
    del result
    gc.collect()
    rss_rise = None
    if _reset_peak_rss():
        before = _status_kib("VmRSS")
        result = fn()
        peak = _status_kib("VmHWM")
        del result
        if before is not None and peak is not None:
            rss_rise = max(0, peak - before) * 1024
    gc.collect()
    traced = kept = None
    if impl.startswith("cnnlib"):
        from cnnlib._scratch import held_bytes

        tracemalloc.start()
        result = fn()
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del result
        kept = held_bytes()
    return {"available": True, "input_bytes": int(x.nbytes), "traced_peak_bytes": traced, "rss_peak_bytes": rss_rise,
            "scratch_kept_bytes": kept}


def run(quick: bool = False, log=print) -> List[Table]:
    case = (QUICK_CASES if quick else CASES)[-1 if quick else 2]   # the largest: AlexNet's conv1
    torch = torch_or_none()
    t = Table(
        "memory",
        f"Peak memory of one call at the largest size ({case.name}: x {case.n}x{case.c}x{case.h}x{case.h}, "
        f"w {case.f}x{case.c}x{case.k}x{case.k}, stride {case.stride})",
        [
            Column("function", "function", "str"),
            Column("dtype", "dtype", "str"),
            Column("input_bytes", "input", "bytes"),
            Column("traced_peak_bytes", "peak (tracemalloc)", "bytes"),
            Column("traced_per_input_byte_x", "per input byte", "x"),
            Column("rss_peak_bytes", "peak RSS rise", "bytes"),
            Column("rss_per_input_byte_x", "RSS per input byte", "x"),
            Column("scratch_kept_bytes", "scratch kept between calls", "bytes"),
            Column("im2col_bytes", "full im2col matrix", "bytes"),
            Column("im2col_per_input_byte_x", "im2col per input byte", "x"),
        ],
        missing="n/a",
    )
    root = Path(__file__).resolve().parent.parent
    for dtype in DTYPES:
        dname = np.dtype(dtype).name
        item = np.dtype(dtype).itemsize
        im2col_bytes = case.rows * case.taps * item
        for impl in IMPLS:
            if impl.startswith("torch") and torch is None:
                t.add(function=impl, dtype=dname)
                continue
            log(f"  memory {impl} {dname} ...")
            code = (
                "import json, sys; from benchmarks.memory_bench import probe; "
                f"print(json.dumps(probe({impl!r}, {case.name!r}, {dname!r})))"
            )
            proc = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                                  env={**os.environ, "PYTHONPATH": str(root)})
            if proc.returncode != 0:
                raise RuntimeError(f"memory probe {impl} {dname} failed:\n{proc.stderr[-2000:]}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            inp = r.get("input_bytes")
            tr, rss = r.get("traced_peak_bytes"), r.get("rss_peak_bytes")
            t.add(
                function=impl, dtype=dname, input_bytes=inp,
                traced_peak_bytes=tr, traced_per_input_byte_x=None if tr is None else tr / inp,
                rss_peak_bytes=rss, rss_per_input_byte_x=None if rss is None else rss / inp,
                scratch_kept_bytes=r.get("scratch_kept_bytes"),
                im2col_bytes=im2col_bytes, im2col_per_input_byte_x=im2col_bytes / inp,
            )
    from cnnlib.conv import COLS_BYTES

    t.notes += [
        "Each figure is measured in a fresh process after one warm-up call and includes the returned arrays.",
        "scratch kept between calls: the temporaries cnnlib keeps for the next call (cnnlib/_scratch.py), allocated "
        "by the warm-up call and so not part of the peaks; add it to compare with a first call.",
        "tracemalloc sees NumPy's allocations, not PyTorch's; peak RSS sees both (page granularity, Linux only).",
        f"full im2col matrix: N*OH*OW x C*KH*KW numbers, what cnnlib.im2col returns for the whole batch. "
        f"conv2d and conv2d_backward unfold at most {COLS_BYTES // 2**20} MiB of it at a time "
        "(at least one image), so their peak is mostly the output (and, backward, dx).",
    ]
    if torch is None:
        t.notes.append("PyTorch is not installed in this environment.")
    return [t]
