"""Every read of Whoosh's internals has a fallback: with each one broken on purpose (as a
Whoosh release could), search gives the same documents, scores and order as Whoosh's own
matchers, only slower. And the parallel writer path (2,000+ documents) writes what one
writer would."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from whoosh import qparser

from signalen.search import arrays
from signalen.search import engine as engine_module
from signalen.search.documents import SearchDocument, SearchQuery, make_doc_id
from signalen.search.engine import PARALLEL_WRITE_MIN, WhooshEngine
from signalen.search.querying import OR_GROUP

WORDS = [
    "uitkering", "niet", "ontvangen", "bezwaar", "brief", "toeslag", "terugvordering",
    "wachttijd", "gemeente", "beslag", "loket", "digid", "schuld", "zonder", "bericht",
]  # fmt: skip
START = datetime(2026, 1, 1, tzinfo=UTC)
QUERIES = [
    ("uitkering", qparser.AndGroup),
    ("niet ontvangen brief", OR_GROUP),
    ("bezwaar OR toeslag", qparser.AndGroup),
    ("uitkering NOT brief", qparser.AndGroup),
    ("terugvorder*", qparser.AndGroup),
    ("b?ief", qparser.AndGroup),
    ("bezwar~", qparser.AndGroup),
]


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


def _engine(path) -> WhooshEngine:
    pick = random.Random(7)
    engine = WhooshEngine(path)
    engine.open()
    engine.create_empty()
    for start in (1, 151):  # two segments
        engine.index([_document(n, pick) for n in range(start, start + 150)])
    engine.remove([make_doc_id("signal", n) for n in range(20, 30)])
    return engine


def _broken(*_args, **_kwargs):
    raise AttributeError("this Whoosh has no such thing")


def _break_import(monkeypatch):
    """``from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield`` raises ImportError
    (Whoosh's own code keeps its module globals)."""
    import sys
    import types

    real = sys.modules["whoosh.codec.whoosh3"]
    proxy = types.ModuleType(real.__name__)
    proxy.__dict__.update({k: v for k, v in vars(real).items() if k != "_lenfield"})
    monkeypatch.setitem(sys.modules, "whoosh.codec.whoosh3", proxy)


def _break_bm25(monkeypatch):
    """BM25F keeps its per-field B under another name (and its scorer reads it there)."""
    from whoosh.scoring import BM25FScorer, WeightScorer

    original = arrays.BM25F.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.per_field_b = self.__dict__.pop("_field_B")

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        b = self.per_field_b.get(fieldname, self.B)
        return BM25FScorer(searcher, fieldname, text, b, self.K1, qf=qf)

    monkeypatch.setattr(arrays.BM25F, "__init__", init)
    monkeypatch.setattr(arrays.BM25F, "scorer", scorer)


FALLBACKS = {
    "lengths_import": _break_import,
    "length_table": lambda mp: mp.setattr(arrays, "_LENGTHS", None),
    "numeric_column": lambda mp: mp.setattr(arrays, "_numeric_column", _broken),
    "block_postings": lambda mp: mp.setattr(arrays, "_read_blocks", _broken),
    "bm25_field_b": lambda mp: _break_bm25(mp),
    "multiterm_btexts": lambda mp: mp.setattr(
        "whoosh.query.terms.MultiTerm._btexts", _broken, raising=True
    ),
}


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """What the intact layer finds (per query: ids and scores) and what search shows."""
    engine = _engine(tmp_path_factory.mktemp("intact"))
    return _observe(engine)


def _observe(engine: WhooshEngine) -> dict:
    seen = {}
    with engine._view() as view:
        for text, group in QUERIES:
            query = view.parse(text, group)
            whoosh = view._scored_by_whoosh(query)
            ours = view.scored(query)
            for (segment, _), mine, theirs in zip(view.segments, ours, whoosh, strict=True):
                live = segment.live()
                np.testing.assert_array_equal(mine.mask & live, theirs.mask & live)
                matched = mine.mask & live
                np.testing.assert_allclose(mine.scores[matched], theirs.scores[matched], rtol=1e-4)
            seen[text] = [
                (hit.doc_id, round(hit.score, 3))
                for hit in view.search(
                    SearchQuery(text=text, per_page=50), None, lambda kind, ids: {}
                ).hits
            ]
    seen["similar"] = [
        hit.doc_id
        for hit in engine.similar(
            "bezwaar tegen terugvordering toeslag", None, ["signal"], 5, [], lambda k, i: {}
        )
    ]
    seen["categories"] = engine.suggest_categories(
        "terugvordering toeslag beslag", None, ["thema"], 5
    )
    seen["sorted"] = [
        hit.doc_id
        for hit in engine.search(
            SearchQuery(text="", sort="date", per_page=30), ["network"], lambda kind, ids: {}
        ).hits
    ]
    return seen


@pytest.mark.parametrize("broken", sorted(FALLBACKS))
def test_each_private_read_falls_back_to_the_same_results(broken, expected, monkeypatch, tmp_path):
    engine = _engine(tmp_path / "index")
    FALLBACKS[broken](monkeypatch)  # after writing: Whoosh's writer may need the same part
    assert _observe(engine) == expected


def test_a_whoosh_without_the_parallel_writer_parts_writes_with_one_process(monkeypatch, tmp_path):
    monkeypatch.delattr(engine_module.MpWriter, "_new_task")
    engine = WhooshEngine(tmp_path / "index")
    engine.open()
    pick = random.Random(1)
    count = engine.rebuild((_document(n, pick) for n in range(1, 51)), PARALLEL_WRITE_MIN, None)
    assert count == 50
    assert engine.document_count() == 50


def test_the_parallel_writer_path_indexes_what_one_writer_would(tmp_path):
    """2,000+ documents go through worker processes (one segment each); the index then holds
    the same documents and finds the same things as one built by a single writer."""
    size = PARALLEL_WRITE_MIN + 100
    pick = random.Random(11)
    docs = [_document(n, pick) for n in range(1, size + 1)]
    parallel = WhooshEngine(tmp_path / "parallel")
    parallel.open()
    assert parallel.rebuild(iter(docs), size, None) == size
    single = WhooshEngine(tmp_path / "single")
    single.open()
    single.create_empty()
    for start in range(0, size, PARALLEL_WRITE_MIN - 1):  # below the threshold: one process
        single.index(docs[start : start + PARALLEL_WRITE_MIN - 1])

    with parallel._view() as view:
        assert len(view.segments) >= 2  # one per worker process
    assert parallel.document_count() == single.document_count() == size
    for text in ("uitkering", "bezwaar toeslag", "digid niet"):
        query = SearchQuery(text=text, per_page=100)
        ours = parallel.search(query, ["network"], lambda kind, ids: {})
        theirs = single.search(query, ["network"], lambda kind, ids: {})
        assert ours.total == theirs.total > 0
        assert ours.facets == theirs.facets
        # Same statistics, so the same scores; ties may come in another order.
        assert [h.score for h in ours.hits] == pytest.approx([h.score for h in theirs.hits])
        assert set(parallel.matching_ids(query, None, size)) == set(
            single.matching_ids(query, None, size)
        )
    # A write of 2,000+ documents to an existing index takes the same path.
    parallel.index(docs[:PARALLEL_WRITE_MIN])
    assert parallel.document_count() == size
