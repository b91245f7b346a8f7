"""Doorverwijzingen: who may see what, "op maat" suggestions, registering, outcomes, figures.

Ranking ("op maat") scores every active service of the sociale kaart against what the
volunteer knows about the client's question: the knelpunt's themes, the client's gemeente,
the client's age and whether the service is open. Each point comes with a Dutch reason that
the form shows, and services whose verification is overdue are marked so the volunteer can
call ahead ("bel eerst even na").
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.orm import selectinload

from signalen.audit.services import record
from signalen.auth.models import Role, User
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_text, parse_date, parse_id
from signalen.directory import hours
from signalen.directory import services as directory
from signalen.directory.models import (
    AreaKind,
    Location,
    Service,
    ServiceAtLocation,
    ServiceStatus,
)
from signalen.extensions import db
from signalen.privacy.services import check_fields, redact
from signalen.referrals.models import (
    TEXT_MAX_LENGTH,
    AgeGroup,
    Outcome,
    Referral,
    referral_theme,
)
from signalen.signals.services import PersonalDataFound, guard_privacy, visible_signal_or_none
from signalen.taxonomy.models import Municipality, Theme

AUDIT_ACTIONS = {
    "referral.create": _l("Doorverwijzing geregistreerd"),
    "referral.outcome": _l("Uitkomst van doorverwijzing vastgelegd"),
    "referral.follow_up": _l("Opvolgdatum van doorverwijzing gewijzigd"),
}

MAX_AGE = 120
MAX_FOLLOW_UP_DAYS = 366
DEFAULT_SUGGESTION_LIMIT = 8
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


# Access ------------------------------------------------------------------------------------


def _logged_in(user: User | None) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


def can_create(user: User | None) -> bool:
    """Volunteers, coordinators (and beheerders) of an organisation register referrals."""
    return (
        _logged_in(user)
        and user.role in (Role.VOLUNTEER, Role.COORDINATOR, Role.ADMINISTRATOR)
        and user.organisation_id is not None
    )


def can_list(user: User | None) -> bool:
    """Everyone of an organisation (readers too) and beheerders see the referral list."""
    return _logged_in(user) and (
        user.role is Role.ADMINISTRATOR or user.organisation_id is not None
    )


def can_view(user: User | None, referral: Referral) -> bool:
    """Users of the registering organisation, and beheerders."""
    if not _logged_in(user):
        return False
    if user.role is Role.ADMINISTRATOR:
        return True
    return user.organisation_id is not None and user.organisation_id == referral.organisation_id


def can_record_outcome(user: User | None, referral: Referral) -> bool:
    """Volunteers and coordinators of the organisation (and beheerders); readers only read."""
    return can_view(user, referral) and user.role is not Role.READER


def can_follow_up(user: User | None) -> bool:
    """The follow-up list is for coordinators (their organisation) and beheerders (all)."""
    if not _logged_in(user):
        return False
    if user.role is Role.ADMINISTRATOR:
        return True
    return user.role is Role.COORDINATOR and user.organisation_id is not None


def visible_clause(user: User | None) -> ColumnElement[bool]:
    """SQL condition for the referrals ``user`` may see (same rules as :func:`can_view`)."""
    if not _logged_in(user):
        return false()
    if user.role is Role.ADMINISTRATOR:
        return true()
    if user.organisation_id is None:
        return false()
    return Referral.organisation_id == user.organisation_id


def visible_referral_or_none(referral_id: int, user: User | None) -> Referral | None:
    """The referral when it exists and ``user`` may see it."""
    referral = db.session.get(Referral, referral_id)
    if referral is None or not can_view(user, referral):
        return None
    return referral


# Ranking ("op maat") -------------------------------------------------------------------------


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


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (0 when later is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return max(months, 0)


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
    name = directory.LANGUAGE_NAMES.get(language, language)
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
    today = today or directory.local_today()
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
    overdue = directory.is_overdue(service, today)
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


# Registering -------------------------------------------------------------------------------


@dataclass
class ReferralInput:
    """What a volunteer fills in for a referral."""

    service_id: uuid.UUID | str | None
    reason: str
    advice: str = ""
    warm_handover: bool = False
    follow_up_on: date | None = None
    theme_ids: list[int] = field(default_factory=list)
    municipality_id: int | None = None
    age: int | None = None
    signal_id: int | None = None

    def texts(self) -> dict[str, str]:
        return {"reason": self.reason, "advice": self.advice}


def _check_length(text: str, field_name: str) -> None:
    if len(text) > TEXT_MAX_LENGTH:
        raise ServiceError(
            _l("Dit mag hoogstens %(count)d tekens hebben.", count=TEXT_MAX_LENGTH),
            field=field_name,
        )


def referable_service(service_id: uuid.UUID | str | None) -> Service:
    """The service to refer to, or ServiceError when it is missing, inactive or defunct."""
    if not service_id:
        raise ServiceError(_l("Kies een dienst."), field="service")
    service = directory.get_service(service_id)
    if service is None or service.status not in REFERABLE_STATUSES:
        raise ServiceError(
            _l("Deze dienst staat niet (meer) op de sociale kaart. Kies een andere dienst."),
            field="service",
        )
    return service


def _check_follow_up(follow_up_on: date | None, today: date) -> None:
    if follow_up_on is None:
        return
    if follow_up_on < today:
        raise ServiceError(_l("De opvolgdatum ligt in het verleden."), field="follow_up_on")
    if follow_up_on > today + timedelta(days=MAX_FOLLOW_UP_DAYS):
        raise ServiceError(_l("Kies een opvolgdatum binnen een jaar."), field="follow_up_on")


def clean_input(data: ReferralInput, today: date | None = None) -> ReferralInput:
    """Check every field; return a tidy copy or raise ServiceError with a Dutch message."""
    today = today or directory.local_today()
    reason = clean_text(data.reason)
    if not reason:
        raise ServiceError(_l("Schrijf op waarom u doorverwijst."), field="reason")
    _check_length(reason, "reason")
    advice = clean_text(data.advice)
    _check_length(advice, "advice")
    _check_follow_up(data.follow_up_on, today)
    if data.age is not None and not 0 <= int(data.age) <= MAX_AGE:
        raise ServiceError(
            _l("Vul een leeftijd in jaren in (0 tot %(max)d).", max=MAX_AGE), field="age"
        )
    theme_ids = sorted({int(i) for i in data.theme_ids if i})
    if theme_ids:
        found = set(db.session.scalars(select(Theme.id).where(Theme.id.in_(theme_ids))))
        if found != set(theme_ids):
            raise ServiceError(_l("Kies een thema uit de lijst."), field="themes")
    if data.municipality_id and db.session.get(Municipality, data.municipality_id) is None:
        raise ServiceError(_l("Kies een gemeente uit de lijst."), field="municipality")
    service = referable_service(data.service_id)
    return dataclasses.replace(
        data, reason=reason, advice=advice, theme_ids=theme_ids, service_id=service.id
    )


def create_referral(
    data: ReferralInput,
    user: User,
    *,
    accept_redaction: bool = False,
    today: date | None = None,
) -> Referral:
    """Store a referral of ``user``'s organisation after the checks and the privacy guard.

    From a signal, the signal must be visible to ``user``; without themes of its own the
    referral takes the signal's themes (for the figures per theme).
    """
    if not can_create(user):
        raise ServiceError(_l("Alleen vrijwilligers en coördinatoren kunnen doorverwijzen."))
    today = today or directory.local_today()
    data = guard_privacy(clean_input(data, today), accept_redaction)
    signal = None
    if data.signal_id is not None:
        signal = visible_signal_or_none(data.signal_id, user)
        if signal is None:
            raise ServiceError(_l("Dit knelpunt bestaat niet of u mag het niet zien."))
    service = referable_service(data.service_id)
    theme_ids = data.theme_ids or ([t.id for t in signal.themes] if signal else [])
    referral = Referral(
        organisation_id=user.organisation_id,
        created_by_id=user.id,
        signal_id=signal.id if signal else None,
        service_id=service.id,
        service_name=service.name,
        organization_name=service.organization.name,
        municipality_id=data.municipality_id or None,
        age_group=(AgeGroup.for_age(data.age).value if data.age is not None else None),
        referred_on=today,
        reason=data.reason,
        advice=data.advice,
        warm_handover=bool(data.warm_handover),
        follow_up_on=data.follow_up_on,
        themes=list(db.session.scalars(select(Theme).where(Theme.id.in_(theme_ids))))
        if theme_ids
        else [],
    )
    db.session.add(referral)
    db.session.flush()
    record(
        "referral.create",
        referral,
        actor=user,
        object_type="referral",
        object_label=f"#{referral.id} → {service.name}"[:254],
        changes={"service": [None, service.name], "signal": [None, referral.signal_id]},
    )
    db.session.commit()
    return referral


def record_outcome(
    referral: Referral,
    outcome: Outcome,
    user: User,
    note: str = "",
    *,
    accept_redaction: bool = False,
) -> Referral:
    """Record (or correct) what came of a referral; the note goes through the privacy guard."""
    if not can_record_outcome(user, referral):
        raise ServiceError(_l("U kunt de uitkomst van deze doorverwijzing niet vastleggen."))
    if not isinstance(outcome, Outcome):
        try:
            outcome = Outcome(outcome)
        except ValueError:
            raise ServiceError(_l("Kies een uitkomst."), field="outcome") from None
    note = clean_text(note)
    _check_length(note, "note")
    findings = check_fields({"note": note})
    if findings:
        if not accept_redaction:
            raise PersonalDataFound(findings)
        note = redact(note)
    old = referral.outcome.value if referral.outcome else None
    referral.outcome = outcome
    referral.outcome_note = note
    referral.outcome_recorded_at = datetime.now(UTC)
    referral.outcome_recorded_by_id = user.id
    record(
        "referral.outcome",
        referral,
        actor=user,
        object_type="referral",
        object_label=f"#{referral.id} → {referral.service_name}"[:254],
        changes={"outcome": [old, outcome.value]},
    )
    db.session.commit()
    return referral


def change_follow_up(
    referral: Referral, follow_up_on: date | None, user: User, today: date | None = None
) -> Referral:
    """Move (or clear) the day on which the referral is to be followed up."""
    if not can_record_outcome(user, referral):
        raise ServiceError(_l("U kunt deze doorverwijzing niet wijzigen."))
    today = today or directory.local_today()
    _check_follow_up(follow_up_on, today)
    old = referral.follow_up_on.isoformat() if referral.follow_up_on else None
    referral.follow_up_on = follow_up_on
    record(
        "referral.follow_up",
        referral,
        actor=user,
        object_type="referral",
        object_label=f"#{referral.id} → {referral.service_name}"[:254],
        changes={"follow_up_on": [old, follow_up_on.isoformat() if follow_up_on else None]},
    )
    db.session.commit()
    return referral


# Lists ---------------------------------------------------------------------------------------

OPEN = "open"  # filter value: no outcome recorded yet


@dataclass
class ReferralFilters:
    """Filters of the referral list, from the query string (uitkomst, thema, van, tot, mijn)."""

    outcome: str = ""
    theme_id: int | None = None
    start: date | None = None
    end: date | None = None
    mine: bool = False
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> ReferralFilters:
        filters = cls()
        outcome = (args.get("uitkomst") or "").strip()
        if outcome in {OPEN, *(o.value for o in Outcome)}:
            filters.outcome = outcome
        elif outcome:
            filters.errors.append(str(_l("Deze uitkomst bestaat niet.")))
        theme = (args.get("thema") or "").strip()
        if parse_id(theme):
            filters.theme_id = parse_id(theme)
        elif theme:
            filters.errors.append(str(_l("Dit thema bestaat niet.")))
        for name, attribute in (("van", "start"), ("tot", "end")):
            value = (args.get(name) or "").strip()
            if not value:
                continue
            if parse_date(value) is not None:
                setattr(filters, attribute, parse_date(value))
            else:
                filters.errors.append(str(_l("Vul een datum in als jjjj-mm-dd.")))
        filters.mine = args.get("mijn") in ("1", "on", "ja")
        return filters

    def args(self) -> dict[str, str]:
        values = {
            "uitkomst": self.outcome,
            "thema": str(self.theme_id) if self.theme_id else "",
            "van": self.start.isoformat() if self.start else "",
            "tot": self.end.isoformat() if self.end else "",
            "mijn": "1" if self.mine else "",
        }
        return {key: value for key, value in values.items() if value}


def referrals_query(user: User, filters: ReferralFilters | None = None) -> Select:
    """The referrals ``user`` may see, filtered, newest first."""
    filters = filters or ReferralFilters()
    query = select(Referral).where(visible_clause(user))
    if filters.outcome == OPEN:
        query = query.where(Referral.outcome.is_(None))
    elif filters.outcome:
        query = query.where(Referral.outcome == Outcome(filters.outcome))
    if filters.theme_id:
        sub_themes = select(Theme.id).where(
            or_(Theme.id == filters.theme_id, Theme.parent_id == filters.theme_id)
        )
        query = query.where(
            Referral.id.in_(
                select(referral_theme.c.referral_id).where(
                    referral_theme.c.theme_id.in_(sub_themes)
                )
            )
        )
    if filters.start:
        query = query.where(Referral.referred_on >= filters.start)
    if filters.end:
        query = query.where(Referral.referred_on <= filters.end)
    if filters.mine:
        query = query.where(Referral.created_by_id == user.id)
    return query.order_by(Referral.referred_on.desc(), Referral.id.desc())


def due_for_follow_up(user: User, today: date | None = None) -> list[Referral]:
    """Referrals whose follow-up date is today or earlier and that have no outcome yet,
    the longest overdue first (a coordinator's own organisation; a beheerder's all)."""
    if not can_follow_up(user):
        return []
    today = today or directory.local_today()
    return list(
        db.session.scalars(
            select(Referral)
            .where(
                visible_clause(user),
                Referral.outcome.is_(None),
                Referral.follow_up_on.is_not(None),
                Referral.follow_up_on <= today,
            )
            .order_by(Referral.follow_up_on, Referral.id)
        )
    )


def referrals_for_signal(signal_id: int, user: User | None) -> list[Referral]:
    """The referrals from one signal that ``user`` may see, newest first."""
    if not can_list(user):
        return []
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.signal_id == signal_id, visible_clause(user))
            .order_by(Referral.referred_on.desc(), Referral.id.desc())
        )
    )


# Figures for the digest ----------------------------------------------------------------------

OUTCOME_KEYS = (*(outcome.value for outcome in Outcome), OPEN)


def _outcome_counts(values: Iterable[Outcome | None]) -> dict[str, int]:
    counts = Counter(value.value if value else OPEN for value in values)
    return {key: counts.get(key, 0) for key in OUTCOME_KEYS}


def referral_figures(start: date, end: date) -> dict[str, Any]:
    """Referral counts of every organisation for the days ``start`` to ``end`` (inclusive),
    by the day the referral was registered. Only counts and names: no free text.

    Returns a JSON-ready dict::

        {
          "start": "2026-01-01", "end": "2026-06-30",
          "total": 12, "warm_handovers": 5, "from_signals": 9,
          "outcomes": {"bereikt_geholpen": 4, "bereikt_niet_geholpen": 1,
                       "niet_bereikt": 2, "onbekend": 1, "open": 4},
          "outcome_labels": {"bereikt_geholpen": "Bereikt en geholpen", ..., "open": "..."},
          "by_service": [{"service_id": "<uuid or None>", "service": "Gratis juridisch advies",
                          "organization": "Het Juridisch Loket", "total": 3,
                          "outcomes": {... same keys as above ...}}, ...],
          "by_theme": [{"theme_id": 7, "theme": "Terugvordering › Hoge terugvordering",
                        "main_theme": "Terugvordering", "total": 2,
                        "outcomes": {...}}, ...],
        }

    ``open`` counts referrals without a recorded outcome. ``by_service`` and ``by_theme`` are
    sorted by total (most first), then name. A referral with two themes counts under both,
    so the theme totals can add up to more than ``total``.
    """
    rows = db.session.execute(
        select(
            Referral.id,
            Referral.service_id,
            Referral.service_name,
            Referral.organization_name,
            Referral.outcome,
            Referral.warm_handover,
            Referral.signal_id,
        ).where(Referral.referred_on >= start, Referral.referred_on <= end)
    ).all()
    outcomes_by_referral = {row.id: row.outcome for row in rows}
    services: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = (str(row.service_id) if row.service_id else None, row.service_name)
        entry = services.setdefault(
            key,
            {
                "service_id": key[0],
                "service": row.service_name,
                "organization": row.organization_name,
                "outcomes_list": [],
            },
        )
        entry["outcomes_list"].append(row.outcome)
    by_service = [
        {
            "service_id": entry["service_id"],
            "service": entry["service"],
            "organization": entry["organization"],
            "total": len(entry["outcomes_list"]),
            "outcomes": _outcome_counts(entry["outcomes_list"]),
        }
        for entry in services.values()
    ]
    by_service.sort(key=lambda item: (-item["total"], item["service"].casefold()))

    theme_rows = (
        db.session.execute(
            select(referral_theme.c.referral_id, referral_theme.c.theme_id).where(
                referral_theme.c.referral_id.in_(list(outcomes_by_referral))
            )
        ).all()
        if outcomes_by_referral
        else []
    )
    per_theme: dict[int, list] = {}
    for referral_id, theme_id in theme_rows:
        per_theme.setdefault(theme_id, []).append(outcomes_by_referral[referral_id])
    themes = {
        theme.id: theme
        for theme in db.session.scalars(select(Theme).where(Theme.id.in_(list(per_theme))))
    }
    by_theme = [
        {
            "theme_id": theme_id,
            "theme": themes[theme_id].full_name,
            "main_theme": (themes[theme_id].parent or themes[theme_id]).name,
            "total": len(values),
            "outcomes": _outcome_counts(values),
        }
        for theme_id, values in per_theme.items()
        if theme_id in themes
    ]
    by_theme.sort(key=lambda item: (-item["total"], item["theme"].casefold()))
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "total": len(rows),
        "warm_handovers": sum(1 for row in rows if row.warm_handover),
        "from_signals": sum(1 for row in rows if row.signal_id),
        "outcomes": _outcome_counts(row.outcome for row in rows),
        "outcome_labels": outcome_labels(),
        "by_service": by_service,
        "by_theme": by_theme,
    }


def outcome_labels() -> dict[str, str]:
    """Dutch labels of the outcome keys used in the figures, ``open`` included."""
    return {
        **{outcome.value: outcome.label for outcome in Outcome},
        OPEN: str(_l("Nog geen uitkomst")),
    }


def outcome_counts(user: User) -> dict[str, int]:
    """How many of the referrals ``user`` may see have each outcome (``open``: none yet)."""
    rows = db.session.execute(
        select(Referral.outcome, func.count())
        .where(visible_clause(user))
        .group_by(Referral.outcome)
    ).all()
    counts = {key: 0 for key in OUTCOME_KEYS}
    for outcome, number in rows:
        counts[outcome.value if outcome else OPEN] += number
    return counts


# Demo ----------------------------------------------------------------------------------------

DEMO_TEXTS = [
    (
        "Cliënt wil bezwaar maken tegen het besluit en weet niet hoe.",
        "Uitgelegd dat bezwaar binnen 6 weken moet. Brief meenemen naar het spreekuur.",
    ),
    (
        "Cliënt heeft een hoge terugvordering en kan die niet in één keer betalen.",
        "Gewezen op een betalingsregeling en de beslagvrije voet.",
    ),
    (
        "Cliënt kan niet inloggen met DigiD en moet een formulier invullen.",
        "Afgesproken dat de cliënt een identiteitsbewijs meeneemt.",
    ),
    (
        "Cliënt heeft meerdere schulden en overzicht kwijt.",
        "Gevraagd alle post in één map te verzamelen voor het eerste gesprek.",
    ),
    (
        "Cliënt begrijpt de brief over de uitkering niet.",
        "",
    ),
]
DEMO_OUTCOMES = [
    Outcome.HELPED,
    Outcome.HELPED,
    Outcome.NOT_HELPED,
    Outcome.NOT_REACHED,
    Outcome.UNKNOWN,
    None,
    None,
    Outcome.HELPED,
]


def seed_demo_referrals(count: int = 16, today: date | None = None) -> int:
    """Create a handful of demo referrals (once): volunteers of the demo organisations refer
    from their own signals to the best "op maat" suggestion, spread over the last three
    months, with mixed outcomes; some have a follow-up date that has passed and no outcome
    yet, so the coordinator's follow-up list is not empty. Needs signals and a sociale kaart;
    returns the number created (0 when there already are referrals or nothing to refer to).
    """
    from signalen.signals.models import Signal

    if db.session.scalar(select(func.count()).select_from(Referral)):
        return 0
    if not db.session.scalar(
        select(func.count()).select_from(Service).where(Service.status.in_(REFERABLE_STATUSES))
    ):
        return 0
    today = today or directory.local_today()
    volunteers = list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.VOLUNTEER, User.organisation_id.is_not(None), User.active)
            .order_by(User.id)
        )
    )
    created = 0
    for volunteer in volunteers:
        if created >= count:
            break
        signals = db.session.scalars(
            select(Signal)
            .where(Signal.organisation_id == volunteer.organisation_id)
            .where(Signal.merged_into_id.is_(None))
            .order_by(Signal.id)
            .limit(12)
        ).all()
        per_volunteer = 0
        for signal in signals:
            if created >= count or per_volunteer >= max(2, count // max(len(volunteers), 1)):
                break
            criteria = MatchCriteria(
                theme_ids=tuple(t.id for t in signal.themes),
                municipality_id=signal.municipality_id,
                age=(25, 45, 70, 35)[created % 4],
            )
            suggestions = [
                suggestion
                for suggestion in suggest_services(criteria, today=today, limit=5)
                if suggestion.service.status == ServiceStatus.ACTIVE.value
            ]
            if not suggestions:
                continue
            reason, advice = DEMO_TEXTS[created % len(DEMO_TEXTS)]
            referral = create_referral(
                ReferralInput(
                    service_id=suggestions[0].service.id,
                    reason=reason,
                    advice=advice,
                    warm_handover=created % 3 == 0,
                    follow_up_on=today,
                    theme_ids=list(criteria.theme_ids),
                    municipality_id=criteria.municipality_id,
                    age=criteria.age,
                    signal_id=signal.id,
                ),
                volunteer,
                today=today,
            )
            days_ago = 5 + (created * 37) % 85
            referral.referred_on = today - timedelta(days=days_ago)
            referral.follow_up_on = referral.referred_on + timedelta(days=14)
            outcome = DEMO_OUTCOMES[created % len(DEMO_OUTCOMES)]
            if outcome is not None and referral.follow_up_on <= today:
                referral.outcome = outcome
                referral.outcome_recorded_at = datetime.now(UTC)
                referral.outcome_recorded_by_id = volunteer.id
            db.session.commit()
            created += 1
            per_volunteer += 1
    return created
