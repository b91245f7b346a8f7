"""Opening hours: whether a service is open at a moment, and its hours in plain Dutch.

Schedules follow HSDS (iCal-like rules): ``freq`` WEEKLY with ``byday`` (MO,TU,…) or MONTHLY
with ``byday`` ordinals (1MO is the first Monday, -1FR the last Friday) or ``bymonthday``
(1,15). Times are local, Europe/Amsterdam, so summer and winter time are handled.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from signalen.core.dates import local_moment
from signalen.core.errors import ServiceError
from signalen.core.validation import parse_int
from signalen.directory.models import Schedule, Service, ServiceStatus

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_LABELS = {
    "MO": _l("maandag"),
    "TU": _l("dinsdag"),
    "WE": _l("woensdag"),
    "TH": _l("donderdag"),
    "FR": _l("vrijdag"),
    "SA": _l("zaterdag"),
    "SU": _l("zondag"),
}
ORDINAL_LABELS = {
    1: _l("eerste"),
    2: _l("tweede"),
    3: _l("derde"),
    4: _l("vierde"),
    5: _l("vijfde"),
    -1: _l("laatste"),
}
BYDAY_PART = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
PERIODS_PER_DAY = 2
Hours = dict[str, list[tuple[time, time]]]


def byday_parts(schedule: Schedule) -> list[tuple[int | None, str]]:
    """``byday`` as (ordinal or None, weekday code) pairs; unreadable parts are left out."""
    parts = []
    for raw in (schedule.byday or "").upper().split(","):
        match = BYDAY_PART.match(raw.strip())
        if match:
            parts.append((int(match[1]) if match[1] else None, match[2]))
    return parts


def month_days(schedule: Schedule) -> list[int]:
    """``bymonthday`` as day numbers (negative counts from the end of the month)."""
    days = []
    for raw in (schedule.bymonthday or "").split(","):
        raw = raw.strip()
        if parse_int(raw.lstrip("+"), -31, 31) not in (None, 0):
            days.append(parse_int(raw.lstrip("+"), -31, 31))
    return days


def _nth_weekday_of_month(day: date) -> tuple[int, int]:
    """Which occurrence of its weekday ``day`` is in its month, from the start and the end."""
    last = calendar.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 + 1, -((last - day.day) // 7 + 1)


def occurs_on(schedule: Schedule, day: date) -> bool:
    """Whether the rule of ``schedule`` includes ``day`` (a local date).

    Checked by hand rather than with ``dateutil.rrule``: a rule that names no day in a month
    (the fifth Monday on the 2nd, which HSDS data may hold) makes rrule search every month up
    to the year 9999 (``until`` is only checked against days it finds), 2 s a call; here it
    is one test of one day."""
    if schedule.valid_from and day < schedule.valid_from:
        return False
    if schedule.valid_to and day > schedule.valid_to:
        return False
    weekday = WEEKDAYS[day.weekday()]
    freq = (schedule.freq or "WEEKLY").upper()
    if not _in_interval(schedule, freq, day):
        return False
    if freq == "WEEKLY":
        return weekday in {code for _ordinal, code in byday_parts(schedule)}
    if freq == "MONTHLY":
        last = calendar.monthrange(day.year, day.month)[1]
        numbers = month_days(schedule)
        if numbers and not any(day.day == (n if n > 0 else last + 1 + n) for n in numbers):
            return False
        parts = byday_parts(schedule)
        if not parts:
            return bool(numbers)
        from_start, from_end = _nth_weekday_of_month(day)
        return any(
            code == weekday and ordinal in (None, from_start, from_end) for ordinal, code in parts
        )
    return False


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _in_interval(schedule: Schedule, freq: str, day: date) -> bool:
    """Whether ``day`` falls in a week or month the rule's ``interval`` counts ("every other
    week"). The count starts at ``valid_from``; without it nobody can say which weeks."""
    interval = schedule.interval or 1
    if interval == 1:
        return True
    start = schedule.valid_from
    if start is None:
        return False
    if freq == "WEEKLY":
        elapsed = (_week_start(day) - _week_start(start)).days // 7
    else:
        elapsed = (day.year - start.year) * 12 + day.month - start.month
    return elapsed % interval == 0


