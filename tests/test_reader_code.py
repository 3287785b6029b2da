"""Readers run what they read: the code a page shows (its visible code cells, in order, and
its doctest blocks), pasted into a fresh Python in an empty folder holding only what the
page offers for download, runs and prints what the page showed: the same numbers the
build printed, so a page that is not deterministic fails here. That one run checks both
downloads too: the .ipynb is those cells with the build's outputs, and the .py is those
cells (test_downloads.py checks both are, without running them). The code imports
nothing beyond the site's requirements, the standard library and the offered modules."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from executions import count_execution
from site_pages import NOTEBOOK_PAGES, download_links, downloadable, notebook_id, source_notebook

from site_build.execution import READER_MODULES
from site_build.execution import SHARED_CODE as PROJECT_MODULES
from site_build.project import ROOT
from site_build.reader_code import HIDDEN, imported_modules, pasted_pieces, reader_code, runs_on

# Run in a fresh interpreter in the reader's folder: each doctest block is checked as
# `nox -s doctest` checks it, each code cell runs (a raises-exception cell must raise), and
# what each cell prints, and the value of its last line, are written out for comparison
# with what the page showed. The project is installed in this environment; a finder makes
# its modules importable only as files in the folder, as they are for a reader.
RUNNER = textwrap.dedent(
    """
    import ast, contextlib, doctest, io, json, os, sys
    from IPython.lib.pretty import pretty

    class ReaderFolder:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in PROJECT and not os.path.exists(name.split(".")[0] + ".py"):
                raise ModuleNotFoundError(f"No module named {name!r} (not in the reader's folder)", name=name)

    sys.meta_path.insert(0, ReaderFolder())
    flags = doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL | doctest.DONT_ACCEPT_TRUE_FOR_1
    runner = doctest.DocTestRunner(optionflags=flags)
    namespace, doctests = {"__name__": "__main__"}, {"__name__": "__main__"}
    shown = []  # per code cell: [kind, text] pairs, as a notebook shows them
    pieces = list(enumerate(json.loads(sys.stdin.read())))
    # The code cells first, as the notebook and the script run them (Keras numbers its layers'
    # names as it makes them); then the doctest blocks, in a namespace of their own, as the
    # doctest check runs them.
    for number, (kind, source) in [piece for piece in pieces if piece[1][0] != "doctest"] + [
        piece for piece in pieces if piece[1][0] == "doctest"
    ]:
        where = f"{PAGE} [{kind} {number}]"
        if kind == "doctest":
            test = doctest.DocTestParser().get_doctest(source, doctests, where, PAGE, 0)
            if runner.run(test, clear_globs=False).failed:
                sys.exit(f"{where}: the doctest block does not print what the page shows")
            continue
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        printed, outputs, value = io.StringIO(), [], None
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(ast.Module(tree.body, type_ignores=[]), where, "exec"), namespace)
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), where, "eval"), namespace)
        except Exception as error:
            if kind != "raises":
                raise
            error_shown = ["error", f"{type(error).__name__}: {error}"]
        else:
            if kind == "raises" and STRICT:
                sys.exit(f"{where}: a cell the page shows raising ran without an error")
            error_shown = None
        if printed.getvalue():
            outputs.append(["stdout", printed.getvalue()])
        if value is not None:
            outputs.append(["execute_result", pretty(value)])
        if error_shown:
            outputs.append(error_shown)
        shown.append(outputs)
    with open(RESULT, "w") as file:
        json.dump(shown, file)
    """
)


def run_as_pasted(
    notebook: nbformat.NotebookNode, page: str, folder: Path, offered: list[str], backend: str | None = None
) -> tuple[subprocess.CompletedProcess, list]:
    """Run ``notebook``'s pasted pieces in ``folder`` (with ``offered`` modules beside them);
    the process, and what each code cell showed. On another ``backend`` than the page's
    build, a cell the page shows raising may run without an error, as the .py lets it."""
    for module in offered:
        if not (folder / f"{module}.py").exists():
            shutil.copy(Path(__import__(module).__file__), folder / f"{module}.py")
    result = folder / ".shown.json"
    strict = backend is None
    program = f"PAGE = {page!r}\nPROJECT = {PROJECT_MODULES!r}\nRESULT = {str(result)!r}\nSTRICT = {strict}\n" + RUNNER
    done = subprocess.run(
        [sys.executable, "-c", program],
        input=json.dumps(pasted_pieces(notebook)),
        cwd=folder,
        env={**os.environ, "KERAS_BACKEND": backend} if backend else None,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done, (json.loads(result.read_text()) if result.exists() else [])


def shown(outputs: list) -> list[tuple[str, str]]:
    """What a cell's outputs show a reader, without what differs between two runs of the same
    code: stderr (a kernel's start-up lines), how printed text was cut into chunks, and
    object addresses in reprs."""
    texts = []
    for output in outputs:
        if output.output_type == "stream" and output.name == "stdout":
            if texts and texts[-1][0] == "stdout":
                texts[-1] = ("stdout", texts[-1][1] + output.text)
            else:
                texts.append(("stdout", output.text))
        elif output.output_type == "execute_result":
            texts.append(("execute_result", output.get("data", {}).get("text/plain", "")))
        elif output.output_type == "error":
            texts.append(("error", f"{output.ename}: {output.evalue}"))
    return [(kind, re.sub(r"0x[0-9a-f]+", "0x…", text)) for kind, text in texts]


def reader_folder(built_site: Path, page: Path, folder: Path) -> Path:
    """An empty folder with what the built page offers for download, as a reader saves it."""
    html = built_site / page.relative_to(ROOT).with_suffix(".html")
    for link in download_links(html):
        shutil.copy(html.parent / link, folder / link)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("page", [page for page in NOTEBOOK_PAGES if downloadable(page)], ids=notebook_id)
def test_the_readers_code_runs_in_an_empty_folder_and_prints_what_the_page_showed(
    built_site: Path, page: Path, tmp_path: Path
) -> None:
    folder = reader_folder(built_site, page, tmp_path)
    downloaded = nbformat.read(folder / f"{page.stem}.ipynb", as_version=4)  # the cells, with the build's outputs
    count_execution(notebook_id(page), "the reader's code (pasted, .ipynb and .py in one)")

    done, printed = run_as_pasted(downloaded, page.relative_to(ROOT).as_posix(), folder, [])

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    cells = [cell for cell in downloaded.cells if cell.cell_type == "code"]
    assert len(printed) == len(cells)
    for number, (cell, got) in enumerate(zip(cells, printed, strict=True)):
        normal = [(kind, re.sub(r"0x[0-9a-f]+", "0x…", text)) for kind, text in got]
        assert normal == shown(cell.outputs), f"{page.name}, code cell {number}: prints other than the page"


#: The backend this session's Keras runs on: `nox -s backends` sets it (the build's is TensorFlow).
BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")


@pytest.mark.slow
@pytest.mark.skipif(BACKEND == "tensorflow", reason="on TensorFlow, the test above runs this code and compares it")
@pytest.mark.parametrize("page", [page for page in NOTEBOOK_PAGES if downloadable(page)], ids=notebook_id)
def test_the_readers_code_runs_on_the_backend_they_use(page: Path, tmp_path: Path) -> None:
    """The code of every page runs on each backend its downloads say it runs on (the .py's
    cells, as pasted; its doctests print the shapes the page shows), in an empty folder
    with the modules it offers: `nox -s backends` runs this on JAX and PyTorch. A cell the
    page shows raising may run without an error there, as the .py lets it."""
    notebook = source_notebook(page)
    if BACKEND not in runs_on(notebook):
        pytest.skip(f"{page.name}'s front matter says its code needs {runs_on(notebook)}")
    offered = sorted(set(READER_MODULES) & imported_modules(reader_code(notebook)))
    count_execution(notebook_id(page), "the reader's code, as its .py runs it")

    done, _ = run_as_pasted(notebook, page.relative_to(ROOT).as_posix(), tmp_path, offered, backend=BACKEND)

    assert done.returncode == 0, f"{page.name} on {BACKEND}:\n" + done.stdout[-3000:] + done.stderr[-3000:]


def test_a_page_names_the_backends_its_code_needs_in_its_front_matter() -> None:
    page = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import tensorflow as tf")])
    assert runs_on(page) == ["tensorflow", "jax", "torch"]  # unless it says otherwise, every backend
    page.metadata["keras_backends"] = ["tensorflow"]
    assert runs_on(page) == ["tensorflow"]
    page.metadata["keras_backends"] = ["theano"]
    with pytest.raises(ValueError, match="keras_backends"):
        runs_on(page)


def disallowed_imports(notebook: nbformat.NotebookNode, offered: set[str]) -> set[str]:
    """What the reader's code imports beyond the standard library, the site's pinned
    requirements (requirements.txt, JAX's included, and PyTorch's requirements-backends.txt) and ``offered``."""
    from importlib import metadata

    from site_build.project import INSTALLED, REQUIREMENTS, requirement_lines

    pinned = set(requirement_lines(REQUIREMENTS, INSTALLED))
    distributions = metadata.packages_distributions()

    def allowed(module: str) -> bool:
        if module in sys.stdlib_module_names or module in offered:
            return True
        names = distributions.get(module, [module])
        return any(name.lower().replace("_", "-") in pinned for name in names) and module not in PROJECT_MODULES

    return {module for module in imported_modules(reader_code(notebook)) if not allowed(module)}


@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=notebook_id)
def test_visible_code_imports_only_requirements_and_offered_modules(page: Path) -> None:
    notebook = source_notebook(page)
    offered = set(READER_MODULES) & imported_modules(reader_code(notebook))
    assert not disallowed_imports(notebook, offered), f"{page.name}: readers cannot import these"


def planted(source: str, tags: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(tags)} if tags else {})
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import json"), cell])


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from keras_rnn_returns.show import Returned", {"keras_rnn_returns"}),
        ("import rnn_helpers", {"rnn_helpers"}),
        ("from numpy_rnn import rnn", {"numpy_rnn"}),  # not offered by this page
        ("import pandas", {"pandas"}),  # not among the site's requirements
    ],
)
def test_import_check_catches_a_planted_import(source: str, caught: set[str]) -> None:
    assert disallowed_imports(planted(source), offered=set()) == caught
    # A hidden cell may import the site's package: readers never see it.
    assert not disallowed_imports(planted(source, tags=(sorted(HIDDEN)[0],)), offered=set())


def test_import_check_allows_the_standard_library_requirements_and_offered_modules() -> None:
    allowed = (
        "import itertools\nimport tensorflow as tf\nfrom IPython.display import Markdown\nfrom numpy_rnn import rnn"
    )
    assert not disallowed_imports(planted(allowed), offered={"numpy_rnn"})


def test_pasted_code_fails_on_a_wrong_doctest_or_a_cell_that_should_raise(tmp_path: Path) -> None:
    doctest_block = "```{doctest}\n>>> print((1, 2))\n(1, 3)\n```\n"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(doctest_block)])
    wrong, _ = run_as_pasted(notebook, "planted.md", tmp_path, [])
    assert wrong.returncode != 0 and "does not print what the page shows" in wrong.stderr

    quiet = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["raises-exception"]})]
    )
    result, _ = run_as_pasted(quiet, "planted.md", tmp_path, [])
    assert result.returncode != 0 and "ran without an error" in result.stderr


def test_pasted_code_cannot_import_the_sites_package(tmp_path: Path) -> None:
    notebook = planted("from keras_rnn_returns.show import Returned")
    result, _ = run_as_pasted(notebook, "planted.md", tmp_path, [])
    assert result.returncode != 0 and "not in the reader's folder" in result.stderr


def test_the_pasted_pieces_are_the_doctest_blocks_myst_parses_not_ones_shown_as_text() -> None:
    """Doctest blocks are found as MyST parses the page: one in a four-backtick fence counts,
    and one shown as an example inside another fence is text, not code a reader runs."""
    cell = (
        "````{doctest}\n>>> 1 + 1\n2\n````\n\n"
        "How a page writes one:\n\n"
        "`````markdown\n```{doctest}\n>>> raise SystemExit\n```\n`````\n"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(cell)])
    assert pasted_pieces(notebook) == [("doctest", ">>> 1 + 1\n2\n")]
