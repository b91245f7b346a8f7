"""Who may see, draft, publish and correct digests."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from signalen.auth.models import Role, User
from signalen.core.errors import ServiceError
from signalen.digests.models import Digest
from signalen.extensions import db
from signalen.signals import access


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


def require_editor(user: User | None, digest: Digest | None = None) -> None:
    if not is_editor(user) or (digest is not None and not owns(user, digest)):
        raise ServiceError(_l("Alleen een coördinator kan rapportages maken en publiceren."))
