"""The search service: Dutch analysis, visibility, facets, suggestions, rebuilds, concurrency."""

from __future__ import annotations

import multiprocessing
import random
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from whoosh import index

from signalen.search import services
from signalen.search.analysis import dutch_analyzer
from signalen.search.documents import (
    IndexUnavailable,
    SearchDocument,
    SearchQuery,
    make_doc_id,
)
from signalen.search.engine import CURRENT, INDEX_NAME, WhooshEngine
from signalen.search.querying import View
from tests.search_engine_support import whoosh_only

WHEN = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
COORDINATOR_ORG_5 = ["public", "network", "org:5"]


def make_document(
    number: int,
    title: str,
    body: str = "",
    *,
    kind: str = "signal",
    access: tuple[str, ...] = ("network",),
    facets: dict[str, list[str]] | None = None,
    when: datetime = WHEN,
) -> SearchDocument:
    return SearchDocument(
        doc_id=make_doc_id(kind, number),
        kind=kind,
        title=title,
        body=body,
        access=list(access),
        facets=facets or {},
        date=when,
    )


class Store:
    """Stands in for the database: the source of truth the index is built from."""

    def __init__(self) -> None:
        self.documents: dict[str, SearchDocument] = {}

    def register(self) -> None:
        for kind in ("signal", "article"):
            services.register_source(
                kind,
                lambda kind=kind: [d for d in self.documents.values() if d.kind == kind],
                lambda kind=kind: sum(d.kind == kind for d in self.documents.values()),
                lambda ids, kind=kind: self.texts(kind, ids),
            )

    def texts(self, kind: str, ids: list[int]) -> dict[int, tuple[str, str]]:
        found = (self.documents.get(make_doc_id(kind, number)) for number in ids)
        return {int(d.doc_id.split(":")[1]): (d.title, d.body) for d in found if d}

    def put(self, *documents: SearchDocument) -> None:
        for document in documents:
            self.documents[document.doc_id] = document
        services.index_documents(documents)

    def delete(self, *doc_ids: str) -> None:
        for doc_id in doc_ids:
            self.documents.pop(doc_id)
        services.remove_documents(doc_ids)


@pytest.fixture
def store(app: Flask) -> Store:
    services.init_app(app)
    store = Store()
    store.register()
    return store


def found(text: str = "", allowed: list[str] | None = None, **query) -> list[str]:
    return [hit.doc_id for hit in services.search(SearchQuery(text=text, **query), allowed).hits]


def index_directory(app: Flask) -> Path:
    return Path(app.instance_path) / "search-index"


def current_generation(app: Flask) -> Path:
    directory = index_directory(app)
    return directory / (directory / CURRENT).read_text().strip()


# Indexing


def test_indexed_documents_are_found_replaced_and_removed(store):
    store.put(make_document(1, "Terugvordering bijstand", "Gemeente vordert te veel terug."))
    assert found("bijstand") == ["signal:1"]
    assert services.document_count() == 1
    assert services.status() == "ok"

    store.put(make_document(1, "Toeslagen te laat", "Huurtoeslag kwam drie maanden te laat."))
    assert found("bijstand") == []
    assert found("huurtoeslag") == ["signal:1"]
    assert services.document_count() == 1

    store.delete("signal:1")
    assert found("huurtoeslag") == []
    assert services.document_count() == 0


def test_init_app_twice_keeps_the_same_service(store, app):
    extension = app.extensions[services.EXTENSION]
    services.init_app(app)
    assert app.extensions[services.EXTENSION] is extension
    assert "signal" in extension.sources


def test_hit_carries_kind_id_and_score(store):
    store.put(make_document(7, "Kennisartikel terugvordering", kind="article"))
    (hit,) = services.search(SearchQuery(text="terugvordering"), None).hits
    assert (hit.doc_id, hit.kind, hit.id) == ("article:7", "article", 7)
    assert hit.score > 0
    assert found("terugvordering", kinds=["signal"]) == []


# Dutch analysis


