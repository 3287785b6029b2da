"""The build leans on three things its libraries do not promise to keep (site_build/execution.py):
jupyter-cache's `single_nb_execution` and MyST-NB's `create_nb_reader`, to execute the pages
the cache lacks before Sphinx reads any, and Sphinx's `_warncount`, to forget a build that
warned; the tests lean on a fourth, pytest-xdist's `_split_scope` (tests/parallel.py). An
upgrade that moves or changes one fails here, naming it, before it fails a build in a way
that is hard to read, or runs the browser crawl twice."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import sphinx.application

from site_build.project import ROOT


def test_jupyter_cache_still_executes_one_notebook_as_the_build_calls_it() -> None:
    from jupyter_cache.executors.utils import single_nb_execution

    parameters = inspect.signature(single_nb_execution).parameters
    assert {"nb", "cwd", "timeout", "allow_errors", "kwargs"} <= set(parameters), parameters
    assert {"err", "time"} <= set(inspect.signature(single_nb_execution).return_annotation.__annotations__)


def test_myst_nb_still_reads_a_page_as_the_build_calls_it() -> None:
    from myst_nb.core.read import create_nb_reader

    assert list(inspect.signature(create_nb_reader).parameters) == ["path", "md_config", "nb_config", "content"]


def test_sphinx_still_counts_warnings_where_the_build_reads_them() -> None:
    assert "self._warncount" in inspect.getsource(sphinx.application.Sphinx)


def test_pytest_xdist_still_splits_the_tests_where_parallel_py_says(tmp_path: Path) -> None:
    """xdist's schedulers call ``_split_scope`` for each test's unit of work: a group named in
    tests/parallel.py runs on one worker, and the tests beside it on the other."""
    (tmp_path / "conftest.py").write_text(
        "import parallel\n"
        "def pytest_xdist_make_scheduler(config, log):\n"
        "    return parallel.scheduler(config, log, together=('test_together.py::',))\n"
    )
    # No test waits on another: xdist hands each worker its first units once both have
    # collected, so the group's worker and the other both start with work of their own.
    module = """import os, pytest
@pytest.mark.parametrize("n", range(6))
def test_it(n):  # which worker ran it, in a file of its own
    print(os.environ["PYTEST_XDIST_WORKER"], file=open(f"{__name__}.{n}.worker", "w"))
"""
    for name in ("test_together", "test_alone"):
        (tmp_path / f"{name}.py").write_text(module)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    command = [sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", "-q"]
    ran = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout + ran.stderr

    def workers(name: str) -> set[str]:
        return {path.read_text().strip() for path in tmp_path.glob(f"{name}.*.worker")}

    assert len(workers("test_together")) == 1, "a group of tests/parallel.py was split between workers"
    assert workers("test_alone") - workers("test_together"), "every test ran on the group's worker"
