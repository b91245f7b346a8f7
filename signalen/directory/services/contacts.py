"""Contacts (persons or desks) of organisations and services."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from signalen.audit.services import record
from signalen.core.errors import ServiceError
from signalen.directory.models import Contact, Organization, Service
from signalen.directory.services.common import get_by_id, replace_phones
from signalen.directory.services.history import record_change, record_changes
from signalen.directory.services.locations import location_label
from signalen.directory.services.validation import clean_fields
from signalen.extensions import db

# Fields of a contact person or desk (HSDS ``contact``), in the order of the form. Contacts are
# staff of the organisation, not clients: like the organisation's and the service's own
# fields, what a coordinator types here is not run through the privacy guard (only "meld een
# wijziging", which anyone writes, is). Contacts of a location are not edited here.
CONTACT_FIELDS = ("name", "title", "department", "email", "phones")


def get_contact(contact_id: object) -> Contact | None:
    """The contact with this id (a UUID or its text), or None."""
    return get_by_id(Contact, contact_id)


def contact_owner(contact: Contact) -> Organization | Service | None:
    """The service or organisation whose contact this is; None for a contact of a location."""
    if contact.service_id is not None:
        return contact.service
    if contact.location_id is None and contact.organization_id is not None:
        return db.session.get(Organization, contact.organization_id)
    return None


def _edited_owner(contact: Contact) -> Organization | Service:
    owner = contact_owner(contact)
    if owner is None:
        raise ServiceError(_l("Contactpersonen van een locatie worden hier niet gewijzigd."))
    return owner


def contact_label(contact: Contact) -> str:
    """A contact as lists and the history name it: the name, with the title and department."""
    details = ", ".join(part for part in (contact.title, contact.department) if part)
    name = contact.name or str(_l("Contactpersoon"))
    return f"{name} ({details})" if details else name


def contact_value(contact: Contact, name: str) -> str:
    """A field of a contact as text, the way history and forms show it."""
    if name == "phones":
        return "; ".join(sorted(phone.number for phone in contact.phones))
    value = getattr(contact, name, None)
    return "" if value is None else str(value)


def history_parts(owner: Organization | Service) -> dict[uuid.UUID, str]:
    """The parts whose history the page of ``owner`` shows with its own, by the name the
    history gives them: an organisation's locations and contacts; a service's contacts (with
    the service itself, "Dienst", when there are any)."""
    contacts = {
        contact.id: str(_l("Contactpersoon %(name)s", name=contact_label(contact)))
        for contact in owner.contacts
    }
    if isinstance(owner, Service):
        return {owner.id: str(_l("Dienst")), **contacts} if contacts else {}
    return {**{loc.id: location_label(loc) for loc in owner.locations}, **contacts}


def _contacts_text(owner: Organization | Service) -> str:
    return "; ".join(sorted(contact_label(contact) for contact in owner.contacts))


def _owner_type(owner: Organization | Service) -> str:
    return "service" if isinstance(owner, Service) else "organization"


def _save_contact(contact: Contact, cleaned: Mapping[str, object], updated_by: str) -> list[str]:
    """Apply checked values to a contact, each change a history row; the changed fields."""

    def apply(name: str, value: object) -> None:
        if name == "phones":
            replace_phones(contact, value, contact_id=contact.id)  # type: ignore[arg-type]
        else:
            setattr(contact, name, value)

    return record_changes(
        contact.id,
        "contact",
        cleaned,
        lambda name: contact_value(contact, name),
        apply,
        updated_by,
    )


def _contacts_changed(owner: Organization | Service, before: str | None, updated_by: str) -> None:
    """Commit a change of one of ``owner``'s contacts: the owner counts as changed (HSDS
    ``last_modified``) and, when a contact came or went (``before``: its list of contacts
    before), its list of contacts gets a history row."""
    db.session.flush()
    db.session.expire(owner, ["contacts"])
    after = _contacts_text(owner)
    if before is not None and after != before:
        record_change(owner.id, _owner_type(owner), "contacts", before, after, updated_by)
    owner.updated_at = datetime.now(UTC)
    db.session.commit()


def create_contact(
    owner: Organization | Service, values: Mapping[str, object], updated_by: str
) -> Contact:
    """Add a contact to an organisation or a service (:data:`CONTACT_FIELDS`; a name is
    required), recorded as created with every field in the history; nothing is stored when
    something is wrong."""
    cleaned = clean_fields({"name": "", **values}, CONTACT_FIELDS)
    before = _contacts_text(owner)
    key = "service_id" if isinstance(owner, Service) else "organization_id"
    contact = Contact(**{key: owner.id})
    db.session.add(contact)
    db.session.flush()
    record_change(contact.id, "contact", "*", "", str(cleaned["name"]), updated_by, "create")
    _save_contact(contact, cleaned, updated_by)
    record(
        "directory.contact_created",
        contact,
        object_type="directory_contact",
        object_label=contact_label(contact),
    )
    _contacts_changed(owner, before, updated_by)
    return contact


def update_contact(contact: Contact, values: Mapping[str, object], updated_by: str) -> list[str]:
    """Change a contact (:data:`CONTACT_FIELDS`), each change recorded as history; its
    organisation or service counts as changed. Returns the names of the changed fields.

    Everything is checked first; a wrong value raises ServiceError and changes nothing.
    """
    owner = _edited_owner(contact)
    changed = _save_contact(contact, clean_fields(values, CONTACT_FIELDS), updated_by)
    if changed:
        record(
            "directory.contact_updated",
            contact,
            changes={"fields": changed},
            object_type="directory_contact",
            object_label=contact_label(contact),
        )
        _contacts_changed(owner, None, updated_by)
    return changed


def delete_contact(contact: Contact, updated_by: str) -> None:
    """Remove a contact with its phone numbers; the history of its organisation or service
    keeps its name."""
    owner = _edited_owner(contact)
    before = _contacts_text(owner)
    label = contact_label(contact)
    replace_phones(contact, [])
    record_change(contact.id, "contact", "*", label, "", updated_by, "delete")
    record(
        "directory.contact_deleted",
        contact,
        object_type="directory_contact",
        object_label=label,
    )
    db.session.delete(contact)
    _contacts_changed(owner, before, updated_by)
