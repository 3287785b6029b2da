"""The README's quick start and excerpt tell the truth."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from building import nox_list

from site_build.project import OLDEST, ROOT, newest_pin

README = (ROOT / "README.md").read_text()


def test_quick_start_is_two_commands_that_build_then_check() -> None:
    block = re.search(r"^## Quick start$.*?^```sh\n(.*?)^```", README, re.S | re.M).group(1)
    assert block.splitlines() == ["python3 noxfile.py -s docs", "python3 noxfile.py -s tests"]
    assert "python3 noxfile.py -s tests" in (ROOT / ".ci" / "run").read_text()


def test_readme_excerpt_is_what_the_bidirectional_page_shows(built_site: Path) -> None:
    lines = re.search(r"^(\| # \| returned .*?)\n\n", README, re.S | re.M).group(1).splitlines()
    excerpt = [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in lines if "---" not in line]
    page = BeautifulSoup((built_site / "examples" / "bidirectional-lstm-states.html").read_text(), "html.parser")
    shown = [
        [[cell.get_text().strip() for cell in row.find_all(["th", "td"])] for row in table.find_all("tr")]
        for table in page.select("table.returned")
    ]
    assert excerpt in shown


def test_supported_range_stated_is_the_range_the_matrix_runs() -> None:
    import noxfile

    assert noxfile.SUPPORTED["oldest"] == ("-r", str(OLDEST))
    oldest = {name: newest_pin(name, OLDEST) for name in ("keras", "tensorflow")}
    newest = {name: newest_pin(name) for name in ("keras", "tensorflow")}  # the site is built and hosted with them
    for text in (README, (ROOT / "index.md").read_text()):
        assert f"Keras {oldest['keras']} with TensorFlow {oldest['tensorflow']}" in text
        assert f"Keras {newest['keras']} and TensorFlow {newest['tensorflow']}" in text


def test_nox_l_the_list_the_readme_points_to_describes_every_session_in_a_whole_sentence() -> None:
    assert "nox -l" in README
    listed = nox_list()
    assert listed.returncode == 0, listed.stderr
    # "* tests -> Every check: ..."; nox shows a docstring's first line only, so it must stand alone.
    described = dict(line[2:].split(" -> ", 1) for line in listed.stdout.splitlines() if line[:2] in ("* ", "- "))
    assert {"docs", "serve", "tests", "bench", "lint"} <= set(described)
    cut_short = {name: text for name, text in described.items() if not text.endswith(".")}
    assert not cut_short, cut_short


#: What belongs in a closing note or a log, not in the front door: a commit hash, a run's
#: timing, and sentences about the machines a run happened on.
COMMIT = re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")
TIMING = re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|seconds?|minutes?|min|CPU seconds)\b")
MACHINE = re.compile(r"\b(?:our machines?|this machine|\d+-core|on a \w+ machine|no session has had)\b", re.I)


def front_door_problems(text: str) -> list[str]:
    """Why ``text`` is not a README a newcomer walks into: too long, or holding run figures."""
    problems = [f"{len(text.splitlines())} lines, more than 120"] if len(text.splitlines()) > 120 else []
    for name, pattern in (("a commit hash", COMMIT), ("a run timing", TIMING), ("machine talk", MACHINE)):
        problems += [f"{name}: {match.group(0)!r}" for match in pattern.finditer(text)]
    return problems


def test_the_readme_is_a_front_door_without_run_figures_or_machine_talk() -> None:
    assert not front_door_problems(README)


def test_the_front_door_check_catches_a_lab_notebook() -> None:
    planted = README + "\nA cold build took 85.0 s at d9a0e57 on our machines (2-core).\n" + "more\n" * 120
    found = " ".join(front_door_problems(planted))
    for problem in ("lines, more than 120", "a commit hash: 'd9a0e57'", "a run timing: '85.0 s'", "machine talk"):
        assert problem in found, problem


def test_every_session_the_readme_names_exists() -> None:
    listed = nox_list().stdout
    sessions = {line[2:].split(" -> ")[0].split("(")[0] for line in listed.splitlines() if line[:2] in ("* ", "- ")}
    named = set(re.findall(r"nox -s (\w+)", README))
    assert named and named <= sessions, named - sessions
