"""Sociale kaart: browse and search, pages, map, verification, change requests, reminders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.directory import hours, services
from signalen.directory.browse import DirectoryFilters, browse, filtered_services
from signalen.directory.models import ChangeRequest, Metadata, Schedule, Service
from signalen.extensions import db
from signalen.taxonomy.models import Municipality, Theme
from tests.conftest import csrf_token, post_form


@pytest.fixture
def directory(app, taxonomy):
    assert services.seed_demo_directory() == 9
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
    assert services.seed_demo_directory() == 0
    assert db.session.scalar(select(func.count()).select_from(Service)) == 9


def test_review_dates():
    service = Service(name="x", assured_date=date(2026, 8, 31), review_interval_months=6)
    assert services.next_review_date(service) == date(2027, 2, 28)
    assert not services.is_overdue(service, date(2027, 2, 28))
    assert services.is_overdue(service, date(2027, 3, 1))
    assert services.is_due_soon(service, date(2027, 2, 1))
    assert not services.is_due_soon(service, date(2026, 12, 1))
    never = Service(name="y", assured_date=None, review_interval_months=6)
    assert services.next_review_date(never) is None and services.is_overdue(never, date.today())


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
    assert not hours.schedule_is_open(
        Schedule(freq="WEEKLY", interval=2, byday="MO", opens_at=time(9), closes_at=time(12)),
        monday_morning,
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
    assert hours.schedule_days(fifteenth) == "de 15e van de maand"
    assert hours.schedule_days(Schedule(freq="WEEKLY", byday="MO,TU,WE,TH,FR")) == (
        "maandag tot en met vrijdag"
    )
    assert hours.schedule_days(Schedule(freq="WEEKLY", byday="")) == "volgens afspraak"


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
        services.seed_demo_directory()
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
    assert service.assured_date == services.local_today()
    assert service.assurer_email == coordinator.email
    entry = db.session.scalars(
        select(Metadata).where(
            Metadata.resource_id == service.id, Metadata.field_name == "assured_date"
        )
    ).one()
    assert entry.previous_value == old_date.isoformat()
    assert entry.replacement_value == services.local_today().isoformat()
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


def test_edit_records_field_history(client, directory, login_as):
    coordinator = login_as(Role.COORDINATOR)
    service = directory["Maatje bij geldzorgen"]
    path = f"/sociale-kaart/dienst/{service.id}/bewerken"
    form = client.get(path).get_data(as_text=True)
    assert "Maatje bij geldzorgen" in form
    values = {
        name: services.current_value(service, name)
        for name in (
            "name", "status", "description", "eligibility_description", "minimum_age",
            "maximum_age", "application_process", "fees_description", "url", "email", "phone",
            "languages",
        )
    }  # fmt: skip
    values["review_interval_months"] = "12"
    bad = post_form(client, path, {**values, "url": "niet een adres"})
    assert bad.status_code == 400
    assert "Vul een volledig webadres in" in bad.get_data(as_text=True)
    db.session.refresh(service)
    assert service.url != "niet een adres"

    response = post_form(
        client, path, {**values, "description": "Nieuwe tekst.", "languages": "nl, en"}
    )
    assert response.status_code == 302
    db.session.refresh(service)
    assert service.description == "Nieuwe tekst."
    assert set(service.language_codes) == {"nl", "en"}
    assert service.review_interval_months == 12
    assert service.assured_date == services.local_today()
    history = {m.field_name: m for m in services.service_history(service.id)}
    assert history["description"].replacement_value == "Nieuwe tekst."
    assert history["description"].updated_by == coordinator.email
    assert history["languages"].previous_value == "nl"


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
    later = (date.today() + timedelta(days=400)).isoformat()
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
    app = app_factory(MAIL_SERVER="smtp.example.org", MAIL_PORT=2525, MAIL_FROM="kaart@example.org")
    with app.app_context():
        services.seed_demo_directory()
        result = app.test_cli_runner().invoke(args=["review-reminders"])
    assert result.exit_code == 0, result.output
    assert sent[0] == ("connect", "smtp.example.org", 2525) and sent[-1] == "quit"
    messages = sent[1:-1]
    assert len(messages) == 5
    voedselbank = next(m for m in messages if m["To"].startswith("aanmelden@voedselbank"))
    assert voedselbank["From"] == "kaart@example.org"
    assert "1 dienst(en) controleren" in voedselbank["Subject"]
    assert "Voedselpakket (te laat sinds" in voedselbank.get_content()
