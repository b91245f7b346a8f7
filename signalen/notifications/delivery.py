"""What to mail now: direct notifications at once, daily ones bundled once a day.

The mail outbox connects here: for each ``(user, notifications)`` from
:func:`pending_for_delivery` it queues ``mail/notification`` (one) or
``mail/notification_bundle`` (several), with context ``user``, ``notifications`` and
``base_url``, and calls :func:`mark_delivered` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta

from sqlalchemy import select

from signalen.auth.models import User
from signalen.core.dates import local_moment, local_zone
from signalen.core.models import utcnow
from signalen.extensions import db
from signalen.notifications.models import Kind, Mode, Notification
from signalen.notifications.services import preferences

# The daily bundle holds what came in before this local hour.
DAILY_HOUR = 7
KNOWN_KINDS = frozenset(kind.value for kind in Kind)


def bundle_moment(now: datetime) -> datetime:
    """The latest daily bundle moment (``DAILY_HOUR`` local time) at or before ``now``."""
    local = local_moment(now)
    moment = datetime.combine(local.date(), time(DAILY_HOUR), tzinfo=local_zone())
    if moment > local:
        moment = datetime.combine(local.date() - timedelta(days=1), time(DAILY_HOUR), local_zone())
    return moment


def pending_for_delivery(now: datetime | None = None) -> list[tuple[User, list[Notification]]]:
    """Per active user, the undelivered notifications due now, oldest first.

    A "direct" kind is due at once; a "dagelijks" kind when it was made before the latest
    daily bundle moment, so each user gets at most one bundle a day. Kinds a user turned
    off later are not mailed.
    """
    now = now or utcnow()
    cutoff = bundle_moment(now)
    rows = db.session.scalars(
        select(Notification)
        .join(User, User.id == Notification.user_id)
        .where(Notification.delivered_at.is_(None), User.active.is_(True))
        .order_by(Notification.user_id, Notification.id)
    )
    grouped: dict[int, list[Notification]] = {}
    for notification in rows:
        grouped.setdefault(notification.user_id, []).append(notification)
    pending = []
    for notifications in grouped.values():
        user = notifications[0].user
        if not user.is_active:
            continue
        modes = preferences(user)
        due = [
            n
            for n in notifications
            if n.kind in KNOWN_KINDS
            and (
                modes[Kind(n.kind)] is Mode.DIRECT
                or (modes[Kind(n.kind)] is Mode.DAILY and n.created_at <= cutoff)
            )
        ]
        if due:
            pending.append((user, due))
    return pending


def mark_delivered(notifications: Iterable[Notification], now: datetime | None = None) -> None:
    """Mark ``notifications`` as mailed; the caller commits together with the queued mail."""
    moment = now or utcnow()
    for notification in notifications:
        notification.delivered_at = moment
