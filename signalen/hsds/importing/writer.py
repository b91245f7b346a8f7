"""Writing checked rows in one transaction: created or updated by UUID, with field-level
history; all or nothing.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from signalen.directory import models as m
from signalen.directory.services.history import record_change
from signalen.directory.services.validation import (
    LANGUAGE_NAMES,
)
from signalen.extensions import db
from signalen.hsds.importing.checks import Checker, theme_by_term
from signalen.hsds.importing.extras import extra_fields
from signalen.hsds.importing.fields import (
    ADDRESS_FIELDS,
    CONTACT_FIELDS,
    LOCATION_FIELDS,
    ORG_FIELDS,
    PHONE_FIELDS,
    SCHEDULE_FIELDS,
    SERVICE_FIELDS,
    as_number,
    as_text,
    parse_date,
    parse_time,
    strip_quotes,
)
from signalen.hsds.importing.formats import Dataset, ImportReport, Row
from signalen.taxonomy.models import Municipality, Theme


def _value(name: str, raw: Any) -> Any:
    if name.endswith("_id"):
        return uuid.UUID(raw) if raw else None
    if name in ("minimum_age", "maximum_age", "extension", "interval"):
        if raw in (None, ""):
            return None
        try:
            return int(as_number(raw))
        except (TypeError, ValueError):
            return None
    if name in ("latitude", "longitude"):
        return None if raw in (None, "") else as_number(raw)
    if name in ("assured_date", "valid_from", "valid_to"):
        return parse_date(raw) if as_text(raw) else None
    if name in ("opens_at", "closes_at"):
        return parse_time(raw) if as_text(raw) else None
    text = as_text(raw)
    if name == "number":
        text = strip_quotes(text)
    if name in ("freq", "byday"):
        text = text.upper()
    if name == "country":
        text = (text or "NL").upper()
    if name == "address_type" and not text:
        text = "physical"
    return text


def _as_json(value: Any) -> Any:
    """A kept HSDS value as history text: text as it is, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# Ids per query when reading the stored objects a file names.
READ_CHUNK = 500


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
        self.terms = {row.data.get("id"): row.data for row in dataset.rows["taxonomy_terms"]}
        self.themes = list(db.session.scalars(select(Theme)))
        self._stored: dict[str, dict[uuid.UUID, Any]] = {}

    def _existing(self, model: Any, table: str) -> dict[uuid.UUID, Any]:
        """The stored objects of ``table`` that the file names, read in a few queries (not
        one query, with a flush before it, per row)."""
        stored = self._stored.get(table)
        if stored is None:
            ids = sorted(
                {
                    uuid.UUID(row.data["id"])
                    for row in self.dataset.rows[table]
                    if not row.data.get("_skip")
                }
            )
            stored = {}
            for start in range(0, len(ids), READ_CHUNK):
                query = select(model).where(model.id.in_(ids[start : start + READ_CHUNK]))
                stored.update((obj.id, obj) for obj in db.session.scalars(query))
            self._stored[table] = stored
        return stored

    def _upsert(self, model, table: str, row: Row, fields: tuple[str, ...]):
        object_id = uuid.UUID(row.data["id"])
        existing = self._existing(model, table)
        obj = existing.get(object_id)
        created = obj is None
        if created:
            obj = model(id=object_id)
            db.session.add(obj)
            existing[object_id] = obj
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
        changes += self._set_extra(obj, table, row)
        counter = self.report.created if created else self.report.updated
        if created or changes:
            counter[table] = counter.get(table, 0) + 1
        return obj, created, changes

    def _set_extra(self, obj: Any, table: str, row: Row) -> list[tuple[str, Any, Any]]:
        """Keep the fields Signalen does not model in ``hsds_extra``: a field the file gives
        replaces the kept one, one it leaves out stays (as a column does). Returns the
        changes, one per field, with values as JSON text."""
        new = extra_fields(table, row.data)
        if table == "services":
            new = self._without_theme_attributes(new)
        old = obj.hsds_extra or {}
        merged = {**old, **new}
        changes = [
            (name, _as_json(old.get(name)), _as_json(merged.get(name)))
            for name in sorted(merged)
            if old.get(name) != merged.get(name)
        ]
        if changes:
            obj.hsds_extra = merged or None
        return changes

    def _without_theme_attributes(self, extra: dict[str, Any]) -> dict[str, Any]:
        """A service's attributes less those that name a Signalen theme: those are its
        themes now and are given back as such (with Signalen's term ids)."""
        attributes = extra.get("attributes")
        if not isinstance(attributes, list):
            return extra
        kept = []
        for attribute in attributes:
            term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
            term_id = attribute.get("taxonomy_term_id") if isinstance(attribute, dict) else None
            if isinstance(term, dict):
                term_id = term_id or term.get("id")
            if not term_id or theme_by_term(str(term_id), self.terms, self.themes) is None:
                kept.append(attribute)
        if kept:
            return {**extra, "attributes": kept}
        return {key: value for key, value in extra.items() if key != "attributes"}

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
                if not as_text(row.data.get("name")):
                    row.data["name"] = LANGUAGE_NAMES.get(as_text(row.data.get("code")), "")
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
        name = as_text(row.data.get("name"))
        extent = as_text(row.data.get("extent"))
        extent_type = as_text(row.data.get("extent_type")).casefold()
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
            theme = theme_by_term(term_id, terms, themes)
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
    from signalen.directory.indexing import index_services

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
