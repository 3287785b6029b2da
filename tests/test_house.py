"""The house a maintainer walks into: one module per name, so that an import means one file."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import PurePosixPath

from project import ROOT


def modules_sharing_a_name(paths: list[str]) -> dict[str, list[str]]:
    """Each module name that more than one of ``paths`` holds (a Sphinx site's conf.py, which
    Sphinx names, excepted)."""
    names = Counter(PurePosixPath(path).name for path in paths if PurePosixPath(path).name != "conf.py")
    return {name: [p for p in paths if PurePosixPath(p).name == name] for name, count in names.items() if count > 1}


def test_no_two_modules_share_a_name() -> None:
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert not modules_sharing_a_name(tracked.stdout.split())


def test_the_check_catches_two_history_modules() -> None:
    found = modules_sharing_a_name(["docs/_ext/history.py", "tools/history.py", "conf.py", "tests/fixture/conf.py"])
    assert found == {"history.py": ["docs/_ext/history.py", "tools/history.py"]}
