"""Links to the lines of Keras's source that a page's statement rests on, in the release
that built the page::

    {keras-source}`the check <keras/src/layers/rnn/rnn.py::If an RNN is stateful>`
    {keras-source}`the alias <keras/src/layers/rnn/rnn.py::def reset_states..self.reset_state()>`
    {keras-source}`the check <>=3.12 keras/src/layers/rnn/rnn.py::If an RNN is stateful>`

    {keras-source}`the copy <keras/src/backend/tensorflow/rnn.py::def _cudnn_lstm( >> last_output = h>`

The role looks for the quoted text (``start``, or ``start..end`` for a span; a text Keras
writes twice is found after a unique one, ``anchor >> start``) in the installed Keras and
links that release's tag at the lines where it is, so a reader can
check us against the code that ran. A text that is not there, or is there twice, is a
build warning (an error under ``-W``): when Keras moves or rewords it, the build says so
instead of linking the wrong lines. A statement about code that only exists from some
release on says so (``>=3.12``); on an older installed Keras it links to that file at
the first such release, without lines.
"""

from __future__ import annotations

import importlib.util
import re
from importlib import metadata
from pathlib import Path

from docutils import nodes
from packaging.version import Version
from sphinx.util import logging
from sphinx.util.docutils import ReferenceRole

logger = logging.getLogger(__name__)

REPOSITORY = "https://github.com/keras-team/keras/blob"
TARGET = re.compile(r"^(?:>=(?P<since>[\d.]+)\s+)?(?P<path>keras/\S+\.py)::(?P<start>.+?)(?:\.\.(?P<end>.+))?$")


def source_link(target: str, installed: Path, version: str) -> tuple[str, str | None]:
    """``(url, problem)`` for a role target, read against the Keras installed at
    ``installed`` (its ``keras`` package's parent folder) in release ``version``."""
    match = TARGET.match(target.strip())
    if not match:
        return "", f"keras-source target {target!r} is not 'keras/...py::text' or 'keras/...py::start..end'"
    path, start, end, since = match["path"], match["start"], match["end"], match["since"]
    if since and Version(version) < Version(since):
        first_release = ".".join(map(str, (*Version(since).release, 0, 0)[:3]))
        return f"{REPOSITORY}/v{first_release}/{path}", None
    file = installed / path
    if not file.is_file():
        return "", f"keras-source: Keras {version} has no {path}"
    lines = file.read_text(encoding="utf-8").splitlines()
    after = 0  # the line to look from: after the anchor's, if there is one
    if " >> " in start:
        anchor, start = start.split(" >> ", 1)
        anchors = [number for number, line in enumerate(lines, 1) if anchor in line]
        if len(anchors) != 1:
            return "", f"keras-source: {anchor!r} is in {path} of Keras {version} {len(anchors)} times, not once"
        after = anchors[0]
        found = [number for number, line in enumerate(lines[after:], after + 1) if start in line][:1]
    else:
        found = [number for number, line in enumerate(lines, 1) if start in line]
    if len(found) != 1:
        return "", f"keras-source: {start!r} is in {path} of Keras {version} {len(found)} times, not once"
    first = last = found[0]
    if end:
        after = [number for number, line in enumerate(lines[first - 1 :], first) if end in line]
        if not after:
            return "", f"keras-source: {end!r} is not after {start!r} in {path} of Keras {version}"
        last = after[0]
    lines_anchor = f"#L{first}" if first == last else f"#L{first}-L{last}"
    return f"{REPOSITORY}/v{version}/{path}{lines_anchor}", None


class KerasSource(ReferenceRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        # Where Keras is installed, without importing it (and TensorFlow) into the build.
        package = Path(importlib.util.find_spec("keras").origin).parent
        url, problem = source_link(self.target, package.parent, metadata.version("keras"))
        if problem:
            logger.warning(problem, location=self.get_location())
            return [nodes.Text(self.title)], []
        return [nodes.reference(self.rawtext, self.title, refuri=url)], []


def setup(app):
    app.add_role("keras-source", KerasSource())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
