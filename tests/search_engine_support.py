"""Which search engine this run tests, for the behaviour suite that runs on both.

The PostgreSQL run of the suite sets ``SIGNALEN_TEST_SEARCH_ENGINE=postgresql``: test apps on
PostgreSQL then use the PostgreSQL search engine (see ``signalen.search.services.engine_name``).
Tests of the Whoosh index itself (its files, locks, rebuilds, processes) are marked
``whoosh_only``; tests of the outbox applied after a commit are marked ``indexed_after_commit``
(the PostgreSQL engine indexes inside the writing transaction instead).
"""

from __future__ import annotations

import os

import pytest

POSTGRESQL_ENGINE = os.environ.get("SIGNALEN_TEST_SEARCH_ENGINE") == "postgresql" and bool(
    os.environ.get("SIGNALEN_TEST_DATABASE_URL")
)

whoosh_only = pytest.mark.skipif(
    POSTGRESQL_ENGINE, reason="tests the Whoosh index itself (files, locks, rebuilds)"
)

indexed_after_commit = pytest.mark.skipif(
    POSTGRESQL_ENGINE,
    reason="the PostgreSQL engine indexes inside the writing transaction: nothing waits in "
    "the outbox after a commit (tests/web/test_search_postgresql.py)",
)
