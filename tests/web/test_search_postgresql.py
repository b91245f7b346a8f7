"""The PostgreSQL search engine: chosen by SEARCH_ENGINE, refused without PostgreSQL, no state
on the app hosts (a second host sees every write at once), Dutch analysis shared with Whoosh.

The behaviour suite (search, infobank, feeds, API, directory) runs on this engine too when
``SIGNALEN_TEST_SEARCH_ENGINE=postgresql`` is set with a PostgreSQL test database.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from signalen import create_app
from signalen.search import services
from signalen.search.analysis import stems
from signalen.search.documents import SearchDocument, SearchQuery, make_doc_id
from signalen.search.pg_engine import _deciding_terms, syntax_query, vector_literal
from tests.search_engine_support import POSTGRESQL_ENGINE

ON_POSTGRESQL = (os.environ.get("SIGNALEN_TEST_DATABASE_URL") or "").startswith("postgresql")
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="needs a PostgreSQL database")
WHEN = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def document(number: int, title: str, body: str = "", **facets: list[str]) -> SearchDocument:
    return SearchDocument(
        doc_id=make_doc_id("signal", number),
        kind="signal",
        title=title,
        body=body,
        access=["network"],
        facets=dict(facets),
        date=WHEN,
        version=WHEN,
    )


def test_the_postgresql_engine_is_refused_on_sqlite(tmp_path):
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.db'}",
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "test",
                "SEARCH_ENGINE": "postgresql",
            }
        )


def test_an_unknown_engine_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="SEARCH_ENGINE"):
        create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'site.db'}",
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SECRET_KEY": "test",
                "SEARCH_ENGINE": "elastic",
            }
        )


def test_vectors_carry_the_shared_analysis_and_field_weights():
    title, body = "Cliënt kreeg géén uitkering", "Betaling niet ontvangen"
    vector = vector_literal(document(1, title, body, thema=["1"]))
    expected = [f"'{term}':{n}A" for n, term in enumerate(stems(title), start=1)]
    assert vector.split()[: len(expected)] == expected
    assert "'niet':" in vector  # a negation is kept, not a stop word
    assert all(part.endswith("B") for part in vector.split()[len(expected) :])


def test_query_syntax_becomes_a_tsquery_of_the_same_terms():
    assert syntax_query('"niet ontvangen"', "&") == "('niet' <-> 'ontvang')"
    assert syntax_query("bezwaar OR toeslag", "&") == "'bezwar' | 'toeslag'"
    assert syntax_query("uitkering NOT brief", "&") == "'uitker' & !'brief'"
    assert syntax_query("terugvorder*", "&") == "'terugvorder':*"
    assert syntax_query("((", "&") is None


def test_similar_signals_read_only_documents_that_can_reach_the_minimum_weight():
    weights = {"a": 28.0, "b": 7.5, "c": 7.5, "d": 5.0}
    # Without "a" and "b" the rest weighs 12.5: a document needs one of them to reach 17.5.
    assert _deciding_terms(list(weights), weights, 17.5) == ["a", "b"]
    assert _deciding_terms(list(weights), weights, 4.0) == ["a", "b", "c", "d"]
    assert _deciding_terms(list(weights), weights, 40.0) == ["a"]
    assert _deciding_terms(list(weights), weights, 99.0) == ["a", "b", "c", "d"]  # none can


@postgresql_only
def test_a_second_app_host_sees_every_write_at_once(app_factory, tmp_path):
    """Two app hosts (own instance folders, no shared files) on one database."""
    first = app_factory(SEARCH_ENGINE="postgresql")
    second = create_app(
        {**first.config, "INSTANCE_PATH": str(tmp_path / "second-host")}
        | {"SEARCH_ENGINE": "postgresql"}
    )
    texts = {1: ("Uitkering niet ontvangen", "Al drie weken geen betaling")}

    def register(app):
        with app.app_context():
            services.register_source(
                "signal", lambda: [], lambda: 0, lambda ids: {i: texts[i] for i in ids}
            )
            services.init_app(app)

    register(first)
    register(second)
    with first.app_context():
        services.index_documents([document(1, *texts[1], thema=["7"])])
    with second.app_context():
        result = services.search(SearchQuery(text="betalingen"), ["network"])
        assert [hit.doc_id for hit in result.hits] == ["signal:1"]
        assert result.facets == {"thema": [("7", 1)]}
        assert ">betaling</mark>" in str(result.hits[0].highlights["body"])
        assert services.engine().summary(["signal"])["signal"][0] == 1
    with first.app_context():
        services.remove_documents(["signal:1"])
    with second.app_context():
        assert services.search(SearchQuery(text="betaling"), ["network"]).total == 0
        services.extension().engine.rebuild([], 0, None)  # leave the table empty


@postgresql_only
def test_search_migrate_fills_the_tables_with_a_progress_bar(app_factory):
    app = app_factory()
    with app.app_context():
        services.register_source(
            "signal",
            lambda: [document(n, f"Toeslag terugvordering {n}") for n in range(1, 1201)],
            lambda: 1200,
            lambda ids: {},
        )
        services.init_app(app)
    result = app.test_cli_runner().invoke(args=["search-migrate"])
    assert result.exit_code == 0, result.output
    assert "1200" in result.output
    with app.app_context():
        from sqlalchemy import text

        from signalen.extensions import db

        assert db.session.scalar(text("SELECT count(*) FROM search_documents")) == 1200
        db.session.execute(text("DELETE FROM search_documents"))
        db.session.commit()


@pytest.mark.skipif(not POSTGRESQL_ENGINE, reason="needs the PostgreSQL search engine")
def test_a_change_is_indexed_in_its_own_transaction(app, make_signal, tmp_path):
    from sqlalchemy import func, select, text

    from signalen.extensions import db
    from signalen.search.models import IndexOutbox
    from signalen.search.outbox import drain

    def indexed_version(signal_id: int):
        query = text("SELECT version FROM search_documents WHERE doc_id = :doc_id")
        return db.session.scalar(query, {"doc_id": f"signal:{signal_id}"})

    signal = make_signal(title="Kinderopvangtoeslag teruggevorderd na verhuizing")
    # Indexed by the commit itself: nothing waits in the outbox for a drain afterwards.
    assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
    first_version = indexed_version(signal.id)
    assert first_version is not None
    # A change rolled back leaves the index as it was; a committed one changes it at once.
    signal.title = "Huurtoeslag teruggevorderd na verhuizing"
    db.session.flush()
    db.session.rollback()
    assert indexed_version(signal.id) == first_version
    signal.title = "Huurtoeslag teruggevorderd na verhuizing"
    db.session.commit()
    assert drain() == 0
    second = create_app({**app.config, "INSTANCE_PATH": str(tmp_path / "second-host")})
    with second.app_context():
        found = services.search(SearchQuery(text="huurtoeslag"), ["network"])
        assert [hit.doc_id for hit in found.hits] == [f"signal:{signal.id}"]
        assert services.search(SearchQuery(text="kinderopvangtoeslag"), ["network"]).total == 0


@postgresql_only
def test_term_statistics_and_facet_codes_follow_every_write(app_factory):
    """search_terms (kept by the trigger) always equals a fresh count of the documents'
    text terms, through inserts, replacements, removals and a rebuild; the facet codes say
    the same as the facet values."""
    from sqlalchemy import text

    from signalen.extensions import db

    app = app_factory(SEARCH_ENGINE="postgresql")

    def kept() -> dict[str, int]:
        rows = db.session.execute(text("SELECT term, body_docs FROM search_terms"))
        return {term: count for term, count in rows if count}

    def counted() -> dict[str, int]:
        rows = db.session.execute(
            text("SELECT word, ndoc FROM ts_stat('SELECT vector FROM search_documents', 'B')")
        )
        return dict(rows.all())

    def decoded() -> dict[str, list[str]]:
        names = dict(db.session.execute(text("SELECT id, value FROM search_facet_values")).all())
        rows = db.session.execute(text("SELECT doc_id, facets, facet_codes FROM search_documents"))
        found = {}
        for doc_id, facets, codes in rows:
            numbers = [int.from_bytes(codes[i : i + 4], "big") for i in range(0, len(codes), 4)]
            assert [names[n] for n in numbers] == facets
            found[doc_id] = facets
        return found

    with app.app_context():
        services.init_app(app)
        engine = services.extension().engine
        services.index_documents(
            [
                document(1, "Toeslag", "Terugvordering van de huurtoeslag", thema=["1"]),
                document(2, "Brief", "Terugvordering niet begrepen", thema=["1", "2"]),
                document(3, "Balie", "Wachttijd aan de balie", regeling=["9"]),
            ]
        )
        assert kept() == counted()
        assert kept()["terugvorder"] == 2
        services.index_documents([document(2, "Brief", "Beslag op de uitkering", thema=["2"])])
        services.remove_documents(["signal:3"])
        assert kept() == counted()
        assert kept()["terugvorder"] == 1 and "balie" not in kept()
        assert decoded() == {"signal:1": ["thema=1"], "signal:2": ["thema=2"]}
        result = services.search(SearchQuery(text="terugvordering beslag"), ["network"])
        assert result.facets == {"thema": [("1", 1), ("2", 1)]}
        engine.rebuild([document(4, "Beslag", "Beslag en terugvordering")], 1, None)
        assert kept() == counted() == {"beslag": 1, "terugvorder": 1}
        engine.rebuild([], 0, None)
        assert kept() == {}
