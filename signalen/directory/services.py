"""Logic of the sociale kaart: lookups, review dates, editing with field-level history (HSDS
``metadata``), verification, and change requests ("meld een wijziging") from anyone."""

from __future__ import annotations

import calendar
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import astuple, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from signalen.audit.services import record
from signalen.auth.models import User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_line, clean_text, parse_ids, parse_int
from signalen.directory.hours import (
    WEEKDAY_LABELS,
    WEEKDAYS,
    byday_parts,
    service_schedules,
)
from signalen.directory.models import (
    NAME_MAX_LENGTH,
    SHORT_TEXT_MAX_LENGTH,
    Address,
    AreaKind,
    ChangeRequest,
    ChangeRequestItem,
    ChangeStatus,
    Contact,
    Language,
    Location,
    LocationType,
    Metadata,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
)
from signalen.extensions import db
from signalen.notifications import services as notifications
from signalen.privacy.services import find_personal_data
from signalen.taxonomy.models import Municipality, Theme
from signalen.taxonomy.services import by_ids

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

DUE_SOON_DAYS = 30
M = TypeVar("M")
MAX_EXPLANATION_LENGTH = 2_000


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


# Review dates --------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (the 31st becomes the last day of a short month)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review_date(service: Service) -> date | None:
    """When ``service`` must be checked again; None when it was never checked (due now)."""
    if service.assured_date is None:
        return None
    return add_months(service.assured_date, service.review_interval_months or 6)


def is_overdue(service: Service, today: date | None = None) -> bool:
    """True when the review date has passed, or the service was never checked."""
    today = today or local_today()
    due = next_review_date(service)
    return due is None or due < today


def is_due_soon(service: Service, today: date | None = None, days: int = DUE_SOON_DAYS) -> bool:
    """True when the service is not overdue but must be checked within ``days`` days."""
    today = today or local_today()
    due = next_review_date(service)
    return due is not None and today <= due <= today + timedelta(days=days)


def review_lists(
    today: date | None = None, days: int = DUE_SOON_DAYS
) -> tuple[list[Service], list[Service]]:
    """(overdue, due soon) services that are not defunct. Overdue: never checked first, then
    the longest overdue; due soon: the soonest first."""
    today = today or local_today()
    services = db.session.scalars(
        select(Service).where(Service.status != ServiceStatus.DEFUNCT.value).order_by(Service.name)
    ).all()
    overdue = [s for s in services if is_overdue(s, today)]
    soon = [s for s in services if is_due_soon(s, today, days)]
    overdue.sort(key=lambda s: (next_review_date(s) or date.min, s.name))
    soon.sort(key=lambda s: (next_review_date(s), s.name))
    return overdue, soon


def due_by_organization(today: date | None = None, days: int = DUE_SOON_DAYS):
    """Services that are overdue or due within ``days`` days, grouped by organisation:
    a list of (organisation, services) by organisation name."""
    overdue, soon = review_lists(today, days)
    groups: dict[uuid.UUID, tuple] = {}
    for service in [*overdue, *soon]:
        organization = service.organization
        groups.setdefault(organization.id, (organization, []))[1].append(service)
    return sorted(groups.values(), key=lambda group: group[0].name.lower())


# Fields, their labels and their checks ---------------------------------------------------------

