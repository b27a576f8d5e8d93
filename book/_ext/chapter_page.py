"""Every chapter page gets a "download this chapter" link and a "run it locally" hint (issue 18).

The link points to the page's own source notebook, which Sphinx copies into
``_build/html/_sources/``: the committed chapter, executed by
scripts/execute_notebooks.py (outputs and the prose numbers stored in it).
The link is relative, so it works from file:// without a server.
"""

from __future__ import annotations

from html import escape

CHAPTER_PREFIX = "notebooks/"
BOX_CLASS = "cnn-chapter-download"


def _box(href: str, filename: str) -> str:
    return (
        f'<div class="{BOX_CLASS}" role="note">'
        f'<a class="cnn-ipynb-link" href="{escape(href)}" download="{escape(filename)}">'
        f"Download this chapter as .ipynb</a> (executed, with its outputs). "
        "<span class=\"cnn-run-hint\">Run it locally: in the book's repository, "
        "<code>make book</code>, then <code>.venv/bin/jupyter lab notebooks/</code>.</span>"
        "</div>"
    )


def _add_box(app, pagename, templatename, context, doctree) -> None:
    if not pagename.startswith(CHAPTER_PREFIX) or "body" not in context:
        return
    source = context.get("sourcename") or ""
    if not source.endswith(".ipynb"):
        return
    href = context["pathto"]("_sources/" + source, 1)
    body = context["body"]
    end = body.find("</h1>")
    if end < 0:
        return
    end += len("</h1>")
    context["body"] = body[:end] + _box(href, source.rsplit("/", 1)[-1]) + body[end:]


def setup(app):
    app.connect("html-page-context", _add_box)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
