"""Import of signals from CSV or .xlsx: column mapping, value reconciliation
(:mod:`signalen.signals.reconciling`), a dry run listing every problem of every row, and an
all-or-nothing commit (the CLI streams large files in batches inside one transaction).

The same columns as the export: titel, omschrijving, datum, kanaal, thema, regeling,
uitvoerder, gemeente, aantal_meldingen, impact, zichtbaarheid.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

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
from signalen.signals import reconciling, services
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


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252 as Excel writes it; else a clear error."""
    if b"\x00" in raw[:4096]:
        raise ServiceError(
            _l("Dit is geen CSV-bestand (of het is UTF-16). Sla het op als CSV UTF-8.")
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            raw.decode(encoding)  # the whole file must decode; the text is read again below
        except UnicodeDecodeError:
            continue
        return encoding
    raise ServiceError(_l("De tekens in dit bestand zijn niet te lezen. Sla het op als CSV UTF-8."))


def decode(raw: bytes) -> str:
    """The text of ``raw`` (see :func:`detect_encoding`)."""
    return raw.decode(detect_encoding(raw))


# How far down a sheet the header row is looked for (title lines above it are skipped).
HEADER_SEARCH_ROWS = 20
XLSX_SIGNATURE = b"PK\x03\x04"

NumberedRow = tuple[int, list[str]]  # spreadsheet row number (1 = first line), cells


@dataclass
class Table:
    """A sheet with its header row found: the header and the numbered data rows."""

    header: list[str]
    header_row: int
    rows: Iterator[NumberedRow]


def is_xlsx(raw: bytes) -> bool:
    return raw[:4] == XLSX_SIGNATURE


def _header_score(cells: Sequence[str]) -> int:
    known = set(COLUMNS)
    return sum(1 for cell in cells if cell.strip().lower().replace(" ", "_") in known)


def _with_header(rows: Iterator[NumberedRow]) -> Table | None:
    """Find the header among the first non-empty rows: the first with two or more of our
    column names, else the first non-empty row. ``None`` for an empty sheet."""
    seen: list[NumberedRow] = []
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        seen.append((number, cells))
        if _header_score(cells) >= 2 or len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return None
    best = next((i for i, (_n, cells) in enumerate(seen) if _header_score(cells) >= 2), 0)
    number, header = seen[best]
    rest = iter(seen[best + 1 :])

    def data() -> Iterator[NumberedRow]:
        for number_, cells in (*rest, *rows):
            if any(cell.strip() for cell in cells):
                yield number_, cells

    return Table([h.strip() for h in header], number, data())


def _csv_rows(raw: bytes) -> Iterator[NumberedRow]:
    """The records of a CSV file, decoded as they are read (a large file is not held as text
    as well as bytes)."""
    encoding = detect_encoding(raw)
    sample = raw[:16384].decode(encoding, errors="ignore")[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_FIELD * 4)
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding=encoding, newline=""), dialect)
    try:
        # Numbered by record, as a spreadsheet shows them (a cell may span lines).
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ServiceError(
            _l("Het CSV-bestand is niet goed opgebouwd: %(error)s", error=str(error))
        ) from error


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_table(raw: bytes) -> Table | None:
    """The sheet whose header row holds most of our column names (any sheet)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # zipfile, XML and openpyxl errors alike
        raise ServiceError(
            _l("Dit Excel-bestand is niet te lezen. Sla het opnieuw op als .xlsx of als CSV.")
        ) from error
    best: Table | None = None
    for sheet in workbook.worksheets:
        rows = (
            (number, [_cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        )
        table = _with_header(rows)
        if table is None:
            continue
        if best is None or _header_score(table.header) > _header_score(best.header):
            best = table
    return best


def open_table(raw: bytes) -> Table:
    """The rows of an uploaded file: .xlsx (any sheet) or CSV as Excel or others write it
    (comma or semicolon; UTF-8 with or without BOM, or Windows-1252). Rows stream."""
    if not raw.strip():
        raise ServiceError(_l("Het bestand is leeg."))
    table = _xlsx_table(raw) if is_xlsx(raw) else _with_header(_csv_rows(raw))
    if table is None:
        raise ServiceError(_l("Het bestand is leeg."))
    return table


def read_table(raw: bytes, *, limited: bool = True) -> tuple[list[str], list[NumberedRow]]:
    """Header and all numbered rows; ``limited``: at most MAX_ROWS (the web form)."""
    max_rows = MAX_ROWS if limited else None
    table = open_table(raw)
    rows: list[NumberedRow] = []
    for row in table.rows:
        rows.append(row)
        if max_rows is not None and len(rows) > max_rows:
            raise ServiceError(
                _l(
                    "Te veel regels (hoogstens %(max)d via deze pagina). Grotere bestanden "
                    "importeert een beheerder met het commando signalen import-signals.",
                    max=max_rows,
                )
            )
    if not rows:
        raise ServiceError(_l("Het bestand heeft geen regels onder de kopregel."))
    return table.header, rows


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of CSV text (comma or semicolon detected), at most MAX_ROWS."""
    header, rows = read_table(text.encode("utf-8"))
    return header, [cells for _number, cells in rows]


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


