"""Every command of the project: CI, Read the Docs and people call these sessions; `nox -l` lists
them, tools/ holds what they run. No nox yet? `python3 noxfile.py -s docs` installs the pinned nox
into .nox/_bootstrap and runs the same session (the README's quick start)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

# The bootstrap: site_build.project (standard library only) before anything is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from site_build.project import (
    BUILD,
    CHECKS,
    INSTALLED,
    OLDEST,
    REQUIREMENTS,
    ROOT,
    TOOLS,
    jax_compilation_cache,
    keras_minors,
    newest_pin,
    sphinx,
)


def pin(name: str) -> str:
    """The exact requirement for ``name`` from the lock files, the dependency source."""
    try:
        return f"{name}=={newest_pin(name)}"
    except LookupError as error:
        sys.exit(str(error))


def _bootstrap() -> None:
    """Run this file with a pinned nox when the Python running it has none."""
    if sys.version_info < (3, 10):  # noqa: UP036 -- runs under whatever python3 the reader has
        sys.exit(f"Python 3.10 to 3.13 is needed; this is {sys.version.split()[0]}.")
    venv = ROOT / ".nox" / "_bootstrap"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    tools = (pin("nox"), pin("uv"), "pip>=25.1")  # uv installs the sessions; pip>=25.1 resumes broken downloads
    if not python.with_name("uv.exe" if os.name == "nt" else "uv").exists():  # new, or made before uv was in it
        print(f"installing {', '.join(tools)} into {venv.relative_to(ROOT)}", file=sys.stderr)
        try:
            if not python.exists():
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", *tools], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(f"Could not set up nox ({error}). Install it yourself (`python3 -m pip install '{pin('nox')}'`,"
                     f" or your system's python3-venv package) and run `nox {' '.join(sys.argv[1:])}`.")  # fmt: skip
    os.execv(python, [str(python), "-m", "nox", "--noxfile", __file__, *sys.argv[1:]])


try:
    import nox
    from packaging.version import Version
except ModuleNotFoundError:
    if __name__ != "__main__":
        raise
    _bootstrap()

nox.options.reuse_venv = "yes"  # TensorFlow is a 600 MB install: keep each session's virtualenv
# uv links all environments' files from one cache: ~8 GB, not the 21 GB that filled CI's disk
nox.options.default_venv_backend = "uv|virtualenv"
os.environ.setdefault("UV_CACHE_DIR", str(ROOT / ".nox" / "_uv"))  # links need the cache on the same disk
# The page executions of `tests` and the sessions it runs after it, counted here (the sites' builds by
# _count_builds, what the tests execute by tests/executions.py); `executions` reports them.
EXECUTIONS = Path(os.environ.setdefault("PAGE_EXECUTIONS_LOG", str(BUILD / "page-executions.log")))
nox.options.sessions = ["tests"]  # plain `nox` runs every check

#: The Keras 3 / TensorFlow pairs `versions` proves: the oldest every page passes on (its pins, and why
#: they, are in requirements-oldest.txt, which the pages' provenance marks read too), and the pins.
SUPPORTED = {"oldest": ("-r", str(OLDEST)), "pinned": ()}
#: Keras's backends `backends` executes every page on.
BACKENDS = ("tensorflow", "jax", "torch")
#: What `tests` runs beyond the build: the environments it does not (it executes every page on
#: the pins, on TensorFlow).
OTHER_ENVIRONMENTS = (
    *(f"versions(stack={stack!r})" for stack in SUPPORTED if stack != "pinned"),
    *(f"backends(backend={backend!r})" for backend in BACKENDS if backend != "tensorflow"),
)


def _install(session: nox.Session, *groups: Path, extra: tuple[str, ...] = ()) -> None:
    """The site's locked group and ``groups`` (requirements*.txt), their hashes checked; PyTorch
    (requirements-backends.txt, why: there); then ``extra`` (a versions stack's own pins). Each from
    one wheel folder (GitHub caches it between runs), and pip resumes broken downloads."""
    if Version(metadata.version("pip")) < Version("25.1"):  # nox's own Python downloads: uv environments have no pip
        session.error(f"Downloading needs pip>=25.1 beside nox: `{sys.executable} -m pip install -U pip`.")
    wheels = str(ROOT / ".nox" / "_wheels")
    locked = [option for path in (REQUIREMENTS, *groups) for option in ("-r", str(path))]
    # torch without its dependencies: the site's lock pins and hashes them.
    for wanted, how in ((locked, ("--require-hashes",)), (("-r", str(INSTALLED)), ("--no-deps",)), (extra, ())):
        if not wanted:
            continue
        download = ("-m", "pip", "download", "-q", "--resume-retries", "20", "-d", wheels, *how, *wanted)
        session.run_install(sys.executable, *download, external=True)
        session.install("--no-index", "--find-links", wheels, *how, *wanted)
    session.install("--no-deps", "--editable", str(ROOT))  # the shared code; editable: edits show without reinstalling


def _sphinx(session: nox.Session, builder: str, out: Path, *args: str, doctrees: Path = BUILD / "doctrees") -> None:
    """Build with ``builder`` into ``out``; the doctrees (one folder per builder) stay out of it."""
    session.run(*sphinx(ROOT, out, builder, *args, doctrees=doctrees))


def _count_builds(session: nox.Session, since: str) -> None:
    """Count the site's pages the session's builds executed since ``since`` (:func:`_now`): the
    records they added to the execution caches, a record per page that executed and passed."""
    import contextlib
    import json
    import sqlite3

    with EXECUTIONS.open("a", encoding="utf-8") as log:
        for database in sorted((BUILD / ".jupyter_cache").glob("*/global.db")):
            with contextlib.closing(sqlite3.connect(database)) as cache:  # jupyter-cache's table of executed pages
                added = cache.execute("SELECT uri FROM nbcache WHERE created >= ?", (since,)).fetchall()
            for (uri,) in added:
                page = Path(uri).relative_to(ROOT).with_suffix("").as_posix()
                log.write(json.dumps({"page": page, "how": "build", "environment": session.name}) + "\n")


def _now() -> str:
    """Now, as jupyter-cache writes a record's time (UTC, SQLite's text form)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into _build/html (arguments go to sphinx-build)."""
    _install(session)
    _sphinx(session, "html", BUILD / "html", *session.posargs)


def autobuild(source: Path, port: int = 8000) -> list[str]:
    """sphinx-autobuild's arguments (for `serve`, and its test on the fixture site): the
    build's flags; the shared code watched too, the build's output and tools' folders not."""
    ignore = r"(_build|\.nox|\.git|node_modules|\.pytest_cache|\.ruff_cache)/"
    watch = ("--port", str(port), "--watch", str(ROOT / "keras_rnn_returns"), "--re-ignore", ignore)
    return sphinx(source, source / "_build" / "html", "html", *watch)[3:]


