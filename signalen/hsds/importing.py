"""``signalen import-hsds``: HSDS 3.0 JSON or a tabular CSV datapackage into the sociale kaart.

Both inputs are first read into the same tables (one row per HSDS object, with where it came
from), then every row is checked; only when nothing is wrong is anything written, in one
transaction. Objects keep their UUIDs, so importing the same data twice updates instead of
duplicating.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import re
import uuid
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from signalen.auth.models import User
from signalen.core.validation import (
    FORBIDDEN_CHARACTER_MESSAGE,
    has_forbidden_characters,
    parse_int,
)
from signalen.directory import models as m
from signalen.directory.services.history import record_change
from signalen.directory.services.validation import (
    COORDINATE_LIMITS,
    LANGUAGE_NAMES,
    format_phone,
    valid_email,
    valid_url,
)
from signalen.extensions import db
from signalen.hsds.export import theme_term_id
from signalen.taxonomy.models import Municipality, Theme

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
CSV_FILES = {
    "organizations": "organizations.csv",
    "services": "services.csv",
    "locations": "locations.csv",
    "addresses": "addresses.csv",
    "service_at_locations": "service_at_location.csv",
    "contacts": "contacts.csv",
    "phones": "phones.csv",
    "schedules": "schedules.csv",
    "service_areas": "service_areas.csv",
    "languages": "languages.csv",
    "attributes": "attributes.csv",
    "taxonomy_terms": "taxonomy_terms.csv",
}
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
# Datapackage resource names (HSDS 3.0) -> tables.
RESOURCE_TABLES = {
    "organization": "organizations",
    "service": "services",
    "location": "locations",
    "address": "addresses",
    "service_at_location": "service_at_locations",
    "contact": "contacts",
    "phone": "phones",
    "schedule": "schedules",
    "service_area": "service_areas",
    "language": "languages",
    "attribute": "attributes",
    "taxonomy_term": "taxonomy_terms",
}
# Files and keys that only HSDS 2.0 has.
HSDS2_FILES = (
    "regular_schedules.csv",
    "holiday_schedules.csv",
    "physical_addresses.csv",
    "postal_addresses.csv",
    "service_taxonomy.csv",
)
HSDS2_KEYS = (
    "regular_schedules",
    "holiday_schedules",
    "physical_addresses",
    "postal_addresses",
    "service_taxonomy",
)
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
TABLE_MODELS = {
    "organizations": m.Organization,
    "services": m.Service,
    "locations": m.Location,
    "addresses": m.Address,
    "service_at_locations": m.ServiceAtLocation,
    "contacts": m.Contact,
    "phones": m.Phone,
    "schedules": m.Schedule,
    "service_areas": m.ServiceArea,
    "languages": m.Language,
}
SERVICE_STATUSES = {status.value for status in m.ServiceStatus}
LOCATION_TYPES = {kind.value for kind in m.LocationType}
DAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
TIME_PATTERN = re.compile(
    r"^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
BYDAY_PATTERN = re.compile(r"^[+-]?[0-9]{0,2}(MO|TU|WE|TH|FR|SA|SU)$")


@dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Row:
    table: str
    data: dict[str, Any]
    where: str


@dataclass
class ImportReport:
    """What an import found and did; nothing is written when ``errors`` is not empty."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    committed: bool = False

    def error(self, where: str, message: str) -> None:
        self.errors.append(Problem(where, message))

    def counts(self) -> list[tuple[str, int, int]]:
        """(Dutch table name, created, updated) for every table the import touched."""
        return [
            (str(label), self.created.get(table, 0), self.updated.get(table, 0))
            for table, label in TABLE_LABELS.items()
            if table in self.created or table in self.updated
        ]

    def warn(self, where: str, message: str) -> None:
        self.warnings.append(Problem(where, message))


@dataclass
class Dataset:
    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})
    _seen: dict[str, dict[str, Row]] = field(default_factory=dict)

    def add(self, table: str, data: dict[str, Any], where: str) -> None:
        """Add a row; the same object nested in several places (a phone under its
        organisation, location and service) becomes one row with every link."""
        key = data.get("id")
        if isinstance(key, str) and key:
            seen = self._seen.setdefault(table, {})
            if key in seen:
                existing = seen[key].data
                for name, value in data.items():
                    if existing.get(name) in (None, "") and value not in (None, ""):
                        existing[name] = value
                return
            row = Row(table, data, where)
            seen[key] = row
            self.rows[table].append(row)
            return
        self.rows[table].append(Row(table, data, where))


# Reading ----------------------------------------------------------------------------------


def read_path(path: Path, report: ImportReport) -> Dataset:
    """Read a JSON file, a ZIP of the CSV datapackage, or a datapackage folder (or its
    datapackage.json) into tables."""
    dataset = Dataset()
    if not path.exists():
        report.error(str(path), _("Dit bestand of deze map bestaat niet."))
        return dataset
    if path.is_dir() or path.name == "datapackage.json" or path.suffix.lower() == ".csv":
        folder = path if path.is_dir() else path.parent
        files = {
            child.name: child.read_bytes
            for child in sorted(folder.iterdir())
            if child.is_file() and child.suffix.lower() in (".csv", ".json")
        }
        _read_tables(files, folder.name, dataset, report)
        return dataset
    if path.stat().st_size > MAX_FILE_BYTES:
        report.error(path.name, _("Het bestand is te groot (meer dan 50 MB)."))
        return dataset
    return read_upload(path.name, path.read_bytes(), report)


