"""The example pages keep the house rules, and their assertions guard what the prose says."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from executions import count_execution
from myst_nb.core.read import read_myst_markdown_notebook
from site_pages import EXAMPLES, NOTEBOOK_PAGES

from keras_rnn_returns.configurations import CASES
from site_build.execution import READER_MODULES
from site_build.project import ROOT
from site_build.reader_code import imported_modules

HEADER_KEYS = ("jupytext:", "kernelspec:", "file_format: mystnb")
READER_SOURCE = ROOT / "keras_rnn_returns" / "reference"
FIVE_CALL_PAGES = [ROOT / f"{case.page}.md" for case in CASES]


def code_cells(page: Path, with_tags: bool = False) -> list:
    """A page's code cells: their sources, or (source, tags) pairs."""
    notebook = read_myst_markdown_notebook(page.read_text(), path=str(page))
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if with_tags:
        return [(cell.source, cell.metadata.get("tags", [])) for cell in cells]
    return [cell.source for cell in cells]


def house_rule_problems(page: Path) -> list[str]:
    """What a page breaks of the rules every example keeps (docs/contributing.md)."""
    text = page.read_text()
    header = text.split("---", 2)[1]
    problems = [f"front matter lacks {key}" for key in HEADER_KEYS if key not in header]
    code = "\n".join(code_cells(page))
    # A page that runs a module it offers (backend_returns.py) may seed there.
    offered = set(READER_MODULES) & imported_modules(code_cells(page))
    code += "".join((READER_SOURCE / f"{name}.py").read_text() for name in sorted(offered))
    if "keras.utils.set_random_seed(0)" not in code:
        problems.append("does not seed its weights")
    if "assert" not in code:
        problems.append("asserts nothing")
    if "predict(" in code and "verbose=0" not in code:
        problems.append("predict() prints timings")
    if "```{doctest}" not in text:
        problems.append("has no doctest block pinning its shapes")
    return problems


def test_every_example_keeps_the_house_rules() -> None:
    problems = {page.name: house_rule_problems(page) for page in EXAMPLES}
    assert not any(problems.values()), {name: found for name, found in problems.items() if found}


def test_house_rules_catch_an_unasserted_claim_and_a_missing_doctest(fixture_site: Path) -> None:
    page = fixture_site / "pages" / "prints.md"
    assert "asserts nothing" not in house_rule_problems(page)
    text, removed = re.subn(r"assert values.shape == \(1, 4\).*\n", "", page.read_text())
    assert removed == 1, "the fixture page's assertion has changed: update this test"
    page.write_text(text.replace("```{doctest}", "```python"))

    assert {"asserts nothing", "has no doctest block pinning its shapes"} <= set(house_rule_problems(page))


#: The input of the five calls most readers start with: one sequence of 3 steps, 3 features.
FIVE_CALLS_INPUT = 'np.array([[0.1, 0.2, 0.99], [0.2, 0.5, 0.1], [0.3, 0.9, 0.65]], dtype="float32").reshape(1, 3, 3)'


def test_five_call_pages_use_the_same_written_out_input_and_units() -> None:
    for page in FIVE_CALL_PAGES:
        code = "\n".join(code_cells(page))
        assert f"data = {FIVE_CALLS_INPUT}" in code, f"{page.name} does not write out the common input"
        assert "LSTM(4" in code or "LSTM(units" in code, f"{page.name} does not use units=4"


def run_cells(page: Path, namespace: dict, cells: list[tuple[str, list[str]]], first: int = 0) -> None:
    """Execute ``cells`` (a page's code cells, from number ``first``) in ``namespace``, as the
    build does, and also the cells it skips (``skip-execution``); a ``raises-exception`` cell
    must raise."""
    cwd = os.getcwd()
    os.chdir(page.parent)
    try:
        for index, (source, tags) in enumerate(cells, first):
            code = compile(source, f"{page.name}[cell {index}]", "exec")
            if "raises-exception" in tags:
                with pytest.raises(Exception):  # noqa: B017 -- the page shows whichever error it is
                    exec(code, namespace)
            else:
                exec(code, namespace)
    finally:
        os.chdir(cwd)


BIDIRECTIONAL = ROOT / "examples" / "bidirectional-lstm-states.md"


@pytest.fixture(scope="module")
def bidirectional_first_cell() -> tuple[dict, list[tuple[str, list[str]]]]:
    """The Bidirectional page's first cell, executed once (what it computes, and the page's
    other cells), for the tests that change what it computed and run the rest."""
    cells = code_cells(BIDIRECTIONAL, with_tags=True)
    namespace: dict = {}
    count_execution("examples/bidirectional-lstm-states", "a test, in its own process")
    run_cells(BIDIRECTIONAL, namespace, cells[:1])
    return namespace, cells[1:]


@pytest.mark.parametrize(
    "mistake",
    [
        pytest.param(lambda out: out[:, ::-1, :], id="backward-half-not-turned-around"),
        pytest.param(lambda out: np.concatenate([out[..., 4:], out[..., :4]], axis=-1), id="halves-swapped"),
    ],
)
@pytest.mark.slow
def test_bidirectional_page_fails_if_the_time_alignment_were_different(mistake, bidirectional_first_cell) -> None:
    computed, rest = bidirectional_first_cell
    as_computed = dict(computed)
    run_cells(BIDIRECTIONAL, as_computed, rest, first=1)  # as written, every assertion holds

    tampered = dict(computed, output=mistake(computed["output"]))
    with pytest.raises(AssertionError):
        run_cells(BIDIRECTIONAL, tampered, rest, first=1)


