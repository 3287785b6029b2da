"""Two builds of the same sources publish the same site, byte for byte.

Both build from the same execution cache (so both show the same executed outputs; that
two executions print the same numbers is test_examples.py's promise), in two copies of
the project at different paths, each into a fresh output folder. The built pages carry
no timestamps to strip: Furo shows no "last updated" date and Sphinx writes none.
"""

from __future__ import annotations

from pathlib import Path

from conftest import copy_project, run_nox

# Sphinx's own state for incremental builds, not part of the site: pickled doctrees, and
# .buildinfo's hash of the configuration, which holds the project's absolute path.
BUILD_STATE = (".doctrees", ".buildinfo")


def site_files(html: Path) -> dict[str, bytes]:
    return {
        path.relative_to(html).as_posix(): path.read_bytes()
        for path in sorted(html.rglob("*"))
        if path.is_file() and path.relative_to(html).parts[0] not in BUILD_STATE
    }


def test_two_builds_publish_identical_files(tmp_path: Path, built_site: Path) -> None:
    builds = []
    for name in ("first", "second"):
        copy = copy_project(tmp_path / name)
        result = run_nox(copy, "docs")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        builds.append(site_files(copy / "_build" / "html"))
    first, second = builds

    assert len(first) > 50 and "index.html" in first
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
