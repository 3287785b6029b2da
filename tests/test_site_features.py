"""What the site offers besides its pages: notebook downloads, the build stamp, a 404 page,
and what search engines and link previews read (sitemap, robots.txt, descriptions, Open
Graph), all without naming another host."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ElementTree
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import numpy as np
import pytest
from bs4 import BeautifulSoup
from building import build
from site_pages import NOTEBOOK_PAGES, download_links, downloadable, html_pages, source_notebook, tags

from keras_rnn_returns.show import HEADINGS, Returned
from site_build.execution import READER_MODULES
from site_build.project import ROOT, served_path
from site_build.reader_code import ANSWER_MARKER, HIDDEN, imported_modules, without_markers

# The pages that are notebooks (a jupytext header); each is offered as .ipynb and .py.
NOTEBOOKS = [page.relative_to(ROOT).with_suffix("") for page in NOTEBOOK_PAGES]
DOWNLOADABLE = [notebook for notebook in NOTEBOOKS if downloadable(ROOT / f"{notebook}.md")]
#: The first line of a summary of what a call returned, as its text form prints it.
RETURNED_TEXT = re.compile(r"#\s+returned\s+shape\s+in symbols")
# Search results are not a page to land on; the 404 page is served for any path.
NOT_IN_SITEMAP = {"search.html", "404.html"}


def meta(page: Path) -> dict[str, str]:
    """The page's <meta name=...> and <meta property=...> contents."""
    found = {}
    for tag, attrs in tags(page):
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            found[attrs.get("name") or attrs["property"]] = attrs.get("content", "")
    return found


def base_url(built_site: Path) -> str:
    """The site's public address the build was configured with, from its front page's
    canonical link (test_site_url_comes_from_the_environment proves where that comes from)."""
    canonical = [a["href"] for t, a in tags(built_site / "index.html") if t == "link" and a.get("rel") == "canonical"]
    assert len(canonical) == 1 and canonical[0].endswith("/index.html"), canonical
    return canonical[0].removesuffix("index.html")


def test_a_page_whose_code_is_all_presentation_offers_no_download(built_site: Path) -> None:
    presentation_only = [notebook for notebook in NOTEBOOKS if notebook not in DOWNLOADABLE]
    assert presentation_only, "every notebook page shows code: this test checks nothing"
    for notebook in presentation_only:
        assert not download_links(built_site / notebook.with_suffix(".html")), notebook


@pytest.mark.parametrize("notebook", DOWNLOADABLE, ids=str)
def test_every_notebook_page_links_its_ipynb_and_py_which_parse(built_site: Path, notebook: Path) -> None:
    page = built_site / notebook.with_suffix(".html")
    links = set(download_links(page))
    # Its own code, and the reference modules its code imports (downloads.offered_modules).
    # Hidden cells (the page's own checks) may import them too; readers never see those.
    visible = "\n".join(
        cell.source
        for cell in source_notebook(ROOT / f"{notebook}.md").cells
        if cell.cell_type == "code" and not {"remove-cell", "remove-input"} & set(cell.metadata.get("tags", []))
    )
    offered = {f"{module}.py" for module in set(READER_MODULES) & imported_modules([visible])}
    assert links == {f"{notebook.name}.ipynb", f"{notebook.name}.py"} | offered, f"{page.name} links {links}"
    downloaded = nbformat.read(page.with_suffix(".ipynb"), as_version=4)
    nbformat.validate(downloaded)
    # The notebook carries the outputs the page shows, the version line among them.
    outputs = [o for cell in downloaded.cells if cell.cell_type == "code" for o in cell.outputs]
    assert outputs, f"{notebook}.ipynb has no outputs"
    script = page.with_suffix(".py").read_text()
    compile(script, f"{notebook}.py", "exec")
    code = [cell.source for cell in downloaded.cells if cell.cell_type == "code" and not cell.metadata.get("tags")]
    assert all(source in script for source in code), f"{notebook}.py lacks some of the notebook's code"
    # Readers get the code they see, not the cells that make the page's tables and pictures.
    assert "keras_rnn_returns" not in "".join(code), f"{notebook} downloads hidden cells"


