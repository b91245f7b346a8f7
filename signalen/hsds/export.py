"""Directory objects as HSDS 3.0 JSON (the shapes of the official compiled schemas).

Empty optional values are left out rather than sent as ``""`` or ``null``: the schemas type
most fields as plain strings with formats (uri, email, uuid) that an empty string breaks.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from signalen.directory.models import (
    Address,
    Contact,
    Language,
    Location,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from signalen.taxonomy.models import Theme

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("0f6f3a3e-7d0e-4d5e-9a39-3c1f0c2a8b11")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy:signalen-themas")
TAXONOMY_NAME = "Signalen thema's"
TAXONOMY_DESCRIPTION = (
    "De thema's van Signalen (twee niveaus), dezelfde indeling als bij de signalen."
)
LINK_TYPE = "service_taxonomy"


def theme_term_id(theme_id: int) -> uuid.UUID:
    """The stable HSDS taxonomy_term id of a Signalen theme."""
    return uuid.uuid5(NAMESPACE, f"theme:{theme_id}")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out None and empty strings; lists stay (an empty list is valid)."""
    return {k: v for k, v in data.items() if v is not None and v != ""}


def _time(value) -> str | None:
    return value.strftime("%H:%M") if value else None


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


def phone(item: Phone) -> dict[str, Any]:
    return _clean(
        {
            "id": str(item.id),
            "organization_id": str(item.organization_id) if item.organization_id else None,
            "service_id": str(item.service_id) if item.service_id else None,
            "location_id": str(item.location_id) if item.location_id else None,
            "contact_id": str(item.contact_id) if item.contact_id else None,
            "number": item.number,
            "extension": item.extension,
            "type": item.type,
            "description": item.description,
        }
    )


def contact(item: Contact) -> dict[str, Any]:
    return _clean(
        {
            "id": str(item.id),
            "organization_id": str(item.organization_id) if item.organization_id else None,
            "service_id": str(item.service_id) if item.service_id else None,
            "location_id": str(item.location_id) if item.location_id else None,
            "name": item.name,
            "title": item.title,
            "department": item.department,
            "email": item.email,
            "phones": [phone(p) for p in item.phones],
        }
    )


def schedule(item: Schedule) -> dict[str, Any]:
    return _clean(
        {
            "id": str(item.id),
            "service_id": str(item.service_id) if item.service_id else None,
            "location_id": str(item.location_id) if item.location_id else None,
            "service_at_location_id": str(item.service_at_location_id)
            if item.service_at_location_id
            else None,
            "valid_from": item.valid_from.isoformat() if item.valid_from else None,
            "valid_to": item.valid_to.isoformat() if item.valid_to else None,
            "freq": item.freq or None,
            "interval": item.interval,
            "byday": item.byday,
            "bymonthday": item.bymonthday,
            "opens_at": _time(item.opens_at),
            "closes_at": _time(item.closes_at),
            "description": item.description,
            "notes": item.notes,
            "attending_type": item.attending_type,
        }
    )


def address(item: Address) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(item.id),
            "location_id": str(item.location_id),
            "attention": item.attention,
            "address_2": item.address_2,
            "region": item.region,
        }
    )
    # Required by the schema, so always present (possibly empty).
    data.update(
        address_1=item.address_1,
        city=item.city,
        state_province=item.state_province,
        postal_code=item.postal_code,
        country=item.country,
        address_type=item.address_type,
    )
    return data


def language(item: Language) -> dict[str, Any]:
    return _clean(
        {
            "id": str(item.id),
            "service_id": str(item.service_id),
            "name": item.name,
            "code": item.code,
            "note": item.note,
        }
    )


def location(item: Location) -> dict[str, Any]:
    return _clean(
        {
            "id": str(item.id),
            "location_type": item.location_type,
            "url": item.url,
            "organization_id": str(item.organization_id) if item.organization_id else None,
            "name": item.name,
            "description": item.description,
            "transportation": item.transportation,
            "latitude": item.latitude,
            "longitude": item.longitude,
            "addresses": [address(a) for a in item.addresses],
            "phones": [phone(p) for p in item.phones],
            "schedules": [schedule(s) for s in item.schedules],
        }
    )


def service_area(item: ServiceArea) -> dict[str, Any]:
    return _clean(
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
    )


def service_at_location(item: ServiceAtLocation) -> dict[str, Any]:
    return _clean(
        {
            "id": str(item.id),
            "service_id": str(item.service_id),
            "location_id": str(item.location_id),
            "description": item.description,
            "location": location(item.location),
        }
    )


def metadata(item: Metadata) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "resource_id": str(item.resource_id),
        "resource_type": item.resource_type,
        "last_action_date": item.last_action_date.date().isoformat(),
        "last_action_type": item.last_action_type,
        "field_name": item.field_name,
        "previous_value": item.previous_value,
        "replacement_value": item.replacement_value,
        "updated_by": item.updated_by,
    }


def _modified(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def organization_basic(item: Organization) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(item.id),
            "name": item.name,
            "alternate_name": item.alternate_name,
            "email": item.email,
            "website": item.website,
            "parent_organization_id": str(item.parent_organization_id)
            if item.parent_organization_id
            else None,
        }
    )
    data["description"] = item.description or ""
    return data


def service_basic(item: Service) -> dict[str, Any]:
    return _clean(
        {
            "id": str(item.id),
            "organization_id": str(item.organization_id),
            "name": item.name,
            "alternate_name": item.alternate_name,
            "description": item.description,
            "url": item.url,
            "email": item.email,
            "status": item.status,
            "interpretation_services": item.interpretation_services,
            "application_process": item.application_process,
            "fees_description": item.fees_description,
            "eligibility_description": item.eligibility_description,
            "minimum_age": item.minimum_age,
            "maximum_age": item.maximum_age,
            "assured_date": item.assured_date.isoformat() if item.assured_date else None,
            "assurer_email": item.assurer_email,
            "alert": item.alert,
            "last_modified": _modified(item.updated_at),
        }
    )


def service_full(item: Service, history: list[Metadata], with_organization: bool = True):
    data = service_basic(item)
    data.update(
        phones=[phone(p) for p in item.phones],
        schedules=[schedule(s) for s in item.schedules],
        service_areas=[service_area(a) for a in item.service_areas],
        service_at_locations=[service_at_location(s) for s in item.service_at_locations],
        languages=[language(lang) for lang in item.languages],
        contacts=[contact(c) for c in item.contacts],
        attributes=[
            {
                "id": str(uuid.uuid5(NAMESPACE, f"attribute:{item.id}:{theme.id}")),
                "link_id": str(item.id),
                "link_type": LINK_TYPE,
                "link_entity": "service",
                "taxonomy_term_id": str(theme_term_id(theme.id)),
                "taxonomy_term": taxonomy_term(theme, detail=True),
            }
            for theme in item.themes
        ],
        metadata=[metadata(m) for m in history],
    )
    if with_organization:
        data["organization"] = organization_basic(item.organization)
    return data


def organization_full(item: Organization, histories: dict[uuid.UUID, list[Metadata]]):
    data = organization_basic(item)
    data.update(
        phones=[phone(p) for p in item.phones],
        contacts=[contact(c) for c in item.contacts],
        locations=[location(loc) for loc in item.locations],
        services=[
            service_full(s, histories.get(s.id, []), with_organization=False) for s in item.services
        ],
    )
    return data
