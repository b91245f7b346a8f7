"""The mail outbox, the job queue, subscriptions and password reset, against a real SMTP
server (aiosmtpd) started in the test.

Delivery guarantee: at least once, with a stable Message-ID. A worker killed after the
server accepted a message but before it marked the row sent sends it again, with the same
Message-ID, once the row's claim has run out; nothing is lost.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from signalen.auth.models import Role
from signalen.core.models import utcnow
from signalen.digests import periods
from signalen.digests import services as digests
from signalen.extensions import db
from signalen.mail import jobs
from signalen.mail.models import FAILED, PENDING, SENT, MailMessage
from signalen.mail.services import queue_mail, send_pending
from signalen.subscriptions.models import Subscription
from tests.conftest import PASSWORD, csrf_token, login
from tests.mail_support import SmtpServer, html_of, text_of

BASE = "http://signalen.test"


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp):
    """The test app (whose context the factory fixtures use) with the SMTP server."""
    app.config.update(smtp.config(), BASE_URL=BASE)
    return app


def _path(url: str) -> str:
    assert url.startswith(BASE), url
    return url[len(BASE) :]


def _links(text: str) -> list[str]:
    return re.findall(re.escape(BASE) + r"/\S+", text)


def _outbox() -> list[MailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(MailMessage).order_by(MailMessage.id)))


# The outbox ---------------------------------------------------------------------------------


def test_a_rolled_back_change_sends_nothing_a_committed_one_arrives(mail_app, smtp):
    queue_mail("a@example.org", "review_reminder", {"count": 1, "text": "Eén dienst."})
    db.session.rollback()
    assert _outbox() == []
    assert send_pending() == {"sent": 0, "retry": 0, "failed": 0}

    row = queue_mail(
        "b@example.org",
        "subscription_items",
        {
            "feed_title": "Thema Betaling",
            "entries": [],
            "weekly": False,
            "manage_url": BASE + "/beheer",
            "unsubscribe_url": BASE + "/af",
        },
        headers={"X-Test": "ja"},
    )
    db.session.commit()
    assert send_pending()["sent"] == 1
    [message] = smtp.inbox.wait_for(1)
    assert message["To"] == "b@example.org" and message["From"] == "signalen@example.org"
    assert message["Message-ID"].strip() == row.message_id and message["X-Test"] == "ja"
    assert message["Subject"] == "Nieuw: Thema Betaling"
    assert "Afmelden: http://signalen.test/af" in text_of(message)
    assert '<a href="http://signalen.test/af">' in html_of(message)
    assert _outbox()[0].status == SENT
    assert send_pending()["sent"] == 0  # sent once


def test_english_when_the_recipient_chose_english(mail_app, smtp):
    queue_mail("en@example.org", "review_reminder", {"count": 2, "text": "x"}, locale="en")
    db.session.commit()
    send_pending()
    [message] = smtp.inbox.wait_for(1)
    assert message["Content-Language"] == "en"
    assert "2" in message["Subject"]


def test_smtp_down_is_retried_later_and_nothing_is_lost(app_factory, smtp):
    port = smtp.port
    smtp.stop()
    app = app_factory(**smtp.config(), BASE_URL=BASE, MAIL_TIMEOUT=2)
    with app.app_context():
        for number in range(3):
            queue_mail(f"r{number}@example.org", "review_reminder", {"count": 1, "text": "t"})
        db.session.commit()
        counts = send_pending()
        assert counts["sent"] == 0 and counts["retry"] == 1
        rows = _outbox()
        assert [row.status for row in rows] == [PENDING] * 3
        assert rows[0].attempts == 1 and rows[0].next_attempt_at > utcnow()
        assert "Connection" in rows[0].last_error or "refused" in rows[0].last_error.lower()
        # Not yet due: the back-off holds the first one back, the others are tried.
        server = SmtpServer(port).start()
        try:
            assert send_pending()["sent"] == 2
            db.session.execute(update(MailMessage).values(next_attempt_at=utcnow()))
            db.session.commit()
            assert send_pending()["sent"] == 1
            arrived = server.inbox.wait_for(3)
            assert sorted(m["To"] for m in arrived) == [f"r{n}@example.org" for n in range(3)]
            assert all(row.status == SENT for row in _outbox())
        finally:
            server.stop()


def test_a_refused_recipient_fails_without_retrying(mail_app, smtp, monkeypatch):
    import smtplib

    from signalen.mail import transport

    def refuse(self, message):
        raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no such user")})

    monkeypatch.setattr(transport.SmtpTransport, "send", refuse)
    queue_mail("x@example.org", "review_reminder", {"count": 1, "text": "t"})
    db.session.commit()
    assert send_pending()["failed"] == 1
    assert _outbox()[0].status == FAILED


def test_without_a_mail_server_mail_is_written_to_the_instance_folder(app_factory):
    app = app_factory(BASE_URL=BASE)
    with app.app_context():
        row = queue_mail("c@example.org", "review_reminder", {"count": 1, "text": "Dienst."})
        db.session.commit()
        assert send_pending()["sent"] == 1
        files = list((Path(app.instance_path) / "mail").glob("*.eml"))
        assert len(files) == 1
        content = files[0].read_text()
        assert row.message_id in content and "Dienst." in content


def test_the_worker_sends_after_the_commit(app_factory, smtp):
    """The Huey consumer (SQLite storage in the instance folder) runs the job that the
    commit queued; the periodic jobs of the old cron commands are registered."""
    app = app_factory(**smtp.config(), BASE_URL=BASE)
    with app.app_context():
        huey = jobs.job_queue(app)
        assert huey.storage.filename == str(Path(app.instance_path) / "jobs.db")
        names = set(huey._registry._registry)
        for name in ("review_reminders", "quarterly_digest", "subscriptions.weekly"):
            assert any(found.endswith("signalen." + name) for found in names), names
        consumer = jobs.start_in_process(app)
        try:
            queue_mail("w@example.org", "review_reminder", {"count": 1, "text": "t"})
            db.session.commit()
            [message] = smtp.inbox.wait_for(1, timeout=30)
            assert message["To"] == "w@example.org"
        finally:
            consumer.stop(graceful=True)


def test_quarterly_digest_draft_is_made_once(mail_app):
    from signalen.core.dates import local_today

    first = digests.create_quarterly_draft(local_today())
    assert first is not None
    assert digests.create_quarterly_draft(local_today()) is None


def test_worker_killed_mid_send_delivers_at_least_once_with_a_stable_message_id(
    app_factory, smtp, tmp_path
):
    """Kill -9 the sending process while the server holds its answer to the 2nd message:
    the server has it, the outbox does not know. The next run sends the 3rd; once the
    claim runs out, the 2nd again with the same Message-ID. Every message arrived."""
    app = app_factory(**smtp.config(), BASE_URL=BASE, MAIL_CLAIM_SECONDS=2)
    with app.app_context():
        ids = []
        for number in range(3):
            row = queue_mail(f"k{number}@example.org", "review_reminder", {"count": 1, "text": "t"})
            ids.append(row.message_id)
        db.session.commit()
    smtp.inbox.hold[2] = 60
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALEN_")}
    env.update(
        SIGNALEN_INSTANCE_PATH=app.instance_path,
        SIGNALEN_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SIGNALEN_SECRET_KEY=app.config["SECRET_KEY"],
        SIGNALEN_MAIL_SERVER="127.0.0.1",
        SIGNALEN_MAIL_PORT=str(smtp.port),
        SIGNALEN_MAIL_CLAIM_SECONDS="2",
        SIGNALEN_SEARCH_HEAL_INTERVAL="0",
    )
    script = Path(sys.executable).with_name("signalen")
    process = subprocess.Popen(
        [str(script), "mail", "send"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert len(smtp.inbox.wait_for(2, timeout=180)) == 2, process.communicate(timeout=5)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    smtp.inbox.hold.clear()
    with app.app_context():
        statuses = [row.status for row in _outbox()]
        assert statuses == [SENT, PENDING, PENDING]
        # The 3rd goes; the 2nd is still claimed by the dead worker.
        assert send_pending()["sent"] == 1
        assert [row.status for row in _outbox()] == [SENT, PENDING, SENT]
        time.sleep(2.1)
        assert send_pending()["sent"] == 1
        assert all(row.status == SENT for row in _outbox())
    arrived = smtp.inbox.wait_for(4)
    assert [m["Message-ID"].strip() for m in arrived] == [ids[0], ids[1], ids[2], ids[1]]


# Subscriptions -------------------------------------------------------------------------------


def _subscribe(client, email: str, feed: str, frequency: str = "direct"):
    token = csrf_token(client, "/abonneren")
    return client.post(
        "/abonneren",
        data={"csrf_token": token, "email": email, "feed": feed, "frequency": frequency},
    )


def _confirm_from_mail(client, message) -> str:
    [confirm] = [link for link in _links(text_of(message)) if "/bevestigen/" in link]
    path = _path(confirm)
    page = client.get(path)
    assert page.status_code == 200 and "Ja, bevestigen" in page.get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    return path.rsplit("/", 1)[1]


def test_subscribe_confirm_publish_and_one_click_unsubscribe(mail_app, smtp, make_user):
    client = mail_app.test_client()
    page = client.get("/feeds").get_data(as_text=True)
    assert "Volg per e-mail" in page
    response = _subscribe(client, "Lezer@Example.org", "/feeds/digests.atom")
    assert response.status_code == 200
    assert "Kijk in uw e-mail" in response.get_data(as_text=True)
    assert send_pending()["sent"] == 1
    [confirmation] = smtp.inbox.wait_for(1)
    assert confirmation["To"] == "lezer@example.org"
    assert "List-Unsubscribe" not in confirmation  # no list mail before the opt-in

    # Not confirmed yet: publishing mails nobody.
    draft = digests.create_digest(periods.parse_period("2026-Q2"), None)
    digests.publish(draft, None)
    assert send_pending()["sent"] == 0

    token = _confirm_from_mail(client, confirmation)
    subscription = db.session.scalar(select(Subscription))
    assert subscription.is_confirmed and subscription.token == token

    # Publishing through the command line mails the confirmed subscriber.
    second = digests.create_digest(periods.parse_period("2026-Q3"), None)
    result = mail_app.test_cli_runner().invoke(args=["digest", "publish", str(second.id)])
    assert result.exit_code == 0, result.output
    assert send_pending()["sent"] == 1
    message = smtp.inbox.wait_for(2)[1]
    assert message["To"] == "lezer@example.org"
    assert second.title in message["Subject"]
    assert f"{BASE}/rapportages/{second.id}" in text_of(message) or str(second.id) in text_of(
        message
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe in text_of(message) and unsubscribe in html_of(message)

    # The manage page from the mail's link.
    [manage] = [link for link in _links(text_of(message)) if "/beheer/" in link]
    page = client.get(_path(manage)).get_data(as_text=True)
    assert "signaleringsrapportages" in page and "Afmelden" in page

    # RFC 8058 one-click: a POST without cookies, CSRF token or login.
    stranger = mail_app.test_client()
    assert stranger.post(_path(unsubscribe)[:-4] + "xxxx").status_code == 404
    response = stranger.post(
        _path(unsubscribe),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Subscription)) is None  # the address is gone
    assert stranger.get(_path(unsubscribe)).status_code == 404

    third = digests.create_digest(periods.parse_period("2026-Q1"), None)
    digests.publish(third, None)
    assert send_pending()["sent"] == 0


def test_only_public_feeds_of_this_site_can_be_followed(mail_app, smtp, taxonomy):
    mail_app.config["SUBSCRIBE_RATE_LIMIT"] = "100 per minute"
    client = mail_app.test_client()
    for feed in (
        "/admin",
        "/feeds/thema/999999.atom",
        "http://elders.example/feeds/digests.atom",
        "javascript:alert(1)",
        "/signaalradar.atom",
        "/zoeken.atom?sort=onzin",
        "",
    ):
        response = _subscribe(client, "a@example.org", feed)
        assert response.status_code in (404, 422), feed
    assert db.session.scalar(select(Subscription)) is None
    assert _subscribe(client, "geen-adres", "/feeds/digests.atom").status_code == 422
    theme = next(iter(taxonomy.themes.values()))
    assert _subscribe(
        client, "a@example.org", f"{BASE}/feeds/thema/{theme.id}.rss"
    ).status_code == (200)
    subscription = db.session.scalar(select(Subscription))
    assert subscription.feed == f"/feeds/thema/{theme.id}.atom"  # one canonical address


def test_subscribing_is_rate_limited(app_factory, smtp):
    app = app_factory(**smtp.config(), BASE_URL=BASE, SUBSCRIBE_RATE_LIMIT="2 per minute")
    with app.app_context():
        client = app.test_client()
        codes = [
            _subscribe(client, f"l{n}@example.org", "/feeds/digests.atom").status_code
            for n in range(3)
        ]
        assert codes == [200, 200, 429]
        # The same address again right away: the same answer, no second mail.
        assert send_pending()["sent"] == 2


def test_new_public_signals_go_out_immediately_or_weekly(mail_app, smtp, make_signal, make_user):
    from signalen.signals import services as signal_services
    from signalen.signals.models import Visibility
    from signalen.subscriptions import services

    client = mail_app.test_client()
    _subscribe(client, "direct@example.org", "/zoeken.atom?q=toeslag")
    _subscribe(client, "week@example.org", "/zoeken.atom?q=toeslag", "week")
    send_pending()
    for message in smtp.inbox.wait_for(2):
        _confirm_from_mail(client, message)
    coordinator = make_user(Role.COORDINATOR)
    signal = make_signal(
        title="Toeslag te laat betaald", visibility=Visibility.PUBLIC, user=coordinator
    )
    signal_services.approve_public(signal, coordinator)
    mail_app.extensions["signalen_search"] if False else None
    from signalen.search import outbox

    outbox.drain()
    assert services.send_new_entries("direct") == 1
    assert services.send_new_entries("direct") == 0  # nothing new since
    assert services.send_new_entries("week") == 1
    send_pending()
    arrived = smtp.inbox.wait_for(4)[2:]
    by_address = {m["To"]: m for m in arrived}
    assert "Toeslag te laat betaald" in text_of(by_address["direct@example.org"])
    assert by_address["week@example.org"]["Subject"].startswith("Deze week nieuw")
    assert by_address["week@example.org"]["List-Unsubscribe"]


# Password reset ------------------------------------------------------------------------------


def test_password_reset_by_mail(mail_app, smtp, make_user):
    user = make_user(Role.VOLUNTEER, email="vrijwilliger@example.org")
    client = mail_app.test_client()
    assert "Wachtwoord vergeten?" in client.get("/inloggen").get_data(as_text=True)
    answers = []
    for address in ("nobody@example.org", "VRIJWILLIGER@example.org"):
        token = csrf_token(client, "/wachtwoord-vergeten")
        response = client.post("/wachtwoord-vergeten", data={"csrf_token": token, "email": address})
        assert response.status_code == 200
        answers.append(response.get_data(as_text=True).replace(token, ""))
    assert answers[0] == answers[1]  # the same answer whether or not the account exists
    assert send_pending()["sent"] == 1
    [message] = smtp.inbox.wait_for(1)
    assert message["To"] == "vrijwilliger@example.org"
    [link] = [_path(found) for found in _links(text_of(message))]
    # The old password works until the link is used.
    assert login(mail_app.test_client(), user).status_code == 302
    new = "een-ander-goed-wachtwoord-2026"
    token = csrf_token(client, link)
    response = client.post(link, data={"csrf_token": token, "password": new, "confirm": new})
    assert response.status_code == 302
    assert client.get(link).status_code == 404  # single use
    assert login(mail_app.test_client(), user, PASSWORD).status_code != 302
    assert login(mail_app.test_client(), user, new).status_code == 302


def test_password_reset_is_rate_limited(app_factory, smtp):
    app = app_factory(**smtp.config(), PASSWORD_RESET_RATE_LIMIT="2 per minute")
    with app.app_context():
        client = app.test_client()
        codes = []
        for _ in range(3):
            token = csrf_token(client, "/wachtwoord-vergeten")
            response = client.post(
                "/wachtwoord-vergeten", data={"csrf_token": token, "email": "x@example.org"}
            )
            codes.append(response.status_code)
        assert codes == [200, 200, 429]


def test_purge_unconfirmed_subscriptions(mail_app, smtp):
    from signalen.subscriptions import services

    _subscribe(mail_app.test_client(), "oud@example.org", "/feeds/digests.atom")
    assert services.purge_unconfirmed() == 0
    assert services.purge_unconfirmed(utcnow() + timedelta(days=8)) == 1


# Notifications by e-mail ---------------------------------------------------------------------


def test_volunteer_hears_the_overleg_outcome_and_a_coordinator_gets_a_daily_bundle(
    mail_app, smtp, make_user, make_signal
):
    from signalen.core.dates import local_today
    from signalen.meetings import services as meetings
    from signalen.notifications import delivery
    from signalen.notifications import services as notifications
    from signalen.notifications.models import Kind

    coordinator = make_user(Role.COORDINATOR, email="coordinator@example.org")
    volunteer = make_user(
        Role.VOLUNTEER, organisation=coordinator.organisation, email="vrijwilliger@example.org"
    )
    signal = make_signal(user=volunteer)
    meeting = meetings.create_meeting(
        meetings.MeetingInput(title="Overleg met UWV", held_on=local_today()), coordinator
    )
    meetings.add_signals(meeting, [signal.id], coordinator)
    meetings.record_outcome(
        meeting.items[0],
        coordinator,
        discussion="Besproken",
        agency_response="UWV stuurt voortaan altijd een brief.",
    )
    notifications.set_preferences(coordinator, {"agreement_overdue": "dagelijks"})
    notifications.notify(coordinator, Kind.AGREEMENT_OVERDUE, "Afspraak over brieven is te laat")
    db.session.commit()

    now = utcnow()
    assert delivery.deliver(now) == 1  # the volunteer's two direct ones, in one bundle
    assert delivery.deliver(now) == 0  # delivered once
    send_pending()
    [to_volunteer] = smtp.inbox.wait_for(1)
    assert to_volunteer["To"] == "vrijwilliger@example.org"
    body = text_of(to_volunteer)
    assert "Overleg met UWV" in body and "UWV stuurt voortaan altijd een brief." in body
    assert f"{BASE}/signalen/{signal.id}" in body

    next_morning = delivery.bundle_moment(now + timedelta(days=1, hours=1))
    assert delivery.deliver(next_morning) == 1
    send_pending()
    messages = smtp.inbox.wait_for(2)
    bundle = messages[-1]
    assert bundle["To"] == "coordinator@example.org"
    assert "Afspraak over brieven is te laat" in text_of(bundle)
    assert bundle["Subject"] == "Nieuwe melding van Signalen"  # one item: no bundle wording
    assert to_volunteer["Subject"] == "Uw meldingen van Signalen"


def test_a_saved_search_with_the_e_mail_switch_mails_new_results_once(
    mail_app, smtp, make_user, make_signal
):
    from werkzeug.datastructures import MultiDict

    from signalen.savedsearches import services as saved_searches
    from signalen.signals.models import Visibility

    coordinator = make_user(Role.COORDINATOR, email="coordinator@example.org")
    saved = saved_searches.save_search(coordinator, "Toeslag", MultiDict({"q": "toeslag"}))
    saved_searches.set_alert(saved, True)
    assert saved_searches.send_alerts() == 0
    volunteer = make_user(Role.VOLUNTEER, organisation=coordinator.organisation)
    make_signal(title="Toeslag te laat", user=volunteer, visibility=Visibility.INTERNAL)

    assert saved_searches.send_alerts() == 1
    assert saved_searches.send_alerts() == 0  # the same result is not mailed again
    send_pending()
    [message] = smtp.inbox.wait_for(1)
    assert message["To"] == "coordinator@example.org"
    assert message["Subject"] == "Nieuw bij uw zoekopdracht “Toeslag”"
    body = text_of(message)
    assert "1 nieuw resultaat" in body
    assert f"{BASE}/zoekopdrachten/{saved.id}" in body
