"""The signaalradar's counts, read from the database: the windows, every signal and "ook
gemeld" in a period with the series it belongs to, and the weekly counts per series (all in
numpy; the covering index ``ix_signal_radar`` serves the reads).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import String, and_, case, cast, or_, select

from signalen.core.dates import local_today
from signalen.extensions import db
from signalen.signals.models import Signal, SignalReport, signal_scheme, signal_theme
from signalen.taxonomy.models import Theme

KINDS = ("thema", "subthema", "uitvoerder", "regeling", "gemeente", "thema_uitvoerder", "woord")


@dataclass
class Window:
    """The recent window (``start`` .. ``end``, whole ISO weeks, the last may be running) and
    its baseline (``baseline_weeks`` whole weeks just before it)."""

    end: date
    weeks: int
    baseline_weeks: int

    @property
    def start(self) -> date:
        monday = self.end - timedelta(days=self.end.weekday())
        return monday - timedelta(weeks=self.weeks - 1)

    @property
    def baseline_start(self) -> date:
        return self.start - timedelta(weeks=self.baseline_weeks)

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}/{self.weeks}"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def dated_between(dated, created, start: date, end: date):
    """The knelpunt's date (``dated``, else the registration moment) lies in start..end."""
    return or_(
        and_(dated >= start, dated <= end),
        and_(
            dated.is_(None),
            created >= _start_of(start),
            created < _start_of(end + timedelta(days=1)),
        ),
    )


@dataclass
class Events:
    """What counts in the radar's period: one row per signal or "ook gemeld", and which
    series each signal belongs to (as pairs of positions)."""

    week: np.ndarray  # week number, 0 = first baseline week
    weight: np.ndarray  # meldingen
    organisation: np.ndarray  # organisation id
    signal: np.ndarray  # position of the signal
    day: np.ndarray  # day number, 0 = first baseline day
    keys: list[str]  # the series
    member_signal: np.ndarray  # pairs: signal position ...
    member_series: np.ndarray  # ... belongs to series (index in keys)


# Series are numbered as kind * KIND_STEP + value while they are built (all in numpy).
KIND_STEP = 2**50
AGENCY_STEP = 2**16  # uitvoerder value: agency * AGENCY_STEP + gemeente of the agency
THEME_STEP = 2**32  # thema_uitvoerder value: main theme * THEME_STEP + uitvoerder value
SERIES_KINDS = KINDS[:-1]  # every kind but "woord"


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by sorting: numpy 2 finds plain unique values with a hash
    table, which is many times slower on the few hundred thousand integers here."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def plain_rows(statement) -> list[tuple]:
    """The plain tuples of the database driver for a Core statement: SQLAlchemy's rows and
    result processing cost about a second per 100,000 rows, more than the query. Values come
    as the driver gives them (see :func:`_iso_date` and :func:`_moment`)."""
    result = db.session.connection().execute(statement)
    try:
        if result.cursor is None:
            return []
        return typing.cast(list[tuple], result.cursor.fetchall())
    finally:
        result.close()


