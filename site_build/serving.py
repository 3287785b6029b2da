"""The built site served over HTTP as its hosts (GitHub Pages, Read the Docs) serve it: under
its published path, with its 404 page for a missing path, and text gzip-compressed to a
browser that accepts it; every answer is recorded. The browser tests and Lighthouse
(tools/lighthouse.py) use it."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path


def published_path(site: Path) -> str:
    """The path the site is published under ("/en/latest/" on Read the Docs), from the
    sitemap address the build wrote into robots.txt; "/" if it names none. Pages linked
    absolutely (the 404 page, which a host serves at any depth) only work under it."""
    robots = site / "robots.txt"
    for line in robots.read_text().splitlines() if robots.exists() else []:
        if line.startswith("Sitemap:"):
            return urllib.parse.urlsplit(line.split(":", 1)[1].strip()).path.rsplit("/", 1)[0] + "/"
    return "/"


#: What a web host compresses.
TEXT = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml"}


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        """Serve the site at its root and, as its host does, under its published path."""
        prefix = self.server.published_path
        if prefix != "/" and path.startswith(prefix):
            path = "/" + path[len(prefix) :]
        return super().translate_path(path)

    def do_GET(self) -> None:
        """Text gzip-compressed, so that Lighthouse measures the bytes readers receive."""
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
        return None

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
