"""Digests: figures from SQL aggregates, drafts, publication (openbaar text only),
immutability and corrections, the public pages and the command line."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.digests import figures as digest_figures
from signalen.digests import periods, services
from signalen.digests.models import Digest, DigestStatus
from signalen.extensions import db
from signalen.signals import services as signal_services
from signalen.signals.models import Signal, Status, Visibility
from tests.conftest import login, post_form
from tests.web import test_referrals

make_service = test_referrals.make_service  # a service on the sociale kaart (fixture)


def _move(signal: Signal, when: datetime) -> None:
    signal.created_at = when
    db.session.commit()


def _quarter_before_today() -> periods.Period:
    today = local_today()
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)
    return periods.parse_period(f"{year}-Q{quarter}")


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def quarter_data(make_signal, coordinator):
    """Signals in the previous quarter and the quarter before it, one of them openbaar."""
    period = _quarter_before_today()
    inside = datetime(period.start.year, period.start.month, 10, 12, tzinfo=UTC)
    before = datetime.combine(period.previous().start + timedelta(days=5), datetime.min.time(), UTC)
    public = make_signal(
        title="Lange wachttijd bij de telefoon",
        themes=("Bereikbaarheid",),
        agency="UWV",
        scheme="WW",
        municipality="Zwolle",
        report_count=7,
        visibility=Visibility.PUBLIC,
        user=coordinator,
    )
    signal_services.approve_public(public, coordinator)
    secret = make_signal(
        title="Geheime interne kwestie",
        themes=("Bereikbaarheid",),
        agency="UWV",
        report_count=9,
        visibility=Visibility.INTERNAL,
    )
    other = make_signal(title="Brief niet ontvangen", themes=("Betaling",), agency="SVB")
    old = make_signal(title="Oud knelpunt", themes=("Betaling",), agency="SVB")
    for signal in (public, secret, other):
        _move(signal, inside)
    _move(old, before)
    return {"period": period, "public": public, "secret": secret, "other": other, "old": old}


def test_parse_periods():
    assert periods.parse_period("2025-Q3") == periods.Period(
        date(2025, 7, 1), date(2025, 9, 30), "2025-Q3"
    )
    assert periods.parse_period("2024-02").end == date(2024, 2, 29)
    assert periods.parse_period("2025-h2").start == date(2025, 7, 1)
    previous = periods.parse_period("2025-Q3").previous()
    assert (previous.start, previous.end) == (date(2025, 4, 1), date(2025, 6, 30))
    previous = periods.parse_period("2025-01").previous()
    assert (previous.start, previous.end) == (date(2024, 12, 1), date(2024, 12, 31))
    previous = periods.period_between(date(2025, 5, 11), date(2025, 5, 20)).previous()
    assert (previous.start, previous.end) == (date(2025, 5, 1), date(2025, 5, 10))
    for bad in ("2025-Q5", "2025-13", "juli", "", "2999-Q1"):
        with pytest.raises(ServiceError):
            periods.parse_period(bad)
    with pytest.raises(ServiceError):
        periods.period_between(date(2025, 5, 1), date(2025, 4, 1))


def test_figures_count_everything_but_show_only_public_text(app, quarter_data, coordinator):
    digest = services.create_digest(quarter_data["period"], coordinator)
    figures = digest.figures
    assert figures["totals"]["signals"] == 3
    assert figures["totals"]["clients"] == 7 + 9 + 1
    assert figures["totals"]["previous_signals"] == 1
    themes = {row["label"]: (row["count"], row["previous"]) for row in figures["themes"]}
    assert themes["Bereikbaarheid"] == (2, 0)
    assert themes["Betaling"] == (1, 1)
    agencies = {row["label"]: row["count"] for row in figures["agencies"]}
    assert agencies == {"UWV": 2, "SVB": 1}
    assert [row["label"] for row in figures["schemes"]] == ["Werkloosheidswet (WW)"]
    assert [row["label"] for row in figures["municipalities"]] == ["Zwolle"]
    top = figures["top"]
    assert [row["reports"] for row in top] == [9, 7, 1]
    assert top[0]["title"] is None and top[0]["id"] is None and not top[0]["public"]
    assert top[1]["title"] == "Lange wachttijd bij de telefoon"
    assert "Geheime" not in str(figures)
    assert "Brief niet ontvangen" not in str(figures)  # netwerk, not openbaar


def test_publish_freezes_and_corrections_are_new_versions(app, client, quarter_data, coordinator):
    digest = services.create_digest(quarter_data["period"], coordinator)
    services.update_draft(
        digest,
        coordinator,
        title="Rapportage",
        introduction="Een rustig kwartaal.",
        remarks={"themes": "Bereikbaarheid springt eruit."},
    )
    # Drafts are not public.
    assert client.get(f"/rapportages/{digest.id}").status_code == 404
    services.publish(digest, coordinator)
    assert digest.status is DigestStatus.PUBLISHED
    frozen = dict(digest.figures)
    with pytest.raises(ServiceError):
        services.update_draft(digest, coordinator, title="Anders", introduction="", remarks={})
    with pytest.raises(ServiceError):
        services.refresh_figures(digest, coordinator)
    # Nor through the pages: no edit form, no second publication, no refresh, no delete.
    editor = app.test_client()
    login(editor, coordinator)
    assert editor.get(f"/rapportages/{digest.id}/bewerken").status_code == 403
    token_page = f"/rapportages/{digest.id}"
    for action in ("bewerken", "publiceren", "cijfers", "verwijderen"):
        response = post_form(editor, f"/rapportages/{digest.id}/{action}", {}, token_page)
        assert response.status_code == 403, action

    # New data does not change a published digest.
    quarter_data["other"].report_count = 50
    db.session.commit()
    db.session.refresh(digest)
    assert digest.figures == frozen
    assert services.published_digests() == [digest]

    correction = services.create_correction(digest, coordinator)
    assert correction.version == 2 and correction.supersedes_id == digest.id
    assert correction.status is DigestStatus.DRAFT
    with pytest.raises(ServiceError):  # a correction says what changed
        services.publish(correction, coordinator)
    services.update_draft(
        correction,
        coordinator,
        title="Rapportage",
        introduction="Een rustig kwartaal.",
        remarks=correction.remarks,
        change_note="Aantallen bijgewerkt na samenvoegen.",
    )
    services.publish(correction, coordinator)
    assert services.published_digests() == [correction]
    assert set(services.published_digests(include_superseded=True)) == {digest, correction}
    assert services.superseded_by(digest) == correction
    summary = services.digest_summary_text(correction)
    assert "Correctie (versie 2): Aantallen bijgewerkt" in summary
    assert "<" not in summary

    page = client.get(f"/rapportages/{digest.id}").get_data(as_text=True)
    assert "Er is een nieuwere versie" in page
    page = client.get(f"/rapportages/{correction.id}").get_data(as_text=True)
    assert "Aantallen bijgewerkt na samenvoegen." in page
    assert "Lange wachttijd bij de telefoon" in page
    assert "Geheime interne kwestie" not in page
    assert page.count('class="bar-chart trend-chart"') >= 2
    assert "Bereikbaarheid springt eruit." in page
    listing = client.get("/rapportages/").get_data(as_text=True)
    assert f"/rapportages/{correction.id}" in listing
    printed = client.get(f"/rapportages/{correction.id}/afdrukken")
    assert printed.status_code == 200
    assert "Lange wachttijd bij de telefoon" in printed.get_data(as_text=True)


def test_publishing_drops_text_of_signals_no_longer_public(app, quarter_data, coordinator):
    digest = services.create_digest(quarter_data["period"], coordinator)
    assert "Lange wachttijd bij de telefoon" in str(digest.figures)
    public = quarter_data["public"]
    signal_services.bulk_update([public], "visibility", "netwerk", coordinator)
    services.publish(digest, coordinator)
    assert "Lange wachttijd bij de telefoon" not in str(digest.figures)
    assert digest.figures["totals"]["signals"] == 3


def test_coordinator_makes_and_publishes_a_digest_through_the_pages(
    app, client, quarter_data, coordinator, make_user
):
    login(client, coordinator)
    period = quarter_data["period"]
    response = post_form(client, "/rapportages/nieuw", {"period": period.label, "title": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    digest_id = int(re.search(r"/rapportages/(\d+)/bewerken", response.location).group(1))
    response = post_form(
        client,
        f"/rapportages/{digest_id}/bewerken",
        {
            "title": "Kwartaalrapportage",
            "introduction": "Inleiding voor de raad.",
            "remark_top": "Telefoon blijft een probleem.",
        },
    )
    assert response.status_code == 302
    # Personal data in a remark is refused, nothing is saved.
    response = post_form(
        client,
        f"/rapportages/{digest_id}/bewerken",
        {"title": "Kwartaalrapportage", "introduction": "Bel 06-12345678 voor info."},
    )
    assert response.status_code == 422
    assert "persoonsgegevens" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Digest, digest_id).introduction == "Inleiding voor de raad."

    # Publishing is irreversible: the button leads to a confirmation page first (no JS).
    response = post_form(
        client, f"/rapportages/{digest_id}/publiceren", {}, token_from=f"/rapportages/{digest_id}"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Rapportage publiceren?" in page and 'name="bevestigd" value="1"' in page
    db.session.expire_all()
    assert not db.session.get(Digest, digest_id).is_published
    response = post_form(
        client,
        f"/rapportages/{digest_id}/publiceren",
        {"bevestigd": "1"},
        token_from=f"/rapportages/{digest_id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Digest, digest_id).is_published

    anonymous = app.test_client()
    page = anonymous.get(f"/rapportages/{digest_id}").get_data(as_text=True)
    assert "Inleiding voor de raad." in page and "Telefoon blijft een probleem." in page


def test_only_coordinators_make_digests(app, client, make_user, quarter_data):
    reader = make_user(Role.READER)
    login(client, reader)
    assert client.get("/rapportages/nieuw").status_code == 403
    other_coordinator = make_user(Role.COORDINATOR)
    digest = services.create_digest(quarter_data["period"], make_user(Role.COORDINATOR))
    assert client.get(f"/rapportages/{digest.id}").status_code == 404
    other = app.test_client()
    login(other, other_coordinator)
    assert other.get(f"/rapportages/{digest.id}").status_code == 404
    assert other.get(f"/rapportages/{digest.id}/bewerken").status_code == 404


def test_command_line_creates_and_publishes(app, quarter_data):
    runner = app.test_cli_runner()
    period = quarter_data["period"]
    result = runner.invoke(args=["digest", "create", "--period", period.label])
    assert result.exit_code == 0, result.output
    digest_id = int(result.output.strip())
    db.session.expire_all()
    digest = db.session.get(Digest, digest_id)
    assert digest.status is DigestStatus.DRAFT and digest.figures["totals"]["signals"] == 3

    result = runner.invoke(
        args=[
            "digest",
            "create",
            "--from",
            period.start.isoformat(),
            "--to",
            period.end.isoformat(),
        ]
    )
    assert result.exit_code == 0, result.output

    result = runner.invoke(args=["digest", "publish", str(digest_id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Digest, digest_id).is_published
    result = runner.invoke(args=["digest", "publish", str(digest_id)])
    assert result.exit_code == 1 and "Fout:" in result.output
    result = runner.invoke(args=["digest", "publish", "99999"])
    assert result.exit_code == 1 and "Rapportage 99999 bestaat niet." in result.output

    # Every period form prints the new id and nothing else.
    year = period.start.year
    for label, start in ((f"{year}-H{1 if period.start.month <= 6 else 2}", None),
                         (f"{year}-{period.start.month:02d}", period.start)):  # fmt: skip
        result = runner.invoke(args=["digest", "create", "--period", label])
        assert result.exit_code == 0, result.output
        created = db.session.get(Digest, int(result.output.strip()))
        assert created.period_label == label and created.status is DigestStatus.DRAFT
        assert start is None or created.period_start == start

    result = runner.invoke(args=["digest", "create", "--last", "maand"])
    assert result.exit_code == 0, result.output
    created = db.session.get(Digest, int(result.output.strip()))
    assert created.period_end == local_today().replace(day=1) - timedelta(days=1)

    before = db.session.scalar(db.select(db.func.count(Digest.id)))
    bad = [
        (["--period", "2025-Q9"], "Geef de periode als"),
        (["--period", "2025-13"], "Die maand bestaat niet."),
        (["--period", "2999-Q1"], "De periode is nog niet begonnen."),
        (["--from", "2025-01-01"], "Geef een begin- en een einddatum."),
        (["--from", "2025-02-30", "--to", "2025-03-01"], "De datum bij --from klopt niet"),
        (["--from", "2025-03-01", "--to", "2025-02-01"], "De einddatum ligt voor de begindatum."),
        (["--period", "2025-Q1", "--from", "2025-01-01"], "niet meer dan één"),
        (["--last", "kwartaal", "--period", "2025-Q1"], "niet meer dan één"),
        ([], "Geef een periode"),
    ]
    for args, message in bad:
        result = runner.invoke(args=["digest", "create", *args])
        assert result.exit_code == 1, args
        assert result.output.startswith("Fout: ") and message in result.output, result.output
    assert db.session.scalar(db.select(db.func.count(Digest.id))) == before  # nothing written


def test_followup_section_counts_discussed_signals_and_agreements(app, coordinator, make_signal):
    from signalen.meetings import services as meetings

    public = make_signal(
        title="Openbaar besproken knelpunt", user=coordinator, visibility=Visibility.PUBLIC
    )
    signal_services.approve_public(public, coordinator)
    private = make_signal(
        title="Intern besproken knelpunt", user=coordinator, visibility=Visibility.INTERNAL
    )
    meeting = meetings.create_meeting(
        meetings.MeetingInput(title="Overleg", held_on=local_today()), coordinator
    )
    meetings.add_signals(meeting, [public.id, private.id], coordinator)
    first, second = meeting.items
    meetings.record_outcome(
        first,
        coordinator,
        discussion="Besproken.",
        agreements=[meetings.AgreementInput("Uitzoeken", "UWV", local_today() - timedelta(days=1))],
    )
    meetings.record_outcome(
        second,
        coordinator,
        discussion="Ook besproken.",
        agreements=[meetings.AgreementInput("Brief aanpassen", "SVB", None)],
    )
    meetings.complete_agreement(second.agreements[0], coordinator)

    today = local_today()
    period = periods.parse_period(f"{today.year}-{today.month:02d}")
    followup = digest_figures.compute_figures(period)["followup"]
    assert followup["meetings_in_period"] == 1
    assert followup["discussed"] == 2
    assert followup["statuses"] == [{"status": "besproken", "count": 2}]
    assert followup["agreements"] == {"total": 2, "done": 1, "open": 1, "overdue": 1}
    assert [row["title"] for row in followup["signals"]] == ["Openbaar besproken knelpunt"]


def test_free_period_through_the_page_and_bad_dates(app, client, coordinator):
    login(client, coordinator)
    today = local_today()
    response = post_form(
        client,
        "/rapportages/nieuw",
        {
            "period": "vrij",
            "date_from": today.isoformat(),
            "date_to": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "De einddatum ligt voor de begindatum." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Digest.id))) == 0
    response = post_form(
        client,
        "/rapportages/nieuw",
        {
            "period": "vrij",
            "date_from": (today - timedelta(days=9)).isoformat(),
            "date_to": today.isoformat(),
            "title": "Tien dagen",
        },
    )
    assert response.status_code == 302
    digest = db.session.scalars(db.select(Digest)).one()
    assert digest.title == "Tien dagen" and digest.period_end == today
    assert (digest.period_end - digest.period_start).days == 9


def _in_period(period: periods.Period, day: int) -> date:
    return period.start + timedelta(days=day)


def test_every_section_from_the_data_with_known_numbers(
    app, client, quarter_data, coordinator, make_service, make_user, taxonomy
):
    """Totals, trends, breakdowns, top list, follow-up and referrals, computed and shown."""
    from signalen.meetings import services as meetings
    from signalen.referrals import services as referrals
    from signalen.referrals.models import Outcome

    period, public = quarter_data["period"], quarter_data["public"]
    # Follow-up: the public signal and the netwerk one discussed in a meeting in the period,
    # with one agreement done, one overdue and one still open (due after today).
    meeting = meetings.create_meeting(
        meetings.MeetingInput(title="Overleg", held_on=_in_period(period, 20)), coordinator
    )
    meetings.add_signals(meeting, [public.id], coordinator)
    [item] = meeting.items
    today = local_today()
    meetings.record_outcome(
        item,
        coordinator,
        discussion="Besproken.",
        agreements=[
            meetings.AgreementInput("Klaar", "UWV", _in_period(period, 30)),
            meetings.AgreementInput("Te laat", "UWV", today - timedelta(days=1)),
            meetings.AgreementInput("Loopt nog", "SVB", today + timedelta(days=10)),
        ],
    )
    meetings.complete_agreement(item.agreements[0], coordinator)
    signal_services.change_status(public, Status.RESOLVED, coordinator, "Opgelost na overleg.")
    # Referrals: three in the period (two on Schulden, one helped), one before it.
    volunteer = make_user(Role.VOLUNTEER)
    service = make_service("Schuldhulp Zwolle", themes=("Schulden",))
    debt = taxonomy.themes["schulden"].id
    made = [
        referrals.create_referral(
            referrals.ReferralInput(service.id, "Hulp bij schulden.", theme_ids=theme_ids,
                                    warm_handover=warm),
            volunteer,
        )
        for theme_ids, warm in (([debt], True), ([debt], False), ([], False), ([debt], False))
    ]  # fmt: skip
    referrals.record_outcome(made[0], Outcome.HELPED, volunteer)
    for referral, day in zip(made, (3, 40, 80), strict=False):
        referral.referred_on = _in_period(period, day)
    made[3].referred_on = period.start - timedelta(days=1)
    db.session.commit()

    digest = services.create_digest(period, coordinator)
    figures = digest.figures
    assert figures["totals"] == {
        "signals": 3,
        "clients": 17,
        "previous_signals": 1,
        "previous_clients": 1,
        "public_signals": 1,
    }
    rows = {key: [(r["label"], r["count"], r["previous"]) for r in figures[key]]
            for key in services.BREAKDOWNS}  # fmt: skip
    assert rows["themes"] == [("Bereikbaarheid", 2, 0), ("Betaling", 1, 1)]
    assert rows["agencies"] == [("UWV", 2, 0), ("SVB", 1, 1)]
    assert rows["schemes"] == [("Werkloosheidswet (WW)", 1, 0)]
    assert rows["municipalities"] == [("Zwolle", 1, 0)]
    assert [(r["reports"], r["title"]) for r in figures["top"]] == [
        (9, None),
        (7, "Lange wachttijd bij de telefoon"),
        (1, None),
    ]
    followup = figures["followup"]
    assert followup["meetings_in_period"] == 1 and followup["discussed"] == 1
    assert followup["statuses"] == [{"status": "opgelost", "count": 1}]
    assert followup["agreements"] == {"total": 3, "done": 1, "open": 2, "overdue": 1}
    assert [r["title"] for r in followup["signals"]] == ["Lange wachttijd bij de telefoon"]
    referral_figures = figures["referrals"]
    assert referral_figures["total"] == 3 and referral_figures["warm_handovers"] == 1
    assert referral_figures["outcomes"]["bereikt_geholpen"] == 1
    assert referral_figures["outcomes"]["open"] == 2
    assert [(r["theme"], r["total"], r["outcomes"]["bereikt_geholpen"])
            for r in referral_figures["by_theme"]] == [("Schulden", 2, 1)]  # fmt: skip

    # The page shows the same numbers, each chart also as a table.
    services.publish(digest, coordinator)
    page = client.get(f"/rapportages/{digest.id}").get_data(as_text=True)
    row = '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td>'
    assert row.format("UWV", 2, 0) + '<td class="num">nieuw</td></tr>' in page
    assert row.format("SVB", 1, 1) + '<td class="num">gelijk</td></tr>' in page
    assert row.format("Bereikbaarheid", 2, 0) in page
    assert '<span class="big-number">3</span>' in page and "+2 (+200%)" in page
    assert '<span class="big-number">17</span>' in page and "+16 (+1600%)" in page
    assert page.count('class="bar-chart trend-chart"') == 4
    assert "Afspraken: 3 gemaakt, 1 uitgevoerd, 2 nog open, waarvan 1 over de datum." in page
    assert '<th scope="row">Opgelost</th><td class="num">1</td>' in page
    assert "In deze periode zijn 3 cliënten doorverwezen via de sociale kaart." in page
    assert '<th scope="row">Schulden</th><td class="num">2</td><td class="num">1</td>' in page
    assert "Schuldhulp Zwolle" in page
    text = _pdf_text(client.get(f"/rapportages/{digest.id}/rapportage.pdf").data)
    assert "Wat Deze periode Periode ervoor Verschil\nUWV 2 0 nieuw\nSVB 1 1 gelijk" in text
    assert "Schulden: 2 (Bereikt en geholpen: 1," in text
    assert "Afspraken: 3 gemaakt, 1 uitgevoerd, 2 nog open, waarvan 1 over de datum." in text


def test_no_text_of_non_public_signals_in_page_print_pdf_or_feed(
    app, client, quarter_data, coordinator
):
    import feedparser

    hidden = ("Geheime interne kwestie", "Brief niet ontvangen", "Oud knelpunt")
    digest = services.create_digest(quarter_data["period"], coordinator)
    services.update_draft(
        digest, coordinator, title="Rapportage", introduction="Inleiding.", remarks={}
    )
    login(client, coordinator)
    draft = [
        client.get(f"/rapportages/{digest.id}").get_data(as_text=True),
        client.get(f"/rapportages/{digest.id}/afdrukken").get_data(as_text=True),
        _pdf_text(client.get(f"/rapportages/{digest.id}/rapportage.pdf").data),
    ]
    services.publish(digest, coordinator)
    anonymous = app.test_client()
    published = [
        anonymous.get(f"/rapportages/{digest.id}").get_data(as_text=True),
        anonymous.get(f"/rapportages/{digest.id}/afdrukken").get_data(as_text=True),
        _pdf_text(anonymous.get(f"/rapportages/{digest.id}/rapportage.pdf").data),
        anonymous.get("/rapportages/").get_data(as_text=True),
    ]
    for fmt in ("atom", "rss"):
        feed = feedparser.parse(anonymous.get(f"/feeds/digests.{fmt}").data)
        assert not feed.bozo and len(feed.entries) == 1
        published.append(str(feed))
    for text in draft + published:
        assert not [title for title in hidden if title in text]
    assert all("Lange wachttijd bij de telefoon" in text for text in draft + published[:3])


def _pdf_text(data: bytes) -> str:
    """The text of a PDF as a PDF reader extracts it; fails when the file is not valid."""
    import io

    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data), strict=True)
    return "\n".join(page.extract_text() for page in reader.pages)


def test_digest_as_pdf(app, client, coordinator, quarter_data):
    digest = services.create_digest(quarter_data["period"], coordinator)
    services.update_draft(
        digest, coordinator, title="Kwartaal (test)", introduction="Inleiding € – ë", remarks={}
    )
    assert client.get(f"/rapportages/{digest.id}/rapportage.pdf").status_code == 404  # draft
    services.publish(digest, coordinator)
    response = client.get(f"/rapportages/{digest.id}/rapportage.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.rstrip().endswith(b"%%EOF")
    text = _pdf_text(response.data)
    assert "Kwartaal (test)" in text and "Inleiding € – ë" in text
    assert "Lange wachttijd bij de telefoon" in text
    assert "Geheime interne kwestie" not in text


def test_periods_follow_dutch_days(app, make_signal, coordinator):
    from zoneinfo import ZoneInfo

    early = make_signal(title="Vlak na middernacht")
    late = make_signal(title="Vlak voor middernacht")
    amsterdam = ZoneInfo("Europe/Amsterdam")
    _move(early, datetime(2025, 7, 1, 0, 30, tzinfo=amsterdam))  # 30 June 22:30 UTC
    _move(late, datetime(2025, 9, 30, 23, 30, tzinfo=amsterdam))
    figures = digest_figures.compute_figures(periods.parse_period("2025-Q3"))
    assert figures["totals"]["signals"] == 2 and figures["totals"]["previous_signals"] == 0


def test_merged_signals_count_once(app, make_signal, coordinator):
    today = local_today()
    period = periods.parse_period(f"{today.year}-{today.month:02d}")
    target = make_signal(
        title="Zelfde knelpunt", themes=("Betaling",), scheme="WW", user=coordinator, report_count=2
    )
    source = make_signal(
        title="Zelfde knelpunt nog eens",
        themes=("Betaling",),
        scheme="WW",
        user=coordinator,
        report_count=3,
    )
    signal_services.merge(source, target, coordinator)
    figures = digest_figures.compute_figures(period)
    assert figures["totals"]["signals"] == 1 and figures["totals"]["clients"] == 5
    assert [(r["label"], r["count"]) for r in figures["themes"]] == [("Betaling", 1)]
    assert [r["count"] for r in figures["schemes"]] == [1]


@pytest.mark.parametrize(
    ("kind", "today", "label"),
    [
        ("kwartaal", date(2026, 1, 15), "2025-Q4"),
        ("kwartaal", date(2026, 12, 1), "2026-Q3"),
        ("kwartaal", date(2026, 4, 1), "2026-Q1"),
        ("halfjaar", date(2026, 6, 30), "2025-H2"),
        ("halfjaar", date(2026, 7, 1), "2026-H1"),
        ("maand", date(2026, 1, 1), "2025-12"),
        ("maand", date(2026, 12, 1), "2026-11"),
    ],
)
def test_last_complete_period_for_cron(app, kind, today, label):
    period = periods.last_complete_period(kind, today)
    assert period.label == label and period.end < today


def test_a_digest_of_a_period_not_yet_over_says_so(app, client, coordinator, quarter_data):
    today = local_today()
    running = periods.parse_period(f"{today.year}-Q{(today.month - 1) // 3 + 1}")
    finished = services.create_digest(quarter_data["period"], coordinator)
    unfinished = services.create_digest(running, coordinator)
    login(client, coordinator)
    warning = "de periode is nog niet voorbij"
    assert warning not in client.get(f"/rapportages/{finished.id}").get_data(as_text=True)
    page = client.get(f"/rapportages/{unfinished.id}").get_data(as_text=True)
    assert warning in page and "Bereken ze opnieuw" in page
    services.publish(unfinished, coordinator)
    published_note = "toen de periode nog niet voorbij was"
    for path in ("", "/afdrukken"):
        assert published_note in client.get(f"/rapportages/{unfinished.id}{path}").get_data(
            as_text=True
        )
    assert published_note in _pdf_text(
        client.get(f"/rapportages/{unfinished.id}/rapportage.pdf").data
    )
    # Once the period is over, a new computation drops the warning.
    later = services.create_digest(quarter_data["period"], coordinator)
    later.computed_at = datetime.combine(later.period_end, datetime.min.time(), UTC)
    db.session.commit()
    assert warning in client.get(f"/rapportages/{later.id}").get_data(as_text=True)
    later.computed_at += timedelta(days=1)
    db.session.commit()
    assert warning not in client.get(f"/rapportages/{later.id}").get_data(as_text=True)
