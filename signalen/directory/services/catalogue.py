"""Editing services: fields, verification, opening hours and new services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l

from signalen.audit.services import record
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_line, clean_text
from signalen.directory.hours import Hours, hours_text, is_simple, weekly_hours
from signalen.directory.models import (
    NAME_MAX_LENGTH,
    Address,
    AreaKind,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from signalen.directory.services.common import index_services
from signalen.directory.services.history import record_change, record_changes
from signalen.directory.services.validation import (
    LANGUAGE_NAMES,
    Areas,
    area_text,
    area_value,
    clean_postal_code,
    clean_value,
    municipality_for_city,
    require_street_and_city,
)
from signalen.extensions import db
from signalen.taxonomy.models import Municipality
from signalen.taxonomy.services import by_ids

# Fields a coordinator edits, in the order of the form.
EDITABLE_FIELDS = (
    "name",
    "status",
    "description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "application_process",
    "fees_description",
    "url",
    "email",
    "phone",
    "languages",
    "themes",
    "areas",
    "review_interval_months",
)


def current_value(service: Service, name: str) -> str:
    """The value of ``name`` as text, the way history and forms show it."""
    if name == "phone":
        return service.phones[0].number if service.phones else ""
    if name == "address":
        return "; ".join(
            location.address.one_line for location in service.locations if location.address
        )
    if name == "languages":
        return ", ".join(service.language_codes)
    if name == "themes":
        return ", ".join(sorted(theme.full_name for theme in service.themes))
    if name == "areas":
        return area_text(area_value(service.service_areas))
    value = getattr(service, name, None)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _apply_areas(service: Service, areas: Areas) -> None:
    """Replace the area rows; rows that stay keep their id (HSDS exchange)."""
    wanted: list[tuple[str, int | None, str]] = []
    if areas.national:
        wanted.append((AreaKind.NATIONAL.value, None, ""))
    wanted += [(AreaKind.PROVINCE.value, None, name) for name in areas.provinces]
    wanted += [(AreaKind.MUNICIPALITY.value, i, "") for i in areas.municipality_ids]
    existing = {(a.kind, a.municipality_id, a.province or ""): a for a in service.service_areas}
    names = {m.id: m.name for m in by_ids(Municipality, areas.municipality_ids)}
    service.service_areas = [
        existing.get(key)
        or ServiceArea(
            kind=key[0],
            municipality_id=key[1],
            province=key[2],
            name=names.get(key[1], key[2]) if key[1] or key[2] else "Nederland",
        )
        for key in wanted
    ]


def _apply(service: Service, name: str, value: object) -> None:
    if name == "themes":
        service.themes = list(value)  # type: ignore[call-overload]
        return
    if name == "areas":
        _apply_areas(service, value)  # type: ignore[arg-type]
        return
    if name == "phone":
        if service.phones:
            if value:
                service.phones[0].number = str(value)
            else:
                db.session.delete(service.phones[0])
                service.phones.pop(0)
        elif value:
            service.phones.append(Phone(number=str(value), organization_id=service.organization_id))
        return
    if name == "languages":
        wanted = [code for code in str(value).split(", ") if code]
        existing = {language.code: language for language in service.languages}
        service.languages = [
            existing.get(code) or Language(code=code, name=LANGUAGE_NAMES.get(code, code))
            for code in wanted
        ]
        return
    setattr(service, name, value)


def update_service(
    service: Service,
    values: Mapping[str, object],
    updated_by: str,
    verified: bool = True,
    commit: bool = True,
) -> list[str]:
    """Change fields of ``service``, record each change as history and (by default) mark the
    service as checked today by ``updated_by``. Returns the names of the changed fields.

    Everything is checked first; a wrong value raises ServiceError and changes nothing.
    """
    cleaned: dict[str, object] = {}
    for name, raw in values.items():
        if name not in EDITABLE_FIELDS:
            raise ServiceError(_l("Dit veld kan niet worden gewijzigd."), field=name)
        cleaned[name] = clean_value(name, raw)
    minimum = cleaned.get("minimum_age", service.minimum_age)
    maximum = cleaned.get("maximum_age", service.maximum_age)
    if minimum is not None and maximum is not None and int(minimum) > int(maximum):
        raise ServiceError(
            _l("De minimumleeftijd is hoger dan de maximumleeftijd."), field="minimum_age"
        )
    changed = record_changes(
        service.id,
        "service",
        cleaned,
        lambda name: current_value(service, name),
        lambda name, value: _apply(service, name, value),
        updated_by,
    )
    if verified:
        mark_checked(service, updated_by)
    if changed:
        service.updated_at = datetime.now(UTC)
        record(
            "directory.service_updated",
            service,
            changes={"fields": changed},
            object_type="directory_service",
            object_label=service.name,
        )
    if commit:
        db.session.commit()
        index_services([service.id])
    return changed


def mark_checked(service: Service, updated_by: str) -> None:
    today = local_today()
    previous = service.assured_date.isoformat() if service.assured_date else ""
    record_change(service.id, "service", "assured_date", previous, today.isoformat(), updated_by)
    if service.assurer_email != updated_by:
        record_change(
            service.id, "service", "assurer_email", service.assurer_email, updated_by, updated_by
        )
    service.assured_date = today
    service.assurer_email = updated_by


def mark_verified(service: Service, updated_by: str) -> None:
    """Record that ``updated_by`` checked ``service`` today and found it unchanged."""
    mark_checked(service, updated_by)
    record(
        "directory.service_verified",
        service,
        object_type="directory_service",
        object_label=service.name,
    )
    db.session.commit()


@dataclass(frozen=True)
class NewAddress:
    """The visiting address of a new service's location (all parts may be empty)."""

    street: str = ""
    postal_code: str = ""
    city: str = ""


