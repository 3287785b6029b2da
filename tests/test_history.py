"""What changed in which release is proven by executing the releases either side: every
boundary a page states (keras_rnn_returns/releases.py) is bracketed in the record `nox -s
history` commits (docs/release-history.json), the record covers every Keras 3 minor release
from the oldest supported to the pin, and the supported range the README and the front page
state is the one the record proves."""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import pytest
from site_pages import html_pages

from keras_rnn_returns import releases
from keras_rnn_returns.releases import CHANGES, minor
from site_build.history import (
    PAGE,
    RECORD,
    answer_id,
    answer_problems,
    bracket,
    differences,
    in_range,
    load,
    pages_branching_on,
    previous,
    scope_problems,
    supported,
)
from site_build.project import OLDEST, ROOT, keras_minors, newest_pin
from site_build.provenance import NOT_SCANNED, paragraphs
from site_build.reader_code import notebook_pages

RECORDED = load()
PAGES = pages_branching_on(ROOT)


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_boundary_a_page_states_is_bracketed_by_passing_runs_either_side(change: str) -> None:
    assert change in PAGES, f"no page branches on since({change!r}): remove it from CHANGES or use it"
    assert bracket(RECORDED, change, PAGES[change]) == []


@pytest.mark.parametrize("off_by", [-1, 1])
def test_a_boundary_stated_one_release_off_is_caught(monkeypatch: pytest.MonkeyPatch, off_by: int) -> None:
    """The page's boundary moved one release off, the record left as the real releases made it."""
    change = CHANGES["stateful-batch-size-check"]
    major, number = minor(change.first)
    monkeypatch.setitem(
        CHANGES, "stateful-batch-size-check", dataclasses.replace(change, first=f"{major}.{number + off_by}")
    )
    problems = bracket(RECORDED, "stateful-batch-size-check", PAGES["stateful-batch-size-check"])
    assert any("branch of stateful-batch-size-check should hold" in problem for problem in problems), problems


def test_a_record_of_a_page_failing_beside_its_boundary_is_caught() -> None:
    """What `nox -s history` records when the code's boundary is one release off: the page fails there."""
    record = copy.deepcopy(RECORDED)
    change = CHANGES["stateful-batch-size-check"]
    record["releases"][previous(change.first)]["pages"]["examples/stateful-layers"] = "fail"
    problems = bracket(record, "stateful-batch-size-check", PAGES["stateful-batch-size-check"])
    assert problems == [
        f"on Keras {record['releases'][previous(change.first)]['keras']}, examples/stateful-layers did not pass"
    ]


def test_the_record_covers_every_keras_3_minor_release_from_the_oldest_to_the_pin() -> None:
    assert RECORD.exists(), "run `nox -s history` (every release) and commit docs/release-history.json"
    assert list(RECORDED["releases"]) == keras_minors()
    pages = {page.relative_to(ROOT).with_suffix("").as_posix() for page in notebook_pages(ROOT)}
    for version, run in RECORDED["releases"].items():
        assert minor(run["keras"]) == minor(version), (version, run["keras"])
        assert set(run["pages"]) == pages, f"Keras {version} was executed on other pages than the site has"
    assert RECORDED["releases"][keras_minors()[-1]]["keras"] == newest_pin("keras")


def test_the_supported_range_is_what_the_record_proves_and_the_readme_and_front_page_say_it() -> None:
    oldest, newest = supported(RECORDED)
    assert (oldest, newest) == (newest_pin("keras", OLDEST), newest_pin("keras")), (
        "the oldest release on which every page passes is not requirements-oldest.txt's Keras"
    )
    sentence = in_range(RECORDED)
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert sentence in readme, f"the README should say: {sentence}"
    assert "```{release-history} range\n```" in (ROOT / "index.md").read_text()


def test_pages_branch_on_a_release_only_through_since() -> None:
    for page in notebook_pages(ROOT):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"keras\.__version__\s*[<>=]|keras_version\s*[<>]=?|keras_at_least", text), page.name
        for change in re.findall(r"\{since\}`([^`]+)`", text):
            assert change in CHANGES, f"{page.name}: {{since}}`{change}` is not in CHANGES"
    for change in CHANGES:
        assert any(f"{{since}}`{change}`" in page.read_text() for page in notebook_pages(ROOT)), (
            f"no sentence names the release of {change} with {{since}}"
        )