def downloads_placement(page: Path) -> tuple[int | None, int | None, list[str]]:
    """Where a built page offers its downloads: the positions of its first download link and
    of its first <h1> in the page's text, and the links of its "On this page" list."""
    from bs4 import BeautifulSoup

    text = page.read_text(encoding="utf-8")
    first_link = next((m.start() for m in re.finditer(r"<a [^>]*\bdownload\b", text)), None)
    heading = text.find("<h1")
    soup = BeautifulSoup(text, "html.parser")
    toc = soup.select_one("aside.toc-drawer .toc-tree")
    return first_link, (heading if heading >= 0 else None), [a["href"] for a in toc.find_all("a")] if toc else []


@pytest.mark.parametrize("notebook", DOWNLOADABLE, ids=str)
def test_downloads_are_offered_above_the_first_heading_and_first_in_on_this_page(
    built_site: Path, notebook: Path
) -> None:
    page = built_site / notebook.with_suffix(".html")
    first_link, heading, toc = downloads_placement(page)
    assert first_link is not None and heading is not None and first_link < heading, f"{notebook}: downloads below"
    if len(toc) > 1:  # Furo shows "On this page" when the page has sections
        assert toc[1] == "#downloads", f"{notebook}: 'On this page' does not start with the downloads: {toc[:3]}"
    ids = re.findall(r'\bid="downloads"', page.read_text(encoding="utf-8"))
    assert len(ids) == 1, f"{notebook}: the downloads line's id is not unique"


def test_the_placement_check_fails_on_downloads_at_the_foot_of_a_page(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<aside class="toc-drawer"><div class="toc-tree"><ul><li><a href="#">T</a><ul>'
        '<li><a href="#run-it">Run it</a></li></ul></li></ul></div></aside>'
        "<article><section><h1>T</h1><p>...</p></section>"
        '<p class="page-downloads"><a href="t.ipynb" download>t.ipynb</a></p></article>'
    )
    first_link, heading, toc = downloads_placement(page)
    assert first_link > heading and toc[1] == "#run-it"


def split_outputs(page: Path) -> list[str]:
    """The cells of a built page whose printed text is cut into several boxes."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = []
    for output in soup.select("div.cell_output"):
        streams = output.find_all("div", class_="stream", recursive=False)
        if len(streams) > 1:
            found.append(streams[0].get_text()[:60])
    return found


def test_what_a_cell_prints_is_one_box(built_site: Path) -> None:
    split = {page.name: split_outputs(page) for page in html_pages(built_site)}
    assert not {name: cells for name, cells in split.items() if cells}


def test_the_one_box_check_finds_a_cell_printed_in_chunks(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    box = '<div class="output stream highlight-myst-ansi"><pre>{}</pre></div>'
    page.write_text(f'<div class="cell_output docutils container">{box.format("a")}{box.format("b")}</div>')
    assert split_outputs(page) == ["a"]


def returned_summaries(page: Path) -> tuple[list[str], list[str]]:
    """A built page's summaries of what a call returned: those shown as printed text (the first
    line of each), and the tables' problems (headings other than the summary's, a cell without
    its column's heading to show above it on a phone)."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    blocks = [pre.get_text() for pre in soup.select(".cell_output pre")]
    printed = [found[0] for text in blocks if (found := RETURNED_TEXT.search(text))]
    problems = []
    for table in soup.select(".cell_output table.returned"):
        headings = tuple(th.get_text() for th in table.select("thead th"))
        if headings != HEADINGS:
            problems.append(f"headings {headings}")
        problems += [f"no data-label: {td}" for td in table.select("tbody td") if td.get("data-label") is None]
    return printed, problems


