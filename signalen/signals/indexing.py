"""Signals in the search index: documents, indexing after commit and catch-up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Flask, current_app
from sqlalchemy import func, select, update

from signalen.extensions import db
from signalen.search import services as search
from signalen.search.documents import SearchDocument
from signalen.signals.access import document_tokens
from signalen.signals.models import Signal

KIND = "signal"
CATCH_UP_BATCH = 200


def doc_id(signal_id: int) -> str:
    return f"{KIND}:{signal_id}"


def to_document(signal: Signal) -> SearchDocument:
    """The search document of a signal; main themes count for their sub-themes too."""
    themes = {str(theme.id) for theme in signal.themes}
    themes |= {str(theme.parent_id) for theme in signal.themes if theme.parent_id}
    return SearchDocument(
        doc_id=doc_id(signal.id),
        kind=KIND,
        title=signal.title,
        body=signal.description,
        access=document_tokens(
            signal.visibility, signal.public_approved_at is not None, signal.organisation_id
        ),
        facets={
            "thema": sorted(themes),
            "regeling": [str(scheme.id) for scheme in signal.schemes],
            "uitvoerder": [str(signal.agency_id)] if signal.agency_id else [],
            "gemeente": [str(signal.municipality_id)] if signal.municipality_id else [],
            "status": [signal.status.value],
            "organisatie": [str(signal.organisation_id)],
            "periode": [signal.created_at.strftime("%Y-%m")],
            "impact": [signal.impact.value],
            "soort": ["knelpunt"],
        },
        date=signal.created_at,
        report_count=signal.report_count,
    )


def _load(signal_ids: Iterable[int]) -> list[Signal]:
    ids = sorted(set(signal_ids))
    if not ids:
        return []
    return list(db.session.scalars(select(Signal).where(Signal.id.in_(ids))))


def index_signals(signal_ids: list[int]) -> bool:
    """Write these signals to the index (merged ones are removed). False when postponed."""
    signals = _load(signal_ids)
    if not signals:
        return True
    live = [s for s in signals if s.merged_into_id is None]
    merged = [doc_id(s.id) for s in signals if s.merged_into_id is not None]
    try:
        search.index_documents([to_document(s) for s in live])
        if merged:
            search.remove_documents(merged)
    except search.IndexUnavailable:
        current_app.logger.warning("Search index busy; %d signal(s) marked", len(signals))
        _mark_pending([s.id for s in signals], True)
        return False
    if any(s.index_pending for s in signals):
        _mark_pending([s.id for s in signals], False)
    catch_up()
    return True


def _mark_pending(signal_ids: list[int], pending: bool) -> None:
    db.session.execute(
        update(Signal)
        .where(Signal.id.in_(signal_ids))
        .values(index_pending=pending)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def pending_count() -> int:
    return db.session.scalar(select(func.count()).where(Signal.index_pending.is_(True))) or 0


def catch_up(limit: int = CATCH_UP_BATCH) -> int:
    """Index signals whose earlier index write failed; returns how many were caught up."""
    ids = list(
        db.session.scalars(select(Signal.id).where(Signal.index_pending.is_(True)).limit(limit))
    )
    if not ids:
        return 0
    signals = _load(ids)
    try:
        search.index_documents([to_document(s) for s in signals if s.merged_into_id is None])
        search.remove_documents([doc_id(s.id) for s in signals if s.merged_into_id is not None])
    except search.IndexUnavailable:
        return 0
    _mark_pending(ids, False)
    return len(ids)


def all_documents() -> Iterator[SearchDocument]:
    query = (
        select(Signal)
        .where(Signal.merged_into_id.is_(None))
        .order_by(Signal.id)
        .execution_options(yield_per=500)
    )
    for signal in db.session.scalars(query):
        yield to_document(signal)


def count() -> int:
    return db.session.scalar(select(func.count()).where(Signal.merged_into_id.is_(None))) or 0


def texts(ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(Signal.id, Signal.title, Signal.description).where(Signal.id.in_(ids))
    )
    return {row.id: (row.title, row.description) for row in rows}


def register(app: Flask) -> None:
    with app.app_context():
        search.register_source(KIND, all_documents, count, texts)
