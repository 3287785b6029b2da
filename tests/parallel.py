"""How `nox -s tests` splits the tests between pytest-xdist's workers (``-n auto``): one test
at a time to whichever worker is free, except the tests that share an expensive module
fixture, which go to one worker together, so that the fixture runs once.

pytest-xdist's own way (``--dist loadgroup`` and ``xdist_group`` marks) renames the tests on
the workers through pytest's private ``_nodeid``, which pytest 9.2 no longer reads: the marks
are ignored and the browser crawl ran on both workers (pytest-dev/pytest-xdist#1386, open;
its fix, pytest-dev/pytest-xdist#1388, is not released: once one is, delete this module). So
the groups are named here, by test address, and the scheduler is xdist's
``LoadScopeScheduling`` with its documented extension point, ``_split_scope``, which its own
``loadfile`` and ``loadgroup`` override in the same way (tests/test_private_apis.py fails,
naming it, if that changes)."""

from __future__ import annotations

#: Tests that run in one worker, by the start of their address: each shares a module
#: fixture that costs more than its tests.
TOGETHER = (
    "tests/test_site.py::",  # the crawl of every page in three views (a minute and a half)
    "tests/test_search.py::",  # every query of search_queries.json on the search page (a minute and a half)
    # the Bidirectional page's first cell, executed once (a page execution, counted)
    "tests/test_examples.py::test_bidirectional_page_fails_if_the_time_alignment_were_different[",
)


def scope(nodeid: str, together: tuple[str, ...] = TOGETHER) -> str:
    """The unit of work a test belongs to: the group it starts with, or itself alone."""
    return next((group for group in together if nodeid.startswith(group)), nodeid)


def scheduler(config, log, together: tuple[str, ...] = TOGETHER):
    """An xdist scheduler (for conftest.py's ``pytest_xdist_make_scheduler``) that keeps each
    group of ``together`` on one worker and hands out every other test alone, the largest
    units first (xdist's ``--loadscope-reorder``, its default), so the crawl starts at once.
    ``None`` (xdist's own) where ``--dist`` names another way."""
    if config.getvalue("dist") != "load":  # xdist's default with -n
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Together(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope(nodeid, together)

    return Together(config, log)
