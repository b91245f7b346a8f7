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
    assert client.get("/hsds/services/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/hsds/organizations/nope").status_code == 404
    assert client.get("/hsds/taxonomy_terms/nope").status_code == 404


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
