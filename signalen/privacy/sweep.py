"""The privacy sweep: run the current guard over everything already stored.

An older guard let names (and other personal data) through. :func:`sweep` lists what the
current guard finds in every guarded column (:mod:`signalen.privacy.coverage`); with
``redact=True`` it replaces the findings by their placeholders, adds a history entry (which
names the fields and kinds, never the found text) and reindexes the changed signals and
articles, so that search no longer finds what was redacted. The summary is kept as an audit
event (``privacy.sweep``), which the beheer page shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from signalen.audit import services as audit
from signalen.audit.models import AuditEvent
from signalen.extensions import db
from signalen.privacy.coverage import GUARDED, Guarded
from signalen.privacy.services import find_personal_data, redact
from signalen.search import outbox

SWEEP_ACTION = "privacy.sweep"
_SWEPT_TABLES = frozenset(g.table for g in GUARDED if g.table != "audit_event")
BATCH = 500

HistoryWriter = Callable[[Any, dict[str, list[str]]], None]
_HISTORY: dict[str, HistoryWriter | None] = {}


@dataclass
class Hit:
    """One stored text with personal data in it (without the text itself)."""

    table: str
    row_id: Any
    column: str
    kinds: list[str]
    warn_only: bool = False


@dataclass
class SweepResult:
    """What one sweep found (and redacted)."""

    redact: bool
    organisation: str | None
    checked: int = 0
    hits: list[Hit] = field(default_factory=list)
    redacted: int = 0
    reindexed: int = 0

    def summary(self) -> dict:
        """Counts only, safe to store and show: per table and per kind."""
        return {
            "redact": self.redact,
            "organisation": self.organisation or "",
            "checked": self.checked,
            "found": len(self.hits),
            "redacted": self.redacted,
            "reindexed": self.reindexed,
            "tables": dict(Counter(hit.table for hit in self.hits)),
            "kinds": dict(Counter(kind for hit in self.hits for kind in hit.kinds)),
        }


def _model(table: str):
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    raise LookupError(table)


def _organisation_of(row: Any, path: str) -> int | None:
    value = row
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _clean_json(value: Any, kinds: list[str], apply: bool) -> Any:
    """``value`` with personal data in its strings redacted; found kinds go into ``kinds``."""
    if isinstance(value, str):
        findings = find_personal_data(value)
        kinds.extend(f.kind for f in findings)
        return redact(value, findings) if findings and apply else value
    if isinstance(value, list):
        return [_clean_json(item, kinds, apply) for item in value]
    if isinstance(value, dict):
        return {key: _clean_json(item, kinds, apply) for key, item in value.items()}
    return value


def _sweep_row(row: Any, target: Guarded, apply: bool) -> list[Hit]:
    hits = []
    for column in target.columns:
        text = getattr(row, column)
        findings = find_personal_data(text) if isinstance(text, str) else []
        if findings:
            hits.append(Hit(target.table, row.id, column, sorted({f.kind for f in findings})))
            if apply:
                setattr(row, column, redact(text, findings))
    for column in target.json_columns:
        kinds: list[str] = []
        cleaned = _clean_json(getattr(row, column), kinds, apply)
        if kinds:
            hits.append(Hit(target.table, row.id, column, sorted(set(kinds))))
            if apply:
                setattr(row, column, cleaned)
    for hit in hits:
        hit.warn_only = target.warn_only
    return hits


def register_history(table: str, write: HistoryWriter | None) -> None:
    """How a redaction in a row of ``table`` is noted in its feature's own history:
    ``write(row, changes)`` (signals: an entry in the signal's history), or ``None`` for a
    table that is itself a history. Rows of other tables get an audit event."""
    _HISTORY[table] = write


def _history(row: Any, target: Guarded, hits: list[Hit]) -> None:
    """A history entry naming the redacted fields and kinds (never the text)."""
    changes = {hit.column: hit.kinds for hit in hits}
    if target.table in _HISTORY:
        write = _HISTORY[target.table]
        if write is not None:
            write(row, changes)
    elif not isinstance(row, AuditEvent):
        audit.record(
            "privacy.redact",
            row,
            changes={column: [None, ", ".join(kinds)] for column, kinds in changes.items()},
            object_label=f"{target.table} {row.id}",
        )


def sweep(redact_found: bool = False, organisation: Any = None) -> SweepResult:
    """Run the guard over all guarded columns (of one organisation when given).

    With ``redact_found`` the findings are replaced and the history and index updated
    (articles are only listed: they may name public people).
    """
    result = SweepResult(redact=redact_found, organisation=getattr(organisation, "name", None))
    signal_ids: set[int] = set()
    article_ids: set[int] = set()
    for target in GUARDED:
        model = _model(target.table)
        if organisation is not None and not target.organisation:
            continue  # the change requests of the sociale kaart belong to no organisation
        last_id = None
        while True:
            query = sa.select(model).order_by(model.id).limit(BATCH)
            if last_id is not None:
                query = query.where(model.id > last_id)
            rows = list(db.session.scalars(query))
            if not rows:
                break
            last_id = rows[-1].id
            for row in rows:
                if target.table == "audit_event" and row.object_type not in _SWEPT_TABLES:
                    continue  # accounts and organisations: staff data, not clients'
                if organisation is not None and (
                    _organisation_of(row, target.organisation) != organisation.id
                ):
                    continue
                result.checked += 1
                apply = redact_found and not target.warn_only
                hits = _sweep_row(row, target, apply)
                if not hits:
                    continue
                result.hits.extend(hits)
                if apply:
                    result.redacted += len(hits)
                    _history(row, target, hits)
                    signal_id = _signal_id(row, target)
                    if signal_id is not None:
                        signal_ids.add(signal_id)
                elif target.table == "article":
                    article_ids.add(row.id)
            if redact_found:
                db.session.flush()
    audit.record(
        SWEEP_ACTION,
        object_type="privacy",
        object_label=result.organisation or "alle organisaties",
        organisation_id=getattr(organisation, "id", None),
        # [old, new] pairs, as the audit log shows every change
        changes={key: [None, value] for key, value in result.summary().items()},
    )
    db.session.commit()
    if signal_ids:
        outbox.drain()  # the changes wrote their outbox rows; apply them
        result.reindexed = len(signal_ids)
    return result


def _signal_id(row: Any, target: Guarded) -> int | None:
    if target.table == "signal":
        return row.id
    if target.table == "signal_event":
        return row.signal_id
    return None


def last_sweep() -> tuple[AuditEvent, dict] | None:
    """The audit event of the most recent sweep and its summary, if any."""
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == SWEEP_ACTION)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return None
    return event, {key: pair[1] for key, pair in event.changes.items()}
