"""The page executions the tests cause, counted for `nox -s executions` (noxfile.py counts
the site builds' own, from their execution caches): one line per execution in the log that
nox names in PAGE_EXECUTIONS_LOG, each pytest-xdist worker's in a file of its own beside it
(conftest.py names them)."""

from __future__ import annotations

import json
import os
from importlib import metadata

#: The variable that names the log; unset, nothing is counted.
LOG = "PAGE_EXECUTIONS_LOG"
#: How a page of a test's own site (tests/fixture, or a copy) ran: the report counts these apart.
FIXTURE_SITE = "a test's fixture site"


def count_execution(page: str, how: str) -> None:
    """Count one execution of a page's code (``page``: ``examples/lstm-return-state``), by
    ``how`` it ran and in which environment."""
    log = os.environ.get(LOG)
    if not log:
        return
    environment = f"Keras {metadata.version('keras')}, {os.environ.get('KERAS_BACKEND', 'tensorflow')}"
    with open(log, "a", encoding="utf-8") as file:  # one short line: appends from processes do not interleave
        file.write(json.dumps({"page": page, "how": how, "environment": environment}) + "\n")
