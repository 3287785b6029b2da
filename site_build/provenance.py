"""Where each sentence about another environment is proven.

The build runs on a CPU, on Keras's TensorFlow backend, with the pinned releases. A page
that says what happens anywhere else (on a GPU, on JAX or PyTorch, in another Keras or
TensorFlow release, in Keras 2) says, in the same paragraph, how that is known:

- **executed there**: ``{executed}`jax``` (or ``torch``): the page branches on the backend
  (``keras.backend.backend()``), and ``nox -s backends`` executes it, with every assertion,
  on that backend (the mark links to what each backend printed there: differences.py);
  ``{executed}`oldest```: ``nox -s versions`` executes every page on the oldest supported
  Keras (requirements-oldest.txt). A page whose own code runs the environment in the
  ordinary build (JAX and PyTorch in processes of their own, ``torch``, ``tf_keras``) needs
  no mark for it, and a paragraph that links to such a page is proven there.
- **recorded there**: ``{recorded}`gpu-jax``` (or ``gpu-torch``): the GPU record that
  ``nox -s gpu`` wrote on a real GPU (keras_rnn_returns/gpu.py) holds that backend;
  ``{recorded}`gpu```, on the page that renders the record: what the record holds, or
  that it holds nothing yet.
- **probed**: ``{scope}`words <probe backends releases outcome>```: a probe of
  keras_rnn_returns/probes.py, which ``nox -s history`` executes on every backend and
  release, shows that outcome on every backend and release the words name (history.py).
- **cited**: ``{not-executed}`Keras's source <keras/src/...py::text>```, an upstream issue
  (``{not-executed}`keras-team/keras#20875```) or a page of another project
  (``{not-executed}`its reference <https://...>```): rendered "not executed in this build:"
  and the link (the words before a paragraph's first citation only).

:func:`unproven` lists the paragraphs that name an environment and carry none of these; the
build warns on each (and ``-W`` fails it), and tests/test_provenance.py plants one. The
roles check their own claims as the page is read: ``{executed}`jax``` on a page that never
asks for the backend, a citation Keras's source does not bear out, a record that is not
there, each is a warning too. The contributing guide is not scanned: it describes the
checks themselves.
"""

from __future__ import annotations

import importlib.util
import re
from importlib import metadata
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import ReferenceRole

from keras_rnn_returns import gpu
from keras_rnn_returns.show import BACKEND_NAMES
from site_build import differences
from site_build.parsing import directives, myst_tokens
from site_build.project import OLDEST, newest_pin, release

logger = logging.getLogger(__name__)

#: The label of the guide's section on how pages are executed on each backend and release.
CHECKED_HOW = "how-pages-are-checked"
#: The label of the masking page's section that renders the GPU record (keras_rnn_returns/gpu.py).
GPU_SECTION = "gpu-record"
#: Pages that describe the checks rather than Keras: not scanned.
NOT_SCANNED = {"docs/contributing"}


#: The releases the published site is built with, and the oldest `nox -s versions` runs every page on.
BUILD_KERAS = release(newest_pin("keras"))
BUILD_TENSORFLOW = release(newest_pin("tensorflow"))
OLDEST_KERAS = release(newest_pin("keras", OLDEST))


def _other_release(build: tuple[int, ...]):
    def mentions(match: re.Match) -> bool:  # a release other than the build's own ("Keras 3.15" is it)
        release = tuple(int(part) for part in match.group("release").split("."))
        return release[:2] != build[:2] or (len(release) > 2 and release != build)

    return mentions


