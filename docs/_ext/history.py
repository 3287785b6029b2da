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
- ``{release-history}`` renders the record's tables on docs/what-changed.md.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from project import ROOT, keras_minors, release
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import ReferenceRole, SphinxDirective

from keras_rnn_returns.releases import CHANGES, minor
from keras_rnn_returns.show import BACKEND_NAMES

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
    from reader_code import notebook_pages

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


def passing(run: dict) -> bool:
    """Whether every page and every page's doctests passed in one release's run."""
    return all(result == "pass" for result in (*run["pages"].values(), *run["doctests"].values()))


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
    """A page's title, its first heading (another page's doctree may not be read yet)."""
    return re.search(r"^# (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE).group(1)


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
        else:
            raise self.error(f"release-history: {which!r} is not 'range', 'changes', 'releases' or 'probes'")
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, container)
        for key, row in zip(keys, list(container.findall(nodes.row))[1:] if keys else [], strict=False):
            target = nodes.target("", "", ids=[change_label(key)], names=[change_label(key)])
            self.state.document.note_explicit_target(target)
            next(row.findall(nodes.paragraph)).insert(0, target)
        return container.children

    def _changes(self, record: dict) -> tuple[list[str], list[str]]:
        rows = [
            "| what changed | first release | the release before it | explained on | why |",
            "| --- | --- | --- | --- | --- |",
        ]
        keys = sorted(CHANGES, key=lambda key: (minor(CHANGES[key].first), key))
        for key in keys:
            change = CHANGES[key]
            first, before = record["releases"].get(change.first), record["releases"].get(previous(change.first))
            page, _, anchor = change.page.partition("#")
            title = page_title(Path(self.env.srcdir) / f"{page}.md")
            link = f"[{_cell(title)}](/{page}.md{'#' + anchor if anchor else ''})"
            why = f"{{keras-source}}`Keras's source <{change.why}>`" if change.why else "not cited"
            backend = f" (on the {BACKEND_NAMES[change.backend]} backend)" if change.backend else ""
            rows.append(
                f"| {_cell(change.now)}{backend} | {_ran(first, change.first)} | "
                f"{_ran(before, previous(change.first))}: {_cell(change.before)} | {link} | {why} |"
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
            "| Keras | with | pages that pass (TensorFlow; JAX; PyTorch) | branches that held | executed |",
            "| --- | --- | --- | --- | --- |",
        ]
        for version in keras_minors():
            run = record["releases"].get(version)
            if run is None:
                rows.append(f"| {version} | not in the record | | | |")
                continue
            pages = run["pages"]
            failed = sorted(page for page, result in pages.items() if result != "pass")
            failed += sorted(f"{page} (doctests)" for page, result in run["doctests"].items() if result != "pass")
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
                failing = sorted(page for page, outcome in there["pages"].items() if outcome != "pass")
                failing += sorted(f"{page} (doctests)" for page, out in there["doctests"].items() if out != "pass")
                passed = f"all {len(there['pages'])}" if not failing else "not " + ", ".join(failing)
                result += f"; {BACKEND_NAMES[backend]}: {passed}"
            held = ", ".join(f"{key}: {branch}" for key, branch in sorted(run["branches"].items()))
            stack = (  # the backends page runs JAX and PyTorch beside TensorFlow
                f"TensorFlow {run['tensorflow']}, tf-keras {run['tf-keras']}, JAX {run['jax']}, "
                f"PyTorch {run['torch']}, Python {run['python']}"
            )
            rows.append(f"| {run['keras']} | {stack} | {result} | {held} | {run['executed']} |")
        return rows


def setup(app):
    app.add_role("since", Since())
    app.add_role("scope", Scope())
    app.add_directive("probe", ProbeTable)
    app.add_directive("release-history", ReleaseHistory)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
