"""How long the build takes, with and without the warm kernel server, against the least it
could take: `nox -s bench`.

On copies of the project in a temporary folder (the reader's _build is never touched, and
what the benchmark edits is a copy's), in one run on one machine, it measures:

- cold: the build with no execution cache, no output and no warm kernel server running yet;
- floor: every notebook page's code run as a plain Python script, each in its own fresh
  process, one after another: what each page costs without a kernel, Sphinx or
  parallelism. The slowest of them is the least a cold build could take;
- no change: the same build again;
- prose edit: one sentence appended to a page's Markdown (must execute nothing);
- code edit: a comment added to one code cell (must execute that page only), against
  that page's own script;
- cold and code edit again on a copy whose kernels start as plain ipykernel processes with
  the same options (no warm server): what the server buys;
- two cold builds at once, each with its own warm server: a build on a machine busy with
  another build. A cell timeout's traceback in either log fails the benchmark.

Each figure is wall-clock seconds, CPU seconds and the peak memory of everything the build
runs: Sphinx, its -j workers, and the kernels with their warm server (site_build/kernel), which
runs apart from the build, so it is found by the tag this benchmark gives it. Memory counts
the pages forked kernels share with the server once. It prints a table, the slowest pages
(as scripts, and as the cold build executed them beside the others) and the ratios, and
writes the figures, every page's included, as JSON (default: _build/bench.json).

The CPU bound is the cold build's CPU seconds over the machine's cores: no build that spends
them ends sooner, however it is scheduled. Where it exceeds the slowest page, the cold build
gets closer to that page only by spending less CPU.

It lives in tools/, not tests/ (it times things, and tests assert no timings) nor
examples/ (`nox -s doctest` collects every module there).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from site_build.project import sphinx  # the build's command, as `nox -s docs` runs it
from site_build.reader_code import build_notebook, notebook_pages, script, source_notebook

ROOT = Path(__file__).resolve().parents[1]

# What a build needs; tools/, tests/, .nox/, .git stay behind.
PROJECT_FILES = (
    "conf.py", "index.md", "noxfile.py", "pyproject.toml", "docs", "examples", "keras_rnn_returns", "site_build",
    *(path.name for path in ROOT.glob("requirements*")),  # the locks: the build reads the pins
)  # fmt: skip
# As `nox -s docs` builds, in the copy's root.
BUILD = sphinx(Path("."), Path("_build/html"))[1:]
# myst-nb logs this once per notebook it executes (and not for one served from the cache).
EXECUTED = "Executing notebook using local CWD"
# The pages the benchmark edits: a typical example page.
EDITED_PAGE = Path("examples") / "lstm-return-state.md"


def notebook_script(page: Path) -> str:
    """The page's code as one Python script, run as the build runs it (reader_code.py)."""
    return script(build_notebook(source_notebook(page)), keep_error=True)


def _tagged(tag: str) -> list:
    """The processes of the warm kernel server that carries ``tag``, and its kernels."""
    import psutil

    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if process.environ().get("WARM_KERNEL_TAG") == tag:
                found.append(process)
    return found


