"""Two builds of the same sources publish the same site, byte for byte.

Two copies of the fixture site (tests/fixture: the site's configuration, a page that
prints and one that draws) at different paths, each built from nothing: each executes
its pages and draws its picture. The built pages carry no timestamps to strip: Furo shows
no "last updated" date and Sphinx writes none. (That the real pages print the same
numbers twice is test_reader_code.py's promise.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from building import FIXTURE, build

pytestmark = pytest.mark.slow

# Sphinx's own state for incremental builds, not part of the site: .buildinfo's hash of the
# configuration, which holds the project's absolute path.
BUILD_STATE = (".buildinfo",)


def site_files(html: Path) -> dict[str, bytes]:
    return {
        path.relative_to(html).as_posix(): path.read_bytes()
        for path in sorted(html.rglob("*"))
        if path.is_file() and path.relative_to(html).parts[0] not in BUILD_STATE
    }


def test_two_builds_publish_identical_files(tmp_path: Path) -> None:
    builds = []
    for name in ("first", "second"):
        copy = Path(shutil.copytree(FIXTURE, tmp_path / name, ignore=shutil.ignore_patterns("_build")))
        result = build(copy)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        builds.append(site_files(copy / "_build" / "html"))
    first, second = builds

    assert "index.html" in first and any(name.endswith(".svg") for name in first)
    assert sorted(first) == sorted(second), "the two builds published different files"
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"{len(differ)} files differ: {differ[:20]}; {first_difference(builds, differ)}"


def first_difference(builds: list[dict[str, bytes]], differ: list[str]) -> str:
    """Where the first differing file first differs, in both builds."""
    if not differ:
        return ""
    first, second = (build[differ[0]] for build in builds)
    shorter = min(len(first), len(second))
    at = next((i for i in range(shorter) if first[i] != second[i]), shorter)
    return f"{differ[0]} at byte {at}: {first[at - 40 : at + 40]!r} vs {second[at - 40 : at + 40]!r}"
