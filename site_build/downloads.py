"""Each notebook page's code to download: an .ipynb with the outputs the build executed, a
.py, and the reference modules the page imports, written beside the page and linked above
its first heading and first in "On this page". What they hold is the reader's code of the
page (reader_code.py), which is what the page shows (no authors' markers in either);
tests/test_downloads.py and tests/test_reader_code.py check it."""

from __future__ import annotations

import html
import importlib.util
import os
import posixpath
import re
from functools import cache
from importlib import metadata
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup
from docutils import nodes
from jupyter_cache import get_cache
from sphinx.errors import ExtensionError
from sphinx.util import logging

from keras_rnn_returns.releases import CHANGES
from keras_rnn_returns.show import BACKEND_NAMES
from site_build.differences import label as differences_label
from site_build.project import INSTALLED, REQUIREMENTS, normalized, requirement_lines
from site_build.reader_code import (
    HIDDEN,
    MultiLineStringInRaisingCell,
    has_reader_code,
    imported_modules,
    is_notebook_page,
    reader_code,
    reader_notebook,
    runs_on,
    script,
    source_notebook,
    without_markers,
)
from site_build.small_screens import NARROW as NARROW_LAYOUT

logger = logging.getLogger(__name__)

#: Sphinx roles and links between pages, which a notebook or a script cannot follow.
ROLE = re.compile(r"\{(doc|keras-source|not-executed|executed|recorded|since|scope)\}`([^`]*)`")
PAGE_LINK = re.compile(r"\]\((?![a-z]+:|#)([^)#\s]+)\.md(#[^)\s]*)?\)")
SECTION_LINK = re.compile(r"\]\((#[^)\s]+)\)")
#: A probe's table (site_build/history.py), which a download links to instead.
PROBE_TABLE = re.compile(r"^```\{probe\} ([\w-]+)\n```\n?", re.MULTILINE)


def downloadable(app, docname: str) -> bool:
    """Notebook pages with code that readers see are offered for download."""
    path = Path(app.env.doc2path(docname))
    return is_notebook_page(path) and has_reader_code(source_notebook(path))


@cache
def _imports_of(path: str) -> frozenset[str]:
    """What the reader's code of the page at ``path`` imports."""
    return frozenset(imported_modules(reader_code(source_notebook(path))))


def offered_modules(app, docname: str) -> list[str]:
    """The reference modules (conf.py's ``reader_modules``) that a page's reader code imports:
    the page offers each for download, beside its own code."""
    imported = _imports_of(str(app.env.doc2path(docname)))
    return sorted(name for name in app.config.reader_modules if name in imported)


def _module_file(name: str) -> Path:
    return Path(importlib.util.find_spec(name).origin)


_version = cache(metadata.version)  # reading a distribution's metadata is slow: once each
_distributions = cache(metadata.packages_distributions)  # import name -> distributions: 0.4 s, once


def needed(app, docname: str) -> list[str]:
    """The distributions the page's reader code needs: what it and the modules it offers
    import, and the Keras backend that executed it (all three when the code sets
    ``KERAS_BACKEND``)."""
    import sys

    distributions = _distributions()
    path = str(app.env.doc2path(docname))
    offered = [_module_file(name).read_text(encoding="utf-8") for name in offered_modules(app, docname)]
    imported = (_imports_of(path) | imported_modules(offered)) - set(app.config.reader_modules)
    names = {dist for module in imported for dist in distributions.get(module, [])}
    if "keras" in names:
        names.add(os.environ.get("KERAS_BACKEND", "tensorflow"))
        if "KERAS_BACKEND" in "\n".join(reader_code(source_notebook(path))):  # it runs Keras on each backend
            names |= set(BACKEND_NAMES)
    names |= imported - set(distributions) - set(sys.stdlib_module_names)  # imported but not installed here
    return sorted(names, key=str.lower)


