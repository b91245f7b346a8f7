"""Sociale kaart: coordinators edit an organisation, add, edit and remove its locations and
the contacts of an organisation or a service, with field-level history, the HSDS export, the
map and the search index following."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from signalen.audit.models import AuditEvent
from signalen.auth.models import Role
from signalen.core.errors import ServiceError
from signalen.demo.directory import seed_demo_directory
from signalen.directory.models import (
    Address,
    Contact,
    Location,
    Metadata,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
)
from signalen.directory.services.catalogue import current_value
from signalen.directory.services.contacts import CONTACT_FIELDS, create_contact, update_contact
from signalen.directory.services.history import resource_history
from signalen.directory.services.organizations import update_organization
from signalen.directory.services.validation import (
    clean_postal_code,
    municipality_for_city,
    parse_coordinate,
)
from signalen.extensions import db
from tests.conftest import csrf_token, login
from tests.web.test_directory import form_data, municipality_id, names
from tests.web.test_hsds_schema import SCHEMA_DIR, assert_valid, load_schema


@pytest.fixture
def directory(app, taxonomy):
    assert seed_demo_directory() == 9
    return {o.name: o for o in db.session.scalars(select(Organization))}


def history(resource_id) -> dict[str, Metadata]:
    """The newest history row per field of one resource."""
    rows = resource_history([resource_id])
    return {row.field_name: row for row in reversed(rows)}


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Location, Address, ServiceAtLocation, Phone, Metadata)
    )


def point(client, name: str) -> dict | None:
    """The map point of the location called ``name`` in /sociale-kaart/kaart.json."""
    data = client.get("/sociale-kaart/kaart.json").get_json()
    return next((p for p in data["points"] if p["name"] == name), None)


def hsds_organization(client, organization) -> dict:
    data = client.get(f"/hsds/organizations/{organization.id}").get_json()
    if SCHEMA_DIR.is_dir():
        assert_valid(data, load_schema("organization"))
    return data


# Organisations --------------------------------------------------------------------------------


def test_coordinator_edits_an_organisation(client, directory, login_as):
    coordinator = login_as(Role.COORDINATOR)
    organization = directory["Sociaal Raadslieden Utrecht"]
    [service] = organization.services
    kept_phone = organization.phones[0].id
    before = datetime.now(UTC)
    page = client.get(f"/sociale-kaart/organisatie/{organization.id}").get_data(as_text=True)
    assert "Organisatie wijzigen" in page and "Locatie toevoegen" in page and "Wijzigen" in page
    assert "Nog geen wijzigingen." in page

    path = f"/sociale-kaart/organisatie/{organization.id}/bewerken"
    form = client.get(path).get_data(as_text=True)
    assert "030 240 5060" in form
    data = form_data(
        form,
        name="Stichting Raadsman Overvecht",
        alternate_name="SRO",
        description="Gratis hulp bij brieven, formulieren en geldzaken.",
        website="https://raadsman.example/overvecht",
        email="info@raadsman.example",
        phones="030 240 50 60\r\n0612345678\r\n",
    )
    response = client.post(path, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sociale-kaart/organisatie/{organization.id}")

    db.session.expire_all()
    organization = db.session.get(Organization, organization.id)
    assert organization.name == "Stichting Raadsman Overvecht"
    assert organization.alternate_name == "SRO"
    assert organization.website == "https://raadsman.example/overvecht"
    assert organization.email == "info@raadsman.example"
    assert sorted(p.number for p in organization.phones) == ["030 240 5060", "06 12345678"]
    assert kept_phone in {p.id for p in organization.phones}  # same HSDS id
    rows = history(organization.id)
    assert set(rows) == {"name", "alternate_name", "description", "website", "email", "phones"}
    assert rows["name"].previous_value == "Sociaal Raadslieden Utrecht"
    assert rows["name"].replacement_value == "Stichting Raadsman Overvecht"
    assert rows["phones"].previous_value == "030 240 5060"
    assert rows["phones"].replacement_value == "030 240 5060; 06 12345678"
    assert {row.updated_by for row in rows.values()} == {coordinator.email}
    assert {row.resource_type for row in rows.values()} == {"organization"}
    assert db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "directory.organization_updated")
    )

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De wijzigingen zijn opgeslagen." in html
    assert "<h1>Stichting Raadsman Overvecht</h1>" in html
    assert "Ook bekend als SRO" in html and "06 12345678" in html
    assert "info@raadsman.example" in html and "Telefoonnummers" in html  # the history

    # The HSDS export, its service and the search index follow.
    exported = hsds_organization(client, organization)
    assert exported["name"] == "Stichting Raadsman Overvecht"
    assert sorted(p["number"] for p in exported["phones"]) == ["030 240 5060", "06 12345678"]
    assert exported["services"][0]["name"] == service.name
    changes = {row["field_name"]: row for row in exported["metadata"]}
    assert changes["name"]["replacement_value"] == "Stichting Raadsman Overvecht"
    assert changes["name"]["resource_type"] == "organization"
    assert changes["name"]["updated_by"] == coordinator.email
    since = before.isoformat().replace("+00:00", "Z")
    changed = client.get(f"/hsds/services?modified_after={since}").get_json()
    assert [item["name"] for item in changed["contents"]] == [service.name]
    full = client.get(f"/hsds/services/{service.id}").get_json()
    assert full["organization"]["name"] == "Stichting Raadsman Overvecht"
    assert names(client.get("/sociale-kaart?q=raadsman")) == [service.name]

    # Saving the same again changes nothing and records nothing.
    rows_before = counts()
    form = client.get(path).get_data(as_text=True)
    again = client.post(path, data=form_data(form))
    assert again.status_code == 302 and counts() == rows_before
    assert "Er is niets gewijzigd." in client.get(again.headers["Location"]).get_data(as_text=True)

    # Removing a phone number removes its row.
    form = client.get(path).get_data(as_text=True)
    assert client.post(path, data=form_data(form, phones="06 12345678")).status_code == 302
    db.session.expire_all()
    assert [p.number for p in db.session.get(Organization, organization.id).phones] == [
        "06 12345678"
    ]


ORGANIZATION_MISTAKES = [
    ({"name": ""}, "Vul een naam in."),
    ({"email": "geen adres"}, "Dit e-mailadres klopt niet."),
    ({"website": "raadsman.example"}, "Vul een volledig webadres in"),
    ({"phones": "030 240 5060\n12"}, "Dit telefoonnummer klopt niet: 12"),
    ({"phones": "\n".join(f"030 240 506{n}" for n in range(6))}, "hoogstens 5 telefoonnummers"),
    ({"description": "x" * 5001}, "5000"),
]


@pytest.mark.parametrize("wrong, message", ORGANIZATION_MISTAKES)
def test_bad_organisation_input_is_told_and_nothing_stored(
    client, directory, login_as, wrong, message
):
    login_as(Role.COORDINATOR)
    organization = directory["Sociaal Raadslieden Utrecht"]
    path = f"/sociale-kaart/organisatie/{organization.id}/bewerken"
    form = client.get(path).get_data(as_text=True)
    rows_before = counts()
    changes = {"alternate_name": "Concept blijft staan", **wrong}
    response = client.post(path, data=form_data(form, **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Controleer het formulier" in html
    assert 'value="Concept blijft staan"' in html  # the draft is kept
    db.session.expire_all()
    organization = db.session.get(Organization, organization.id)
    assert organization.name == "Sociaal Raadslieden Utrecht" and organization.alternate_name == ""
    assert counts() == rows_before


def test_organisation_service_refuses_fields_it_does_not_edit(app, directory):
    organization = directory["Sociaal Raadslieden Utrecht"]
    with pytest.raises(ServiceError):
        update_organization(organization, {"parent_organization_id": "x"}, "c@x.nl")


# Locations ------------------------------------------------------------------------------------


def location_path(location) -> str:
    return f"/sociale-kaart/locatie/{location.id}/bewerken"


def test_coordinator_adds_a_location_linked_to_a_service(client, directory, login_as):
    coordinator = login_as(Role.COORDINATOR)
    organization = directory["Het Juridisch Loket"]
    [service] = organization.services
    path = f"/sociale-kaart/organisatie/{organization.id}/locatie/nieuw"
    form = client.get(path).get_data(as_text=True)
    assert 'value="Het Juridisch Loket"' in form  # the name to start from
    assert "Gratis juridisch advies" in form  # a service to link
    data = form_data(
        form,
        location_type="physical",
        name="Juridisch Loket Zeist",
        address_1="Slotlaan 1",
        postal_code="3701ge",
        city="Zeist",
        latitude="52,0893",
        longitude="5,2312",
        transportation="Bus 50, halte Slotlaan.",
        services=[str(service.id)],
    )
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)

    db.session.expire_all()
    location = db.session.scalar(select(Location).where(Location.name == "Juridisch Loket Zeist"))
    assert location.organization_id == organization.id
    assert location.address.one_line == "Slotlaan 1, 3701 GE Zeist"
    assert location.address.state_province == "Utrecht" and location.address.country == "NL"
    assert location.municipality.name == "Zeist"
    assert (location.latitude, location.longitude) == (52.0893, 5.2312)
    service = db.session.get(Service, service.id)
    assert location in service.locations and len(service.locations) == 3

    rows = history(location.id)
    assert rows["*"].last_action_type == "create"
    assert rows["postal_code"].replacement_value == "3701 GE"
    assert rows["municipality"].replacement_value == "Zeist"
    assert rows["latitude"].replacement_value == "52.0893"
    assert rows["services"].replacement_value == "Gratis juridisch advies"
    assert rows["name"].updated_by == coordinator.email
    link = history(service.id)["locations"]
    assert "Juridisch Loket Zeist (Slotlaan 1, 3701 GE Zeist)" in link.replacement_value
    assert "Juridisch Loket Zeist" not in link.previous_value
    assert "Juridisch Loket Zeist" in history(organization.id)["locations"].replacement_value

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De locatie Juridisch Loket Zeist is toegevoegd." in html
    assert "Slotlaan 1, 3701 GE Zeist" in html and "Bus 50, halte Slotlaan." in html
    service_page = client.get(f"/sociale-kaart/dienst/{service.id}").get_data(as_text=True)
    assert "Slotlaan 1, 3701 GE Zeist" in service_page

    assert point(client, "Juridisch Loket Zeist") == {
        "name": "Juridisch Loket Zeist",
        "address": "Slotlaan 1, 3701 GE Zeist",
        "lat": 52.0893,
        "lon": 5.2312,
        "services": [
            {
                "id": str(service.id),
                "name": "Gratis juridisch advies",
                "url": f"/sociale-kaart/dienst/{service.id}",
            }
        ],
    }
    exported = hsds_organization(client, organization)
    [new] = [loc for loc in exported["locations"] if loc["id"] == str(location.id)]
    assert new["latitude"] == 52.0893 and new["addresses"][0]["postal_code"] == "3701 GE"
    full = client.get(f"/hsds/services/{service.id}").get_json()
    assert str(location.id) in {link["location_id"] for link in full["service_at_locations"]}
    if SCHEMA_DIR.is_dir():
        assert_valid(full, load_schema("service"))


def test_coordinator_edits_a_location_and_the_map_follows(app, client, directory, login_as):
    login_as(Role.COORDINATOR)
    organization = directory["Het Juridisch Loket"]
    [service] = organization.services
    location = next(loc for loc in organization.locations if loc.name.endswith("Rotterdam"))
    address_id = location.address.id
    assert point(client, "Juridisch Loket Rotterdam")["lat"] == 51.9217

    form = client.get(location_path(location)).get_data(as_text=True)
    assert 'value="Coolsingel 101"' in form and 'value="51,9217"' in form
    data = form_data(
        form,
        name="Juridisch Loket Rotterdam-Zuid",
        address_1="Pretorialaan 1",
        postal_code="3072 AA",
        latitude="51.9015",
        longitude="4.4931",
        description="Ingang aan de achterkant.",
    )
    response = client.post(location_path(location), data=data)
    assert response.status_code == 302
    db.session.expire_all()
    location = db.session.get(Location, location.id)
    assert location.address.id == address_id  # the same HSDS address, changed
    assert location.address.one_line == "Pretorialaan 1, 3072 AA Rotterdam"
    rows = history(location.id)
    assert rows["address_1"].previous_value == "Coolsingel 101"
    assert rows["address_1"].replacement_value == "Pretorialaan 1"
    assert rows["latitude"].previous_value == "51.9217"
    assert rows["latitude"].replacement_value == "51.9015"
    assert "*" not in rows and "services" not in rows

    assert point(client, "Juridisch Loket Rotterdam") is None
    moved = point(client, "Juridisch Loket Rotterdam-Zuid")
    assert (moved["lat"], moved["lon"]) == (51.9015, 4.4931)
    assert moved["address"] == "Pretorialaan 1, 3072 AA Rotterdam"
    html = client.get(f"/sociale-kaart/organisatie/{organization.id}").get_data(as_text=True)
    assert "Pretorialaan 1, 3072 AA Rotterdam" in html and "Ingang aan de achterkant." in html
    assert "Coolsingel" in html  # the history shows what it was
    exported = hsds_organization(client, organization)
    [changed] = [loc for loc in exported["locations"] if loc["id"] == str(location.id)]
    assert changed["latitude"] == 51.9015 and changed["description"] == "Ingang aan de achterkant."
    moves = {row["field_name"]: row for row in changed["metadata"]}
    assert moves["address_1"]["previous_value"] == "Coolsingel 101"
    assert moves["latitude"]["replacement_value"] == "51.9015"
    public = app.test_client().get(f"/hsds/organizations/{organization.id}").get_json()
    [seen] = [loc for loc in public["locations"] if loc["id"] == str(location.id)]
    assert {row["updated_by"] for row in seen["metadata"]} == {"Signalen"}

    # Off the map, and the service no longer there.
    form = client.get(location_path(location)).get_data(as_text=True)
    data = form_data(form, latitude="", longitude="", services=[])
    assert client.post(location_path(location), data=data).status_code == 302
    db.session.expire_all()
    location = db.session.get(Location, location.id)
    assert location.latitude is None and location.longitude is None
    assert location not in db.session.get(Service, service.id).locations
    assert point(client, "Juridisch Loket Rotterdam-Zuid") is None
    assert history(service.id)["locations"].previous_value.count(";") == 1
    assert "Rotterdam" not in history(service.id)["locations"].replacement_value
    assert history(location.id)["services"].replacement_value == ""


def test_an_online_location(client, directory, login_as):
    login_as(Role.COORDINATOR)
    organization = directory["UWV Klantcontact (voorbeeld)"]
    [location] = organization.locations
    assert location.location_type == "virtual" and location.address is None
    form = client.get(location_path(location)).get_data(as_text=True)
    response = client.post(location_path(location), data=form_data(form, url=""))
    assert response.status_code == 400
    assert "Vul het webadres van deze online locatie in." in response.get_data(as_text=True)
    data = form_data(form, url="https://uwv.example/chat")
    assert client.post(location_path(location), data=data).status_code == 302
    db.session.expire_all()
    location = db.session.get(Location, location.id)
    assert location.url == "https://uwv.example/chat" and location.addresses == []
    html = client.get(f"/sociale-kaart/organisatie/{organization.id}").get_data(as_text=True)
    assert 'href="https://uwv.example/chat"' in html
    hsds_organization(client, organization)

    # A building needs an address.
    form = client.get(location_path(location)).get_data(as_text=True)
    response = client.post(location_path(location), data=form_data(form, location_type="physical"))
    assert response.status_code == 400
    assert "Vul de straat met huisnummer en de plaats in." in response.get_data(as_text=True)


LOCATION_MISTAKES = [
    ({"name": ""}, "Vul een naam in."),
    ({"postal_code": "12"}, "Vul een postcode in zoals 3511 AB."),
    ({"postal_code": "0123 AB"}, "Vul een postcode in zoals 3511 AB."),
    ({"latitude": "91", "longitude": "5"}, "Vul een getal van -90 tot 90 in"),
    ({"latitude": "52", "longitude": "-181"}, "Vul een getal van -180 tot 180 in"),
    ({"latitude": "noord", "longitude": "5"}, "Vul een getal van -90 tot 90 in"),
    ({"latitude": "nan", "longitude": "5"}, "Vul een getal van -90 tot 90 in"),
    ({"latitude": "52,1", "longitude": ""}, "allebei in, of laat ze allebei leeg"),
    ({"address_1": ""}, "Vul de straat met huisnummer en de plaats in."),
    ({"url": "uwv.example"}, "Vul een volledig webadres in"),
    ({"location_type": "hemel"}, "Kies een soort locatie."),
    ({"municipality": "99999999"}, "Kies een gemeente uit de lijst."),
    ({"services": "00000000-0000-0000-0000-000000000000"}, "Kies diensten van deze organisatie"),
]


@pytest.mark.parametrize("wrong, message", LOCATION_MISTAKES)
def test_bad_location_input_is_told_and_nothing_stored(client, directory, login_as, wrong, message):
    login_as(Role.COORDINATOR)
    organization = directory["Het Juridisch Loket"]
    location = organization.locations[0]
    other = directory["Voedselbank Rotterdam (voorbeeld)"].services[0]
    if wrong.get("services"):
        wrong = {"services": str(other.id)}  # a service of another organisation
    rows_before = counts()
    for path in (
        location_path(location),
        f"/sociale-kaart/organisatie/{organization.id}/locatie/nieuw",
    ):
        form = client.get(path).get_data(as_text=True)
        fields = {"address_1": "Markt 1", "city": "Zeist", "description": "Concept blijft", **wrong}
        response = client.post(path, data=form_data(form, **fields))
        assert response.status_code == 400, path
        html = response.get_data(as_text=True)
        assert message in html, path
        assert "Concept blijft</textarea>" in html  # the draft is kept
    assert counts() == rows_before
    db.session.expire_all()
    assert db.session.get(Location, location.id).description == ""


def test_coordinator_removes_a_location(client, directory, login_as):
    coordinator = login_as(Role.COORDINATOR)
    organization = directory["Het Juridisch Loket"]
    [service] = organization.services
    location = next(loc for loc in organization.locations if loc.name.endswith("Utrecht"))
    address_id = location.address.id
    form = client.get(location_path(location)).get_data(as_text=True)
    assert "Deze locatie verwijderen" in form
    path = f"/sociale-kaart/locatie/{location.id}/verwijderen"
    confirm = client.get(path).get_data(as_text=True)
    assert "Juridisch Loket Utrecht (Vredenburg 40, 3511 BD Utrecht)" in confirm
    assert "Gratis juridisch advies" in confirm
    assert client.post(path).status_code == 400  # no CSRF token: nothing removed
    assert db.session.get(Location, location.id) is not None

    location_id = location.id
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Location, location_id) is None
    assert db.session.get(Address, address_id) is None
    service = db.session.get(Service, service.id)
    assert [loc.name for loc in service.locations] == ["Juridisch Loket Rotterdam"]
    gone = history(location_id)["*"]
    assert gone.last_action_type == "delete" and gone.replacement_value == ""
    assert gone.updated_by == coordinator.email
    listed = history(organization.id)["locations"]
    assert "Juridisch Loket Utrecht" in listed.previous_value
    assert listed.replacement_value == (
        "Juridisch Loket Rotterdam (Coolsingel 101, 3012 AG Rotterdam)"
    )
    assert "Utrecht" not in history(service.id)["locations"].replacement_value

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "De locatie Juridisch Loket Utrecht" in html and "is verwijderd." in html
    assert point(client, "Juridisch Loket Utrecht") is None
    exported = hsds_organization(client, organization)
    assert [loc["name"] for loc in exported["locations"]] == ["Juridisch Loket Rotterdam"]
    assert client.get(path).status_code == 404


# Access -----------------------------------------------------------------------------------


def users_for_managers_only(app, client, make_user, paths, token_page):
    """At each of ``paths`` (GET and POST) anonymous visitors are sent to log in, volunteers
    are refused and beheerders let in; returns (a volunteer's, a beheerder's) client."""
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/inloggen" in response.headers["Location"]
        token = csrf_token(client, token_page)
        assert client.post(path, data={"csrf_token": token, "name": "X"}).status_code == 302
    volunteer = app.test_client()
    login(volunteer, make_user(Role.VOLUNTEER))
    for path in paths:
        assert volunteer.get(path).status_code == 403, path
        token = csrf_token(volunteer, token_page)
        assert volunteer.post(path, data={"csrf_token": token, "name": "X"}).status_code == 403
    administrator = app.test_client()
    login(administrator, make_user(Role.ADMINISTRATOR))
    for path in paths:
        assert administrator.get(path).status_code == 200, path
    return volunteer, administrator


def test_only_coordinators_edit_organisations_and_locations(app, client, directory, make_user):
    organization = directory["Het Juridisch Loket"]
    location = organization.locations[0]
    paths = [
        f"/sociale-kaart/organisatie/{organization.id}/bewerken",
        f"/sociale-kaart/organisatie/{organization.id}/locatie/nieuw",
        location_path(location),
        f"/sociale-kaart/locatie/{location.id}/verwijderen",
    ]
    page = f"/sociale-kaart/organisatie/{organization.id}"
    service_page = f"/sociale-kaart/dienst/{organization.services[0].id}"
    rows_before = counts()

    public = client.get(page).get_data(as_text=True)
    assert "Organisatie wijzigen" not in public and "Locatie toevoegen" not in public
    assert ">Wijzigen<" not in public and "Geschiedenis" not in public
    volunteer, administrator = users_for_managers_only(app, client, make_user, paths, service_page)
    html = volunteer.get(page).get_data(as_text=True)
    assert "Organisatie wijzigen" not in html and "Locatie toevoegen" not in html
    assert counts() == rows_before
    assert "Organisatie wijzigen" in administrator.get(page).get_data(as_text=True)
    for path in paths:
        unknown = path.replace(str(organization.id), "00000000-0000-0000-0000-000000000000")
        unknown = unknown.replace(str(location.id), "geen-uuid")
        assert administrator.get(unknown).status_code == 404, unknown

    # A location that belongs to no organisation is not edited here.
    loose = Location(name="Los")
    db.session.add(loose)
    db.session.commit()
    assert administrator.get(location_path(loose)).status_code == 404


def test_postcode_and_coordinate_checks(app, taxonomy):
    assert clean_postal_code(" 3511ab ") == "3511 AB"
    assert clean_postal_code("") == ""
    assert clean_postal_code("SW1A 1AA", "GB") == "SW1A 1AA"
    assert clean_postal_code("NL-3511-ab") == "3511 AB"
    for wrong in ("3511 A1", "0511 AB", "3511 SS"):  # SA, SD and SS are never used
        with pytest.raises(ServiceError):
            clean_postal_code(wrong)
    assert parse_coordinate("52,0907", "latitude") == 52.0907
    assert parse_coordinate(-180, "longitude") == -180.0
    assert parse_coordinate(0, "latitude") == 0.0
    assert parse_coordinate(" ", "latitude") is None
    for wrong in ("90.1", "inf", "1,2,3"):
        with pytest.raises(ServiceError):
            parse_coordinate(wrong, "latitude")
    assert municipality_id("Zeist") == municipality_for_city("zeist").id


# Contacts -------------------------------------------------------------------------------------

OLD_CONTACT = "Coördinator (Coördinator vrijwilligers)"


def contact_counts() -> tuple[int, ...]:
    """Contacts, phones, history rows and the sociale kaart's audit events."""
    tables = [select(func.count()).select_from(model) for model in (Contact, Phone, Metadata)]
    events = select(func.count()).where(AuditEvent.action.startswith("directory."))
    return tuple(db.session.scalar(statement) for statement in (*tables, events))


