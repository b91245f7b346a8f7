"""Subscriptions by e-mail to a public feed, without an account (double opt-in)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from signalen.core.models import UTCDateTime, utcnow
from signalen.extensions import db

IMMEDIATELY, WEEKLY = "direct", "week"
FREQUENCIES = (IMMEDIATELY, WEEKLY)


class Subscription(db.Model):
    """One address following one public feed.

    The address is used for these mails only; unsubscribing deletes the row. ``token`` is
    the secret in every link (confirm, manage, one-click unsubscribe).
    """

    __tablename__ = "mail_subscription"
    __table_args__ = (UniqueConstraint("email", "feed", name="uq_mail_subscription_email_feed"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    # The feed's canonical address on this site, e.g. /feeds/digests.atom or /zoeken.atom?q=…
    feed: Mapped[str] = mapped_column(String(1000), nullable=False)
    feed_title: Mapped[str] = mapped_column(String(300), nullable=False)
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    frequency: Mapped[str] = mapped_column(String(10), nullable=False, default=IMMEDIATELY)
    locale: Mapped[str] = mapped_column(String(10), nullable=False, default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    confirmation_sent_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Entries published after this moment are new for this subscriber.
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None
