"""Locations of organisations: addresses, coordinates and the services delivered there."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signalen.audit.services import record
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_text, parse_ids
from signalen.directory.models import (
    Address,
    Location,
    LocationType,
    Organization,
    Service,
    ServiceAtLocation,
)
from signalen.directory.services.common import (
    commit_and_index,
    get_by_id,
    parse_uuid,
    touch_services,
)
from signalen.directory.services.history import as_text, record_change, record_changes
from signalen.directory.services.validation import (
    COORDINATE_LIMITS,
    checked_as,
    clean_postal_code,
    municipality_for_city,
    parse_coordinate,
    require_street_and_city,
)
from signalen.extensions import db
from signalen.taxonomy.models import Municipality
from signalen.taxonomy.services import by_ids

# Fields of a location, in the order they are checked and applied: the address before the
# gemeente (found from the place), the links to services last.
LOCATION_FIELDS = (
    "location_type",
    "name",
    "address_1",
    "address_2",
    "postal_code",
    "city",
    "municipality",
    "latitude",
    "longitude",
    "url",
    "description",
    "transportation",
    "services",
)
ADDRESS_PARTS = ("address_1", "address_2", "postal_code", "city")


def get_location(location_id: object) -> Location | None:
    """The location with this id (a UUID or its text), or None."""
    return get_by_id(Location, location_id)


def location_label(location: Location) -> str:
    """A location as lists and the history name it: its name, with its address or web address."""
    name = location.name or str(_l("Locatie"))
    if location.address is not None:
        return f"{name} ({location.address.one_line})"
    return f"{name} ({location.url})" if location.url else name


def services_at(location: Location) -> list[Service]:
    """Every service delivered at ``location`` (of any organisation), by name."""
    found = db.session.scalars(
        select(Service).join(ServiceAtLocation).where(ServiceAtLocation.location_id == location.id)
    ).unique()
    return sorted(found, key=lambda service: (service.name, str(service.id)))


def locations_text(organization: Organization) -> str:
    """The locations of an organisation in words, for its history and forms."""
    return "; ".join(sorted(location_label(location) for location in organization.locations))


def own_services_at(location: Location) -> list[Service]:
    """The services of the location's own organisation delivered there, by name."""
    return [s for s in services_at(location) if s.organization_id == location.organization_id]


def location_value(location: Location, name: str) -> str:
    """A field of a location (its address parts, gemeente and services too) as text."""
    if name in ADDRESS_PARTS:
        address = location.address
        return (getattr(address, name) or "") if address is not None else ""
    if name == "municipality":
        return location.municipality.name if location.municipality is not None else ""
    if name == "services":
        return as_text(name, own_services_at(location))
    value = getattr(location, name, None)
    return "" if value is None else str(value)


def _clean_location_type(raw: object) -> str:
    text = clean_text(str(raw or "")) or LocationType.PHYSICAL.value
    if text not in {kind.value for kind in LocationType}:
        raise ServiceError(_l("Kies een soort locatie."), field="location_type")
    return text


def _clean_municipality(raw: object, city: str) -> Municipality | None:
    """The chosen gemeente; none chosen: the gemeente of the place, if there is one."""
    text = clean_text(str(raw or ""))
    if not text:
        return municipality_for_city(city)
    found = by_ids(Municipality, parse_ids([text]))
    if not found:
        raise ServiceError(_l("Kies een gemeente uit de lijst."), field="municipality")
    return found[0]


def _clean_services(organization: Organization, raw: object) -> list[Service]:
    """Services of ``organization`` chosen by id, by name."""
    chosen = raw if isinstance(raw, list | tuple | set) else ([raw] if raw else [])
    ids = {parse_uuid(value) for value in chosen}
    own = {service.id: service for service in organization.services}
    if not ids <= set(own):
        raise ServiceError(_l("Kies diensten van deze organisatie."), field="services")
    return sorted((own[i] for i in ids), key=lambda service: (service.name, str(service.id)))


def _clean_location(
    organization: Organization, location: Location | None, values: Mapping[str, object]
) -> dict[str, object]:
    """Check the typed values of a location, on their own and together: a building or postal
    address needs a street and a place, an online location a web address, the map both
    coordinates or none."""
    unknown = set(values) - set(LOCATION_FIELDS)
    if unknown:
        raise ServiceError(_l("Dit veld kan niet worden gewijzigd."), field=sorted(unknown)[0])
    country = "NL"
    if location is not None and location.address is not None:
        country = location.address.country or "NL"

    def final(name: str) -> object:
        if name in cleaned:
            return cleaned[name]
        return location_value(location, name) if location is not None else ""

    cleaned: dict[str, object] = {}
    for name in LOCATION_FIELDS:
        if name not in values:
            continue
        raw = values[name]
        if name == "location_type":
            cleaned[name] = _clean_location_type(raw)
        elif name == "postal_code":
            cleaned[name] = clean_postal_code(str(raw or ""), country)
        elif name == "municipality":
            cleaned[name] = _clean_municipality(raw, str(final("city")))
        elif name in COORDINATE_LIMITS:
            cleaned[name] = parse_coordinate(raw, name)
        elif name == "services":
            cleaned[name] = _clean_services(organization, raw)
        else:
            cleaned[name] = checked_as(name, name, raw)
    if final("location_type") == LocationType.VIRTUAL.value:
        if not final("url"):
            raise ServiceError(_l("Vul het webadres van deze online locatie in."), field="url")
    else:
        require_street_and_city(str(final("address_1")), str(final("city")), "address_1")
    latitude, longitude = (final(name) not in (None, "") for name in COORDINATE_LIMITS)
    if latitude != longitude:
        raise ServiceError(
            _l("Vul de breedtegraad en de lengtegraad allebei in, of laat ze allebei leeg."),
            field="longitude" if latitude else "latitude",
        )
    return cleaned