@nox.session
def serve(session: nox.Session) -> None:
    """Live preview on http://127.0.0.1:8000: an edited page is rebuilt, and only it re-executes."""
    _install(session, TOOLS)
    session.run("sphinx-autobuild", *autobuild(ROOT), *session.posargs)


@nox.session
def doctest(session: nox.Session) -> None:
    """Check the shapes the pages print, and the shared code's doctests (arguments go to sphinx-build)."""
    _install(session)
    _doctest(session, *session.posargs)


def _doctest(session: nox.Session, *args: str) -> None:  # the pages' doctest blocks, then the modules'
    _sphinx(session, "doctest", BUILD / "doctest", *args)
    session.run("python", "-m", "pytest", "--quiet", "--doctest-modules", str(ROOT / "keras_rnn_returns"))


@nox.session
def tests(session: nox.Session) -> None:
    """Every check: build, doctests, pytest tests/ (arguments go to pytest), then versions, backends, lint."""
    # GitHub Actions runs these as jobs of their own, at the same time (NOX_TESTS_ALONE=1). The
    # other environments do nothing but execute pages, so the quick checks (-m "not slow ...") skip them.
    quick = "not slow" in " ".join(session.posargs)
    later = () if os.environ.get("NOX_TESTS_ALONE") else ("lint",) if quick else (*OTHER_ENVIRONMENTS, "lint")
    for name in (*later, "executions"):
        session.notify(name, posargs=[])  # each in its own environment, after this one
    EXECUTIONS.parent.mkdir(exist_ok=True)
    for log in _execution_logs():  # this run's count starts here
        log.unlink()
    _install(session, CHECKS, TOOLS)  # the tests run nox's sessions' code and sphinx-autobuild
    if not shutil.which("npm"):  # axe-core, for the accessibility tests
        session.error("npm is needed for the accessibility tests: install Node.js (`apt-get install npm`).")
    session.run("npm", "ci", "--prefix", str(ROOT / "tests"), "--no-audit", "--no-fund", external=True)
    since = _now()
    _sphinx(session, "html", BUILD / "html")
    _doctest(session)
    _count_builds(session, since)
    # On every core (tests/parallel.py says how they are split): most tests wait on a browser,
    # a build or a script. `-n 0` runs them in this one process.
    session.run("python", "-m", "pytest", "-n", "auto", str(ROOT / "tests"), *session.posargs)