def test_negation_is_kept_and_ranks_a_document_that_contains_it_first(store):
    store.put(
        make_document(1, "Uitkering ontvangen", "De uitkering is ontvangen, maar pas laat."),
        make_document(
            2, "Uitkering niet ontvangen", "De cliënt heeft de uitkering niet ontvangen."
        ),
    )
    assert found("niet ontvangen") == ["signal:2"]
    assert sorted(found("ontvangen")) == ["signal:1", "signal:2"]
    # When either word may match, the negation decides the order.
    assert found("niet OR ontvangen") == ["signal:2", "signal:1"]


def test_stemming_matches_plural_and_singular(store):
    store.put(make_document(1, "Terugvordering kinderopvangtoeslag"))
    assert found("terugvorderingen") == ["signal:1"]


def test_accents_are_folded_both_ways(store):
    store.put(make_document(1, "De cliënt kreeg geen reactie"), make_document(2, "Client belt"))
    assert sorted(found("client")) == ["signal:1", "signal:2"]
    assert sorted(found("cliënt")) == ["signal:1", "signal:2"]


def test_stop_list_keeps_negations_and_drops_filler():
    tokens = [token.text for token in dutch_analyzer()("de brief zonder bedrag: geen, niet het")]
    assert tokens == ["brief", "zonder", "bedrag", "gen", "niet"]


def test_negation_words_alone_are_searchable(store):
    store.put(make_document(1, "Beschikking zonder motivering"), make_document(2, "Beschikking"))
    assert found("zonder") == ["signal:1"]


# Visibility


@pytest.fixture
def mixed_visibility(store) -> Store:
    store.put(
        make_document(1, "DigiD inloggen mislukt", access=("public",), facets={"thema": ["1"]}),
        make_document(2, "DigiD inloggen traag", access=("network",), facets={"thema": ["1"]}),
        make_document(3, "DigiD inloggen eigen", access=("org:5",), facets={"thema": ["2"]}),
        make_document(
            4,
            "DigiD inloggen geheim",
            "Wachtwoordkluis xylofoonregeling bij de balie.",
            access=("org:6",),
            facets={"thema": ["3"], "regeling": ["9"]},
        ),
    )
    return store


def test_hits_totals_and_facets_only_count_visible_documents(mixed_visibility):
    result = services.search(SearchQuery(text="digid"), COORDINATOR_ORG_5)
    assert sorted(hit.doc_id for hit in result.hits) == ["signal:1", "signal:2", "signal:3"]
    assert result.total == 3
    assert result.facets["thema"] == [("1", 2), ("2", 1)]
    assert result.facets.get("regeling", []) == []

    everything = services.search(SearchQuery(text="digid"), None)
    assert everything.total == 4
    assert everything.facets["thema"] == [("1", 2), ("2", 1), ("3", 1)]

    nothing = services.search(SearchQuery(text="digid"), [])
    assert (nothing.total, nothing.hits) == (0, [])
    assert found("", ["public"]) == ["signal:1"]


def test_query_syntax_cannot_reach_other_fields(mixed_visibility):
    assert found("access:org:6", ["public"]) == []
    assert found("doc_id:signal:4", ["public"]) == []
    assert found("geheim", ["public"]) == []


def test_similar_and_category_votes_ignore_invisible_documents(mixed_visibility):
    draft = "Wachtwoordkluis en xylofoonregeling bij de balie werken niet"
    assert [hit.doc_id for hit in services.similar(draft, None)] == ["signal:4"]
    assert services.similar(draft, COORDINATOR_ORG_5) == []

    assert services.suggest_categories(draft, None)["regeling"] == [("9", 1.0)]
    assert services.suggest_categories(draft, COORDINATOR_ORG_5) == {
        "thema": [],
        "regeling": [],
        "uitvoerder": [],
    }


