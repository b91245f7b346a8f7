"""The menu and start page per role, and the feeds page, through the real app."""

from __future__ import annotations

import re

import feedparser
import pytest

from signalen.auth.models import Role
from signalen.home import navigation
from signalen.signals import services as signal_services
from signalen.signals.models import Visibility
from tests.conftest import login

MENU_LINK = re.compile(r'<nav id="hoofdmenu".*?</nav>', re.S)


def menu_html(client, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = MENU_LINK.search(page)
    assert match, "no main menu"
    return match.group(0)


def labels(menu: str) -> set[str]:
    return set(re.findall(r'<a href="[^"]*"(?: aria-current="page")?>([^<]+)</a>', menu))


COMMON = {
    "Start",
    "Informatiebank",
    "Sociale kaart",
    "Rapportages",
    "Overzicht",
    "Kennisartikelen",
    "Signaalradar",
}
REPORTING = {"Knelpunt melden", "Mijn meldingen", "Doorverwijzingen", "Overleg"}
QUEUES = {"Te controleren", "Wijzigingen", "Open afspraken", "Doorverwijzingen opvolgen"}
ACCOUNT = {"Mijn zoekopdrachten", "Meldingen"}
EXPECTED = {
    None: COMMON | {"Feeds"},
    Role.VOLUNTEER: COMMON | REPORTING | ACCOUNT,
    Role.READER: COMMON | {"Doorverwijzingen", "Overleg", "Feeds"} | ACCOUNT,
    Role.COORDINATOR: COMMON | REPORTING | {"Beheer"} | QUEUES | ACCOUNT,
    Role.ADMINISTRATOR: COMMON | REPORTING | {"Beheer"} | QUEUES | ACCOUNT,
}


@pytest.mark.parametrize("role", list(EXPECTED), ids=lambda r: r.value if r else "bezoeker")
def test_every_role_gets_its_own_menu_and_every_link_works(client, make_user, role):
    if role is not None:
        login(client, make_user(role))
    menu = menu_html(client)
    assert labels(menu) == EXPECTED[role]
    for url in re.findall(r'<a href="([^"]+)"', menu):
        assert client.get(url).status_code == 200, url


def test_the_current_page_is_marked_once_and_the_most_specific_entry_wins(client, login_as):
    login_as(Role.COORDINATOR)
    menu = menu_html(client, "/sociale-kaart/te-controleren")
    assert menu.count('aria-current="page"') == 1
    assert 'aria-current="page">Te controleren<' in menu
    menu = menu_html(client, "/sociale-kaart/wijzigingen")
    assert 'aria-current="page">Wijzigingen<' in menu
    # A page without an entry of its own marks the entry of its section.
    menu = menu_html(client, "/beheer/gebruikers")
    assert 'aria-current="page">Beheer<' in menu


def test_menu_entries_of_features_that_are_not_there_are_skipped(app, client, monkeypatch):
    extra = (
        navigation.MenuEntry("nog.niet_gebouwd", "Toekomst", navigation.EVERYONE),
        navigation.MenuEntry("health.healthz", "Gezondheid", navigation.EVERYONE),
    )
    monkeypatch.setattr(navigation, "MENU", navigation.MENU + extra)
    found = labels(menu_html(client))
    assert "Gezondheid" in found  # one line adds a registered feature
    assert "Toekomst" not in found  # an endpoint that is not registered is skipped


def test_without_javascript_the_menu_is_shown_and_the_button_hidden(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<button[^>]*data-menu-button[^>]*aria-expanded="true"[^>]*hidden', page)
    assert 'aria-controls="hoofdmenu"' in page
    assert '<nav id="hoofdmenu" class="site-nav"' in page
    assert "js/menu.js" in page


def test_the_coordinators_start_page_counts_the_days_work(client, make_user, make_signal):
    coordinator = make_user(Role.COORDINATOR)
    volunteer = make_user(Role.VOLUNTEER, organisation=coordinator.organisation)
    make_signal(user=volunteer)
    make_signal(user=volunteer, title="Bijstand te laat betaald")
    make_signal()  # another organisation's signal is not this coordinator's work
    login(client, coordinator)
    page = client.get("/").get_data(as_text=True)
    assert '<p class="card-count has-work">2 nieuw</p>' in page
    assert '<p class="card-count">0 te controleren</p>' in page
    for title in ("Te controleren", "Wijzigingen", "Open afspraken", "Overleg", "Rapportages"):
        assert f">{title}</a></h2>" in page


@pytest.mark.parametrize(
    ("role", "cards", "not_cards"),
    [
        (None, ["Sociale kaart", "Openbare knelpunten", "Rapportages", "Feeds"], ["Overleg"]),
        (Role.VOLUNTEER, ["Knelpunt melden", "Sociale kaart", "Doorverwijzen"], ["Wijzigingen"]),
        (Role.READER, ["Informatiebank", "Sociale kaart", "Overleg"], ["Knelpunt melden"]),
        (Role.ADMINISTRATOR, ["Organisaties", "Logboek", "Gebruikers"], ["Doorverwijzen"]),
    ],
    ids=["bezoeker", "vrijwilliger", "lezer", "beheerder"],
)
def test_start_page_cards_per_role(client, make_user, role, cards, not_cards):
    if role is not None:
        login(client, make_user(role))
    page = client.get("/").get_data(as_text=True)
    headings = set(re.findall(r'<h2><a href="[^"]+">([^<]+)</a></h2>', page))
    assert set(cards) <= headings
    assert not set(not_cards) & headings


def test_the_feeds_page_lists_copyable_addresses(client, taxonomy):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/feeds"' in page  # in the footer
    page = client.get("/feeds").get_data(as_text=True)
    assert "Met een feed ziet u wat er nieuw is" in page
    assert 'readonly value="http://localhost/feeds/digests.atom"' in page
    assert 'readonly value="http://localhost/zoeken.rss?q=toeslag"' in page
    assert 'data-copy="feed-digests-atom" hidden' in page
    theme = taxonomy.themes["betaling"].id
    chosen = client.get(f"/feeds?thema={theme}&gemeente=0344").get_data(as_text=True)
    assert f'value="http://localhost/feeds/thema/{theme}.atom"' in chosen
    assert 'value="http://localhost/feeds/gemeente/GM0344.rss"' in chosen


@pytest.mark.parametrize(
    "query",
    [
        "thema=abc",
        "thema=99999999999999999999",
        "uitvoerder=-1",
        "gemeente=%3Cscript%3E",
        "gemeente=" + "9" * 500,
    ],
)
def test_the_feeds_page_ignores_hostile_choices(client, taxonomy, query):
    response = client.get(f"/feeds?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_a_gemeente_feed_works_with_the_cbs_code_without_gm(
    client, taxonomy, make_signal, make_user
):
    signal = make_signal(visibility=Visibility.PUBLIC, municipality="Utrecht")
    signal_services.approve_public(
        signal, make_user(Role.COORDINATOR, organisation=signal.organisation)
    )
    for code in ("0344", "GM0344", "gm0344", "344"):
        response = client.get(f"/feeds/gemeente/{code}.atom")
        assert response.status_code == 200, code
        parsed = feedparser.parse(response.data)
        assert not parsed.bozo
        assert [entry.title for entry in parsed.entries] == [signal.title]
    assert client.get("/feeds/gemeente/9999.atom").status_code == 404


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feeds_carry_a_readable_stylesheet_and_stay_valid(client, fmt):
    response = client.get(f"/feeds/digests.{fmt}")
    body = response.get_data(as_text=True)
    assert body.startswith("<?xml version='1.0' encoding='UTF-8'?>\n")
    assert f'<?xml-stylesheet type="text/xsl" href="/static/feeds/{fmt}.xsl"?>' in body
    assert not feedparser.parse(response.data).bozo
    stylesheet = client.get(f"/static/feeds/{fmt}.xsl")
    assert stylesheet.status_code == 200
    assert b"<script" not in stylesheet.data
    assert b"xsl:stylesheet" in stylesheet.data


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_the_stylesheet_turns_a_feed_into_a_readable_page(client, fmt, tmp_path):
    """Firefox applies the stylesheet (Chromium 156 shows feeds as text): run it with lxml."""
    etree = pytest.importorskip("lxml.etree")
    for name in (f"{fmt}.xsl", "feed-page.xsl"):
        (tmp_path / name).write_bytes(client.get(f"/static/feeds/{name}").data)
    transform = etree.XSLT(etree.parse(str(tmp_path / f"{fmt}.xsl")))
    feed = etree.fromstring(client.get(f"/feeds/digests.{fmt}").data)
    page = str(transform(feed))
    assert "<h1>Signalen: signaleringsrapportages</h1>" in page
    assert 'value="http://localhost/feeds/digests.' + fmt + '"' in page
    assert "<script" not in page


def test_the_public_does_not_see_who_may_see_a_public_signal(client, make_signal, make_user):
    signal = make_signal(visibility=Visibility.PUBLIC)
    coordinator = make_user(Role.COORDINATOR, organisation=signal.organisation)
    signal_services.approve_public(signal, coordinator)
    page = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    assert signal.title in page
    assert "Zichtbaar voor" not in page
    login(client, coordinator)
    assert "Zichtbaar voor" in client.get(f"/signalen/{signal.id}").get_data(as_text=True)


def test_e_mail_fields_of_the_sociale_kaart_are_type_email(app):
    from signalen.directory import forms

    with app.test_request_context():
        form = forms.ChangeRequestForm(meta={"csrf": False})
        assert 'type="email"' in str(form.reporter_email())