def _location_for(organization: Organization, address: NewAddress) -> Location | None:
    street, postal_code, city = (clean_text(part) for part in astuple(address))
    if not (street or postal_code or city):
        return None
    require_street_and_city(street, city, "street")
    if len(street) > NAME_MAX_LENGTH or len(city) > NAME_MAX_LENGTH:
        raise ServiceError(_l("Dit adres is te lang."), field="street")
    postal_code = clean_postal_code(postal_code)
    municipality = municipality_for_city(city)
    location = Location(
        organization=organization, name=organization.name, municipality=municipality
    )
    location.addresses.append(
        Address(
            address_1=street,
            postal_code=postal_code,
            city=city,
            state_province=municipality.province if municipality else "",
        )
    )
    db.session.add(location)
    return location


def create_service(
    organization: Organization | None,
    organization_name: str,
    values: Mapping[str, object],
    address: NewAddress,
    created_by: str,
) -> Service:
    """Add a service to the sociale kaart, for an existing organisation or a new one (by
    name), with a visiting address when given; checked like an edit, recorded as created
    and as checked today by ``created_by``. Nothing is stored when something is wrong."""
    if organization is None:
        name = clean_line(
            organization_name,
            max_length=NAME_MAX_LENGTH,
            field="organization_name",
            empty_message=_l("Kies een organisatie, of vul de naam van een nieuwe in."),
        )
        organization = Organization(name=name)
        db.session.add(organization)
    service = Service(organization=organization, name=str(values.get("name") or "").strip())
    db.session.add(service)
    location = _location_for(organization, address)
    if location is not None:
        service.service_at_locations.append(ServiceAtLocation(location=location))
    db.session.flush()
    record_change(service.id, "service", "*", "", service.name, created_by, "create")
    update_service(service, values, created_by, commit=False)
    record(
        "directory.service_created",
        service,
        object_type="directory_service",
        object_label=service.name,
    )
    db.session.commit()
    index_services([service.id])
    return service


def update_hours(service: Service, hours: Hours, updated_by: str) -> bool:
    """Make ``hours`` the service's own weekly opening hours (special rules, like "every first
    Monday", stay), record the change and mark the service as checked. True when changed."""
    previous = hours_text(weekly_hours(service))
    replacement = hours_text(hours)
    changed = previous != replacement
    if changed:
        kept = [schedule for schedule in service.schedules if not is_simple(schedule)]
        service.schedules = kept + [
            Schedule(freq="WEEKLY", byday=day, opens_at=opens, closes_at=closes)
            for day, periods in hours.items()
            for opens, closes in periods
        ]
        record_change(service.id, "service", "schedules", previous, replacement, updated_by)
        service.updated_at = datetime.now(UTC)
        record(
            "directory.service_updated",
            service,
            changes={"fields": ["schedules"]},
            object_type="directory_service",
            object_label=service.name,
        )
    mark_checked(service, updated_by)
    db.session.commit()
    return changed
