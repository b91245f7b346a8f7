"""Counts for the start-page cards: how much work waits in each queue."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from signalen.auth.models import Role, User
from signalen.directory.services import change_requests, review
from signalen.extensions import db
from signalen.meetings import services as meetings
from signalen.referrals import queries as referrals
from signalen.signals.models import Signal, Status


def _count(statement) -> int:
    return int(db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0)


def new_signals(user: User) -> int:
    """Signals with status nieuw of the user's organisation (a beheerder: all)."""
    statement = select(Signal.id).where(Signal.status == Status.NEW)
    if user.role is not Role.ADMINISTRATOR:
        statement = statement.where(Signal.organisation_id == user.organisation_id)
    return _count(statement)


def services_to_review(user: User) -> int:
    """Services on the sociale kaart that are overdue or due soon for a check."""
    days = int(current_app.config.get("DIRECTORY_DUE_SOON_DAYS", review.DUE_SOON_DAYS))
    overdue, soon = review.review_lists(days=days)
    return len(overdue) + len(soon)


def open_change_requests(user: User) -> int:
    """ "Meld een wijziging" requests with an undecided item."""
    return len(change_requests.open_change_requests())


def open_agreements(user: User) -> int:
    """Agreements from the overleg that are not done yet."""
    return _count(meetings.agreements_query(user).order_by(None))


def referrals_to_follow_up(user: User) -> int:
    """Referrals whose follow-up date has come and that have no outcome yet."""
    return len(referrals.due_for_follow_up(user))


def upcoming_meetings(user: User) -> int:
    """Meetings from today on."""
    return _count(meetings.meetings_query(upcoming=True).order_by(None))
