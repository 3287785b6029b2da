"""`nox -s doctest` keeps the shapes printed on the pages current."""

from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLES, run_nox


def test_every_example_pins_its_shapes_in_a_doctest() -> None:
    for source in EXAMPLES:
        assert "```{doctest}" in source.read_text(), f"{source.name} has no doctest block"


def test_mistyped_doctest_shape_fails_the_doctest_session(project_copy: Path) -> None:
    page = project_copy / "examples" / "lstm-return-state.md"
    text = page.read_text()
    right = "(1, 4) (1, 4) (1, 4)\n```"
    assert text.count(right) == 1, "the doctest this test edits has moved; update the test"
    page.write_text(text.replace(right, "(1, 4) (1, 4) (1, 5)\n```"))

    result = run_nox(project_copy, "doctest")

    log = result.stdout + result.stderr
    assert result.returncode != 0, "a wrong shape in a doctest passed"
    assert "lstm-return-state" in log
    assert "(1, 4) (1, 4) (1, 5)" in log  # the expected line is reported next to what Keras printed