def test_every_returned_tensor_summary_is_a_table_that_stacks_on_a_phone(built_site: Path) -> None:
    # What each cell displayed, in its text form (the build's outputs.json): as many tables per page.
    printed = json.loads((built_site.parent / "outputs.json").read_text(encoding="utf-8"))["pages"]
    displayed = {
        page: sum(len(RETURNED_TEXT.findall(output["text"])) for cell in cells for output in cell["outputs"])
        for page, cells in printed.items()
    }
    assert sum(displayed.values()) >= 20, displayed
    for page, count in displayed.items():
        soup = BeautifulSoup((built_site / f"{page}.html").read_text(encoding="utf-8"), "html.parser")
        assert len(soup.select(".cell_output table.returned")) == count, page
    found = {page.name: returned_summaries(page) for page in html_pages(built_site)}
    assert not {name: summaries for name, summaries in found.items() if summaries != ([], [])}


def test_the_table_check_finds_a_summary_printed_as_text(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    printed = repr(Returned(np.zeros((1, 4)), ["output"], batch=1, units=4))
    page.write_text(f'<div class="cell_output docutils container"><pre>{html.escape(printed)}</pre></div>')
    assert returned_summaries(page) == (["#  returned  shape   in symbols"], [])


def test_copy_buttons_copy_doctest_code_without_prompts_or_output(built_site: Path) -> None:
    """sphinx-copybutton's formatCopyText keeps, of the lines that start with a prompt, the
    text after it; the prompt is the regular expression the built script passes it."""
    script = (built_site / "_static" / "copybutton.js").read_text()
    call = re.search(r"formatCopyText\(text, '(.*?)', (true|false), (true|false)", script)
    assert call, "copybutton.js no longer calls formatCopyText as expected"
    pattern, is_regexp, only_prompt_lines = call.group(1).replace("\\\\", "\\"), call.group(2), call.group(3)
    assert is_regexp == only_prompt_lines == "true"
    prompt = re.compile(f"^({pattern})(.*)")
    block = ">>> output, h, c = layer(x)\n>>> print(output.shape,\n...       h.shape)\n(1, 4) (1, 4)\n"
    copied = [match.group(2) for line in block.splitlines() if (match := prompt.match(line))]
    assert copied == ["output, h, c = layer(x)", "print(output.shape,", "      h.shape)"]


def test_every_page_names_the_keras_tensorflow_and_backend_that_built_it_once(built_site: Path) -> None:
    keras, tensorflow = metadata.version("keras"), metadata.version("tensorflow")
    stamp = f"Last built with Keras {keras} and TensorFlow {tensorflow}, on Keras's TensorFlow backend; "
    executed = 0
    for page in html_pages(built_site):
        text = html.unescape(page.read_text())
        lines = re.findall(r"Executed with Python [^<]*", text)
        # The footer's line (in the credit), where the page prints no version line of its own...
        assert (stamp in text) != bool(lines), f"{page.relative_to(built_site)}: {stamp!r} and {len(lines)} line(s)"
        # ... linked to what changed in which release (the 404 page links from the site's root).
        link = re.search(r'<div class="left-details">\s*<div class="build-stamp">[^<]*<a href="([^"]+)"', text).group(1)
        if page.name != "404.html":  # the page itself links to its own top ("#")
            target = page if link == "#" else page.parent / link
            assert target.resolve() == (built_site / "docs" / "what-changed.html").resolve(), link
        # ... and the pages' executed version lines say the same.
        for line in lines:
            executed += 1
            assert f"Keras {keras}," in line and f"TensorFlow {tensorflow} " in line, (page.name, line)
            assert line.rstrip().endswith("on Keras's TensorFlow backend."), (page.name, line)
    assert executed >= 15, "the pages no longer print the versions that executed them"


def test_404_page_exists_and_its_links_work_from_any_depth(built_site: Path) -> None:
    page = built_site / "404.html"
    assert "Page not found" in page.read_text()
    local = [
        a.get("href") or a.get("src")
        for tag, a in tags(page)
        if tag in ("link", "script", "a", "img")
        and (a.get("href") or a.get("src") or "#").split("#")[0]
        and "://" not in (a.get("href") or a.get("src"))
    ]
    # Absolute from the site's root: the published path when the build was given one
    # (test_site_url_comes_from_the_environment), else a local server's root.
    prefix = served_path()
    assert local and all(url.startswith(prefix) for url in local), [u for u in local if not u.startswith(prefix)]
    for url in local:
        path = url.removeprefix(prefix).split("?")[0].split("#")[0]
        assert (built_site / (path or "index.html")).exists(), url


def test_robots_txt_and_sitemap_list_every_page(built_site: Path) -> None:
    base = base_url(built_site)
    robots = (built_site / "robots.txt").read_text()
    assert "User-agent: *" in robots and f"Sitemap: {base}sitemap.xml" in robots
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in ElementTree.parse(built_site / "sitemap.xml").findall("s:url/s:loc", namespace)}
    pages = {page.relative_to(built_site).as_posix() for page in html_pages(built_site)} - NOT_IN_SITEMAP
    assert listed == {base + page for page in pages}