#: What a sentence names when it speaks of an environment the build does not run, with
#: (for releases) which of the matches count: "Keras 3.15" is the build's own.
ENVIRONMENTS = {
    "gpu": (re.compile(r"\bGPUs?\b|\bcuDNN\b|\bCUDA\b"), None),
    "jax": (re.compile(r"\bJAX\b"), None),
    "torch": (re.compile(r"\bPyTorch\b"), None),
    "keras2": (re.compile(r"\bKeras 2\b|\btf[-_]keras\b|\btf\.keras\b"), None),
    "keras release": (
        re.compile(r"\bKeras (?P<release>3\.\d+(?:\.\d+)?)|\bolder Keras 3\b|(?<![\w.])(?P<bare>3\.\d+\.\d+)(?![\w.])"),
        lambda match: (
            _other_release(BUILD_KERAS)(match)
            if match.group("release")
            else match.group("bare") != ".".join(map(str, BUILD_KERAS))
            if match.group("bare")
            else True
        ),
    ),
    "tensorflow release": (
        re.compile(r"\bTensorFlow (?P<release>[12]\.\d+(?:\.\d+)?)|\bTF 1\b|\bTensorFlow 1\b"),
        lambda match: _other_release(BUILD_TENSORFLOW)(match) if match.group("release") else True,
    ),
}
#: Which provenance proves a mention of each environment.
PROVEN_BY = {
    "gpu": {"recorded", "not-executed"},
    "jax": {"executed:jax", "in-build:jax", "link:jax", "recorded", "not-executed", "scope"},
    "torch": {"executed:torch", "in-build:torch", "link:torch", "recorded", "not-executed", "scope"},
    "keras2": {"in-build:keras2", "link:keras2", "not-executed"},
    "keras release": {"executed:oldest", "since", "not-executed", "scope"},
    "tensorflow release": {"executed:oldest", "not-executed"},
}

ROLE = re.compile(r"\{(executed|recorded|not-executed|since|scope)\}`([^`]*)`")
PAGE_LINK = re.compile(
    r"\]\((?:\.\./)?((?:examples|docs)/[\w-]+|[\w-]+)\.md(?:#[\w-]*)?\)|\{doc\}`(?:[^`<]*<)?/?([\w/-]+)>?`|\]\((#)[\w-]+\)"
)
INLINE_CODE = re.compile(r"``.*?``|`[^`]*`")


def role_target(content: str) -> str:
    """The target of a role's content: ``title <target>``, or the whole of it."""
    content = content.strip()
    if content.endswith(">") and "<" in content:
        return content[content.index("<") + 1 : -1].strip()
    return content


def page_code(markdown: str) -> str:
    """The code a page executes: its code cells and doctest blocks, in order, as MyST parses them."""
    return "\n".join(block.content for block in directives(markdown, "code-cell", "doctest"))


def roles(markdown: str) -> list[tuple[int, str, str]]:
    """``(line, name, content)`` of every role in ``markdown``, as MyST parses it: a role's
    syntax shown in code, or in a fenced example, is not one."""
    found = []
    for token in myst_tokens(markdown):
        if token.type != "inline" or not token.map:
            continue
        line = token.map[0] + 1
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            elif child.type == "myst_role":
                found.append((line, child.meta["name"], child.content))
    return found


def _without_code(markdown: str) -> str:
    """``markdown`` with the lines of its front matter and of every fenced block (code, and
    directives such as notes) blank, as MyST parses them: the prose, on its own lines."""
    lines = markdown.split("\n")
    for token in myst_tokens(markdown):
        if token.type in ("front_matter", "fence") and token.map:
            start, end = token.map
            lines[start:end] = [""] * (end - start)
    return "\n".join(lines)


def executes(markdown: str) -> set[str]:
    """The provenance a page's own code gives: environments its ordinary build runs
    (``in-build:...``) and backends it branches on (``branches:...``)."""
    code = page_code(markdown)
    found = set()
    if "KERAS_BACKEND" in code:  # it runs Keras on other backends, in processes of their own
        found |= {"in-build:jax", "in-build:torch"}
    if re.search(r"^\s*(?:import torch|from torch\b)", code, re.MULTILINE):
        found.add("in-build:torch")  # PyTorch itself, in the build
    if re.search(r"^\s*import tf_keras\b", code, re.MULTILINE):
        found.add("in-build:keras2")
    if re.search(r"\bbackend\.backend\(\)", code):
        found |= {f"branches:{backend}" for backend in BACKEND_NAMES}
    return found


def paragraphs(markdown: str) -> list[tuple[int, str]]:
    """``(line, text)`` of each block of prose: paragraphs, list items and table rows, with
    a heading joined to the block after it; code, front matter and directives' options left out."""
    text = _without_code(markdown)
    blocks, current, heading = [], [], None
    for number, line in enumerate(text.split("\n"), 1):
        starts_item = re.match(r"\s{0,3}(?:[-*]|\d+\.)\s|\|", line)
        if not line.strip() or starts_item or line.startswith(":::") or re.match(r":\w+:", line):
            if current:
                blocks.append(current)
            current = []
            if starts_item:
                current = [(number, line)]
            continue
        if line.startswith("#"):
            if current:
                blocks.append(current)
            current, heading = [], (number, line.lstrip("# "))
            continue
        if heading and not current:
            current, heading = [heading], None
        current.append((number, line))
    if current:
        blocks.append(current)
    return [(block[0][0], " ".join(line.strip() for _, line in block)) for block in blocks]


