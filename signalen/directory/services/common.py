"""Lookups by id, audit names and what every editing module shares: marking services as
changed, committing and indexing them, replacing phone numbers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signalen.directory.models import Contact, Organization, Phone, Service
from signalen.extensions import db

AUDIT_ACTIONS = {
    "directory.service_created": _l("Sociale kaart: dienst toegevoegd"),
    "directory.service_updated": _l("Sociale kaart: dienst gewijzigd"),
    "directory.service_verified": _l("Sociale kaart: dienst gecontroleerd"),
    "directory.change_request_approved": _l("Sociale kaart: wijziging goedgekeurd"),
    "directory.change_request_rejected": _l("Sociale kaart: wijziging afgewezen"),
    "directory.import": _l("Sociale kaart: HSDS geïmporteerd"),
    "directory.organization_updated": _l("Sociale kaart: organisatie gewijzigd"),
    "directory.location_created": _l("Sociale kaart: locatie toegevoegd"),
    "directory.location_updated": _l("Sociale kaart: locatie gewijzigd"),
    "directory.location_deleted": _l("Sociale kaart: locatie verwijderd"),
    "directory.contact_created": _l("Sociale kaart: contactpersoon toegevoegd"),
    "directory.contact_updated": _l("Sociale kaart: contactpersoon gewijzigd"),
    "directory.contact_deleted": _l("Sociale kaart: contactpersoon verwijderd"),
}
M = TypeVar("M")


def parse_uuid(value: object) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_by_id(model: type[M], value: object) -> M | None:
    """The ``model`` row with this id (a UUID or its text), or None."""
    parsed = parse_uuid(value)
    return db.session.get(model, parsed) if parsed else None


def get_service(service_id: uuid.UUID | str) -> Service | None:
    """The service with this id (a UUID or its text), or None."""
    return get_by_id(Service, service_id)


def services_of_organization(organization_id: uuid.UUID) -> list[Service]:
    """All services of one organisation, by name."""
    return list(
        db.session.scalars(
            select(Service).where(Service.organization_id == organization_id).order_by(Service.name)
        )
    )


def touch_services(services: Iterable[Service], moment: datetime) -> list[uuid.UUID]:
    """Mark services as changed (HSDS ``last_modified``, the search index); their ids."""
    ids = []
    for service in services:
        service.updated_at = moment
        ids.append(service.id)
    return ids


def commit_and_index(service_ids: Iterable[uuid.UUID]) -> None:
    db.session.commit()
    index_services(set(service_ids))


def replace_phones(
    owner: Organization | Contact, numbers: Iterable[str], **owner_id: uuid.UUID
) -> None:
    """Make ``numbers`` the phone numbers of ``owner``: a number that stays keeps its row (and
    HSDS id), the others go; a new number gets a row with ``owner_id`` (its one foreign key)."""
    wanted = set(numbers)
    for phone in owner.phones:
        if phone.number in wanted:
            wanted.discard(phone.number)  # kept, with its HSDS id
        else:
            db.session.delete(phone)
    for number in sorted(wanted):
        db.session.add(Phone(number=number, **owner_id))
    db.session.flush()
    db.session.expire(owner, ["phones"])


def index_services(service_ids: Iterable[uuid.UUID]) -> None:
    """Write these services to the search index (logged, never fatal, when it is busy)."""
    from signalen.directory.indexing import index_services as index

    index(service_ids)
