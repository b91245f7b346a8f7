"""The sociale kaart, shaped after Open Referral HSDS 3.0.

Every table is prefixed ``directory_`` and every object has a UUID, so records can be
exchanged with other HSDS systems and imported again without duplicates. Themes are the
same :class:`signalen.taxonomy.models.Theme` rows the signals use.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    Time,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signalen.core.models import TimestampMixin, UTCDateTime, utcnow
from signalen.extensions import db
from signalen.taxonomy.models import Municipality, Theme

NAME_MAX_LENGTH = 200
SHORT_TEXT_MAX_LENGTH = 500
URL_MAX_LENGTH = 500
EMAIL_MAX_LENGTH = 254
DEFAULT_REVIEW_INTERVAL_MONTHS = 6


def _part_of(table: str, required: bool = False):
    """A foreign key to ``table`` for a row that is removed together with its owner."""
    return mapped_column(
        ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=not required, index=True
    )


class ServiceStatus(enum.StrEnum):
    """HSDS service status; the values are the HSDS words."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ServiceStatus.ACTIVE: _l("Actief"),
    ServiceStatus.INACTIVE: _l("Niet actief"),
    ServiceStatus.DEFUNCT: _l("Opgeheven"),
    ServiceStatus.TEMPORARILY_CLOSED: _l("Tijdelijk gesloten"),
}


class LocationType(enum.StrEnum):
    PHYSICAL = "physical"
    POSTAL = "postal"
    VIRTUAL = "virtual"


class AreaKind(enum.StrEnum):
    """How wide a service area is: one gemeente, one provincie or the whole country."""

    MUNICIPALITY = "gemeente"
    PROVINCE = "provincie"
    NATIONAL = "landelijk"


class ChangeStatus(enum.StrEnum):
    OPEN = "open"
    APPROVED = "goedgekeurd"
    REJECTED = "afgewezen"


CHANGE_STATUS_LABELS = {
    ChangeStatus.OPEN.value: _l("Open"),
    ChangeStatus.APPROVED.value: _l("Goedgekeurd"),
    ChangeStatus.REJECTED.value: _l("Afgewezen"),
}


class HsdsExtra:
    """The HSDS 3.0 fields and sub-objects of this object that Signalen does not model
    (funding, accessibility, a schedule's full recurrence, …), kept as they were imported so
    the HSDS export gives them back; checked against the official schema on import."""

    hsds_extra: Mapped[dict | None] = mapped_column(JSON, nullable=True)


service_theme = Table(
    "directory_service_theme",
    db.metadata,
    Column(
        "service_id",
        Uuid,
        ForeignKey("directory_service.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Organization(HsdsExtra, TimestampMixin, db.Model):
    """An organisation that offers services (HSDS ``organization``)."""

    __tablename__ = "directory_organization"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False, index=True)
    alternate_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")
    website: Mapped[str] = mapped_column(String(URL_MAX_LENGTH), default="")
    parent_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("directory_organization.id", ondelete="SET NULL"), nullable=True
    )

    parent: Mapped[Organization | None] = relationship(remote_side=[id])
    services: Mapped[list[Service]] = relationship(
        back_populates="organization", order_by="Service.name", cascade="all, delete-orphan"
    )
    locations: Mapped[list[Location]] = relationship(
        back_populates="organization", order_by="Location.name", cascade="all, delete-orphan"
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Phone.organization_id == Organization.id, Phone.service_id.is_(None),"
        " Phone.location_id.is_(None), Phone.contact_id.is_(None))",
        viewonly=True,
    )
    contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="and_(Contact.organization_id == Organization.id,"
        " Contact.service_id.is_(None), Contact.location_id.is_(None))",
        viewonly=True,
    )
    # Every contact that names this organisation: an imported one may name its service or
    # location too (HSDS links one object to several owners); the HSDS export lists it here.
    linked_contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="Contact.organization_id == Organization.id", viewonly=True
    )


class Service(HsdsExtra, TimestampMixin, db.Model):
    """What an organisation does for people (HSDS ``service``), with its last verification."""

    __tablename__ = "directory_service"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID] = _part_of("directory_organization", required=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), nullable=False)
    alternate_name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    url: Mapped[str] = mapped_column(String(URL_MAX_LENGTH), default="")
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")
    status: Mapped[str] = mapped_column(
        String(20), default=ServiceStatus.ACTIVE.value, nullable=False, index=True
    )
    interpretation_services: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")
    application_process: Mapped[str] = mapped_column(Text, default="", nullable=False)
    fees_description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    eligibility_description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    minimum_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    maximum_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    alert: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")
    # Last verification: when and by whom (HSDS assured_date / assurer_email).
    assured_date: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    assurer_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")
    review_interval_months: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_REVIEW_INTERVAL_MONTHS, nullable=False
    )

    organization: Mapped[Organization] = relationship(back_populates="services", lazy="joined")
    themes: Mapped[list[Theme]] = relationship(
        secondary=service_theme, lazy="selectin", order_by="Theme.name"
    )
    languages: Mapped[list[Language]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Language.name"
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
        order_by="Schedule.byday",
    )
    phones: Mapped[list[Phone]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="service",
        cascade="all, delete-orphan",
    )
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )

    @property
    def locations(self) -> list[Location]:
        return [link.location for link in self.service_at_locations]

    @property
    def language_codes(self) -> list[str]:
        return [language.code for language in self.languages if language.code]

    @property
    def status_label(self) -> str:
        try:
            return ServiceStatus(self.status).label
        except ValueError:
            return self.status


