"""Every /hsds/ endpoint's output validates against the official HSDS 3.0 compiled schemas
(vendored in ``tests/data/hsds-3.0/schema/``)."""

from __future__ import annotations

import functools
import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker, validators

from signalen import PROJECT_ROOT

SCHEMA_DIR = PROJECT_ROOT / "tests" / "data" / "hsds-3.0" / "schema"

PAGE_KEYS = {
    "total_items": int,
    "total_pages": int,
    "page_number": int,
    "size": int,
    "first_page": bool,
    "last_page": bool,
    "empty": bool,
    "contents": list,
}


@functools.cache
def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / f"{name}.json").read_text())


_VALIDATORS: dict[int, object] = {}


def validator_for(schema: dict):
    """A validator for the ``$schema`` the file names (Draft 2020-12 when it names none)."""
    key = id(schema)
    if key not in _VALIDATORS:
        cls = validators.validator_for(schema, default=Draft202012Validator)
        cls.check_schema(schema)
        _VALIDATORS[key] = cls(schema, format_checker=FormatChecker())
    return _VALIDATORS[key]


def assert_valid(instance: dict, schema: dict) -> None:
    errors = sorted(validator_for(schema).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:20])


@functools.cache
def term_schemas() -> tuple[dict, dict]:
    """taxonomy_term and taxonomy as the compiled service schema embeds them."""
    service = load_schema("service")
    term = service["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]
    return term, term["properties"]["taxonomy_detail"]


def openapi() -> dict:
    return load_schema("openapi")


def assert_page(data: dict) -> None:
    """The Page envelope of the HSDS API: the OpenAPI ``Page`` schema, every key present,
    and numbers that agree with each other."""
    assert_valid(data, openapi()["components"]["schemas"]["Page"])
    for key, kind in PAGE_KEYS.items():
        assert isinstance(data[key], kind), key
    assert data["size"] == len(data["contents"])
    assert data["empty"] is (not data["contents"])
    assert data["first_page"] is (data["page_number"] == 1)
    assert data["last_page"] is (data["page_number"] >= data["total_pages"])


@pytest.fixture
def directory(app, taxonomy):
    from signalen.demo.directory import seed_demo_directory

    seed_demo_directory()


@pytest.fixture
def changed_service(directory, client):
    """One service with field-level history, so metadata is exported too."""
    from signalen.directory.models import Service
    from signalen.directory.services.catalogue import update_service
    from signalen.extensions import db

    service = db.session.scalars(db.select(Service).order_by(Service.name)).first()
    update_service(service, {"description": "Nieuwe omschrijving"}, "coordinator@example.org")
    return service


def test_the_formats_the_schemas_use_are_checked():
    """Without a checker for a format, jsonschema accepts anything there: make sure the
    formats of the HSDS schemas (uri needs rfc3986-validator) are really checked."""
    checker = FormatChecker()
    assert {"uri", "uuid", "date", "email", "date-time"} <= set(checker.checkers)
    assert not checker.conforms("geen adres", "uri")
    assert not checker.conforms("123", "uuid")


def test_meta_endpoint(client):
    data = client.get("/hsds/").get_json()
    schema = openapi()["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert_valid(data, schema["schema"])
    assert data["version"] == "3.0"
    assert data["profile"].startswith("https://")


def test_every_endpoint_validates(client, changed_service):
    service_list = load_schema("service_list")
    service_full = load_schema("service")
    organization_list = load_schema("organization_list")
    organization_full = load_schema("organization")
    term_schema, taxonomy_schema = term_schemas()

    page = client.get("/hsds/services?per_page=3").get_json()
    assert_page(page)
    assert page["total_items"] == 9 and page["total_pages"] == 3
    everything = []
    for number in range(1, 4):
        data = client.get(f"/hsds/services?per_page=3&page={number}").get_json()
        assert_page(data)
        everything += data["contents"]
    assert len({item["id"] for item in everything}) == 9
    for item in everything:
        assert_valid(item, service_list)
        full = client.get(f"/hsds/services/{item['id']}").get_json()
        assert_valid(full, service_full)

    full = client.get(f"/hsds/services/{changed_service.id}").get_json()
    fields = {entry["field_name"] for entry in full["metadata"]}
    assert {"description", "assured_date"} <= fields
    assert full["attributes"] and full["attributes"][0]["taxonomy_term"]["name"]

    organizations = client.get("/hsds/organizations").get_json()
    assert_page(organizations)
    assert organizations["total_items"] == 9
    for item in organizations["contents"]:
        assert_valid(item, organization_list)
        assert_valid(client.get(f"/hsds/organizations/{item['id']}").get_json(), organization_full)

    taxonomies = client.get("/hsds/taxonomies").get_json()
    assert_page(taxonomies)
    for item in taxonomies["contents"]:
        assert_valid(item, taxonomy_schema)
        assert_valid(client.get(f"/hsds/taxonomies/{item['id']}").get_json(), taxonomy_schema)

    terms = client.get("/hsds/taxonomy_terms?per_page=200").get_json()
    assert_page(terms)
    assert terms["total_items"] > 10
    for item in terms["contents"]:
        assert_valid(item, term_schema)
    one = client.get(f"/hsds/taxonomy_terms/{terms['contents'][0]['id']}").get_json()
    assert_valid(one, term_schema)

    # Services and organizations fully nested (full, full_service), minimal, and ndjson.
    full_page = client.get("/hsds/services?full=true&per_page=20").get_json()
    assert_page(full_page)
    for item in full_page["contents"]:
        assert_valid(item, service_full)
    minimal = client.get("/hsds/services?minimal=true&per_page=20").get_json()
    assert_page(minimal)
    assert all(set(item) == {"id", "last_modified"} for item in minimal["contents"])
    for query in ("full=true", "full=true&full_service=true"):
        page = client.get(f"/hsds/organizations?{query}").get_json()
        assert_page(page)
        for item in page["contents"]:
            assert_valid(item, organization_full)
            if "full_service" in query:
                assert_valid(item["services"][0], service_full)
    basic = client.get(f"/hsds/organizations/{item['id']}?full_service=false").get_json()
    assert_valid(basic, organization_full)
    assert all("phones" not in service for service in basic["services"])

    # Services at locations and locations (the location schema is the one the compiled
    # schemas nest; the OpenAPI file names service.json for /service_at_locations/{id},
    # an error in the specification: the object is a service_at_location).
    sal_list = load_schema("service_at_location_list")
    sal_full = load_schema("service_at_location")
    location_full = service_full["properties"]["service_at_locations"]["items"]["properties"][
        "location"
    ]
    location_list = sal_list["properties"]["location"]
    links = client.get("/hsds/service_at_locations?per_page=200").get_json()
    assert_page(links)
    assert links["total_items"] > 0
    for item in links["contents"]:
        assert_valid(item, sal_list)
        assert_valid(client.get(f"/hsds/service_at_locations/{item['id']}").get_json(), sal_full)
    full_links = client.get("/hsds/service_at_locations?full=true").get_json()
    for item in full_links["contents"]:
        assert_valid(item, sal_full)
    places = client.get("/hsds/locations?per_page=200").get_json()
    assert_page(places)
    assert places["total_items"] > 0
    for item in places["contents"]:
        assert_valid(item, location_list)
        assert_valid(client.get(f"/hsds/locations/{item['id']}").get_json(), location_full)


def test_filters(client, directory):
    from signalen.extensions import db
    from signalen.hsds.export import theme_term_id
    from signalen.taxonomy.models import Theme

    schulden = db.session.scalar(db.select(Theme).where(Theme.name == "Schulden"))
    data = client.get(f"/hsds/services?taxonomy_term_id={theme_term_id(schulden.id)}").get_json()
    names = {item["name"] for item in data["contents"]}
    assert names == {"Maatje bij geldzorgen", "Voedselpakket", "Thuisadministratie"}

    data = client.get("/hsds/services?search=voedselpakket").get_json()
    assert next(item["name"] for item in data["contents"]) == "Voedselpakket"

    first = client.get("/hsds/organizations?search=Juridisch").get_json()["contents"][0]
    data = client.get(f"/hsds/services?organization_id={first['id']}").get_json()
    assert [item["name"] for item in data["contents"]] == ["Gratis juridisch advies"]

    assert client.get("/hsds/services?modified_after=2999-01-01").get_json()["empty"] is True
    assert (
        client.get("/hsds/services?modified_after=2000-01-01T00:00:00Z").get_json()["total_items"]
        == 9
    )


BAD_QUERIES = (
    "page=0",
    "per_page=1000",
    "per_page=abc",
    "organization_id=not-a-uuid",
    "taxonomy_term_id=12",
    "modified_after=gisteren",
)


def test_pages_past_the_end_and_escaped_search(client, directory):
    data = client.get("/hsds/services?per_page=5&page=3").get_json()
    assert_page(data)
    assert data["empty"] is True and data["total_items"] == 9 and data["total_pages"] == 2
    assert client.get("/hsds/taxonomy_terms?search=%25").get_json()["total_items"] == 0
    assert client.get("/hsds/organizations?search=_").get_json()["total_items"] == 0
    assert client.get("/hsds/taxonomies?search=thema").get_json()["total_items"] == 1
    assert client.get("/hsds/taxonomies?search=niets").get_json()["empty"] is True


def test_imported_example_exports_valid_hsds(client, taxonomy):
    """The official example, imported with all its fields, comes out valid again."""
    from signalen.hsds.importing import import_hsds

    examples = SCHEMA_DIR.parent / "examples"
    assert import_hsds(examples / "service_full.json").committed
    service_id = "ac148810-d857-441c-9679-408f346de14b"
    full = client.get(f"/hsds/services/{service_id}").get_json()
    assert_valid(full, load_schema("service"))
    assert full["schedules"][0]["opens_at"] == "10:00"
    assert full["phones"][0]["number"] == "+44 1234 234567"
    organization = client.get(f"/hsds/organizations/{full['organization_id']}").get_json()
    assert_valid(organization, load_schema("organization"))
    page = client.get("/hsds/services").get_json()
    assert_page(page)
    for item in page["contents"]:
        assert_valid(item, load_schema("service_list"))


def test_bad_parameters_are_400_with_a_message(client):
    for query in BAD_QUERIES:
        response = client.get(f"/hsds/services?{query}")
        assert response.status_code == 400, query
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"]


def test_unknown_ids_are_404(client):
    for path in (
        "/hsds/services/00000000-0000-0000-0000-000000000000",
        "/hsds/organizations/nope",
        "/hsds/taxonomy_terms/nope",
        "/hsds/service_at_locations/00000000-0000-0000-0000-000000000000",
        "/hsds/locations/nope",
        "/hsds/bestaat-niet",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert (
            problem["status"] == 404
            and problem["detail"] == "Dit bestaat niet op de sociale kaart."
        )
    response = client.post("/hsds/services")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]


def test_etags_give_304_as_in_the_api(client, directory):
    for path in ("/hsds/services", "/hsds/service_at_locations", "/hsds/locations", "/hsds/"):
        first = client.get(path)
        etag = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"", path
    assert client.get("/hsds/services", headers={"If-None-Match": '"other"'}).status_code == 200


def test_ndjson_gives_every_row_without_pages(client, directory):
    response = client.get("/hsds/services?format=ndjson&per_page=2")
    assert response.mimetype == "application/x-ndjson"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(rows) == 9 and all("name" in row for row in rows)
    minimal = client.get("/hsds/services?format=ndjson&minimal=true").get_data(as_text=True)
    assert len(minimal.splitlines()) == 9
    for path in ("/hsds/organizations", "/hsds/locations", "/hsds/service_at_locations",
                 "/hsds/taxonomies", "/hsds/taxonomy_terms"):  # fmt: skip
        response = client.get(f"{path}?format=ndjson")
        assert response.status_code == 200 and response.get_data(as_text=True).strip(), path
    bad = client.get("/hsds/services?format=xml")
    assert (
        bad.status_code == 400 and bad.get_json()["detail"] == "'format' moet json of ndjson zijn."
    )


def test_service_at_locations_by_postcode_and_proximity(client, directory):
    from signalen.directory.models import Address, Location
    from signalen.extensions import db

    located = db.session.scalars(
        db.select(Location).join(Address).where(Location.latitude.is_not(None))
    ).first()
    postcode = located.address.postal_code
    everything = client.get("/hsds/service_at_locations?per_page=200").get_json()["contents"]
    near = client.get(
        f"/hsds/service_at_locations?per_page=200&postcode={postcode}&proximity=1"
    ).get_json()
    assert_page(near)
    assert near["contents"] and {item["location_id"] for item in near["contents"]} == {
        str(loc.id)
        for loc in db.session.scalars(db.select(Location).join(Address).where(
            Address.postal_code == postcode))
    }  # fmt: skip
    wide = client.get(
        f"/hsds/service_at_locations?per_page=200&postcode={postcode}&proximity=400000"
    ).get_json()
    assert len(near["contents"]) <= len(wide["contents"]) <= len(everything)
    area = client.get(f"/hsds/service_at_locations?per_page=200&postcode={postcode}").get_json()
    assert 0 < area["total_items"] <= len(everything)
    for query, message in (
        ("postcode=1234", "'postcode' is geen Nederlandse postcode"),
        ("postcode=9999 ZZ", "staat bij geen adres op de sociale kaart"),
        ("proximity=500", "'proximity' werkt alleen samen met 'postcode'."),
        (f"postcode={postcode}&proximity=-3", "'proximity' moet een geheel getal"),
    ):
        response = client.get(f"/hsds/service_at_locations?{query}")
        assert response.status_code == 400, query
        assert response.mimetype == "application/problem+json"
        assert message in response.get_json()["detail"], query


def test_the_public_export_does_not_show_who_checked_or_changed(client, changed_service, login_as):
    from signalen.auth.models import Role

    public = client.get(f"/hsds/services/{changed_service.id}").get_json()
    assert "assurer_email" not in public
    assert {entry["updated_by"] for entry in public["metadata"]} == {"Signalen"}
    assert "coordinator@example.org" not in json.dumps(public)
    assert "coordinator@example.org" not in client.get("/hsds/services").get_data(as_text=True)
    assert_valid(public, load_schema("service"))

    login_as(Role.COORDINATOR)
    managed = client.get(f"/hsds/services/{changed_service.id}").get_json()
    assert managed["assurer_email"] == "coordinator@example.org"
    assert "coordinator@example.org" in {entry["updated_by"] for entry in managed["metadata"]}