def read_upload(name: str, content: bytes, report: ImportReport) -> Dataset:
    """Read uploaded bytes: HSDS JSON, or a ZIP with the CSV datapackage."""
    dataset = Dataset()
    if len(content) > MAX_FILE_BYTES:
        report.error(name, _("Het bestand is te groot (meer dan 50 MB)."))
    elif content[:4] == b"PK\x03\x04" or name.lower().endswith(".zip"):
        _read_zip(name, content, dataset, report)
    else:
        text = _decode(content, name, report)
        if text is not None:
            _read_json_text(text, name, dataset, report)
    return dataset


def _decode(content: bytes, where: str, report: ImportReport) -> str | None:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.error(where, _("Het bestand is geen UTF-8-tekst."))
        return None


def _read_json_text(text: str, where: str, dataset: Dataset, report: ImportReport) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        report.error(
            where,
            _(
                "Geen geldige JSON (regel %(line)d, kolom %(column)d): %(message)s",
                line=error.lineno,
                column=error.colno,
                message=error.msg,
            ),
        )
        return
    read_json(data, dataset, report, where)


def _read_zip(name: str, content: bytes, dataset: Dataset, report: ImportReport) -> None:
    """The CSV datapackage from a ZIP, read in memory: only file names count, folders in the
    archive are ignored, and the unpacked size is limited like a file's."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError):
        report.error(name, _("Dit is geen geldig ZIP-bestand."))
        return
    if sum(info.file_size for info in members) > MAX_FILE_BYTES:
        report.error(name, _("Het bestand is uitgepakt te groot (meer dan 50 MB)."))
        return
    files: dict[str, Callable[[], bytes]] = {}
    for info in members:
        base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
        if base.lower().endswith((".csv", ".json")) and base not in files:
            files[base] = functools.partial(archive.read, info)
    try:
        _read_tables(files, name, dataset, report)
    except (zipfile.BadZipFile, RuntimeError, OSError):
        report.error(name, _("Dit ZIP-bestand is beschadigd of versleuteld."))


def read_json(data: Any, dataset: Dataset, report: ImportReport, where: str = "JSON") -> None:
    """Read HSDS JSON: a list of organizations (or services), one object, or a Page."""
    if isinstance(data, dict):
        version = data.get("version")
        if version is not None and not str(version).startswith("3."):
            report.error(
                where,
                _(
                    "HSDS-versie %(version)s wordt niet ondersteund; alleen 3.0.",
                    version=str(version)[:20],
                ),
            )
            return
        if "contents" in data:
            items, where = data["contents"], f"{where} contents"
        elif "organizations" in data or ("services" in data and "id" not in data):
            items = [*data.get("organizations", []), *data.get("services", [])]
        elif "id" in data:
            items = [data]
        else:
            report.error(where, _("Geen HSDS-organisatie, -dienst of -lijst gevonden."))
            return
    elif isinstance(data, list):
        items = data
    else:
        report.error(where, _("Geen HSDS-organisatie, -dienst of -lijst gevonden."))
        return
    if not isinstance(items, list):
        report.error(where, _("'contents' moet een lijst zijn."))
        return
    for index, item in enumerate(items):
        item_where = f"{where}[{index}]"
        if not isinstance(item, dict):
            report.error(item_where, _("Dit is geen object."))
            continue
        old = [key for key in HSDS2_KEYS if key in item]
        if old:
            report.error(
                item_where,
                _(
                    "Dit lijkt HSDS 2.0 (%(keys)s); alleen HSDS 3.0 wordt ondersteund.",
                    keys=", ".join(old),
                ),
            )
            continue
        if "service" in item and "location" in item:
            _service_at_location(item, None, dataset, item_where)
        elif "status" in item and "services" not in item:
            _service(item, None, dataset, item_where)
        else:
            _organization(item, dataset, item_where)


def _scalar_fields(item: dict) -> dict[str, Any]:
    """The row's own values; nested objects become rows of their own, but a list or object
    in a field that holds one value stays, so the check refuses it (never dropped)."""
    return {k: v for k, v in item.items() if k in SCALAR_FIELDS or not isinstance(v, list | dict)}


def _children(item: dict, key: str, where: str):
    value = item.get(key) or []
    if not isinstance(value, list):
        return []
    return [
        (child, f"{where}.{key}[{i}]") for i, child in enumerate(value) if isinstance(child, dict)
    ]


def _organization(item: dict, dataset: Dataset, where: str) -> None:
    row = _scalar_fields(item)
    dataset.add("organizations", row, where)
    org_id = item.get("id")
    for child, child_where in _children(item, "locations", where):
        _location(child, org_id, dataset, child_where)
    for child, child_where in _children(item, "phones", where):
        dataset.add("phones", {"organization_id": org_id, **_scalar_fields(child)}, child_where)
    for child, child_where in _children(item, "contacts", where):
        _contact(child, {"organization_id": org_id}, dataset, child_where)
    for child, child_where in _children(item, "services", where):
        _service(child, org_id, dataset, child_where)


def _location(item: dict, org_id: Any, dataset: Dataset, where: str) -> None:
    row = _scalar_fields(item)
    if org_id and not row.get("organization_id"):
        row["organization_id"] = org_id
    dataset.add("locations", row, where)
    loc_id = item.get("id")
    for child, child_where in _children(item, "addresses", where):
        dataset.add("addresses", {"location_id": loc_id, **_scalar_fields(child)}, child_where)
    for child, child_where in _children(item, "phones", where):
        dataset.add("phones", {"location_id": loc_id, **_scalar_fields(child)}, child_where)
    for child, child_where in _children(item, "schedules", where):
        dataset.add("schedules", {"location_id": loc_id, **_scalar_fields(child)}, child_where)
    for child, child_where in _children(item, "contacts", where):
        _contact(child, {"location_id": loc_id}, dataset, child_where)


def _contact(item: dict, defaults: dict, dataset: Dataset, where: str) -> None:
    row = {**{k: v for k, v in defaults.items() if v}, **_scalar_fields(item)}
    dataset.add("contacts", row, where)
    for child, child_where in _children(item, "phones", where):
        dataset.add("phones", {"contact_id": item.get("id"), **_scalar_fields(child)}, child_where)


def _service(item: dict, org_id: Any, dataset: Dataset, where: str) -> None:
    row = _scalar_fields(item)
    organization = item.get("organization")
    if isinstance(organization, dict) and organization.get("id"):
        _organization(organization, dataset, f"{where}.organization")
        row.setdefault("organization_id", organization.get("id"))
    if org_id and not row.get("organization_id"):
        row["organization_id"] = org_id
    dataset.add("services", row, where)
    service_id = item.get("id")
    for key, table in (
        ("phones", "phones"),
        ("schedules", "schedules"),
        ("service_areas", "service_areas"),
        ("languages", "languages"),
    ):
        for child, child_where in _children(item, key, where):
            dataset.add(table, {"service_id": service_id, **_scalar_fields(child)}, child_where)
    for child, child_where in _children(item, "contacts", where):
        _contact(child, {"service_id": service_id}, dataset, child_where)
    for child, child_where in _children(item, "service_at_locations", where):
        _service_at_location(child, service_id, dataset, child_where)
    for child, child_where in _children(item, "attributes", where):
        row = {"link_id": service_id, **_scalar_fields(child)}
        term = child.get("taxonomy_term")
        if isinstance(term, dict):
            dataset.add("taxonomy_terms", _scalar_fields(term), f"{child_where}.taxonomy_term")
            row.setdefault("taxonomy_term_id", term.get("id"))
        dataset.add("attributes", row, child_where)


def _service_at_location(item: dict, service_id: Any, dataset: Dataset, where: str) -> None:
    row = _scalar_fields(item)
    service = item.get("service")
    if isinstance(service, dict) and service.get("id"):
        _service(service, None, dataset, f"{where}.service")
        row.setdefault("service_id", service.get("id"))
    if service_id and not row.get("service_id"):
        row["service_id"] = service_id
    location = item.get("location")
    if isinstance(location, dict) and location.get("id"):
        _location(location, None, dataset, f"{where}.location")
        row.setdefault("location_id", location.get("id"))
    dataset.add("service_at_locations", row, where)
    for child, child_where in _children(item, "schedules", where):
        dataset.add(
            "schedules",
            {"service_at_location_id": row.get("id"), **_scalar_fields(child)},
            child_where,
        )


def _resource_files(descriptor: dict) -> dict[str, str]:
    """Table -> file name from the datapackage's ``resources`` (HSDS names them)."""
    files = {}
    for resource in descriptor.get("resources") or []:
        if not isinstance(resource, dict):
            continue
        table = RESOURCE_TABLES.get(str(resource.get("name") or ""))
        path = resource.get("path")
        if table and isinstance(path, str) and path.lower().endswith(".csv"):
            files[table] = path.replace("\\", "/").rsplit("/", 1)[-1]
    return files