def requirements(app, docname: str) -> list[str]:
    """The pins of what the page needs, for every Python the site supports: the lines of
    requirements.txt (the site's lock) and requirements-backends.txt (PyTorch), each with the marker that names its
    Pythons where the pins differ by Python (numpy==2.2.6 on 3.10, 2.4.6 on 3.11, ...)."""
    lines = requirement_lines(REQUIREMENTS, INSTALLED)
    found = []
    for name in needed(app, docname):
        if normalized(name) not in lines:
            raise ExtensionError(f"{docname} imports {name}, which no requirements file pins")
        found += lines[normalized(name)]
    return found


def _quoted(requirement: str) -> str:
    """A requirement as one shell word: a marker's spaces and single quotes inside double quotes."""
    return f'"{requirement}"' if " " in requirement else requirement


def executed_with(app, docname: str) -> str:
    """The versions that executed the page, as pip names them (without a local label such
    as torch's ``+cpu``)."""
    import platform

    versions = ", ".join(f"{name}=={_version(name).split('+')[0]}" for name in needed(app, docname))
    return f"Python {platform.python_version()}, {versions}"


def backends_line(app, docname: str) -> str:
    """Which of Keras's backends the page's code runs on, as its downloads say:
    ``nox -s backends`` runs the code on each (tests/test_reader_code.py)."""
    names = [BACKEND_NAMES[backend] for backend in runs_on(source_notebook(Path(app.env.doc2path(docname))))]
    if len(names) == len(BACKEND_NAMES):
        return "Its code runs on each of Keras's backends: TensorFlow, JAX and PyTorch."
    return f"Its code needs Keras's {' or '.join(names)} backend."


def _header(app, docname: str, kind: str) -> str:
    """What the download is and what it needs, for its first cell."""
    url = app.config.html_baseurl + app.builder.get_target_uri(docname)
    lines = [
        app.env.titles[docname].astext(),
        "",
        f"The code of {url}, as a {kind}."
        + (
            " The outputs are those the site's build printed; the tables, figures and version line"
            " between the cells are the page's, made by code it does not show."
            if kind == "notebook"
            else ""
        ),
        "It needs Python 3.10 to 3.13 and these pins, each for the Pythons its marker names (as in the site's"
        f" requirements.txt): pip install {' '.join(_quoted(line) for line in requirements(app, docname))}",
    ]
    modules = offered_modules(app, docname)
    if modules:
        files = ", ".join(f"{name}.py" for name in modules)
        lines.append(f"and, in the same folder, {files}, offered for download beside it on that page.")
    lines.append(f"The build executed it with {executed_with(app, docname)}.")
    lines.append(backends_line(app, docname) + " Keras picks one from KERAS_BACKEND, else from ~/.keras/keras.json.")
    return "\n".join(lines)


def for_readers(app, docname: str, markdown: str) -> str:
    """``markdown`` as a download shows it: roles as the text and links the page shows, and
    links to pages and sections as the site's addresses."""
    from site_build.citations import source_link
    from site_build.provenance import in_words, role_target

    def page_url(target: str) -> str:
        return app.config.html_baseurl + app.builder.get_target_uri(target)

    def role(match: re.Match) -> str:
        kind, content = match.groups()
        if kind in ("executed", "recorded"):
            return in_words(kind, content)[0]
        if kind == "not-executed":
            return "not executed in this build: [{}]({})".format(*in_words(kind, content))
        if kind == "since":  # the release, linked to the site's page of changes
            from site_build.history import PAGE, change_label

            return f"[Keras {CHANGES[content.strip()].first}]({page_url(PAGE)}#{change_label(content.strip())})"
        target = role_target(content)
        title = content[: content.index("<")].strip() if content.strip().endswith(">") and "<" in content else ""
        if kind == "scope":  # the words, linked to the probe's table
            from site_build.history import PAGE, probe_label

            return f"[{title}]({page_url(PAGE)}#{probe_label(target.split()[0])})"
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

    def probe_table(match: re.Match) -> str:  # the table is the site's, from its record
        from site_build.history import PAGE, probe_label

        return f"[The outcome on every backend and release]({page_url(PAGE)}#{probe_label(match.group(1))})\n"

    markdown = PROBE_TABLE.sub(probe_table, markdown)
    markdown = ROLE.sub(role, markdown)
    markdown = PAGE_LINK.sub(page_link, markdown)
    return SECTION_LINK.sub(lambda match: f"]({page_url(docname)}{match.group(1)})", markdown)