def test_spelling_suggestion_never_reveals_invisible_words(mixed_visibility):
    assert services.search(SearchQuery(text="xylofoonregelin"), None).suggestion == (
        "xylofoonregeling"
    )
    hidden = services.search(SearchQuery(text="xylofoonregelin"), COORDINATOR_ORG_5)
    assert (hidden.total, hidden.suggestion) == (0, None)


# Facets, filters, dates, pages


@pytest.fixture
def categorised(store) -> Store:
    store.put(
        make_document(1, "Wachttijd", facets={"thema": ["1"], "regeling": ["10"]}),
        make_document(2, "Wachttijd", facets={"thema": ["2"], "regeling": ["10"]}),
        make_document(3, "Wachttijd", facets={"thema": ["1", "2"], "regeling": ["11"]}),
        make_document(4, "Wachttijd", facets={"thema": ["3"]}),
    )
    return store


def test_facet_counts_cover_every_match_not_just_the_page(categorised):
    result = services.search(SearchQuery(text="wachttijd", per_page=1), None)
    assert len(result.hits) == 1
    assert result.facets["thema"] == [("1", 2), ("2", 2), ("3", 1)]
    assert result.facets["regeling"] == [("10", 2), ("11", 1)]


def test_totals_and_facets_count_every_match_in_a_large_result(store):
    # Enough documents and score spread for Whoosh's top-N shortcuts to kick in.
    pick = random.Random(7)
    vocabulary = ["toeslag", "bezwaar", "brief", "wachttijd", "gemeente", "beslag", "loket"]
    texts = {
        n: (
            " ".join(pick.choices(vocabulary, k=pick.randint(1, 4))),
            " ".join(pick.choices(vocabulary, k=pick.randint(0, 40))),
        )
        for n in range(1, 2001)
    }
    store.put(
        *(
            make_document(n, title, body, facets={"thema": [str(n % 3)]})
            for n, (title, body) in texts.items()
        )
    )
    expected = [
        n
        for n, (title, body) in texts.items()
        if {"toeslag", "bezwaar"} <= set(f"{title} {body}".split())
    ]
    result = services.search(SearchQuery(text="toeslag bezwaar"), None)
    assert result.total == len(expected)
    assert sum(count for _value, count in result.facets["thema"]) == len(expected)


def test_filters_or_within_a_facet_and_across_facets(categorised):
    assert sorted(found("wachttijd", filters={"thema": ["1", "3"]})) == [
        "signal:1",
        "signal:3",
        "signal:4",
    ]
    assert sorted(found("wachttijd", filters={"thema": ["1", "2"], "regeling": ["10"]})) == [
        "signal:1",
        "signal:2",
    ]
    assert found("wachttijd", filters={"thema": ["2"], "regeling": ["11"]}) == ["signal:3"]
    assert found("wachttijd", filters={"onbekend": ["1"]}) == []
    assert sorted(found("wachttijd", filters={"thema": []})) == [
        f"signal:{n}" for n in (1, 2, 3, 4)
    ]


def test_empty_text_lists_filtered_documents_newest_first(store):
    store.put(
        *(
            make_document(n, f"Signaal {n}", facets={"status": ["nieuw"]}, when=WHEN + timedelta(n))
            for n in range(1, 4)
        ),
        make_document(9, "Afgehandeld", facets={"status": ["opgelost"]}),
    )
    assert found("", filters={"status": ["nieuw"]}) == ["signal:3", "signal:2", "signal:1"]


def test_date_filter_uses_local_days_and_is_inclusive(store):
    # 23:30 UTC on 28 February is 1 March in Amsterdam; 22:30 UTC on 31 March is 1 April.
    store.put(
        make_document(1, "Late melding", when=datetime(2026, 2, 28, 23, 30, tzinfo=UTC)),
        make_document(2, "Late melding", when=datetime(2026, 2, 28, 12, 0, tzinfo=UTC)),
        make_document(3, "Late melding", when=datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),
    )
    march = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
    assert found("melding", sort="date", **march) == ["signal:1"]
    assert found("melding", sort="date", date_to=date(2026, 2, 28)) == ["signal:2"]
    assert found("melding", sort="date", date_from=date(2026, 4, 1)) == ["signal:3"]
    assert found("melding", sort="date") == ["signal:3", "signal:1", "signal:2"]