def _busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy: kernels forked from a server that runs
    apart from the build, and reaped by it, escape any per-process count."""
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def measure(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """Run ``command``; return its wall-clock seconds, the machine's busy CPU seconds meanwhile,
    and the peak memory (MB) of its process tree and of the kernel server tagged in ``env``,
    polled every 100 ms: each process's resident pages not shared with another, plus the
    largest share once (reading PSS instead cost the build a core). Fail, showing the log's
    end, if it fails."""
    import psutil

    tag = env.get("WARM_KERNEL_TAG", "")
    cpu_before = _busy_cpu_seconds()

    with log.open("w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        root, peak = psutil.Process(process.pid), 0
        while process.poll() is None:
            tree, memory = [root], 0
            with contextlib.suppress(psutil.Error):  # the build ended since poll()
                tree += root.children(recursive=True)
            if tag:
                tree += _tagged(tag)
            largest_shared = 0
            for member in tree:
                with contextlib.suppress(psutil.Error):  # it ended between listing and reading
                    used = member.memory_info()
                    shared = getattr(used, "shared", 0)  # Linux: resident pages shared with others
                    memory += used.rss - shared
                    largest_shared = max(largest_shared, shared)
            # Forked kernels share most of their pages with the server: count shared pages once.
            peak = max(peak, memory + largest_shared)
            time.sleep(0.1)
        seconds = time.perf_counter() - start
    if process.returncode:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n" + log.read_text()[-5000:])
    return seconds, _busy_cpu_seconds() - cpu_before, peak / 2**20


def copy_sources(copy: Path) -> Path:
    """Copy what a build needs (PROJECT_FILES) into the new folder ``copy``."""
    copy.mkdir()
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def without_warm_kernels(project: Path) -> None:
    """Make the copy's kernel start as a plain ipykernel with the same options, each in a new
    process, instead of forking from the warm server (what the warm server buys)."""
    spec = project / "site_build" / "kernel" / "kernels" / "python3" / "kernel.json"
    kernel = json.loads(spec.read_text())
    kernel["argv"] = ["python", "-m", "ipykernel_launcher", *kernel["argv"][2:]]  # its options, then -f
    spec.write_text(json.dumps(kernel))
    (spec.parent / "launch.py").unlink()  # so the build starts no warm server either


#: What a cell timeout leaves in a build's log (nbclient's CellTimeoutError and its message).
TIMEOUT_SIGNS = ("CellTimeoutError", "timed out while it was being executed", "Cell execution timed out")


def _environment(project: Path) -> dict[str, str]:
    """The build's environment for the copy ``project``. The build runs kernels with the
    `python` on PATH: this one. A tag of its own gives the copy a kernel server of its own
    (cold at first, like a new machine's), which the measurements find by it, and which
    exits a minute after the benchmark."""
    return dict(
        os.environ,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        WARM_KERNEL_TAG=str(project),
    )


def refresh_records(project: Path, page: Path, before: str, after: str) -> None:
    """Give the copy's backend records (docs/backend-outputs/) the new source hash of each
    cell of ``page`` that changed from ``before`` to ``after``, as `nox -s backends` would on
    re-recording: otherwise the build warns that they are stale, and -W fails it."""
    import jupytext

    from site_build.differences import RECORD, source_hash

    old, new = (
        [c for c in jupytext.reads(text, fmt="md:myst").cells if c.cell_type == "code"] for text in (before, after)
    )
    renamed = {source_hash(a.source): source_hash(b.source) for a, b in zip(old, new, strict=True) if a != b}
    docname = page.with_suffix("").as_posix()
    for path in (project / RECORD.relative_to(ROOT)).glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        for cell in record["pages"].get(docname, []):
            cell["source"] = renamed.get(cell["source"], cell["source"])
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def bench(workdir: Path) -> tuple[dict, dict, list[str]]:
    """The phases' figures, every page's as a script, and the cell timeouts the logs show."""
    warm = copy_sources(workdir / "warm")
    fresh = copy_sources(workdir / "fresh")
    without_warm_kernels(fresh)
    logs = workdir / "logs"
    logs.mkdir()
    results = {}

    def build(phase: str, project: Path) -> None:
        log = logs / f"{phase}.log"
        seconds, cpu, mb = measure([sys.executable, *BUILD], project, _environment(project), log)
        executed = log.read_text().count(EXECUTED)
        results[phase] = {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": mb, "notebooks_executed": executed}
        print(f"  {phase}: {seconds:.1f} s", flush=True)

    def edit(phase: str, project: Path, text: str) -> None:
        """Build with the edited page's ``text``, then restore it and build again, so that
        the next phase times its own edit only."""
        page = project / EDITED_PAGE
        original = page.read_text(encoding="utf-8")
        page.write_text(text, encoding="utf-8")
        refresh_records(project, EDITED_PAGE, original, text)
        try:
            build(phase, project)
        finally:
            page.write_text(original, encoding="utf-8")
            refresh_records(project, EDITED_PAGE, text, original)
        measure([sys.executable, *BUILD], project, _environment(project), logs / f"after {phase}.log")

    original = (warm / EDITED_PAGE).read_text(encoding="utf-8")
    # A comment at the end of the page's last code cell: new code to the cache, so that page re-executes.
    end_of_cell = original.index("\n```", original.rindex("```{code-cell}"))
    prose = original + "\nOne more sentence of prose.\n"
    code = original[:end_of_cell] + "\n# a comment: the cell's code changed" + original[end_of_cell:]

    build("cold", warm)
    executed = _execution_seconds(warm)
    build("no change", warm)
    edit("prose edit", warm, prose)
    edit("code edit", warm, code)
    # Without the server: only phases that start kernels (no change and prose edit start none).
    build("cold, fresh kernels", fresh)
    edit("code edit, fresh kernels", fresh, code)

    # The floor: what conf.py gives the kernels (the backend), no more.
    script_env = dict(_environment(warm), KERAS_BACKEND="tensorflow")
    scripts = workdir / "scripts"
    scripts.mkdir()
    floor = {"seconds": 0.0, "cpu_seconds": 0.0, "peak_mb": 0.0, "notebooks_executed": 0}
    pages = {}
    for page in notebook_pages(warm):
        script = scripts / f"{page.parent.name}-{page.stem}.py"
        script.write_text(notebook_script(page))
        seconds, cpu, mb = measure([sys.executable, str(script)], page.parent, script_env, logs / f"{script.stem}.log")
        name = page.relative_to(warm).as_posix()
        pages[name] = {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": mb, "in_cold_build": executed.get(name)}
        floor["seconds"] += seconds
        floor["cpu_seconds"] += cpu
        floor["peak_mb"] = max(floor["peak_mb"], mb)
        floor["notebooks_executed"] += 1
    results["floor"] = floor
    slowest = max(pages, key=lambda page: pages[page]["seconds"])
    results["slowest page"] = dict(pages[slowest], notebooks_executed=1, page=slowest)
    results["edited page"] = dict(pages[EDITED_PAGE.as_posix()], notebooks_executed=1, page=EDITED_PAGE.as_posix())
    print(f"  floor: {floor['seconds']:.1f} s, slowest page {slowest}: {pages[slowest]['seconds']:.1f} s", flush=True)

    # Two cold builds at once, as the site builds (warm servers, one each): no cell may time out.
    from concurrent.futures import ThreadPoolExecutor

    pair = [copy_sources(workdir / name) for name in ("one", "two")]  # new tags: their servers start cold
    with ThreadPoolExecutor(len(pair)) as pool:
        list(pool.map(lambda project: build(f"cold, two at once ({project.name})", project), pair))
    timeouts = [
        f"{log.name}: {line.strip()}"
        for log in sorted(logs.glob("*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if any(sign in line for sign in TIMEOUT_SIGNS)
    ]
    return results, pages, timeouts


def _execution_seconds(project: Path) -> dict[str, float]:
    """How long each page took to execute in the build, as the execution cache recorded it:
    wall-clock seconds in a kernel, beside the other pages running at the same time."""
    from jupyter_cache import get_cache

    seconds = {}
    for folder in (project / "_build" / ".jupyter_cache").iterdir():
        for record in get_cache(folder).list_cache_records():
            seconds[Path(record.uri).relative_to(project).as_posix()] = record.data.get("execution_seconds")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=ROOT / "_build" / "bench.json", help="where to write the figures")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copies and their logs")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"Benchmarking copies of the project in {workdir} on {os.cpu_count()} cores", flush=True)
    try:
        results, pages, timeouts = bench(workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    # No schedule of the cold build's CPU seconds on this machine's cores ends sooner than this.
    cpu_bound = results["cold"]["cpu_seconds"] / os.cpu_count()
    # ... nor sooner than its slowest page: the least a cold build could take is the larger.
    least = max(cpu_bound, results["slowest page"]["seconds"])
    ratios = {
        "cold / least possible": results["cold"]["seconds"] / least,
        "cold / slowest page": results["cold"]["seconds"] / results["slowest page"]["seconds"],
        "cold / CPU bound": results["cold"]["seconds"] / cpu_bound,
        "CPU bound / slowest page": cpu_bound / results["slowest page"]["seconds"],
        "code edit / edited page": results["code edit"]["seconds"] / results["edited page"]["seconds"],
        "cold / all pages in a row": results["cold"]["seconds"] / results["floor"]["seconds"],
        "no change / cold": results["no change"]["seconds"] / results["cold"]["seconds"],
        # What the warm kernel server saves (site_build/kernel): it stays if that is 20 % or more of either.
        "server saves, cold": 1 - results["cold"]["seconds"] / results["cold, fresh kernels"]["seconds"],
        "server saves, code edit": 1 - results["code edit"]["seconds"] / results["code edit, fresh kernels"]["seconds"],
    }
    print(f"\n{'':<30}{'seconds':>9}{'CPU s':>9}{'peak MB':>9}{'notebooks executed':>20}")
    for phase, f in results.items():
        print(
            f"{phase:<30}{f['seconds']:>9.1f}{f['cpu_seconds']:>9.1f}{f['peak_mb']:>9.0f}{f['notebooks_executed']:>20}"
            + (f"  {f['page']}" if "page" in f else "")
        )
    print(f"\nThe slowest pages: {'script s':>9}{'CPU s':>9}{'in the cold build s':>20}")
    for name in sorted(pages, key=lambda name: pages[name]["seconds"], reverse=True)[:6]:
        page, in_build = pages[name], pages[name]["in_cold_build"]
        print(f"  {name:<40}{page['seconds']:>9.1f}{page['cpu_seconds']:>9.1f}{in_build or float('nan'):>20.1f}")
    print(
        f"\nThe cold build spent {results['cold']['cpu_seconds']:.1f} CPU seconds. Over {os.cpu_count()} cores "
        f"that is {cpu_bound:.1f} s, the CPU bound: no build spending them ends sooner, nor sooner than its "
        f"slowest page.\nThe least a cold build could take is the larger of the two, {least:.1f} s; the aim "
        "is a cold build within 1.15 x that,\nand fewer CPU seconds (they, not scheduling, are what "
        "costs once the bound exceeds the slowest page).\n"
    )
    for ratio, value in ratios.items():
        print(f"{ratio:<26}{value:>6.2f}")
    print(
        "\nfloor: every page's script, one after another; slowest page / edited page: one script each."
        "\nfresh kernels: each page's kernel a new ipykernel process, no warm server. two at once: both"
        "\nbuilds' figures are the machine's while both ran. CPU s: the machine's busy CPU seconds during"
        "\nthe phase (all scripts, for the floor). peak MB: resident memory of the build (Sphinx, its"
        "\nworkers, the kernel server and its kernels, shared pages counted once); for the floor, of the"
        "\nlargest single script. Other load on the machine slows the wall clock more than it adds CPU s."
    )
    print(f"load average at the end: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")

    machine = {"cores": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version()}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    figures = {"machine": machine, "phases": results, "ratios": ratios, "pages": pages, "cell_timeouts": timeouts}
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nWrote {args.json}")
    if timeouts:
        sys.exit("A cell timed out (two builds at once, or alone):\n" + "\n".join(timeouts))
    print("No cell timed out, in any build (two cold builds at once included).")


if __name__ == "__main__":
    main()
