"""The house a maintainer walks into: one module per name, so that an import means one file."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path, PurePosixPath

import pytest

from site_build.project import ROOT
from site_build.reader_code import imported_modules


def modules_sharing_a_name(paths: list[str]) -> dict[str, list[str]]:
    """Each module name that more than one of ``paths`` holds (a Sphinx site's conf.py, which
    Sphinx names, and a package's __init__.py, imported by its package's name, excepted)."""
    names = Counter(PurePosixPath(p).name for p in paths if PurePosixPath(p).name not in ("conf.py", "__init__.py"))
    return {name: [p for p in paths if PurePosixPath(p).name == name] for name, count in names.items() if count > 1}


def test_no_two_modules_share_a_name() -> None:
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert not modules_sharing_a_name(tracked.stdout.split())


def test_the_check_catches_two_history_modules() -> None:
    found = modules_sharing_a_name(["docs/_ext/history.py", "tools/history.py", "conf.py", "tests/fixture/conf.py"])
    assert found == {"history.py": ["docs/_ext/history.py", "tools/history.py"]}


def test_pyproject_installs_every_module_readers_download() -> None:
    """The one list of them is keras_rnn_returns/reference/'s files; pyproject.toml must name each."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    from site_build.execution import READER_MODULES

    installed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["py-modules"]
    assert sorted(installed) == sorted(READER_MODULES) and len(READER_MODULES) >= 3


def undeclared(names: set[str], declared: set[str], local: set[str]) -> set[str]:
    """The distributions that provide ``names`` (neither standard library nor ``local``) and
    that no requirements file declares by name."""
    import sys
    from importlib.metadata import packages_distributions

    from site_build.project import normalized

    providers = packages_distributions()
    missing = set()
    for name in names - set(sys.stdlib_module_names) - local - {"__future__"}:
        distributions = {normalized(d) for d in providers.get(name, [name])}
        if not distributions & declared:
            missing |= distributions
    return missing


def _declared() -> set[str]:
    """Every distribution requirements.in and requirements-backends.txt name, as packaging reads them."""
    from packaging.requirements import Requirement

    from site_build.project import INSTALLED, normalized

    lines = (ROOT / "requirements.in").read_text().splitlines() + INSTALLED.read_text().splitlines()
    lines = (line.split("#")[0].strip() for line in lines)
    return {normalized(Requirement(line).name) for line in lines if line and not line.startswith("-")}


def test_every_package_the_code_imports_is_declared() -> None:
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    sources = [ROOT / path for path in tracked.stdout.split()]
    local = {source.stem for source in sources} | {"keras_rnn_returns", "site_build"}
    imported = imported_modules([source.read_text(encoding="utf-8") for source in sources])
    assert not undeclared(imported, _declared(), local)


def test_the_check_catches_an_import_that_only_comes_along(tmp_path: Path) -> None:
    module = tmp_path / "uses.py"
    module.write_text("import yaml\nfrom bs4 import BeautifulSoup\nimport json\n")
    assert undeclared(imported_modules([module.read_text()]), {"beautifulsoup4"}, set()) == {"pyyaml"}
