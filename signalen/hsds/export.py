"""Directory objects as HSDS 3.0 JSON (the shapes of the official compiled schemas).

Empty optional values are left out rather than sent as ``""`` or ``null``: the schemas type
most fields as plain strings with formats (uri, email, uuid) that an empty string breaks.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

from flask import has_request_context
from flask_login import current_user

from signalen.auth.models import MANAGERS
from signalen.directory import models as m
from signalen.taxonomy.models import Theme

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("0f6f3a3e-7d0e-4d5e-9a39-3c1f0c2a8b11")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy:signalen-themas")
TAXONOMY_NAME = "Signalen thema's"
TAXONOMY_DESCRIPTION = (
    "De thema's van Signalen (twee niveaus), dezelfde indeling als bij de signalen."
)
LINK_TYPE = "service_taxonomy"
# Who changed an entry, as the public sees it: HSDS requires a value, an address is personal.
PUBLIC_EDITOR = "Signalen"


@cache
def theme_term_id(theme_id: int) -> uuid.UUID:
    """The stable HSDS taxonomy_term id of a Signalen theme."""
    return uuid.uuid5(NAMESPACE, f"theme:{theme_id}")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out None and empty strings; lists stay (an empty list is valid)."""
    return {k: v for k, v in data.items() if v is not None and v != ""}


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(item: Any, *names: str, keep_empty: bool = False) -> dict[str, Any]:
    """These attributes of ``item`` as HSDS JSON values; empty ones left out unless
    ``keep_empty`` (for fields the schema requires)."""
    data = {name: _json(getattr(item, name)) for name in names}
    return data if keep_empty else _clean(data)


def _with_extra(item: Any, data: dict[str, Any], one_to_one: bool = False) -> dict[str, Any]:
    """``data`` with the HSDS fields kept from an import (``hsds_extra``) that Signalen does
    not model; Signalen's own fields win. ``one_to_one`` keeps only fields of one value (and
    single objects such as ``program``), for the lists of the API."""
    extra = getattr(item, "hsds_extra", None) or {}
    if one_to_one:
        extra = {key: value for key, value in extra.items() if not isinstance(value, list)}
    return {**extra, **data}


def taxonomy() -> dict[str, Any]:
    """The one taxonomy: Signalen's themes."""
    return {
        "id": str(TAXONOMY_ID),
        "name": TAXONOMY_NAME,
        "description": TAXONOMY_DESCRIPTION,
        "version": "1",
    }


def taxonomy_term(theme: Theme, detail: bool = False) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(theme_term_id(theme.id)),
            "code": str(theme.id),
            "name": theme.name,
            "description": theme.description or theme.name,
            "parent_id": str(theme_term_id(theme.parent_id)) if theme.parent_id else None,
            "taxonomy": TAXONOMY_NAME,
            "taxonomy_id": str(TAXONOMY_ID),
            "language": "nl",
        }
    )
    if detail:
        data["taxonomy_detail"] = taxonomy()
    return data


def phone(item: m.Phone) -> dict[str, Any]:
    return _with_extra(
        item,
        _row(
            item,
            *("id", "organization_id", "service_id", "location_id", "contact_id"),
            *("number", "extension", "type", "description"),
        ),
    )


def contact(item: m.Contact, history: list[m.Metadata] | None = None) -> dict[str, Any]:
    data = _row(
        item,
        *("id", "organization_id", "service_id", "location_id"),
        *("name", "title", "department", "email"),
    )
    return _with_extra(
        item,
        {
            **data,
            "phones": [phone(p) for p in item.phones],
            **({"metadata": [metadata(row) for row in history]} if history is not None else {}),
        },
    )


def schedule(item: m.Schedule) -> dict[str, Any]:
    return _with_extra(
        item,
        _row(
            item,
            *(
                "id",
                "service_id",
                "location_id",
                "service_at_location_id",
                "valid_from",
                "valid_to",
            ),
            *("freq", "interval", "byday", "bymonthday", "opens_at", "closes_at"),
            *("description", "notes", "attending_type"),
        ),
    )


