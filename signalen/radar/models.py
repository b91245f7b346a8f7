"""A coordinator's mark on a rise: "bekend" or "geen signaal", for one window."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import UTCDateTime, enum_type, utcnow
from signalen.extensions import db

SERIES_KEY_MAX_LENGTH = 200
REASON_MAX_LENGTH = 1_000


class Verdict(enum.StrEnum):
    KNOWN = "bekend"
    NO_SIGNAL = "geen_signaal"


class RadarMark(db.Model):
    """The radar does not warn again about ``series_key`` for the window starting
    ``window_start`` with ``weeks`` weeks."""

    __tablename__ = "radar_mark"
    __table_args__ = (
        UniqueConstraint("series_key", "window_start", "weeks", name="uq_radar_mark_window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_key: Mapped[str] = mapped_column(String(SERIES_KEY_MAX_LENGTH), nullable=False)
    window_start: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    weeks: Mapped[int] = mapped_column(Integer, nullable=False)
    verdict: Mapped[Verdict] = mapped_column(enum_type(Verdict, "radar_verdict"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user: Mapped[User | None] = relationship()
