"""The signaalradar: which knelpunten rise across organisations, read from the database.

Counts are not secret: every live (not merged) signal counts, weighted by its number of
meldingen, on the date of the knelpunt (``occurred_on``, else the day it was registered); an
"ook gemeld" counts on its own date for its own organisation. Texts keep their visibility
rules: the new words are found only in the signals the viewer may see. The statistics are in
:mod:`signalen.radar.detection`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

import numpy as np
from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from signalen.audit import services as audit
from signalen.auth.models import Role, User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.validation import parse_id
from signalen.extensions import db
from signalen.radar.detection import Settings, WordRise, detect_rises, new_words
from signalen.radar.events import (
    KINDS,
    Window,
    dated_between,
    load_events,
    plain_rows,
    series_matrix,
    sorted_unique,
)
from signalen.radar.models import REASON_MAX_LENGTH, RadarMark, RadarNotice, Verdict
from signalen.signals.access import visible_clause
from signalen.signals.models import Signal
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

KIND_LABELS = {
    "thema": _l("Thema"),
    "subthema": _l("Onderwerp"),
    "uitvoerder": _l("Uitvoerder"),
    "regeling": _l("Regeling"),
    "gemeente": _l("Gemeente"),
    "thema_uitvoerder": _l("Thema bij uitvoerder"),
    "woord": _l("Nieuw woord"),
}
VERDICT_LABELS = {Verdict.KNOWN: _l("Bekend"), Verdict.NO_SIGNAL: _l("Geen signaal")}
AUDIT_ACTIONS = {
    "radar.mark": _l("Signaalradar: stijging gemarkeerd"),
    "radar.withdraw": _l("Signaalradar: markering ingetrokken"),
}
MAX_WEEKS = 13
ALL = "all"  # viewer for the command line: the texts every organisation may see


@dataclass
class Rise:
    """One rise the radar found, ready for pages, feeds, digests and the command line."""

    kind: str
    key: str  # stable: "thema:12", "uitvoerder:3-45", "woord:incassokosten"
    name: str
    recent: int
    expected: float
    organisations: int
    score: float
    q_value: float
    weekly: list[float] = field(default_factory=list)  # baseline + window, oldest first
    search_args: dict[str, str] = field(default_factory=dict)
    updated: datetime | None = None
    mark: RadarMark | None = None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def ratio(self) -> float:
        return self.recent / max(self.expected, 0.5)

    def as_json(self) -> dict:
        return {
            "soort": self.kind,
            "sleutel": self.key,
            "naam": self.name,
            "recent": self.recent,
            "verwacht": round(self.expected, 1),
            "organisaties": self.organisations,
            "score": self.score,
            "q": float(f"{self.q_value:.3g}"),
            "gemarkeerd": self.mark.verdict.value if self.mark else None,
        }


@dataclass
class RadarResult:
    window: Window
    rises: list[Rise]  # not marked, strongest first
    marked: list[Rise]
    series_tested: int
    words_tested: bool

    @property
    def all_rises(self) -> list[Rise]:
        return self.rises + self.marked


def settings_for(weeks: int = 4, baseline_weeks: int = 26) -> Settings:
    return Settings(weeks=weeks, baseline_weeks=baseline_weeks)


# Detection ---------------------------------------------------------------------------------


def detect(
    at: date | None = None,
    weeks: int = 4,
    viewer: User | str | None = None,
    words: bool = True,
    settings: Settings | None = None,
) -> RadarResult:
    """The rises at ``at`` (default today) over the last ``weeks`` weeks.

    ``viewer`` decides which texts the new words come from: a user, ``ALL`` (what every
    organisation may see) or None (the public: no words at all).
    """
    settings = settings or settings_for(weeks)
    window = Window(at or local_today(), settings.weeks, settings.baseline_weeks)
    total_weeks = settings.weeks + settings.baseline_weeks
    events = load_events(window)
    keys = events.keys
    counts, (series_of, event_weeks, event_index) = series_matrix(events, total_weeks)
    window_weeks = event_weeks >= settings.baseline_weeks
    org_count = _distinct_per_series(
        series_of[window_weeks], events.organisation[event_index][window_weeks], len(keys)
    )
    weights = events.weight
    dispersion = float((weights**2).sum() / weights.sum()) if weights.size else 1.0
    totals = np.bincount(events.week, weights=weights, minlength=total_weeks)
    results = detect_rises(counts, totals, org_count, settings, dispersion)
    found = [r for r in results if r.is_rise]
    latest = {  # the last day with a knelpunt, only for the series that rose
        r.index: int(events.day[event_index[series_of == r.index]].max(initial=0)) for r in found
    }
    rises = [
        Rise(
            kind=keys[r.index].split(":", 1)[0],
            key=keys[r.index],
            name="",
            recent=round(r.recent),
            expected=r.expected,
            organisations=r.organisations,
            score=r.score,
            q_value=r.q_value,
            weekly=[float(c) for c in counts[r.index]],
            updated=datetime.combine(
                window.baseline_start + timedelta(days=latest[r.index]), time(12), UTC
            ),
        )
        for r in found
    ]
    if words and viewer is not None:
        rises += _word_rises(window, viewer, settings)
    _name(rises, window)
    return _split_marked(window, rises, len(keys))


def _distinct_per_series(series_of: np.ndarray, organisations: np.ndarray, n: int) -> np.ndarray:
    if series_of.size == 0:
        return np.zeros(n)
    width = int(organisations.max()) + 1
    pairs = sorted_unique(series_of * width + organisations)
    return np.bincount(pairs // width, minlength=n)


# The baseline of the new words is read from at most this many signals (a regular sample by
# id): enough to know how common a word was, and a run stays fast at 100,000 signals.
WORD_BASELINE_SAMPLE = 6_000


def _word_rises(window: Window, viewer: User | str, settings: Settings) -> list[Rise]:
    """New words over the texts the viewer may see."""
    clause = and_(
        Signal.merged_into_id.is_(None),
        Signal.visibility.in_(["netwerk", "openbaar"]) if viewer == ALL else visible_clause(viewer),
    )
    columns = (Signal.id, Signal.organisation_id, Signal.title, Signal.description)
    recent_rows = plain_rows(
        select(*columns).where(
            clause, dated_between(Signal.occurred_on, Signal.created_at, window.start, window.end)
        )
    )
    baseline_end = window.start - timedelta(days=1)
    in_baseline = and_(
        clause,
        dated_between(Signal.occurred_on, Signal.created_at, window.baseline_start, baseline_end),
    )
    size = db.session.scalar(select(func.count(Signal.id)).where(in_baseline)) or 0
    step = max(1, -(-size // WORD_BASELINE_SAMPLE))
    sample = in_baseline if step == 1 else and_(in_baseline, Signal.id % step == 0)
    baseline_rows = plain_rows(select(*columns).where(sample))
    recent = [(id_, org, f"{title}\n{text}") for id_, org, title, text in recent_rows]
    baseline = [(id_, org, f"{title}\n{text}") for id_, org, title, text in baseline_rows]
    found: list[WordRise] = new_words(recent, baseline, settings)
    return [
        Rise(
            kind="woord",
            key=f"woord:{word.term}",
            name=word.term,
            recent=word.recent,
            expected=word.expected,
            organisations=word.organisations,
            score=word.score,
            q_value=word.q_value,
            search_args={"q": f'"{word.term}"' if " " in word.term else word.term},
        )
        for word in found
    ]


def _name(rises: list[Rise], window: Window) -> None:
    """Give every rise its Dutch name and the filters of its search in the informatiebank."""
    ids: dict[str, set[int]] = {"theme": set(), "agency": set(), "scheme": set(), "muni": set()}
    for rise in rises:
        parts = _parts(rise)
        if rise.kind in ("thema", "subthema"):
            ids["theme"].add(parts[0])
        if rise.kind in ("uitvoerder", "thema_uitvoerder"):
            ids["agency"].add(parts[-2])
            ids["muni"].add(parts[-1])
            if rise.kind == "thema_uitvoerder":
                ids["theme"].add(parts[0])
        if rise.kind == "regeling":
            ids["scheme"].add(parts[0])
        if rise.kind == "gemeente":
            ids["muni"].add(parts[0])
    themes = _names(Theme, ids["theme"])
    agencies = _names(Agency, ids["agency"])
    schemes = _names(Scheme, ids["scheme"])
    municipalities = _names(Municipality, ids["muni"])

    def agency_name(agency_id: int, municipality_id: int) -> str:
        name = agencies.get(agency_id, "?")
        municipality = municipalities.get(municipality_id) if municipality_id else None
        return f"{name} {municipality}" if municipality else name

    for rise in rises:
        parts = _parts(rise)
        args: dict[str, str] = {}
        if rise.kind in ("thema", "subthema"):
            rise.name, args = themes.get(parts[0], "?"), {"thema": str(parts[0])}
        elif rise.kind == "uitvoerder":
            rise.name, args = agency_name(*parts), {"uitvoerder": str(parts[0])}
        elif rise.kind == "thema_uitvoerder":
            rise.name = _("%(theme)s bij %(agency)s", theme=themes.get(parts[0], "?"),
                          agency=agency_name(parts[1], parts[2]))  # fmt: skip
            args = {"thema": str(parts[0]), "uitvoerder": str(parts[1])}
        elif rise.kind == "regeling":
            rise.name, args = schemes.get(parts[0], "?"), {"regeling": str(parts[0])}
        elif rise.kind == "gemeente":
            rise.name, args = municipalities.get(parts[0], "?"), {"gemeente": str(parts[0])}
        else:
            args = rise.search_args
        rise.search_args = {
            **args,
            "van": window.start.isoformat(),
            "tot": window.end.isoformat(),
        }


def _parts(rise: Rise) -> list[int]:
    if rise.kind == "woord":
        return []
    return [int(p) for p in rise.key.split(":", 1)[1].split("-")]


def _names(model, ids: Iterable[int]) -> dict[int, str]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _split_marked(window: Window, rises: list[Rise], tested: int) -> RadarResult:
    marks = {
        mark.series_key: mark
        for mark in db.session.scalars(
            select(RadarMark).where(
                RadarMark.window_start == window.start, RadarMark.weeks == window.weeks
            )
        )
    }
    for rise in rises:
        rise.mark = marks.get(rise.key)
    ordered = sorted(rises, key=lambda r: (-r.score, -r.recent, r.key))
    return RadarResult(
        window=window,
        rises=[r for r in ordered if r.mark is None],
        marked=[r for r in ordered if r.mark is not None],
        series_tested=tested,
        words_tested=any(r.kind == "woord" for r in rises),
    )


# Words for people --------------------------------------------------------------------------


def explain(rise: Rise, weeks: int) -> str:
    """One B1 sentence: what rose, how much, from how many organisations, and what is normal."""
    usual = max(round(rise.expected), 0)
    if rise.kind == "woord":
        return ngettext(
            "Het woord “%(name)s” stond de afgelopen %(weeks)d weken in %(num)d knelpunten "
            "van %(orgs)d organisaties; normaal zijn dat er ongeveer %(usual)d.",
            "Het woord “%(name)s” stond de afgelopen %(weeks)d weken in %(num)d knelpunten "
            "van %(orgs)d organisaties; normaal zijn dat er ongeveer %(usual)d.",
            rise.recent,
            name=rise.name,
            weeks=weeks,
            orgs=rise.organisations,
            usual=usual,
        )
    if rise.organisations == 1:
        return ngettext(
            "Over %(name)s kwam de afgelopen %(weeks)d weken %(num)d melding binnen van één "
            "organisatie; normaal zijn dat er ongeveer %(usual)d.",
            "Over %(name)s kwamen de afgelopen %(weeks)d weken %(num)d meldingen binnen van één "
            "organisatie; normaal zijn dat er ongeveer %(usual)d.",
            rise.recent,
            name=rise.name,
            weeks=weeks,
            usual=usual,
        )
    return ngettext(
        "Over %(name)s kwam de afgelopen %(weeks)d weken %(num)d melding binnen van "
        "%(orgs)d organisaties; normaal zijn dat er ongeveer %(usual)d.",
        "Over %(name)s kwamen de afgelopen %(weeks)d weken %(num)d meldingen binnen van "
        "%(orgs)d organisaties; normaal zijn dat er ongeveer %(usual)d.",
        rise.recent,
        name=rise.name,
        weeks=weeks,
        orgs=rise.organisations,
        usual=usual,
    )


def search_url(rise: Rise, external: bool = False) -> str:
    return url_for("infobank.search", _external=external) + "?" + urlencode(rise.search_args)


SPARK_WIDTH, SPARK_HEIGHT = 120, 28


@dataclass
class Sparkline:
    points: str  # for <polyline points="…">
    window_x: float  # where the recent window starts
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def sparkline(rise: Rise, weeks: int) -> Sparkline | None:
    """An SVG polyline of the meldingen per week (baseline, then the window)."""
    values = rise.weekly
    if len(values) < 2:
        return None
    top = max(values) or 1
    step = SPARK_WIDTH / (len(values) - 1)
    points = " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - 2 - (v / top) * (SPARK_HEIGHT - 4):.1f}"
        for i, v in enumerate(values)
    )
    return Sparkline(points=points, window_x=round((len(values) - weeks - 0.5) * step, 1))


def window_label(window: Window) -> str:
    return _(
        "%(start)s tot en met %(end)s",
        start=format_date(window.start, "d MMMM yyyy"),
        end=format_date(window.end, "d MMMM yyyy"),
    )


# Marks -------------------------------------------------------------------------------------


def can_mark(user: User | None) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in (Role.COORDINATOR, Role.ADMINISTRATOR)
    )


def can_view_full(user: User | None) -> bool:
    """Coordinators, lezers and beheerders see the full radar (with new words)."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in (Role.COORDINATOR, Role.READER, Role.ADMINISTRATOR)
    )


