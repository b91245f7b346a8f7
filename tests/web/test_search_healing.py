"""The index heals itself: the outbox, comparison with the database, damage, stale readers."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from whoosh import index

from signalen.extensions import db
from signalen.search import healing, outbox
from signalen.search import services as search
from signalen.search.documents import SearchDocument, SearchQuery
from signalen.search.engine import CURRENT, INDEX_NAME
from signalen.search.models import IndexOutbox
from signalen.search.querying import View
from signalen.signals import services as signal_services
from signalen.signals.models import Channel, Signal
from tests.search_engine_support import indexed_after_commit, whoosh_only

WORDS = ("kinderopvangtoeslag", "wachtgeld", "reiskostenvergoeding")


def generation(app: Flask) -> Path:
    folder = Path(app.instance_path) / "search-index"
    return folder / (folder / CURRENT).read_text().strip()


def found_ids(text: str) -> list[int]:
    return sorted(hit.id for hit in search.search(SearchQuery(text=text, per_page=100), None).hits)


def wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def import_without_indexing(user, organisation_id: int, count: int, word: str) -> list[int]:
    """What `signalen import-signals` commits before it is killed: rows, no index write."""
    inputs = [
        signal_services.SignalInput(
            title=f"Knelpunt {word} {number}",
            description=f"De {word} kwam niet op tijd.",
            channel=Channel.PHONE,
        )
        for number in range(count)
    ]
    ids = signal_services.create_signals(inputs, user, organisation_id)
    db.session.commit()
    return ids


@pytest.fixture
def healing_app(app_factory):
    """Make apps with background healing; their threads are stopped afterwards."""
    made: list[Flask] = []

    def make(**config) -> Flask:
        new = app_factory(**config)
        made.append(new)
        return new

    yield make
    for made_app in made:
        healer = made_app.extensions.get(healing.EXTENSION)
        if healer is not None:
            healer.stop()


# The outbox


@indexed_after_commit
def test_a_change_and_its_outbox_row_are_committed_or_rolled_back_together(app, make_signal):
    signal = make_signal(title="Wachtgeld te laat")
    assert outbox.pending_count() == 0  # applied right after the commit
    assert found_ids("wachtgeld") == [signal.id]

    signal.title = "Reiskostenvergoeding te laat"
    db.session.flush()
    assert outbox.pending_count() == 1
    db.session.rollback()
    assert outbox.pending_count() == 0  # a rollback indexes nothing
    assert found_ids("wachtgeld") == [signal.id]

    signal = db.session.get(Signal, signal.id)
    signal.title = "Reiskostenvergoeding te laat"
    db.session.commit()
    row = db.session.scalars(select(IndexOutbox)).one()
    assert (row.kind, row.record_id, row.op) == ("signal", str(signal.id), "index")
    assert outbox.drain() == 1
    assert found_ids("reiskostenvergoeding") == [signal.id]
    assert found_ids("wachtgeld") == []


@whoosh_only  # Whoosh's files, lock and segments; the PostgreSQL engine has none
def test_a_write_that_cannot_get_the_index_lock_leaves_its_rows_for_the_next_drain(
    app_factory, make_signal
):
    app = app_factory(SEARCH_WRITER_TIMEOUT=0.2)
    with app.app_context():
        first = make_signal(title="Wachtgeld te laat")
        held = index.open_dir(str(generation(app)), indexname=INDEX_NAME).writer()
        try:
            second = make_signal(title="Wachtgeld gestopt")
            assert outbox.pending_count() == 1
            assert found_ids("wachtgeld") == [first.id]
            health = app.test_client().get("/healthz").json
            assert health["search"] == "degraded" and health["status"] == "degraded"
        finally:
            held.cancel()
        make_signal(title="Iets anders")  # the next write applies the rows left behind
        assert outbox.pending_count() == 0
        assert found_ids("wachtgeld") == sorted([first.id, second.id])
        assert app.test_client().get("/healthz").json["search"] == "ok"


def test_articles_and_services_go_through_the_outbox(app, make_user):
    from signalen.articles.services import ArticleInput, save_article
    from signalen.auth.models import Role
    from signalen.directory.services.catalogue import NewAddress, create_service

    coordinator = make_user(Role.COORDINATOR)
    article = save_article(
        ArticleInput(title="Wachtgeld aanvragen", body="Zo gaat het."), coordinator
    )
    service = create_service(
        None,
        "Stichting Reiskostenvergoeding",
        {"name": "Hulp bij reiskostenvergoeding", "description": "Wij helpen."},
        NewAddress(),
        "test",
    )
    assert outbox.pending_count() == 0
    assert search.search(SearchQuery(text="wachtgeld", kinds=["article"]), None).hits[0].id == (
        article.id
    )
    hits = search.search(SearchQuery(text="reiskostenvergoeding", kinds=["service"]), None).hits
    assert [hit.id for hit in hits] == [service.id.int]
    assert healing.in_sync()


# Healing: comparing database and index


@indexed_after_commit
def test_signals_committed_but_never_indexed_heal_at_the_next_start(
    app, healing_app, make_user, make_signal
):
    make_signal(title="Al bekend knelpunt")
    volunteer = make_user()
    # Killed between commit and indexing: the outbox rows were committed with the signals.
    killed = import_without_indexing(volunteer, volunteer.organisation_id, 30, WORDS[0])
    # Older data without outbox rows (or rows lost): only the comparison finds these.
    lost = import_without_indexing(volunteer, volunteer.organisation_id, 20, WORDS[1])
    db.session.execute(
        IndexOutbox.__table__.delete().where(
            IndexOutbox.record_id.in_([str(number) for number in lost])
        )
    )
    db.session.commit()
    assert found_ids(WORDS[0]) == [] and found_ids(WORDS[1]) == []
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.json["search"] == "degraded"
    assert not healing.in_sync()

    restarted = healing_app(SEARCH_HEAL_INTERVAL=60)  # a new process, no command given
    with restarted.app_context():
        assert wait_for(lambda: found_ids(WORDS[0]) == sorted(killed) and healing.in_sync())
        assert found_ids(WORDS[1]) == sorted(lost)
        assert outbox.pending_count() == 0
        health = restarted.test_client().get("/healthz")
        assert health.json == {**health.json, "status": "ok", "search": "ok"}


def test_healing_removes_extra_and_rewrites_stale_documents(app, make_signal):
    kept = make_signal(title="Wachtgeld te laat")
    gone = make_signal(title="Wachtgeld gestopt")
    # The index misses a change and keeps a record the database no longer has.
    db.session.execute(
        Signal.__table__.update()
        .where(Signal.id == kept.id)
        .values(title="Reiskostenvergoeding te laat", updated_at=func.current_timestamp())
    )
    extra = SearchDocument(
        doc_id=f"signal:{gone.id + 1000}",
        kind="signal",
        title="Wachtgeld spook",
        body="",
        access=["network"],
        facets={},
        date=kept.created_at,
    )
    search.index_documents([extra])
    db.session.commit()
    assert set(healing.differences()) == {"signal"}

    assert healing.heal() == 2
    assert found_ids("wachtgeld") == [gone.id]
    assert found_ids("reiskostenvergoeding") == [kept.id]
    assert healing.differences() == {}
    assert healing.heal() == 0


def test_healing_is_shared_between_processes_through_a_time_stamp(healing_app):
    app = healing_app(SEARCH_HEAL_INTERVAL=3600)
    with app.app_context():
        healer = app.extensions[healing.EXTENSION]
        healer.stop()
        assert healer.heal_once(force=True)
        assert not healer.heal_once()  # healed within the interval (by any process)
        assert healer.heal_once(force=True)


# Damage while the site runs


@whoosh_only  # Whoosh's files, lock and segments; the PostgreSQL engine has none
def test_a_truncated_segment_file_is_found_and_rebuilt_while_the_site_runs(healing_app, make_user):
    app = healing_app(SEARCH_HEAL_INTERVAL=0.3)
    with app.app_context():
        volunteer = make_user()
        ids = import_without_indexing(volunteer, volunteer.organisation_id, 40, WORDS[2])
        outbox.drain()
        assert found_ids(WORDS[2]) == sorted(ids)
        damaged = generation(app)
        postings = max(damaged.glob("*.pst"), key=lambda file: file.stat().st_size)
        os.truncate(postings, postings.stat().st_size // 2)

        assert wait_for(lambda: generation(app) != damaged)
        assert wait_for(lambda: found_ids(WORDS[2]) == sorted(ids))
        assert app.test_client().get("/healthz").json["search"] == "ok"
        response = app.test_client().get(f"/zoeken?q={WORDS[2]}")
        assert response.status_code in (200, 302)


@whoosh_only  # Whoosh's files, lock and segments; the PostgreSQL engine has none
def test_a_damaged_index_found_by_a_search_says_so_and_is_rebuilt(app, make_signal):
    signal = make_signal(title="Kinderopvangtoeslag gestopt")
    damaged = generation(app)
    for file in damaged.glob("*.pst"):
        os.truncate(file, file.stat().st_size // 2)

    result = search.search(SearchQuery(text="kinderopvangtoeslag"), None)
    assert result.error  # said, not hidden (and not a 500)
    assert search.wait_until_ready(30)
    assert generation(app) != damaged
    assert found_ids("kinderopvangtoeslag") == [signal.id]


# Readers under concurrent writes


@whoosh_only  # Whoosh's files, lock and segments; the PostgreSQL engine has none
def test_similar_signals_survive_a_commit_that_merges_segments_under_the_reader(
    app, make_signal, make_user, monkeypatch
):
    from signalen.auth.models import Role

    volunteer = make_user(Role.VOLUNTEER)
    signals = [
        make_signal(
            title=f"Kinderopvangtoeslag teruggevorderd {n}",
            description="De kinderopvangtoeslag werd teruggevorderd zonder uitleg.",
        )
        for n in range(3)
    ]
    related = View.related
    merges = []

    def related_then_another_worker_commits(view, *args, **kwargs):
        result = related(view, *args, **kwargs)
        if not merges:  # another process merges the segments this reader still lists
            merges.append(True)
            index.open_dir(str(generation(app)), indexname=INDEX_NAME).optimize()
        return result

    monkeypatch.setattr(View, "related", related_then_another_worker_commits)
    similar = signal_services.similar_signals(
        "Kinderopvangtoeslag teruggevorderd",
        "De kinderopvangtoeslag werd teruggevorderd.",
        volunteer,
    )
    assert merges
    assert sorted(s.id for s in similar) == sorted(s.id for s in signals)


@indexed_after_commit
def test_a_request_that_commits_without_draining_is_drained_before_its_response(
    app_factory, make_signal
):
    app = app_factory()

    def rename(signal_id: int):  # a view that forgets to apply the outbox
        signal = db.session.get(Signal, signal_id)
        signal.title = "Reiskostenvergoeding kwijt"
        db.session.commit()
        return str(outbox.pending_count())

    app.add_url_rule("/test-rename/<int:signal_id>", view_func=rename)
    with app.app_context():
        signal = make_signal(title="Wachtgeld kwijt")
        response = app.test_client().get(f"/test-rename/{signal.id}")
        assert response.get_data(as_text=True) == "1"
        assert outbox.pending_count() == 0
        assert found_ids("reiskostenvergoeding") == [signal.id]


def test_under_a_command_healing_starts_at_the_first_request(healing_app):
    import click

    with click.Context(click.Command("run")):
        app = healing_app(SEARCH_HEAL_INTERVAL=3600)
    healer = app.extensions[healing.EXTENSION]
    assert healer.thread is None  # `signalen import-signals` and the like never heal
    app.test_client().get("/healthz")
    assert healer.thread is not None and healer.thread.is_alive()
