"""The build executes every page, fails loudly, skips what has not changed, and treats its
cache as only a cache. The failures are planted in a copy of the fixture site
(tests/fixture: the real configuration, two small pages), never in the real pages."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from building import add_cell, build, build_command, executed
from site_pages import EXAMPLES

from keras_rnn_returns.configurations import CASES
from site_build.project import ROOT

pytestmark = pytest.mark.slow


def test_every_example_page_shows_its_executed_output(built_site: Path) -> None:
    """Every code cell that printed something, and is not hidden on purpose, shows it on
    its page (the build's outputs.json holds what each cell printed; site_build/differences.py)."""
    import json

    import jupytext
    from bs4 import BeautifulSoup

    printed = json.loads((built_site.parent / "outputs.json").read_text())["pages"]
    for source in EXAMPLES:
        html = (built_site / "examples" / source.name).with_suffix(".html").read_text()
        shown = BeautifulSoup(html, "html.parser")
        notebook = jupytext.read(source)
        for cell in printed[f"examples/{source.stem}"]:
            hidden = {"remove-cell", "remove-output"} & set(notebook.cells[cell["index"]].metadata.get("tags", []))
            if not cell["outputs"] or hidden:
                continue
            container = shown.find(id=f"cell-{cell['index']}")
            assert container is not None and container.select_one(".cell_output"), (
                f"{source.name}: the cell {cell['index']} printed {cell['outputs'][0]['text'][:60]!r}, not shown"
            )
        if "Returned(" in source.read_text():
            assert "in symbols" in html, f"{source.name} does not show the table of returned tensors"
        assert "Executed with Python" in html, f"{source.name} does not show the versions it ran with"


def test_front_page_leads_to_every_example(built_site: Path) -> None:
    index = (built_site / "index.html").read_text()
    for source in EXAMPLES:
        assert f'href="examples/{source.stem}.html"' in index, f"index.html does not link to {source.stem}"


def test_summary_table_is_generated_for_all_five_cases(built_site: Path) -> None:
    summary = (built_site / "docs" / "summary.html").read_text()
    table = summary.split("<table", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 1 + 5  # a header row and one row per case
    for case in CASES:
        assert f"../{case.page}.html" in table


def log(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_failing_example_fails_the_build_naming_its_file(fixture_site: Path) -> None:
    add_cell(fixture_site / "pages" / "prints.md", 'raise ValueError("an example that breaks")')

    result = build(fixture_site)

    assert result.returncode != 0, "the build succeeded although an example raised"
    assert "pages/prints.md" in log(result)
    assert "an example that breaks" in log(result)  # the failing cell and its error are shown too


def test_a_page_that_times_out_ahead_of_reading_says_so_in_the_log(fixture_site: Path) -> None:
    """A timeout while the pages execute ahead is said in the log (nox -s bench looks for it in
    builds run under load), and the page executes again as Sphinx reads it: here it times out
    again, and the build fails naming it."""
    from bench import TIMEOUT_SIGNS  # tools/, on pytest's pythonpath

    page = fixture_site / "pages" / "prints.md"
    page.write_text(
        page.read_text().replace("file_format: mystnb\n", "file_format: mystnb\nmystnb:\n  execution_timeout: 2\n", 1)
    )
    add_cell(page, "import time\ntime.sleep(30)")

    result = build(fixture_site)

    assert result.returncode != 0
    said = [line for line in log(result).splitlines() if "Executing ahead failed (CellTimeoutError" in line]
    assert said and all("pages/prints" in line for line in said), log(result)[-3000:]
    assert any(sign in said[0] for sign in TIMEOUT_SIGNS)


def test_cell_tagged_raises_exception_may_raise(fixture_site: Path) -> None:
    add_cell(fixture_site / "pages" / "prints.md", 'raise ValueError("shown on purpose")', tags=("raises-exception",))

    result = build(fixture_site)

    assert result.returncode == 0, log(result)[-3000:]
    assert "shown on purpose" in (fixture_site / "_build" / "html" / "pages" / "prints.html").read_text()


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ('import warnings\nwarnings.warn("deprecated call in an example")', "stderr was found in the cell outputs"),
        # In a kernel TensorFlow logs to stdout, where nb_output_stderr cannot see it.
        ("import tensorflow as tf\ntf.get_logger().warning('5 out of the last 5 calls triggered retracing')", "retrac"),
    ],
    ids=["python-warning", "tensorflow-logged-warning"],
)
def test_warning_in_an_example_fails_the_build_until_fixed(fixture_site: Path, source: str, shown: str) -> None:
    add_cell(fixture_site / "pages" / "prints.md", source)

    for attempt in ("first", "second"):  # and it keeps failing until the page is fixed
        result = build(fixture_site)

        assert result.returncode != 0, f"a warning printed by an example did not fail the {attempt} build"
        assert "pages/prints.md" in log(result) and shown in log(result)


def test_mistyped_doctest_shape_fails_the_doctest_build(fixture_site: Path) -> None:
    page = fixture_site / "pages" / "prints.md"
    page.write_text(page.read_text().replace("(1, 4)\n```", "(1, 5)\n```"))

    result = build(fixture_site, "doctest")

    assert result.returncode != 0, "a wrong shape in a doctest passed"
    assert "prints" in log(result)
    assert "(1, 5)" in log(result)  # the expected line is reported next to what the code printed


def test_rebuild_without_changes_executes_no_notebook(fixture_site: Path) -> None:
    first = build(fixture_site)
    assert first.returncode == 0, log(first)[-3000:]
    assert executed(first) == ["draws", "prints"]

    second = build(fixture_site)

    assert second.returncode == 0, log(second)[-3000:]
    assert executed(second) == []


def test_prose_edit_executes_nothing_and_code_edit_executes_only_its_page(fixture_site: Path) -> None:
    assert build(fixture_site).returncode == 0
    page = fixture_site / "pages" / "prints.md"
    page.write_text(page.read_text() + "\nA sentence of prose, no code.\n")

    after_prose = build(fixture_site)

    assert after_prose.returncode == 0, log(after_prose)[-3000:]
    assert executed(after_prose) == []

    add_cell(page, "# a comment is new code to the cache")

    after_code = build(fixture_site)

    assert after_code.returncode == 0, log(after_code)[-3000:]
    assert executed(after_code) == ["prints"]


def test_a_corrupted_execution_cache_is_discarded_with_a_warning(fixture_site: Path) -> None:
    assert build(fixture_site).returncode == 0
    databases = list((fixture_site / "_build" / ".jupyter_cache").glob("*/global.db"))
    assert len(databases) == 1
    databases[0].write_bytes(b"not a database: a full disk, or a kill mid-write, left this")

    result = build(fixture_site)

    assert result.returncode == 0, log(result)[-3000:]
    warning = [line for line in log(result).splitlines() if "execution cache" in line and "discarded" in line]
    assert len(warning) == 1 and str(databases[0].parent) in warning[0], log(result)[-3000:]
    assert executed(result) == ["draws", "prints"]  # re-executed, into a working cache
    assert executed(build(fixture_site)) == []


def test_an_interrupted_cold_build_recovers_on_the_next(fixture_site: Path) -> None:
    command, environment = build_command(fixture_site)
    started = subprocess.Popen(command, cwd=fixture_site, env=environment, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120  # kill it as soon as it has begun to fill the cache
    while not list((fixture_site / "_build" / ".jupyter_cache").glob("*/global.db")) and time.monotonic() < deadline:
        time.sleep(0.05)
    began = list((fixture_site / "_build" / ".jupyter_cache").glob("*/global.db"))
    started.kill()
    started.wait()
    assert began, "the build wrote no cache in 120 s: the kill interrupted nothing"

    result = build(fixture_site)

    assert result.returncode == 0, log(result)[-3000:]


def test_two_builds_at_once_in_one_folder_both_succeed(fixture_site: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: build(fixture_site), range(2)))

    for result in results:
        assert result.returncode == 0, log(result)[-3000:]


def test_pages_run_in_processes_of_their_own_though_kernels_fork_from_one_server(fixture_site: Path) -> None:
    """The warm kernel server (site_build/kernel) forks each page's kernel from its state right
    after its imports: nothing one page does reaches another."""
    mark = "import builtins, os\nprint('pid', os.getpid())\n"
    add_cell(fixture_site / "pages" / "prints.md", mark + "builtins.left_by_another_page = True")
    add_cell(fixture_site / "pages" / "draws.md", mark + "assert not hasattr(builtins, 'left_by_another_page')")

    result = build(fixture_site)

    assert result.returncode == 0, log(result)[-3000:]
    pages = [(fixture_site / "_build" / "html" / "pages" / f"{name}.html").read_text() for name in ("prints", "draws")]
    pids = {re.search(r"pid (\d+)", page).group(1) for page in pages}
    assert len(pids) == 2


LAUNCHER = ROOT / "site_build" / "kernel" / "kernels" / "python3" / "launch.py"


def _start_warm_server(folder: Path, idle: str):
    """Start the warm kernel server as a build does (``--warm``), its temporary files in the
    existing ``folder``; return its process."""
    import os
    import sys

    import psutil

    env = dict(os.environ, TMPDIR=str(folder), WARM_KERNEL_IDLE_SECONDS=idle)
    subprocess.run([sys.executable, str(LAUNCHER), "--warm"], env=env, check=True, timeout=300)
    servers = [p for p in psutil.process_iter(["cmdline"]) if "--serve" in (p.info["cmdline"] or [])]
    found = [p for p in servers if str(folder) in " ".join(p.info["cmdline"])]
    assert len(found) == 1, f"{len(found)} servers for {folder} (a Unix socket's path holds at most 107 bytes)"
    [server] = found
    assert list(folder.iterdir()), "the server left no socket to connect to"
    return server


@pytest.mark.parametrize("how", ["idle", "terminated"])
def test_the_warm_kernel_server_leaves_nothing_in_the_temporary_folder(how: str) -> None:
    """The server exits when it has been idle for WARM_KERNEL_IDLE_SECONDS (a minute by
    default) or is terminated, and takes its socket, log and lock with it."""
    import shutil
    import signal
    import tempfile

    # A short folder: a Unix socket's path holds at most 107 bytes, and pytest's tmp_path is long.
    folder = Path(tempfile.mkdtemp(prefix="warm-"))
    try:
        server = _start_warm_server(folder, idle="1" if how == "idle" else "600")
        if how == "terminated":
            server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

        assert not [path.name for path in folder.iterdir()]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