class Language(HsdsExtra, db.Model):
    """A language a service is offered in (HSDS ``language``); ``code`` is ISO 639-1."""

    __tablename__ = "directory_language"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID] = _part_of("directory_service", required=True)
    name: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    code: Mapped[str] = mapped_column(String(20), default="", nullable=False, index=True)
    note: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")

    service: Mapped[Service] = relationship(back_populates="languages")


class Location(HsdsExtra, TimestampMixin, db.Model):
    """Where services are delivered (HSDS ``location``): a building, a postal or web address."""

    __tablename__ = "directory_location"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID | None] = _part_of("directory_organization")
    location_type: Mapped[str] = mapped_column(
        String(20), default=LocationType.PHYSICAL.value, nullable=False
    )
    url: Mapped[str] = mapped_column(String(URL_MAX_LENGTH), default="")
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    transportation: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")
    latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id"), nullable=True, index=True
    )

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    municipality: Mapped[Municipality | None] = relationship(lazy="joined")
    addresses: Mapped[list[Address]] = relationship(
        back_populates="location", cascade="all, delete-orphan"
    )
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="and_(Schedule.location_id == Location.id, Schedule.service_id.is_(None))",
        viewonly=True,
        order_by="Schedule.byday",
    )
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="and_(Phone.location_id == Location.id, Phone.service_id.is_(None))",
        viewonly=True,
    )
    # Everything that names this location, also what belongs to a service as well (an
    # imported object may have several owners); the HSDS export lists it here.
    linked_phones: Mapped[list[Phone]] = relationship(
        primaryjoin="Phone.location_id == Location.id", viewonly=True
    )
    linked_schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="Schedule.location_id == Location.id", viewonly=True, order_by="Schedule.byday"
    )
    linked_contacts: Mapped[list[Contact]] = relationship(
        primaryjoin="Contact.location_id == Location.id", viewonly=True
    )

    @property
    def address(self) -> Address | None:
        """The physical address if there is one, else the first address."""
        for address in self.addresses:
            if address.address_type == "physical":
                return address
        return self.addresses[0] if self.addresses else None

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Address(HsdsExtra, db.Model):
    """A postal or visiting address of a location (HSDS ``address``)."""

    __tablename__ = "directory_address"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    location_id: Mapped[uuid.UUID] = _part_of("directory_location", required=True)
    attention: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    address_1: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="", nullable=False)
    address_2: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    city: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="", nullable=False)
    region: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    state_province: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    country: Mapped[str] = mapped_column(String(2), default="NL", nullable=False)
    address_type: Mapped[str] = mapped_column(String(20), default="physical", nullable=False)

    location: Mapped[Location] = relationship(back_populates="addresses")

    @property
    def one_line(self) -> str:
        parts = [self.address_1, self.address_2, f"{self.postal_code} {self.city}".strip()]
        return ", ".join(part for part in parts if part)


class ServiceAtLocation(HsdsExtra, db.Model):
    """A service delivered at a location (HSDS ``service_at_location``)."""

    __tablename__ = "directory_service_at_location"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID] = _part_of("directory_service", required=True)
    location_id: Mapped[uuid.UUID] = _part_of("directory_location", required=True)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship(lazy="joined")
    schedules: Mapped[list[Schedule]] = relationship(
        primaryjoin="Schedule.service_at_location_id == ServiceAtLocation.id",
        viewonly=True,
        order_by="Schedule.byday",
    )


class Contact(HsdsExtra, db.Model):
    """A named contact person or desk (HSDS ``contact``)."""

    __tablename__ = "directory_contact"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID | None] = _part_of("directory_organization")
    service_id: Mapped[uuid.UUID | None] = _part_of("directory_service")
    location_id: Mapped[uuid.UUID | None] = _part_of("directory_location")
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    title: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    department: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")

    service: Mapped[Service | None] = relationship(back_populates="contacts")
    phones: Mapped[list[Phone]] = relationship(
        primaryjoin="Phone.contact_id == Contact.id", viewonly=True
    )


