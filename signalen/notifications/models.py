"""In-app notifications and each user's choice per kind: direct, daily bundle or not at all."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import UTCDateTime, utcnow
from signalen.extensions import db

TEXT_MAX_LENGTH = 500
CODE_MAX_LENGTH = 32
SUBJECT_ID_MAX_LENGTH = 36


class Kind(enum.StrEnum):
    """What a notification is about (stored as this code)."""

    SIGNAL_STATUS = "signal_status"
    SIGNAL_AGENDA = "signal_agenda"
    SIGNAL_DISCUSSED = "signal_discussed"
    SIGNAL_CLOSED = "signal_closed"
    CHANGE_REQUEST = "change_request"
    SERVICE_REVIEW = "service_review"
    AGREEMENT_OVERDUE = "agreement_overdue"
    REFERRAL_FOLLOW_UP = "referral_follow_up"
    RADAR_RISE = "radar_rise"


class Mode(enum.StrEnum):
    """How a user wants to hear about one kind."""

    DIRECT = "direct"
    DAILY = "dagelijks"
    OFF = "uit"


class Answer(enum.StrEnum):
    """ "Is het voor de cliënt opgelost?" """

    YES = "ja"
    NO = "nee"
    UNKNOWN = "weet_niet"


class Notification(db.Model):
    """One thing a user is told; ``text`` is composed by the software from codes and texts
    that passed the privacy guard already (signal titles, reasons, agency responses)."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), nullable=False)
    signal_id: Mapped[int | None] = mapped_column(
        ForeignKey("signal.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # Another subject (change request, service, agreement, referral): its type and id
    # (the sociale kaart has UUIDs, so the id is kept as text).
    subject_type: Mapped[str | None] = mapped_column(String(CODE_MAX_LENGTH), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(SUBJECT_ID_MAX_LENGTH), nullable=True)
    text: Mapped[str] = mapped_column(String(TEXT_MAX_LENGTH), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    answer: Mapped[str | None] = mapped_column(String(CODE_MAX_LENGTH), nullable=True)

    user: Mapped[User] = relationship()


class NotificationPreference(db.Model):
    """A user's choice for one kind; without a row the kind's default applies."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), primary_key=True)
    mode: Mapped[str] = mapped_column(String(CODE_MAX_LENGTH), nullable=False)
