"""Reading: HSDS 3.0 JSON (one object, a list, or a ZIP of them) or a tabular CSV
datapackage into the same tables, one row per HSDS object with where it came from.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signalen.hsds.importing.extras import SCHEMA_NAMES, coerce_csv
from signalen.hsds.importing.fields import MAX_FILE_BYTES, TABLE_LABELS, TABLES

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
# Side tables of the CSV datapackage: Signalen keeps their rows in the owner's
# ``hsds_extra``, nested as the JSON form has them. File -> its object in the schema, and
# the owners it can belong to: (key column, owner table, field on the owner), first match.
SIDE_FILES: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "funding.csv": (
        "funding",
        (("service_id", "services", "funding"), ("organization_id", "organizations", "funding")),
    ),
    "programs.csv": ("program", (("organization_id", "organizations", "programs"),)),
    "organization_identifiers.csv": (
        "organization_identifier",
        (("organization_id", "organizations", "organization_identifiers"),),
    ),
    "cost_options.csv": ("cost_option", (("service_id", "services", "cost_options"),)),
    "required_documents.csv": (
        "required_document",
        (("service_id", "services", "required_documents"),),
    ),
    "accessibility.csv": ("accessibility", (("location_id", "locations", "accessibility"),)),
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


# What an HSDS JSON object can be, as Dutch text for messages.
KIND_LABELS = {
    "taxonomy": _l("een HSDS-taxonomie (taxonomy)"),
    "taxonomy_term": _l("een HSDS-taxonomieterm (taxonomy_term)"),
    "api_meta": _l("de beschrijving van een HSDS-API (version, profile), geen gegevens"),
    "unknown": _l("geen HSDS-organisatie, -dienst, -locatie of -dienst op locatie"),
}
# Kinds Signalen reads; the others are refused with what they are.
IMPORTED_KINDS = ("organization", "service", "location", "service_at_location")
TAXONOMY_KEYS = frozenset(("id", "name", "description", "uri", "version", "metadata"))
TERM_KEYS = ("taxonomy_detail", "term_uri", "taxonomy_id", "parent_id", "taxonomy")
LOCATION_KEYS = ("location_type", "addresses", "latitude", "longitude", "accessibility")


def kind_of(item: dict) -> str:
    """What one HSDS JSON object is, by the fields only that kind of object has."""
    if "profile" in item or "openapi_url" in item:
        return "api_meta"
    if ("service" in item and "location" in item) or (
        "service_id" in item and "location_id" in item and "name" not in item
    ):
        return "service_at_location"
    if "status" in item or isinstance(item.get("organization"), dict):
        return "service"
    if any(key in item for key in TERM_KEYS) and "services" not in item:
        return "taxonomy_term"
    if any(key in item for key in LOCATION_KEYS) or "external_identifier" in item:
        return "location"
    if "version" in item and set(item) <= TAXONOMY_KEYS:
        return "taxonomy"
    if "id" in item and "name" in item:
        return "organization"
    return "unknown"


def read_json(data: Any, dataset: Dataset, report: ImportReport, where: str = "JSON") -> None:
    """Read HSDS JSON: organizations, services, locations or services at locations, as one
    object, a list or a Page. Each object is read as what it is; a taxonomy, a taxonomy term
    or anything else is refused with a message that says what it is."""
    if isinstance(data, dict):
        version = data.get("version")
        if "id" not in data and version is not None and not str(version).startswith("3."):
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
        elif kind_of(data) == "api_meta":
            _refuse(where, "api_meta", 1, report)
            return
        elif kind_of(data) == "unknown":
            report.error(where, _("Geen HSDS-organisatie, -dienst of -lijst gevonden."))
            return
        else:
            items = [data]
    elif isinstance(data, list):
        items = data
    else:
        report.error(where, _("Geen HSDS-organisatie, -dienst of -lijst gevonden."))
        return
    if not isinstance(items, list):
        report.error(where, _("'contents' moet een lijst zijn."))
        return
    refused: dict[str, list[str]] = {}
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
        kind = kind_of(item)
        if kind == "service_at_location":
            _service_at_location(item, None, dataset, item_where)
        elif kind == "service":
            _service(item, None, dataset, item_where)
        elif kind == "location":
            _location(item, None, dataset, item_where)
        elif kind == "organization":
            _organization(item, dataset, item_where)
        else:
            refused.setdefault(kind, []).append(item_where)
    for kind, places in refused.items():
        _refuse(places[0], kind, len(places), report)


def _refuse(where: str, kind: str, count: int, report: ImportReport) -> None:
    report.error(
        where,
        _(
            "Dit bestand bevat %(what)s (%(count)d keer). Signalen importeert organisaties, "
            "diensten, locaties en diensten op locaties (HSDS 3.0); als taxonomie gebruikt "
            "Signalen zijn eigen thema's.",
            what=KIND_LABELS[kind],
            count=count,
        ),
    )


def _own_fields(item: dict, *children: str) -> dict[str, Any]:
    """The row's own values: every field except the nested objects that become rows of their
    own (``children``). A list or object in a field that holds one value stays, so the check
    refuses it (never dropped); the fields Signalen does not model go to ``hsds_extra``."""
    return {k: v for k, v in item.items() if k not in children}


def _children(item: dict, key: str, where: str):
    value = item.get(key) or []
    if not isinstance(value, list):
        return []
    return [
        (child, f"{where}.{key}[{i}]") for i, child in enumerate(value) if isinstance(child, dict)
    ]


def _organization(item: dict, dataset: Dataset, where: str) -> None:
    row = _own_fields(item, "locations", "phones", "contacts", "services")
    dataset.add("organizations", row, where)
    org_id = item.get("id")
    for child, child_where in _children(item, "locations", where):
        _location(child, org_id, dataset, child_where)
    for child, child_where in _children(item, "phones", where):
        dataset.add("phones", {"organization_id": org_id, **_own_fields(child)}, child_where)
    for child, child_where in _children(item, "contacts", where):
        _contact(child, {"organization_id": org_id}, dataset, child_where)
    for child, child_where in _children(item, "services", where):
        _service(child, org_id, dataset, child_where)


def _location(item: dict, org_id: Any, dataset: Dataset, where: str) -> None:
    row = _own_fields(item, "addresses", "phones", "schedules", "contacts")
    if org_id and not row.get("organization_id"):
        row["organization_id"] = org_id
    dataset.add("locations", row, where)
    loc_id = item.get("id")
    for child, child_where in _children(item, "addresses", where):
        dataset.add("addresses", {"location_id": loc_id, **_own_fields(child)}, child_where)
    for child, child_where in _children(item, "phones", where):
        dataset.add("phones", {"location_id": loc_id, **_own_fields(child)}, child_where)
    for child, child_where in _children(item, "schedules", where):
        dataset.add("schedules", {"location_id": loc_id, **_own_fields(child)}, child_where)
    for child, child_where in _children(item, "contacts", where):
        _contact(child, {"location_id": loc_id}, dataset, child_where)


def _contact(item: dict, defaults: dict, dataset: Dataset, where: str) -> None:
    row = {**{k: v for k, v in defaults.items() if v}, **_own_fields(item, "phones")}
    dataset.add("contacts", row, where)
    for child, child_where in _children(item, "phones", where):
        dataset.add("phones", {"contact_id": item.get("id"), **_own_fields(child)}, child_where)


def _service(item: dict, org_id: Any, dataset: Dataset, where: str) -> None:
    row = _own_fields(
        item,
        *("organization", "phones", "schedules", "service_areas", "languages", "contacts"),
        "service_at_locations",
    )
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
            dataset.add(table, {"service_id": service_id, **_own_fields(child)}, child_where)
    for child, child_where in _children(item, "contacts", where):
        _contact(child, {"service_id": service_id}, dataset, child_where)
    for child, child_where in _children(item, "service_at_locations", where):
        _service_at_location(child, service_id, dataset, child_where)
    for child, child_where in _children(item, "attributes", where):
        row = {"link_id": service_id, **_own_fields(child)}
        term = child.get("taxonomy_term")
        if isinstance(term, dict):
            dataset.add("taxonomy_terms", _own_fields(term), f"{child_where}.taxonomy_term")
            row.setdefault("taxonomy_term_id", term.get("id"))
        dataset.add("attributes", row, child_where)


def _service_at_location(item: dict, service_id: Any, dataset: Dataset, where: str) -> None:
    row = _own_fields(item, "service", "location", "schedules")
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
            {"service_at_location_id": row.get("id"), **_own_fields(child)},
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
    for name in SIDE_FILES:
        if name in files:
            text = _decode(files[name](), name, report)
            if text is not None:
                _read_side_csv(name, text, dataset, report)


def _csv_rows(name: str, text: str, report: ImportReport) -> Iterator[tuple[str, dict[str, str]]]:
    """The rows of a CSV file with their place, non-empty cells only; malformed rows and
    files are reported, not read."""
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
            yield where, {k: v for k, v in clean.items() if v != ""}
    except csv.Error as error:
        report.error(
            _("%(file)s regel %(line)d", file=name, line=reader.line_num),
            _("Geen geldige CSV: %(message)s", message=str(error)),
        )


def _read_csv(table: str, name: str, text: str, dataset: Dataset, report: ImportReport) -> None:
    for where, cells in _csv_rows(name, text, report):
        clean = coerce_csv(SCHEMA_NAMES.get(table, ""), cells)
        if table == "attributes" and "link_id" in clean:
            clean.setdefault("link_entity", "service")
        dataset.add(table, clean, where)


def _read_side_csv(name: str, text: str, dataset: Dataset, report: ImportReport) -> None:
    """Nest the rows of a side table (funding, programs, …) in their owner's row."""
    schema_name, owners = SIDE_FILES[name]
    by_id = {
        table: {row.data.get("id"): row for row in dataset.rows[table]}
        for table in {table for _column, table, _field in owners}
    }
    for where, cells in _csv_rows(name, text, report):
        clean = coerce_csv(schema_name, cells)
        owner = next(
            (
                (by_id[table][clean[column]], key)
                for column, table, key in owners
                if clean.get(column) in by_id[table]
            ),
            None,
        )
        if owner is None:
            report.warn(
                where,
                _(
                    "Hoort bij geen van de %(owners)s in dit bestand (%(columns)s); niet "
                    "ingelezen.",
                    owners=" of ".join(str(TABLE_LABELS[table]) for _c, table, _k in owners),
                    columns=", ".join(column for column, _t, _k in owners),
                ),
            )
            continue
        row, key = owner
        kept = row.data.setdefault(key, [])
        if isinstance(kept, list):
            kept.append(clean)