def address(item: m.Address) -> dict[str, Any]:
    return _with_extra(
        item,
        {
            **_row(item, "id", "location_id", "attention", "address_2", "region"),
            # Required by the schema, so always present (possibly empty).
            **_row(
                item,
                *("address_1", "city", "state_province", "postal_code", "country", "address_type"),
                keep_empty=True,
            ),
        },
    )


def language(item: m.Language) -> dict[str, Any]:
    return _with_extra(item, _row(item, "id", "service_id", "name", "code", "note"))


def location_basic(item: m.Location) -> dict[str, Any]:
    """The location's own fields (one value each), as in lists."""
    data = _row(
        item,
        *("id", "location_type", "url", "organization_id", "name", "description"),
        *("transportation", "latitude", "longitude"),
    )
    return _with_extra(item, data, one_to_one=True)


def location(item: m.Location, history: list[m.Metadata] | None = None) -> dict[str, Any]:
    data = {
        **location_basic(item),
        "addresses": [address(a) for a in item.addresses],
        "phones": [phone(p) for p in item.linked_phones],
        "schedules": [schedule(s) for s in item.linked_schedules],
        "contacts": [contact(c) for c in item.linked_contacts],
        **({"metadata": [metadata(row) for row in history]} if history is not None else {}),
    }
    return _with_extra(item, data)


def service_area(item: m.ServiceArea) -> dict[str, Any]:
    """Signalen's extent (a CBS gemeente code, provincie or the country) wins over the one
    kept from an import; an area Signalen does not know gives the imported one back."""
    return _with_extra(
        item,
        _clean(
            {
                "id": str(item.id),
                "service_id": str(item.service_id),
                "name": item.label,
                "description": item.description,
                "extent": item.municipality.code if item.municipality else None,
                "extent_type": {
                    "gemeente": "cbs_gemeentecode",
                    "provincie": "provincie",
                    "landelijk": "land",
                }.get(item.kind),
            }
        ),
    )


def service_at_location(item: m.ServiceAtLocation) -> dict[str, Any]:
    data = _row(item, "id", "service_id", "location_id", "description")
    return _with_extra(
        item,
        {
            **data,
            "schedules": [schedule(s) for s in item.schedules],
            "location": location(item.location),
        },
    )


def service_at_location_basic(item: m.ServiceAtLocation) -> dict[str, Any]:
    """As in the list: the link with its location's and service's own fields."""
    data = _row(item, "id", "service_id", "location_id", "description")
    return {
        **_with_extra(item, data, one_to_one=True),
        "location": location_basic(item.location),
        "service": service_list_item(item.service),
    }


def service_at_location_full(
    item: m.ServiceAtLocation, histories: dict[uuid.UUID, list[m.Metadata]]
) -> dict[str, Any]:
    """The link with its location and the full service (without the service's own list of
    locations, which would hold this link again)."""
    service = service_full(item.service, histories.get(item.service_id, []), histories=histories)
    service.pop("service_at_locations", None)
    return {**service_at_location(item), "service": service}


def _staff_visible() -> bool:
    """Whether the e-mail addresses of whoever checked or changed an entry may be shown:
    to the coordinators and beheerders who keep the sociale kaart, not to the public."""
    return (
        has_request_context() and current_user.is_authenticated and current_user.has_role(*MANAGERS)
    )


def metadata(item: m.Metadata) -> dict[str, Any]:
    data = _row(
        item,
        *("id", "resource_id", "resource_type", "last_action_type", "field_name"),
        *("previous_value", "replacement_value", "updated_by"),
        keep_empty=True,
    )
    if not _staff_visible():
        data["updated_by"] = PUBLIC_EDITOR
        if item.field_name == "assurer_email":
            data["previous_value"] = data["replacement_value"] = ""
    return {**data, "last_action_date": item.last_action_date.date().isoformat()}


