"""The site's search: Pagefind indexes the built pages into pagefind/, which the search page
reads (docs/_templates/search.html); the page template marks what is a page's text.

A page may also name the words readers search with that its text does not use, or uses less
than other pages ("many-to-one", "seq2seq", "stateless"), as the standard keywords meta tag,
from its front matter (``myst: {html_meta: {keywords: "many-to-one, ..."}}``); the index
searches them with the page's text (tests/test_search.py measures the queries).

A result links to the sections that matched: Pagefind splits a page at headings that carry
an id (its sub-results), and docutils puts a section's id on the ``<section>``, so the ids
of every section below the title move to its heading. Each block of code the index keeps
(errors, which readers paste, and the doctests) is marked where it starts and ends, with
ids Pagefind records with their place in the text, so that the search page
(docs/_static/search.js) takes its excerpts from the prose around them, never from them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bs4 import BeautifulSoup
from sphinx.errors import ExtensionError

#: What the index leaves out: headings' ¶ links, the download line, code cells (their names
#: are in the prose that explains them), what cells print, tables of what a call returned
#: included (the prose and tables say what it shows; errors, which readers paste, stay), and
#: cells tagged `not-in-search` (the 96-row table, which would outrank every page that
#: explains a call), the release page's answer per release (site_build/history.py), which
#: repeats, release after release, the words its table of changes holds once, and a form's
#: fields (the explorer's labels and options name every layer, and hold no sentence to show).
#: So no listing, printout, repetition or form outranks the prose that answers.
NOT_SEARCHED = (
    "a.headerlink", "p.page-downloads", ".cell_input", ".output.stream", ".output.text_plain", "table.returned",
    ".tag_not-in-search", ".release-answer", "fieldset",
)  # fmt: skip


#: Where a block of code the index keeps starts (``search-code-3``) and ends (``search-code-3-end``);
#: search.js reads the same names.
CODE_ID = "search-code-{}"
#: The headings Pagefind splits a page at: a section's (the title's section keeps its id, so
#: that a match above the first section links to the page itself).
SECTION_HEADINGS = ("h2", "h3", "h4", "h5", "h6")


def for_search(body: str) -> str:
    """The page's body with each section's ids on its heading, and each block of code the
    index keeps between an id at its start and an empty element with an id at its end."""
    soup = BeautifulSoup(body, "html.parser")
    for section in soup.find_all("section", id=True):
        heading = section.find(SECTION_HEADINGS, recursive=False)
        if heading is not None and not heading.has_attr("id"):
            heading["id"] = section.attrs.pop("id")
    left_out = {id(tag) for selector in NOT_SEARCHED for tag in soup.select(selector)}
    kept = [block for block in soup.find_all("pre") if not any(id(tag) in left_out for tag in (block, *block.parents))]
    for number, block in enumerate(kept):
        block["id"] = CODE_ID.format(number)  # a <pre> has none of its own
        block.insert_after(soup.new_tag("span", attrs={"id": CODE_ID.format(number) + "-end"}))
    return soup.decode(formatter="minimal")


def _mark_for_search(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = for_search(context["body"])


def _index_for_search(app, exception) -> None:
    if exception or app.builder.format != "html":
        return
    shutil.rmtree(Path(app.outdir) / "pagefind", ignore_errors=True)  # no fragment of an earlier index is published
    command = [sys.executable, "-m", "pagefind", "--site", str(app.outdir), "--keep-index-url", "--quiet"]
    for selector in NOT_SEARCHED:
        command += ["--exclude-selectors", selector]
    indexed = subprocess.run(command, capture_output=True, text=True, check=False)
    if indexed.returncode:
        raise ExtensionError(f"Pagefind could not index the site (requirements.txt pins it):\n{indexed.stderr}")


def _index_keywords(app, pagename, templatename, context, doctree) -> None:
    tags = context.get("metatags", "")
    if 'name="keywords"' in tags:
        indexed = 'name="keywords" data-pagefind-meta="keywords[content]"'
        context["metatags"] = tags.replace('name="keywords"', indexed, 1)


def setup(app):
    app.connect("html-page-context", _index_keywords)
    app.connect("html-page-context", _mark_for_search)
    app.connect(
        "build-finished", _index_for_search, priority=800
    )  # after every file is written, before the build lock is let go (900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