def schedule_is_open(schedule: Schedule, at: datetime | None = None) -> bool:
    """Whether one schedule covers the moment ``at`` (default: now)."""
    local = local_moment(at)
    if schedule.opens_at is None or schedule.closes_at is None:
        return False
    if not occurs_on(schedule, local.date()):
        return False
    now = time(local.hour, local.minute, local.second)
    return schedule.opens_at <= now < schedule.closes_at


def service_schedules(service: Service) -> list[Schedule]:
    """The opening hours of a service: its own, else those of its locations."""
    if service.schedules:
        return list(service.schedules)
    schedules: list[Schedule] = []
    for location in service.locations:
        schedules.extend(location.schedules)
    return schedules


def is_open_now(service: Service, at: datetime | None = None) -> bool:
    """Whether an active ``service`` is open at ``at`` (default: now) by its opening hours."""
    if service.status != ServiceStatus.ACTIVE.value:
        return False
    at = at or datetime.now(UTC)
    return any(schedule_is_open(schedule, at) for schedule in service_schedules(service))


def next_opening(service: Service, at: datetime | None = None, days: int = 62) -> datetime | None:
    """The next local moment after ``at`` (default: now) at which ``service`` opens, looking
    ``days`` days ahead; None when its hours say nothing about that period."""
    if service.status != ServiceStatus.ACTIVE.value:
        return None
    local = local_moment(at)
    now = time(local.hour, local.minute, local.second)
    schedules = [s for s in service_schedules(service) if s.opens_at and s.closes_at]
    for offset in range(days + 1):
        day = local.date() + timedelta(days=offset)
        starts = [
            s.opens_at for s in schedules if occurs_on(s, day) and (offset > 0 or s.opens_at > now)
        ]
        if starts:
            return datetime.combine(day, min(starts))
    return None


def is_current(schedule: Schedule, day: date | None = None) -> bool:
    """Whether ``schedule`` has not ended before ``day`` (default: today in NL)."""
    day = day or local_moment().date()
    return schedule.valid_to is None or schedule.valid_to >= day


def schedule_days(schedule: Schedule) -> str:
    """The days of a schedule in Dutch: "maandag tot en met vrijdag", "elke eerste maandag
    van de maand", "dag 1, 15 van de maand"."""
    parts = byday_parts(schedule)
    codes = [code for _ordinal, code in parts]
    if (schedule.freq or "WEEKLY").upper() == "MONTHLY":
        phrases = [
            str(
                _l(
                    "elke %(nth)s %(day)s van de maand",
                    nth=ORDINAL_LABELS.get(ordinal, ordinal),
                    day=WEEKDAY_LABELS[code],
                )
            )
            if ordinal is not None
            else str(WEEKDAY_LABELS[code])
            for ordinal, code in parts
        ]
        numbers = month_days(schedule)
        counted = ", ".join(str(n) for n in numbers if n > 0)
        if counted:
            phrases.append(str(_l("dag %(days)s van de maand", days=counted)))
        for number in (n for n in numbers if n < 0):
            phrases.append(
                str(_l("de laatste dag van de maand"))
                if number == -1
                else str(_l("dag %(n)d vanaf het einde van de maand", n=-number))
            )
        text = ", ".join(phrases) or str(_l("volgens afspraak"))
    elif codes == list(WEEKDAYS[:5]):
        text = str(_l("maandag tot en met vrijdag"))
    else:
        text = ", ".join(str(WEEKDAY_LABELS[code]) for code in codes)
        text = text or str(_l("volgens afspraak"))
    return _with_validity(schedule, text + _interval_text(schedule))


