"""The HSDS tables and fields the import reads, and how one value is read."""

from __future__ import annotations

import math
import re
from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l

IMPORTER = "import-hsds"
MAX_FILE_BYTES = 50 * 1024 * 1024
TABLES = (
    "organizations",
    "services",
    "locations",
    "addresses",
    "service_at_locations",
    "contacts",
    "phones",
    "schedules",
    "service_areas",
    "languages",
    "attributes",
    "taxonomy_terms",
)
TABLE_LABELS = {
    "organizations": _l("organisaties"),
    "services": _l("diensten"),
    "locations": _l("locaties"),
    "addresses": _l("adressen"),
    "service_at_locations": _l("diensten op locaties"),
    "contacts": _l("contactpersonen"),
    "phones": _l("telefoonnummers"),
    "schedules": _l("openingstijden"),
    "service_areas": _l("werkgebieden"),
    "languages": _l("talen"),
}
REQUIRED = {
    "organizations": ("id", "name"),
    "services": ("id", "name", "status"),
    "locations": ("id", "location_type"),
    "addresses": ("id", "location_id", "address_1", "city"),
    "service_at_locations": ("id", "service_id", "location_id"),
    "contacts": ("id",),
    "phones": ("id", "number"),
    "schedules": ("id",),
    "service_areas": ("id", "service_id"),
    "languages": ("id",),
    "attributes": ("id",),
    "taxonomy_terms": ("id", "name"),
}
ID_FIELDS = (
    "id",
    "organization_id",
    "service_id",
    "location_id",
    "contact_id",
    "parent_organization_id",
    "service_at_location_id",
    "link_id",
    "taxonomy_term_id",
)
TIME_PATTERN = re.compile(
    r"^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def strip_quotes(value: str) -> str:
    while len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value


def parse_time(value: Any) -> time | None:
    match = TIME_PATTERN.match(as_text(value))
    if not match:
        raise ValueError
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    return time(hour, minute, second)


def parse_date(value: Any) -> date:
    return date.fromisoformat(as_text(value)[:10])


def as_number(value: Any) -> float:
    """A finite number from a JSON number or ASCII text (``float()`` takes ``٣`` and
    ``1e999``); ValueError otherwise."""
    if isinstance(value, bool) or (isinstance(value, str) and not value.isascii()):
        raise ValueError
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


ORG_FIELDS = ("name", "alternate_name", "description", "email", "website")
SERVICE_FIELDS = (
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "fees_description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "alert",
    "assured_date",
    "assurer_email",
)
LOCATION_FIELDS = (
    "location_type",
    "url",
    "name",
    "description",
    "transportation",
    "latitude",
    "longitude",
    "organization_id",
)
ADDRESS_FIELDS = (
    "location_id",
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
    "address_type",
)
CONTACT_FIELDS = (
    "organization_id",
    "service_id",
    "location_id",
    "name",
    "title",
    "department",
    "email",
)
PHONE_FIELDS = (
    "organization_id",
    "service_id",
    "location_id",
    "contact_id",
    "number",
    "extension",
    "type",
    "description",
)
SCHEDULE_FIELDS = (
    "service_id",
    "location_id",
    "service_at_location_id",
    "valid_from",
    "valid_to",
    "freq",
    "interval",
    "byday",
    "bymonthday",
    "opens_at",
    "closes_at",
    "description",
    "notes",
    "attending_type",
)
# Fields read as one value (text, number, date or id); a list or object there is refused.
SCALAR_FIELDS = frozenset(
    (
        *ORG_FIELDS,
        *SERVICE_FIELDS,
        *LOCATION_FIELDS,
        *ADDRESS_FIELDS,
        *CONTACT_FIELDS,
        *PHONE_FIELDS,
        *SCHEDULE_FIELDS,
        *ID_FIELDS,
        *(name for names in REQUIRED.values() for name in names),
    )
)
# Fields that hold a number in HSDS; every other one-value field is text (or a date or id
# written as text), so a JSON number or true/false there is refused, not turned into text.
NUMBER_FIELDS = frozenset(
    ("minimum_age", "maximum_age", "latitude", "longitude", "interval", "extension")
)
TEXT_FIELDS = SCALAR_FIELDS - NUMBER_FIELDS
