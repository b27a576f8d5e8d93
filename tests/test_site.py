"""The static site: it builds offline with warnings as errors, and every page works
in a headless Chromium without a single request leaving the machine.

The book is built once per run (``jupyter-book build . -W -n --keep-going --all``:
the flags of ``make book`` plus a fresh Sphinx environment, see
site_helpers.build_book) into _build/html, reusing the execution cache in
_build, so a run on an unchanged book takes seconds; the full build log is
_build/site-build.log. Every page gets a full-page screenshot in
_build/screenshots/ for a human to look at.

Pages are chosen from book/_toc.yml, so a new chapter is checked as soon as the
toc lists it; a toc entry without a source file or without a built page fails.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import time

import pytest
from bs4 import BeautifulSoup

try:
    import site_helpers as sh
except ImportError:  # tests/ turned into a package
    from tests import site_helpers as sh

pytestmark = pytest.mark.site

DOCNAMES = sh.toc_docnames()
CHAPTERS = [d for d in DOCNAMES if sh.is_chapter(d)]


# ----------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def site():
    """The built site's html directory (built once per test run)."""
    result = sh.build_book()
    if result.returncode != 0:
        # A chapter that raised: MyST-NB saved its traceback under html/reports/.
        reports = "".join(
            f"\n--- {log.relative_to(sh.REPO)} (end) ---\n{sh.tail(sh.strip_ansi(log.read_text(errors='replace')), 40, log)}"
            for log in sorted((sh.HTML_DIR / "reports").rglob("*.err.log"))
        )
        pytest.fail(
            f"The book did not build (exit code {result.returncode}, {result.seconds:.0f} s).\n"
            f"$ {' '.join(result.command)}\n{sh.tail(result.output)}{reports}",
            pytrace=False,
        )
    shutil.rmtree(sh.SCREENSHOT_DIR, ignore_errors=True)
    sh.SCREENSHOT_DIR.mkdir(parents=True)
    return sh.HTML_DIR


@pytest.fixture(scope="module")
def chromium():
    with sh.launched_chromium() as browser:
        yield browser


# ------------------------------------------------------------------ build and toc
def test_toc_entries_have_sources():
    missing = [d for d in DOCNAMES if sh.source_of(d) is None]
    assert not missing, (
        f"book/_toc.yml lists {missing}, but there is no "
        f"{'/'.join(sh.SOURCE_SUFFIXES)} file for them in the repository"
    )


def test_book_builds_offline_with_warnings_as_errors(site):
    assert (site / "index.html").is_file()


@pytest.mark.parametrize("docname", DOCNAMES)
def test_toc_page_is_built(site, docname):
    page = sh.html_of(docname, site)
    assert page.is_file(), f"the toc lists {docname}, but {page.relative_to(sh.REPO)} was not built"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup.select_one("main")
    assert article is not None and article.get_text(strip=True), f"{page.name} has no content"
    assert soup.find("h1"), f"{page.name} has no title (h1)"


