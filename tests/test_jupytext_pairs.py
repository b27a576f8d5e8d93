"""Every chapter notebook and its MyST Markdown twin say the same thing.

notebooks/X.ipynb is the source (nbval runs it, the book builds it);
notebooks-md/X.md is its text twin for review (jupytext.toml pairs them). The
twin must be exactly what jupytext writes for the notebook today:

    jupytext --to md:myst -o - notebooks/X.ipynb   ==   notebooks-md/X.md   (byte for byte)

`jupytext --diff` exits 0 even when the files differ and `jupytext --sync` lets
the newer file win, so neither can be the check. To fix a failure, regenerate
the twin from the notebook:

    jupytext --to md:myst -o notebooks-md/X.md notebooks/X.ipynb
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS, TWINS = "notebooks", "notebooks-md"


def stems(root: Path = REPO) -> List[str]:
    return sorted({p.stem for p in (root / NOTEBOOKS).glob("*.ipynb")} | {p.stem for p in (root / TWINS).glob("*.md")})


def missing_twins(root: Path = REPO) -> List[str]:
    problems = []
    for stem in stems(root):
        nb, md = root / NOTEBOOKS / f"{stem}.ipynb", root / TWINS / f"{stem}.md"
        if not nb.is_file():
            problems.append(f"{md.relative_to(root)} has no notebook {nb.relative_to(root)}")
        if not md.is_file():
            problems.append(f"{nb.relative_to(root)} has no twin {md.relative_to(root)}")
    return problems


def jupytext_md(notebook: Path, root: Path = REPO) -> bytes:
    """What jupytext writes for ``notebook`` as MyST Markdown (run from ``root``, where jupytext.toml is).

    Written to a file, not to stdout: jupytext 1.19 ignores jupytext.toml's
    ``cell_metadata_filter`` with ``-o -`` (the stored {eval} values would then
    appear in the twin, although scripts/execute_notebooks.py leaves them out).
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{notebook.stem}.md"
        proc = subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--to", "md:myst", "-o", str(out),
                               str(notebook)], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise RuntimeError(f"jupytext failed on {notebook}:\n{proc.stderr.decode(errors='replace')}")
        return out.read_bytes()


def pair_diff(stem: str, root: Path = REPO) -> Optional[str]:
    """None when notebooks-md/<stem>.md is exactly jupytext's output for notebooks/<stem>.ipynb, else a diff."""
    nb, md = root / NOTEBOOKS / f"{stem}.ipynb", root / TWINS / f"{stem}.md"
    expected, actual = jupytext_md(nb, root), md.read_bytes()
    if expected == actual:
        return None
    diff = difflib.unified_diff(
        actual.decode("utf-8", errors="replace").splitlines(keepends=True),
        expected.decode("utf-8", errors="replace").splitlines(keepends=True),
        fromfile=f"{TWINS}/{stem}.md (in the repository)",
        tofile=f"jupytext --to md:myst {NOTEBOOKS}/{stem}.ipynb",
    )
    text = "".join(diff)
    return text or "the files differ only in bytes a line diff does not show (line endings, final newline, encoding)"


# ------------------------------------------------------------------------- tests
def test_every_notebook_has_a_twin_and_every_twin_a_notebook():
    problems = missing_twins()
    assert not problems, "\n".join(problems) + "\nCreate a twin with: jupytext --to md:myst -o notebooks-md/X.md notebooks/X.ipynb"


@pytest.mark.parametrize("stem", stems())
def test_twin_is_what_jupytext_writes(stem):
    if not (REPO / NOTEBOOKS / f"{stem}.ipynb").is_file() or not (REPO / TWINS / f"{stem}.md").is_file():
        pytest.fail(f"{stem}: one side of the pair is missing (see the test above)")
    diff = pair_diff(stem)
    assert diff is None, (
        f"{TWINS}/{stem}.md is out of date with {NOTEBOOKS}/{stem}.ipynb. Regenerate it:\n"
        f"  jupytext --to md:myst -o {TWINS}/{stem}.md {NOTEBOOKS}/{stem}.ipynb\n\n{diff}"
    )


# The checker must be able to fail.
def _tiny_repo(tmp_path: Path) -> Path:
    """A copy of the repository's layout with one small notebook and its exact twin."""
    (tmp_path / NOTEBOOKS).mkdir()
    (tmp_path / TWINS).mkdir()
    if (REPO / "jupytext.toml").is_file():
        (tmp_path / "jupytext.toml").write_bytes((REPO / "jupytext.toml").read_bytes())
    nb = {
        "cells": [
            {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": ["# A chapter\n", "\n", "Some prose."]},
            {"cell_type": "code", "execution_count": 1, "id": "b2", "metadata": {},
             "outputs": [{"name": "stdout", "output_type": "stream", "text": ["13\n"]}],
             "source": ["print(6 + 7)"]},
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (tmp_path / NOTEBOOKS / "01_tiny.ipynb").write_text(json.dumps(nb, indent=1) + "\n", encoding="utf-8")
    (tmp_path / TWINS / "01_tiny.md").write_bytes(jupytext_md(tmp_path / NOTEBOOKS / "01_tiny.ipynb", tmp_path))
    return tmp_path


def test_checker_accepts_an_exact_twin_and_rejects_a_changed_one(tmp_path):
    root = _tiny_repo(tmp_path)
    assert missing_twins(root) == []
    assert pair_diff("01_tiny", root) is None
    md = root / TWINS / "01_tiny.md"
    md.write_text(md.read_text(encoding="utf-8").replace("print(6 + 7)", "print(6 + 8)"), encoding="utf-8")
    diff = pair_diff("01_tiny", root)
    assert diff is not None and "-print(6 + 8)" in diff and "+print(6 + 7)" in diff, diff


def test_checker_notices_a_changed_notebook_and_a_trailing_byte(tmp_path):
    root = _tiny_repo(tmp_path)
    md = root / TWINS / "01_tiny.md"
    md.write_bytes(md.read_bytes() + b"\n")
    assert pair_diff("01_tiny", root) is not None, "one extra newline must count as a difference"
    md.write_bytes(md.read_bytes()[:-1])
    assert pair_diff("01_tiny", root) is None
    nb = root / NOTEBOOKS / "01_tiny.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace("Some prose.", "Other prose."), encoding="utf-8")
    diff = pair_diff("01_tiny", root)
    assert diff is not None and "+Other prose." in diff, diff


def test_checker_notices_a_missing_twin(tmp_path):
    root = _tiny_repo(tmp_path)
    (root / TWINS / "01_tiny.md").rename(root / TWINS / "02_renamed.md")
    problems = missing_twins(root)
    assert any("01_tiny.ipynb has no twin" in p for p in problems), problems
    assert any("02_renamed.md has no notebook" in p for p in problems), problems