class RowChecker:
    """Checks rows one at a time against the lists, the form rules and the privacy guard,
    collecting every problem of every row in ``report`` (nothing is stored).

    ``value_map`` holds the reconciled values ((column, case-folded value) -> exact name,
    empty for "leeg laten"; see :mod:`signalen.signals.reconciling`).
    """

    def __init__(
        self,
        header: list[str],
        mapping: Mapping[str, str],
        *,
        redact_personal_data: bool = False,
        value_map: Mapping[reconciling.Key, str] | None = None,
        report: ImportReport | None = None,
    ) -> None:
        self.report = report or ImportReport()
        self.redact = redact_personal_data
        self.value_map = value_map or {}
        self.names = NameIndex.load()
        self.position: dict[str, int] = {}
        for column in (c for c in REQUIRED if not mapping.get(c)):
            self.report.problems.append(
                Problem(1, column, _("Kolom '%(column)s' ontbreekt.", column=column))
            )
        for name in (h for h in mapping.values() if h and h not in header):
            self.report.problems.append(
                Problem(1, name, _("Kolom '%(column)s' staat niet in het bestand.", column=name))
            )
        self.usable = not self.report.problems
        if self.usable:
            self.position = {column: header.index(name) for column, name in mapping.items() if name}

    def check(self, number: int, row: Sequence[str]) -> services.SignalInput | None:
        """The checked (and, when asked, redacted) input of one row, or ``None`` with its
        problems in the report."""
        report = self.report
        report.rows += 1
        values = {
            c: unguard_formula(row[i].strip()) if i < len(row) else ""
            for c, i in self.position.items()
        }
        values = self._reconciled(values)
        before = len(report.problems)
        data = _row_input(values, self.names, number, report)
        try:
            data = services.clean_input(data, check_ids=False)
        except ServiceError as error:
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
            if not self.redact:
                report.problems.append(
                    Problem(
                        number,
                        FIELD_COLUMNS[name],
                        _("Persoonsgegevens gevonden: %(kinds)s.", kinds=kinds),
                    )
                )
        if len(report.problems) > before:
            return None
        return redacted

    def _reconciled(self, values: dict[str, str]) -> dict[str, str]:
        if not self.value_map:
            return values
        for column in reconciling.COLUMNS:
            if not values.get(column):
                continue
            parts = [
                self.value_map.get(reconciling.key(column, part), part)
                for part in reconciling.split(column, values[column])
            ]
            values[column] = ";".join(part for part in parts if part)
        return values


def check_rows(
    header: list[str],
    rows: Iterable[Sequence[str]],
    mapping: Mapping[str, str],
    *,
    redact_personal_data: bool = False,
    progress: Callable[[int], None] | None = None,
    value_map: Mapping[reconciling.Key, str] | None = None,
    first_row: int = 2,
) -> ImportReport:
    """Check every row; collect all problems (row, column, reason) without storing anything.

    Rows are numbered from ``first_row`` (2: the line under the header, as in a spreadsheet).
    """
    return check_numbered(
        header,
        enumerate(rows, start=first_row),
        mapping,
        redact_personal_data=redact_personal_data,
        progress=progress,
        value_map=value_map,
    )


def check_numbered(
    header: list[str],
    rows: Iterable[NumberedRow] | Iterable[tuple[int, Sequence[str]]],
    mapping: Mapping[str, str],
    *,
    redact_personal_data: bool = False,
    progress: Callable[[int], None] | None = None,
    value_map: Mapping[reconciling.Key, str] | None = None,
) -> ImportReport:
    """:func:`check_rows` for rows that carry their own spreadsheet row number."""
    checker = RowChecker(
        header, mapping, redact_personal_data=redact_personal_data, value_map=value_map
    )
    report = checker.report
    if not checker.usable:
        return report
    for number, row in rows:
        if progress:
            progress(1)
        data = checker.check(number, row)
        if data is not None:
            report.inputs.append(data)
    report.problems.sort(key=lambda p: (p.row, p.column))
    return report


def _row_input(
    values: dict[str, str], names: NameIndex, number: int, report: ImportReport
) -> services.SignalInput:
    """The row as an input; its problems go to ``report`` (unknown names are left out, so
    the rest of the row, its privacy check included, is still checked)."""

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
        report_count = 1
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


CLI_BATCH = 5_000


def import_streaming(
    rows: Iterable[NumberedRow],
    header: list[str],
    mapping: Mapping[str, str],
    organisation_id: int,
    *,
    user=None,
    dry_run: bool = False,
    redact_personal_data: bool = False,
    value_map: Mapping[reconciling.Key, str] | None = None,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check and store a file of any length in batches, all or nothing (the CLI).

    Rows are checked one batch at a time and, while no row had a problem, inserted inside
    one transaction; at the end it commits only when every row was good, and rolls back
    otherwise (or on a dry run), so a failure leaves nothing. Memory stays at one batch.
    """
    checker = RowChecker(
        header, mapping, redact_personal_data=redact_personal_data, value_map=value_map
    )
    report = checker.report
    if not checker.usable:
        return report
    batch: list[services.SignalInput] = []
    batch_size = batch_size or CLI_BATCH

    def flush() -> None:
        if batch and report.ok and not dry_run:
            report.created += len(services.create_signals(batch, user, organisation_id))
        batch.clear()

    try:
        for number, row in rows:
            data = checker.check(number, row)
            if data is not None and report.ok:
                batch.append(data)
            if progress:
                progress(1)
            if len(batch) >= batch_size:
                flush()
        flush()
        if dry_run or not report.ok:
            db.session.rollback()
            report.created = 0
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        report.created = 0
        raise
    report.problems.sort(key=lambda p: (p.row, p.column))
    if report.created:
        outbox.drain(lock_timeout=IMPORT_DRAIN_WAIT)
    return report
