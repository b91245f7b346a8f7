"""The ``datum`` facet of the index: a document's date as year, month and day tokens."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

# The index facet with a document's date as year, month and day ("2026", "2026-02",
# "2026-02-05"): a date range is a handful of these values (see :func:`date_cover`).
DATE_FACET = "datum"


def date_tokens(day: date) -> list[str]:
    """The ``datum`` facet values of a document dated ``day``."""
    return [f"{day.year:04d}", day.strftime("%Y-%m"), day.isoformat()]


def date_cover(start: date, end: date) -> list[str]:
    """The fewest year, month and day values that together are exactly ``start``..``end``."""
    tokens: list[str] = []
    day = start
    while day <= end:
        if day.month == 1 and day.day == 1 and date(day.year, 12, 31) <= end:
            tokens.append(f"{day.year:04d}")
            if day.year == 9999:
                break
            day = date(day.year + 1, 1, 1)
            continue
        if day.day == 1:
            month_end = date(day.year, day.month, monthrange(day.year, day.month)[1])
            if month_end <= end:
                tokens.append(day.strftime("%Y-%m"))
                day = month_end + timedelta(days=1)
                continue
        tokens.append(day.isoformat())
        day += timedelta(days=1)
    return tokens