def _read_tables(
    files: Mapping[str, Callable[[], bytes]], where: str, dataset: Dataset, report: ImportReport
) -> None:
    """Read the CSV files of a datapackage (by their HSDS 3.0 names, or as
    datapackage.json names them) from ``files``: file name -> its content."""
    old = [name for name in HSDS2_FILES if name in files]
    if old:
        report.error(
            where,
            _(
                "Dit lijkt HSDS 2.0 (%(files)s); alleen HSDS 3.0 wordt ondersteund.",
                files=", ".join(old),
            ),
        )
        return
    names = dict(CSV_FILES)
    if "datapackage.json" in files:
        try:
            descriptor = json.loads(files["datapackage.json"]().decode("utf-8-sig"))
            if not isinstance(descriptor, dict):
                raise ValueError
        except (ValueError, UnicodeDecodeError):
            report.warn(
                "datapackage.json",
                _("Niet te lezen; de standaard bestandsnamen van HSDS 3.0 worden gebruikt."),
            )
        else:
            version = descriptor.get("hsds_version") or descriptor.get("version")
            if version is not None and not str(version).startswith("3."):
                report.error(
                    "datapackage.json",
                    _(
                        "HSDS-versie %(version)s wordt niet ondersteund; alleen 3.0.",
                        version=str(version)[:20],
                    ),
                )
                return
            names.update(_resource_files(descriptor))
    if not any(name in files for name in names.values()):
        report.error(where, _("Geen HSDS-CSV-bestanden gevonden (zoals organizations.csv)."))
        return
    for table, name in names.items():
        if name in files:
            text = _decode(files[name](), name, report)
            if text is not None:
                _read_csv(table, name, text, dataset, report)


