"""Browsing and searching the sociale kaart: one filter object for the list, map and links."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from signalen.core.dates import local_moment
from signalen.core.pagination import with_changes
from signalen.core.validation import parse_id, parse_int
from signalen.directory.hours import is_open_now, next_opening
from signalen.directory.indexing import matching_service_ids
from signalen.directory.models import (
    AreaKind,
    Language,
    Location,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceStatus,
)
from signalen.extensions import db
from signalen.search import services as search
from signalen.taxonomy.models import Municipality, Theme

PER_PAGE = 20
FIRST_OPENINGS = 3  # how many first openings "nu open" names when nothing is open
# Opgeheven services are kept for history and HSDS, not shown when browsing.
HIDDEN_STATUSES = (ServiceStatus.DEFUNCT.value, ServiceStatus.INACTIVE.value)


@dataclass
class DirectoryFilters:
    """What the visitor asked for in the query string (q, thema, gemeente, leeftijd, taal,
    nu_open, pagina); wrong values are dropped with a message, never fatal."""

    q: str = ""
    themes: list[int] = field(default_factory=list)
    municipality_id: int | None = None
    age: int | None = None
    language: str = ""
    open_now: bool = False
    page: int = 1
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: MultiDict) -> DirectoryFilters:
        filters = cls(q=" ".join((args.get("q") or "").split()))
        maximum = search.max_query_length()
        if len(filters.q) > maximum:
            filters.errors.append(
                str(_l("De zoektekst is te lang (hoogstens %(max)d tekens).", max=maximum))
            )
            filters.q = ""
        for value in args.getlist("thema"):
            if parse_id(value):
                filters.themes.append(parse_id(value))
            elif value:
                filters.errors.append(str(_l("Dit thema bestaat niet.")))
        gemeente = (args.get("gemeente") or "").strip()
        if gemeente:
            if parse_id(gemeente):
                filters.municipality_id = parse_id(gemeente)
            else:
                filters.errors.append(str(_l("Deze gemeente bestaat niet.")))
        age = (args.get("leeftijd") or "").strip()
        if age:
            if parse_int(age, 0, 130) is not None:
                filters.age = parse_int(age, 0, 130)
            else:
                filters.errors.append(str(_l("Vul een leeftijd in jaren in (0 tot 130).")))
        language = (args.get("taal") or "").strip().lower()
        if language:
            if language.isalpha() and len(language) <= 3:
                filters.language = language
            else:
                filters.errors.append(str(_l("Deze taal kennen wij niet.")))
        filters.open_now = args.get("nu_open") in ("1", "on", "ja", "true")
        page = args.get("pagina", "1")
        filters.page = parse_int(page, 1, 9_999) or 1
        return filters

    def args(self, **changes) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        pairs += [("thema", str(theme)) for theme in self.themes]
        if self.municipality_id is not None:
            pairs.append(("gemeente", str(self.municipality_id)))
        if self.age is not None:
            pairs.append(("leeftijd", str(self.age)))
        if self.language:
            pairs.append(("taal", self.language))
        if self.open_now:
            pairs.append(("nu_open", "1"))
        return with_changes(pairs, changes)

    def query_string(self, **changes) -> str:
        return urlencode(self.args(**changes))

    @property
    def is_empty(self) -> bool:
        return not self.args()


@dataclass
class BrowseResult:
    filters: DirectoryFilters
    services: list[Service]
    pagination: Pagination | None
    total: int
    error: str | None = None
    # With "nu open" and nothing open: the services that open first, as (service, local moment).
    first_openings: list[tuple[Service, datetime]] = field(default_factory=list)


class _ListPagination(Pagination):
    """A Flask-SQLAlchemy Pagination over a list that is already filtered and ordered."""

    def __init__(self, items: list, page: int, per_page: int) -> None:
        self._all = items
        super().__init__(page=page, per_page=per_page, error_out=False, count=True)

    def _query_items(self) -> list:
        start = (self.page - 1) * self.per_page
        return self._all[start : start + self.per_page]

    def _query_count(self) -> int:
        return len(self._all)


def _theme_ids(ids: list[int]) -> list[int]:
    """Chosen themes plus their sub-themes."""
    if not ids:
        return []
    children = db.session.scalars(select(Theme.id).where(Theme.parent_id.in_(ids))).all()
    return sorted({*ids, *children})


def filtered_services(filters: DirectoryFilters, at: datetime | None = None) -> tuple[list, str]:
    """Every service that matches ``filters`` at ``at`` (default: now): by relevance with free
    text, else by name.

    Returns (services, error message or "").
    """
    services, error = _matching_services(filters)
    if filters.open_now:
        moment = at or local_moment()
        services = [service for service in services if is_open_now(service, moment)]
    return services, error


def serves_municipality(municipality: Municipality) -> ColumnElement[bool]:
    """A service whose area covers ``municipality``: landelijk, the gemeente or its provincie."""
    return Service.service_areas.any(
        or_(
            ServiceArea.kind == AreaKind.NATIONAL.value,
            and_(
                ServiceArea.kind == AreaKind.MUNICIPALITY.value,
                ServiceArea.municipality_id == municipality.id,
            ),
            and_(
                ServiceArea.kind == AreaKind.PROVINCE.value,
                ServiceArea.province == municipality.province,
            ),
        )
    )


def _matching_services(filters: DirectoryFilters) -> tuple[list, str]:
    """The services that match every filter but "nu open" (their hours loaded when it is on)."""
    statement = select(Service).where(Service.status.not_in(HIDDEN_STATUSES))
    if filters.themes:
        statement = statement.where(Service.themes.any(Theme.id.in_(_theme_ids(filters.themes))))
    if filters.municipality_id is not None:
        municipality = db.session.get(Municipality, filters.municipality_id)
        if municipality is None:
            return [], str(_l("Deze gemeente bestaat niet."))
        statement = statement.where(serves_municipality(municipality))
    if filters.age is not None:
        statement = statement.where(
            or_(Service.minimum_age.is_(None), Service.minimum_age <= filters.age),
            or_(Service.maximum_age.is_(None), Service.maximum_age >= filters.age),
        )
    if filters.language:
        statement = statement.where(Service.languages.any(Language.code == filters.language))
    order: list[uuid.UUID] | None = None
    if filters.q:
        order = matching_service_ids(filters.q)
        if order is None:
            return [], str(_l("Zoeken lukt nu niet. Probeer het later opnieuw."))
        statement = statement.where(Service.id.in_(order))
    if filters.open_now:
        statement = statement.options(
            selectinload(Service.schedules),
            selectinload(Service.service_at_locations)
            .selectinload(ServiceAtLocation.location)
            .selectinload(Location.schedules),
        )
    services = list(db.session.scalars(statement.order_by(Service.name)).unique())
    if order is not None:
        rank = {service_id: index for index, service_id in enumerate(order)}
        services.sort(key=lambda service: rank.get(service.id, len(rank)))
    return services, ""


def first_openings(
    services: list[Service], at: datetime | None = None, limit: int = FIRST_OPENINGS
) -> list[tuple[Service, datetime]]:
    """The ``limit`` services that open first after ``at`` (default: now), by
    ``hours.next_opening``: (service, local moment), earliest first, then by name."""
    openings = [(service, when) for service in services if (when := next_opening(service, at))]
    openings.sort(key=lambda pair: (pair[1], pair[0].name))
    return openings[:limit]


def browse(filters: DirectoryFilters, per_page: int = PER_PAGE) -> BrowseResult:
    """One page of matching services; with "nu open" and nothing open, also the first openings."""
    moment = local_moment()
    services, error = filtered_services(filters, moment)
    pagination = _ListPagination(services, filters.page, per_page)
    result = BrowseResult(filters, list(pagination.items), pagination, len(services), error or None)
    if filters.open_now and not services and not error:
        result.first_openings = first_openings(_matching_services(filters)[0], moment)
    return result


def map_points(services: list[Service]) -> list[dict]:
    """Locations with coordinates of these services, for the map (one point per location)."""
    points: dict[uuid.UUID, dict] = {}
    for service in services:
        for location in service.locations:
            if not location.has_coordinates:
                continue
            point = points.setdefault(
                location.id,
                {
                    "name": location.name or service.organization.name,
                    "address": location.address.one_line if location.address else "",
                    "lat": location.latitude,
                    "lon": location.longitude,
                    "services": [],
                },
            )
            point["services"].append({"id": str(service.id), "name": service.name})
    return list(points.values())
