"""A coordinator's mark on a rise: "bekend" or "geen signaal", for one window."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import UTCDateTime, enum_type, utcnow
from signalen.extensions import db
from signalen.signals.models import Signal

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


class RadarNotice(db.Model):
    """A coordinator notification went out about ``series_key`` for this window (so the
    same rise in the same window is announced once)."""

    __tablename__ = "radar_notice"
    __table_args__ = (
        UniqueConstraint("series_key", "window_start", "weeks", name="uq_radar_notice_window"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_key: Mapped[str] = mapped_column(String(SERIES_KEY_MAX_LENGTH), nullable=False)
    window_start: Mapped[date] = mapped_column(Date, nullable=False)
    weeks: Mapped[int] = mapped_column(Integer, nullable=False)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


# The radar reads its counts from this index alone (the knelpunt's date first), never from
# the wide rows with their texts: at 100,000 signals that is most of a run's time.
RADAR_INDEX = Index(
    "ix_signal_radar",
    Signal.occurred_on,
    Signal.created_at,
    Signal.merged_into_id,
    Signal.visibility,
    Signal.report_count,
    Signal.organisation_id,
    Signal.agency_id,
    Signal.agency_municipality_id,
    Signal.municipality_id,
)
