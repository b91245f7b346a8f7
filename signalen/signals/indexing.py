"""Signals in the search index: documents for rebuilds and for the index outbox.

Every change of a signal is recorded in the outbox (:mod:`signalen.search.outbox`) in its
own transaction and applied after the commit; :func:`register` makes that happen.

Documents are read straight from the tables in batches (no ORM objects), so a rebuild or a
bulk import of many thousands of signals costs a few queries per batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from signalen.core.dates import local_today
from signalen.extensions import db
from signalen.search import services as search
from signalen.search.dates import DATE_FACET, date_tokens
from signalen.search.documents import SearchDocument, make_doc_id, split_doc_id
from signalen.signals.access import document_tokens
from signalen.signals.models import Signal, Visibility, signal_scheme, signal_theme
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

KIND = "signal"
BATCH = 500
COLUMNS = (
    Signal.id,
    Signal.title,
    Signal.description,
    Signal.visibility,
    Signal.public_approved_at,
    Signal.organisation_id,
    Signal.agency_id,
    Signal.municipality_id,
    Signal.status,
    Signal.impact,
    Signal.created_at,
    Signal.occurred_on,
    Signal.report_count,
    Signal.updated_at,
)


def doc_id(signal_id: int) -> str:
    return make_doc_id(KIND, signal_id)


class Labels:
    """The names of the taxonomy terms, read once per batch: a signal is found by the words of
    its themes (with their main theme), schemes (with their abbreviations), agency and
    gemeente."""

    def __init__(self) -> None:
        self.themes = {row.id: row.name for row in db.session.execute(select(Theme.id, Theme.name))}
        self.schemes = {
            row.id: f"{row.name} {row.short_name or ''}".strip()
            for row in db.session.execute(select(Scheme.id, Scheme.name, Scheme.short_name))
        }
        self.agencies = {
            row.id: row.name for row in db.session.execute(select(Agency.id, Agency.name))
        }
        self.municipalities = {
            row.id: row.name
            for row in db.session.execute(select(Municipality.id, Municipality.name))
        }

    def text(self, row: Any, themes: set[str], scheme_ids: list[int]) -> str:
        """The category text of one signal row."""
        parts = [self.themes.get(int(theme_id), "") for theme_id in sorted(themes)]
        parts += [self.schemes.get(scheme_id, "") for scheme_id in sorted(scheme_ids)]
        parts.append(self.agencies.get(row.agency_id, ""))
        parts.append(self.municipalities.get(row.municipality_id, ""))
        return "\n".join(part for part in parts if part)


def _document(row: Any, themes: set[str], scheme_ids: list[int], labels: Labels) -> SearchDocument:
    """The search document of one signal row. Its ``periode`` and ``datum`` are the day it
    happened (``occurred_on``), else the day it was registered."""
    day = row.occurred_on or local_today(row.created_at)
    return SearchDocument(
        doc_id=doc_id(row.id),
        kind=KIND,
        title=row.title,
        body=row.description,
        access=document_tokens(
            row.visibility, row.public_approved_at is not None, row.organisation_id
        ),
        facets={
            "thema": sorted(themes),
            "regeling": [str(scheme_id) for scheme_id in sorted(scheme_ids)],
            "uitvoerder": [str(row.agency_id)] if row.agency_id else [],
            "gemeente": [str(row.municipality_id)] if row.municipality_id else [],
            "status": [row.status.value],
            "organisatie": [str(row.organisation_id)],
            "periode": [day.strftime("%Y-%m")],
            DATE_FACET: date_tokens(day),
            "impact": [row.impact.value],
            "soort": ["knelpunt"],
        },
        date=row.created_at,
        report_count=row.report_count,
        published=row.public_approved_at if row.visibility is Visibility.PUBLIC else None,
        version=row.updated_at,
        categories=labels.text(row, themes, scheme_ids),
    )


def _themes(ids: list[int]) -> dict[int, set[str]]:
    """Per signal its themes; a sub-theme counts for its main theme too."""
    themes: dict[int, set[str]] = defaultdict(set)
    rows = db.session.execute(
        select(signal_theme.c.signal_id, Theme.id, Theme.parent_id)
        .join(Theme, Theme.id == signal_theme.c.theme_id)
        .where(signal_theme.c.signal_id.in_(ids))
    )
    for signal_id, theme_id, parent_id in rows:
        themes[signal_id].add(str(theme_id))
        if parent_id:
            themes[signal_id].add(str(parent_id))
    return themes


def _schemes(ids: list[int]) -> dict[int, list[int]]:
    schemes: dict[int, list[int]] = defaultdict(list)
    rows = db.session.execute(
        select(signal_scheme.c.signal_id, signal_scheme.c.scheme_id).where(
            signal_scheme.c.signal_id.in_(ids)
        )
    )
    for signal_id, scheme_id in rows:
        schemes[signal_id].append(scheme_id)
    return schemes


def _batch(condition: Any) -> list[SearchDocument]:
    """The documents of (at most BATCH) live signals matching ``condition``, by id."""
    rows = db.session.execute(
        select(*COLUMNS)
        .where(condition, Signal.merged_into_id.is_(None))
        .order_by(Signal.id)
        .limit(BATCH)
    ).all()
    ids = [row.id for row in rows]
    themes, schemes = _themes(ids), _schemes(ids)
    labels = Labels() if rows else None
    return [_document(row, themes[row.id], schemes[row.id], labels) for row in rows]


def documents(signal_ids: Iterable[int] | None = None) -> Iterator[SearchDocument]:
    """Search documents of the live (not merged) signals with these ids, or of all of them."""
    if signal_ids is not None:
        for chunk in _chunks(sorted(set(signal_ids))):
            yield from _batch(Signal.id.in_(chunk))
        return
    last = 0
    while batch := _batch(Signal.id > last):
        yield from batch
        last = split_doc_id(batch[-1].doc_id)[1]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in batches small enough for one ``IN (...)`` on every database."""
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def all_documents() -> Iterator[SearchDocument]:
    return documents()


def count() -> int:
    return db.session.scalar(select(func.count()).where(Signal.merged_into_id.is_(None))) or 0


def texts(ids: list[int]) -> dict[int, tuple[str, str]]:
    rows = db.session.execute(
        select(Signal.id, Signal.title, Signal.description).where(Signal.id.in_(ids))
    )
    return {row.id: (row.title, row.description) for row in rows}


def register(app: Flask) -> None:
    with app.app_context():
        search.register_source(
            KIND,
            all_documents,
            count,
            texts,
            load=documents,
            model=Signal,
            live=Signal.merged_into_id.is_(None),
        )
