"""What the tests share: the built site, served over HTTP to a headless Chromium; the
fixture site that tests break on purpose; and small readers of pages and builds."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
EXAMPLES = sorted((ROOT / "examples").glob("*.md"))
# The pages that are notebooks (a jupytext header): the build executes them, and offers each
# for download.
NOTEBOOK_PAGES = sorted(
    page
    for folder in ("examples", "docs")
    for page in (ROOT / folder).glob("*.md")
    if page.read_text(encoding="utf-8").startswith("---\njupytext:")
)

# What the site extension decides about pages (what readers see and download), as conf.py loads it.
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
from site_extras import has_reader_code  # noqa: E402

# The build's Sphinx flags (noxfile.py), and the browser's (tools/chromium.py, which Lighthouse uses too).
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
from chromium import FLAGS as CHROMIUM_ARGS  # noqa: E402
from chromium import chromium  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # the site's; `nox -s backends` sets the others

# Where page executions are counted (docs/_ext/execution.py): nox's log, or one of pytest's own.
from execution import EXECUTIONS_LOG  # noqa: E402

os.environ.setdefault(EXECUTIONS_LOG, str(ROOT / "_build" / "page-executions.log"))


def _executions() -> int:
    log = Path(os.environ[EXECUTIONS_LOG])
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.fixture(autouse=True)
def _only_slow_tests_execute_pages(request: pytest.FixtureRequest) -> Iterator[None]:
    """Quick means quick: a test that executes a page's code (a build, a kernel, a script)
    is marked ``slow``, so that ``-m "not slow"`` executes none."""
    before = _executions()
    yield
    if _executions() > before and request.node.get_closest_marker("slow") is None:
        pytest.fail(f"{request.node.name} executed a page's code but is not marked slow")


def downloadable(page: Path) -> bool:
    """Whether the build offers the page's code for download (it shows readers some)."""
    return has_reader_code(source_notebook(page))


def notebook_id(page: Path) -> str:
    return page.relative_to(ROOT).with_suffix("").as_posix()


def source_notebook(page: Path):
    """A MyST notebook page, read as the build reads it."""
    from myst_nb.core.read import read_myst_markdown_notebook

    return read_myst_markdown_notebook(page.read_text(encoding="utf-8"), path=str(page))


def html_pages(site: Path) -> list[Path]:
    """Every HTML page of a built site."""
    return sorted(site.rglob("*.html"))


