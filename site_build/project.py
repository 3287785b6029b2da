"""What the noxfile, the build, tools/ and the tests share about the project, in one place:
its folders, how a requirements file is read, the Sphinx command every build runs, and the
address the site is published at. Standard library only: the noxfile reads it before it has
installed anything."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
REQUIREMENTS = ROOT / "requirements.txt"  # the site's group, locked with hashes by `nox -s lock`
CHECKS = ROOT / "requirements-checks.txt"  # the tests' and lint's group, locked beside it
TOOLS = ROOT / "requirements-tools.txt"  # nox, uv and the live preview, locked beside them
#: Every lock file, in the order they are installed: each is resolved within the pins before it.
LOCKS = (REQUIREMENTS, CHECKS, TOOLS)
INSTALLED = ROOT / "requirements-backends.txt"  # PyTorch, installed after the locks (why: in the file)
OLDEST = ROOT / "requirements-oldest.txt"  # the oldest Keras/TensorFlow pair every page passes on

# -n nitpicky, -W warnings are errors, --keep-going reports them all first, -j auto: every core;
# -T: when a page raises in a -j worker, only -T's traceback still shows the failing cell.
SPHINX = ("python", "-m", "sphinx", "-nW", "--keep-going", "-j", "auto", "-T")


def sphinx(source: Path, out: Path, builder: str = "html", *args: str, doctrees: Path | None = None) -> list[str]:
    """The command that builds ``source`` into ``out`` with ``builder``, as every build here
    does (``args``: more of sphinx-build's). The doctrees (one folder per builder) stay out of ``out``."""
    doctrees = (doctrees or Path(source) / "_build" / "doctrees") / builder
    return [*SPHINX, "-b", builder, "-d", str(doctrees), *args, str(source), str(out)]


def jax_compilation_cache(folder: Path) -> dict[str, str]:
    """The environment that gives JAX a persistent compilation cache in ``folder``. Keras on JAX
    compiles every layer call afresh (about 0.2 s each: 209 s for the NumPy reference page's
    sweep); the cache reuses identical programs across processes (74 s). It changes no result,
    and the other backends ignore it."""
    return {"JAX_COMPILATION_CACHE_DIR": str(folder), "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}


#: Where the site is published when nothing says otherwise.
DEFAULT_URL = "https://keras-rnn-returns.readthedocs.io/en/latest/"

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][\w.-]*)(?P<extras>\[[\w,]+\])?==(?P<version>[^\s;]+)", re.MULTILINE)


def normalized(name: str) -> str:
    """A distribution's name as pip compares them: ``tf_keras`` and ``TF-Keras`` are ``tf-keras``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_lines(*files: Path) -> dict[str, list[str]]:
    """Each package ``files`` pin (:func:`normalized`) -> their lines for it as written, markers
    included (``numpy==2.2.6 ; python_full_version < '3.11'``): one per Python range where
    the pins differ by Python. Comments, options (``-r``) and hashes are left out."""
    found: dict[str, list[str]] = {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.split(" #", 1)[0].removesuffix("\\").strip()  # a lock's line goes on with its hashes
            match = _PIN.match(line)
            if match:
                found.setdefault(normalized(match["name"]), []).append(line)
    return found


def release(version: str) -> tuple[int, ...]:
    """``3.15.1`` -> (3, 15, 1), for comparing releases."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def newest_pin(name: str, *requirements: Path) -> str:
    """The newest version of ``name`` the files pin (by default, the lock files): the one the
    published site is built with."""
    written = requirement_lines(*(requirements or LOCKS)).get(normalized(name))
    if not written:
        files = ", ".join(path.name for path in requirements or LOCKS)
        raise LookupError(f"{files} pin no {name}; run `nox -s lock` after adding it to a requirements-*.in")
    return max((_PIN.match(line)["version"] for line in written), key=release)


def keras_minors() -> list[str]:
    """Every Keras 3 minor release from the oldest supported (requirements-oldest.txt) to the
    pin, as `nox -s history` executes them: ``["3.3", ..., "3.15"]``."""
    (major, low), (_, high) = (release(newest_pin("keras", path))[:2] for path in (OLDEST, REQUIREMENTS))
    return [f"{major}.{number}" for number in range(low, high + 1)]


def published_url() -> str | None:
    """The address the site is built for: SITE_URL if set, else the one Read the Docs is building for."""
    return os.environ.get("SITE_URL") or os.environ.get("READTHEDOCS_CANONICAL_URL") or None


def base_url() -> str:
    """The site's address, ending in "/": where it is published, or the default."""
    return (published_url() or DEFAULT_URL).rstrip("/") + "/"


def served_path() -> str:
    """The path the site is served under, which its 404 page links absolutely from: that of
    :func:`published_url`, or a local server's "/"."""
    from urllib.parse import urlsplit

    url = published_url()
    return urlsplit(url).path.rstrip("/") + "/" if url else "/"
