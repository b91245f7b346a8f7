"""The menu and the start-page cards of every role, defined once as data.

A feature is added to the menu with one ``MenuEntry`` line and to a start page with one
``Card`` line. Entries whose endpoint is not registered on the app are skipped, so entries
for features of other packages can be listed before those packages exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from signalen.auth.models import Role, User
from signalen.home import services

# The anonymous visitor is a role of its own in the menu and on the start page.
VISITOR = "bezoeker"
SIGNED_IN = frozenset(role.value for role in Role)
EVERYONE = SIGNED_IN | {VISITOR}
MANAGERS = frozenset({Role.COORDINATOR.value, Role.ADMINISTRATOR.value})
REPORTERS = MANAGERS | {Role.VOLUNTEER.value}
ALL_ROLES = (VISITOR, *(role.value for role in Role))

# Menu groups: the features, and the coordinators' work queues.
MAIN = "main"
QUEUES = "queues"


@dataclass(frozen=True)
class MenuEntry:
    """One menu link. ``sections`` are blueprint names or endpoints whose pages also mark
    this entry as the current page (when no entry has the page's own endpoint)."""

    endpoint: str
    label: object
    roles: frozenset[str]
    group: str = MAIN
    sections: tuple[str, ...] = ()
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Card:
    """One start-page card. ``count`` returns the number of open items for the user (or
    None when there is nothing to count); ``count_text`` says what they are."""

    endpoint: str
    title: object
    text: object
    roles: frozenset[str]
    count: Callable[[User], int | None] | None = None
    count_text: object = None
    values: Mapping[str, str] = field(default_factory=dict)


MENU: tuple[MenuEntry, ...] = (
    MenuEntry("home.index", _l("Start"), EVERYONE),
    MenuEntry("signals.new", _l("Knelpunt melden"), REPORTERS, sections=("signals.import_upload",)),
    MenuEntry("signals.mine", _l("Mijn meldingen"), REPORTERS),
    MenuEntry("infobank.search", _l("Informatiebank"), EVERYONE, sections=("infobank", "signals")),
    MenuEntry("directory.index", _l("Sociale kaart"), EVERYONE, sections=("directory",)),
    MenuEntry("referrals.index", _l("Doorverwijzingen"), SIGNED_IN, sections=("referrals",)),
    MenuEntry("meetings.index", _l("Overleg"), SIGNED_IN, sections=("meetings",)),
    MenuEntry("digests.index", _l("Rapportages"), EVERYONE, sections=("digests",)),
    MenuEntry("dashboard.overview", _l("Overzicht"), EVERYONE, sections=("dashboard",)),
    MenuEntry(
        "radar.index", _l("Signaalradar"), MANAGERS | {Role.READER.value}, sections=("radar",)
    ),
    MenuEntry(
        "radar.public",
        _l("Signaalradar"),
        frozenset({VISITOR, Role.VOLUNTEER.value}),
        sections=("radar",),
    ),
    MenuEntry("articles.index", _l("Kennisartikelen"), EVERYONE, sections=("articles",)),
    MenuEntry("feeds.index", _l("Feeds"), frozenset({VISITOR, Role.READER.value})),
    MenuEntry("savedsearches.index", _l("Mijn zoekopdrachten"), SIGNED_IN),
    MenuEntry("notifications.index", _l("Meldingen"), SIGNED_IN, sections=("notifications",)),
    MenuEntry("admin.index", _l("Beheer"), MANAGERS, sections=("admin", "taxonomy", "api_tokens")),
    MenuEntry("directory.review", _l("Te controleren"), MANAGERS, QUEUES),
    MenuEntry("directory.change_requests", _l("Wijzigingen"), MANAGERS, QUEUES),
    MenuEntry("meetings.followup", _l("Open afspraken"), MANAGERS, QUEUES),
    MenuEntry("referrals.follow_up", _l("Doorverwijzingen opvolgen"), MANAGERS, QUEUES),
)

CARDS: tuple[Card, ...] = (
    # The coordinator's queues first: the day's work, with counts.
    Card(
        "infobank.search",
        _l("Nieuwe knelpunten"),
        _l("Knelpunten van uw organisatie die nog niemand heeft bekeken."),
        MANAGERS,
        services.new_signals,
        _l("nieuw"),
        {"status": "nieuw"},
    ),
    Card(
        "directory.review",
        _l("Te controleren"),
        _l("Diensten op de sociale kaart die (bijna) gecontroleerd moeten worden."),
        MANAGERS,
        services.services_to_review,
        _l("te controleren"),
    ),
    Card(
        "directory.change_requests",
        _l("Wijzigingen"),
        _l("Voorstellen van bezoekers om de sociale kaart te verbeteren."),
        MANAGERS,
        services.open_change_requests,
        _l("open"),
    ),
    Card(
        "meetings.followup",
        _l("Open afspraken"),
        _l("Afspraken uit het overleg die nog niet klaar zijn."),
        MANAGERS,
        services.open_agreements,
        _l("open"),
    ),
    Card(
        "referrals.follow_up",
        _l("Doorverwijzingen opvolgen"),
        _l("Vraag na hoe het de cliënt verder is gegaan."),
        MANAGERS,
        services.referrals_to_follow_up,
        _l("op te volgen"),
    ),
    Card(
        "signals.new",
        _l("Knelpunt melden"),
        _l("Leg in een minuut een knelpunt van een cliënt vast, zonder persoonsgegevens."),
        REPORTERS,
    ),
    Card(
        "signals.mine",
        _l("Mijn meldingen"),
        _l("Zie wat er is gebeurd met de knelpunten die u meldde."),
        REPORTERS,
    ),
    Card(
        "directory.index",
        _l("Sociale kaart"),
        _l("Zoek waar een cliënt terecht kan: wie helpt met wat, waar en wanneer."),
        EVERYONE,
    ),
    Card(
        "referrals.new",
        _l("Doorverwijzen"),
        _l("Verwijs een cliënt door naar een dienst die bij hem of haar past."),
        frozenset({Role.VOLUNTEER.value, Role.COORDINATOR.value}),
    ),
    Card(
        "referrals.index",
        _l("Doorverwijzingen"),
        _l("De doorverwijzingen van uw organisatie en wat eruit kwam."),
        SIGNED_IN,
    ),
    Card(
        "infobank.search",
        _l("Openbare knelpunten"),
        _l("Lees de knelpunten die cliëntenorganisaties openbaar hebben gemaakt."),
        frozenset({VISITOR}),
    ),
    Card(
        "infobank.search",
        _l("Informatiebank"),
        _l("Zoek in alle knelpunten en kennisartikelen."),
        SIGNED_IN,
    ),
    Card(
        "meetings.index",
        _l("Overleg"),
        _l("Het signaleringsoverleg: agenda, verslag en afspraken."),
        SIGNED_IN,
        services.upcoming_meetings,
        _l("gepland"),
    ),
    Card(
        "digests.index",
        _l("Rapportages"),
        _l("Wat de knelpunten van een periode samen laten zien."),
        EVERYONE,
    ),
    Card(
        "radar.index",
        _l("Signaalradar"),
        _l("Knelpunten die bij meer organisaties tegelijk opkomen."),
        MANAGERS | {Role.READER.value},
    ),
    Card(
        "dashboard.overview",
        _l("Overzicht"),
        _l("Grafieken van de knelpunten per thema, uitvoerder en maand."),
        EVERYONE - REPORTERS,
    ),
    Card(
        "feeds.index",
        _l("Feeds"),
        _l("Volg nieuwe rapportages en knelpunten in uw feedlezer."),
        frozenset({VISITOR, Role.READER.value}),
    ),
    Card(
        "admin.users_list",
        _l("Gebruikers"),
        _l("Nodig vrijwilligers uit, wijzig rollen en maak wachtwoordlinks."),
        MANAGERS,
    ),
    Card(
        "admin.organisations_list",
        _l("Organisaties"),
        _l("De cliëntenraden, helpdesks en servicelijnen die meedoen."),
        frozenset({Role.ADMINISTRATOR.value}),
    ),
    Card(
        "taxonomy.index",
        _l("Indeling"),
        _l("Thema's, regelingen, uitvoerders en gemeenten."),
        frozenset({Role.ADMINISTRATOR.value}),
    ),
    Card(
        "privacy.sweep_result",
        _l("Controle op persoonsgegevens"),
        _l("Is de controle klaar, en wat vond de laatste controle van alles wat is opgeslagen?"),
        frozenset({Role.ADMINISTRATOR.value}),
    ),
    Card(
        "admin.audit_log",
        _l("Logboek"),
        _l("Wie heeft wat gewijzigd, en wanneer."),
        frozenset({Role.ADMINISTRATOR.value}),
    ),
    Card(
        "auth.change_password",
        _l("Wachtwoord wijzigen"),
        _l("Kies een nieuw wachtwoord voor uw account."),
        SIGNED_IN,
    ),
)


@dataclass(frozen=True)
class Link:
    """A menu entry or card ready for a template."""

    url: str
    label: object
    current: bool = False
    text: object = None
    count: int | None = None
    count_text: object = None


def role_of(user: User | None) -> str:
    """The menu role of ``user``: its role's value, or ``bezoeker`` when not logged in."""
    if user is None or not getattr(user, "is_authenticated", False):
        return VISITOR
    return user.role.value


def _registered(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


def _visible(endpoint: str, roles: frozenset[str], role: str) -> bool:
    if role not in roles or not _registered(endpoint):
        return False
    if endpoint.startswith("directory.") and role == VISITOR:
        return bool(current_app.config.get("DIRECTORY_PUBLIC", True))
    return True


def _current_endpoint(entries: Iterable[MenuEntry], endpoint: str | None) -> str | None:
    """The endpoint of the entry that marks the page ``endpoint`` as current."""
    if not endpoint:
        return None
    entries = list(entries)
    if any(entry.endpoint == endpoint for entry in entries):
        return endpoint
    blueprint = endpoint.rsplit(".", 1)[0]
    for entry in entries:
        if endpoint in entry.sections or blueprint in entry.sections:
            return entry.endpoint
    return None


def menu(user: User | None, endpoint: str | None) -> dict[str, list[Link]]:
    """The menu of ``user`` by group (``main``, ``queues``), with the current page marked."""
    role = role_of(user)
    entries = [e for e in MENU if _visible(e.endpoint, e.roles, role)]
    current = _current_endpoint(entries, endpoint)
    groups: dict[str, list[Link]] = {MAIN: [], QUEUES: []}
    for entry in entries:
        groups[entry.group].append(
            Link(url_for(entry.endpoint, **entry.values), entry.label, entry.endpoint == current)
        )
    return groups


def cards(user: User | None) -> list[Link]:
    """The start-page cards of ``user``, with counts where they help."""
    role = role_of(user)
    links = []
    for card in CARDS:
        if not _visible(card.endpoint, card.roles, role):
            continue
        count = card.count(user) if card.count is not None else None
        links.append(
            Link(
                url_for(card.endpoint, **card.values),
                card.title,
                text=card.text,
                count=count,
                count_text=card.count_text if count is not None else None,
            )
        )
    return links
