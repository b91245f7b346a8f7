"""The index outbox: changes record what must be (re)indexed in their own transaction; the
outbox is applied after the commit and a row is deleted only once the index has it.

On an engine whose index is a table of the same database (PostgreSQL), the rows a
transaction wrote are applied just before it commits, in that transaction: the change and
its index entry commit together (or not at all), and another app host finds it at once.

Changes to the models of registered sources (signals, articles, services) are recorded by a
session hook, so no code path can forget it; bulk inserts that bypass the ORM call
:func:`record` themselves. :func:`drain` runs right after the commits that change indexed
records, after any request that committed outbox rows, and in the background healing
(:mod:`signalen.search.healing`), so rows left by a killed process are applied too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from signalen.core.models import utcnow
from signalen.extensions import db
from signalen.search import services
from signalen.search.documents import IndexUnavailable, SearchDocument, make_doc_id
from signalen.search.models import IndexOutbox

# Rows applied per index commit; a bulk import of 100,000 signals takes two.
DRAIN_BATCH = 50_000
CHUNK = 500
INDEX, REMOVE = "index", "remove"
WRITTEN = "search_outbox_written"
DUE = "search_outbox_due"
TOUCHED = "search_outbox_touched"


def record(kind: str, record_ids: Iterable[int], op: str = INDEX) -> None:
    """Add outbox rows for these records of ``kind`` to the current transaction.

    Only needed for changes that bypass the ORM (bulk inserts); the caller commits.
    """
    now = utcnow()
    rows = [
        {"kind": kind, "record_id": str(number), "op": op, "created_at": now}
        for number in sorted(set(record_ids))
    ]
    for start in range(0, len(rows), CHUNK * 10):
        db.session.execute(insert(IndexOutbox.__table__), rows[start : start + CHUNK * 10])
    if rows:
        _written(db.session(), rows)


def _written(session: Session, rows: list[dict[str, Any]]) -> None:
    """Note that this transaction wrote outbox rows, and (for an engine that indexes inside
    the transaction) for which records."""
    session.info[WRITTEN] = True
    if services.transactional_engine() is not None:
        touched = session.info.setdefault(TOUCHED, set())
        touched.update((row["kind"], row["record_id"]) for row in rows)


def pending_count() -> int:
    """How many outbox rows wait to be applied."""
    return db.session.scalar(select(func.count()).select_from(IndexOutbox)) or 0


def drain(batch: int = DRAIN_BATCH, lock_timeout: float | None = None) -> int:
    """Apply the outbox and return how many rows were applied; never raises for the index.

    One thread of one process drains at a time (the others wait up to
    ``SEARCH_WRITER_TIMEOUT``, or ``lock_timeout`` seconds, and then find the work done or
    left for the next drain). Each record is indexed as the
    database has it now; records that are gone (or merged) are removed from the index.
    When the index cannot be written (its lock is held too long, it is being rebuilt from
    scratch, …) the rows stay for the next drain.
    """
    engine = services.engine()
    db.session.info.pop(DUE, None)
    applied = 0
    try:
        wait = engine.writer_timeout if lock_timeout is None else lock_timeout
        with engine.outbox_lock(wait):
            while True:
                rows = db.session.execute(
                    select(IndexOutbox.id, IndexOutbox.kind, IndexOutbox.record_id)
                    .order_by(IndexOutbox.id)
                    .limit(batch)
                ).all()
                if rows:
                    docs, removed = _resolve(rows)
                    services.apply_documents(docs, removed)
                    ids = [row.id for row in rows]
                    for start in range(0, len(ids), CHUNK):
                        chunk = ids[start : start + CHUNK]
                        db.session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(chunk)))
                db.session.commit()
                applied += len(rows)
                if len(rows) < batch:
                    return applied
    except IndexUnavailable:
        db.session.rollback()
        current_app.logger.warning("Search index busy; the outbox waits for the next drain")
    except SQLAlchemyError as error:  # e.g. a database that is not migrated yet
        db.session.rollback()
        current_app.logger.warning("Search outbox not applied (database): %s", error)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("Applying the search outbox failed; it will be retried")
    return applied


def _resolve(rows: Sequence[Any]) -> tuple[list[SearchDocument], list[str]]:
    """The documents to write and the doc_ids to remove for these outbox rows."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        wanted[row.kind].add(int(row.record_id))
    docs: list[SearchDocument] = []
    removed: list[str] = []
    sources = services.sources()
    for kind, numbers in wanted.items():
        source = sources.get(kind)
        if source is None or source.load is None:  # no longer indexed: nothing to do
            current_app.logger.warning("Search outbox: kind %r is not indexed; skipped", kind)
            continue
        loaded = list(source.load(sorted(numbers)))
        docs += loaded
        present = {doc.doc_id for doc in loaded}
        removed += [d for d in (make_doc_id(kind, n) for n in sorted(numbers)) if d not in present]
    return docs, removed


