"""Helpers for tests/test_site.py: build the book, read the toc, scan and visit the site.

Kept apart from the tests so that the tests read as a list of claims about the
site. Nothing here is specific to one chapter except ``PROSE_NUMBERS``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parents[1]
TOC = REPO / "book" / "_toc.yml"
# `jupyter-book build --path-output DIR` writes DIR/_build/html (and keeps its
# execution cache in DIR/_build/.jupyter_cache), so DIR is the repository root:
# the site lands in _build/html, the path `make book` tells readers to open.
PATH_OUTPUT = REPO
BUILD_DIR = REPO / "_build"
HTML_DIR = BUILD_DIR / "html"
SCREENSHOT_DIR = BUILD_DIR / "screenshots"
BUILD_LOG = BUILD_DIR / "site-build.log"
SOURCE_SUFFIXES = (".md", ".ipynb", ".rst")

# Numbers that a chapter must state in its prose ({eval} expressions, see
# book/_ext/prose_numbers.py). One list for both front ends: tests/test_site.py
# looks for them in the built page, tests/test_jupyterlab.py in the notebook
# rendered by JupyterLab after Run All.
PROSE_NUMBERS: Dict[str, List[str]] = {
    # flattened MNIST (1, 28, 28) and digits (1, 8, 8); the photo's pixel correlation at distance 1
    # and 10; a fully connected layer 10^6 -> 10^6; the last receptive field of the VGG-like stack
    # (24 x 24); AlexNet's top-5 accuracies behind the notes' "85% vs 74%"; the shuffle experiment's
    # test accuracies (mean ± spread over 5 seeds): FC original, FC shuffled, CNN original, CNN shuffled
    "notebooks/01_why_convolution": ["784", "64", "0.97", "0.71", "1,000,001,000,000", "24 × 24", "84.7", "73.8",
                                     "96.1 % ± 0.6", "96.4 % ± 0.9", "95.5 % ± 1.5", "92.7 % ± 1.6"],
    # input [[1,2,3],[4,5,6],[7,8,9]] cross-correlated with [[1,1],[0,2]]
    "notebooks/02_convolution_vs_cross_correlation": ["13", "17", "25", "29"],
    # AlexNet conv1 (227 and 224 pixels), the source notes' (8x4) input with a 2x2 filter
    # (stride 1 and 2), and the output size of each configuration of the gallery
    "notebooks/03_padding_stride_output_size": [
        "55", "54.25", "7 × 3", "21", "4 × 2", "8",
        "2 × 2", "6 × 6", "5 × 5", "7 × 7", "3 × 3",
    ],

    # AlexNet conv1 on one 3x227x227 image, 96 filters 11x11, stride 4: the im2col
    # matrix (55*55 rows, 3*11*11 columns, float32: MB, times the input) and the
    # multiply-adds; the flattened 3x75x64 photo.
    "notebooks/04_channels_batches_im2col": ["3,025", "363", "1,098,075", "4.4", "7.1", "105,415,200", "14,400"],

    # AlexNet conv1 (3x227x227 input, 96 filters 11x11, stride 4) and every layer of the
    # two-GPU AlexNet: shared, locally connected and fully connected counts, and the total
    "notebooks/05_parameter_sharing": [
        "363", "55", "290,400", "105,705,600", "34,944", "44,892,355,200", "44.9 billion",
        "3,025", "1,284,694",
        "307,456", "224,135,424", "13,060,880,640",          # conv2 (groups=2)
        "885,120", "149,585,280", "2,807,725,440",           # conv3
        "663,936", "112,205,184", "4,211,555,712",           # conv4 (groups=2)
        "442,624", "74,803,456", "2,807,703,808",            # conv5 (groups=2)
        "37,752,832", "16,781,312", "4,097,000",             # fc6, fc7, fc8
        "60,965,224", "1,161,600",                           # total; conv1 activations, bytes
    ],


    # [[1, 2], [3, 4]] max / average pooled; the parameter counts of the digits CNN with and without pooling
    "notebooks/06_pooling": ["4", "2.5", "1,370", "5,210",
                             # issue 14: relative change after a 1-pixel shift (photo: none, max, average;
                             # digits: none, max, average; digits, 2-pixel shift, max); test accuracy over
                             # 5 seeds (max, average, none pooling); train-test gaps (none, max, average)
                             "0.71", "0.47", "0.54", "0.86", "0.55", "0.56", "0.81",
                             "94.7% ± 1.2%", "93.2% ± 1.5%", "95.7% ± 2.1%",
                             "2.1 points", "2.3 points", "1.2 points"],
    # chapter 7 (issue 15): tap-by-tap circular equivariance error; border-band cases checked; zero-padding
    # GAP change (photo); 1-pixel aliasing after re-alignment (photo: stride 2, max pool, blur pool); digits
    # classifier, 3 seeds: consistency under 1-pixel shifts (max pool, MaxBlurPool) and 1-3 pixels, the gain;
    # max-pool accuracy upright, at 15 and 45 degrees
    "notebooks/07_translation_equivariance_invariance": ["0", "30", "5.7e-03", "0.79", "0.17", "0.14",
                                                         "83.0 % ± 2.4", "93.7 % ± 2.0", "70.6 % ± 2.3",
                                                         "79.6 % ± 1.1", "+10.8 points",
                                                         "95.6 % ± 1.0", "72.1 % ± 6.7", "18.3 % ± 4.4"],
    # chapter 8 (issue 17): CNN and MLP parameter counts, the CNN's test accuracy, identical-init max difference
    "notebooks/08_small_cnn_from_scratch": ["6,090", "2,410", "97.8%", "0", "97.5%", "93.3%", "4,816,928"],
}
GLUED_NUMBERS = PROSE_NUMBERS  # the old name

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # A second net under the request guard: no host name resolves, so even a
    # request the guard missed could not leave the machine (it would fail and be
    # recorded as a failed request instead).
    "--host-resolver-rules=MAP * ~NOTFOUND",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


# --------------------------------------------------------------------------- toc
def _strip_suffix(name: str) -> str:
    for suffix in SOURCE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def toc_docnames(toc_path: Path = TOC, root: Path = REPO) -> List[str]:
    """Every document the toc lists, in reading order (root first); urls are skipped."""
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    found: List[str] = []

    def entries(node) -> None:
        if isinstance(node, list):
            for item in node:
                entries(item)
            return
        if not isinstance(node, dict):
            return
        if "file" in node:
            found.append(_strip_suffix(str(node["file"])))
        if "glob" in node:
            for path in sorted(root.glob(str(node["glob"]))):
                if path.suffix in SOURCE_SUFFIXES:
                    found.append(_strip_suffix(path.relative_to(root).as_posix()))
        for key in ("parts", "chapters", "sections", "subtrees", "entries"):
            if key in node:
                entries(node[key])

    found.append(_strip_suffix(str(toc["root"])))
    entries(toc)
    seen = set()
    return [d for d in found if not (d in seen or seen.add(d))]


def is_chapter(docname: str) -> bool:
    return docname.startswith("notebooks/")


def source_of(docname: str, root: Path = REPO) -> Optional[Path]:
    for suffix in SOURCE_SUFFIXES:
        path = root / f"{docname}{suffix}"
        if path.is_file():
            return path
    return None


def html_of(docname: str, html_dir: Path = HTML_DIR) -> Path:
    return html_dir / f"{docname}.html"


def built_pages(html_dir: Path = HTML_DIR) -> List[Path]:
    """Every HTML page of the site (not the copied sources, static files or reports)."""
    skip = {"_static", "_sources", "_images", "reports"}
    return sorted(p for p in html_dir.rglob("*.html") if not skip.intersection(p.relative_to(html_dir).parts[:-1]))


def page_id(path: Path, html_dir: Path = HTML_DIR) -> str:
    return path.relative_to(html_dir).with_suffix("").as_posix()


# ------------------------------------------------------------------------- build
@dataclasses.dataclass
class BuildResult:
    command: List[str]
    returncode: int
    output: str
    seconds: float


def jupyter_book_executable() -> str:
    exe = Path(sys.executable).parent / "jupyter-book"
    if exe.exists():
        return str(exe)
    found = shutil.which("jupyter-book")
    if not found:
        raise RuntimeError(f"jupyter-book is not installed next to {sys.executable}: run `make test`")
    return found


def build_book() -> BuildResult:
    """Build the book once, offline, with warnings as errors.

    ``--all`` (Sphinx's fresh environment) re-reads every page on every run.
    Without it a chapter whose cell raised fails the first build only: Sphinx
    pickles the environment anyway, the next build skips the unchanged notebook,
    emits no warning and "succeeds" with the broken page. Executed notebooks
    still come from the execution cache (_build/.jupyter_cache), so an unchanged
    book rebuilds in seconds; a notebook that failed has no cache entry and is
    executed (and fails) again.

    _build/html is removed first so that the site the tests walk holds only the
    pages of this build (Sphinx never deletes the page of a document that left
    the toc).
    """
    command = [
        jupyter_book_executable(), "build", str(REPO), "--toc", "book/_toc.yml",
        "-W", "-n", "--keep-going", "--all", "--path-output", str(PATH_OUTPUT),
    ]
    shutil.rmtree(HTML_DIR, ignore_errors=True)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    start = time.monotonic()
    proc = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace")
    seconds = time.monotonic() - start
    output = strip_ansi(proc.stdout)
    BUILD_DIR.mkdir(exist_ok=True)
    BUILD_LOG.write_text(f"$ {' '.join(command)}\n\n{output}\n[exit code {proc.returncode}, {seconds:.1f} s]\n",
                         encoding="utf-8")
    return BuildResult(command, proc.returncode, output, seconds)


def strip_ansi(text: str) -> str:
    """Without terminal colour codes (Sphinx and IPython tracebacks use them)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def tail(text: str, lines: int = 120, where: Path = BUILD_LOG) -> str:
    rows = text.rstrip().splitlines()
    cut = "" if len(rows) <= lines else f"[... {len(rows) - lines} earlier lines in {where}]\n"
    return cut + "\n".join(rows[-lines:])


# ----------------------------------------------------------- static reference scan
_EXT = r"""\\?["']?\s*(?:https?:)?//"""  # an attribute value that starts with http://, https:// or //
_RESOURCE_PATTERNS = [
    ("<script src>", re.compile(r"<script\b[^>]*?\bsrc\s*=\s*" + _EXT, re.I)),
    ("<link href>", re.compile(r"<link\b(?![^>]*\brel\s*=\s*\\?[\"']?(?:canonical|alternate)\b)[^>]*?\bhref\s*=\s*" + _EXT, re.I)),
    ("<img>/media src", re.compile(
        r"<(?:img|iframe|frame|source|video|audio|embed|track|object|input|image)\b[^>]*?"
        r"\b(?:src|srcset|data|poster|xlink:href)\s*=\s*" + _EXT, re.I)),
    ("CSS @import", re.compile(r"@import\s+(?:url\(\s*)?[\"']?\s*(?:https?:)?//", re.I)),
    ("CSS url()", re.compile(r"\burl\(\s*[\"']?\s*(?:https?:)?//", re.I)),
]


def external_resource_refs(text: str) -> List[str]:
    """Snippets of ``text`` (HTML, CSS or JS) that would load a resource from another host.

    Plain hyperlinks (``<a href="https://...">``) are not resources and are allowed.

    >>> external_resource_refs('<a href="https://example.org">x</a><img src="_images/a.png">')
    []
    >>> [kind for kind, _ in external_resource_refs('<script src="https://cdn.x/y.js"></script>')]
    ['<script src>']
    >>> [kind for kind, _ in external_resource_refs("@import url(http://fonts.x/css);")]
    ['CSS @import', 'CSS url()']
    """
    hits = []
    for kind, pattern in _RESOURCE_PATTERNS:
        for m in pattern.finditer(text):
            hits.append((kind, text[m.start(): m.end() + 60].replace("\n", " ")))
    return hits


def scan_site(html_dir: Path = HTML_DIR) -> List[str]:
    problems = []
    for path in sorted(html_dir.rglob("*")):
        if path.suffix.lower() not in (".html", ".htm", ".js", ".mjs", ".css") or not path.is_file():
            continue
        rel = path.relative_to(html_dir)
        if rel.parts[0] == "_sources":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [f"{rel}: {kind}: {snippet}" for kind, snippet in external_resource_refs(text)]
    return problems


# -------------------------------------------------------------------- the browser
def chromium_executable() -> str:
    exe = os.environ.get("CNNBOOK_CHROMIUM", "").strip()
    if not exe:
        proc = subprocess.run(["bash", str(REPO / "scripts" / "find-chromium")], stdout=subprocess.PIPE, text=True)
        exe = proc.stdout.strip() if proc.returncode == 0 else ""
    if not exe or not os.access(exe, os.X_OK):
        raise RuntimeError("No Chromium found for the site tests: run `make chromium`, "
                           "or set CNNBOOK_CHROMIUM=/path/to/chromium")
    return exe


def is_local(url: str) -> bool:
    """file:, data:, blob: and about: URLs; a file: URL only without a host (``//x`` on a file page is not local).

    >>> [is_local(u) for u in ("file:///a/b.html", "data:,x", "https://a.b/", "file://example.org/x.png")]
    [True, True, False, False]
    """
    low = url.lower()
    if low.startswith("file:"):
        return urlsplit(low).hostname in (None, "", "localhost")
    return low.startswith(LOCAL_SCHEMES)


@dataclasses.dataclass
class PageLog:
    """What one page did while it was open."""

    url: str
    blocked: List[str] = dataclasses.field(default_factory=list)  # requests that would leave the machine
    failed: List[str] = dataclasses.field(default_factory=list)  # local requests that failed (missing files)
    loaded: List[str] = dataclasses.field(default_factory=list)  # local requests that succeeded
    console_errors: List[str] = dataclasses.field(default_factory=list)
    page_errors: List[str] = dataclasses.field(default_factory=list)

    def problems(self) -> List[str]:
        out = [f"request leaving the machine (blocked): {u}" for u in self.blocked]
        out += [f"failed request: {u}" for u in self.failed]
        out += [f"console error: {m}" for m in self.console_errors]
        out += [f"page error: {m}" for m in self.page_errors]
        return out


@contextlib.contextmanager
def guarded_page(browser, url: str, *, wait_until: str = "load") -> Iterator[tuple]:
    """Open ``url`` in a fresh context where every non-local request is aborted and recorded.

    Yields ``(page, log)``; the log keeps filling until the context is closed.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block",
                                  java_script_enabled=True)
    log = PageLog(url)

    def block(url_: str) -> None:
        if url_ not in log.blocked:
            log.blocked.append(url_)

    def route(r) -> None:
        if is_local(r.request.url):
            r.continue_()
        else:
            block(r.request.url)
            r.abort("blockedbyclient")

    def websocket(ws) -> None:  # never connected to a server: just recorded and closed
        block(ws.url)
        ws.close()

    context.route("**/*", route)
    context.route_web_socket(re.compile(r".*"), websocket)
    # Also note requests that somehow bypassed routing (they then fail: see CHROMIUM_ARGS).
    context.on("request", lambda req: None if is_local(req.url) else block(req.url))
    context.on("requestfinished", lambda req: log.loaded.append(req.url))

    def request_failed(req) -> None:
        if is_local(req.url):
            log.failed.append(f"{req.url} ({req.failure})")
        else:
            block(req.url)

    context.on("requestfailed", request_failed)
    page = context.new_page()
    page.on("console", lambda m: log.console_errors.append(f"{m.text} [{m.location.get('url', '')}:"
                                                            f"{m.location.get('lineNumber', '')}]")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    try:
        page.goto(url, wait_until=wait_until)
        yield page, log
    finally:
        context.close()


# Runs in the page: waits for MathJax (if loaded), web fonts and images.
JS_SETTLE = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await document.fonts.ready;
  document.querySelectorAll('img[loading="lazy"]').forEach(img => { img.loading = 'eager'; });
  await Promise.all([...document.images].map(img => img.complete ? null :
      new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
  return true;
}
"""

# Runs in the page: the state of math typesetting.
JS_MATH = r"""
() => {
  const math = [...document.querySelectorAll('.math')];
  const article = document.querySelector('article') || document.querySelector('main') || document.body;
  const copy = article.cloneNode(true);
  copy.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight').forEach(e => e.remove());
  const text = copy.textContent;
  const raw = [];
  for (const token of ['\\(', '\\)', '\\[', '\\]', '$$', '\\begin{', '\\frac', '\\sum']) {
    const at = text.indexOf(token);
    if (at >= 0) raw.push(token + ' in "' + text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, ' ') + '"');
  }
  return {
    mathjax: !!(window.MathJax && MathJax.startup),
    mathElements: math.length,
    untypeset: math.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
    containers: document.querySelectorAll('mjx-container').length,
    errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 80)),
    raw: raw,
  };
}
"""

# Runs in the page: images that failed to load, and content images that did.
JS_IMAGES = """
() => {
  const all = [...document.images];
  return {
    broken: all.filter(i => !i.complete || i.naturalWidth === 0 || i.naturalHeight === 0)
               .map(i => i.getAttribute('src') || i.currentSrc || '(no src)'),
    // Every image says what it shows: alt missing, empty or blank.
    noAlt: all.filter(i => !(i.getAttribute('alt') || '').trim())
              .map(i => i.getAttribute('src') || i.currentSrc || '(no src)'),
    contentLoaded: [...document.querySelectorAll('article img')].filter(i => i.naturalWidth > 0).length,
  };
}
"""


# ======================================================================= issue 18
# (sitetest) Everything below serves the per-page browser checks of issue 18:
# one Chromium launcher for the site and JupyterLab tests, the interactive
# contract, axe-core, the phone-width scan and the weight budget.

@contextlib.contextmanager
def launched_chromium(args: Optional[List[str]] = None) -> Iterator:
    """Headless Chromium (``CHROMIUM_ARGS`` unless ``args``), closed on exit; fails the test if none is found."""
    import pytest
    from playwright.sync_api import sync_playwright

    try:
        exe = chromium_executable()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=list(CHROMIUM_ARGS if args is None else args),
                                     headless=True)
        try:
            yield browser
        finally:
            browser.close()


