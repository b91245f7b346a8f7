"""Signaalradar: detection on generated history, new words, pages, marks, feed, CLI, digest."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import feedparser
import numpy as np
import pytest
from sqlalchemy import func, select

from signalen.audit.models import AuditEvent
from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.demo.history import ALL_TEMPLATES, HistoryRise, generate_history, insert_history
from signalen.extensions import db
from signalen.radar import services
from signalen.radar.detection import Settings, benjamini_hochberg, detect_rises, terms
from signalen.radar.events import KINDS, Window
from signalen.radar.models import RadarMark, RadarNotice
from tests.conftest import csrf_token, login

RARE = len(ALL_TEMPLATES) - 1  # "Incassokosten lopen op"
COMMON = 0  # "Telefonisch slecht bereikbaar"


@pytest.fixture
def history(app, taxonomy, make_organisation):
    """40 weeks of history for 6 organisations up to today, with two injected rises."""
    organisations = [make_organisation().id for _ in range(6)]
    today = local_today()
    rises = [
        HistoryRise("subthema", RARE, today, 1, extra=25),
        HistoryRise("subthema", COMMON, today, 3.0),
    ]
    items = generate_history(2500, organisations=6, weeks=40, until=today, rises=rises)
    insert_history(items, organisations)
    return taxonomy


def _key(names, template: int) -> str:
    main, sub = ALL_TEMPLATES[template][:2]
    return f"subthema:{names.themes[f'{main}/{sub}'.casefold()].id}"


def test_finds_injected_rises_and_explains_them(history):
    result = services.detect(viewer=None, words=False)
    keys = {rise.key for rise in result.rises}
    assert _key(history, RARE) in keys
    assert _key(history, COMMON) in keys
    rare = next(r for r in result.rises if r.key == _key(history, RARE))
    assert rare.name == "Incassokosten lopen op"
    assert rare.recent >= 25 and rare.expected < rare.recent / 3
    assert rare.organisations >= 3
    sentence = services.explain(rare, 4)
    assert sentence.startswith("Over Incassokosten lopen op kwamen de afgelopen 4 weken")
    assert f"van {rare.organisations} organisaties" in sentence
    # Every rise is in a series that holds injected knelpunten: no false alarms here.
    touched_themes = {"Schulden", "Bereikbaarheid", "Incassokosten lopen op"}
    for rise in result.rises:
        if rise.kind in ("thema", "subthema"):
            assert rise.name in touched_themes | {"Telefonisch slecht bereikbaar"}, rise.name


def test_stable_history_gives_no_rises(app, taxonomy, make_organisation):
    organisations = [make_organisation().id for _ in range(6)]
    insert_history(
        generate_history(2500, organisations=6, weeks=40, until=local_today(), seed=3),
        organisations,
    )
    result = services.detect(viewer=None, words=False)
    assert result.series_tested > 50
    assert len(result.rises) <= 1


def test_detection_statistics_on_plain_series():
    rng = np.random.default_rng(1)
    counts = rng.poisson(20, size=(40, 30)).astype(float)
    counts[7, -4:] = 60  # three times as many in the window
    settings = Settings()
    results = detect_rises(counts, counts.sum(axis=0), np.full(40, 3), settings)
    assert [r.index for r in results if r.is_rise] == [7]
    # One organisation needs ten times more certainty; too few meldingen never count.
    small = np.zeros((1, 30))
    small[0, -4:] = [2, 2, 1, 1]
    assert not detect_rises(small, small.sum(axis=0), np.array([4]), settings)[0].is_rise
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.2])
    assert np.allclose(q, [0.04, 0.16 / 3, 0.16 / 3, 0.2])


def test_terms_leave_out_stop_words_and_placeholders():
    found = terms("De cliënt [NAAM] kreeg een brief van het incassobureau, [BSN] en [TELEFOON].")
    assert "incassobureau" in found and "brief incassobureau" in found
    assert not {"naam", "bsn", "telefoon", "de", "een", "client"} & found


def test_new_words_follow_visibility(history, make_user):
    coordinator = make_user(Role.COORDINATOR)
    everything = services.detect(viewer=services.ALL)
    words = [rise for rise in everything.rises if rise.kind == "woord"]
    assert any("incasso" in rise.name for rise in words), [r.name for r in everything.rises]
    assert all("[" not in rise.name and rise.name not in ("naam", "bsn") for rise in words)
    # A coordinator of an organisation without signals sees the network's texts only; the
    # public never gets words.
    assert all(r.kind != "woord" for r in services.detect(viewer=None).rises)
    mine = services.detect(viewer=coordinator)
    assert any("incasso" in r.name for r in mine.rises if r.kind == "woord")


def test_cli_json_contract(history, app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["radar", "--date", local_today().isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    rises = json.loads(result.output)
    assert rises
    for rise in rises:
        assert rise["soort"] in KINDS
        assert {"naam", "recent", "verwacht", "organisaties", "score"} <= rise.keys()
    text = runner.invoke(args=["radar", "--weeks", "4"])
    assert "Incassokosten lopen op" in text.output
    bad = runner.invoke(args=["radar", "--date", "gisteren"])
    assert bad.exit_code != 0


def test_page_for_coordinator_and_public_version(history, client, login_as):
    anonymous = client.get("/signaalradar").get_data(as_text=True)
    assert "Incassokosten lopen op" in anonymous
    assert "Nieuw woord" not in anonymous and "Markeren" not in anonymous
    assert "alleen aantallen" in anonymous
    login_as(Role.COORDINATOR)
    page = client.get("/signaalradar").get_data(as_text=True)
    assert "Over Incassokosten lopen op kwamen de afgelopen 4 weken" in page
    assert '<svg class="sparkline"' in page and "<polyline" in page
    assert "/zoeken?thema=" in page
    assert "Markeren als bekend of geen signaal" in page
    assert client.get("/signaalradar?datum=2026-99-01&weken=abc").status_code == 200
    assert client.get("/signaalradar?datum=1900-01-01&weken=99").status_code == 200
    assert client.get("/signaalradar/openbaar").status_code == 200


def test_reader_sees_full_radar_without_marking(history, client, login_as):
    login_as(Role.READER)
    page = client.get("/signaalradar").get_data(as_text=True)
    assert "Over Incassokosten lopen op" in page
    assert "Markeren als bekend" not in page
    response = client.post("/signaalradar/markeren", data={})
    assert response.status_code in (400, 403)


def _mark(client, key: str, reason: str, verdict: str = "bekend"):
    start = Window(local_today(), 4, 26).start
    return client.post(
        "/signaalradar/markeren",
        data={
            "csrf_token": csrf_token(client, "/signaalradar"),
            "m0-series_key": key,
            "m0-window_start": start.isoformat(),
            "m0-weeks": "4",
            "m0-verdict": verdict,
            "m0-reason": reason,
        },
    )


def test_coordinator_marks_a_rise_once_with_reason_in_audit_log(history, client, make_user):
    coordinator = make_user(Role.COORDINATOR)
    login(client, coordinator)
    key = _key(history, RARE)
    refused = _mark(client, key, "Gebeld met 06-12345678 over dit knelpunt")
    assert refused.status_code == 302
    assert db.session.scalar(select(RadarMark)) is None
    assert _mark(client, "thema:abc", "Bekend").status_code == 302
    assert db.session.scalar(select(RadarMark)) is None

    assert _mark(client, key, "Staat op de agenda van het overleg.").status_code == 302
    mark = db.session.scalar(select(RadarMark))
    assert mark.series_key == key and mark.verdict.value == "bekend"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "radar.mark"))
    assert event is not None and event.changes["reden"] == "Staat op de agenda van het overleg."
    result = services.detect(viewer=None, words=False)
    assert key not in {r.key for r in result.rises}
    assert key in {r.key for r in result.marked}
    page = client.get("/signaalradar").get_data(as_text=True)
    assert "Al gemarkeerd" in page and "Staat op de agenda van het overleg." in page
    # The same window cannot be marked twice; the feed no longer warns about it.
    _mark(client, key, "Nog een keer")
    assert len(db.session.scalars(select(RadarMark)).all()) == 1
    feed = feedparser.parse(client.get("/feeds/signaalradar.atom").data)
    assert all("Incassokosten lopen op" not in entry.title for entry in feed.entries)


def test_volunteer_cannot_mark(history, client, login_as):
    login_as(Role.VOLUNTEER)
    assert _mark(client, _key(history, RARE), "Bekend").status_code == 403


def test_feed_has_stable_ids_per_rise_and_window(history, client):
    first = client.get("/feeds/signaalradar.atom")
    assert first.status_code == 200
    assert first.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(first.data)
    assert not feed.bozo
    titles = [entry.title for entry in feed.entries]
    assert "Opvallend: Incassokosten lopen op" in titles
    start = Window(local_today(), 4, 26).start.isoformat()
    assert all(f"/{start}/4" in entry.id for entry in feed.entries)
    again = feedparser.parse(client.get("/feeds/signaalradar.atom").data)
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]
    cached = client.get(
        "/feeds/signaalradar.atom", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert cached.status_code == 304


def test_digest_says_what_stands_out(history, app, make_user):
    from signalen.digests import figures as digest_figures
    from signalen.digests import periods
    from signalen.digests import services as digests
    from signalen.digests.presentation import digest_pdf
    from tests.web.test_digests import _pdf_text

    today = local_today()
    period = periods.period_between(today - timedelta(days=27), today)
    figures = digest_figures.compute_figures(period)
    names = [row["naam"] for row in figures["opvallend"]]
    assert "Incassokosten lopen op" in names
    assert all(row["zin"].startswith("Over ") for row in figures["opvallend"])
    # The PDF of the digest has the same section.
    digest = digests.create_digest(period, make_user(Role.COORDINATOR))
    text = " ".join(_pdf_text(digest_pdf(digest)).split())
    assert "Wat opvalt" in text
    assert "Over Incassokosten lopen op kwamen de afgelopen 4 weken" in text


def test_demo_data_spreads_over_months_and_shows_a_rise(app, taxonomy):
    from sqlalchemy import func

    from signalen.demo.services import seed_demo
    from signalen.signals.models import Signal

    assert seed_demo()
    texts = " ".join(db.session.scalars(select(Signal.description)))
    oldest = db.session.scalar(select(func.min(Signal.created_at)))
    assert (local_today() - oldest.date()).days > 450
    cuts = re.findall(r"bijstand met € (\d+) per maand omlaag", texts)
    assert cuts and all(100 <= int(cut) <= 500 for cut in cuts)
    result = services.detect(viewer=None, words=False)
    assert "Incassokosten lopen op" in {rise.name for rise in result.rises}


def test_coordinator_withdraws_a_mark_after_confirming(history, client, make_user):
    coordinator = make_user(Role.COORDINATOR)
    login(client, coordinator)
    key = _key(history, RARE)
    assert _mark(client, key, "Staat op de agenda van het overleg.").status_code == 302
    mark = db.session.scalar(select(RadarMark))
    path, end = f"/signaalradar/markeringen/{mark.id}/intrekken", services.window_end(mark)
    page = client.get("/signaalradar").get_data(as_text=True)
    assert path in page
    token = csrf_token(client, "/signaalradar")
    # First the confirmation page; nothing changes yet.
    asked = client.post(path, data={"csrf_token": token})
    assert asked.status_code == 200
    assert "Markering intrekken?" in asked.get_data(as_text=True)
    assert db.session.scalar(select(RadarMark)) is not None
    assert client.post(path, data={"bevestigd": "1"}).status_code == 400  # no CSRF token
    done = client.post(path, data={"csrf_token": token, "bevestigd": "1"})
    assert done.status_code == 302
    assert f"datum={end.isoformat()}" in done.headers["Location"]
    db.session.expire_all()
    assert db.session.scalar(select(RadarMark)) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "radar.withdraw"))
    assert event is not None and event.changes["reeks"] == key
    assert event.changes["reden"] == "Staat op de agenda van het overleg."
    assert key in {r.key for r in services.detect(viewer=None, words=False).rises}
    # Gone is gone: a second withdrawal finds nothing; others may not withdraw at all.
    assert client.post(path, data={"csrf_token": token, "bevestigd": "1"}).status_code == 404
    _mark(client, key, "Toch bekend.")
    again = db.session.scalar(select(RadarMark))
    for role in (Role.VOLUNTEER, Role.READER):
        other = client.application.test_client()
        login(other, make_user(role))
        refused = other.post(
            f"/signaalradar/markeringen/{again.id}/intrekken",
            data={"csrf_token": csrf_token(other, "/"), "bevestigd": "1"},
        )
        assert refused.status_code == 403
    assert db.session.scalar(select(RadarMark)) is not None


def test_new_rises_for_notification_once_per_rise_and_window(history, make_user):
    today = local_today()
    key = _key(history, RARE)
    notices = services.new_rises_for_notification(today - timedelta(days=1))
    start = Window(today, 4, 26).start.isoformat()
    ids = [notice.id for notice in notices]
    assert f"signaalradar/{key}/{start}/4" in ids
    assert len(ids) == len(set(ids))
    rare = next(n for n in notices if n.rise.key == key)
    assert rare.sentence.startswith("Over Incassokosten lopen op kwamen")
    # Stable: the same rises with the same ids until they are announced.
    assert [n.id for n in services.new_rises_for_notification(today - timedelta(days=1))] == ids
    # Looking back two weeks adds the windows of the Sundays in between, each series once.
    earlier = services.new_rises_for_notification(today - timedelta(days=14))
    earlier_ids = [n.id for n in earlier]
    assert set(ids) <= set(earlier_ids) and len(earlier_ids) == len(set(earlier_ids))
    # Announced rises are not announced again; a marked rise is not announced at all.
    services.record_notified([rare])
    db.session.commit()
    after = services.new_rises_for_notification(today - timedelta(days=1))
    assert key not in {n.rise.key for n in after}
    assert {n.id for n in after} == set(ids) - {rare.id}
    other = after[0]
    services.mark(
        make_user(Role.COORDINATOR),
        other.rise.key,
        other.window.start,
        4,
        services.Verdict.NO_SIGNAL,
        "Toeval.",
    )
    remaining = {n.id for n in services.new_rises_for_notification(today - timedelta(days=1))}
    assert other.id not in remaining


def test_coordinators_hear_of_a_rise_once_by_notification_and_mail(history, make_user):
    from datetime import UTC, datetime

    from signalen.mail.models import MailMessage
    from signalen.notifications import delivery
    from signalen.notifications import services as notifications
    from signalen.notifications.models import Kind, Notification

    coordinator = make_user(Role.COORDINATOR)
    other_coordinator = make_user(Role.COORDINATOR)
    volunteer = make_user(Role.VOLUNTEER)
    notifications.set_preferences(other_coordinator, {Kind.RADAR_RISE.value: "uit"})

    expected = services.new_rises_for_notification(local_today() - timedelta(days=7))
    made = notifications.remind_due()

    def radar_notes(user):
        query = select(Notification).where(
            Notification.user_id == user.id, Notification.kind == Kind.RADAR_RISE.value
        )
        return list(db.session.scalars(query.order_by(Notification.id)))

    told = radar_notes(coordinator)
    announced = db.session.scalar(select(func.count()).select_from(RadarNotice))
    assert announced == len(expected) > notifications.RADAR_NOTIFY_MAX  # many rises here
    # The strongest one by one, the others in one line: no flood of notifications.
    strongest = expected[: notifications.RADAR_NOTIFY_MAX]
    assert made == len(told) == notifications.RADAR_NOTIFY_MAX + 1
    assert [n.text for n in told[:-1]] == [f"Signaalradar: {n.sentence}" for n in strongest]
    others = len(expected) - notifications.RADAR_NOTIFY_MAX
    assert told[-1].text.startswith(f"Signaalradar: nog {others} andere stijgingen")
    assert all(notifications.link_for(n) == ("radar.index", {}) for n in told)
    assert radar_notes(other_coordinator) == [] and radar_notes(volunteer) == []
    # Announced once: the next run (and one a day later) tells nothing new about them.
    assert notifications.remind_due() == 0
    assert radar_notes(coordinator) == told
    # Coordinators hear of it in their daily bundle, with a link to the radar.
    tomorrow_morning = delivery.bundle_moment(datetime.now(UTC) + timedelta(days=1, hours=1))
    assert delivery.deliver(tomorrow_morning) == 1
    [mail] = db.session.scalars(
        select(MailMessage).where(MailMessage.recipient == coordinator.email)
    )
    assert strongest[0].rise.name in mail.body_text and "/signaalradar" in mail.body_text
