"""Fixtures shared by the tests: the built site, and throw-away copies of the project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
EXAMPLES = sorted((ROOT / "examples").glob("*.md"))
# What a build needs; everything else (tests, .nox, .git) stays behind.
PROJECT_FILES = ("conf.py", "index.md", "noxfile.py", "requirements.txt", "docs", "examples")

# Tests run example code in-process, as the pages' kernels do (see conf.py).
sys.path.insert(0, str(ROOT / "examples"))
os.environ["KERAS_BACKEND"] = "tensorflow"


@pytest.fixture(scope="session")
def built_site() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("No built site in _build/html: run `nox -s tests` (it builds first) or `nox -s docs`.")
    return HTML


@pytest.fixture
def project_copy(tmp_path: Path, built_site: Path) -> Path:
    """A copy of the project with the build's execution cache, so only changed pages execute."""
    copy = tmp_path / "project"
    copy.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    shutil.copytree(ROOT / "_build" / ".jupyter_cache", copy / "_build" / ".jupyter_cache")
    return copy


def run_nox(project: Path, session: str) -> subprocess.CompletedProcess[str]:
    """Run a session of the copy's noxfile the way a person would, in this environment."""
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    # --no-venv --no-install: this environment already has every requirement installed.
    nox = [sys.executable, "-m", "nox", "--noxfile", str(project / "noxfile.py"), "--no-venv", "--no-install"]
    return subprocess.run(
        [*nox, "-s", session],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def add_cell(page: Path, source: str, tags: tuple[str, ...] = ()) -> None:
    """Append a code cell to a MyST notebook."""
    options = f":tags: [{', '.join(tags)}]\n" if tags else ""
    page.write_text(page.read_text() + f"\n```{{code-cell}}\n{options}{source}\n```\n")
