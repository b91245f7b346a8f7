"""No write across organisations: every write route is owner-checked or listed as not owned.

Each case posts, as a coordinator of organisation A, a request that would change something
of organisation B, and checks that no row in the database changed (the audit log aside).
The same request by B's own coordinator (or a beheerder) then does change something, so a
case can never pass only because its data is wrong.

``test_every_write_route_is_covered`` fails as soon as a new POST/PUT/PATCH/DELETE route
appears (web or API) that has neither a case here nor an entry in ``NOT_OWNED``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from signalen.api import services as api_services
from signalen.api.models import Scope
from signalen.articles import services as articles
from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.digests import periods
from signalen.digests import services as digests
from signalen.directory.models import Organization, Service
from signalen.extensions import db
from signalen.meetings import services as meetings
from signalen.referrals import services as referrals
from signalen.signals.models import Visibility
from signalen.taxonomy.models import Theme
from tests.conftest import PASSWORD, csrf_token

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
IGNORED_TABLES = {"audit_event"}
# Bookkeeping of the caller itself, not of the other organisation.
IGNORED_COLUMNS = {("api_token", "last_used_at")}

# Write routes that change nothing another organisation owns, and why.
NOT_OWNED = {
    "auth.login": "logs in; changes only the account that logs in",
    "auth.logout": "ends the sessions of the user who logs out",
    "auth.change_password": "the logged-in user's own password",
    "auth.set_password": "a signed one-time link for one account (tests/web/test_sessions.py)",
    "auth.forgot_password": "mails a one-time link to the account of the address; changes "
    "nothing else (tests/web/test_mail.py)",
    # E-mail subscriptions belong to an address, not to an organisation; after the first
    # step every route needs the subscription's secret token (tests/web/test_mail.py).
    **{
        f"subscriptions.{name}": "an address following a public feed, no organisation's data"
        for name in ("subscribe", "confirm", "manage", "unsubscribe")
    },
    "signals.new": "creates a signal in the user's own organisation",
    "signals.similar_fragment": "reads only (similar signals while typing)",
    "signals.import_upload": "checks a CSV file; stores nothing",
    "signals.import_check": "imports into the user's own organisation",
    "meetings.new": "plans a meeting for the user's own organisation",
    "digests.new": "drafts a digest for the user's own organisation",
    "articles.new": "writes an article for the user's own organisation",
    "referrals.new": "a referral of the user's own organisation",
    "api.signals_create": "creates a signal in the API key's organisation",
    "api.signals_check": "reads only (privacy and similarity check)",
    "privacy.live_check": "reads only (the privacy check while typing)",
    "radar.mark": "the radar counts across the whole network; a mark is one shared verdict on a "
    "rise, kept with who and which organisation in the audit log (tests/web/test_radar.py)",
    "radar.withdraw": "a mark is one shared verdict of the network (see radar.mark); withdrawing "
    "it is audited with who and which organisation (tests/web/test_radar.py)",
    "taxonomy.edit_synonyms": "beheerders only (tests/web/test_search_relevance.py): the synonym "
    "list serves the whole network's search",
    "api_widget.report": "creates a signal in the widget key's organisation",
    # The sociale kaart is one shared directory of the whole network: every coordinator
    # keeps it current; the field-level history keeps who changed what.
    **{
        f"directory.{name}": "the sociale kaart is shared by the whole network"
        for name in (
            "edit",
            "edit_contact",
            "delete_contact",
            "new_service_contact",
            "verify",
            "edit_hours",
            "import_hsds",
            "edit_location",
            "delete_location",
            "new_service",
            "edit_organization",
            "new_organization_contact",
            "new_location",
            "decide",
        )
    },
    "directory.propose_change": "anyone may propose a change; a coordinator decides",
    # Per-user data: a saved search, a feed key, a notification or a choice belongs to one
    # account; anyone else's id answers 404 (tests/web/test_notify.py).
    **{
        f"savedsearches.{name}": "the user's own saved searches and private feed key"
        for name in ("save", "alert", "delete", "new_feed_key", "revoke_feed_key")
    },
    **{
        f"notifications.{name}": "the user's own notifications and choices"
        for name in ("mark_read", "mark_all_read", "answer", "settings")
    },
    "directory.confirm": "a signed link of the sociale kaart (shared by the network)",
}


@dataclass
class Case:
    """``path`` and ``data`` are formatted with the world's ids; ``control`` overrides them
    for the owner's request; ``owner`` is who may do it: B's coordinator or a beheerder."""

    endpoint: str
    path: str
    data: dict = field(default_factory=dict)
    owner: str = "coordinator_b"
    control_path: str | None = None
    control_data: dict | None = None
    api: bool = False

    @property
    def id(self) -> str:
        return f"{self.endpoint}:{self.path}"


SIGNAL_FORM = {
    "title": "Nieuwe titel van B",
    "description": "De zorgtoeslag is gestopt zonder dat de cliënt een brief kreeg.",
    "channel": "telefoon",
    "impact": "middel",
    "report_count": "1",
    "visibility": "netwerk",
}
AGREEMENT = {"agreement_description": "UWV belt terug", "agreement_owner": "UWV"}

CASES = [
    Case("signals.edit", "/signalen/{b_signal}/bewerken", SIGNAL_FORM),
    Case("signals.change_status", "/signalen/{b_signal}/status", {"status": "in_behandeling"}),
    Case("signals.approve", "/signalen/{b_public}/goedkeuren"),
    # The reported weakness: A merges its own intern signal into B's network signal.
    Case(
        "signals.merge",
        "/signalen/{a_internal}/samenvoegen",
        {"target": "{b_signal}", "confirm": "1"},
        control_path="/signalen/{b_public}/samenvoegen",
    ),
    Case(
        "signals.merge",
        "/signalen/{b_public}/samenvoegen",
        {"target": "{b_signal}", "confirm": "1"},
    ),
    Case(
        "signals.link",
        "/signalen/{b_signal}/koppelen",
        {"target": "{a_network}"},
    ),
    Case(
        "signals.also_reported",
        "/signalen/{b_internal}/ook-gemeld",
        {"channel": "telefoon", "client_count": "1"},
    ),
    Case(
        "infobank.bulk",
        "/zoeken/bulk",
        {
            "action": "status",
            "status": "in_behandeling",
            "visibility": "netwerk",
            "ids": "{b_signal}",
        },
    ),
    Case(
        "meetings.edit", "/overleg/{b_meeting}/bewerken", {"title": "Ander", "held_on": "{today}"}
    ),
    Case(
        "meetings.compose", "/overleg/{b_meeting}/agenda-samenstellen", {"signal_ids": "{b_other}"}
    ),
    Case("meetings.add_item", "/overleg/{b_meeting}/punten", {"free-title": "Extra punt"}),
    Case("meetings.move_item", "/overleg/{b_meeting}/punten/{b_item}/omlaag"),
    Case(
        "meetings.outcome",
        "/overleg/{b_meeting}/punten/{b_item}/uitkomst",
        {"discussion": "Besproken met UWV"},
    ),
    Case("meetings.remove_item", "/overleg/{b_meeting}/punten/{b_last_item}/verwijderen"),
    Case("meetings.complete", "/overleg/afspraken/{b_agreement}/klaar"),
    Case(
        "meetings.reopen",
        "/overleg/afspraken/{b_done_agreement}/heropenen",
    ),
    Case("meetings.delete_agreement", "/overleg/afspraken/{b_agreement}/verwijderen"),
    Case(
        "meetings.edit_agreement",
        "/overleg/afspraken/{b_agreement}/wijzigen",
        {**AGREEMENT, "agreement_description": "Iets anders"},
    ),
    Case(
        "meetings.close_signal",
        "/overleg/knelpunten/{b_signal}/afsluiten",
        {"status": "opgelost", "reason": "Opgelost na het overleg"},
    ),
    Case(
        "referrals.record_outcome",
        "/doorverwijzingen/{b_referral}/uitkomst",
        {"outcome": "bereikt_geholpen"},
    ),
    Case("referrals.change_follow_up", "/doorverwijzingen/{b_referral}/opvolgdatum", {}),
    Case(
        "digests.edit",
        "/rapportages/{b_draft}/bewerken",
        {"title": "Andere titel", "introduction": "Anders"},
    ),
    Case("digests.refresh", "/rapportages/{b_draft}/cijfers"),
    Case("digests.publish", "/rapportages/{b_draft}/publiceren", {"bevestigd": "1"}),
    Case("digests.delete", "/rapportages/{b_draft}/verwijderen", {"bevestigd": "1"}),
    Case("digests.correct", "/rapportages/{b_published}/correctie"),
    Case(
        "articles.edit",
        "/artikelen/{b_article}/bewerken",
        {"title": "Andere titel", "body": "Andere tekst", "visibility": "netwerk"},
    ),
    Case("api_tokens.revoke", "/beheer/api-tokens/{b_token}/intrekken", {"bevestigd": "1"}),
    Case(
        "api_tokens.index",
        "/beheer/api-tokens/",
        {"name": "Sleutel", "scope": "read", "organisation": "{b_org}"},
    ),
    Case(
        "admin.user_edit",
        "/beheer/gebruikers/{b_user}",
        {"name": "Andere naam", "role": "vrijwilliger", "organisation": "{b_org}", "active": "y"},
    ),
    Case("admin.user_reset_password", "/beheer/gebruikers/{b_user}/wachtwoord"),
    Case(
        "admin.user_new",
        "/beheer/gebruikers/nieuw",
        {
            "name": "Nieuw",
            "email": "nieuw@example.org",
            "role": "vrijwilliger",
            "organisation": "{b_org}",
        },
    ),
    Case(
        "admin.organisation_edit",
        "/beheer/organisaties/{b_org}",
        {"name": "Andere naam", "active": "y"},
        owner="administrator",
    ),
    Case(
        "admin.organisation_new",
        "/beheer/organisaties/nieuw",
        {"name": "Nieuwe organisatie"},
        owner="administrator",
    ),
    Case(
        "taxonomy.edit",
        "/beheer/indeling/thema/nieuw",
        {"name": "Nieuw thema", "active": "y"},
        owner="administrator",
    ),
    Case(
        "taxonomy.edit",
        "/beheer/indeling/thema/{theme}",
        {"name": "Hernoemd thema", "active": "y"},
        owner="administrator",
    ),
    Case(
        "api.signals_report",
        "/api/v1/signals/{b_internal}/reports",
        {"aantal_meldingen": 1},
        api=True,
    ),
]


def write_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.methods & WRITE_METHODS and rule.endpoint != "static"
    }


def test_every_write_route_is_covered(app):
    covered = {case.endpoint for case in CASES}
    missing = write_endpoints(app) - covered - NOT_OWNED.keys()
    assert not missing, (
        "New write routes without an owner check in tests/web/test_ownership.py: "
        f"{sorted(missing)}. Add a case to CASES, or to NOT_OWNED with the reason."
    )
    assert not covered & NOT_OWNED.keys()
    assert (covered | NOT_OWNED.keys()) <= write_endpoints(app), "stale entries"


def test_api_write_operations_are_covered(app):
    """Every write operation of the OpenAPI description is a route above."""
    from signalen.api import current_spec

    spec = current_spec()
    operations = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method.upper() in WRITE_METHODS
    }
    assert operations, "the API has write operations"
    rules = {
        (method, _shape(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods & WRITE_METHODS
    }
    for method, path in operations:
        full = path if path.startswith("/api/") else "/api/v1" + path
        assert (method, _shape(full)) in rules, f"{method} {path} is not a known write route"


def _shape(path: str) -> str:
    """A path with every variable part as ``*`` (Flask ``<x>`` and OpenAPI ``{x}``)."""
    return "/".join("*" if part[:1] in "<{" else part for part in path.split("/"))


# The world: organisation A (the actor) and B (the owner) with one of everything ------------


@pytest.fixture
def world(app, make_user, make_organisation, make_signal, taxonomy):
    org_a, org_b = make_organisation("Organisatie A"), make_organisation("Organisatie B")
    coordinator_a = make_user(Role.COORDINATOR, organisation=org_a)
    coordinator_b = make_user(Role.COORDINATOR, organisation=org_b)
    volunteer_b = make_user(Role.VOLUNTEER, organisation=org_b)
    administrator = make_user(Role.ADMINISTRATOR)
    a_internal = make_signal(
        title="Intern knelpunt van A", user=coordinator_a, visibility=Visibility.INTERNAL
    )
    a_network = make_signal(title="Netwerkknelpunt van A", user=coordinator_a)
    b_signal = make_signal(title="Netwerkknelpunt van B", user=volunteer_b)
    b_other = make_signal(title="Ander knelpunt van B", user=volunteer_b)
    b_public = make_signal(
        title="Openbaar knelpunt van B", user=volunteer_b, visibility=Visibility.PUBLIC
    )
    b_internal = make_signal(
        title="Intern knelpunt van B", user=volunteer_b, visibility=Visibility.INTERNAL
    )
    meeting = meetings.create_meeting(
        meetings.MeetingInput(title="Overleg van B", held_on=local_today()), coordinator_b
    )
    meetings.add_signals(meeting, [b_signal.id], coordinator_b)
    item = meetings.add_free_item(meeting, "Vrij punt", "", coordinator_b)
    last_item = meetings.add_free_item(meeting, "Laatste punt", "", coordinator_b)
    agreement = meetings.add_agreement(
        item, meetings.AgreementInput("Bellen", "UWV"), coordinator_b
    )
    done = meetings.add_agreement(item, meetings.AgreementInput("Mailen", "SVB"), coordinator_b)
    meetings.complete_agreement(done, coordinator_b)
    service = Service(
        organization=Organization(name="Bezwaarhulp"), name="Bezwaar", status="active"
    )
    db.session.add(service)
    db.session.commit()
    referral = referrals.create_referral(
        referrals.ReferralInput(
            service_id=service.id,
            reason="Hulp bij bezwaar.",
            follow_up_on=local_today() + timedelta(days=7),
        ),
        volunteer_b,
    )
    last_month = local_today().replace(day=1) - timedelta(days=1)
    period = periods.Period(last_month.replace(day=1), last_month, "")
    draft = digests.create_digest(period, coordinator_b, "Concept van B")
    published = digests.publish(
        digests.create_digest(period, coordinator_b, "Van B"), coordinator_b
    )
    article = articles.save_article(
        articles.ArticleInput(title="Artikel van B", body="Tekst", published=True), coordinator_b
    )
    b_token, _text = api_services.create_token(org_b, Scope.READ, "Sleutel van B")
    _row, a_key = api_services.create_token(org_a, Scope.WRITE, "Sleutel van A")
    _row, b_key = api_services.create_token(org_b, Scope.WRITE, "Sleutel van B (schrijven)")
    theme = db.session.scalar(select(Theme).order_by(Theme.id))
    return {
        "ids": {
            "a_internal": a_internal.id,
            "a_network": a_network.id,
            "b_signal": b_signal.id,
            "b_other": b_other.id,
            "b_public": b_public.id,
            "b_internal": b_internal.id,
            "b_meeting": meeting.id,
            "b_item": item.id,
            "b_last_item": last_item.id,
            "b_agreement": agreement.id,
            "b_done_agreement": done.id,
            "b_referral": referral.id,
            "b_draft": draft.id,
            "b_published": published.id,
            "b_article": article.id,
            "b_token": b_token.id,
            "b_org": org_b.id,
            "b_user": volunteer_b.id,
            "theme": theme.id,
            "today": local_today().strftime("%d-%m-%Y"),
        },
        "users": {
            "coordinator_a": coordinator_a,
            "coordinator_b": coordinator_b,
            "administrator": administrator,
        },
        "keys": {"coordinator_a": a_key, "coordinator_b": b_key, "administrator": b_key},
    }


def snapshot() -> dict[str, list]:
    """Every row of every table (the audit log aside), in a comparable form."""
    db.session.expire_all()
    rows = {}
    for table in db.metadata.sorted_tables:
        if table.name in IGNORED_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in IGNORED_COLUMNS]
        query = select(*columns)
        rows[table.name] = sorted(repr(tuple(row)) for row in db.session.execute(query))
    return rows


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    return value


def _client(app, case: Case, world: dict, who: str):
    """A test client acting as ``who``: logged in (the web), or with an API key."""
    client = app.test_client()
    if case.api:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {world['keys'][who]}"
        return client
    user = world["users"][who]
    login = {"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post("/inloggen", data=login).status_code == 302
    return client


def _post(client, case: Case, path: str, data: dict):
    if case.api:
        return client.post(path, json=data)
    return client.post(path, data={"csrf_token": csrf_token(client, "/"), **data})


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_no_write_across_organisations(app, world, case: Case):
    ids = world["ids"]
    attacker = _client(app, case, world, "coordinator_a")
    owner = _client(app, case, world, case.owner)
    before = snapshot()
    data = {key: _fill(value, ids) for key, value in case.data.items()}
    response = _post(attacker, case, case.path.format(**ids), data)
    assert response.status_code < 500
    after = snapshot()
    changed = {name for name in before if before[name] != after[name]}
    assert not changed, f"{case.endpoint} by another organisation changed {sorted(changed)}"

    # The owner's same request does change something: the case's data is real.
    control_path = (case.control_path or case.path).format(**ids)
    control_data = {
        key: _fill(value, ids) for key, value in (case.control_data or case.data).items()
    }
    response = _post(owner, case, control_path, control_data)
    assert response.status_code < 400, response.get_data(as_text=True)[:500]
    assert snapshot() != after, f"the owner's {case.endpoint} request changed nothing"


def test_cases_have_unique_ids():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