def executed_notebooks(app):
    """Each notebook page's docname and its notebook with the outputs the build showed.

    MyST-NB writes each notebook as it read it (without outputs, when they came from the
    cache) to its output folder; the execution cache holds the outputs the pages show.
    Merge them as MyST-NB does, so that readers download what the build showed them."""
    config = app.env.mystnb_config
    cache = get_cache(config.execution_cache_path)
    for docname in sorted(app.env.found_docs):
        if not is_notebook_page(Path(app.env.doc2path(docname))):
            continue
        try:
            read = nbformat.read(Path(config.output_folder, f"{docname}.ipynb"), as_version=4)
            yield docname, cache.merge_match_into_notebook(read)[1]
        except (OSError, KeyError):
            logger.warning("no executed notebook for %s to offer as a download", docname, location=docname)


def write(app, docname: str, executed: nbformat.NotebookNode) -> None:
    """Write the page's downloads beside its HTML."""
    target = Path(app.outdir) / docname
    target.parent.mkdir(parents=True, exist_ok=True)
    reader = reader_notebook(executed)
    for cell in reader.cells:
        if cell.cell_type == "markdown":
            cell.source = for_readers(app, docname, cell.source)
    as_script = nbformat.from_dict(reader)
    reader = with_what_the_page_shows(executed, reader)
    for notebook, kind in ((reader, "notebook"), (as_script, "script")):
        notebook.cells.insert(0, nbformat.v4.new_markdown_cell(_header(app, docname, kind)))
        for number, cell in enumerate(notebook.cells):  # nbformat's ids are random: keep builds identical
            cell.id = f"cell-{number}"
    nbformat.write(reader, target.with_suffix(".ipynb"))
    try:
        target.with_suffix(".py").write_text(script(as_script), encoding="utf-8")
    except MultiLineStringInRaisingCell as error:
        raise ExtensionError(f"{docname}, {error}") from None
    for module in offered_modules(app, docname):
        (target.parent / f"{module}.py").write_bytes(_module_file(module).read_bytes())


