"""A period's figures with SQL aggregates: totals, breakdowns, the most reported signals,
what happened with signals discussed before, and the referrals. Only signals that are
openbaar (and approved) ever appear with their text; counts include all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from signalen.core.dates import local_today
from signalen.digests.periods import Period, bounds
from signalen.extensions import db
from signalen.signals.models import Signal, Status, Visibility, signal_scheme, signal_theme
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

FIGURES_VERSION = 1
CONTRIBUTIONS = "digest_figure_contributions"

BREAKDOWN_ROWS = 25
TOP_SIGNALS = 10
DISCUSSED_LIST = 20


def _public_clause():
    return and_(Signal.visibility == Visibility.PUBLIC, Signal.public_approved_at.is_not(None))


def compute_figures(period: Period) -> dict[str, Any]:
    """All figures of a digest over ``period`` (and the period before it), as plain JSON.

    Counts include every signal (not merged away); text (titles) only of openbaar signals.
    Everything is computed with SQL aggregates, so it stays fast on large databases.
    """
    previous = period.previous()
    start, end = bounds(period)
    prev_start, _prev_end = bounds(previous)
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
    end = min(period.end, local_today())
    for key, contribute in current_app.extensions.get(CONTRIBUTIONS, {}).items():
        figures[key] = contribute(end)
    return figures


def register_contribution(app: Flask, key: str, contribute: Callable[[date], Any]) -> None:
    """Add ``figures[key] = contribute(end)`` to every digest computed in ``app``, with
    ``end`` the last day of the period that has passed (the signaalradar's "opvallend":
    counts only). Another feature registers it, so digests never import that feature."""
    app.extensions.setdefault(CONTRIBUTIONS, {})[key] = contribute


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
    from signalen.referrals.figures import referral_figures

    return referral_figures(period.start, period.end)


def scrub_private_text(figures: dict[str, Any]) -> dict[str, Any]:
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