def _read_csv(table: str, name: str, text: str, dataset: Dataset, report: ImportReport) -> None:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            where = _("%(file)s regel %(line)d", file=name, line=reader.line_num)
            if None in row:
                report.error(where, _("Deze regel heeft meer kolommen dan de kop."))
                continue
            if any(value is None for value in row.values()):
                report.error(where, _("Deze regel heeft minder kolommen dan de kop."))
                continue
            clean = {k.strip(): v.strip() for k, v in row.items() if v is not None}
            clean = {k: v for k, v in clean.items() if v != ""}
            if table == "attributes" and "link_id" in clean:
                clean.setdefault("link_entity", "service")
            dataset.add(table, clean, where)
    except csv.Error as error:
        report.error(
            _("%(file)s regel %(line)d", file=name, line=reader.line_num),
            _("Geen geldige CSV: %(message)s", message=str(error)),
        )


# Checking ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _strip_quotes(value: str) -> str:
    while len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value


def parse_time(value: Any) -> time | None:
    match = TIME_PATTERN.match(_text(value))
    if not match:
        raise ValueError
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    return time(hour, minute, second)


def _parse_date(value: Any) -> date:
    return date.fromisoformat(_text(value)[:10])


def _number(value: Any) -> float:
    """A finite number from a JSON number or ASCII text (``float()`` takes ``٣`` and
    ``1e999``); ValueError otherwise."""
    if isinstance(value, bool) or (isinstance(value, str) and not value.isascii()):
        raise ValueError
    number = float(value)
    if not math.isfinite(number):
        raise ValueError
    return number


