"""The README's quick start and excerpt tell the truth."""

from __future__ import annotations

import html
import re
from pathlib import Path

from conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_quick_start_is_two_commands_that_build_then_check() -> None:
    block = re.search(r"^## Quick start$.*?^```sh\n(.*?)^```", README, re.S | re.M).group(1)
    assert block.splitlines() == ["python3 noxfile.py -s docs", "python3 noxfile.py -s tests"]
    assert "python3 noxfile.py -s tests" in (ROOT / ".ci" / "run").read_text()


def test_readme_excerpt_is_what_the_bidirectional_page_shows(built_site: Path) -> None:
    excerpt = re.search(r"```text\n(.*?)```", README, re.S).group(1).strip()
    page = (built_site / "examples" / "bidirectional-lstm-states.html").read_text()
    shown = [html.unescape(re.sub(r"<[^>]+>", "", pre)).strip() for pre in re.findall(r"<pre>(.*?)</pre>", page, re.S)]
    assert excerpt in shown
