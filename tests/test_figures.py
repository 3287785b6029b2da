"""Every picture on the site says in words what it shows, and the pictures are reproducible."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from conftest import ROOT, tags

# The pages that draw a picture, and how many each draws.
PICTURES = {
    "lstm-last-output": 1,
    "lstm-return-sequences": 1,
    "lstm-return-state": 2,
    "lstm-return-sequences-and-state": 1,
    "bidirectional-lstm-states": 1,
    "masking-and-padding": 1,
}


def images(page: Path) -> list[dict[str, str]]:
    return [attrs for tag, attrs in tags(page) if tag == "img"]


def test_pages_show_their_pictures_with_alt_text(built_site: Path) -> None:
    for name, count in PICTURES.items():
        pictures = [image for image in images(built_site / "examples" / f"{name}.html") if "_images/" in image["src"]]
        assert len(pictures) == count, f"{name}: {len(pictures)} picture(s), expected {count}"
        for image in pictures:
            assert len(image["alt"] or "") > 80, f"{name}: alt text too short to say what it shows: {image['alt']!r}"
            assert (built_site / "examples" / image["src"]).is_file(), f"{name}: {image['src']} was not written"


def test_pictures_are_the_same_whatever_matplotlib_state_a_page_left() -> None:
    from keras_rnn_returns.diagrams import masking_picture, state_heatmaps, timeline

    def draw() -> list[str]:
        mask = np.array([[True, False], [False, True]])
        output = np.array([[[0.5], [0.5]], [[0.0], [0.25]]])
        return [
            timeline(return_sequences=True, return_state=True, bidirectional=True).svg,
            timeline(layer="GRU", return_state=True).svg,
            state_heatmaps(np.full((3, 4), 0.25), np.full((3, 4), 0.5)).svg,
            masking_picture(mask, [("LSTM", output, {})], ["right", "left"]).svg,
        ]

    first = draw()
    matplotlib.rcParams.update({"font.size": 20, "figure.facecolor": "black", "lines.linewidth": 5})
    try:
        assert draw() == first  # each drawing restores matplotlib's defaults first
    finally:
        matplotlib.rcdefaults()
    for svg in first:
        assert svg.startswith("<?xml") and "<dc:date>" not in svg  # no timestamp in the file
        assert "<text" in svg  # labels are text, not outlines


def test_diagram_module_is_imported_by_the_pages_that_draw() -> None:
    for name in PICTURES:
        assert "from keras_rnn_returns.diagrams import" in (ROOT / "examples" / f"{name}.md").read_text(), name
