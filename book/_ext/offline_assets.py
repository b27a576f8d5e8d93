"""Serve MathJax from the built site itself, so pages need no network.

Sphinx loads MathJax 3 from a CDN by default; offline, the formulas stay raw
TeX. The PyPI package ``sphinx-mathjax-offline`` ships MathJax 3.2.2 (about
24 MB). We copy only what the pages use: the ``tex-chtml`` bundle, its web
fonts, and the TeX extensions that MathJax's autoloader may ask for.

The theme's icon script (pydata-sphinx-theme's ``scripts/fontawesome.js``,
Font Awesome's SVG-with-JavaScript build, 1.5 MB) carries some 2,000 icons and
every page loads it. After the build we keep Font Awesome's code as it is and
cut each of its icon packs down to the icons the site names (``fa-<name>`` in
any built page or in the theme's other scripts), about 60 kB in all; its source
map, which no longer matches, is removed. If the file does not have the
expected shape (a theme update), it is left whole: the site stays correct,
only heavier (tests/test_site.py's weight test then says so).
"""

from __future__ import annotations

import importlib.util
import re
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


FONTAWESOME_JS = Path("_static") / "scripts" / "fontawesome.js"
# A pack: `var p={name:[width,height,[aliases],"unicode",path],...}` then `d("fas",p)`.
_PACK_START = re.compile(r"var p=\{")
_ICON = re.compile(r'(?:"([^"]+)"|([A-Za-z_$][\w$]*)|(\d+)):\[(\d+),(\d+),\[([^\]]*)\],"([0-9a-f]*)",("[^"]*"|\[[^\]]*\])\]')


def _object_end(text: str, start: int) -> int:
    """Index just past the object literal that opens at ``text[start] == "{"`` (strings skipped)."""
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            i = text.index('"', i + 1)
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unterminated object")


def icon_names(outdir: Path) -> set:
    """Every ``fa-<name>`` the built pages and the theme's other scripts mention."""
    names = set()
    files = [p for p in outdir.rglob("*.html") if "_sources" not in p.parts]
    files += [p for p in (outdir / "_static").rglob("*.js") if p.name != "fontawesome.js"]
    for path in files:
        names.update(re.findall(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)", path.read_text(encoding="utf-8", errors="replace")))
    return names


def subset_fontawesome(text: str, keep: set) -> str:
    """``text`` (fontawesome.js) with every icon pack cut to the icons named in ``keep`` (or an alias)."""
    out, pos, packs = [], 0, 0
    for m in _PACK_START.finditer(text):
        if m.start() < pos:
            continue
        start = m.end() - 1
        end = _object_end(text, start)
        body = text[start + 1:end - 1]
        icons = list(_ICON.finditer(body))
        if not icons or sum(len(i.group(0)) for i in icons) + len(icons) - 1 != len(body):
            raise ValueError("an icon pack of unexpected shape")
        kept = []
        for icon in icons:
            name = icon.group(1) or icon.group(2) or icon.group(3)
            aliases = {a.strip().strip('"') for a in icon.group(6).split(",") if a.strip()}
            if name in keep or aliases & keep:
                kept.append(icon.group(0))
        out += [text[pos:start], "{" + ",".join(kept) + "}"]
        pos, packs = end, packs + 1
    if packs == 0:
        raise ValueError("no icon pack found")
    out.append(text[pos:])
    return "".join(out).replace("//# sourceMappingURL=fontawesome.js.map", "")


def _shrink_fontawesome(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    path = outdir / FONTAWESOME_JS
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    try:
        small = subset_fontawesome(text, icon_names(outdir))
    except ValueError:
        return  # not the shape we know: keep the whole file (correct, only heavier)
    path.write_text(small, encoding="utf-8")
    map_file = path.with_name(path.name + ".map")
    if map_file.exists():
        map_file.unlink()


def setup(app):
    mathjax_source()  # fail early, with a clear message, if the package is missing
    app.config.mathjax_path = f"{MATHJAX_DIR}/tex-chtml.js"
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _shrink_fontawesome)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
