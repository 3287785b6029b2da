"""CI in parallel where CI can be parallel: every nox session that belongs in CI is a job of
the GitHub Actions workflow (.github/workflows/site.yml), and the jobs run what `nox -s tests`
runs on one machine (.ci/run), no more and no less."""

from __future__ import annotations

import re

import yaml
from building import nox_list

from keras_rnn_returns.show import BACKEND_NAMES as BACKENDS
from site_build.project import ROOT

WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text())
#: What changed in which release: every Keras 3 minor executed, on a schedule of its own (not a check of a change).
HISTORY = yaml.safe_load((ROOT / ".github" / "workflows" / "history.yml").read_text())
#: Sessions that are not CI's, and why: a new session fails the test until it is a job or here.
NOT_IN_CI = {
    "serve": "a live preview for people",
    "doctest": "part of tests",
    "executions": "reports what tests ran; each job's tests prints its own",
    "versions(stack='pinned')": "the build's own stack: tests executes it",
    "backends(backend='tensorflow')": "the build's own backend: tests executes it",
    "bench": "times builds; tests assert no timings",
    "gpu": "needs a GPU, which CI has none of",
    "lighthouse": "scores pages; run by hand before a release",
    "lock": "rewrites the lock files (requirements*.txt)",
}


def sessions_run_by_jobs() -> dict[str, list[str]]:
    """Job name -> the nox sessions its steps run (a matrix expanded; .ci/run is `tests`)."""
    found = {}
    for name, job in WORKFLOW["jobs"].items():
        matrix = job.get("strategy", {}).get("matrix", {})
        runs = []
        for step in job["steps"]:
            command = step.get("run", "")
            if ".ci/run" in command:
                runs.append("tests")
            for session in re.findall(r"noxfile\.py -s (\"[^\"]+\"|\S+)", command):
                session = session.strip('"')
                key = re.fullmatch(r"\$\{\{ matrix\.(\w+) \}\}", session)
                runs += matrix[key.group(1)] if key else [session]
        found[name] = runs
    return found


def test_every_session_that_belongs_in_ci_is_a_job_of_the_workflow() -> None:
    listed = nox_list()
    sessions = {line[2:].split(" -> ", 1)[0] for line in listed.stdout.splitlines() if line[:2] in ("* ", "- ")}
    jobs = {session for runs in sessions_run_by_jobs().values() for session in runs}

    history = {f"history(keras='{keras}')" for keras in HISTORY["jobs"]["release"]["strategy"]["matrix"]["keras"]}
    assert {session for session in sessions if session.startswith("history(")} == history, (
        "history.yml runs every release"
    )
    assert set(HISTORY["jobs"]["release"]["strategy"]["matrix"]["backend"]) == set(BACKENDS), "on every backend"
    unclassified = sessions - jobs - set(NOT_IN_CI) - history
    assert not unclassified, f"sessions with no CI job and no reason to have none: {unclassified}"
    assert not (jobs & set(NOT_IN_CI)), "a session said not to belong in CI is a job"


def test_the_jobs_run_what_tests_runs_on_one_machine_once_each() -> None:
    import noxfile

    runs = sessions_run_by_jobs()
    parallel = [session for name, sessions in runs.items() if name != "publish" for session in sessions]
    assert sorted(parallel.count(session) for session in (*noxfile.OTHER_ENVIRONMENTS, "lint")) == [1] * (
        len(noxfile.OTHER_ENVIRONMENTS) + 1
    )
    [tests_step] = [step for step in WORKFLOW["jobs"]["tests"]["steps"] if ".ci/run" in step.get("run", "")]
    assert tests_step.get("env", {}).get("NOX_TESTS_ALONE") == "1", "the tests job would run the others again"
    assert set(WORKFLOW["jobs"]["publish"]["needs"]) == set(runs) - {"publish"}


def test_the_site_builds_on_every_python_the_readme_supports() -> None:
    readme = (ROOT / "README.md").read_text()
    low, high = map(int, re.search(r"Python 3\.(\d+) to 3\.(\d+)", readme).groups())
    built = {"3.11"} | set(WORKFLOW["jobs"]["docs"]["strategy"]["matrix"]["python"])  # tests builds on 3.11
    assert built == {f"3.{minor}" for minor in range(low, high + 1)}


def test_the_history_workflow_runs_on_a_schedule_and_when_the_pins_change_and_uploads_the_record() -> None:
    triggers = HISTORY[True]  # YAML reads the key `on` as True
    assert "schedule" in triggers and "requirements*.txt" in triggers["push"]["paths"]
    steps = HISTORY["jobs"]["record"]["steps"]
    assert any("tools/record_releases.py --merge" in step.get("run", "") for step in steps)
    assert any(step.get("with", {}).get("path") == "docs/release-history.json" for step in steps)