def tags(page: Path) -> list[tuple[str, dict[str, str]]]:
    """Every start tag of an HTML page, with its attributes (a bare attribute's value is "")."""
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.found: list[tuple[str, dict[str, str]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.found.append((tag, {name: value or "" for name, value in attrs}))

    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def download_links(page: Path) -> list[str]:
    """The files a built page offers for download (its links with a ``download`` attribute)."""
    return sorted({attrs["href"] for tag, attrs in tags(page) if tag == "a" and "download" in attrs})


@pytest.fixture(scope="session")
def built_site() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("No built site in _build/html: run `nox -s tests` (it builds first) or `nox -s docs`.")
    return HTML


# --- The built site in a browser ---------------------------------------------------------------

CHROMIUM = chromium()
INSTALL_HINT = (
    "The browser tests need Python Playwright and Chromium: `pip install playwright` "
    "(its pin is in requirements.txt; no `playwright install` is needed) and a Chromium: Debian's "
    "`apt-get install chromium` (/usr/bin/chromium), or name another Chromium or Chrome in $CHROMIUM."
)


def published_path(site: Path) -> str:
    """The path the site is published under ("/en/latest/" on Read the Docs), from the
    sitemap address the build wrote into robots.txt; "/" if it names none. Pages linked
    absolutely (the 404 page, which a host serves at any depth) only work under it."""
    robots = site / "robots.txt"
    for line in robots.read_text().splitlines() if robots.exists() else []:
        if line.startswith("Sitemap:"):
            return urllib.parse.urlsplit(line.split(":", 1)[1].strip()).path.rsplit("/", 1)[0] + "/"
    return "/"


def served_root() -> str:
    """The path a site built in this environment links absolutely from (its 404 page): that
    of SITE_URL or READTHEDOCS_CANONICAL_URL, as conf.py reads them; else a local server's "/"."""
    published = os.environ.get("SITE_URL") or os.environ.get("READTHEDOCS_CANONICAL_URL")
    return urllib.parse.urlsplit(published).path.rstrip("/") + "/" if published else "/"


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        """Serve the site at its root and, as its host does, under its published path."""
        prefix = self.server.published_path
        if prefix != "/" and path.startswith(prefix):
            path = "/" + path[len(prefix) :]
        return super().translate_path(path)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing path gets the site's 404 page, with status 404, as its host serves it."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.exists():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Record every answer, including those to requests the browser makes on its own
        (a favicon), which pages never see."""
        self.server.answers.append((self.path, int(code)))

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test log quiet: no line per request."""


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[http.server.ThreadingHTTPServer]:
    """``directory`` served over HTTP on 127.0.0.1 (an ephemeral port); the server's
    ``answers`` list each (path, status) it sent."""
    handler = functools.partial(_RecordingHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.answers = []
    server.published_path = published_path(directory)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def url_of(server: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="session")
def site_server(built_site: Path) -> Iterator[http.server.ThreadingHTTPServer]:
    """The built site, served for the whole run."""
    with serve(built_site) as server:
        yield server


@pytest.fixture(scope="session")
def site_url(site_server: http.server.ThreadingHTTPServer) -> str:
    return url_of(site_server)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole run. Missing Playwright or Chromium is a failure
    that says what to install, never a silent skip."""
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        pytest.fail(f"Python Playwright is not installed. {INSTALL_HINT}")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} does not exist. {INSTALL_HINT}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


class WatchedPage:
    """A browser page that records everything that went wrong: console errors, uncaught
    JavaScript errors, failed or unsuccessful requests, and any request to a host other
    than the local server."""

    def __init__(self, browser, site_url: str, **context_options: object) -> None:
        self.site_url = site_url
        self.problems: list[str] = []
        self.context = browser.new_context(**context_options)  # e.g. viewport={"width": ..., "height": ...}
        # Nothing leaves this machine: a request elsewhere is recorded (below), then aborted.
        self.context.route(lambda url: not url.startswith(f"{site_url}/"), lambda route: route.abort())
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("request", self._request)
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        self.page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if f"{url.scheme}://{url.netloc}" != self.site_url:
            self.problems.append(f"request to another host: {request.method} {request.url}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} for {response.url}")

    def close(self) -> None:
        self.context.close()


# The WCAG contrast ratio of each element's text against the first opaque background behind it.
CONTRASTS = """elements => elements.map(element => {
  const rgba = text => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let node = element, background = [255, 255, 255];
  while (node && node.nodeType === 1) {
    const color = rgba(getComputedStyle(node).backgroundColor);
    if (color.length === 3 || (color.length === 4 && color[3] === 1)) { background = color.slice(0, 3); break; }
    node = node.parentElement;
  }
  const [a, b] = [luminance(rgba(getComputedStyle(element).color)), luminance(background)];
  return [element.id || element.tagName + ":" + element.textContent.trim().slice(0, 30),
          (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
})"""


FIXTURE = ROOT / "tests" / "fixture"


@pytest.fixture
def fixture_site(tmp_path: Path) -> Path:
    """A copy of the fixture site (tests/fixture: two pages, the real site's configuration),
    for a test to break."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "site", ignore=shutil.ignore_patterns("_build")))


def nox_list(*arguments: str) -> subprocess.CompletedProcess[str]:
    """``nox --list`` of the project's noxfile, with ``arguments`` (``--json``, ``-s`` names…)."""
    command = [sys.executable, "-m", "nox", "--noxfile", str(ROOT / "noxfile.py"), "--list", *arguments]
    return subprocess.run(command, capture_output=True, text=True)


def build_command(site: Path, builder: str = "html", **env: str) -> tuple[list[str], dict[str, str]]:
    """The command and environment that build ``site`` as the nox sessions build (noxfile.SPHINX)."""
    from noxfile import SPHINX

    command = [sys.executable, *SPHINX[1:], "-b", builder, "-d", str(site / "_build" / "doctrees" / builder)]
    # The fixture's conf.py reads the real site's; kernels run with the `python` on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    environment = dict(os.environ, KERAS_RNN_SITE=str(ROOT), PATH=path, **env)
    return [*command, str(site), str(site / "_build" / builder)], environment


def build(site: Path, builder: str = "html", **env: str) -> subprocess.CompletedProcess[str]:
    """Build ``site`` as the nox sessions build, in this environment."""
    command, environment = build_command(site, builder, **env)
    return subprocess.run(command, cwd=site, env=environment, capture_output=True, text=True, timeout=600)


def executed(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The pages a build executed (MyST-NB's log line, and the one executing ahead of reading)."""
    pages = re.findall(r"(\S+\.md): Executing notebook", result.stdout + result.stderr)
    return sorted({Path(page).stem for page in pages})


def add_cell(page: Path, source: str, tags: tuple[str, ...] = ()) -> None:
    """Append a code cell to a MyST notebook."""
    options = f":tags: [{', '.join(tags)}]\n" if tags else ""
    page.write_text(page.read_text() + f"\n```{{code-cell}}\n{options}{source}\n```\n")
