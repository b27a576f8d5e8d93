"""Numbers in the prose: MyST ``{eval}`` inline expressions, stored in the notebook.

A markdown cell states a number by writing a Python expression in MyST's
inline-expression role::

    the first output is {eval}`eq00`, and 34,944 is {eval}`f"{n_shared:,}"`

Three tools share this module (one definition of what an expression is and
how its stored result looks):

``scripts/execute_notebooks.py``
    runs the chapter in a fresh kernel; for each markdown cell, after every
    code cell above it, it evaluates the cell's expressions in that kernel
    (``execute_request.user_expressions``) and stores the results in the
    cell's metadata as ``user_expressions`` -- exactly what jupyterlab-myst
    stores when a reader runs the cell in JupyterLab::

        [{"expression": "eq00",
          "result": {"status": "ok", "data": {"text/plain": "'1·1 + … = 13'"},
                     "metadata": {}}}]

    so a saved notebook shows its numbers in JupyterLab even before it is run.
    An expression that raises, or whose value would show as a NumPy repr or an
    escaped string, stops the script.

this Sphinx extension (``setup``)
    replaces MyST-NB's ``{eval}`` role, which needs a live kernel
    (``execute_notebooks: inline``), by one that reads the stored results of
    the cell the role is in; so the site keeps ``execute_notebooks: cache``.
    A string renders without its quotes (as in JupyterLab). A missing, failed
    or stale result is a build warning, so ``-W`` fails the build.

the root ``conftest.py`` (the nbval run of ``make test``)
    re-evaluates every markdown cell's expressions in nbval's kernel, after the
    code cells above it, and fails when a value differs from the stored one.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Dict, Iterable, List, Optional

METADATA_KEY = "user_expressions"  # jupyterlab-myst's cell-metadata key
NB_METADATA_KEY = "prose_numbers"  # notebook metadata: what the stored values were computed from

# {eval}`expr`, also with longer backtick runs ({eval}``a `b` c``), as in MyST.
ROLE = re.compile(r"\{eval\}(?P<ticks>`+)(?P<expr>.+?)(?P=ticks)(?!`)", re.S)
# A fence opening: ``` or ~~~ (3 or more), optional info string.
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
COLON_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>:{3,})(?P<info>\{.*)$")  # :::{directive}
# Directives whose body is literal text, not parsed MyST: an {eval} in them is not evaluated.
LITERAL_DIRECTIVES = ("code", "code-block", "code-cell", "sourcecode", "literalinclude", "raw")

HOW_TO_FIX = "re-execute the chapter: python scripts/execute_notebooks.py notebooks/<chapter>.ipynb"


class ProseNumberError(RuntimeError):
    """An inline expression could not be evaluated or stored."""


# ----------------------------------------------------------------- expressions
def _parsed_text(source: str) -> str:
    """``source`` without the bodies of literal fenced blocks (MyST does not parse roles there).

    Directive fences (```` ```{note} ````, ``:::{dropdown}``) nest; their bodies are kept.
    """
    keep: List[str] = []
    stack: List[tuple] = []  # open fences: (marker, literal body?)
    for line in source.splitlines():
        stripped = line.strip()
        if stack:
            marker, literal = stack[-1]
            if stripped and set(stripped) == {marker[0]} and len(stripped) >= len(marker):
                stack.pop()
                keep.append("")
                continue
            if literal:
                keep.append("")
                continue
        m = FENCE.match(line) or COLON_FENCE.match(line)
        if m:
            info = m.group("info").strip()
            directive = re.match(r"^\{([\w:-]+)\}", info)
            literal = directive is None or directive.group(1) in LITERAL_DIRECTIVES
            stack.append((m.group("fence"), literal))
            keep.append("")
            continue
        keep.append(line)
    return "\n".join(keep)


def expressions(source: str) -> List[str]:
    """The ``{eval}`` expressions of a markdown cell, in order, without repeats.

    >>> expressions("a {eval}`x` b {eval}`f'{n:,}'` c {eval}`x`")
    ['x', "f'{n:,}'"]
    >>> expressions("```python\\n{eval}`not_this`\\n```\\n:::{note}\\n{eval}`y`\\n:::")
    ['y']
    >>> expressions("```{admonition} Hi\\n{eval}``a`b``\\n```")
    ['a`b']
    """
    found: List[str] = []
    for m in ROLE.finditer(_parsed_text(source)):
        expr = m.group("expr")
        if expr not in found:
            found.append(expr)
    return found


def code_fingerprint(cells: Iterable[Any]) -> str:
    """A hash of every code cell's source: stored values are stale once it changes.

    >>> code_fingerprint([{"cell_type": "code", "source": "x = 1"}]) == \\
    ...     code_fingerprint([{"cell_type": "markdown", "source": "hi"}, {"cell_type": "code", "source": "x = 1"}])
    True
    """
    sources = [c["source"] for c in cells if c["cell_type"] == "code"]
    return hashlib.sha256(json.dumps(sources, ensure_ascii=False).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- stored results
def stored(cell: Any) -> Dict[str, Dict[str, Any]]:
    """The stored results of a markdown cell, keyed by expression."""
    entries = (cell.get("metadata") or {}).get(METADATA_KEY) or []
    return {e["expression"]: e["result"] for e in entries if isinstance(e, dict) and "expression" in e}


def text_of(result: Dict[str, Any]) -> Optional[str]:
    """The ``text/plain`` of an ``ok`` result, or None."""
    if not isinstance(result, dict) or result.get("status") != "ok":
        return None
    text = (result.get("data") or {}).get("text/plain")
    return text if isinstance(text, str) else None


def shown(text_plain: str) -> str:
    """What a reader sees: a string's repr without its quotes (jupyterlab-myst and MyST-NB alike).

    >>> shown("'13'"), shown('"it\\'s"'), shown("34944")
    ('13', "it's", '34944')
    """
    m = re.fullmatch(r"(['\"])(.*)\1", text_plain, re.S)
    return m.group(2) if m else text_plain


def describe_error(result: Dict[str, Any]) -> str:
    if not isinstance(result, dict):
        return f"no result ({result!r})"
    if result.get("status") == "error":
        return f"{result.get('ename', '')}: {result.get('evalue', '')}"
    return f"status {result.get('status')!r}, data {sorted((result.get('data') or {}))}"


def problem_with(expression: str, result: Dict[str, Any]) -> Optional[str]:
    """Why ``result`` cannot stand in the prose, or None when it can."""
    text = text_of(result)
    if text is None:
        return f"{{eval}}`{expression}` failed: {describe_error(result)}"
    if re.match(r"^(?:np|numpy)\.\w+\(|^array\(", text):
        return (f"{{eval}}`{expression}` shows as the NumPy repr {text!r}; format it for the "
                "reader: an f-string such as f\"{value:.3f}\", or int(...), float(...), .tolist()")
    if text[:1] in "'\"" and "\\" in text:
        return (f"{{eval}}`{expression}` is a string with escaped characters ({text}); "
                "the reader would see the backslashes")
    if "\n" in text:
        return f"{{eval}}`{expression}` spans several lines ({text!r}); prose numbers are one line"
    return None


def entry(expression: str, result: Dict[str, Any]) -> Dict[str, Any]:
    """One ``user_expressions`` entry, in jupyterlab-myst's format."""
    if result.get("status") == "ok":
        result = {"status": "ok", "data": dict(result.get("data") or {}), "metadata": dict(result.get("metadata") or {})}
    return {"expression": expression, "result": result}


# ------------------------------------------------------------- a kernel request
def request_content(exprs: List[str]) -> Dict[str, Any]:
    """The ``execute_request`` that evaluates ``exprs`` (keys "0", "1", ... as jupyterlab-myst uses)."""
    return {"code": "", "silent": True, "store_history": False,
            "user_expressions": {str(i): e for i, e in enumerate(exprs)}}


def results_from_reply(exprs: List[str], reply_content: Dict[str, Any]) -> List[Dict[str, Any]]:
    if reply_content.get("status") != "ok":
        raise ProseNumberError(f"the kernel refused the expressions {exprs}: {reply_content}")
    values = reply_content.get("user_expressions") or {}
    return [entry(e, values.get(str(i), {"status": "error", "ename": "Missing", "evalue": "no result"}))
            for i, e in enumerate(exprs)]


# --------------------------------------------------------------------- Sphinx
def _cell_for_line(notebook: Any, line: Optional[int]) -> Optional[int]:
    """The index of the markdown cell that holds source line ``line`` (MyST-NB's line numbering).

    MyST-NB numbers a notebook cell's lines from ``source_map[i]`` (notebooks
    read from text) or from ``(i + 1) * 10000`` (.ipynb files), plus one.
    """
    if not line:
        return None
    smap = notebook.metadata.get("source_map")
    best = None
    for i, cell in enumerate(notebook.cells):
        start = (smap[i] if smap else (i + 1) * 10000) + 1
        if start <= line:
            best = i if cell["cell_type"] == "markdown" else None
        else:
            break
    return best


def setup(app):
    from docutils import nodes
    from myst_nb.core.variables import VariableOutput, create_warning, render_variable_outputs
    from myst_nb.ext.utils import RoleBase

    def warn(role, message):
        return [], [create_warning(message, role.document, role.line, subtype="eval")]

    class StoredEvalRole(RoleBase):
        """``{eval}`expr``` rendered from the result stored in the cell's metadata."""

        def run(self):
            doc = self.document
            renderer = doc["nb_renderer"] if "nb_renderer" in doc else None
            if renderer is None:
                return warn(self, f"{{eval}}`{self.text}` outside a notebook: only chapters have a kernel")
            notebook = renderer.renderer.nb_client.notebook
            if not doc.get("prose_numbers_checked"):
                doc["prose_numbers_checked"] = True
                recorded = (notebook.metadata.get(NB_METADATA_KEY) or {}).get("code_sha256")
                if recorded != code_fingerprint(notebook.cells):
                    create_warning(
                        "the stored {eval} values were computed from other code cells "
                        f"({'none recorded' if recorded is None else 'code changed since'}): {HOW_TO_FIX}",
                        doc, self.line, subtype="eval")
            index = _cell_for_line(notebook, self.line)
            if index is None:
                return warn(self, f"{{eval}}`{self.text}`: cannot tell which markdown cell it is in")
            results = stored(notebook.cells[index])
            if self.text not in results:
                return warn(self, f"{{eval}}`{self.text}` has no stored value in cell {index}: {HOW_TO_FIX}")
            problem = problem_with(self.text, results[self.text])
            if problem:
                return warn(self, f"cell {index}: {problem}")
            output = VariableOutput(
                data={"text/plain": text_of(results[self.text])},
                metadata={"strip_text_quotes": True},
                nb_renderer=renderer,
                vtype="eval",
            )
            _nodes = render_variable_outputs([output], doc, self.line, self.source, inline=True)
            return _nodes or [nodes.inline(text=shown(text_of(results[self.text])))], []

    # MyST-NB registered its kernel-bound role when it was set up; ours replaces it.
    app.setup_extension("myst_nb")
    app.add_role("eval", StoredEvalRole(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
