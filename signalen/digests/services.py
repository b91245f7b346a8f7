"""Digests: compute a period's figures with SQL aggregates, draft, publish, correct.

The figures are stored in the digest as JSON. Publishing freezes them: a published digest
never changes; a correction is a new version (``supersedes_id``) with a change note.
Only signals that are openbaar (and approved) ever appear with their text; counts include all.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select

from signalen.audit.services import record
from signalen.auth.models import Role, User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.validation import DATE_MAX, DATE_MIN, clean_line, clean_text
from signalen.digests.models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Digest,
    DigestStatus,
)
from signalen.extensions import db
from signalen.privacy.services import check_fields
from signalen.signals import access
from signalen.signals.models import (
    Signal,
    Status,
    Visibility,
    signal_scheme,
    signal_theme,
)
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

AUDIT_ACTIONS = {
    "digest.create": _l("Rapportage gemaakt"),
    "digest.publish": _l("Rapportage gepubliceerd"),
    "digest.correct": _l("Correctie van een rapportage gemaakt"),
    "digest.delete": _l("Concept-rapportage verwijderd"),
}

FIGURES_VERSION = 1
MAX_PERIOD_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)
BREAKDOWN_ROWS = 25
TOP_SIGNALS = 10
DISCUSSED_LIST = 20

# The sections of a digest, in order; each can have a coordinator's remark.
SECTIONS: dict[str, Any] = {
    "totals": _l("Nieuwe knelpunten"),
    "themes": _l("Per thema"),
    "agencies": _l("Per uitvoerder"),
    "schemes": _l("Per regeling"),
    "municipalities": _l("Per gemeente"),
    "top": _l("Meest gemelde knelpunten"),
    "followup": _l("Wat er gebeurde met eerder besproken knelpunten"),
    "referrals": _l("Doorverwijzingen"),
}
BREAKDOWNS = ("themes", "agencies", "schemes", "municipalities")


# Periods ---------------------------------------------------------------------------------


PERIOD_PATTERN = re.compile(r"^([0-9]{4})(?:-(Q[1-4]|H[12]|[0-9]{2}))?$", re.IGNORECASE)
_MONTHS_PER_PART = {"Q": 3, "H": 6, "Y": 12}


@dataclass(frozen=True)
class Period:
    """An inclusive date range with the label it was asked for by."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one.

        A quarter, half year, month or year is compared with the one before it (Q3 with Q2);
        a free period with the same number of days just before it.
        """
        end = self.start - timedelta(days=1)
        match = PERIOD_PATTERN.match(self.label)
        if match:
            months = _MONTHS_PER_PART.get((match.group(2) or "Y")[0].upper(), 1)
            year, month = self.start.year, self.start.month - months
            while month < 1:
                year, month = year - 1, month + 12
            return Period(date(year, month, 1), end, "")
        return Period(end - timedelta(days=self.days - 1), end, "")


def parse_period(text: str) -> Period:
    """Read ``YYYY-Qn``, ``YYYY-Hn``, ``YYYY-MM`` or ``YYYY`` into a :class:`Period`."""
    match = PERIOD_PATTERN.match((text or "").strip())
    if not match or not DATE_MIN.year <= int(match.group(1)) <= DATE_MAX.year:
        raise ServiceError(
            _l("Geef de periode als jjjj-Qn, jjjj-Hn of jjjj-mm, bijvoorbeeld 2026-Q3."),
            field="period",
        )
    year, part = int(match.group(1)), (match.group(2) or "").upper()
    if part.startswith("Q"):
        quarter = int(part[1])
        start = date(year, 3 * quarter - 2, 1)
        end_month = 3 * quarter
    elif part.startswith("H"):
        half = int(part[1])
        start = date(year, 6 * half - 5, 1)
        end_month = 6 * half
    elif part:
        month = int(part)
        if not 1 <= month <= 12:
            raise ServiceError(_l("Die maand bestaat niet."), field="period")
        start = date(year, month, 1)
        end_month = month
    else:
        start, end_month = date(year, 1, 1), 12
    end = date(year, end_month, calendar.monthrange(year, end_month)[1])
    label = f"{year}-{part}" if part else str(year)
    return _checked(Period(start, end, label))


# ``signalen digest create --last …``: the last complete period of this kind before today.
LAST_PERIODS = ("maand", "kwartaal", "halfjaar")


def last_complete_period(kind: str, today: date) -> Period:
    """The last month, quarter or half year that ended before ``today`` (for cron)."""
    months = {"maand": 1, "kwartaal": 3, "halfjaar": 6}[kind]
    part = (today.month - 1) // months  # the current part of the year, from 0
    year, number = (today.year - 1, 12 // months) if part == 0 else (today.year, part)
    if kind == "maand":
        return parse_period(f"{year}-{number:02d}")
    return parse_period(f"{year}-{'Q' if kind == 'kwartaal' else 'H'}{number}")


def period_between(start: date | None, end: date | None) -> Period:
    """A free period from ``start`` to ``end`` (both included)."""
    if start is None or end is None:
        raise ServiceError(_l("Geef een begin- en een einddatum."), field="period")
    if end < start:
        raise ServiceError(_l("De einddatum ligt voor de begindatum."), field="period")
    return _checked(Period(start, end, f"{start.isoformat()}/{end.isoformat()}"))


def _checked(period: Period) -> Period:
    if period.start < EARLIEST:
        raise ServiceError(_l("De periode ligt te ver in het verleden."), field="period")
    if period.start > local_today():
        raise ServiceError(_l("De periode is nog niet begonnen."), field="period")
    if period.days > MAX_PERIOD_DAYS:
        raise ServiceError(_l("Kies een periode van hoogstens drie jaar."), field="period")
    return period


def period_title(period: Period) -> str:
    """A readable name for the period: "3e kwartaal 2026", "juli 2026", …"""
    label = period.label
    if re.fullmatch(r"\d{4}-Q[1-4]", label):
        return _("%(n)se kwartaal %(year)s", n=label[-1], year=label[:4])
    if re.fullmatch(r"\d{4}-H[12]", label):
        return _("%(n)se halfjaar %(year)s", n=label[-1], year=label[:4])
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return format_date(period.start, "MMMM yyyy")
    if re.fullmatch(r"\d{4}", label):
        return label
    return _(
        "%(start)s t/m %(end)s",
        start=format_date(period.start, "d MMMM yyyy"),
        end=format_date(period.end, "d MMMM yyyy"),
    )


def _bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as [start, end) moments: its days in the site's time zone (Europe/Amsterdam)."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# Figures -----------------------------------------------------------------------------------


def _public_clause():
    return and_(Signal.visibility == Visibility.PUBLIC, Signal.public_approved_at.is_not(None))


def compute_figures(period: Period) -> dict[str, Any]:
    """All figures of a digest over ``period`` (and the period before it), as plain JSON.

    Counts include every signal (not merged away); text (titles) only of openbaar signals.
    Everything is computed with SQL aggregates, so it stays fast on large databases.
    """
    previous = period.previous()
    start, end = _bounds(period)
    prev_start, _prev_end = _bounds(previous)
    now = case((Signal.created_at >= start, 1), else_=0)

    # One pass over the signal table: counts per (agency, gemeente, this/previous period).
    rows = db.session.execute(
        select(
            Signal.agency_id,
            Signal.municipality_id,
            now,
            func.count(Signal.id),
            func.coalesce(func.sum(Signal.report_count), 0),
            func.count(case((_public_clause(), Signal.id))),
        )
        .where(
            Signal.created_at >= prev_start,
            Signal.created_at < end,
            Signal.merged_into_id.is_(None),
        )
        .group_by(Signal.agency_id, Signal.municipality_id, now)
    ).all()
    totals = dict.fromkeys(
        ("signals", "clients", "previous_signals", "previous_clients", "public_signals"), 0
    )
    agencies: dict[int, list[int]] = {}
    municipalities: dict[int, list[int]] = {}
    for agency_id, municipality_id, current, count, clients, public in rows:
        column = 0 if current else 1
        prefix = "" if current else "previous_"
        totals[f"{prefix}signals"] += int(count)
        totals[f"{prefix}clients"] += int(clients)
        if current:
            totals["public_signals"] += int(public)
        for key, target in ((agency_id, agencies), (municipality_id, municipalities)):
            if key is not None:
                target.setdefault(key, [0, 0])[column] += int(count)
    figures: dict[str, Any] = {
        "version": FIGURES_VERSION,
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "previous": {"start": previous.start.isoformat(), "end": previous.end.isoformat()},
        "totals": totals,
    }

    # Themes and schemes: the window's signal ids come from the created_at index alone.
    window = (
        select(Signal.id.label("id"), now.label("now"))
        .where(Signal.created_at >= prev_start, Signal.created_at < end)
        .subquery()
    )
    merged = select(Signal.id).where(Signal.merged_into_id.is_not(None))

    def link_counts(link, key_column, *joins) -> list[tuple[Any, int, int]]:
        query = (
            select(
                key_column,
                func.count(func.distinct(case((window.c.now == 1, link.c.signal_id)))),
                func.count(func.distinct(case((window.c.now == 0, link.c.signal_id)))),
            )
            .select_from(window)
            .join(link, link.c.signal_id == window.c.id)
        )
        for target, condition in joins:
            query = query.join(target, condition)
        query = query.where(link.c.signal_id.not_in(merged)).group_by(key_column)
        return [(key, int(a), int(b)) for key, a, b in db.session.execute(query)]

    main_theme = func.coalesce(Theme.parent_id, Theme.id)
    figures["themes"] = _breakdown(
        link_counts(signal_theme, main_theme, (Theme, Theme.id == signal_theme.c.theme_id)),
        Theme,
    )
    figures["agencies"] = _breakdown([(k, a, b) for k, (a, b) in agencies.items()], Agency)
    figures["schemes"] = _breakdown(link_counts(signal_scheme, signal_scheme.c.scheme_id), Scheme)
    figures["municipalities"] = _breakdown(
        [(k, a, b) for k, (a, b) in municipalities.items()], Municipality
    )
    figures["top"] = _top_signals(start, end)
    figures["followup"] = _followup(period)
    figures["referrals"] = _referral_figures(period)
    figures["opvallend"] = _radar_figures(period)
    return figures


def _radar_figures(period: Period) -> list[dict[str, Any]]:
    """ "Wat opvalt": what the signaalradar saw rising at the end of the period (counts only)."""
    from signalen.core.dates import local_today
    from signalen.radar.services import digest_figures

    return digest_figures(min(period.end, local_today()))


def _breakdown(rows: list[tuple[Any, int, int]], model) -> list[dict[str, Any]]:
    """Rows sorted by count, named, cut at BREAKDOWN_ROWS with the rest as "overige"."""
    rows = [row for row in rows if row[1] or row[2]]
    rows.sort(key=lambda row: (-row[1], -row[2]))
    shown, rest = rows[:BREAKDOWN_ROWS], rows[BREAKDOWN_ROWS:]
    ids = [row[0] for row in shown]
    names = dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())
    result = [
        {"label": names.get(key, "?"), "count": now, "previous": before}
        for key, now, before in shown
    ]
    if rest:
        result.append(
            {
                "label": _("Overige (%(count)d)", count=len(rest)),
                "count": sum(row[1] for row in rest),
                "previous": sum(row[2] for row in rest),
                "other": True,
            }
        )
    return result


def _top_signals(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The most reported knelpunten registered in the period; text only when openbaar."""
    rows = db.session.execute(
        select(
            Signal.id,
            Signal.title,
            Signal.report_count,
            Signal.status,
            Agency.name,
            case((_public_clause(), True), else_=False),
        )
        .outerjoin(Agency, Agency.id == Signal.agency_id)
        .where(
            Signal.created_at >= start,
            Signal.created_at < end,
            Signal.merged_into_id.is_(None),
        )
        .order_by(Signal.report_count.desc(), Signal.id)
        .limit(TOP_SIGNALS)
    ).all()
    themes = _main_theme_names([row[0] for row in rows])
    return [
        {
            "id": signal_id if public else None,
            "title": title if public else None,
            "public": bool(public),
            "reports": int(reports),
            "status": status.value,
            "agency": agency or "",
            "themes": themes.get(signal_id, []),
        }
        for signal_id, title, reports, status, agency, public in rows
    ]