def mentioned(text: str) -> set[str]:
    """The environments other than the build's that a block of prose names (code spans aside)."""
    prose = INLINE_CODE.sub(" ", ROLE.sub(" ", text))
    return {
        name
        for name, (pattern, counts) in ENVIRONMENTS.items()
        for m in pattern.finditer(prose)
        if not counts or counts(m)
    }


def provenance(text: str, own: set[str], linked: dict[str, set[str]]) -> set[str]:
    """What proves the environments a block names: its roles, its page's own runs, and the
    pages it links to (``linked``: page -> what that page's code executes)."""
    found = {item for item in own if item.startswith("in-build:")}
    for kind, content in ROLE.findall(text):
        target = role_target(content)
        if kind == "executed":
            found.add(f"executed:{target}")
        elif kind == "recorded":
            found.add("recorded")
        elif kind == "since":  # every release either side executed: site_build/history.py
            found.add("since")
        elif kind == "scope":  # a probe, executed on every backend and release it names: history.py
            found.add("scope")
        else:
            found.add("not-executed")
    for page in ("".join(groups) for groups in PAGE_LINK.findall(text)):  # "#": a section of this page
        for item in own if page == "#" else linked.get(page.split("/")[-1], set()):
            found.add("link:" + item.split(":", 1)[1])
    return found


def unproven(markdown: str, linked: dict[str, set[str]]) -> list[tuple[int, str, str]]:
    """``(line, environment, text)`` of every block of a page that names an environment the
    build does not run and says nothing of how that is proven."""
    own = executes(markdown)
    problems = []
    for line, name, content in roles(markdown):
        target = role_target(content)
        if name == "recorded" and target == "gpu" and "record_section(" not in page_code(markdown):
            problems.append((line, target, "{recorded}`gpu` on a page that does not render the GPU record"))
        if name == "executed" and target != "oldest" and f"branches:{target}" not in own:
            problems.append((line, target, f"{{executed}}`{target}` on a page that never asks keras.backend.backend()"))
    for line, text in paragraphs(markdown):
        found = provenance(text, own, linked)
        for environment in sorted(mentioned(text)):
            if not found & PROVEN_BY[environment]:
                problems.append((line, environment, text))
    return problems


def site_executions(source: Path) -> dict[str, set[str]]:
    """What each page of the site executes, by page name (``stateful-layers``)."""
    pages = [*source.glob("examples/*.md"), *source.glob("docs/*.md"), source / "index.md"]
    return {page.stem: executes(page.read_text(encoding="utf-8")) for page in pages if page.exists()}


# --- The roles ------------------------------------------------------------------------------

ISSUE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)#(?P<number>\d+)$")
KERAS_SOURCE = re.compile(r"^(?:>=[\d.]+\s+)?keras/\S+\.py::")


def citation(target: str) -> tuple[str, str | None]:
    """``(url, problem)`` for a ``{not-executed}`` target: a line of the installed Keras's
    source (citations.py), ``owner/repo#N`` (an issue) or an https address."""
    target = target.strip()
    if KERAS_SOURCE.match(target):
        from site_build.citations import source_link

        package = Path(importlib.util.find_spec("keras").origin).parent
        return source_link(target, package.parent, metadata.version("keras"))
    if match := ISSUE.match(target):
        return f"https://github.com/{match['repo']}/issues/{match['number']}", None
    if target.startswith("https://"):
        return target, None
    return "", f"not-executed: {target!r} is neither keras/...py::text, owner/repo#N nor an https address"


def executed_title(target: str) -> str:
    """What ``{executed}`target``` reads as: "executed on JAX", "executed on Keras 3.3.3"."""
    if target == "oldest":
        return "executed on Keras " + ".".join(map(str, OLDEST_KERAS))
    return f"executed on {BACKEND_NAMES.get(target, target)}"


