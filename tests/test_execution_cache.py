"""Each page executes once per environment: `nox -s versions` and `nox -s backends` execute
into the build's own cache, keyed on the shared code, the installed versions and the
backend (site_build/execution.py's cache_key), so an environment the build already ran
executes nothing again, and an edit to the shared code executes every page again."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_build import execution
from site_build.project import ROOT

EXECUTE_EVERYTHING = ROOT / "tools" / "execute_everything.py"


def test_versions_and_backends_execute_into_the_builds_keyed_cache() -> None:
    script = EXECUTE_EVERYTHING.read_text()
    assert "nb_execution_cache_path" not in script, "a cache path of its own is keyed on nothing: stale outputs pass"
    import runpy

    configured = runpy.run_path(str(ROOT / "conf.py"))  # conf.py executed, as Sphinx executes it
    assert configured["nb_execution_cache_path"] == str(ROOT / "_build" / ".jupyter_cache" / execution.cache_key())


def test_an_edit_to_the_shared_code_makes_every_cached_page_miss(tmp_path: Path, monkeypatch) -> None:
    copies = [
        Path(shutil.copy(path, tmp_path / f"{number}-{path.name}"))
        for number, path in enumerate(execution.shared_code_files())
    ]
    monkeypatch.setattr(execution, "shared_code_files", lambda: copies)
    before = execution.cache_key()
    assert execution.cache_key() == before  # the same code: the same cache

    reference = next(path for path in copies if path.name.endswith("numpy_rnn.py"))
    reference.write_text(reference.read_text() + "\n# an edit\n")

    assert execution.cache_key() != before, "an edit to numpy_rnn.py left the cache key as it was"


def test_each_backend_has_a_cache_of_its_own(monkeypatch) -> None:
    keys = set()
    for backend in ("tensorflow", "jax", "torch"):
        monkeypatch.setenv("KERAS_BACKEND", backend)
        keys.add(execution.cache_key())
    assert len(keys) == 3


def test_nox_counts_each_page_a_session_build_executed_once(tmp_path: Path, monkeypatch) -> None:
    """`nox -s executions` reports the site builds' executions from the records they added to
    the execution caches during the session (noxfile.py's _count_builds), and none from before."""
    import json
    import types

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    import noxfile

    page = tmp_path / "examples" / "a-page.md"
    page.parent.mkdir()
    page.write_text("# A page\n")
    cache = get_cache(tmp_path / "_build" / ".jupyter_cache" / "key")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    log = tmp_path / "executions.log"
    for name, value in (("ROOT", tmp_path), ("BUILD", tmp_path / "_build"), ("EXECUTIONS", log)):
        monkeypatch.setattr(noxfile, name, value)
    session = types.SimpleNamespace(name="backends(backend='jax')")

    before = noxfile._now()
    cache.cache_notebook_bundle(CacheBundleIn(notebook, str(page)), check_validity=False)
    noxfile._count_builds(session, before)
    noxfile._count_builds(session, noxfile._now())  # a later session: it executed nothing

    counted = [json.loads(line) for line in log.read_text().splitlines()]
    assert counted == [{"page": "examples/a-page", "how": "build", "environment": "backends(backend='jax')"}]