def test_pages(store):
    store.put(*(make_document(n, "Bejegening", when=WHEN + timedelta(n)) for n in range(1, 26)))
    pages = [
        services.search(SearchQuery(text="bejegening", page=n, per_page=10), None)
        for n in (1, 2, 3)
    ]
    assert [len(result.hits) for result in pages] == [10, 10, 5]
    assert {(result.total, result.pages) for result in pages} == {(25, 3)}
    seen = [hit.doc_id for result in pages for hit in result.hits]
    assert len(set(seen)) == 25
    beyond = services.search(SearchQuery(text="bejegening", page=9, per_page=10), None)
    assert (beyond.hits, beyond.total, beyond.page) == ([], 25, 9)


def test_matching_ids_follow_the_search_order_over_all_pages(store):
    store.put(
        *(make_document(n, "Bejegening", when=WHEN + timedelta(n)) for n in range(1, 31)),
        make_document(99, "Bejegening", access=("org:6",)),
        make_document(7, "Bejegening artikel", kind="article"),
    )
    query = SearchQuery(text="bejegening", kinds=["signal"], sort="date", per_page=7)
    shown = [
        hit.id
        for page in range(1, 6)
        for hit in services.search(replace(query, page=page), ["network"]).hits
    ]
    assert services.matching_ids(query, ["network"]) == shown == list(range(30, 0, -1))
    assert services.matching_ids(query, ["network"], limit=3) == [30, 29, 28]
    assert 99 in services.matching_ids(query, None)
    assert services.matching_ids(replace(query, text="x" * 201), None) == []


# Highlights


def test_highlights_mark_matches_and_escape_everything_else(store):
    store.put(
        make_document(
            1,
            "Terugvordering <b>bijstand</b>",
            "Tekst <script>alert('x')</script> over terugvorderingen & schulden.",
        )
    )
    (hit,) = services.search(SearchQuery(text="terugvordering"), None).hits
    title, body = str(hit.highlights["title"]), str(hit.highlights["body"])
    assert "<mark" in title and ">Terugvordering</mark>" in title
    assert "&lt;b&gt;bijstand&lt;/b&gt;" in title and "<b>" not in title
    assert ">terugvorderingen</mark>" in body
    assert "&lt;script&gt;" in body and "<script>" not in body
    assert "&amp; schulden" in body


def test_listing_without_text_gives_escaped_plain_snippets(store):
    store.put(make_document(1, "A <i>titel</i>", "x" * 300 + " <script>"))
    (hit,) = services.search(SearchQuery(), None).hits
    assert str(hit.highlights["title"]) == "A &lt;i&gt;titel&lt;/i&gt;"
    assert "<" not in str(hit.highlights["body"]).replace("&lt;", "")


# Malformed input


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', "AND OR (", "title:", "*", "bijstand\x00", "((((", "NOT", "a~~~^^^2", "?*?"],
)
def test_malformed_queries_never_raise(store, text):
    store.put(make_document(1, "Bijstand", "Bijstand aangevraagd, title: onbekend"))
    result = services.search(SearchQuery(text=text), ["network"])
    assert result.error is None or isinstance(result.error, str)
    assert result.total >= 0


def test_words_that_match_nothing_are_dropped_before_any_word_matches(store):
    store.put(
        make_document(1, "Bijstand en toeslag"),
        make_document(2, "Toeslag"),
        make_document(3, "Bijstand"),
    )
    assert found("bijstand toeslag onbekendwoord") == ["signal:1"]
    assert found("bijstand toeslag onbekendwoord", ["nobody"]) == []


def test_any_word_fallback_when_no_document_has_all_words(store):
    store.put(make_document(1, "Bijstand stopgezet"), make_document(2, "Toeslag verlaagd"))
    assert sorted(found("bijstand toeslag")) == ["signal:1", "signal:2"]


