"""A sentence about an environment the build does not run (a GPU, Keras on JAX or PyTorch,
another Keras or TensorFlow release, Keras 2) says in its paragraph how it is known:
executed there, recorded there (test_gpu.py), or cited (site_build/provenance.py)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
from building import build

from site_build.project import ROOT
from site_build.provenance import NOT_SCANNED, citation, site_executions, unproven

PAGES = sorted(
    page
    for page in [*ROOT.glob("examples/*.md"), *ROOT.glob("docs/*.md"), ROOT / "index.md"]
    if page.relative_to(ROOT).with_suffix("").as_posix() not in NOT_SCANNED
)
LINKED = site_executions(ROOT)
MASKING = ROOT / "examples" / "masking-and-padding.md"
UNSCOPED = "On a GPU the output at padded steps is zeros, and the last row is not h."


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_every_sentence_about_another_environment_says_how_it_is_proven(page: Path) -> None:
    problems = unproven(page.read_text(encoding="utf-8"), LINKED)
    assert not problems, "\n".join(
        f"{page.name}:{line} names {env} unproven: {text[:160]}" for line, env, text in problems
    )


def test_an_unscoped_gpu_sentence_is_caught_with_its_line() -> None:
    text = MASKING.read_text(encoding="utf-8")
    planted = text + f"\n{UNSCOPED}\n"

    problems = unproven(planted, LINKED)

    assert [(line, env) for line, env, _ in problems] == [(planted.count("\n"), "gpu")]


@pytest.mark.parametrize(
    ("sentence", "environment"),
    [
        ("On JAX the output is the initial h.", "jax"),
        ("Keras on PyTorch returns torch tensors.", "torch"),
        ("Keras 3.8 added this check.", "keras release"),
        ("TensorFlow 1.15 used hard_sigmoid.", "tensorflow release"),
        ("Keras 2 returned a list.", "keras2"),
    ],
)
def test_an_unproven_sentence_about_each_environment_is_caught(sentence: str, environment: str) -> None:
    page = "# A page\n\nIts code runs nothing anywhere else.\n\n" + sentence + "\n"
    assert [env for _, env, _ in unproven(page, {})] == [environment]


@pytest.mark.parametrize(
    "proof",
    [
        "{not-executed}`its source <keras/src/backend/jax/rnn.py::# Assume the first state is the previous output.>`",
        "{not-executed}`keras-team/keras#20875`",
        "([executed on the stateful page](stateful-layers.md))",
    ],
    ids=["cited-source", "cited-issue", "linked-page-that-branches"],
)
def test_a_citation_or_a_page_that_executes_it_proves_a_jax_sentence(proof: str) -> None:
    page = f"# A page\n\nOn JAX the output is the initial h {proof}.\n"
    assert unproven(page, LINKED) == []


def test_executed_on_a_backend_holds_only_where_the_page_asks_for_the_backend() -> None:
    page = "# A page\n\nOn JAX it raises ({executed}`jax`).\n\n```{code-cell}\nprint(1)\n```\n"
    assert [env for _, env, _ in unproven(page, {})] == ["jax"]

    branching = page.replace("print(1)", 'if keras.backend.backend() == "jax":\n    print(1)')
    assert unproven(branching, {}) == []


def test_the_build_executes_no_gpu_sentence_and_keras_2_where_tf_keras_runs() -> None:
    assert "in-build:keras2" in LINKED["keras-2-vs-keras-3"]  # it imports tf_keras
    assert {"in-build:jax", "in-build:torch"} <= LINKED["lstm-on-each-backend"]  # three processes
    assert not any(item.endswith(":gpu") for items in LINKED.values() for item in items)


@pytest.mark.parametrize(
    ("target", "url"),
    [
        ("keras-team/keras#23462", "https://github.com/keras-team/keras/issues/23462"),
        ("tensorflow/tensorflow#49241", "https://github.com/tensorflow/tensorflow/issues/49241"),
        ("https://keras.io/guides/migrating_to_keras_3/", "https://keras.io/guides/migrating_to_keras_3/"),
    ],
)
def test_a_citation_links_an_issue_or_an_address(target: str, url: str) -> None:
    assert citation(target) == (url, None)


def test_a_citation_of_keras_source_links_the_lines_of_the_installed_release() -> None:
    url, problem = citation("keras/src/backend/jax/rnn.py::# Assume the first state is the previous output.")
    assert problem is None and f"/v{metadata.version('keras')}/keras/src/backend/jax/rnn.py#L" in url


@pytest.mark.parametrize("target", ["the source", "keras/src/backend/jax/rnn.py::text Keras never wrote"])
def test_a_citation_that_points_nowhere_is_a_problem(target: str) -> None:
    url, problem = citation(target)
    assert url == "" and problem


@pytest.mark.slow
def test_an_unscoped_gpu_sentence_fails_the_build_naming_its_page(fixture_site: Path) -> None:
    index = fixture_site / "index.md"
    index.write_text(index.read_text() + f"\n{UNSCOPED}\n")

    result = build(fixture_site)

    log = result.stdout + result.stderr
    assert result.returncode != 0, "a page with an unscoped GPU sentence built"
    assert "index.md" in log and "names gpu without saying how it is proven" in log
