"""Who may see, plan and change meetings, and read an agenda item."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from signalen.auth.models import Role, User
from signalen.core.errors import ServiceError
from signalen.meetings.models import Meeting, MeetingItem
from signalen.signals import access as signal_access


def can_view(user: User | None) -> bool:
    """Every logged-in user sees the meetings (signals on them only when allowed)."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def can_plan(user: User | None) -> bool:
    """Coordinators (and beheerders with an organisation) plan meetings for it."""
    return signal_access.is_manager(user) and user.organisation_id is not None


def can_manage(user: User | None, meeting: Meeting) -> bool:
    """The organising organisation's coordinators, and beheerders, change a meeting."""
    if not signal_access.is_manager(user):
        return False
    return user.role is Role.ADMINISTRATOR or user.organisation_id == meeting.organisation_id


def require_manager(user: User | None, meeting: Meeting) -> None:
    if not can_manage(user, meeting):
        raise ServiceError(_l("Alleen een coördinator van de organiserende organisatie kan dit."))


def item_visible(item: MeetingItem, user: User | None) -> bool:
    """May ``user`` read this agenda item: its title, outcome and agreements?

    A free item, yes; a signal's item only when the user may see that signal (an intern
    signal of another organisation stays hidden, and so does what was said about it).
    """
    return item.signal_id is None or (
        item.signal is not None and signal_access.can_view(user, item.signal)
    )