def _prose_text(page) -> str:
    """The text of a page's article without code cells (their inputs and outputs) or code blocks."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup.select_one("main") or soup
    for el in article.select("div.cell, pre, script, style, nav, .highlight"):
        el.decompose()
    return " ".join(article.get_text(" ").split())


@pytest.mark.parametrize("docname", sorted(sh.PROSE_NUMBERS))
def test_chapter_prose_states_its_numbers(site, docname):
    if docname not in DOCNAMES and sh.source_of(docname) is None:
        pytest.skip(f"{docname} is neither written nor in the toc yet")
    assert docname in DOCNAMES, f"{docname} exists but book/_toc.yml does not list it"
    page = sh.html_of(docname, site)
    assert page.is_file(), f"{page.relative_to(sh.REPO)} was not built"
    prose = _prose_text(page)
    missing = [n for n in sh.PROSE_NUMBERS[docname] if not re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d])", prose)]
    assert not missing, (
        f"{docname}: the prose (outside code cells) does not state {missing}; "
        f"it should state them with {{eval}}`...` (book/_ext/prose_numbers.py).\nProse begins: {prose[:600]}"
    )


@pytest.mark.parametrize("docname", DOCNAMES)
def test_no_raw_myst_syntax_in_the_page(site, docname):
    """A role or directive that did not render shows as its source text ({eval}`x`, ```{note})."""
    page = sh.html_of(docname, site)
    if not page.is_file():
        pytest.skip("not built (reported by test_toc_page_is_built)")
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    article = soup.select_one("article.bd-article") or soup.select_one("main") or soup
    for el in article.select("div.cell_input, pre, code, script, style, .highlight"):
        el.decompose()
    text = " ".join(article.get_text(" ").split())
    found = [m.group(0) for m in re.finditer(r"\{(?:eval|glue)(?::\w+)?\}|```\s*\{[\w:-]+\}|:::\s*\{[\w:-]+\}", text)]
    assert not found, f"{docname}: raw MyST in the page text: {found[:5]}"


def test_no_page_references_an_external_resource(site):
    problems = sh.scan_site(site)
    assert not problems, "resources loaded from other hosts:\n" + "\n".join(problems)


# -------------------------------------------------------------------- in Chromium
def _screenshot(page, site, html_path, variant: str = "light") -> None:
    """A whole-page PNG in _build/screenshots/<variant>/, taken through a viewport as tall as the page.

    (Playwright's ``full_page=True`` with Debian's Chromium shifts the theme's
    layout sideways on long pages; a tall viewport renders it as a reader sees it.)
    """
    target = sh.SCREENSHOT_DIR / variant / f"{sh.page_id(html_path, site)}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = size["height"]
    for _ in range(3):  # the layout may grow once the viewport does
        full = min(page.evaluate("() => document.documentElement.scrollHeight"), 30000)
        if full <= height:
            break
        height = full
        page.set_viewport_size({"width": size["width"], "height": height})
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.screenshot(path=str(target))
    page.set_viewport_size(size)


def _check_math(page) -> list:
    state = page.evaluate(sh.JS_MATH)
    problems = [f"raw TeX left in the text: {r}" for r in state["raw"]]
    if state["mathElements"]:
        if not state["mathjax"]:
            problems.append(f"{state['mathElements']} math elements but MathJax did not load")
        problems += [f"math not typeset: {t!r}" for t in state["untypeset"]]
        problems += [f"MathJax error: {t!r}" for t in state["errors"]]
        if state["containers"] == 0:
            problems.append("no mjx-container on a page with math")
    return problems


def _check_mathjax_fonts(log) -> list:
    fonts = [u for u in log.loaded if "/_static/mathjax/" in u and re.search(r"\.woff2?$", u)]
    return [] if fonts else ["MathJax typeset the page but loaded none of its web fonts from _static/mathjax"]


def _text(locator) -> str:
    return locator.inner_text().strip()


def _check_animation(page, root, index: int) -> list:
    """Drive one .cnn-anim: Pause, Next, Prev, the mode switch and Play."""
    name = f".cnn-anim #{index + 1}"
    problems = []
    counter, equation = root.locator(".cnn-counter"), root.locator(".cnn-equation")
    play = root.locator('[data-act="play"]')
    if root.locator(".cnn-slot-input td").count() == 0 or not _text(equation):
        return [f"{name} is empty (no input grid or no equation)"]
    if _text(play) == "Pause":  # autoplay: pause it
        play.click()
    if _text(play) != "Play":
        problems.append(f"{name}: after Pause the button reads {_text(play)!r}, not 'Play'")
    before = (_text(counter), _text(equation))
    page.wait_for_timeout(50)
    if (_text(counter), _text(equation)) != before:
        problems.append(f"{name}: still moving after Pause")
    root.locator('[data-act="next"]').click()
    after = (_text(counter), _text(equation))
    if after[0] == before[0]:
        problems.append(f"{name}: Next did not change the counter ({before[0]!r})")
    if after[1] == before[1]:
        problems.append(f"{name}: Next did not change the equation ({before[1]!r})")
    root.locator('[data-act="prev"]').click()
    if (_text(counter), _text(equation)) != before:
        problems.append(f"{name}: Prev did not go back to {before}")

    radios = root.locator('input[type="radio"]')
    # The sliding window switches to 'convolution'; another animation (chapter 4's
    # im2col: 'im2col' / 'product') to its last mode. Either way the equation must
    # change and name the mode chosen.
    labels = []
    for i in range(radios.count()):
        label = radios.nth(i).locator("xpath=ancestor::label[1]")
        labels.append(label.inner_text().strip().lower() if label.count() else "")
    target = "convolution" if "convolution" in labels else (labels[-1] if len(labels) > 1 and labels[-1] else None)
    if target is None:
        problems.append(f"{name}: no radio button labelled 'convolution' and no second mode to switch to")
    else:
        eq = _text(equation)
        radios.nth(labels.index(target)).check()
        if _text(equation) == eq:
            problems.append(f"{name}: choosing {target} did not change the equation ({eq!r})")
        elif target not in _text(equation).lower():
            problems.append(f"{name}: the equation does not name the mode: {_text(equation)!r}")

    if index == 0:  # Play really plays (one animation per page is enough: it takes a frame interval)
        c = _text(counter)
        play.click()
        try:
            page.wait_for_function("([el, old]) => el.textContent.trim() !== old",
                                   arg=[counter.element_handle(), c], timeout=6000)
        except Exception:
            problems.append(f"{name}: Play did not advance the counter within 6 s")
        if _text(play) == "Pause":
            play.click()
    return problems


_REFRESH = re.compile(r"<meta[^>]+http-equiv=[\"']?refresh", re.I)

PHONE = {"width": 390, "height": 844}


@dataclasses.dataclass
class Visit:
    """What one visit of a page found (a page is visited once per run, see _visit_cached)."""

    problems: list      # console, network, TeX, images, animations and explorers
    axe: list           # serious and critical axe-core violations (allowed ones included, with .reason)
    phone: dict         # JS_WIDE at 390 px: page scroll and the elements sticking out
    loaded: list        # local URLs the page loaded
    seconds: float


def _visit(site, chromium, html_path, *, chapter: bool, screenshots: bool = True, drive_animations: bool = True) -> Visit:
    start = time.monotonic()
    problems = []
    url = html_path.as_uri()
    with sh.guarded_page(chromium, url) as (page, log):
        if _REFRESH.search(html_path.read_text(encoding="utf-8")):  # index.html redirects to the root page
            page.wait_for_url(lambda u: u != url, timeout=5000)
            page.wait_for_load_state("load")
        page.evaluate(sh.JS_SETTLE)
        if screenshots:
            _screenshot(page, site, html_path, "light")
        math_problems = _check_math(page)
        problems += math_problems
        if page.evaluate("() => document.querySelectorAll('mjx-container').length") and not math_problems:
            problems += _check_mathjax_fonts(log)
        images = page.evaluate(sh.JS_IMAGES)
        problems += [f"image did not load (or has no size): {src}" for src in images["broken"]]
        problems += [f"image without alt text: {src}" for src in images["noAlt"]]
        if chapter and images["contentLoaded"] == 0:
            problems.append("a chapter without a single figure (no loaded <img> in the article)")
        problems += [f"theme icon not drawn: {i}" for i in page.evaluate(JS_ICONS)]
        # Accessibility before anything is clicked: the page as a reader opens it.
        axe = sh.run_axe(page)
        for v in axe:
            v["reason"] = sh.axe_allowed(v)
        # The interactive contract, for every animation and explorer (sh.JS_INTERACTIVE) ...
        found = page.evaluate(sh.JS_INTERACTIVE, sh.INTERACTIVE_SELECTOR)
        problems += [f"{r['name']}: {p}" for r in found["roots"] for p in r["problems"]]
        if found["stray"]:
            problems.append(f"{found['stray']} script(s) in cell outputs outside any [data-cnn-interactive] root")
        if found["widgets"]:
            problems.append(f"{found['widgets']} live-widget output(s): the static site shows nothing there "
                            "(tag the cell remove-output, as chapter 2 does)")
        # ... and the sliding-window family in detail (Pause, Next, Prev, modes, Play).
        if drive_animations:  # (the contract pressed Next then Prev: back at the first frame, paused)
            anims = page.locator(".cnn-anim")
            for i in range(anims.count()):
                problems += _check_animation(page, anims.nth(i), i)
        if screenshots:
            page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; document.documentElement.dataset.mode = 'dark'; }")
            _screenshot(page, site, html_path, "dark")
            page.evaluate("() => { document.documentElement.dataset.theme = 'light'; document.documentElement.dataset.mode = 'light'; }")
        page.set_viewport_size(PHONE)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        phone = page.evaluate(sh.JS_WIDE)
        if screenshots:
            _screenshot(page, site, html_path, "mobile")
        page.wait_for_timeout(100)  # let late console messages arrive
        problems += log.problems()
        loaded = list(log.loaded)
    return Visit(problems, axe, phone, loaded, time.monotonic() - start)


