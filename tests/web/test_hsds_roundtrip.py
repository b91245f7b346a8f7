"""HSDS 3.0 without loss: every official example, imported through the real import and read
back through the /hsds/ API, gives the same objects field for field.

Only ``metadata`` and ``last_modified`` are Signalen's own (its change history and clock).
Every other difference must be listed in ``EXCEPTIONS`` with its reason, for the example
files where it happens, and every listed exception must still happen: the list stays narrow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from signalen import PROJECT_ROOT
from signalen.hsds.importing import import_hsds

EXAMPLES = PROJECT_ROOT / "tests" / "data" / "hsds-3.0" / "examples"
SIGNALEN_OWN = frozenset(("metadata", "last_modified"))
ORGANIZATION = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE = "ac148810-d857-441c-9679-408f346de14b"
SERVICE_AT_LOCATION = "e94c9f38-1e8f-4564-91d4-d53501ab1765"
LOCATION = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Every path where ``actual`` differs from ``expected``: ``path: what``. Lists of
    objects with ids are compared by id (HSDS gives lists no order), ``[id]`` in the path."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected.keys() | actual.keys():
            if key in SIGNALEN_OWN:
                continue
            where = f"{path}.{key}" if path else key
            if key not in actual:
                yield f"{where}: missing (was {_short(expected[key])})"
            elif key not in expected:
                yield f"{where}: added ({_short(actual[key])})"
            else:
                yield from differences(expected[key], actual[key], where)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        keyed = all(isinstance(item, dict) and "id" in item for item in [*expected, *actual])
        if keyed:
            given = {item["id"]: item for item in actual}
            wanted = {item["id"]: item for item in expected}
            for key, item in wanted.items():
                where = f"{path}[{key}]"
                if key not in given:
                    yield f"{where}: missing"
                else:
                    yield from differences(item, given[key], where)
            for key in given.keys() - wanted.keys():
                yield f"{path}[{key}]: added"
            return
        if len(expected) != len(actual):
            yield f"{path}: {len(expected)} items became {len(actual)}"
            return
        for index, (one, other) in enumerate(zip(expected, actual, strict=True)):
            yield from differences(one, other, f"{path}[{index}]")
        return
    if expected != actual:
        yield f"{path}: {_short(expected)} became {_short(actual)}"


def exported(client, name: str) -> list[tuple[dict, dict]]:
    """(example object, the API's answer for it) for every object in the example file."""
    data = json.loads((EXAMPLES / name).read_text())
    single = {
        "organization_full.json": f"/hsds/organizations/{ORGANIZATION}",
        "service_full.json": f"/hsds/services/{SERVICE}",
        "service_at_location_full.json": f"/hsds/service_at_locations/{SERVICE_AT_LOCATION}",
        "location.json": f"/hsds/locations/{LOCATION}",
    }
    if name in single:
        response = client.get(single[name])
        assert response.status_code == 200, response.get_data(as_text=True)
        return [(data, response.get_json())]
    listing = {
        "organization_list.json": "/hsds/organizations",
        "service_list.json": "/hsds/services",
        "service_at_location_list.json": "/hsds/service_at_locations",
    }[name]
    contents = client.get(f"{listing}?per_page=200").get_json()["contents"]
    by_id = {item["id"]: item for item in contents}
    return [(item, by_id.get(item["id"], {})) for item in data["contents"]]


ID = r"\[[0-9a-f-]{36}\]"
FULL = ("organization_full.json", "service_full.json", "service_at_location_full.json")
WITH_LOCATION = (*FULL, "location.json")
WITH_SERVICE = (*FULL, "service_list.json", "service_at_location_list.json")
WITH_ORGANIZATION = (*WITH_SERVICE, "organization_list.json")
# (pattern of a difference, the example files where it happens, why it is right).
EXCEPTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        r"\.?(organization|service|location|contact|service_at_location)_id: added ",
        (*WITH_LOCATION, "service_list.json", "service_at_location_list.json"),
        "Signalen writes the ids of an object's owners on nested objects too; the example "
        "leaves them implied by where the object is nested. Nothing is lost.",
    ),
    (
        rf"phones{ID}\.number: \"\\\"\+44 1234 234567\\\"\" became \"\+44 1234 234567\"",
        WITH_LOCATION,
        "Phone numbers are normalised as the edit form writes them (the example's number is "
        "wrapped in quotes).",
    ),
    (
        rf"schedules{ID}\.(opens|closes)_at: \"1[08]:00:00\" became \"1[08]:00\"",
        FULL,
        "Opening times are written hh:mm, as everywhere in Signalen (the same time).",
    ),
    (
        r"(^|\.)longitude: missing \(was 101\)|(^|\.)latitude: missing \(was 100\)",
        (*WITH_LOCATION, "service_at_location_list.json"),
        "Coordinates outside -90..90 / -180..180 are refused (the import warns); Signalen "
        "puts no location on a map in the wrong place.",
    ),
    (
        r"(^|\.)parent_organization_id: missing \(was \"cd09a387-91f4-4555-94ec-e799c35344cd\"\)",
        WITH_ORGANIZATION,
        "The parent organisation is in neither the file nor the sociale kaart; Signalen keeps "
        "no link to an organisation it does not know (the import warns).",
    ),
    (
        r"(^|\.)description: \"Counselling Services provided by trained professionals\. ",
        WITH_SERVICE,
        "Text is stored without spaces around it (the example's description ends in one).",
    ),
    (
        rf"(^|\.)organization\.phones{ID}: missing|^phones{ID}: missing",
        ("organization_full.json", "service_full.json", "service_at_location_full.json"),
        "This phone is the service's too; a service's phone carries its organisation's id, so "
        "it is listed under the service (and its contact and location), not again as the "
        "organisation's own number.",
    ),
)