def test_operators_are_not_loosened_by_the_fallbacks(store):
    store.put(make_document(1, "Bijstand en toeslag"), make_document(2, "Toeslag"))
    assert found("bijstand NOT toeslag") == []


@whoosh_only
def test_query_the_engine_cannot_run_falls_back_to_the_plain_words(store, monkeypatch):
    store.put(make_document(1, "Bijstand stopgezet"))

    def unreadable(*args):
        raise ValueError("cannot parse")

    monkeypatch.setattr(View, "parse", unreadable)
    result = services.search(SearchQuery(text="bijstand (("), None)
    assert [hit.doc_id for hit in result.hits] == ["signal:1"]
    assert "losse woorden" in result.error


def test_too_long_query_gives_a_message_and_no_search(store):
    store.put(make_document(1, "Bijstand"))
    result = services.search(SearchQuery(text="bijstand " * 30), None)
    assert (result.hits, result.total) == ([], 0)
    assert "te lang" in result.error and "200" in result.error


def test_bedoelde_u_suggests_a_correctly_spelled_query(store):
    store.put(make_document(1, "Terugvordering kinderopvangtoeslag", "Belastingdienst vordert."))
    result = services.search(SearchQuery(text="terugvordring kinderopvangtoeslag"), None)
    assert result.suggestion == "terugvordering kinderopvangtoeslag"
    assert services.search(SearchQuery(text="terugvordering"), None).suggestion is None
    assert services.search(SearchQuery(text="qqqqzzzz"), None).suggestion is None


# Similar texts and category suggestions


@pytest.fixture
def knelpunten(store) -> Store:
    store.put(
        make_document(
            1,
            "Inloggen met DigiD lukt niet",
            "Cliënt kan niet inloggen met DigiD op Mijn UWV, sms-code komt niet aan.",
            facets={"thema": ["7"], "uitvoerder": ["1"]},
        ),
        make_document(
            2,
            "DigiD sms-code komt niet aan",
            "Bij inloggen met DigiD komt de sms-code niet binnen; cliënt kan niets regelen.",
            facets={"thema": ["7"], "uitvoerder": ["2"]},
        ),
        make_document(
            3,
            "DigiD machtiging onduidelijk",
            "Inloggen met DigiD namens een ander: machtiging aanvragen is onduidelijk.",
            facets={"thema": ["7", "8"], "uitvoerder": ["1"]},
        ),
        make_document(
            4,
            "Wachttijd schuldhulpverlening",
            "Gemeente laat cliënten maanden wachten op een intakegesprek schuldhulp.",
            facets={"thema": ["9"], "uitvoerder": ["3"]},
        ),
        make_document(
            5, "Kennisartikel DigiD", "Inloggen met DigiD stap voor stap.", kind="article"
        ),
    )
    return store


def test_similar_finds_related_and_not_unrelated_texts(knelpunten):
    draft = "Mijn cliënt kan niet inloggen met DigiD, de sms-code komt nooit aan."
    related = [hit.doc_id for hit in services.similar(draft, None)]
    assert related[:2] in (["signal:1", "signal:2"], ["signal:2", "signal:1"])
    assert "signal:4" not in related and "article:5" not in related
    assert "signal:1" not in [
        hit.doc_id for hit in services.similar(draft, None, exclude=["signal:1"])
    ]
    assert [hit.doc_id for hit in services.similar(draft, None, kinds=("article",))] == [
        "article:5"
    ]
    assert services.similar("Het weer is mooi en de zon schijnt vandaag.", None) == []
    assert services.similar("", None) == []
    (hit,) = services.similar(draft, None, limit=1)
    assert "<mark" in str(hit.highlights["title"]) or "<mark" in str(hit.highlights["body"])


