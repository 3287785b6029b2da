"""How the pages execute, beyond MyST-NB's settings: the execution cache's key, one cache
database however many processes read pages, kernels started warm and every page the cache
lacks executed before Sphinx reads any, and builds that fail loudly and keep failing until
the page is fixed. conf.py loads it as an extension and names the cache with
:func:`cache_key`."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from sphinx.errors import ConfigError

#: The project folder, where the modules readers download live.
SITE = Path(__file__).resolve().parents[1]
#: The modules readers download: the files of keras_rnn_returns/reference/, which pyproject.toml
#: installs as top-level modules (its py-modules; tests/test_house.py checks the two agree).
READER_MODULES = tuple(sorted(path.stem for path in (SITE / "keras_rnn_returns" / "reference").glob("*.py")))
#: The installed code the pages import: the package, and the modules readers download.
SHARED_CODE = ("keras_rnn_returns", *READER_MODULES)
#: The packages whose versions decide what a page prints (JAX and PyTorch: the backends page runs all three).
EXECUTING = ("keras", "tensorflow", "numpy", "tf-keras", "jax", "torch")
#: What to do when something the pages need is missing (the locked site group, PyTorch, this project).
INSTALL = (
    "Build with `nox -s docs`, which installs them, or install them yourself: `pip install --require-hashes "
    "-r requirements.txt`, then `pip install --no-deps -r requirements-backends.txt -e .`."
)


def shared_code_files() -> list[Path]:
    """The source files of :data:`SHARED_CODE`, where they are installed (with nox's
    editable install, the repository's own)."""
    files = []
    for name in SHARED_CODE:
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise ConfigError(f"{name} is not installed, and the pages import it. {INSTALL}")
        if spec.submodule_search_locations:  # the package: every module in it, and its records (GPU: gpu.py)
            folder = Path(spec.origin).parent
            files += sorted([*folder.glob("*.py"), *folder.glob("*.json")])
        else:
            files.append(Path(spec.origin))
    return files


def cache_key() -> str:
    """A short hash of the shared code's contents, of the versions that execute the pages
    and of Keras's backend.

    MyST-NB's cache keys each page on its own code, not on what that code imports; a cache
    folder per key makes a change to the shared code, or an upgrade, re-execute every page
    instead of serving outputs that something else computed."""
    key = hashlib.sha256()
    for path in shared_code_files():
        key.update(path.name.encode() + path.read_bytes())
    for package in EXECUTING:
        try:
            key.update(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            raise ConfigError(f"{package} is not installed, and the pages need it. {INSTALL}") from None
    key.update(os.environ.get("KERAS_BACKEND", "tensorflow").encode())  # conf.py sets it first
    key.update(platform.python_version().encode())
    return key.hexdigest()[:12]


def _warm_kernels() -> None:
    """Start the kernels' warm server (site_build/kernel/kernels/python3/launch.py) as soon as
    this extension loads, while Sphinx loads the rest, so that the first page does not wait
    for TensorFlow's import as long."""
    for folder in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
        launcher = Path(folder, "kernels", "python3", "launch.py")
        if launcher.exists():
            subprocess.Popen([sys.executable, str(launcher), "--warm"], stdin=subprocess.DEVNULL)
            return


def _execute_ahead(app, env, docnames: list[str]) -> None:
    """Execute the notebook pages the cache lacks, the slowest first, several at a time,
    and cache them, before Sphinx reads any page; MyST-NB then finds each in the cache.

    Left to itself, MyST-NB executes a page as Sphinx reads it, in the order and batches of
    Sphinx's parallel reading: the slowest page ran last, alone on one core. Here it starts
    first; one more page runs than there are cores, since a kernel spends part of its start
    waiting, and the others run at a lower priority when they share a core with it. This
    ends before Sphinx forks its readers: kernels running across that fork died. A page
    that fails is not cached: MyST-NB executes it again as it reads it, and reports the
    failing cell as it always does.
    """
    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        return
    from concurrent.futures import ThreadPoolExecutor

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution
    from myst_nb.core.read import create_nb_reader
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    cache = get_cache(config.execution_cache_path)
    last_seconds = {record.uri: record.data.get("execution_seconds", 0) for record in cache.list_cache_records()}
    pending = []
    for docname in docnames:
        path = str(env.doc2path(docname))
        text = Path(path).read_text(encoding="utf-8")
        reader = create_nb_reader(path, env.myst_config, config, text)
        if reader is None:  # a plain Markdown page
            continue
        notebook = reader.read(text)
        try:
            cache.match_cache_notebook(notebook)
            continue
        except KeyError:
            pass
        # A page's front matter may raise its timeout (`mystnb: {execution_timeout: ...}`).
        timeout = notebook.metadata.get(config.metadata_key, {}).get("execution_timeout", config.execution_timeout)
        # How long it took last time; a page new to the cache: the time it allows itself.
        estimate = last_seconds.get(path) or timeout / 10
        pending.append((estimate, docname, path, notebook, reader.read_fmt, timeout))
    pending.sort(key=lambda item: item[0], reverse=True)
    # Unix sockets where there are: kernels started at once on TCP raced for ports.
    options = {"kernel_manager_class": _ipc_kernel_manager()} if os.name == "posix" else {}

    def execute(item):
        _, docname, path, notebook, _, timeout = item
        logger.info("Executing notebook using local CWD (ahead of reading)", location=docname)
        return single_nb_execution(
            notebook, cwd=str(Path(path).parent), timeout=timeout, allow_errors=config.execution_allow_errors,
            extra_arguments=[] if item is pending[0] else ["--nice=10"],  # launch.py: the slowest page first
            **options,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=(app.parallel or 1) + 1) as pool:
        for (_, docname, path, notebook, read_fmt, _), result in zip(pending, pool.map(execute, pending), strict=True):
            if result.err is None:
                logger.info("Executed notebook in %.2f seconds", result.time, location=docname)
                record = cache.add_nb_to_project(path, read_data=read_fmt)
                bundle = CacheBundleIn(notebook, record.uri, data={"execution_seconds": result.time})
                _cache(cache, bundle)
            else:  # said, not warned: a page that passes when read again (a timeout under load) passes
                first = str(result.err).strip().splitlines()[:1] or [""]
                failed = f"{type(result.err).__name__}: {first[0]}"
                logger.info("Executing ahead failed (%s); executing it again as it is read", failed, location=docname)


def _cache(cache, bundle) -> None:
    """Cache an executed page, unless another build sharing the cache (the html and the
    doctest builds, whose output folders differ, so :func:`_take_turns` does not order
    them) has cached it since: replacing a record deletes it under the other build's
    reader. Files without a record, left by an interrupted build, are replaced. Writers
    take turns (a file lock, where there is fcntl)."""
    import contextlib

    lock = contextlib.nullcontext()
    if os.name == "posix":
        import fcntl

        lock = open(Path(cache.path) / "execute-ahead.lock", "a")  # noqa: SIM115 (closed below)
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
    with lock:
        try:
            cache.match_cache_notebook(bundle.nb)
        except KeyError:
            cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)


def _ipc_kernel_manager():
    """A kernel manager whose kernels listen on Unix sockets of their own names (which the
    kernel removes as it shuts down)."""
    import tempfile
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IpcKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return str(Path(tempfile.gettempdir(), f"kernel-{uuid.uuid4().hex}-ipc"))

    return IpcKernelManager


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
    """Open the execution cache before anything reads it, and keep it only a cache.

    With -j, Sphinx reads pages in several processes, and on a fresh cache each would create
    jupyter-cache's database at the same moment ("table settings already exists"): create it
    once, here in the main process (a second build starting at the same moment may still
    race this one: then it waits and opens what the other created). A database that a full
    disk or a kill mid-write left unreadable ("file is not a database") would fail this and
    every later build: discard it, say so in one line, and execute the pages again.
    """
    if config.nb_execution_mode != "cache":
        return
    from jupyter_cache import get_cache
    from sphinx.util import logging
    from sphinx.util.console import colorize

    path = Path(config.nb_execution_cache_path)
    for attempt in range(5):
        try:
            get_cache(path).list_cache_records()  # creates the tables, or reads them
            return
        except Exception as error:  # SQLAlchemy's, or jupyter-cache's RuntimeError around it
            cause = error.__cause__ or error.__context__ or error
            if "already exists" in str(cause) and attempt < 4:  # another build is creating it
                time.sleep(0.5)
                continue
            logging.getLogger(__name__).info(
                colorize("red", f"the execution cache {path} is unreadable ({str(cause).splitlines()[0]}): "
                         "discarded it; every page executes again"),
            )  # fmt: skip
            shutil.rmtree(path, ignore_errors=True)
            # Sphinx's saved environment still says every page was read: read them again.
            (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


def _take_turns(app, config) -> None:
    """Two builds into one folder (two terminals, or `serve` and `docs`) take turns: each
    holds a lock on its output folder from before Sphinx loads its saved environment until
    the build ends, so that neither reads or replaces files the other is writing."""
    if os.name != "posix":
        return
    import fcntl

    out = Path(app.outdir)  # the lock sits beside it, not in what is published
    out.parent.mkdir(parents=True, exist_ok=True)
    app._build_lock = open(out.parent / f".{out.name}.build.lock", "a")  # noqa: SIM115 (closed at the end)
    fcntl.flock(app._build_lock, fcntl.LOCK_EX)
    app.connect("build-finished", lambda app, exception: app._build_lock.close(), priority=900)


def setup(app):
    _warm_kernels()
    app.connect("config-inited", _take_turns, priority=100)
    app.connect("config-inited", _create_execution_cache)
    app.connect("env-before-read-docs", _execute_ahead)
    app.connect("doctree-read", _fail_on_logged_warnings)
    app.connect("build-finished", _forget_environment_after_warnings)
    # The hooks run per page in whichever process reads it; Sphinx forwards their warnings
    # to the main process, which counts them. So -j may read pages in parallel.
    return {"parallel_read_safe": True, "parallel_write_safe": True}
