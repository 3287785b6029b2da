"""Every command of the project. CI, hosting and people call these sessions.

    nox -s docs      build the site into _build/html
    nox -s doctest   check the shapes the pages print (and the shared code's doctests)
    nox -s tests     everything: build, doctests, pytest tests/, then torch, versions, lint
    nox -s torch     check the PyTorch page's claims against real torch
    nox -s versions  execute every page and doctest on the oldest and the pinned Keras 3
    nox -s lint      ruff
    nox -s bench     time the cold and incremental builds against the examples' bare run time
    nox -s lighthouse  Lighthouse scores of the front page and the heaviest page (not in tests)
    nox -s lock      re-pin requirements.txt from requirements.in

No nox yet? `python3 noxfile.py -s docs` installs the pinned nox into .nox/_bootstrap
and runs the same session (the README's quick start).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REQUIREMENTS = ROOT / "requirements.txt"


def pin(name: str) -> str:
    """The exact requirement for ``name`` from requirements.txt, the one dependency source."""
    pattern = re.compile(rf"^{re.escape(name)}==\S+$", re.MULTILINE | re.IGNORECASE)
    match = pattern.search(REQUIREMENTS.read_text())
    if not match:
        sys.exit(f"requirements.txt pins no {name}; run `nox -s lock` after adding it to requirements.in")
    return match.group(0)


def _bootstrap() -> None:
    """Run this file with a pinned nox when the Python running it has none."""
    if sys.version_info < (3, 10):  # noqa: UP036 -- runs under whatever python3 the reader has
        sys.exit(f"Python 3.10 to 3.13 is needed; this is {sys.version.split()[0]}.")
    venv = ROOT / ".nox" / "_bootstrap"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not python.exists():
        print(f"nox is not installed: installing {pin('nox')} into {venv.relative_to(ROOT)}", file=sys.stderr)
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(python), "-m", "pip", "install", "--quiet", pin("nox")], check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            sys.exit(
                f"Could not set up nox ({error}). Install it yourself (`python3 -m pip install "
                f"'{pin('nox')}'`, or your system's python3-venv package) and run `nox {' '.join(sys.argv[1:])}`."
            )
    os.execv(python, [str(python), "-m", "nox", "--noxfile", __file__, *sys.argv[1:]])


try:
    import nox
    from nox.command import CommandFailed
except ModuleNotFoundError:
    if __name__ != "__main__":
        raise
    _bootstrap()

# TensorFlow is a 600 MB install: keep each session's virtualenv between runs.
nox.options.reuse_venv = "yes"
# Plain `nox` runs every check.
nox.options.sessions = ["tests"]

BUILD = ROOT / "_build"
# -n nitpicky, -W warnings are errors, --keep-going reports them all before failing,
# -j auto: pages are read, and so executed, each in its own kernel, on every core;
# -T: when a page raises in a -j worker, Sphinx drops that worker's log, and only the
# traceback printed by -T still shows the failing cell and its error.
SPHINX = ("python", "-m", "sphinx", "-nW", "--keep-going", "-j", "auto", "-T")


def _install(session: nox.Session, requirements: Path = REQUIREMENTS) -> None:
    """The pinned requirements, then the pages' shared code (pyproject.toml), editable so
    that an edit shows without reinstalling; --no-deps: requirements.txt is the one source."""
    session.install("-r", str(requirements))
    session.install("--no-deps", "--editable", str(ROOT))


def _build_html(session: nox.Session, *args: str) -> None:
    session.run(*SPHINX, "-b", "html", *args, str(ROOT), str(BUILD / "html"))


def _doctest(session: nox.Session, *args: str) -> None:
    # The shapes shown on the pages, then the shared code's own examples.
    session.run(*SPHINX, "-b", "doctest", *args, str(ROOT), str(BUILD / "doctest"))
    session.run("python", "-m", "pytest", "--quiet", "--doctest-modules", str(ROOT / "keras_rnn_returns"))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into _build/html; arguments go to sphinx-build."""
    _install(session)
    _build_html(session, *session.posargs)
    session.log(f"Built {BUILD / 'html' / 'index.html'}")


