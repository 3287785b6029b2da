"""Every page of the built site loads cleanly, stays on this host and passes axe-core.

A headless Chromium (conftest.py's ``browser``) visits every HTML file of _build/html,
served from 127.0.0.1, in Furo's light and dark themes on a desktop-sized window and in
the light theme on a phone-sized one (where tables and code scroll sideways). On each
visit it records console and JavaScript errors, failed requests and answers >= 400, and
every request to another host (aborted, so nothing leaves this machine); it runs axe-core
(pinned in tests/package.json: `npm ci --prefix tests`), measures the contrast of the
text whose background axe-core could not determine, and looks for images without alt
text. A small broken site shows that each of these checks can fail.
"""

from __future__ import annotations

import http.server
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from browsing import CONTRASTS, WatchedPage
from site_pages import html_pages

from site_build.project import ROOT, served_path
from site_build.serving import serve, url_of

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP, PHONE = {"width": 1280, "height": 720}, {"width": 375, "height": 667}
# Each view: Furo's theme, and the window's size.
VIEWS = {"light": ("light", DESKTOP), "dark": ("dark", DESKTOP), "light, phone-sized": ("light", PHONE)}
# axe-core's violations (each rule, its impact and offending elements), and the text whose
# contrast it could not decide (a background it cannot see, e.g. under a sticky sidebar).
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations", "incomplete"]});
  return {
    violations: results.violations.map(rule => ({id: rule.id, impact: rule.impact, help: rule.help,
                                                 targets: rule.nodes.map(node => node.target.join(" "))})),
    undecided: results.incomplete.filter(rule => rule.id === "color-contrast")
                                 .flatMap(rule => rule.nodes.map(node => node.target[0])),
  };
}"""
# WCAG AA: 4.5:1 for text, 3:1 for large text (24 px, or 18.66 px bold).
MINIMUM_CONTRASTS = f"""selectors => {{
  const elements = selectors.map(selector => document.querySelector(selector));
  const large = element => {{
    const style = getComputedStyle(element), px = parseFloat(style.fontSize);
    return px >= 24 || (px >= 18.66 && Number(style.fontWeight) >= 700);
  }};
  return ({CONTRASTS})(elements).map(([name, ratio], i) => [name, ratio, large(elements[i]) ? 3 : 4.5]);
}}"""
# <img> elements a screen reader cannot describe: no alt attribute, or only white space.
IMAGES_WITHOUT_ALT = """() => Array.from(document.images)
  .filter(image => !(image.getAttribute("alt") || "").trim())
  .map(image => image.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `npm ci --prefix tests` (nox -s tests runs it) installs the pinned axe-core.")
    return AXE.read_text()


@dataclass
class Visit:
    """What went wrong on one page in one view."""

    page: str
    view: str
    problems: list[str] = field(default_factory=list)  # errors, failed requests, other hosts
    violations: list[dict] = field(default_factory=list)  # axe-core's
    low_contrast: list[str] = field(default_factory=list)  # of what axe-core left undecided
    images_without_alt: list[str] = field(default_factory=list)


def visit(watched: WatchedPage, page: str, view: str, axe_source: str, drawn: str | None = None) -> Visit:
    """Visit ``page`` in ``view``, once what a script draws there (the selector ``drawn``) is in."""
    result = Visit(page, view)
    watched.page.goto(f"{watched.site_url}/{page}")  # returns once the page and what it loads are in
    if drawn:
        watched.page.wait_for_selector(drawn)
    theme = VIEWS[view][0]
    shown = watched.page.evaluate("() => document.body.dataset.theme")
    if shown != theme:
        result.problems.append(f"the {theme} theme did not apply (body data-theme={shown!r})")
    watched.page.add_script_tag(content=axe_source)
    axe = watched.page.evaluate(RUN_AXE)
    result.violations = axe["violations"]
    for (name, ratio, minimum), selector in zip(
        watched.page.evaluate(MINIMUM_CONTRASTS, axe["undecided"]), axe["undecided"], strict=True
    ):
        if ratio < minimum:
            result.low_contrast.append(f"{selector} ({name}): {ratio:.2f}, below {minimum}")
    result.images_without_alt = watched.page.evaluate(IMAGES_WITHOUT_ALT)
    result.problems += watched.problems
    watched.problems = []
    return result


def crawl(browser, server: http.server.ThreadingHTTPServer, pages: list[str], axe_source: str) -> list[Visit]:
    """Visit each of ``pages`` (paths under the server's root) in each view."""
    visits = []
    for view, (theme, window) in VIEWS.items():
        watched = WatchedPage(browser, url_of(server), viewport=window)
        # What Furo's theme toggle stores; its script applies it on every page load.
        watched.context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
        try:
            visits += [visit(watched, page, view, axe_source) for page in pages]
        finally:
            watched.close()
    return visits


@dataclass
class Crawl:
    pages: list[str]
    visits: list[Visit]
    answers: list[tuple[str, int]]  # what the server sent, including requests pages never see


def crawl_site(browser, root: Path, axe_source: str, server: http.server.ThreadingHTTPServer | None = None) -> Crawl:
    pages = [page.relative_to(root).as_posix() for page in html_pages(root)]
    if server is None:
        with serve(root) as server:
            return Crawl(pages, crawl(browser, server, pages, axe_source), server.answers)
    first_answer = len(server.answers)
    visits = crawl(browser, server, pages, axe_source)
    return Crawl(pages, visits, server.answers[first_answer:])


def report(site: Crawl) -> dict[str, list[str]]:
    """Every failure of a crawl, by check."""
    failures: dict[str, list[str]] = {"problems": [], "axe": [], "contrast": [], "alt": [], "answers": []}
    for seen in site.visits:
        where = f"{seen.page} ({seen.view})"
        failures["problems"] += [f"{where}: {problem}" for problem in seen.problems]
        for rule in seen.violations:
            targets = ", ".join(rule["targets"][:5]) + (" ..." if len(rule["targets"]) > 5 else "")
            failures["axe"].append(f"{where}: {rule['id']} ({rule['impact']}): {rule['help']}; on {targets}")
        failures["contrast"] += [f"{where}: {text}" for text in seen.low_contrast]
        failures["alt"] += [f"{where}: {image}" for image in seen.images_without_alt]
    failures["answers"] = [f"{status} for {path}" for path, status in site.answers if status >= 400]
    return failures


@pytest.fixture(scope="module")
def site(browser, built_site: Path, site_server, axe_source: str) -> Crawl:
    """One crawl of the built site, shared by the checks below."""
    return crawl_site(browser, built_site, axe_source, site_server)


def test_the_crawl_visits_every_page_in_every_view(site: Crawl, built_site: Path) -> None:
    assert "index.html" in site.pages and "docs/explorer.html" in site.pages
    assert len(site.pages) == len(list(built_site.rglob("*.html")))
    assert {(seen.page, seen.view) for seen in site.visits} == {(p, v) for p in site.pages for v in VIEWS}


def test_no_page_errs_fails_a_request_or_asks_another_host(site: Crawl) -> None:
    problems = report(site)["problems"]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_every_request_the_browser_makes_succeeds_favicon_included(site: Crawl) -> None:
    paths = {path for path, _ in site.answers}
    assert any("favicon" in path for path in paths), f"the browser asked for no favicon: {sorted(paths)[:20]}"
    failed = report(site)["answers"]
    assert not failed, "the server answered:\n" + "\n".join(failed)


def test_every_page_passes_axe_core_in_light_and_dark_themes_and_on_a_phone(site: Crawl) -> None:
    violations = report(site)["axe"]
    assert not violations, f"{len(violations)} axe-core violations:\n" + "\n".join(violations)


def test_the_search_page_s_results_pass_axe_core_in_light_and_dark_themes_and_on_a_phone(
    browser, site_server, axe_source: str
) -> None:
    """The crawl sees the search page before a query; its results (links, sections, excerpts
    with the query's words marked) are drawn by docs/_static/search.js, and checked here."""
    failures = []
    for view, (theme, window) in VIEWS.items():
        watched = WatchedPage(browser, url_of(site_server), viewport=window)
        watched.context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
        try:
            seen = visit(
                watched, "search.html?q=stateful%20reset", view, axe_source, "#search-results .search-sections mark"
            )
        finally:
            watched.close()
        failures += [f"{view}: {rule['id']} ({rule['impact']}): {rule['targets'][:3]}" for rule in seen.violations]
        failures += [f"{view}: {problem}" for problem in seen.problems + seen.low_contrast]
    assert not failures, "\n".join(failures)


def test_text_axe_core_could_not_judge_has_enough_contrast(site: Crawl) -> None:
    low = report(site)["contrast"]
    assert not low, "text below WCAG AA contrast:\n" + "\n".join(low)


def test_every_image_has_alt_text(site: Crawl, built_site: Path) -> None:
    assert any("<img" in (built_site / page).read_text() for page in site.pages), "no page has an image"
    missing = report(site)["alt"]
    assert not missing, "images without alt text:\n" + "\n".join(missing)


# --- The checks can fail -----------------------------------------------------------------------

BROKEN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>broken</title>
<script src="https://example.com/tracker.js"></script></head>
<body data-theme="auto"><main><h1>broken</h1>
<img src="missing.png">
<p style="color: #bbb; background-image: linear-gradient(white, #eee)">faint text on a gradient</p>
<pre style="width: 5em; overflow: auto">a line far too long to fit in five ems, so it scrolls sideways</pre>
<script>
  document.body.dataset.theme = localStorage.getItem("theme");
  console.error("something broke");
</script>
</main></body></html>
"""


def test_the_checks_catch_a_broken_page(browser, tmp_path: Path, axe_source: str) -> None:
    (tmp_path / "index.html").write_text(BROKEN_PAGE)

    failures = report(crawl_site(browser, tmp_path, axe_source))

    problems = "\n".join(failures["problems"])
    assert "request to another host: GET https://example.com/tracker.js" in problems
    assert "console error: something broke" in problems
    assert "404 for" in problems and "missing.png" in problems
    assert any("scrollable-region-focusable (serious)" in violation for violation in failures["axe"])
    assert any("faint text on a gradient" in text and "below 4.5" in text for text in failures["contrast"])
    assert len(failures["alt"]) == len(VIEWS)
    assert any("/missing.png" in answer for answer in failures["answers"])


def test_404_page_is_styled_and_links_home_at_any_depth(browser, built_site: Path) -> None:
    """Served for a missing address at any depth, from where the build was told the site
    lives (a local build: a server's root, as `python -m http.server -d _build/html` serves
    it): every asset loads, and its text leads to the front page and the search."""
    root = served_path()
    with serve(built_site) as server:
        server.published_path = root  # served there only, as its host serves it
        for missing in (f"{root}no-such-page.html", f"{root}deep/er/no/such/page.html"):
            watched = WatchedPage(browser, url_of(server))
            try:
                response = watched.page.goto(watched.site_url + missing)
                assert response.status == 404 and "Page not found" in watched.page.title()
                assert [p for p in watched.problems if watched.site_url + missing not in p] == []  # only itself failed
                links = watched.page.evaluate("() => Array.from(document.querySelectorAll('article a'), a => a.href)")
                for target in (f"{watched.site_url}{root}index.html", f"{watched.site_url}{root}search.html"):
                    assert target in links, f"the 404 page's text does not lead to {target}: {links}"
                    assert watched.page.request.get(target).status == 200
            finally:
                watched.close()
