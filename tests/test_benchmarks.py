"""Smoke test of benchmarks/: the code runs on tiny sizes and writes the documented schema.

Benchmarks are never timed in tests: nothing here looks at how fast anything
was, only that the command runs, checks its references against cnnlib, and
writes results.json / results.md in the form the chapters read.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmarks/ is a folder of the repository, not an installed package

NUMERIC_SUFFIXES = ("_ms", "_s", "_x", "_gflops", "_bytes", "_fraction")
CONV_COLUMNS = {
    "case", "dtype", "N", "C", "F", "H", "W", "KH", "KW", "stride", "padding", "gflop",
    "cnnlib_ms", "matmul_ms", "torch_ms", "scipy_ms", "loops_ms",
    "cnnlib_gflops", "matmul_gflops", "torch_gflops",
    "cnnlib_vs_torch_x", "cnnlib_vs_matmul_x", "loops_vs_cnnlib_x", "scipy_vs_cnnlib_x",
    "scipy_fraction", "loops_fraction",
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "conv,pool", "--only", "memory", "--output-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, json.loads((out / "results.json").read_text()), (out / "results.md").read_text()


def test_quick_run_prints_every_table(quick_run):
    stdout, result, _ = quick_run
    for title in ("conv2d forward", "conv2d backward", "Pooling forward", "Pooling backward", "Peak memory"):
        assert title in stdout


def test_results_json_has_the_documented_schema(quick_run):
    _, r, _ = quick_run
    assert r["schema"] == 1
    datetime.datetime.fromisoformat(r["date"])
    assert r["complete"] is False and r["quick"] is True
    assert r["sections"] == ["conv", "pool", "memory"]
    m = r["machine"]
    assert isinstance(m["cpu_count"], int) and m["cpu_count"] >= 1
    assert isinstance(m["numpy"], str)
    for key in ("blas", "blas_version", "torch"):
        assert m[key] is None or isinstance(m[key], str)
    assert r["method"]["statistic"] == "median" and r["method"]["timer"] == "time.perf_counter"
    assert r["targets"] == []  # quick sizes: no verdict
    assert set(r["tables"]) == {
        "conv2d_cases", "conv2d_forward", "conv2d_backward", "pool2d_forward", "pool2d_backward", "memory"
    }
    for key, table in r["tables"].items():
        assert isinstance(table["title"], str) and table["title"]
        cols = table["columns"]
        assert len(cols) == len(set(cols)) == len(table["headers"])
        assert table["rows"], key
        for row in table["rows"]:
            assert len(row) == len(cols)
            for name, value in zip(cols, row):
                assert value is None or isinstance(value, (int, float, str)), (key, name, value)
                if name.endswith(NUMERIC_SUFFIXES) and value is not None:
                    assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, name, value)
    assert CONV_COLUMNS <= set(r["tables"]["conv2d_forward"]["columns"])
    assert CONV_COLUMNS <= set(r["tables"]["conv2d_backward"]["columns"])


def test_rows_are_measured_and_torch_is_optional(quick_run):
    _, r, _ = quick_run
    fwd = r["tables"]["conv2d_forward"]
    col = {c: i for i, c in enumerate(fwd["columns"])}
    assert {row[col["dtype"]] for row in fwd["rows"]} == {"float32", "float64"}
    for row in fwd["rows"]:
        for name in ("cnnlib_ms", "matmul_ms", "scipy_ms", "loops_ms", "cnnlib_vs_matmul_x"):
            assert row[col[name]] is not None and row[col[name]] > 0
        assert 0 < row[col["loops_fraction"]] <= 1
        # PyTorch is optional: present in the benchmark environment, null elsewhere.
        assert (row[col["torch_ms"]] is None) == (r["machine"]["torch"] is None)


def test_results_md_carries_the_tables_and_the_machine(quick_run):
    _, r, md = quick_run
    assert f"{r['machine']['cpu_count']} cores" in md
    assert "### conv2d forward" in md
    assert re.search(r"^\| case \| dtype \| cnnlib ms \|", md, re.M)


def test_unknown_section_is_refused():
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "gpu"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown section" in proc.stderr


def test_chapter_copies_rename_their_labels():
    from benchmarks.book_bench import _suffix_labels

    text = "(sec-flip)=\n# Flip\n```{figure} a.png\n:name: fig-a\n```\n$$ x $$ (eq-1)\nsee {ref}`sec-flip`"
    out = _suffix_labels(text, "-copy2")
    assert "(sec-flip-copy2)=" in out and ":name: fig-a-copy2" in out and "(eq-1-copy2)" in out
    assert "{ref}`sec-flip`" in out  # references still point at a label that exists


def test_book_copy_lists_every_chapter_k_times(tmp_path):
    import yaml

    from benchmarks.book_bench import TOC, chapters, make_copy

    originals = chapters()
    if not originals:
        pytest.skip("no chapters yet")
    n = make_copy(tmp_path / "book", copies=2)
    assert n == 2 * len(originals)
    listed = json.dumps(yaml.safe_load((tmp_path / "book" / TOC).read_text()))
    for nb in originals:
        assert f"notebooks/{nb.stem}-copy2" in listed
        assert (tmp_path / "book" / "notebooks" / f"{nb.stem}-copy2.ipynb").exists()


def test_train_section_runs_on_a_small_subset(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "train", "--output-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads((tmp_path / "results.json").read_text())
    assert set(r["tables"]) == {"train_summary", "train_history", "train_breakdown", "train_memory"}
    summary = r["tables"]["train_summary"]
    col = {c: i for i, c in enumerate(summary["columns"])}
    cnnlib_row = summary["rows"][0]
    assert cnnlib_row[col["implementation"]] == "cnnlib" and cnnlib_row[col["epoch_s"]] > 0
    torch_row = summary["rows"][2]
    assert (torch_row[col["epoch_s"]] is None) == (r["machine"]["torch"] is None)
    breakdown = r["tables"]["train_breakdown"]
    parts = [row[0] for row in breakdown["rows"]]
    assert "conv forward" in parts and "conv backward" in parts and parts[-1] == "total"
    assert "### Training the book's CNN" in (tmp_path / "results.md").read_text()

def test_variants_section_runs_and_checks_every_variant():
    # Each switched-off optimisation is first checked to give cnnlib's numbers.
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "variants", "--no-write", "--repeats", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for title in ("conv2d: each optimisation switched off", "pooling: each optimisation switched off"):
        assert title in proc.stdout
    for header in ("reference ms", "no scratch ms", "no parts ms", "per part product ms", "no phases ms", "with phases ms",
                   "per image ms", "c order ms"):
        assert header in proc.stdout
