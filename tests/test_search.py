"""Search finds the answer: each reader query in search_queries.json (parameter names,
questions, "X vs Y", "difference between", error messages pasted whole, the names readers
use such as many-to-one or seq2seq), sent from the sidebar's search box to the search page
as a reader sends it, ranks the page that answers it first, or at worst in the first
three, for enough of the set. Code listings and printed output are not in the index, so
they never outrank the prose that answers. The search page works with the keyboard alone
and asks no other host."""

from __future__ import annotations

import gzip
import json
import re
import urllib.parse
from pathlib import Path

import pytest
from browsing import FOCUS_SHOWN, WatchedPage
from bs4 import BeautifulSoup

from site_build.project import ROOT

QUERIES = json.loads((ROOT / "tests" / "search_queries.json").read_text())
# Measured on the 66 queries: Sphinx's own search ranked 48% first and 85% in the first
# three; Pagefind, as configured, 83% (55) and 92% (61) (the closing note of issue 15).
# On the 112 of issue 24, as it was configured: 67% (75) and 78% (87); with the stop words of
# a comparison, pasted calls as words, keywords and no printouts indexed: 91% (102), 98% (110).
# On the 145 (30 more: releases, pasted errors, "<call> output shape", sections): 90% (130), 97%
# (140); with search.js's order on top of Pagefind's score (a call, a release, a query held
# whole): 95% (138), 99% (144); on the site as merged with the release page's and the front
# page's rewrites: 94% (137), 99% (144).
TOP_1, TOP_3 = 0.94, 0.99
RESULTS = "#search-results > li > a.search-result-title"
# Searched: the status line says how many results, and the list shows them.
DONE = """() => {
  const status = document.querySelector("#search-status")?.textContent || "";
  const drawn = document.querySelectorAll("#search-results > li").length;
  return /^No results/.test(status) || (/^\\d+ results? for/.test(status) && drawn > 0);
}"""


def indexed_pages(site: Path) -> dict[str, dict]:
    """What the search index holds of each page ({url: {"content": ..., "meta": ...}})."""
    fragments = {}
    for fragment in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        page = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        fragments[page["url"].lstrip("/")] = page
    return fragments


def words(text: str) -> str:
    return " ".join(text.split())


def letters(text: str) -> str:
    """Text as letters and digits alone: the same however the index spaced or punctuated it."""
    return "".join(character for character in text.lower() if character.isalnum())


def test_code_listings_and_printed_output_are_not_in_the_index(built_site: Path) -> None:
    indexed = indexed_pages(built_site)
    found, checked = [], 0
    for url, page in indexed.items():
        html = BeautifulSoup((built_site / url).read_text(), "html.parser")
        for block in html.select(".cell_input, .output.stream, .output.text_plain"):
            text = words(block.get_text())
            if len(text) >= 40:
                checked += 1
                if text in words(page["content"]):
                    found.append(f"{url}: {text[:80]}")
    assert checked > 200, checked  # the site's code and printouts, every one left out
    assert not found, "\n".join(found[:5])


def test_a_page_s_keywords_are_searched_with_its_text(built_site: Path) -> None:
    indexed = indexed_pages(built_site)
    with_keywords = {url: page["meta"]["keywords"] for url, page in indexed.items() if "keywords" in page["meta"]}
    assert len(with_keywords) >= 15, sorted(with_keywords)
    assert "many-to-one" in with_keywords["examples/lstm-last-output.html"]


#: What the search page shows of its first three results: each one's link, title, all its text, excerpt (null where
#: it shows none: the page's top is not what matched best) and its sections (link, heading,
#: excerpt, null where the section has no sentence of prose to show).
SHOWN = """() => Array.from(document.querySelectorAll("#search-results > li")).slice(0, 3).map(li => ({
  url: li.querySelector(":scope > a.search-result-title").href,
  title: li.querySelector(":scope > a.search-result-title").textContent,
  text: li.textContent,
  excerpt: li.querySelector(":scope > .search-excerpt")?.textContent ?? null,
  sections: Array.from(li.querySelectorAll(":scope > .search-sections > li")).map(section => ({
    url: section.querySelector("a").href, heading: section.querySelector("a").textContent,
    excerpt: section.querySelector(".search-excerpt")?.textContent ?? null})),
}))"""


