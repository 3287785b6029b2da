"""What every page prints on JAX and PyTorch, against what the build printed on TensorFlow.

Each HTML build writes what every code cell of every page printed, normalized
(:func:`outputs_of`), to ``outputs.json`` beside its output folder. ``nox -s backends`` builds
on JAX and on PyTorch, and its test (tests/test_backend_outputs.py) fails until the committed
record, ``docs/backend-outputs/<backend>.json``, holds what that build printed.

``{backend-differences}`` on the backends page compares, cell by cell, the TensorFlow build's
outputs with that record and lists every cell that prints something else on JAX or PyTorch,
with what each backend printed: "lists every difference" is true by construction. A cell
whose difference is more than its numbers or tensor types says why in its metadata,
``backend_note: ...``; without one the build warns, as it does for a page whose code changed
after the record was made. ``{executed}`jax``` and each page's downloads line link to the
page's entry (:func:`label`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
from functools import cache
from importlib import metadata
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

from keras_rnn_returns.probes import error_line
from keras_rnn_returns.show import BACKEND_NAMES

logger = logging.getLogger(__name__)

#: The site's source folder: only its own build compares against the record.
SITE = Path(__file__).resolve().parents[1]
#: The committed records, one per backend the build does not run on.
RECORD = SITE / "docs" / "backend-outputs"
OTHERS = ("jax", "torch")
#: A cell's own explanation of why it prints something else on another backend.
NOTE = "backend_note"

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ADDRESS = re.compile(r"0x[0-9a-f]{6,}")  # object reprs: a new address in every process
TEMPORARY = re.compile(r"/tmp/[\w.-]+")  # temporary folders: a new name in every run
#: Each backend's name for its tensors and arrays, as reprs and type names print them.
TENSOR_TYPES = re.compile(
    r"\b(?:tf\.Tensor|jnp\.ndarray|torch\.Tensor|EagerTensor|ResourceVariable|ArrayImpl|Tensor|Array|Parameter)\b"
)
TORCH_SIZE = re.compile(r"torch\.Size\(\[([^\]]*)\]\)")  # PyTorch's shape type, in Keras's reprs
WHITESPACE = re.compile(r"\s+")
#: The line that ends every page (keras_rnn_returns/show.py's versions()): it names the
#: backend and versions that executed the page, so it differs by design and is not compared.
STAMP = re.compile(r"Executed with Python [^\n]*, on Keras's [\w ]+ backend\.")
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
#: Outputs kept as text; others (figures) by kind alone. An output with a text form and an
#: HTML one (a table of what a call returned) is compared by its text: what it says, not markup.
TEXT_KINDS = ("text/markdown", "text/plain", "text/html")
#: The most characters of one output the record keeps: enough for any output a page shows in full.
KEEP = 6000


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def outputs_of(notebook) -> list[dict]:
    """Every code cell of ``notebook``: its index among the notebook's cells, a hash of its
    source and its outputs, each ``{"kind": ..., "text": ...}``: a stream's text (consecutive
    writes joined: a backend may flush in between), an error's type and first line, a
    display's text, or a figure's kind alone."""
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        outputs: list[dict] = []
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                text = _clean(output["text"])
                if outputs and outputs[-1]["kind"] == output["name"]:
                    outputs[-1]["text"] += text
                else:
                    outputs.append({"kind": output["name"], "text": text})
            elif output["output_type"] == "error":
                outputs.append({"kind": "error", "text": error_line(output["ename"], output["evalue"])})
            else:
                data = output.get("data", {})
                kind = next((kind for kind in TEXT_KINDS if kind in data), None)
                if kind:
                    text = data[kind] if isinstance(data[kind], str) else "".join(data[kind])
                    outputs.append({"kind": kind, "text": _clean(text)})
                else:
                    outputs.append({"kind": "figure", "text": ""})
        for output in outputs:
            output["text"] = output["text"][:KEEP]
        cells.append({"index": index, "source": source_hash(cell.source), "outputs": outputs})
    return cells


def _clean(text: str) -> str:
    text = STAMP.sub("Executed with the versions above, on Keras's backend.", ANSI.sub("", text))
    return TEMPORARY.sub("/tmp/…", ADDRESS.sub("0x…", text))


def _numbers(text: str) -> tuple[str, list[str]]:
    """``text`` with its tensor type names and numbers replaced and without spaces (NumPy
    aligns an array's columns to its widest number), and the numbers."""
    text = TENSOR_TYPES.sub("<tensor>", TORCH_SIZE.sub(r"(\1)", text))
    return WHITESPACE.sub("", NUMBER.sub("#", text)), NUMBER.findall(text)


def _close(printed: str, other: str) -> bool:
    """The same number as printed: integers exactly, decimals within their last printed digit
    (a rounding of float32 noise) plus 1e-5."""
    if not any(mark in printed + other for mark in ".eE"):
        return printed == other
    decimals = len(printed.split(".")[1].split("e")[0].split("E")[0]) if "." in printed else 0
    exponent = int(re.split("[eE]", printed)[1]) if re.search("[eE]", printed) else 0
    return abs(float(printed) - float(other)) <= 10.0 ** (exponent - decimals) + 1e-5


def difference(reference: list[dict], other: list[dict]) -> str | None:
    """What differs between one cell's outputs on TensorFlow and on another backend: None,
    ``"tensor types"`` (only their names), ``"numbers"`` (the same text with other numbers,
    beyond the last digit printed), ``"error"`` (another error), ``"raises nothing"`` or
    ``"raises"`` (an error on TensorFlow's side only, or on the other's) or ``"output"``
    (other text)."""
    if reference == other:
        return None
    kinds = [output["kind"] for output in reference], [output["kind"] for output in other]
    errors = [[output["text"] for output in side if output["kind"] == "error"] for side in (reference, other)]
    if errors[0] != errors[1]:
        return "error" if all(errors) else "raises nothing" if errors[0] else "raises"
    if kinds[0] != kinds[1]:
        return "output"
    found = None
    for mine, theirs in zip(reference, other, strict=True):
        (text, numbers), (other_text, other_numbers) = _numbers(mine["text"]), _numbers(theirs["text"])
        if text != other_text or len(numbers) != len(other_numbers):
            return "output"
        far = [(a, b) for a, b in zip(numbers, other_numbers, strict=True) if not _close(a, b)]
        if any(not any(mark in a + b for mark in ".eE") for a, b in far):
            return "output"  # another count or shape is no rounding
        # The same but for numbers within rounding, or for the names of tensor types?
        kept = [WHITESPACE.sub("", NUMBER.sub("#", side["text"])) for side in (mine, theirs)]
        if far:
            found = "numbers"
        elif found is None and kept[0] != kept[1]:
            found = "tensor types"
    return found


def load(backend: str, folder: Path = RECORD) -> dict | None:
    path = Path(folder) / f"{backend}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def label(docname: str) -> str:
    """The label of a page's entry in the list: ``differences-examples-common-errors``."""
    return "differences-" + docname.replace("/", "-")


def build_record(app, backend: str) -> dict:
    """What this build printed, for the record: every notebook page's cells, and the versions."""
    from site_build.downloads import executed_notebooks

    return {
        "backend": backend,
        "versions": {name: metadata.version(name) for name in ("keras", backend, "numpy")},
        "pages": {docname: outputs_of(notebook) for docname, notebook in executed_notebooks(app)},
    }


def _write_record(app, exception) -> None:
    """``outputs.json`` beside the HTML: what this build's pages printed, on its backend."""
    if exception or app.builder.format != "html":
        return
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    record = build_record(app, backend)
    Path(app.outdir).parent.joinpath("outputs.json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


class differences_list(nodes.General, nodes.Element):
    """Where the list goes: filled once every page is read (:func:`_fill`)."""


class BackendDifferences(Directive):
    """``{backend-differences}``: every cell of every page that prints something else on JAX
    or PyTorch. Registers each page's entry now, so that other pages can link to it."""

    def run(self):
        env = self.state.document.settings.env
        std = env.get_domain("std")
        from site_build.reader_code import is_notebook_page

        for docname in sorted(env.found_docs):
            path = Path(env.doc2path(docname))
            if is_notebook_page(path):
                std.note_hyperlink_target(label(docname), env.docname, label(docname), f"What {docname} prints")
                env.note_dependency(str(path))  # the list reads every page: read it again when one changes
        for backend in OTHERS:
            env.note_dependency(str(Path(env.config.backend_outputs) / f"{backend}.json"))
        return [differences_list()]


@cache
def _cells_on_page(app, docname: str) -> set[int]:
    """The cells the page shows (by index): the others have no address to link to."""
    doctree = app.env.get_doctree(docname)
    return {node["cell_index"] for node in doctree.findall(nodes.container) if node.get("nb_element") == "cell_code"}


def sections_of(notebook) -> dict[int, str]:
    """Each code cell's index -> the title of the last heading above it (read with MyST's parser)."""
    from markdown_it import MarkdownIt

    found, title = {}, ""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            tokens = MarkdownIt("commonmark").parse(cell.source)
            for opening, inline in itertools.pairwise(tokens):
                if opening.type == "heading_open":
                    title = inline.content.replace("`", "")
        else:
            found[index] = title
    return found


def _anchor_cells(app, doctree) -> None:
    """Give each code cell an address, ``#cell-<index>``, for the list to link to."""
    for node in doctree.findall(nodes.container):
        if node.get("nb_element") == "cell_code" and f"cell-{node['cell_index']}" not in node["ids"]:
            node["ids"].append(f"cell-{node['cell_index']}")


def comparisons(app, records: dict) -> tuple[dict, list[str]]:
    """``(found, problems)`` for ``records`` (by backend, None where missing): for each page,
    its differing cells ``(cell, {backend: (kind, outputs)}, note, first line, section)``; and
    the problems the build warns of (a stale or missing record, a difference nobody explained)."""
    from site_build.downloads import executed_notebooks

    problems = [
        f"no record of what the pages print on {BACKEND_NAMES[backend]}: run `nox -s backends` and commit "
        f"docs/backend-outputs/{backend}.json"
        for backend, record in records.items()
        if record is None
    ]
    found = {}
    for docname, notebook in executed_notebooks(app):
        cells = outputs_of(notebook)
        seeded = False
        found[docname] = []
        for cell in cells:
            code = notebook.cells[cell["index"]]
            seeded = seeded or "set_random_seed(" in code.source
            note = code.metadata.get(NOTE, "")
            differing = {}
            for backend, record in records.items():
                if record is None:
                    continue
                theirs = {c["index"]: c for c in record["pages"].get(docname, [])}.get(cell["index"])
                if theirs is None or theirs["source"] != cell["source"]:
                    problems.append(
                        f"{docname}, cell {cell['index']}: its code changed after the {BACKEND_NAMES[backend]} record "
                        f"was made: run `nox -s backends` and copy what its test says into docs/backend-outputs/"
                    )
                    continue
                kind = difference(cell["outputs"], theirs["outputs"])
                if kind:
                    differing[backend] = (kind, theirs["outputs"])
                if kind not in (None, "numbers", "tensor types") and not note:
                    problems.append(
                        f"{docname}, cell {cell['index']} prints something else on {BACKEND_NAMES[backend]} ({kind})"
                        f" and says not why: give the cell `:{NOTE}: <why>` in its options, or make it print the same"
                    )
                if kind == "numbers" and not seeded and not note:
                    problems.append(
                        f"{docname}, cell {cell['index']} prints other numbers on {BACKEND_NAMES[backend]}, though its"
                        f" page sets no seed: give the cell `:{NOTE}: <why>`, or make it print the same"
                    )
            if differing:
                section = sections_of(notebook).get(cell["index"], "")
                found[docname].append((cell, differing, note, first_line(code.source), section))
    return found, problems


#: What each kind of difference is, in the list.
KINDS = {
    "numbers": "other numbers",
    "tensor types": "other names for the tensor types",
    "error": "another error",
    "raises nothing": "no error where TensorFlow raises",
    "raises": "an error where TensorFlow raises none",
    "output": "other output",
}
#: Why, where the cell says nothing: the sections of the backends page that show it.
WHY = {
    "numbers": (
        "the page's layers draw their starting weights from the same seed, with each backend's own random"
        " generator, so the weights differ",
        "the-same-seed-other-weights",
    ),
    "tensor types": ("each backend has its own tensor type, and prints its name", "what-differs-and-why"),
}


def first_line(source: str) -> str:
    """The first line of a cell's code that is not a comment or an import, as the list names the cell."""
    skipped = ("#", "import ", "from ", "keras.utils.set_random_seed(")  # the same in many cells
    lines = (line for line in source.splitlines() if line.strip() and not line.startswith(skipped))
    first = next(lines, "").split("  # ")[0]  # without its comment
    return first if len(first) <= 70 else first[:69] + "…"


def _printed(outputs: list[dict]) -> str:
    return (
        "\n".join(output["text"].rstrip("\n") if output["kind"] != "figure" else "(a figure)" for output in outputs)
        or "(nothing)"
    )


def _fill(app, doctree, docname: str) -> None:
    """Replace the placeholder with the list, now that every page is read."""
    for placeholder in list(doctree.findall(differences_list)):
        records = {backend: load(backend, app.config.backend_outputs) for backend in OTHERS}
        keras = metadata.version("keras")
        recorded = {record["versions"]["keras"] for record in records.values() if record}
        other_keras = all(records.values()) and recorded != {keras}
        if os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow" or other_keras:
            # `nox -s backends` makes the record; `versions` and `history` build on other releases.
            text = (
                "The list compares what the pages print on JAX and PyTorch with what they print on TensorFlow, with"
                f" the Keras the site is built with: this build ran Keras {keras} on"
                f" {BACKEND_NAMES[os.environ.get('KERAS_BACKEND', 'tensorflow')]}, which the record does not hold."
            )
            placeholder.replace_self(nodes.paragraph("", text))
            continue
        found, problems = comparisons(app, records)
        for problem in problems:
            logger.warning(problem, location=placeholder)
        placeholder.replace_self(_rendered(app, docname, records, found))


def _link(app, fromdoc: str, todoc: str, anchor: str, text: str) -> nodes.reference:
    uri = app.builder.get_relative_uri(fromdoc, todoc) + (f"#{anchor}" if anchor else "")
    return nodes.reference("", text, internal=True, refuri=uri)


def _rendered(app, docname: str, records: dict, found: dict) -> list[nodes.Node]:
    present = {backend: record for backend, record in records.items() if record}
    pages = len(found)
    counted = {kind: 0 for kind in KINDS}
    for entries in found.values():
        for _, differing, *_ in entries:
            for kind in {kind for kind, _ in differing.values()}:
                counted[kind] += 1
    versions = " and ".join(
        f"{BACKEND_NAMES[backend]} {record['versions'][backend].split('+')[0]} (Keras {record['versions']['keras']})"
        for backend, record in present.items()
    )
    same = [page for page, entries in found.items() if not entries]
    intro = nodes.paragraph()
    intro += nodes.Text(
        f"Compared: every code cell of the site's {pages} notebook pages, as this build printed them on TensorFlow"
        f" {metadata.version('tensorflow')} (Keras {metadata.version('keras')}), against what they printed on"
        f" {versions}. {len(same)} pages print the same on all three backends, up to the last digit printed (the"
        " line that ends each page, naming the versions and backend that executed it, is left out)."
        " In the others, "
        + "; ".join(
            f"{count} {'cell prints' if count == 1 else 'cells print'} {KINDS[kind]}"
            for kind, count in counted.items()
            if count
        )
        + ". Each is below, with what each backend printed."
    )
    result: list[nodes.Node] = [intro]
    for page, entries in found.items():
        if not entries:
            continue
        heading = nodes.rubric(ids=[label(page)])
        heading += _link(app, docname, page, "", app.env.titles[page].astext())
        result.append(heading)
        items = nodes.bullet_list()
        for cell, differing, note, first, section in entries:
            item = nodes.list_item()
            line = nodes.paragraph()
            if cell["index"] in _cells_on_page(app, page):
                line += nodes.Text("The cell ")
                line += _link(app, docname, page, f"cell-{cell['index']}", "")
                line[-1] += nodes.literal("", first)
            else:
                line += nodes.Text("A hidden cell, ")
                line += nodes.literal("", first)
                line += nodes.Text(",")
            line += nodes.Text(f" in “{section}”: " if section else ": ")
            kinds = "; ".join(f"on {BACKEND_NAMES[backend]}, {KINDS[kind]}" for backend, (kind, _) in differing.items())
            line += nodes.Text(kinds + ". ")
            kinds_found = {kind for kind, _ in differing.values()}
            if note:
                line += nodes.emphasis("", "Why: ")
                line += nodes.Text(note + ".")
            elif kinds_found <= set(WHY):
                line += nodes.emphasis("", "Why: ")
                for number, kind in enumerate(sorted(kinds_found)):
                    line += nodes.Text("; " if number else "")
                    line += nodes.Text(WHY[kind][0] + " (")
                    line += nodes.reference("", "above", internal=True, refuri=f"#{WHY[kind][1]}")
                    line += nodes.Text(")")
                line += nodes.Text(".")
            item += line
            item += nodes.raw("", "<details><summary>What each backend printed</summary>", format="html")
            for backend, outputs in (("tensorflow", cell["outputs"]), *((b, o) for b, (_, o) in differing.items())):
                caption = nodes.paragraph("", BACKEND_NAMES[backend], classes=["printed-by"])
                item += caption
                item += nodes.literal_block("", _printed(outputs), classes=["printed"], language="none")
            item += nodes.raw("", "</details>", format="html")
            items += item
        result.append(items)
    last = nodes.paragraph()
    last += nodes.Text("The same on all three backends: ")
    for number, page in enumerate(same):
        if number:
            last += nodes.Text(", ")
        target = nodes.inline(ids=[label(page)])
        target += _link(app, docname, page, "", app.env.titles[page].astext())
        last += target
    last += nodes.Text(".")
    result.append(last)
    return result


def setup(app):
    app.add_config_value("backend_outputs", str(RECORD), "env")  # the fixture site's tests plant their own
    app.add_node(differences_list)
    app.add_directive("backend-differences", BackendDifferences)
    app.connect("doctree-read", lambda app, doctree: _anchor_cells(app, doctree))
    app.connect("doctree-resolved", _fill)
    app.connect("build-finished", _write_record)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
