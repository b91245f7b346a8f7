"""Doorverwijzingen: registering referrals, their outcomes and follow-up dates.

Who may do what is in :mod:`~signalen.referrals.access`, the "op maat" ranking in
:mod:`~signalen.referrals.matching`, lists in :mod:`~signalen.referrals.queries` and the
digest figures in :mod:`~signalen.referrals.figures`.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signalen.audit.services import record
from signalen.auth.models import User
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.core.validation import clean_text
from signalen.directory.models import Service
from signalen.directory.services.common import get_service
from signalen.extensions import db
from signalen.privacy.services import check_fields, redact
from signalen.referrals.access import can_create, can_record_outcome
from signalen.referrals.matching import REFERABLE_STATUSES
from signalen.referrals.models import TEXT_MAX_LENGTH, AgeGroup, Outcome, Referral
from signalen.signals.services import PersonalDataFound, guard_privacy, visible_signal_or_none
from signalen.taxonomy.models import Municipality, Theme

AUDIT_ACTIONS = {
    "referral.create": _l("Doorverwijzing geregistreerd"),
    "referral.outcome": _l("Uitkomst van doorverwijzing vastgelegd"),
    "referral.follow_up": _l("Opvolgdatum van doorverwijzing gewijzigd"),
}

MAX_AGE = 120
MAX_FOLLOW_UP_DAYS = 366


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
    service = get_service(service_id)
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
    today = today or local_today()
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
    today = today or local_today()
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
    today = today or local_today()
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