class Phone(HsdsExtra, db.Model):
    """A telephone number of an organisation, service, location or contact (HSDS ``phone``)."""

    __tablename__ = "directory_phone"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[uuid.UUID | None] = _part_of("directory_organization")
    service_id: Mapped[uuid.UUID | None] = _part_of("directory_service")
    location_id: Mapped[uuid.UUID | None] = _part_of("directory_location")
    contact_id: Mapped[uuid.UUID | None] = _part_of("directory_contact")
    number: Mapped[str] = mapped_column(String(50), nullable=False)
    extension: Mapped[int | None] = mapped_column(Integer, nullable=True)
    type: Mapped[str] = mapped_column(String(20), default="voice")
    description: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")

    service: Mapped[Service | None] = relationship(back_populates="phones")


class Schedule(HsdsExtra, db.Model):
    """Opening hours as an iCal-like weekly rule (HSDS ``schedule``).

    One row per opening period: ``byday`` holds one or more of MO,TU,WE,TH,FR,SA,SU;
    ``opens_at``/``closes_at`` are local (Europe/Amsterdam) times.
    """

    __tablename__ = "directory_schedule"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID | None] = _part_of("directory_service")
    location_id: Mapped[uuid.UUID | None] = _part_of("directory_location")
    service_at_location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("directory_service_at_location.id", ondelete="CASCADE"), nullable=True
    )
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    freq: Mapped[str] = mapped_column(String(10), default="WEEKLY")
    interval: Mapped[int | None] = mapped_column(Integer, nullable=True)
    byday: Mapped[str] = mapped_column(String(40), default="")
    bymonthday: Mapped[str] = mapped_column(String(40), default="")
    opens_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    closes_at: Mapped[time | None] = mapped_column(Time, nullable=True)
    description: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")
    notes: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")
    attending_type: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")

    service: Mapped[Service | None] = relationship(back_populates="schedules")
    location: Mapped[Location | None] = relationship(foreign_keys=[location_id])

    @property
    def days(self) -> list[str]:
        return [day.strip().upper() for day in self.byday.split(",") if day.strip()]


class ServiceArea(HsdsExtra, db.Model):
    """Where a service is available: one gemeente, one provincie or landelijk."""

    __tablename__ = "directory_service_area"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID] = _part_of("directory_service", required=True)
    kind: Mapped[str] = mapped_column(String(20), default=AreaKind.MUNICIPALITY.value)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id"), nullable=True, index=True
    )
    province: Mapped[str] = mapped_column(String(40), default="", index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), default="")
    description: Mapped[str] = mapped_column(String(SHORT_TEXT_MAX_LENGTH), default="")

    service: Mapped[Service] = relationship(back_populates="service_areas")
    municipality: Mapped[Municipality | None] = relationship(lazy="joined")

    @property
    def label(self) -> str:
        if self.kind == AreaKind.NATIONAL:
            return str(_l("Heel Nederland"))
        if self.kind == AreaKind.PROVINCE:
            return str(_l("Provincie %(name)s", name=self.province))
        if self.municipality is not None:
            return str(_l("Gemeente %(name)s", name=self.municipality.name))
        return self.name


class Metadata(db.Model):
    """One field-level change (HSDS ``metadata``): old value, new value, who and when."""

    __tablename__ = "directory_metadata"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    resource_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False, index=True)
    resource_type: Mapped[str] = mapped_column(String(40), nullable=False)
    last_action_date: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_action_type: Mapped[str] = mapped_column(String(40), nullable=False)
    field_name: Mapped[str] = mapped_column(String(80), nullable=False)
    previous_value: Mapped[str] = mapped_column(Text, default="", nullable=False)
    replacement_value: Mapped[str] = mapped_column(Text, default="", nullable=False)
    updated_by: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="", nullable=False)


class ChangeRequest(db.Model):
    """A "meld een wijziging" from anyone; nothing changes until a coordinator approves."""

    __tablename__ = "directory_change_request"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    service_id: Mapped[uuid.UUID] = _part_of("directory_service", required=True)
    explanation: Mapped[str] = mapped_column(Text, default="", nullable=False)
    reporter_email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")
    status: Mapped[str] = mapped_column(
        String(20), default=ChangeStatus.OPEN.value, nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )

    service: Mapped[Service] = relationship(lazy="joined")
    items: Mapped[list[ChangeRequestItem]] = relationship(
        back_populates="change_request",
        cascade="all, delete-orphan",
        order_by="ChangeRequestItem.position",
    )


class ChangeRequestItem(db.Model):
    """One proposed field value of a change request, approved or rejected on its own."""

    __tablename__ = "directory_change_request_item"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    change_request_id: Mapped[uuid.UUID] = _part_of("directory_change_request", required=True)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    field_name: Mapped[str] = mapped_column(String(80), nullable=False)
    proposed_value: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), default=ChangeStatus.OPEN.value, nullable=False)

    change_request: Mapped[ChangeRequest] = relationship(back_populates="items")
