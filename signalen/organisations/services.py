"""Creating, renaming and (de)activating client organisations."""

from __future__ import annotations

from collections.abc import Sequence

from blinker import Namespace
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from signalen.audit import services as audit
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_line, has_forbidden_characters
from signalen.extensions import db
from signalen.organisations.models import NAME_MAX_LENGTH, MemberOrganisation

# Sent with an organisation that is being switched off, before the commit: the accounts
# feature ends its users' sessions (organisations sit below accounts and never import them).
deactivating = Namespace().signal("organisation-deactivating")


def clean_name(name: str) -> str:
    """Collapse whitespace and check length; raise ServiceError when unusable."""
    return clean_line(
        name,
        max_length=NAME_MAX_LENGTH,
        empty_message=_l("Vul de naam van de organisatie in."),
    )


def find_by_name(name: str) -> MemberOrganisation | None:
    """The organisation with this name, ignoring case and extra spaces."""
    cleaned = " ".join((name or "").split()).lower()
    if has_forbidden_characters(cleaned):
        return None  # no name holds one (and PostgreSQL refuses a null byte in a query)
    return db.session.scalar(
        select(MemberOrganisation).where(func.lower(MemberOrganisation.name) == cleaned)
    )


def _check_unique(name: str, exclude_id: int | None = None) -> None:
    existing = find_by_name(name)
    if existing is not None and existing.id != exclude_id:
        raise ServiceError(_l("Er is al een organisatie met deze naam."), field="name")


def all_organisations() -> Sequence[MemberOrganisation]:
    return db.session.scalars(
        select(MemberOrganisation).order_by(func.lower(MemberOrganisation.name))
    ).all()


def create_organisation(name: str, actor=None) -> MemberOrganisation:
    """Create an active organisation with a unique name."""
    name = clean_name(name)
    _check_unique(name)
    organisation = MemberOrganisation(name=name, active=True)
    db.session.add(organisation)
    db.session.flush()
    audit.record(
        "organisation.create",
        organisation,
        actor=actor,
        organisation_id=organisation.id,
        changes={"name": [None, name]},
    )
    db.session.commit()
    return organisation


def update_organisation(
    organisation: MemberOrganisation, *, name: str, active: bool, actor=None
) -> dict[str, list]:
    """Rename and/or (de)activate; users of an inactive organisation cannot log in."""
    name = clean_name(name)
    _check_unique(name, exclude_id=organisation.id)
    if not active and getattr(actor, "organisation_id", None) == organisation.id:
        raise ServiceError(_l("U kunt uw eigen organisatie niet uitschakelen."), field="active")
    changes = audit.changed_fields(organisation, {"name": name, "active": active})
    if "active" in changes and not active:
        deactivating.send(organisation)
    if changes:
        audit.record(
            "organisation.update",
            organisation,
            actor=actor,
            organisation_id=organisation.id,
            changes=changes,
        )
    db.session.commit()
    return changes
