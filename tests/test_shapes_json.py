"""shapes.json, which the explorer and readers' tools read, says what Keras returns: every
row, ConvLSTM rows included, recomputed by Keras in a fresh process from the row's own
fields, without the site's code (keras_rnn_returns.configurations wrote the file)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from site_build.project import ROOT
from site_build.small_screens import text_of

pytestmark = pytest.mark.slow

# Builds each row's layer from its fields alone, calls it on zeros of the row's input shape
# and prints the shapes it returned, one list per row.
RECOMPUTE = """
import json, sys
import keras, numpy as np

shapes = json.load(open(sys.argv[1]))
dims = shapes["dims"]
spatial = {"1D": ["rows"], "2D": ["rows", "cols"], "3D": ["rows", "cols", "depth"]}
returned = []
for row in shapes["rows"]:
    flags = {"return_sequences": row["return_sequences"], "return_state": row["return_state"]}
    layer_class = getattr(keras.layers, row["layer"])
    if row["layer"].startswith("ConvLSTM"):
        layer = layer_class(dims["filters"], 3, padding="same", **flags)
        sizes = ["batch", "timesteps", *spatial[row["layer"][-2:]], "features"]
    else:
        layer = layer_class(dims["units"], **flags)
        sizes = ["batch", "timesteps", "features"]
    if row["bidirectional"]:
        layer = keras.layers.Bidirectional(layer, merge_mode=row["merge_mode"])
    result = layer(np.zeros([dims[size] for size in sizes], dtype="float32"))
    tensors = result if isinstance(result, (list, tuple)) else [result]
    returned.append([[int(d) for d in t.shape] for t in tensors])
print(json.dumps(returned))
"""


def test_every_row_of_shapes_json_matches_keras_recomputed_in_a_fresh_process(built_site: Path) -> None:
    path = built_site / "shapes.json"
    rows = json.loads(path.read_text())["rows"]
    assert sum(row["layer"].startswith("ConvLSTM") for row in rows) == 24

    done = subprocess.run([sys.executable, "-c", RECOMPUTE, str(path)], capture_output=True, text=True, timeout=600)

    assert done.returncode == 0, done.stderr[-3000:]
    recomputed = json.loads(done.stdout.strip().splitlines()[-1])
    for row, shapes in zip(rows, recomputed, strict=True):
        assert [output["shape"] for output in row["outputs"]] == shapes, row["call"]


def _title(page: Path) -> str:
    """A built page's <h1>, as a reader reads it (its ¶ link left out)."""
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(), re.DOTALL).group(1)
    return text_of(re.sub(r'<a class="headerlink".*?</a>', "", heading))


@pytest.mark.parametrize("kind", ["plain", "bidirectional"])
def test_every_row_links_to_the_page_that_explains_it_by_its_title(built_site: Path, kind: str) -> None:
    """The explorer and the all-configurations table link each call to its page: the page
    titled with that very call if there is one, else one whose text names every part of the
    call; the link text shapes.json gives is that page's title."""
    rows = [
        row
        for row in json.loads((built_site / "shapes.json").read_text())["rows"]
        if row["bidirectional"] == (kind == "bidirectional")
    ]
    titles = {
        page.relative_to(built_site).with_suffix("").as_posix(): _title(page)
        for page in (built_site / "examples").glob("*.html")
    }
    for row in rows:
        assert row["page_title"] == _title(built_site / f"{row['page']}.html"), row["call"]
        call = row["call"].replace("units", "4")
        titled = [page for page, title in titles.items() if re.search(rf"(?<![\w(]){re.escape(call)}(?!\))", title)]
        assert titled in ([], [row["page"]]), f"{row['call']} links to {row['page']}, but {titled} is titled with it"
        merges = row["bidirectional"] and row["merge_mode"] != "concat"  # merge modes: the same for every layer
        parts = [
            part
            for part, on in (
                (row["layer"], not merges),
                ("Bidirectional", row["bidirectional"]),
                ("merge_mode", merges),
            )
            if on
        ]
        parts += [flag for flag in ("return_sequences", "return_state") if row[flag]]
        if merges:
            parts.append(repr(row["merge_mode"]).replace("'", '"'))
        text = (ROOT / f"{row['page']}.md").read_text()
        assert [part for part in parts if part not in text] == [], f"{row['call']} links to {row['page']}"
