"""The site's clock: days and moments as they are in the Netherlands, whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")


def local_moment(at: datetime | None = None) -> datetime:
    """``at`` (default: now; naive means UTC) as Dutch local time."""
    if at is None:
        return datetime.now(LOCAL_ZONE)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_ZONE)


def local_today(at: datetime | None = None) -> date:
    """The date in the Netherlands at ``at`` (default: now); a UTC clock is a day behind
    between midnight and 01:00 (02:00 in summer)."""
    return local_moment(at).date()
