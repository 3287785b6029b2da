"""Lighthouse scores of the built site: `nox -s lighthouse`.

Serves _build/html on a free local port as its hosts serve it (site_build/serving.py: text
gzip-compressed, as GitHub Pages and Read the Docs send it), and runs Lighthouse (mobile, its default) on every
page (or the pages named as arguments). Prints each page's four scores, then the lowest,
and exits non-zero if any is below 100. Needs Node 18.20+, Lighthouse installed with
`npm ci --prefix tests/lighthouse` (the session does it), and Chromium (site_build/chromium.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from site_build.chromium import FLAGS, chromium
from site_build.serving import serve, url_of

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
REPORTS = ROOT / "_build" / "lighthouse"
CLI = ROOT / "tests" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def pages(site: Path) -> list[str]:
    """Every page of the built site (not the files of its search index)."""
    index = site / "pagefind"
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if not p.is_relative_to(index))


def main() -> int:
    if not (SITE / "index.html").exists():
        sys.exit(f"No built site in {SITE}: run `nox -s lighthouse` (it builds first) or `nox -s docs`.")
    REPORTS.mkdir(parents=True, exist_ok=True)
    failed, lowest = [], (101, "")
    with serve(SITE) as server:  # as its hosts serve it: text gzip-compressed, the bytes readers receive
        for page in sys.argv[1:] or pages(SITE):
            page = page if page.endswith(".html") else f"{page}.html"  # docs/what-changed, as pages are named
            report = REPORTS / (page.replace("/", "-") + ".json")
            with tempfile.TemporaryDirectory() as profile:  # a fresh browser profile for each run
                flags = " ".join(("--headless=new", *FLAGS, f"--user-data-dir={profile}"))
                subprocess.run(
                    ["node", str(CLI), f"{url_of(server)}/{page}", "--quiet", "--output=json",
                     f"--output-path={report}", f"--chrome-flags={flags}"],
                    env=dict(os.environ, CHROME_PATH=str(chromium())), check=True,
                )  # fmt: skip
            result = json.loads(report.read_text())
            scores = {c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES}
            print(f"{page}: " + ", ".join(f"{c} {s}" for c, s in scores.items()) + f" ({report})", flush=True)
            failed += [f"{page} {c} {s}" for c, s in scores.items() if s < 100]
            lowest = min(lowest, (min(scores.values()), page))
    print(f"lowest: {lowest[1]}, {lowest[0]}")
    if failed:
        print("below 100: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
