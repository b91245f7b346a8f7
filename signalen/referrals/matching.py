"""Ranking ("op maat"): every active service of the sociale kaart scored against what the
volunteer knows about the client's question: the knelpunt's themes, the client's gemeente,
the client's age and whether the service is open. Each point comes with a Dutch reason that
the form shows, and services whose verification is overdue are marked so the volunteer can
call ahead ("bel eerst even na").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from signalen.config import DEFAULTS
from signalen.core.dates import local_today, months_between
from signalen.directory import hours
from signalen.directory.models import AreaKind, Location, Service, ServiceAtLocation, ServiceStatus
from signalen.directory.services.review import is_overdue
from signalen.directory.services.validation import LANGUAGE_NAMES
from signalen.extensions import db
from signalen.taxonomy.models import Municipality, Theme

DEFAULT_SUGGESTION_LIMIT = DEFAULTS["REFERRALS_SUGGESTION_LIMIT"]
# Services a volunteer may refer to; inactive and defunct ones are never suggested.
REFERABLE_STATUSES = (ServiceStatus.ACTIVE.value, ServiceStatus.TEMPORARILY_CLOSED.value)

# Points for the ranking. A service must fit the themes (when themes are given), the client's
# gemeente (when given) and age (when given); everything else only moves it up or down.
SCORE_SAME_THEME = 40
SCORE_PARENT_THEME = 25  # the main theme of the knelpunt's sub-theme, or the other way round
SCORE_SIBLING_THEME = 15  # another sub-theme under the same main theme
SCORE_EXTRA_THEME = 5  # each further matching theme, at most SCORE_EXTRA_THEME_MAX
SCORE_EXTRA_THEME_MAX = 10
SCORE_MUNICIPALITY = 30
SCORE_PROVINCE = 20
SCORE_NATIONAL = 10
SCORE_AGE = 10
SCORE_LANGUAGE = 12
SCORE_OPEN_NOW = 8
SCORE_HAS_HOURS = 3
PENALTY_TEMPORARILY_CLOSED = -40
PENALTY_OVERDUE = -5


@dataclass(frozen=True)
class MatchCriteria:
    """What the volunteer knows about the client's question; every part may be empty."""

    theme_ids: tuple[int, ...] = ()
    municipality_id: int | None = None
    age: int | None = None
    # ISO 639 code of the language the client needs help in; "" or "nl": Dutch.
    language: str = ""


@dataclass(frozen=True)
class MatchReason:
    """One reason in a suggestion: ``kind`` is ``plus``, ``info`` or ``warning``."""

    code: str
    label: str
    kind: str = "plus"
    points: int = 0


@dataclass
class Suggestion:
    """A service with its score and the reasons for it."""

    service: Service
    score: int
    reasons: list[MatchReason]
    overdue: bool = False
    months_unchecked: int | None = None

    @property
    def call_ahead(self) -> bool:
        """The information was not checked in time: the volunteer should call first."""
        return self.overdue

    @property
    def reason_labels(self) -> list[str]:
        return [reason.label for reason in self.reasons]


def _theme_match(service_themes: Sequence[Theme], wanted: Sequence[Theme]) -> list[MatchReason]:
    """Reasons for the overlap of two theme lists (two-level themes: parents count too)."""
    best: dict[int, tuple[int, str, Theme]] = {}  # wanted theme id -> (points, code, matched)
    for want in wanted:
        for have in service_themes:
            if have.id == want.id:
                found = (SCORE_SAME_THEME, "same_theme", have)
            elif have.id == want.parent_id or have.parent_id == want.id:
                found = (SCORE_PARENT_THEME, "main_theme", have if have.parent_id is None else want)
            elif have.parent_id is not None and have.parent_id == want.parent_id:
                found = (SCORE_SIBLING_THEME, "main_theme", have.parent or have)
            else:
                continue
            if want.id not in best or found[0] > best[want.id][0]:
                best[want.id] = found
    if not best:
        return []
    ordered = sorted(best.values(), key=lambda item: (-item[0], item[2].name))
    reasons: list[MatchReason] = []
    points, code, theme = ordered[0]
    reasons.append(_theme_reason(code, theme, points))
    extra = 0
    seen = {theme.id}
    for _points, code, theme in ordered[1:]:
        if theme.id in seen:
            continue
        seen.add(theme.id)
        bonus = min(SCORE_EXTRA_THEME, SCORE_EXTRA_THEME_MAX - extra)
        extra += bonus
        reasons.append(_theme_reason(code, theme, bonus))
    return reasons


