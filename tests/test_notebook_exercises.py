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

from cnnlib.exercises import check_circular_conv, check_correlate2d, check_loss_gradient, check_output_size, check_param_counts, check_max_pool2d

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CH02 = NOTEBOOKS / "02_convolution_vs_cross_correlation.ipynb"
CH03 = NOTEBOOKS / "03_padding_stride_output_size.ipynb"
CH05 = NOTEBOOKS / "05_parameter_sharing.ipynb"
# Chapter 8 (issue 17): back in notebooks/.
CH08 = NOTEBOOKS / "08_small_cnn_from_scratch.ipynb"
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


# --- chapter 3: the output-size formula ----------------------------------------------


def test_ch03_solution_passes_the_check(capsys):
    fn = run(solution_code(CH03), "solution")["my_output_size"]
    assert check_output_size(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_ch03_starter_runs_and_fails_the_check_after_the_first_case(capsys):
    fn = run(starter_code(CH03, "my_output_size"), "starter")["my_output_size"]
    assert fn(8, 2, 0, 0, 1, 1) == 7          # n - k + 1: the first case passes
    assert check_output_size(fn) is False
    out = capsys.readouterr().out
    assert out.startswith("FAIL on padding 1 on each side"), out


def test_ch03_check_rejects_rounding_and_float_answers(capsys):
    def rounding(n, k, pb, pa, s, d):
        return round((n + pb + pa - d * (k - 1) - 1) / s) + 1

    def true_division(n, k, pb, pa, s, d):
        return (n + pb + pa - d * (k - 1) - 1) / s + 1

    assert check_output_size(rounding) is False
    assert "expected 4, got 5" in capsys.readouterr().out
    assert check_output_size(true_division) is False
    assert "expected the integer 7" in capsys.readouterr().out


def test_ch03_the_check_cell_calls_the_check_on_the_readers_function():
    calls = [source(c) for c in cells(CH03) if c["cell_type"] == "code" and "check_output_size(" in source(c)]
    assert any("check_output_size(my_output_size)" in c for c in calls)


def test_ch08_solution_passes_the_check(capsys):
    fn = run(solution_code(CH08), "solution")["my_loss_grad"]
    assert check_loss_gradient(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_ch08_starter_runs_and_fails_the_check(capsys):
    fn = run(starter_code(CH08, "my_loss_grad"), "starter")["my_loss_grad"]
    assert fn(np.zeros((2, 3)), np.array([0, 1])).shape == (2, 3)  # runs before the reader fills it in
    assert check_loss_gradient(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")
    calls = [source(c) for c in cells(CH08) if c["cell_type"] == "code" and "check_loss_gradient(" in source(c)]
    assert any("check_loss_gradient(my_loss_grad)" in c for c in calls)


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


# ------------------------------------------------------------------ chapter 1
CH01 = NOTEBOOKS / "01_why_convolution.ipynb"


def test_ch01_solution_passes_the_check(capsys):
    from cnnlib.exercises import check_receptive_field

    fn = run(solution_code(CH01), "solution")["field_sizes"]
    assert check_receptive_field(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_ch01_starter_runs_and_fails_the_check(capsys):
    from cnnlib.exercises import check_receptive_field

    fn = run(starter_code(CH01, "field_sizes"), "starter")["field_sizes"]
    assert fn([(3, 1), (2, 2)]) == [1, 1]  # runs before the reader fills it in
    assert check_receptive_field(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")


def test_ch01_the_check_cell_calls_the_check_on_the_readers_function():
    calls = [source(c) for c in cells(CH01) if c["cell_type"] == "code" and "check_receptive_field(" in source(c)]
    assert any("check_receptive_field(field_sizes)" in c for c in calls)

# --- chapter 4: assemble conv2d from im2col ------------------------------------------

CH04 = NOTEBOOKS / "04_channels_batches_im2col.ipynb"


def run_ch04(code: str, name: str):
    import cnnlib

    namespace = {"np": np, "im2col": cnnlib.im2col, "cnnlib": cnnlib}
    exec(compile(code, name, "exec"), namespace)
    return namespace


def test_ch04_solution_passes_the_check(capsys):
    from cnnlib.exercises import check_conv2d_im2col

    fn = run_ch04(solution_code(CH04), "solution")["my_conv2d"]
    assert check_conv2d_im2col(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_ch04_starter_runs_and_fails_the_check(capsys):
    from cnnlib.exercises import check_conv2d_im2col

    fn = run_ch04(starter_code(CH04, "my_conv2d"), "starter")["my_conv2d"]
    assert fn(np.ones((2, 3, 4, 4)), np.ones((5, 3, 2, 2)), np.ones(5)).shape == (2, 5, 3, 3)
    assert check_conv2d_im2col(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")


def test_ch04_check_cell_calls_the_check_on_the_readers_function():
    calls = [source(c) for c in cells(CH04) if c["cell_type"] == "code" and "check_conv2d_im2col(" in source(c)]
    assert any("check_conv2d_im2col(my_conv2d)" in c for c in calls)


def test_ch05_hand_counts_pass_the_check(capsys):
    assert check_param_counts(counts) is True


def test_ch05_solution_passes_the_check(capsys):
    fn = run(solution_code(CH05), "solution")["my_param_counts"]
    assert check_param_counts(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_ch05_starter_runs_and_fails_the_check(capsys):
    fn = run(starter_code(CH05, "my_param_counts"), "starter")["my_param_counts"]
    assert fn((3, 8, 8), 4, 3, 1, 0) == (0, 0, 0)  # runs before the reader fills it in
    assert check_param_counts(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")


def counts(in_shape, f, k, s, p, *, size=lambda n, k, s, p: (n + 2 * p - k) // s + 1, biases=True):
    """The three counts written out by hand, with a choice of output-size rule and biases."""
    c, h, w = in_shape
    o = size(h, k, s, p) * size(w, k, s, p)
    b = int(biases)
    return f * (c * k * k + b), f * o * (c * k * k + b), f * o * (c * h * w + b)


@pytest.mark.parametrize(
    "wrong, message",
    [
        (lambda *a: counts(*a, biases=False), "FAIL on AlexNet conv1: shared: expected 34,944, got 34,848 "
                                              "(did you count the biases?)"),
        # 224: (224 - 11)/4 + 1 = 54.25 must floor to 54; rounding up gives 55
        (lambda *a: counts(*a, size=lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1),
         "FAIL on a 224 x 224 input (the size does not divide: floor): locally connected"),
        (lambda *a: counts(*a)[:2] + (counts(*a)[2] - 290400,), "fully connected: expected 44,892,355,200"),
    ],
)
def test_ch05_check_catches_typical_mistakes(capsys, wrong, message):
    assert check_param_counts(wrong) is False
    assert message in capsys.readouterr().out


def test_ch05_check_cell_calls_the_check_on_the_readers_function():
    calls = [source(c) for c in cells(CH05) if c["cell_type"] == "code" and "check_param_counts(" in source(c)]
    assert any("check_param_counts(my_param_counts)" in c for c in calls)


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


# chapter 7 (issue 15): an exactly equivariant circular convolution
CH07 = NOTEBOOKS / "07_translation_equivariance_invariance.ipynb"


def test_ch07_solution_passes_the_check(capsys):
    fn = run(solution_code(CH07), "solution")["my_circular_conv"]
    assert check_circular_conv(fn) is True
    assert capsys.readouterr().out.startswith("PASS")


def test_ch07_starter_runs_and_fails_the_check(capsys):
    fn = run(starter_code(CH07, "my_circular_conv"), "starter")["my_circular_conv"]
    assert fn(np.ones((4, 4)), np.ones((3, 3))).shape == (4, 4)  # runs before the reader fills it in
    assert check_circular_conv(fn) is False
    assert capsys.readouterr().out.startswith("FAIL")


def test_ch07_the_check_cell_calls_the_check_on_the_readers_function():
    calls = [source(c) for c in cells(CH07) if c["cell_type"] == "code" and "check_circular_conv(" in source(c)]
    assert any("check_circular_conv(my_circular_conv)" in c for c in calls)
