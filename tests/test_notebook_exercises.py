"""The chapters' exercises: the starter runs and fails the check, the hidden solution passes it.

nbval executes the notebooks but cannot look inside the collapsed solution
(a MyST dropdown in a markdown cell, so readers can open it in JupyterLab and
in the static book alike). These tests pull the code out of the notebook itself, so the solution
the reader sees is the one that is tested.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cnnlib.exercises import check_correlate2d, check_max_pool2d

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CH02 = NOTEBOOKS / "02_convolution_vs_cross_correlation.ipynb"
CH06 = NOTEBOOKS / "06_pooling.ipynb"


def cells(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell) -> str:
    return "".join(cell["source"])


# The solution is a MyST dropdown (`:::{dropdown} Solution ...` or with backticks):
# collapsed both in the site (sphinx-design) and in JupyterLab (jupyterlab-myst).
# HTML <details> is refused: jupyterlab-myst shows its summary but cannot open it.
DROPDOWN = re.compile(r"^(?P<fence>:{3,}|`{3,})\{dropdown\}[^\n]*\n(?P<body>.*?)^(?P=fence)\s*$", re.S | re.M)


def solution_code(path: Path) -> str:
    for cell in cells(path):
        text = source(cell)
        if cell["cell_type"] != "markdown":
            continue
        assert "<details>" not in text, f"{path.name}: write the solution in a {{dropdown}}, not <details>"
        for m in DROPDOWN.finditer(text):
            blocks = re.findall(r"```python\n(.*?)```", m.group("body"), flags=re.S)
            if blocks:
                return blocks[0]
    raise AssertionError(f"{path.name}: no collapsed {{dropdown}} solution with a ```python block found")


def starter_code(path: Path, name: str) -> str:
    for cell in cells(path):
        if cell["cell_type"] == "code" and f"def {name}(" in source(cell):
            return source(cell)
    raise AssertionError(f"{path.name}: no code cell defines {name}")


def run(code: str, name: str):
    namespace = {"np": np}
    exec(compile(code, name, "exec"), namespace)
    return namespace


def test_solution_passes_the_check(capsys):
    fn = run(solution_code(CH02), "solution")["my_correlate2d"]
    assert check_correlate2d(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_starter_runs_and_fails_the_check(capsys):
    fn = run(starter_code(CH02, "my_correlate2d"), "starter")["my_correlate2d"]
    out = fn(np.ones((3, 3)), np.ones((2, 2)))  # runs before the reader fills it in
    assert out.shape == (2, 2)
    assert check_correlate2d(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")


def test_the_check_cell_calls_the_check_on_the_readers_function():
    calls = [source(c) for c in cells(CH02) if c["cell_type"] == "code" and "check_correlate2d(" in source(c)]
    assert any("check_correlate2d(my_correlate2d)" in c for c in calls)


def test_ch06_solution_passes_the_check(capsys):
    fn = run(solution_code(CH06), "solution")["my_max_pool"]
    assert check_max_pool2d(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_ch06_starter_runs_and_fails_the_check(capsys):
    fn = run(starter_code(CH06, "my_max_pool"), "starter")["my_max_pool"]
    assert fn(np.ones((4, 4)), 2).shape == (2, 2)  # runs before the reader fills it in
    assert check_max_pool2d(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")


def test_ch06_the_check_cell_calls_the_check_on_the_readers_function():
    calls = [source(c) for c in cells(CH06) if c["cell_type"] == "code" and "check_max_pool2d(" in source(c)]
    assert any("check_max_pool2d(my_max_pool)" in c for c in calls)


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_is_stored_executed_in_order_without_errors(path):
    code = [c for c in cells(path) if c["cell_type"] == "code" and source(c).strip()]
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: re-run it top to bottom (make notebooks)"
    for c in code:
        for out in c.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name}: a stored error in {source(c)[:60]!r}"
            assert out.get("name") != "stderr", f"{path.name}: stderr output in {source(c)[:60]!r}"
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r" at 0x[0-9a-f]{6,}", text), f"{path.name}: a memory address in {source(c)[:60]!r}"
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"], f"{path.name}: saved widget state (it would need a CDN in the book)"
