"""Sociale kaart: browse and search, pages, map, verification, change requests, reminders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.demo.directory import seed_demo_directory
from signalen.directory import browse as browse_module
from signalen.directory import hours
from signalen.directory.browse import DirectoryFilters, browse, filtered_services
from signalen.directory.hours import weekly_hours
from signalen.directory.models import ChangeRequest, Metadata, Schedule, Service
from signalen.directory.services.catalogue import update_service
from signalen.directory.services.history import service_history
from signalen.directory.services.review import is_due_soon, is_overdue, next_review_date
from signalen.extensions import db
from signalen.taxonomy.models import Municipality, Theme
from tests.conftest import csrf_token, post_form


@pytest.fixture
def directory(app, taxonomy):
    assert seed_demo_directory() == 9
    return {s.name: s for s in db.session.scalars(select(Service))}


def names(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<h3><a href="/sociale-kaart/dienst/[^"]+">([^<]+)</a></h3>', html)


def theme_id(name: str) -> int:
    return db.session.scalar(select(Theme.id).where(Theme.name == name, Theme.parent_id.is_(None)))


def municipality_id(name: str) -> int:
    return db.session.scalar(select(Municipality.id).where(Municipality.name == name))


# Seed, review dates, opening hours -----------------------------------------------------------


def test_seed_runs_once(directory):
    assert seed_demo_directory() == 0
    assert db.session.scalar(select(func.count()).select_from(Service)) == 9


def test_review_dates():
    service = Service(name="x", assured_date=date(2026, 8, 31), review_interval_months=6)
    assert next_review_date(service) == date(2027, 2, 28)
    assert not is_overdue(service, date(2027, 2, 28))
    assert is_overdue(service, date(2027, 3, 1))
    assert is_due_soon(service, date(2027, 2, 1))
    assert not is_due_soon(service, date(2026, 12, 1))
    never = Service(name="y", assured_date=None, review_interval_months=6)
    assert next_review_date(never) is None and is_overdue(never, local_today())


def test_is_open_now_uses_dutch_time(app):
    service = Service(name="x", status="active")
    service.schedules = [
        Schedule(byday="MO,WE", freq="WEEKLY", opens_at=time(9), closes_at=time(12, 30))
    ]
    # Monday 23 November 2026 (winter time, UTC+1): 09:30 in Amsterdam is 08:30 UTC.
    assert hours.is_open_now(service, datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    assert not hours.is_open_now(service, datetime(2026, 11, 23, 7, 59, tzinfo=UTC))
    assert not hours.is_open_now(service, datetime(2026, 11, 23, 11, 30, tzinfo=UTC))
    assert not hours.is_open_now(service, datetime(2026, 11, 24, 8, 30, tzinfo=UTC))
    # Monday 22 June 2026 (summer time, UTC+2): 08:30 UTC is 10:30 there, 07:30 UTC is 09:30,
    # and 10:45 UTC is 12:45, after closing.
    assert hours.is_open_now(service, datetime(2026, 6, 22, 7, 30, tzinfo=UTC))
    assert not hours.is_open_now(service, datetime(2026, 6, 22, 6, 59, tzinfo=UTC))
    assert not hours.is_open_now(service, datetime(2026, 6, 22, 10, 45, tzinfo=UTC))
    # Sunday 23:30 UTC is already Monday 00:30 in Amsterdam; 8:00 UTC on a Tuesday is not.
    late = Schedule(byday="MO", freq="WEEKLY", opens_at=time(0), closes_at=time(1))
    service.schedules = [late]
    assert hours.is_open_now(service, datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    assert not hours.is_open_now(service, datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    service.schedules = [
        Schedule(byday="MO,WE", freq="WEEKLY", opens_at=time(9), closes_at=time(12, 30))
    ]
    service.status = "temporarily closed"
    assert not hours.is_open_now(service, datetime(2026, 11, 23, 8, 30, tzinfo=UTC))


def test_open_now_follows_validity_and_monthly_rules(app):
    monday_morning = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
    weekly = Schedule(freq="WEEKLY", byday="MO", opens_at=time(9), closes_at=time(12))
    assert hours.schedule_is_open(weekly, monday_morning)
    weekly.valid_to = date(2026, 11, 22)
    assert not hours.schedule_is_open(weekly, monday_morning)  # ended the day before
    weekly.valid_to, weekly.valid_from = None, date(2026, 11, 24)
    assert not hours.schedule_is_open(weekly, monday_morning)  # starts the day after
    # Every other week: without a start date nobody can say which weeks, so never "open now".
    fortnightly = Schedule(
        freq="WEEKLY", interval=2, byday="MO", opens_at=time(9), closes_at=time(12)
    )
    assert not hours.schedule_is_open(fortnightly, monday_morning)
    assert hours.schedule_days(fortnightly) == "maandag, om de week"
    # Counted from valid_from (a Wednesday two weeks before): this Monday's week counts.
    fortnightly.valid_from = date(2026, 11, 11)
    assert hours.schedule_is_open(fortnightly, monday_morning)
    assert not hours.schedule_is_open(fortnightly, monday_morning - timedelta(days=7))
    assert not hours.schedule_is_open(fortnightly, monday_morning + timedelta(days=7))
    assert hours.schedule_is_open(fortnightly, monday_morning + timedelta(days=14))
    assert hours.schedule_days(fortnightly) == "maandag, om de week vanaf 11 november 2026"
    every_third_month = Schedule(
        freq="MONTHLY",
        interval=3,
        byday="1MO",
        valid_from=date(2026, 8, 1),
        opens_at=time(9),
        closes_at=time(12),
    )
    assert hours.schedule_is_open(every_third_month, datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    assert not hours.schedule_is_open(every_third_month, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert hours.schedule_days(every_third_month) == (
        "elke eerste maandag van de maand, elke 3 maanden vanaf 1 augustus 2026"
    )

    first_monday = Schedule(freq="MONTHLY", byday="1MO", opens_at=time(9), closes_at=time(12))
    last_friday = Schedule(freq="MONTHLY", byday="-1FR", opens_at=time(9), closes_at=time(12))
    fifteenth = Schedule(freq="MONTHLY", bymonthday="15", opens_at=time(9), closes_at=time(12))
    # November 2026: Monday the 2nd is the first Monday, Friday the 27th the last Friday.
    assert hours.schedule_is_open(first_monday, datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    assert not hours.schedule_is_open(first_monday, datetime(2026, 11, 9, 9, 0, tzinfo=UTC))
    assert hours.schedule_is_open(last_friday, datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    assert not hours.schedule_is_open(last_friday, datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert hours.schedule_is_open(fifteenth, datetime(2026, 11, 15, 9, 0, tzinfo=UTC))
    assert not hours.schedule_is_open(fifteenth, datetime(2026, 11, 16, 9, 0, tzinfo=UTC))

    assert hours.schedule_days(first_monday) == "elke eerste maandag van de maand"
    assert hours.schedule_days(last_friday) == "elke laatste vrijdag van de maand"
    assert hours.schedule_days(fifteenth) == "dag 15 van de maand"
    first_and_last = Schedule(freq="MONTHLY", bymonthday="1,-1,-3", opens_at=time(9))
    assert hours.schedule_days(first_and_last) == (
        "dag 1 van de maand, de laatste dag van de maand, dag 3 vanaf het einde van de maand"
    )
    assert hours.schedule_days(Schedule(freq="WEEKLY", byday="MO,TU,WE,TH,FR")) == (
        "maandag tot en met vrijdag"
    )
    assert hours.schedule_days(Schedule(freq="WEEKLY", byday="")) == "volgens afspraak"
    summer = Schedule(freq="WEEKLY", byday="SA", valid_to=date(2026, 8, 31))
    assert hours.schedule_days(summer) == "zaterdag (tot en met 31 augustus 2026)"
    assert hours.is_current(summer, date(2026, 8, 31))
    assert not hours.is_current(summer, date(2026, 9, 1))


def test_ended_opening_hours_are_not_shown(client, directory):
    service = directory["Voedselpakket"]
    service.schedules = [
        Schedule(freq="WEEKLY", byday="SA", opens_at=time(10), closes_at=time(12),
                 valid_to=date(2001, 1, 1)),
        Schedule(freq="WEEKLY", byday="TU", opens_at=time(10), closes_at=time(12)),
    ]  # fmt: skip
    db.session.commit()
    html = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert "dinsdag: 10:00–12:00" in html and "zaterdag" not in html


# Browse and search -------------------------------------------------------------------------


def test_public_list_with_filters(client, directory):
    response = client.get("/sociale-kaart")
    assert response.status_code == 200
    assert len(names(response)) == 9
    assert "Laatst gecontroleerd op" in response.get_data(as_text=True)

    schulden = names(client.get(f"/sociale-kaart?thema={theme_id('Schulden')}"))
    assert sorted(schulden) == ["Maatje bij geldzorgen", "Thuisadministratie", "Voedselpakket"]

    # Landelijk and provincie Utrecht count for every gemeente in Utrecht.
    utrecht = names(client.get(f"/sociale-kaart?gemeente={municipality_id('Utrecht')}"))
    assert sorted(utrecht) == [
        "Gratis juridisch advies",
        "Hulp bij formulieren en DigiD",
        "Maatje bij geldzorgen",
        "Onafhankelijke cliëntondersteuning",
        "Spreekuur sociaal raadslieden",
        "Vragen over uw uitkering",
    ]
    zeist = names(client.get(f"/sociale-kaart?gemeente={municipality_id('Zeist')}"))
    assert "Hulp bij formulieren en DigiD" in zeist and "Maatje bij geldzorgen" not in zeist

    young = names(client.get("/sociale-kaart?leeftijd=16"))
    assert "Voedselpakket" not in young and "Spreekuur sociaal raadslieden" in young

    arabic = names(client.get("/sociale-kaart?taal=ar"))
    assert sorted(arabic) == ["Gratis juridisch advies", "Spreekuur sociaal raadslieden"]

    found = names(client.get("/sociale-kaart?q=voedselpakket"))
    assert found[0] == "Voedselpakket"
    assert names(client.get("/sociale-kaart?q=digid")) == ["Hulp bij formulieren en DigiD"]


def test_free_text_uses_the_search_service_of_the_informatiebank(client, directory):
    from signalen.search import services as search
    from signalen.search.documents import SearchQuery

    # Services are documents of kind "service" in the one index, with its Dutch analysis:
    # stemming (formulier finds formulieren) and accent folding (clientondersteuning).
    result = search.search(SearchQuery(text="formulier", kinds=["service"]), None)
    assert result.total >= 1 and result.hits[0].kind == "service"
    found = names(client.get("/sociale-kaart?q=formulier"))
    assert found[0] == "Hulp bij formulieren en DigiD"  # in the name: best
    assert "Sociaal raadslieden Amersfoort" in found  # "Hulp bij formulieren" in the text
    assert "Onafhankelijke cliëntondersteuning" in names(
        client.get("/sociale-kaart?q=clientondersteuning")
    )
    # Free text and filters together: Utrecht only, about debts.
    utrecht = municipality_id("Utrecht")
    assert names(client.get(f"/sociale-kaart?q=schulden&gemeente={utrecht}")) == [
        "Maatje bij geldzorgen"
    ]
    # An edit is found at once (indexed after the commit).
    update_service(
        directory["Voedselpakket"], {"description": "Ook babyvoeding."}, "coordinator@example.org"
    )
    assert names(client.get("/sociale-kaart?q=babyvoeding")) == ["Voedselpakket"]


def test_search_failure_is_a_message_not_an_error(client, directory, monkeypatch):
    from signalen.search import services as search
    from signalen.search.documents import IndexUnavailable

    def unavailable():
        raise IndexUnavailable("rebuilding")

    monkeypatch.setattr(search, "_ready_extension", unavailable)
    response = client.get("/sociale-kaart?q=voedselpakket")
    assert response.status_code == 200
    assert "Zoeken lukt nu niet. Probeer het later opnieuw." in response.get_data(as_text=True)
    assert len(names(client.get("/sociale-kaart"))) == 9  # without words, the list still works
    hsds = client.get("/hsds/services?search=voedselpakket")
    assert hsds.status_code == 400 and hsds.get_json()["detail"]


def test_open_now_filter(app, directory):
    filters = DirectoryFilters.from_args(_args(nu_open="1"))
    # Friday 27 November 2026, 14:00 in Amsterdam.
    friday = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    found, error = filtered_services(filters, at=friday)
    assert error == ""
    open_names = {service.name for service in found}
    assert "Voedselpakket" in open_names  # FR 13:00–16:00
    assert "Maatje bij geldzorgen" not in open_names  # TU, TH only
    assert "Thuisadministratie" not in open_names  # temporarily closed
    sunday = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)
    assert filtered_services(filters, at=sunday)[0] == []


def _args(**values):
    from werkzeug.datastructures import MultiDict

    return MultiDict(values)


def test_pagination(app, directory):
    with app.test_request_context("/sociale-kaart"):
        first = browse(DirectoryFilters.from_args(_args()), per_page=4)
        third = browse(DirectoryFilters.from_args(_args(pagina="3")), per_page=4)
    assert first.total == 9 and first.pagination.pages == 3 and len(first.services) == 4
    assert len(third.services) == 1


def test_bad_filters_give_a_message_not_an_error(client, directory):
    response = client.get("/sociale-kaart?leeftijd=oud&gemeente=x&thema=y&taal=%3Cb%3E")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vul een leeftijd in jaren in" in html and "Deze gemeente bestaat niet." in html
    assert len(names(response)) == 9
    assert client.get("/sociale-kaart?gemeente=999999").status_code == 200
    assert client.get("/sociale-kaart?q=" + "x" * 300).status_code == 200


def test_directory_can_be_private(app_factory, taxonomy):
    app = app_factory(DIRECTORY_PUBLIC=False)
    client = app.test_client()
    response = client.get("/sociale-kaart")
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
    assert client.get("/hsds/services").status_code == 401


def test_services_stay_out_of_the_informatiebank(client, directory, login_as):
    login_as(Role.ADMINISTRATOR)
    html = client.get("/zoeken?q=voedselpakket").get_data(as_text=True)
    assert "Voedselpakket" not in html
    assert "0 resultaten" in html


def test_service_and_organisation_pages(client, directory):
    service = directory["Spreekuur sociaal raadslieden"]
    html = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert "Laatst gecontroleerd op" in html
    assert "Zamenhofdreef 5, 3562 JT Utrecht" in html
    assert "maandag, woensdag: 09:00–12:30" in html
    assert "Meld een wijziging" in html
    assert "Geschiedenis" not in html  # only for coordinators
    html = client.get(f"/sociale-kaart/organisatie/{service.organization_id}").get_data(
        as_text=True
    )
    assert "Spreekuur sociaal raadslieden" in html and "030 240 5060" in html
    assert "donderdag: 13:30–17:00" in html
    assert client.get("/sociale-kaart/dienst/geen-uuid").status_code == 404
    assert client.get("/sociale-kaart/organisatie/geen-uuid").status_code == 404


def test_map_is_off_without_a_tile_server(client, directory):
    response = client.get("/sociale-kaart")
    html = response.get_data(as_text=True)
    assert "leaflet" not in html
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]


def test_map_with_a_tile_server(app_factory, taxonomy):
    app = app_factory(
        MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png", MAP_ATTRIBUTION="© OSM"
    )
    client = app.test_client()
    with app.app_context():
        seed_demo_directory()
    response = client.get("/sociale-kaart")
    html = response.get_data(as_text=True)
    assert "/static/vendor/leaflet/leaflet.js" in html and 'id="directory-map"' in html
    assert "https://tiles.example.org" in response.headers["Content-Security-Policy"]
    data = client.get("/sociale-kaart/kaart.json?taal=ar").get_json()
    assert data["tile_url"].startswith("https://tiles.example.org/")
    assert {p["name"] for p in data["points"]} == {
        "Juridisch Loket Utrecht",
        "Juridisch Loket Rotterdam",
        "Wijkinformatiepunt Overvecht",
    }
    assert all(-90 <= p["lat"] <= 90 for p in data["points"])
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200


# Verification and history ------------------------------------------------------------------


def test_review_list_for_coordinators_only(client, directory, login_as):
    assert client.get("/sociale-kaart/te-controleren").status_code == 302
    login_as(Role.VOLUNTEER)
    assert client.get("/sociale-kaart/te-controleren").status_code == 403


def test_review_list_order(client, directory, login_as):
    login_as(Role.COORDINATOR)
    html = client.get("/sociale-kaart/te-controleren").get_data(as_text=True)
    overdue, soon = html.split('id="soon-title"')
    order = [
        "Sociaal raadslieden Amersfoort",  # never checked
        "Voedselpakket",  # 400 days ago
        "Maatje bij geldzorgen",  # 240 days ago
    ]
    positions = [overdue.index(name) for name in order]
    assert positions == sorted(positions)
    assert "Spreekuur sociaal raadslieden" in soon and "Thuisadministratie" in soon
    assert "Gratis juridisch advies" not in html


def test_verify_sets_date_and_who_and_history(client, directory, login_as):
    coordinator = login_as(Role.COORDINATOR)
    service = directory["Voedselpakket"]
    old_date = service.assured_date
    response = post_form(
        client,
        f"/sociale-kaart/dienst/{service.id}/gecontroleerd",
        {"next": "review"},
        token_from="/sociale-kaart/te-controleren",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("te-controleren")
    db.session.refresh(service)
    assert service.assured_date == local_today()
    assert service.assurer_email == coordinator.email
    entry = db.session.scalars(
        select(Metadata).where(
            Metadata.resource_id == service.id, Metadata.field_name == "assured_date"
        )
    ).one()
    assert entry.previous_value == old_date.isoformat()
    assert entry.replacement_value == local_today().isoformat()
    assert entry.updated_by == coordinator.email
    html = client.get("/sociale-kaart/te-controleren").get_data(as_text=True)
    assert "Voedselpakket is gemarkeerd als gecontroleerd." in html
    assert ">Voedselpakket</a></td>" not in html
    page = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert "Geschiedenis" in page and coordinator.email in page


def test_verify_needs_csrf(client, directory, login_as):
    login_as(Role.COORDINATOR)
    service = directory["Voedselpakket"]
    assert client.post(f"/sociale-kaart/dienst/{service.id}/gecontroleerd").status_code == 400


class FormReader(HTMLParser):
    """What a browser would send for the forms on a page: (name, value) pairs of inputs
    (checkboxes and radios only when checked), selected options and textareas."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.pairs.append((name, attrs.get("value") or ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.pairs.append((self._select, attrs.get("value") or ""))
        elif tag == "textarea":
            self._textarea = name
            self.pairs.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, value = self.pairs[-1]
            self.pairs[-1] = (name, value + data)


