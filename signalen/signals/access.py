"""Who may see and change which signal: one place for the visibility rules.

The same rules drive database queries, the search index (access tokens) and the views.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, true

from signalen.auth.models import Role, User
from signalen.signals.models import Signal, Visibility

PUBLIC = "public"
NETWORK = "network"


def organisation_token(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def viewer_tokens(user: User | None) -> list[str] | None:
    """Access tokens of a viewer for the search index; None means everything (beheerder)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return [PUBLIC]
    if user.role is Role.ADMINISTRATOR:
        return None
    tokens = [PUBLIC, NETWORK]
    if user.organisation_id:
        tokens.append(organisation_token(user.organisation_id))
    return tokens


def document_tokens(visibility: Visibility, approved: bool, organisation_id: int) -> list[str]:
    """Access tokens of a signal or article: its organisation, plus network and/or public."""
    tokens = [organisation_token(organisation_id)]
    if visibility in (Visibility.NETWORK, Visibility.PUBLIC):
        tokens.append(NETWORK)
    if visibility is Visibility.PUBLIC and approved:
        tokens.append(PUBLIC)
    return tokens


def visible_clause(user: User | None) -> ColumnElement[bool]:
    """SQL condition for the signals ``user`` may see (same rules as :func:`viewer_tokens`)."""
    tokens = viewer_tokens(user)
    if tokens is None:
        return true()
    public = and_(Signal.visibility == Visibility.PUBLIC, Signal.public_approved_at.is_not(None))
    if NETWORK not in tokens:
        return public
    clauses = [Signal.visibility.in_([Visibility.NETWORK, Visibility.PUBLIC])]
    if user.organisation_id:
        clauses.append(Signal.organisation_id == user.organisation_id)
    return or_(*clauses) if clauses else false()


def can_view(user: User | None, signal: Signal) -> bool:
    tokens = viewer_tokens(user)
    if tokens is None:
        return True
    document = document_tokens(
        signal.visibility, signal.public_approved_at is not None, signal.organisation_id
    )
    return bool(set(tokens) & set(document))


def can_report(user: User | None) -> bool:
    """Volunteers, coordinators and beheerders register signals; readers only read."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role is not Role.READER
        and (user.organisation_id or user.role is Role.ADMINISTRATOR)
    )


def can_manage(user: User | None, signal: Signal) -> bool:
    """Coordinators manage their own organisation's signals; beheerders all."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role is Role.ADMINISTRATOR:
        return True
    return user.role is Role.COORDINATOR and user.organisation_id == signal.organisation_id


def is_manager(user: User | None) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in (Role.COORDINATOR, Role.ADMINISTRATOR)
    )
