"""Counts for the overview, with the same visibility rules as everywhere else.

The overview can be narrowed to a period (``van``/``tot``, registration dates in the
Netherlands) and the client's gemeente; every bar links to the informatiebank search with
the same filters, so the list behind a number is one click away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import url_for
from flask_babel import format_date
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from signalen.auth.models import User
from signalen.core.dates import add_months, local_today, local_zone
from signalen.core.validation import parse_date, parse_id
from signalen.extensions import db
from signalen.signals.access import visible_clause
from signalen.signals.models import Signal, signal_theme
from signalen.taxonomy.models import Agency, Municipality, Theme

BAR_WIDTH = 480
MAX_MONTHS = 36


@dataclass
class Bar:
    label: str
    count: int
    width: float  # in the chart's units, 0..BAR_WIDTH
    url: str = ""  # the matching informatiebank search, when there is one


@dataclass
class Chart:
    title: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return 28 * len(self.bars) + 8


@dataclass
class OverviewFilters:
    """The overview's filters: a period of registration and the client's gemeente."""

    date_from: date | None = None
    date_to: date | None = None
    municipality_id: int | None = None
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> OverviewFilters:
        """Read ``van``, ``tot`` and ``gemeente``; wrong values are dropped and reported."""
        from flask_babel import gettext as _

        filters = cls()
        for name, attribute in (("van", "date_from"), ("tot", "date_to")):
            raw = (args.get(name) or "").strip()[:20]
            if not raw:
                continue
            day = parse_date(raw)
            if day:
                setattr(filters, attribute, day)
            else:
                filters.errors.append(
                    _("De datum '%(value)s' klopt niet (gebruik jjjj-mm-dd).", value=raw)
                )
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            filters.date_from, filters.date_to = filters.date_to, filters.date_from
        raw = (args.get("gemeente") or "").strip()
        if raw:
            number = parse_id(raw)
            if number and db.session.get(Municipality, number):
                filters.municipality_id = number
            else:
                filters.errors.append(_("Deze gemeente kennen we niet; het filter is weggelaten."))
        return filters

    @property
    def is_empty(self) -> bool:
        return not (self.date_from or self.date_to or self.municipality_id)

    def search_args(self) -> dict[str, str]:
        """The same filters as informatiebank arguments."""
        args = {"soort": "knelpunt"}
        if self.date_from:
            args["van"] = self.date_from.isoformat()
        if self.date_to:
            args["tot"] = self.date_to.isoformat()
        if self.municipality_id:
            args["gemeente"] = str(self.municipality_id)
        return args

    def search_url(self, **facet) -> str:
        return url_for("infobank.search", **self.search_args(), **facet)

    def clauses(self) -> list:
        clauses = []
        if self.date_from:
            clauses.append(Signal.created_at >= _day_start(self.date_from))
        if self.date_to:
            clauses.append(Signal.created_at < _day_start(self.date_to + timedelta(days=1)))
        if self.municipality_id:
            clauses.append(Signal.municipality_id == self.municipality_id)
        return clauses


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` in the Netherlands, as UTC (the stored time zone)."""
    return datetime.combine(day, time.min, tzinfo=local_zone()).astimezone(UTC)


def _chart(title: str, rows: list[tuple[str, int, str]]) -> Chart:
    top = max((count for _label, count, _url in rows), default=0) or 1
    return Chart(
        title, [Bar(label, count, BAR_WIDTH * count / top, url) for label, count, url in rows]
    )


def _live(user: User | None, filters: OverviewFilters):
    return (visible_clause(user), Signal.merged_into_id.is_(None), *filters.clauses())


def per_main_theme(user: User | None, filters: OverviewFilters) -> list[tuple[str, int, str]]:
    """Signals per main theme (a signal counts once per main theme)."""
    main_id = func.coalesce(Theme.parent_id, Theme.id)
    query = (
        select(main_id.label("main"), func.count(func.distinct(Signal.id)))
        .select_from(Signal)
        .join(signal_theme, signal_theme.c.signal_id == Signal.id)
        .join(Theme, Theme.id == signal_theme.c.theme_id)
        .where(*_live(user, filters))
        .group_by(main_id)
    )
    counts = dict(db.session.execute(query).all())
    names = dict(db.session.execute(select(Theme.id, Theme.name).where(Theme.id.in_(counts))).all())
    rows = sorted(counts.items(), key=lambda r: (-r[1], names[r[0]]))
    return [(names[i], c, filters.search_url(thema=i)) for i, c in rows]


def per_agency(
    user: User | None, filters: OverviewFilters, limit: int = 12
) -> list[tuple[str, int, str]]:
    query = (
        select(Agency.id, Agency.name, func.count(Signal.id))
        .join(Signal, Signal.agency_id == Agency.id)
        .where(*_live(user, filters))
        .group_by(Agency.id, Agency.name)
        .order_by(func.count(Signal.id).desc(), Agency.name)
        .limit(limit)
    )
    return [
        (name, count, filters.search_url(uitvoerder=agency_id))
        for agency_id, name, count in db.session.execute(query).all()
    ]


def _months(filters: OverviewFilters) -> list[tuple[int, int]]:
    """The months the month chart shows: the chosen period, else the last twelve."""
    last = filters.date_to or local_today()
    first = filters.date_from
    keys = []
    month = last.replace(day=1)
    while len(keys) < (MAX_MONTHS if first else 12):
        keys.append((month.year, month.month))
        if first and month <= first.replace(day=1):
            break
        month = add_months(month, -1)
    keys.reverse()
    return keys


def per_month(user: User | None, filters: OverviewFilters) -> list[tuple[str, int, str]]:
    """New signals per month, oldest first, zeros included."""
    keys = _months(filters)
    start = _day_start(date(*keys[0], 1))
    rows = db.session.execute(
        select(Signal.created_at).where(*_live(user, filters)).where(Signal.created_at >= start)
    ).scalars()
    counts: dict[tuple[int, int], int] = dict.fromkeys(keys, 0)
    zone = local_zone()
    for created in rows:
        local = created.astimezone(zone)
        key = (local.year, local.month)
        if key in counts:
            counts[key] += 1
    return [
        (
            format_date(date(y, m, 1), "MMM yyyy"),
            counts[(y, m)],
            filters.search_url(periode=f"{y:04d}-{m:02d}"),
        )
        for y, m in keys
    ]


def municipalities_with_signals(user: User | None) -> list[tuple[int, str]]:
    """The gemeenten the viewer can filter on: those of visible signals."""
    query = (
        select(Municipality.id, Municipality.name)
        .join(Signal, Signal.municipality_id == Municipality.id)
        .where(visible_clause(user), Signal.merged_into_id.is_(None))
        .group_by(Municipality.id, Municipality.name)
        .order_by(Municipality.name)
    )
    return [(i, name) for i, name in db.session.execute(query).all()]


def overview(user: User | None, filters: OverviewFilters | None = None) -> dict:
    from flask_babel import gettext as _

    filters = filters or OverviewFilters()
    live = _live(user, filters)
    total = db.session.scalar(select(func.count(Signal.id)).where(*live)) or 0
    clients = db.session.scalar(select(func.sum(Signal.report_count)).where(*live)) or 0
    return {
        "total": total,
        "clients": clients,
        "search_url": filters.search_url(),
        "charts": [
            _chart(_("Knelpunten per thema"), per_main_theme(user, filters)),
            _chart(_("Knelpunten per uitvoerder"), per_agency(user, filters)),
            _chart(_("Nieuwe knelpunten per maand"), per_month(user, filters)),
        ],
    }