# Runs in the page: theme icons (<i class="fa-...">) that no script turned into a drawing.
JS_ICONS = """
() => [...document.querySelectorAll('i[class*="fa-"]')]
  .filter(i => getComputedStyle(i).display !== 'none' && i.getBoundingClientRect().width === 0)
  .map(i => i.className)
"""

# Every page the build writes: the toc's, then the ones Sphinx adds (index.html redirects to the root).
OTHER_PAGES = ["index", "search", "genindex"]
ALL_PAGES = DOCNAMES + [p for p in OTHER_PAGES if p not in DOCNAMES]
_VISITS: dict = {}


def _visit_cached(site, chromium, docname) -> Visit:
    if docname not in _VISITS:
        page = sh.html_of(docname, site)
        assert page.is_file(), f"{page.relative_to(sh.REPO)} was not built"
        _VISITS[docname] = _visit(site, chromium, page, chapter=sh.is_chapter(docname))
    return _VISITS[docname]


def test_every_built_page_is_checked(site):
    built = {sh.page_id(p, site) for p in sh.built_pages(site)}
    unchecked = sorted(built - set(ALL_PAGES))
    assert not unchecked, f"built pages no browser test visits (add them to OTHER_PAGES): {unchecked}"


@pytest.mark.parametrize("docname", ALL_PAGES)
def test_page_in_chromium(site, chromium, docname):
    """No console error, failed or outgoing request, raw TeX, broken or unlabelled image; every animation
    and explorer responds; screenshots in light, dark and at phone width."""
    visit = _visit_cached(site, chromium, docname)
    print(f"{docname}: visited in {visit.seconds:.1f} s")
    assert not visit.problems, f"{docname}:\n  " + "\n  ".join(visit.problems)


@pytest.mark.parametrize("docname", ALL_PAGES)
def test_page_accessibility(site, chromium, docname):
    """axe-core: no serious or critical violation, except the allow-listed ones of the theme (each with its reason)."""
    visit = _visit_cached(site, chromium, docname)
    allowed = {}
    for v in visit.axe:
        if v["reason"]:
            allowed[(v["id"], v["reason"])] = allowed.get((v["id"], v["reason"]), 0) + 1
    for (rule, reason), n in allowed.items():
        print(f"{docname}: allowed {rule} x{n}: {reason}")
    ours = [v for v in visit.axe if not v["reason"]]
    assert not ours, f"{docname}: {len(ours)} serious/critical axe violations:\n  " + "\n  ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['target']}: {v['html']}" for v in ours)


@pytest.mark.parametrize("docname", ALL_PAGES)
def test_page_fits_a_phone(site, chromium, docname):
    """At 390 px the page does not scroll sideways, except inside code blocks, tables and self-scrolling boxes."""
    phone = _visit_cached(site, chromium, docname).phone
    assert phone["pageScroll"] <= 1 and not phone["wide"], (
        f"{docname} at 390 px: the page scrolls {phone['pageScroll']} px sideways; sticking out: {phone['wide']}")


def test_page_weights(site, chromium):
    """Each page's own weight < 3 MB, the shared _static/ assets a page loads < 4 MB, the site < 60 MB."""
    rows, over = [], []
    for docname in ALL_PAGES:
        w = sh.page_weight(sh.html_of(docname, site), _visit_cached(site, chromium, docname).loaded, site)
        rows.append((docname, w))
        if w["own"] >= sh.PAGE_BUDGET:
            over.append(f"{docname}: own {w['own'] / sh.MB:.2f} MB")
        if w["shared"] >= sh.SHARED_BUDGET:
            over.append(f"{docname}: shared {w['shared'] / sh.MB:.2f} MB")
    total = sh.site_bytes(site)
    print(f"\n{'page':<50} {'own MB':>8} {'shared MB':>10} {'shared files':>13}")
    for docname, w in rows:
        print(f"{docname:<50} {w['own'] / sh.MB:>8.2f} {w['shared'] / sh.MB:>10.2f} {w['shared_files']:>13}")
    print(f"{'whole site (_build/html)':<50} {total / sh.MB:>8.2f}")
    if total >= sh.SITE_BUDGET:
        over.append(f"the site: {total / sh.MB:.1f} MB")
    assert not over, "over budget: " + "; ".join(over)


def _nav_target(page, site, selector: str):
    from urllib.parse import unquote

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    link = soup.select_one(selector)
    if link is None or not link.get("href"):
        return None
    return sh.page_id((page.parent / unquote(link["href"].split("#")[0])).resolve(), site.resolve())


@pytest.mark.parametrize("docname", DOCNAMES)
def test_previous_and_next_follow_the_toc(site, docname):
    i = DOCNAMES.index(docname)
    page = sh.html_of(docname, site)
    want_prev = DOCNAMES[i - 1] if i > 0 else None
    want_next = DOCNAMES[i + 1] if i + 1 < len(DOCNAMES) else None
    got = (_nav_target(page, site, "a.left-prev"), _nav_target(page, site, "a.right-next"))
    assert got == (want_prev, want_next), f"{docname}: previous/next lead to {got}, the toc says {(want_prev, want_next)}"
    for target in got:
        assert target is None or sh.html_of(target, site).is_file(), target


def test_search_works_offline(site, chromium):
    """The search page finds a page by a word of its title, without a server (searchindex.js over file://)."""
    target = (CHAPTERS or DOCNAMES)[0]
    title = BeautifulSoup(sh.html_of(target, site).read_text(encoding="utf-8"), "html.parser").find("h1")
    words = sorted(re.findall(r"[A-Za-z]{5,}", title.get_text() if title else ""), key=len, reverse=True)
    assert words, f"no searchable word in the title of {target}"
    url = (site / "search.html").as_uri() + f"?q={words[0]}"
    with sh.guarded_page(chromium, url) as (page, log):
        try:
            page.wait_for_selector("#search-results li", timeout=15000)
        except Exception:
            pytest.fail(f"search.html?q={words[0]} showed no results: "
                        f"{page.locator('#search-results').inner_text()!r}")
        hits = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        page.wait_for_timeout(100)
        problems = log.problems()
    assert not problems, "\n".join(problems)
    assert any(h.split("#")[0] == f"{target}.html" for h in hits), f"{target} not among the hits for {words[0]!r}: {hits}"