@pytest.mark.slow
def test_sitemap_still_lists_every_page_after_a_build_that_rewrote_one(fixture_site: Path) -> None:
    html = fixture_site / "_build" / "html"
    assert build(fixture_site).returncode == 0
    page = fixture_site / "pages" / "prints.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    rebuilt = build(fixture_site)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "1 changed" in rebuilt.stdout  # an incremental build, not a full one
    pages = {p.relative_to(html).as_posix() for p in html_pages(html)} - NOT_IN_SITEMAP
    assert (html / "sitemap.xml").read_text().count("<loc>") == len(pages)


def test_the_published_site_holds_no_build_state(built_site: Path) -> None:
    assert not (built_site / ".doctrees").exists(), "Sphinx's pickled doctrees would be published"


def test_every_heading_role_has_a_level(built_site: Path) -> None:
    for page in html_pages(built_site):
        unlevelled = [a for _, a in tags(page) if a.get("role") == "heading" and not a.get("aria-level")]
        assert not unlevelled, f"{page.relative_to(built_site)}: {unlevelled[0]}"


def test_every_page_has_a_description_and_open_graph_tags(built_site: Path) -> None:
    base = base_url(built_site)
    for page in html_pages(built_site):
        name = page.relative_to(built_site).as_posix()
        tags_of_page = meta(page)
        assert len(tags_of_page.get("description", "")) > 50, f"{name} has no meaningful description"
        if name in NOT_IN_SITEMAP:
            continue
        assert tags_of_page["og:url"] == base + name
        assert tags_of_page["og:title"] and tags_of_page["og:description"] and tags_of_page["og:type"]
        assert not any(key.startswith("og:image") for key in tags_of_page), f"{name} names a preview image"


@pytest.mark.slow
def test_a_front_matter_description_replaces_the_default(fixture_site: Path) -> None:
    page = fixture_site / "index.md"
    page.write_text("---\nmyst:\n  html_meta:\n    description: The rules every page keeps.\n---\n" + page.read_text())
    built = build(fixture_site)
    assert built.returncode == 0, built.stderr
    assert meta(fixture_site / "_build" / "html" / "index.html")["description"] == "The rules every page keeps."


@pytest.mark.parametrize(
    "env",
    [
        # SITE_URL wins, with or without its final slash ...
        {"SITE_URL": "https://example.org/keras-rnn", "READTHEDOCS_CANONICAL_URL": "https://x.io/en/v1/"},
        # ... and on Read the Docs, the address it builds for.
        {"SITE_URL": "", "READTHEDOCS_CANONICAL_URL": "https://example.org/keras-rnn/"},
    ],
    ids=["SITE_URL", "READTHEDOCS_CANONICAL_URL"],
)
@pytest.mark.slow
def test_site_url_comes_from_the_environment(fixture_site: Path, env: dict[str, str]) -> None:
    built = build(fixture_site, **env)
    assert built.returncode == 0, built.stderr
    site = fixture_site / "_build" / "html"
    assert base_url(site) == "https://example.org/keras-rnn/"
    assert "Sitemap: https://example.org/keras-rnn/sitemap.xml" in (site / "robots.txt").read_text()
    assert meta(site / "pages" / "prints.html")["og:url"] == "https://example.org/keras-rnn/pages/prints.html"
    assert 'href="/keras-rnn/_static/' in (site / "404.html").read_text()


