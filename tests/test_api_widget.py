"""The embeddable, script-free meldformulier (/widget/melden/<key>)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signalen.api import services as api
from signalen.api.models import Scope
from signalen.extensions import db
from signalen.signals.models import Channel, Signal, Visibility


@pytest.fixture
def widget(app, make_organisation, taxonomy):
    organisation = make_organisation("Formulierenbrigade Zwolle")
    _row, key = api.create_token(organisation, Scope.WIDGET, "Website")
    return organisation, key


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Signal.id)))


def test_widget_creates_an_intern_signal(client, widget):
    organisation, key = widget
    page = client.get(f"/widget/melden/{key}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Formulierenbrigade Zwolle" in text and "<script" not in text
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    response = client.post(
        f"/widget/melden/{key}",
        data={
            "title": "Toeslag te laat",
            "description": "De huurtoeslag kwam twee maanden niet.",
            "theme": "Betaling › Uitkering te laat",
            "occurred_on": "2026-10-01",
        },
    )
    assert response.status_code == 201
    assert "Dank u wel" in response.get_data(as_text=True)
    signal = db.session.scalar(select(Signal))
    assert signal.organisation_id == organisation.id
    assert signal.visibility is Visibility.INTERNAL
    assert signal.channel is Channel.WEBSITE
    assert [t.full_name for t in signal.themes] == ["Betaling › Uitkering te laat"]


def test_widget_privacy_guard_and_redaction(client, widget):
    _organisation, key = widget
    data = {"title": "Brief kwijt", "description": "Mail haar op jan@example.org over de brief."}
    response = client.post(f"/widget/melden/{key}", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "persoonsgegevens" in text and "e-mailadres" in text
    assert count() == 0
    response = client.post(f"/widget/melden/{key}", data={**data, "accept_redaction": "y"})
    assert response.status_code == 201
    assert "[E-MAIL]" in db.session.scalar(select(Signal)).description


def test_widget_errors_and_keys(client, widget, make_organisation):
    _organisation, key = widget
    response = client.post(f"/widget/melden/{key}", data={"title": "", "description": ""})
    assert response.status_code == 422
    assert "Controleer het formulier" in response.get_data(as_text=True)
    assert count() == 0
    _row, write_key = api.create_token(make_organisation(), Scope.WRITE, "API")
    assert client.get(f"/widget/melden/{write_key}").status_code == 404
    assert client.get("/widget/melden/sig_onzin").status_code == 404
    # A widget key reads nothing through the API.
    response = client.get("/api/v1/signals", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 401


def test_widget_may_be_framed_by_configured_sites(app_factory):
    app = app_factory(API_WIDGET_FRAME_ANCESTORS=["https://partner.example"])
    with app.app_context():
        from signalen.organisations import services as organisations

        organisation = organisations.create_organisation("Cliëntenraad Iframe")
        _row, key = api.create_token(organisation, Scope.WIDGET, "Website")
        response = app.test_client().get(f"/widget/melden/{key}")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://partner.example" in policy
    assert "script-src 'self'" in policy


def test_widget_posts_are_rate_limited(app_factory):
    app = app_factory(API_WIDGET_RATE_LIMIT="1 per minute")
    with app.app_context():
        from signalen.organisations import services as organisations

        organisation = organisations.create_organisation("Cliëntenraad Limiet")
        _row, key = api.create_token(organisation, Scope.WIDGET, "Website")
        client = app.test_client()
        data = {"title": "", "description": ""}
        assert client.post(f"/widget/melden/{key}", data=data).status_code == 422
        assert client.post(f"/widget/melden/{key}", data=data).status_code == 429
        assert client.get(f"/widget/melden/{key}").status_code == 200