def modified(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def organization_basic(item: m.Organization) -> dict[str, Any]:
    data = _row(item, "id", "name", "alternate_name", "email", "website", "parent_organization_id")
    return _with_extra(item, {**data, "description": item.description or ""}, one_to_one=True)


def organization_nested(
    item: m.Organization, histories: dict[uuid.UUID, list[m.Metadata]] | None = None
) -> dict[str, Any]:
    """The organization with its own phones, contacts, locations and kept HSDS fields, as
    a service names it (without its services)."""
    histories = histories or {}
    data = organization_basic(item)
    data.update(
        phones=[phone(p) for p in item.phones],
        contacts=[contact(c, histories.get(c.id, [])) for c in item.linked_contacts],
        locations=[location(loc, histories.get(loc.id, [])) for loc in item.locations],
        metadata=[metadata(row) for row in histories.get(item.id, [])],
    )
    return _with_extra(item, data)


def service_basic(item: m.Service) -> dict[str, Any]:
    data = _row(
        item,
        *("id", "organization_id", "name", "alternate_name", "description", "url", "email"),
        *("status", "interpretation_services", "application_process", "fees_description"),
        *("eligibility_description", "minimum_age", "maximum_age", "assured_date"),
        *("assurer_email", "alert"),
    )
    if not _staff_visible():
        data.pop("assurer_email", None)
    data = _clean({**data, "last_modified": modified(item.updated_at)})
    return _with_extra(item, data, one_to_one=True)


def service_list_item(item: m.Service) -> dict[str, Any]:
    """A service as lists give it: its own fields and its organization's."""
    return {**service_basic(item), "organization": organization_basic(item.organization)}


def _kept_attributes(item: m.Service) -> list[dict[str, Any]]:
    """The imported attributes that name no Signalen theme, as they were imported."""
    kept = (item.hsds_extra or {}).get("attributes")
    return [a for a in kept if isinstance(a, dict)] if isinstance(kept, list) else []


def service_full(
    item: m.Service,
    history: list[m.Metadata],
    with_organization: bool = True,
    histories: dict[uuid.UUID, list[m.Metadata]] | None = None,
):
    """The service with everything that belongs to it; its contacts with their change history
    from ``histories``."""
    histories = histories or {}
    data = service_basic(item)
    data.update(
        phones=[phone(p) for p in item.phones],
        schedules=[schedule(s) for s in item.schedules],
        service_areas=[service_area(a) for a in item.service_areas],
        service_at_locations=[service_at_location(s) for s in item.service_at_locations],
        languages=[language(lang) for lang in item.languages],
        contacts=[contact(c, histories.get(c.id, [])) for c in item.contacts],
        attributes=[
            *_kept_attributes(item),
            *(
                {
                    "id": str(uuid.uuid5(NAMESPACE, f"attribute:{item.id}:{theme.id}")),
                    "link_id": str(item.id),
                    "link_type": LINK_TYPE,
                    "link_entity": "service",
                    "taxonomy_term_id": str(theme_term_id(theme.id)),
                    "taxonomy_term": taxonomy_term(theme, detail=True),
                }
                for theme in item.themes
            ),
        ],
        metadata=[metadata(m) for m in history],
    )
    if with_organization:
        data["organization"] = organization_nested(item.organization, histories)
    return _with_extra(item, data)


def organization_full(
    item: m.Organization,
    histories: dict[uuid.UUID, list[m.Metadata]],
    full_services: bool = True,
) -> dict[str, Any]:
    """The organization with its services, locations and contacts, each with its change
    history; its services in full, or (``full_services`` false) with their own fields only."""
    data = organization_nested(item, histories)
    if full_services:
        data["services"] = [
            service_full(s, histories.get(s.id, []), False, histories) for s in item.services
        ]
    else:
        data["services"] = [service_basic(s) for s in item.services]
    return data
