"""Which search engine this run tests, for the behaviour suite that runs on both.

The PostgreSQL run of the suite sets ``SIGNALEN_TEST_SEARCH_ENGINE=postgresql``: test apps on
PostgreSQL then use the PostgreSQL search engine (see ``signalen.search.services.engine_name``).
Tests of the Whoosh index itself (its files, locks, rebuilds, processes) are marked
``whoosh_only``.
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
