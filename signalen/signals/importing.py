"""CSV import of signals: column mapping, a dry run listing every problem, all-or-nothing commit.

The same columns as the export: titel, omschrijving, datum, kanaal, thema, regeling,
uitvoerder, gemeente, aantal_meldingen, impact, zichtbaarheid.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signalen.core.errors import ServiceError
from signalen.core.validation import (
    FORBIDDEN_CHARACTER_MESSAGE,
    has_forbidden_characters,
    parse_date,
    parse_int,
)
from signalen.extensions import db
from signalen.search import outbox
from signalen.signals import services
from signalen.signals.models import Channel, Impact, Visibility
from signalen.taxonomy.services import NameIndex

COLUMNS = (
    "titel", "omschrijving", "datum", "kanaal", "thema", "regeling", "uitvoerder", "gemeente",
    "aantal_meldingen", "impact", "zichtbaarheid",
)  # fmt: skip
REQUIRED = ("titel", "omschrijving")
FIELD_COLUMNS = {
    "title": "titel", "description": "omschrijving", "occurred_on": "datum",
    "theme_ids": "thema", "scheme_ids": "regeling", "agency_id": "uitvoerder",
    "municipality_id": "gemeente", "report_count": "aantal_meldingen",
}  # fmt: skip
MAX_ROWS = 100_000
# Seconds an import waits for another drain (which may be indexing its rows) to finish.
IMPORT_DRAIN_WAIT = 600.0
MAX_FIELD = 20_000


@dataclass
class Problem:
    row: int  # 1 is the header line, so data starts at 2 as in a spreadsheet
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    personal_data: list[Problem] = field(default_factory=list)
    inputs: list[services.SignalInput] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252 as Excel writes it; else a clear error."""
    if b"\x00" in raw[:4096]:
        raise ServiceError(
            _l("Dit is geen CSV-bestand (of het is UTF-16). Sla het op als CSV UTF-8.")
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ServiceError(_l("De tekens in dit bestand zijn niet te lezen. Sla het op als CSV UTF-8."))


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows; the delimiter (comma or semicolon) is detected."""
    if not text.strip():
        raise ServiceError(_l("Het bestand is leeg."))
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_FIELD * 4)
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise ServiceError(
            _l("Het CSV-bestand is niet goed opgebouwd: %(error)s", error=str(error))
        ) from error
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ServiceError(_l("Het bestand heeft geen regels onder de kopregel."))
    if len(rows) - 1 > MAX_ROWS:
        raise ServiceError(_l("Te veel regels (hoogstens %(max)d).", max=MAX_ROWS))
    return [h.strip() for h in rows[0]], rows[1:]


# What the CSV export puts a ' before (see ``infobank.services.spreadsheet_safe``).
FORMULA_STARTS = "=+-@"


def unguard_formula(value: str) -> str:
    """Undo the export's formula guard, so exporting and importing again keeps the text:
    a leading ' goes when the rest starts with = + - or @."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Our column -> their header, matching names case-insensitively."""
    normalised = {h.strip().lower().replace(" ", "_"): h for h in header}
    return {column: normalised[column] for column in COLUMNS if column in normalised}


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _enum(enum_class, value: str, default):
    """The member whose value or (translated) label is ``value``; ``default`` when empty."""
    value = value.strip().lower()
    if not value:
        return default
    for member in enum_class:
        if value == member.value:
            return member
    for member in enum_class:
        if value == member.label.lower():
            return member
    raise ValueError(value)


def check_rows(
    header: list[str],
    rows: list[list[str]],
    mapping: Mapping[str, str],
    *,
    redact_personal_data: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row; collect all problems (row, column, reason) without storing anything."""
    report = ImportReport(rows=len(rows))
    missing = [c for c in REQUIRED if not mapping.get(c)]
    for column in missing:
        report.problems.append(
            Problem(1, column, _("Kolom '%(column)s' ontbreekt.", column=column))
        )
    unknown = [h for h in mapping.values() if h and h not in header]
    for name in unknown:
        report.problems.append(
            Problem(1, name, _("Kolom '%(column)s' staat niet in het bestand.", column=name))
        )
    if report.problems:
        return report
    position = {column: header.index(name) for column, name in mapping.items() if name}
    names = NameIndex.load()
    for number, row in enumerate(rows, start=2):
        if progress:
            progress(1)
        values = {
            c: unguard_formula(row[i].strip()) if i < len(row) else "" for c, i in position.items()
        }
        data = _row_input(values, names, number, report)
        if data is None:
            continue
        cleaned = True
        try:
            data = services.clean_input(data, check_ids=False)
        except ServiceError as error:
            cleaned = False
            report.problems.append(
                Problem(
                    number,
                    FIELD_COLUMNS.get(error.field or "", error.field or "-"),
                    str(error.message),
                )
            )
        found, redacted = services.find_personal_data(data)
        for name, findings in found.items():
            kinds = ", ".join(sorted({f.label for f in findings}))
            report.personal_data.append(Problem(number, FIELD_COLUMNS[name], kinds))
        if cleaned and (redact_personal_data or not found):
            report.inputs.append(redacted)
    if report.personal_data and not redact_personal_data:
        for problem in report.personal_data:
            report.problems.append(
                Problem(
                    problem.row,
                    problem.column,
                    _("Persoonsgegevens gevonden: %(kinds)s.", kinds=problem.message),
                )
            )
    report.problems.sort(key=lambda p: (p.row, p.column))
    return report


def _row_input(values: dict[str, str], names: NameIndex, number: int, report: ImportReport):
    problems_before = len(report.problems)

    def problem(column: str, message) -> None:
        report.problems.append(Problem(number, column, str(message)))

    for column, value in values.items():
        if has_forbidden_characters(value):
            problem(column, FORBIDDEN_CHARACTER_MESSAGE)

    occurred_on = None
    if values.get("datum"):
        try:
            occurred_on = date.fromisoformat(values["datum"])
            if parse_date(values["datum"]) is None:
                raise ValueError(values["datum"])
        except ValueError:
            problem(
                "datum",
                _l(
                    "Datum '%(value)s' klopt niet (gebruik jjjj-mm-dd).", value=values["datum"][:20]
                ),
            )
    try:
        channel = _enum(Channel, values.get("kanaal", ""), Channel.PHONE)
    except ValueError:
        problem("kanaal", _l("Onbekend kanaal '%(value)s'.", value=values["kanaal"][:40]))
        channel = Channel.PHONE
    try:
        impact = _enum(Impact, values.get("impact", ""), Impact.MEDIUM)
    except ValueError:
        problem("impact", _l("Onbekende impact '%(value)s'.", value=values["impact"][:40]))
        impact = Impact.MEDIUM
    try:
        visibility = _enum(Visibility, values.get("zichtbaarheid", ""), Visibility.NETWORK)
    except ValueError:
        problem(
            "zichtbaarheid",
            _l("Onbekende zichtbaarheid '%(value)s'.", value=values["zichtbaarheid"][:40]),
        )
        visibility = Visibility.NETWORK
    theme_ids, scheme_ids = [], []
    for name in _split(values.get("thema", "")):
        theme = names.themes.get(name.casefold())
        if theme is None:
            problem("thema", _l("Onbekend thema '%(value)s'.", value=name[:60]))
        else:
            theme_ids.append(theme.id)
    for name in _split(values.get("regeling", "")):
        scheme = names.schemes.get(name.casefold())
        if scheme is None:
            problem("regeling", _l("Onbekende regeling '%(value)s'.", value=name[:60]))
        else:
            scheme_ids.append(scheme.id)
    agency = municipality_of_agency = None
    if values.get("uitvoerder"):
        agency, municipality_of_agency = names.agency(values["uitvoerder"])
        if agency is None:
            problem(
                "uitvoerder",
                _l("Onbekende uitvoerder '%(value)s'.", value=values["uitvoerder"][:60]),
            )
    municipality = None
    if values.get("gemeente"):
        municipality = names.municipalities.get(values["gemeente"].casefold())
        if municipality is None:
            problem(
                "gemeente", _l("Onbekende gemeente '%(value)s'.", value=values["gemeente"][:60])
            )
    count_text = values.get("aantal_meldingen", "") or "1"
    report_count = parse_int(count_text) or 0
    if report_count < 1:
        problem(
            "aantal_meldingen",
            _l("Aantal '%(value)s' is geen heel getal van 1 of meer.", value=count_text[:20]),
        )
    if len(report.problems) > problems_before:
        return None
    return services.SignalInput(
        title=values.get("titel", ""),
        description=values.get("omschrijving", ""),
        channel=channel,
        occurred_on=occurred_on,
        theme_ids=theme_ids,
        scheme_ids=scheme_ids,
        agency_id=agency.id if agency else None,
        agency_municipality_id=municipality_of_agency.id if municipality_of_agency else None,
        municipality_id=municipality.id if municipality else None,
        report_count=report_count,
        impact=impact,
        visibility=visibility,
    )


def commit_import(
    report: ImportReport, user, organisation_id: int, progress: Callable[[int], None] | None = None
) -> int:
    """Store all checked rows in one transaction, then index them in bulk."""
    if not report.ok:
        raise ServiceError(_l("Er zijn nog problemen; er is niets opgeslagen."))
    try:
        ids = services.create_signals(report.inputs, user, organisation_id, progress=progress)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    # The rows are safe in the outbox; wait for a drain elsewhere rather than leave them.
    outbox.drain(lock_timeout=IMPORT_DRAIN_WAIT)
    report.created = len(ids)
    return len(ids)
