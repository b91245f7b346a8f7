"""Turn a digest's stored figures into what the pages show: charts, trends and labels.

The bar charts reuse the overview's chart objects (``signalen.dashboard.services``), with
a marker for the previous period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from signalen.core.dates import local_today
from signalen.dashboard.services import BAR_WIDTH, Bar, Chart
from signalen.digests.models import Digest
from signalen.digests.services import BREAKDOWNS, SECTIONS
from signalen.signals.models import Status

CHART_ROWS = 12


@dataclass
class TrendBar(Bar):
    previous: int = 0
    previous_width: float = 0.0

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass
class TrendChart(Chart):
    key: str = ""
    rows: list[TrendBar] | None = None  # every row, for the table (the chart shows the top)


def trend_text(now: int, before: int) -> str:
    """The change as text: +5 (+20%), −3 (−10%), gelijk or nieuw."""
    change = now - before
    if change == 0:
        return _("gelijk")
    if before == 0:
        return _("nieuw")
    percent = round(100 * change / before)
    sign = "+" if change > 0 else "−"
    return f"{sign}{abs(change)} ({sign}{abs(percent)}%)"


def _chart(key: str, rows: list[dict[str, Any]]) -> TrendChart:
    bars = []
    for row in rows:
        bars.append(
            TrendBar(row["label"], int(row["count"]), 0.0, previous=int(row.get("previous", 0)))
        )
    shown = [bar for bar, row in zip(bars, rows, strict=True) if not row.get("other")]
    shown = shown[:CHART_ROWS]
    top = max([bar.count for bar in shown] + [bar.previous for bar in shown] + [1])
    for bar in bars:
        bar.width = BAR_WIDTH * bar.count / top
        bar.previous_width = BAR_WIDTH * bar.previous / top
    return TrendChart(str(SECTIONS[key]), shown, key=key, rows=bars)


def status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value


def _date(value: str | None) -> str:
    return format_date(date.fromisoformat(value), "d MMMM yyyy") if value else ""


def unfinished_notice(digest: Digest) -> str:
    """A warning when the figures were computed before the period was over; else ""."""
    if digest.computed_at is None or local_today(digest.computed_at) > digest.period_end:
        return ""
    computed = format_date(digest.computed_at, "d MMMM yyyy")
    if digest.is_published:
        return _(
            "Let op: de cijfers zijn berekend op %(date)s, toen de periode nog niet voorbij was.",
            date=computed,
        )
    return _(
        "Let op: de periode is nog niet voorbij. De cijfers zijn van %(date)s. "
        "Bereken ze opnieuw als de periode voorbij is.",
        date=computed,
    )


def top_label(row: dict[str, Any]) -> str:
    """How a "meest gemeld" row is named: its title when openbaar and approved, otherwise
    its theme and agency (the counts are not secret, the text is)."""
    if row.get("public") and row.get("title"):
        return row["title"]
    themes = ", ".join(row.get("themes") or [])
    agency = row.get("agency") or ""
    if themes and agency:
        return _("Knelpunt over %(themes)s bij %(agency)s", themes=themes, agency=agency)
    if themes:
        return _("Knelpunt over %(themes)s", themes=themes)
    if agency:
        return _("Knelpunt bij %(agency)s", agency=agency)
    return _("Knelpunt zonder thema")


def digest_view(digest: Digest) -> dict[str, Any]:
    """Everything the digest page, the print page and the edit page show."""
    figures = digest.figures or {}
    totals = figures.get("totals", {})
    followup = figures.get("followup", {})
    return {
        "sections": SECTIONS,
        "period": (
            format_date(digest.period_start, "d MMMM yyyy"),
            format_date(digest.period_end, "d MMMM yyyy"),
        ),
        "previous": (
            _date(figures.get("previous", {}).get("start")),
            _date(figures.get("previous", {}).get("end")),
        ),
        "computed": format_date(digest.computed_at, "d MMMM yyyy") if digest.computed_at else "",
        "unfinished": unfinished_notice(digest),
        "totals": totals,
        "signals_trend": trend_text(totals.get("signals", 0), totals.get("previous_signals", 0)),
        "clients_trend": trend_text(totals.get("clients", 0), totals.get("previous_clients", 0)),
        "charts": [_chart(key, figures.get(key, [])) for key in BREAKDOWNS],
        "top": [{**row, "label": top_label(row)} for row in figures.get("top", [])],
        # Digests computed before the signaalradar existed have no "opvallend".
        "opvallend": figures.get("opvallend", []),
        "followup": followup,
        "followup_statuses": [
            (status_label(row["status"]), row["count"]) for row in followup.get("statuses", [])
        ],
        "followup_signals": [
            {
                **row,
                "status_label": status_label(row["status"]),
                "last_meeting_label": _date(row.get("last_meeting")),
            }
            for row in followup.get("signals", [])
        ],
        "referrals": figures.get("referrals"),
        "remarks": digest.remarks or {},
        "bar_width": BAR_WIDTH,
        "status_label": status_label,
        "trend_text": trend_text,
    }


def digest_pdf(digest: Digest) -> bytes:
    """The digest as a PDF file: the same texts and numbers as the page, charts as tables."""
    from signalen.core.pdf import PdfDocument

    view = digest_view(digest)
    pdf = PdfDocument(digest.title, footer=digest.title)
    pdf.heading(digest.title)
    status = (
        _("Gepubliceerd op %(date)s", date=format_date(digest.published_at, "d MMMM yyyy"))
        if digest.published_at
        else _("Concept – nog niet gepubliceerd")
    )
    if digest.version > 1:
        status += " · " + _("Versie %(n)d", n=digest.version)
    pdf.paragraph(status)
    pdf.paragraph(
        _("Periode: %(start)s t/m %(end)s", start=view["period"][0], end=view["period"][1])
    )
    if view["unfinished"]:
        pdf.paragraph(view["unfinished"], bold=True)
    if digest.is_correction and digest.change_note:
        pdf.paragraph(_("Correctie. Wat is er veranderd:") + " " + digest.change_note)
    if digest.introduction:
        pdf.heading(_("Inleiding"), 2)
        pdf.paragraph(digest.introduction)

    def remark(key: str) -> None:
        if view["remarks"].get(key):
            pdf.paragraph(_("Toelichting"), bold=True)
            pdf.paragraph(view["remarks"][key])

    totals = view["totals"]
    pdf.heading(str(SECTIONS["totals"]), 2)
    pdf.paragraph(
        _(
            "Nieuwe knelpunten: %(n)d (periode ervoor: %(p)d, %(t)s)",
            n=totals.get("signals", 0),
            p=totals.get("previous_signals", 0),
            t=view["signals_trend"],
        )
    )
    pdf.paragraph(
        _(
            "Aantal meldingen: %(n)d (periode ervoor: %(p)d, %(t)s)",
            n=totals.get("clients", 0),
            p=totals.get("previous_clients", 0),
            t=view["clients_trend"],
        )
    )
    remark("totals")
    for chart in view["charts"]:
        pdf.heading(chart.title, 2)
        if not chart.rows:
            pdf.paragraph(_("Geen knelpunten in deze periode."))
        else:
            pdf.table(
                [_("Wat"), _("Deze periode"), _("Periode ervoor"), _("Verschil")],
                [
                    [
                        bar.label,
                        str(bar.count),
                        str(bar.previous),
                        trend_text(bar.count, bar.previous),
                    ]
                    for bar in chart.rows
                ],
                widths=(70, 30, 30, 40),
            )
        remark(chart.key)
    if view["opvallend"]:
        pdf.heading(_("Wat opvalt"), 2)
        pdf.paragraph(
            _(
                "Volgens de signaalradar werden deze knelpunten aan het eind van de periode "
                "bij meer organisaties opvallend vaak gemeld:"
            )
        )
        for row in view["opvallend"]:
            pdf.bullet(row["zin"])
    pdf.heading(str(SECTIONS["top"]), 2)
    if view["top"]:
        pdf.table(
            [_("Knelpunt"), _("Thema"), _("Uitvoerder"), _("Meldingen"), _("Status")],
            [
                [
                    row["label"],
                    ", ".join(row["themes"]) or "–",
                    row["agency"] or "–",
                    str(row["reports"]),
                    status_label(row["status"]),
                ]
                for row in view["top"]
            ],
            widths=(62, 32, 32, 20, 24),
        )
    else:
        pdf.paragraph(_("Geen knelpunten in deze periode."))
    remark("top")
    followup = view["followup"]
    agreements = followup.get("agreements", {})
    pdf.heading(str(SECTIONS["followup"]), 2)
    pdf.paragraph(
        _(
            "Overleggen in deze periode: %(m)d. Besproken knelpunten tot het einde van de "
            "periode: %(d)d.",
            m=followup.get("meetings_in_period", 0),
            d=followup.get("discussed", 0),
        )
    )
    if view["followup_statuses"]:
        pdf.table(
            [_("Status"), _("Aantal")],
            [[label, str(count)] for label, count in view["followup_statuses"]],
            widths=(80, 30),
        )
    if view["computed"]:
        pdf.paragraph(_("De stand hieronder is van %(date)s.", date=view["computed"]))
    pdf.paragraph(
        _(
            "Afspraken: %(total)d gemaakt, %(done)d uitgevoerd, %(open)d nog open, waarvan "
            "%(overdue)d over de datum.",
            total=agreements.get("total", 0),
            done=agreements.get("done", 0),
            open=agreements.get("open", 0),
            overdue=agreements.get("overdue", 0),
        )
    )
    for row in view["followup_signals"]:
        pdf.bullet(f"{row['title']} – {row['status_label']}")
    remark("followup")
    if view["referrals"]:
        pdf.heading(str(SECTIONS["referrals"]), 2)
        for line in referral_lines(view["referrals"]):
            pdf.bullet(line)
        remark("referrals")
    return pdf.output()


def referral_lines(figures: dict[str, Any]) -> list[str]:
    """Referral figures as readable lines for the PDF: totals, outcomes, per theme."""
    labels = figures.get("outcome_labels", {})

    def outcomes(counts: dict) -> str:
        return ", ".join(f"{label}: {counts.get(key, 0)}" for key, label in labels.items())

    if not figures.get("total"):
        return [_("Geen doorverwijzingen in deze periode.")]
    lines = [
        _(
            "Doorverwezen: %(n)d (warme overdracht: %(warm)d, vanuit een knelpunt: %(signals)d)",
            n=figures.get("total", 0),
            warm=figures.get("warm_handovers", 0),
            signals=figures.get("from_signals", 0),
        ),
        _("Uitkomst: %(outcomes)s", outcomes=outcomes(figures.get("outcomes", {}))),
    ]
    for row in figures.get("by_theme", []):
        lines.append(f"{row['theme']}: {row['total']} ({outcomes(row.get('outcomes', {}))})")
    return lines