def test_every_error_shown_to_readers_is_checked_by_the_next_cell() -> None:
    """A cell that raises on purpose shows Keras's error; the hidden cell after it checks the
    type and message (keras_rnn_returns.show.raised), so a reworded message fails the build."""
    for page in NOTEBOOK_PAGES:
        cells = code_cells(page, with_tags=True)
        for index, (_, tags) in enumerate(cells):
            if "raises-exception" in tags:
                following, following_tags = cells[index + 1] if index + 1 < len(cells) else ("", [])
                assert "remove-cell" in following_tags and "raised(" in following, (
                    f"{page.name}, code cell {index}: the error it shows is not checked by the cell after it"
                )


def test_examples_holds_pages_only_and_no_file_puts_it_on_the_import_path() -> None:
    assert not list((ROOT / "examples").glob("*.py")), "shared code belongs in keras_rnn_returns/"
    listed = ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"]  # not .nox's thousands
    files = subprocess.run(listed, cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    python = [ROOT / name for name in files]
    for path in [*python, ROOT / "noxfile.py", ROOT / ".ci" / "run", ROOT / ".readthedocs.yaml"]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "sys.path" in line or "PYTHONPATH" in line:
                assert "examples" not in line.lower(), f"{path.relative_to(ROOT)}:{number}: {line.strip()}"


# --- Every sentence of the bold opening answer is backed by an assertion on its page ------------
#
# An assertion that backs the answer says which words it proves, in a comment:
#     np.testing.assert_allclose(output, h)  # answer: the hidden state after the last time step
# Each sentence of the page's bold answer must contain the words of at least one such comment
# (backticks and case aside), and every shape in symbols it names, such as `(batch, units)`,
# must stand in one: a new sentence, or a shape added to one, fails until an assertion backs it.

ANSWER = re.compile(r"^\*\*(.+?)\*\*", re.MULTILINE | re.DOTALL)
SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z`\"(])")
SHAPE_IN_SYMBOLS = re.compile(r"`(\([a-z_·0-9]+(?:, [a-z_·0-9]+)*\))`")
ASSERTION = re.compile(r"^\s*(assert |np\.testing\.assert_|raised\()")
MARKER = re.compile(r"#\s*answer:\s*(.+?)\s*$")


def normal(text: str) -> str:
    return " ".join(text.replace("`", "").replace("**", "").lower().split())


def answer_sentences(page: Path) -> list[str]:
    """The sentences of the page's bold opening answer (its first bold paragraph)."""
    found = ANSWER.search(page.read_text().split("---", 2)[2])
    return [s for s in SENTENCE_END.split(" ".join(found.group(1).split()))] if found else []


def backed_fragments(page: Path) -> list[str]:
    """The words that the page's assertions say they prove (`# answer: ...` on an assertion line)."""
    fragments = []
    for source in code_cells(page):
        for line in source.splitlines():
            marker = MARKER.search(line)
            if marker:
                assert ASSERTION.match(line), f"{page.name}: '# answer:' on a line that asserts nothing: {line}"
                fragments.append(normal(marker.group(1)))
    return fragments


def unbacked_claims(page: Path) -> list[str]:
    """Sentences of the answer no assertion backs, and shapes it names that no backed words hold."""
    fragments = backed_fragments(page)
    problems = []
    for sentence in answer_sentences(page):
        mine = [fragment for fragment in fragments if fragment in normal(sentence)]
        if not mine:
            problems.append(f"no assertion backs: {sentence}")
        for shape in SHAPE_IN_SYMBOLS.findall(sentence):
            if not any(shape in fragment for fragment in mine):
                problems.append(f"no assertion backs the shape {shape} in: {sentence}")
    return problems


ANSWERED_PAGES = [page for page in NOTEBOOK_PAGES if answer_sentences(page)]


def test_every_page_opens_with_a_bold_answer() -> None:
    assert len(ANSWERED_PAGES) >= len(EXAMPLES)


@pytest.mark.parametrize("page", ANSWERED_PAGES, ids=lambda page: page.stem)
def test_every_sentence_of_the_opening_answer_is_asserted_on_its_page(page: Path) -> None:
    assert not unbacked_claims(page), "\n".join(unbacked_claims(page))


def test_the_answer_guard_catches_a_planted_unasserted_claim(fixture_site: Path) -> None:
    page = fixture_site / "pages" / "prints.md"
    assert not unbacked_claims(page)  # its answer, "A shape, checked.", is backed by `# answer: a shape`
    claim = "Its `(batch, units)` is the last `h`."

    page.write_text(page.read_text().replace("**A shape, checked.**", f"**A shape, checked. {claim}**"))

    assert unbacked_claims(page) == [
        f"no assertion backs: {claim}",
        f"no assertion backs the shape (batch, units) in: {claim}",
    ]


def test_a_quick_test_that_executes_a_page_fails_until_it_is_marked_slow(tmp_path: Path) -> None:
    import subprocess
    import sys

    test = tmp_path / "test_planted.py"
    test.write_text(
        "import pytest\nfrom executions import count_execution\n\n"
        "def test_quick():\n    count_execution('examples/planted', 'a test')\n\n"
        "@pytest.mark.slow\ndef test_slow():\n    count_execution('examples/planted', 'a test')\n"
    )
    # -p loads the conftest before pytest puts its folder on the path: name it here.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests"), "PAGE_EXECUTIONS_LOG": str(tmp_path / "log")}
    command = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-q", "-rA", str(test)]
    ran = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    assert "test_quick executed a page's code but is not marked slow" in ran.stdout, ran.stdout[-2000:]
    assert "PASSED" in ran.stdout and "1 error" in ran.stdout, ran.stdout[-2000:]
