"""The site's search: Pagefind indexes the built pages into pagefind/, which the search page
reads (docs/_templates/search.html); the page template marks what is a page's text.

A page may also name the words readers search with that its text does not use, or uses less
than other pages ("many-to-one", "seq2seq", "stateless"), as the standard keywords meta tag,
from its front matter (``myst: {html_meta: {keywords: "many-to-one, ..."}}``); the index
searches them with the page's text (tests/test_search.py measures the queries)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from sphinx.errors import ExtensionError

#: What the index leaves out: headings' ¶ links, the download line, code cells (their names
#: are in the prose that explains them), what cells print, tables of what a call returned
#: included (the prose and tables say what it shows; errors, which readers paste, stay), and
#: cells tagged `not-in-search` (the 96-row table, which would outrank every page that
#: explains a call), and the release page's answer per release (docs/_ext/history.py), which
#: repeats, release after release, the words its table of changes holds once. So no listing,
#: printout or repetition outranks the prose that answers.
NOT_SEARCHED = (
    "a.headerlink", "p.page-downloads", ".cell_input", ".output.stream", ".output.text_plain", "table.returned",
    ".tag_not-in-search", ".release-answer",
)  # fmt: skip


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
    app.connect(
        "build-finished", _index_for_search, priority=800
    )  # after every file is written, before the build lock is let go (900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
