"""The HSDS fields Signalen does not model: which they are, and their check against the
official HSDS 3.0 schema (``signalen/hsds/tabular.json``, the tabular schema of the
specification, unchanged) before they are kept in ``hsds_extra``.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _

from signalen.core.validation import FORBIDDEN_CHARACTER_MESSAGE, has_forbidden_characters
from signalen.directory.services.validation import valid_email
from signalen.hsds.importing.fields import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    LOCATION_FIELDS,
    ORG_FIELDS,
    PHONE_FIELDS,
    SCHEDULE_FIELDS,
    SERVICE_FIELDS,
)

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "tabular.json"
# Importer table -> the object's name in the HSDS schema.
SCHEMA_NAMES = {
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "addresses": "address",
    "service_at_locations": "service_at_location",
    "contacts": "contact",
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "languages": "language",
    "attributes": "attribute",
    "taxonomy_terms": "taxonomy_term",
}
# Keys that hold nested HSDS objects -> the object's name in the schema.
NESTED = {
    "funding": "funding",
    "programs": "program",
    "program": "program",
    "organization_identifiers": "organization_identifier",
    "cost_options": "cost_option",
    "required_documents": "required_document",
    "accessibility": "accessibility",
    "attributes": "attribute",
    "languages": "language",
    "contacts": "contact",
    "phones": "phone",
    "schedules": "schedule",
    "addresses": "address",
    "locations": "location",
    "location": "location",
    "services": "service",
    "service": "service",
    "organization": "organization",
    "service_areas": "service_area",
    "service_at_locations": "service_at_location",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
    "metadata": "metadata",
}
# Signalen's own: the change history and modification time come from Signalen, not the file.
OWN_FIELDS = frozenset(("metadata", "last_modified"))
# Per table, the keys Signalen stores in columns or as rows of their own; everything else
# of an object is kept in its ``hsds_extra``.
TYPED = {
    "organizations": (
        *ORG_FIELDS,
        *("id", "parent_organization_id", "locations", "phones", "contacts", "services"),
    ),
    "services": (
        *SERVICE_FIELDS,
        *("id", "organization_id", "organization", "phones", "schedules", "service_areas"),
        *("languages", "contacts", "service_at_locations"),
    ),
    "locations": (*LOCATION_FIELDS, "id", "addresses", "phones", "schedules", "contacts"),
    "addresses": (*ADDRESS_FIELDS, "id"),
    "service_at_locations": ("id", "service_id", "location_id", "description"),
    "contacts": (*CONTACT_FIELDS, "id", "phones"),
    "phones": (*PHONE_FIELDS, "id"),
    "schedules": (*SCHEDULE_FIELDS, "id"),
    "service_areas": ("id", "service_id", "name", "description"),
    "languages": ("id", "service_id", "name", "code", "note"),
}
# Keys of a service_at_location read as objects of their own.
SERVICE_AT_LOCATION_CHILDREN = ("service", "location", "schedules")


@functools.cache
def _schema() -> dict[str, dict[str, dict]]:
    """Object name -> field name -> the field's definition in the HSDS tabular schema."""
    data = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return {
        name: definition["items"]["properties"] for name, definition in data["properties"].items()
    }


def extra_fields(table: str, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a read row that Signalen keeps in ``hsds_extra``."""
    typed = TYPED.get(table, ())
    if table == "service_at_locations":
        typed = (*typed, *SERVICE_AT_LOCATION_CHILDREN)
    return {
        key: value
        for key, value in data.items()
        if key not in typed and key not in OWN_FIELDS and not key.startswith("_")
    }


def _number(text: str) -> int | float | None:
    if not text.isascii():
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def coerce_csv(schema_name: str, row: dict[str, str]) -> dict[str, Any]:
    """A CSV row of the schema's object ``schema_name`` (``service``, ``funding``, …) with
    the numbers the schema asks for as numbers (a CSV cell is text)."""
    fields = _schema().get(schema_name, {})
    result: dict[str, Any] = {}
    for key, value in row.items():
        kind = fields.get(key, {}).get("type")
        number = _number(value) if kind in ("number", "integer") else None
        result[key] = value if number is None else number
    return result


def _valid_format(value: str, kind: str) -> bool:
    if kind == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    if kind == "uri":
        try:
            parts = urlsplit(value)
        except ValueError:
            return False
        return bool(parts.scheme) and " " not in value
    if kind == "email":
        return valid_email(value)
    if kind == "date-time":
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
    return True


TYPE_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def problems(name: str, data: dict[str, Any], path: str = "") -> Iterator[str]:
    """What in ``data`` (an HSDS ``name`` object, or part of one) breaks the official schema:
    wrong types, formats and choices, also in nested objects; fields the schema does not
    name are kept as they are."""
    fields = _schema().get(name, {})
    for key, value in data.items():
        where = f"{path}{key}"
        if key in NESTED and isinstance(value, dict):
            yield from problems(NESTED[key], value, f"{where}.")
            continue
        if key in NESTED and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    yield from problems(NESTED[key], item, f"{where}[{index}].")
                else:
                    yield _("'%(field)s' moet een object zijn.", field=f"{where}[{index}]")
            continue
        if isinstance(value, str) and has_forbidden_characters(value):
            yield f"'{where}': {FORBIDDEN_CHARACTER_MESSAGE}"
            continue
        definition = fields.get(key)
        if definition is None or value is None:
            continue
        check = TYPE_CHECKS.get(definition.get("type", ""))
        if check is not None and not check(value):
            yield _(
                "'%(field)s' moet volgens HSDS 3.0 van het type %(type)s zijn.",
                field=where,
                type=definition["type"],
            )
            continue
        choices = definition.get("enum") or definition.get("constraints", {}).get("enum")
        if choices and value not in choices:
            yield _(
                "'%(field)s' moet een van %(choices)s zijn.",
                field=where,
                choices=", ".join(str(c) for c in choices),
            )
        elif isinstance(value, str) and not _valid_format(value, definition.get("format", "")):
            yield _(
                "'%(field)s' is geen geldige %(format)s volgens HSDS 3.0: %(value)s",
                field=where,
                format=definition["format"],
                value=value[:100],
            )