def test_category_suggestions_are_weighted_votes_of_similar_signals(knelpunten):
    votes = services.suggest_categories("Inloggen met DigiD lukt niet, sms-code komt niet", None)
    assert votes["thema"][0] == ("7", pytest.approx(1.0))
    assert "9" not in dict(votes["thema"])
    assert all(share >= 0.25 for _value, share in votes["thema"] + votes["uitvoerder"])
    assert dict(votes["uitvoerder"]).keys() <= {"1", "2"}
    assert votes["regeling"] == []
    assert services.suggest_categories("Het weer is mooi vandaag", None)["thema"] == []


# Rebuilds and damage


@whoosh_only
def test_rebuild_from_sources_gives_the_same_results(knelpunten, app):
    queries = [SearchQuery(text="digid"), SearchQuery(text="inloggen", sort="date"), SearchQuery()]
    before = [services.search(query, COORDINATOR_ORG_5) for query in queries]
    old = current_generation(app)
    progress: list[tuple[int, int]] = []

    assert services.rebuild(lambda done, total: progress.append((done, total))) == 5
    assert progress[-1] == (5, 5)
    assert current_generation(app) != old
    after = [services.search(query, COORDINATOR_ORG_5) for query in queries]
    assert [[h.doc_id for h in r.hits] for r in after] == [
        [h.doc_id for h in r.hits] for r in before
    ]
    assert [r.facets for r in after] == [r.facets for r in before]
    assert services.document_count() == 5


@whoosh_only
def test_writes_during_a_rebuild_are_not_lost(store, app):
    store.put(make_document(1, "Eerste signaal"), make_document(2, "Tweede signaal"))
    listed = store.documents

    def documents_while_others_write() -> Iterator[SearchDocument]:
        yield from list(listed.values())
        # Another request writes while the rebuild is half way.
        store.put(make_document(3, "Derde signaal tijdens herbouw"))
        store.delete("signal:1")
        store.put(make_document(2, "Tweede signaal aangepast"))

    services.register_source("signal", documents_while_others_write, lambda: 2, lambda ids: {})
    services.rebuild()
    assert sorted(found("signaal")) == ["signal:2", "signal:3"]
    assert found("aangepast") == ["signal:2"]
    assert services.document_count() == 2
    assert not any(index_directory(app).glob("journal-*"))


@pytest.fixture
def indexed_app(store, app) -> tuple[Store, Flask]:
    """An app with two indexed documents whose index the test then damages."""
    store.put(make_document(1, "Bijstand stopgezet"), make_document(2, "Bijstand te laat"))
    return store, app


def restart(app: Flask, store: Store) -> Flask:
    """A new app on the same instance folder, wired like create_app: sources, then init_app."""
    fresh = Flask(__name__, instance_path=app.instance_path)
    fresh.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Amsterdam"
    Babel(fresh)
    with fresh.app_context():
        store.register()
    services.init_app(fresh)
    return fresh


def assert_rebuilt_and_searchable(fresh: Flask) -> None:
    with fresh.app_context():
        assert services.status() in ("degraded", "ok")
        assert services.wait_until_ready(30)
        assert services.status() == "ok"
        assert sorted(found("bijstand")) == ["signal:1", "signal:2"]


def test_deleted_index_is_rebuilt_on_start(indexed_app):
    store, app = indexed_app
    shutil.rmtree(index_directory(app))
    fresh = restart(app, store)
    with fresh.app_context():
        result = services.search(SearchQuery(text="bijstand"), None)
        assert result.error is None or "opnieuw opgebouwd" in result.error
    assert_rebuilt_and_searchable(fresh)


@whoosh_only
def test_corrupt_index_is_rebuilt_on_start(indexed_app):
    store, app = indexed_app
    for file in current_generation(app).iterdir():
        file.write_bytes(b"garbage" * 10)
    fresh = restart(app, store)
    assert_rebuilt_and_searchable(fresh)


def test_missing_index_with_nothing_to_index_starts_empty(app):
    services.init_app(app)
    assert services.status() == "ok"
    assert services.document_count() == 0
    assert services.search(SearchQuery(text="iets"), None).total == 0


