from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import TimestampMixin, UTCDateTime, enum_type, utcnow
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation
from signalen.taxonomy.models import Agency, Municipality, Scheme, Theme

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 1_000
# An "ook gemeld" keeps the volunteer's own wording (title and description of the intake).
REPORT_NOTE_MAX_LENGTH = TITLE_MAX_LENGTH + DESCRIPTION_MAX_LENGTH + 2


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members have a Dutch label for the UI."""

    @property
    def label(self) -> str:
        return str(LABELS[self])


class Channel(LabelledEnum):
    PHONE = "telefoon"
    EMAIL = "e-mail"
    CONSULTATION = "spreekuur"
    WEBSITE = "website"
    API = "api"


class Impact(LabelledEnum):
    LOW = "laag"
    MEDIUM = "middel"
    HIGH = "hoog"


class Status(LabelledEnum):
    NEW = "nieuw"
    IN_PROGRESS = "in_behandeling"
    SCHEDULED = "geagendeerd"
    DISCUSSED = "besproken"
    RESOLVED = "opgelost"
    CLOSED = "afgesloten"


class Visibility(LabelledEnum):
    INTERNAL = "intern"
    NETWORK = "netwerk"
    PUBLIC = "openbaar"


LABELS: dict[enum.Enum, Any] = {
    Channel.PHONE: _l("Telefoon"),
    Channel.EMAIL: _l("E-mail"),
    Channel.CONSULTATION: _l("Spreekuur"),
    Channel.WEBSITE: _l("Website"),
    Channel.API: _l("Koppeling (API)"),
    Impact.LOW: _l("Laag"),
    Impact.MEDIUM: _l("Middel"),
    Impact.HIGH: _l("Hoog"),
    Status.NEW: _l("Nieuw"),
    Status.IN_PROGRESS: _l("In behandeling"),
    Status.SCHEDULED: _l("Geagendeerd"),
    Status.DISCUSSED: _l("Besproken"),
    Status.RESOLVED: _l("Opgelost"),
    Status.CLOSED: _l("Afgesloten"),
    Visibility.INTERNAL: _l("Intern (alleen eigen organisatie)"),
    Visibility.NETWORK: _l("Netwerk (alle aangesloten organisaties)"),
    Visibility.PUBLIC: _l("Openbaar (na goedkeuring door een coördinator)"),
}

signal_theme = Table(
    "signal_theme",
    db.metadata,
    Column("signal_id", ForeignKey("signal.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id"), primary_key=True, index=True),
)

signal_scheme = Table(
    "signal_scheme",
    db.metadata,
    Column("signal_id", ForeignKey("signal.id", ondelete="CASCADE"), primary_key=True),
    Column("scheme_id", ForeignKey("scheme.id"), primary_key=True, index=True),
)


class Signal(TimestampMixin, db.Model):
    """One knelpunt of one or more clients, without personal data."""

    __tablename__ = "signal"
    # Feeds and public lists read the newest approved openbaar signals in this order.
    __table_args__ = (Index("ix_signal_public", "visibility", "public_approved_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "signal_channel"), nullable=False)
    impact: Mapped[Impact] = mapped_column(
        enum_type(Impact, "signal_impact"), default=Impact.MEDIUM, nullable=False
    )
    status: Mapped[Status] = mapped_column(
        enum_type(Status, "signal_status"), default=Status.NEW, nullable=False, index=True
    )
    close_reason: Mapped[str | None] = mapped_column(String(REASON_MAX_LENGTH), nullable=True)
    visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility, "signal_visibility"), default=Visibility.NETWORK, nullable=False
    )
    public_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    public_approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agency.id"), nullable=True, index=True
    )
    agency_municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id"), nullable=True
    )
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id"), nullable=True, index=True
    )
    report_count: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("signal.id"), nullable=True, index=True
    )
    # Set when the search index could not be updated; caught up later.

    themes: Mapped[list[Theme]] = relationship(secondary=signal_theme, lazy="selectin")
    schemes: Mapped[list[Scheme]] = relationship(secondary=signal_scheme, lazy="selectin")
    agency: Mapped[Agency | None] = relationship(lazy="joined")
    agency_municipality: Mapped[Municipality | None] = relationship(
        foreign_keys=[agency_municipality_id], lazy="joined"
    )
    municipality: Mapped[Municipality | None] = relationship(
        foreign_keys=[municipality_id], lazy="joined"
    )
    organisation: Mapped[MemberOrganisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    merged_into: Mapped[Signal | None] = relationship(remote_side=[id])
    reports: Mapped[list[SignalReport]] = relationship(
        back_populates="signal", order_by="SignalReport.created_at", cascade="all, delete-orphan"
    )
    events: Mapped[list[SignalEvent]] = relationship(
        back_populates="signal", order_by="SignalEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        """Openbaar and approved by a coordinator: may appear in public pages and feeds."""
        return self.visibility is Visibility.PUBLIC and self.public_approved_at is not None

    @property
    def agency_label(self) -> str:
        if self.agency is None:
            return ""
        if self.agency.is_municipal and self.agency_municipality is not None:
            return f"{self.agency.name} {self.agency_municipality.name}"
        return self.agency.name


class SignalReport(db.Model):
    """An "ook gemeld": another report of the same knelpunt, possibly by another organisation."""

    __tablename__ = "signal_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signal.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), nullable=False)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "report_channel"), nullable=False)
    occurred_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    client_count: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    # The reporter's own words, privacy-checked like every free text.
    note: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    signal: Mapped[Signal] = relationship(back_populates="reports")
    organisation: Mapped[MemberOrganisation] = relationship(lazy="joined")


class SignalEvent(db.Model):
    """One entry in a signal's history: created, edited, status, ook gemeld, merged, …"""

    __tablename__ = "signal_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signal.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    actor_label: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)

    signal: Mapped[Signal] = relationship(back_populates="events")


class SignalLink(db.Model):
    """ "Ook gemeld bij …": the same knelpunt registered by two organisations.

    Signals of different organisations are linked instead of merged: nothing moves between
    them (no text, counts, reports or themes); both pages show the link. One row per pair,
    the lower signal id first.
    """

    __tablename__ = "signal_link"
    __table_args__ = (UniqueConstraint("signal_id", "linked_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signal_id: Mapped[int] = mapped_column(
        ForeignKey("signal.id", ondelete="CASCADE"), nullable=False
    )
    linked_id: Mapped[int] = mapped_column(
        ForeignKey("signal.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )


VALUE_MAPPING_MAX_LENGTH = 200


class ImportValueMapping(db.Model):
    """What an organisation's spreadsheet value means in Signalen's lists, remembered from a
    reconciliation ("Participatiewet" -> "Participatiewet (bijstand)") for the next import.

    ``source`` is the spreadsheet's value, case-folded; ``target`` the exact name (or code) of
    the term in the list, empty for "leeg laten".
    """

    __tablename__ = "import_value_mapping"
    __table_args__ = (
        UniqueConstraint("organisation_id", "column", "source", name="uq_import_value_mapping"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
    )
    column: Mapped[str] = mapped_column(String(20), nullable=False)
    source: Mapped[str] = mapped_column(String(VALUE_MAPPING_MAX_LENGTH), nullable=False)
    target: Mapped[str] = mapped_column(
        String(VALUE_MAPPING_MAX_LENGTH), nullable=False, default=""
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