FIELD_LABELS: dict[str, object] = {
    "name": _l("Naam"),
    "description": _l("Omschrijving"),
    "status": _l("Status"),
    "eligibility_description": _l("Voor wie"),
    "minimum_age": _l("Minimumleeftijd"),
    "maximum_age": _l("Maximumleeftijd"),
    "application_process": _l("Hoe aanmelden"),
    "fees_description": _l("Kosten"),
    "url": _l("Website"),
    "email": _l("E-mailadres"),
    "phone": _l("Telefoonnummer"),
    "languages": _l("Talen (codes, gescheiden door komma's, bijvoorbeeld nl, en, ar)"),
    "review_interval_months": _l("Controleren elke … maanden"),
    "assured_date": _l("Laatst gecontroleerd op"),
    "assurer_email": _l("Gecontroleerd door"),
    "themes": _l("Thema's"),
    "areas": _l("Werkgebied"),
    "schedules": _l("Openingstijden"),
    "*": _l("Aangemaakt"),
    "alternate_name": _l("Andere naam"),
    "interpretation_services": _l("Tolken"),
    "alert": _l("Melding"),
    "organization_id": _l("Organisatie"),
    "address": _l("Adres"),
    "other": _l("Iets anders"),
    "website": _l("Website"),
    "phones": _l("Telefoonnummers"),
    "locations": _l("Locaties"),
    "location_type": _l("Soort locatie"),
    "address_1": _l("Straat en huisnummer"),
    "address_2": _l("Tweede adresregel"),
    "postal_code": _l("Postcode"),
    "city": _l("Plaats"),
    "municipality": _l("Gemeente"),
    "latitude": _l("Breedtegraad"),
    "longitude": _l("Lengtegraad"),
    "transportation": _l("Bereikbaarheid"),
    "services": _l("Diensten op deze locatie"),
    "title": _l("Functie"),
    "department": _l("Afdeling"),
    "contacts": _l("Contactpersonen"),
}
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
# Fields anyone may propose a new value for; "address" and "other" are texts a coordinator
# handles by hand (NOT_APPLIED), the others are applied on approval.
PROPOSABLE_FIELDS = (
    "phone",
    "email",
    "url",
    "address",
    "status",
    "name",
    "description",
    "eligibility_description",
    "application_process",
    "fees_description",
    "other",
)
NOT_APPLIED = ("address", "other")
# Proposals of free text are checked for personal data like the explanation. The service's
# own address, phone number, e-mail address and website are what those fields are for.
FREE_TEXT_PROPOSALS = tuple(
    name for name in PROPOSABLE_FIELDS if name not in ("phone", "email", "url", "address", "status")
)
TEXT_LIMITS = {
    "name": 200,
    "description": 5_000,
    "eligibility_description": 2_000,
    "application_process": 2_000,
    "fees_description": 1_000,
    "address": 300,
    "other": 2_000,
    "alternate_name": NAME_MAX_LENGTH,
    "address_1": NAME_MAX_LENGTH,
    "address_2": NAME_MAX_LENGTH,
    "city": NAME_MAX_LENGTH,
    "transportation": SHORT_TEXT_MAX_LENGTH,
    "title": NAME_MAX_LENGTH,
    "department": NAME_MAX_LENGTH,
}
LANGUAGE_NAMES = {
    "nl": "Nederlands",
    "en": "Engels",
    "ar": "Arabisch",
    "tr": "Turks",
    "pl": "Pools",
    "uk": "Oekraïens",
    "de": "Duits",
    "fr": "Frans",
    "es": "Spaans",
    "pap": "Papiaments",
    "ti": "Tigrinya",
    "so": "Somalisch",
    "fa": "Perzisch",
    "ber": "Berbers",
    "zgh": "Tamazight",
    "srn": "Sranantongo",
}


def language_choices(dutch: bool = True) -> list[tuple[str, str]]:
    """(code, Dutch name) of the known languages by name, for the filter and form lists."""
    return sorted(
        ((code, name) for code, name in LANGUAGE_NAMES.items() if dutch or code != "nl"),
        key=lambda item: item[1],
    )


def field_label(name: str) -> str:
    """The Dutch label of a field in forms and history."""
    return str(FIELD_LABELS.get(name, name))


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


def valid_url(text: str) -> bool:
    """A http(s) address with a host name."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in text


def valid_email(text: str) -> bool:
    """An e-mail address that email-validator accepts (without DNS)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def format_phone(text: str) -> str | None:
    """A phone number written the usual way: Dutch ones as dialled in the Netherlands
    ("030 240 5060"), others internationally ("+44 1234 234567"); None when it is not one."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    if phonenumbers.region_code_for_number(number) == "NL" or number.country_code == 31:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    return phonenumbers.format_number(number, style)


@dataclass(frozen=True)
class Areas:
    """Where a service works: landelijk, and/or provincies, and/or gemeenten (by id)."""

    national: bool = False
    provinces: tuple[str, ...] = ()
    municipality_ids: tuple[int, ...] = ()


def area_value(areas: Iterable[ServiceArea]) -> Areas:
    """The :class:`Areas` of a service's area rows."""
    areas = list(areas)
    return Areas(
        national=any(area.kind == AreaKind.NATIONAL.value for area in areas),
        provinces=tuple(
            sorted(area.province for area in areas if area.kind == AreaKind.PROVINCE.value)
        ),
        municipality_ids=tuple(
            sorted(
                area.municipality_id
                for area in areas
                if area.kind == AreaKind.MUNICIPALITY.value and area.municipality_id
            )
        ),
    )


