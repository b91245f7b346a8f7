"""Doorverwijzingen: a client sent from a helpdesk to a service on the sociale kaart.

A referral belongs to the organisation (and user) that registered it. It never holds personal
data of the client: the free text goes through the privacy guard, and the client's age is only
kept as an age group.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.auth.models import User
from signalen.core.models import TimestampMixin, UTCDateTime, enum_type
from signalen.directory.models import Service
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation
from signalen.signals.models import Signal
from signalen.taxonomy.models import Municipality, Theme

TEXT_MAX_LENGTH = 2_000
NAME_MAX_LENGTH = 200


class Outcome(enum.StrEnum):
    """What came of a referral, recorded later by the helpdesk."""

    HELPED = "bereikt_geholpen"
    NOT_HELPED = "bereikt_niet_geholpen"
    NOT_REACHED = "niet_bereikt"
    UNKNOWN = "onbekend"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS: dict[Outcome, Any] = {
    Outcome.HELPED: _l("Bereikt en geholpen"),
    Outcome.NOT_HELPED: _l("Bereikt, niet geholpen"),
    Outcome.NOT_REACHED: _l("Niet bereikt"),
    Outcome.UNKNOWN: _l("Onbekend"),
}


class AgeGroup(enum.StrEnum):
    """The client's age, kept only as a group (data minimisation)."""

    UNDER_18 = "0-17"
    YOUNG_ADULT = "18-26"
    ADULT = "27-66"
    PENSION = "67+"

    @property
    def label(self) -> str:
        return str(AGE_GROUP_LABELS[self])

    @classmethod
    def for_age(cls, age: int | None) -> AgeGroup | None:
        if age is None:
            return None
        if age < 18:
            return cls.UNDER_18
        if age <= 26:
            return cls.YOUNG_ADULT
        if age <= 66:
            return cls.ADULT
        return cls.PENSION


AGE_GROUP_LABELS: dict[AgeGroup, Any] = {
    AgeGroup.UNDER_18: _l("Jonger dan 18"),
    AgeGroup.YOUNG_ADULT: _l("18 tot en met 26"),
    AgeGroup.ADULT: _l("27 tot en met 66"),
    AgeGroup.PENSION: _l("67 of ouder"),
}

referral_theme = Table(
    "referral_theme",
    db.metadata,
    Column("referral_id", ForeignKey("referral.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Referral(TimestampMixin, db.Model):
    """One doorverwijzing, from a signal or from a contact without a signal."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    signal_id: Mapped[int | None] = mapped_column(
        ForeignKey("signal.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # The service may later be removed from the sociale kaart; its names stay for the figures.
    service_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("directory_service.id", ondelete="SET NULL"), nullable=True, index=True
    )
    service_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)
    organization_name: Mapped[str] = mapped_column(
        String(NAME_MAX_LENGTH), default="", nullable=False
    )
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id"), nullable=True
    )
    age_group: Mapped[str | None] = mapped_column(String(10), nullable=True)
    referred_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    advice: Mapped[str] = mapped_column(Text, default="", nullable=False)
    warm_handover: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    outcome: Mapped[Outcome | None] = mapped_column(
        enum_type(Outcome, "referral_outcome"), nullable=True, index=True
    )
    outcome_note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome_recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )

    organisation: Mapped[MemberOrganisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    outcome_recorded_by: Mapped[User | None] = relationship(foreign_keys=[outcome_recorded_by_id])
    signal: Mapped[Signal | None] = relationship()
    service: Mapped[Service | None] = relationship()
    municipality: Mapped[Municipality | None] = relationship(lazy="joined")
    themes: Mapped[list[Theme]] = relationship(
        secondary=referral_theme, lazy="selectin", order_by="Theme.name"
    )

    @property
    def age_group_label(self) -> str:
        try:
            return AgeGroup(self.age_group).label if self.age_group else ""
        except ValueError:
            return self.age_group or ""

    @property
    def has_outcome(self) -> bool:
        return self.outcome is not None
