"""Every page reads on a phone and in the dark theme: at 390 by 844 px no article table is wider
than the screen, no shape runs out of its box, shapes break only between dimensions, and
the identifiers in headings never break inside; every drawn figure, in the light theme and
the dark, fits the screen whole (so the tensors it shows returned are on it, with no sideways
scrolling) with every label at least 12 px high; in the dark theme no figure is a bright
rectangle and no name in code is underlined like a link.
Each check is shown to fail on a page built to break it (the last test)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from browsing import FOCUS_SHOWN, WatchedPage
from site_pages import html_pages

from site_build.serving import serve, url_of

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SMALLEST_LABEL_PX = 12
BRIGHTEST_DARK_FIGURE = 0.75  # mean relative luminance, 0 black to 1 white

# Article tables wider than the screen; shape code spans and title words that break inside.
LAYOUT = """() => {
  const width = document.documentElement.clientWidth, problems = [];
  document.querySelectorAll("article table").forEach(table => {
    const w = table.getBoundingClientRect().width;
    if (w > width) problems.push(`a table ${Math.round(w)} px wide on a ${width} px screen: ` +
                                 table.textContent.trim().slice(0, 60));
  });
  const broken = (element, what) => {
    if (element.getClientRects().length > 1) problems.push(`${what} breaks inside: ${element.textContent}`);
  };
  document.querySelectorAll("code.shape").forEach(code => {
    broken(code, "a shape");
    code.querySelectorAll("span.pre").forEach(part => broken(part, "a shape's dimension"));
    const box = (code.closest("td, th, p, li") || code.parentElement).getBoundingClientRect();
    if (code.getBoundingClientRect().right > Math.min(width, box.right) + 1)
      problems.push(`a shape runs out of its box: ${code.textContent}`);
  });
  document.querySelectorAll(":is(h1, h2, h3, h4) code span.pre").forEach(word => {
    broken(word, "a title's identifier");
    if (word.getBoundingClientRect().right > width) problems.push(`a title runs off the screen: ${word.textContent}`);
  });
  return problems;
}"""
# Each drawn figure, scrolled into view: the SVG shown (a <picture> may choose a narrow
# layout), its width on the screen, and what of it is off the screen or scrolls sideways.
FIGURES = """() => Array.from(document.querySelectorAll("article img[src$='.svg']"), image => {
  image.scrollIntoView({block: "center", behavior: "instant"});
  const box = image.getBoundingClientRect(), problems = [];
  const [width, height] = [document.documentElement.clientWidth, window.innerHeight];
  const name = image.currentSrc.split("/").pop();
  if (box.width > width || box.height > height)
    problems.push(`a figure ${Math.round(box.width)} by ${Math.round(box.height)} px ` +
                  `on a ${width} by ${height} px screen: ${name}`);
  else if (box.left < 0 || box.right > width || box.top < 0 || box.bottom > height)
    problems.push(`a figure not whole on the screen when scrolled to: ${name}`);
  const scroller = image.closest(".figure-scroll");
  if (scroller && scroller.scrollWidth > scroller.clientWidth + 1)
    problems.push(`a figure that scrolls sideways: ${name}`);
  return [image.currentSrc, box.width, problems];
})"""


def smallest_label_px(svg: str, shown_width: float) -> float | None:
    """The height of the SVG's smallest text, in CSS pixels, shown ``shown_width`` wide
    (None: it has no text, e.g. labels drawn as outlines, which no test can measure)."""
    view_box = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) [\d.]+"', svg)
    sizes = [float(size) for size in re.findall(r"font[^;\"]*?([\d.]+)px", svg)]
    return min(sizes) * shown_width / float(view_box.group(1)) if sizes and view_box else None


def mean_luminance(png: bytes) -> float:
    """Mean relative luminance (WCAG's) of a screenshot."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float) / 255
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float((linear @ [0.2126, 0.7152, 0.0722]).mean())


def phone_problems(watched: WatchedPage, page: str) -> list[str]:
    watched.page.goto(f"{watched.site_url}/{page}")
    watched.page.wait_for_function("[...document.images].every(image => image.complete)")
    problems = watched.page.evaluate(LAYOUT) + watched.page.evaluate(OUTPUTS)
    for source, width, figure_problems in watched.page.evaluate(FIGURES):
        problems += figure_problems
        label = smallest_label_px(watched.page.request.get(source).text(), width)
        if label is None:
            problems.append(f"a figure with no text to measure: {source}")
        elif round(label, 2) < SMALLEST_LABEL_PX:  # 9 pt shown at its natural size is 12 px, give or take 1e-15
            problems.append(f"a figure's smallest label is {label:.1f} px high: {source}")
    return [f"{page}: {problem}" for problem in problems]


# Printed output wider than its box: it would scroll sideways, hiding the end of the line.
OUTPUTS = """() => Array.from(document.querySelectorAll("div.cell_output pre, div.printed pre"))
  .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
  .map(pre => `an output ${pre.scrollWidth} px wide in a ${pre.clientWidth} px box: ` +
              pre.textContent.trim().slice(0, 60))"""
DESKTOP = {"width": 1440, "height": 900}


def output_problems(watched: WatchedPage, page: str) -> list[str]:
    watched.page.goto(f"{watched.site_url}/{page}")
    return [f"{page}: {problem}" for problem in watched.page.evaluate(OUTPUTS)]


# Code that the dark theme draws as links are drawn: underlined (Pygments' dark style does it to module names).
UNDERLINED_CODE = """() => Array.from(document.querySelectorAll(".highlight pre span"))
  .filter(span => getComputedStyle(span).textDecorationLine.includes("underline"))
  .map(span => span.textContent)"""


def dark_problems(watched: WatchedPage, page: str) -> list[str]:
    watched.page.goto(f"{watched.site_url}/{page}")
    problems = [f"{page}: code underlined like a link: {text}" for text in watched.page.evaluate(UNDERLINED_CODE)[:3]]
    for image in watched.page.locator("article img").all():
        luminance = mean_luminance(image.screenshot())
        if luminance > BRIGHTEST_DARK_FIGURE:
            problems.append(f"{page}: a figure of mean luminance {luminance:.2f}: {image.get_attribute('src')}")
    return problems


def check(browser, server, pages: list[str], view: str) -> list[str]:
    """``view``: "phone" (390 by 844, light), "dark phone", "dark" (1440 by 900); or printed
    output only: "desktop" (1440 by 900, light), "dark desktop", "dark phone outputs"."""
    options = {"viewport": PHONE if "phone" in view else DESKTOP}
    watched = WatchedPage(browser, url_of(server), **options)
    if "dark" in view:
        watched.context.add_init_script("localStorage.setItem('theme', 'dark')")  # Furo's theme toggle
    try:
        if view.endswith("outputs") or view.endswith("desktop"):
            find = output_problems
        else:
            find = phone_problems if "phone" in view else dark_problems
        return [problem for page in pages for problem in find(watched, page)]  # requests: test_site.py
    finally:
        watched.close()


@pytest.fixture(scope="module")
def pages(built_site: Path) -> list[str]:
    return [page.relative_to(built_site).as_posix() for page in html_pages(built_site)]


def test_on_a_phone_tables_fit_shapes_and_titles_break_right_and_figures_fit_with_12_px_labels(
    browser, site_server, pages
) -> None:
    problems = check(browser, site_server, pages, "phone")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("view", ["desktop", "dark desktop", "dark phone outputs"])
def test_printed_output_wraps_inside_its_box_in_both_themes(browser, site_server, pages, view: str) -> None:
    """At 1440 px, light and dark, and at 390 px dark; at 390 px light, phone_problems checks the same."""
    problems = check(browser, site_server, pages, view)
    assert not problems, "\n".join(problems)


def test_on_a_phone_in_the_dark_theme_every_figure_fits_with_12_px_labels(
    browser, site_server, pages, built_site: Path
) -> None:
    with_figures = [page for page in pages if "<picture>" in (built_site / page).read_text()]
    assert len(with_figures) >= 6, "the figures went missing"
    problems = check(browser, site_server, with_figures, "dark phone")
    assert not problems, "\n".join(problems)


def test_in_the_dark_theme_no_figure_is_a_bright_rectangle(browser, site_server, pages, built_site: Path) -> None:
    assert sum("<img" in (built_site / page).read_text() for page in pages) >= 6, "the figures went missing"
    problems = check(browser, site_server, pages, "dark")
    assert not problems, "\n".join(problems)


# Spans in highlighted code that change nothing a reader sees, in the light theme and then the
# dark (Furo switches on body[data-theme]): each one is an element the browser styles and lays
# out for nothing (site_build/highlighting.py formats such tokens as plain text).
DRAWN = ["color", "font-weight", "font-style", "text-decoration-line", "background-color", "border-style"]
WASTED_SPANS = """(drawn) => {
  const spans = Array.from(document.querySelectorAll(".highlight pre span")).filter(s => s.textContent);
  const looks = () => spans.map(span => {
    const [own, around] = [getComputedStyle(span), getComputedStyle(span.parentElement)];
    return drawn.every(property => own.getPropertyValue(property) === around.getPropertyValue(property));
  });
  const theme = document.body.dataset.theme, light = (document.body.dataset.theme = "light", looks());
  const dark = (document.body.dataset.theme = "dark", looks());
  document.body.dataset.theme = theme;
  return spans.filter((span, i) => light[i] && dark[i]).map(span => span.textContent);
}"""


def wasted_spans(watched: WatchedPage, page: str) -> list[str]:
    watched.page.goto(f"{watched.site_url}/{page}")
    wasted = watched.page.evaluate(WASTED_SPANS, DRAWN)
    return [f"{page}: {len(wasted)} spans drawn as the text around them, such as {wasted[:5]}"] if wasted else []


def test_highlighted_code_spends_no_element_on_a_token_drawn_as_plain_text(browser, site_server, pages) -> None:
    watched = WatchedPage(browser, url_of(site_server))
    try:
        problems = [problem for page in pages for problem in wasted_spans(watched, page)]
    finally:
        watched.close()
    assert not problems, "\n".join(problems)


# A page that breaks each check: a wide table, a shape in a narrow cell, a figure with 6 px
# labels, and a white picture that the dark theme leaves white.
BROKEN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>broken</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<script>document.documentElement.dataset.theme = localStorage.getItem("theme")</script></head>
<body><article>
<table><tr><td style="min-width: 600px">a cell far too wide for any phone</td></tr></table>
<p style="width: 4em"><code class="shape">(batch, timesteps, units)</code></p>
<p style="width: 4em"><code class="shape" style="white-space: nowrap">(batch, timesteps, features)</code></p>
<h1 style="white-space: nowrap"><code><span class="pre">a_title_far_too_long_for_any_phone_screen</span></code></h1>
<h2 style="width: 5em; overflow-wrap: break-word"><code><span class="pre">Embedding(mask_zero=True)</span></code></h2>
<img src="small.svg" alt="small labels" style="width: 100%">
<div class="figure-scroll" style="overflow-x: auto">
<img src="wide.svg" alt="a wide figure" style="max-width: none"></div>
<img src="white.svg" alt="a white rectangle" width="200" height="100">
<div class="highlight"><pre><span style="text-decoration: underline">numpy</span>.<span>zeros</span></pre></div>
<div class="cell_output"><pre style="white-space: pre">ValueError: PLANTED</pre></div>
</article></body></html>
""".replace("PLANTED", "When using stateful=True in a RNN, the batch size must be static. " * 6)  # about 3,000 px
SMALL = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="100" viewBox="0 0 1000 100">'
    '<text x="10" y="50" style="font: 10px sans-serif">x</text></svg>'
)
WIDE = (  # a figure drawn 900 px wide, with labels large enough
    '<svg xmlns="http://www.w3.org/2000/svg" width="900" height="300" viewBox="0 0 900 300">'
    '<text x="10" y="50" style="font: 16px sans-serif">x</text></svg>'
)
WHITE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">'
    '<rect width="200" height="100" fill="#fff"/></svg>'
)


def test_the_checks_catch_a_page_built_to_break_them(browser, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(BROKEN)
    (tmp_path / "small.svg").write_text(SMALL)
    (tmp_path / "white.svg").write_text(WHITE)
    (tmp_path / "wide.svg").write_text(WIDE)
    with serve(tmp_path) as server:
        phone = "\n".join(check(browser, server, ["index.html"], "phone"))
        dark = "\n".join(check(browser, server, ["index.html"], "dark"))
        desktop = "\n".join(check(browser, server, ["index.html"], "desktop"))
        dark_phone = "\n".join(check(browser, server, ["index.html"], "dark phone outputs"))
        watched = WatchedPage(browser, url_of(server))
        try:
            wasted = wasted_spans(watched, "index.html")
        finally:
            watched.close()
    assert "a table" in phone and "wide on a 390 px screen" in phone, phone
    assert "a shape breaks inside: (batch, timesteps, units)" in phone, phone
    assert "a shape runs out of its box: (batch, timesteps, features)" in phone, phone
    assert "a title runs off the screen: a_title_far_too_long_for_any_phone_screen" in phone, phone
    assert "a title's identifier breaks inside: Embedding(mask_zero=True)" in phone, phone
    assert "smallest label is" in phone and "small.svg" in phone, phone
    assert "a figure 900 by 300 px on a 390 by 844 px screen: wide.svg" in phone, phone
    assert "a figure that scrolls sideways: wide.svg" in phone, phone
    assert "mean luminance 1.00" in dark and "white.svg" in dark, dark
    assert "code underlined like a link: numpy" in dark, dark
    assert wasted == ["index.html: 1 spans drawn as the text around them, such as ['zeros']"], wasted
    for shown in (phone, desktop, dark_phone):
        wide = re.search(r"an output (\d+) px wide in a (\d+) px box: ValueError: When using stateful", shown)
        assert wide and int(wide[1]) > 3000 > int(wide[2]), shown


def focus_problems(page) -> list[str]:
    """Tab from the top of ``page`` to its sidebar search box, then to its first copy button:
    where either takes the focus without showing it, say so."""
    problems = []
    for name, selector in (("the sidebar search box", ".sidebar-search"), ("a copy button", "button.copybtn")):
        for _ in range(400):
            page.keyboard.press("Tab")
            if page.evaluate(f"() => document.activeElement.matches({selector!r})"):
                break
        else:
            problems.append(f"{name}: Tab never reached it")
            continue
        if not page.evaluate(FOCUS_SHOWN):
            problems.append(f"{name}: it has the focus and shows none")
    return problems


def test_the_keyboard_focus_shows_on_the_search_box_and_the_copy_buttons(browser, site_server) -> None:
    watched = WatchedPage(browser, url_of(site_server), viewport={"width": 1440, "height": 900})
    try:
        watched.page.goto(f"{watched.site_url}/examples/lstm-return-state.html")
        watched.page.wait_for_selector("button.copybtn", state="attached")
        assert not focus_problems(watched.page)
        # What Furo and sphinx-copybutton draw without the site's rules: the check sees it.
        watched.page.reload()
        watched.page.wait_for_selector("button.copybtn", state="attached")
        watched.page.add_style_tag(
            content=".sidebar-search:focus-visible, button.copybtn:focus-visible {outline: none !important}"
            " button.copybtn:focus-visible {opacity: 0 !important}"
        )
        found = focus_problems(watched.page)
        assert found == [
            "the sidebar search box: it has the focus and shows none",
            "a copy button: it has the focus and shows none",
        ], found
    finally:
        watched.close()


# One page of each kind: the front page, an article with code and figures, a plain page, the
# explorer, the search page, the release record and the 404 page.
PAGE_KINDS = (
    "index.html", "examples/bidirectional-lstm-states.html", "docs/contributing.html", "docs/explorer.html",
    "search.html?q=return_state", "docs/what-changed.html", "404.html",
)  # fmt: skip
# The element that has the focus, marked so that Tab coming back to it ends the walk, with its
# box grown by the width of a focus ring (null: the walk is over).
FOCUSED = """async () => {
  const element = document.activeElement;
  if (!element || element === document.body || element.dataset.focusWalked) return null;
  element.dataset.focusWalked = "";
  window.walked = element;
  await Promise.all(element.getAnimations().map(animation => animation.finished));
  // Where the browser scrolls it on focus, at once (its own scroll may be smooth, and late).
  element.scrollIntoView({block: "nearest", inline: "nearest", behavior: "instant"});
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const box = element.getBoundingClientRect();
  const name = (element.getAttribute("aria-label") || element.textContent || element.value || "").trim();
  return {name: `${element.tagName.toLowerCase()} "${name.replace(/\\s+/g, " ").slice(0, 40)}"`,
          box: [box.left - 4, box.top - 4, box.right + 4, box.bottom + 4]};
}"""
# The walked element without the focus, then with it again (Tab goes on from it).
BLUR = "async () => { window.walked.blur(); await new Promise(done => setTimeout(done, 200)); }"
REFOCUS = "() => window.walked.focus()"


def unseen_focus(page, limit: int = 400) -> list[str]:
    """Tab through ``page`` from its top; each element that takes the focus is photographed
    with it and without it: those whose two pictures are the same show nothing of the focus."""
    problems, view = [], page.viewport_size
    for _ in range(limit):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUSED)
        if found is None:
            return problems
        left, top, right, bottom = found["box"]
        clip = {"x": max(left, 0), "y": max(top, 0)}
        clip |= {"width": min(right, view["width"]) - clip["x"], "height": min(bottom, view["height"]) - clip["y"]}
        if clip["width"] < 1 or clip["height"] < 1:
            problems.append(f"{found['name']}: focused off the screen")
            continue
        focused = page.screenshot(clip=clip)
        page.evaluate(BLUR)
        if page.screenshot(clip=clip) == focused:
            problems.append(f"{found['name']}: its focus changes nothing visible")
        page.evaluate(REFOCUS)
    return [*problems, f"Tab went on past {limit} elements"]


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_element_the_keyboard_reaches_shows_its_focus(browser, site_server, kind: str) -> None:
    watched = WatchedPage(browser, url_of(site_server), viewport=DESKTOP)
    try:
        watched.page.goto(f"{watched.site_url}/{kind}")
        if kind.startswith("search.html"):  # its results, drawn as they arrive, all there first
            status = "document.querySelector('#search-status').textContent"
            watched.page.wait_for_function(f"() => /results? for/.test({status})")
        watched.page.wait_for_load_state("networkidle")
        assert not unseen_focus(watched.page)
    finally:
        watched.close()


# Where a first screen ends for the first call of the front page's table: its top, in px.
FIRST_CALL_TOP = """() => document.querySelector("article table tbody tr").getBoundingClientRect().top"""


def test_on_a_phone_the_front_page_starts_from_the_call_you_wrote_on_its_first_screen(browser, site_server) -> None:
    watched = WatchedPage(browser, url_of(site_server), viewport=PHONE)
    try:
        watched.page.goto(f"{watched.site_url}/index.html")
        top = watched.page.evaluate(FIRST_CALL_TOP)
        assert top < PHONE["height"] - 60, f"the first call of the table starts at {top:.0f} px"  # a row in sight
        assert "LSTM(4)" in watched.page.locator("article table tbody tr").first.inner_text()
        # A page whose introduction is a screen longer (as it was) fails the check.
        watched.page.evaluate("() => document.querySelector('article h1').after(document.createElement('hr'))")
        watched.page.add_style_tag(content="article hr {height: 400px}")
        assert watched.page.evaluate(FIRST_CALL_TOP) > PHONE["height"]
    finally:
        watched.close()


# "On this page": how many links show, and those smaller than WCAG 2.2's 24 by 24 px target (2.5.8).
SMALL_TARGETS = """() => {
  const links = [...document.querySelectorAll(".toc-tree a.reference")].filter(link => link.getClientRects().length);
  return [links.length, links.map(link => [link.textContent.trim(), link.getBoundingClientRect()])
    .filter(([text, box]) => box.height < 24 || box.width < 24)
    .map(([text, box]) => `${text}: ${Math.round(box.width)} by ${Math.round(box.height)} px`)];
}"""


def test_on_this_page_links_are_targets_at_least_24_px_on_every_page(browser, site_server, pages) -> None:
    watched = WatchedPage(browser, url_of(site_server), viewport=DESKTOP)  # where "On this page" shows
    try:
        problems, listed = [], 0
        for page in pages:
            watched.page.goto(f"{watched.site_url}/{page}")
            links, small = watched.page.evaluate(SMALL_TARGETS)
            listed += links > 0
            problems += [f"{page}: {target}" for target in small]
        assert listed >= 20, "the pages lost their 'On this page' lists"
        assert not problems, "\n".join(problems)
        # What Furo draws without the site's rule: 14 px lines, which the check sees.
        watched.page.goto(f"{watched.site_url}/docs/what-changed.html")
        watched.page.add_style_tag(content=".toc-tree a.reference {display: inline !important; min-height: 0}")
        assert watched.page.evaluate(SMALL_TARGETS)[1], "the check cannot see a small target"
    finally:
        watched.close()
