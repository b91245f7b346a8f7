"""/api/v1 read endpoints for the sociale kaart and published digests."""

from __future__ import annotations

from datetime import date

import pytest

from signalen.api import services as api
from signalen.api.models import Scope
from signalen.auth.models import Role
from signalen.core.dates import local_today
from tests.web.test_api import approved_public_signal

PROBLEM = "application/problem+json"


@pytest.fixture
def headers(app, make_organisation, taxonomy) -> dict[str, str]:
    _row, token = api.create_token(make_organisation(), Scope.READ, "Partner")
    return {"Authorization": f"Bearer {token}"}


def test_sociale_kaart_services_and_organisations(client, headers):
    from signalen.demo.directory import seed_demo_directory

    assert seed_demo_directory() > 0
    assert client.get("/api/v1/directory/services").status_code == 401
    listing = client.get("/api/v1/directory/services?per_pagina=5", headers=headers)
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["totaal"] > 0 and len(body["items"]) <= 5
    first = body["items"][0]
    detail = client.get(f"/api/v1/directory/services/{first['id']}", headers=headers).get_json()
    assert detail["naam"] == first["naam"]
    assert detail["organisatie"]["id"] == first["organisatie"]["id"]
    organisation = client.get(
        f"/api/v1/directory/organizations/{first['organisatie']['id']}", headers=headers
    ).get_json()
    assert first["id"] in {service["id"] for service in organisation["diensten"]}
    organisations = client.get("/api/v1/directory/organizations", headers=headers).get_json()
    assert organisations["totaal"] >= 1
    missing = client.get(
        "/api/v1/directory/services/00000000-0000-0000-0000-000000000000", headers=headers
    )
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    searched = client.get(
        "/api/v1/directory/services?q=" + first["naam"].split()[0], headers=headers
    ).get_json()
    assert first["id"] in {service["id"] for service in searched["items"]}
    bad = client.get("/api/v1/directory/services?leeftijd=500", headers=headers)
    assert bad.status_code == 422 and "leeftijd" in bad.get_json()["errors"]


def test_only_published_digests(client, headers, make_user, make_signal):
    from signalen.digests import periods
    from signalen.digests import services as digests

    coordinator = make_user(Role.COORDINATOR)
    make_signal(user=coordinator)
    today = local_today()
    period = periods.period_between(date(today.year, 1, 1), today)
    published = digests.create_digest(period, coordinator, "Rapportage dit jaar")
    digests.publish(published, coordinator)
    draft = digests.create_digest(period, coordinator, "Nog een concept")
    body = client.get("/api/v1/digests", headers=headers).get_json()
    assert [item["titel"] for item in body["items"]] == ["Rapportage dit jaar"]
    detail = client.get(f"/api/v1/digests/{published.id}", headers=headers).get_json()
    assert detail["cijfers"]["totals"]["signals"] >= 1
    response = client.get(f"/api/v1/digests/{draft.id}", headers=headers)
    assert response.status_code == 404 and response.mimetype == PROBLEM


def test_a_partner_website_with_a_token_does_what_the_issue_asks(
    app, client, make_organisation, make_user, make_signal, taxonomy
):
    """Done when: with a token a partner website submits a knelpunt and gets its id or the
    privacy findings, lists the public signals of a theme and reads the sociale kaart."""
    from signalen.demo.directory import seed_demo_directory

    seed_demo_directory()
    make_organisation("Formulierenbrigade Zwolle")
    result = app.test_cli_runner().invoke(
        args=["create-token", "--organisation", "Formulierenbrigade Zwolle", "--scope", "write"]
    )
    headers = {"Authorization": f"Bearer {result.stdout.strip()}"}

    knelpunt = {
        "titel": "Wajong-uitkering te laat",
        "omschrijving": "De Wajong-uitkering kwam drie weken te laat.",
        "thema": ["Betaling/Uitkering te laat"],
        "regeling": ["Wajong"],
        "uitvoerder": "UWV",
    }
    created = client.post("/api/v1/signals", json=knelpunt, headers=headers)
    assert created.status_code == 201
    assert isinstance(created.get_json()["id"], int)
    private = {**knelpunt, "omschrijving": "Cliënt met BSN 111222333 kreeg niets."}
    refused = client.post("/api/v1/signals", json=private, headers=headers)
    assert refused.status_code == 422
    assert [f["soort"] for f in refused.get_json()["persoonsgegevens"]] == ["BSN"]

    public = approved_public_signal(
        make_signal, make_user, "Loket UWV telefonisch onbereikbaar", "Bereikbaarheid"
    )
    theme = client.get("/api/v1/taxonomies", headers=headers).get_json()["thema"]
    theme_id = next(t["id"] for t in theme if t["volledige_naam"] == "Bereikbaarheid")
    listed = client.get(
        f"/api/v1/signals?thema={theme_id}&openbaar=true", headers=headers
    ).get_json()
    assert [item["id"] for item in listed["items"]] == [public.id]

    services = client.get("/api/v1/directory/services?q=DigiD", headers=headers).get_json()
    assert services["totaal"] >= 1
    assert all(item["naam"] and item["organisatie"]["naam"] for item in services["items"])