ROUND_TRIP_FILES = (
    "organization_full.json",
    "organization_list.json",
    "service_full.json",
    "service_list.json",
    "service_at_location_full.json",
    "service_at_location_list.json",
    "location.json",
)


@pytest.mark.parametrize("name", ROUND_TRIP_FILES)
def test_examples_round_trip(app, taxonomy, client, login_as, name):
    """Read as a coordinator: the public does not see who checked a service."""
    from signalen.auth.models import Role

    login_as(Role.COORDINATOR)
    report = import_hsds(EXAMPLES / name)
    assert report.committed, report.errors
    pairs = exported(client, name)
    assert pairs and all(actual for _expected, actual in pairs), "an object was not exported"
    found = sorted({line for expected, actual in pairs for line in differences(expected, actual)})
    rules = [(re.compile(pattern), files) for pattern, files, _why in EXCEPTIONS]
    unexplained = [line for line in found if not any(rule.search(line) for rule, _f in rules)]
    assert not unexplained, "differences:\n" + "\n".join(unexplained)
    for (rule, files), (pattern, *_rest) in zip(rules, EXCEPTIONS, strict=True):
        used = any(rule.search(line) for line in found)
        assert used == (name in files), f"exception {pattern!r} for {name}: used {used}"


# What a file holds -----------------------------------------------------------------------

RECOGNISED = {
    "organization_full.json": "organizations",
    "organization_list.json": "organizations",
    "service_full.json": "services",
    "service_list.json": "services",
    "service_at_location_full.json": "service_at_locations",
    "service_at_location_list.json": "service_at_locations",
    "location.json": "locations",
}
REFUSED = {
    "taxonomy.json": "een HSDS-taxonomie (taxonomy)",
    "taxonomy_list.json": "een HSDS-taxonomie (taxonomy)",
    "taxonomy_term.json": "een HSDS-taxonomieterm (taxonomy_term)",
    "taxonomy_term_list.json": "een HSDS-taxonomieterm (taxonomy_term)",
    "base.json": "de beschrijving van een HSDS-API",
}


def test_every_example_file_is_named(app):
    """Every JSON example of the specification is in one of the two lists below."""
    names = {path.name for path in EXAMPLES.glob("*.json")} - {"tabular.json"}
    assert names == RECOGNISED.keys() | REFUSED.keys()


@pytest.mark.parametrize("name", sorted(RECOGNISED))
def test_each_example_is_imported_as_what_it_is(app, taxonomy, name):
    from sqlalchemy import func, select

    from signalen.directory.models import Location, Organization
    from signalen.extensions import db

    report = import_hsds(EXAMPLES / name)
    assert report.committed, report.errors
    assert report.created.get(RECOGNISED[name]), report.created
    if name == "location.json":
        # A location on its own: no organisation is made up for it.
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 0
        assert db.session.get(Location, __import__("uuid").UUID(LOCATION)) is not None


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_taxonomies_and_api_descriptions_are_refused_saying_what_they_are(app, taxonomy, name):
    from sqlalchemy import func, select

    from signalen.directory.models import Organization
    from signalen.extensions import db

    report = import_hsds(EXAMPLES / name)
    assert not report.committed
    text = "\n".join(str(problem) for problem in report.errors)
    assert REFUSED[name] in text
    assert len(report.errors) == 1  # one message for the file, not one per object
    if name != "base.json":
        assert "Signalen importeert organisaties, diensten, locaties" in text
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 0


