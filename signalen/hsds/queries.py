"""What the HSDS API's filters select: statements over the sociale kaart, no HTTP."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, or_, select

from signalen.core.errors import ServiceError
from signalen.directory.browse import serves_municipality
from signalen.directory.indexing import matching_service_ids
from signalen.directory.models import Address, Location, Organization, Service, ServiceAtLocation
from signalen.directory.services.validation import clean_postal_code
from signalen.extensions import db
from signalen.hsds import export
from signalen.taxonomy.models import Municipality, Theme

EARTH_RADIUS_METERS = 6_371_000


class BadFilter(Exception):
    """A filter value the API cannot use; the message is Dutch."""


def contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, with its wildcards escaped (escape ``\\``)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def themes_for_term(term_id: uuid.UUID) -> list[int]:
    """The Signalen theme that is this taxonomy term, with its sub-themes."""
    themes = db.session.scalars(select(Theme)).all()
    for theme in themes:
        if export.theme_term_id(theme.id) == term_id:
            return [theme.id, *[t.id for t in themes if t.parent_id == theme.id]]
    return []


@dataclass
class ServiceFilters:
    """The filters of /services and /service_at_locations that select services."""

    organization_id: uuid.UUID | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    search: str = ""

    def apply(self, statement: Select) -> tuple[Select, list[uuid.UUID] | None]:
        """``statement`` (over services) narrowed; with a search also the ids best first."""
        if self.organization_id:
            statement = statement.where(Service.organization_id == self.organization_id)
        if self.taxonomy_term_id:
            themes = themes_for_term(self.taxonomy_term_id)
            statement = statement.where(Service.themes.any(Theme.id.in_(themes)))
        if self.taxonomy_id and self.taxonomy_id != export.TAXONOMY_ID:
            statement = statement.where(Service.id.is_(None))
        elif self.taxonomy_id:
            statement = statement.where(Service.themes.any())
        if self.modified_after:
            statement = statement.where(Service.updated_at >= self.modified_after)
        if not self.search:
            return statement, None
        ids = matching_service_ids(self.search)
        if ids is None:
            raise BadFilter(_("Zoeken lukt nu niet met deze tekst."))
        return statement.where(Service.id.in_(ids)), ids


def _containing(text: str, *columns: Any) -> list[ColumnElement[bool]]:
    """For each column: it holds ``text`` anywhere (case ignored)."""
    pattern = contains(text)
    return [column.ilike(pattern, escape="\\") for column in columns]


def organizations(search: str, modified_after: datetime | None, term_id: uuid.UUID | None):
    statement = select(Organization).order_by(Organization.name, Organization.id)
    if search:
        statement = statement.where(
            or_(*_containing(search, Organization.name, Organization.description))
        )
    if modified_after:
        statement = statement.where(Organization.updated_at >= modified_after)
    if term_id:
        themes = themes_for_term(term_id)
        statement = statement.where(
            Organization.services.any(Service.themes.any(Theme.id.in_(themes)))
        )
    return statement


def locations(
    search: str, organization_id: uuid.UUID | None, modified_after: datetime | None
) -> Select:
    statement = select(Location).order_by(Location.name, Location.id)
    if search:
        [in_city] = _containing(search, Address.city)
        statement = statement.where(
            or_(
                *_containing(search, Location.name, Location.description),
                Location.addresses.any(in_city),
            )
        )
    if organization_id:
        statement = statement.where(Location.organization_id == organization_id)
    if modified_after:
        statement = statement.where(Location.updated_at >= modified_after)
    return statement


@dataclass
class Place:
    """Where a postcode is, as the sociale kaart knows it: Signalen has no postcode table,
    so a postcode is found in the addresses of its locations (the full postcode, else its
    four digits). The centre is the mean of those locations' coordinates."""

    municipality: Municipality | None
    latitude: float | None
    longitude: float | None


def place_of(postcode: str) -> Place:
    try:
        text = clean_postal_code(postcode, "NL")
    except ServiceError as error:
        raise BadFilter(
            _("'postcode' is geen Nederlandse postcode: %(message)s", message=str(error.message))
        ) from None
    found = db.session.scalars(
        select(Location).join(Address).where(Address.postal_code == text)
    ).all()
    if not found:
        found = db.session.scalars(
            select(Location).join(Address).where(Address.postal_code.like(text[:4] + "%"))
        ).all()
    if not found:
        raise BadFilter(
            _(
                "Postcode %(postcode)s staat bij geen adres op de sociale kaart; Signalen heeft "
                "geen postcodetabel en kan deze postcode dus niet plaatsen.",
                postcode=text,
            )
        )
    municipalities = Counter(loc.municipality_id for loc in found if loc.municipality_id)
    municipality = (
        db.session.get(Municipality, municipalities.most_common(1)[0][0])
        if municipalities
        else None
    )
    points = [
        (loc.latitude, loc.longitude)
        for loc in found
        if loc.latitude is not None and loc.longitude is not None
    ]
    if not points:
        return Place(municipality, None, None)
    return Place(
        municipality,
        sum(p[0] for p in points) / len(points),
        sum(p[1] for p in points) / len(points),
    )


def distance_meters(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(math.sqrt(a))


def _within(location: Location, centre: tuple[float, float], meters: int) -> bool:
    if location.latitude is None or location.longitude is None:
        return False
    return distance_meters(*centre, location.latitude, location.longitude) <= meters


def services_at_locations(
    filters: ServiceFilters, postcode: str, proximity: int | None
) -> list[ServiceAtLocation]:
    """The services at locations that match, by service name then location name. With a
    postcode: only services whose areas cover its gemeente (or that name no area); with a
    proximity too: only locations within that many meters of the postcode's centre."""
    if proximity is not None and not postcode:
        raise BadFilter(_("'proximity' werkt alleen samen met 'postcode'."))
    # A location changed since then counts too, whatever the service's own time.
    by_service = replace(filters, modified_after=None)
    services, ranked = by_service.apply(select(Service.id))
    statement = (
        select(ServiceAtLocation)
        .join(Service, ServiceAtLocation.service_id == Service.id)
        .join(Location, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id.in_(services))
        .order_by(Service.name, Location.name, ServiceAtLocation.id)
    )
    if filters.modified_after:
        statement = statement.where(
            or_(
                Service.updated_at >= filters.modified_after,
                Location.updated_at >= filters.modified_after,
            )
        )
    place = None
    if postcode:
        place = place_of(postcode)
        if place.municipality is not None:
            statement = statement.where(
                or_(~Service.service_areas.any(), serves_municipality(place.municipality))
            )
    found = list(db.session.scalars(statement))
    if proximity is not None and place is not None:
        if place.latitude is None or place.longitude is None:
            raise BadFilter(
                _("Bij deze postcode kent de sociale kaart geen coördinaten om afstand te meten.")
            )
        centre = (place.latitude, place.longitude)
        found = [item for item in found if _within(item.location, centre, proximity)]
    if ranked is not None:
        rank = {service_id: index for index, service_id in enumerate(ranked)}
        found.sort(key=lambda item: rank.get(item.service_id, len(rank)))
    return found
