"""Downloads run anywhere: every page's .ipynb executes in a Jupyter kernel and prints what
the page showed, and its .py runs with python, each in an empty folder holding only what
that page offers for download, with the site's requirements."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import NOTEBOOK_PAGES, ROOT, download_links, downloadable, notebook_id
from execution import READER_MODULES, count_execution
from site_extras import imported_modules

PAGES = [page for page in NOTEBOOK_PAGES if downloadable(page)]
pytestmark = pytest.mark.slow


def reader_folder(built_site: Path, page: Path, folder: Path) -> Path:
    """An empty folder with what the built page offers for download, as a reader saves it."""
    html = built_site / page.relative_to(ROOT).with_suffix(".html")
    for link in download_links(html):
        shutil.copy(html.parent / link, folder / link)
    return folder


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
        elif output.output_type in ("execute_result", "display_data"):
            data = output.get("data", {})
            texts.append((output.output_type, data.get("text/markdown") or data.get("text/plain", "")))
        elif output.output_type == "error":
            texts.append(("error", f"{output.ename}: {output.evalue}"))
    return [(kind, re.sub(r"0x[0-9a-f]+", "0x…", text)) for kind, text in texts]


@pytest.mark.parametrize("page", PAGES, ids=notebook_id)
def test_notebook_download_runs_in_an_empty_folder_and_prints_what_the_page_showed(
    built_site: Path, page: Path, tmp_path: Path
) -> None:
    from nbclient import NotebookClient

    folder = reader_folder(built_site, page, tmp_path)
    downloaded = nbformat.read(folder / f"{page.stem}.ipynb", as_version=4)
    executed = nbformat.from_dict(downloaded)

    # The kernel named in the notebook, as Jupyter finds it for a reader: this Python's ipykernel.
    count_execution(notebook_id(page), "the .ipynb download")
    NotebookClient(executed, timeout=600, resources={"metadata": {"path": str(folder)}}).execute()

    for number, (before, after) in enumerate(zip(downloaded.cells, executed.cells, strict=True)):
        if before.cell_type == "code" and before.outputs:  # cells the build skipped have none to compare
            assert shown(after.outputs) == shown(before.outputs), f"{page.name}, cell {number}"


@pytest.mark.parametrize("page", PAGES, ids=notebook_id)
def test_script_download_runs_with_python_in_an_empty_folder(built_site: Path, page: Path, tmp_path: Path) -> None:
    folder = reader_folder(built_site, page, tmp_path)
    count_execution(notebook_id(page), "the .py download")
    result = subprocess.run(
        [sys.executable, f"{page.stem}.py"], cwd=folder, capture_output=True, text=True, timeout=600
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if "raises-exception" in (folder / f"{page.stem}.py").read_text():
        assert "Error:" in result.stdout, "a cell that raises on purpose printed no error"


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
        for module in set(READER_MODULES) & imported_modules([code]):
            assert f"{module}.py" in header, f"{page.name} does not say it needs {module}.py beside it"
        script = (folder / f"{page.stem}.py").read_text()
        assert header.splitlines()[0] in script.split("\n# %%", 2)[1], f"{page.name}.py lacks the header"