def test_extra_fields_are_checked_against_the_official_schema(app, taxonomy, tmp_path):
    data = json.loads((EXAMPLES / "service_full.json").read_text())
    data["wait_time"] = 3
    data["funding"][0]["source"] = ["a list"]
    data["required_documents"][0]["uri"] = "geen adres"
    data["organization"]["year_incorporated"] = "vorig jaar"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    report = import_hsds(path)
    assert not report.committed
    text = "\n".join(str(problem) for problem in report.errors)
    assert "'wait_time' moet volgens HSDS 3.0 van het type string zijn." in text
    assert "'funding[0].source' moet volgens HSDS 3.0 van het type string zijn." in text
    assert "'required_documents[0].uri' is geen geldige uri" in text
    assert "'year_incorporated' moet volgens HSDS 3.0 van het type number zijn." in text


def test_signalen_fields_win_over_kept_ones_and_a_reimport_keeps_them(
    app, taxonomy, client, tmp_path
):
    """An edit in Signalen shows in the export; the kept HSDS fields stay beside it, and a
    file that leaves a kept field out does not remove it (as with columns)."""
    import uuid

    from signalen.directory.models import Service
    from signalen.directory.services.catalogue import update_service
    from signalen.extensions import db

    assert import_hsds(EXAMPLES / "service_full.json").committed
    service = db.session.get(Service, uuid.UUID(SERVICE))
    update_service(service, {"description": "Nieuwe omschrijving"}, "coordinator@example.org")
    data = client.get(f"/hsds/services/{SERVICE}").get_json()
    assert data["description"] == "Nieuwe omschrijving"
    assert data["wait_time"] == "wait_time" and data["funding"][0]["id"]

    lean = {"id": SERVICE, "name": "Community Counselling", "status": "active",
            "organization_id": ORGANIZATION, "fees": "Gratis"}  # fmt: skip
    path = tmp_path / "lean.json"
    path.write_text(json.dumps([lean]))
    report = import_hsds(path)
    assert report.committed and report.updated == {"services": 1}
    data = client.get(f"/hsds/services/{SERVICE}").get_json()
    assert data["fees"] == "Gratis" and data["wait_time"] == "wait_time"
    history = {row["field_name"] for row in data["metadata"]}
    assert "fees" in history


def test_csv_datapackage_keeps_the_extra_columns(app, taxonomy, client):
    assert import_hsds(EXAMPLES / "csv").committed
    data = client.get(f"/hsds/services/{SERVICE}").get_json()
    assert data["wait_time"] and data["accreditations"]
    schedule = data["schedules"][0]
    assert isinstance(schedule["count"], int) and schedule["byweekno"]


def test_csv_side_tables_are_nested_in_their_owners_and_come_back(app, taxonomy, client, tmp_path):
    import csv
    import shutil

    folder = tmp_path / "csv"
    shutil.copytree(EXAMPLES / "csv", folder)
    with (folder / "cost_options.csv").open("a", encoding="utf-8", newline="") as handle:
        unknown_service = "0e1f2a3b-0000-4000-8000-00000000dead"
        row = ["6c1a9f0e-0000-4000-8000-000000000001", unknown_service, "", "", "Niemand"]
        csv.writer(handle).writerow([*row, "EUR", "1", ""])
    report = import_hsds(folder)
    assert report.committed
    assert any(
        "cost_options.csv" in str(problem.where)
        and "Hoort bij geen van de diensten" in str(problem.message)
        for problem in report.warnings
    )

    def by_id(items: list[dict]) -> dict[str, dict]:
        return {item["id"]: item for item in items}

    def rows(name: str) -> dict[str, dict]:
        with (EXAMPLES / "csv" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            return by_id(list(csv.DictReader(handle)))

    organization = client.get(f"/hsds/organizations/{ORGANIZATION}").get_json()
    service = client.get(f"/hsds/services/{SERVICE}").get_json()
    location = client.get(f"/hsds/locations/{LOCATION}").get_json()
    for owner, key, name in (
        (service, "funding", "funding"),
        (organization, "programs", "programs"),
        (organization, "organization_identifiers", "organization_identifiers"),
        (service, "cost_options", "cost_options"),
        (service, "required_documents", "required_documents"),
        (location, "accessibility", "accessibility"),
    ):
        returned = by_id(owner[key])
        for row_id, row in rows(name).items():
            for column, value in row.items():
                given = returned[row_id].get(column)
                assert str(given) == value, (key, column, given, value)
    [cost] = service["cost_options"]
    assert cost["amount"] == 35  # a number, as the schema says, not the CSV's text


def test_the_schema_the_import_checks_against_is_the_official_one():
    """``signalen/hsds/tabular.json`` is the specification's tabular schema, unchanged."""
    from signalen.hsds.importing.extras import SCHEMA_PATH

    official = EXAMPLES.parent / "schema" / "tabular.json"
    assert SCHEMA_PATH.read_bytes() == official.read_bytes()
