"""The site's clock and calendar: days and moments in the site's time zone (setting
``BABEL_DEFAULT_TIMEZONE``, Europe/Amsterdam by default, the same zone Flask-Babel formats
dates in), whatever the server's zone; month arithmetic with ``dateutil.relativedelta``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from flask import Flask, current_app, has_app_context

from signalen.config import DEFAULTS

ZONE_SETTING = "BABEL_DEFAULT_TIMEZONE"


def zone_name(app: Flask | None = None) -> str:
    """The name of the site's time zone: the setting of ``app`` (default: the current app),
    or the default zone outside an app."""
    if app is None and has_app_context():
        app = current_app
    configured = app.config.get(ZONE_SETTING) if app is not None else None
    return str(configured or DEFAULTS[ZONE_SETTING])


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_zone(app: Flask | None = None) -> ZoneInfo:
    """The site's time zone (see :func:`zone_name`)."""
    return _zone(zone_name(app))


def local_moment(at: datetime | None = None) -> datetime:
    """``at`` (default: now; naive means UTC) as the site's local time."""
    zone = local_zone()
    if at is None:
        return datetime.now(zone)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone)


def local_today(at: datetime | None = None) -> date:
    """The site's local date at ``at`` (default: now); a UTC clock is a day behind in the
    Netherlands between midnight and 01:00 (02:00 in summer)."""
    return local_moment(at).date()


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (negative: back); the 31st becomes the last
    day of a shorter month."""
    moved: date = day + relativedelta(months=months)
    return moved


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (0 when later is earlier)."""
    if later <= earlier:
        return 0
    difference = relativedelta(later, earlier)
    return int(difference.years * 12 + difference.months)
