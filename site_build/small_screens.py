"""Each page's body made to read on a phone (docs/_static/site.css styles what this marks):
tables whose rows stack as cards, shapes that never break inside, and drawn figures in the
layout drawn for the screen's width, sized before their files arrive. The body is rewritten with an
HTML parser (BeautifulSoup, which Furo already needs), not with patterns over its text."""

from __future__ import annotations

import math
import re
from pathlib import Path

from bs4 import BeautifulSoup

#: Matplotlib's SVG size, in points: `<svg ... width="705.6pt" height="280.8pt"`.
SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)pt"[^>]*?\sheight="([\d.]+)pt"')
#: What marks a drawing's layout for narrow screens (keras_rnn_returns/diagrams.py).
NARROW = "<!-- drawn for narrow screens -->"
#: The screens that get it: those of site.css's phone layout.
NARROW_SCREENS = "(max-width: 40em)"
#: A shape as the pages write it: `(batch, units)`, `(1, 3, 8)`.
SHAPE = re.compile(r"\(.*\)")
#: Where a call in a heading may break: after an opening bracket, an ``=`` or a comma.
CALL_BREAK = re.compile(r"(?<=[(=,])(?=.)")


def text_of(fragment: str) -> str:
    """An HTML fragment's text, as a reader reads it."""
    return BeautifulSoup(fragment, "html.parser").get_text().strip()


def figure_size(env, name: str) -> tuple[int, int, bool] | None:
    """The size in CSS pixels of the drawn figure the build names ``name`` in _images/, and
    whether it is a layout for narrow screens, read from the SVG the page's execution wrote
    (a missing file: Sphinx's own warning names it)."""
    for source, (_, unique_name) in env.images.items():
        path = Path(env.srcdir, source)
        if unique_name == name and path.is_file():
            head = path.read_text(encoding="utf-8")[:2000]
            found = SVG_SIZE.search(head)
            if not found:
                return None
            width, height = (float(points) * 4 / 3 for points in found.groups())
            # The width rounded up (a pixel narrower, a 9 pt label would be a hair under 12 px),
            # the height in the file's proportions (so nothing moves when it arrives).
            return math.ceil(width), round(math.ceil(width) * height / width), NARROW in head
    return None


def for_small_screens(body: str, size_of) -> str:
    """Tables that stack on a phone: each body cell gets its column's heading as
    ``data-label``, to show above it. Calls in headings that break between their parts,
    never inside a name: ``Embedding(mask_zero=True)`` may break after ``(`` and ``=``.
    Shapes that never break inside: a code span of a tuple, ``(batch, units)``, gets the
    class ``shape``. A drawing that comes with a layout for narrow screens (the image after
    it in the cell's output, its SVG marked so) becomes one ``<picture>`` whose narrow
    source a phone shows, at its natural size, where every label is at least 12 px
    (keras_rnn_returns/diagrams.py); the narrow image's own figure and caption go. Drawn
    figures sit in a box that scrolls sideways, for screens between the two layouts; each
    states its ``width`` and ``height`` (``size_of`` its file's name; for a narrow source,
    its own), so the browser keeps its room before the file arrives, and nothing below it
    moves, a section a link points to included, when it does."""
    soup = BeautifulSoup(body, "html.parser")
    for table in soup.find_all("table"):
        head = table.find("thead")
        if head is None:
            continue
        labels = [th.get_text().strip() for th in head.find_all("th")]
        for row in table.find_all("tr"):
            if row.find_parent("thead") is None:
                for cell, label in zip(row.find_all("td", recursive=False), [*labels, *[""] * 99], strict=False):
                    cell["data-label"] = label
    wide = None
    for image in soup.find_all("img", src=re.compile(r"_images/[^/]+\.svg$")):
        size = size_of(image["src"].rsplit("/", 1)[-1])
        if size and size[2]:  # the narrow layout of the drawing just before it
            if wide is None or wide.find_parent(class_="cell_output") is not image.find_parent(class_="cell_output"):
                raise ValueError(f"a layout for narrow screens with no drawing before it: {image['src']}")
            source = soup.new_tag("source", attrs={"media": NARROW_SCREENS, "srcset": image["src"]})
            source["width"], source["height"] = map(str, size[:2])
            wide.insert_before(source)
            (image.find_parent("figure") or image).decompose()
            wide = None
            continue
        if size and not image.has_attr("width"):
            image["width"], image["height"] = map(str, size[:2])
        picture = image.wrap(soup.new_tag("picture"))
        picture.wrap(soup.new_tag("div", attrs={"class": "figure-scroll", "tabindex": "0"}))
        wide = image
    for heading in soup.find_all(re.compile(r"^h[1-6]$")):
        for word in heading.select("code span.pre"):
            pieces = CALL_BREAK.split(word.get_text())
            if len(pieces) < 2:
                continue
            word.string, last = pieces[0], word
            for piece in pieces[1:]:  # each piece whole, after a place where the line may break
                opportunity, new = soup.new_tag("wbr"), soup.new_tag("span", attrs={"class": "pre"})
                new.string = piece
                last.insert_after(opportunity)
                opportunity.insert_after(new)
                last = new
    for code in soup.find_all("code", class_="literal"):
        if code["class"] == ["docutils", "literal", "notranslate"] and SHAPE.fullmatch(code.get_text().strip()):
            code["class"] = [*code["class"], "shape"]
    return soup.decode(formatter="minimal")


def _add_page_context(app, pagename, templatename, context, doctree) -> None:
    if "body" in context:
        context["body"] = for_small_screens(context["body"], lambda name: figure_size(app.env, name))


def setup(app):
    app.connect("html-page-context", _add_page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
