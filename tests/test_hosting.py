"""The hosting configurations parse and call sessions that exist."""

from __future__ import annotations

import json
import re

import yaml
from building import nox_list

from site_build.project import ROOT

SESSION_CALL = re.compile(r"(?:nox|noxfile\.py)\s+-s\s+([\w-]+)")


def sessions(*names: str) -> set[str]:
    """Those of ``names`` that the noxfile defines (nox lists only the sessions it would run)."""
    listed = nox_list("--json", "-s", *names)
    return {session["name"] for session in json.loads(listed.stdout or "[]")} if listed.returncode == 0 else set()


def test_session_lookup_can_tell_a_missing_session() -> None:
    assert sessions("docs") == {"docs"}
    assert sessions("docs", "no-such-session") == set()


def commands_in(node) -> list[str]:
    """Every string in a parsed YAML document."""
    if isinstance(node, dict):
        return [c for value in node.values() for c in commands_in(value)]
    if isinstance(node, list):
        return [c for value in node for c in commands_in(value)]
    return [node] if isinstance(node, str) else []


def test_read_the_docs_builds_with_the_docs_session() -> None:
    config = yaml.safe_load((ROOT / ".readthedocs.yaml").read_text())
    assert config["version"] == 2
    assert config["build"]["os"] and config["build"]["tools"]["python"]
    called = [s for command in config["build"]["commands"] for s in SESSION_CALL.findall(command)]
    assert called == ["docs"]
    assert sessions(*called) == set(called)


def test_pages_workflow_publishes_the_site_the_tests_job_built_and_checked() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "site.yml").read_text())
    commands = commands_in(workflow["jobs"])
    assert "bash .ci/run" in commands  # the tests job (the matrix of other sessions: test_workflow.py)
    called = {s for command in commands for s in SESSION_CALL.findall(command)}
    assert called == {"docs", "lint"} and sessions(*called) == called
    tests, publish = workflow["jobs"]["tests"], workflow["jobs"]["publish"]
    uploads = [step for step in tests["steps"] if "upload-pages-artifact" in step.get("uses", "")]
    assert [step["with"]["path"] for step in uploads] == ["_build/html"]
    assert tests["env"]["SITE_URL"].endswith(".github.io/${{ github.event.repository.name }}/"), "Pages' address"
    assert "tests" in publish["needs"]
    assert [step["uses"].split("@")[0] for step in publish["steps"]] == ["actions/deploy-pages"], "it builds nothing"
