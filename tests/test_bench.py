"""`nox -s bench` compares the build with the examples' code run as plain scripts; those
scripts must run what the build runs, no more and no less."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench import notebook_script
from building import add_cell


def test_floor_script_skips_what_the_build_skips_and_goes_on_after_expected_errors(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("---\nfile_format: mystnb\nkernelspec:\n  name: python3\n---\n\n# A page\n")
    add_cell(page, 'print("first")')
    add_cell(page, 'raise RuntimeError("the build skips this cell")', tags=("skip-execution",))
    add_cell(page, 'text = "two\\nlines"\nraise ValueError("shown on purpose")', tags=("raises-exception",))
    add_cell(page, 'display(text)\nassert str(sys.last_value) == "shown on purpose"\nprint("last")')

    result = subprocess.run([sys.executable, "-c", notebook_script(page)], capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n") == ["first", "ValueError: shown on purpose", "two", "lines", "last", ""]


def test_the_benchmarks_code_edit_leaves_no_backend_record_stale(tmp_path: Path) -> None:
    """The code-edit phase changes a cell the JAX and PyTorch records hold; their source hashes
    must follow it, or the build warns that they are stale and -W fails the phase."""
    import json
    import shutil

    import jupytext
    from bench import EDITED_PAGE, ROOT, refresh_records

    from site_build.differences import RECORD, source_hash

    shutil.copytree(RECORD, tmp_path / RECORD.relative_to(ROOT))
    before = (ROOT / EDITED_PAGE).read_text(encoding="utf-8")
    end_of_cell = before.index("\n```", before.rindex("```{code-cell}"))  # a comment in the last code cell
    after = before[:end_of_cell] + "\n# edited" + before[end_of_cell:]

    refresh_records(tmp_path, EDITED_PAGE, before, after)

    hashes = {index: source_hash(cell.source) for index, cell in enumerate(jupytext.reads(after, "md:myst").cells)}
    docname = EDITED_PAGE.with_suffix("").as_posix()
    records = list((tmp_path / RECORD.relative_to(ROOT)).glob("*.json"))
    assert records
    for path in records:
        cells = json.loads(path.read_text(encoding="utf-8"))["pages"][docname]
        stale = [cell["index"] for cell in cells if cell["source"] != hashes[cell["index"]]]
        assert not stale, f"{path.name}: cells {stale} keep the hash of the code before the edit"
