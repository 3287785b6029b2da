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
import urllib.parse
from pathlib import Path

import pytest
from browsing import WatchedPage
from bs4 import BeautifulSoup
from project import ROOT

QUERIES = json.loads((ROOT / "tests" / "search_queries.json").read_text())
# Measured on the 66 queries: Sphinx's own search ranked 48% first and 85% in the first
# three; Pagefind, as configured, 83% (55) and 92% (61) (the closing note of issue 15).
# On the 112 of issue 24, as it was configured: 67% (75) and 78% (87); with the stop words of
# a comparison, pasted calls as words, keywords and no printouts indexed: 91% (102), 98% (110).
TOP_1, TOP_3 = 0.90, 0.95
RESULTS = "li.pagefind-ui__result .pagefind-ui__result-title a"
# Searched: "No results", or the first three results (fewer if there are fewer) drawn.
DONE = """() => {
  const message = document.querySelector(".pagefind-ui__message")?.textContent || "";
  const results = Array.from(document.querySelectorAll("li.pagefind-ui__result")).slice(0, 3);
  const drawn = results.length > 0 && results.every(li => li.querySelector(".pagefind-ui__result-title a"));
  return /^No results/.test(message) || (/results? for/.test(message) && drawn);
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


def ranked(watched: WatchedPage, query: str) -> list[str]:
    """The pages the search page lists for ``query``, best first, relative to the site's root."""
    watched.page.goto(f"{watched.site_url}/search.html?q={urllib.parse.quote(query)}")
    watched.page.wait_for_function(DONE, timeout=15_000)
    links = watched.page.eval_on_selector_all(RESULTS, "links => links.map(a => a.href)")
    return [urllib.parse.urlsplit(link).path.lstrip("/") for link in links]


@pytest.fixture(scope="module")
def rankings(browser, site_url: str) -> dict[str, list[str]]:
    watched = WatchedPage(browser, site_url)
    try:
        found = {query["query"]: ranked(watched, query["query"]) for query in QUERIES}
        # Leaving a page aborts the result excerpts it was still fetching: not a failure.
        assert not [p for p in watched.problems if "net::ERR_ABORTED" not in p], watched.problems
        return found
    finally:
        watched.close()


def test_the_query_set_names_pages_that_exist(built_site: Path) -> None:
    assert len(QUERIES) >= 30 and len({q["query"] for q in QUERIES}) == len(QUERIES)
    missing = [q for q in QUERIES if not (built_site / q["answer"]).is_file()]
    assert not missing, missing


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
            if watched.page.evaluate("() => document.activeElement.matches('.pagefind-ui__result-title a')"):
                break
        with watched.page.expect_navigation():
            watched.page.keyboard.press("Enter")
        assert watched.page.url == first, (watched.page.url, first)
        assert not watched.problems, watched.problems  # nothing failed, nothing asked of another host
    finally:
        watched.close()