def _moment(value: datetime | str) -> datetime:
    """A UTC moment as the driver gives it: a datetime (PostgreSQL) or ISO text (SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _ints(values, default: int = 0) -> np.ndarray:
    try:  # fast when there are no empty values
        return np.asarray(values, dtype=np.int64)
    except TypeError:
        pass
    return np.asarray([default if v is None else v for v in values], dtype=np.int64)


def _iso_date(column):
    """A date column read as ISO text (``YYYY-MM-DD``) on SQLite and PostgreSQL alike: numpy
    parses a column of those at once, where date objects cost a Python call per row."""
    return cast(column, String)


def _day_numbers(dated, created, start: date) -> np.ndarray:
    """Day numbers (0 = ``start``) of ISO dates; where a date is empty, of the local date of
    the registration moment in ``created``."""
    days = np.asarray(dated, dtype="datetime64[D]")
    empty = np.flatnonzero(np.isnat(days))
    if empty.size:
        days[empty] = [local_today(_moment(created[i])) for i in empty]
    return (days - np.datetime64(start, "D")).astype(np.int64)


def _registered_if_undated(model):
    """The registration moment, read only where the knelpunt has no date of its own (a
    moment costs more to read than a date)."""
    return case((model.occurred_on.is_(None), model.created_at), else_=None)


def load_events(window: Window) -> Events:
    """The signals and "ook gemeld" reports of the baseline and window, with their series."""
    start, end = window.baseline_start, window.end
    report_dated = dated_between(SignalReport.occurred_on, SignalReport.created_at, start, end)
    wanted = and_(
        Signal.merged_into_id.is_(None),
        or_(
            dated_between(Signal.occurred_on, Signal.created_at, start, end),
            Signal.id.in_(select(SignalReport.signal_id).where(report_dated)),
        ),
    )
    ids_query = select(Signal.id).where(wanted)
    rows = plain_rows(
        select(
            Signal.id,
            _iso_date(Signal.occurred_on),
            _registered_if_undated(Signal),
            Signal.report_count,
            Signal.organisation_id,
            Signal.agency_id,
            Signal.agency_municipality_id,
            Signal.municipality_id,
        ).where(wanted)
    )
    columns = list(zip(*rows, strict=True)) if rows else [()] * 8
    ids = _ints(columns[0])
    order = np.argsort(ids)

    def positions(signal_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not ids.size:
            return np.zeros(0, dtype=np.int64), np.zeros(signal_ids.size, dtype=bool)
        found = np.searchsorted(ids, signal_ids, sorter=order)
        found = np.minimum(found, ids.size - 1)
        valid = ids[order[found]] == signal_ids
        return order[found[valid]], valid

    def pairs(table, column) -> tuple[np.ndarray, np.ndarray]:
        linked = plain_rows(
            select(table.c.signal_id, column).where(table.c.signal_id.in_(ids_query))
        )
        signal_ids, values = (
            (_ints(c) for c in zip(*linked, strict=True))
            if linked
            else (
                np.zeros(0, dtype=np.int64),
                np.zeros(0, dtype=np.int64),
            )
        )
        pos, valid = positions(signal_ids)
        return pos, values[valid]

    theme_pos, theme_ids = pairs(signal_theme, signal_theme.c.theme_id)
    scheme_pos, scheme_ids = pairs(signal_scheme, signal_scheme.c.scheme_id)
    parents = db.session.execute(select(Theme.id, Theme.parent_id)).all()
    parent_of = np.zeros(max((t for t, _p in parents), default=0) + 1, dtype=np.int64)
    for theme_id, parent_id in parents:
        parent_of[theme_id] = parent_id or 0
    parent = parent_of[theme_ids] if theme_ids.size else theme_ids
    main = np.where(parent > 0, parent, theme_ids)
    agency = _ints(columns[5])
    agency_value = agency * AGENCY_STEP + _ints(columns[6])
    municipality = _ints(columns[7])
    everyone = np.arange(ids.size, dtype=np.int64)
    has_agency, has_municipality, is_sub = agency > 0, municipality > 0, parent > 0
    kind = {name: number * KIND_STEP for number, name in enumerate(SERIES_KINDS)}
    member_pos = np.concatenate(
        [
            theme_pos,
            theme_pos[is_sub],
            everyone[has_agency],
            scheme_pos,
            everyone[has_municipality],
            theme_pos[has_agency[theme_pos]] if ids.size else theme_pos,
        ]
    )
    member_code = np.concatenate(
        [
            kind["thema"] + main,
            kind["subthema"] + theme_ids[is_sub],
            kind["uitvoerder"] + agency_value[has_agency],
            kind["regeling"] + scheme_ids,
            kind["gemeente"] + municipality[has_municipality],
            kind["thema_uitvoerder"]
            + main[has_agency[theme_pos]] * THEME_STEP
            + agency_value[theme_pos][has_agency[theme_pos]]
            if ids.size
            else theme_ids,
        ]
    )
    codes, series = np.unique(member_code, return_inverse=True)
    unique_pairs = sorted_unique(member_pos * max(codes.size, 1) + series)
    member_signal, member_series = np.divmod(unique_pairs, max(codes.size, 1))

    reports = plain_rows(
        select(
            SignalReport.signal_id,
            _iso_date(SignalReport.occurred_on),
            _registered_if_undated(SignalReport),
            SignalReport.client_count,
            SignalReport.organisation_id,
        ).where(SignalReport.signal_id.in_(ids_query))
    )
    report_columns = list(zip(*reports, strict=True)) if reports else [()] * 5
    report_pos, valid = positions(_ints(report_columns[0]))
    report_weight = _ints(report_columns[3])[valid]
    reported = np.bincount(report_pos, weights=report_weight, minlength=ids.size)
    base = np.maximum(_ints(columns[3]) - reported, 1)
    report_days = _day_numbers(report_columns[1], report_columns[2], start)[valid]
    days = np.concatenate([_day_numbers(columns[1], columns[2], start), report_days])
    weight = np.concatenate([base, report_weight]).astype(float)
    organisation = np.concatenate([_ints(columns[4]), _ints(report_columns[4])[valid]])
    signal = np.concatenate([everyone, report_pos])
    keep = (days >= 0) & (days <= (end - start).days) & (weight > 0)
    return Events(
        week=days[keep] // 7,
        weight=weight[keep],
        organisation=organisation[keep],
        signal=signal[keep],
        day=days[keep],
        keys=[_key(int(code)) for code in codes],
        member_signal=member_signal,
        member_series=member_series,
    )


def _key(code: int) -> str:
    """The stable text key of a numbered series: "thema:12", "uitvoerder:3-45", …"""
    kind, value = divmod(code, KIND_STEP)
    name = SERIES_KINDS[kind]
    if name == "uitvoerder":
        return f"{name}:{value // AGENCY_STEP}-{value % AGENCY_STEP}"
    if name == "thema_uitvoerder":
        theme, agency = divmod(value, THEME_STEP)
        return f"{name}:{theme}-{agency // AGENCY_STEP}-{agency % AGENCY_STEP}"
    return f"{name}:{value}"


def series_matrix(events: Events, total_weeks: int) -> tuple[np.ndarray, tuple]:
    """Weekly meldingen per series (series × weeks), plus per (series, event) pair its
    series, week and event (to count organisations and find the latest registration)."""
    n_series = len(events.keys)
    empty = np.zeros(0, dtype=np.int64)
    if not n_series or events.week.size == 0:
        return np.zeros((n_series, total_weeks)), (empty, empty, empty)
    n_signals = int(max(events.member_signal.max(), events.signal.max())) + 1
    per_signal = np.bincount(events.member_signal, minlength=n_signals)
    offsets = np.concatenate([[0], np.cumsum(per_signal)[:-1]])
    repeats = per_signal[events.signal]
    event_index = np.repeat(np.arange(events.signal.size), repeats)
    within = np.arange(event_index.size) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    series_of = events.member_series[offsets[events.signal[event_index]] + within]
    weeks = events.week[event_index]
    counts = np.bincount(
        series_of * total_weeks + weeks,
        weights=events.weight[event_index],
        minlength=n_series * total_weeks,
    ).reshape(n_series, total_weeks)
    return counts, (series_of, weeks, event_index)
