"""Loading the demo data: organisations and users of every role with known passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from signalen.auth import services as accounts
from signalen.auth.models import Role, User
from signalen.core.models import utcnow
from signalen.extensions import db
from signalen.organisations import services as organisations

# Demo passwords are public on purpose: a demo site holds no real data.
DEMO_PASSWORDS = {
    Role.ADMINISTRATOR: "demo-beheerder",
    Role.COORDINATOR: "demo-coordinator",
    Role.VOLUNTEER: "demo-vrijwilliger",
    Role.READER: "demo-lezer",
}

DEMO_ORGANISATIONS = [
    "Cliëntenraad Werk en Inkomen Utrecht",
    "Helpdesk Uitkeringen Rotterdam-Zuid",
    "Adviesraad Sociaal Domein Zwolle",
    "Servicelijn Wajong en Werk",
]

# (e-mail, name, role, index in DEMO_ORGANISATIONS or None)
DEMO_USERS = [
    ("beheer@signalen.example", "Sanne de Beheerder", Role.ADMINISTRATOR, None),
    ("coordinator@utrecht.signalen.example", "Fatima El Amrani", Role.COORDINATOR, 0),
    ("vrijwilliger@utrecht.signalen.example", "Henk Jansen", Role.VOLUNTEER, 0),
    ("lezer@utrecht.signalen.example", "Marieke Visser", Role.READER, 0),
    ("coordinator@rotterdam.signalen.example", "Dewi Soekarno", Role.COORDINATOR, 1),
    ("vrijwilliger@rotterdam.signalen.example", "Kees van Dijk", Role.VOLUNTEER, 1),
    ("vrijwilliger2@rotterdam.signalen.example", "Ayşe Yılmaz", Role.VOLUNTEER, 1),
    ("coordinator@zwolle.signalen.example", "Jan-Willem Bosman", Role.COORDINATOR, 2),
    ("lezer@zwolle.signalen.example", "Gerda Mulder", Role.READER, 2),
    ("vrijwilliger@wajong.signalen.example", "Tim de Groot", Role.VOLUNTEER, 3),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: Role
    organisation: str


def demo_logins() -> list[DemoLogin]:
    """The demo accounts and their passwords, for printing."""
    return [
        DemoLogin(
            email,
            DEMO_PASSWORDS[role],
            role,
            DEMO_ORGANISATIONS[index] if index is not None else "-",
        )
        for email, _name, role, index in DEMO_USERS
    ]


def is_seeded() -> bool:
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0])) is not None


DEMO_SIGNALS = 480  # over DEMO_WEEKS: a few a week, with seasons, and one rise at the end
DEMO_WEEKS = 78
# "Incassokosten lopen op" was rare and is reported by every organisation the last weeks:
# the signaalradar shows it on first start.
DEMO_RISE_EXTRA = 14

DEMO_ARTICLES = [
    (
        "Wat te doen bij een terugvordering van toeslagen",
        "## Eerst rustig lezen\n\nLees met de cliënt de brief. Staat erin **waarom** er wordt "
        "teruggevorderd?\n\n## Stappen\n\n- Vraag binnen 6 weken bezwaar aan als het niet klopt.\n"
        "- Vraag een **persoonlijke betalingsregeling** aan als de cliënt niet in één keer kan "
        "betalen.\n- Verwijs bij meer schulden naar de schuldhulpverlening van de gemeente.\n",
        "Terugvordering/Hoge terugvordering",
    ),
    (
        "Hulp bij DigiD aanvragen",
        "Veel cliënten hebben geen DigiD. Ze kunnen terecht bij het **Informatiepunt Digitale "
        "Overheid** in de bibliotheek.\n\n- Neem een geldig identiteitsbewijs mee.\n- Een "
        "machtiging kan ook: dan regelt iemand anders het.\n",
        "Digitalisering en DigiD/Geen DigiD of DigiD werkt niet",
    ),
    (
        "Beslagvrije voet controleren",
        "Bij beslag op een uitkering moet de cliënt genoeg overhouden om van te leven. Controleer "
        "de beslagvrije voet met de rekenhulp van de Rijksoverheid en neem contact op met de "
        "beslaglegger als het niet klopt.",
        "Schulden/Schulden bij de overheid stapelen op",
    ),
]


def seed_demo_content(users_by_email: dict) -> int:
    """Demo signals (through the normal services) and knowledge articles."""
    from flask import current_app

    from signalen.articles import services as articles
    from signalen.core.dates import local_today
    from signalen.demo.history import ALL_TEMPLATES, HistoryRise, generate_history
    from signalen.signals import services as signals
    from signalen.signals.models import Channel, Impact, Status, Visibility
    from signalen.taxonomy.services import NameIndex

    names = NameIndex.load()
    volunteers = [u for u in users_by_email.values() if u.role is Role.VOLUNTEER]
    coordinators = {
        u.organisation_id: u for u in users_by_email.values() if u.role is Role.COORDINATOR
    }
    today = local_today()
    rise = HistoryRise("subthema", len(ALL_TEMPLATES) - 1, today, 1, extra=DEMO_RISE_EXTRA)
    history = generate_history(
        DEMO_SIGNALS,
        organisations=len(DEMO_ORGANISATIONS),
        weeks=DEMO_WEEKS,
        until=today,
        rises=[rise],
        seed=2026,
    )
    # Volunteers register; in an organisation without one, the coordinator does.
    reporters = volunteers + [u for u in coordinators.values()]
    organisation_ids = sorted({u.organisation_id for u in reporters})
    by_organisation = {
        org: [u for u in volunteers if u.organisation_id == org]
        or [u for u in reporters if u.organisation_id == org]
        for org in organisation_ids
    }
    created = []
    for number, past in enumerate(history):
        item = past.item
        organisation_id = organisation_ids[past.organisation % len(organisation_ids)]
        user = by_organisation[organisation_id][number % len(by_organisation[organisation_id])]
        agency, agency_municipality = names.agency(item.agency)
        municipality = names.municipalities.get(item.municipality.casefold())
        if agency is not None and agency.is_municipal:
            agency_municipality = municipality
        visibility = [
            Visibility.NETWORK,
            Visibility.NETWORK,
            Visibility.PUBLIC,
            Visibility.INTERNAL,
        ][number % 4]
        data = signals.SignalInput(
            title=item.title,
            description=item.description,
            channel=Channel(item.channel),
            occurred_on=past.day if past.dated else None,
            theme_ids=[names.themes[item.theme.casefold()].id],
            scheme_ids=[names.schemes[item.scheme.casefold()].id],
            agency_id=agency.id if agency else None,
            agency_municipality_id=agency_municipality.id if agency_municipality else None,
            municipality_id=municipality.id if municipality else None,
            report_count=item.report_count,
            impact=Impact(item.impact),
            visibility=visibility,
        )
        signal = signals.create_signal(data, user, user.organisation_id, commit=False)
        # Registered on its own day in the past, so dates, charts and the radar make sense.
        signal.created_at = signal.updated_at = past.created
        for event in signal.events:
            event.created_at = past.created
        created.append(signal)
    db.session.commit()
    for number, signal in enumerate(created):
        coordinator = coordinators.get(signal.organisation_id)
        if coordinator is None:
            continue
        if signal.visibility is Visibility.PUBLIC and number % 8 != 2:
            signal.public_approved_at = min(signal.created_at + timedelta(days=1), utcnow())
            signal.public_approved_by_id = coordinator.id
        if number % 5 == 1:
            signals._set_status(signal, Status.IN_PROGRESS, coordinator, "")
        elif number % 11 == 3:
            signals._set_status(
                signal, Status.RESOLVED, coordinator, "Uitkering is alsnog betaald."
            )
    db.session.commit()
    for title, body, theme in DEMO_ARTICLES:
        author = next(iter(coordinators.values()))
        articles.save_article(
            articles.ArticleInput(
                title=title,
                body=body,
                theme_ids=[names.themes[theme.casefold()].id],
                visibility=Visibility.PUBLIC,
                published=True,
            ),
            author,
        )
    signals.reindex([s.id for s in created])
    current_app.logger.info("Demo: %d signals", len(created))
    return len(created)


def seed_demo() -> bool:
    """Load the demo data once; returns False when it was already there."""
    from signalen.taxonomy.services import seed_taxonomies

    if is_seeded():
        return False
    seed_taxonomies()
    created = []
    for name in DEMO_ORGANISATIONS:
        created.append(organisations.find_by_name(name) or organisations.create_organisation(name))
    users = {}
    for email, name, role, index in DEMO_USERS:
        organisation = created[index] if index is not None else None
        users[email] = accounts.create_user(
            None,
            email,
            name,
            role,
            organisation,
            password=DEMO_PASSWORDS[role],
            check_password=False,  # public demo passwords, easy on purpose
        )
    seed_demo_content(users)
    _seed_demo_directory()
    return True


def _seed_demo_directory() -> None:
    """The demo sociale kaart and referrals from the demo signals to it."""
    from signalen.demo.directory import seed_demo_directory
    from signalen.demo.referrals import seed_demo_referrals

    seed_demo_directory()
    seed_demo_referrals()