def _main_theme_names(signal_ids: list[int]) -> dict[int, list[str]]:
    if not signal_ids:
        return {}
    main_theme = func.coalesce(Theme.parent_id, Theme.id)
    rows = db.session.execute(
        select(signal_theme.c.signal_id, main_theme)
        .join(Theme, Theme.id == signal_theme.c.theme_id)
        .where(signal_theme.c.signal_id.in_(signal_ids))
        .distinct()
    ).all()
    names = dict(
        db.session.execute(
            select(Theme.id, Theme.name).where(Theme.id.in_({row[1] for row in rows}))
        ).all()
    )
    result: dict[int, list[str]] = {}
    for signal_id, theme_id in rows:
        result.setdefault(signal_id, []).append(names.get(theme_id, "?"))
    return {key: sorted(value) for key, value in result.items()}


def _followup(period: Period) -> dict[str, Any]:
    """Signals discussed in meetings up to the end of the period: where they are now."""
    from signalen.meetings.models import Agreement, Meeting, MeetingItem

    discussed = (
        select(MeetingItem.signal_id)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(
            MeetingItem.signal_id.is_not(None),
            MeetingItem.discussed_at.is_not(None),
            Meeting.held_on <= period.end,
        )
        .distinct()
    )
    by_status = dict(
        db.session.execute(
            select(Signal.status, func.count(Signal.id))
            .where(Signal.id.in_(discussed))
            .group_by(Signal.status)
        ).all()
    )
    meetings_in_period = db.session.scalar(
        select(func.count(Meeting.id)).where(
            Meeting.held_on >= period.start, Meeting.held_on <= period.end
        )
    )
    today = local_today()
    agreement_filter = (
        Meeting.held_on <= period.end,
        Agreement.item_id == MeetingItem.id,
        MeetingItem.meeting_id == Meeting.id,
    )
    agreements = db.session.execute(
        select(
            func.count(Agreement.id),
            func.count(Agreement.done_at),
            func.count(
                case((and_(Agreement.done_at.is_(None), Agreement.due_on < today), Agreement.id))
            ),
        ).where(*agreement_filter)
    ).one()
    rows = db.session.execute(
        select(Signal.id, Signal.title, Signal.status, func.max(Meeting.held_on))
        .join(MeetingItem, MeetingItem.signal_id == Signal.id)
        .join(Meeting, Meeting.id == MeetingItem.meeting_id)
        .where(
            MeetingItem.discussed_at.is_not(None),
            Meeting.held_on <= period.end,
            _public_clause(),
        )
        .group_by(Signal.id, Signal.title, Signal.status)
        .order_by(func.max(Meeting.held_on).desc(), Signal.id)
        .limit(DISCUSSED_LIST)
    ).all()
    return {
        "meetings_in_period": int(meetings_in_period or 0),
        "discussed": int(sum(by_status.values())),
        "statuses": [
            {"status": status.value, "count": int(by_status[status])}
            for status in Status
            if by_status.get(status)
        ],
        "agreements": {
            "total": int(agreements[0]),
            "done": int(agreements[1]),
            "open": int(agreements[0]) - int(agreements[1]),
            "overdue": int(agreements[2]),
        },
        "signals": [
            {
                "id": signal_id,
                "title": title,
                "status": status.value,
                "last_meeting": held_on.isoformat() if held_on else None,
            }
            for signal_id, title, status, held_on in rows
        ],
    }