def form_data(html: str, **changes) -> MultiDict:
    """The form on ``html`` as the browser submits it, with ``changes`` (a list: several)."""
    reader = FormReader()
    reader.feed(html)
    data = MultiDict(reader.pairs)
    for name, value in changes.items():
        data.setlist(name, value if isinstance(value, list) else [value])
    return data


def test_edit_records_field_history(client, directory, login_as):
    coordinator = login_as(Role.COORDINATOR)
    service = directory["Maatje bij geldzorgen"]
    path = f"/sociale-kaart/dienst/{service.id}/bewerken"
    page = client.get(path).get_data(as_text=True)
    assert "Maatje bij geldzorgen" in page
    bad = client.post(path, data=form_data(page, url="niet een adres"))
    assert bad.status_code == 400
    assert "Vul een volledig webadres in" in bad.get_data(as_text=True)
    db.session.refresh(service)
    assert service.url != "niet een adres"

    before = {m.id for m in service_history(service.id)}
    unchanged = client.post(path, data=form_data(page))
    assert unchanged.status_code == 302
    db.session.refresh(service)
    assert service.assured_date == local_today()
    new = [m.field_name for m in service_history(service.id) if m.id not in before]
    assert sorted(new) == ["assured_date", "assurer_email"]  # only the check itself

    data = form_data(
        page,
        description="Nieuwe tekst.",
        languages="nl, en",
        review_interval_months="12",
    )
    assert client.post(path, data=data).status_code == 302
    db.session.refresh(service)
    assert service.description == "Nieuwe tekst."
    assert set(service.language_codes) == {"nl", "en"}
    assert service.review_interval_months == 12
    history = {m.field_name: m for m in service_history(service.id)}
    assert history["description"].replacement_value == "Nieuwe tekst."
    assert history["description"].updated_by == coordinator.email
    assert history["languages"].previous_value == "nl"
    assert "areas" not in history


