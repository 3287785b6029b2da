"""What changed in which Keras release, from the record ``nox -s history`` writes.

``tools/record_releases.py`` executes every page on the latest patch of every Keras 3 minor
release and writes, per release, the versions, each page's result and which branch of
each change in keras_rnn_returns/releases.py held (``since(...)``), into
docs/release-history.json, which is committed. Here:

- :func:`bracket` says whether the record proves a change's first release: a passing run
  of every page that branches on it on the release before (the old branch holding) and on
  the first release (the new one); tests/test_history.py asks it of every change.
- :func:`supported` is the range the record proves: from the oldest release on which
  every page passes, on every release after it, to the pin.
- ``{since}`change``` writes a change's first release in a sentence ("Keras 3.12"),
  linked to its row of the generated page; a change the record does not bracket is a
  build warning.
- ``{release-history} answers`` opens docs/what-changed.md for a reader on an older Keras:
  a picker of the releases (docs/_static/releases.js) and, for each release, what differs
  there from the pages (built with the newest), in words (:func:`differences`); the build
  warns where the record contradicts it (:func:`answer_problems`). The other
  ``{release-history}`` kinds render the record's tables below it.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import ReferenceRole, SphinxDirective

from keras_rnn_returns.releases import CHANGES, minor
from keras_rnn_returns.show import BACKEND_NAMES
from site_build.project import ROOT, keras_minors, release

logger = logging.getLogger(__name__)

RECORD = ROOT / "docs" / "release-history.json"
#: The generated page, which every page's version stamp links to.
PAGE = "docs/what-changed"
SINCE_CALL = re.compile(r"""\bsince\(\s*["']([\w-]+)["']""")


def load(path: Path = RECORD) -> dict:
    """The record (empty when it is missing: `nox -s history` writes it)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"releases": {}}


@cache
def pages_branching_on(root: Path = ROOT) -> dict[str, list[str]]:
    """Change -> the pages whose code branches on it (``since("change"...)``)."""
    from site_build.reader_code import notebook_pages

    found: dict[str, list[str]] = {}
    for page in notebook_pages(root):
        for change in SINCE_CALL.findall(page.read_text(encoding="utf-8")):
            docname = page.relative_to(root).with_suffix("").as_posix()
            if docname not in found.setdefault(change, []):
                found[change].append(docname)
    return found


def previous(version: str) -> str:
    """The minor release before ``version``: ``3.12`` -> ``3.11``."""
    major, number = minor(version)
    return f"{major}.{number - 1}"


def bracket(record: dict, change: str, pages: list[str]) -> list[str]:
    """What the record lacks to prove that ``change`` first holds in its release: on the
    release before, every page in ``pages`` passed with the old branch; on the first
    release, with the new one. Empty when it proves it."""
    first = CHANGES[change].first
    problems = []
    if not pages:
        problems.append(f"no page branches on since({change!r})")
    for version, branch in ((previous(first), "old"), (first, "new")):
        run = record["releases"].get(version)
        if run is None:
            problems.append(f"Keras {version} is not in the record: run `nox -s \"history(keras='{version}')\"`")
            continue
        failed = [page for page in pages if run["pages"].get(page) != "pass"]
        if failed:
            problems.append(f"on Keras {run['keras']}, {', '.join(failed)} did not pass")
        held = run["branches"].get(change)
        if held != branch:
            problems.append(
                f"on Keras {run['keras']}, the {branch} branch of {change} should hold; the record has {held}"
            )
    return problems


def failing(run: dict) -> list[str]:
    """The pages, then the pages' doctests (``page (doctests)``), that did not pass in one run."""
    pages = sorted(page for page, result in run["pages"].items() if result != "pass")
    return pages + sorted(f"{page} (doctests)" for page, result in run["doctests"].items() if result != "pass")


def passing(run: dict) -> bool:
    """Whether every page and every page's doctests passed in one release's run."""
    return not failing(run)


def on_backend(run: dict, backend: str) -> dict | None:
    """One release's run of the pages on ``backend`` (TensorFlow's is the release's own)."""
    return run if backend == "tensorflow" else (run.get("backends") or {}).get(backend)


def supported(record: dict, backend: str = "tensorflow") -> tuple[str, str] | None:
    """The Keras releases (full versions) the record proves on ``backend``: the oldest from
    which every release to the newest in the record passes every page, and the newest; None
    if the newest fails (or has not run there)."""
    runs = sorted(record["releases"].values(), key=lambda run: release(run["keras"]))
    oldest = None
    for run in reversed(runs):
        there = on_backend(run, backend)
        if there is None or not passing(there):
            break
        oldest = run
    return (oldest["keras"], runs[-1]["keras"]) if oldest else None


def in_range(record: dict) -> str:
    """The supported range, in a sentence per backend, as the README and the front page state it."""
    span = supported(record)
    if span is None:
        return "The release record proves no range: the newest release in it fails a page."
    sentences = [
        f"Every page passes, with its assertions and doctests, on every Keras 3 minor release from "
        f"Keras {span[0]} to Keras {span[1]} (the latest patch of each), on TensorFlow."
    ]
    for backend in ("jax", "torch"):
        there = supported(record, backend)
        name = BACKEND_NAMES[backend]
        sentences.append(
            f"On {name}, from Keras {there[0]} to Keras {there[1]}."
            if there
            else f"On {name}, the record proves no range: Keras {span[1]} fails a page there, or has not run there."
        )
    return " ".join(sentences)


# --- What a reader on an older release meets that the pages do not show --------------------------


def behaviours(changes: dict = CHANGES) -> list[list[str]]:
    """The changes grouped by the behaviour they change, each group oldest first: a change
    that ``follows`` another joins its group."""

    def origin(key: str) -> str:
        while changes[key].follows:
            key = changes[key].follows
        return key

    groups: dict[str, list[str]] = {}
    for key in sorted(changes, key=lambda key: minor(changes[key].first)):
        groups.setdefault(origin(key), []).append(key)
    return list(groups.values())


def differences(version: str, changes: dict = CHANGES) -> list[tuple[str, str]]:
    """What Keras ``version`` (a minor release) does otherwise than the pages, which show the
    newest: per behaviour, ``(the first change version lacks, the behaviour's newest change)``
    (the first's ``before`` is what the reader meets; the newest's ``now`` what the pages show),
    unless the newest restores just that. Wrong results without an error (``silent``) first."""
    found = []
    for group in behaviours(changes):
        lacking = [key for key in group if minor(version) < minor(changes[key].first)]
        if not lacking or (changes[group[-1]].restores and len(group) > 1 and lacking[0] == group[-2]):
            continue
        found.append((lacking[0], group[-1]))
    return sorted(found, key=lambda pair: (not changes[pair[0]].silent, minor(changes[pair[0]].first)))


def answer_problems(record: dict, version: str) -> list[str]:
    """Where the record contradicts what docs/what-changed.md tells a reader on Keras
    ``version``: no run of it, a change whose branch held there is not the one its first
    release implies (old before it, new from it), or a wrong result without an error whose
    probed scope does not reach the release."""
    run = record["releases"].get(version)
    if run is None:
        return [f"Keras {version} is not in the record"]
    problems = []
    for key, change in CHANGES.items():
        expected = "new" if minor(version) >= minor(change.first) else "old"
        held = run["branches"].get(key)
        if held is not None and held != expected:
            problems.append(f"on Keras {run['keras']}, the {held} branch of {key} held; the page says the {expected}")
    for key, _ in differences(version):
        if CHANGES[key].silent:
            _, _, (first, last), _ = parse_scope(CHANGES[key].silent.rpartition("<")[2].rstrip(">"))
            if not minor(first) <= minor(version) <= minor(last):
                problems.append(f"{key}: its silent scope does not reach Keras {version}")
    return problems


# --- Probes: what a sentence about a backend or a release may claim ------------------------------


def probe_label(probe: str) -> str:
    return f"probe-{probe}"


def outcomes(record: dict, probe: str) -> dict[tuple[str, str], str]:
    """``(backend, minor release) -> outcome`` of ``probe``, for every run the record holds."""
    found = {}
    for minor_release, run in record["releases"].items():
        for backend, results in ((run.get("probes") or {}).get("outcomes") or {}).items():
            if probe in results:
                found[backend, minor_release] = results[probe]
    return found


def parse_scope(target: str) -> tuple[str, list[str], tuple[str, str], str]:
    """``too-many-initial-states torch 3.14- returned`` -> (probe, backends, (first, last), expected).

    Backends: a comma-separated list, or ``*`` for the three; releases: ``3.3-3.11``,
    ``3.14-`` (to the newest), ``-3.11`` (from the oldest), ``3.12`` (one) or ``*``; expected:
    the start of every outcome in that scope (``returned``, ``trained``, ``ValueError``, ...), or
    ``raises`` for an error of any type.
    """
    from keras_rnn_returns.probes import PROBES

    parts = target.split(maxsplit=3)
    if len(parts) != 4 or parts[0] not in PROBES:
        raise ValueError(f"scope: {target!r} is not 'PROBE BACKENDS RELEASES EXPECTED', PROBE one of {sorted(PROBES)}")
    probe, backends, releases, expected = parts
    backends_list = list(BACKEND_NAMES) if backends == "*" else backends.split(",")
    if set(backends_list) - set(BACKEND_NAMES):
        raise ValueError(f"scope: {backends!r} names no backend of {sorted(BACKEND_NAMES)}")
    minors = keras_minors()
    first, _, last = releases.partition("-") if releases != "*" else ("", "-", "")
    if "-" not in releases and releases != "*":
        last = first
    return probe, backends_list, (first or minors[0], last or minors[-1]), expected


def _holds(outcome: str, expected: str) -> bool:
    """Whether ``outcome`` is what ``expected`` says: its start, or ``raises`` for any error
    (``TypeError: ...``, as :func:`keras_rnn_returns.probes.outcome_of` writes one)."""
    if expected == "raises":
        kind, colon, _ = outcome.partition(":")
        return bool(colon) and kind.isidentifier()
    return outcome.startswith(expected)


def scope_problems(record: dict, target: str) -> list[str]:
    """Where the record shows the claim ``target`` (:func:`parse_scope`) is wider than what
    ran: a backend and release in its scope whose outcome differs, or that nothing ran."""
    probe, backends, (first, last), expected = parse_scope(target)
    found = outcomes(record, probe)
    problems = []
    for backend in backends:
        for version in keras_minors():
            if not minor(first) <= minor(version) <= minor(last):
                continue
            outcome = found.get((backend, version))
            if outcome is None:
                problems.append(f"{BACKEND_NAMES[backend]}, Keras {version}: not in the record")
            elif not _holds(outcome, expected):
                problems.append(f"{BACKEND_NAMES[backend]}, Keras {version}: {outcome[:100]}")
    return problems


def _spans(found: dict[tuple[str, str], str], backend: str) -> list[tuple[str, str, str]]:
    """Consecutive releases with one outcome on ``backend``: ``(first, last, outcome)``."""
    spans: list[list[str]] = []
    for version in keras_minors():
        outcome = found.get((backend, version), "not in the record")
        if spans and spans[-1][2] == outcome:
            spans[-1][1] = version
        else:
            spans.append([version, version, outcome])
    return [tuple(span) for span in spans]


#: Where an error message goes on to print the tensors it was given (tree libraries' "Structure: [...").
TENSOR_DUMP = re.compile(r"\s*(?:Structure: \[|\(TreeSpec\().*$")


def probe_rows(record: dict, probe: str) -> list[str]:
    """A probe's table: one row per backend and run of releases with the same outcome."""
    rows = ["| backend | Keras | what the reader gets |", "| --- | --- | --- |"]
    found = outcomes(record, probe)
    for backend, name in BACKEND_NAMES.items():
        for first, last, outcome in _spans(found, backend):
            releases = first if first == last else f"{first} to {last}"
            shown = TENSOR_DUMP.sub("", outcome).replace("`", "")  # the message, not the tensors it prints
            rows.append(f"| {name} | {releases} | `{_cell(shown)}` |")
    return rows


# --- The role and the directive --------------------------------------------------------------


def page_title(path: Path) -> str:
    """A page's title, its first level-1 heading as MyST parses it, in Markdown (another page's
    doctree may not be read yet)."""
    from site_build.parsing import myst_tokens

    tokens = myst_tokens(path.read_text(encoding="utf-8"))
    return next(
        tokens[i + 1].content for i, token in enumerate(tokens) if token.type == "heading_open" and token.tag == "h1"
    )


def change_label(change: str) -> str:
    return f"change-{change}"


class Since(ReferenceRole):
    """``{since}`stateful-batch-size-check```: "Keras 3.12", linked to the change's row."""

    def run(self):
        change = self.target.strip()
        if change not in CHANGES:
            logger.warning(
                f"since: no change {change!r} in keras_rnn_returns/releases.py", location=self.get_location()
            )
            return [nodes.Text(self.title)], []
        problems = bracket(load(), change, pages_branching_on(Path(self.env.srcdir)).get(change, []))
        if problems:
            logger.warning(
                f"since: the release record (docs/release-history.json) does not bracket {change}: "
                + "; ".join(problems),
                location=self.get_location(),
            )
        title = self.title if self.has_explicit_title else f"Keras {CHANGES[change].first}"
        node = addnodes.pending_xref(
            "", refdomain="std", reftype="ref", reftarget=change_label(change), refexplicit=True
        )
        node += nodes.inline(title, title)
        return [node], []


class Scope(ReferenceRole):
    """``{scope}`on PyTorch from Keras 3.14 <too-many-initial-states torch 3.14- returned>```:
    the words, linked to the probe's table; a build warning where the record shows the claim
    wider than what ran (:func:`scope_problems`)."""

    def run(self):
        try:
            problems = scope_problems(load(), self.target)
        except ValueError as error:
            logger.warning(str(error), location=self.get_location())
            return [nodes.Text(self.title)], []
        if problems:
            logger.warning(
                f"scope: {self.title!r} claims {self.target!r}, wider than the record "
                f"(docs/release-history.json) shows: " + "; ".join(problems),
                location=self.get_location(),
            )
        node = addnodes.pending_xref(
            "", refdomain="std", reftype="ref", reftarget=probe_label(self.target.split()[0]), refexplicit=True
        )
        node += nodes.inline(self.title, self.title)
        return [node], []


class ProbeTable(SphinxDirective):
    """``{probe} too-many-initial-states``: the probe's outcome on every backend and release,
    as a table, where a page explains the behaviour (docs/what-changed.md has them all)."""

    required_arguments = 1

    def run(self):
        from keras_rnn_returns.probes import PROBES

        name = self.arguments[0]
        if name not in PROBES:
            raise self.error(f"probe: {name!r} is not one of {sorted(PROBES)} (keras_rnn_returns/probes.py)")
        every = f"{{ref}}`all of them <{probe_label(name)}>`"
        lines = [f"{PROBES[name].title}, on every backend and release ({every}):", ""]
        container = nodes.container(classes=["probe-table"])
        self.state.nested_parse(
            StringList([*lines, *probe_rows(load(), name)], source=self.env.docname), self.content_offset, container
        )
        return [container]


#: The picker's choices besides the releases, and the page Keras 2's readers go to.
OLDER, KERAS_2, KERAS_2_PAGE = "older-releases", "keras-2", "examples/keras-2-vs-keras-3"


def answer_id(version: str) -> str:
    """The id of a release's answer, which the picker shows: ``3.12`` -> ``keras-3-12``."""
    return "keras-" + version.replace(".", "-")


def _and(words: list[str]) -> str:
    """``["TensorFlow", "JAX", "PyTorch"]`` -> "TensorFlow, JAX and PyTorch"."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def _ran(run: dict | None, version: str) -> str:
    return f"Keras {version} ({run['keras']} executed)" if run else f"Keras {version} (not in the record)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


class ReleaseHistory(SphinxDirective):
    """``{release-history} range`` (the supported range, a sentence), ``changes`` (one row
    per change) or ``releases`` (one row per release executed)."""

    required_arguments = 1

    def run(self):
        record = load()
        which = self.arguments[0]
        if which == "changes":
            lines, keys = self._changes(record)
        elif which == "releases":
            lines, keys = self._releases(record), []
        elif which == "range":
            lines, keys = [in_range(record)], []
        elif which == "probes":
            return self._probes(record)
        elif which == "answers":
            return self._answers(record)
        else:
            raise self.error(f"release-history: {which!r} is not 'answers', 'range', 'changes', 'releases' or 'probes'")
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, container)
        for key, row in zip(keys, list(container.findall(nodes.row))[1:] if keys else [], strict=False):
            target = nodes.target("", "", ids=[change_label(key)], names=[change_label(key)])
            self.state.document.note_explicit_target(target)
            next(row.findall(nodes.paragraph)).insert(0, target)
        return container.children

    def _link(self, page: str) -> str:
        """A Markdown link to ``page`` (``examples/x#anchor``), named by the page's title."""
        path, _, anchor = page.partition("#")
        title = page_title(Path(self.env.srcdir) / f"{path}.md")
        return f"[{_cell(title)}](/{path}.md{'#' + anchor if anchor else ''})"

    def _answers(self, record: dict) -> list[nodes.Node]:
        """The page's opening: its answer in a sentence, the release picker, and for every
        release in the record (newest first), for Keras 2 and for releases older than the
        oldest executed, what a reader there meets that the pages do not show."""
        versions = [version for version in reversed(keras_minors()) if version in record["releases"]]
        if not versions:
            raise self.error("release-history answers: the record (docs/release-history.json) has no release")
        newest, oldest = record["releases"][versions[0]]["keras"], record["releases"][versions[-1]]["keras"]
        for key in CHANGES:
            if problems := bracket(record, key, pages_branching_on(Path(self.env.srcdir)).get(key, [])):
                logger.warning(f"release-history: the record does not bracket {key}: " + "; ".join(problems))
        silent = [CHANGES[key] for key in CHANGES if CHANGES[key].silent]
        count = len(behaviours())
        wrong = (
            f", {'one' if len(silent) == 1 else len(silent)} of them a wrong result without an error before "
            + " or ".join(f"Keras {change.first}" for change in silent)
            if silent
            else ""
        )
        opening = (
            f"**The pages show Keras {newest}; on an older Keras 3 release, down to {oldest}, up to {count} of "
            f"the behaviours they show differ{wrong}: pick your release to see which.**"
        )
        options = [("", "choose yours")]
        options += [
            (answer_id(version), f"Keras {version}" + (" (the pages')" if i == 0 else ""))
            for i, version in enumerate(versions)
        ]
        options += [(OLDER, f"older than Keras {oldest}"), (KERAS_2, "Keras 2 / tf.keras")]
        picker = (
            '<div class="release-picker" id="release-picker" hidden>\n'
            '<label for="release-choice">Your Keras release</label>\n'
            '<select id="release-choice" aria-controls="release-answers">\n'
            + "".join(f'<option value="{value}">{html.escape(text)}</option>\n' for value, text in options)
            + "</select>\n</div>\n"
        )
        top = nodes.container()
        self.state.nested_parse(StringList([opening], source=self.env.docname), self.content_offset, top)
        found: list[nodes.Node] = [*top.children, nodes.raw("", picker, format="html")]
        answers = nodes.container(ids=["release-answers"], classes=["release-answers"])
        for version in versions:
            for problem in answer_problems(record, version):
                logger.warning(
                    f"release-history: the record contradicts the answer for Keras {version}: {problem}",
                    location=(self.env.docname, self.lineno),
                )
            self._answer(
                answers, answer_id(version), f"On Keras {version}", self._release_lines(record, version, newest)
            )
        self._answer(
            answers,
            OLDER,
            f"Older than Keras {oldest}",
            [
                f"This site does not execute Keras releases older than {oldest}: nothing on these pages is checked on "
                f"them. The oldest it executes is Keras {oldest}; what differs there is "
                f"{{ref}}`under Keras {versions[-1]} <{answer_id(versions[-1])}>`.",
            ],
        )
        self._answer(
            answers,
            KERAS_2,
            "Keras 2 or tf.keras",
            [
                f"These pages are Keras 3. {self._link(KERAS_2_PAGE)} runs Keras 2 (`tf.keras` before TensorFlow 2.16, "
                "or tf-keras) beside Keras 3 and says what differs between them.",
            ],
        )
        found.append(answers)
        return found

    def _answer(self, parent: nodes.Element, ident: str, heading: str, lines: list[str]) -> None:
        """One release's answer, folded under its heading (not in "On this page") and its lines."""
        section = release_answer(ids=[ident], names=[ident], heading=heading)
        self.state.document.note_explicit_target(section)
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, section)
        parent += section

    def _release_lines(self, record: dict, version: str, newest: str) -> list[str]:
        """What differs on Keras ``version`` from the pages, in Markdown."""
        run = record["releases"][version]
        srcdir = Path(self.env.srcdir)
        passed, short = [], []
        for backend, name in BACKEND_NAMES.items():
            there = on_backend(run, backend)
            if there is None:
                short.append(f"it has not run on {name}")
            elif passing(there):
                passed.append(name)
            else:
                pages = sorted({page.removesuffix(" (doctests)") for page in failing(there)})
                titles = ", ".join(f"[{_cell(page_title(srcdir / f'{page}.md'))}](/{page}.md)" for page in pages)
                short.append(f"on {name}, not every page passes: {titles}")
        runs = f"every page passes on {_and(passed)}" if passed else "no backend passes every page"
        lines = [f"Keras {run['keras']}, executed: {runs}{'; ' + '; '.join(short) if short else ''}."]
        differ = differences(version)
        if not differ:
            lines.append(
                f"Nothing the pages show differs: they are built with Keras {newest}."
                if run["keras"] == newest
                else "Nothing the pages show differs."
            )
            return lines
        lines += ["", "What differs from the pages:", ""]
        for key, latest in differ:
            change, shown = CHANGES[key], CHANGES[latest]
            backend = BACKEND_NAMES.get(change.backend, "")
            where = f" (on {backend})" if backend and backend not in change.title else ""
            where = f", {{scope}}`{change.silent}`" if change.silent else where  # where it is wrong, probed
            said = (
                f"**{change.title}**{where}: on Keras {version}, {change.before}; the pages show Keras "
                f"{shown.first} and newer, where {shown.now} ({self._link(change.page)})."
            )
            if change.silent:  # a warning in words, not in colour alone
                lines += ["", ":::{admonition} Warning: a wrong result, without an error", ":class: warning"]
                lines += [said, ":::", ""]
            else:
                lines.append(f"- {said}")
        return lines

    def _changes(self, record: dict) -> tuple[list[str], list[str]]:
        rows = [
            "| what changed | first release | the release before it | explained on | the source line |",
            "| --- | --- | --- | --- | --- |",
        ]
        keys = sorted(CHANGES, key=lambda key: (minor(CHANGES[key].first), key))
        for key in keys:
            change = CHANGES[key]
            first, before = record["releases"].get(change.first), record["releases"].get(previous(change.first))
            why = (
                f"{{keras-source}}`Keras's source at {change.first} <{change.why}>`"
                if change.why
                else "no source line states it"
            )
            backend = f" (on the {BACKEND_NAMES[change.backend]} backend)" if change.backend else ""
            warning = (  # the words say it, not a colour
                f"**Warning: a wrong result, without an error,** {{scope}}`{change.silent}`: " if change.silent else ""
            )
            rows.append(
                f"| {_cell(change.now)}{backend} | {_ran(first, change.first)} | "
                f"{_ran(before, previous(change.first))}: {warning}{_cell(change.before)} | "
                f"{self._link(change.page)} | {why} |"
            )
        return rows, keys

    def _probes(self, record: dict) -> list[nodes.Node]:
        """Each probe's table, under a caption that names it and links to its page."""
        from keras_rnn_returns.probes import PROBES

        found = []
        for name, probe in PROBES.items():
            page, _, anchor = probe.page.partition("#")
            lines = [
                f"**{probe.title}** ([explained]({'/' + page}.md{'#' + anchor if anchor else ''})):",
                "",
                *probe_rows(record, name),
            ]
            container = nodes.container(ids=[probe_label(name)], names=[probe_label(name)])
            self.state.document.note_explicit_target(container)
            self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, container)
            found.append(container)
        return found

    def _releases(self, record: dict) -> list[str]:
        rows = [
            "| Keras | with | pages that pass (TensorFlow; JAX; PyTorch) | which behaviours held | executed |",
            "| --- | --- | --- | --- | --- |",
        ]
        for version in keras_minors():
            run = record["releases"].get(version)
            if run is None:
                rows.append(f"| {version} | not in the record | | | |")
                continue
            pages = run["pages"]
            failed = failing(run)
            result = (
                f"all {len(pages)}"
                if not failed
                else f"{len(pages) - len(failed)} of {len(pages)}; not: " + ", ".join(failed)
            )
            for backend in ("jax", "torch"):  # the pages on the other backends, where they ran
                there = on_backend(run, backend)
                if there is None:
                    result += f"; {BACKEND_NAMES[backend]}: not run"
                    continue
                failed_there = failing(there)
                passed = f"all {len(there['pages'])}" if not failed_there else "not " + ", ".join(failed_there)
                result += f"; {BACKEND_NAMES[backend]}: {passed}"
            before = sorted(
                {
                    f"{CHANGES[key].title} (as before Keras {CHANGES[key].first})"
                    for key, branch in run["branches"].items()
                    if branch == "old"
                }
            )
            held = "; ".join(before) + "; the rest as from their release" if before else "all as the pages show"
            stack = (  # the backends page runs JAX and PyTorch beside TensorFlow
                f"TensorFlow {run['tensorflow']}, tf-keras {run['tf-keras']}, JAX {run['jax']}, "
                f"PyTorch {run['torch']}, Python {run['python']}"
            )
            rows.append(f"| {run['keras']} | {stack} | {result} | {held} | {run['executed']} |")
        return rows


class release_answer(nodes.General, nodes.Element):  # lower case, as docutils names its nodes
    """One release's answer: a ``<details>`` that the picker opens (docs/_static/releases.js);
    without JavaScript the reader opens theirs, and the page is a list of releases until then."""


def _visit_answer(translator, node: release_answer) -> None:
    translator.body.append(translator.starttag(node, "details", CLASS="release-answer"))
    translator.body.append(f"<summary>{html.escape(node['heading'])}</summary>\n")


def _depart_answer(translator, node: release_answer) -> None:
    translator.body.append("</details>\n")


def setup(app):
    app.add_node(release_answer, html=(_visit_answer, _depart_answer))
    app.add_role("since", Since())
    app.add_role("scope", Scope())
    app.add_directive("probe", ProbeTable)
    app.add_directive("release-history", ReleaseHistory)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
