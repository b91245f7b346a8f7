"""Searching the informatiebank for a viewer, naming facet values, and exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signalen.articles.models import Article
from signalen.auth.models import User
from signalen.core.dates import local_moment
from signalen.core.validation import parse_ids
from signalen.extensions import db
from signalen.infobank.filters import KINDS, SearchFilters
from signalen.organisations.models import MemberOrganisation
from signalen.search import services as search
from signalen.search.documents import SearchResult
from signalen.signals.access import viewer_tokens
from signalen.signals.models import Impact, Signal, Status
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

FACET_TITLES = {
    "soort": _l("Soort"),
    "thema": _l("Thema"),
    "regeling": _l("Regeling"),
    "uitvoerder": _l("Uitvoerder"),
    "gemeente": _l("Gemeente"),
    "status": _l("Status"),
    "impact": _l("Gevolgen"),
    "periode": _l("Periode"),
    "organisatie": _l("Organisatie"),
}
ID_MODELS = {
    "thema": (Theme, "full_name"),
    "regeling": (Scheme, "name"),
    "uitvoerder": (Agency, "name"),
    "gemeente": (Municipality, "name"),
    "organisatie": (MemberOrganisation, "name"),
}
KIND_LABELS = {"knelpunt": _l("Knelpunten"), "artikel": _l("Kennisartikelen")}
EXPORT_LIMIT = 50_000
CSV_COLUMNS = [
    "id", "titel", "omschrijving", "datum", "kanaal", "thema", "regeling", "uitvoerder",
    "gemeente", "aantal_meldingen", "impact", "zichtbaarheid", "status", "organisatie",
    "aangemaakt",
]  # fmt: skip


@dataclass
class Item:
    """One search result ready for the page: the object, its kind and highlights."""

    kind: str
    object: Signal | Article
    highlights: dict


@dataclass
class Page:
    filters: SearchFilters
    result: SearchResult
    items: list[Item]
    facets: list[tuple[str, str, list[tuple[str, str, int]]]]


def run_search(filters: SearchFilters, user: User | None, per_page: int = 20) -> Page:
    """Search for ``user``: only what they may see, in hits, counts and suggestions."""
    result = search.search(filters.to_query(per_page=per_page), viewer_tokens(user))
    signals = _load(Signal, [h.id for h in result.hits if h.kind == "signal"])
    articles = _load(Article, [h.id for h in result.hits if h.kind == "article"])
    items = []
    for hit in result.hits:
        obj = (signals if hit.kind == "signal" else articles).get(hit.id)
        if obj is not None:
            items.append(Item(hit.kind, obj, hit.highlights))
    return Page(filters, result, items, facet_groups(result, filters))


def _load(model, ids: list[int]) -> dict:
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)))}


def value_labels(facet: str, values: list[str]) -> dict[str, str]:
    """Readable names for facet values (ids, statuses, months)."""
    if facet in ID_MODELS:
        model, attribute = ID_MODELS[facet]
        ids = parse_ids(values)
        rows = db.session.scalars(select(model).where(model.id.in_(ids))) if ids else []
        return {str(row.id): getattr(row, attribute) for row in rows}
    if facet == "status":
        return {v: Status(v).label for v in values}
    if facet == "impact":
        return {v: Impact(v).label for v in values}
    if facet == "periode":
        return {v: format_date(date(int(v[:4]), int(v[5:7]), 1), "MMMM yyyy") for v in values}
    if facet == "soort":
        return {v: str(KIND_LABELS[v]) for v in values if v in KINDS}
    return {v: v for v in values}


def facet_groups(result: SearchResult, filters: SearchFilters):
    """Facets for the page: (name, title, [(value, label, count)]), chosen values kept."""
    groups = []
    for facet in FACET_TITLES:
        counts = dict(result.facets.get(facet, []))
        for chosen in filters.values.get(facet, []):
            counts.setdefault(chosen, 0)
        if not counts:
            continue
        labels = value_labels(facet, list(counts))
        entries = [(v, labels.get(v, v), c) for v, c in counts.items() if v in labels]
        if facet == "periode":
            entries.sort(key=lambda e: e[0], reverse=True)
        else:
            entries.sort(key=lambda e: (-e[2], e[1].lower()))
        groups.append((facet, str(FACET_TITLES[facet]), entries))
    return groups


# Exports ---------------------------------------------------------------------------------


def export_signals(filters: SearchFilters, user: User | None) -> Iterator[Signal]:
    """Exactly the signals of the current search (all pages), in the same order.

    The matching ids are fixed when this is called; the signals are loaded in chunks while
    the export is written.
    """
    query = filters.to_query(kinds=["signal"])
    ids = search.matching_ids(query, viewer_tokens(user), limit=EXPORT_LIMIT)
    return _signals_in_order(ids)


def _signals_in_order(ids: list[int]) -> Iterator[Signal]:
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        loaded = _load(Signal, chunk)
        for signal_id in chunk:
            if signal_id in loaded:
                yield loaded[signal_id]


def signal_row(signal: Signal) -> dict[str, str]:
    """A signal as the CSV/XLSX columns shared with the import."""
    return {
        "id": str(signal.id),
        "titel": signal.title,
        "omschrijving": signal.description,
        "datum": signal.occurred_on.isoformat() if signal.occurred_on else "",
        "kanaal": signal.channel.value,
        "thema": ";".join(t.full_name for t in signal.themes),
        "regeling": ";".join(s.name for s in signal.schemes),
        "uitvoerder": signal.agency_label,
        "gemeente": signal.municipality.name if signal.municipality else "",
        "aantal_meldingen": str(signal.report_count),
        "impact": signal.impact.value,
        "zichtbaarheid": signal.visibility.value,
        "status": signal.status.value,
        "organisatie": signal.organisation.name,
        "aangemaakt": signal.created_at.isoformat(timespec="seconds"),
    }


def spreadsheet_safe(value: str) -> str:
    """Stop spreadsheet programs from running a cell as a formula (CSV injection)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def csv_lines(signals: Iterator[Signal], delimiter: str = ",") -> Iterator[str]:
    """The export as CSV text with a UTF-8 BOM. ``delimiter=";"`` is the choice for Dutch
    Excel, which opens such a file correctly by double-click (lines end in CRLF)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=CSV_COLUMNS,
        delimiter=delimiter,
        lineterminator="\r\n" if delimiter == ";" else "\n",
    )
    writer.writeheader()
    yield "\ufeff" + buffer.getvalue()
    for signal in signals:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow({k: spreadsheet_safe(v) for k, v in signal_row(signal).items()})
        yield buffer.getvalue()


# Spreadsheet columns: the type of each cell and a sensible width (in characters).
XLSX_INTEGERS = {"id", "aantal_meldingen"}
XLSX_WIDTHS = {
    "id": 8,
    "titel": 40,
    "omschrijving": 60,
    "datum": 12,
    "aantal_meldingen": 10,
    "aangemaakt": 17,
    "thema": 30,
    "organisatie": 28,
    "uitvoerder": 24,
    "gemeente": 18,
}
XLSX_DATE_FORMAT = "DD-MM-YYYY"
XLSX_DATETIME_FORMAT = "DD-MM-YYYY HH:MM"


def xlsx_values(signal: Signal) -> list:
    """One signal as typed spreadsheet values: numbers as numbers, dates as dates (the
    moment of registration in Europe/Amsterdam, without a zone: Excel has none)."""
    row = signal_row(signal)
    values = []
    for column in CSV_COLUMNS:
        if column in XLSX_INTEGERS:
            values.append(int(row[column]))
        elif column == "datum":
            values.append(signal.occurred_on)
        elif column == "aangemaakt":
            values.append(local_moment(signal.created_at).replace(tzinfo=None, microsecond=0))
        else:
            values.append(spreadsheet_safe(row[column]))
    return values


def xlsx_bytes(signals: Iterator[Signal]) -> bytes:
    """The export as an Excel workbook: typed cells, a bold frozen header row with an
    autofilter, and column widths that fit the content."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_l("Knelpunten"))[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(CSV_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = XLSX_WIDTHS.get(column, 14)
    header = []
    for column in CSV_COLUMNS:
        cell = WriteOnlyCell(sheet, value=column)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    count = 0
    for signal in signals:
        cells = []
        for value in xlsx_values(signal):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(value, datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
            elif isinstance(value, date):
                cell.number_format = XLSX_DATE_FORMAT
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(CSV_COLUMNS))}{count + 1}"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