class Checker:
    """Checks every row and resolves references to the file and the database."""

    def __init__(self, dataset: Dataset, report: ImportReport, strict: bool) -> None:
        self.dataset = dataset
        self.report = report
        self.strict = strict
        self.by_id: dict[str, dict[str, Row]] = {table: {} for table in TABLES}
        self.themes = list(db.session.scalars(select(Theme)))

    def warn(self, where: str, message: str) -> None:
        (self.report.error if self.strict else self.report.warn)(where, message)

    def run(self) -> None:
        for table in TABLES:
            for row in self.dataset.rows[table]:
                self._check_row(row)
        self._check_references()
        self._check_parents()

    def _check_types(self, row: Row) -> None:
        """A field the import reads as one value may not be a list or an object, and no
        text may hold a character XML forbids: refused with a message, never coerced."""
        for name, value in row.data.items():
            if name in SCALAR_FIELDS and isinstance(value, dict | list):
                self.report.error(
                    row.where,
                    _("'%(field)s' moet één waarde zijn, geen lijst of object.", field=name),
                )
            elif name in TEXT_FIELDS and isinstance(value, bool | int | float):
                self.report.error(
                    row.where,
                    _("'%(field)s' moet tekst zijn, geen getal of true/false.", field=name),
                )
            elif isinstance(value, str) and has_forbidden_characters(value):
                self.report.error(row.where, f"'{name}': {FORBIDDEN_CHARACTER_MESSAGE}")

    def _check_row(self, row: Row) -> None:
        self._check_types(row)
        data, where, report = row.data, row.where, self.report
        for name in REQUIRED[row.table]:
            if _text(data.get(name)) == "":
                report.error(where, _("Verplicht veld '%(field)s' ontbreekt.", field=name))
        for name in ID_FIELDS:
            value = _text(data.get(name))
            if value:
                try:
                    data[name] = str(uuid.UUID(value))
                except ValueError:
                    report.error(
                        where,
                        _(
                            "'%(field)s' is geen geldige UUID: %(value)s",
                            field=name,
                            value=value[:60],
                        ),
                    )
                    data[name] = None
        row_id = data.get("id")
        if row_id:
            seen = self.by_id[row.table].get(row_id)
            if seen is None:
                self.by_id[row.table][row_id] = row
        for name in ("website", "url", "uri", "schedule_link"):
            value = _text(data.get(name))
            if value and row.table != "taxonomy_terms" and not valid_url(value):
                report.error(
                    where,
                    _(
                        "'%(field)s' is geen geldig webadres: %(value)s",
                        field=name,
                        value=value[:100],
                    ),
                )
        if row.table in ("organizations", "services", "contacts"):
            value = _text(data.get("email"))
            if value and not valid_email(value):
                report.error(
                    where, _("'email' is geen geldig e-mailadres: %(value)s", value=value[:100])
                )
        self._check_lengths(row)
        check = getattr(self, f"_check_{row.table}", None)
        if check:
            check(row)

    def _check_lengths(self, row: Row) -> None:
        """Text longer than its column is refused, never cut off."""
        model = TABLE_MODELS.get(row.table)
        if model is None:
            return
        columns = model.__table__.columns
        for name, value in row.data.items():
            column = columns.get(name)
            length = getattr(column.type, "length", None) if column is not None else None
            if not length or isinstance(value, bool | int | float):
                continue
            text = _strip_quotes(_text(value)) if name == "number" else _text(value)
            if len(text) > length:
                self.report.error(
                    row.where,
                    _(
                        "'%(field)s' is te lang: %(count)d tekens (hoogstens %(max)d).",
                        field=name,
                        count=len(text),
                        max=length,
                    ),
                )

    def _check_services(self, row: Row) -> None:
        data, where = row.data, row.where
        status = _text(data.get("status"))
        if status and status not in SERVICE_STATUSES:
            self.report.error(
                where,
                _(
                    "Onbekende status '%(value)s' (kies uit %(choices)s).",
                    value=status[:40],
                    choices=", ".join(sorted(SERVICE_STATUSES)),
                ),
            )
        ages = {}
        for name in ("minimum_age", "maximum_age"):
            value = data.get(name)
            if value in (None, ""):
                continue
            try:
                number = _number(value)
                if number < 0 or number > 130:
                    raise ValueError
                ages[name] = int(number)
            except (TypeError, ValueError):
                self.report.error(
                    where,
                    _(
                        "'%(field)s' is geen leeftijd: %(value)s",
                        field=name,
                        value=_text(value)[:20],
                    ),
                )
        if len(ages) == 2 and ages["minimum_age"] > ages["maximum_age"]:
            self.report.error(where, _("De minimumleeftijd is hoger dan de maximumleeftijd."))
        if _text(data.get("assured_date")):
            try:
                _parse_date(data["assured_date"])
            except ValueError:
                self.report.error(where, _("'assured_date' is geen datum (jjjj-mm-dd)."))
        value = _text(data.get("assurer_email"))
        if value and not valid_email(value):
            self.report.error(where, _("'assurer_email' is geen geldig e-mailadres."))

    def _check_locations(self, row: Row) -> None:
        data, where = row.data, row.where
        kind = _text(data.get("location_type"))
        if kind and kind not in LOCATION_TYPES:
            self.report.error(
                where,
                _(
                    "Onbekend location_type '%(value)s' (kies uit physical, postal, virtual).",
                    value=kind[:40],
                ),
            )
        for name, limit in COORDINATE_LIMITS.items():
            value = data.get(name)
            if value in (None, ""):
                continue
            try:
                number = _number(value)
            except (TypeError, ValueError):
                self.report.error(
                    where,
                    _("'%(field)s' is geen getal: %(value)s", field=name, value=_text(value)[:30]),
                )
                continue
            if not -limit <= number <= limit:
                self.warn(
                    where,
                    _(
                        "'%(field)s' %(value)s ligt buiten -%(limit)d tot %(limit)d; de "
                        "coördinaten van deze locatie worden niet overgenomen.",
                        field=name,
                        value=_text(value)[:30],
                        limit=limit,
                    ),
                )
                data["_drop_coordinates"] = True

    def _check_phones(self, row: Row) -> None:
        number = _strip_quotes(_text(row.data.get("number")))
        if not number:
            return
        formatted = format_phone(number)
        if formatted is None:
            self.report.error(
                row.where, _("Telefoonnummer '%(value)s' klopt niet.", value=number[:50])
            )
        else:
            row.data["number"] = formatted
        extension = row.data.get("extension")
        if extension not in (None, ""):
            try:
                row.data["extension"] = int(_number(extension))
            except (TypeError, ValueError):
                self.report.error(row.where, _("'extension' is geen getal."))

    def _check_schedules(self, row: Row) -> None:
        data, where = row.data, row.where
        times = {}
        for name in ("opens_at", "closes_at"):
            if _text(data.get(name)):
                try:
                    times[name] = parse_time(data[name])
                except ValueError:
                    self.report.error(
                        where,
                        _(
                            "'%(field)s' is geen tijd (uu:mm): %(value)s",
                            field=name,
                            value=_text(data[name])[:20],
                        ),
                    )
        if len(times) == 2 and times["closes_at"] <= times["opens_at"]:
            self.report.error(
                where,
                _(
                    "De sluitingstijd %(closes)s ligt niet na de openingstijd %(opens)s.",
                    closes=times["closes_at"].strftime("%H:%M"),
                    opens=times["opens_at"].strftime("%H:%M"),
                ),
            )
        dates = {}
        for name in ("valid_from", "valid_to"):
            if _text(data.get(name)):
                try:
                    dates[name] = _parse_date(data[name])
                except ValueError:
                    self.report.error(
                        where, _("'%(field)s' is geen datum (jjjj-mm-dd).", field=name)
                    )
        if len(dates) == 2 and dates["valid_to"] < dates["valid_from"]:
            self.report.error(where, _("'valid_to' ligt voor 'valid_from'."))
        byday = _text(data.get("byday")).upper()
        for part in [p.strip() for p in byday.split(",") if p.strip()]:
            if not BYDAY_PATTERN.match(part):
                self.report.error(where, _("Onbekende dag '%(value)s' in byday.", value=part[:10]))
        freq = _text(data.get("freq")).upper()
        if freq and freq not in ("WEEKLY", "MONTHLY"):
            self.report.error(where, _("'freq' moet WEEKLY of MONTHLY zijn."))
        interval = _text(data.get("interval"))
        if interval and parse_int(interval, 1, 52) is None:
            self.report.error(where, _("'interval' moet een geheel getal van 1 tot 52 zijn."))
        if not (
            data.get("service_id") or data.get("location_id") or data.get("service_at_location_id")
        ):
            self.report.error(where, _("Dit rooster hoort bij geen dienst of locatie."))

    def exists(self, table: str, model, value: str | None) -> bool:
        if not value:
            return False
        if value in self.by_id[table]:
            return True
        return db.session.get(model, uuid.UUID(value)) is not None

    def _check_references(self) -> None:
        refs = {
            "services": [("organization_id", "organizations", m.Organization, True)],
            "locations": [("organization_id", "organizations", m.Organization, False)],
            "addresses": [("location_id", "locations", m.Location, True)],
            "service_at_locations": [
                ("service_id", "services", m.Service, True),
                ("location_id", "locations", m.Location, True),
            ],
            "contacts": [
                ("organization_id", "organizations", m.Organization, False),
                ("service_id", "services", m.Service, False),
                ("location_id", "locations", m.Location, False),
            ],
            "phones": [
                ("organization_id", "organizations", m.Organization, False),
                ("service_id", "services", m.Service, False),
                ("location_id", "locations", m.Location, False),
                ("contact_id", "contacts", m.Contact, False),
            ],
            "schedules": [
                ("service_id", "services", m.Service, False),
                ("location_id", "locations", m.Location, False),
                ("service_at_location_id", "service_at_locations", m.ServiceAtLocation, False),
            ],
            "service_areas": [("service_id", "services", m.Service, True)],
            "languages": [("service_id", "services", m.Service, False)],
        }
        link_tables = ("contacts", "phones", "schedules", "languages")
        for table, checks in refs.items():
            for row in self.dataset.rows[table]:
                for name, target, model, required in checks:
                    value = row.data.get(name)
                    if not value:
                        if (
                            required
                            and _text(row.data.get(name)) == ""
                            and name not in REQUIRED[table]
                        ):
                            self.report.error(
                                row.where, _("Verplicht veld '%(field)s' ontbreekt.", field=name)
                            )
                        continue
                    if self.exists(target, model, value):
                        continue
                    message = _(
                        "'%(field)s' verwijst naar %(id)s, maar dat staat niet in het "
                        "bestand en niet in de sociale kaart.",
                        field=name,
                        id=value,
                    )
                    if required:
                        self.report.error(row.where, message)
                    else:
                        self.warn(row.where, message + " " + _("Deze koppeling wordt weggelaten."))
                        row.data.pop(name, None)
                if table in link_tables and not any(row.data.get(name) for name, *_rest in checks):
                    if table != "languages":
                        self.warn(
                            row.where,
                            _("Dit hoort bij niets in de sociale kaart en wordt overgeslagen."),
                        )
                    row.data["_skip"] = True
        terms = {row.data.get("id"): row.data for row in self.dataset.rows["taxonomy_terms"]}
        for row in self.dataset.rows["attributes"]:
            link = row.data.get("link_id")
            if link and not self.exists("services", m.Service, link):
                self.warn(
                    row.where, _("Dit kenmerk hoort niet bij een dienst en wordt overgeslagen.")
                )
                continue
            term_id = row.data.get("taxonomy_term_id")
            if term_id and _theme_by_term(term_id, terms, self.themes) is None:
                term = terms.get(term_id) or {}
                self.warn(
                    row.where,
                    _(
                        "Taxonomieterm '%(name)s' (%(id)s) is geen thema van Signalen en wordt "
                        "overgeslagen.",
                        name=_text(term.get("name"))[:80] or "?",
                        id=term_id,
                    ),
                )

    def _check_parents(self) -> None:
        parents: dict[str, str | None] = {
            str(org.id): str(org.parent_organization_id) if org.parent_organization_id else None
            for org in db.session.scalars(select(m.Organization))
        }
        for row in self.dataset.rows["organizations"]:
            if not row.data.get("id"):
                continue
            parent = row.data.get("parent_organization_id")
            if parent and not self.exists("organizations", m.Organization, parent):
                self.warn(
                    row.where,
                    _(
                        "Bovenliggende organisatie %(id)s staat niet in het bestand en niet in de "
                        "sociale kaart; deze koppeling wordt niet overgenomen.",
                        id=parent,
                    ),
                )
                row.data.pop("parent_organization_id", None)
                parent = None
            if parent == row.data["id"]:
                self.report.error(
                    row.where,
                    _("Een organisatie kan niet haar eigen bovenliggende organisatie zijn."),
                )
                continue
            parents[row.data["id"]] = parent
        reported: set[frozenset[str]] = set()
        names = {row.data.get("id"): row for row in self.dataset.rows["organizations"]}
        for start in list(parents):
            path, current = [], start
            while current and current not in path:
                path.append(current)
                current = parents.get(current)
            if current and current == start:
                cycle = frozenset(path)
                if cycle in reported:
                    continue
                reported.add(cycle)
                row = names.get(start)
                self.report.error(
                    row.where if row else start,
                    _(
                        "Bovenliggende organisaties vormen een kring: %(cycle)s.",
                        cycle=" → ".join([*path, start]),
                    ),
                )