# The attributes through which a page makes the browser fetch something (or names an
# address to crawlers); <a href> is a link the reader may follow, not a request.
URL_ATTRIBUTES = ("src", "href", "srcset", "poster", "data", "action", "content")


def test_no_tag_references_another_host_but_the_sites_own_address(built_site: Path) -> None:
    base = base_url(built_site)
    for page in html_pages(built_site):
        name = page.relative_to(built_site).as_posix()
        for tag, attrs in tags(page):
            if tag == "a":
                continue
            for attribute in URL_ATTRIBUTES:
                for url in re.findall(r"(?:https?:)?//[^\s,\"']+", attrs.get(attribute, "")):
                    own = urljoin(base, url).startswith(base)
                    named_by = attrs.get("property") or attrs.get("rel")
                    assert own and named_by in ("og:url", "canonical"), f"{name}: <{tag} {attribute}={url!r}>"


def test_no_script_file_stops_the_page_from_parsing(built_site: Path) -> None:
    """A script that blocks the parser at the end of a long page makes Furo lay the whole page
    out after its first paint, a task Lighthouse counts as blocking time (published._defer)."""
    blocking = [
        f"{page.relative_to(built_site).as_posix()}: {attrs['src']}"
        for page in html_pages(built_site)
        for tag, attrs in tags(page)
        if tag == "script" and "src" in attrs and not {"defer", "async"} & attrs.keys()
    ]
    assert not blocking, "script files without defer or async:\n" + "\n".join(blocking)


#: Words only the authors know: the notebook the site started from was "the seed" to them.
AUTHOR_WORDS = re.compile(r"seed notebook|the seed's|design card|seed[ _]input", re.IGNORECASE)


def author_words(text: str) -> list[str]:
    """The author words in ``text``, a built page's HTML or a download."""
    return AUTHOR_WORDS.findall(re.sub(r"<[^>]+>", " ", text))


def test_no_built_page_or_download_speaks_the_authors_language(built_site: Path) -> None:
    files = [*html_pages(built_site), *built_site.rglob("*.ipynb"), *built_site.rglob("*.py")]
    assert len(files) > 40
    found = {str(f.relative_to(built_site)): words for f in files if (words := author_words(f.read_text()))}
    assert not found, f"author words on the site: {found}"


def test_readers_see_no_answer_markers_in_code_or_downloads(built_site: Path) -> None:
    visible = [
        cell.source
        for page in NOTEBOOK_PAGES
        for cell in source_notebook(page).cells
        if cell.cell_type == "code" and not HIDDEN & set(cell.metadata.get("tags", []))
    ]
    assert sum(len(ANSWER_MARKER.findall(source)) for source in visible) > 30  # the pages do write them
    pages = [page for page in html_pages(built_site) if page.name != "contributing.html"]  # which explains them
    downloads = [*built_site.rglob("*.ipynb"), *built_site.rglob("*.py")]
    shown = {str(f.relative_to(built_site)): n for f in pages + downloads if (n := f.read_text().count("# answer:"))}
    assert not shown, f"answer markers shown to readers: {shown}"


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("assert x  # answer: it holds\n", "assert x\n"),
        ("y = 1  # why  # answer: it holds\n", "y = 1  # why\n"),
        ('print("# answer: a string stays")\n', 'print("# answer: a string stays")\n'),
    ],
)
def test_answer_markers_come_out_of_comments_only(source: str, shown: str) -> None:
    assert without_markers(source) == shown


PLANTED = ["What the <em>seed notebook</em> said", "The seed's five cases", "the design card"]


@pytest.mark.parametrize("planted", PLANTED)
def test_author_words_are_caught_in_a_planted_page(planted: str) -> None:
    assert author_words(f"<h2>{planted}</h2>"), planted
    assert not author_words("<p>keras.utils.set_random_seed(0): the random seed is fixed</p>")
