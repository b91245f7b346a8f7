"""Lists of referrals: filtered, due for follow-up, per signal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from signalen.auth.models import User
from signalen.core.dates import local_today
from signalen.core.validation import parse_date, parse_id
from signalen.extensions import db
from signalen.referrals.access import can_follow_up, can_list, visible_clause
from signalen.referrals.models import Outcome, Referral, referral_theme
from signalen.taxonomy.models import Theme

OPEN = "open"  # filter value: no outcome recorded yet


@dataclass
class ReferralFilters:
    """Filters of the referral list, from the query string (uitkomst, thema, van, tot, mijn)."""

    outcome: str = ""
    theme_id: int | None = None
    start: date | None = None
    end: date | None = None
    mine: bool = False
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> ReferralFilters:
        filters = cls()
        outcome = (args.get("uitkomst") or "").strip()
        if outcome in {OPEN, *(o.value for o in Outcome)}:
            filters.outcome = outcome
        elif outcome:
            filters.errors.append(str(_l("Deze uitkomst bestaat niet.")))
        theme = (args.get("thema") or "").strip()
        if parse_id(theme):
            filters.theme_id = parse_id(theme)
        elif theme:
            filters.errors.append(str(_l("Dit thema bestaat niet.")))
        for name, attribute in (("van", "start"), ("tot", "end")):
            value = (args.get(name) or "").strip()
            if not value:
                continue
            if parse_date(value) is not None:
                setattr(filters, attribute, parse_date(value))
            else:
                filters.errors.append(str(_l("Vul een datum in als jjjj-mm-dd.")))
        filters.mine = args.get("mijn") in ("1", "on", "ja")
        return filters

    def args(self) -> dict[str, str]:
        values = {
            "uitkomst": self.outcome,
            "thema": str(self.theme_id) if self.theme_id else "",
            "van": self.start.isoformat() if self.start else "",
            "tot": self.end.isoformat() if self.end else "",
            "mijn": "1" if self.mine else "",
        }
        return {key: value for key, value in values.items() if value}


def referrals_query(user: User, filters: ReferralFilters | None = None) -> Select:
    """The referrals ``user`` may see, filtered, newest first."""
    filters = filters or ReferralFilters()
    query = select(Referral).where(visible_clause(user))
    if filters.outcome == OPEN:
        query = query.where(Referral.outcome.is_(None))
    elif filters.outcome:
        query = query.where(Referral.outcome == Outcome(filters.outcome))
    if filters.theme_id:
        sub_themes = select(Theme.id).where(
            or_(Theme.id == filters.theme_id, Theme.parent_id == filters.theme_id)
        )
        query = query.where(
            Referral.id.in_(
                select(referral_theme.c.referral_id).where(
                    referral_theme.c.theme_id.in_(sub_themes)
                )
            )
        )
    if filters.start:
        query = query.where(Referral.referred_on >= filters.start)
    if filters.end:
        query = query.where(Referral.referred_on <= filters.end)
    if filters.mine:
        query = query.where(Referral.created_by_id == user.id)
    return query.order_by(Referral.referred_on.desc(), Referral.id.desc())


def due_for_follow_up(user: User, today: date | None = None) -> list[Referral]:
    """Referrals whose follow-up date is today or earlier and that have no outcome yet,
    the longest overdue first (a coordinator's own organisation; a beheerder's all)."""
    if not can_follow_up(user):
        return []
    today = today or local_today()
    return list(
        db.session.scalars(
            select(Referral)
            .where(
                visible_clause(user),
                Referral.outcome.is_(None),
                Referral.follow_up_on.is_not(None),
                Referral.follow_up_on <= today,
            )
            .order_by(Referral.follow_up_on, Referral.id)
        )
    )


def referrals_for_signal(signal_id: int, user: User | None) -> list[Referral]:
    """The referrals from one signal that ``user`` may see, newest first."""
    if not can_list(user):
        return []
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.signal_id == signal_id, visible_clause(user))
            .order_by(Referral.referred_on.desc(), Referral.id.desc())
        )
    )