# Themes -----------------------------------------------------------------------------------


def _theme_by_term(
    term_id: str | None, terms: Mapping[str, dict], themes: list[Theme]
) -> Theme | None:
    """The Signalen theme an HSDS taxonomy term stands for.

    By our own term id when the name agrees too (another system's ids may collide with
    ours), else by name: a name that several themes share is told apart by the parent term.
    """
    term = terms.get(term_id or "") or {}
    name = _text(term.get("name")).casefold()
    if term_id:
        for theme in themes:
            if str(theme_term_id(theme.id)) == term_id and name in ("", theme.name.casefold()):
                return theme
    matches = [theme for theme in themes if name and theme.name.casefold() == name]
    if len(matches) > 1:
        parent = _text((terms.get(_text(term.get("parent_id"))) or {}).get("name")).casefold()
        matches = [
            t for t in matches if t.parent is not None and t.parent.name.casefold() == parent
        ]
    return matches[0] if len(matches) == 1 else None


# Writing ----------------------------------------------------------------------------------

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


def _value(name: str, raw: Any) -> Any:
    if name.endswith("_id"):
        return uuid.UUID(raw) if raw else None
    if name in ("minimum_age", "maximum_age", "extension", "interval"):
        if raw in (None, ""):
            return None
        try:
            return int(_number(raw))
        except (TypeError, ValueError):
            return None
    if name in ("latitude", "longitude"):
        return None if raw in (None, "") else _number(raw)
    if name in ("assured_date", "valid_from", "valid_to"):
        return _parse_date(raw) if _text(raw) else None
    if name in ("opens_at", "closes_at"):
        return parse_time(raw) if _text(raw) else None
    text = _text(raw)
    if name == "number":
        text = _strip_quotes(text)
    if name in ("freq", "byday"):
        text = text.upper()
    if name == "country":
        text = (text or "NL").upper()
    if name == "address_type" and not text:
        text = "physical"
    return text