def in_words(kind: str, content: str) -> tuple[str, str]:
    """A provenance role as a reader reads it without Sphinx (in a download): ``(text, url)``,
    the url empty where the role links only within the site's guide (a citation's text
    follows the words "not executed in this build: ")."""
    target = role_target(content)
    title = content[: content.index("<")].strip() if content.strip().endswith(">") and "<" in content else ""
    if kind == "executed":
        return title or executed_title(target), ""
    if kind == "recorded":
        return title or "the GPU record", ""
    url, _ = citation(target)
    return title or target, url


class Executed(ReferenceRole):
    """``{executed}`jax```: "executed on JAX", linking to how pages are executed there."""

    def run(self):
        target = self.target.strip()
        code = executes(Path(self.env.doc2path(self.env.docname)).read_text(encoding="utf-8"))
        if target == "oldest" or (target in BACKEND_NAMES and f"branches:{target}" in code):
            default = executed_title(target)
        else:
            why = "is not 'oldest' or a backend" if target not in BACKEND_NAMES else "is never asked on this page"
            logger.warning(
                f"executed: {target!r} {why}: a page executed there branches on keras.backend.backend()",
                location=self.get_location(),
            )
            return [nodes.Text(self.title)], []
        # A backend: the page's entry in the list of what each backend printed, where the record holds it.
        record = differences.load(target, self.config.backend_outputs) if target in differences.OTHERS else None
        where = differences.label(self.env.docname) if record and self.env.docname in record["pages"] else CHECKED_HOW
        return [_xref(self.title if self.has_explicit_title else default, where)], []


class Recorded(ReferenceRole):
    """``{recorded}`gpu-jax```: "recorded on a GPU", linking to the record's table."""

    def run(self):
        target = self.target.strip()
        if target == "gpu":  # the record as a whole, rendered on the page that shows it
            if "record_section(" not in page_code(
                Path(self.env.doc2path(self.env.docname)).read_text(encoding="utf-8")
            ):
                logger.warning(
                    "recorded: `gpu` on a page that does not render the record", location=self.get_location()
                )
                return [nodes.Text(self.title)], []
            return [_xref(self.title if self.has_explicit_title else "the GPU record", GPU_SECTION)], []
        record = gpu.load().get("backends", {}).get(target.removeprefix("gpu-"))
        if not target.startswith("gpu-") or record is None:
            logger.warning(f"recorded: the GPU record holds no {target!r}", location=self.get_location())
            return [nodes.Text(self.title)], []
        default = f"recorded on {record['device']} with Keras {record['versions']['keras']}"
        return [_xref(self.title if self.has_explicit_title else default, GPU_SECTION)], []


class NotExecuted(ReferenceRole):
    """``{not-executed}`title <target>```: "not executed in this build:" and the citation."""

    def run(self):
        url, problem = citation(self.target)
        if problem:
            logger.warning(problem, location=self.get_location())
            return [nodes.Text(self.title)], []
        title = self.title if self.has_explicit_title else self.target
        words = nodes.inline(NOT_EXECUTED, NOT_EXECUTED, classes=["not-executed"])
        return [words, nodes.reference(self.rawtext, title, refuri=url)], []


NOT_EXECUTED = "not executed in this build: "


def _say_not_executed_once_per_paragraph(app, doctree) -> None:
    """A paragraph that cites several sources says "not executed in this build" before the
    first only: the words mark the paragraph's claim, and each citation after it is its link."""
    for paragraph in doctree.findall(nodes.paragraph):
        for repeated in [node for node in paragraph.findall(nodes.inline) if "not-executed" in node["classes"]][1:]:
            repeated.parent.remove(repeated)


def _xref(title: str, label: str) -> addnodes.pending_xref:
    node = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=label, refexplicit=True)
    node += nodes.inline(title, title)
    return node


def _scan(app, docname: str, source: list[str]) -> None:
    """Warn, with the page and line, on every block that names another environment unproven."""
    if docname in NOT_SCANNED:
        return
    linked = site_executions(Path(app.srcdir))
    for line, environment, text in unproven(source[0], linked):
        logger.warning(
            f"names {environment} without saying how it is proven (executed there, recorded there, "
            f"or cited; site_build/provenance.py): {text[:120]}...",
            location=(docname, line),
        )


def setup(app):
    app.add_role("executed", Executed())
    app.add_role("recorded", Recorded())
    app.add_role("not-executed", NotExecuted())
    app.connect("source-read", _scan)
    app.connect("doctree-read", _say_not_executed_once_per_paragraph)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
