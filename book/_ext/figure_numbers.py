"""Figures numbered per chapter: "Fig. 8.3" is the third figure of chapter 8.

Sphinx numbers figures through the whole book unless the toctree is numbered
(which would also number the chapter titles, which already carry their
number). After Sphinx has assigned its numbers, this renumbers the figures
(and tables and numbered code blocks) of every chapter page
``notebooks/NN_...`` as (NN, 1), (NN, 2), ... in the order Sphinx found them;
{numref} references, in the page and from other pages, read the same table
and so show the same numbers. Pages without a chapter number keep Sphinx's.
"""

from __future__ import annotations

import re

CHAPTER = re.compile(r"^notebooks/(\d+)_")


def renumber(app, env):
    for docname, by_type in env.toc_fignumbers.items():
        m = CHAPTER.match(docname)
        if not m:
            continue
        chapter = int(m.group(1))
        for figtype, numbers in by_type.items():
            in_order = sorted(numbers, key=lambda fig_id: numbers[fig_id])
            for k, fig_id in enumerate(in_order, start=1):
                numbers[fig_id] = (chapter, k)
    return []


def setup(app):
    # After Sphinx's own TocTreeCollector (priority 500) has assigned the numbers.
    app.connect("env-get-updated", renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