class Writer:
    """Writes checked rows: created or updated by UUID, with field-level history."""

    def __init__(self, dataset: Dataset, report: ImportReport, updated_by: str) -> None:
        self.dataset = dataset
        self.report = report
        self.updated_by = updated_by
        self.municipalities = {
            mun.name.casefold(): mun for mun in db.session.scalars(select(Municipality))
        }
        self.municipality_codes = {mun.code: mun for mun in self.municipalities.values()}
        self.provinces = {
            mun.province.casefold(): mun.province for mun in self.municipalities.values()
        }

    def _upsert(self, model, table: str, row: Row, fields: tuple[str, ...]):
        object_id = uuid.UUID(row.data["id"])
        obj = db.session.get(model, object_id)
        created = obj is None
        if created:
            obj = model(id=object_id)
            db.session.add(obj)
        changes = []
        for name in fields:
            if name not in row.data and not created:
                continue
            value = _value(name, row.data.get(name))
            if (
                value is None
                and not name.endswith("_id")
                and name
                not in (
                    "minimum_age",
                    "maximum_age",
                    "extension",
                    "interval",
                    "latitude",
                    "longitude",
                    "assured_date",
                    "valid_from",
                    "valid_to",
                    "opens_at",
                    "closes_at",
                )
            ):
                value = ""
            previous = getattr(obj, name, None)
            if previous != value:
                changes.append((name, previous, value))
                setattr(obj, name, value)
        counter = self.report.created if created else self.report.updated
        if created or changes:
            counter[table] = counter.get(table, 0) + 1
        return obj, created, changes

    def run(self) -> None:
        rows = self.dataset.rows
        done: set[tuple[str, str]] = set()

        def once(table: str, row: Row) -> bool:
            if row.data.get("_skip"):
                return False
            key = (table, row.data["id"])
            if key in done:
                return False
            done.add(key)
            return True

        for row in rows["organizations"]:
            if once("organizations", row):
                self._upsert(m.Organization, "organizations", row, ORG_FIELDS)
        db.session.flush()
        for row in rows["organizations"]:
            parent = row.data.get("parent_organization_id")
            if "parent_organization_id" in row.data:
                org = db.session.get(m.Organization, uuid.UUID(row.data["id"]))
                org.parent_organization_id = uuid.UUID(parent) if parent else None
        for row in rows["locations"]:
            if once("locations", row):
                if row.data.get("_drop_coordinates"):
                    row.data["latitude"] = row.data["longitude"] = None
                location, _created, _changes = self._upsert(
                    m.Location, "locations", row, LOCATION_FIELDS
                )
        db.session.flush()
        for row in rows["addresses"]:
            if once("addresses", row):
                address, _c, _ch = self._upsert(m.Address, "addresses", row, ADDRESS_FIELDS)
                location = db.session.get(m.Location, address.location_id)
                if location is not None and location.municipality_id is None:
                    municipality = self.municipalities.get(address.city.casefold())
                    if municipality is not None:
                        location.municipality_id = municipality.id
        for row in rows["services"]:
            if once("services", row):
                self._write_service(row)
        db.session.flush()
        for row in rows["service_at_locations"]:
            if once("service_at_locations", row):
                self._upsert(
                    m.ServiceAtLocation,
                    "service_at_locations",
                    row,
                    ("service_id", "location_id", "description"),
                )
        db.session.flush()
        for row in rows["contacts"]:
            if once("contacts", row):
                self._upsert(m.Contact, "contacts", row, CONTACT_FIELDS)
        db.session.flush()
        for row in rows["phones"]:
            if once("phones", row):
                self._upsert(m.Phone, "phones", row, PHONE_FIELDS)
        for row in rows["schedules"]:
            if once("schedules", row):
                self._upsert(m.Schedule, "schedules", row, SCHEDULE_FIELDS)
        for row in rows["service_areas"]:
            if once("service_areas", row):
                self._write_area(row)
        for row in rows["languages"]:
            if not row.data.get("service_id"):
                continue
            if once("languages", row):
                if not _text(row.data.get("name")):
                    row.data["name"] = LANGUAGE_NAMES.get(_text(row.data.get("code")), "")
                self._upsert(m.Language, "languages", row, ("service_id", "name", "code", "note"))
        self._write_themes()

    def _write_service(self, row: Row) -> None:
        service, created, changes = self._upsert(
            m.Service, "services", row, (*SERVICE_FIELDS, "organization_id")
        )
        if created:
            record_change(service.id, "service", "*", "", service.name, self.updated_by, "create")
            return
        for name, previous, value in changes:
            record_change(
                service.id,
                "service",
                name,
                "" if previous is None else str(previous),
                "" if value is None else str(value),
                self.updated_by,
                "update",
            )

    def _write_area(self, row: Row) -> None:
        area, _created, _changes = self._upsert(
            m.ServiceArea, "service_areas", row, ("service_id", "name", "description")
        )
        name = _text(row.data.get("name"))
        extent = _text(row.data.get("extent"))
        extent_type = _text(row.data.get("extent_type")).casefold()
        plain = name.casefold().removeprefix("gemeente ").removeprefix("provincie ").strip()
        municipality = None
        if extent_type == "cbs_gemeentecode":
            municipality = self.municipality_codes.get(extent)
        municipality = municipality or self.municipalities.get(plain)
        if extent_type in ("land", "landelijk") or plain in (
            "nederland",
            "landelijk",
            "heel nederland",
        ):
            area.kind, area.municipality_id, area.province = "landelijk", None, ""
        elif extent_type == "provincie" or (plain in self.provinces and municipality is None):
            area.kind, area.municipality_id = "provincie", None
            area.province = self.provinces.get(plain, name)[:40]
        elif municipality is not None:
            area.kind, area.municipality_id, area.province = "gemeente", municipality.id, ""
        else:
            area.kind, area.municipality_id, area.province = "overig", None, ""

    def _write_themes(self) -> None:
        terms = {row.data.get("id"): row.data for row in self.dataset.rows["taxonomy_terms"]}
        themes = db.session.scalars(select(Theme)).all()
        wanted: dict[uuid.UUID, list[Theme]] = {}
        for row in self.dataset.rows["attributes"]:
            link, term_id = row.data.get("link_id"), row.data.get("taxonomy_term_id")
            if not link or not term_id:
                continue
            service = db.session.get(m.Service, uuid.UUID(link))
            if service is None:
                continue
            theme = _theme_by_term(term_id, terms, themes)
            if theme is None:
                continue
            wanted.setdefault(service.id, [])
            if theme not in wanted[service.id]:
                wanted[service.id].append(theme)
        for service_id, themes in wanted.items():
            service = db.session.get(m.Service, service_id)
            previous = ", ".join(sorted(t.name for t in service.themes))
            service.themes = themes
            current = ", ".join(sorted(t.name for t in themes))
            if previous != current:
                record_change(service_id, "service", "themes", previous, current, self.updated_by)