def relative(link: str) -> str:
    """A link on the search page, relative to the site's root, with its #fragment."""
    parts = urllib.parse.urlsplit(link)
    return parts.path.lstrip("/") + (f"#{parts.fragment}" if parts.fragment else "")


def shown(watched: WatchedPage, query: str) -> list[dict]:
    """What the search page shows for ``query``: its first three results, best first."""
    watched.page.goto(f"{watched.site_url}/search.html?q={urllib.parse.quote(query)}")
    watched.page.wait_for_function(DONE, timeout=15_000)
    return watched.page.evaluate(SHOWN)


@pytest.fixture(scope="module")
def results(browser, site_url: str) -> dict[str, list[dict]]:
    watched = WatchedPage(browser, site_url)
    try:
        found = {query["query"]: shown(watched, query["query"]) for query in QUERIES}
        # Leaving a page aborts the result excerpts it was still fetching: not a failure.
        assert not [p for p in watched.problems if "net::ERR_ABORTED" not in p], watched.problems
        return found
    finally:
        watched.close()


@pytest.fixture(scope="module")
def rankings(results: dict[str, list[dict]]) -> dict[str, list[str]]:
    """The pages the search page lists for each query, best first, relative to the site's root."""
    return {query: [relative(result["url"]) for result in found] for query, found in results.items()}


def test_the_query_set_names_pages_that_exist(built_site: Path) -> None:
    assert len(QUERIES) >= 30 and len({q["query"] for q in QUERIES}) == len(QUERIES)
    missing = [q for q in QUERIES if not (built_site / q["answer"]).is_file()]
    assert not missing, missing
    headings = [q for q in QUERIES if "section" in q and section_of(built_site / q["answer"], q["section"]) is None]
    assert not headings, f"no heading with these ids: {headings}"


def section_of(page: Path, fragment: str):
    """The section a #fragment of ``page`` leads to, if the fragment is a heading's id."""
    heading = BeautifulSoup(page.read_text(), "html.parser").find(id=fragment)
    if heading is None or heading.name not in ("h1", "h2", "h3", "h4", "h5", "h6"):
        return None
    return heading.parent


