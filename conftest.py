"""Root pytest plugin: the prose numbers of every chapter are re-computed by nbval.

nbval (``--nbval-lax``) runs a chapter's code cells one by one in a kernel. This
hook adds, after the code cells above each markdown cell that has ``{eval}``
expressions, one test item that evaluates those expressions in the same
kernel and compares them with the values stored in the cell's metadata
(``user_expressions``, written by scripts/execute_notebooks.py). A number in
the prose that would change -- because cnnlib or a code cell changed and the
chapter was not re-executed -- fails ``make test``, like a changed output of a
``# NBVAL_CHECK_OUTPUT`` cell. The comparison is on the text the reader sees,
so expressions must format their values (``f"{x:.3f}"``) wherever the last
bits depend on the BLAS kernel.

It lives at the repository root so that it applies to notebooks/.
"""

from __future__ import annotations

import sys
from pathlib import Path
from queue import Empty

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "book" / "_ext"))
import prose_numbers  # noqa: E402


class ProseNumbersItem(pytest.Item):
    """The {eval} expressions of one markdown cell, re-evaluated in nbval's kernel."""

    def __init__(self, *, cell_index: int, cell, **kwargs):
        super().__init__(**kwargs)
        self.cell_index = cell_index
        self.cell = cell
        self.exprs = prose_numbers.expressions(cell.source)

    def runtest(self) -> None:
        nbfile = self.parent
        kernel = getattr(nbfile, "kernel", None)
        if kernel is None or not kernel.is_alive():
            raise ProseNumbersFailure(self, ["nbval's kernel is not running (an earlier cell killed it?)"])
        content = prose_numbers.request_content(self.exprs)
        msg_id = kernel.kc.execute(**content)
        timeout = self.config.option.nbval_cell_timeout
        try:
            while True:  # the reply to our request (nbval drops other replies too)
                msg = kernel.get_message(stream="shell", timeout=timeout)
                if msg["parent_header"].get("msg_id") == msg_id:
                    break
            kernel.await_idle(msg_id, timeout)  # leave iopub clean for the next cell
        except Empty:
            raise ProseNumbersFailure(self, [f"no reply from the kernel within {timeout} s"])
        fresh = prose_numbers.results_from_reply(self.exprs, msg["content"])
        saved = prose_numbers.stored(self.cell)
        problems = []
        for item in fresh:
            expr, result = item["expression"], item["result"]
            bad = prose_numbers.problem_with(expr, result)
            if bad:
                problems.append(bad)
                continue
            now = prose_numbers.text_of(result)
            if expr not in saved:
                problems.append(f"{{eval}}`{expr}` has no stored value (it would show as code in JupyterLab)")
            elif prose_numbers.text_of(saved[expr]) != now:
                was = prose_numbers.text_of(saved[expr])
                was = was if was is not None else prose_numbers.describe_error(saved[expr])
                problems.append(f"{{eval}}`{expr}`: stored {was}, computed now {now}")
        extra = sorted(set(saved) - set(self.exprs))
        problems += [f"stored value for {{eval}}`{e}`, which the cell no longer contains" for e in extra]
        if problems:
            raise ProseNumbersFailure(self, problems)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ProseNumbersFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.name} ({len(self.exprs)} expressions)"


class ProseNumbersFailure(Exception):
    def __init__(self, item: ProseNumbersItem, problems):
        first = item.cell.source.strip().splitlines()[0][:70]
        super().__init__(
            f"{item.path.name}, markdown cell {item.cell_index} ({first!r}): the prose numbers do not match\n  "
            + "\n  ".join(problems) + f"\nIf the change is intended, {prose_numbers.HOW_TO_FIX}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    try:
        from nbval.plugin import IPyNbFile
    except ImportError:
        return
    if not isinstance(collector, IPyNbFile):
        return
    report = outcome.get_result()
    if report.outcome != "passed" or not hasattr(collector, "nb"):
        return
    items, code_seen = [], 0
    cells_items = iter(report.result)
    for index, cell in enumerate(collector.nb.cells):
        if cell.cell_type == "code":
            items.append(next(cells_items))
            code_seen += 1
        elif cell.cell_type == "markdown" and (prose_numbers.expressions(cell.source)
                                               or prose_numbers.stored(cell)):
            items.append(ProseNumbersItem.from_parent(
                collector, name=f"Markdown {index} prose numbers", cell_index=index, cell=cell))
    items.extend(cells_items)  # anything nbval yielded beyond the code cells
    report.result[:] = items
