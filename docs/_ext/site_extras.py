"""What the site gives readers beyond the pages: each notebook page's code to download
(.ipynb with the outputs the build executed, and .py), the reference modules those pages
import beside them, the files pages publish (shapes.json), a description for every page,
robots.txt, sitemap.xml and the search index. conf.py loads it; the page template
(docs/_templates/page.html) links the downloads.

A download holds the code a reader sees on the page and nothing else: code cells hidden
from readers (``remove-input``, ``remove-cell``: result tables, pictures, version lines,
checks of error messages) are left out, so it runs in an empty folder with the site's
requirements and the modules it offers beside it. tests/test_downloads.py runs each one.
"""

from __future__ import annotations

import ast
import doctest
import html
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import tokenize
from functools import cache
from importlib import metadata
from pathlib import Path
from xml.sax.saxutils import escape

import jupytext
import nbformat
from jupyter_cache import get_cache
from myst_nb.core.read import read_myst_markdown_notebook
from sphinx.errors import ExtensionError
from sphinx.util import logging

from keras_rnn_returns.show import BACKEND_NAMES

#: What every nox session installs: requirements.txt, plus JAX and PyTorch.
INSTALLED = "requirements-backends.txt"

logger = logging.getLogger(__name__)

#: Tags of code cells readers do not see: presentation and build checks, never their code.
HIDDEN = {"remove-cell", "remove-input"}
DOCTEST_BLOCK = re.compile(r"^```\{doctest\}\n(.*?)^```", re.MULTILINE | re.DOTALL)
LITERALINCLUDE = re.compile(r"^```\{literalinclude\} \S*?([\w.]+)\n.*?^```", re.MULTILINE | re.DOTALL)


# --- The reader's code of a page ------------------------------------------------------


