"""Counts for the overview, with the same visibility rules as everywhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import format_date
from sqlalchemy import func, select

from signalen.auth.models import User
from signalen.core.dates import local_today
from signalen.extensions import db
from signalen.signals.access import visible_clause
from signalen.signals.models import Signal, signal_theme
from signalen.taxonomy.models import Agency, Theme

BAR_WIDTH = 480


@dataclass
class Bar:
    label: str
    count: int
    width: float  # in the chart's units, 0..BAR_WIDTH


@dataclass
class Chart:
    title: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return 28 * len(self.bars) + 8


def _chart(title: str, rows: list[tuple[str, int]]) -> Chart:
    top = max((count for _label, count in rows), default=0) or 1
    return Chart(title, [Bar(label, count, BAR_WIDTH * count / top) for label, count in rows])


def _live(user: User | None):
    return (visible_clause(user), Signal.merged_into_id.is_(None))


def per_main_theme(user: User | None) -> list[tuple[str, int]]:
    """Signals per main theme (a signal counts once per main theme)."""
    main_id = func.coalesce(Theme.parent_id, Theme.id)
    query = (
        select(main_id.label("main"), func.count(func.distinct(Signal.id)))
        .select_from(Signal)
        .join(signal_theme, signal_theme.c.signal_id == Signal.id)
        .join(Theme, Theme.id == signal_theme.c.theme_id)
        .where(*_live(user))
        .group_by(main_id)
    )
    counts = dict(db.session.execute(query).all())
    names = dict(db.session.execute(select(Theme.id, Theme.name).where(Theme.id.in_(counts))).all())
    return sorted(((names[i], c) for i, c in counts.items()), key=lambda r: -r[1])


def per_agency(user: User | None, limit: int = 12) -> list[tuple[str, int]]:
    query = (
        select(Agency.name, func.count(Signal.id))
        .join(Signal, Signal.agency_id == Agency.id)
        .where(*_live(user))
        .group_by(Agency.name)
        .order_by(func.count(Signal.id).desc())
        .limit(limit)
    )
    return [(name, count) for name, count in db.session.execute(query).all()]


def per_month(user: User | None, months: int = 12) -> list[tuple[str, int]]:
    """New signals per month over the last ``months`` months, oldest first, zeros included."""
    today = local_today()
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    keys.reverse()
    start = datetime(*keys[0], 1, tzinfo=UTC)
    rows = db.session.execute(
        select(Signal.created_at).where(*_live(user)).where(Signal.created_at >= start)
    ).scalars()
    counts: dict[tuple[int, int], int] = dict.fromkeys(keys, 0)
    for created in rows:
        key = (created.year, created.month)
        if key in counts:
            counts[key] += 1
    return [(format_date(date(y, m, 1), "MMM yyyy"), counts[(y, m)]) for y, m in keys]


def overview(user: User | None) -> dict[str, Chart]:
    from flask_babel import gettext as _

    total = db.session.scalar(select(func.count(Signal.id)).where(*_live(user))) or 0
    clients = db.session.scalar(select(func.sum(Signal.report_count)).where(*_live(user))) or 0
    return {
        "total": total,
        "clients": clients,
        "charts": [
            _chart(_("Knelpunten per thema"), per_main_theme(user)),
            _chart(_("Knelpunten per uitvoerder"), per_agency(user)),
            _chart(_("Nieuwe knelpunten per maand"), per_month(user)),
        ],
    }