def _locations_text(service: Service) -> str:
    return "; ".join(sorted(location_label(location) for location in service.locations))


def _link_services(
    location: Location,
    wanted: Iterable[Service],
    candidates: Iterable[Service],
    updated_by: str,
) -> list[Service]:
    """Deliver the ``wanted`` services at ``location`` and none other of ``candidates``; each
    service whose locations changed gets a history row. Returns those services."""
    wanted_ids = {service.id for service in wanted}
    changed = []
    for service in candidates:
        links = [link for link in service.service_at_locations if link.location is location]
        if (service.id in wanted_ids) == bool(links):
            continue
        before = _locations_text(service)
        if links:
            for link in links:
                service.service_at_locations.remove(link)
        else:
            service.service_at_locations.append(ServiceAtLocation(location=location))
        record_change(
            service.id, "service", "locations", before, _locations_text(service), updated_by
        )
        changed.append(service)
    return changed


def _save_location(
    location: Location, cleaned: Mapping[str, object], updated_by: str
) -> tuple[list[str], list[uuid.UUID]]:
    """Apply checked values to a location with history; (changed fields, ids of the services
    at the location or linked or unlinked, marked as changed)."""
    linked: list[Service] = []

    def apply(name: str, value: object) -> None:
        if name in ADDRESS_PARTS:
            address = location.address
            if address is None:
                if not value:
                    return
                postal = location.location_type == LocationType.POSTAL.value
                address = Address(address_type="postal" if postal else "physical", country="NL")
                location.addresses.append(address)
            setattr(address, name, value)
        elif name == "services":
            own = location.organization.services
            linked.extend(_link_services(location, value, own, updated_by))  # type: ignore[arg-type]
        else:
            setattr(location, name, value)

    changed = record_changes(
        location.id,
        "location",
        cleaned,
        lambda name: location_value(location, name),
        apply,
        updated_by,
    )
    if not changed:
        return changed, []
    address = location.address
    if address is not None and not any(getattr(address, part) for part in ADDRESS_PARTS):
        location.addresses.remove(address)
    elif address is not None and location.municipality is not None:
        address.state_province = location.municipality.province
    moment = datetime.now(UTC)
    location.updated_at = moment
    if location.organization is not None:
        location.organization.updated_at = moment
    return changed, touch_services({*services_at(location), *linked}, moment)


def _record_locations(organization: Organization, before: str, updated_by: str) -> None:
    """History of the organisation's list of locations, when a location came or went."""
    after = locations_text(organization)
    if after != before:
        record_change(organization.id, "organization", "locations", before, after, updated_by)


def create_location(
    organization: Organization, values: Mapping[str, object], updated_by: str
) -> Location:
    """Add a location to an organisation (:data:`LOCATION_FIELDS`), recorded as created, every
    field in the history; nothing is stored when something is wrong."""
    cleaned = _clean_location(organization, None, values)
    before = locations_text(organization)
    location = Location(organization=organization)
    db.session.add(location)
    db.session.flush()
    record_change(
        location.id, "location", "*", "", str(cleaned.get("name") or ""), updated_by, "create"
    )
    _changed, service_ids = _save_location(location, cleaned, updated_by)
    _record_locations(organization, before, updated_by)
    record(
        "directory.location_created",
        location,
        object_type="directory_location",
        object_label=location_label(location),
    )
    commit_and_index(service_ids)
    return location


def update_location(location: Location, values: Mapping[str, object], updated_by: str) -> list[str]:
    """Change a location (:data:`LOCATION_FIELDS`), each change recorded as history; the
    services there count as changed. Returns the names of the changed fields.

    Everything is checked first; a wrong value raises ServiceError and changes nothing.
    """
    cleaned = _clean_location(location.organization, location, values)
    changed, service_ids = _save_location(location, cleaned, updated_by)
    if changed:
        record(
            "directory.location_updated",
            location,
            changes={"fields": changed},
            object_type="directory_location",
            object_label=location_label(location),
        )
    commit_and_index(service_ids)
    return changed


def delete_location(location: Location, updated_by: str) -> None:
    """Remove a location with its addresses and opening hours; the services delivered there
    (of any organisation) no longer are, each with a history row."""
    organization = location.organization
    before = locations_text(organization)
    label = location_label(location)
    unlinked = _link_services(location, [], services_at(location), updated_by)
    record_change(location.id, "location", "*", label, "", updated_by, "delete")
    record(
        "directory.location_deleted",
        location,
        object_type="directory_location",
        object_label=label,
    )
    organization.locations.remove(location)
    db.session.flush()
    moment = datetime.now(UTC)
    organization.updated_at = moment
    _record_locations(organization, before, updated_by)
    commit_and_index(touch_services(unlinked, moment))
