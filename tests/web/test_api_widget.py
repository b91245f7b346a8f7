"""The embeddable, script-free meldformulier (/widget/melden/<key>)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from signalen.api import services as api
from signalen.api.models import Scope
from signalen.extensions import db
from signalen.signals.models import Channel, Signal, Visibility
from tests.web.test_api import app_with_token

PARTNER = "https://partner.example"
TOKEN_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
GOOD = {
    "title": "Toeslag te laat",
    "description": "De huurtoeslag kwam twee maanden niet.",
    "theme": "Betaling › Uitkering te laat",
    "occurred_on": "2026-10-01",
}


@pytest.fixture
def widget(app, make_organisation, taxonomy):
    organisation = make_organisation("Formulierenbrigade Zwolle")
    _row, key = api.create_token(organisation, Scope.WIDGET, "Website")
    return organisation, key


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Signal.id)))


def form_token(client, key: str) -> str:
    page = client.get(f"/widget/melden/{key}")
    assert page.status_code == 200
    return TOKEN_INPUT.search(page.get_data(as_text=True)).group(1)


def send(client, key: str, data: dict, **headers):
    """Fill in the form as a visitor does: load the page, then post it."""
    return client.post(
        f"/widget/melden/{key}",
        data={**data, "csrf_token": form_token(client, key)},
        headers=headers,
    )


def test_widget_creates_an_intern_signal(client, widget):
    organisation, key = widget
    page = client.get(f"/widget/melden/{key}")
    text = page.get_data(as_text=True)
    assert "Formulierenbrigade Zwolle" in text
    assert "<script" not in text and "style=" not in text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Referrer-Policy"] == "same-origin"
    response = send(client, key, GOOD)
    assert response.status_code == 303
    signal = db.session.scalar(select(Signal))
    assert signal.organisation_id == organisation.id
    assert signal.visibility is Visibility.INTERNAL
    assert signal.channel is Channel.WEBSITE
    assert signal.occurred_on.isoformat() == "2026-10-01"
    assert [t.full_name for t in signal.themes] == ["Betaling › Uitkering te laat"]
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    assert "Dank u wel" in thanks.get_data(as_text=True)
    assert f"onder nummer {signal.id}" in thanks.get_data(as_text=True)
    client.get(response.headers["Location"])  # reloading the thank-you page sends nothing
    assert count() == 1
    # The date as people write it works too (the intake form's own date field).
    assert send(client, key, {**GOOD, "occurred_on": "02-10-2026"}).status_code == 303
    assert (
        db.session.scalars(select(Signal.occurred_on).order_by(Signal.id)).all()[-1].isoformat()
        == "2026-10-02"
    )


def test_widget_privacy_guard_and_redaction(client, widget):
    _organisation, key = widget
    data = {"title": "Brief kwijt", "description": "Mail haar op jan@example.org over de brief."}
    response = send(client, key, data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Er staan persoonsgegevens in uw tekst" in text
    assert "een e-mailadres in ‘Wat is het knelpunt?’" in text
    assert "Mail haar op jan@example.org" in text  # the text stays, to be corrected
    assert count() == 0
    response = send(client, key, {**data, "accept_redaction": "y"})
    assert response.status_code == 303
    description = db.session.scalar(select(Signal)).description
    assert "[E-MAIL]" in description and "jan@example.org" not in description


def test_widget_post_needs_the_form_token(client, widget, make_organisation):
    _organisation, key = widget
    response = client.post(f"/widget/melden/{key}", data=GOOD)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Het formulier is verlopen of kwam niet van deze pagina" in text
    assert GOOD["description"] in text  # nothing the visitor typed is lost
    assert TOKEN_INPUT.search(text)  # and a fresh token lets them send it again
    _row, other_key = api.create_token(make_organisation(), Scope.WIDGET, "Ander")
    stolen = form_token(client, other_key)
    response = client.post(f"/widget/melden/{key}", data={**GOOD, "csrf_token": stolen})
    assert response.status_code == 400
    response = client.post(f"/widget/melden/{key}", data={**GOOD, "csrf_token": "sig_onzin"})
    assert response.status_code == 400
    assert count() == 0


def test_widget_refuses_posts_from_other_sites(client, widget):
    _organisation, key = widget
    response = send(client, key, GOOD, Origin="https://evil.example")
    assert response.status_code == 403
    assert "Er is niets verstuurd" in response.get_data(as_text=True)
    assert count() == 0
    assert send(client, key, GOOD, Origin="http://localhost").status_code == 303  # this site
    assert send(client, key, GOOD, Origin="null").status_code == 303  # a private browser
    assert count() == 2


def test_widget_form_token_expires(app_factory):
    with app_with_token(app_factory, Scope.WIDGET, API_WIDGET_FORM_MAX_AGE=-1) as (client, key):
        response = send(client, key, GOOD)
        assert response.status_code == 400
        assert count() == 0


def test_partner_site_may_frame_the_widget_and_post_its_own_form(app_factory):
    with app_with_token(app_factory, Scope.WIDGET, API_WIDGET_ORIGINS=[PARTNER]) as (client, key):
        page = client.get(f"/widget/melden/{key}")
        policy = page.headers["Content-Security-Policy"]
        assert f"frame-ancestors 'self' {PARTNER}" in policy
        assert "script-src 'self'" in policy
        assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
        # The partner's own HTML form: no token of ours, recognised by its Origin.
        response = client.post(f"/widget/melden/{key}", data=GOOD, headers={"Origin": PARTNER})
        assert response.status_code == 303
        assert count() == 1
        other = client.post(
            f"/widget/melden/{key}", data=GOOD, headers={"Origin": "https://evil.example"}
        )
        assert other.status_code == 403
        assert count() == 1
        # Other pages of the site still cannot be framed.
        assert "frame-ancestors 'none'" in client.get("/").headers["Content-Security-Policy"]


def test_a_wrong_origin_in_the_settings_stops_the_start(app_factory):
    with pytest.raises(ValueError, match="API_WIDGET_ORIGINS"):
        app_factory(API_WIDGET_ORIGINS=["https://partner.example/pad"])
    with pytest.raises(ValueError, match="API_CORS_ORIGINS"):
        app_factory(API_CORS_ORIGINS="*")


def test_widget_errors_and_keys(client, widget, make_organisation):
    _organisation, key = widget
    response = send(client, key, {"title": "", "description": ""})
    assert response.status_code == 422
    assert "Controleer het formulier" in response.get_data(as_text=True)
    response = send(client, key, {**GOOD, "occurred_on": "2999-01-01"})
    assert response.status_code == 422
    assert "toekomst" in response.get_data(as_text=True)
    response = send(client, key, {**GOOD, "theme": "Bestaat niet"})
    assert response.status_code == 422
    assert count() == 0
    _row, write_key = api.create_token(make_organisation(), Scope.WRITE, "API")
    assert client.get(f"/widget/melden/{write_key}").status_code == 404
    assert client.get("/widget/melden/sig_onzin").status_code == 404
    # A widget key reads nothing through the API.
    response = client.get("/api/v1/signals", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401
    # A receipt belongs to one key and cannot be made up.
    location = send(client, key, GOOD).headers["Location"]
    assert client.get(location).status_code == 200
    _row, other_key = api.create_token(make_organisation(), Scope.WIDGET, "Ander")
    assert client.get(location.replace(key, other_key)).status_code == 404
    assert client.get(f"/widget/melden/{key}/ontvangen/1").status_code == 404


def test_widget_posts_are_rate_limited(app_factory):
    with app_with_token(app_factory, Scope.WIDGET, API_WIDGET_RATE_LIMIT="1 per minute") as (
        client,
        key,
    ):
        data = {"title": "", "description": ""}
        assert send(client, key, data).status_code == 422
        assert send(client, key, data).status_code == 429
        assert client.get(f"/widget/melden/{key}").status_code == 200
