"""Execute every page, with its assertions and doctests, on the Keras installed here, and
record the result in docs/release-history.json: `nox -s history` runs this in one
environment per Keras 3 minor release (the latest patch of each).

Each run starts from an empty execution cache of its own, so every page executes and every
``since(...)`` branch it takes is logged (keras_rnn_returns/releases.py). A page that
fails is a result, not an error: the record says which pages passed on which release, and
tests/test_history.py and the pages' ``{since}`` roles read it.

Each run also executes every probe (keras_rnn_returns/probes.py: the behaviours pages state
per backend or release) on each of Keras's three backends, and records their outcomes.

Usage: python tools/record_releases.py OUT_FOLDER           (run, then record the result)
       python tools/record_releases.py --probes OUT_FOLDER  (the probes alone: a minute, not the pages' three)
       python tools/record_releases.py --backend jax OUT_FOLDER  (the pages on JAX or PyTorch, beside TensorFlow's)
       python tools/record_releases.py --merge RESULT.json ...  (record results made elsewhere: CI's jobs)
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

from site_build.project import release, sphinx

ROOT = Path(__file__).resolve().parents[1]

RECORD = ROOT / "docs" / "release-history.json"
ABOUT = (
    "Written by `nox -s history` (tools/record_releases.py): every page executed, with its assertions and doctests, "
    "on the latest patch of each Keras 3 minor release, on the TensorFlow backend and (under 'backends') on JAX "
    "and PyTorch. Per release: the versions, each page's result, which branch of each change in "
    "keras_rnn_returns/releases.py held, and (under 'probes') each probe's outcome on each backend."
)
PACKAGES = ("keras", "tensorflow", "tf-keras", "jax", "torch", "numpy")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def doctest_results(output: Path) -> dict[str, str]:
    """Page -> "pass" or "fail", from the doctest builder's output.txt (pages with doctests only)."""
    results = {}
    text = output.read_text(encoding="utf-8") if output.exists() else ""
    sections = r"^Document: (\S+)\n-+\n(.*?)(?=^Document: |^Doctest summary|\Z)"
    for document, body in re.findall(sections, text, re.M | re.S):
        results[document] = "pass" if "Test passed." in body and "Failed example" not in body else "fail"
    return results


