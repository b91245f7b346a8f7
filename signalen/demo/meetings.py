"""Demo content for the overleg and the digests: one past meeting with outcomes and
agreements, one upcoming meeting, and one published digest."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from signalen.auth.models import Role, User
from signalen.core.dates import local_today
from signalen.extensions import db
from signalen.meetings import services
from signalen.meetings.models import Meeting
from signalen.signals import access
from signalen.signals.models import Signal, Status, Visibility
from signalen.taxonomy.models import Agency

PREFERRED_COORDINATOR = "coordinator@utrecht.signalen.example"


def _coordinator() -> User | None:
    user = db.session.scalar(select(User).where(User.email == PREFERRED_COORDINATOR))
    if user is not None:
        return user
    return db.session.scalar(
        select(User).where(User.role == Role.COORDINATOR, User.active.is_(True)).order_by(User.id)
    )


def _open_signals(coordinator: User, limit: int) -> list[Signal]:
    """Open signals of the coordinator's organisation, openbaar ones first."""
    query = (
        select(Signal)
        .where(
            Signal.organisation_id == coordinator.organisation_id,
            Signal.merged_into_id.is_(None),
            Signal.status.in_([Status.NEW, Status.IN_PROGRESS]),
        )
        .order_by((Signal.visibility == Visibility.PUBLIC).desc(), Signal.report_count.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def seed_demo_meetings() -> bool:
    """Seed the overleg and digest demo once; returns False when meetings already exist.

    Needs the demo users and signals (``signalen.demo.services.seed_demo``) first.
    """
    from signalen.digests import periods
    from signalen.digests import services as digests

    if db.session.scalar(select(func.count(Meeting.id))):
        return False
    coordinator = _coordinator()
    if coordinator is None:
        return False
    signals = _open_signals(coordinator, 6)
    foreign = db.session.scalar(
        select(Signal)
        .where(
            Signal.organisation_id != coordinator.organisation_id,
            Signal.visibility == Visibility.NETWORK,
            Signal.merged_into_id.is_(None),
            Signal.status.in_([Status.NEW, Status.IN_PROGRESS]),
        )
        .order_by(Signal.report_count.desc())
        .limit(1)
    )
    agencies = list(
        db.session.scalars(select(Agency.id).where(Agency.name.in_(["UWV", "Gemeente", "SVB"])))
    )
    today = local_today()

    past = services.create_meeting(
        services.MeetingInput(
            title="Signaleringsoverleg Werkplein najaar",
            held_on=today - timedelta(days=30),
            location="Werkplein, vergaderzaal 2",
            participants="Cliëntenraad Werk en Inkomen Utrecht\n"
            "Adviesraad Sociaal Domein Zwolle\nDistrictscliëntenraad UWV",
            agency_ids=agencies,
            minutes="De manager van het werkplein opent het overleg. Het concept-ketenjaarplan "
            "wordt in het volgende overleg besproken. De cliëntenraden krijgen de stukken "
            "twee weken van tevoren.",
        ),
        coordinator,
    )
    past_signals = signals[:3]
    picked = [s.id for s in past_signals] + (
        [foreign.id] if foreign and access.can_view(coordinator, foreign) else []
    )
    if picked:
        services.add_signals(past, picked, coordinator)
    services.add_free_item(
        past,
        "Uitkomsten klanttevredenheidsonderzoek",
        "Het werkplein deelt de uitkomsten en de verbetervoorstellen.",
        coordinator,
    )
    outcomes = [
        (
            "Meerdere cliëntenraden herkennen dit. Het probleem speelt vooral bij de eerste "
            "betaling.",
            "De uitvoerder onderzoekt de oorzaak en meldt zich voor het volgende overleg.",
            services.AgreementInput(
                "Uitvoerder laat weten wat de oorzaak is",
                "UWV, afdeling klantcontact",
                today - timedelta(days=5),
            ),
        ),
        (
            "De brieven zijn moeilijk te begrijpen voor cliënten.",
            "De uitvoerder past de standaardbrief aan en vraagt de cliëntenraad om mee te lezen.",
            services.AgreementInput(
                "Cliëntenraad leest de nieuwe brief mee",
                "Cliëntenraad Werk en Inkomen Utrecht",
                today + timedelta(days=30),
            ),
        ),
        (
            "Het telefoonnummer staat niet op de website.",
            "Is inmiddels aangepast.",
            services.AgreementInput(
                "Telefoonnummer op de website zetten",
                "Gemeente, team communicatie",
                today - timedelta(days=20),
            ),
        ),
    ]
    items = [item for item in past.items if item.signal_id in {s.id for s in past_signals}]
    done = []
    for item, (discussion, response, agreement) in zip(items, outcomes, strict=False):
        services.record_outcome(
            item,
            coordinator,
            discussion=discussion,
            agency_response=response,
            agreements=[agreement],
        )
        done.append(item)
    if len(done) == 3:
        services.complete_agreement(done[2].agreements[0], coordinator)

    upcoming = services.create_meeting(
        services.MeetingInput(
            title="Signaleringsoverleg Werkplein voorjaar",
            held_on=today + timedelta(days=21),
            location="Werkplein, vergaderzaal 2",
            participants="Cliëntenraad Werk en Inkomen Utrecht\nAdviesraad Sociaal Domein Zwolle",
            agency_ids=agencies,
        ),
        coordinator,
    )
    if signals[3:]:
        services.add_signals(upcoming, [s.id for s in signals[3:]], coordinator)
    services.add_free_item(
        upcoming, "Concept-ketenjaarplan", "Bespreking van het concept-ketenjaarplan.", coordinator
    )

    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    digest = digests.create_digest(periods.parse_period(quarter), coordinator)
    digests.update_draft(
        digest,
        coordinator,
        title=digest.title,
        introduction="In dit kwartaal meldden de helpdesks vooral knelpunten over betalingen "
        "die te laat komen en over brieven die cliënten niet begrijpen. In het "
        "signaleringsoverleg zijn afspraken gemaakt met de uitvoerders.",
        remarks={"followup": "Eén afspraak is over de datum; wij vragen de uitvoerder om uitleg."},
    )
    digests.publish(digest, coordinator)
    return True