def area_text(areas: Areas) -> str:
    """``areas`` in words, for the history: "Heel Nederland; Provincie Utrecht; Zeist"."""
    parts = [str(_l("Heel Nederland"))] if areas.national else []
    parts += [str(_l("Provincie %(name)s", name=name)) for name in areas.provinces]
    names = {m.id: m.name for m in by_ids(Municipality, areas.municipality_ids)}
    parts += sorted(names.get(i, str(i)) for i in areas.municipality_ids)
    return "; ".join(parts)


def _clean_areas(raw: object) -> Areas:
    if not isinstance(raw, Areas):
        raise ServiceError(_l("Kies een werkgebied."), field="areas")
    municipalities = by_ids(Municipality, raw.municipality_ids)
    if len(municipalities) != len(set(raw.municipality_ids)):
        raise ServiceError(_l("Kies gemeenten uit de lijst."), field="areas")
    known = set(db.session.scalars(select(Municipality.province).distinct()))
    if not set(raw.provinces) <= known:
        raise ServiceError(_l("Kies provincies uit de lijst."), field="areas")
    return Areas(
        raw.national,
        tuple(sorted(set(raw.provinces))),
        tuple(sorted({m.id for m in municipalities})),
    )


def _clean_themes(raw: object) -> list[Theme]:
    ids = set(parse_ids(raw or []))
    themes = by_ids(Theme, ids)
    if len(themes) != len(ids) or len(ids) != len(list(raw or [])):
        raise ServiceError(_l("Kies thema's uit de lijst."), field="themes")
    return sorted(themes, key=lambda theme: theme.full_name)


def _age(name: str, text: str) -> int | None:
    if not text:
        return None
    age = parse_int(text, 0, 130)
    if age is None:
        raise ServiceError(_l("Vul een leeftijd in jaren in (0 tot 130)."), field=name)
    return age


def clean_value(name: str, raw: object) -> object:
    """One edited or proposed value, checked and converted; ServiceError in Dutch when wrong."""
    if name == "themes":
        return _clean_themes(raw)
    if name == "areas":
        return _clean_areas(raw)
    text = "" if raw is None else clean_text(str(raw))
    if name == "name" and not text:
        raise ServiceError(_l("Vul een naam in."), field=name)
    if name in TEXT_LIMITS and len(text) > TEXT_LIMITS[name]:
        raise ServiceError(
            _l("Dit mag hoogstens %(count)d tekens hebben.", count=TEXT_LIMITS[name]), field=name
        )
    if name == "status" and text not in {status.value for status in ServiceStatus}:
        raise ServiceError(_l("Kies een bestaande status."), field=name)
    if name in ("minimum_age", "maximum_age"):
        return _age(name, text)
    if name == "review_interval_months":
        months = parse_int(text, 1, 36)
        if months is None:
            raise ServiceError(_l("Vul een aantal maanden in (1 tot 36)."), field=name)
        return months
    if name == "url" and text and not valid_url(text):
        raise ServiceError(
            _l("Vul een volledig webadres in, dat begint met https:// of http://."), field=name
        )
    if name == "email" and text and not valid_email(text):
        raise ServiceError(_l("Dit e-mailadres klopt niet."), field=name)
    if name == "phone" and text:
        formatted = format_phone(text)
        if formatted is None:
            raise ServiceError(_l("Dit telefoonnummer klopt niet."), field=name)
        return formatted
    if name == "languages":
        codes = [code.strip().lower() for code in text.replace(";", ",").split(",") if code.strip()]
        if any(not code.isalpha() or not 2 <= len(code) <= 3 for code in codes):
            raise ServiceError(
                _l("Gebruik taalcodes van 2 of 3 letters, zoals nl, en of ar."), field=name
            )
        return ", ".join(dict.fromkeys(codes))
    return text


# Editing, verification and field-level history ---------------------------------------------


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