def _theme_reason(code: str, theme: Theme, points: int) -> MatchReason:
    if code == "same_theme":
        label = _l("Zelfde thema: %(theme)s", theme=theme.name)
    else:
        label = _l("Zelfde hoofdthema: %(theme)s", theme=theme.name)
    return MatchReason(code, str(label), "plus", points)


def _area_match(service: Service, municipality: Municipality | None) -> MatchReason | None:
    """The best area reason; None when the service does not work where the client lives."""
    areas = list(service.service_areas)
    if not areas:
        return MatchReason("area_unknown", str(_l("Werkgebied onbekend")), "info", 0)
    national = any(area.kind == AreaKind.NATIONAL.value for area in areas)
    if municipality is None:
        if national:
            return MatchReason("national", str(_l("Landelijk")), "plus", SCORE_NATIONAL)
        places = ", ".join(area.label for area in areas)
        label = _l("Werkt alleen in: %(places)s", places=places)
        return MatchReason("regional", str(label), "info", 0)
    for area in areas:
        if area.kind == AreaKind.MUNICIPALITY.value and area.municipality_id == municipality.id:
            label = _l("Werkt in %(place)s", place=municipality.name)
            return MatchReason("municipality", str(label), "plus", SCORE_MUNICIPALITY)
    province = (municipality.province or "").casefold()
    for area in areas:
        if area.kind == AreaKind.PROVINCE.value and (area.province or "").casefold() == province:
            label = _l("Werkt in provincie %(place)s", place=municipality.province)
            return MatchReason("province", str(label), "plus", SCORE_PROVINCE)
    if national:
        return MatchReason("national", str(_l("Landelijk")), "plus", SCORE_NATIONAL)
    return None


def _language_match(service: Service, language: str) -> MatchReason | None:
    """Points for help in the client's language; a service without it is not left out
    (an interpreter or a family member may help), but the volunteer sees it."""
    if not language or language == "nl":
        return None
    name = LANGUAGE_NAMES.get(language, language)
    if language in service.language_codes:
        label = _l("Helpt ook in het %(language)s", language=name)
        return MatchReason("language", str(label), "plus", SCORE_LANGUAGE)
    label = _l("Geen hulp in het %(language)s bekend", language=name)
    return MatchReason("no_language", str(label), "info", 0)


def _age_fits(service: Service, age: int | None) -> bool | None:
    """True/False when the service has age limits and an age is known; None otherwise."""
    if age is None or (service.minimum_age is None and service.maximum_age is None):
        return None
    if service.minimum_age is not None and age < service.minimum_age:
        return False
    return service.maximum_age is None or age <= service.maximum_age