@event.listens_for(Session, "after_flush")
def _record_flushed_changes(session: Session, _context: Any) -> None:
    """Record every flushed change of a registered source's model in the same transaction."""
    if not has_app_context():
        return
    models = services.tracked_models()
    if not models:
        return
    now = utcnow()
    rows = []
    for objects, op in ((session.new, INDEX), (session.dirty, INDEX), (session.deleted, REMOVE)):
        for obj in objects:
            source = models.get(type(obj))
            if source is not None and source.key is not None:
                number = source.key(obj)
                if number is not None:
                    rows.append(
                        {"kind": source.kind, "record_id": str(number), "op": op, "created_at": now}
                    )
    if rows:
        session.connection().execute(insert(IndexOutbox.__table__), rows)
        _written(session, rows)


@event.listens_for(Session, "before_commit")
def _index_in_transaction(session: Session) -> None:
    """On an engine that indexes inside the transaction, apply the outbox rows of the
    records this transaction changed before it commits (a failure fails the commit)."""
    pending = session.new or session.dirty or session.deleted
    if not (session.info.get(TOUCHED) or pending) or not has_app_context():
        return
    if session is not db.session():
        return
    engine = services.transactional_engine()
    if engine is None:
        return
    session.flush()  # the commit flushes after this hook: its changes are recorded now
    touched = sorted(session.info.pop(TOUCHED, set()))
    if not touched:
        return
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, record_id in touched:
        by_kind[kind].append(record_id)
    for kind, record_ids in by_kind.items():
        for start in range(0, len(record_ids), DRAIN_BATCH):
            wanted = record_ids[start : start + DRAIN_BATCH]
            rows: list[Any] = []
            for first in range(0, len(wanted), CHUNK):
                rows += session.execute(
                    select(IndexOutbox.id, IndexOutbox.kind, IndexOutbox.record_id).where(
                        IndexOutbox.kind == kind,
                        IndexOutbox.record_id.in_(wanted[first : first + CHUNK]),
                    )
                ).all()
            docs, removed = _resolve(rows)
            engine.apply(docs, removed)
            ids = [row.id for row in rows]
            for first in range(0, len(ids), CHUNK):
                session.execute(
                    delete(IndexOutbox).where(IndexOutbox.id.in_(ids[first : first + CHUNK]))
                )
    session.info.pop(WRITTEN, None)


@event.listens_for(Session, "after_commit")
def _note_due(session: Session) -> None:
    if session.info.pop(WRITTEN, False):
        session.info[DUE] = True


@event.listens_for(Session, "after_rollback")
def _forget_written(session: Session) -> None:
    session.info.pop(WRITTEN, None)
    session.info.pop(TOUCHED, None)


def drain_if_due() -> None:
    """Drain when this session committed outbox rows that no drain has applied yet, and
    holds no uncommitted change of its own (a drain commits)."""
    session = db.session()
    if (
        session.info.get(DUE)
        and not session.info.get(WRITTEN)
        and not (session.new or session.dirty or session.deleted)
    ):
        session.info.pop(DUE, None)
        drain()


def init_app(app: Flask) -> None:
    """Apply what a request committed before its response goes out (a safety net: the
    services that change indexed records drain right after their commit)."""

    @app.after_request
    def _drain_after_request(response):
        drain_if_due()
        return response
