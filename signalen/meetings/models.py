"""A signaleringsoverleg: date, participants, an agenda of signals and free items, minutes,
and per discussed signal the outcome and the agreements (afspraken) that follow up on it."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.dates import local_today
from signalen.core.models import TimestampMixin, UTCDateTime
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation
from signalen.signals.models import Signal
from signalen.taxonomy.models import Agency

TITLE_MAX_LENGTH = 200
LOCATION_MAX_LENGTH = 200
OWNER_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 20_000

meeting_agency = Table(
    "meeting_agency",
    db.metadata,
    Column("meeting_id", ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agency.id"), primary_key=True, index=True),
)


class Meeting(TimestampMixin, db.Model):
    """One signaleringsoverleg, organised by one client organisation."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    # Local time (Europe/Amsterdam) the meeting starts; empty for older meetings.
    starts_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    location: Mapped[str] = mapped_column(String(LOCATION_MAX_LENGTH), nullable=False, default="")
    # Client councils and other organisations taking part, one per line.
    participants: Mapped[str] = mapped_column(Text, nullable=False, default="")
    minutes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )

    organisation: Mapped[MemberOrganisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    agencies: Mapped[list[Agency]] = relationship(
        secondary=meeting_agency, lazy="selectin", order_by=Agency.name
    )
    items: Mapped[list[MeetingItem]] = relationship(
        back_populates="meeting",
        order_by="MeetingItem.position, MeetingItem.id",
        cascade="all, delete-orphan",
    )

    @property
    def participant_lines(self) -> list[str]:
        return [line.strip() for line in self.participants.splitlines() if line.strip()]

    @property
    def signal_items(self) -> list[MeetingItem]:
        return [item for item in self.items if item.signal_id is not None]

    @property
    def free_items(self) -> list[MeetingItem]:
        return [item for item in self.items if item.signal_id is None]


class MeetingItem(TimestampMixin, db.Model):
    """An agenda item: a signal, or a free item with a title. Outcome filled in afterwards."""

    __tablename__ = "meeting_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    signal_id: Mapped[int | None] = mapped_column(
        ForeignKey("signal.id", ondelete="CASCADE"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # After the meeting: what was discussed and what the agency answered.
    discussion: Mapped[str] = mapped_column(Text, nullable=False, default="")
    agency_response: Mapped[str] = mapped_column(Text, nullable=False, default="")
    discussed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    signal: Mapped[Signal | None] = relationship(lazy="joined")
    agreements: Mapped[list[Agreement]] = relationship(
        back_populates="item", order_by="Agreement.id", cascade="all, delete-orphan"
    )


class Agreement(TimestampMixin, db.Model):
    """An afspraak made in a meeting: what, who (owner) and when (due date)."""

    __tablename__ = "meeting_agreement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_item.id", ondelete="CASCADE"), nullable=False, index=True
    )
    description: Mapped[str] = mapped_column(Text, nullable=False)
    owner: Mapped[str] = mapped_column(String(OWNER_MAX_LENGTH), nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )

    item: Mapped[MeetingItem] = relationship(back_populates="agreements")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def is_overdue(self, today: date | None = None) -> bool:
        return (
            self.done_at is None
            and self.due_on is not None
            and self.due_on < (today or local_today())
        )
