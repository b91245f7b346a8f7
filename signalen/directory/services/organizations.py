"""Editing organisations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from signalen.audit.services import record
from signalen.directory.models import Organization
from signalen.directory.services.common import (
    commit_and_index,
    get_by_id,
    replace_phones,
    touch_services,
)
from signalen.directory.services.history import record_changes
from signalen.directory.services.locations import locations_text
from signalen.directory.services.validation import clean_fields

# Fields of an organisation a coordinator edits, in the order of the form.
ORGANIZATION_FIELDS = ("name", "alternate_name", "description", "website", "email", "phones")
# Organization fields checked like the service field of another name.
ORGANIZATION_CHECKS = {"website": "url"}


def get_organization(organization_id: object) -> Organization | None:
    """The organisation with this id (a UUID or its text), or None."""
    return get_by_id(Organization, organization_id)


def organization_value(organization: Organization, name: str) -> str:
    """A field of an organisation as text, the way history and forms show it."""
    if name == "phones":
        return "; ".join(sorted(phone.number for phone in organization.phones))
    if name == "locations":
        return locations_text(organization)
    value = getattr(organization, name, None)
    return "" if value is None else str(value)


def _apply_organization(organization: Organization, name: str, value: object) -> None:
    if name == "phones":
        replace_phones(organization, value, organization_id=organization.id)  # type: ignore[arg-type]
    else:
        setattr(organization, name, value)


def update_organization(
    organization: Organization, values: Mapping[str, object], updated_by: str
) -> list[str]:
    """Change fields of an organisation (:data:`ORGANIZATION_FIELDS`), each change recorded as
    history; returns the names of the changed fields. Its services count as changed too (the
    organisation is part of their HSDS data and of their search text) and are indexed again.

    Everything is checked first; a wrong value raises ServiceError and changes nothing.
    """
    cleaned = clean_fields(values, ORGANIZATION_FIELDS, ORGANIZATION_CHECKS)
    changed = record_changes(
        organization.id,
        "organization",
        cleaned,
        lambda name: organization_value(organization, name),
        lambda name, value: _apply_organization(organization, name, value),
        updated_by,
    )
    service_ids: list[uuid.UUID] = []
    if changed:
        moment = datetime.now(UTC)
        organization.updated_at = moment
        service_ids = touch_services(organization.services, moment)
        record(
            "directory.organization_updated",
            organization,
            changes={"fields": changed},
            object_type="directory_organization",
            object_label=organization.name,
        )
    commit_and_index(service_ids)
    return changed
