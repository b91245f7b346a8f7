"""Feedback loops for people with an account: notifications, saved searches, private feeds."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.demo.directory import seed_demo_directory
from signalen.directory.models import Service
from signalen.directory.services.change_requests import create_change_request
from signalen.extensions import db
from signalen.meetings import services as meetings
from signalen.notifications import delivery
from signalen.notifications import services as notifications
from signalen.notifications.models import Kind, Notification
from signalen.savedsearches import services as saved_searches
from signalen.savedsearches.models import FeedKey, SavedSearch
from signalen.signals import services as signals
from signalen.signals.models import SignalEvent, Status, Visibility
from tests.conftest import csrf_token, login, post_form


def notes(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def logged_in(client, user):
    """Another browser, logged in as ``user``."""
    other = client.application.test_client()
    assert login(other, user).status_code == 302
    return other


@pytest.fixture
def team(make_user, make_organisation):
    organisation = make_organisation()
    return {
        "organisation": organisation,
        "volunteer": make_user(Role.VOLUNTEER, organisation=organisation),
        "reporter": make_user(Role.VOLUNTEER, organisation=organisation),
        "coordinator": make_user(Role.COORDINATOR, organisation=organisation),
    }


# Notifications ---------------------------------------------------------------------------


def test_volunteer_hears_of_a_status_change_in_the_app(client, team, make_signal):
    signal = make_signal(user=team["volunteer"])
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    [note] = notes(team["volunteer"])
    assert note.kind == Kind.SIGNAL_STATUS.value
    assert note.signal_id == signal.id and "in behandeling" in note.text
    assert notes(team["coordinator"]) == []  # the actor is not told what they did

    login(client, team["volunteer"])
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/meldingen"[^>]*>Meldingen <span class="badge">1', page)
    page = client.get("/meldingen").get_data(as_text=True)
    assert signal.title in page
    response = post_form(client, f"/meldingen/{note.id}/gelezen", {}, token_from="/meldingen")
    assert response.status_code == 302
    assert notes(team["volunteer"])[0].read_at is not None
    assert 'class="badge"' not in client.get("/").get_data(as_text=True)


def test_an_ook_gemeld_reporter_hears_too(team, make_signal):
    signal = make_signal(user=team["volunteer"])
    signals.add_report(signal, team["reporter"], signal.channel)
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    assert [n.kind for n in notes(team["reporter"])] == [Kind.SIGNAL_STATUS.value]


def test_agenda_and_discussion_tell_once_each_with_the_agency_response(team, make_signal):
    signal = make_signal(user=team["volunteer"])
    meeting = meetings.create_meeting(
        meetings.MeetingInput(title="Overleg met UWV", held_on=local_today()),
        team["coordinator"],
    )
    meetings.add_signals(meeting, [signal.id], team["coordinator"])
    assert signal.status is Status.SCHEDULED
    [agenda] = notes(team["volunteer"])
    assert agenda.kind == Kind.SIGNAL_AGENDA.value and "Overleg met UWV" in agenda.text
    item = meeting.items[0]
    meetings.record_outcome(
        item,
        team["coordinator"],
        discussion="Besproken",
        agency_response="UWV stuurt voortaan altijd een brief.",
    )
    assert signal.status is Status.DISCUSSED
    kinds = [n.kind for n in notes(team["volunteer"])]
    assert kinds == [Kind.SIGNAL_AGENDA.value, Kind.SIGNAL_DISCUSSED.value]
    assert "UWV stuurt voortaan altijd een brief." in notes(team["volunteer"])[1].text
    # Correcting the outcome later tells nobody again.
    meetings.record_outcome(item, team["coordinator"], discussion="Besproken, aangevuld")
    assert len(notes(team["volunteer"])) == 2


def test_closing_asks_whether_it_is_solved_and_keeps_the_answer_in_history(
    client, team, make_signal
):
    signal = make_signal(user=team["volunteer"])
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    signals.change_status(signal, Status.RESOLVED, team["coordinator"], "UWV heeft betaald")
    closed = notes(team["volunteer"])[-1]
    assert closed.kind == Kind.SIGNAL_CLOSED.value and "UWV heeft betaald" in closed.text

    login(client, team["volunteer"])
    page = client.get("/meldingen").get_data(as_text=True)
    assert "Is het voor de cliënt opgelost?" in page
    path = f"/meldingen/{closed.id}/opgelost"
    assert post_form(client, path, {"answer": "misschien"}, "/meldingen").status_code == 302
    assert db.session.get(Notification, closed.id).answer is None
    post_form(client, path, {"answer": "ja"}, "/meldingen")
    db.session.expire_all()
    assert db.session.get(Notification, closed.id).answer == "ja"
    events = db.session.scalars(
        select(SignalEvent).where(
            SignalEvent.signal_id == signal.id, SignalEvent.kind == "client_outcome"
        )
    ).all()
    assert [e.changes for e in events] == [{"opgelost": [None, "ja"]}]
    assert "Opgelost voor de cliënt: ja" in client.get(f"/signalen/{signal.id}").get_data(
        as_text=True
    )
    # Once only, and only one's own.
    post_form(client, path, {"answer": "nee"}, "/meldingen")
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(SignalEvent)
            .where(SignalEvent.kind == "client_outcome")
        )
        == 1
    )
    other = logged_in(client, team["reporter"])
    assert post_form(other, path, {"answer": "nee"}, "/meldingen").status_code == 404


def test_choices_per_kind_turn_notifications_off_and_refuse_nonsense(client, team, make_signal):
    login(client, team["volunteer"])
    page = client.get("/account/meldingen").get_data(as_text=True)
    assert "Een knelpunt dat u meldde krijgt een andere status" in page
    assert "sociale kaart" not in page  # a volunteer has no queues
    response = post_form(client, "/account/meldingen", {"signal_status": "uit"})
    assert response.status_code == 302
    bad = post_form(client, "/account/meldingen", {"signal_status": "altijd"})
    assert bad.status_code == 422
    signal = make_signal(user=team["volunteer"])
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    assert notes(team["volunteer"]) == []


def test_a_signal_the_volunteer_can_no_longer_see_tells_nothing(
    team, make_signal, make_organisation
):
    signal = make_signal(user=team["volunteer"], visibility=Visibility.INTERNAL)
    team["volunteer"].organisation_id = make_organisation().id
    db.session.commit()
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    assert notes(team["volunteer"]) == []


def test_delivery_direct_at_once_daily_once_a_day(team, make_signal, make_user):
    signal = make_signal(user=team["volunteer"])
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    notifications.set_preferences(team["coordinator"], {"agreement_overdue": "dagelijks"})
    note = notifications.notify(team["coordinator"], Kind.AGREEMENT_OVERDUE, "Afspraak te laat")
    db.session.commit()
    made = note.created_at
    # Just after it was made: only the direct one.
    pending = dict(delivery.pending_for_delivery(made + timedelta(minutes=1)))
    assert [n.kind for n in pending[team["volunteer"]]] == [Kind.SIGNAL_STATUS.value]
    assert team["coordinator"] not in pending or made > delivery.bundle_moment(made)
    # The next morning the daily bundle is due.
    next_morning = delivery.bundle_moment(made + timedelta(days=1, hours=1))
    pending = dict(delivery.pending_for_delivery(next_morning))
    assert [n.text for n in pending[team["coordinator"]]] == ["Afspraak te laat"]
    delivery.mark_delivered(pending[team["coordinator"]] + pending[team["volunteer"]])
    db.session.commit()
    assert delivery.pending_for_delivery(next_morning) == []
    # An inactive user gets no mail.
    signals.change_status(signal, Status.SCHEDULED, team["coordinator"])
    team["volunteer"].active = False
    db.session.commit()
    assert delivery.pending_for_delivery(next_morning + timedelta(minutes=5)) == []


def test_bundle_moment_is_seven_in_the_morning_dutch_time():
    winter_noon = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)  # 12:00 in Amsterdam
    assert delivery.bundle_moment(winter_noon) == datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    early = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # 06:00 in Amsterdam
    assert delivery.bundle_moment(early) == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def test_mail_templates_render_one_and_a_bundle(app, team, make_signal):
    from flask import render_template

    signal = make_signal(user=team["volunteer"])
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    items = notes(team["volunteer"])
    app.config["BASE_URL"] = "https://x.nl"
    with app.test_request_context():
        context = delivery.mail_context(team["volunteer"], items, "https://x.nl")
        for name in ("notification", "notification_bundle"):
            text = render_template(f"mail/{name}.txt", **context)
            html = render_template(f"mail/{name}.html", **context)
            assert items[0].text in text and f"https://x.nl/signalen/{signal.id}" in text
            assert "https://x.nl/account/meldingen" in html


def test_coordinators_hear_of_change_requests_and_due_work_once_a_week(
    app, team, make_signal, taxonomy
):
    assert seed_demo_directory() == 9
    service = db.session.scalars(select(Service)).first()
    create_change_request(service, {}, explanation="Het telefoonnummer klopt niet.")
    [note] = notes(team["coordinator"])
    assert note.kind == Kind.CHANGE_REQUEST.value and service.name in note.text
    assert notes(team["volunteer"]) == []

    signal = make_signal(user=team["volunteer"])
    meeting = meetings.create_meeting(
        meetings.MeetingInput(title="Overleg", held_on=local_today() - timedelta(days=30)),
        team["coordinator"],
    )
    meetings.add_signals(meeting, [signal.id], team["coordinator"])
    meetings.record_outcome(
        meeting.items[0],
        team["coordinator"],
        discussion="Besproken",
        agreements=[
            meetings.AgreementInput(
                "UWV belt terug", "UWV", due_on=local_today() - timedelta(days=2)
            )
        ],
    )
    made = notifications.remind_due()
    kinds = [n.kind for n in notes(team["coordinator"])]
    assert Kind.AGREEMENT_OVERDUE.value in kinds
    assert made == len(kinds) - 1
    assert notifications.remind_due() == 0  # not again within the week
    later = datetime.now(UTC) + timedelta(days=notifications.REMINDER_REPEAT_DAYS + 1)
    assert notifications.remind_due(later) >= 1


def test_notifications_are_only_the_users_own(client, team, make_signal):
    signal = make_signal(user=team["volunteer"])
    signals.change_status(signal, Status.IN_PROGRESS, team["coordinator"])
    [note] = notes(team["volunteer"])
    login(client, team["reporter"])
    assert note.text not in client.get("/meldingen").get_data(as_text=True)
    response = post_form(client, f"/meldingen/{note.id}/gelezen", {}, "/meldingen")
    assert response.status_code == 404
    post_form(client, "/meldingen/alles-gelezen", {}, "/meldingen")
    assert db.session.get(Notification, note.id).read_at is None


# Saved searches --------------------------------------------------------------------------


def save(client, query: str, name: str):
    return post_form(
        client, "/zoekopdrachten", {"name": name, "zoekopdracht": query}, token_from="/zoeken"
    )


def test_save_a_search_and_see_what_is_new_since_the_last_visit(
    client, team, make_signal, make_organisation, make_user
):
    make_signal(title="Toeslag gestopt zonder brief", user=team["volunteer"])
    login(client, team["coordinator"])
    assert 'action="/zoekopdrachten"' in client.get("/zoeken?q=toeslag").get_data(as_text=True)
    response = save(client, "q=toeslag", "Toeslagen")
    assert response.status_code == 302
    saved = db.session.scalar(select(SavedSearch))
    assert saved.user_id == team["coordinator"].id and saved.query == "q=toeslag"
    assert "0 nieuw sinds uw laatste bezoek" in client.get("/zoekopdrachten").get_data(as_text=True)
    # An intern signal of the own organisation and a network one of another: both new.
    make_signal(title="Toeslag te laat", user=team["volunteer"], visibility=Visibility.INTERNAL)
    other = make_user(Role.VOLUNTEER, organisation=make_organisation())
    make_signal(title="Toeslag terugbetalen", user=other, visibility=Visibility.INTERNAL)
    make_signal(title="Toeslag vergeten", user=other)
    assert "2 nieuw sinds uw laatste bezoek" in client.get("/zoekopdrachten").get_data(as_text=True)
    response = client.get(f"/zoekopdrachten/{saved.id}")
    assert response.status_code == 302 and response.location.endswith("/zoeken?q=toeslag")
    assert "0 nieuw sinds uw laatste bezoek" in client.get("/zoekopdrachten").get_data(as_text=True)


def test_a_saved_search_runs_with_the_viewers_current_rights(team, make_signal, make_organisation):
    user = team["coordinator"]
    saved = saved_searches.save_search(user, "Alles over toeslag", _args("q=toeslag"))
    saved.last_seen_at = datetime(2020, 1, 1, tzinfo=UTC)
    db.session.commit()
    make_signal(title="Toeslag te laat", user=team["volunteer"], visibility=Visibility.INTERNAL)
    assert saved_searches.new_count(saved, user) == 1
    user.organisation_id = make_organisation().id
    db.session.commit()
    assert saved_searches.new_count(saved, user) == 0


def _args(query: str):
    from urllib.parse import parse_qsl

    from werkzeug.datastructures import MultiDict

    return MultiDict(parse_qsl(query))


def test_saving_refuses_personal_data_and_nonsense(client, team):
    login(client, team["volunteer"])
    save(client, "q=toeslag", "Mevrouw met BSN 111222333")
    save(client, "q=bsn+111222333", "Toeslag")
    save(client, "q=toeslag", "   ")
    assert db.session.scalar(select(func.count()).select_from(SavedSearch)) == 0


def test_alert_switch_and_deletion_with_confirmation_for_the_owner_only(client, team):
    user = team["volunteer"]
    saved = saved_searches.save_search(user, "Toeslag", _args("q=toeslag"))
    other = logged_in(client, team["reporter"])
    for path in (f"/zoekopdrachten/{saved.id}/email", f"/zoekopdrachten/{saved.id}/verwijderen"):
        assert post_form(other, path, {"alert": "1"}, "/zoekopdrachten").status_code == 404
    assert other.get(f"/zoekopdrachten/{saved.id}").status_code == 404

    login(client, user)
    post_form(client, f"/zoekopdrachten/{saved.id}/email", {"alert": "1"}, "/zoekopdrachten")
    db.session.expire_all()
    assert saved.alert is True and saved.last_alerted_at is not None
    path = f"/zoekopdrachten/{saved.id}/verwijderen"
    page = post_form(client, path, {}, "/zoekopdrachten")
    assert page.status_code == 200 and 'name="bevestigd"' in page.get_data(as_text=True)
    assert db.session.get(SavedSearch, saved.id) is not None
    search_id = saved.id
    post_form(client, path, {"bevestigd": "1"}, "/zoekopdrachten")
    db.session.expire_all()
    assert db.session.get(SavedSearch, search_id) is None


def test_alerts_due_lists_searches_with_new_results(team, make_signal):
    saved = saved_searches.save_search(team["coordinator"], "Toeslag", _args("q=toeslag"))
    saved_searches.set_alert(saved, True)
    assert saved_searches.alerts_due() == []
    make_signal(title="Toeslag te laat", user=team["volunteer"], visibility=Visibility.INTERNAL)
    assert saved_searches.alerts_due() == [(saved, 1)]


# Private feeds ---------------------------------------------------------------------------


def make_key(client) -> str:
    page = post_form(client, "/zoekopdrachten/feedadres", {}, "/zoekopdrachten")
    match = re.search(r"/feeds/prive/([A-Za-z0-9_-]+)/zoeken\.atom", page.get_data(as_text=True))
    assert match
    return match.group(1)


def test_private_feed_shows_what_the_user_may_see_now(
    client, team, make_signal, make_organisation, make_user
):
    mine = make_signal(
        title="Toeslag te laat", user=team["volunteer"], visibility=Visibility.INTERNAL
    )
    other = make_user(Role.VOLUNTEER, organisation=make_organisation())
    theirs = make_signal(title="Toeslag kwijt", user=other, visibility=Visibility.INTERNAL)
    login(client, team["coordinator"])
    key = make_key(client)
    row = db.session.get(FeedKey, team["coordinator"].id)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in row.key_hash

    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    anonymous = client.application.test_client()
    feed = anonymous.get(f"/feeds/prive/{key}/zoeken.atom?q=toeslag")
    assert feed.status_code == 200 and feed.mimetype.endswith("xml")
    assert feed.headers["Cache-Control"].startswith("private")
    body = feed.get_data(as_text=True)
    assert f"/signalen/{mine.id}" in body and f"/signalen/{theirs.id}" not in body
    # The feed follows the user's rights at request time.
    team["coordinator"].organisation_id = other.organisation_id
    db.session.commit()
    body = anonymous.get(f"/feeds/prive/{key}/zoeken.atom?q=toeslag").get_data(as_text=True)
    assert f"/signalen/{mine.id}" not in body and f"/signalen/{theirs.id}" in body


def test_saved_search_feed_rotation_revocation_and_deactivation(client, team, make_signal):
    user = team["coordinator"]
    saved = saved_searches.save_search(user, "Toeslag", _args("q=toeslag"))
    signal = make_signal(title="Toeslag te laat", user=team["volunteer"])
    login(client, user)
    old = make_key(client)
    path = f"/feeds/prive/{old}/zoekopdracht/{saved.id}.atom"
    reader = client.application.test_client()
    body = reader.get(path).get_data(as_text=True)
    assert "<title>Toeslag</title>" in body and f"/signalen/{signal.id}" in body
    assert reader.get(f"/feeds/prive/{old}/zoekopdracht/{saved.id + 1}.atom").status_code == 404
    # Rotating asks first, then the old address stops working.
    page = post_form(client, "/zoekopdrachten/feedadres", {}, "/zoekopdrachten")
    assert 'name="bevestigd"' in page.get_data(as_text=True)
    new = re.search(
        r"/feeds/prive/([A-Za-z0-9_-]+)/zoeken",
        post_form(
            client, "/zoekopdrachten/feedadres", {"bevestigd": "1"}, "/zoekopdrachten"
        ).get_data(as_text=True),
    ).group(1)
    assert new != old and reader.get(path).status_code == 404
    new_path = f"/feeds/prive/{new}/zoekopdracht/{saved.id}.atom"
    assert reader.get(new_path).status_code == 200
    user.active = False
    db.session.commit()
    assert reader.get(new_path).status_code == 410
    user.active = True
    db.session.commit()
    post_form(client, "/zoekopdrachten/feedadres/intrekken", {"bevestigd": "1"}, "/zoekopdrachten")
    assert reader.get(new_path).status_code == 404
    assert reader.get("/feeds/prive/x/zoeken.atom").status_code == 404