def with_what_the_page_shows(executed: nbformat.NotebookNode, reader: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``reader`` (the reader's cells of ``executed``) with what the page shows from the cells
    hidden from readers whose output it shows (``remove-input``): a figure (the wide layout,
    with the page's alt text), a generated table, a table of what a call returned in its text
    form, the line of versions that executed the page; each as a Markdown cell where its cell
    was, so the notebook reads as the page does and runs as the reader's code alone."""
    cells, kept = [], iter(reader.cells)
    for cell in executed.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type != "code" or not HIDDEN & tags:
            cells.append(next(kept))
        elif "remove-input" in tags and "remove-output" not in tags:
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "A figure of the page")
            cells += [shown for output in cell.get("outputs", []) if (shown := _as_markdown(output, alt, len(cells)))]
    assert next(kept, None) is None, "the reader's cells and the executed ones do not match"
    return nbformat.from_dict({**reader, "cells": cells})


def _as_markdown(output: dict, alt: str, number: int) -> nbformat.NotebookNode | None:
    """One output of a hidden cell as a Markdown cell (a figure's narrow layout: none)."""
    if output["output_type"] == "stream":
        return nbformat.v4.new_markdown_cell("```text\n" + output["text"].rstrip() + "\n```")
    data = output.get("data", {})
    if "text/markdown" in data:
        return nbformat.v4.new_markdown_cell(data["text/markdown"])
    for kind, suffix in (("image/svg+xml", "svg"), ("image/png", "png")):
        if kind in data:
            if NARROW_LAYOUT in str(data[kind]):
                return None
            name = f"figure-{number}.{suffix}"
            cell = nbformat.v4.new_markdown_cell(f"![{alt}](attachment:{name})")
            cell.attachments = {name: {kind: data[kind]}}
            return cell
    if "text/plain" in data:
        return nbformat.v4.new_markdown_cell("```text\n" + data["text/plain"].rstrip() + "\n```")
    return None


#: The id of the line that offers a page's downloads, which "On this page" links to.
DOWNLOADS_ID = "downloads"


def _link_downloads(app, pagename, templatename, context, doctree) -> None:
    """Offer the downloads where readers look first: a line above the page's first heading,
    and the first entry of "On this page"."""
    if not downloadable(app, pagename) or "body" not in context:
        return
    name = pagename.rsplit("/", 1)[-1]
    offered = [(f"{name}.ipynb", "Jupyter notebook, with outputs", None), (f"{name}.py", "Python script", None)]
    for module in offered_modules(app, pagename):
        source = app.config.reader_modules[module]
        page = None if source == pagename else app.builder.get_relative_uri(pagename, source)
        offered.append((f"{module}.py", "which this page imports", page))
    links = [
        f'<a href="{html.escape(file)}" download>{html.escape(file)}</a> ({kind}'
        + (f'; <a href="{html.escape(page)}">its source</a>' if page else "")
        + ")"
        for file, kind, page in offered
    ]
    compared = ""  # the page's entry in the backends page's list of differences
    if entry := app.env.get_domain("std").anonlabels.get(differences_label(pagename)):
        uri = app.builder.get_relative_uri(pagename, entry[0]) + f"#{entry[1]}"
        compared = f' <a href="{html.escape(uri)}">What it prints on each</a>.'
    line = (
        f'<p class="page-downloads" id="{DOWNLOADS_ID}">Download this page: {", ".join(links)}. '
        f"{html.escape(backends_line(app, pagename))}{compared}</p>\n"
    )
    context["body"] = line + context["body"]
    if context.get("toc"):
        toc = BeautifulSoup(context["toc"], "html.parser")
        top = toc.find("li")
        if top is not None:
            sections = top.find("ul")
            if sections is None:  # a page without sections: Furo shows no "On this page"; keep it whole
                sections = toc.new_tag("ul")
                top.append(sections)
            entry = toc.new_tag("li")
            entry.append(toc.new_tag("a", attrs={"class": "reference internal", "href": f"#{DOWNLOADS_ID}"}))
            entry.a.string = "Download this page"
            sections.insert(0, entry)
            context["toc"] = toc.decode(formatter="minimal")


def _write_downloads(app, exception) -> None:
    if exception or app.builder.format != "html":
        return
    for docname, executed in executed_notebooks(app):
        if downloadable(app, docname):
            write(app, docname, executed)


def _hide_markers(app, doctree) -> None:
    """The code cells a page shows hold what its downloads hold: no authors' ``# answer:``
    markers (MyST-NB puts a cell's source in a literal block inside its ``cell_input``)."""
    for cell_input in doctree.findall(nodes.container):
        if "cell_input" not in cell_input["classes"]:
            continue
        for block in cell_input.findall(nodes.literal_block):
            shown = without_markers(block.astext())
            if shown != block.astext():
                block.rawsource = shown
                block.clear()
                block += nodes.Text(shown)


def setup(app):
    # {module name: the page that shows its source}: the modules readers download.
    app.add_config_value("reader_modules", {}, "html", types=frozenset({dict}))
    app.connect("doctree-read", _hide_markers)
    app.connect("html-page-context", _link_downloads)
    app.connect("build-finished", _write_downloads)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