# The interactive contract (documented in cnnlib/animation.py and cnnlib/explorers.py):
# every animation or explorer root carries data-cnn-interactive="animation" or
# "explorer" (the classes below are the roots' older names, still accepted).
# An animation has a Next button ([data-act="next"]) and a .cnn-counter: Next
# changes the counter and the frame. An explorer has form fields or buttons:
# changing its first field (an input event), or else pressing one of its buttons,
# changes what it shows (its text, tables or drawing, outside the controls).
INTERACTIVE_SELECTOR = "[data-cnn-interactive], .cnn-anim, .cnn-rf-anim, .cnn-explorer"

JS_INTERACTIVE = r"""
async (sel) => {
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const roots = [...document.querySelectorAll(sel)].filter(r => !(r.parentElement && r.parentElement.closest(sel)));
  const shown = root => {
    const c = root.cloneNode(true);
    c.querySelectorAll('style, script, input, select, textarea, button, label').forEach(e => e.remove());
    return c.innerHTML;
  };
  const out = [];
  // A script in a cell output that belongs to no interactive root is a widget the test cannot drive.
  const inOutput = [...document.querySelectorAll('article script, main script')].filter(s => s.closest('.cell_output, .output'));
  const stray = inOutput.filter(s => (!s.type || /javascript|module|ecmascript/i.test(s.type)) && !s.closest(sel)).length;
  // A live ipywidget's output: the static site has no kernel, so it shows nothing (tag the cell remove-output).
  const widgets = inOutput.filter(s => s.type === 'application/vnd.jupyter.widget-view+json').length;
  for (const [n, root] of roots.entries()) {
    const kind = root.dataset.cnnInteractive || (root.querySelector('[data-act="next"]') ? 'animation' : 'explorer');
    const name = (root.id || root.className || root.tagName) + ' (#' + (n + 1) + ', ' + kind + ')';
    const problems = [];
    if (!root.dataset.cnnInteractive) problems.push('no data-cnn-interactive attribute (the contract; re-execute the chapter)');
    if (kind === 'animation') {
      const play = root.querySelector('[data-act="play"]');
      if (play && play.textContent.trim() === 'Pause') play.click();   // autoplay: pause first
      await frame();
      const next = root.querySelector('[data-act="next"]'), counter = root.querySelector('.cnn-counter');
      if (!next) problems.push('no Next button ([data-act="next"])');
      else if (!counter) problems.push('no .cnn-counter');
      else {
        const before = [counter.textContent.trim(), shown(root)];
        next.click(); await frame();
        if (counter.textContent.trim() === before[0]) problems.push('Next did not change the counter (' + before[0] + ')');
        if (shown(root) === before[1]) problems.push('Next did not change the frame');
        const prev = root.querySelector('[data-act="prev"]');
        if (prev) { prev.click(); await frame(); }
      }
    } else {
      const before = shown(root);
      let changed = false;
      const field = root.querySelector('input:not([type=hidden]):not([disabled]), select:not([disabled])');
      if (field) {
        if (field.tagName === 'SELECT') field.selectedIndex = (field.selectedIndex + 1) % field.options.length;
        else if (field.type === 'checkbox' || field.type === 'radio') field.checked = !field.checked;
        else {
          const v = Number(field.value), step = Number(field.step) || 1;
          const max = field.max === '' ? Infinity : Number(field.max);
          field.value = String(v + step <= max ? v + step : v - step);
        }
        field.dispatchEvent(new Event('input', {bubbles: true}));
        field.dispatchEvent(new Event('change', {bubbles: true}));
        await frame();
        changed = shown(root) !== before;
      }
      for (const b of (changed ? [] : root.querySelectorAll('button'))) {
        b.click(); await frame();
        if (shown(root) !== before) { changed = true; break; }
      }
      if (!field && !root.querySelector('button')) problems.push('no form field or button to drive');
      else if (!changed) problems.push('neither its first field nor any of its buttons changed what it shows');
    }
    out.push({name: name, problems: problems});
  }
  return {roots: out, stray: stray, widgets: widgets};
}
"""

