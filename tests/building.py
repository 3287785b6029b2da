"""Building sites as the nox sessions build them, in this environment: the fixture site
(tests/fixture: two pages, the real site's configuration) that tests break on purpose, and
``nox --list``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from executions import FIXTURE_SITE, count_execution

from site_build.project import ROOT, sphinx

FIXTURE = ROOT / "tests" / "fixture"


def nox_list(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``nox --list`` of the project's noxfile, with ``arguments`` (``--json``, ``-s`` names…)."""
    command = [sys.executable, "-m", "nox", "--noxfile", str(ROOT / "noxfile.py"), "--list", *arguments]
    return subprocess.run(command, capture_output=True, text=True)


def build_command(site: Path, builder: str = "html", **env: str) -> tuple[list[str], dict[str, str]]:
    """The command and environment that build ``site`` as the nox sessions build (project.sphinx)."""
    command = [sys.executable, *sphinx(site, site / "_build" / builder, builder)[1:]]
    # The fixture's conf.py reads the real site's; kernels run with the `python` on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    environment = dict(os.environ, KERAS_RNN_SITE=str(ROOT), PATH=path, **env)
    return command, environment


def build(site: Path, builder: str = "html", **env: str) -> subprocess.CompletedProcess[str]:
    """Build ``site`` as the nox sessions build, in this environment."""
    command, environment = build_command(site, builder, **env)
    result = subprocess.run(command, cwd=site, env=environment, capture_output=True, text=True, timeout=600)
    for page in executed(result):
        count_execution(f"{site.name}/{page}", FIXTURE_SITE)
    return result


def executed(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The pages a build executed (MyST-NB's log line, and the one executing ahead of reading)."""
    pages = re.findall(r"(\S+\.md): Executing notebook", result.stdout + result.stderr)
    return sorted({Path(page).stem for page in pages})


def add_cell(page: Path, source: str, tags: tuple[str, ...] = ()) -> None:
    """Append a code cell to a MyST notebook."""
    options = f":tags: [{', '.join(tags)}]\n" if tags else ""
    page.write_text(page.read_text() + f"\n```{{code-cell}}\n{options}{source}\n```\n")