def record_change(
    resource_id: uuid.UUID,
    resource_type: str,
    field_name: str,
    previous: str,
    replacement: str,
    updated_by: str,
    action: str = "update",
) -> None:
    """Add one field-level history row (HSDS metadata) to the current transaction."""
    db.session.add(
        Metadata(
            resource_id=resource_id,
            resource_type=resource_type,
            last_action_date=datetime.now(UTC),
            last_action_type=action,
            field_name=field_name,
            previous_value=previous,
            replacement_value=replacement,
            updated_by=updated_by,
        )
    )


def _as_text(name: str, value: object) -> str:
    """A cleaned value as :func:`current_value` (or :func:`organization_value`,
    :func:`location_value`) writes it."""
    if name == "themes":
        return ", ".join(theme.full_name for theme in value)  # type: ignore[attr-defined]
    if name == "areas":
        return area_text(value)  # type: ignore[arg-type]
    if name == "phones":
        return "; ".join(value)  # type: ignore[arg-type]
    if name == "services":
        return "; ".join(service.name for service in value)  # type: ignore[attr-defined]
    if name == "municipality":
        return value.name if value is not None else ""  # type: ignore[attr-defined]
    return "" if value is None else str(value)


def _record_changes(
    resource_id: uuid.UUID,
    resource_type: str,
    cleaned: Mapping[str, object],
    current: Callable[[str], str],
    apply: Callable[[str, object], None],
    updated_by: str,
) -> list[str]:
    """Apply the cleaned values that differ from ``current`` and record each as one history
    row (:func:`record_change`); returns the names of the changed fields."""
    changed: list[str] = []
    for name, value in cleaned.items():
        previous = current(name)
        replacement = _as_text(name, value)
        if previous == replacement:
            continue
        apply(name, value)
        record_change(resource_id, resource_type, name, previous, replacement, updated_by)
        changed.append(name)
    return changed


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
    changed = _record_changes(
        service.id,
        "service",
        cleaned,
        lambda name: current_value(service, name),
        lambda name, value: _apply(service, name, value),
        updated_by,
    )
    if verified:
        _mark_checked(service, updated_by)
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


def _mark_checked(service: Service, updated_by: str) -> None:
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
    _mark_checked(service, updated_by)
    record(
        "directory.service_verified",
        service,
        object_type="directory_service",
        object_label=service.name,
    )
    db.session.commit()


# New services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAddress:
    """The visiting address of a new service's location (all parts may be empty)."""

    street: str = ""
    postal_code: str = ""
    city: str = ""


POSTAL_CODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")


def clean_postal_code(text: str, country: str = "NL") -> str:
    """A Dutch postcode written the usual way ("3511 AB"), whatever spaces and case were typed;
    ServiceError in Dutch when it is not one. Postcodes of other countries are kept as typed."""
    text = clean_text(text)
    if not text or (country or "NL").upper() != "NL":
        return text
    compact = text.replace(" ", "").upper()
    if not POSTAL_CODE.fullmatch(compact):
        raise ServiceError(_l("Vul een postcode in zoals 3511 AB."), field="postal_code")
    return f"{compact[:4]} {compact[4:]}"


def municipality_for_city(city: str) -> Municipality | None:
    """The gemeente with the same name as the place ``city``, if there is one."""
    if not city:
        return None
    return db.session.scalar(
        select(Municipality).where(func.lower(Municipality.name) == city.casefold())
    )


def _require_street_and_city(street: str, city: str, street_field: str) -> None:
    if not street or not city:
        field = street_field if not street else "city"
        raise ServiceError(_l("Vul de straat met huisnummer en de plaats in."), field=field)


def _location_for(organization: Organization, address: NewAddress) -> Location | None:
    street, postal_code, city = (clean_text(part) for part in astuple(address))
    if not (street or postal_code or city):
        return None
    _require_street_and_city(street, city, "street")
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


# Weekly opening hours ------------------------------------------------------------------------

PERIODS_PER_DAY = 2
Hours = dict[str, list[tuple[time, time]]]


def is_simple(schedule: Schedule) -> bool:
    """A plain weekly rule without dates: what the opening hours form edits."""
    return (
        (schedule.freq or "WEEKLY").upper() == "WEEKLY"
        and (schedule.interval or 1) == 1
        and not schedule.valid_from
        and not schedule.valid_to
        and schedule.opens_at is not None
        and schedule.closes_at is not None
        and all(ordinal is None for ordinal, _code in byday_parts(schedule))
    )