def _referral_figures(period: Period) -> dict[str, Any]:
    """Referrals to the sociale kaart in the period: totals and per theme, with outcomes."""
    from signalen.referrals.services import referral_figures

    return referral_figures(period.start, period.end)


def _scrub_private_text(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures with signal text only for signals that are openbaar now, as worded now.

    Run when publishing: a signal may have stopped being openbaar since the figures were
    computed, or have had its wording changed and approved again.
    """
    ids = [row["id"] for row in figures.get("top", []) if row.get("id")]
    ids += [row["id"] for row in figures.get("followup", {}).get("signals", [])]
    titles = dict(
        db.session.execute(
            select(Signal.id, Signal.title).where(Signal.id.in_(ids), _public_clause())
        ).all()
    )
    figures = json.loads(json.dumps(figures))
    for row in figures.get("top", []):
        if row.get("id") in titles:
            row["title"] = titles[row["id"]]
        else:
            row.update(id=None, title=None, public=False)
    if "followup" in figures:
        figures["followup"]["signals"] = [
            {**row, "title": titles[row["id"]]}
            for row in figures["followup"]["signals"]
            if row["id"] in titles
        ]
    return figures


# Access ----------------------------------------------------------------------------------


def is_editor(user: User | None) -> bool:
    """Coordinators and beheerders draft and publish digests."""
    return access.is_manager(user)


def can_view(user: User | None, digest: Digest) -> bool:
    """Published digests are public; drafts are for the coordinators who made them."""
    if digest.is_published:
        return True
    if not is_editor(user):
        return False
    return (
        user.role is Role.ADMINISTRATOR
        or digest.organisation_id is None
        or digest.organisation_id == user.organisation_id
    )


def owns(user: User | None, digest: Digest) -> bool:
    """Beheerders, and coordinators of the organisation that made the digest, change it
    (a digest a beheerder made without an organisation only beheerders)."""
    if not is_editor(user):
        return False
    return user.role is Role.ADMINISTRATOR or (
        digest.organisation_id is not None and digest.organisation_id == user.organisation_id
    )


def can_edit(user: User | None, digest: Digest) -> bool:
    return not digest.is_published and owns(user, digest)


def can_correct(user: User | None, digest: Digest) -> bool:
    """Only the organisation that published a digest (or a beheerder) corrects it."""
    return digest.is_published and owns(user, digest)


def visible_digest_or_none(digest_id: int, user: User | None) -> Digest | None:
    digest = db.session.get(Digest, digest_id)
    if digest is None or not can_view(user, digest):
        return None
    return digest


def _require_editor(user: User | None, digest: Digest | None = None) -> None:
    if not is_editor(user) or (digest is not None and not owns(user, digest)):
        raise ServiceError(_l("Alleen een coördinator kan rapportages maken en publiceren."))


# Reading -----------------------------------------------------------------------------------


def _superseded_ids():
    return select(Digest.supersedes_id).where(
        Digest.status == DigestStatus.PUBLISHED, Digest.supersedes_id.is_not(None)
    )


def published_digests(include_superseded: bool = False) -> list[Digest]:
    """Published digests, newest first; a corrected version is left out unless asked for."""
    query = select(Digest).where(Digest.status == DigestStatus.PUBLISHED)
    if not include_superseded:
        query = query.where(Digest.id.not_in(_superseded_ids()))
    return list(db.session.scalars(query.order_by(Digest.published_at.desc(), Digest.id.desc())))


def draft_digests(user: User | None) -> list[Digest]:
    """The drafts ``user`` may see and edit, newest first."""
    if not is_editor(user):
        return []
    query = select(Digest).where(Digest.status == DigestStatus.DRAFT)
    if user.role is not Role.ADMINISTRATOR:
        query = query.where(
            (Digest.organisation_id == user.organisation_id) | Digest.organisation_id.is_(None)
        )
    return list(db.session.scalars(query.order_by(Digest.created_at.desc(), Digest.id.desc())))


def superseded_by(digest: Digest) -> Digest | None:
    """The published correction that replaces ``digest``, if any."""
    return db.session.scalar(
        select(Digest)
        .where(Digest.supersedes_id == digest.id, Digest.status == DigestStatus.PUBLISHED)
        .order_by(Digest.id.desc())
        .limit(1)
    )


def first_version(digest: Digest) -> Digest:
    """The first version of ``digest``: the one its corrections (if any) descend from."""
    while digest.supersedes is not None:
        digest = digest.supersedes
    return digest


def digest_summary_text(digest: Digest) -> str:
    """A plain-text summary for a feed entry (no HTML, only public text)."""
    figures = digest.figures or {}
    totals = figures.get("totals", {})
    parts = [
        _(
            "Periode: %(start)s t/m %(end)s.",
            start=format_date(digest.period_start, "d MMMM yyyy"),
            end=format_date(digest.period_end, "d MMMM yyyy"),
        ),
        _(
            "%(signals)d nieuwe knelpunten (vorige periode: %(previous)d), "
            "samen %(clients)d keer gemeld.",
            signals=totals.get("signals", 0),
            previous=totals.get("previous_signals", 0),
            clients=totals.get("clients", 0),
        ),
    ]
    themes = [row for row in figures.get("themes", []) if not row.get("other") and row["count"]]
    if themes:
        listed = ", ".join(f"{row['label']} ({row['count']})" for row in themes[:3])
        parts.append(_("Meeste knelpunten over: %(themes)s.", themes=listed))
    if digest.is_correction and digest.change_note:
        parts.append(
            _(
                "Correctie (versie %(version)d): %(note)s",
                version=digest.version,
                note=digest.change_note,
            )
        )
    if digest.introduction:
        intro = " ".join(digest.introduction.split())
        parts.append(intro if len(intro) <= 600 else intro[:597].rstrip() + "…")
    return " ".join(parts)


# Writing ---------------------------------------------------------------------------------


def _clean_text(value: str | None, field: str) -> str:
    text = clean_text(value)
    if len(text) > TEXT_MAX_LENGTH:
        raise ServiceError(
            _l("Deze tekst mag hoogstens %(count)d tekens hebben.", count=TEXT_MAX_LENGTH),
            field=field,
        )
    if check_fields({field: text}):
        raise ServiceError(
            _l("Deze tekst bevat persoonsgegevens. Haal ze weg."),
            field=field,
        )
    return text


def create_digest(
    period: Period, user: User | None, title: str | None = None, *, commit: bool = True
) -> Digest:
    """A new draft digest for ``period`` with freshly computed figures.

    ``user`` None is the command line (cron): the draft then belongs to no organisation.
    """
    if user is not None:
        _require_editor(user)
    title = clean_line(
        title or _("Signaleringsrapportage %(period)s", period=period_title(period)),
        max_length=TITLE_MAX_LENGTH,
        field="title",
        empty_message=_l("Geef de rapportage een titel."),
    )
    if check_fields({"title": title}):
        raise ServiceError(_l("Deze tekst bevat persoonsgegevens. Haal ze weg."), field="title")
    digest = Digest(
        version=1,
        status=DigestStatus.DRAFT,
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        title=title,
        introduction="",
        remarks={},
        figures=compute_figures(period),
        computed_at=utcnow(),
        organisation_id=getattr(user, "organisation_id", None),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(digest)
    db.session.flush()
    record("digest.create", digest, actor=user, object_label=title)
    if commit:
        db.session.commit()
    return digest


def update_draft(
    digest: Digest,
    user: User,
    *,
    title: str,
    introduction: str,
    remarks: dict[str, str],
    change_note: str = "",
) -> None:
    """Save the coordinator's texts on a draft (introduction, remarks per section)."""
    _require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Een gepubliceerde rapportage verandert niet meer."))
    digest.title = clean_line(
        title,
        max_length=TITLE_MAX_LENGTH,
        field="title",
        empty_message=_l("Geef de rapportage een titel."),
    )
    if check_fields({"title": digest.title}):
        raise ServiceError(_l("Deze tekst bevat persoonsgegevens. Haal ze weg."), field="title")
    digest.introduction = _clean_text(introduction, "introduction")
    cleaned = {}
    for key in SECTIONS:
        text = _clean_text(remarks.get(key, ""), f"remark_{key}")
        if text:
            cleaned[key] = text
    digest.remarks = cleaned
    digest.change_note = _clean_text(change_note, "change_note")
    db.session.commit()


def refresh_figures(digest: Digest, user: User | None) -> None:
    """Compute a draft's figures again from the current data."""
    if user is not None:
        _require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Een gepubliceerde rapportage verandert niet meer."))
    period = Period(digest.period_start, digest.period_end, digest.period_label)
    digest.figures = compute_figures(period)
    digest.computed_at = utcnow()
    db.session.commit()


def publish(digest: Digest, user: User | None) -> Digest:
    """Publish a draft: its figures and texts are frozen from now on.

    A correction needs a change note and replaces the version it supersedes.
    """
    if user is not None:
        _require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Deze rapportage is al gepubliceerd."))
    if digest.is_correction:
        if not digest.change_note.strip():
            raise ServiceError(
                _l("Schrijf bij een correctie wat er is veranderd."), field="change_note"
            )
        old = db.session.get(Digest, digest.supersedes_id)
        if old is None or superseded_by(old) is not None:
            raise ServiceError(_l("Er is al een nieuwere versie van deze rapportage."))
    digest.figures = _scrub_private_text(digest.figures or {})
    digest.status = DigestStatus.PUBLISHED
    digest.published_at = utcnow()
    digest.published_by_id = getattr(user, "id", None)
    record("digest.publish", digest, actor=user)
    from signalen.subscriptions.services import queue_digest_published

    queue_digest_published(digest)  # mailed after this commit; a rollback mails nothing
    db.session.commit()
    return digest


def create_correction(digest: Digest, user: User) -> Digest:
    """A new draft version of a published digest, with figures computed again."""
    _require_editor(user, digest)
    if not digest.is_published:
        raise ServiceError(_l("Alleen een gepubliceerde rapportage kan worden gecorrigeerd."))
    if superseded_by(digest) is not None:
        raise ServiceError(_l("Er is al een nieuwere versie van deze rapportage."))
    existing = db.session.scalar(
        select(Digest).where(Digest.supersedes_id == digest.id, Digest.status == DigestStatus.DRAFT)
    )
    if existing is not None:
        return existing
    period = Period(digest.period_start, digest.period_end, digest.period_label)
    correction = Digest(
        version=digest.version + 1,
        status=DigestStatus.DRAFT,
        period_start=digest.period_start,
        period_end=digest.period_end,
        period_label=digest.period_label,
        title=digest.title,
        introduction=digest.introduction,
        remarks=dict(digest.remarks or {}),
        figures=compute_figures(period),
        computed_at=utcnow(),
        organisation_id=user.organisation_id or digest.organisation_id,
        created_by_id=user.id,
        supersedes_id=digest.id,
        change_note="",
    )
    db.session.add(correction)
    db.session.flush()
    record("digest.correct", correction, actor=user)
    db.session.commit()
    return correction


def delete_draft(digest: Digest, user: User) -> None:
    """Throw away a draft (published digests stay)."""
    _require_editor(user, digest)
    if digest.is_published:
        raise ServiceError(_l("Een gepubliceerde rapportage verandert niet meer."))
    record("digest.delete", digest, actor=user)
    db.session.delete(digest)
    db.session.commit()
