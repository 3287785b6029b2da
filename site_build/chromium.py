"""The Chromium the browser tests and Lighthouse drive, and how they start it.

Headless, and nothing that phones home: the site under test must be the only host a
browser contacts (on a closed network, background requests are refused many at a time).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def chromium() -> Path:
    """The browser named in $CHROMIUM (or $CHROME_PATH, Lighthouse's name for it); else
    Debian's Chromium (`apt-get install chromium`), or else a Chromium or Chrome on PATH."""
    named = os.environ.get("CHROMIUM") or os.environ.get("CHROME_PATH")
    if named:
        return Path(named)
    on_path = [shutil.which(name) for name in ("chromium", "google-chrome", "chromium-browser")]
    return next((Path(p) for p in (DEBIAN_CHROMIUM, *on_path) if p and Path(p).exists()), DEBIAN_CHROMIUM)
