"""Every internal link of the built site leads somewhere, and every page can be reached.

Read from the HTML files alone (no server, no network): each href/src/action that stays
on the site names a file of _build/html and, with a #fragment, an id on that page; and
following links from index.html reaches every page. A small broken site shows that each
check can fail.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from site_pages import html_pages, tags

from site_build.project import served_path

# The attributes through which a page links to or loads another file.
LINKING = {"href", "src", "action", "poster"}


@dataclass
class Page:
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # as written in the page


def read_site(root: Path) -> dict[str, Page]:
    """Every HTML page under ``root``, by its path relative to ``root``."""
    pages = {}
    for path in html_pages(root):
        page = pages[path.relative_to(root).as_posix()] = Page()
        for tag, attrs in tags(path):
            for name, value in attrs.items():
                if name == "id" or (tag == "a" and name == "name"):
                    page.ids.add(value)
                elif name in LINKING and value:
                    page.links.append(value)
                elif name == "srcset":
                    page.links += [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]
    return pages


def resolve(page: str, link: str, published: str = "/") -> tuple[str, str] | None:
    """(file relative to the site's root, fragment) for a link that stays on the site;
    None for links elsewhere (another scheme or host). An absolute path is read under the
    path the site is published under (``published``, e.g. "/en/latest/")."""
    url = urlsplit(link)
    if url.scheme or url.netloc:
        return None
    if not url.path:  # "#fragment" or "?query": this page
        return page, unquote(url.fragment)
    path = unquote(url.path)
    if path.startswith("/"):
        if not path.startswith(published):
            return "../" + path, unquote(url.fragment)  # outside the site: reported as broken
        page, path = "index.html", path[len(published) :]
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
    if url.path.endswith("/"):
        target = posixpath.join(target, "index.html")
    return target, unquote(url.fragment)


def broken_links(root: Path, pages: dict[str, Page]) -> list[str]:
    broken = []
    published = served_path()
    for name, page in pages.items():
        for link in page.links:
            resolved = resolve(name, link, published)
            if resolved is None:
                continue
            target, fragment = resolved
            if target.startswith("../") or not (root / target).is_file():
                broken.append(f"{name}: {link!r} names no file of the site ({target})")
            elif fragment and target in pages and fragment not in pages[target].ids:
                broken.append(f"{name}: {link!r}: {target} has no id {fragment!r}")
    return broken


def unreachable(pages: dict[str, Page], start: str = "index.html") -> set[str]:
    """The pages that following links from ``start`` never reaches."""
    seen, queue = {start}, [start]
    while queue:
        name = queue.pop()
        for link in pages[name].links:
            resolved = resolve(name, link)
            if resolved and resolved[0] in pages and resolved[0] not in seen:
                seen.add(resolved[0])
                queue.append(resolved[0])
    # The 404 page is what the host serves for a missing address: nothing links to it.
    return set(pages) - seen - {"404.html"}


def test_every_internal_link_and_anchor_resolves(built_site: Path) -> None:
    pages = read_site(built_site)
    assert len(pages) > 20 and sum(len(page.links) for page in pages.values()) > 500, "the reader found no links"

    broken = broken_links(built_site, pages)

    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken)


def test_every_page_is_reachable_from_the_front_page(built_site: Path) -> None:
    orphans = unreachable(read_site(built_site))

    assert not orphans, f"no link leads from index.html to: {sorted(orphans)}"


def test_the_checks_catch_a_broken_link_a_missing_anchor_and_an_orphan(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="docs/a.html#there">fine</a> <a href="docs/a.html#nowhere">no such id</a> '
        '<a href="docs/gone.html">no such page</a> <a href="https://example.com/x">elsewhere</a>'
        '<img src="_static/missing.png" alt="">'
    )
    (tmp_path / "docs" / "a.html").write_text('<h1 id="there">A</h1><a href="../index.html#">home</a>')
    (tmp_path / "docs" / "orphan.html").write_text('<a href="a.html">nobody links here</a>')

    broken = broken_links(tmp_path, read_site(tmp_path))

    assert broken == [
        "index.html: 'docs/a.html#nowhere': docs/a.html has no id 'nowhere'",
        "index.html: 'docs/gone.html' names no file of the site (docs/gone.html)",
        "index.html: '_static/missing.png' names no file of the site (_static/missing.png)",
    ]
    assert unreachable(read_site(tmp_path)) == {"docs/orphan.html"}
