"""Downloads hold the page's code and say what it needs: every page's .ipynb is the code
cells a reader sees, with the outputs the build printed, and its .py is the same cells
(a cell that raises on purpose wrapped to print its error and go on). That code runs, in
an empty folder holding only what the page offers, and prints what the page showed:
test_reader_code.py runs it once for all three (pasted, .ipynb and .py)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import jupytext
import nbformat
import pytest
from bs4 import BeautifulSoup
from site_pages import NOTEBOOK_PAGES, downloadable, notebook_id, source_notebook

from keras_rnn_returns.show import BACKEND_NAMES
from site_build.execution import READER_MODULES
from site_build.project import ROOT
from site_build.reader_code import imported_modules, reader_notebook, runs_on

PAGES = [page for page in NOTEBOOK_PAGES if downloadable(page)]


@pytest.mark.parametrize("page", PAGES, ids=notebook_id)
def test_the_notebook_and_the_script_hold_the_code_the_page_shows(built_site: Path, page: Path) -> None:
    folder = built_site / page.relative_to(ROOT).parent
    notebook = nbformat.read(folder / f"{page.stem}.ipynb", as_version=4)
    script = jupytext.read(folder / f"{page.stem}.py", fmt="py:percent")
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]

    shows = [cell.source for cell in reader_notebook(source_notebook(page)).cells if cell.cell_type == "code"]
    assert [cell.source for cell in cells] == shows
    scripted = [cell.source for cell in script.cells if cell.cell_type == "code"]
    expected = [
        f"try:\n{textwrap.indent(cell.source, '    ')}\nexcept Exception"
        if "raises-exception" in cell.metadata.get("tags", [])
        else cell.source
        for cell in cells
    ]
    assert len(scripted) == len(expected)
    for got, want in zip(scripted, expected, strict=True):
        assert got.startswith(want), f"{page.name}.py: a cell is not the page's\n{got[:300]}"


@pytest.mark.parametrize("page", PAGES, ids=notebook_id)
def test_the_downloads_prose_links_to_the_site_not_to_its_sources(built_site: Path, page: Path) -> None:
    folder = built_site / page.relative_to(ROOT).parent
    notebook = nbformat.read(folder / f"{page.stem}.ipynb", as_version=4)
    script = jupytext.read(folder / f"{page.stem}.py", fmt="py:percent")

    for text in (
        "\n".join(cell.source for cell in found.cells if cell.cell_type == "markdown") for found in (notebook, script)
    ):
        assert not re.search(r"\{[a-z-]+\}`", text), f"{page.name}: a Sphinx role a reader cannot follow"
        assert not re.search(r"\]\((?![a-z]+:)[^)]*\.md\b", text), f"{page.name}: a link to a page's source"
        assert not re.search(r"\]\(#", text), f"{page.name}: a link to a section, without its page"


def test_each_download_says_what_it_needs(built_site: Path) -> None:
    for page in PAGES:
        folder = built_site / page.relative_to(ROOT).parent
        notebook = nbformat.read(folder / f"{page.stem}.ipynb", as_version=4)
        header = notebook.cells[0].source
        assert "pip install" in header and "keras==" in header, f"{page.name}: {header}"
        code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
        needs_torch = "import torch" in code or "KERAS_BACKEND" in code  # torch, or every backend
        assert needs_torch == ("torch==" in header), f"{page.name} needs torch and must say so"
        assert ("KERAS_BACKEND" in code) == ("jax==" in header), f"{page.name} needs jax and must say so"
        backends = runs_on(source_notebook(page))  # what tests/test_reader_code.py runs it on
        says = "each of Keras's backends" if len(backends) == 3 else " or ".join(BACKEND_NAMES[b] for b in backends)
        assert says in header, f"{page.name} does not say which backends its code runs on"
        for module in set(READER_MODULES) & imported_modules([code]):
            assert f"{module}.py" in header, f"{page.name} does not say it needs {module}.py beside it"
        script = (folder / f"{page.stem}.py").read_text()
        assert header.splitlines()[0] in script.split("\n# %%", 2)[1], f"{page.name}.py lacks the header"


def install_line(header: str) -> list[str]:
    """The requirements a download's header tells readers to pip install."""
    line = next(line for line in header.splitlines() if "pip install " in line)
    return shlex.split(line.split("pip install ", 1)[1])


@pytest.mark.slow  # it asks PyPI (through uv's cache): seconds
@pytest.mark.parametrize("python", ["3.10", "3.13"])
def test_each_downloads_install_line_resolves_on_the_oldest_and_newest_python(built_site: Path, python: str) -> None:
    """The README supports Python 3.10 to 3.13; the pins the build used (numpy 2.4.6 on 3.11)
    do not all exist for 3.10, so the line carries each pin with the Pythons it is for. Every
    page's pins together are resolved once: a set of exact pins that resolves, resolves
    without some of them (the same versions do)."""
    every = set()
    for page in PAGES:
        notebook = nbformat.read(built_site / page.relative_to(ROOT).with_suffix(".ipynb"), as_version=4)
        every |= set(install_line(notebook.cells[0].source))
    assert any(line.startswith("torch==") for line in every) and any("python_full_version" in line for line in every)
    command = [sys.executable, "-m", "uv", "pip", "compile", "-", "--python-version", python, "--no-header", "-q"]
    done = subprocess.run(command, input="\n".join(sorted(every)), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the downloads' install lines fail on Python {python}:\n{done.stderr[-2000:]}"


def test_an_install_line_pinned_for_one_python_does_not_resolve_on_another() -> None:
    """What the test above guards against: the build's own pins, on Python 3.10."""
    command = [sys.executable, "-m", "uv", "pip", "compile", "-", "--python-version", "3.10", "--no-header", "-q"]
    done = subprocess.run(command, input="numpy==2.4.6\n", capture_output=True, text=True, timeout=600)
    # uv's own reason, not any failure that names numpy (no network is one)
    assert done.returncode != 0 and "numpy==2.4.6 depends on Python>=3.11" in done.stderr, done.stderr


@pytest.mark.parametrize("page", PAGES, ids=notebook_id)
def test_the_notebook_shows_the_pages_figures_tables_of_what_returned_and_version_line(
    built_site: Path, page: Path
) -> None:
    folder = built_site / page.relative_to(ROOT).parent
    notebook = nbformat.read(folder / f"{page.stem}.ipynb", as_version=4)
    shown = BeautifulSoup((folder / f"{page.stem}.html").read_text(encoding="utf-8"), "html.parser")
    markdown = [cell for cell in notebook.cells if cell.cell_type == "markdown"]
    figures = [cell for cell in markdown if cell.get("attachments")]
    # Each figure the page shows from code it does not (a <picture> holds both layouts of one), with its alt text.
    pictures = shown.select(".tag_remove-input .cell_output img")
    assert len(figures) == len({id(image.find_parent("picture") or image) for image in pictures}), page.name
    assert all(cell.source.startswith(f"![{pictures[0]['alt']}") for cell in figures[:1]), page.name
    text = "\n".join(cell.source for cell in markdown)
    assert text.count("#  returned") == len(shown.select(".tag_remove-input table.returned")), page.name
    assert ("Executed with Python" in text) == ("Executed with Python" in shown.get_text()), page.name
