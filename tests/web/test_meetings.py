"""Signaleringsoverleg: plan, compose the agenda from a search, outcomes, agreements,
follow-up and closing, print pages, and who may do what."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from signalen.audit.models import AuditEvent
from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.extensions import db
from signalen.meetings import services
from signalen.meetings.models import Agreement, Meeting, MeetingItem
from signalen.signals.models import Signal, SignalEvent, Status
from tests.conftest import login, post_form


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


def _meeting(
    coordinator, held_on: date | None = None, title: str = "Signaleringsoverleg Werkplein"
):
    return services.create_meeting(
        services.MeetingInput(
            title=title,
            held_on=held_on or local_today() + timedelta(days=14),
            participants="Cliëntenraad Zwolle\nAdviesraad Kampen",
        ),
        coordinator,
    )


def _reload(model, obj_id):
    db.session.expire_all()
    return db.session.get(model, obj_id)


def _result_ids(html: str) -> list[int]:
    """The signal ids listed as results on /zoeken or on the compose page, in order."""
    return [int(i) for i in re.findall(r'<a href="/signalen/(\d+)"><span class="muted">#', html)]


def test_coordinator_prepares_a_meeting_from_a_filtered_search(
    app, client, coordinator, make_signal, make_user, taxonomy
):
    own = make_signal(
        title="Wachttijd telefoon UWV te lang",
        themes=("Bereikbaarheid",),
        agency="UWV",
        user=coordinator,
    )
    other_theme = make_signal(
        title="Wachttijd brief SVB", themes=("Betaling",), agency="SVB", user=coordinator
    )
    colleague = make_user(Role.VOLUNTEER)  # another organisation, netwerk signal
    foreign = make_signal(
        title="Wachttijd bij UWV na ziekmelding",
        themes=("Bereikbaarheid",),
        agency="UWV",
        user=colleague,
    )
    login(client, coordinator)

    response = post_form(
        client,
        "/overleg/nieuw",
        {
            "title": "Signaleringsoverleg voorjaar",
            "held_on": (local_today() + timedelta(days=7)).isoformat(),
            "location": "Werkplein",
            "participants": "Cliëntenraad Zwolle",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting_id = int(re.search(r"/overleg/(\d+)/", response.location).group(1))
    compose = f"/overleg/{meeting_id}/agenda-samenstellen"

    # The agenda page reads the same filters as /zoeken and lists the same knelpunten.
    theme = taxonomy.themes["bereikbaarheid"].id
    query = f"q=wachttijd&thema={theme}&uitvoerder={taxonomy.agencies['uwv'].id}"
    searched = _result_ids(client.get(f"/zoeken?{query}&soort=knelpunt").get_data(as_text=True))
    page = client.get(f"{compose}?{query}").get_data(as_text=True)
    assert sorted(_result_ids(page)) == sorted(searched) == sorted([own.id, foreign.id])
    assert f'value="{own.id}"' in page and f'value="{foreign.id}"' in page
    assert f'value="{other_theme.id}"' not in page
    assert _result_ids(client.get(f"{compose}?q=wachttijd").get_data(as_text=True))

    response = post_form(
        client, compose, {"signal_ids": [str(own.id), str(foreign.id)], "terug": query}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"{compose}?{query}")  # back to the same search
    assert _reload(Signal, own.id).status is Status.SCHEDULED
    assert _reload(Signal, foreign.id).status is Status.NEW  # not ours: status unchanged
    note = db.session.scalars(
        db.select(SignalEvent.note).where(
            SignalEvent.signal_id == own.id, SignalEvent.kind == "status"
        )
    ).one()
    assert note == f"Op de agenda van overleg #{meeting_id}: Signaleringsoverleg voorjaar"
    meeting = _reload(Meeting, meeting_id)
    assert [item.signal_id for item in meeting.items] == [own.id, foreign.id]

    # Adding again is harmless; the page shows both as on the agenda.
    response = post_form(client, compose, {"signal_ids": [str(own.id)]})
    assert "1 knelpunt stond al op de agenda." in client.get(response.location).get_data(
        as_text=True
    )
    assert len(_reload(Meeting, meeting_id).items) == 2
    page = client.get(f"{compose}?{query}").get_data(as_text=True)
    assert page.count("Staat op de agenda") == 2

    # The way back is rebuilt from the filters: another site is never the target.
    for back in ("//evil.example/x", "https://evil.example/", "q=a\r\nLocation: x"):
        response = post_form(client, compose, {"signal_ids": [str(own.id)], "terug": back})
        assert response.location.split("?")[0].endswith(compose), back
        assert "evil" not in response.location and "\n" not in response.location

    # A free agenda item, and the meeting page with agenda and print versions.
    response = post_form(
        client,
        f"/overleg/{meeting_id}/punten",
        {"free-title": "Klanttevredenheidsonderzoek", "free-description": "Uitkomsten 2025"},
        token_from=f"/overleg/{meeting_id}",
    )
    assert response.status_code == 302
    page = client.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert "Klanttevredenheidsonderzoek" in page and "Wachttijd telefoon UWV te lang" in page
    printed = client.get(f"/overleg/{meeting_id}/afdrukken/agenda").get_data(as_text=True)
    assert "Klanttevredenheidsonderzoek" in printed and "Cliëntenraad Zwolle" in printed

    # Order: the free item moves up to the first place.
    free = _reload(Meeting, meeting_id).items[-1]
    for _step in range(2):
        post_form(
            client,
            f"/overleg/{meeting_id}/punten/{free.id}/omhoog",
            {},
            token_from=f"/overleg/{meeting_id}",
        )
    assert [i.title or i.signal_id for i in _reload(Meeting, meeting_id).items] == [
        "Klanttevredenheidsonderzoek",
        own.id,
        foreign.id,
    ]

    # The signal page shows the meeting.
    page = client.get(f"/signalen/{own.id}").get_data(as_text=True)
    assert "In het signaleringsoverleg" in page and "Signaleringsoverleg voorjaar" in page


def test_outcomes_agreements_follow_up_and_closing(app, client, coordinator, make_signal):
    signal = make_signal(title="Toeslag te laat betaald", user=coordinator)
    meeting = _meeting(coordinator, held_on=local_today() - timedelta(days=1))
    services.add_signals(meeting, [signal.id], coordinator)
    item = meeting.items[0]
    login(client, coordinator)

    path = f"/overleg/{meeting.id}/punten/{item.id}/uitkomst"
    # Personal data in an outcome is refused; nothing is saved.
    response = post_form(
        client, path, {"discussion": "Mevrouw belde vanaf 0612345678.", "agency_response": ""}
    )
    assert response.status_code == 422 and "persoonsgegevens" in response.get_data(as_text=True)
    assert _reload(MeetingItem, item.id).discussed_at is None

    response = post_form(
        client,
        path,
        {
            "discussion": "Betalingen komen structureel te laat.",
            "agency_response": "De Belastingdienst onderzoekt de oorzaak.",
            "agreement_description": "Belastingdienst rapporteert de oorzaak.",
            "agreement_owner": "Belastingdienst/Toeslagen",
            "agreement_due_on": (local_today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _reload(Signal, signal.id).status is Status.DISCUSSED
    item = _reload(MeetingItem, item.id)
    assert item.discussed_at is not None and len(item.agreements) == 1
    agreement_id = item.agreements[0].id

    followup = client.get("/overleg/afspraken").get_data(as_text=True)
    assert "Over de datum (1)" in followup and "Belastingdienst rapporteert de oorzaak." in followup

    response = post_form(
        client, f"/overleg/afspraken/{agreement_id}/klaar", {}, token_from="/overleg/afspraken"
    )
    assert response.status_code == 302
    assert _reload(Agreement, agreement_id).done_at is not None
    followup = client.get("/overleg/afspraken").get_data(as_text=True)
    assert "Over de datum (0)" in followup and f"Knelpunt #{signal.id} afsluiten" in followup
    post_form(client, f"/overleg/afspraken/{agreement_id}/heropenen", {}, "/overleg/afspraken")
    assert _reload(Agreement, agreement_id).done_at is None
    post_form(client, f"/overleg/afspraken/{agreement_id}/klaar", {}, "/overleg/afspraken")
    logged = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("meeting.agreement_%"))
        .order_by(AuditEvent.id)
    ).all()
    assert logged == [
        "meeting.agreement_done",
        "meeting.agreement_reopen",
        "meeting.agreement_done",
    ]

    response = post_form(
        client,
        f"/overleg/knelpunten/{signal.id}/afsluiten",
        {"status": "opgelost", "reason": "Betalingen weer op tijd na afspraak."},
        token_from="/overleg/afspraken",
    )
    assert response.status_code == 302
    closed = _reload(Signal, signal.id)
    assert closed.status is Status.RESOLVED and closed.close_reason.startswith("Betalingen")
    kinds = [(e.from_status, e.to_status) for e in closed.events if e.kind == "status"]
    assert kinds == [
        ("nieuw", "geagendeerd"),
        ("geagendeerd", "besproken"),
        ("besproken", "opgelost"),
    ]

    minutes = client.get(f"/overleg/{meeting.id}/afdrukken/verslag").get_data(as_text=True)
    assert "De Belastingdienst onderzoekt de oorzaak." in minutes and "uitgevoerd" in minutes

    # The signal's history names the meeting at each step.
    history = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    assert f"Op de agenda van overleg #{meeting.id}: Signaleringsoverleg Werkplein" in history
    assert f"Besproken in overleg #{meeting.id}: Signaleringsoverleg Werkplein" in history
    assert "Betalingen weer op tijd na afspraak." in history


def test_an_agreement_needs_a_description_and_an_owner(app, client, coordinator, make_signal):
    signal = make_signal(user=coordinator)
    meeting = _meeting(coordinator, held_on=local_today())
    services.add_signals(meeting, [signal.id], coordinator)
    item = meeting.items[0]
    login(client, coordinator)
    path = f"/overleg/{meeting.id}/punten/{item.id}/uitkomst"
    cases = [
        ({"agreement_owner": "UWV"}, "Beschrijf de afspraak."),
        ({"agreement_description": "Uitzoeken"}, "Wie voert de afspraak uit?"),
        (
            {
                "agreement_description": "Uitzoeken",
                "agreement_owner": "UWV",
                "agreement_due_on": "31-02-2026",
            },
            "Ongeldige datum.",
        ),
    ]
    for fields, message in cases:
        response = post_form(client, path, {"discussion": "Besproken.", **fields})
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), fields
        assert _reload(MeetingItem, item.id).discussed_at is None
        assert _reload(Signal, signal.id).status is Status.SCHEDULED
    assert db.session.scalar(db.select(db.func.count(Agreement.id))) == 0


def test_other_organisations_never_read_about_a_hidden_signal(
    app, client, coordinator, make_signal, make_user
):
    from signalen.signals import services as signal_services
    from signalen.signals.models import Visibility
    from tests.web.test_digests import _pdf_text

    hidden = make_signal(title="Interne kwestie Kampen", user=coordinator)
    meeting = _meeting(coordinator, held_on=local_today())
    services.add_signals(meeting, [hidden.id], coordinator)
    services.record_outcome(
        meeting.items[0],
        coordinator,
        discussion="Vertrouwelijk besproken punt.",
        agency_response="Reactie die intern blijft.",
        agreements=[services.AgreementInput("Geheime afspraak", "Gemeente Kampen", None)],
    )
    signal_services.bulk_update([hidden], "visibility", Visibility.INTERNAL.value, coordinator)

    secret = ("Interne kwestie Kampen", "Vertrouwelijk", "intern blijft", "Geheime afspraak")
    outsider = make_user(Role.COORDINATOR)
    login(client, outsider)
    pages = [
        client.get(f"/overleg/{meeting.id}").get_data(as_text=True),
        client.get(f"/overleg/{meeting.id}/afdrukken/verslag").get_data(as_text=True),
        _pdf_text(client.get(f"/overleg/{meeting.id}/afdrukken/verslag.pdf").data),
    ]
    for page in pages:
        assert "Knelpunt van een andere organisatie" in page
        assert not [text for text in secret if text in page]

    insider = app.test_client()
    login(insider, make_user(Role.READER, organisation=coordinator.organisation))
    page = insider.get(f"/overleg/{meeting.id}").get_data(as_text=True)
    assert all(text in page for text in secret)


def test_outcome_moves_a_new_signal_through_geagendeerd(app, coordinator, make_signal):
    signal = make_signal(user=coordinator)
    meeting = _meeting(coordinator, held_on=local_today())
    db.session.add(MeetingItem(meeting=meeting, signal=signal, position=1))
    db.session.commit()
    services.record_outcome(meeting.items[0], coordinator, discussion="Besproken.")
    assert _reload(Signal, signal.id).status is Status.DISCUSSED


def test_agenda_refuses_closed_signals_and_is_all_or_nothing(app, coordinator, make_signal):
    from signalen.core.errors import ServiceError
    from signalen.signals import services as signal_services

    good = make_signal(user=coordinator)
    closed = make_signal(user=coordinator, title="Al opgelost knelpunt")
    signal_services.change_status(closed, Status.CLOSED, coordinator, "Dubbel")
    meeting = _meeting(coordinator)
    with pytest.raises(ServiceError):
        services.add_signals(meeting, [good.id, closed.id], coordinator)
    db.session.rollback()
    assert _reload(Signal, good.id).status is Status.NEW
    assert _reload(Meeting, meeting.id).items == []
    services.add_signals(meeting, [good.id], coordinator)
    with pytest.raises(ServiceError, match="nog niet geweest"):
        services.record_outcome(_reload(Meeting, meeting.id).items[0], coordinator, discussion="x")


def test_who_may_do_what(app, client, coordinator, make_user, make_signal):
    meeting = _meeting(coordinator)
    reader = make_user(Role.READER, organisation=coordinator.organisation)
    login(client, reader)
    assert client.get(f"/overleg/{meeting.id}").status_code == 200  # readers read
    assert client.get("/overleg/").status_code == 200
    assert client.get("/overleg/nieuw").status_code == 403
    assert client.get(f"/overleg/{meeting.id}/agenda-samenstellen").status_code == 403

    other = app.test_client()
    login(other, make_user(Role.COORDINATOR))  # coordinator of another organisation
    assert other.get(f"/overleg/{meeting.id}/bewerken").status_code == 403
    assert other.get(f"/overleg/{meeting.id}/agenda-samenstellen").status_code == 403

    anonymous = app.test_client()
    assert anonymous.get(f"/overleg/{meeting.id}").status_code == 302  # to the login page

    # An intern signal of another organisation cannot be put on the agenda.
    from signalen.signals.models import Visibility

    hidden = make_signal(visibility=Visibility.INTERNAL)
    from signalen.core.errors import ServiceError

    with pytest.raises(ServiceError):
        services.add_signals(meeting, [hidden.id], coordinator)


def test_bad_input_gives_dutch_messages(app, client, coordinator):
    login(client, coordinator)
    response = post_form(client, "/overleg/nieuw", {"title": "", "held_on": "morgen"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Geef het overleg een titel." in page
    assert db.session.scalar(db.select(db.func.count(Meeting.id))) == 0
    meeting = _meeting(coordinator)
    response = post_form(
        client, f"/overleg/{meeting.id}/agenda-samenstellen", {"signal_ids": ["abc"]}
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Kies een of meer knelpunten." in page


def test_agenda_and_minutes_as_pdf(app, client, coordinator, make_signal, make_user):
    from tests.web.test_digests import _pdf_text

    signal = make_signal(title="Brief onbegrijpelijk", user=coordinator)
    meeting = _meeting(coordinator, held_on=local_today())
    services.add_signals(meeting, [signal.id], coordinator)
    services.record_outcome(
        meeting.items[0],
        coordinator,
        discussion="Brieven worden herschreven.",
        agreements=[services.AgreementInput("Nieuwe brief", "Gemeente", None)],
    )
    assert client.get(f"/overleg/{meeting.id}/afdrukken/verslag.pdf").status_code == 302
    login(client, make_user(Role.READER, organisation=coordinator.organisation))
    response = client.get(f"/overleg/{meeting.id}/afdrukken/verslag.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert "Brief onbegrijpelijk" in text and "Brieven worden herschreven." in text
    assert "Nieuwe brief" in text
    agenda = _pdf_text(client.get(f"/overleg/{meeting.id}/afdrukken/agenda.pdf").data)
    assert "Brief onbegrijpelijk" in agenda and "Brieven worden herschreven." not in agenda
