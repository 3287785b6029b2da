"""What the tests share: the pages and the built site, served over HTTP to a headless
Chromium, and the fixture site that tests break on purpose. Helpers live in modules named
for their jobs: site_pages.py (this folder; reading pages and built HTML), building.py (this
folder; builds as nox builds), site_build/serving.py (the site as its hosts serve it) and
browsing.py (this folder; a browser that records what went wrong); parallel.py (this
folder) splits the tests between pytest-xdist's workers. The build's own modules (site_build)
are installed, as conf.py and the tools find them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import parallel
import pytest
from browsing import CHROMIUM, INSTALL_HINT
from building import FIXTURE
from executions import LOG as EXECUTIONS_LOG
from site_pages import HTML

from site_build.chromium import FLAGS as CHROMIUM_ARGS  # site_build/chromium.py, which Lighthouse uses too
from site_build.project import BUILD
from site_build.serving import serve, url_of

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # the site's; `nox -s backends` sets the others
# Where the tests count the page executions they cause (executions.py): nox's log, or one of pytest's own;
# each pytest-xdist worker its own file beside it (noxfile.py's `executions` reads them all), so
# that a test counts what it executed, not what another worker's test did meanwhile.
_log = Path(os.environ.get(EXECUTIONS_LOG, BUILD / "page-executions.log"))
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    _log = _log.with_name(f"{_log.stem}.{worker}{_log.suffix}")
os.environ[EXECUTIONS_LOG] = str(_log)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook; absent with `-p no:xdist`
def pytest_xdist_make_scheduler(config, log):
    return parallel.scheduler(config, log)


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


@pytest.fixture(scope="session")
def built_site() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("No built site in _build/html: run `nox -s tests` (it builds first) or `nox -s docs`.")
    return HTML


@pytest.fixture(scope="session")
def site_server(built_site: Path):
    """The built site, served for the whole run."""
    with serve(built_site) as server:
        yield server


@pytest.fixture(scope="session")
def site_url(site_server) -> str:
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


@pytest.fixture
def fixture_site(tmp_path: Path) -> Path:
    """A copy of the fixture site (tests/fixture: two pages, the real site's configuration),
    for a test to break."""
    return Path(shutil.copytree(FIXTURE, tmp_path / "site", ignore=shutil.ignore_patterns("_build")))