def test_a_release_typed_beside_a_boundary_agrees_with_it() -> None:
    """ "Keras 3.3 to 3.7 said ...": the typed releases of a sentence that names a boundary are
    the oldest supported, the release before the boundary, or the boundary itself."""
    oldest = ".".join(map(str, minor(newest_pin("keras", OLDEST))))
    for page in notebook_pages(ROOT):
        for line, text in paragraphs(page.read_text(encoding="utf-8")):
            for change in re.findall(r"\{since\}`([^`]+)`", text):
                allowed = {oldest, previous(CHANGES[change].first), CHANGES[change].first}
                typed = re.findall(r"(?<![\w.])(3\.\d+)(?:\.\d+)?(?![\w.])", re.sub(r"`[^`]*`", "", text))
                assert set(typed) <= allowed, (
                    f"{page.name}:{line}: {typed} beside {change} (first {CHANGES[change].first})"
                )


def test_since_logs_the_branch_it_took_for_the_record(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "branches.jsonl"
    monkeypatch.setenv(releases.BRANCH_LOG, str(log))
    first = CHANGES["stateful-batch-size-check"].first
    assert releases.since("stateful-batch-size-check", first) is True
    assert releases.since("stateful-batch-size-check", previous(first) + ".9") is False
    assert [line.count('"new": true') for line in log.read_text().splitlines()] == [1, 0]


def test_history_is_not_part_of_tests_or_ci_run() -> None:
    import noxfile

    assert not any(
        session.startswith("history") for session in (*noxfile.OTHER_ENVIRONMENTS, *noxfile.nox.options.sessions)
    )
    assert "history" not in (ROOT / ".ci" / "run").read_text()


# --- Scope words: a sentence about a backend or a release claims no more than its probe's record ---

SCOPE_ROLE = re.compile(r"\{scope\}`[^`<]*<([^`>]+)>`")
#: What common-errors said before the record had PyTorch in it: too many initial states "raise
#: nothing" on PyTorch, on every release. The record shows them raising before Keras 3.14.
ITEM_1_OLD_CLAIM = "too-many-initial-states torch * returned"


def site_scopes() -> list[tuple[str, str]]:
    """(page, target) of every ``{scope}`` role on the site (the contributing guide's example is a pattern)."""
    pages = [*ROOT.glob("examples/*.md"), *ROOT.glob("docs/*.md"), ROOT / "index.md"]
    pages = [page for page in pages if page.relative_to(ROOT).with_suffix("").as_posix() not in NOT_SCANNED]
    return [
        (page.relative_to(ROOT).as_posix(), target)
        for page in pages
        for target in SCOPE_ROLE.findall(page.read_text(encoding="utf-8"))
    ]


def test_pages_state_backends_and_releases_through_probes() -> None:
    assert len(site_scopes()) >= 4, "the sentences that name a backend's or a release's behaviour use {scope}"


@pytest.mark.parametrize(("page", "target"), site_scopes())
def test_every_scoped_sentence_holds_on_every_backend_and_release_it_names(page: str, target: str) -> None:
    assert scope_problems(RECORDED, target) == [], page


def test_a_sentence_wider_than_its_probes_record_is_caught() -> None:
    old = scope_problems(RECORDED, ITEM_1_OLD_CLAIM)
    assert old and all(problem.startswith("PyTorch, Keras 3.") for problem in old)
    assert any("Keras 3.3:" in problem for problem in old)  # the oldest releases raised
    # planted: a claim one release wider than the record on the other side, and a backend too many
    assert scope_problems(RECORDED, "too-many-initial-states torch,jax 3.14- returned")
    assert scope_problems(RECORDED, "too-many-initial-states torch 3.13- returned")
    assert scope_problems(RECORDED, "too-many-initial-states torch 3.14- returned") == []


def test_a_release_missing_from_the_record_is_not_taken_as_holding() -> None:
    record = copy.deepcopy(RECORDED)
    del record["releases"][keras_minors()[-1]]["probes"]
    problems = scope_problems(record, "too-many-initial-states torch 3.14- returned")
    assert problems == [f"PyTorch, Keras {keras_minors()[-1]}: not in the record"]


def test_each_kind_of_run_lands_in_its_place_in_the_record(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tools/record_releases.py's merge: the TensorFlow run is the release's own, the JAX and PyTorch runs
    go under "backends", a probes-only run replaces the probes alone; none drops another's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("record_releases", ROOT / "tools" / "record_releases.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(tool, "RECORD", tmp_path / "record.json")
    pages = {"pages": {"a": "pass"}, "doctests": {}, "problems": {}, "executed": "d", "commit": "c", "seconds": 1}
    tool.merge([{"keras": "3.12.4", **pages, "probes": {"outcomes": {"torch": {"p": "old"}}}}])
    on_jax = {"backend": "jax", "jax": "0.6", "torch": "2", "numpy": "2"}
    tool.merge([{"keras": "3.12.4", **on_jax, **pages, "pages": {"a": "fail"}}])
    tool.merge([{"keras": "3.12.4", "probes": {"outcomes": {"torch": {"p": "new"}}}}])
    run = load(tmp_path / "record.json")["releases"]["3.12"]
    assert run["pages"] == {"a": "pass"} and run["backends"]["jax"]["pages"] == {"a": "fail"}
    assert run["probes"]["outcomes"]["torch"]["p"] == "new"
    tool.merge([{"keras": "3.12.4", **pages}])  # the TensorFlow pages again: JAX's run stays
    assert load(tmp_path / "record.json")["releases"]["3.12"]["backends"]["jax"]["pages"] == {"a": "fail"}


# --- The release page: a reader on an older Keras reads words, not the code's names ---------------


def internal_keys() -> set[str]:
    """The names the code gives changes (releases.py) and probes (probes.py): readers never see them."""
    from keras_rnn_returns.probes import PROBES

    return set(CHANGES) | set(PROBES)


def keys_shown(page: Path) -> list[str]:
    """The internal keys in a built page's text (what a reader sees: not ids, links or scripts)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for unseen in soup(["script", "style"]):
        unseen.decompose()
    text = soup.get_text(" ")
    return sorted(key for key in internal_keys() if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text))


def test_no_built_page_shows_a_reader_an_internal_key(built_site: Path) -> None:
    pages = html_pages(built_site)
    assert len(pages) > 30, "the built site lost its pages"
    shown = {page.relative_to(built_site).as_posix(): found for page in pages if (found := keys_shown(page))}
    assert not shown, f"pages that show the code's names of changes or probes: {shown}"


def test_the_key_check_reads_text_not_ids(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text('<p id="change-stateful-batch-size-check"><a href="#probe-mha-2d-value-built">words</a></p>')
    assert keys_shown(page) == []
    page.write_text("<table><tr><td>stateful-batch-size-check: old</td></tr></table>")
    assert keys_shown(page) == ["stateful-batch-size-check"]


def test_a_behaviour_changed_and_changed_back_differs_only_where_it_is_not_as_the_pages_show() -> None:
    """MultiHeadAttention's error was reworded in 3.7 alone: 3.6 reads as the pages do, 3.7 does not."""
    shown = {version: [key for key, _ in differences(version)] for version in keras_minors()}
    assert not any(key.startswith("mha-2d-value-error") for key in shown["3.6"]), shown["3.6"]
    assert "mha-2d-value-error-restored" in shown["3.7"]
    # PyTorch's fit changed twice, neither time back: each release before the last differs, by its own words.
    assert "torch-stateful-fit-trains" in shown["3.8"] and "torch-stateful-fit-auto-raises" in shown["3.9"]
    assert shown[keras_minors()[-1]] == []


def test_an_answer_the_record_contradicts_is_caught() -> None:
    """The record shows the batch-size check holding on 3.11, where the page says a reader meets its absence."""
    record = copy.deepcopy(RECORDED)
    assert all(answer_problems(record, version) == [] for version in keras_minors())
    record["releases"]["3.11"]["branches"]["stateful-batch-size-check"] = "new"
    assert answer_problems(record, "3.11") == [
        f"on Keras {record['releases']['3.11']['keras']}, the new branch of stateful-batch-size-check held; "
        "the page says the old"
    ]


def release_answers(built_site: Path) -> dict[str, object]:
    """The built release page's answers, by id (keras-3-12, ...)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((built_site / f"{PAGE}.html").read_text(encoding="utf-8"), "html.parser")
    return {answer["id"]: answer for answer in soup.select(".release-answer")}


def test_a_wrong_result_without_an_error_is_a_warning_first_on_every_release_it_reaches(built_site: Path) -> None:
    answers = release_answers(built_site)
    assert set(answers) >= {answer_id(version) for version in keras_minors()}
    warned = 0
    for version in keras_minors():
        answer = answers[answer_id(version)]
        for key, _ in differences(version):
            title = CHANGES[key].title.replace("`", "")
            warnings = [" ".join(w.get_text(" ").split()) for w in answer.select(".admonition.warning")]
            if CHANGES[key].silent:
                warned += 1
                assert any(title in warning and "Warning: a wrong result" in warning for warning in warnings), (
                    version,
                    warnings,
                )
                first = answer.select_one(".admonition, li")
                assert "warning" in first.get("class", []), f"Keras {version}: the warning is not first"
            else:
                assert not any(title in warning for warning in warnings), (version, key)
    assert warned, "no release is warned of a wrong result without an error"
