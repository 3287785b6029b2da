"""The site's search: Pagefind indexes the built pages into pagefind/, which the search page
reads (docs/_templates/search.html); the page template marks what is a page's text."""

from __future__ import annotations

import subprocess
import sys

from sphinx.errors import ExtensionError

#: What the index leaves out: headings' ¶ links, the download line, code cells (their names
#: are in the prose that explains them), and cells tagged `not-in-search` (the 96-row table,
#: which would outrank every page that explains a call).
NOT_SEARCHED = ("a.headerlink", "p.page-downloads", ".cell_input", ".tag_not-in-search")


def _index_for_search(app, exception) -> None:
    if exception or app.builder.format != "html":
        return
    command = [sys.executable, "-m", "pagefind", "--site", str(app.outdir), "--keep-index-url", "--quiet"]
    for selector in NOT_SEARCHED:
        command += ["--exclude-selectors", selector]
    indexed = subprocess.run(command, capture_output=True, text=True, check=False)
    if indexed.returncode:
        raise ExtensionError(f"Pagefind could not index the site (requirements.txt pins it):\n{indexed.stderr}")


def setup(app):
    app.connect(
        "build-finished", _index_for_search, priority=800
    )  # after every file is written, before the build lock is let go (900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
