"""A page that rests a statement on Keras's source links the lines of the Keras release
that built it (site_build/citations.py's ``{keras-source}`` role), and a citation whose text
Keras no longer has fails the build instead of pointing at the wrong lines."""

from __future__ import annotations

import importlib.util
import re
from importlib import metadata
from pathlib import Path

import pytest
from building import build
from site_pages import EXAMPLES, html_pages, tags

from site_build.citations import source_link

KERAS_VERSION = metadata.version("keras")
INSTALLED = Path(importlib.util.find_spec("keras").origin).parent.parent
SOURCE_LINK = re.compile(
    r"^https://github\.com/keras-team/keras/blob/v([\d.]+)/(keras/[\w/]+\.py)(?:#L(\d+)(?:-L(\d+))?)?$"
)
ALIAS = "keras/src/layers/rnn/rnn.py::def reset_states(self):..self.reset_state()"


def test_a_citation_links_the_lines_that_hold_its_text_in_the_installed_keras() -> None:
    url, problem = source_link(ALIAS, INSTALLED, KERAS_VERSION)

    assert problem is None
    version, path, first, last = SOURCE_LINK.match(url).groups()
    assert version == KERAS_VERSION
    lines = (INSTALLED / path).read_text().splitlines()[int(first) - 1 : int(last)]
    assert "def reset_states(self):" in lines[0] and "self.reset_state()" in lines[-1]


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("keras/src/layers/rnn/rnn.py::a sentence Keras never wrote", "0 times, not once"),
        ("keras/src/layers/rnn/rnn.py::self.", "times, not once"),  # ambiguous: which lines?
        ("keras/src/layers/rnn/rnn.py::def reset_states(self):..a sentence Keras never wrote", "is not after"),
        ("keras/src/layers/rnn/no_such_file.py::def reset_states", "has no keras/src/layers/rnn/no_such_file.py"),
        ("rnn.py line 321", "is not 'keras/...py::text'"),
    ],
    ids=["text-gone", "text-twice", "end-gone", "file-gone", "malformed"],
)
def test_a_citation_keras_does_not_bear_out_is_a_problem_not_a_link(target: str, problem: str) -> None:
    url, found = source_link(target, INSTALLED, KERAS_VERSION)

    assert url == "" and problem in found


def test_a_citation_of_newer_code_links_its_first_release_on_an_older_keras() -> None:
    target = ">=3.12 keras/src/layers/rnn/rnn.py::a check older releases do not have"

    first_release = "https://github.com/keras-team/keras/blob/v3.12.0/keras/src/layers/rnn/rnn.py"
    assert source_link(target, INSTALLED, "3.3.3") == (first_release, None)
    # ... and from that release on, the text must be there.
    assert source_link(target, INSTALLED, "3.12.0")[1]


def test_pages_cite_keras_source_through_the_role_and_the_site_links_the_release_that_built_it(
    built_site: Path,
) -> None:
    typed = [page.name for page in EXAMPLES if "github.com/keras-team/keras/blob/" in page.read_text()]
    assert not typed, f"{typed} type a link to Keras's source: use {{keras-source}} so it follows the release"
    links = [
        attrs["href"]
        for page in html_pages(built_site)
        for tag, attrs in tags(page)
        if tag == "a" and attrs.get("href", "").startswith("https://github.com/keras-team/keras/blob/")
    ]
    assert len(links) >= 7, links
    for link in links:
        match = SOURCE_LINK.match(link)
        assert match, link
        version, path, first, last = match.groups()
        if first:  # lines of the release that built the site, which has them
            assert version == KERAS_VERSION, f"{link}: not the Keras {KERAS_VERSION} that built the site"
            assert int(last or first) <= len((INSTALLED / path).read_text().splitlines()), link


@pytest.mark.slow
def test_a_citation_whose_text_keras_no_longer_has_fails_the_build(fixture_site: Path) -> None:
    index = fixture_site / "index.md"
    index.write_text(
        index.read_text() + "\nSee {keras-source}`the alias <keras/src/layers/rnn/rnn.py::def reset_states_gone>`.\n"
    )

    result = build(fixture_site)

    log = result.stdout + result.stderr
    assert result.returncode != 0, "a citation of text Keras does not have built"
    assert "index.md" in log and "'def reset_states_gone' is in keras/src/layers/rnn/rnn.py" in log