def weekly_hours(service: Service) -> Hours:
    """The plain weekly opening hours of ``service`` (its own, else its locations'), per day
    (MO … SU), each day's periods in order."""
    hours: Hours = {day: [] for day in WEEKDAYS}
    for schedule in service_schedules(service):
        if is_simple(schedule):
            for _ordinal, day in byday_parts(schedule):
                hours[day].append((schedule.opens_at, schedule.closes_at))
    return {day: sorted(set(periods)) for day, periods in hours.items()}


def hours_text(hours: Hours) -> str:
    """Opening hours in words, for the history: "maandag 09:00–12:30, 13:30–17:00; …"."""
    return "; ".join(
        f"{WEEKDAY_LABELS[day]} "
        + ", ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in periods)
        for day, periods in hours.items()
        if periods
    )


def parse_clock(text: str, field: str) -> time | None:
    """ "9:30" or "09:30" as a time; None when empty; ServiceError in Dutch when wrong."""
    text = (text or "").strip()
    if not text:
        return None
    hour, _sep, minute = text.replace(".", ":").partition(":")
    if parse_int(hour, 0, 23) is None or parse_int(minute, 0, 59) is None:
        raise ServiceError(_l("Vul een tijd in als uu:mm, bijvoorbeeld 09:30."), field=field)
    return time(int(hour), int(minute))


def check_hours(raw: Mapping[str, list[tuple[str, str]]]) -> Hours:
    """Typed hours per day, as (opens, closes) texts, checked: both or neither filled in,
    closing after opening, periods one after the other. Field names are ``MO_opens_1`` …"""
    hours: Hours = {day: [] for day in WEEKDAYS}
    for day in WEEKDAYS:
        previous_close: time | None = None
        for number, (opens_text, closes_text) in enumerate(raw.get(day, []), start=1):
            opens = parse_clock(opens_text, f"{day}_opens_{number}")
            closes = parse_clock(closes_text, f"{day}_closes_{number}")
            if opens is None and closes is None:
                continue
            if opens is None or closes is None:
                raise ServiceError(
                    _l("Vul zowel de openingstijd als de sluitingstijd in."),
                    field=f"{day}_{'opens' if opens is None else 'closes'}_{number}",
                )
            if closes <= opens:
                raise ServiceError(
                    _l("De sluitingstijd moet na de openingstijd liggen."),
                    field=f"{day}_closes_{number}",
                )
            if previous_close is not None and opens < previous_close:
                raise ServiceError(
                    _l("De tweede tijd moet na de eerste liggen."), field=f"{day}_opens_{number}"
                )
            hours[day].append((opens, closes))
            previous_close = closes
    return hours


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
    _mark_checked(service, updated_by)
    db.session.commit()
    return changed


def resource_history(resource_ids: Iterable[uuid.UUID], limit: int = 200) -> list[Metadata]:
    """Field-level history of these services, organisations, locations or contacts, newest
    first."""
    return list(
        db.session.scalars(
            select(Metadata)
            .where(Metadata.resource_id.in_(list(resource_ids)))
            .order_by(Metadata.last_action_date.desc(), Metadata.field_name)
            .limit(limit)
        )
    )


def service_history(service_id: uuid.UUID, limit: int = 200) -> list[Metadata]:
    """Field-level history of a service, newest first."""
    return resource_history([service_id], limit)


# Change requests ("meld een wijziging") -----------------------------------------------------


def _refuse_personal_data(name: str, text: str) -> None:
    findings = find_personal_data(text)
    if findings:
        kinds = ", ".join(sorted({finding.label for finding in findings}))
        raise ServiceError(
            _l(
                "Haal persoonsgegevens weg (%(kinds)s). Schrijf nooit gegevens van een cliënt "
                "op. Gaat het om het adres, telefoonnummer of e-mailadres van de dienst zelf? "
                "Vul het dan in bij Adres, Telefoonnummer of E-mailadres.",
                kinds=kinds,
            ),
            field=name,
        )