# Runs in the page at phone width: elements that stick out to the right of the
# viewport, outside code blocks, tables and anything that scrolls by itself.
JS_WIDE = r"""
() => {
  const W = document.documentElement.clientWidth;
  const pageScroll = document.documentElement.scrollWidth - W;
  const inScroller = el => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      if (a.matches('pre, .highlight, table, mjx-container, .MathJax')) return true;
      const ox = getComputedStyle(a).overflowX;
      if (a !== el && (ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip')) return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= W + 1) continue;
    if (getComputedStyle(el).position === 'fixed' || inScroller(el)) continue;
    const p = el.parentElement;
    if (p && p.getBoundingClientRect().right > W + 1 && !inScroller(p) && p !== document.body) continue; // report the outermost
    const id = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
               (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : '');
    wide.push(id + ' (right edge ' + Math.round(r.right) + ' px)');
  }
  return {pageScroll: pageScroll, wide: wide.slice(0, 20)};
}
"""


def axe_script() -> Path:
    """axe-core's browser bundle, installed by `make test` into the test venv (tests/js/package*.json)."""
    env = os.environ.get("CNNBOOK_AXE", "").strip()
    path = Path(env) if env else Path(sys.prefix) / "js" / "node_modules" / "axe-core" / "axe.min.js"
    if not path.is_file():
        raise RuntimeError(f"axe-core is not installed ({path}): run `make test` (it runs `npm ci` "
                           f"for tests/js/package-lock.json), or set CNNBOOK_AXE=/path/to/axe.min.js")
    return path