@nox.session
@nox.parametrize("stack", list(SUPPORTED))
def versions(session: nox.Session, stack: str) -> None:
    """Execute every page and doctest on one supported Keras/TensorFlow pair (oldest, pinned), into the keyed cache."""
    _install(session, extra=SUPPORTED[stack])
    since = _now()
    session.run("python", str(ROOT / "tools" / "execute_everything.py"), str(BUILD / "versions" / stack))
    _count_builds(session, since)


@nox.session
@nox.parametrize("backend", list(BACKENDS))
def backends(session: nox.Session, backend: str) -> None:
    """Execute every page and doctest on one Keras backend, into the keyed cache; run readers' code and checks there."""
    _install(session, CHECKS)  # pytest, for the checks below
    session.env["KERAS_BACKEND"] = backend
    since = _now()
    session.run("python", str(ROOT / "tools" / "execute_everything.py"), str(BUILD / "backends" / backend))
    _count_builds(session, since)
    # The reader's code compiles the programs the pages just compiled: on JAX, from their cache.
    session.env.update(jax_compilation_cache(BUILD / "backends" / backend / "jax_cache"))
    tests = ROOT / "tests"
    readers = f"{tests / 'test_reader_code.py'}::test_the_readers_code_runs_on_the_backend_they_use"
    # What the pages printed here (the build's outputs.json) is what docs/backend-outputs/ records.
    recorded = f"{tests / 'test_backend_outputs.py'}::test_the_committed_record_is_what_this_backend_prints"
    # On TensorFlow, `tests` runs the reader's code and compares what it prints.
    others = [readers, recorded] if backend != "tensorflow" else []
    checks = (str(tests / "test_reference.py"), str(tests / "test_pytorch.py"), *others)
    session.run("python", "-m", "pytest", "--quiet", "-n", "auto", *checks, *session.posargs)


@nox.session
@nox.parametrize("keras", keras_minors())
def history(session: nox.Session, keras: str) -> None:
    """Execute every page on the latest patch of each Keras 3 minor release; record it in docs/release-history.json."""
    major, number = keras.split(".")
    # Each Keras with the newest TensorFlow (and its tf-keras, and a JAX that imports beside
    # it) that accepts it, between the oldest stack's and the pins: pip picks them.
    stack = [f"keras>={keras},<{major}.{int(number) + 1}"]
    for name, pins in (("tensorflow", REQUIREMENTS), ("tf-keras", REQUIREMENTS), ("jax", REQUIREMENTS)):
        extra = "[cpu]" if name == "jax" else ""  # jaxlib moves with jax
        stack.append(f"{name}{extra}>={newest_pin(name, OLDEST)},<={newest_pin(name, pins)}")
    if (int(major), int(number)) <= (3, 9):  # their JAX trainer calls jax.spmd_mode, which JAX 0.6.1 removed
        stack.append("jax<0.6.1")
    if (int(major), int(number)) == (3, 10):  # its JAX reset_state() passes NumPy a Variable, which NumPy 2.3 refuses
        stack.append("numpy<2.3")
    _install(session, extra=tuple(stack))
    # `-- --probes`: the probes alone (tools/record_releases.py)
    session.run("python", str(ROOT / "tools" / "record_releases.py"), *session.posargs, str(BUILD / "history" / keras))


