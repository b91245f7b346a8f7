"""Demo referrals: volunteers refer from their own signals to the best suggestion."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from signalen.auth.models import Role, User
from signalen.core.dates import local_today
from signalen.directory.models import Service, ServiceStatus
from signalen.extensions import db
from signalen.referrals.matching import REFERABLE_STATUSES, MatchCriteria, suggest_services
from signalen.referrals.models import Outcome, Referral
from signalen.referrals.services import ReferralInput, create_referral

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
    today = today or local_today()
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