AXE_IMPACTS = ("serious", "critical")

# Violations we cannot fix in our content, each with the reason. A violation matches an
# entry when its rule id is the entry's and the node (its CSS target, then its HTML) matches the pattern.
AXE_ALLOWED: List[tuple] = [
    # (rule, pattern for the node's CSS target, reason)
    ("label-content-name-mismatch", r"search-button",
     "pydata-sphinx-theme 0.17's search button: aria-label 'Search' while its visible text is the "
     "keyboard shortcut 'Ctrl+K' (theme template; not our content)"),
    ("label-content-name-mismatch", r"theme-switch-button",
     "pydata-sphinx-theme 0.17's colour-mode button: aria-label 'Color mode' on a button whose visible "
     "content is the icon of the current mode (theme template; not our content)"),
    ("label-content-name-mismatch", r"\.hide\.above-input > summary\[aria-label=\"Toggle hidden content\"\]",
     "MyST-NB / sphinx-togglebutton's hide-input toggle: aria-label 'Toggle hidden content' on a <summary> "
     "whose visible text is 'Show code cell source' (extension markup; not our content)"),
]

JS_AXE = """
async () => {
  // preload: false -- axe would re-fetch every stylesheet with XHR, which file:// pages refuse (CORS)
  const r = await axe.run(document, {resultTypes: ['violations'], preload: false});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160), impact: n.impact}))}));
}
"""