def create_change_request(
    service: Service,
    proposals: Mapping[str, str | None],
    explanation: str = "",
    reporter_email: str = "",
) -> ChangeRequest:
    """Store what a visitor says is wrong, one item per field; the service does not change.

    ``proposals`` maps field names (:data:`PROPOSABLE_FIELDS`) to the new value; empty values
    and values equal to the current one are left out. Every value is checked like an edit,
    and free text (the explanation too) goes through the privacy guard: a proposal with
    personal data (BSN, IBAN, a phone number in the explanation, …) is refused whole.
    """
    explanation = clean_text(explanation)
    reporter_email = (reporter_email or "").strip()
    if len(explanation) > MAX_EXPLANATION_LENGTH:
        raise ServiceError(
            _l("Dit mag hoogstens %(count)d tekens hebben.", count=MAX_EXPLANATION_LENGTH),
            field="explanation",
        )
    _refuse_personal_data("explanation", explanation)
    if reporter_email and not valid_email(reporter_email):
        raise ServiceError(_l("Dit e-mailadres klopt niet."), field="reporter_email")
    unknown = set(proposals) - set(PROPOSABLE_FIELDS)
    if unknown:
        raise ServiceError(_l("Dit veld kan niet worden gewijzigd."), field=sorted(unknown)[0])
    items: list[ChangeRequestItem] = []
    for name in PROPOSABLE_FIELDS:
        raw = clean_text(proposals.get(name))
        if not raw:
            continue
        value = str(clean_value(name, raw))
        if name in FREE_TEXT_PROPOSALS:
            _refuse_personal_data(name, value)
        if name != "other" and value == current_value(service, name):
            continue
        items.append(ChangeRequestItem(position=len(items), field_name=name, proposed_value=value))
    if not items:
        if not explanation:
            raise ServiceError(
                _l("Vul in wat er niet klopt, of schrijf het in de toelichting."),
                field="explanation",
            )
        items.append(ChangeRequestItem(position=0, field_name="other", proposed_value=""))
    request = ChangeRequest(
        service_id=service.id, explanation=explanation, reporter_email=reporter_email
    )
    request.items.extend(items)
    db.session.add(request)
    db.session.flush()
    notifications.change_request_created(request, service)
    db.session.commit()
    return request


def open_change_requests() -> list[ChangeRequest]:
    """Change requests with at least one undecided item, oldest first."""
    return list(
        db.session.scalars(
            select(ChangeRequest)
            .where(ChangeRequest.status == ChangeStatus.OPEN.value)
            .order_by(ChangeRequest.created_at)
        )
    )


def get_change_request(request_id: object) -> ChangeRequest | None:
    """The change request with this id, or None."""
    return get_by_id(ChangeRequest, request_id)


def get_change_item(item_id: object) -> ChangeRequestItem | None:
    """One item of a change request, or None."""
    return get_by_id(ChangeRequestItem, item_id)


def _decide(items: Iterable[ChangeRequestItem], approve: bool, user: User) -> ChangeRequest:
    """Apply (through :func:`update_service`, so history records each field) or reject open
    items of one request, and close the request when nothing is left undecided."""
    items = [item for item in items if item.status == ChangeStatus.OPEN.value]
    if not items:
        raise ServiceError(_l("Over dit voorstel is al beslist."))
    request = items[0].change_request
    if approve:
        values = {
            item.field_name: item.proposed_value
            for item in items
            if item.field_name not in NOT_APPLIED
        }
        if values:
            update_service(request.service, values, user.email, verified=False, commit=False)
    for item in items:
        item.status = (ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED).value
    if all(item.status != ChangeStatus.OPEN.value for item in request.items):
        approved = any(item.status == ChangeStatus.APPROVED.value for item in request.items)
        request.status = (ChangeStatus.APPROVED if approved else ChangeStatus.REJECTED).value
        request.decided_at = datetime.now(UTC)
        request.decided_by_id = user.id
        # Only needed for a question back while the request was open.
        request.reporter_email = ""
    record(
        "directory.change_request_" + ("approved" if approve else "rejected"),
        request,
        actor=user,
        changes={"fields": [item.field_name for item in items]},
        object_type="directory_change_request",
        object_label=request.service.name,
    )
    db.session.commit()
    index_services([request.service_id])
    return request


def decide_change_item(item: ChangeRequestItem, approve: bool, user: User) -> ChangeRequest:
    """Approve or reject one proposed field of a change request."""
    return _decide([item], approve, user)


