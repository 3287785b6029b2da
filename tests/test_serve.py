"""`nox -s serve` previews the site live: an edited page is rebuilt and served."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from building import build_command

pytestmark = pytest.mark.slow


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.25)


def test_serve_rebuilds_an_edited_page_and_serves_it(fixture_site: Path) -> None:
    from noxfile import autobuild

    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _, environment = build_command(fixture_site)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "sphinx-autobuild"), *autobuild(fixture_site, port)],
        cwd=fixture_site, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/pages/prints.html"
    try:
        wait_for(lambda: (fetch(url) or "").count("What does a page print?"), 180, "the page was not served")
        page = fixture_site / "pages" / "prints.md"
        page.write_text(page.read_text() + "\nA sentence the preview must show.\n")

        wait_for(lambda: "A sentence the preview must show." in (fetch(url) or ""), 120, "the edit was not served")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Executing notebook" in output  # it built the fixture site itself, executing its pages
