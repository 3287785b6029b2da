"""How long the build takes, against the least it could take: `nox -s bench`.

On a copy of the project in a temporary folder (the reader's _build is never touched, and
what the benchmark edits is the copy's), in one run on one machine, it measures:

- cold: the build with no execution cache, no output and no warm kernel server;
- floor: every notebook page's code run as a plain Python script, each in its own fresh
  process, one after another: what each page costs without a kernel, Sphinx or
  parallelism. The slowest of them is the least a cold build could take;
- no change: the same build again;
- prose edit: one sentence appended to a page's Markdown (must execute nothing);
- code edit: a comment added to one code cell (must execute that page only), against
  that page's own script.

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
    "conf.py", "index.md", "noxfile.py", "pyproject.toml", "requirements.txt", "requirements-backends.txt",
    "requirements-oldest.txt",
    "docs", "examples", "keras_rnn_returns", "site_build",
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
    process, instead of forking from the warm server (what the warm server buys: `--cold-kernels`)."""
    spec = project / "site_build" / "kernel" / "kernels" / "python3" / "kernel.json"
    kernel = json.loads(spec.read_text())
    kernel["argv"] = ["python", "-m", "ipykernel_launcher", *kernel["argv"][2:]]  # its options, then -f
    spec.write_text(json.dumps(kernel))
    (spec.parent / "launch.py").unlink()  # so the build starts no warm server either


def bench(workdir: Path, cold_kernels: bool = False) -> tuple[dict, dict]:
    """The phases' figures, and every page's as a script."""
    project = copy_sources(workdir / "project")
    if cold_kernels:
        without_warm_kernels(project)
    # The build runs kernels with the `python` on PATH: this one. A tag of its own gives the
    # copy a kernel server of its own (cold at first, like a new machine's), which the
    # measurements find by it, and which exits a minute after the benchmark.
    env = dict(
        os.environ,
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        WARM_KERNEL_TAG=str(workdir),
        WARM_KERNEL_IDLE_SECONDS="60",
    )
    logs = workdir / "logs"
    logs.mkdir()
    results = {}

    def build(phase: str) -> None:
        log = logs / f"{phase}.log"
        seconds, cpu, mb = measure([sys.executable, *BUILD], project, env, log)
        executed = log.read_text().count(EXECUTED)
        results[phase] = {"seconds": seconds, "cpu_seconds": cpu, "peak_mb": mb, "notebooks_executed": executed}
        print(f"  {phase}: {seconds:.1f} s", flush=True)

    build("cold")
    executed = _execution_seconds(project)

    # The floor: what conf.py gives the kernels (the backend), no more.
    script_env = dict(env, KERAS_BACKEND="tensorflow")
    scripts = workdir / "scripts"
    scripts.mkdir()
    floor = {"seconds": 0.0, "cpu_seconds": 0.0, "peak_mb": 0.0, "notebooks_executed": 0}
    pages = {}
    for page in notebook_pages(project):
        script = scripts / f"{page.parent.name}-{page.stem}.py"
        script.write_text(notebook_script(page))
        seconds, cpu, mb = measure([sys.executable, str(script)], page.parent, script_env, logs / f"{script.stem}.log")
        name = page.relative_to(project).as_posix()
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

    build("no change")

    page = project / EDITED_PAGE
    original = page.read_text(encoding="utf-8")
    # A comment at the end of the page's last code cell: new code to the cache, so that page re-executes.
    end_of_cell = original.index("\n```", original.rindex("```{code-cell}"))
    edits = {
        "prose edit": original + "\nOne more sentence of prose.\n",
        "code edit": original[:end_of_cell] + "\n# a comment: the cell's code changed" + original[end_of_cell:],
    }
    for phase, text in edits.items():
        page.write_text(text, encoding="utf-8")
        try:
            build(phase)
        finally:
            page.write_text(original, encoding="utf-8")
        # Settle: re-read the restored page (from the cache) so that the next phase times its own edit only.
        measure([sys.executable, *BUILD], project, env, logs / f"after {phase}.log")
    return results, pages


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
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy and its logs")
    parser.add_argument("--cold-kernels", action="store_true", help="start each kernel anew, without the warm server")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    print(f"Benchmarking a copy of the project in {workdir} on {os.cpu_count()} cores", flush=True)
    try:
        results, pages = bench(workdir, args.cold_kernels)
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
    }
    print(f"\n{'':<14}{'seconds':>9}{'CPU s':>9}{'peak MB':>9}{'notebooks executed':>20}")
    for phase, f in results.items():
        print(
            f"{phase:<14}{f['seconds']:>9.1f}{f['cpu_seconds']:>9.1f}{f['peak_mb']:>9.0f}{f['notebooks_executed']:>20}"
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
        "\nCPU s: the machine's busy CPU seconds during the phase (all scripts, for the floor). peak MB:"
        "\nresident memory of the build (Sphinx, its workers, the kernel server and its kernels, shared pages"
        "\ncounted once); for the floor, of the largest single script. Other load on the machine slows the"
        "\nwall clock more than it adds CPU s."
    )
    print(f"load average at the end: {' '.join(f'{load:.1f}' for load in os.getloadavg())}")

    machine = {"cores": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version()}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    figures = {"machine": machine, "phases": results, "ratios": ratios, "pages": pages}
    args.json.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nWrote {args.json}")


if __name__ == "__main__":
    main()