# The glossary's term for chapter 2's idea, in English and in Korean: Sphinx's English
# splitter keeps a run of Hangul as one word (\w matches it), the Porter stemmer leaves
# it alone, so "교차 상관" is two indexed words that both pages contain.
SEARCH_TERMS = {"cross-correlation": "notebooks/02_convolution_vs_cross_correlation",
                "교차 상관": "notebooks/02_convolution_vs_cross_correlation"}


@pytest.mark.parametrize("query", sorted(SEARCH_TERMS))
def test_search_finds_english_and_korean_terms(site, chromium, query):
    from urllib.parse import quote

    target = SEARCH_TERMS[query]
    if target not in DOCNAMES:
        pytest.skip(f"{target} is not in the toc")
    url = (site / "search.html").as_uri() + "?q=" + quote(query)
    with sh.guarded_page(chromium, url) as (page, log):
        try:
            page.wait_for_selector("#search-results li", timeout=15000)
        except Exception:
            pytest.fail(f"search.html?q={query} showed no results: {page.locator('#search-results').inner_text()!r}")
        hits = page.locator("#search-results li a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        page.wait_for_timeout(100)
        problems = log.problems()
    assert not problems, "\n".join(problems)
    pages = {h.split("#")[0] for h in hits}
    assert f"{target}.html" in pages, f"{target} not among the hits for {query!r}: {hits}"
    assert "book/glossary.html" in pages, f"the glossary is not among the hits for {query!r}: {hits}"


# ------------------------------------------------------- the guard itself works
GUARD_PAGE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="https://example.invalid/style.css">
<style>@import url("http://example.invalid/import.css"); body { background: url(//example.invalid/bg.png); }</style>
<script src="http://example.invalid/lib.js"></script>
</head><body><p>guard test</p>
<img src="http://example.invalid/x.png">
<img src="missing-local-file.png">
<script>
  fetch("https://example.invalid/api").catch(() => {});
  try { new WebSocket("wss://example.invalid/socket"); } catch (e) {}
  console.error("a console error");
  setTimeout(() => { throw new Error("an uncaught error"); }, 0);
</script>
</body></html>
"""


def test_network_guard_records_what_it_blocks(chromium, tmp_path):
    page_file = tmp_path / "guard.html"
    page_file.write_text(GUARD_PAGE, encoding="utf-8")
    with sh.guarded_page(chromium, page_file.as_uri()) as (page, log):
        page.wait_for_timeout(500)
    expected = ["https://example.invalid/style.css", "http://example.invalid/lib.js",
                "http://example.invalid/x.png", "https://example.invalid/api", "wss://example.invalid/socket",
                "http://example.invalid/import.css", "//example.invalid/bg.png"]
    missed = [u for u in expected if not any(b.endswith(u) for b in log.blocked)]
    assert not missed, f"the guard let these through unrecorded: {missed}; it recorded {log.blocked}"
    assert all(not sh.is_local(u) for u in log.blocked)
    assert any("missing-local-file.png" in f for f in log.failed), log.failed
    assert any("a console error" in m for m in log.console_errors), log.console_errors
    assert any("an uncaught error" in m for m in log.page_errors), log.page_errors
    assert log.problems()
    # ... and the static scan flags the same page.
    kinds = {kind for kind, _ in sh.external_resource_refs(GUARD_PAGE)}
    assert kinds == {"<link href>", "<script src>", "<img>/media src", "CSS @import", "CSS url()"}, kinds


# ------------------------------------------ the per-page checks catch what they should
# A 1 x 1 PNG (a real, loadable image).
PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

BAD_PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>bad page</title>
<script src="https://example.invalid/external.js"></script></head>
<body><main><article class="bd-article">
<h1>A page with every fault</h1>
<p>Raw TeX that MathJax never saw: \\(x^2 + y^2\\).</p>
<img src="missing-figure.png" alt="a figure whose file is missing">
<img src="{PIXEL}">
<div class="cell_output"><div class="cnn-anim" data-cnn-interactive="animation" id="dead-anim">
  <button data-act="prev">Prev</button><button data-act="next">Next</button>
  <span class="cnn-counter">frame 1 of 3</span><table><tr><td>1</td></tr></table>
  <script>/* the buttons are never wired up */</script></div></div>
<div class="cell_output"><div class="cnn-explorer" data-cnn-interactive="explorer" id="dead-explorer">
  <label>n <input type="number" name="n" value="1" min="1" max="9"></label> <span>result 1</span></div></div>
<div class="cell_output"><script>document.title = document.title;</script></div>
<div class="cell_output"><script type="application/vnd.jupyter.widget-view+json">{{"model_id": "x"}}</script></div>
<button></button>
<div style="width: 2000px">a paragraph far wider than a phone</div>
</article></main></body></html>
"""


def _good_page() -> str:
    """cnnlib's own animations and explorers on a page with nothing wrong (the control for BAD_PAGE)."""
    import numpy as np

    from cnnlib.animation import im2col_animation, pooling_animation, sliding_window_animation
    from cnnlib.explorers import output_size_explorer, param_explorer

    x = np.arange(1.0, 10.0).reshape(3, 3)
    parts = [sliding_window_animation(x, np.array([[1.0, 1.0], [0.0, 2.0]])),
             pooling_animation(np.arange(16.0).reshape(4, 4), 2),
             im2col_animation(np.arange(18.0).reshape(2, 3, 3), np.ones((2, 2, 2, 2))),
             output_size_explorer(), param_explorer()]
    cells = "".join(f'<div class="cell_output">{p._repr_html_()}</div>' for p in parts)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>good page</title></head>'
            f'<body><main><article class="bd-article"><h1>A page with nothing wrong</h1>'
            f'<img src="{PIXEL}" alt="one pixel">{cells}</article></main></body></html>')


def test_page_checks_report_a_bad_page(chromium, tmp_path):
    page_file = tmp_path / "bad.html"
    page_file.write_text(BAD_PAGE, encoding="utf-8")
    visit = _visit(tmp_path, chromium, page_file, chapter=True, screenshots=False, drive_animations=False)
    text = "\n".join(visit.problems)
    expected = {
        "raw TeX": "raw TeX left in the text",
        "broken image": "image did not load (or has no size): missing-figure.png",
        "image without alt": "image without alt text: data:image/png",
        "external script": "request leaving the machine (blocked): https://example.invalid/external.js",
        "dead animation counter": "dead-anim (#1, animation): Next did not change the counter",
        "dead animation frame": "dead-anim (#1, animation): Next did not change the frame",
        "dead explorer": "dead-explorer (#2, explorer): neither its first field nor any of its buttons",
        "script outside the contract": "1 script(s) in cell outputs outside any [data-cnn-interactive] root",
        "live widget": "1 live-widget output(s)",
        "missing file": "failed request: " + (tmp_path / "missing-figure.png").as_uri(),
    }
    missed = [k for k, v in expected.items() if v not in text]
    assert not missed, f"not reported: {missed}\nreported:\n{text}"
    assert any(v["id"] == "button-name" and not v["reason"] for v in visit.axe), visit.axe
    assert visit.phone["pageScroll"] > 1000 and any(w.startswith("div") for w in visit.phone["wide"]), visit.phone


def test_page_checks_pass_cnnlib_widgets_on_a_clean_page(chromium, tmp_path):
    """The control: cnnlib's animations and explorers meet the contract and pass axe and the 390 px scan."""
    page_file = tmp_path / "good.html"
    page_file.write_text(_good_page(), encoding="utf-8")
    visit = _visit(tmp_path, chromium, page_file, chapter=True, screenshots=False)
    assert not visit.problems, "\n".join(visit.problems)
    assert not visit.axe, visit.axe
    assert visit.phone["pageScroll"] <= 1 and not visit.phone["wide"], visit.phone


# ------------------------------------- chapter 3: the output-size explorer, in the page
# The explorer (cnnlib.explorers.output_size_explorer) recomputes everything in
# JavaScript. Here it is driven through its form fields on a grid of settings and
# compared with cnnlib: the output size with output_size (and conv2d's rule for what
# does not fit), the formulas and sentences with window_layout, the number of window
# dots with the output size; and its drawing must change when the settings do.

CH03 = "notebooks/03_padding_stride_output_size"

# Runs in the page: set the fields of one explorer, fire "input" as a reader's typing
# would, and read back what the page shows.
JS_EXPLORE = """
([root, settings]) => settings.map(st => {
  for (const [name, value] of Object.entries(st)) {
    const el = root.querySelector('[name="' + name + '"]');
    el.value = String(value);
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }
  const out = root.querySelector('.cnn-x-out');
  return {oh: out.dataset.oh, ow: out.dataset.ow, windows: +out.dataset.windows, text: out.textContent,
          formula: root.querySelector('.cnn-x-formula').textContent,
          reason: root.querySelector('.cnn-x-reason').textContent,
          dots: root.querySelectorAll('svg circle.dot').length,
          svg: root.querySelector('svg').innerHTML};
})
"""


def _explorer_grid():
    """>= 200 settings: fitting and not, every padding mode, uneven padding, strides that do not divide."""
    import itertools

    grid = []
    for i, (h, w, kh, kw, s, d, mode) in enumerate(itertools.product(
            (1, 4, 8, 13), (3, 10), (1, 2, 5), (3, 4), (1, 2, 3), (1, 2), ("per side", "valid", "same", "full"))):
        pads = ((i % 3), (i * 7) % 4, (i * 5) % 3, (i * 3) % 5)   # varied per-side padding, deterministic
        grid.append(dict(h=h, w=w, kh=kh, kw=kw, s=s, d=d, mode=mode,
                         top=pads[0], bottom=pads[1], left=pads[2], right=pads[3]))
    return grid[::2]


def _expected(st):
    from cnnlib import output_size, window_layout

    padding = st["mode"] if st["mode"] != "per side" else (st["top"], st["bottom"], st["left"], st["right"])
    try:
        if st["mode"] == "per side":
            oh = output_size(st["h"], st["kh"], padding=(st["top"], st["bottom"]), stride=st["s"], dilation=st["d"])
            ow = output_size(st["w"], st["kw"], padding=(st["left"], st["right"]), stride=st["s"], dilation=st["d"])
        else:
            oh = output_size(st["h"], st["kh"], padding=st["mode"], stride=st["s"], dilation=st["d"])
            ow = output_size(st["w"], st["kw"], padding=st["mode"], stride=st["s"], dilation=st["d"])
        size = (oh, ow)
    except ValueError:
        size = None
    lay = window_layout((st["h"], st["w"]), (st["kh"], st["kw"]), stride=st["s"], padding=padding, dilation=st["d"])
    return size, lay


@pytest.fixture(scope="module")
def ch03_page(site):
    page = sh.html_of(CH03, site)
    if not page.is_file():
        pytest.fail(f"{page.relative_to(sh.REPO)} was not built", pytrace=False)
    return page


def test_ch03_explorer_agrees_with_cnnlib_on_a_grid(ch03_page, chromium):
    grid = _explorer_grid()
    assert len(grid) >= 200
    with sh.guarded_page(chromium, ch03_page.as_uri()) as (page, log):
        roots = page.locator('.cnn-explorer[data-explorer="output-size"]')
        assert roots.count() == 1, "chapter 3 should show one output-size explorer"
        shown = page.evaluate(JS_EXPLORE, [roots.first.element_handle(), grid])
        problems = log.problems()
    assert not problems, "\n".join(problems)
    mismatches, fitting, previous = [], 0, None
    for st, got in zip(grid, shown):
        size, lay = _expected(st)
        assert (size is None) == (not lay.fits), (st, size, lay.reasons)   # cnnlib agrees with itself
        if size is None:
            ok = got["text"] == "does not fit" and got["oh"] == "" and got["dots"] == 0 and got["reason"] == " ".join(lay.reasons)
        else:
            fitting += 1
            ok = ((int(got["oh"]), int(got["ow"])) == size and got["windows"] == got["dots"] == size[0] * size[1]
                  and got["formula"] == "\n".join(lay.formulas) and got["reason"] == lay.unread_note())
        if not ok:
            mismatches.append(f"{st}: page {got['text']!r} {got['formula']!r} {got['reason']!r}; "
                              f"cnnlib {size} {lay.formulas} {lay.explanation()!r}")
        # The drawing follows the settings: a different layout is a different picture.
        # (Settings that do not fit draw the input and its padding alone; without valid padding, none.)
        key = (lay.in_shape, lay.pads or (0, 0, 0, 0)) + ((lay.positions, lay.span) if lay.fits else ())
        if previous is not None and key != previous[0]:
            assert got["svg"] != previous[1], f"the drawing did not change from {previous[2]} to {st}"
        previous = (key, got["svg"], st)
    assert not mismatches, f"{len(mismatches)} of {len(grid)} settings differ:\n" + "\n".join(mismatches[:10])
    assert 60 <= fitting <= len(grid) - 20, f"the grid should mix fitting ({fitting}) and non-fitting settings"


def test_ch03_explorer_responds_to_typing(ch03_page, chromium):
    """Real key presses in the fields (not only set values): stride 1 -> 2 on the notes' 8x4 input."""
    with sh.guarded_page(chromium, ch03_page.as_uri()) as (page, log):
        root = page.locator('.cnn-explorer[data-explorer="output-size"]').first
        out, svg = root.locator(".cnn-x-out"), root.locator("svg")
        assert out.inner_text() == "output 7 × 3 = 21 window positions"
        before = svg.inner_html()
        root.locator('[name="s"]').fill("2")
        assert out.inner_text() == "output 4 × 2 = 8 window positions"
        assert svg.inner_html() != before and root.locator("svg circle.dot").count() == 8
        outline = root.locator("svg rect.win").get_attribute("y")
        root.locator('[name="win"]').fill("8")                       # outline the last window
        assert root.locator("svg rect.win").get_attribute("y") != outline
        assert root.locator(".cnn-x-win").inner_text() == "window 8 of 8 outlined"
        root.locator('[name="mode"]').select_option("same")
        assert out.inner_text() == "does not fit"
        assert "stride 1 only" in root.locator(".cnn-x-reason").inner_text()
        assert root.locator('[name="top"]').is_disabled()
        problems = log.problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_ch03_explorer_fits_a_phone_and_follows_the_theme(ch03_page, chromium, theme):
    """At 390 px the page does not scroll sideways because of the explorer; dark mode changes its colours."""
    with sh.guarded_page(chromium, ch03_page.as_uri()) as (page, log):
        page.set_viewport_size({"width": 390, "height": 844})
        page.evaluate(f"() => document.documentElement.setAttribute('data-theme', '{theme}')")
        root = page.locator('.cnn-explorer[data-explorer="output-size"]').first
        root.scroll_into_view_if_needed()
        box = root.bounding_box()
        colours = root.evaluate("el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]")
        sh.SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        root.screenshot(path=str(sh.SCREENSHOT_DIR / f"ch03-explorer-390-{theme}.png"))
        problems = log.problems()
    assert not problems, "\n".join(problems)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5, f"the explorer sticks out of a 390 px screen: {box}"
    light = ("rgb(255, 255, 255)", "rgb(31, 35, 40)")
    assert (tuple(colours) == light) == (theme == "light"), f"{theme} mode: colours {colours}"


# ------------------------------------------- chapter 1: receptive fields in the page
CH01 = "notebooks/01_why_convolution"
# The chapter's VGG-like stack on a 32 x 32 input (its inputs, restated here).
CH01_STACK_NAMES = ["conv 3x3", "conv 3x3", "pool 2x2", "conv 3x3", "conv 3x3", "pool 2x2", "conv 3x3"]


def _ch01_page(site):
    if CH01 not in DOCNAMES:
        pytest.skip(f"{CH01} is not in the toc")
    return sh.html_of(CH01, site)


def test_chapter1_receptive_field_table_matches_cnnlib(site):
    """The prose table (inline {eval} values) states exactly what cnnlib.receptive_fields computes."""
    from cnnlib.receptive import Window, receptive_fields

    soup = BeautifulSoup(_ch01_page(site).read_text(encoding="utf-8"), "html.parser")
    tables = [t for t in soup.select("article table") if "jump" in t.get_text() and not t.find_parent("div", class_="cell")]
    assert tables, "chapter 1 has no receptive-field table in its prose"
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in tables[0].select("tbody tr")]
    stack = [Window(2, stride=2, name=n) if n.startswith("pool") else Window(3, padding=1, name=n) for n in CH01_STACK_NAMES]
    want = [[str(i), r.name, str(r.size), str(r.jump), str(r.start), str(r.out)]
            for i, r in enumerate(receptive_fields(stack, input_size=32), start=1)]
    assert rows == want, f"the table in the page:\n{rows}\ncnnlib:\n{want}"


def test_chapter1_receptive_field_animation_in_chromium(site, chromium):
    """Every frame of every stack: the caption's field equals cnnlib's, the coloured input cells are
    the field cut to the image, and Prev/Next/Play and the stack switch work."""
    from cnnlib.receptive import Window, field_sets, receptive_fields

    page_path = _ch01_page(site)
    with sh.guarded_page(chromium, page_path.as_uri()) as (page, log):
        page.evaluate(sh.JS_SETTLE)
        anims = page.locator(".cnn-rf-anim")
        assert anims.count() == 1, f"expected one receptive-field animation, found {anims.count()}"
        root = anims.first
        play = root.locator('[data-act="play"]')
        if _text(play) == "Pause":
            play.click()
        assert _text(play) == "Play"
        radios = root.locator('input[type="radio"]')
        assert radios.count() == 2
        problems = []
        for s in range(radios.count()):
            radios.nth(s).check()
            counter = _text(root.locator(".cnn-counter"))
            n_frames = int(re.search(r"of (\d+)", counter).group(1))
            for f in range(n_frames):
                caption = _text(root.locator(".cnn-caption"))
                m = re.search(r"unit \((\d+), (\d+)\) of layer (\d+) sees a (\d+) × (\d+) field", caption)
                if not m:
                    problems.append(f"stack {s} frame {f}: caption {caption!r}")
                    break
                r, c, layer, fh, fw = map(int, m.groups())
                levels = root.locator(".cnn-level")
                input_cells = levels.nth(0).locator("td.in").count()
                shape = (levels.nth(0).locator("tr").count(), levels.nth(0).locator("tr").first.locator("td").count())
                # the stack behind this radio, read from its level captions
                labels = [_text(x) for x in root.locator("figcaption").all()]
                # "layer 2" / "pool 2x2 (5×5)" on two lines: the kind is the last line, without the shape
                names = [re.sub(r"\s*\(\d+×\d+\)$", "", lb.splitlines()[-1]).strip() for lb in labels[1:]]
                stack = [Window(2, stride=2, name=n) if n.startswith("pool") else Window(3, padding=1, name=n)
                         for n in names][:layer]
                rows = receptive_fields(stack, input_size=shape[0])
                if (fh, fw) != (rows[-1].size, rows[-1].size):
                    problems.append(f"stack {s} layer {layer}: caption says {fh}x{fw}, cnnlib {rows[-1].size}")
                expect = int(field_sets(stack, shape[0], r)[0].sum() * field_sets(stack, shape[1], c)[0].sum())
                if input_cells != expect:
                    problems.append(f"stack {s} layer {layer}: {input_cells} coloured input cells, cnnlib {expect}")
                if levels.nth(layer).locator("td.unit").count() != 1:
                    problems.append(f"stack {s} layer {layer}: the unit is not marked once in its level")
                before = counter
                root.locator('[data-act="next"]').click()
                counter = _text(root.locator(".cnn-counter"))
                if f < n_frames - 1 and counter == before:
                    problems.append(f"stack {s}: Next did not advance from {before!r}")
            root.locator('[data-act="prev"]').click()
            if _text(root.locator(".cnn-counter")) != f"layer {n_frames} of {n_frames}":
                problems.append(f"stack {s}: Prev from layer 1 did not wrap to the last layer")
        c = _text(root.locator(".cnn-counter"))
        play.click()
        try:
            page.wait_for_function("([el, old]) => el.textContent.trim() !== old",
                                   arg=[root.locator(".cnn-counter").element_handle(), c], timeout=6000)
        except Exception:
            problems.append("Play did not advance the animation within 6 s")
        page.wait_for_timeout(100)
        problems += log.problems()
    assert not problems, "\n".join(problems)


# ------------------------------------------- chapter 5: the parameter-count explorer
CH05 = "notebooks/05_parameter_sharing"

# Runs in the page: set the explorer's fields to each setting, fire an input event, read what it shows.
JS_DRIVE_PARAM_EXPLORER = """
([root, settings]) => settings.map(s => {
  for (const [k, v] of Object.entries(s)) {
    const el = root.querySelector('input[name="' + k + '"]');
    el.value = String(v);
    el.dispatchEvent(new Event('input', {bubbles: true}));
  }
  const shown = {};
  root.querySelectorAll('[data-key]').forEach(el => { shown[el.dataset.key] = el.textContent.trim(); });
  return {shown: shown, error: root.querySelector('.cnn-error').textContent.trim(),
          hidden: root.querySelector('.cnn-result').style.display === 'none'};
})
"""


def _param_grid():
    """Settings for the grid: every combination of a few values per field (kernels that do not
    fit included), plus the presets and edge cases (1x1 everything, the largest allowed values)."""
    import itertools

    grid = [dict(H=h, C=c, F=f, K=k, S=s, P=p)
            for h, c, f, k, s, p in itertools.product((1, 7, 32, 227, 512), (1, 3, 512), (1, 96, 1024),
                                                      (1, 3, 11, 15), (1, 4, 8), (0, 2, 10))]
    grid += [dict(H=1, C=1, F=1, K=1, S=1, P=0), dict(H=512, C=512, F=1024, K=15, S=1, P=10)]
    return grid


def _expected_param_texts(s):
    """What the explorer must show for setting s: cnnlib's counts and formulas, or no output."""
    from cnnlib import conv_params, dense_params, locally_connected_params, output_size
    from cnnlib.params import layer_counts

    try:
        lc = layer_counts((s["C"], s["H"], s["H"]), s["F"], s["K"], stride=s["S"], padding=s["P"])
    except ValueError:
        return None
    o = output_size(s["H"], s["K"], padding=s["P"], stride=s["S"])
    # The three counts, independently of layer_counts, from the three counting functions.
    shared = conv_params(s["C"], s["F"], s["K"])
    local = locally_connected_params((s["C"], s["H"], s["H"]), s["F"], s["K"], stride=s["S"], padding=s["P"])
    dense = dense_params(s["C"] * s["H"] * s["H"], s["F"] * o * o)
    texts = dict(lc.formulas())
    del texts["OW"]  # a square input: the explorer shows one line for both
    texts["out_shape"] = f"{s['F']} × {o} × {o}"
    for key, count in (("shared", shared), ("locally_connected", local), ("fully_connected", dense)):
        assert texts[key].endswith(f"= {count:,}"), (key, texts[key], count)
    return texts


def test_parameter_explorer_matches_cnnlib(site, chromium):
    from cnnlib.explorers import PARAM_PRESETS

    page_path = sh.html_of(CH05, site)
    if CH05 not in DOCNAMES:
        pytest.skip(f"{CH05} is not in the toc")
    with sh.guarded_page(chromium, page_path.as_uri()) as (page, log):
        roots = page.locator(".cnn-param-explorer")
        assert roots.count() == 1, f"expected one parameter explorer on {CH05}, found {roots.count()}"
        root = roots.first
        # The default render (before any input) already shows cnnlib's numbers for AlexNet conv1.
        first = page.evaluate(JS_DRIVE_PARAM_EXPLORER, [root.element_handle(), [{}]])[0]
        assert first["shown"]["shared"] == "96 × (363 + 1) = 34,944", first
        # The grid, driven in one call; every number and formula compared with cnnlib.
        grid = _param_grid()
        results = page.evaluate(JS_DRIVE_PARAM_EXPLORER, [root.element_handle(), grid])
        wrong, fits, refused = [], 0, 0
        for s, got in zip(grid, results):
            expected = _expected_param_texts(s)
            if expected is None:
                refused += 1
                if not (got["hidden"] and "does not fit" in got["error"]):
                    wrong.append(f"{s}: cnnlib refuses this layer, the explorer shows {got}")
                continue
            fits += 1
            if got["error"] or got["hidden"]:
                wrong.append(f"{s}: unexpected error {got['error']!r}")
            diffs = {k: (v, got["shown"].get(k)) for k, v in expected.items() if got["shown"].get(k) != v}
            if diffs:
                wrong.append(f"{s}: (cnnlib, explorer) {diffs}")
        assert fits > 500 and refused > 50, (fits, refused)
        assert not wrong, f"{len(wrong)} of {len(grid)} settings differ:\n" + "\n".join(wrong[:10])
        # Typing into a field and the preset buttons work as a reader uses them.
        root.locator('button[data-preset="AlexNet conv1"]').click()
        page.locator(".cnn-param-explorer input[name='H']").fill("224")
        assert root.locator('[data-key="OH"]').inner_text() == "OH = ⌊(224 + 2·0 − 11) / 4⌋ + 1 = 54"
        for name, values in PARAM_PRESETS.items():
            root.locator(f'button[data-preset="{name}"]').click()
            expected = _expected_param_texts(values)
            assert root.locator('[data-key="fully_connected"]').inner_text() == expected["fully_connected"], name
        # Bad entries: an explanation and no numbers.
        for field, value in (("K", "0"), ("C", ""), ("S", "2.5"), ("F", "2000")):
            root.locator(f"input[name='{field}']").fill(value)
            assert "must be a whole number" in root.locator(".cnn-error").inner_text(), (field, value)
            assert not root.locator(".cnn-result").is_visible(), (field, value)
            root.locator('button[data-preset="AlexNet conv1"]').click()
            assert root.locator(".cnn-error").inner_text() == ""
        page.wait_for_timeout(100)
        assert not log.problems(), log.problems()


def test_parameter_explorer_fits_a_phone_and_dark_mode(site, chromium):
    if CH05 not in DOCNAMES:
        pytest.skip(f"{CH05} is not in the toc")
    with sh.guarded_page(chromium, sh.html_of(CH05, site).as_uri()) as (page, log):
        page.set_viewport_size({"width": 390, "height": 844})
        root = page.locator(".cnn-param-explorer").first
        root.scroll_into_view_if_needed()
        box = root.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 0.5, box
        overflow = root.evaluate("el => el.scrollWidth - el.clientWidth")
        style = root.evaluate("el => getComputedStyle(el).overflowX")
        assert overflow <= 0 or style in ("auto", "scroll"), (overflow, style)
        target = sh.SCREENSHOT_DIR / "ch05-explorer-390-light.png"
        root.screenshot(path=str(target))
        colours = {}
        for mode in ("light", "dark"):
            page.evaluate(f"() => document.documentElement.setAttribute('data-theme', '{mode}')")
            page.wait_for_timeout(50)
            colours[mode] = root.locator('[data-key="shared"]').evaluate(
                "el => getComputedStyle(el).color")
            root.screenshot(path=str(sh.SCREENSHOT_DIR / f"ch05-explorer-390-{mode}.png"))

        def luminance(css):
            r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
            return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255

        # Dark text on the light page, light text on the dark page.
        assert luminance(colours["light"]) < 0.4 and luminance(colours["dark"]) > 0.6, colours
        assert not log.problems(), log.problems()


# ============================================ page conventions (issue 18, site engineer)
# Static checks of the built HTML: every chapter page carries the conventions of
# the common brief (learning goals near the top, a summary at the end, numbered
# and captioned figures with alt text, a download link to an existing notebook),
# and the landing page lists every chapter of the toc.


def _article(docname, site):
    page = sh.html_of(docname, site)
    assert page.is_file(), f"{page.relative_to(sh.REPO)} was not built"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return page, soup, (soup.select_one("article.bd-article") or soup.select_one("main") or soup)


def _admonitions(article, title):
    return [a for a in article.select("div.admonition")
            if (t := a.select_one(".admonition-title")) and t.get_text(strip=True) == title]


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_has_goals_near_the_top_and_summary_at_the_end(site, docname):
    _, _, article = _article(docname, site)
    goals = _admonitions(article, "Learning goals")
    assert len(goals) == 1, f"{docname}: expected one 'Learning goals' admonition, found {len(goals)}"
    first_h2 = article.find("h2")
    assert first_h2 is not None and goals[0] in first_h2.find_all_previous("div"), (
        f"{docname}: the learning goals must come before the first section")
    summary = _admonitions(article, "Summary")
    assert len(summary) == 1, f"{docname}: expected one 'Summary' admonition, found {len(summary)}"
    section = summary[0].find_parent("section")
    h2s = article.find_all("h2")
    assert section is not None and section.find("h2") is h2s[-1] and h2s[-1].get_text(strip=True).startswith("Summary"), (
        f"{docname}: the Summary admonition must sit in the last section, titled 'Summary'")
    assert summary[0].find("li"), f"{docname}: the Summary admonition has no bullets"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_figures_are_numbered_captioned_and_described(site, docname):
    _, _, article = _article(docname, site)
    images = [img for img in article.select("div.cell_output img, figure img")
              if not img.find_parent(class_=re.compile(r"cnn-(anim|rf-anim|explorer)"))]
    problems = []
    for img in images:
        fig = img.find_parent("figure")
        src = img.get("src", "")[-50:]
        if not (img.get("alt") or "").strip():
            problems.append(f"{src}: no alt text")
        if fig is None:
            problems.append(f"{src}: not a numbered figure (no mystnb: figure: metadata)")
            continue
        caption = fig.find("figcaption")
        number = caption.select_one(".caption-number") if caption else None
        if number is None or not re.search(r"\d", number.get_text()):
            problems.append(f"{src}: the figure has no number")
        text = caption.get_text(" ", strip=True) if caption else ""
        if len(text.replace(number.get_text() if number else "", "").strip()) < 10:
            problems.append(f"{src}: the figure has no caption")
        if not fig.get("id"):
            problems.append(f"{src}: the figure has no name (label) to refer to")
    assert not problems, f"{docname}: {len(problems)} problems in {len(images)} figures:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_download_link_points_to_its_executed_notebook(site, docname):
    import json

    page, _, article = _article(docname, site)
    links = article.select(".cnn-chapter-download a.cnn-ipynb-link")
    assert len(links) == 1, f"{docname}: expected one download link, found {len(links)}"
    href = links[0]["href"]
    assert not re.match(r"[a-z]+:|/", href), f"{docname}: the download link is not relative: {href}"
    target = (page.parent / href).resolve()
    assert target.is_file() and target.suffix == ".ipynb", f"{docname}: {href} does not exist"
    nb = json.loads(target.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), f"{docname}: {href} is not executed"
    hint = article.select_one(".cnn-chapter-download .cnn-run-hint")
    assert hint and "jupyter lab notebooks/" in hint.get_text(), f"{docname}: no run-it-locally hint"


def test_landing_page_lists_every_chapter_and_shows_a_figure(site):
    import os
    from pathlib import Path

    page, soup, article = _article(DOCNAMES[0], site)
    items = article.select("ol li")
    linked = {a["href"].split("#")[0] for li in items for a in li.select("a[href]")}
    missing = [d for d in CHAPTERS
               if Path(os.path.relpath(sh.html_of(d, site), page.parent)).as_posix() not in linked]
    assert not missing, f"the landing page's chapter list does not link {missing}; it links {sorted(linked)}"
    figures = article.select("figure img")
    assert figures and (figures[0].get("alt") or "").strip(), "the landing page has no figure with alt text"
    assert (page.parent / figures[0]["src"]).resolve().is_file(), figures[0]["src"]