def import_hsds(
    path: Path, dry_run: bool = False, strict: bool = False, updated_by: str = IMPORTER
) -> ImportReport:
    """Check and (unless ``dry_run``) import a file or datapackage folder; all or nothing.

    With ``strict`` the repairs that are otherwise warnings (coordinates out of range, an
    unknown parent organisation, unknown taxonomy terms) are errors too.
    """
    report = ImportReport()
    dataset = read_path(path, report)
    return import_dataset(dataset, report, path.name, dry_run, strict, updated_by)


def import_upload(
    name: str, content: bytes, user: User, dry_run: bool = False, strict: bool = False
) -> ImportReport:
    """:func:`import_hsds` for an uploaded JSON or ZIP file, on behalf of ``user``."""
    report = ImportReport()
    dataset = read_upload(name, content, report)
    return import_dataset(dataset, report, name, dry_run, strict, user.email)


def import_data(data: Any, label: str, updated_by: str = IMPORTER) -> ImportReport:
    """:func:`import_hsds` for HSDS JSON that is already loaded (the demo sociale kaart)."""
    report = ImportReport()
    dataset = Dataset()
    read_json(data, dataset, report, label)
    return import_dataset(dataset, report, label, False, False, updated_by)


def import_dataset(
    dataset: Dataset,
    report: ImportReport,
    label: str,
    dry_run: bool,
    strict: bool,
    updated_by: str,
) -> ImportReport:
    """Check ``dataset`` and, when nothing is wrong, write it in one transaction: committed,
    or with ``dry_run`` rolled back (so the counts say what an import would do). A database
    failure is reported and leaves everything as it was."""
    from signalen.audit.services import record
    from signalen.directory.search import index_services

    if not report.errors:
        Checker(dataset, report, strict).run()
    total = sum(len(rows) for rows in dataset.rows.values())
    if not report.errors and not total:
        report.error(label, _("Er staat niets in om te importeren."))
    if report.errors:
        db.session.rollback()
        return report
    try:
        with db.session.no_autoflush:
            Writer(dataset, report, updated_by).run()
        if dry_run:
            # Everything was written and is now undone: the counts are what an import does.
            db.session.flush()
            db.session.rollback()
            return report
        record(
            "directory.import",
            None,
            changes={"created": report.created, "updated": report.updated},
            object_type="directory",
            object_label=label[:200],
        )
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("HSDS import of %s failed", label)
        report.created, report.updated = {}, {}
        report.error(label, _("Opslaan in de database lukte niet; er is niets geïmporteerd."))
        return report
    report.committed = True
    # The organisation's name is in its services' search documents too.
    organizations = [uuid.UUID(row.data["id"]) for row in dataset.rows["organizations"]]
    service_ids = {uuid.UUID(row.data["id"]) for row in dataset.rows["services"]}
    if organizations:
        service_ids |= set(
            db.session.scalars(
                select(m.Service.id).where(m.Service.organization_id.in_(organizations))
            )
        )
    index_services(service_ids)
    return report


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
