"""The JSON API /api/v1: tokens, permissions, signals, taxonomies, articles, errors."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from signalen.api import services as api
from signalen.api.models import ApiToken, Scope
from signalen.audit.models import AuditEvent
from signalen.auth.models import Role
from signalen.extensions import db
from signalen.signals.models import Signal, Visibility
from tests.conftest import post_form

PROBLEM = "application/problem+json"


@pytest.fixture
def make_token(app, make_organisation):
    def make(organisation=None, scope: Scope = Scope.WRITE, name: str = "Website") -> str:
        organisation = organisation or make_organisation()
        _row, token = api.create_token(organisation, scope, name)
        return token

    return make


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def app_with_token(app_factory, scope: Scope = Scope.WRITE, **config):
    """An app with its own settings, in its context, with the taxonomies and a token of a
    new organisation: yields a client and the token."""
    from signalen.organisations import services as organisations
    from signalen.taxonomy.services import seed_taxonomies

    app = app_factory(**config)
    with app.app_context():
        seed_taxonomies()
        organisation = organisations.create_organisation("Cliëntenraad Instellingen")
        _row, token = api.create_token(organisation, scope, "Website")
        yield app.test_client(), token


def publish_article(writer, title: str, body: str, visibility: Visibility = Visibility.NETWORK):
    from signalen.articles import services as articles

    data = articles.ArticleInput(title=title, body=body, visibility=visibility, published=True)
    return articles.save_article(data, writer)


def approved_public_signal(make_signal, make_user, title: str, theme: str):
    """An openbaar signal whose wording a coordinator approved."""
    from signalen.signals import services as signals

    coordinator = make_user(Role.COORDINATOR)
    signal = make_signal(
        title=title, themes=(theme,), visibility=Visibility.PUBLIC, user=coordinator
    )
    signals.approve_public(signal, coordinator)
    return signal


def signal_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Signal.id)))


GOOD = {
    "titel": "Bijstand te laat betaald",
    "omschrijving": "De bijstandsuitkering kwam deze maand tien dagen te laat binnen.",
    "thema": ["Betaling/Uitkering te laat"],
    "regeling": ["PW"],
    "uitvoerder": "Gemeente Utrecht",
    "gemeente": "Utrecht",
    "aantal_meldingen": 2,
    "impact": "hoog",
    "zichtbaarheid": "netwerk",
    "datum": "2026-10-01",
}


# Authentication ---------------------------------------------------------------------


def test_no_token_is_401_problem(client):
    response = client.get("/api/v1/signals")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["status"] == 401
    assert "API-sleutel" in body["detail"]


def test_unknown_and_revoked_tokens_are_refused(client, make_organisation, taxonomy):
    organisation = make_organisation()
    row, token = api.create_token(organisation, Scope.READ, "Oud")
    assert client.get("/api/v1/taxonomies", headers=auth(token)).status_code == 200
    assert client.get("/api/v1/taxonomies", headers=auth(token + "x")).status_code == 401
    api.revoke_token(db.session.get(ApiToken, row.id))
    response = client.get("/api/v1/taxonomies", headers=auth(token))
    assert response.status_code == 401
    assert "ingetrokken" in response.get_json()["detail"]


def test_session_cookie_is_not_authentication(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.get("/signalen/nieuw").status_code == 200  # logged in on the site
    response = client.get("/api/v1/signals")
    assert response.status_code == 401
    response = client.post("/api/v1/signals", json=GOOD)
    assert response.status_code == 401


def test_token_of_inactive_organisation_is_refused(client, make_organisation, make_token):
    organisation = make_organisation()
    token = make_token(organisation)
    organisation.active = False
    db.session.commit()
    assert client.get("/api/v1/taxonomies", headers=auth(token)).status_code == 401


def test_token_is_stored_hashed_and_last_use_kept(client, make_organisation, monkeypatch):
    organisation = make_organisation()
    row, token = api.create_token(organisation, Scope.READ, "Website")
    assert token.startswith("sig_") and len(token) > 40
    stored = db.session.get(ApiToken, row.id)
    assert token not in (stored.token_hash, stored.prefix)
    assert stored.token_hash == api.hash_token(token)
    assert stored.last_used_at is None
    client.get("/api/v1/taxonomies", headers=auth(token))
    db.session.expire_all()
    first = db.session.get(ApiToken, row.id).last_used_at
    assert first is not None
    # Within a minute no new write; after it, the time moves on.
    client.get("/api/v1/taxonomies", headers=auth(token))
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at == first
    later = first + api.LAST_USED_RESOLUTION + timedelta(seconds=1)
    monkeypatch.setattr(api, "utcnow", lambda: later)
    client.get("/api/v1/taxonomies", headers=auth(token))
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at == later


def test_read_token_cannot_write(client, make_token, taxonomy):
    token = make_token(scope=Scope.READ)
    before = signal_count()
    response = client.post("/api/v1/signals", json=GOOD, headers=auth(token))
    assert response.status_code == 403
    assert response.mimetype == PROBLEM
    assert "alleen lezen" in response.get_json()["detail"]
    assert signal_count() == before


# Signals --------------------------------------------------------------------------


def test_create_signal_returns_id_and_is_stored(client, make_organisation, make_token, taxonomy):
    organisation = make_organisation("Cliëntenraad Utrecht")
    token = make_token(organisation)
    response = client.post("/api/v1/signals", json=GOOD, headers=auth(token))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["id"] and body["status"] == "nieuw"
    assert body["organisatie"] == "Cliëntenraad Utrecht"
    assert body["kanaal"] == "api"
    assert body["thema"] == ["Betaling › Uitkering te laat"]
    assert body["regeling"] == ["Participatiewet (bijstand)"]
    assert body["uitvoerder"] == "Gemeente Utrecht"
    assert body["aantal_meldingen"] == 2
    assert body["vervangen"] == []
    assert response.headers["Location"].endswith(f"/api/v1/signals/{body['id']}")
    signal = db.session.get(Signal, body["id"])
    assert signal.organisation_id == organisation.id
    assert signal.created_by_id is None
    assert signal.events[0].actor_label == "API: Website"
    read = client.get(response.headers["Location"], headers=auth(token))
    assert read.status_code == 200
    assert read.get_json()["titel"] == GOOD["titel"]


def test_personal_data_gives_422_with_spans_and_nothing_stored(client, make_token, taxonomy):
    token = make_token()
    before = signal_count()
    text = "Bel mevrouw op 06-12345678 over haar uitkering die te laat is."
    response = client.post(
        "/api/v1/signals", json={**GOOD, "omschrijving": text}, headers=auth(token)
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["title"] == "Persoonsgegevens gevonden"
    [finding] = body["persoonsgegevens"]
    assert finding["veld"] == "omschrijving"
    assert finding["soort"] == "TELEFOON"
    assert text[finding["begin"] : finding["eind"]] == "06-12345678"
    assert "06-12345678" not in response.get_data(as_text=True)
    assert body["vergelijkbaar"] == []
    assert signal_count() == before


def test_personal_data_is_redacted_when_asked(client, make_token, taxonomy):
    token = make_token()
    text = "Bel mevrouw op 06-12345678 over haar uitkering die te laat is."
    response = client.post(
        "/api/v1/signals",
        json={**GOOD, "omschrijving": text, "vervang_persoonsgegevens": True},
        headers=auth(token),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert "[TELEFOON]" in body["omschrijving"]
    assert body["vervangen"] == ["TELEFOON"]
    assert "06-12345678" not in db.session.get(Signal, body["id"]).description


def test_similar_known_signals_are_returned(client, make_signal, make_token, taxonomy):
    known = make_signal(
        title="Zorgtoeslag gestopt zonder brief",
        description="De zorgtoeslag van de cliënt is gestopt zonder dat er een brief kwam.",
    )
    make_signal(title="Loket gemeente dicht", description="Het loket was de hele week dicht.")
    token = make_token()
    payload = {
        "titel": "Zorgtoeslag gestopt, geen brief ontvangen",
        "omschrijving": "Zorgtoeslag is gestopt en de cliënt kreeg er geen brief over.",
    }
    before = signal_count()
    check = client.post("/api/v1/signals/check", json=payload, headers=auth(token))
    assert check.status_code == 200
    assert [s["id"] for s in check.get_json()["vergelijkbaar"]] == [known.id]
    assert signal_count() == before
    # Also when the text is refused for personal data (compared without that data).
    private = {**payload, "omschrijving": payload["omschrijving"] + " Bel 06-12345678."}
    refused = client.post("/api/v1/signals", json=private, headers=auth(token))
    assert refused.status_code == 422
    assert [s["id"] for s in refused.get_json()["vergelijkbaar"]] == [known.id]
    assert signal_count() == before
    created = client.post("/api/v1/signals", json=payload, headers=auth(token))
    assert created.status_code == 201
    [similar] = created.get_json()["vergelijkbaar"]
    assert similar == {
        "id": known.id,
        "titel": "Zorgtoeslag gestopt zonder brief",
        "status": "nieuw",
        "aantal_meldingen": 1,
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD, "titel": 12}, "titel"),
        ({**GOOD, "aantal_meldingen": "veel"}, "aantal_meldingen"),
        ({**GOOD, "aantal_meldingen": 0}, "aantal_meldingen"),
        ({**GOOD, "datum": "gisteren"}, "datum"),
        ({**GOOD, "thema": "Betaling"}, "thema"),
        ({**GOOD, "zichtbaarheid": "geheim"}, "zichtbaarheid"),
        ({**GOOD, "onbekend": 1}, "onbekend"),
        ({"omschrijving": "Zonder titel"}, "titel"),
        ({**GOOD, "thema": ["Bestaat niet"]}, "thema"),
        ({**GOOD, "uitvoerder": "Onbekende dienst"}, "uitvoerder"),
        ({**GOOD, "datum": "2999-01-01"}, "datum"),
        ({**GOOD, "titel": "   "}, "titel"),
    ],
)
def test_bad_bodies_give_422_with_dutch_field_errors(client, make_token, taxonomy, payload, field):
    token = make_token()
    before = signal_count()
    response = client.post("/api/v1/signals", json=payload, headers=auth(token))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert field in body["errors"], body
    message = json.dumps(body["errors"][field], ensure_ascii=False)
    assert not any(word in message for word in ("Missing", "Not a valid", "Unknown", "Must be"))
    assert signal_count() == before


def test_invalid_json_wrong_type_and_huge_payload(app, client, make_token, taxonomy):
    token = make_token()
    before = signal_count()
    headers = {**auth(token), "Content-Type": "application/json"}
    response = client.post("/api/v1/signals", data="{titel: ", headers=headers)
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert "JSON" in response.get_json()["detail"]
    response = client.post("/api/v1/signals", data="[1, 2]", headers=headers)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    response = client.post("/api/v1/signals", data="titel=x", headers=auth(token))
    assert response.status_code == 415
    assert response.mimetype == PROBLEM
    huge = {**GOOD, "omschrijving": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)}
    response = client.post("/api/v1/signals", json=huge, headers=auth(token))
    assert response.status_code == 413
    assert response.mimetype == PROBLEM
    long = {**GOOD, "omschrijving": "woord " * 3000}
    response = client.post("/api/v1/signals", json=long, headers=auth(token))
    assert response.status_code == 422
    assert "omschrijving" in response.get_json()["errors"]
    assert signal_count() == before


def test_visibility_is_that_of_the_site(client, make_organisation, make_user, make_signal):
    """Another organisation's intern signal is invisible to a token in every way: read,
    list, totals, facet counts, free text and the similar-signal check."""
    own, other = make_organisation("Eigen raad"), make_organisation("Andere raad")
    other_volunteer = make_user(Role.VOLUNTEER, organisation=other)
    own_volunteer = make_user(Role.VOLUNTEER, organisation=own)
    theirs = make_signal(
        title="Kinderopvangtoeslag teruggevorderd zonder uitleg",
        description="De kinderopvangtoeslag werd teruggevorderd zonder enige uitleg.",
        user=other_volunteer,
        visibility=Visibility.INTERNAL,
        themes=("Terugvordering",),
        municipality="Zwolle",
    )
    network = make_signal(
        title="Netwerk van de ander", user=other_volunteer, themes=("Bereikbaarheid",)
    )
    mine = make_signal(title="Intern van ons", user=own_volunteer, visibility=Visibility.INTERNAL)
    _row, token = api.create_token(own, Scope.WRITE, "Eigen")
    _row, their_token = api.create_token(other, Scope.WRITE, "Ander")
    headers = auth(token)
    assert client.get(f"/api/v1/signals/{theirs.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/signals/{network.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/signals/{mine.id}", headers=headers).status_code == 200
    listed = client.get("/api/v1/signals?per_pagina=50", headers=headers).get_json()
    assert {item["id"] for item in listed["items"]} == {network.id, mine.id}
    assert listed["totaal"] == 2
    facets = {
        f["naam"]: {v["label"]: v["aantal"] for v in f["waarden"]} for f in listed["facetten"]
    }
    assert facets["organisatie"] == {"Andere raad": 1, "Eigen raad": 1}
    assert "Terugvordering" not in facets.get("thema", {})
    assert "Zwolle" not in facets.get("gemeente", {})
    searched = client.get("/api/v1/signals?q=kinderopvangtoeslag", headers=headers).get_json()
    assert searched["totaal"] == 0 and searched["items"] == []
    draft = {
        "titel": "Kinderopvangtoeslag teruggevorderd",
        "omschrijving": "Kinderopvangtoeslag teruggevorderd, de cliënt kreeg geen uitleg.",
    }
    seen_by_them = client.post("/api/v1/signals/check", json=draft, headers=auth(their_token))
    assert theirs.id in {s["id"] for s in seen_by_them.get_json()["vergelijkbaar"]}
    seen_by_us = client.post("/api/v1/signals/check", json=draft, headers=headers).get_json()
    assert theirs.id not in {s["id"] for s in seen_by_us["vergelijkbaar"]}
    report = client.post(f"/api/v1/signals/{theirs.id}/reports", json={}, headers=headers)
    assert report.status_code == 404
    missing = client.get("/api/v1/signals/999999", headers=headers)
    assert missing.status_code == 404 and missing.mimetype == PROBLEM


def test_ook_gemeld_through_the_api(client, make_signal, make_organisation, make_token):
    known = make_signal(title="Zorgtoeslag gestopt zonder brief", report_count=2)
    partner = make_organisation("Formulierenbrigade Deventer")
    token = make_token(partner)
    response = client.post(
        f"/api/v1/signals/{known.id}/reports",
        json={"aantal_meldingen": 3, "datum": "2026-10-02"},
        headers=auth(token),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["aantal_meldingen"] == 5
    db.session.expire_all()
    signal = db.session.get(Signal, known.id)
    assert signal.report_count == 5
    [report] = signal.reports
    assert report.organisation_id == partner.id and report.client_count == 3
    assert signal.events[-1].actor_label == "API: Website"
    before = signal_count()
    bad = client.post(
        f"/api/v1/signals/{known.id}/reports",
        json={"datum": "2999-01-01"},
        headers=auth(token),
    )
    assert bad.status_code == 422 and "datum" in bad.get_json()["errors"]
    read_only = make_token(partner, Scope.READ)
    refused = client.post(f"/api/v1/signals/{known.id}/reports", json={}, headers=auth(read_only))
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Signal, known.id).report_count == 5
    assert signal_count() == before


def test_list_filters_facets_pagination_and_etag(client, make_signal, make_token, taxonomy):
    for number in range(3):
        make_signal(title=f"Uitkering te laat {number}", themes=("Betaling/Uitkering te laat",))
    make_signal(title="Loket dicht", themes=("Bereikbaarheid",))
    token = make_token()
    theme = taxonomy.themes["betaling/uitkering te laat"]
    url = f"/api/v1/signals?thema={theme.id}&per_pagina=2"
    response = client.get(url, headers=auth(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["totaal"] == 3 and body["paginas"] == 2 and len(body["items"]) == 2
    facets = {facet["naam"]: facet for facet in body["facetten"]}
    assert str(theme.id) in {v["waarde"] for v in facets["thema"]["waarden"]}
    second = client.get(url + "&pagina=2", headers=auth(token)).get_json()
    assert len(second["items"]) == 1
    etag = response.headers["ETag"]
    again = client.get(url, headers={**auth(token), "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    bad = client.get("/api/v1/signals?thema=abc&status=weg", headers=auth(token))
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) >= {"thema", "status"}


def test_public_signals_of_a_theme(client, make_signal, make_token, make_user, taxonomy):
    """A partner website lists the public signals of a theme: with openbaar=true exactly
    what an anonymous visitor of /zoeken sees; without it, what the organisation sees."""
    approved_public_signal(make_signal, make_user, "Openbaar knelpunt", "Bereikbaarheid")
    make_signal(title="Niet goedgekeurd", themes=("Bereikbaarheid",), visibility=Visibility.PUBLIC)
    make_signal(title="Netwerk", themes=("Bereikbaarheid",))
    make_signal(title="Ander thema", themes=("Bejegening",), visibility=Visibility.PUBLIC)
    token = make_token()
    theme = taxonomy.themes["bereikbaarheid"]
    body = client.get(f"/api/v1/signals?thema={theme.id}", headers=auth(token)).get_json()
    assert {item["titel"] for item in body["items"]} == {
        "Openbaar knelpunt",
        "Niet goedgekeurd",
        "Netwerk",
    }
    url = f"/api/v1/signals?thema={theme.id}&openbaar=true"
    body = client.get(url, headers=auth(token)).get_json()
    assert [item["titel"] for item in body["items"]] == ["Openbaar knelpunt"]
    assert body["totaal"] == 1
    site = client.get(f"/zoeken?thema={theme.id}").get_data(as_text=True)
    assert "Openbaar knelpunt" in site and "Niet goedgekeurd" not in site


def test_write_rate_limit(app_factory):
    """Writes are limited per token (a 429 in Dutch, with Retry-After); reads are not."""
    with app_with_token(app_factory, API_WRITE_RATE_LIMIT="2 per minute") as (client, token):
        statuses = [
            client.post("/api/v1/signals", json=GOOD, headers=auth(token)).status_code
            for _ in range(3)
        ]
        assert statuses == [201, 201, 429]
        assert signal_count() == 2
        response = client.post("/api/v1/signals/check", json=GOOD, headers=auth(token))
        assert response.status_code == 429 and response.mimetype == PROBLEM
        body = response.get_json()
        assert body["limiet"] == "2 per 1 minute"
        assert "Wacht even" in body["detail"]
        assert int(response.headers["Retry-After"]) > 0
        assert client.get("/api/v1/signals", headers=auth(token)).status_code == 200
        organisation = db.session.scalar(select(ApiToken)).organisation
        _row, other = api.create_token(organisation, Scope.WRITE, "Ander")
        response = client.post("/api/v1/signals/check", json=GOOD, headers=auth(other))
        assert response.status_code == 200


# Every error path: a Dutch problem document, and nothing stored ------------------------

ENGLISH = ("The requested", "not allowed", "Missing", "Not a valid", "Unknown field", "Invalid")
ERROR_CASES = {
    "geen-sleutel": (401, "post", "/api/v1/signals", lambda t: {"json": GOOD}),
    "onbekende-sleutel": (
        401,
        "post",
        "/api/v1/signals",
        lambda t: {"json": GOOD, "headers": auth(t["write"] + "x")},
    ),
    "meldformulier-sleutel": (
        401,
        "get",
        "/api/v1/signals",
        lambda t: {"headers": auth(t["widget"])},
    ),
    "alleen-lezen": (403, "post", "/api/v1/signals", lambda t: {"json": GOOD, **t["read"]}),
    "onbekend-adres": (404, "get", "/api/v1/bestaat-niet", lambda t: t["headers"]),
    "onbekend-knelpunt": (
        404,
        "post",
        "/api/v1/signals/999999/reports",
        lambda t: {"json": {}, **t["headers"]},
    ),
    "verkeerde-methode": (405, "delete", "/api/v1/signals", lambda t: t["headers"]),
    "put-op-een-knelpunt": (
        405,
        "put",
        "/api/v1/signals/1",
        lambda t: {"json": GOOD, **t["headers"]},
    ),
    "te-groot": (
        413,
        "post",
        "/api/v1/signals",
        lambda t: {"json": {**GOOD, "omschrijving": "x" * 3_000_000}, **t["headers"]},
    ),
    "geen-json": (415, "post", "/api/v1/signals", lambda t: {"data": "titel=x", **t["headers"]}),
    "kapotte-json": (
        400,
        "post",
        "/api/v1/signals",
        lambda t: {"data": "{titel: ", "content_type": "application/json", **t["headers"]},
    ),
    "json-lijst": (
        422,
        "post",
        "/api/v1/signals",
        lambda t: {"data": "[1, 2]", "content_type": "application/json", **t["headers"]},
    ),
    "verkeerd-type": (
        422,
        "post",
        "/api/v1/signals",
        lambda t: {"json": {**GOOD, "aantal_meldingen": "veel", "thema": [1]}, **t["headers"]},
    ),
    "onbekend-veld": (
        422,
        "post",
        "/api/v1/signals",
        lambda t: {"json": {**GOOD, "bsn": "123"}, **t["headers"]},
    ),
    "persoonsgegevens": (
        422,
        "post",
        "/api/v1/signals",
        lambda t: {"json": {**GOOD, "omschrijving": "Bel 06-12345678."}, **t["headers"]},
    ),
    "onbekende-zoekparameter": (422, "get", "/api/v1/signals?thems=3", lambda t: t["headers"]),
    "verkeerde-zoekwaarde": (422, "get", "/api/v1/signals?pagina=nul", lambda t: t["headers"]),
}


def stored_rows() -> dict[str, int]:
    from signalen.signals.models import SignalEvent, SignalReport

    db.session.expire_all()
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Signal, SignalEvent, SignalReport, AuditEvent)
    }


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_every_error_is_a_dutch_problem_and_stores_nothing(
    client, make_organisation, make_signal, taxonomy, case
):
    from http import HTTPStatus

    organisation = make_organisation()
    make_signal()
    tokens = {
        "write": api.create_token(organisation, Scope.WRITE, "Schrijven")[1],
        "read": {"headers": auth(api.create_token(organisation, Scope.READ, "Lezen")[1])},
        "widget": api.create_token(organisation, Scope.WIDGET, "Formulier")[1],
    }
    tokens["headers"] = {"headers": auth(tokens["write"])}
    status, method, path, request_kwargs = ERROR_CASES[case]
    before = stored_rows()
    response = getattr(client, method)(path, **request_kwargs(tokens))
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    assert body["title"] not in {s.phrase for s in HTTPStatus}
    text = json.dumps(body, ensure_ascii=False)
    assert not any(word in text for word in ENGLISH), text
    assert stored_rows() == before


def test_an_unexpected_error_is_a_dutch_500_and_rolls_back(app_factory, monkeypatch):
    with app_with_token(app_factory, PROPAGATE_EXCEPTIONS=False) as (client, token):
        before = stored_rows()

        def broken(*args, **kwargs):
            raise RuntimeError("stuk")

        # Fails after the new signal was added to the session, before the commit.
        monkeypatch.setattr(api.signals, "_event", broken)
        response = client.post("/api/v1/signals", json=GOOD, headers=auth(token))
        assert response.status_code == 500
        assert response.mimetype == PROBLEM
        assert "Er is niets opgeslagen" in response.get_json()["detail"]
        assert "stuk" not in response.get_data(as_text=True)
        assert stored_rows() == before


# Taxonomies, articles --------------------------------------------------------------


def test_taxonomies(client, make_token, taxonomy):
    body = client.get("/api/v1/taxonomies", headers=auth(make_token())).get_json()
    assert len(body["gemeente"]) == 342
    names = {theme["volledige_naam"] for theme in body["thema"]}
    assert "Betaling › Uitkering te laat" in names


def test_articles_follow_visibility(client, make_organisation, make_user, make_token):
    own, other = make_organisation(), make_organisation()
    writer = make_user(Role.COORDINATOR, organisation=other)
    shared = publish_article(writer, "Wat te doen bij terugvordering", "Eerst **bezwaar** maken.")
    publish_article(writer, "Intern concept", "Nog niet klaar.", Visibility.INTERNAL)
    token = make_token(own, Scope.READ)
    body = client.get("/api/v1/articles", headers=auth(token)).get_json()
    assert [item["titel"] for item in body["items"]] == ["Wat te doen bij terugvordering"]
    assert body["totaal"] == 1
    detail = client.get(f"/api/v1/articles/{shared.id}", headers=auth(token)).get_json()
    assert detail["tekst"] == "Eerst **bezwaar** maken."
    assert detail["html"] == "<p>Eerst <strong>bezwaar</strong> maken.</p>\n"


# Errors, CORS, documents -------------------------------------------------------------


def test_unknown_api_path_and_method_are_problems_site_stays_html(client, make_token):
    token = make_token()
    response = client.get("/api/v1/bestaat-niet", headers=auth(token))
    assert response.status_code == 404 and response.mimetype == PROBLEM
    response = client.delete("/api/v1/signals", headers=auth(token))
    assert response.status_code == 405 and response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"]
    page = client.get("/bestaat-niet")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Pagina niet gevonden" in page.get_data(as_text=True)


def test_cors_only_for_configured_origins(app_factory):
    with app_with_token(app_factory, API_CORS_ORIGINS="https://partner.example") as (
        client,
        token,
    ):
        response = client.options(
            "/api/v1/signals",
            headers={
                "Origin": "https://partner.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization, Content-Type",
            },
        )
        assert response.headers["Access-Control-Allow-Origin"] == "https://partner.example"
        assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
        read = client.get(
            "/api/v1/taxonomies", headers={**auth(token), "Origin": "https://partner.example"}
        )
        assert read.headers["Access-Control-Allow-Origin"] == "https://partner.example"
        assert "ETag" in read.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in read.headers
        refused = client.get("/api/v1/signals", headers={"Origin": "https://partner.example"})
        assert refused.status_code == 401  # the browser may read why
        assert refused.headers["Access-Control-Allow-Origin"] == "https://partner.example"
        other = client.get("/api/v1/openapi.json", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        site = client.get("/", headers={"Origin": "https://partner.example"})
        assert "Access-Control-Allow-Origin" not in site.headers


def test_no_cors_headers_by_default(client):
    response = client.get("/api/v1/openapi.json", headers={"Origin": "https://partner.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_openapi_document_and_docs_page(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/signals", "/api/v1/taxonomies", "/api/v1/articles"} <= set(spec["paths"])
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "/api/v1/signals" in text and "vervang_persoonsgegevens" in text
    assert "<code>Authorization: Bearer &lt;sleutel&gt;</code>" in text  # Markdown, rendered
    # Only the site's own external scripts (the menu button), nothing inline.
    assert not re.search(r'<script(?![^>]*\ssrc="/static/)', text) and "style=" not in text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


# Token management ------------------------------------------------------------------


def test_coordinator_creates_and_revokes_token(client, login_as):
    coordinator = login_as(Role.COORDINATOR)
    response = post_form(
        client,
        "/beheer/api-tokens/",
        {"name": "Website", "scope": "write", "organisation": str(coordinator.organisation_id)},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"  # the token is shown once only
    text = response.get_data(as_text=True)
    row = db.session.scalar(select(ApiToken))
    assert row.organisation_id == coordinator.organisation_id and row.scope is Scope.WRITE
    token = text.split('id="api-token" type="text" readonly value="')[1].split('"')[0]
    assert api.hash_token(token) == row.token_hash
    listing = client.get("/beheer/api-tokens/").get_data(as_text=True)
    assert row.prefix in listing and token not in listing
    path = f"/beheer/api-tokens/{row.id}/intrekken"
    response = post_form(client, path, {}, token_from="/beheer/api-tokens/")
    assert response.status_code == 200 and "Sleutel intrekken?" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None
    response = post_form(client, path, {"bevestigd": "1"}, token_from="/beheer/api-tokens/")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"api_token.create", "api_token.revoke"} <= actions


def test_coordinator_cannot_touch_other_organisations_tokens(client, login_as, make_organisation):
    login_as(Role.COORDINATOR)
    other = make_organisation()
    row, _token = api.create_token(other, Scope.READ, "Van de ander")
    response = post_form(
        client, "/beheer/api-tokens/", {"scope": "read", "organisation": str(other.id)}
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(ApiToken.id))) == 1
    assert "Van de ander" not in client.get("/beheer/api-tokens/").get_data(as_text=True)
    response = post_form(
        client, f"/beheer/api-tokens/{row.id}/intrekken", {}, token_from="/beheer/api-tokens/"
    )
    assert response.status_code == 404


def test_volunteer_has_no_token_pages(client, login_as):
    login_as(Role.VOLUNTEER)
    assert client.get("/beheer/api-tokens/").status_code == 403


def test_create_token_command(app, make_organisation):
    make_organisation("Cliëntenraad Zwolle")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-token", "--organisation", "cliëntenraad zwolle", "--scope", "write"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("sig_") and "\n" not in token
    assert "alleen nu" in result.stderr
    row = db.session.scalar(select(ApiToken))
    assert row.scope is Scope.WRITE and row.token_hash == api.hash_token(token)
    assert row.organisation.name == "Cliëntenraad Zwolle"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--organisation", "Bestaat niet"], "bestaat niet"),
        (["--organisation", "Cliëntenraad Zwolle", "--scope", "admin"], "Onbekende scope"),
        (["--organisation", "Uitgeschakeld"], "uitgeschakeld"),
        (["--organisation", "Cliëntenraad Zwolle", "--name", "x" * 200], "hoogstens"),
    ],
)
def test_create_token_command_refuses_bad_input(app, make_organisation, arguments, message):
    make_organisation("Cliëntenraad Zwolle")
    make_organisation("Uitgeschakeld", active=False)
    result = app.test_cli_runner().invoke(args=["create-token", *arguments])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Fout:") and message in result.output
    assert "sig_" not in result.output
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_field_errors_and_personal_data_are_reported_together(client, make_token, taxonomy):
    token = make_token()
    payload = {**GOOD, "thema": ["Bestaat niet"], "omschrijving": "Mail naar jan@example.org."}
    response = client.post("/api/v1/signals", json=payload, headers=auth(token))
    assert response.status_code == 422
    body = response.get_json()
    assert "thema" in body["errors"]
    assert [f["soort"] for f in body["persoonsgegevens"]] == ["EMAIL"]


def test_beheerder_makes_tokens_for_any_organisation(client, login_as, make_organisation):
    login_as(Role.ADMINISTRATOR)
    other = make_organisation("Adviesraad Sociaal Domein Deventer")
    response = post_form(
        client, "/beheer/api-tokens/", {"scope": "read", "organisation": str(other.id)}
    )
    assert response.status_code == 200
    row = db.session.scalar(select(ApiToken))
    assert row.organisation_id == other.id
    assert row.name == "API Adviesraad Sociaal Domein Deventer"


def test_query_length_follows_the_site_setting(app_factory):
    with app_with_token(app_factory, Scope.READ, SEARCH_MAX_QUERY_LENGTH=300) as (client, token):
        for path in ("/api/v1/signals", "/api/v1/directory/services"):
            accepted = client.get(f"{path}?q={'bezwaar ' * 30}", headers=auth(token))
            assert accepted.status_code == 200, accepted.get_json()
            refused = client.get(f"{path}?q={'b' * 301}", headers=auth(token))
            assert refused.status_code == 422
            assert refused.get_json()["errors"]["q"] == ["Hoogstens 300 tekens."]


def test_the_description_built_on_first_use_is_whole_for_concurrent_readers(app_factory):
    from concurrent.futures import ThreadPoolExecutor

    reference = app_factory().test_client().get("/api/v1/openapi.json").get_data()
    fresh = app_factory()
    with ThreadPoolExecutor(max_workers=4) as pool:
        bodies = list(
            pool.map(lambda _: fresh.test_client().get("/api/v1/openapi.json").get_data(), range(8))
        )
    assert set(bodies) == {reference}
    spec = json.loads(reference)
    assert "/api/v1/signals" in spec["paths"] and "Problem" in spec["components"]["schemas"]
    assert "UNPROCESSABLE_ENTITY" in spec["components"]["responses"]
