"""The array evaluator gives what Whoosh's own matchers give: the same documents, scores, order.

Every query is run both ways on an index with several segments and deleted documents.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from whoosh import qparser

from signalen.search.arrays import top
from signalen.search.documents import SearchDocument, make_doc_id
from signalen.search.engine import WhooshEngine
from signalen.search.querying import OR_GROUP

WORDS = [
    "uitkering", "niet", "ontvangen", "bezwaar", "brief", "toeslag", "terugvordering",
    "wachttijd", "gemeente", "beslag", "loket", "digid", "schuld", "zonder", "bericht",
]  # fmt: skip
START = datetime(2026, 1, 1, tzinfo=UTC)


def _document(number: int, pick: random.Random) -> SearchDocument:
    return SearchDocument(
        doc_id=make_doc_id("signal", number),
        kind="signal",
        title=" ".join(pick.choices(WORDS, k=pick.randint(1, 4))),
        body=" ".join(pick.choices(WORDS, k=pick.randint(0, 30))),
        access=[pick.choice(["network", "org:1", "org:2"])],
        facets={"thema": pick.sample(["1", "2", "3", "4"], k=pick.randint(0, 2))},
        date=START + timedelta(hours=number),
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> WhooshEngine:
    pick = random.Random(3)
    engine = WhooshEngine(tmp_path_factory.mktemp("index"))
    engine.open()
    engine.create_empty()
    for start in (1, 201, 401):  # three segments
        engine.index([_document(n, pick) for n in range(start, start + 200)])
    engine.index([_document(n, pick) for n in range(50, 80)])  # replaces: deletions
    engine.remove([make_doc_id("signal", n) for n in range(300, 320)])
    return engine


QUERIES = [
    ("uitkering", qparser.AndGroup),
    ("niet ontvangen", qparser.AndGroup),
    ("niet ontvangen brief", OR_GROUP),
    ("bezwaar OR toeslag", qparser.AndGroup),
    ("uitkering NOT brief", qparser.AndGroup),
    ("terugvorder*", qparser.AndGroup),
    ("be*", qparser.AndGroup),
    ("b?ief", qparser.AndGroup),
    ("bezwar~", qparser.AndGroup),
    ("(digid OR loket) schuld", qparser.AndGroup),
    ("wachttijd ANDMAYBE gemeente", qparser.AndGroup),
    ("onbekendwoord", qparser.AndGroup),
]


@pytest.mark.parametrize(("text", "group"), QUERIES)
def test_arrays_match_and_score_like_whoosh(engine, text, group):
    with engine._view() as view:
        query = view.parse(text, group)
        ours = [view.evaluator.evaluate(query, segment) for segment, _ in view.segments]
        whoosh = view._scored_by_whoosh(query)
        assert len(ours) == 4
        for (segment, _offset), mine, theirs in zip(view.segments, ours, whoosh, strict=True):
            live = segment.live()
            np.testing.assert_array_equal(mine.mask & live, theirs.mask & live)
            matched = mine.mask & live
            np.testing.assert_allclose(mine.scores[matched], theirs.scores[matched], rtol=1e-4)


def test_phrases_are_left_to_whoosh_and_still_filtered(engine):
    with engine._view() as view:
        query = view.parse('"niet ontvangen"', qparser.AndGroup)
        by_whoosh = view._scored_by_whoosh(query)
        assert [part.mask.sum() for part in view.scored(query)] == [
            part.mask.sum() for part in by_whoosh
        ]
        assert sum(part.mask.sum() for part in by_whoosh) > 0


def test_facet_counts_and_totals_equal_a_count_by_hand(engine):
    from signalen.search.documents import SearchQuery

    with engine._view() as view:
        result = view.search(SearchQuery(text="uitkering"), ["network"], lambda kind, ids: {})
        query = view.parse("uitkering", qparser.AndGroup)
        expected_total = 0
        expected = {}
        for (segment, _offset), part in zip(
            view.segments, view._scored_by_whoosh(query), strict=True
        ):
            reader = segment.reader
            for docnum in np.flatnonzero(part.mask & segment.live()):
                fields = reader.stored_fields(int(docnum))
                if not _has_term(reader, "access", "network", docnum):
                    continue
                expected_total += 1
                for value in ("1", "2", "3", "4"):
                    if _has_term(reader, "facet_thema", value, docnum):
                        expected[value] = expected.get(value, 0) + 1
                assert fields["doc_id"].startswith("signal:")
        assert result.total == expected_total
        assert dict(result.facets["thema"]) == expected


def _has_term(reader, field: str, value: str, docnum: int) -> bool:
    btext = value.encode()
    if (field, btext) not in reader:
        return False
    return docnum in set(reader.postings(field, btext).all_ids())


def test_top_picks_the_highest_keys_and_breaks_ties_by_document_number():
    keys = np.array([1.0, 3.0, 2.0, 3.0, 0.5, 3.0])
    docnums = np.array([10, 50, 20, 30, 5, 40])
    assert docnums[top(keys, docnums, 2)].tolist() == [30, 40]
    assert docnums[top(keys, docnums, 4)].tolist() == [30, 40, 50, 20]
    assert docnums[top(keys, docnums, 10)].tolist() == [30, 40, 50, 20, 10, 5]
    assert top(keys, docnums, 0).tolist() == []
