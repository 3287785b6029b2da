"""The build leans on three things its libraries do not promise to keep (docs/_ext/execution.py):
jupyter-cache's `single_nb_execution` and MyST-NB's `create_nb_reader`, to execute the pages
the cache lacks before Sphinx reads any, and Sphinx's `_warncount`, to forget a build that
warned. An upgrade that moves or changes one fails here, naming it, before it fails a build
in a way that is hard to read."""

from __future__ import annotations

import inspect

import sphinx.application


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
