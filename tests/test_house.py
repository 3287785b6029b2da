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
    """Every distribution the groups (requirements*.in) and requirements-backends.txt name, as packaging reads them."""
    from packaging.requirements import Requirement

    from site_build.project import INSTALLED, normalized

    lines = [line for path in (*ROOT.glob("requirements*.in"), INSTALLED) for line in path.read_text().splitlines()]
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


def lock_problems(lock: str, wanted: list[str]) -> list[str]:
    """What is wrong with the lock file's text ``lock`` for the group that names ``wanted``
    (its .in's requirement lines): a pin without a hash, a package named but not pinned."""
    from packaging.requirements import Requirement

    from site_build.project import normalized

    problems, pinned, entry = [], set(), None
    for line in [*lock.splitlines(), ""]:
        if line.startswith("    --hash=sha256:"):
            entry = None  # the entry above has its hash
            continue
        if entry:
            problems.append(f"{entry}: no --hash")
        entry = None
        if line and not line.startswith((" ", "#", "-")):
            entry = line.removesuffix("\\").strip()
            pinned.add(normalized(Requirement(entry).name))
    for line in wanted:
        name = normalized(Requirement(line).name)
        if name not in pinned:
            problems.append(f"{name} is in the group but not in its lock: run `nox -s lock`")
    return problems


def _group(source: Path) -> list[str]:
    lines = (line.split("#")[0].strip() for line in source.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("-")]


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-checks.txt", "requirements-tools.txt"])
def test_every_lock_pins_each_package_of_its_group_with_its_hashes(lock: str) -> None:
    from noxfile import CUDA_ONLY
    from site_build.project import INSTALLED

    text = (ROOT / lock).read_text()
    wanted = _group(ROOT / lock.replace(".txt", ".in"))
    outside = {line for line in wanted if line.startswith("torch")}  # installed from requirements-backends.txt
    assert not lock_problems(text, [line for line in wanted if line not in outside])
    assert all(line in INSTALLED.read_text().splitlines() for line in outside)
    entries = [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert not [line for line in entries if line.startswith(("torch==", *CUDA_ONLY))], "PyPI's CUDA torch in a lock"


def test_the_lock_check_catches_a_pin_without_a_hash_and_a_package_left_out() -> None:
    lock = "numpy==2.4.6 \\\n    --hash=sha256:ab\n    # via -r requirements.in\nscipy==1.17.1\n    # via jax\n"
    assert lock_problems(lock, ["numpy", "pillow"]) == [
        "scipy==1.17.1: no --hash",
        "pillow is in the group but not in its lock: run `nox -s lock`",
    ]
