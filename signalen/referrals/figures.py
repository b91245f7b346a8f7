"""What the referrals of a period add up to (for the digest) and per outcome."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from signalen.auth.models import User
from signalen.extensions import db
from signalen.referrals.access import visible_clause
from signalen.referrals.models import Outcome, Referral, referral_theme
from signalen.referrals.queries import OPEN
from signalen.taxonomy.models import Theme

OUTCOME_KEYS = (*(outcome.value for outcome in Outcome), OPEN)


def _outcome_counts(values: Iterable[Outcome | None]) -> dict[str, int]:
    counts = Counter(value.value if value else OPEN for value in values)
    return {key: counts.get(key, 0) for key in OUTCOME_KEYS}


def referral_figures(start: date, end: date) -> dict[str, Any]:
    """Referral counts of every organisation for the days ``start`` to ``end`` (inclusive),
    by the day the referral was registered. Only counts and names: no free text.

    Returns a JSON-ready dict::

        {
          "start": "2026-01-01", "end": "2026-06-30",
          "total": 12, "warm_handovers": 5, "from_signals": 9,
          "outcomes": {"bereikt_geholpen": 4, "bereikt_niet_geholpen": 1,
                       "niet_bereikt": 2, "onbekend": 1, "open": 4},
          "outcome_labels": {"bereikt_geholpen": "Bereikt en geholpen", ..., "open": "..."},
          "by_service": [{"service_id": "<uuid or None>", "service": "Gratis juridisch advies",
                          "organization": "Het Juridisch Loket", "total": 3,
                          "outcomes": {... same keys as above ...}}, ...],
          "by_theme": [{"theme_id": 7, "theme": "Terugvordering › Hoge terugvordering",
                        "main_theme": "Terugvordering", "total": 2,
                        "outcomes": {...}}, ...],
        }

    ``open`` counts referrals without a recorded outcome. ``by_service`` and ``by_theme`` are
    sorted by total (most first), then name. A referral with two themes counts under both,
    so the theme totals can add up to more than ``total``.
    """
    rows = db.session.execute(
        select(
            Referral.id,
            Referral.service_id,
            Referral.service_name,
            Referral.organization_name,
            Referral.outcome,
            Referral.warm_handover,
            Referral.signal_id,
        ).where(Referral.referred_on >= start, Referral.referred_on <= end)
    ).all()
    outcomes_by_referral = {row.id: row.outcome for row in rows}
    services: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (str(row.service_id) if row.service_id else None, row.service_name)
        entry = services.setdefault(
            key,
            {
                "service_id": key[0],
                "service": row.service_name,
                "organization": row.organization_name,
                "outcomes_list": [],
            },
        )
        entry["outcomes_list"].append(row.outcome)
    by_service = [
        {
            "service_id": entry["service_id"],
            "service": entry["service"],
            "organization": entry["organization"],
            "total": len(entry["outcomes_list"]),
            "outcomes": _outcome_counts(entry["outcomes_list"]),
        }
        for entry in services.values()
    ]
    by_service.sort(key=lambda item: (-item["total"], item["service"].casefold()))

    theme_rows = (
        db.session.execute(
            select(referral_theme.c.referral_id, referral_theme.c.theme_id).where(
                referral_theme.c.referral_id.in_(list(outcomes_by_referral))
            )
        ).all()
        if outcomes_by_referral
        else []
    )
    per_theme: dict[int, list] = {}
    for referral_id, theme_id in theme_rows:
        per_theme.setdefault(theme_id, []).append(outcomes_by_referral[referral_id])
    themes = {
        theme.id: theme
        for theme in db.session.scalars(select(Theme).where(Theme.id.in_(list(per_theme))))
    }
    by_theme = [
        {
            "theme_id": theme_id,
            "theme": themes[theme_id].full_name,
            "main_theme": (themes[theme_id].parent or themes[theme_id]).name,
            "total": len(values),
            "outcomes": _outcome_counts(values),
        }
        for theme_id, values in per_theme.items()
        if theme_id in themes
    ]
    by_theme.sort(key=lambda item: (-item["total"], item["theme"].casefold()))
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total": len(rows),
        "warm_handovers": sum(1 for row in rows if row.warm_handover),
        "from_signals": sum(1 for row in rows if row.signal_id),
        "outcomes": _outcome_counts(row.outcome for row in rows),
        "outcome_labels": outcome_labels(),
        "by_service": by_service,
        "by_theme": by_theme,
    }


def outcome_labels() -> dict[str, str]:
    """Dutch labels of the outcome keys used in the figures, ``open`` included."""
    return {
        **{outcome.value: outcome.label for outcome in Outcome},
        OPEN: str(_l("Nog geen uitkomst")),
    }


def outcome_counts(user: User) -> dict[str, int]:
    """How many of the referrals ``user`` may see have each outcome (``open``: none yet)."""
    rows = db.session.execute(
        select(Referral.outcome, func.count())
        .where(visible_clause(user))
        .group_by(Referral.outcome)
    ).all()
    counts = {key: 0 for key in OUTCOME_KEYS}
    for outcome, number in rows:
        counts[outcome.value if outcome else OPEN] += number
    return counts
