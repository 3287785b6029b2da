"""Lighthouse scores of the built site: `nox -s lighthouse`.

Serves _build/html on a free local port (port 0), text gzip-compressed as the site's hosts
(GitHub Pages, Read the Docs) send it, and runs Lighthouse (mobile, its default) on every
page (or the pages named as arguments). Prints each page's four scores, then the lowest,
and exits non-zero if any is below 100. Needs Node 18.20+, Lighthouse installed with
`npm ci --prefix tests/lighthouse` (the session does it), and Chromium (tools/chromium.py).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from chromium import FLAGS, chromium

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
REPORTS = ROOT / "_build" / "lighthouse"
CLI = ROOT / "tests" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TEXT = {".html", ".css", ".js", ".json", ".svg", ".txt", ".xml"}  # what a web host compresses


def pages(site: Path) -> list[str]:
    """Every page of the built site (not the files of its search index)."""
    index = site / "pagefind"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if not p.is_relative_to(index))


class Hosted(http.server.SimpleHTTPRequestHandler):
    """Serves text gzip-compressed, so that Lighthouse measures the bytes readers receive."""

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


def main() -> int:
    if not (SITE / "index.html").exists():
        sys.exit(f"No built site in {SITE}: run `nox -s lighthouse` (it builds first) or `nox -s docs`.")
    REPORTS.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Hosted, directory=str(SITE)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    failed, lowest = [], (101, "")
    try:
        for page in sys.argv[1:] or pages(SITE):
            report = REPORTS / (page.replace("/", "-") + ".json")
            with tempfile.TemporaryDirectory() as profile:  # a fresh browser profile for each run
                flags = " ".join(("--headless=new", *FLAGS, f"--user-data-dir={profile}"))
                subprocess.run(
                    ["node", str(CLI), f"http://127.0.0.1:{server.server_port}/{page}", "--quiet", "--output=json",
                     f"--output-path={report}", f"--chrome-flags={flags}"],
                    env=dict(os.environ, CHROME_PATH=str(chromium())), check=True,
                )  # fmt: skip
            result = json.loads(report.read_text())
            scores = {c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES}
            print(f"{page}: " + ", ".join(f"{c} {s}" for c, s in scores.items()) + f" ({report})", flush=True)
            failed += [f"{page} {c} {s}" for c, s in scores.items() if s < 100]
            lowest = min(lowest, (min(scores.values()), page))
    finally:
        server.shutdown()
    print(f"lowest: {lowest[1]}, {lowest[0]}")
    if failed:
        print("below 100: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
