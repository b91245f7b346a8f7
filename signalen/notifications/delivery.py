"""What to mail now: direct notifications at once, daily ones bundled once a day.

:func:`deliver` (a job of the worker, every few minutes) queues for each ``(user,
notifications)`` from :func:`pending_for_delivery` one ``mail/notification`` (one) or
``mail/notification_bundle`` (several) in the outbox and marks them delivered in the same
transaction, so a crash mails each notification once or not yet.
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
from signalen.notifications.services import link_for, preferences

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


def mail_context(user: User, notifications: list[Notification], base_url: str) -> dict:
    """What the notification mail templates show: the texts, each with the address of the
    page it is about."""
    from signalen.mail.services import mail_url

    links = {}
    for notification in notifications:
        target = link_for(notification)
        if target is not None:
            links[notification.id] = mail_url(target[0], **target[1])
    return {"user": user, "notifications": notifications, "links": links, "base_url": base_url}


def deliver(now: datetime | None = None) -> int:
    """Queue the mail of every notification due now (see module docstring); returns how
    many messages were queued."""
    from signalen.core.urls import site_base_url
    from signalen.mail.services import queue_mail

    now = now or utcnow()
    base_url = site_base_url() or "http://localhost"
    queued = 0
    for user, notifications in pending_for_delivery(now):
        template = "notification" if len(notifications) == 1 else "notification_bundle"
        context = mail_context(user, notifications, base_url)
        queue_mail(user.email, template, context)
        mark_delivered(notifications, now)
        queued += 1
    db.session.commit()
    return queued