@nox.session
def doctest(session: nox.Session) -> None:
    """Check the shapes the pages print; arguments go to sphinx-build."""
    _install(session)
    _doctest(session, *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Every check: build the site, run the doctests, then pytest tests/ (arguments go to
    pytest); the torch, versions and lint sessions run after it in the same invocation."""
    session.notify("torch", posargs=[])  # the PyTorch checks, in an environment with torch
    for stack in SUPPORTED:  # every page on the oldest supported Keras too
        session.notify(f"versions(stack={stack!r})", posargs=[])
    session.notify("lint", posargs=[])
    _install(session)
    _install_axe(session)
    _build_html(session)
    _doctest(session)
    session.run("python", "-m", "pytest", str(ROOT / "tests"), *session.posargs)


def _install_axe(session: nox.Session) -> None:
    """axe-core, which tests/test_site.py runs on every page, at tests/package-lock.json's pin."""
    if not shutil.which("npm"):
        session.error("npm is needed for the accessibility tests' axe-core: install Node.js (`apt-get install npm`).")
    session.run("npm", "ci", "--prefix", str(ROOT / "tests"), "--no-audit", "--no-fund", external=True)


#: The Keras 3 / TensorFlow pairs the site supports, and so the range `nox -s versions`
#: proves: the oldest pair every page and doctest passes on, and requirements.txt's pins.
SUPPORTED = {
    "oldest": ("keras==3.3.3", "tensorflow==2.16.2", "tf-keras==2.16.0"),
    "pinned": (),
}


@nox.session
@nox.parametrize("stack", list(SUPPORTED))
def versions(session: nox.Session, stack: str) -> None:
    """Execute every page's assertions and run the doctests on one supported Keras/TensorFlow pair."""
    _install(session)
    if SUPPORTED[stack]:
        session.install(*SUPPORTED[stack])
    out = BUILD / "versions" / stack
    results = {}
    for check, builder in (("pages and their assertions", "html"), ("doctests", "doctest")):
        try:
            # A failing page is a warning here, not an abort, so that every failure is listed.
            session.run(
                *SPHINX, "-D", "nb_execution_raise_on_error=0", "-b", builder, "-d", str(out / "doctrees"),
                str(ROOT), str(out / builder),
            )  # fmt: skip
            results[check] = "pass"
        except CommandFailed:
            results[check] = "FAIL"
    report = "import keras, tensorflow as tf; print(f'Keras {keras.__version__}, TensorFlow {tf.__version__}')"
    stack_versions = session.run("python", "-c", report, silent=True).strip().splitlines()[-1]
    session.log(f"{stack} ({stack_versions}): " + "; ".join(f"{check}: {r}" for check, r in results.items()))
    if "FAIL" in results.values():
        session.error(f"{stack_versions} does not pass; see the failures above")


@nox.session
def torch(session: nox.Session) -> None:
    """Check every PyTorch claim on the site, keras_torch.py, and the PyTorch page's code and
    downloads, against real torch (arguments go to pytest)."""
    _install(session, ROOT / "requirements-torch.txt")
    if not (BUILD / "html" / "index.html").exists():  # the downloads to run come from a build
        _build_html(session)
    tests = [str(ROOT / "tests" / name) for name in ("test_pytorch.py", "test_downloads.py", "test_reader_code.py")]
    # Of the download and pasted-code tests, the pages whose code needs torch: they skip elsewhere.
    session.run("python", "-m", "pytest", *tests, "-k", "pytorch", *session.posargs)


LIGHTHOUSE = ROOT / "tests" / "lighthouse"  # package.json pins lighthouse 12.2.3, the last for Node 20
# Headless, and nothing that phones home: the audited site must be the only host contacted.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --disable-sync"
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TEXT = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml"}  # what a web host compresses


def _heaviest_page(site: Path) -> str:
    """The page that transfers the most bytes: itself, its images, scripts and stylesheets,
    text compressed as the server in `lighthouse` (and the hosts) send it."""
    import gzip
    from html.parser import HTMLParser

    class Loads(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.urls: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            if tag in ("img", "script") and a.get("src"):
                self.urls.add(a["src"])
            if tag == "link" and a.get("href") and {"stylesheet", "icon"} & set((a.get("rel") or "").split()):
                self.urls.add(a["href"])

    def weight(page: Path) -> int:
        loads = Loads()
        loads.feed(page.read_text(encoding="utf-8"))
        files = {page} | {(page.parent / url.split("?")[0]).resolve() for url in loads.urls if "://" not in url}
        return sum(
            len(gzip.compress(f.read_bytes())) if f.suffix in TEXT else f.stat().st_size for f in files if f.is_file()
        )

    return max(site.rglob("*.html"), key=weight).relative_to(site).as_posix()


@nox.session
def lighthouse(session: nox.Session) -> None:
    """Build the site, serve it on a free local port (port 0) and run Lighthouse (mobile, its default)
    on the front page and the heaviest page; fail if any category scores below 100.
    Needs Node 18.20+ and Chromium: CHROME_PATH, else /usr/bin/chromium."""
    import functools
    import gzip
    import http.server
    import json
    import tempfile
    import threading

    _install(session)
    _build_html(session)
    session.run("npm", "ci", "--prefix", str(LIGHTHOUSE), "--no-audit", "--no-fund", external=True)
    site = BUILD / "html"
    reports = BUILD / "lighthouse"
    reports.mkdir(parents=True, exist_ok=True)

    class Hosted(http.server.SimpleHTTPRequestHandler):
        """Serves text gzip-compressed, as the site's hosts (GitHub Pages, Read the Docs) do,
        so that Lighthouse measures the bytes readers receive."""

        def do_GET(self) -> None:
            path = Path(self.translate_path(self.path))
            if not path.is_file() or "gzip" not in self.headers.get("Accept-Encoding", "") or path.suffix not in TEXT:
                return super().do_GET()
            body = gzip.compress(path.read_bytes())
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # Lighthouse's requests are not news
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Hosted, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {"CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    failed = []
    try:
        for page in ("index.html", _heaviest_page(site)):
            report = reports / (page.replace("/", "-") + ".json")
            with tempfile.TemporaryDirectory() as profile:  # a fresh browser profile for each run
                session.run(
                    "node", str(LIGHTHOUSE / "node_modules" / "lighthouse" / "cli" / "index.js"),
                    f"http://127.0.0.1:{server.server_port}/{page}", "--quiet", "--output=json",
                    f"--output-path={report}", f"--chrome-flags={CHROME_FLAGS} --user-data-dir={profile}",
                    external=True, env=env,
                )  # fmt: skip
            result = json.loads(report.read_text())
            scores = {c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES}
            session.log(f"{page}: " + ", ".join(f"{c} {s}" for c, s in scores.items()) + f" ({report})")
            failed += [f"{page} {c} {s}" for c, s in scores.items() if s < 100]
    finally:
        server.shutdown()
    if failed:
        session.error("below 100: " + "; ".join(failed))


@nox.session
def bench(session: nox.Session) -> None:
    """Time the cold, no-change and one-page builds against the floor (tools/bench.py)."""
    _install(session)
    session.run("python", str(ROOT / "tools" / "bench.py"), *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and format check; arguments go to `ruff check`."""
    session.install(pin("ruff"))
    session.run("ruff", "check", *session.posargs, str(ROOT))
    session.run("ruff", "format", "--check", str(ROOT))


@nox.session
def lock(session: nox.Session) -> None:
    """Resolve requirements.in into exact pins for every Python the README supports."""
    session.install(pin("uv"))
    session.run(
        "uv", "pip", "compile", "requirements.in", "--universal", "--python-version", "3.10",
        "--output-file", "requirements.txt", "--custom-compile-command", "nox -s lock", *session.posargs,
    )  # fmt: skip


if __name__ == "__main__":
    nox.main()
