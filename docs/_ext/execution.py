"""How the pages execute, beyond MyST-NB's settings: the execution cache's key, one cache
database however many processes read pages, and builds that fail loudly and keep failing
until the page is fixed. conf.py loads it as an extension and names the cache with
:func:`cache_key`."""

from __future__ import annotations

import hashlib
import importlib.util
import platform
from importlib import metadata
from pathlib import Path

from sphinx.errors import ConfigError

#: The modules readers download, as pyproject.toml installs them (its py-modules).
READER_MODULES = ("numpy_rnn", "keras_torch")
#: The installed code the pages import: the package, and the modules readers download.
SHARED_CODE = ("keras_rnn_returns", *READER_MODULES)
#: The packages whose versions decide what a page prints.
EXECUTING = ("keras", "tensorflow", "numpy", "tf-keras")


def shared_code_files() -> list[Path]:
    """The source files of :data:`SHARED_CODE`, where they are installed (with nox's
    editable install, the repository's own)."""
    files = []
    for name in SHARED_CODE:
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise ConfigError(
                f"{name} is not installed, and the pages import it. Build with `nox -s docs` (it installs "
                "requirements.txt and this project), or run `pip install -r requirements.txt -e .` first."
            )
        if spec.submodule_search_locations:  # the package: every module in it
            files += sorted(Path(spec.origin).parent.glob("*.py"))
        else:
            files.append(Path(spec.origin))
    return files


def cache_key() -> str:
    """A short hash of the shared code's contents and of the versions that execute the pages.

    MyST-NB's cache keys each page on its own code, not on what that code imports; a cache
    folder per key makes a change to the shared code, or an upgrade, re-execute every page
    instead of serving outputs that something else computed."""
    key = hashlib.sha256()
    for path in shared_code_files():
        key.update(path.name.encode() + path.read_bytes())
    for package in EXECUTING:
        key.update(f"{package}=={metadata.version(package)}".encode())
    key.update(platform.python_version().encode())
    return key.hexdigest()[:12]


def _fail_on_logged_warnings(app, doctree) -> None:
    """TensorFlow's logger writes to stdout, not stderr, inside a notebook kernel, so its
    warnings (retracing, deprecations) slip past nb_output_stderr; report them as well."""
    from docutils import nodes
    from sphinx.util import logging

    for block in doctree.findall(nodes.literal_block):
        if "stream" in block["classes"] and "WARNING:" in block.astext():
            line = next(line for line in block.astext().splitlines() if "WARNING:" in line)
            logging.getLogger(__name__).warning("a page logged a warning: %s", line, location=block)


def _forget_environment_after_warnings(app, exception) -> None:
    """A build that warned (and so, with -W, failed) must warn again until the page is
    fixed. Sphinx saves its environment despite warnings, so the next build would skip the
    pages that warned and pass; forget it, as Sphinx itself does after an exception. The
    execution cache keeps the re-read quick. (``_warncount`` is private: there is no public
    count.)"""
    if getattr(app, "_warncount", 0):
        (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


def _create_execution_cache(app, config) -> None:
    """With -j, Sphinx reads pages in several processes, and on a fresh cache each would
    create jupyter-cache's database at the same moment ("table settings already exists").
    Create it once, here in the main process, before any of them starts."""
    if config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        _ = get_cache(config.nb_execution_cache_path).db  # the property creates the tables


def setup(app):
    app.connect("config-inited", _create_execution_cache)
    app.connect("doctree-read", _fail_on_logged_warnings)
    app.connect("build-finished", _forget_environment_after_warnings)
    # The hooks run per page in whichever process reads it; Sphinx forwards their warnings
    # to the main process, which counts them. So -j may read pages in parallel.
    return {"parallel_read_safe": True, "parallel_write_safe": True}