# Locks and concurrency


@whoosh_only
def test_writer_lock_held_elsewhere_raises_index_unavailable(app_factory):
    app = app_factory(SEARCH_WRITER_TIMEOUT=0.2)
    with app.app_context():
        services.init_app(app)
        Store().put(make_document(1, "Eerste"))
        other = index.open_dir(str(current_generation(app)), indexname=INDEX_NAME).writer()
        try:
            with pytest.raises(IndexUnavailable):
                services.index_documents([make_document(2, "Tweede")])
            with pytest.raises(IndexUnavailable):
                services.remove_documents(["signal:1"])
        finally:
            other.cancel()
        services.index_documents([make_document(2, "Tweede")])
        assert services.document_count() == 2


def test_concurrent_writes_from_threads_lose_nothing(app_factory):
    app = app_factory(SEARCH_WRITER_TIMEOUT=60)
    with app.app_context():
        services.init_app(app)
    errors: list[BaseException] = []

    def write(thread: int) -> None:
        with app.app_context():
            try:
                for n in range(15):
                    number = thread * 100 + n
                    services.index_documents([make_document(number, f"Melding {number}")])
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert services.document_count() == 90
        assert services.search(SearchQuery(text="melding", per_page=100), None).total == 90


def _write_from_process(path: str, process: int) -> None:
    engine = WhooshEngine(Path(path), writer_timeout=60)
    engine.open()
    for n in range(15):
        number = process * 100 + n
        engine.index([make_document(number, f"Proces {process} melding {number}")])


def test_concurrent_writes_from_processes_lose_nothing(tmp_path):
    path = tmp_path / "index"
    engine = WhooshEngine(path)
    engine.open()
    engine.create_empty()
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_from_process, args=(str(path), p)) for p in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    assert engine.document_count() == 45


def test_opening_survives_a_commit_between_listing_and_reading(tmp_path, monkeypatch):
    # Whoosh lists the newest table of contents, then opens it; a commit in another process
    # in between deletes that file. This once failed a CI run as "no search index".
    path = tmp_path / "index"
    other = WhooshEngine(path)
    other.open()
    other.create_empty()
    other.index([make_document(1, "Eerste melding")])
    listed = index.TOC._latest_generation.__func__
    commits = []

    def list_then_commit(cls, storage, indexname):
        generation = listed(cls, storage, indexname)
        if not commits:
            commits.append(generation)
            other.index([make_document(2, "Tweede melding")])
        return generation

    monkeypatch.setattr(index.TOC, "_latest_generation", classmethod(list_then_commit))
    engine = WhooshEngine(path)
    assert engine.open() == "ok"
    assert commits, "the commit did not happen between listing and reading"
    assert engine.document_count() == 2


def test_writes_stay_apart_when_the_random_module_repeats_itself(store):
    # Test frameworks (Hypothesis) reseed ``random`` for every example; Whoosh used it to
    # name new segments, so the second write would overwrite the first one's files.
    for number in (1, 2, 3):
        random.seed(4)
        store.put(make_document(number, f"Bezwaar {number}"))
    assert sorted(found("bezwaar")) == ["signal:1", "signal:2", "signal:3"]


@whoosh_only
def test_a_started_site_warms_its_index_before_the_first_search(store, app_factory):
    store.put(
        *(
            make_document(n, f"Toeslag teruggevorderd {n}", "Brief kwam te laat.")
            for n in range(1, 40)
        )
    )
    started = app_factory(SEARCH_WARM_AT_START=True)  # a restart on the same index folder
    engine = started.extensions[services.EXTENSION].engine
    deadline = time.monotonic() + 30
    while engine.warming() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not engine.warming()
    warmed = engine._arrays._segments  # the per-segment arrays read so far
    assert warmed, "nothing was read before the first search"
    assert all(("lengths", "title") in values for values in warmed.values())
    with started.app_context():
        Store.register(store)
        assert found("toeslag") and len(found("toeslag", per_page=100)) == 39