def score_service(
    service: Service,
    themes: Sequence[Theme] = (),
    municipality: Municipality | None = None,
    age: int | None = None,
    *,
    language: str = "",
    at: datetime | None = None,
    today: date | None = None,
) -> Suggestion | None:
    """Score one service for a client's question; None when it does not fit at all.

    Excluded: inactive or defunct services, services without any theme in common with
    ``themes`` (when themes are given), services that do not work in the client's gemeente,
    its provincie or landelijk (when a gemeente is given), and services whose age limits
    exclude ``age``. Everything else gets points (see the ``SCORE_*`` constants) and reasons.
    """
    if service.status not in REFERABLE_STATUSES:
        return None
    today = today or local_today()
    reasons: list[MatchReason] = []
    if themes:
        theme_reasons = _theme_match(service.themes, themes)
        if not theme_reasons:
            return None
        reasons += theme_reasons
    area = _area_match(service, municipality)
    if area is None:
        return None
    reasons.append(area)
    fits = _age_fits(service, age)
    if fits is False:
        return None
    if fits:
        reasons.append(MatchReason("age", str(_l("Past bij de leeftijd")), "plus", SCORE_AGE))
    language_reason = _language_match(service, language)
    if language_reason is not None:
        reasons.append(language_reason)
    if service.status == ServiceStatus.TEMPORARILY_CLOSED.value:
        reasons.append(
            MatchReason(
                "temporarily_closed",
                str(_l("Tijdelijk gesloten")),
                "warning",
                PENALTY_TEMPORARILY_CLOSED,
            )
        )
    elif hours.is_open_now(service, at):
        reasons.append(MatchReason("open_now", str(_l("Nu open")), "plus", SCORE_OPEN_NOW))
    elif hours.service_schedules(service):
        reasons.append(MatchReason("closed_now", str(_l("Nu dicht")), "info", SCORE_HAS_HOURS))
    else:
        reasons.append(MatchReason("no_hours", str(_l("Openingstijden onbekend")), "info", 0))
    overdue = is_overdue(service, today)
    months = months_between(service.assured_date, today) if service.assured_date else None
    if overdue:
        if months is None:
            label = _l("Nog nooit gecontroleerd")
        else:
            months = max(months, 1)
            label = _ln(
                "Al %(num)d maand niet gecontroleerd",
                "Al %(num)d maanden niet gecontroleerd",
                months,
            )
        reasons.append(MatchReason("overdue", str(label), "warning", PENALTY_OVERDUE))
    return Suggestion(
        service=service,
        score=sum(reason.points for reason in reasons),
        reasons=reasons,
        overdue=overdue,
        months_unchecked=months,
    )


def candidate_services() -> list[Service]:
    """Every service that may be suggested, with what the ranking needs loaded at once."""
    # All themes in the session, so theme.parent needs no query per theme.
    db.session.scalars(select(Theme)).all()
    query = (
        select(Service)
        .where(Service.status.in_(REFERABLE_STATUSES))
        .options(
            selectinload(Service.service_areas),
            selectinload(Service.schedules),
            selectinload(Service.languages),
            selectinload(Service.service_at_locations)
            .selectinload(ServiceAtLocation.location)
            .selectinload(Location.schedules),
        )
        .order_by(Service.name)
    )
    return list(db.session.scalars(query).unique())


def suggest_services(
    criteria: MatchCriteria,
    *,
    at: datetime | None = None,
    today: date | None = None,
    limit: int | None = DEFAULT_SUGGESTION_LIMIT,
) -> list[Suggestion]:
    """The services that fit ``criteria``, best first (then by name); at most ``limit``."""
    themes = [t for t in (db.session.get(Theme, i) for i in criteria.theme_ids) if t is not None]
    municipality = (
        db.session.get(Municipality, criteria.municipality_id) if criteria.municipality_id else None
    )
    at = at or datetime.now(UTC)
    suggestions = [
        suggestion
        for service in candidate_services()
        if (
            suggestion := score_service(
                service,
                themes,
                municipality,
                criteria.age,
                language=criteria.language,
                at=at,
                today=today,
            )
        )
        is not None
    ]
    suggestions.sort(key=lambda s: (-s.score, s.service.name.casefold(), str(s.service.id)))
    return suggestions[:limit] if limit else suggestions


def referable_services() -> list[Service]:
    """All services a volunteer may choose by hand, by organisation and name."""
    return sorted(
        db.session.scalars(select(Service).where(Service.status.in_(REFERABLE_STATUSES))),
        key=lambda s: (s.organization.name.casefold(), s.name.casefold()),
    )
