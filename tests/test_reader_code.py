"""Readers run what they read: the code a page shows (its doctest blocks and visible code
cells), pasted in order into a fresh Python in an empty folder, runs and prints what the
page shows; it imports nothing beyond the site's requirements, the standard library and
the modules the page offers for download."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOK_PAGES, ROOT, notebook_id, source_notebook
from execution import READER_MODULES, count_execution
from execution import SHARED_CODE as PROJECT_MODULES
from site_extras import HIDDEN, imported_modules, reader_code, reader_notebook

# Run in a fresh interpreter in the reader's folder: each doctest block is checked as
# `nox -s doctest` checks it, each code cell runs (a raises-exception cell must raise).
# The project is installed in this environment; a finder makes its modules importable
# only as files in the folder, as they are for a reader.
RUNNER = textwrap.dedent(
    """
    import doctest, json, os, sys

    class ReaderFolder:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in PROJECT and not os.path.exists(name.split(".")[0] + ".py"):
                raise ModuleNotFoundError(f"No module named {name!r} (not in the reader's folder)", name=name)

    sys.meta_path.insert(0, ReaderFolder())
    flags = doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL | doctest.DONT_ACCEPT_TRUE_FOR_1
    runner = doctest.DocTestRunner(optionflags=flags)
    namespace = {"__name__": "__main__"}
    for number, (kind, source) in enumerate(json.loads(sys.stdin.read())):
        where = f"{PAGE} [{kind} {number}]"
        if kind == "doctest":
            test = doctest.DocTestParser().get_doctest(source, namespace, where, PAGE, 0)
            if runner.run(test, clear_globs=False).failed:
                sys.exit(f"{where}: the doctest block does not print what the page shows")
        elif kind == "raises":
            try:
                exec(compile(source, where, "exec"), namespace)
            except Exception as error:
                print(f"{where} raised, as the page shows: {type(error).__name__}")
            else:
                sys.exit(f"{where}: a cell the page shows raising ran without an error")
        else:
            exec(compile(source, where, "exec"), namespace)
    """
)


def pasted_pieces(notebook: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What a reader pastes, in order: ("doctest", block) and ("code"/"raises", cell source)."""
    from site_extras import DOCTEST_BLOCK

    pieces = []
    for cell in reader_notebook(notebook).cells:
        if cell.cell_type == "markdown":
            pieces += [("doctest", block) for block in DOCTEST_BLOCK.findall(cell.source)]
        else:
            pieces.append(("raises" if "raises-exception" in cell.metadata.get("tags", []) else "code", cell.source))
    return pieces


def run_as_pasted(
    notebook: nbformat.NotebookNode, page: str, folder: Path, offered: list[str]
) -> subprocess.CompletedProcess:
    for module in offered:
        (folder / f"{module}.py").write_bytes(Path(__import__(module).__file__).read_bytes())
    program = f"PAGE = {page!r}\nPROJECT = {PROJECT_MODULES!r}\n" + RUNNER
    count_execution(page.removesuffix(".md"), "the reader's code, pasted")
    return subprocess.run(
        [sys.executable, "-c", program],
        input=json.dumps(pasted_pieces(notebook)),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
@pytest.mark.parametrize("page", NOTEBOOK_PAGES, ids=notebook_id)
def test_visible_code_pasted_in_order_runs_in_an_empty_folder(page: Path, tmp_path: Path) -> None:
    notebook = source_notebook(page)
    offered = sorted(set(READER_MODULES) & imported_modules(reader_code(notebook)))

    result = run_as_pasted(notebook, page.relative_to(ROOT).as_posix(), tmp_path, offered)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def disallowed_imports(notebook: nbformat.NotebookNode, offered: set[str]) -> set[str]:
    """What the reader's code imports beyond the standard library, the site's pinned
    requirements (requirements-backends.txt: requirements.txt, JAX and PyTorch) and ``offered``."""
    from importlib import metadata

    pinned = {
        line.split("==")[0].split("[")[0].strip().lower().replace("_", "-")
        for name in ("requirements.txt", "requirements-backends.txt")
        for line in (ROOT / name).read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
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
    wrong = run_as_pasted(notebook, "planted.md", tmp_path, [])
    assert wrong.returncode != 0 and "does not print what the page shows" in wrong.stderr

    quiet = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["raises-exception"]})]
    )
    result = run_as_pasted(quiet, "planted.md", tmp_path, [])
    assert result.returncode != 0 and "ran without an error" in result.stderr


def test_pasted_code_cannot_import_the_sites_package(tmp_path: Path) -> None:
    notebook = planted("from keras_rnn_returns.show import Returned")
    result = run_as_pasted(notebook, "planted.md", tmp_path, [])
    assert result.returncode != 0 and "not in the reader's folder" in result.stderr
