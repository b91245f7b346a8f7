"""Closed flows (issue 13): the volunteer's intake in one step, "ook gemeld" with the
volunteer's own words, mijn meldingen, the overleg on the signal page, start times,
confirmations, the digest's "meest gemeld", the overview's filters and the exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.digests import periods
from signalen.digests import services as digests
from signalen.digests.models import Digest
from signalen.extensions import db
from signalen.meetings import services as meetings
from signalen.meetings.models import Meeting
from signalen.signals import services as signal_services
from signalen.signals.models import Signal, SignalReport, Status, Visibility
from tests.conftest import login, post_form
from tests.web.test_signals import intake

KNOWN_TITLE = "Zorgtoeslag stopgezet zonder brief"
KNOWN_TEXT = "De zorgtoeslag is stopgezet zonder brief of uitleg van de Belastingdienst."
BSN = "111222333"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def known(make_signal, make_user, make_organisation):
    """A known knelpunt of another organisation, visible in the network."""
    other = make_user(Role.VOLUNTEER, organisation=make_organisation())
    return make_signal(title=KNOWN_TITLE, description=KNOWN_TEXT, user=other)


# Intake ----------------------------------------------------------------------------------


def test_intake_stores_at_once_when_similar_ones_were_seen_while_typing(client, login_as, known):
    login_as(Role.VOLUNTEER)
    similar = {"title": "Zorgtoeslag zonder brief stopgezet", "description": KNOWN_TEXT}
    # Without the live check (no JavaScript) the similar ones are shown once first.
    response = intake(client, **similar)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'name="report_on" value="{known.id}"' in page
    # They sit right below the description, before the save button.
    assert (
        page.index('id="description"')
        < page.index('id="similar-live"')
        < page.index("Het is een nieuw knelpunt: opslaan")
    )
    assert _count(Signal) == 1
    # The script marks the text as checked once it showed them: one submit stores it.
    response = intake(client, **similar, similar_checked="1")
    assert response.status_code == 302
    assert _count(Signal) == 2


def test_ook_gemeld_from_the_intake_keeps_the_volunteers_text(client, login_as, known):
    volunteer = login_as(Role.VOLUNTEER)
    response = intake(
        client,
        title="Toeslag gestopt",
        description="Ook bij onze cliënt stopte de zorgtoeslag, zonder brief.",
        channel="spreekuur",
        report_count="2",
        report_on=str(known.id),
    )
    assert response.status_code == 302
    report = db.session.scalar(select(SignalReport))
    assert response.headers["Location"] == f"/signalen/{known.id}#melding-{report.id}"
    assert _count(Signal) == 1  # no duplicate
    assert report.user_id == volunteer.id and report.client_count == 2
    assert report.channel.value == "spreekuur"
    assert (
        report.note == "Toeslag gestopt\nOok bij onze cliënt stopte de zorgtoeslag, zonder brief."
    )
    db.session.refresh(known)
    assert known.report_count == 3
    page = client.get(f"/signalen/{known.id}").get_data(as_text=True)
    assert f'id="melding-{report.id}"' in page
    assert "Ook bij onze cliënt stopte de zorgtoeslag, zonder brief." in page


def test_ook_gemeld_note_passes_the_privacy_guard(client, login_as, known):
    login_as(Role.VOLUNTEER)
    fields = {
        "title": "Toeslag gestopt",
        "description": f"Cliënt met BSN {BSN} kreeg geen brief.",
        "report_on": str(known.id),
    }
    response = intake(client, **fields)
    assert response.status_code == 422
    assert "Er staan persoonsgegevens in de tekst" in response.get_data(as_text=True)
    assert _count(SignalReport) == 0
    response = intake(client, **fields, accept_redaction="y")
    assert response.status_code == 302
    note = db.session.scalar(select(SignalReport.note))
    assert BSN not in note and "[BSN]" in note

    # The form on the signal page checks its note too: refused, nothing stored.
    response = post_form(
        client,
        f"/signalen/{known.id}/ook-gemeld",
        {"channel": "telefoon", "client_count": "1", "note": f"BSN {BSN}"},
        token_from=f"/signalen/{known.id}",
    )
    assert response.status_code == 302
    assert _count(SignalReport) == 1
    page = client.get(f"/signalen/{known.id}").get_data(as_text=True)
    assert "Er staan persoonsgegevens in uw toelichting" in page
    response = post_form(
        client,
        f"/signalen/{known.id}/ook-gemeld",
        {"channel": "telefoon", "client_count": "1", "note": "Zelfde probleem, andere wijk."},
        token_from=f"/signalen/{known.id}",
    )
    assert _count(SignalReport) == 2
    assert "Zelfde probleem, andere wijk." in client.get(f"/signalen/{known.id}").get_data(
        as_text=True
    )


def test_report_on_hostile_values_never_fail(client, login_as, known, make_signal):
    login_as(Role.VOLUNTEER)
    assert intake(client, report_on="99999999").status_code == 404
    assert intake(client, report_on="1" * 40).status_code in (302, 422)  # not an id: new signal
    hidden = make_signal(visibility=Visibility.INTERNAL)  # another organisation's intern one
    assert intake(client, report_on=str(hidden.id)).status_code == 404


def test_multi_selects_are_checkboxes_grouped_by_main_theme(client, login_as, taxonomy):
    login_as(Role.COORDINATOR)
    for path in (
        "/signalen/nieuw",
        "/artikelen/nieuw",
        "/overleg/nieuw",
        "/doorverwijzingen/nieuw",
    ):
        page = client.get(path).get_data(as_text=True)
        assert "Ctrl" not in page, path
        assert "<select multiple" not in page and " multiple>" not in page, path
    page = client.get("/signalen/nieuw").get_data(as_text=True)
    assert 'type="checkbox" id="themes-' in page and 'name="themes"' in page
    assert '<fieldset class="checkbox-subgroup"><legend>Betaling</legend>' in page
    betaling = taxonomy.themes["betaling"].id
    response = intake(client, themes=str(betaling), similar_checked="1")
    assert response.status_code == 302
    assert [t.id for t in db.session.scalar(select(Signal)).themes] == [betaling]


# Mijn meldingen --------------------------------------------------------------------------


def test_mijn_meldingen_shows_what_became_of_them(client, make_user, make_signal, known):
    volunteer = make_user(Role.VOLUNTEER)
    coordinator = make_user(Role.COORDINATOR, organisation=volunteer.organisation)
    mine = make_signal(title="Mijn eigen knelpunt", user=volunteer)
    closed = make_signal(title="Opgelost knelpunt", user=volunteer)
    signal_services.change_status(closed, Status.RESOLVED, coordinator, "UWV belt nu terug.")
    signal_services.add_report(known, volunteer, known.channel, note="Ook bij ons.")
    make_signal(title="Van een collega", user=make_user(Role.VOLUNTEER))
    meeting = meetings.create_meeting(
        meetings.MeetingInput(title="Overleg Werkplein", held_on=local_today() - timedelta(days=3)),
        coordinator,
    )
    meetings.add_signals(meeting, [mine.id], coordinator)
    meetings.record_outcome(
        meeting.items[0],
        coordinator,
        discussion="Besproken met UWV.",
        agency_response="UWV zoekt het uit.",
        agreements=[meetings.AgreementInput("Terugkoppeling geven", "UWV", None)],
    )

    login(client, volunteer)
    page = client.get("/signalen/mijn").get_data(as_text=True)
    assert "Mijn eigen knelpunt" in page and "Opgelost knelpunt" in page
    assert KNOWN_TITLE in page, page[page.index("<main") :]
    assert "Ook gemeld" in page.split(KNOWN_TITLE)[1].split("</li>")[0]
    assert "Van een collega" not in page
    assert "UWV belt nu terug." in page  # reason when closed
    assert "Overleg Werkplein" in page and "UWV zoekt het uit." in page
    assert "Terugkoppeling geven" in page


def test_mijn_meldingen_needs_a_reporter(app, client, make_user):
    assert client.get("/signalen/mijn").status_code == 302  # log in first
    login(client, make_user(Role.READER))
    assert client.get("/signalen/mijn").status_code == 403
    client = app.test_client()
    login(client, make_user(Role.VOLUNTEER))
    response = client.get("/signalen/mijn?pagina=-1")
    assert response.status_code == 200
    assert "U heeft nog geen knelpunten gemeld." in response.get_data(as_text=True)


# Overleg ---------------------------------------------------------------------------------


def test_meeting_start_time_and_outcome_after_the_day(client, make_user, make_signal):
    coordinator = make_user(Role.COORDINATOR)
    login(client, coordinator)
    held_on = local_today() - timedelta(days=10)
    response = post_form(
        client,
        "/overleg/nieuw",
        {"title": "Overleg najaar", "held_on": held_on.isoformat(), "starts_at": "14:30"},
    )
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.starts_at == time(14, 30)
    page = client.get(f"/overleg/{meeting.id}").get_data(as_text=True)
    assert "14:30 uur" in page
    assert "14:30 uur" in client.get("/overleg/").get_data(as_text=True)
    assert "14:30 uur" in client.get(f"/overleg/{meeting.id}/afdrukken/agenda").get_data(
        as_text=True
    )
    from tests.web.test_digests import _pdf_text

    assert "14:30 uur" in _pdf_text(client.get(f"/overleg/{meeting.id}/afdrukken/agenda.pdf").data)
    bad = post_form(
        client,
        "/overleg/nieuw",
        {"title": "Overleg", "held_on": held_on.isoformat(), "starts_at": "25:99"},
    )
    assert bad.status_code == 422

    # Ten days later the outcome can still be written down, and the signal page shows it.
    signal = make_signal(title="Lange wachttijd", user=coordinator)
    meetings.add_signals(meeting, [signal.id], coordinator)
    item = meeting.items[0]
    path = f"/overleg/{meeting.id}/punten/{item.id}/uitkomst"
    assert "Uitkomst en afspraken noteren" in client.get(f"/overleg/{meeting.id}").get_data(
        as_text=True
    )
    response = post_form(
        client,
        path,
        {
            "discussion": "Wachttijd besproken.",
            "agency_response": "De uitvoerder zet extra mensen in.",
            "agreement_description": "Cijfers sturen",
            "agreement_owner": "Teamleider UWV",
            "agreement_due_on": (local_today() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    section = page[page.index('id="signal-meetings-title"') :]
    assert "Overleg najaar" in section and "14:30 uur" in section
    assert "De uitvoerder zet extra mensen in." in section
    assert "Cijfers sturen" in section and "Teamleider UWV" in section
    assert ">open<" in section
    meetings.complete_agreement(item.agreements[0], coordinator)
    page = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    assert ">uitgevoerd<" in page[page.index('id="signal-meetings-title"') :]


# Digests ---------------------------------------------------------------------------------


def _draft(coordinator, make_signal):
    start = local_today().replace(day=1) - timedelta(days=1)
    period = periods.parse_period(start.strftime("%Y-%m"))
    moment = datetime(period.start.year, period.start.month, 10, 12, tzinfo=UTC)
    public = make_signal(
        title="Telefoon onbereikbaar",
        themes=("Bereikbaarheid",),
        agency="UWV",
        visibility=Visibility.PUBLIC,
        report_count=5,
        user=coordinator,
    )
    signal_services.approve_public(public, coordinator)
    private = make_signal(title="Geheime titel", themes=("Betaling",), agency="SVB", report_count=9)
    for signal in (public, private):
        signal.created_at = moment
    db.session.commit()
    return digests.create_digest(period, coordinator)


def test_digest_names_private_rows_by_theme_and_agency(client, make_user, make_signal):
    coordinator = make_user(Role.COORDINATOR)
    digest = _draft(coordinator, make_signal)
    digests.publish(digest, coordinator)
    page = client.get(f"/rapportages/{digest.id}").get_data(as_text=True)
    assert "Niet-openbaar knelpunt" not in page and "Geheime titel" not in page
    assert "Knelpunt over Betaling bij SVB" in page and "Telefoon onbereikbaar" in page
    assert 'id="digest-counts-note"' in page and "/overzicht" in page
    assert 'class="table-wrap" tabindex="0" role="region"' in page
    from tests.web.test_digests import _pdf_text

    text = _pdf_text(client.get(f"/rapportages/{digest.id}/rapportage.pdf").data)
    assert "Knelpunt over Betaling bij SVB" in text and "Geheime titel" not in text
    assert "Deze periode" in text and "Periode ervoor" in text  # the charts' tables


def test_deleting_a_draft_asks_first(client, make_user, make_signal):
    coordinator = make_user(Role.COORDINATOR)
    digest_id = _draft(coordinator, make_signal).id
    login(client, coordinator)
    path = f"/rapportages/{digest_id}/verwijderen"
    response = post_form(client, path, {}, token_from=f"/rapportages/{digest_id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Concept verwijderen?" in page and f'href="/rapportages/{digest_id}"' in page
    assert db.session.get(Digest, digest_id) is not None
    response = post_form(client, path, {"bevestigd": "1"}, token_from=f"/rapportages/{digest_id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Digest, digest_id) is None
    # A confirmation without a valid CSRF token does nothing.
    assert client.post(path, data={"bevestigd": "1"}).status_code in (400, 404)


# Overzicht -------------------------------------------------------------------------------


def test_overview_filters_numbers_and_links(client, make_user, make_signal, taxonomy):
    make_signal(themes=("Betaling",), agency="UWV", municipality="Zwolle", report_count=3)
    make_signal(themes=("Betaling",), agency="UWV", municipality="Zwolle")
    old = make_signal(themes=("Bereikbaarheid",), agency="SVB", municipality="Utrecht")
    old.created_at = datetime(2025, 1, 15, 12, tzinfo=UTC)
    db.session.commit()
    login(client, make_user(Role.READER))

    page = client.get("/overzicht").get_data(as_text=True)
    assert "3 knelpunten, samen 5 keer gemeld." in page
    assert 'id="overview-counts-note"' in page and "/rapportages/" in page
    # Every bar shows its number inside the chart, the longest one too.
    for svg in re.findall(r'<svg class="bar-chart" viewBox="0 0 (\d+) \d+"(.*?)</svg>', page, re.S):
        width, body = int(svg[0]), svg[1]
        values = re.findall(r'<text x="([\d.]+)" y="[\d.]+" class="bar-value">(\d+)</text>', body)
        rects = re.findall(r'<rect x="256"', body)
        assert len(values) == len(rects) > 0
        assert all(float(x) + 40 <= width for x, _n in values)
    betaling = taxonomy.themes["betaling"].id
    assert f'href="/zoeken?soort=knelpunt&amp;thema={betaling}"' in page

    zwolle = taxonomy.municipalities["zwolle"].id
    today = local_today().isoformat()
    page = client.get(f"/overzicht?van=2026-01-01&tot={today}&gemeente={zwolle}").get_data(
        as_text=True
    )
    assert "2 knelpunten, samen 4 keer gemeld." in page
    link = f"/zoeken?soort=knelpunt&amp;van=2026-01-01&amp;tot={today}&amp;gemeente={zwolle}"
    assert f'href="{link}&amp;thema={betaling}"' in page
    page = client.get("/overzicht?van=2025-01-01&tot=2025-01-31").get_data(as_text=True)
    assert "1 knelpunten, samen 1 keer gemeld." in page
    assert (
        'href="/zoeken?soort=knelpunt&amp;van=2025-01-01&amp;tot=2025-01-31&amp;periode=2025-01"'
        in page
    )

    # The linked search lists the same signals as the bar counts.
    search = client.get(f"/zoeken?soort=knelpunt&gemeente={zwolle}&thema={betaling}")
    assert search.status_code == 200


@pytest.mark.parametrize(
    "query",
    ["van=gisteren", "tot=2026-13-45", "gemeente=abc", "gemeente=99999999", "van=" + "9" * 5000],
)
def test_overview_survives_hostile_filters(client, query):
    response = client.get(f"/overzicht?{query}")
    assert response.status_code == 200
    assert "klopt niet" in response.get_data(as_text=True) or "kennen we niet" in response.get_data(
        as_text=True
    )


# Exports ---------------------------------------------------------------------------------


def test_csv_for_dutch_excel_and_a_typed_xlsx(client, login_as, make_signal):
    signal = make_signal(title="Brief; niet ontvangen", themes=("Betaling",), report_count=12)
    signal.occurred_on = date(2026, 3, 12)
    signal.created_at = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 2 July 00:30 in Amsterdam
    db.session.commit()
    login_as(Role.COORDINATOR)

    response = client.get("/zoeken/export-excel.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert ".excel.csv" in response.headers["Content-Disposition"]
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id;titel;omschrijving;datum")
    assert "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["titel"] == "Brief; niet ontvangen" and rows[0]["aantal_meldingen"] == "12"
    page = client.get("/zoeken").get_data(as_text=True)
    assert "/zoeken/export-excel.csv" in page

    book = load_workbook(io.BytesIO(client.get("/zoeken/export.xlsx").data))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["id", "titel", "omschrijving", "datum"]
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}2"
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert row["id"].value == signal.id and isinstance(row["id"].value, int)
    assert row["aantal_meldingen"].value == 12
    assert row["datum"].value == datetime(2026, 3, 12) and row["datum"].is_date
    assert row["aangemaakt"].value == datetime(2026, 7, 2, 0, 30)  # Europe/Amsterdam
    assert row["aangemaakt"].number_format == "DD-MM-YYYY HH:MM"
    assert row["titel"].value == "Brief; niet ontvangen"
    assert sheet.column_dimensions["C"].width == 60  # omschrijving
    assert sheet.column_dimensions["A"].width == 8
