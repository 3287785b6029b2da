"""Every picture on the site says in words what it shows, and the pictures are reproducible."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from site_pages import tags

from site_build.project import ROOT

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


def test_every_picture_states_its_size_in_the_proportions_of_its_file(built_site: Path) -> None:
    for name, count in PICTURES.items():
        page = built_site / "examples" / f"{name}.html"
        narrow = [{**attrs, "src": attrs["srcset"]} for tag, attrs in tags(page) if tag == "source"]
        assert len(narrow) == count, f"{name}: {len(narrow)} layout(s) for narrow screens, expected {count}"
        for image in [image for image in images(page) if "_images/" in image["src"]] + narrow:
            assert image.get("width") and image.get("height"), f"{name}: {image['src']} states no width and height"
            svg = (page.parent / image["src"]).read_text()
            width, height = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
            assert abs(int(image["width"]) / int(image["height"]) - width / height) < 0.01, (name, image["src"])


# Where the last section of the page starts (its heading, which holds the section's id:
# site_build/search.py), from the top of the document, in CSS pixels.
LAST_SECTION_TOP = (
    "() => [...document.querySelectorAll('article :is(h2, h3, h4, h5, h6)[id]')].pop().getBoundingClientRect().top"
    " + scrollY"
)


#: True once every style sheet the page links has loaded and its fonts are ready.
STYLED = (
    "[...document.querySelectorAll('link[rel=stylesheet]')].every(link => link.sheet)"
    " && document.fonts.status === 'loaded'"
)


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280], ids=["phone", "desktop"])
def test_nothing_below_a_picture_moves_when_the_picture_arrives(browser, site_url: str, width: int) -> None:
    """A link to a section below a picture lands on it even while the picture is loading."""
    context = browser.new_context(viewport={"width": width, "height": 844})
    held = []
    context.route("**/_images/*.svg", lambda route: held.append(route))  # each picture waits until it is let through
    try:
        page = context.new_page()
        moved = []
        for name in PICTURES:
            page.goto(f"{site_url}/examples/{name}.html", wait_until="domcontentloaded")
            # The page as laid out without its pictures: every style sheet and font in (the
            # pictures hold back the load event, so wait for what else moves the layout).
            page.wait_for_function(STYLED)
            before = page.evaluate(LAST_SECTION_TOP)
            assert held, f"{name}: no picture was requested"
            while held:
                held.pop().continue_()
            page.wait_for_function("[...document.images].every(image => image.complete && image.naturalWidth)")
            after = page.evaluate(LAST_SECTION_TOP)
            if abs(after - before) > 1:
                moved.append(f"{name}: the last section moved from {before:.0f} px to {after:.0f} px")
        assert not moved, "\n".join(moved)
    finally:
        context.close()


def test_pictures_are_the_same_whatever_matplotlib_state_a_page_left() -> None:
    from keras_rnn_returns.diagrams import NARROW, masking_picture, state_heatmaps, timeline

    def draw() -> list[str]:
        mask = np.array([[True, False], [False, True]])
        output = np.array([[[0.5], [0.5]], [[0.0], [0.25]]])
        pictures = [
            timeline(return_sequences=True, return_state=True, bidirectional=True),
            timeline(layer="GRU", return_state=True),
            state_heatmaps(np.full((3, 4), 0.25), np.full((3, 4), 0.5)),
            masking_picture(mask, [("LSTM", output, {})], ["right", "left"]),
        ]
        return [svg for picture in pictures for svg in (picture.svg, picture.narrow)]  # both layouts

    first = draw()
    matplotlib.rcParams.update({"font.size": 20, "figure.facecolor": "black", "lines.linewidth": 5})
    try:
        assert draw() == first  # each drawing restores matplotlib's defaults first
    finally:
        matplotlib.rcdefaults()
    assert [NARROW in svg for svg in first] == [False, True] * 4  # each drawing, a layout for narrow screens too
    for svg in first:
        assert svg.startswith("<?xml") and "<dc:date>" not in svg  # no timestamp in the file
        assert "<text" in svg  # labels are text, not outlines


@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_figures_key_names_only_the_kinds_of_box_it_draws(bidirectional: bool) -> None:
    from keras_rnn_returns.diagrams import timeline

    for sequences, state in [(False, False), (True, False), (False, True), (True, True)]:
        picture = timeline(return_sequences=sequences, return_state=state, bidirectional=bidirectional)
        for svg in (picture.svg, picture.narrow):
            keyed = "computed, not returned" in svg
            drawn = svg.count("fill: #f3f3f3") - keyed  # the grey of what is not returned, the key's swatch aside
            assert keyed == (drawn > 0) == (not (sequences and state)), (sequences, state, drawn)
            assert "returned by the call" in svg


def test_diagram_module_is_imported_by_the_pages_that_draw() -> None:
    for name in PICTURES:
        assert "from keras_rnn_returns.diagrams import" in (ROOT / "examples" / f"{name}.md").read_text(), name