def mark(
    user: User, series_key: str, window_start: date, weeks: int, verdict: Verdict, reason: str
) -> RadarMark:
    """Mark a rise as bekend / geen signaal for its window (privacy-checked reason, audited)."""
    from signalen.privacy.services import find_personal_data

    if not can_mark(user):
        raise ServiceError(_l("Alleen een coördinator kan een stijging markeren."))
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(_l("Schrijf kort waarom."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ServiceError(
            _l("De reden is te lang (hoogstens %(max)d tekens).", max=REASON_MAX_LENGTH),
            field="reason",
        )
    if find_personal_data(reason):
        raise ServiceError(
            _l("De reden bevat persoonsgegevens. Haal ze weg en probeer het opnieuw."),
            field="reason",
        )
    existing = db.session.scalar(
        select(RadarMark).where(
            RadarMark.series_key == series_key,
            RadarMark.window_start == window_start,
            RadarMark.weeks == weeks,
        )
    )
    if existing is not None:
        raise ServiceError(_l("Deze stijging is al gemarkeerd."))
    entry = RadarMark(
        series_key=series_key,
        window_start=window_start,
        weeks=weeks,
        verdict=verdict,
        reason=reason,
        user_id=user.id,
        organisation_id=user.organisation_id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "radar.mark",
        entry,
        changes={
            "reeks": series_key,
            "venster": f"{window_start.isoformat()}/{weeks}",
            "oordeel": verdict.value,
            "reden": reason,
        },
        actor=user,
        organisation_id=user.organisation_id,
        object_type="radar_mark",
        object_label=series_key,
    )
    db.session.commit()
    return entry


def withdraw(user: User, entry: RadarMark) -> None:
    """Withdraw a mark: the radar warns about the rise in its window again (audited)."""
    if not can_mark(user):
        raise ServiceError(_l("Alleen een coördinator kan een markering intrekken."))
    audit.record(
        "radar.withdraw",
        entry,
        changes={
            "reeks": entry.series_key,
            "venster": f"{entry.window_start.isoformat()}/{entry.weeks}",
            "oordeel": entry.verdict.value,
            "reden": entry.reason,
        },
        actor=user,
        organisation_id=user.organisation_id,
        object_type="radar_mark",
        object_label=entry.series_key,
    )
    db.session.delete(entry)
    db.session.commit()


def window_end(entry: RadarMark) -> date:
    """The last day of a mark's window (the radar shows the same window at that date)."""
    return min(entry.window_start + timedelta(weeks=entry.weeks, days=-1), local_today())


def parse_key(raw: str) -> str | None:
    """A series key from a form, or None when it is not one the radar makes."""
    kind, _sep, rest = (raw or "").partition(":")
    if kind not in KINDS or not rest or len(raw) > 200:
        return None
    if kind == "woord":
        return raw if all(p.isalpha() for p in rest.split(" ")) and rest.count(" ") <= 1 else None
    return raw if all(parse_id(part) for part in rest.split("-")) else None


# Digest ------------------------------------------------------------------------------------


def digest_figures(period_end: date, weeks: int = 4, limit: int = 10) -> list[dict]:
    """ "Wat opvalt" at the end of a digest's period: counts only, for the public too."""
    result = detect(period_end, weeks, viewer=None, words=False)
    return [
        {**rise.as_json(), "zin": explain(rise, weeks), "weken": weeks}
        for rise in result.rises[:limit]
    ]


# Notifications -----------------------------------------------------------------------------

# How far back a late notification run still looks for windows it has not announced.
NOTICE_MAX_WEEKS = 4


@dataclass
class RiseNotice:
    """A rise to announce to coordinators, once per rise and window."""

    id: str  # stable: "signaalradar/<series>/<window start>/<weeks>"
    rise: Rise
    window: Window
    sentence: str


def new_rises_for_notification(
    since: date, weeks: int = 4, today: date | None = None
) -> list[RiseNotice]:
    """The rises coordinators have not been told about: found in a window that ended (or is
    still running) on or after ``since`` (the previous run; at most ``NOTICE_MAX_WEEKS``
    back), not marked "bekend" or "geen signaal", and not announced before
    (:func:`record_notified`) in an overlapping window. Counts and the new words of the
    network's texts, which every coordinator may see; each series once (in its latest
    window); rises of categories before new words, the strongest first within each.

    A window is whole ISO weeks ending at a date; the radar is run at today and at every
    Sunday since ``since``, so a rise in a week that ended between two runs is not missed.
    """
    today = today or local_today()
    since_day = since.date() if isinstance(since, datetime) else since
    since_day = max(since_day, today - timedelta(weeks=NOTICE_MAX_WEEKS))
    ends = {today}
    sunday = since_day + timedelta(days=6 - since_day.weekday())
    while sunday < today:
        ends.add(sunday)
        sunday += timedelta(weeks=1)
    # When a series was announced, its later windows that overlap that one are the same rise.
    announced_until: dict[str, date] = {}
    for notice in db.session.scalars(
        select(RadarNotice).where(RadarNotice.window_start >= min(ends) - timedelta(weeks=13))
    ):
        window_end = notice.window_start + timedelta(weeks=notice.weeks)
        announced_until[notice.series_key] = max(
            window_end, announced_until.get(notice.series_key, window_end)
        )
    latest: dict[str, RiseNotice] = {}
    for end in sorted(ends):
        result = detect(end, weeks, viewer=ALL)
        window = result.window
        for rise in result.rises:
            if window.start < announced_until.get(rise.key, window.start):
                continue
            notice_id = f"signaalradar/{rise.key}/{window.key}"
            latest[rise.key] = RiseNotice(notice_id, rise, window, explain(rise, weeks))
    # Rises of a theme, agency, scheme or gemeente first (one can act on them), new words
    # after them; the strongest first within each.
    return sorted(latest.values(), key=lambda n: (n.rise.kind == "woord", -n.rise.score, n.id))


def record_notified(notices: Iterable[RiseNotice]) -> list[RadarNotice]:
    """Remember that these rises were announced, in the caller's transaction (commit it
    together with the notifications); returns the stored rows, in the same order."""
    rows = [
        RadarNotice(
            series_key=notice.rise.key,
            window_start=notice.window.start,
            weeks=notice.window.weeks,
        )
        for notice in notices
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows
