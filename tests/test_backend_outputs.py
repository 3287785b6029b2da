"""What every page prints on JAX and PyTorch (site_build/differences.py): the committed record
is what those backends print, and the backends page lists every cell that prints something
else than on TensorFlow."""

from __future__ import annotations

import json
import os
import shutil
from importlib import metadata
from pathlib import Path

import jupytext
import nbformat
import pytest
from building import build

from keras_rnn_returns.show import BACKEND_NAMES
from site_build.differences import RECORD, difference, label, load, outputs_of
from site_build.project import BUILD


def _stream(text: str) -> dict:
    return {"kind": "stdout", "text": text}


def test_rounding_is_no_difference_but_other_numbers_are():
    printed = [_stream("h: [[0.10968709 0.03203896]]\n")]
    assert difference(printed, [_stream("h: [[0.10968711 0.03203896]]\n")]) is None
    assert difference([_stream("0.123\n")], [_stream("0.124\n")]) is None  # the last printed digit
    assert difference(printed, [_stream("h: [[-0.09076899 0.10874213]]\n")]) == "numbers"


def test_another_shape_is_another_output_not_other_numbers():
    assert difference([_stream("(1, 3, 8)\n")], [_stream("(1, 3, 9)\n")]) == "output"
    assert difference([_stream("3 tensors\n")], [_stream("2 tensors\n")]) == "output"


def test_tensor_type_names_errors_and_text_are_told_apart():
    assert difference([_stream("tuple of 5 EagerTensor\n")], [_stream("tuple of 5 ArrayImpl\n")]) == "tensor types"
    keras_repr = "sequences=tf.Tensor(shape=(2, 2, 3), dtype=float32)\n"
    torch_repr = "sequences=torch.Tensor(shape=torch.Size([2, 2, 3]), dtype=float32)\n"
    assert difference([_stream(keras_repr)], [_stream(torch_repr)]) == "tensor types"
    assert difference([_stream("(1, 4)\n")], [_stream("torch.Size([1, 4])\n")]) == "tensor types"
    rounded = "Tensor of [[0.10968709 0.03203896]]\n", "Tensor of [[0.10968711 0.03203896]]\n"
    assert difference([_stream(rounded[0])], [_stream(rounded[1])]) is None
    raised = [{"kind": "error", "text": "ValueError: too many states"}]
    assert difference(raised, [{"kind": "error", "text": "TypeError: too many states"}]) == "error"
    assert difference(raised, [_stream("(2, 4)\n")]) == "raises nothing"
    assert difference([_stream("(2, 4)\n")], raised) == "raises"
    assert difference([_stream("on tensorflow\n")], [_stream("on jax\n")]) == "output"


def test_a_backend_that_flushes_in_between_prints_the_same():
    cell = nbformat.v4.new_code_cell("print(1); print(2)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="GRU 3\n")]
    split = nbformat.v4.new_code_cell("print(1); print(2)")
    split.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in ("GRU 3\n", "SimpleRNN 3\n")]
    joined = nbformat.v4.new_code_cell("print(1); print(2)")
    joined.outputs = [nbformat.v4.new_output("stream", name="stdout", text="GRU 3\nSimpleRNN 3\n")]
    (first,), (second,) = (outputs_of(nbformat.v4.new_notebook(cells=[c])) for c in (split, joined))
    assert first == second


def test_the_line_naming_the_backend_that_executed_the_page_is_not_compared():
    stamps = []
    for backend in ("TensorFlow", "JAX"):
        cell = nbformat.v4.new_code_cell("print(versions())")
        versions = f"Python 3.11.7, Keras 3.15.1, {backend} 1.0 and NumPy 2.4.6, on Keras's {backend} backend."
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"Executed with {versions}\n")]
        stamps.append(outputs_of(nbformat.v4.new_notebook(cells=[cell]))[0]["outputs"])
    assert difference(*stamps) is None


def _backend() -> str:
    return os.environ.get("KERAS_BACKEND", "tensorflow")


@pytest.mark.skipif(_backend() == "tensorflow", reason="the record holds the other backends: nox -s backends")
def test_the_committed_record_is_what_this_backend_prints():
    """`nox -s backends` built the pages on this backend: they print what the record says."""
    backend = _backend()
    fresh_path = BUILD / "backends" / backend / "outputs.json"
    fresh = json.loads(fresh_path.read_text(encoding="utf-8"))
    committed = load(backend) or {"pages": {}}
    update = f"cp {fresh_path} {RECORD / f'{backend}.json'}"
    assert sorted(fresh["pages"]) == sorted(committed["pages"]), f"other pages than the record's: {update}"
    stale = []
    for page, cells in fresh["pages"].items():
        recorded = {cell["index"]: cell for cell in committed["pages"][page]}
        for cell in cells:
            theirs = recorded.get(cell["index"])
            if theirs is None or theirs["source"] != cell["source"] or difference(theirs["outputs"], cell["outputs"]):
                stale.append(f"{page}, cell {cell['index']}")
    assert not stale, (
        f"on {BACKEND_NAMES[backend]} these cells print other than docs/backend-outputs/{backend}.json records: "
        f"{', '.join(stale)}. Review the change, then: {update}"
    )


def test_every_cell_that_prints_something_else_is_listed_with_what_each_printed(built_site: Path):
    """The backends page lists every cell whose output on JAX or PyTorch differs from what
    this build printed on TensorFlow (its outputs.json), with the three outputs, and links
    to the cell where the page shows it."""
    from bs4 import BeautifulSoup

    printed = json.loads((built_site.parent / "outputs.json").read_text(encoding="utf-8"))["pages"]
    differing = {}
    for backend in ("jax", "torch"):
        for page, cells in load(backend)["pages"].items():
            tensorflow = {cell["index"]: cell for cell in printed[page]}
            for cell in cells:
                if difference(tensorflow[cell["index"]]["outputs"], cell["outputs"]):
                    differing.setdefault(page, set()).add(cell["index"])
    assert differing, "nothing differs: the seeded pages print other numbers on JAX and PyTorch"
    html = BeautifulSoup((built_site / "examples" / "lstm-on-each-backend.html").read_text(), "html.parser")
    for page, indexes in differing.items():
        heading = html.find(id=label(page))
        assert heading is not None, f"{page} differs, and the backends page has no entry for it"
        entries = heading.find_next_sibling("ul").find_all("li", recursive=False)
        assert len(entries) == len(indexes), f"{page}: {len(indexes)} cells differ, {len(entries)} listed"
        target = (built_site / f"{page}.html").read_text()
        for entry in entries:
            assert len(entry.select("pre")) >= 2, f"{page}: an entry without what each backend printed"
            for link in entry.select("a[href*='#cell-']"):
                assert f'id="{link["href"].split("#")[1]}"' in target, f"{page}: {link['href']} leads nowhere"


def _cells(page: Path) -> list[dict]:
    """The page's cells as the record keeps them, without outputs."""
    return outputs_of(jupytext.read(page))


@pytest.mark.slow
def test_a_stale_record_or_a_difference_nobody_explained_fails_the_build(fixture_site: Path):
    page = fixture_site / "pages" / "prints.md"
    page.write_text(page.read_text() + "\n## On each backend\n\n```{backend-differences}\n```\n")
    records = fixture_site / "records"
    records.mkdir()
    for backend in ("jax", "torch"):  # a record made before the fixture's pages had any code
        versions = {"keras": metadata.version("keras"), backend: "1", "numpy": "2"}
        (records / f"{backend}.json").write_text(json.dumps({"backend": backend, "versions": versions, "pages": {}}))
    result = build(fixture_site, "html")
    assert result.returncode != 0
    assert "its code changed after the JAX record" in result.stderr, result.stderr[-3000:]
    # The record as this build printed, but for one cell that prints another shape on both.
    printed = json.loads((fixture_site / "_build" / "outputs.json").read_text())
    planted = next(cell for cell in printed["pages"]["pages/prints"] if cell["outputs"])
    planted["outputs"] = [_stream("(1, 5)\n")]  # the fixture prints (1, 4)
    for backend in ("jax", "torch"):
        versions = {"keras": metadata.version("keras"), backend: "1", "numpy": "2"}
        (records / f"{backend}.json").write_text(json.dumps({**printed, "backend": backend, "versions": versions}))
    result = build(fixture_site, "html")
    assert result.returncode != 0
    unexplained = f"pages/prints, cell {planted['index']} prints something else on JAX (output) and says not why"
    assert unexplained in result.stderr, result.stderr[-3000:]
    # The cell says why: the build passes, and the list shows it with what each backend printed.
    text = page.read_text().replace("```{code-cell}\n", "```{code-cell}\n:backend_note: planted by the test\n", 1)
    page.write_text(text)
    result = build(fixture_site, "html")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (fixture_site / "_build" / "html" / "pages" / "prints.html").read_text()
    assert f'id="{label("pages/prints")}"' in html and "planted by the test" in html
    assert "(1, 5)" in html and "(1, 4)" in html  # what TensorFlow printed, and the record


@pytest.fixture
def fixture_site(fixture_site: Path, monkeypatch) -> Path:
    """The fixture site, reading its planted record (records/) instead of the site's."""
    conf = fixture_site / "conf.py"
    conf.write_text(conf.read_text() + "\nbackend_outputs = str(FIXTURE / 'records')\n")
    shutil.rmtree(fixture_site / "_build", ignore_errors=True)
    return fixture_site
