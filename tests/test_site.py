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

import re
import shutil

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
    from playwright.sync_api import sync_playwright

    try:
        exe = sh.chromium_executable()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=sh.CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


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
def _screenshot(page, site, html_path) -> None:
    """A whole-page PNG, taken through a viewport as tall as the page.

    (Playwright's ``full_page=True`` with Debian's Chromium shifts the theme's
    layout sideways on long pages; a tall viewport renders it as a reader sees it.)
    """
    target = sh.SCREENSHOT_DIR / f"{sh.page_id(html_path, site)}.png"
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

    # The second mode (convolution in chapter 2, average pooling in chapter 6):
    # choosing it must change the equation, which names the mode.
    radios = root.locator('input[type="radio"]')
    other = None
    for i in range(radios.count()):
        label = radios.nth(i).locator("xpath=ancestor::label[1]")
        if label.count() and not radios.nth(i).is_checked():
            other, other_name = radios.nth(i), label.inner_text().strip().lower()
            break
    if other is None:
        problems.append(f"{name}: no second mode to switch to (an unchecked labelled radio button)")
    else:
        eq = _text(equation)
        other.check()
        if _text(equation) == eq:
            problems.append(f"{name}: choosing {other_name} did not change the equation ({eq!r})")
        elif other_name not in _text(equation).lower():
            problems.append(f"{name}: the equation does not name the mode {other_name!r}: {_text(equation)!r}")

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


def _visit(site, chromium, html_path, *, chapter: bool) -> list:
    problems = []
    url = html_path.as_uri()
    with sh.guarded_page(chromium, url) as (page, log):
        if _REFRESH.search(html_path.read_text(encoding="utf-8")):  # index.html redirects to the root page
            page.wait_for_url(lambda u: u != url, timeout=5000)
            page.wait_for_load_state("load")
        page.evaluate(sh.JS_SETTLE)
        _screenshot(page, site, html_path)
        math_problems = _check_math(page)
        problems += math_problems
        if page.evaluate("() => document.querySelectorAll('mjx-container').length") and not math_problems:
            problems += _check_mathjax_fonts(log)
        images = page.evaluate(sh.JS_IMAGES)
        problems += [f"image did not load: {src}" for src in images["broken"]]
        if chapter and images["contentLoaded"] == 0:
            problems.append("a chapter without a single figure (no loaded <img> in the article)")
        anims = page.locator(".cnn-anim")
        for i in range(anims.count()):
            problems += _check_animation(page, anims.nth(i), i)
        page.wait_for_timeout(100)  # let late console messages arrive
        problems += log.problems()
    return problems


@pytest.mark.parametrize("docname", DOCNAMES)
def test_toc_page_in_chromium(site, chromium, docname):
    page = sh.html_of(docname, site)
    assert page.is_file(), f"{page.relative_to(sh.REPO)} was not built"
    problems = _visit(site, chromium, page, chapter=sh.is_chapter(docname))
    assert not problems, f"{docname}:\n  " + "\n  ".join(problems)


def test_other_pages_in_chromium(site, chromium):
    """index (the redirect), search, genindex and anything else the build wrote."""
    toc_pages = {sh.html_of(d, site) for d in DOCNAMES}
    others = [p for p in sh.built_pages(site) if p not in toc_pages]
    assert others, "expected at least index.html, search.html and genindex.html"
    report = {}
    for page in others:
        problems = _visit(site, chromium, page, chapter=False)
        if problems:
            report[sh.page_id(page, site)] = problems
    assert not report, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in report.items())


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
