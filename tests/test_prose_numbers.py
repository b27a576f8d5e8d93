"""The prose-number mechanism ({eval} expressions stored in the notebooks).

book/_ext/prose_numbers.py is outside the doctest paths, so its doctests run
here, beside checks that every chapter's stored values are complete, in
jupyterlab-myst's format, computed from the chapter's current code, and that
no chapter still uses MyST-NB's glue.
"""

from __future__ import annotations

import doctest
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "book" / "_ext"))
import prose_numbers as pn  # noqa: E402

CHAPTERS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_doctests_of_the_module():
    spec = importlib.util.spec_from_file_location("prose_numbers_doctest", REPO / "book" / "_ext" / "prose_numbers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module, verbose=False)
    assert result.attempted >= 5 and result.failed == 0, result


@pytest.mark.parametrize(
    "source, expected",
    [
        ("no roles here", []),
        ("{eval}`a` and {eval}`b.c` and {eval}`a`", ["a", "b.c"]),
        ('{eval}`f"{n:,}"` people', ['f"{n:,}"']),
        ("inline `{eval}` is not a role without its argument", []),
        ("```\n{eval}`in_plain_fence`\n```\nafter {eval}`z`", ["z"]),
        ("~~~python\n{eval}`tilde`\n~~~", []),
        ("```{code-block} python\n{eval}`literal`\n```", []),
        (":::{dropdown} Solution\nIt is {eval}`x`.\n:::", ["x"]),
        ("````{admonition} Note\n```python\n{eval}`inner_code`\n```\n{eval}`y`\n````", ["y"]),
    ],
)
def test_expressions_found_as_myst_parses_them(source, expected):
    assert pn.expressions(source) == expected


@pytest.mark.parametrize(
    "result, problem",
    [
        ({"status": "ok", "data": {"text/plain": "13"}, "metadata": {}}, None),
        ({"status": "ok", "data": {"text/plain": "'34,944'"}, "metadata": {}}, None),
        ({"status": "error", "ename": "NameError", "evalue": "name 'q' is not defined", "traceback": []}, "NameError"),
        ({"status": "ok", "data": {"text/plain": "np.float64(0.1575)"}, "metadata": {}}, "NumPy repr"),
        ({"status": "ok", "data": {"text/plain": "array([1, 2])"}, "metadata": {}}, "NumPy repr"),
        ({"status": "ok", "data": {"text/plain": "'\\\\frac{1}{2}'"}, "metadata": {}}, "escaped"),
        ({"status": "ok", "data": {"text/plain": "[[1, 2],\n [3, 4]]"}, "metadata": {}}, "several lines"),
        ({"status": "ok", "data": {"image/png": "..."}, "metadata": {}}, "failed"),
    ],
)
def test_results_a_reader_could_not_read_are_refused(result, problem):
    found = pn.problem_with("e", result)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_has_no_glue(chapter):
    nb = nbformat.read(chapter, as_version=4)
    hits = [i for i, c in enumerate(nb.cells) if re.search(r"\{glue(:\w+)?\}|\bglue\(|from myst_nb import glue", c.source)]
    assert not hits, f"{chapter.name}: cells {hits} use MyST-NB glue; write {{eval}}`name` in the prose instead"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_stored_values_are_complete_current_and_in_jupyterlab_myst_format(chapter):
    nb = nbformat.read(chapter, as_version=4)
    problems = []
    recorded = (nb.metadata.get(pn.NB_METADATA_KEY) or {}).get("code_sha256")
    if recorded != pn.code_fingerprint(nb.cells):
        problems.append("the stored values were computed from other code cells")
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            if pn.METADATA_KEY in cell.metadata:
                problems.append(f"code cell {i} carries {pn.METADATA_KEY}")
            continue
        exprs = pn.expressions(cell.source)
        entries = cell.metadata.get(pn.METADATA_KEY, [])
        if [e.get("expression") for e in entries] != exprs:
            problems.append(f"cell {i}: stored {[e.get('expression') for e in entries]}, the text has {exprs}")
        for e in entries:
            r = e.get("result", {})
            if set(e) != {"expression", "result"} or set(r) != {"status", "data", "metadata"}:
                problems.append(f"cell {i}: {e} is not in jupyterlab-myst's format")
            elif pn.problem_with(e["expression"], r):
                problems.append(f"cell {i}: {pn.problem_with(e['expression'], r)}")
    assert not problems, f"{chapter.name}: {pn.HOW_TO_FIX}\n" + "\n".join(problems)
