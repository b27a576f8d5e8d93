"""``python -m benchmarks``: run the sections, print the tables, write results.json and results.md."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from .machine import load_average, machine_info, now_iso
from .tables import Table

SECTIONS = ("conv", "pool", "memory", "train", "book")
HERE = Path(__file__).resolve().parent
SCHEMA_VERSION = 1


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time cnnlib against nested loops, SciPy, PyTorch (if installed) and the bare matrix "
        "product; time the book's notebooks and builds; measure peak memory. Prints every table and "
        "writes them to results.json and results.md.",
    )
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and few repeats (a smoke run of the code, not a measurement)")
    p.add_argument("--only", action="append", default=None, metavar="SECTION",
                   help=f"run only these sections: {', '.join(SECTIONS)} (repeat or comma-separate)")
    p.add_argument("--repeats", type=int, default=None, help="timed rounds per row (default 7, quick 3; the book section: 3, quick 1)")
    p.add_argument("--output-dir", type=Path, default=None,
                   help="where to write results.json and results.md (default: benchmarks/ for a full run, "
                   "benchmarks/partial/ for --quick or --only, so a partial run never overwrites the full tables)")
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)
    only = []
    for item in args.only or []:
        only += [s.strip() for s in item.split(",") if s.strip()]
    bad = sorted(set(only) - set(SECTIONS))
    if bad:
        p.error(f"unknown section(s) {bad}; choose from {list(SECTIONS)}")
    args.sections = [s for s in SECTIONS if not only or s in only]
    args.complete = not args.quick and args.sections == list(SECTIONS)
    if args.output_dir is None:
        args.output_dir = HERE if args.complete else HERE / "partial"
    return args


def targets(tables: Dict[str, Table]) -> List[Dict[str, Any]]:
    """The issue's targets, checked against the measured tables."""
    out = []

    def rows(key):
        t = tables.get(key)
        return [] if t is None else [dict(zip([c.name for c in t.columns], r)) for r in t.rows]

    fwd = rows("conv2d_forward")
    if fwd:
        for dtype in ("float32", "float64"):
            r = [x for x in fwd if x["dtype"] == dtype and x["cnnlib_vs_torch_x"] is not None]
            if r:
                worst = max(r, key=lambda x: x["cnnlib_vs_torch_x"])
                out.append({
                    "target": f"conv2d forward within 2x of PyTorch CPU at every size ({dtype})",
                    "met": all(x["cnnlib_vs_torch_x"] <= 2.0 for x in r),
                    "worst": f"{worst['case']}: {worst['cnnlib_vs_torch_x']:.2f}x",
                })
            r = [x for x in fwd if x["dtype"] == dtype]
            worst = max(r, key=lambda x: x["cnnlib_vs_matmul_x"])
            out.append({
                "target": f"conv2d forward at most 2x the bare matrix product ({dtype})",
                "met": all(x["cnnlib_vs_matmul_x"] <= 2.0 for x in r),
                "worst": f"{worst['case']}: {worst['cnnlib_vs_matmul_x']:.2f}x",
            })
    for key in ("conv2d_forward", "conv2d_backward", "pool2d_forward", "pool2d_backward"):
        r = [x for x in rows(key) if x["loops_vs_cnnlib_x"] is not None]
        if r:
            worst = min(r, key=lambda x: x["loops_vs_cnnlib_x"])
            label = worst["case"] + (f" {worst['op']}" if "op" in worst else "") + f" {worst['dtype']}"
            out.append({
                "target": f"{key.replace('_', ' ')}: at least 100x faster than the nested loops",
                "met": all(x["loops_vs_cnnlib_x"] >= 100 for x in r),
                "worst": f"{label}: {worst['loops_vs_cnnlib_x']:.0f}x",
            })
    summary = rows("train_summary")
    ours = [x for x in summary if x["implementation"] == "cnnlib" and x["blas_threads"] != "BLAS default"]
    if ours and ours[0]["vs_torch_x"] is not None:
        out.append({
            "target": "training: cnnlib's epoch no slower than PyTorch's (same network, weights, batches, optimiser)",
            "met": ours[0]["vs_torch_x"] <= 1.0,
            "worst": f"{ours[0]['vs_torch_x']:.2f}x ({ours[0]['epoch_s']:.3f} s per epoch)",
        })
    if ours:
        s97 = ours[0]["seconds_to_target_s"]
        out.append({
            "target": "training: >= 97% test accuracy on the digits in under 10 s",
            "met": s97 is not None and s97 < 10,
            "worst": "not reached" if s97 is None else f"{s97:.1f} s (epoch {ours[0]['epoch_to_target']})",
        })
    suite = [x for x in rows("book_build") if x["step"].startswith("nbval suite")]
    if suite:
        s = suite[0]
        out.append({
            "target": "whole notebook suite under 90 s",
            "met": s["seconds"] < 90 and s["status"].startswith("ok"),
            "worst": f"{s['seconds']:.1f} s for {s['chapters']} chapter(s), {s['status']}",
        })
    return out


