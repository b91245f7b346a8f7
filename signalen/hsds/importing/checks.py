"""Checking: every row on its own (with the field checks of the edit forms, see
:mod:`signalen.directory.services.validation`), then references to the file and the database.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import select

from signalen.core.errors import ServiceError
from signalen.core.validation import (
    FORBIDDEN_CHARACTER_MESSAGE,
    has_forbidden_characters,
    parse_int,
)
from signalen.directory import models as m
from signalen.directory.services.validation import (
    COORDINATE_LIMITS,
    clean_postal_code,
    format_phone,
    valid_email,
    valid_url,
)
from signalen.extensions import db
from signalen.hsds.export import theme_term_id
from signalen.hsds.importing.extras import SCHEMA_NAMES, TYPED, extra_fields, problems
from signalen.hsds.importing.fields import (
    ID_FIELDS,
    REQUIRED,
    SCALAR_FIELDS,
    TABLES,
    TEXT_FIELDS,
    as_number,
    as_text,
    parse_date,
    parse_time,
    strip_quotes,
)
from signalen.hsds.importing.formats import Dataset, ImportReport, Row
from signalen.taxonomy.models import Theme

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
BYDAY_PATTERN = re.compile(r"^[+-]?[0-9]{0,2}(MO|TU|WE|TH|FR|SA|SU)$")


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
            if as_text(data.get(name)) == "":
                report.error(where, _("Verplicht veld '%(field)s' ontbreekt.", field=name))
        for name in ID_FIELDS:
            value = as_text(data.get(name))
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
            value = as_text(data.get(name))
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
            value = as_text(data.get("email"))
            if value and not valid_email(value):
                report.error(
                    where, _("'email' is geen geldig e-mailadres: %(value)s", value=value[:100])
                )
        self._check_lengths(row)
        if row.table in TYPED:
            extra = extra_fields(row.table, row.data)
            for message in problems(SCHEMA_NAMES[row.table], extra):
                report.error(where, message)
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
            text = strip_quotes(as_text(value)) if name == "number" else as_text(value)
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
        status = as_text(data.get("status"))
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
                number = as_number(value)
                if number < 0 or number > 130:
                    raise ValueError
                ages[name] = int(number)
            except (TypeError, ValueError):
                self.report.error(
                    where,
                    _(
                        "'%(field)s' is geen leeftijd: %(value)s",
                        field=name,
                        value=as_text(value)[:20],
                    ),
                )
        if len(ages) == 2 and ages["minimum_age"] > ages["maximum_age"]:
            self.report.error(where, _("De minimumleeftijd is hoger dan de maximumleeftijd."))
        if as_text(data.get("assured_date")):
            try:
                parse_date(data["assured_date"])
            except ValueError:
                self.report.error(where, _("'assured_date' is geen datum (jjjj-mm-dd)."))
        value = as_text(data.get("assurer_email"))
        if value and not valid_email(value):
            self.report.error(where, _("'assurer_email' is geen geldig e-mailadres."))

    def _check_locations(self, row: Row) -> None:
        data, where = row.data, row.where
        kind = as_text(data.get("location_type"))
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
                number = as_number(value)
            except (TypeError, ValueError):
                self.report.error(
                    where,
                    _(
                        "'%(field)s' is geen getal: %(value)s",
                        field=name,
                        value=as_text(value)[:30],
                    ),
                )
                continue
            if not -limit <= number <= limit:
                self.warn(
                    where,
                    _(
                        "'%(field)s' %(value)s ligt buiten -%(limit)d tot %(limit)d; de "
                        "coördinaten van deze locatie worden niet overgenomen.",
                        field=name,
                        value=as_text(value)[:30],
                        limit=limit,
                    ),
                )
                data["_drop_coordinates"] = True

    def _check_addresses(self, row: Row) -> None:
        """The postcode is checked (and written the usual way) by the same function as in the
        edit form: a Dutch one must be one, another country's is kept as written."""
        value = as_text(row.data.get("postal_code"))
        if not value:
            return
        try:
            row.data["postal_code"] = clean_postal_code(
                value, as_text(row.data.get("country")) or "NL"
            )
        except ServiceError as error:
            self.report.error(
                row.where,
                _(
                    "Postcode '%(value)s' klopt niet. %(message)s",
                    value=value[:20],
                    message=str(error.message),
                ),
            )

    def _check_phones(self, row: Row) -> None:
        number = strip_quotes(as_text(row.data.get("number")))
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
                row.data["extension"] = int(as_number(extension))
            except (TypeError, ValueError):
                self.report.error(row.where, _("'extension' is geen getal."))

    def _check_schedules(self, row: Row) -> None:
        data, where = row.data, row.where
        times = {}
        for name in ("opens_at", "closes_at"):
            if as_text(data.get(name)):
                try:
                    times[name] = parse_time(data[name])
                except ValueError:
                    self.report.error(
                        where,
                        _(
                            "'%(field)s' is geen tijd (uu:mm): %(value)s",
                            field=name,
                            value=as_text(data[name])[:20],
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
            if as_text(data.get(name)):
                try:
                    dates[name] = parse_date(data[name])
                except ValueError:
                    self.report.error(
                        where, _("'%(field)s' is geen datum (jjjj-mm-dd).", field=name)
                    )
        if len(dates) == 2 and dates["valid_to"] < dates["valid_from"]:
            self.report.error(where, _("'valid_to' ligt voor 'valid_from'."))
        byday = as_text(data.get("byday")).upper()
        for part in [p.strip() for p in byday.split(",") if p.strip()]:
            if not BYDAY_PATTERN.match(part):
                self.report.error(where, _("Onbekende dag '%(value)s' in byday.", value=part[:10]))
        freq = as_text(data.get("freq")).upper()
        if freq and freq not in ("WEEKLY", "MONTHLY"):
            self.report.error(where, _("'freq' moet WEEKLY of MONTHLY zijn."))
        interval = as_text(data.get("interval"))
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
                            and as_text(row.data.get(name)) == ""
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
            if term_id and theme_by_term(term_id, terms, self.themes) is None:
                term = terms.get(term_id) or {}
                self.warn(
                    row.where,
                    _(
                        "Taxonomieterm '%(name)s' (%(id)s) is geen thema van Signalen en wordt "
                        "overgeslagen.",
                        name=as_text(term.get("name"))[:80] or "?",
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


def theme_by_term(
    term_id: str | None, terms: Mapping[str, dict], themes: list[Theme]
) -> Theme | None:
    """The Signalen theme an HSDS taxonomy term stands for.

    By our own term id when the name agrees too (another system's ids may collide with
    ours), else by name: a name that several themes share is told apart by the parent term.
    """
    term = terms.get(term_id or "") or {}
    name = as_text(term.get("name")).casefold()
    if term_id:
        for theme in themes:
            if str(theme_term_id(theme.id)) == term_id and name in ("", theme.name.casefold()):
                return theme
    matches = [theme for theme in themes if name and theme.name.casefold() == name]
    if len(matches) > 1:
        parent = as_text((terms.get(as_text(term.get("parent_id"))) or {}).get("name")).casefold()
        matches = [
            t for t in matches if t.parent is not None and t.parent.name.casefold() == parent
        ]
    return matches[0] if len(matches) == 1 else None