def decide_change_request(request: ChangeRequest, approve: bool, user: User) -> ChangeRequest:
    """Approve (each field applied and recorded on its own) or reject every open item."""
    return _decide(request.items, approve, user)


# Organisations and their locations ---------------------------------------------------------

# Fields of an organisation a coordinator edits, in the order of the form.
ORGANIZATION_FIELDS = ("name", "alternate_name", "description", "website", "email", "phones")
# Organisation fields checked like the service field of another name.
ORGANIZATION_CHECKS = {"website": "url"}
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
MAX_PHONES = 5
# The ranges the HSDS import accepts too; the examples are Utrecht.
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}
COORDINATE_EXAMPLES = {"latitude": "52,0907", "longitude": "5,1214"}


def get_organization(organization_id: object) -> Organization | None:
    """The organisation with this id (a UUID or its text), or None."""
    return get_by_id(Organization, organization_id)


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


def own_services_at(location: Location) -> list[Service]:
    """The services of the location's own organisation delivered there, by name."""
    return [s for s in services_at(location) if s.organization_id == location.organization_id]


def organization_value(organization: Organization, name: str) -> str:
    """A field of an organisation as text, the way history and forms show it."""
    if name == "phones":
        return "; ".join(sorted(phone.number for phone in organization.phones))
    if name == "locations":
        return "; ".join(sorted(location_label(location) for location in organization.locations))
    value = getattr(organization, name, None)
    return "" if value is None else str(value)


def location_value(location: Location, name: str) -> str:
    """A field of a location (its address parts, gemeente and services too) as text."""
    if name in ADDRESS_PARTS:
        address = location.address
        return (getattr(address, name) or "") if address is not None else ""
    if name == "municipality":
        return location.municipality.name if location.municipality is not None else ""
    if name == "services":
        return _as_text(name, own_services_at(location))
    value = getattr(location, name, None)
    return "" if value is None else str(value)


def _checked_as(name: str, check: str, raw: object) -> object:
    """``raw`` checked by :func:`clean_value` as the service field ``check``; a refusal is
    given for the field ``name``."""
    try:
        return clean_value(check, raw)
    except ServiceError as error:
        raise ServiceError(error.message, field=name) from None


def _clean_phones(raw: object) -> tuple[str, ...]:
    """Phone numbers, one a line (or a list), each checked like the phone number of a service
    and written the usual way; sorted, without doubles."""
    lines = raw if isinstance(raw, list | tuple) else str(raw or "").splitlines()
    numbers: set[str] = set()
    for line in lines:
        text = clean_text(str(line))
        if not text:
            continue
        formatted = format_phone(text)
        if formatted is None:
            raise ServiceError(
                _l("Dit telefoonnummer klopt niet: %(number)s", number=text[:50]), field="phones"
            )
        numbers.add(formatted)
    if len(numbers) > MAX_PHONES:
        raise ServiceError(
            _l("Vul hoogstens %(count)d telefoonnummers in.", count=MAX_PHONES), field="phones"
        )
    return tuple(sorted(numbers))


def parse_coordinate(raw: object, name: str) -> float | None:
    """A latitude or longitude (``name``) in decimal degrees, a decimal comma allowed; None when
    empty. ServiceError in Dutch when it is no number or outside -90 to 90 (latitude) or -180
    to 180 (longitude), the ranges of the HSDS import."""
    text = clean_text("" if raw is None else str(raw)).replace(",", ".")
    if not text:
        return None
    limit = COORDINATE_LIMITS[name]
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and -limit <= number <= limit):
        raise ServiceError(
            _l(
                "Vul een getal van -%(limit)d tot %(limit)d in, bijvoorbeeld %(example)s.",
                limit=limit,
                example=COORDINATE_EXAMPLES[name],
            ),
            field=name,
        )
    return number


def _touch(services: Iterable[Service], moment: datetime) -> list[uuid.UUID]:
    """Mark services as changed (HSDS ``last_modified``, the search index); their ids."""
    ids = []
    for service in services:
        service.updated_at = moment
        ids.append(service.id)
    return ids


def _commit_and_index(service_ids: Iterable[uuid.UUID]) -> None:
    db.session.commit()
    index_services(set(service_ids))


