"""The build executes every example, fails loudly, and skips what has not changed."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import EXAMPLES, add_cell, run_nox

from keras_rnn_returns.configurations import CASES


def test_every_example_page_shows_its_executed_output(built_site: Path) -> None:
    for source in EXAMPLES:
        page = (built_site / "examples" / source.name).with_suffix(".html").read_text()
        outputs = re.findall(r'<div class="cell_output docutils container">', page)
        code_cells = source.read_text().count("```{code-cell}")
        # Every code cell prints or displays something, or asserts silently; at least the
        # table of what came back and the version line are outputs on every page.
        assert len(outputs) >= 2, f"{source.name}: {len(outputs)} outputs for {code_cells} code cells"
        if "Returned(" in source.read_text():
            assert "in symbols" in page, f"{source.name} does not show the table of returned tensors"
        assert "Executed with Python" in page, f"{source.name} does not show the versions it ran with"


def test_front_page_leads_to_every_example(built_site: Path) -> None:
    index = (built_site / "index.html").read_text()
    for source in EXAMPLES:
        assert f'href="examples/{source.stem}.html"' in index, f"index.html does not link to {source.stem}"


def test_summary_table_is_generated_for_all_five_cases(built_site: Path) -> None:
    summary = (built_site / "docs" / "summary.html").read_text()
    table = summary.split("<table", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 1 + 5  # a header row and one row per case
    for case in CASES:
        assert f"../{case.page}.html" in table


def test_failing_example_fails_the_build_naming_its_file(project_copy: Path) -> None:
    page = project_copy / "examples" / "lstm-return-state.md"
    add_cell(page, 'raise ValueError("an example that breaks")')

    result = run_nox(project_copy, "docs")

    log = result.stdout + result.stderr
    assert result.returncode != 0, "the build succeeded although an example raised"
    assert "examples/lstm-return-state.md" in log
    assert "an example that breaks" in log  # the failing cell and its error are shown too


def test_cell_tagged_raises_exception_may_raise(project_copy: Path) -> None:
    page = project_copy / "examples" / "lstm-return-state.md"
    add_cell(page, 'raise ValueError("shown to the reader on purpose")', tags=("raises-exception",))

    result = run_nox(project_copy, "docs")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = (project_copy / "_build" / "html" / "examples" / "lstm-return-state.html").read_text()
    assert "shown to the reader on purpose" in html


def test_warning_in_an_example_fails_the_build(project_copy: Path) -> None:
    page = project_copy / "examples" / "lstm-last-output.md"
    add_cell(page, 'import warnings\nwarnings.warn("deprecated call in an example")')

    for attempt in ("first", "second"):  # and it keeps failing until the page is fixed
        result = run_nox(project_copy, "docs")

        assert result.returncode != 0, f"a warning printed by an example did not fail the {attempt} build"
        assert "examples/lstm-last-output.md" in result.stdout + result.stderr


def test_rebuild_without_changes_executes_no_notebook(project_copy: Path) -> None:
    first = run_nox(project_copy, "docs")  # the copy's own Sphinx environment, from the cache
    assert first.returncode == 0, first.stdout[-3000:]
    assert "Executing notebook" not in first.stdout, "the cache copied from the build was not used"

    second = run_nox(project_copy, "docs")

    assert second.returncode == 0, second.stdout[-3000:]
    assert "Executing notebook" not in second.stdout + second.stderr


def test_warning_logged_by_tensorflow_fails_the_build(project_copy: Path) -> None:
    # In a kernel TensorFlow logs to stdout, where nb_output_stderr cannot see it.
    page = project_copy / "examples" / "lstm-last-output.md"
    add_cell(page, 'import tensorflow as tf\ntf.get_logger().warning("5 out of the last 5 calls triggered retracing")')

    result = run_nox(project_copy, "docs")

    log = result.stdout + result.stderr
    assert result.returncode != 0, "a warning logged by TensorFlow did not fail the build"
    assert "lstm-last-output.md" in log and "triggered retracing" in log


def test_prose_edit_executes_nothing_and_code_edit_executes_only_its_page(project_copy: Path) -> None:
    assert run_nox(project_copy, "docs").returncode == 0  # the copy's own Sphinx environment
    prose = project_copy / "examples" / "lstm-return-sequences.md"
    prose.write_text(prose.read_text() + "\nA sentence of prose, no code.\n")

    after_prose = run_nox(project_copy, "docs")

    assert after_prose.returncode == 0, after_prose.stdout[-3000:]
    assert "Executing notebook" not in after_prose.stdout + after_prose.stderr

    add_cell(project_copy / "examples" / "lstm-return-state.md", "# a comment is new code to the cache")

    after_code = run_nox(project_copy, "docs")

    executed = re.findall(r"(\S+\.md): Executing notebook", after_code.stdout + after_code.stderr)
    assert after_code.returncode == 0, after_code.stdout[-3000:]
    assert [Path(page).name for page in executed] == ["lstm-return-state.md"]
