"""Who may register, see, follow up and close referrals."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from signalen.auth.models import Role, User
from signalen.extensions import db
from signalen.referrals.models import Referral


def _logged_in(user: User | None) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def can_create(user: User | None) -> bool:
    """Volunteers, coordinators (and beheerders) of an organisation register referrals."""
    return (
        _logged_in(user)
        and user.role in (Role.VOLUNTEER, Role.COORDINATOR, Role.ADMINISTRATOR)
        and user.organisation_id is not None
    )


def can_list(user: User | None) -> bool:
    """Everyone of an organisation (readers too) and beheerders see the referral list."""
    return _logged_in(user) and (
        user.role is Role.ADMINISTRATOR or user.organisation_id is not None
    )


def can_view(user: User | None, referral: Referral) -> bool:
    """Users of the registering organisation, and beheerders."""
    if not _logged_in(user):
        return False
    if user.role is Role.ADMINISTRATOR:
        return True
    return user.organisation_id is not None and user.organisation_id == referral.organisation_id


def can_record_outcome(user: User | None, referral: Referral) -> bool:
    """Volunteers and coordinators of the organisation (and beheerders); readers only read."""
    return can_view(user, referral) and user.role is not Role.READER


def can_follow_up(user: User | None) -> bool:
    """The follow-up list is for coordinators (their organisation) and beheerders (all)."""
    if not _logged_in(user):
        return False
    if user.role is Role.ADMINISTRATOR:
        return True
    return user.role is Role.COORDINATOR and user.organisation_id is not None


def visible_clause(user: User | None) -> ColumnElement[bool]:
    """SQL condition for the referrals ``user`` may see (same rules as :func:`can_view`)."""
    if not _logged_in(user):
        return false()
    if user.role is Role.ADMINISTRATOR:
        return true()
    if user.organisation_id is None:
        return false()
    return Referral.organisation_id == user.organisation_id


def visible_referral_or_none(referral_id: int, user: User | None) -> Referral | None:
    """The referral when it exists and ``user`` may see it."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or not can_view(user, referral):
        return None
    return referral
