"""``signalen import-hsds``: the official examples, idempotence, all-or-nothing, bad input."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signalen import PROJECT_ROOT
from signalen.directory.models import Location, Metadata, Organization, Phone, Schedule, Service
from signalen.extensions import db
from signalen.hsds.importing import import_hsds

EXAMPLES = PROJECT_ROOT / "tests" / "data" / "hsds-3.0" / "examples"
ORG = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE = "ac148810-d857-441c-9679-408f346de14b"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def organization(**extra) -> dict:
    data = {
        "id": str(uuid.uuid4()),
        "name": "Stichting Voorbeeld",
        "description": "Hulp bij geldzaken.",
        "website": "https://voorbeeld.example",
        "services": [
            {
                "id": str(uuid.uuid4()),
                "name": "Spreekuur",
                "status": "active",
                "phones": [{"id": str(uuid.uuid4()), "number": "030 123 45 67"}],
                "schedules": [
                    {
                        "id": str(uuid.uuid4()),
                        "freq": "WEEKLY",
                        "byday": "MO,WE",
                        "opens_at": "09:00",
                        "closes_at": "12:00",
                    }
                ],
            }
        ],
        "locations": [
            {"id": str(uuid.uuid4()), "location_type": "physical", "latitude": 52.09,
             "longitude": 5.12},
        ],
    }  # fmt: skip
    data.update(extra)
    return data


def write_json(tmp_path: Path, data, name: str = "hsds.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name",
    [
        "organization_full.json",
        "organization_list.json",
        "service_full.json",
        "service_list.json",
        "service_at_location_full.json",
        "csv",
    ],
)
def test_every_example_imports_and_twice_changes_nothing(app, taxonomy, name):
    dry = import_hsds(EXAMPLES / name, dry_run=True)
    assert dry.errors == [] and not dry.committed
    assert count(Organization) == 0

    report = import_hsds(EXAMPLES / name)
    assert report.errors == [] and report.committed
    assert db.session.get(Organization, uuid.UUID(ORG)) is not None
    sizes = {model: count(model) for model in (Organization, Service, Location, Phone, Schedule)}
    if name != "organization_list.json":
        assert sizes[Service] == 1
        service = db.session.get(Service, uuid.UUID(SERVICE))
        assert service.name == "Community Counselling"
    if name.endswith("_full.json") or name == "csv":
        service = db.session.get(Service, uuid.UUID(SERVICE))
        assert service.phones[0].number == "+44 1234 234567"  # quotes in the example removed

    again = import_hsds(EXAMPLES / name)
    assert again.committed and again.created == {} and again.updated == {}
    assert {model: count(model) for model in sizes} == sizes


def test_example_repairs_are_reported_and_strict_refuses_them(app, taxonomy):
    report = import_hsds(EXAMPLES / "organization_full.json", dry_run=True)
    warnings = "\n".join(str(w) for w in report.warnings)
    assert "'latitude' 100 ligt buiten -90 tot 90" in warnings
    assert "Bovenliggende organisatie cd09a387" in warnings
    assert "geen thema van Signalen" in warnings
    strict = import_hsds(EXAMPLES / "organization_full.json", strict=True)
    assert strict.errors and not strict.committed
    assert count(Organization) == 0

    import_hsds(EXAMPLES / "organization_full.json")
    location = db.session.get(Location, uuid.UUID("3a19ff88-4620-4d17-9830-ac1d859eb5d5"))
    assert location.latitude is None and location.longitude is None


def test_csv_then_json_of_the_same_data_does_not_duplicate(app, taxonomy):
    assert import_hsds(EXAMPLES / "csv").committed
    assert import_hsds(EXAMPLES / "organization_full.json").committed
    assert count(Organization) == 1 and count(Service) == 1


def test_cli_dry_run_and_commit(app, tmp_path):
    path = write_json(tmp_path, [organization()])
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-hsds", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "niets opgeslagen" in result.output
    # The dry run writes and rolls back, so it can say what an import would do.
    assert "Een import zou doen: organisaties: 1 nieuw, 0 bijgewerkt; diensten: 1 nieuw" in (
        result.output
    )
    assert count(Organization) == 0 and count(Metadata) == 0
    result = runner.invoke(args=["import-hsds", str(path)])
    assert result.exit_code == 0, result.output
    assert "Geïmporteerd" in result.output
    assert count(Organization) == 1
    service = db.session.scalars(select(Service)).one()
    assert service.phones[0].number == "030 123 4567"
    history = db.session.scalars(select(Metadata).where(Metadata.resource_id == service.id)).all()
    assert [h.last_action_type for h in history] == ["create"]


def test_reimport_updates_by_uuid_and_records_history(app, tmp_path):
    data = organization()
    import_hsds(write_json(tmp_path, [data]))
    data["services"][0]["name"] = "Inloopspreekuur"
    report = import_hsds(write_json(tmp_path, [data]))
    assert report.updated == {"services": 1}
    service = db.session.scalars(select(Service)).one()
    assert service.name == "Inloopspreekuur"
    change = db.session.scalars(
        select(Metadata).where(Metadata.field_name == "name", Metadata.resource_id == service.id)
    ).one()
    assert (change.previous_value, change.replacement_value) == ("Spreekuur", "Inloopspreekuur")
    assert change.updated_by == "import-hsds"


def test_page_envelope_and_single_object(app, tmp_path):
    page = {"total_items": 1, "total_pages": 1, "page_number": 1, "size": 1,
            "first_page": True, "last_page": True, "empty": False,
            "contents": [organization()]}  # fmt: skip
    assert import_hsds(write_json(tmp_path, page)).committed
    assert import_hsds(write_json(tmp_path, organization(), "one.json")).committed
    assert count(Organization) == 2


def test_export_imports_back_unchanged(app, taxonomy, client, tmp_path):
    from signalen.demo.directory import seed_demo_directory

    seed_demo_directory()
    ids = [o["id"] for o in client.get("/hsds/organizations?per_page=50").get_json()["contents"]]
    exported = [client.get(f"/hsds/organizations/{i}").get_json() for i in ids]
    sizes = {model: count(model) for model in (Organization, Service, Location, Phone, Schedule)}
    report = import_hsds(write_json(tmp_path, exported))
    assert report.errors == [], report.errors
    assert report.warnings == [], report.warnings
    assert {model: count(model) for model in sizes} == sizes
    assert report.created == {}


def with_service(**changes) -> list:
    """One good organisation and one whose (only) service is changed."""
    data = organization()
    service = data["services"][0]
    for key, value in changes.items():
        target, _, name = key.rpartition("__")
        (service[target][0] if target else service)[name] = value
    return [organization(name="Goede organisatie"), data]


def with_location(**changes) -> list:
    data = organization()
    data["locations"][0].update(changes)
    return [organization(name="Goede organisatie"), data]


def with_address(**changes) -> list:
    data = organization()
    address = {"id": str(uuid.uuid4()), "address_1": "Markt 1", "city": "Zeist", **changes}
    data["locations"][0]["addresses"] = [address]
    return [organization(name="Goede organisatie"), data]


# The "bad input" of the issue, and more: each gives a clear message and writes nothing.
BAD_INPUT = {
    "wrong version": ({"version": "2.0.1", "contents": []}, "HSDS-versie 2.0.1"),
    "hsds 2 shape": ([{**organization(), "physical_addresses": []}], "HSDS 2.0"),
    "not hsds": ({"naam": "iets"}, "Geen HSDS-organisatie, -dienst of -lijst gevonden."),
    "missing name": ([organization(name="")], "Verplicht veld 'name' ontbreekt"),
    "bad uuid": ([organization(id="123")], "'id' is geen geldige UUID: 123"),
    "bad website": ([organization(website="www voorbeeld")], "'website' is geen geldig webadres"),
    "bad service url": (with_service(url="ftp://x"), "'url' is geen geldig webadres: ftp://x"),
    "bad email": ([organization(email="info@")], "'email' is geen geldig e-mailadres"),
    "bad phone": (with_service(phones__number="12"), "Telefoonnummer '12' klopt niet."),
    "closing before opening": (
        with_service(schedules__opens_at="17:00", schedules__closes_at="09:00"),
        "De sluitingstijd 09:00 ligt niet na de openingstijd 17:00.",
    ),
    "no time": (with_service(schedules__opens_at="negen uur"), "'opens_at' is geen tijd"),
    "bad day": (with_service(schedules__byday="MA"), "Onbekende dag 'MA' in byday."),
    "bad interval": (with_service(schedules__interval="vaak"), "'interval' moet een geheel"),
    "interval in other digits": (
        with_service(schedules__interval="²"),
        "'interval' moet een geheel",
    ),
    "age beyond any number": (with_service(minimum_age="1e999"), "'minimum_age'"),
    "age in other digits": (with_service(maximum_age="٣٠"), "'maximum_age'"),
    "name as an object": (
        with_service(name={"nl": "Schuldhulp"}),
        "'name' moet één waarde zijn, geen lijst of object.",
    ),
    "name as a number": (
        with_service(name=5),
        "'name' moet tekst zijn, geen getal of true/false.",
    ),
    "forbidden character": (
        [organization(description="Hulp \uffff bij schulden")],
        "'description': Deze tekst bevat een teken dat niet kan",
    ),
    "latitude not a number": (with_location(latitude="noord"), "'latitude' is geen getal: noord"),
    "unknown status": (with_service(status="open"), "Onbekende status 'open'"),
    # The postcode check of the edit form (python-stdnum): SS is a combination never used.
    "bad postcode": (
        with_address(postal_code="3701 SS", country="NL"),
        "Postcode '3701 SS' klopt niet. Vul een postcode in zoals 3511 AB.",
    ),
    "postcode without a country is Dutch": (with_address(postal_code="12"), "Postcode '12'"),
    "ages": (with_service(minimum_age=65, maximum_age=18), "De minimumleeftijd is hoger"),
    "too long": (
        with_service(name="x" * 201),
        "'name' is te lang: 201 tekens (hoogstens 200).",
    ),
    "unknown location": (
        with_service(service_at_locations=[{"id": str(uuid.uuid4()), "location_id": ORG}]),
        f"'location_id' verwijst naar {ORG}, maar dat staat niet in het bestand",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_gives_a_message_and_writes_nothing(app, tmp_path, case):
    data, message = BAD_INPUT[case]
    good = organization(name="Goede organisatie")
    if isinstance(data, list) and len(data) == 1:
        data = [good, *data]
    report = import_hsds(write_json(tmp_path, data))
    assert not report.committed
    assert any(message in str(problem) for problem in report.errors), report.errors
    assert all(str(problem).startswith("hsds.json") for problem in report.errors)
    assert count(Organization) == 0 and count(Service) == 0 and count(Metadata) == 0


def test_cli_lists_every_problem_and_exits_1(app, tmp_path):
    data = with_service(url="geen url", phones__number="12")
    result = app.test_cli_runner().invoke(args=["import-hsds", str(write_json(tmp_path, data))])
    assert result.exit_code == 1
    assert "Fout: hsds.json[1].services[0]: 'url' is geen geldig webadres" in result.output
    assert "Fout: hsds.json[1].services[0].phones[0]: Telefoonnummer '12'" in result.output
    assert "2 fout(en) gevonden; er is niets geïmporteerd." in result.output
    assert count(Organization) == 0


def test_service_level_problems_are_all_reported_with_where(app, tmp_path):
    data = organization()
    service = data["services"][0]
    service["phones"][0]["number"] = "12"
    service["schedules"][0]["closes_at"] = "08:30"
    service["service_at_locations"] = [{"id": str(uuid.uuid4()), "location_id": str(uuid.uuid4())}]
    service["minimum_age"] = 65
    service["maximum_age"] = 18
    service["status"] = "open"
    report = import_hsds(write_json(tmp_path, [data]), dry_run=True)
    text = "\n".join(str(problem) for problem in report.errors)
    assert "hsds.json[0].services[0].phones[0]: Telefoonnummer '12' klopt niet." in text
    assert "De sluitingstijd 08:30 ligt niet na de openingstijd 09:00." in text
    assert "'location_id' verwijst naar" in text
    assert "De minimumleeftijd is hoger dan de maximumleeftijd." in text
    assert "Onbekende status 'open'" in text


def test_postcodes_are_written_as_the_edit_form_writes_them(app, tmp_path):
    data = with_address(postal_code="3701ge", country="NL")
    data[1]["locations"].append(
        {
            "id": str(uuid.uuid4()),
            "location_type": "physical",
            "addresses": [
                {
                    "id": str(uuid.uuid4()),
                    "address_1": "1 Main Street",
                    "city": "London",
                    "postal_code": "SW1A 1AA",
                    "country": "GB",
                }
            ],
        }
    )
    report = import_hsds(write_json(tmp_path, data))
    assert report.errors == [] and report.committed
    locations = db.session.scalars(select(Location))
    codes = {location.address.postal_code for location in locations if location.address}
    assert {"3701 GE", "SW1A 1AA"} <= codes


def test_coordinates_out_of_range(app, tmp_path):
    data = organization()
    data["locations"][0]["latitude"] = 152.0
    path = write_json(tmp_path, [data])
    report = import_hsds(path, strict=True)
    assert any("'latitude' 152.0 ligt buiten -90 tot 90" in str(e) for e in report.errors)
    assert count(Organization) == 0
    data["locations"][0]["longitude"] = "oost"
    report = import_hsds(write_json(tmp_path, [data]))
    assert any("'longitude' is geen getal: oost" in str(e) for e in report.errors)


def test_circular_parent_organisations(app, tmp_path):
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    data = [
        organization(id=a, parent_organization_id=b, services=[], locations=[]),
        organization(id=b, parent_organization_id=c, services=[], locations=[]),
        organization(id=c, parent_organization_id=a, services=[], locations=[]),
    ]
    report = import_hsds(write_json(tmp_path, data))
    assert len(report.errors) == 1
    assert "Bovenliggende organisaties vormen een kring" in str(report.errors[0])
    assert count(Organization) == 0


def test_malformed_json(app, tmp_path):
    path = tmp_path / "kapot.json"
    path.write_text('[{"id": "x",', encoding="utf-8")
    report = import_hsds(path)
    assert "Geen geldige JSON (regel 1" in str(report.errors[0])
    result = app.test_cli_runner().invoke(args=["import-hsds", str(path)])
    assert result.exit_code == 1
    assert "Fout:" in result.output and "niets geïmporteerd" in result.output


def test_malformed_csv_and_hsds2_folder(app, tmp_path):
    folder = tmp_path / "csv"
    shutil.copytree(EXAMPLES / "csv", folder)
    with (folder / "phones.csv").open("a", encoding="utf-8") as handle:
        handle.write("only,three,columns,but,there,are,more,than,ten,columns,here,x\n")
    report = import_hsds(folder)
    assert any(
        "phones.csv regel 3: Deze regel heeft meer kolommen dan de kop." in str(e)
        for e in report.errors
    ), report.errors
    assert count(Organization) == 0

    with (folder / "languages.csv").open("a", encoding="utf-8") as handle:
        handle.write("2989d3ed-c547-48f8-8f9d-432d81c7892f,too,few\n")
    report = import_hsds(folder)
    assert any(
        "languages.csv regel 3: Deze regel heeft minder kolommen dan de kop." in str(e)
        for e in report.errors
    ), report.errors
    with (folder / "organizations.csv").open("a", encoding="utf-8") as handle:
        handle.write('x,"niet gesloten\n')
    report = import_hsds(folder)
    assert any("organizations.csv regel" in str(e) and "Geen geldige CSV" in str(e)
               for e in report.errors), report.errors  # fmt: skip
    assert count(Organization) == 0

    (folder / "datapackage.json").write_text('{"version": "2.0"}', encoding="utf-8")
    report = import_hsds(folder / "datapackage.json")
    assert "datapackage.json: HSDS-versie 2.0 wordt niet ondersteund" in str(report.errors[0])

    (folder / "datapackage.json").unlink()
    (folder / "phones.csv").unlink()
    (folder / "regular_schedules.csv").write_text("id\n", encoding="utf-8")
    report = import_hsds(folder)
    assert "HSDS 2.0" in str(report.errors[0])


def test_missing_path(app, tmp_path):
    report = import_hsds(tmp_path / "bestaat-niet.json")
    assert "bestaat niet" in str(report.errors[0])


def zipped(folder: Path, prefix: str = "") -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
    return buffer.getvalue()


def test_zip_upload_and_datapackage_resource_names(app, taxonomy, make_user, tmp_path):
    from signalen.auth.models import Role
    from signalen.hsds.importing import import_upload

    coordinator = make_user(Role.COORDINATOR)
    folder = tmp_path / "pakket"
    shutil.copytree(EXAMPLES / "csv", folder)
    # Another system names its files differently; datapackage.json says which is which.
    (folder / "services.csv").rename(folder / "diensten.csv")
    (folder / "datapackage.json").write_text(
        json.dumps({"resources": [{"name": "service", "path": "data/diensten.csv"}]}),
        encoding="utf-8",
    )
    content = zipped(folder, prefix="export/")  # files in a folder inside the archive
    dry = import_upload("kaart.zip", content, coordinator, dry_run=True)
    assert dry.errors == [] and not dry.committed
    assert ("diensten", 1, 0) in dry.counts()
    assert count(Organization) == 0
    report = import_upload("kaart.zip", content, coordinator)
    assert report.committed
    service = db.session.get(Service, uuid.UUID(SERVICE))
    assert service.name == "Community Counselling"
    assert {m.updated_by for m in db.session.scalars(select(Metadata))} == {coordinator.email}

    broken = import_upload("kaart.zip", b"PK\x03\x04 kapot", coordinator)
    assert "Dit is geen geldig ZIP-bestand." in str(broken.errors[0])
    # The command line takes the ZIP file too: the same data again changes nothing.
    archive = tmp_path / "kaart.zip"
    archive.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["import-hsds", str(archive)])
    assert result.exit_code == 0, result.output
    assert "niets gewijzigd" in result.output


def test_theme_terms_are_matched_by_name_when_ids_disagree(app, taxonomy, tmp_path):
    """Another Signalen exports its own term ids; one may equal an id of ours for another
    theme. The name decides; an unknown name is left out with a warning."""
    from signalen.hsds.export import theme_term_id

    schulden = taxonomy.themes["schulden"]
    betaling = taxonomy.themes["betaling"]
    data = organization()
    service = data["services"][0]
    service["attributes"] = [
        {
            "id": str(uuid.uuid4()),
            "taxonomy_term_id": str(theme_term_id(betaling.id)),
            "taxonomy_term": {"id": str(theme_term_id(betaling.id)), "name": "Schulden"},
        },
        {
            "id": str(uuid.uuid4()),
            "taxonomy_term_id": str(uuid.uuid4()),
            "taxonomy_term": {"id": str(uuid.uuid4()), "name": "Iets onbekends"},
        },
    ]
    service["attributes"][1]["taxonomy_term_id"] = service["attributes"][1]["taxonomy_term"]["id"]
    report = import_hsds(write_json(tmp_path, [data]))
    assert report.committed
    assert any("'Iets onbekends'" in str(w) for w in report.warnings)
    imported = db.session.get(Service, uuid.UUID(service["id"]))
    assert [theme.id for theme in imported.themes] == [schulden.id]


def test_a_database_failure_is_reported_and_nothing_is_kept(app, tmp_path, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from signalen.hsds import importing

    def fail(self):
        db.session.add(Organization(name="Half geschreven"))
        db.session.flush()
        raise OperationalError("INSERT", {}, Exception("schijf vol"))

    monkeypatch.setattr(importing.Writer, "_write_themes", fail)
    report = import_hsds(write_json(tmp_path, [organization()]))
    assert not report.committed and report.created == {}
    assert "Opslaan in de database lukte niet; er is niets geïmporteerd." in str(report.errors[0])
    assert count(Organization) == 0 and count(Service) == 0 and count(Metadata) == 0


# The import page for coordinators -----------------------------------------------------------


def upload(client, content: bytes, name: str, mode: str):
    import io

    from tests.conftest import csrf_token

    token = csrf_token(client, "/sociale-kaart/importeren")
    return client.post(
        "/sociale-kaart/importeren",
        data={"csrf_token": token, "mode": mode, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_coordinator_imports_the_examples_on_the_import_page(app, client, make_user, taxonomy):
    from signalen.auth.models import Role
    from tests.conftest import login

    assert client.get("/sociale-kaart/importeren").status_code == 302  # log in first
    volunteer = app.test_client()
    login(volunteer, make_user(Role.VOLUNTEER))
    assert volunteer.get("/sociale-kaart/importeren").status_code == 403
    coordinator = make_user(Role.COORDINATOR)
    login(client, coordinator)
    assert client.get("/sociale-kaart/importeren").status_code == 200

    content = (EXAMPLES / "organization_full.json").read_bytes()
    checked = upload(client, content, "organization_full.json", "controleren")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "Controle geslaagd" in html
    assert "Wat een import zou opslaan" in html and "ligt buiten -90 tot 90" in html
    assert count(Organization) == 0

    done = upload(client, content, "organization_full.json", "importeren")
    assert done.status_code == 200
    assert "De sociale kaart is bijgewerkt." in done.get_data(as_text=True)
    service = db.session.get(Service, uuid.UUID(SERVICE))
    assert service.name == "Community Counselling"
    # The example was last checked in 2005: it is on the coordinator's review list at once.
    review = client.get("/sociale-kaart/te-controleren").get_data(as_text=True)
    overdue = review.split('id="soon-title"')[0]
    assert "Community Counselling" in overdue
    assert {m.updated_by for m in db.session.scalars(select(Metadata))} == {coordinator.email}

    again = upload(client, content, "organization_full.json", "importeren")
    assert "Alles was al zo: er verandert niets." in again.get_data(as_text=True)
    assert count(Service) == 1


def test_import_page_shows_every_problem_and_needs_csrf(client, login_as, tmp_path):
    import io

    from signalen.auth.models import Role

    login_as(Role.COORDINATOR)
    bad = json.dumps(with_service(url="geen url", phones__number="12")).encode()
    response = upload(client, bad, "kaart.json", "importeren")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Er zijn 2 fouten gevonden. Er is niets opgeslagen." in html
    assert "kaart.json[1].services[0].phones[0]" in html
    assert count(Organization) == 0
    response = upload(client, b"<script>alert(1)</script>", "<b>kaart</b>.json", "importeren")
    html = response.get_data(as_text=True)
    assert "Geen geldige JSON" in html and "<b>kaart</b>" not in html
    assert upload(client, b"", "leeg.json", "importeren").status_code == 422
    no_token = client.post(
        "/sociale-kaart/importeren",
        data={"mode": "importeren", "file": (io.BytesIO(bad), "kaart.json")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400