def page_results(cache_path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Page -> "pass" (executed without an error, so cached) or "fail"; and, for each
    failing page, the last line of its error."""
    from jupyter_cache import get_cache

    from site_build.reader_code import notebook_pages, source_notebook

    cache = get_cache(cache_path)
    errors = {}
    for record in cache.list_project_records():
        if record.traceback:
            lines = [line for line in ANSI.sub("", record.traceback).splitlines() if line.strip()]
            errors[Path(record.uri).resolve()] = lines[-1].strip()[:300] if lines else "failed"
    results, problems = {}, {}
    for page in notebook_pages(ROOT):
        docname = page.relative_to(ROOT).with_suffix("").as_posix()
        try:
            cache.match_cache_notebook(source_notebook(page))
            results[docname] = "pass"
        except KeyError:
            results[docname] = "fail"
            problems[docname] = errors.get(page.resolve(), "failed (no error recorded)")
    return results, problems


def branches(log: Path) -> dict[str, str]:
    """Change -> "new" or "old", the branch ``since()`` took (both: "new and old", a bug)."""
    seen: dict[str, set[str]] = {}
    for line in log.read_text(encoding="utf-8").splitlines() if log.exists() else []:
        entry = json.loads(line)
        seen.setdefault(entry["change"], set()).add("new" if entry["new"] else "old")
    return {change: " and ".join(sorted(held)) for change, held in sorted(seen.items())}


def commit() -> str:
    """The commit executed, and whether its pages or shared code had uncommitted changes."""
    pathspec = ["examples", "docs", "keras_rnn_returns", ":!" + str(RECORD.relative_to(ROOT))]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", *pathspec], cwd=ROOT, capture_output=True, text=True
        )
    except OSError:
        return ""
    if head.returncode != 0:
        return ""
    return head.stdout.strip() + (" with uncommitted changes" if status.stdout.strip() else "")


def probes() -> dict:
    """Every probe's outcome on each backend, with the versions that ran them."""
    from keras_rnn_returns.probes import run_on

    runs = {backend: run_on(backend) for backend in ("tensorflow", "jax", "torch")}
    return {
        **{package: version(package) for package in PACKAGES},
        "executed": datetime.date.today().isoformat(),
        "commit": commit(),
        "outcomes": {name: run.get("outcomes") or {"probes": " ".join(run["failed"])} for name, run in runs.items()},
    }


def run_probes(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    result = {"keras": version("keras"), "probes": probes()}
    (out / "probes.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def run(out: Path, backend: str = "tensorflow") -> dict:
    shutil.rmtree(out, ignore_errors=True)  # an empty cache: every page executes, every branch is logged
    out.mkdir(parents=True)
    started = time.monotonic()
    env = {
        **os.environ,
        "KERAS_RNN_RETURNS_BRANCH_LOG": str(out / "branches.jsonl"),
        # As tools/execute_everything.py: JAX compiles each identical call once (the backends page runs JAX).
        "JAX_COMPILATION_CACHE_DIR": str(out / "jax_cache"),
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    }
    env["KERAS_BACKEND"] = backend  # conf.py keeps it: the site is built on TensorFlow
    cache = out / "cache"
    for builder in ("html", "doctest"):  # a failing page is a result here, not an abort
        options = ("-D", "nb_execution_raise_on_error=0", "-D", f"nb_execution_cache_path={cache}")
        command = [sys.executable, *sphinx(ROOT, out / builder, builder, *options, doctrees=out / "doctrees")[1:]]
        with open(out / f"{builder}.log", "w", encoding="utf-8") as log:
            subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    pages, problems = page_results(cache)
    result = {
        **{package: version(package) for package in PACKAGES},
        "python": platform.python_version(),
        "executed": datetime.date.today().isoformat(),
        "commit": commit(),
        "seconds": round(time.monotonic() - started),
        "pages": pages,
        "doctests": doctest_results(out / "doctest" / "output.txt"),
        "branches": branches(out / "branches.jsonl"),
        "problems": problems,
    }
    if backend == "tensorflow":  # the run the site's own build matches; the probes try every backend
        result["probes"] = probes()
    else:
        result["backend"] = backend
    (out / "result.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def merge(results: list[dict]) -> None:
    """Put each release's result into the record, replacing that release's earlier one (under a
    lock: several releases' sessions may finish at once)."""
    import fcntl

    with open(RECORD.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _merge(results)


def _merge(results: list[dict]) -> None:
    record = json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.exists() else {}
    releases = record.get("releases", {})
    for result in results:
        minor = ".".join(map(str, release(result["keras"])[:2]))
        if "backend" in result:  # the pages on JAX or PyTorch, beside the TensorFlow run
            keep = ("executed", "commit", "seconds", "pages", "doctests", "problems", "jax", "torch", "numpy")
            releases.setdefault(minor, {}).setdefault("backends", {})[result["backend"]] = {
                key: result[key] for key in keep
            }
        elif "pages" in result:
            releases[minor] = {"backends": releases.get(minor, {}).get("backends", {}), **result}
        else:  # the probes alone: the pages' run stays
            releases.setdefault(minor, {})["probes"] = result["probes"]
    ordered = dict(sorted(releases.items(), key=lambda item: release(item[0])))
    RECORD.write_text(json.dumps({"about": ABOUT, "releases": ordered}, indent=1) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[:1] == ["--merge"] and len(argv) > 1:
        merge([json.loads(Path(path).read_text(encoding="utf-8")) for path in argv[1:]])
        return 0
    if argv[:1] == ["--probes"] and len(argv) == 2:
        result = run_probes(Path(argv[1]).resolve())
        merge([result])
        print(f"Keras {result['keras']}: probes recorded in {RECORD.relative_to(ROOT)}")
        for backend, outcomes in result["probes"]["outcomes"].items():
            print(f"  {backend}: " + "; ".join(f"{name}: {outcome[:60]}" for name, outcome in outcomes.items()))
        return 0
    backend = "tensorflow"
    if argv[:1] == ["--backend"] and len(argv) == 3:
        backend, argv = argv[1], argv[2:]
    if len(argv) != 1 or argv[0].startswith("-") or backend not in ("tensorflow", "jax", "torch"):
        sys.exit(__doc__.split("Usage: ")[1])
    result = run(Path(argv[0]).resolve() / backend, backend)
    merge([result])
    failed = [page for page, outcome in result["pages"].items() if outcome != "pass"]
    doctests = [page for page, outcome in result["doctests"].items() if outcome != "pass"]
    counts = f"{len(result['pages']) - len(failed)} of {len(result['pages'])} pages pass in {result['seconds']} s"
    print(f"Keras {result['keras']} on {backend}: {counts}; failing: {failed or 'none'}; "
          f"failing doctests: {doctests or 'none'}; branches: {result['branches']}; "
          f"recorded in {RECORD.relative_to(ROOT)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
