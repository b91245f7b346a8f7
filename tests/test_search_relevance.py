"""Search relevance for Dutch users: the judged set, categories, synonyms, compounds,
inflections, "bedoelde u" and plain-text snippets (issue 14)."""

from __future__ import annotations

import pytest

from signalen.auth.models import Role
from signalen.demo.judged import JUDGED_SET, load_judged_corpus
from signalen.search import services as search
from signalen.search.analysis import plain_text, stems
from signalen.search.documents import SearchQuery
from signalen.search.evaluation import read_queries, score
from tests.conftest import post_form


@pytest.fixture
def judged(app, taxonomy, make_user):
    """The judged corpus as signals; returns a function: query text -> keys, best first."""
    keys = load_judged_corpus(make_user(Role.COORDINATOR))

    def run(text: str, per_page: int = 20) -> list[str]:
        result = search.search(SearchQuery(text=text, kinds=["signal"], per_page=per_page), None)
        return [keys[hit.id] for hit in result.hits]

    return run


def test_judged_set_meets_the_goals(judged):
    queries = read_queries(JUDGED_SET)
    assert len(queries) >= 40
    scores = score(queries, judged)
    assert scores.recall_at_20 >= 0.9, scores.misses
    assert scores.ndcg_at_10 >= 0.8, scores.misses