@pytest.mark.browser
def test_a_pasted_error_leads_to_the_section_that_holds_it(built_site: Path, results: dict[str, list[dict]]) -> None:
    """A result links to the section that matched, with its heading: for an error pasted
    whole, the first section of the first result holds that error."""
    pasted = [q for q in QUERIES if "section" in q and "Error" in q["query"]]
    assert len(pasted) >= 5, pasted
    wrong = []
    for query in pasted:
        first = results[query["query"]][0]
        target = relative((first["sections"] or [first])[0]["url"])
        page, _, fragment = target.partition("#")
        section = section_of(built_site / page, fragment) if fragment else None
        message = words(query["query"]).split(": ", 1)[-1]
        if section is None or message not in words(section.get_text()):
            wrong.append(f"{query['query']!r}: {target}, not {query['answer']}#{query['section']}")
        elif first["sections"][0]["heading"] != words(section.find(id=fragment).get_text()).rstrip("¶"):
            wrong.append(f"{query['query']!r}: {target} is shown as {first['sections'][0]['heading']!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.browser
def test_results_lead_to_the_section_that_answers(results: dict[str, list[dict]]) -> None:
    with_section = [q for q in QUERIES if "section" in q]
    led = [
        q
        for q in with_section
        if [relative(s["url"]) for r in results[q["query"]][:1] for s in r["sections"][:1]]
        == [f"{q['answer']}#{q['section']}"]
    ]
    missed = [f"{q['query']!r}: {results[q['query']][:1]}" for q in with_section if q not in led]
    assert len(led) >= 0.9 * len(with_section), f"{len(led)}/{len(with_section)}:\n" + "\n".join(missed)


@pytest.mark.browser
def test_excerpts_are_prose_without_code_or_keywords(built_site: Path, results: dict[str, list[dict]]) -> None:
    """Every excerpt the search page shows is a run of the page's prose (its text without the
    blocks of code and printouts), never the code the index keeps for pasted errors, and a
    result shows nothing else but its title and its sections' headings (not the keywords a
    page is searched with)."""
    prose, wrong = {}, []
    for query, found in results.items():
        for result in found:
            shown = [(result["url"], result["excerpt"])] + [(s["url"], s["excerpt"]) for s in result["sections"]]
            parts = [result["title"], result["excerpt"] or ""] + [
                s["heading"] + (s["excerpt"] or "") for s in result["sections"]
            ]
            if letters(result["text"]) != letters("".join(parts)):  # a page's keywords, say
                wrong.append(f"{query!r}: {result['url']} shows more than its title, headings and excerpts")
            for url, excerpt in [(url, excerpt) for url, excerpt in shown if excerpt is not None]:
                page = relative(url).partition("#")[0]
                if page not in prose:
                    article = BeautifulSoup((built_site / page).read_text(), "html.parser").find("article")
                    for block in article.select("pre, .headerlink"):
                        block.decompose()
                    prose[page] = letters(article.get_text())
                if not letters(excerpt) or letters(excerpt.removesuffix("…")) not in prose[page]:
                    wrong.append(f"{query!r}: {url}: {excerpt[:100]!r}")
    assert not wrong, f"{len(wrong)} excerpts not in the pages' prose:\n" + "\n".join(wrong[:10])


@pytest.mark.browser
def test_search_ranks_the_page_that_answers_first(rankings: dict[str, list[str]]) -> None:
    top_1 = [q for q in QUERIES if rankings[q["query"]][:1] == [q["answer"]]]
    top_3 = [q for q in QUERIES if q["answer"] in rankings[q["query"]][:3]]
    misses = [f"{q['query']!r}: {rankings[q['query']][:3]}, not {q['answer']}" for q in QUERIES if q not in top_1]
    figures = f"top-1 {len(top_1)}/{len(QUERIES)}, top-3 {len(top_3)}/{len(QUERIES)}"
    print(f"search: {figures}")  # the figures, for `nox -s tests -- -n 0 -s -k search` (one process: -s shows it)
    assert len(top_1) >= TOP_1 * len(QUERIES) and len(top_3) >= TOP_3 * len(QUERIES), (
        f"{figures}, below {TOP_1:.0%} and {TOP_3:.0%}; not first:\n" + "\n".join(misses)
    )


#: A Keras release as a query names it (search.js's RELEASE): "keras 3.10", "3.10", "Keras 2", "tf.keras".
RELEASE = re.compile(r"\b(tf\.keras|keras\s*[23](\.\d+)?|[23]\.\d+)\b", re.IGNORECASE)


@pytest.mark.browser
def test_a_query_naming_a_keras_release_leads_to_the_page_about_it(rankings: dict[str, list[str]]) -> None:
    """Pagefind scores "3.10" as one word of many: the release page comes first unless a
    page's title names the release ("keras 2 vs keras 3")."""
    named = [q for q in QUERIES if RELEASE.search(q["query"])]
    assert len({q["answer"] for q in named}) >= 2 and len(named) >= 8, named
    wrong = [
        f"{q['query']!r}: {rankings[q['query']][:2]}, not {q['answer']}"
        for q in named
        if rankings[q["query"]][:1] != [q["answer"]]
    ]
    assert not wrong, "\n".join(wrong)


def title_calls(page: Path) -> list[str]:
    """The calls a page's title writes (LSTM(4), go_backwards=True), without spaces or case."""
    h1 = BeautifulSoup(page.read_text(), "html.parser").find("h1")
    return [
        code for tag in h1.find_all("code") if re.search(r"[(=]", code := re.sub(r"\s", "", tag.get_text()).lower())
    ]


@pytest.mark.browser
def test_a_query_about_a_call_leads_to_the_page_titled_with_it(
    built_site: Path, rankings: dict[str, list[str]]
) -> None:
    """Pagefind does not score words' order, so LSTM(4, return_state=True) matches every
    title with those words: the page whose title's call is the query's comes first."""
    about_calls = [
        q for q in QUERIES
        if any(call in re.sub(r"\s", "", q["query"]).lower() for call in title_calls(built_site / q["answer"]))
    ]  # fmt: skip
    assert len(about_calls) >= 8, about_calls
    wrong = [
        f"{q['query']!r}: {rankings[q['query']][:2]}, not {q['answer']}"
        for q in about_calls
        if rankings[q["query"]][:1] != [q["answer"]]
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.browser
def test_the_focus_shows_on_everything_the_search_page_lets_the_keyboard_reach(browser, site_url: str) -> None:
    """Tab through the whole search page, its results included: every element that takes
    the focus shows it; and the check sees a page that draws no focus on the results."""

    def unseen(watched: WatchedPage) -> tuple[list[str], int]:
        watched.page.goto(f"{watched.site_url}/search.html?q=stateful")
        watched.page.wait_for_function(DONE, timeout=15_000)
        links = watched.page.locator("#search-results a").count()
        missed, reached, first = [], set(), None
        for _ in range(400):
            watched.page.keyboard.press("Tab")
            where = watched.page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
            if where == first or watched.page.evaluate("() => document.activeElement === document.body"):
                break  # past the page's last element, or round to its first
            first = first or where
            reached.add(where)
            if not watched.page.evaluate(FOCUS_SHOWN):
                missed.append(where)
        results = watched.page.evaluate(
            "() => Array.from(document.querySelectorAll('#search-results a')).map(a => a.outerHTML.slice(0, 120))"
        )
        assert links and set(results) <= reached, "Tab does not reach every result"
        return missed, len(results)

    watched = WatchedPage(browser, site_url)
    try:
        missed, links = unseen(watched)
        assert not missed, f"{len(missed)} elements take the focus and show none:\n" + "\n".join(missed)
        watched.page.add_init_script(
            "addEventListener('DOMContentLoaded', () => document.head.insertAdjacentHTML('beforeend',"
            " '<style>#search-results a:focus-visible {outline: none !important}</style>'))"
        )
        missed, links = unseen(watched)
        assert len(missed) == links, missed  # without the rule, no result shows the focus
    finally:
        watched.close()


@pytest.mark.browser
def test_search_works_from_the_sidebar_with_the_keyboard_alone(browser, site_url: str) -> None:
    watched = WatchedPage(browser, site_url)
    try:
        watched.page.goto(f"{site_url}/examples/lstm-return-state.html")
        for _ in range(30):  # Tab to the sidebar's search box
            watched.page.keyboard.press("Tab")
            if watched.page.evaluate("() => document.activeElement.name === 'q'"):
                break
        watched.page.keyboard.type("stateful reset")
        watched.page.keyboard.press("Enter")
        watched.page.wait_for_function(DONE, timeout=15_000)
        assert watched.page.evaluate("() => document.activeElement.value") == "stateful reset"  # focus is in the field
        first = watched.page.eval_on_selector(RESULTS, "a => a.href")
        for _ in range(5):  # Tab from the search field to the first result, and open it
            watched.page.keyboard.press("Tab")
            if watched.page.evaluate("() => document.activeElement.matches('a.search-result-title')"):
                break
        with watched.page.expect_navigation():
            watched.page.keyboard.press("Enter")
        assert watched.page.url == first, (watched.page.url, first)
        assert not watched.problems, watched.problems  # nothing failed, nothing asked of another host
    finally:
        watched.close()
