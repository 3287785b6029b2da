"""shapes.json, which the explorer and readers' tools read, says what Keras returns: every
row, ConvLSTM rows included, recomputed by Keras in a fresh process from the row's own
fields, without the site's code (keras_rnn_returns.configurations wrote the file)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