def test_edit_themes_and_areas(client, directory, login_as):
    login_as(Role.COORDINATOR)
    service = directory["Maatje bij geldzorgen"]
    kept_area = next(a.id for a in service.service_areas if a.municipality.name == "Utrecht")
    path = f"/sociale-kaart/dienst/{service.id}/bewerken"
    page = client.get(path).get_data(as_text=True)
    digid = db.session.scalar(select(Theme.id).where(Theme.name == "Digitalisering en DigiD"))
    data = form_data(
        page,
        themes=[str(theme_id("Schulden")), str(digid)],
        municipalities=[str(municipality_id("Utrecht")), str(municipality_id("Zeist"))],
        provinces="Flevoland",
    )
    assert client.post(path, data=data).status_code == 302
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert sorted(t.name for t in service.themes) == ["Digitalisering en DigiD", "Schulden"]
    labels = sorted(area.label for area in service.service_areas)
    assert labels == ["Gemeente Utrecht", "Gemeente Zeist", "Provincie Flevoland"]
    assert kept_area in {area.id for area in service.service_areas}  # same HSDS id
    history = {m.field_name: m for m in reversed(service_history(service.id))}
    assert history["areas"].previous_value == "Houten; Nieuwegein; Utrecht"
    assert history["areas"].replacement_value == "Provincie Flevoland; Utrecht; Zeist"
    assert history["themes"].replacement_value == "Digitalisering en DigiD, Schulden"
    # Browsing follows at once: Zeist now, Houten no longer; a gemeente in Flevoland too.
    assert "Maatje bij geldzorgen" in names(
        client.get(f"/sociale-kaart?gemeente={municipality_id('Zeist')}")
    )
    assert "Maatje bij geldzorgen" not in names(
        client.get(f"/sociale-kaart?gemeente={municipality_id('Houten')}")
    )
    assert "Maatje bij geldzorgen" in names(
        client.get(f"/sociale-kaart?gemeente={municipality_id('Almere')}")
    )

    for wrong, message in (
        ({"themes": "999999"}, "Kies thema&#39;s uit de lijst."),
        ({"municipalities": "999999"}, "Kies gemeenten uit de lijst."),
        ({"provinces": "Atlantis"}, "Kies provincies uit de lijst."),
    ):
        response = client.post(path, data=form_data(page, **wrong))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert len(db.session.get(Service, service.id).service_areas) == 3


