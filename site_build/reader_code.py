"""The reader's code of a page, in one place for the build (its downloads), the benchmark
and the tests: which pages are notebooks, what code a reader sees on one (its visible code
cells and doctest blocks, in order), what that code imports, and the page as a script.

A download holds the code a reader sees and nothing else: code cells hidden from readers
(``remove-input``, ``remove-cell``: result tables, pictures, version lines, checks of error
messages) are left out, so it runs in an empty folder with the site's requirements and the
modules the page offers beside it.
"""

from __future__ import annotations

import ast
import doctest
import io
import re
import textwrap
import tokenize
from functools import cache
from pathlib import Path

import jupytext
import nbformat

from site_build.parsing import directives

#: Tags of code cells readers do not see: presentation and build checks, never their code.
HIDDEN = {"remove-cell", "remove-input"}
#: How a notebook page starts: MyST-NB reads a page with a jupytext header as a notebook.
NOTEBOOK_HEADER = "---\njupytext:"
#: An author's note on an assertion, naming the words of the page's answer it proves
#: (tests/test_examples.py reads them from the page's source); readers never see it.
ANSWER_MARKER = re.compile(r"\s*#\s*answer:.*")


#: What the front matter of a page whose code needs some of Keras's backends lists them under
#: (``keras_backends: [tensorflow]``, a page that calls TensorFlow itself); a page without it
#: runs on all three, and ``nox -s backends`` runs its reader's code on each.
BACKENDS_KEY = "keras_backends"


def runs_on(notebook: nbformat.NotebookNode) -> list[str]:
    """The Keras backends (as ``KERAS_BACKEND`` names them) a page's reader code runs on."""
    from keras_rnn_returns.show import BACKEND_NAMES

    named = notebook.metadata.get(BACKENDS_KEY, list(BACKEND_NAMES))
    unknown = set(named) - set(BACKEND_NAMES)
    if unknown or not named:
        raise ValueError(f"{BACKENDS_KEY}: {named!r} is not a list of {sorted(BACKEND_NAMES)}")
    return [backend for backend in BACKEND_NAMES if backend in named]


def is_notebook_page(path: Path) -> bool:
    """Whether the build executes the page at ``path`` (a jupytext header), and so may offer it for download."""
    return path.suffix == ".md" and path.read_text(encoding="utf-8").startswith(NOTEBOOK_HEADER)


def notebook_pages(project: Path) -> list[Path]:
    """The notebook pages of the site (or a copy of it) in ``project``."""
    return sorted(
        page for folder in ("examples", "docs") for page in (project / folder).glob("*.md") if is_notebook_page(page)
    )


@cache
def _read(path: str, text: str) -> nbformat.NotebookNode:
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(text, path=path)


def source_notebook(path: Path | str) -> nbformat.NotebookNode:
    """A MyST notebook page, read as the build reads it (a copy: callers may change it)."""
    path = Path(path)
    return nbformat.from_dict(_read(str(path), path.read_text(encoding="utf-8")))


def without_markers(source: str) -> str:
    """``source`` without the authors' ``# answer:`` comments, as readers see it (a comment
    token only: the same words in a string stay)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):  # not Python: nothing to take out
        return source
    lines = source.splitlines(keepends=True)
    for token in reversed(tokens):
        found = ANSWER_MARKER.search(token.string) if token.type == tokenize.COMMENT else None
        if found:
            row, start = token.start[0] - 1, token.start[1] + found.start()
            line = lines[row]
            end = "\n" if line.endswith("\n") else ""
            kept = line[:start].rstrip()
            lines[row] = kept + end if kept else ""
    return "".join(lines)


def reader_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` as readers get it: without the cells hidden from them, without the authors'
    markers, and with every cell they see runnable (the build skips a ``skip-execution`` cell,
    a reader does not)."""
    reader = nbformat.from_dict(notebook)  # a deep copy
    reader.cells = [
        cell for cell in reader.cells if cell.cell_type != "code" or not HIDDEN & set(cell.metadata.get("tags", []))
    ]
    for cell in reader.cells:
        if cell.cell_type == "code":
            cell.source = without_markers(cell.source)
        if cell.cell_type == "markdown":  # the page shows a file's source; the reader has the file
            lines = cell.source.splitlines(keepends=True)
            for block in reversed(directives(cell.source, "literalinclude")):
                name = Path(block.info.split(maxsplit=1)[1]).name
                start, end = block.map
                ending = "\n" if lines[end - 1].endswith("\n") else ""  # the fence may end the cell
                lines[start:end] = [f"(The page shows the source of `{name}` here: the file beside this one.){ending}"]
            cell.source = "".join(lines)
        tags = [tag for tag in cell.metadata.get("tags", []) if tag != "skip-execution"]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
    return reader


def build_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` as the build executes it: every code cell, hidden or not, but those tagged ``skip-execution``."""
    built = nbformat.from_dict(notebook)
    built.cells = [cell for cell in built.cells if "skip-execution" not in cell.metadata.get("tags", [])]
    return built


def pasted_pieces(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What a reader pastes, in order: ("doctest", block) and ("code" or "raises", a cell's source)."""
    pieces = []
    for cell in reader_notebook(notebook).cells:
        if cell.cell_type == "markdown":
            pieces += [("doctest", block.content) for block in directives(cell.source, "doctest")]
        else:
            pieces.append(("raises" if "raises-exception" in cell.metadata.get("tags", []) else "code", cell.source))
    return pieces


def reader_code(notebook: nbformat.NotebookNode) -> list[str]:
    """Every piece of code a reader sees on the page, in order (doctest blocks without their prompts)."""
    parser = doctest.DocTestParser()
    return [
        "".join(example.source for example in parser.get_examples(source)) if kind == "doctest" else source
        for kind, source in pasted_pieces(notebook)
    ]


def has_reader_code(notebook: nbformat.NotebookNode) -> bool:
    """Whether readers see any code cell: a page whose code is all presentation (a generated
    table) offers nothing to download."""
    return any(cell.cell_type == "code" for cell in reader_notebook(notebook).cells)


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


class MultiLineStringInRaisingCell(ValueError):
    """A cell that raises on purpose cannot become a script: indenting it would change a string."""


def script(notebook: nbformat.NotebookNode, *, keep_error: bool = False) -> str:
    """``notebook``'s cells as a Python script (jupytext's percent format) that runs as the
    notebook does: a cell that raises on purpose is wrapped to print its error and go on.
    ``keep_error``: also keep that error where a kernel does (``sys.last_value``), for a
    later cell that checks it, and import ``display``, a kernel's builtin."""
    script = nbformat.from_dict(notebook)
    for number, cell in enumerate(script.cells):
        if cell.cell_type == "code" and "raises-exception" in cell.metadata.get("tags", []):
            strings = [
                t for t in tokenize.generate_tokens(io.StringIO(cell.source).readline) if t.type == tokenize.STRING
            ]
            if any(t.start[0] != t.end[0] for t in strings):
                raise MultiLineStringInRaisingCell(
                    f"cell {number}: a cell that raises may not hold a multi-line string"
                )
            cell.source = (
                "try:\n"
                + textwrap.indent(cell.source, "    ")
                + "\nexcept Exception as error:  # the page shows this error on purpose\n"
                + '    print(f"{type(error).__name__}: {error}")'
                + ("\n    sys.last_value = error" if keep_error else "")
            )
    if keep_error:
        script.cells.insert(0, nbformat.v4.new_code_cell("import sys\n\nfrom IPython.display import display"))
    return jupytext.writes(script, fmt="py:percent")