@nox.session(python=False)
def executions(session: nox.Session) -> None:
    """Print how many times the last `nox -s tests` executed pages, by environment and by what ran them."""
    import json
    from collections import Counter

    runs = [json.loads(line) for log in _execution_logs() for line in log.read_text().splitlines()]
    site = [run for run in runs if run["how"] != "a test's fixture site"]  # tests/executions.py's FIXTURE_SITE
    for (environment, how), count in sorted(Counter((r["environment"], r["how"]) for r in runs).items()):
        session.log(f"{count:4d}  {how}, {environment}")
    pages = Counter(run["page"] for run in site)
    most = max(pages.values(), default=0)
    session.log(f"{len(site)} executions of {len(pages)} site pages (at most {most} of one page), "
                f"and {len(runs) - len(site)} of fixture pages")  # fmt: skip


def _execution_logs() -> list[Path]:
    """The count's log, and each pytest worker's beside it (tests/conftest.py names them)."""
    return sorted(EXECUTIONS.parent.glob(f"{EXECUTIONS.stem}*{EXECUTIONS.suffix}"))


@nox.session
def bench(session: nox.Session) -> None:
    """Time cold, no-change and one-page builds against the slowest page run alone (tools/bench.py)."""
    _install(session)
    session.run("python", str(ROOT / "tools" / "bench.py"), *session.posargs)


@nox.session
def gpu(session: nox.Session) -> None:
    """Record the masking cases and probes on a CUDA GPU and its CPU (tools/record_gpu.py); fails without a GPU."""
    _install(session)
    session.run("python", str(ROOT / "tools" / "record_gpu.py"))


@nox.session
def lighthouse(session: nox.Session) -> None:
    """Lighthouse scores of every page (or those named), served locally; fails below 100 (not in tests)."""
    _install(session)
    _sphinx(session, "html", BUILD / "html")
    session.run("npm", "ci", "--prefix", str(ROOT / "tests" / "lighthouse"), "--no-audit", "--no-fund", external=True)
    session.run("python", str(ROOT / "tools" / "lighthouse.py"), *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check (arguments go to ruff check)."""
    session.install(pin("ruff"))
    session.run("ruff", "check", *session.posargs, str(ROOT))
    session.run("ruff", "format", "--check", str(ROOT))


#: What PyPI's torch for Linux (a CUDA build) pulls and its CPU build does not: kept out of the lock.
CUDA_ONLY = ("nvidia-", "triton", "cuda-")


@nox.session
def lock(session: nox.Session) -> None:
    """Lock each group (requirements*.in) into requirements*.txt with hashes, for every Python the README supports."""
    session.install(pin("uv"))
    common = ("--universal", "--python-version", "3.10", "--generate-hashes", "--custom-compile-command", "nox -s lock")
    site = ("uv", "pip", "compile", "requirements.in", "--output-file", "requirements.txt", *common, *session.posargs)
    session.run(*site)  # once to learn the CUDA packages the Linux torch pulls, then without them (and torch)
    cuda = sorted({line.split("==")[0] for line in REQUIREMENTS.read_text().splitlines() if line.startswith(CUDA_ONLY)})
    session.run(*site, *(option for name in ("torch", *cuda) for option in ("--no-emit-package", name)))
    for group in (CHECKS, TOOLS):  # each within the pins of the locks before it (its -c lines)
        source = group.with_suffix(".in").name
        session.run("uv", "pip", "compile", source, "--output-file", group.name, *common, *session.posargs)


if __name__ == "__main__":
    nox.main()
