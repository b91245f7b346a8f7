"""Feeds: plain-text RSS titles, links from the configured site address, a start-up
warning for the default tag authority; the export's formula guard undone on re-import."""

from __future__ import annotations

import feedparser
from sqlalchemy import select

from signalen.auth.models import Role
from signalen.extensions import db
from signalen.feeds import warn_about_default_authority
from signalen.feeds.rendering import plain_title
from signalen.signals import services as signal_services
from signalen.signals.models import Signal, Visibility
from tests.conftest import login


def _public_signal(make_signal, make_user, title: str) -> Signal:
    signal = make_signal(title=title, visibility=Visibility.PUBLIC)
    coordinator = make_user(Role.COORDINATOR, organisation=signal.organisation)
    signal_services.approve_public(signal, coordinator)
    return signal


def test_rss_titles_carry_no_markup(client, make_signal, make_user):
    _public_signal(make_signal, make_user, "Brief <script>alert(1)</script> <b>vet</b>")
    body = client.get("/zoeken.rss").get_data(as_text=True)
    title = body.split("<item>")[1].split("</title>")[0]
    assert "&lt;" not in title and "<script" not in title and "<b>" not in title
    assert "\u2039b\u203avet\u2039/b\u203a" in title
    # Atom titles are type="text" by definition: the text stays exactly as typed.
    atom = feedparser.parse(client.get("/zoeken.atom").data)
    assert atom.entries[0].title == "Brief <script>alert(1)</script> <b>vet</b>"
    assert plain_title("a < b", "atom") == "a < b"


def test_feed_links_come_from_base_url_not_the_host_header(app_factory, make_signal, make_user):
    signal = _public_signal(make_signal, make_user, "Toeslag gestopt")
    configured = app_factory(BASE_URL="https://signalen.example.nl/")
    with configured.app_context():
        response = configured.test_client().get(
            "/zoeken.atom", headers={"Host": "aanvaller.example"}
        )
    parsed = feedparser.parse(response.data)
    assert "aanvaller" not in response.get_data(as_text=True)
    assert parsed.entries[0].link == f"https://signalen.example.nl/signalen/{signal.id}"
    assert parsed.feed.link == "https://signalen.example.nl/zoeken"


def test_feed_links_use_server_name_without_base_url(app):
    from signalen.core.urls import site_base_url

    assert site_base_url() is None
    app.config.update(SERVER_NAME="signalen.example.nl", PREFERRED_URL_SCHEME="https")
    try:
        assert site_base_url() == "https://signalen.example.nl"
    finally:
        app.config.update(SERVER_NAME=None, PREFERRED_URL_SCHEME="http")


def test_production_warns_about_the_default_tag_authority(app, caplog):
    assert not warn_about_default_authority(app)  # TESTING
    app.config.update(TESTING=False, DEBUG=False)
    try:
        with caplog.at_level("WARNING"):
            assert warn_about_default_authority(app)
        assert "FEED_TAG_AUTHORITY" in caplog.text
        app.config["FEED_TAG_AUTHORITY"] = "signalen.example.nl"
        assert not warn_about_default_authority(app)
    finally:
        app.config.update(TESTING=True, FEED_TAG_AUTHORITY=None)


def test_exported_formula_guard_is_undone_on_reimport(
    app, client, make_signal, make_user, tmp_path
):
    titles = ["=SOM(A1) toeslag", "+31 wachttijd", "-teruggevorderd", "@UWV brief", "'gewoon"]
    coordinator = make_user(Role.COORDINATOR)
    for title in titles:
        make_signal(title=title, user=coordinator)
    login(client, coordinator)
    exported = client.get("/zoeken/export.csv").get_data(as_text=True)
    assert "'=SOM(A1) toeslag" in exported  # the guard is there in the file
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8")
    imported_by = make_user(Role.COORDINATOR)
    result = app.test_cli_runner().invoke(
        args=["import-signals", str(path), "--organisation", imported_by.organisation.name]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    again = db.session.scalars(
        select(Signal.title).where(Signal.organisation_id == imported_by.organisation_id)
    ).all()
    assert sorted(again) == sorted(titles)
