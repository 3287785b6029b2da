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