def to_markdown(result: Dict[str, Any], tables: List[Table]) -> str:
    m = result["machine"]
    lines = [
        "# cnnlib benchmarks",
        "",
        f"Measured {result['date']} by `python -m benchmarks`"
        + ("" if result["complete"] else f" (partial run: {', '.join(result['sections'])}"
           + (", quick sizes" if result["quick"] else "") + ")")
        + f" on {m['cpu_count']} cores ({m['cpu_model']}), NumPy {m['numpy']} with BLAS "
        f"{m['blas']} {m['blas_version']}, SciPy {m['scipy']}, "
        + (f"PyTorch {m['torch']} ({m['torch_threads']} threads)" if m["torch"] else "PyTorch not installed")
        + f", Python {m['python']}. Load average at start {m['load_average_start']}, at end {m['load_average_end']}.",
        "",
        "Times are medians of repeated runs after a warm-up (`time.perf_counter`); every implementation in a "
        "row was timed in the same interleaved rounds. Ratios are ratios of medians.",
        "",
    ]
    for t in tables:
        lines += [t.to_markdown(), ""]
    if result["targets"]:
        lines += ["### Targets", "", "| target | met | worst case |", "| :--- | :---: | :--- |"]
        lines += [f"| {t['target']} | {'yes' if t['met'] else '**no**'} | {t['worst']} |" for t in result["targets"]]
        lines.append("")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    info = machine_info()
    print(f"cnnlib benchmarks: sections {', '.join(args.sections)}{' (quick sizes)' if args.quick else ''}")
    print(f"machine: {info['cpu_count']} cores, {info['cpu_model']}; numpy {info['numpy']} with BLAS "
          f"{info['blas']} {info['blas_version']}; torch {info['torch'] or 'not installed'}; "
          f"load average {info['load_average_start']}", flush=True)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    tables: List[Table] = []
    started = time.perf_counter()
    for section in args.sections:
        t0 = time.perf_counter()
        log(f"[{section}]")
        if section == "conv":
            from . import conv_bench

            new = conv_bench.run(quick=args.quick, repeats=args.repeats, log=log)
        elif section == "pool":
            from . import pool_bench

            new = pool_bench.run(quick=args.quick, repeats=args.repeats, log=log)
        elif section == "memory":
            from . import memory_bench

            new = memory_bench.run(quick=args.quick, log=log)
        elif section == "train":
            from . import train_bench

            new = train_bench.run(quick=args.quick, repeats=args.repeats, log=log)
        else:
            from . import book_bench

            new = book_bench.run(quick=args.quick, repeats=args.repeats, log=log)
        for t in new:
            print()
            print(t.to_text(), flush=True)
        log(f"[{section}] {time.perf_counter() - t0:.0f} s")
        tables += new

    info["load_average_end"] = load_average()
    by_key = {t.key: t for t in tables}
    result = {
        "schema": SCHEMA_VERSION,
        "date": now_iso(),
        "complete": args.complete,
        "quick": args.quick,
        "sections": args.sections,
        "machine": info,
        "method": {
            "timer": "time.perf_counter",
            "warmup_runs": 1,
            "repeats": args.repeats or (3 if args.quick else 7),
            "book_repeats": args.repeats or (1 if args.quick else 3),
            "statistic": "median",
            "interleaved": True,
        },
        "duration_s": round(time.perf_counter() - started, 1),
        "tables": {t.key: t.to_json() for t in tables},
        # Quick sizes are a smoke run, not a measurement: no verdict on the targets.
        "targets": [] if args.quick else targets(by_key),
    }
    if result["targets"]:
        print("\nTargets")
        print("=======")
        for t in result["targets"]:
            print(f"  [{'met' if t['met'] else 'MISSED'}] {t['target']}: worst {t['worst']}")
    if not args.no_write:
        args.output_dir.mkdir(parents=True, exist_ok=True)
        (args.output_dir / "results.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        (args.output_dir / "results.md").write_text(to_markdown(result, tables), encoding="utf-8")
        print(f"\nwrote {args.output_dir / 'results.json'} and {args.output_dir / 'results.md'}")
    print(f"total {result['duration_s']:.0f} s")
    return 0