def _interval_text(schedule: Schedule) -> str:
    interval = schedule.interval or 1
    if interval == 1:
        return ""
    if (schedule.freq or "WEEKLY").upper() == "MONTHLY":
        every = _l("om de maand") if interval == 2 else _l("elke %(n)d maanden", n=interval)
    else:
        every = _l("om de week") if interval == 2 else _l("elke %(n)d weken", n=interval)
    if schedule.valid_from is None:
        return f", {every}"
    return ", " + str(
        _l("%(every)s vanaf %(date)s", every=every, date=format_date(schedule.valid_from, "long"))
    )


def _with_validity(schedule: Schedule, text: str) -> str:
    counted_from = (schedule.interval or 1) > 1  # the interval text names valid_from already
    if schedule.valid_from and not counted_from and schedule.valid_from > local_moment().date():
        text += " " + str(_l("(vanaf %(date)s)", date=format_date(schedule.valid_from, "long")))
    if schedule.valid_to:
        text += " " + str(_l("(tot en met %(date)s)", date=format_date(schedule.valid_to, "long")))
    return text


# Weekly opening hours, as the form edits them ----------------------------------------


def is_simple(schedule: Schedule) -> bool:
    """A plain weekly rule without dates: what the opening hours form edits."""
    return (
        (schedule.freq or "WEEKLY").upper() == "WEEKLY"
        and (schedule.interval or 1) == 1
        and not schedule.valid_from
        and not schedule.valid_to
        and schedule.opens_at is not None
        and schedule.closes_at is not None
        and all(ordinal is None for ordinal, _code in byday_parts(schedule))
    )


def weekly_hours(service: Service) -> Hours:
    """The plain weekly opening hours of ``service`` (its own, else its locations'), per day
    (MO … SU), each day's periods in order."""
    hours: Hours = {day: [] for day in WEEKDAYS}
    for schedule in service_schedules(service):
        if is_simple(schedule):
            for _ordinal, day in byday_parts(schedule):
                hours[day].append((schedule.opens_at, schedule.closes_at))
    return {day: sorted(set(periods)) for day, periods in hours.items()}


def hours_text(hours: Hours) -> str:
    """Opening hours in words, for the history: "maandag 09:00–12:30, 13:30–17:00; …"."""
    return "; ".join(
        f"{WEEKDAY_LABELS[day]} "
        + ", ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in periods)
        for day, periods in hours.items()
        if periods
    )


def parse_clock(text: str, field: str) -> time | None:
    """ "9:30" or "09:30" as a time; None when empty; ServiceError in Dutch when wrong."""
    text = (text or "").strip()
    if not text:
        return None
    hour, _sep, minute = text.replace(".", ":").partition(":")
    if parse_int(hour, 0, 23) is None or parse_int(minute, 0, 59) is None:
        raise ServiceError(_l("Vul een tijd in als uu:mm, bijvoorbeeld 09:30."), field=field)
    return time(int(hour), int(minute))


def check_hours(raw: Mapping[str, list[tuple[str, str]]]) -> Hours:
    """Typed hours per day, as (opens, closes) texts, checked: both or neither filled in,
    closing after opening, periods one after the other. Field names are ``MO_opens_1`` …"""
    hours: Hours = {day: [] for day in WEEKDAYS}
    for day in WEEKDAYS:
        previous_close: time | None = None
        for number, (opens_text, closes_text) in enumerate(raw.get(day, []), start=1):
            opens = parse_clock(opens_text, f"{day}_opens_{number}")
            closes = parse_clock(closes_text, f"{day}_closes_{number}")
            if opens is None and closes is None:
                continue
            if opens is None or closes is None:
                raise ServiceError(
                    _l("Vul zowel de openingstijd als de sluitingstijd in."),
                    field=f"{day}_{'opens' if opens is None else 'closes'}_{number}",
                )
            if closes <= opens:
                raise ServiceError(
                    _l("De sluitingstijd moet na de openingstijd liggen."),
                    field=f"{day}_closes_{number}",
                )
            if previous_close is not None and opens < previous_close:
                raise ServiceError(
                    _l("De tweede tijd moet na de eerste liggen."), field=f"{day}_opens_{number}"
                )
            hours[day].append((opens, closes))
            previous_close = closes
    return hours
