"""Periods of a digest: "2026-Q3", "2026-H1", "2026-07", "2026" or a free range; the period
before, the last complete one, and its moments in the site's time zone.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signalen.core.dates import add_months, local_today, local_zone
from signalen.core.errors import ServiceError
from signalen.core.validation import DATE_MAX, DATE_MIN

MAX_PERIOD_DAYS = 3 * 366
EARLIEST = date(2000, 1, 1)


PERIOD_PATTERN = re.compile(r"^([0-9]{4})(?:-(Q[1-4]|H[12]|[0-9]{2}))?$", re.IGNORECASE)
_MONTHS_PER_PART = {"Q": 3, "H": 6, "Y": 12}


@dataclass(frozen=True)
class Period:
    """An inclusive date range with the label it was asked for by."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one.

        A quarter, half year, month or year is compared with the one before it (Q3 with Q2);
        a free period with the same number of days just before it.
        """
        end = self.start - timedelta(days=1)
        match = PERIOD_PATTERN.match(self.label)
        if match:
            months = _MONTHS_PER_PART.get((match.group(2) or "Y")[0].upper(), 1)
            return Period(add_months(self.start, -months).replace(day=1), end, "")
        return Period(end - timedelta(days=self.days - 1), end, "")


def parse_period(text: str) -> Period:
    """Read ``YYYY-Qn``, ``YYYY-Hn``, ``YYYY-MM`` or ``YYYY`` into a :class:`Period`."""
    match = PERIOD_PATTERN.match((text or "").strip())
    if not match or not DATE_MIN.year <= int(match.group(1)) <= DATE_MAX.year:
        raise ServiceError(
            _l("Geef de periode als jjjj-Qn, jjjj-Hn of jjjj-mm, bijvoorbeeld 2026-Q3."),
            field="period",
        )
    year, part = int(match.group(1)), (match.group(2) or "").upper()
    if part.startswith("Q"):
        quarter = int(part[1])
        start = date(year, 3 * quarter - 2, 1)
        end_month = 3 * quarter
    elif part.startswith("H"):
        half = int(part[1])
        start = date(year, 6 * half - 5, 1)
        end_month = 6 * half
    elif part:
        month = int(part)
        if not 1 <= month <= 12:
            raise ServiceError(_l("Die maand bestaat niet."), field="period")
        start = date(year, month, 1)
        end_month = month
    else:
        start, end_month = date(year, 1, 1), 12
    end = date(year, end_month, calendar.monthrange(year, end_month)[1])
    label = f"{year}-{part}" if part else str(year)
    return _checked(Period(start, end, label))


# ``signalen digest create --last …``: the last complete period of this kind before today.
LAST_PERIODS = ("maand", "kwartaal", "halfjaar")


def last_complete_period(kind: str, today: date) -> Period:
    """The last month, quarter or half year that ended before ``today`` (for cron)."""
    months = {"maand": 1, "kwartaal": 3, "halfjaar": 6}[kind]
    part = (today.month - 1) // months  # the current part of the year, from 0
    year, number = (today.year - 1, 12 // months) if part == 0 else (today.year, part)
    if kind == "maand":
        return parse_period(f"{year}-{number:02d}")
    return parse_period(f"{year}-{'Q' if kind == 'kwartaal' else 'H'}{number}")


def period_between(start: date | None, end: date | None) -> Period:
    """A free period from ``start`` to ``end`` (both included)."""
    if start is None or end is None:
        raise ServiceError(_l("Geef een begin- en een einddatum."), field="period")
    if end < start:
        raise ServiceError(_l("De einddatum ligt voor de begindatum."), field="period")
    return _checked(Period(start, end, f"{start.isoformat()}/{end.isoformat()}"))


def _checked(period: Period) -> Period:
    if period.start < EARLIEST:
        raise ServiceError(_l("De periode ligt te ver in het verleden."), field="period")
    if period.start > local_today():
        raise ServiceError(_l("De periode is nog niet begonnen."), field="period")
    if period.days > MAX_PERIOD_DAYS:
        raise ServiceError(_l("Kies een periode van hoogstens drie jaar."), field="period")
    return period


def period_title(period: Period) -> str:
    """A readable name for the period: "3e kwartaal 2026", "juli 2026", …"""
    label = period.label
    if re.fullmatch(r"\d{4}-Q[1-4]", label):
        return _("%(n)se kwartaal %(year)s", n=label[-1], year=label[:4])
    if re.fullmatch(r"\d{4}-H[12]", label):
        return _("%(n)se halfjaar %(year)s", n=label[-1], year=label[:4])
    if re.fullmatch(r"\d{4}-\d{2}", label):
        return format_date(period.start, "MMMM yyyy")
    if re.fullmatch(r"\d{4}", label):
        return label
    return _(
        "%(start)s t/m %(end)s",
        start=format_date(period.start, "d MMMM yyyy"),
        end=format_date(period.end, "d MMMM yyyy"),
    )


def bounds(period: Period) -> tuple[datetime, datetime]:
    """The period as [start, end) moments: its days in the site's time zone."""
    zone = local_zone()
    start = datetime.combine(period.start, time.min, tzinfo=zone)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)