def test_edit_opening_hours(client, directory, login_as, make_user):
    coordinator = login_as(Role.COORDINATOR)
    service = directory["Spreekuur sociaal raadslieden"]
    path = f"/sociale-kaart/dienst/{service.id}/openingstijden"
    page = client.get(path).get_data(as_text=True)
    # The location's hours are filled in: MO and WE 09:00–12:30, TH 13:30–17:00.
    data = form_data(page)
    assert data["MO_opens_1"] == "09:00" and data["MO_closes_1"] == "12:30"
    assert data["TH_opens_1"] == "13:30" and data["FR_opens_1"] == ""

    for wrong, message in (
        ({"FR_opens_1": "13:00", "FR_closes_1": "12:00"}, "De sluitingstijd moet na"),
        ({"FR_opens_1": "13:00"}, "Vul zowel de openingstijd als de sluitingstijd in."),
        ({"FR_opens_1": "9 uur", "FR_closes_1": "12:00"}, "Vul een tijd in als uu:mm"),
        (
            {"MO_opens_2": "12:00", "MO_closes_2": "16:00"},
            "De tweede tijd moet na de eerste liggen.",
        ),
    ):
        response = client.post(path, data=form_data(page, **wrong))
        assert response.status_code == 400, wrong
        assert message in response.get_data(as_text=True)
    assert service.schedules == []

    changed = form_data(
        page, MO_opens_2="13:30", MO_closes_2="16:00", WE_opens_1="", WE_closes_1=""
    )
    assert client.post(path, data=changed).status_code == 302
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert weekly_hours(service)["MO"] == [
        (time(9), time(12, 30)),
        (time(13, 30), time(16)),
    ]
    assert weekly_hours(service)["WE"] == []
    [entry] = (
        service_history(service.id)[:1]
        if False
        else [m for m in service_history(service.id) if m.field_name == "schedules"]
    )
    assert entry.previous_value == (
        "maandag 09:00–12:30; woensdag 09:00–12:30; donderdag 13:30–17:00"
    )
    assert entry.replacement_value == ("maandag 09:00–12:30, 13:30–16:00; donderdag 13:30–17:00")
    assert entry.updated_by == coordinator.email and service.assured_date == local_today()
    # Monday 14:00 in Amsterdam: open now; Wednesday 10:00: no longer.
    assert hours.is_open_now(service, datetime(2026, 11, 23, 13, 0, tzinfo=UTC))
    assert not hours.is_open_now(service, datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    html = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert "maandag: 13:30–16:00" in html

    # A special rule stays when the weekly hours are saved again.
    service.schedules.append(
        Schedule(freq="MONTHLY", byday="1SA", opens_at=time(10), closes_at=time(12))
    )
    db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "elke eerste zaterdag van de maand" in page
    assert (
        client.post(path, data=form_data(page, FR_opens_1="09:00", FR_closes_1="10:00")).status_code
        == 302
    )
    db.session.expire_all()
    kept = [s.byday for s in db.session.get(Service, service.id).schedules]
    assert "1SA" in kept and "FR" in kept

    client.get("/sociale-kaart")  # a volunteer may look, not change
    volunteer = app_client_for(client, make_user(Role.VOLUNTEER))
    assert volunteer.get(path).status_code == 403
    assert client.post(path, data={"MO_opens_1": "08:00"}).status_code == 400  # no CSRF token


def app_client_for(client, user):
    from tests.conftest import login

    other = client.application.test_client()
    login(other, user)
    return other


# Change requests ---------------------------------------------------------------------------


def propose(client, service, **data):
    path = f"/sociale-kaart/dienst/{service.id}"
    token = csrf_token(client, path)
    return client.post(f"{path}/wijziging", data={"csrf_token": token, **data})


def decide(client, path: str):
    token = csrf_token(client, "/sociale-kaart/wijzigingen")
    return client.post(path, data={"csrf_token": token})


def history(service, field_name: str) -> list[Metadata]:
    return db.session.scalars(
        select(Metadata).where(
            Metadata.resource_id == service.id, Metadata.field_name == field_name
        )
    ).all()


def test_anonymous_change_request_approved_field_by_field(client, app, directory, login_as):
    service = directory["Spreekuur sociaal raadslieden"]
    page = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert "Nu: 030 240 5060" in page  # every field says what it is now
    response = propose(
        client,
        service,
        phone="030 240 50 99",
        email="spreekuur@welzijn-utrecht.example",
        url=service.url,  # unchanged: not a proposal
        explanation="Het nummer is veranderd <script>alert(1)</script>",
        reporter_email="melder@example.org",
    )
    assert response.status_code == 302
    # The visitor lands on the thank-you message (focusable, by anchor), not on an empty form.
    location = response.headers["Location"]
    assert location.endswith("?ontvangen=1#wijziging-ontvangen")
    thanks = client.get(location.split("#")[0]).get_data(as_text=True)
    assert 'id="wijziging-ontvangen" tabindex="-1" role="status">Dank u.' in thanks
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert service.phones[0].number == "030 240 5060"  # nothing changes before approval
    assert service.email == "raadslieden@welzijn-utrecht.example"
    request = db.session.scalars(select(ChangeRequest)).one()
    assert [item.field_name for item in request.items] == ["phone", "email"]
    assert request.items[0].proposed_value == "030 240 5099"  # checked and written tidily

    assert client.get("/sociale-kaart/wijzigingen").status_code == 302  # log in first
    coordinator = login_as(Role.COORDINATOR)
    html = client.get("/sociale-kaart/wijzigingen").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "melder@example.org" in html and "Alles goedkeuren" in html

    phone, email = request.items
    assert (
        decide(client, f"/sociale-kaart/wijzigingen/gegeven/{phone.id}/goedkeuren").status_code
        == 302
    )
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert service.phones[0].number == "030 240 5099"
    assert service.email == "raadslieden@welzijn-utrecht.example"  # the other one still open
    [change] = history(service, "phone")
    assert (change.previous_value, change.replacement_value) == ("030 240 5060", "030 240 5099")
    assert change.updated_by == coordinator.email
    assert db.session.get(ChangeRequest, request.id).status == "open"

    assert (
        decide(client, f"/sociale-kaart/wijzigingen/gegeven/{email.id}/afwijzen").status_code == 302
    )
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert service.email == "raadslieden@welzijn-utrecht.example"
    assert history(service, "email") == []
    closed = db.session.get(ChangeRequest, request.id)
    assert closed.status == "goedgekeurd" and closed.decided_by_id == coordinator.id
    assert closed.reporter_email == ""  # only kept while a question back may be needed
    page = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert "030 240 5099" in page and "Telefoonnummer" in page  # in the history table

    again = decide(client, f"/sociale-kaart/wijzigingen/gegeven/{phone.id}/goedkeuren")
    assert again.status_code == 302
    assert "al beslist" in client.get("/sociale-kaart/wijzigingen").get_data(as_text=True)
    assert len(history(service, "phone")) == 1


def test_approve_all_applies_each_field_with_its_own_history(client, directory, login_as):
    service = directory["Voedselpakket"]
    propose(
        client,
        service,
        name="Voedselpakket Zuid",
        status="temporarily closed",
        address="Pretorialaan 62, 3072 EN Rotterdam",
        other="Op vrijdag nu tot 17:00.",
    )
    request = db.session.scalars(select(ChangeRequest)).one()
    assert [item.field_name for item in request.items] == [
        "address",
        "status",
        "name",
        "other",
    ]
    assert request.items[0].proposed_value == "Pretorialaan 62, 3072 EN Rotterdam"
    login_as(Role.COORDINATOR)
    response = decide(client, f"/sociale-kaart/wijzigingen/verzoek/{request.id}/goedkeuren")
    assert response.status_code == 302
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert service.name == "Voedselpakket Zuid" and service.status == "temporarily closed"
    assert [h.replacement_value for h in history(service, "name")] == ["Voedselpakket Zuid"]
    assert [h.previous_value for h in history(service, "status")] == ["active"]
    # Address and free text are for the coordinator to handle; nothing is applied for them.
    assert history(service, "other") == [] and history(service, "address") == []
    assert {item.status for item in db.session.get(ChangeRequest, request.id).items} == {
        "goedgekeurd"
    }
    assert client.get("/sociale-kaart/wijzigingen").get_data(as_text=True).count("cr-") == 0


def test_rejected_change_changes_nothing(client, directory, login_as):
    service = directory["Voedselpakket"]
    propose(client, service, name="Gratis boodschappen", phone="010 420 00 00")
    login_as(Role.COORDINATOR)
    request = db.session.scalars(select(ChangeRequest)).one()
    decide(client, f"/sociale-kaart/wijzigingen/verzoek/{request.id}/afwijzen")
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    assert service.name == "Voedselpakket" and service.phones[0].number == "010 420 3344"
    assert db.session.get(ChangeRequest, request.id).status == "afgewezen"
    assert history(service, "name") == [] and history(service, "phone") == []


CHANGE_REQUEST_MISTAKES = [
    ({"other": "Mijn BSN is 111222333, bel me."}, "Haal persoonsgegevens weg"),
    ({"explanation": "Bel mevrouw op 06-12345678"}, "Haal persoonsgegevens weg"),
    ({"description": "Vraag naar Jan, Kerkstraat 12, 3511 AB Utrecht"}, "persoonsgegevens"),
    ({"url": "geen adres"}, "Vul een volledig webadres in"),
    ({"phone": "12"}, "Dit telefoonnummer klopt niet."),
    ({"email": "info@"}, "Dit e-mailadres klopt niet."),
    ({"status": "weg"}, "Ongeldige keuze."),
    ({"reporter_email": "ik@"}, "Dit e-mailadres klopt niet."),
    ({}, "Vul in wat er niet klopt"),
    ({"name": "x" * 201}, "Veld mag niet langer zijn dan 200 karakters."),
]


@pytest.mark.parametrize("data, message", CHANGE_REQUEST_MISTAKES)
def test_change_request_refuses_personal_data_and_bad_values(client, directory, data, message):
    service = directory["Voedselpakket"]
    response = propose(client, service, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error-summary"' in html or "message-error" in html
    assert db.session.scalar(select(func.count()).select_from(ChangeRequest)) == 0


def test_change_requests_need_csrf_and_are_rate_limited(client, directory):
    service = directory["Voedselpakket"]
    path = f"/sociale-kaart/dienst/{service.id}/wijziging"
    assert client.post(path, data={"other": "x"}).status_code == 400
    statuses = [propose(client, service, other=f"Opmerking {i}").status_code for i in range(6)]
    assert statuses == [302] * 5 + [429]
    assert db.session.scalar(select(func.count()).select_from(ChangeRequest)) == 5


def test_change_request_list_is_for_coordinators(client, directory, login_as):
    service = directory["Voedselpakket"]
    propose(client, service, other="Het adres klopt niet.")
    item = db.session.scalars(select(ChangeRequest)).one().items[0]
    assert client.get("/sociale-kaart/wijzigingen").status_code == 302
    login_as(Role.READER)
    assert client.get("/sociale-kaart/wijzigingen").status_code == 403
    token = csrf_token(client, "/sociale-kaart")
    for path in (
        f"/sociale-kaart/wijzigingen/gegeven/{item.id}/goedkeuren",
        f"/sociale-kaart/wijzigingen/verzoek/{item.change_request_id}/afwijzen",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 403
    assert db.session.get(ChangeRequest, item.change_request_id).status == "open"


# Review reminders --------------------------------------------------------------------------


def test_review_reminders_printed(app, directory):
    result = app.test_cli_runner().invoke(args=["review-reminders"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "== Sociaal Raadslieden Amersfoort <srd@amersfoort-welzijn.example>" in out
    assert "- Sociaal raadslieden Amersfoort (nog nooit gecontroleerd)" in out
    assert "- Voedselpakket (te laat sinds" in out
    assert "Gratis juridisch advies" not in out
    assert "5 dienst(en) bij 5 organisatie(s)" in out
    later = (local_today() + timedelta(days=400)).isoformat()
    result = app.test_cli_runner().invoke(args=["review-reminders", "--date", later])
    assert "9 dienst(en)" in result.output
    bad = app.test_cli_runner().invoke(args=["review-reminders", "--date", "morgen"])
    assert bad.exit_code == 1 and "Fout:" in bad.output


def test_review_reminders_mailed(app_factory, taxonomy, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def send_message(self, message):
            sent.append(message)

        def quit(self):
            sent.append("quit")

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    app = app_factory(
        MAIL_SERVER="smtp.example.org",
        MAIL_PORT=2525,
        MAIL_FROM="kaart@example.org",
        BASE_URL="https://kaart.example.org",
    )
    with app.app_context():
        seed_demo_directory()
        food = db.session.scalar(select(Service).where(Service.name == "Voedselpakket"))
        db.session.add(Service(name="Kledingbank", organization=food.organization))
        db.session.commit()
        food_id = food.id  # the command commits (the mail outbox): read the id before
        result = app.test_cli_runner().invoke(args=["review-reminders"])
    assert result.exit_code == 0, result.output
    assert "6 dienst(en) bij 5 organisatie(s)" in result.output
    assert "5 e-mail(s) verstuurd" in result.output
    assert sent[0] == ("connect", "smtp.example.org", 2525) and sent[-1] == "quit"
    messages = sent[1:-1]
    assert len(messages) == 5  # one per organisation
    voedselbank = next(m for m in messages if m["To"].startswith("aanmelden@voedselbank"))
    assert voedselbank["From"] == "kaart@example.org"
    assert "2 dienst(en) controleren" in voedselbank["Subject"]
    text = voedselbank.get_content()
    assert "- Kledingbank (nog nooit gecontroleerd)" in text
    assert "- Voedselpakket (te laat sinds" in text
    assert f"https://kaart.example.org/sociale-kaart/dienst/{food_id}" in text

    # The organisation confirms with the link from the e-mail; no account needed.
    links = re.findall(r"Bevestig het hier: https://kaart\.example\.org(\S+)", text)
    assert len(links) == 2
    [link] = [found for found in links if f"/dienst/{food_id}/bevestigen/" in found]
    client = app.test_client()
    page = client.get(link)
    assert page.status_code == 200 and "Ja, alles klopt nog" in page.get_data(as_text=True)
    assert client.post(link).status_code == 400  # CSRF token needed
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 302
    with app.app_context():
        checked = db.session.get(Service, food_id)
        assert checked.assured_date == local_today()
        assert checked.assurer_email == "aanmelden@voedselbank-rotterdam.example"
        other = db.session.scalar(select(Service).where(Service.name == "Kledingbank"))
        token = link.rsplit("/", 1)[1]
        # The token is for this service only, and cannot be changed.
        assert client.get(f"/sociale-kaart/dienst/{other.id}/bevestigen/{token}").status_code == (
            400
        )
        assert client.get(link[:-3] + "abc").status_code == 400
        assert other.assured_date is None


def test_coordinator_adds_a_service(client, directory, login_as, make_user):
    coordinator = login_as(Role.COORDINATOR)
    assert client.get("/sociale-kaart").get_data(as_text=True).count("/sociale-kaart/nieuw") == 1
    page = client.get("/sociale-kaart/nieuw").get_data(as_text=True)
    data = form_data(
        page,
        organization_name="Stichting Rondkomen",
        name="Budgetcoach",
        description="Hulp bij een begroting en het aanvragen van toeslagen.",
        themes=str(theme_id("Schulden")),
        municipalities=str(municipality_id("Zeist")),
        street="Slotlaan 1",
        postal_code="3701ge",
        city="zeist",
        phone="030 123 45 67",
    )
    response = client.post("/sociale-kaart/nieuw", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    service = db.session.scalar(select(Service).where(Service.name == "Budgetcoach"))
    assert service.organization.name == "Stichting Rondkomen"
    assert service.status == "active" and service.review_interval_months == 6
    assert service.assured_date == local_today()
    assert service.assurer_email == coordinator.email
    assert [theme.name for theme in service.themes] == ["Schulden"]
    [location] = service.locations
    assert location.address.one_line == "Slotlaan 1, 3701 GE zeist"
    assert location.municipality.name == "Zeist"
    assert service.phones[0].number == "030 123 4567"
    fields = {m.field_name for m in service_history(service.id)}
    assert {"*", "description", "themes", "areas", "phone"} <= fields
    zeist = names(client.get(f"/sociale-kaart?gemeente={municipality_id('Zeist')}&q=begroting"))
    assert zeist == ["Budgetcoach"]

    # For an existing organisation; mistakes are told and nothing is stored.
    existing = directory["Voedselpakket"].organization
    page = client.get("/sociale-kaart/nieuw").get_data(as_text=True)
    for wrong, message in (
        ({"name": ""}, "Vul een naam in."),
        ({"review_interval_months": "99"}, "Vul een aantal maanden in (1 tot 36)."),
        ({"organization": ""}, "Kies een organisatie, of vul de naam van een nieuwe in."),
        ({"street": "Markt 1"}, "Vul de straat met huisnummer en de plaats in."),
        ({"street": "Markt 1", "city": "Zeist", "postal_code": "12"}, "Vul een postcode in"),
        ({"url": "geen"}, "Vul een volledig webadres in"),
    ):
        fields = {"organization": str(existing.id), "name": "Kledingbank", **wrong}
        response = client.post("/sociale-kaart/nieuw", data=form_data(page, **fields))
        assert response.status_code == 400, wrong
        assert message in response.get_data(as_text=True), wrong
    assert db.session.scalar(select(func.count()).select_from(Service)) == 10
    fields = {"organization": str(existing.id), "name": "Kledingbank"}
    assert client.post("/sociale-kaart/nieuw", data=form_data(page, **fields)).status_code == 302
    assert db.session.scalar(
        select(Service).where(Service.name == "Kledingbank")
    ).organization_id == (existing.id)

    volunteer = app_client_for(client, make_user(Role.VOLUNTEER))
    assert volunteer.get("/sociale-kaart/nieuw").status_code == 403
    assert "/sociale-kaart/nieuw" not in volunteer.get("/sociale-kaart").get_data(as_text=True)


# Access: every view of the sociale kaart, HSDS and doorverwijzingen is accounted for ------

PUBLIC = {
    "directory.index",
    "directory.map_data",
    "directory.service",
    "directory.organization",
    "directory.propose_change",
    "directory.confirm",
    *(f"hsds.{name}" for name in ("meta", "services", "service", "organizations")),
    *(f"hsds.{name}" for name in ("organization", "taxonomies", "taxonomy_detail")),
    *(f"hsds.{name}" for name in ("taxonomy_terms", "taxonomy_term")),
    *(f"hsds.{name}" for name in ("service_at_locations", "service_at_location")),
    *(f"hsds.{name}" for name in ("locations", "location")),
}
MANAGERS_ONLY = {
    "directory.review",
    "directory.verify",
    "directory.edit",
    "directory.edit_hours",
    "directory.new_service",
    "directory.change_requests",
    "directory.decide",
    "directory.import_hsds",
    "directory.edit_organization",
    "directory.new_location",
    "directory.edit_location",
    "directory.delete_location",
    "directory.new_organization_contact",
    "directory.new_service_contact",
    "directory.edit_contact",
    "directory.delete_contact",
}
LOGGED_IN = {  # each checks role and organisation itself (tests in test_referrals.py)
    "referrals.new",
    "referrals.index",
    "referrals.follow_up",
    "referrals.detail",
    "referrals.record_outcome",
    "referrals.change_follow_up",
}


def test_every_view_is_public_for_managers_or_for_logged_in_users(
    app, client, directory, make_user
):
    from flask import url_for

    from tests.conftest import login

    endpoints = {
        rule.endpoint: rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("directory", "hsds", "referrals")
    }
    assert set(endpoints) == PUBLIC | MANAGERS_ONLY | LOGGED_IN  # a new view must be listed
    service = directory["Voedselpakket"]
    values = {
        "service_id": service.id,
        "organization_id": service.organization_id,
        "target_id": service.id,
        "scope": "gegeven",
        "decision": "goedkeuren",
        "token": "x",
        "referral_id": 1,
        "taxonomy_id": service.id,
        "term_id": service.id,
        "location_id": service.locations[0].id,
        "contact_id": service.organization.contacts[0].id,
        "service_at_location_id": service.service_at_locations[0].id,
    }

    def call(user_client, endpoint: str):
        rule = endpoints[endpoint]
        with app.test_request_context():
            path = url_for(endpoint, **{name: values[name] for name in rule.arguments})
        if "GET" in rule.methods:
            return user_client.get(path)
        token = csrf_token(user_client, f"/sociale-kaart/dienst/{service.id}")
        return user_client.post(path, data={"csrf_token": token})

    for endpoint in MANAGERS_ONLY | LOGGED_IN:
        response = call(client, endpoint)
        assert response.status_code == 302, endpoint
        assert "/inloggen" in response.headers["Location"], endpoint
    volunteer = app.test_client()
    login(volunteer, make_user(Role.VOLUNTEER))
    for endpoint in MANAGERS_ONLY:
        assert call(volunteer, endpoint).status_code == 403, endpoint
    for endpoint in PUBLIC - {"directory.propose_change"}:
        assert call(client, endpoint).status_code in (200, 400, 404), endpoint


def test_next_opening_in_dutch_time(app):
    service = Service(name="x", status="active")
    service.schedules = [
        Schedule(byday="MO,WE", freq="WEEKLY", opens_at=time(9), closes_at=time(12, 30)),
        Schedule(byday="WE", freq="WEEKLY", opens_at=time(13), closes_at=time(16)),
    ]
    # Monday 23 November 2026, 08:00 in Amsterdam (07:00 UTC): today at 09:00.
    monday = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
    assert hours.next_opening(service, monday) == datetime(2026, 11, 23, 9, 0)
    # Monday 10:00 (open now): next is Wednesday 09:00, the earliest of that day.
    assert hours.next_opening(service, datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) == datetime(
        2026, 11, 25, 9, 0
    )
    # Wednesday 12:45: the afternoon hours open at 13:00.
    assert hours.next_opening(service, datetime(2026, 11, 25, 11, 45, tzinfo=UTC)) == datetime(
        2026, 11, 25, 13, 0
    )
    service.status = "temporarily closed"
    assert hours.next_opening(service, monday) is None
    service.status = "active"
    service.schedules = []
    assert hours.next_opening(service, monday) is None


def test_a_service_page_says_when_it_opens_next(client, directory):
    service = next(s for s in directory.values() if hours.service_schedules(s))
    page = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert re.search(r"(Gaat weer open op|Volgende opening:) \w+dag \d+ \w+ om \d\d:\d\d", page)


def _freeze_site_clock(monkeypatch, moment: datetime) -> None:
    """Set the site clock (``signalen.core.dates``) to ``moment``."""
    import signalen.core.dates

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(signalen.core.dates, "datetime", Frozen)


def test_open_now_with_nothing_open_says_what_opens_first(client, directory, monkeypatch):
    # Sunday 29 November 2026, 14:00 in Amsterdam: nothing in the demo is open.
    sunday = datetime(2026, 11, 29, 13, 0, tzinfo=UTC)
    _freeze_site_clock(monkeypatch, sunday)
    expected = browse_module.first_openings(list(directory.values()), sunday)
    assert expected and len(expected) <= browse_module.FIRST_OPENINGS
    assert [when for _, when in expected] == sorted(when for _, when in expected)
    assert expected[0][1] == min(
        when for s in directory.values() if (when := hours.next_opening(s, sunday))
    )
    page = client.get("/sociale-kaart?nu_open=1").get_data(as_text=True)
    assert names(client.get("/sociale-kaart?nu_open=1")) == []
    assert "Nu is er niets open. Het eerst weer open:" in page
    assert "Geen diensten gevonden" not in page
    for service, _when in expected:
        assert f'/sociale-kaart/dienst/{service.id}">{service.name}</a>' in page
    first, when = expected[0]
    assert f"{first.name}</a>, maandag 30 november om {when:%H:%M}" in page
    # On a weekday afternoon the list shows what is open, without the message.
    _freeze_site_clock(monkeypatch, datetime(2026, 11, 27, 13, 0, tzinfo=UTC))
    friday = client.get("/sociale-kaart?nu_open=1")
    assert "Voedselpakket" in names(friday)
    assert "Het eerst weer open" not in friday.get_data(as_text=True)
    # Other filters still apply: a search that finds nothing names no openings either.
    _freeze_site_clock(monkeypatch, sunday)
    none = client.get("/sociale-kaart?nu_open=1&q=zzzqqq").get_data(as_text=True)
    assert "Het eerst weer open" not in none and "Geen diensten gevonden" in none
