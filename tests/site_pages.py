"""The site's pages, as sources and as built HTML: which pages are notebooks, what a built
page links and offers for download."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from site_build.project import BUILD, ROOT
from site_build.reader_code import has_reader_code, notebook_pages, source_notebook

HTML = BUILD / "html"
EXAMPLES = sorted((ROOT / "examples").glob("*.md"))
#: The pages that are notebooks (a jupytext header): the build executes them, and offers each for download.
NOTEBOOK_PAGES = notebook_pages(ROOT)


def downloadable(page: Path) -> bool:
    """Whether the build offers the page's code for download (it shows readers some)."""
    return has_reader_code(source_notebook(page))


def notebook_id(page: Path) -> str:
    return page.relative_to(ROOT).with_suffix("").as_posix()


def html_pages(site: Path) -> list[Path]:
    """Every HTML page of a built site."""
    return sorted(site.rglob("*.html"))


def tags(page: Path) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of an HTML page, with its attributes (a bare attribute's value is "")."""

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, dict[str, str]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, {name: value or "" for name, value in attrs}))

    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def download_links(page: Path) -> list[str]:
    """The files a built page offers for download (its links with a ``download`` attribute)."""
    return sorted({attrs["href"] for tag, attrs in tags(page) if tag == "a" and "download" in attrs})
