"""Serve MathJax from the built site itself, so pages need no network.

Sphinx loads MathJax 3 from a CDN by default; offline, the formulas stay raw
TeX. The PyPI package ``sphinx-mathjax-offline`` ships MathJax 3.2.2 (about
24 MB). We copy only what the pages use: the ``tex-chtml`` bundle, its web
fonts, and the TeX extensions that MathJax's autoloader may ask for.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

MATHJAX_DIR = "mathjax"
MATHJAX_FILES = (
    "tex-chtml.js",
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "ui/menu.js",
    "a11y",
)


def mathjax_source() -> Path:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("sphinx-mathjax-offline is not installed: run `make book` to set up the environment")
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"


def _copy_mathjax(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    src = mathjax_source()
    dst = Path(app.outdir) / "_static" / MATHJAX_DIR
    for rel in MATHJAX_FILES:
        s, d = src / rel, dst / rel
        if not s.exists():
            continue
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d, dirs_exist_ok=True)
        else:
            shutil.copy2(s, d)


def setup(app):
    mathjax_source()  # fail early, with a clear message, if the package is missing
    app.config.mathjax_path = f"{MATHJAX_DIR}/tex-chtml.js"
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