def run_axe(page) -> List[dict]:
    """axe-core's serious and critical violations on ``page`` (one dict per rule and node)."""
    page.add_script_tag(content=axe_script().read_text(encoding="utf-8"))
    found = []
    for v in page.evaluate(JS_AXE):
        for node in v["nodes"]:
            impact = node["impact"] or v["impact"]
            if impact in AXE_IMPACTS:
                found.append({"id": v["id"], "impact": impact, "help": v["help"],
                              "target": node["target"], "html": node["html"]})
    return found


def axe_allowed(violation: dict) -> Optional[str]:
    """The allow-list's reason for ``violation``, or None when it is ours to fix."""
    for rule, pattern, reason in AXE_ALLOWED:
        if violation["id"] == rule and re.search(pattern, violation["target"] + " " + violation["html"]):
            return reason
    return None


# --------------------------------------------------------------- weight budget
MB = 1_000_000
PAGE_BUDGET = 3 * MB      # a page's own HTML, images, animations
SHARED_BUDGET = 4 * MB    # theme, MathJax, fonts: what every page loads from _static/
SITE_BUDGET = 60 * MB     # everything in _build/html


def local_file(url: str) -> Optional[Path]:
    """The file behind a file: URL (query and fragment dropped), if it exists."""
    from urllib.parse import unquote

    parts = urlsplit(url)
    if parts.scheme != "file":
        return None
    path = Path(unquote(parts.path))
    return path if path.is_file() else None


def page_weight(html_path: Path, loaded: List[str], html_dir: Path = HTML_DIR) -> Dict[str, int]:
    """Bytes a page loaded, split into its own (HTML, images, ...) and the shared _static/ assets."""
    own, shared = {html_path.resolve()}, set()
    static = (html_dir / "_static").resolve()
    for url in loaded:
        path = local_file(url)
        if path is None:
            continue
        path = path.resolve()
        (shared if static in path.parents else own).add(path)
    return {"own": sum(p.stat().st_size for p in own), "shared": sum(p.stat().st_size for p in shared),
            "shared_files": len(shared)}


def site_bytes(html_dir: Path = HTML_DIR) -> int:
    return sum(p.stat().st_size for p in html_dir.rglob("*") if p.is_file())