def reader_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` as readers get it: without the cells hidden from them, and with every
    cell they see runnable (the build skips a ``skip-execution`` cell, a reader does not)."""
    reader = nbformat.from_dict(notebook)  # a deep copy
    reader.cells = [
        cell for cell in reader.cells if cell.cell_type != "code" or not HIDDEN & set(cell.metadata.get("tags", []))
    ]
    for cell in reader.cells:
        if cell.cell_type == "markdown":  # the page shows a file's source; the reader has the file
            cell.source = LITERALINCLUDE.sub(
                r"(The page shows the source of `\1` here: the file beside this one.)", cell.source
            )
        tags = [tag for tag in cell.metadata.get("tags", []) if tag != "skip-execution"]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    return reader


def doctest_sources(markdown: str) -> list[str]:
    """The code of every ``{doctest}`` block in ``markdown``, prompts removed."""
    parser = doctest.DocTestParser()
    return [
        "".join(example.source for example in parser.get_examples(block)) for block in DOCTEST_BLOCK.findall(markdown)
    ]


def reader_code(notebook: nbformat.NotebookNode) -> list[str]:
    """Every piece of code a reader sees on the page, in order: doctest blocks and code cells."""
    code = []
    for cell in reader_notebook(notebook).cells:
        code += doctest_sources(cell.source) if cell.cell_type == "markdown" else [cell.source]
    return code


def imported_modules(sources: list[str]) -> set[str]:
    """The top-level modules that ``sources`` import (``numpy`` for ``import numpy.testing``)."""
    names = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@cache
def _source_notebook(path: str) -> nbformat.NotebookNode:
    return read_myst_markdown_notebook(Path(path).read_text(encoding="utf-8"), path=path)


def has_reader_code(notebook: nbformat.NotebookNode) -> bool:
    """Whether readers see any code cell: a page whose code is all presentation (a generated
    table) offers nothing to download."""
    return any(cell.cell_type == "code" for cell in reader_notebook(notebook).cells)


def _notebook_pages(env) -> list[str]:
    # MyST-NB records a notebook's kernelspec in its page's metadata; plain pages have none.
    return sorted(docname for docname, meta in env.metadata.items() if "kernelspec" in meta)


def _downloadable(env, docname: str) -> bool:
    """Notebook pages with code that readers see are offered for download."""
    return docname in _notebook_pages(env) and has_reader_code(_source_notebook(str(env.doc2path(docname))))


@cache
def _imports_of(path: str) -> frozenset[str]:
    """What the reader's code of the page at ``path`` imports."""
    return frozenset(imported_modules(reader_code(_source_notebook(path))))


def offered_modules(app, docname: str) -> list[str]:
    """The reference modules (conf.py's ``reader_modules``) that a page's reader code imports:
    the page offers each for download, beside its own code."""
    imported = _imports_of(str(app.env.doc2path(docname)))
    return sorted(name for name in app.config.reader_modules if name in imported)


def _module_file(name: str) -> Path:
    import importlib.util

    return Path(importlib.util.find_spec(name).origin)


_version = cache(metadata.version)  # reading a distribution's metadata is slow: once each


def _requirements(app, docname: str) -> list[str]:
    """``name==version`` for each package the page's reader code needs: what it and the
    modules it offers import, and the Keras backend that executed it (all three when the
    code sets ``KERAS_BACKEND``), at the versions that built the page, without a local
    label (PyPI has ``torch==2.13.0``, not the ``+cpu`` build on our machines)."""
    distributions = _distributions()
    path = str(app.env.doc2path(docname))
    offered = [_module_file(name).read_text(encoding="utf-8") for name in offered_modules(app, docname)]
    imported = (_imports_of(path) | imported_modules(offered)) - set(app.config.reader_modules)
    names = {dist for module in imported for dist in distributions.get(module, [])}
    if "keras" in names:
        names.add(os.environ.get("KERAS_BACKEND", "tensorflow"))
        if "KERAS_BACKEND" in "\n".join(reader_code(_source_notebook(path))):  # it runs Keras on each backend
            names |= set(BACKEND_NAMES)
    names |= imported - set(distributions) - set(_stdlib())  # imported but not installed here
    pins = []
    for name in sorted(names, key=str.lower):
        try:
            pins.append(f"{name}=={_version(name).split('+')[0]}")
        except metadata.PackageNotFoundError:
            pinned = re.search(rf"^{re.escape(name)}(\[\w+\])?==\S+", Path(app.srcdir, INSTALLED).read_text(), re.M)
            if not pinned:
                raise ExtensionError(f"{docname} imports {name}, which no requirements file pins") from None
            pins.append(pinned.group(0))
    return pins


@cache
def _distributions() -> dict[str, list[str]]:
    """Import name -> distributions (0.4 s to compute: once per build)."""
    return metadata.packages_distributions()


def _stdlib() -> frozenset[str]:
    import sys

    return sys.stdlib_module_names


def _script(notebook: nbformat.NotebookNode, docname: str) -> str:
    """The notebook as a Python script (jupytext's percent format): a cell that raises on
    purpose is wrapped so that the script prints its error and goes on."""
    script = nbformat.from_dict(notebook)
    for number, cell in enumerate(script.cells):
        if cell.cell_type == "code" and "raises-exception" in cell.metadata.get("tags", []):
            strings = [t for t in tokenize.generate_tokens(io.StringIO(cell.source).readline) if t.type == 3]
            if any(t.start[0] != t.end[0] for t in strings):  # indenting would change the string
                raise ExtensionError(f"{docname}, cell {number}: a cell that raises may not hold a multi-line string")
            cell.source = (
                "try:\n"
                + textwrap.indent(cell.source, "    ")
                + "\nexcept Exception as error:  # the page shows this error on purpose\n"
                + '    print(f"{type(error).__name__}: {error}")'
            )
    return jupytext.writes(script, fmt="py:percent")


def _header(app, docname: str, kind: str) -> str:
    """What the download is and what it needs, for its first cell."""
    url = app.config.html_baseurl + app.builder.get_target_uri(docname)
    title = app.env.titles[docname].astext()
    needs = " ".join(_requirements(app, docname))
    lines = [
        f"{title}",
        "",
        f"The code of {url}, as a {kind}."
        + (" The outputs are those the site's build printed." if kind == "notebook" else ""),
        f"It needs Python 3.10 or newer and: pip install {needs}",
    ]
    modules = offered_modules(app, docname)
    if modules:
        files = ", ".join(f"{name}.py" for name in modules)
        lines.append(f"and, in the same folder, {files}, offered for download beside it on that page.")
    return "\n".join(lines)


# --- Build events -----------------------------------------------------------------------


TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
FIGURE = re.compile(r'<img [^>]*src="[^"]*_images/([^"/]+\.svg)"[^>]*>')
#: Matplotlib's SVG size, in points: `<svg ... width="705.6pt" height="280.8pt"`.
SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"')
CODE = re.compile(r'<code class="docutils literal notranslate">(.*?)</code>', re.DOTALL)


def text_of(fragment: str) -> str:
    """An HTML fragment's text, as a reader reads it."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def _label_cells(table: str) -> str:
    """Each body cell of a table gets its column's heading as ``data-label``: on a phone the
    rows stack as cards, each cell under its heading (docs/_static/site.css)."""
    head = re.search(r"<thead>(.*?)</thead>", table, re.DOTALL)
    if not head:
        return table
    labels = [text_of(th) for th in re.findall(r"<th\b[^>]*>(.*?)</th>", head.group(1), re.DOTALL)]

    def label_row(row: re.Match) -> str:
        cells = iter(labels)
        return re.sub(r"<td\b", lambda td: f'<td data-label="{html.escape(next(cells, ""))}"', row.group(0))

    start = head.end()
    return table[:start] + re.sub(r"<tr\b.*?</tr>", label_row, table[start:], flags=re.DOTALL)


def _figure_size(env, name: str) -> tuple[int, int] | None:
    """The size in CSS pixels of the drawn figure the build names ``name`` in _images/, read
    from the SVG the page's execution wrote (a missing file: Sphinx's own warning names it)."""
    for source, (_, unique_name) in env.images.items():
        path = Path(env.srcdir, source)
        if unique_name == name and path.is_file():
            found = SVG_SIZE.search(path.read_text(encoding="utf-8")[:2000])
            return tuple(round(float(points) * 4 / 3) for points in found.groups()) if found else None
    return None


def _for_small_screens(body: str, size_of) -> str:
    """Tables that stack on a phone; shapes that never break inside (``(batch, units)`` is
    one unit: a code span of a tuple gets the class ``shape``); and the drawn figures in a
    box that scrolls sideways, so that a phone shows them at their natural size, where every
    label is at least 12 px (docs/_static/site.css; keras_rnn_returns/diagrams.py). Each
    figure states its ``width`` and ``height`` (``size_of`` its file's name), so the browser keeps its room
    before the file arrives, and nothing below it moves, a section a link points to
    included, when it does."""
    body = TABLE.sub(lambda table: _label_cells(table.group(0)), body)

    def boxed(image: re.Match) -> str:
        tag, size = image.group(0), size_of(image.group(1))
        if size and " width=" not in tag:
            tag = tag.replace("<img ", f'<img width="{size[0]}" height="{size[1]}" ', 1)
        return f'<div class="figure-scroll" tabindex="0">{tag}</div>'

    body = FIGURE.sub(boxed, body)
    return CODE.sub(
        lambda code: (
            code.group(0).replace('literal notranslate"', 'literal notranslate shape"', 1)
            if re.fullmatch(r"\(.*\)", text_of(code.group(1)))
            else code.group(0)
        ),
        body,
    )


def _defer(script):
    """A script file that would stop the parser (Sphinx's, Furo's, copybutton's), deferred:
    they run in the same order once the page is parsed, and Furo's first read of the page's
    layout then comes before the first paint, not after it as a long blocking task."""
    if not getattr(script, "filename", None) or {"async", "defer"} & script.attributes.keys():
        return script
    return type(script)(script.filename, priority=script.priority, **script.attributes, defer="defer")


def _add_page_context(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = _for_small_screens(context["body"], lambda name: _figure_size(app.env, name))
    context["script_files"] = [_defer(script) for script in context.get("script_files", [])]
    if _downloadable(app.env, pagename):
        name = pagename.rsplit("/", 1)[-1]
        context["downloads"] = [
            (f"{name}.ipynb", "Jupyter notebook, with outputs", None),
            (f"{name}.py", "Python script", None),
        ]
        for module in offered_modules(app, pagename):
            source = app.config.reader_modules[module]
            page = None if source == pagename else app.builder.get_relative_uri(pagename, source)
            context["downloads"].append((f"{module}.py", "which this page imports", page))
    # A page's own description (front matter `myst: {html_meta: {description: ...}}`) wins;
    # every other page, genindex and search included, gets the site's.
    if 'name="description"' not in context.get("metatags", ""):
        description = app.config.site_description.replace('"', "&quot;")
        context["metatags"] = context.get("metatags", "") + f'\n    <meta name="description" content="{description}" />'


def _published_outputs(notebook) -> dict[str, object]:
    """Files a page hands to the build: a ``display({"application/json": data}, raw=True,
    metadata={"publish": name})`` output is written to the site's root as ``name``."""
    return {
        output.metadata["publish"]: output.data["application/json"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("metadata", {}).get("publish")
    }


#: Sphinx roles and links between pages, which a notebook or a script cannot follow.
ROLE = re.compile(r"\{(doc|keras-source|not-executed|executed|recorded)\}`([^`]*)`")
PAGE_LINK = re.compile(r"\]\((?![a-z]+:|#)([^)#\s]+)\.md(#[^)\s]*)?\)")
SECTION_LINK = re.compile(r"\]\((#[^)\s]+)\)")


def _for_readers(app, docname: str, markdown: str) -> str:
    """``markdown`` as a download shows it: roles as the text and links the page shows, and
    links to pages and sections as the site's addresses."""
    import importlib.util
    import posixpath

    from citations import source_link
    from provenance import in_words, role_target

    def page_url(target: str) -> str:
        return app.config.html_baseurl + app.builder.get_target_uri(target)

    def role(match: re.Match) -> str:
        kind, content = match.groups()
        if kind in ("executed", "recorded"):
            return in_words(kind, content)[0]
        if kind == "not-executed":
            return "not executed in this build: [{}]({})".format(*in_words(kind, content))
        target = role_target(content)
        title = content[: content.index("<")].strip() if content.strip().endswith(">") and "<" in content else ""
        if kind == "doc":
            linked = posixpath.normpath(posixpath.join(posixpath.dirname(docname), target)).lstrip("/")
            if target.startswith("/"):
                linked = target.lstrip("/")
            return f"[{title or app.env.titles[linked].astext()}]({page_url(linked)})"
        package = Path(importlib.util.find_spec("keras").origin).parent
        url, _ = source_link(target, package.parent, metadata.version("keras"))
        return f"[{title}]({url})"

    def page_link(match: re.Match) -> str:
        linked = posixpath.normpath(posixpath.join(posixpath.dirname(docname), match.group(1)))
        return f"]({page_url(linked)}{match.group(2) or ''})"

    markdown = ROLE.sub(role, markdown)
    markdown = PAGE_LINK.sub(page_link, markdown)
    return SECTION_LINK.sub(lambda match: f"]({page_url(docname)}{match.group(1)})", markdown)


def _write_downloads_and_robots(app, exception) -> None:
    if exception or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    # MyST-NB writes each notebook as it read it (without outputs, when they came from the
    # cache) to its output folder; the execution cache holds the outputs the pages show.
    # Merge them as MyST-NB does, so that readers download what the build showed them.
    config = app.env.mystnb_config
    cache = get_cache(config.execution_cache_path)
    for docname in _notebook_pages(app.env):
        try:
            read = nbformat.read(Path(config.output_folder, f"{docname}.ipynb"), as_version=4)
            _, executed = cache.merge_match_into_notebook(read)
        except (OSError, KeyError):
            logger.warning("no executed notebook for %s to offer as a download", docname, location=docname)
            continue
        for name, data in _published_outputs(executed).items():
            for row in data.get("rows", []) if isinstance(data, dict) else []:  # shapes.json: link text for tools
                if row.get("page") in app.env.titles:
                    row["page_title"] = app.env.titles[row["page"]].astext()
            (outdir / name).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        if not _downloadable(app.env, docname):
            continue
        target = outdir / docname
        target.parent.mkdir(parents=True, exist_ok=True)
        reader = reader_notebook(executed)
        for cell in reader.cells:
            if cell.cell_type == "markdown":
                cell.source = _for_readers(app, docname, cell.source)
        script = nbformat.from_dict(reader)
        for notebook, kind in ((reader, "notebook"), (script, "script")):
            notebook.cells.insert(0, nbformat.v4.new_markdown_cell(_header(app, docname, kind)))
            for number, cell in enumerate(notebook.cells):  # nbformat's ids are random: keep builds identical
                cell.id = f"cell-{number}"
        nbformat.write(reader, target.with_suffix(".ipynb"))
        target.with_suffix(".py").write_text(_script(script, docname), encoding="utf-8")
        for module in offered_modules(app, docname):
            (target.parent / f"{module}.py").write_bytes(_module_file(module).read_bytes())
    # Everything may be crawled, and the sitemap lists every page. It is written from all
    # the pages, not from those this build rewrote (sphinx-sitemap's way, which leaves an
    # incremental build with a sitemap of the changed pages only).
    base = app.config.html_baseurl
    (outdir / "robots.txt").write_text(f"User-agent: *\nAllow: /\n\nSitemap: {base}sitemap.xml\n")
    urls = "".join(
        f"  <url><loc>{escape(base + app.builder.get_target_uri(docname))}</loc></url>\n"
        for docname in sorted(app.env.found_docs)
    )
    (outdir / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


#: What the search index leaves out: headings' ¶ links, the download line, code cells (their
#: names are in the prose that explains them), and cells tagged `not-in-search` (the 96-row
#: table, which would outrank every page that explains a call).
NOT_SEARCHED = ("a.headerlink", "p.page-downloads", ".cell_input", ".tag_not-in-search")


def _index_for_search(app, exception) -> None:
    """Index the built pages with Pagefind into pagefind/, which the search page reads
    (docs/_templates/search.html); the page template marks what is a page's text."""
    if exception or app.builder.format != "html":
        return
    command = [sys.executable, "-m", "pagefind", "--site", str(app.outdir), "--keep-index-url", "--quiet"]
    for selector in NOT_SEARCHED:
        command += ["--exclude-selectors", selector]
    indexed = subprocess.run(command, capture_output=True, text=True, check=False)
    if indexed.returncode:
        raise ExtensionError(f"Pagefind could not index the site (requirements.txt pins it):\n{indexed.stderr}")


def setup(app):
    app.add_config_value("site_description", "", "html", types=frozenset({str}))
    # {module name: the page that shows its source}: the modules readers download.
    app.add_config_value("reader_modules", {}, "html", types=frozenset({dict}))
    app.connect("html-page-context", _add_page_context)
    app.connect("build-finished", _write_downloads_and_robots)
    app.connect("build-finished", _index_for_search)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