def _replace_phones(
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


def _apply_organization(organization: Organization, name: str, value: object) -> None:
    if name == "phones":
        _replace_phones(organization, value, organization_id=organization.id)  # type: ignore[arg-type]
    else:
        setattr(organization, name, value)


def _clean_fields(
    values: Mapping[str, object], fields: tuple[str, ...], checks: Mapping[str, str] | None = None
) -> dict[str, object]:
    """Check typed values of an organisation or contact: phone numbers one a line, the other
    fields like the service field of the same name (or the one ``checks`` names). A field not
    in ``fields`` or a wrong value raises ServiceError in Dutch."""
    cleaned: dict[str, object] = {}
    for name, raw in values.items():
        if name not in fields:
            raise ServiceError(_l("Dit veld kan niet worden gewijzigd."), field=name)
        if name == "phones":
            cleaned[name] = _clean_phones(raw)
        else:
            cleaned[name] = _checked_as(name, (checks or {}).get(name, name), raw)
    return cleaned


def update_organization(
    organization: Organization, values: Mapping[str, object], updated_by: str
) -> list[str]:
    """Change fields of an organisation (:data:`ORGANIZATION_FIELDS`), each change recorded as
    history; returns the names of the changed fields. Its services count as changed too (the
    organisation is part of their HSDS data and of their search text) and are indexed again.

    Everything is checked first; a wrong value raises ServiceError and changes nothing.
    """
    cleaned = _clean_fields(values, ORGANIZATION_FIELDS, ORGANIZATION_CHECKS)
    changed = _record_changes(
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
        service_ids = _touch(organization.services, moment)
        record(
            "directory.organization_updated",
            organization,
            changes={"fields": changed},
            object_type="directory_organization",
            object_label=organization.name,
        )
    _commit_and_index(service_ids)
    return changed


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
            cleaned[name] = _checked_as(name, name, raw)
    if final("location_type") == LocationType.VIRTUAL.value:
        if not final("url"):
            raise ServiceError(_l("Vul het webadres van deze online locatie in."), field="url")
    else:
        _require_street_and_city(str(final("address_1")), str(final("city")), "address_1")
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

    changed = _record_changes(
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
    return changed, _touch({*services_at(location), *linked}, moment)


def _record_locations(organization: Organization, before: str, updated_by: str) -> None:
    """History of the organisation's list of locations, when a location came or went."""
    after = organization_value(organization, "locations")
    if after != before:
        record_change(organization.id, "organization", "locations", before, after, updated_by)


def create_location(
    organization: Organization, values: Mapping[str, object], updated_by: str
) -> Location:
    """Add a location to an organisation (:data:`LOCATION_FIELDS`), recorded as created, every
    field in the history; nothing is stored when something is wrong."""
    cleaned = _clean_location(organization, None, values)
    before = organization_value(organization, "locations")
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
    _commit_and_index(service_ids)
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
    _commit_and_index(service_ids)
    return changed


def delete_location(location: Location, updated_by: str) -> None:
    """Remove a location with its addresses and opening hours; the services delivered there
    (of any organisation) no longer are, each with a history row."""
    organization = location.organization
    before = organization_value(organization, "locations")
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
    _commit_and_index(_touch(unlinked, moment))


# Contacts of organisations and services ----------------------------------------------------

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
            _replace_phones(contact, value, contact_id=contact.id)  # type: ignore[arg-type]
        else:
            setattr(contact, name, value)

    return _record_changes(
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
    cleaned = _clean_fields({"name": "", **values}, CONTACT_FIELDS)
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
    changed = _save_contact(contact, _clean_fields(values, CONTACT_FIELDS), updated_by)
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
    _replace_phones(contact, [])
    record_change(contact.id, "contact", "*", label, "", updated_by, "delete")
    record(
        "directory.contact_deleted",
        contact,
        object_type="directory_contact",
        object_label=label,
    )
    db.session.delete(contact)
    _contacts_changed(owner, before, updated_by)


# Search index and demo ---------------------------------------------------------------------


def index_services(service_ids: Iterable[uuid.UUID]) -> None:
    """Write these services to the search index (logged, never fatal, when it is busy)."""
    from signalen.directory.search import index_services as index

    index(service_ids)


def seed_demo_directory(today: date | None = None) -> int:
    """Load the fictional Dutch demo sociale kaart once; returns the number of services."""
    from signalen.directory.seed import seed

    return seed(today)