def actions(name: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == name)))


def contact_path(contact, action: str = "bewerken") -> str:
    return f"/sociale-kaart/contact/{contact.id}/{action}"


def exported_contact(data: dict, contact_id) -> dict | None:
    return next((c for c in data["contacts"] if c["id"] == str(contact_id)), None)


def test_coordinator_adds_edits_and_removes_a_contact_of_an_organisation(
    app, client, directory, login_as
):
    coordinator = login_as(Role.COORDINATOR)
    organization = directory["Sociaal Raadslieden Utrecht"]
    organization_phones = [p.number for p in organization.phones]
    page = f"/sociale-kaart/organisatie/{organization.id}"
    html = client.get(page).get_data(as_text=True)
    [old] = organization.contacts
    assert "Contactpersoon toevoegen" in html and contact_path(old) in html

    # Add.
    path = f"/sociale-kaart/organisatie/{organization.id}/contact/nieuw"
    form = client.get(path).get_data(as_text=True)
    assert "Contactpersoon toevoegen" in form and "Schrijf hier geen gegevens van cliënten." in form
    data = form_data(
        form,
        name="Balie geldzaken",
        department="Schuldhulp",
        email="geld@welzijn-utrecht.example",
        phones="030 240 50 61\r\n0612345679\r\n",
    )
    response = client.post(path, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    db.session.expire_all()
    contact = db.session.scalar(select(Contact).where(Contact.name == "Balie geldzaken"))
    assert (contact.organization_id, contact.service_id, contact.location_id) == (
        organization.id,
        None,
        None,
    )
    assert (contact.title, contact.department) == ("", "Schuldhulp")
    assert contact.email == "geld@welzijn-utrecht.example"
    assert sorted(p.number for p in contact.phones) == ["030 240 5061", "06 12345679"]
    organization = db.session.get(Organization, organization.id)
    assert [p.number for p in organization.phones] == organization_phones  # its own, unchanged
    rows = history(contact.id)
    assert set(rows) == {"*", "name", "department", "email", "phones"}
    assert rows["*"].last_action_type == "create"
    assert rows["phones"].replacement_value == "030 240 5061; 06 12345679"
    assert {row.resource_type for row in rows.values()} == {"contact"}
    assert {row.updated_by for row in rows.values()} == {coordinator.email}
    listed = history(organization.id)["contacts"]
    assert listed.resource_type == "organization" and listed.previous_value == OLD_CONTACT
    assert listed.replacement_value == f"Balie geldzaken (Schuldhulp); {OLD_CONTACT}"
    [created] = actions("directory.contact_created")
    assert created.object_id == str(contact.id) and created.object_type == "directory_contact"

    html = client.get(page).get_data(as_text=True)
    assert "De contactpersoon Balie geldzaken is toegevoegd." in html
    assert "Balie geldzaken (Schuldhulp)" in html and 'href="tel:0302405061"' in html
    assert 'href="mailto:geld@welzijn-utrecht.example"' in html
    assert "Contactpersoon Balie geldzaken (Schuldhulp)" in html  # the history's part
    public = app.test_client().get(page).get_data(as_text=True)
    assert "Balie geldzaken (Schuldhulp)" in public and "06 12345679" in public
    assert contact_path(contact) not in public and "Contactpersoon toevoegen" not in public

    exported = exported_contact(hsds_organization(client, organization), contact.id)
    assert exported["department"] == "Schuldhulp" and "title" not in exported
    assert sorted(p["number"] for p in exported["phones"]) == ["030 240 5061", "06 12345679"]
    assert {p["contact_id"] for p in exported["phones"]} == {str(contact.id)}
    assert {row["field_name"] for row in exported["metadata"]} == set(rows)
    assert {row["updated_by"] for row in exported["metadata"]} == {coordinator.email}
    anonymous = app.test_client().get(f"/hsds/organizations/{organization.id}").get_json()
    seen = exported_contact(anonymous, contact.id)
    assert {row["updated_by"] for row in seen["metadata"]} == {"Signalen"}

    # Edit: the number that stays keeps its row.
    kept = next(p.id for p in contact.phones if p.number == "06 12345679")
    form = client.get(contact_path(contact)).get_data(as_text=True)
    assert 'value="Balie geldzaken"' in form and "030 240 5061\n06 12345679</textarea>" in form
    data = form_data(form, title="Baliemedewerker", phones="06 12345679")
    response = client.post(contact_path(contact), data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    db.session.expire_all()
    contact = db.session.get(Contact, contact.id)
    assert contact.title == "Baliemedewerker"
    assert [(p.id, p.number) for p in contact.phones] == [(kept, "06 12345679")]
    rows = history(contact.id)
    assert (
        rows["title"].previous_value == "" and rows["title"].replacement_value == "Baliemedewerker"
    )
    assert rows["phones"].previous_value == "030 240 5061; 06 12345679"
    assert rows["phones"].replacement_value == "06 12345679"
    [updated] = actions("directory.contact_updated")
    assert updated.changes == {"fields": ["title", "phones"]}
    html = client.get(page).get_data(as_text=True)
    assert "De wijzigingen zijn opgeslagen." in html
    assert "Balie geldzaken (Baliemedewerker, Schuldhulp)" in html

    # The same again changes nothing and records nothing.
    before = contact_counts()
    form = client.get(contact_path(contact)).get_data(as_text=True)
    again = client.post(contact_path(contact), data=form_data(form))
    assert again.status_code == 302 and contact_counts() == before
    assert "Er is niets gewijzigd." in client.get(again.headers["Location"]).get_data(as_text=True)

    # Remove, after a question.
    form = client.get(contact_path(contact)).get_data(as_text=True)
    assert "Deze contactpersoon verwijderen" in form
    remove = contact_path(contact, "verwijderen")
    confirm = client.get(remove).get_data(as_text=True)
    assert "Wilt u Balie geldzaken (Baliemedewerker, Schuldhulp) van de sociale kaart" in confirm
    assert client.post(remove).status_code == 400  # no CSRF token: nothing removed
    assert db.session.get(Contact, contact.id) is not None
    contact_id = contact.id
    response = client.post(remove, data={"csrf_token": csrf_token(client, remove)})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    db.session.expire_all()
    assert db.session.get(Contact, contact_id) is None
    assert db.session.get(Phone, kept) is None
    gone = history(contact_id)["*"]
    assert gone.last_action_type == "delete" and gone.replacement_value == ""
    assert gone.previous_value == "Balie geldzaken (Baliemedewerker, Schuldhulp)"
    listed = history(organization.id)["contacts"]
    assert listed.previous_value == f"Balie geldzaken (Baliemedewerker, Schuldhulp); {OLD_CONTACT}"
    assert listed.replacement_value == OLD_CONTACT
    assert len(actions("directory.contact_deleted")) == 1
    html = client.get(page).get_data(as_text=True)
    assert "De contactpersoon Balie geldzaken (Baliemedewerker, Schuldhulp) is verwijderd." in html
    assert "06 12345679" not in html.split("Geschiedenis")[0]
    exported = hsds_organization(client, db.session.get(Organization, organization.id))
    assert [c["name"] for c in exported["contacts"]] == ["Coördinator"]
    assert client.get(remove).status_code == 404
    assert client.get(remove.replace("verwijderen", "bewerken")).status_code == 404


def test_coordinator_adds_edits_and_removes_a_contact_of_a_service(
    app, client, directory, login_as
):
    login_as(Role.COORDINATOR)
    service = directory["Sociaal Raadslieden Utrecht"].services[0]
    service_phone = current_value(service, "phone")
    page = f"/sociale-kaart/dienst/{service.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Contactpersoon toevoegen" in html and "Onderdeel" not in html
    since = datetime.now(UTC).isoformat().replace("+00:00", "Z")

    path = f"/sociale-kaart/dienst/{service.id}/contact/nieuw"
    form = client.get(path).get_data(as_text=True)
    data = form_data(form, name="Marieke de Vries", title="Sociaal raadslid", phones="030 240 5062")
    response = client.post(path, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    db.session.expire_all()
    service = db.session.get(Service, service.id)
    [contact] = service.contacts
    assert (contact.service_id, contact.organization_id) == (service.id, None)
    assert [p.number for p in contact.phones] == ["030 240 5062"]
    assert current_value(service, "phone") == service_phone  # its own, unchanged
    assert (
        history(service.id)["contacts"].replacement_value == "Marieke de Vries (Sociaal raadslid)"
    )
    assert history(service.id)["contacts"].resource_type == "service"
    assert history(contact.id)["title"].replacement_value == "Sociaal raadslid"
    organization = db.session.get(Organization, service.organization_id)
    assert contact not in organization.contacts

    html = client.get(page).get_data(as_text=True)
    assert "De contactpersoon Marieke de Vries is toegevoegd." in html
    assert "Marieke de Vries (Sociaal raadslid)" in html and 'href="tel:0302405062"' in html
    assert "Onderdeel" in html and "Contactpersoon Marieke de Vries (Sociaal raadslid)" in html
    public = app.test_client().get(page).get_data(as_text=True)
    assert "Marieke de Vries (Sociaal raadslid)" in public and contact_path(contact) not in public

    full = client.get(f"/hsds/services/{service.id}").get_json()
    if SCHEMA_DIR.is_dir():
        assert_valid(full, load_schema("service"))
    exported = exported_contact(full, contact.id)
    assert exported["service_id"] == str(service.id) and exported["title"] == "Sociaal raadslid"
    assert [p["number"] for p in exported["phones"]] == ["030 240 5062"]
    assert "030 240 5062" not in [p["number"] for p in full["phones"]]
    assert {row["field_name"] for row in exported["metadata"]} >= {"*", "name", "phones"}
    assert "contacts" in {row["field_name"] for row in full["metadata"]}
    changed = client.get(f"/hsds/services?modified_after={since}").get_json()
    assert [item["name"] for item in changed["contents"]] == [service.name]
    nested = hsds_organization(client, organization)["services"][0]
    assert exported_contact(nested, contact.id)["metadata"]

    # Edit and remove go back to the service page.
    form = client.get(contact_path(contact)).get_data(as_text=True)
    assert f'href="{page}"' in form
    data = form_data(form, email="m.devries@welzijn-utrecht.example")
    response = client.post(contact_path(contact), data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).email == "m.devries@welzijn-utrecht.example"
    remove = contact_path(contact, "verwijderen")
    response = client.post(remove, data={"csrf_token": csrf_token(client, remove)})
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    db.session.expire_all()
    assert db.session.get(Service, service.id).contacts == []
    assert history(service.id)["contacts"].replacement_value == ""
    full = client.get(f"/hsds/services/{service.id}").get_json()
    assert full["contacts"] == []


# A contact's name, e-mail address and phone numbers are checked like an organisation's.
CONTACT_MISTAKES = [
    *(item for item in ORGANIZATION_MISTAKES if set(item[0]) <= set(CONTACT_FIELDS)),
    ({"title": "x" * 201}, "200"),
]


@pytest.mark.parametrize("wrong, message", CONTACT_MISTAKES)
def test_bad_contact_input_is_told_and_nothing_stored(client, directory, login_as, wrong, message):
    login_as(Role.COORDINATOR)
    organization = directory["Sociaal Raadslieden Utrecht"]
    [contact] = organization.contacts
    rows_before = contact_counts()
    for path in (
        contact_path(contact),
        f"/sociale-kaart/organisatie/{organization.id}/contact/nieuw",
        f"/sociale-kaart/dienst/{organization.services[0].id}/contact/nieuw",
    ):
        form = client.get(path).get_data(as_text=True)
        fields = {"name": "Balie", "department": "Concept blijft staan", **wrong}
        response = client.post(path, data=form_data(form, **fields))
        assert response.status_code == 400, path
        html = response.get_data(as_text=True)
        assert message in html and "Controleer het formulier" in html, path
        assert 'value="Concept blijft staan"' in html, path  # the draft is kept
    assert contact_counts() == rows_before
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).department == ""


def test_contact_service_checks_every_field(app, directory):
    organization = directory["Sociaal Raadslieden Utrecht"]
    [contact] = organization.contacts
    rows_before = contact_counts()
    with pytest.raises(ServiceError):
        update_contact(contact, {"location_id": "x"}, "c@x.nl")
    with pytest.raises(ServiceError) as refused:
        create_contact(organization, {"title": "Zonder naam"}, "c@x.nl")
    assert refused.value.field == "name"
    db.session.rollback()
    assert contact_counts() == rows_before


def test_only_coordinators_edit_contacts(app, client, directory, make_user):
    organization = directory["Het Juridisch Loket"]
    service = organization.services[0]
    [contact] = organization.contacts
    paths = [
        f"/sociale-kaart/organisatie/{organization.id}/contact/nieuw",
        f"/sociale-kaart/dienst/{service.id}/contact/nieuw",
        contact_path(contact),
        contact_path(contact, "verwijderen"),
    ]
    service_page = f"/sociale-kaart/dienst/{service.id}"
    rows_before = contact_counts()
    for page in (f"/sociale-kaart/organisatie/{organization.id}", service_page):
        html = client.get(page).get_data(as_text=True)
        assert "Contactpersoon toevoegen" not in html and contact_path(contact) not in html
    volunteer, administrator = users_for_managers_only(app, client, make_user, paths, service_page)
    assert "Contactpersoon toevoegen" not in volunteer.get(service_page).get_data(as_text=True)
    assert contact_counts() == rows_before
    assert "Contactpersoon toevoegen" in administrator.get(service_page).get_data(as_text=True)
    for path in paths:
        unknown = path.replace(str(organization.id), "00000000-0000-0000-0000-000000000000")
        unknown = unknown.replace(str(service.id), "00000000-0000-0000-0000-000000000000")
        unknown = unknown.replace(str(contact.id), "geen-uuid")
        assert administrator.get(unknown).status_code == 404, unknown

    # A contact of a location is not edited here.
    of_location = Contact(location_id=organization.locations[0].id, name="Receptie")
    db.session.add(of_location)
    db.session.commit()
    for action in ("bewerken", "verwijderen"):
        assert administrator.get(contact_path(of_location, action)).status_code == 404
    token = csrf_token(administrator, service_page)
    response = administrator.post(
        contact_path(of_location, "verwijderen"), data={"csrf_token": token}
    )
    assert response.status_code == 404
    assert db.session.get(Contact, of_location.id) is not None
