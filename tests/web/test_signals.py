"""Intake with the privacy guard, ook gemeld, categorising, status, merge and visibility."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from signalen.auth.models import Role
from signalen.core.errors import ServiceError
from signalen.extensions import db
from signalen.signals import services
from signalen.signals.models import Signal, SignalReport, Status, Visibility
from tests.conftest import csrf_token, login, post_form
from tests.search_engine_support import indexed_after_commit

PHONE = "06-12345678"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def intake(client, **fields):
    data = {
        "title": "Zorgtoeslag gestopt",
        "description": "De zorgtoeslag is gestopt zonder brief.",
        "channel": "telefoon",
        "impact": "middel",
        "report_count": "1",
        "visibility": "netwerk",
        "municipality": "",
        "agency": "",
        **fields,
    }
    return post_form(client, "/signalen/nieuw", data)


def everything_stored() -> str:
    """All text columns of every table, to prove something never reached the database."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts)


def test_volunteer_registers_a_signal(client, login_as, taxonomy):
    user = login_as(Role.VOLUNTEER)
    page = client.get("/signalen/nieuw")
    assert page.status_code == 200
    assert "Knelpunt melden" in page.get_data(as_text=True)
    utrecht = taxonomy.municipalities["utrecht"].id
    response = intake(client, municipality=str(utrecht), occurred_on="2026-03-12")
    assert response.status_code == 302
    signal = db.session.scalar(select(Signal))
    assert response.headers["Location"] == f"/signalen/{signal.id}"
    assert signal.organisation_id == user.organisation_id
    assert signal.created_by_id == user.id
    assert signal.status is Status.NEW
    assert signal.municipality.name == "Utrecht"
    assert signal.occurred_on.isoformat() == "2026-03-12"
    assert [e.kind for e in signal.events] == ["created"]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Zorgtoeslag gestopt" in detail
    assert "Geregistreerd" in detail


def test_phone_number_never_reaches_the_database(client, login_as, taxonomy):
    login_as(Role.VOLUNTEER)
    description = f"Cliënt belde vanaf {PHONE} over de toeslag."
    response = intake(client, description=description)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Er staan persoonsgegevens in de tekst" in page
    assert "telefoonnummer" in page
    assert "[TELEFOON]" in page
    assert count(Signal) == 0
    assert PHONE not in everything_stored()

    response = intake(client, description=description, accept_redaction="y")
    assert response.status_code == 302
    signal = db.session.scalar(select(Signal))
    assert signal.description == "Cliënt belde vanaf [TELEFOON] over de toeslag."
    assert PHONE not in everything_stored()


@pytest.mark.parametrize(
    "secret",
    [
        "BSN 111222333",
        "NL91ABNA0417164300",
        "mail jan@example.nl",
        "Kerkstraat 12",
        "3511 AB 12",
        "geboren op 12-03-1980",
    ],
)
def test_other_personal_data_is_refused_in_title_and_description(
    client, login_as, taxonomy, secret
):
    login_as(Role.VOLUNTEER)
    response = intake(client, title=f"Probleem {secret}")
    assert response.status_code == 422
    assert count(Signal) == 0


def test_draft_survives_a_validation_error(client, login_as, taxonomy):
    login_as(Role.VOLUNTEER)
    response = intake(client, title="", description="Een lange omschrijving die blijft staan.")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Geef het knelpunt een korte titel." in page
    assert "Een lange omschrijving die blijft staan." in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": "x" * 10_001}, "hoogstens 10000 tekens"),
        ({"occurred_on": "31-02-2026"}, "Not a valid date value."),
        ({"occurred_on": "2999-01-01"}, "De datum ligt in de toekomst."),
        ({"agency": "999999"}, "Ongeldige keuze"),
        ({"themes": "999999"}, "is geen geldige keuze"),
        ({"report_count": "0"}, "Vul een aantal van 1 of meer in."),
        ({"channel": "fax"}, "Ongeldige keuze"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(client, login_as, taxonomy, fields, message):
    login_as(Role.VOLUNTEER)
    response = intake(client, **fields)
    assert response.status_code == 422
    assert count(Signal) == 0
    page = response.get_data(as_text=True)
    assert message.lower() in page.lower() or "Controleer het formulier" in page


def test_null_bytes_are_refused_and_script_tags_stored_harmlessly(client, login_as, taxonomy):
    login_as(Role.VOLUNTEER)
    refused = intake(client, title="Een titel van een knelpunt", description="Tekst\x00 hier")
    assert refused.status_code == 400  # a character XML forbids: refused, nothing stored
    assert db.session.scalar(select(Signal)) is None
    response = intake(
        client, title="<script>alert(1)</script> & co", description="Tekst met <b>html</b>"
    )
    assert response.status_code == 302
    signal = db.session.scalar(select(Signal))
    page = client.get(f"/signalen/{signal.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "&lt;b&gt;html&lt;/b&gt;" in page


def test_readers_cannot_register(client, login_as):
    login_as(Role.READER)
    assert client.get("/signalen/nieuw").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/signalen/nieuw")
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_similar_known_signal_is_shown_and_ook_gemeld_counts(
    client, make_user, make_signal, make_organisation
):
    first = make_signal(
        title="Zorgtoeslag stopgezet zonder brief",
        description="De zorgtoeslag is stopgezet zonder brief of uitleg van de Belastingdienst.",
    )
    second_volunteer = make_user(Role.VOLUNTEER, organisation=make_organisation())
    login(client, second_volunteer)
    response = intake(
        client,
        title="Zorgtoeslag zonder brief stopgezet",
        description="Bij deze cliënt is de zorgtoeslag stopgezet, zonder brief.",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Is dit al bekend?" in page
    assert f"/signalen/{first.id}" in page
    assert count(Signal) == 1

    fragment = post_form(
        client,
        "/signalen/vergelijkbaar",
        {"title": "zorgtoeslag stopgezet", "description": "zonder brief"},
        token_from="/signalen/nieuw",
    )
    assert f"#{first.id}" in fragment.get_data(as_text=True)

    token = csrf_token(client, "/signalen/nieuw")
    response = client.post(
        f"/signalen/{first.id}/ook-gemeld",
        data={
            "csrf_token": token,
            "channel": "spreekuur",
            "client_count": "2",
            "occurred_on": "2026-05-01",
        },
    )
    assert response.status_code == 302
    db.session.refresh(first)
    assert first.report_count == 3
    report = db.session.scalar(select(SignalReport))
    assert report.organisation_id == second_volunteer.organisation_id
    assert report.channel.value == "spreekuur"
    assert report.occurred_on.isoformat() == "2026-05-01"
    assert [e.kind for e in first.events] == ["created", "also_reported"]

    # Confirming it is new after all stores a second signal.
    response = intake(
        client,
        title="Zorgtoeslag zonder brief stopgezet",
        description="Bij deze cliënt is de zorgtoeslag stopgezet, zonder brief.",
        similar_checked="1",
    )
    assert response.status_code == 302
    assert count(Signal) == 2


def test_unrelated_text_shows_no_similar_signals(client, login_as, make_signal):
    make_signal(title="Zorgtoeslag stopgezet", description="Toeslag gestopt zonder brief.")
    login_as(Role.VOLUNTEER)
    response = intake(
        client, title="Rolstoel kapot", description="Wmo hulpmiddel wacht op reparatie."
    )
    assert response.status_code == 302


def test_intern_signals_of_others_are_never_suggested(
    client, make_user, make_signal, make_organisation
):
    make_signal(
        title="Zorgtoeslag stopgezet zonder brief",
        description="De zorgtoeslag is stopgezet zonder brief.",
        visibility=Visibility.INTERNAL,
    )
    login(client, make_user(Role.VOLUNTEER, organisation=make_organisation()))
    response = intake(
        client,
        title="Zorgtoeslag stopgezet zonder brief",
        description="De zorgtoeslag is stopgezet zonder brief.",
    )
    assert response.status_code == 302  # nothing similar visible, so it is stored at once


def test_category_suggestion_from_similar_signals(app, make_signal, make_user):
    from signalen.search import services as search
    from signalen.signals.access import viewer_tokens

    for number in range(4):
        make_signal(
            title=f"Terugvordering zorgtoeslag {number}",
            description="Hoge terugvordering van zorgtoeslag zonder uitleg in de brief.",
            themes=("Terugvordering/Hoge terugvordering",),
            scheme="Zorgtoeslag",
            agency="Belastingdienst/Toeslagen",
        )
    votes = search.suggest_categories(
        "terugvordering zorgtoeslag zonder uitleg", viewer_tokens(make_user(Role.VOLUNTEER))
    )
    assert votes["regeling"][0][0] == str(
        db.session.scalar(text("select id from scheme where name = 'Zorgtoeslag'"))
    )
    assert votes["uitvoerder"][0][1] == pytest.approx(1.0)


def test_coordinator_edits_categorises_and_history_keeps_changes(
    client, make_user, make_signal, taxonomy
):
    signal = make_signal()
    coordinator = make_user(Role.COORDINATOR, organisation=signal.organisation)
    login(client, coordinator)
    theme = taxonomy.themes["betaling"].id
    response = post_form(
        client,
        f"/signalen/{signal.id}/bewerken",
        {
            "title": "Zorgtoeslag gestopt zonder brief",
            "description": signal.description,
            "channel": "telefoon",
            "impact": "hoog",
            "report_count": "4",
            "visibility": "openbaar",
            "themes": str(theme),
            "municipality": "",
            "agency": "",
        },
    )
    assert response.status_code == 302
    db.session.refresh(signal)
    assert signal.impact.value == "hoog"
    assert [t.id for t in signal.themes] == [theme]
    assert signal.report_count == 4
    edit = signal.events[-1]
    assert edit.kind == "edited"
    assert edit.changes["impact"] == ["middel", "hoog"]
    assert edit.changes["themes"] == [[], [theme]]
    assert not signal.is_public  # openbaar needs an approval first

    response = post_form(
        client, f"/signalen/{signal.id}/goedkeuren", {}, token_from=f"/signalen/{signal.id}"
    )
    db.session.refresh(signal)
    assert signal.is_public


def test_new_wording_needs_a_new_approval(app, make_user, make_signal):
    signal = make_signal(visibility=Visibility.PUBLIC)
    coordinator = make_user(Role.COORDINATOR, organisation=signal.organisation)
    services.approve_public(signal, coordinator)
    assert signal.is_public
    data = services.SignalInput(
        title="Andere titel",
        description=signal.description,
        channel=signal.channel,
        visibility=Visibility.PUBLIC,
    )
    services.update_signal(signal, data, coordinator)
    assert not signal.is_public


def test_volunteers_and_other_coordinators_cannot_edit(
    client, make_user, make_signal, make_organisation
):
    signal = make_signal()
    login(client, make_user(Role.VOLUNTEER, organisation=signal.organisation))
    assert client.get(f"/signalen/{signal.id}/bewerken").status_code == 403
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    login(client, make_user(Role.COORDINATOR, organisation=make_organisation()))
    assert client.get(f"/signalen/{signal.id}/bewerken").status_code == 403
    response = post_form(
        client,
        f"/signalen/{signal.id}/status",
        {"status": "afgesloten", "reason": "x"},
        token_from="/",
    )
    assert response.status_code == 403
    db.session.refresh(signal)
    assert signal.status is Status.NEW


def test_status_flow_with_reasons_and_reopening(app, make_user, make_signal):
    signal = make_signal()
    coordinator = make_user(Role.COORDINATOR, organisation=signal.organisation)
    services.change_status(signal, Status.IN_PROGRESS, coordinator)
    services.change_status(signal, Status.SCHEDULED, coordinator)
    services.change_status(signal, Status.DISCUSSED, coordinator)
    with pytest.raises(ServiceError, match="reden"):
        services.change_status(signal, Status.CLOSED, coordinator)
    db.session.rollback()
    services.change_status(signal, Status.CLOSED, coordinator, "Afgesproken met UWV.")
    assert signal.close_reason == "Afgesproken met UWV."
    with pytest.raises(ServiceError, match="kan niet"):
        services.change_status(signal, Status.DISCUSSED, coordinator)
    db.session.rollback()
    services.change_status(signal, Status.IN_PROGRESS, coordinator)  # reopen
    history = [(e.from_status, e.to_status) for e in signal.events if e.kind == "status"]
    assert history == [
        ("nieuw", "in_behandeling"),
        ("in_behandeling", "geagendeerd"),
        ("geagendeerd", "besproken"),
        ("besproken", "afgesloten"),
        ("afgesloten", "in_behandeling"),
    ]
    assert all(e.user_id == coordinator.id for e in signal.events if e.kind == "status")


def test_merge_combines_counts_reports_themes_and_redirects(client, make_user, make_signal):
    owner = make_user(Role.VOLUNTEER)
    target = make_signal(
        title="Kinderbijslag gestopt", report_count=2, themes=("Betaling",), user=owner
    )
    source = make_signal(
        title="Kinderbijslag gestopt zonder bericht",
        report_count=3,
        themes=("Informatievoorziening",),
        user=owner,
    )
    coordinator = make_user(Role.COORDINATOR, organisation=source.organisation)
    services.change_status(source, Status.SCHEDULED, coordinator)
    volunteer = make_user(Role.VOLUNTEER, organisation=source.organisation)
    services.add_report(source, volunteer, source.channel)
    login(client, coordinator)
    # The form on the signal page first shows both signals side by side (no JavaScript).
    page = client.get(f"/signalen/{source.id}/samenvoegen?target={target.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kinderbijslag gestopt zonder bericht" in text and "Ja, samenvoegen" in text
    db.session.refresh(source)
    assert source.merged_into_id is None
    # Posting without the confirmation shows that page again and changes nothing.
    response = post_form(
        client,
        f"/signalen/{source.id}/samenvoegen",
        {"target": str(target.id)},
        token_from=f"/signalen/{source.id}",
    )
    assert response.status_code == 200
    db.session.refresh(source)
    assert source.merged_into_id is None
    response = post_form(
        client,
        f"/signalen/{source.id}/samenvoegen",
        {"target": str(target.id), "confirm": "1"},
        token_from=f"/signalen/{source.id}",
    )
    assert response.status_code == 302
    db.session.refresh(target)
    db.session.refresh(source)
    assert target.report_count == 2 + 3 + 1
    assert len(target.reports) == 1
    assert {t.name for t in target.themes} == {"Betaling", "Informatievoorziening"}
    assert source.merged_into_id == target.id
    assert source.status is Status.CLOSED
    # The target keeps the more advanced status of the two.
    assert target.status is Status.SCHEDULED
    assert "merged_in" in [e.kind for e in target.events]
    redirect = client.get(f"/signalen/{source.id}")
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == f"/signalen/{target.id}"
    history = client.get(f"/signalen/{target.id}").get_data(as_text=True)
    assert f"Knelpunt #{source.id} is hierin samengevoegd" in history
    assert any(
        e.kind == "merged_away" and e.changes["merged_into"] == [None, target.id]
        for e in source.events
    )


def test_merge_across_organisations_is_refused_and_linking_offered(client, make_user, make_signal):
    ours = make_signal(title="Intern knelpunt A", visibility=Visibility.INTERNAL, report_count=2)
    theirs = make_signal(title="Netwerk knelpunt B", themes=("Betaling",), report_count=5)
    coordinator = make_user(Role.COORDINATOR, organisation=ours.organisation)
    login(client, coordinator)
    page = client.get(f"/signalen/{ours.id}/samenvoegen?target={theirs.id}").get_data(as_text=True)
    assert "Ja, koppelen" in page and "Ja, samenvoegen" not in page
    response = post_form(
        client,
        f"/signalen/{ours.id}/samenvoegen",
        {"target": str(theirs.id), "confirm": "1"},
        token_from=f"/signalen/{ours.id}",
    )
    assert response.status_code == 302
    db.session.refresh(ours)
    db.session.refresh(theirs)
    assert ours.merged_into_id is None and theirs.report_count == 5
    response = post_form(
        client,
        f"/signalen/{ours.id}/koppelen",
        {"target": str(theirs.id), "confirm": "1"},
        token_from=f"/signalen/{ours.id}",
    )
    assert response.status_code == 302
    db.session.refresh(ours)
    db.session.refresh(theirs)
    # Nothing moved: counts, themes, status and text stay where they were.
    assert (ours.report_count, theirs.report_count) == (2, 5)
    assert [t.name for t in theirs.themes] == ["Betaling"]
    assert ours.merged_into_id is None and theirs.merged_into_id is None
    assert services.linked_signals(ours) == [theirs]
    assert services.linked_signals(theirs) == [ours]
    # Both pages show the link; B's side names A's organisation, not A's intern title.
    ours_page = client.get(f"/signalen/{ours.id}").get_data(as_text=True)
    assert "Ook gemeld bij" in ours_page and "Netwerk knelpunt B" in ours_page
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    login(client, make_user(Role.COORDINATOR, organisation=theirs.organisation))
    theirs_page = client.get(f"/signalen/{theirs.id}").get_data(as_text=True)
    assert "Ook gemeld bij" in theirs_page
    assert ours.organisation.name in theirs_page
    assert "Intern knelpunt A" not in theirs_page
    # Linking twice, or within one organisation, is refused.
    assert (
        post_form(
            client,
            f"/signalen/{theirs.id}/koppelen",
            {"target": str(ours.id)},
            token_from=f"/signalen/{theirs.id}",
        ).status_code
        == 302
    )
    assert len(services.linked_signals(theirs)) == 1


def test_merge_refuses_itself_and_unknown_targets(client, make_user, make_signal):
    signal = make_signal()
    login(client, make_user(Role.COORDINATOR, organisation=signal.organisation))
    for target in (str(signal.id), "999999"):
        post_form(
            client,
            f"/signalen/{signal.id}/samenvoegen",
            {"target": target},
            token_from=f"/signalen/{signal.id}",
        )
        db.session.refresh(signal)
        assert signal.merged_into_id is None


def test_visibility_rules_on_signal_pages(client, make_user, make_signal, make_organisation):
    internal = make_signal(visibility=Visibility.INTERNAL)
    network = make_signal(visibility=Visibility.NETWORK)
    unapproved = make_signal(visibility=Visibility.PUBLIC)
    approved = make_signal(visibility=Visibility.PUBLIC)
    services.approve_public(
        approved, make_user(Role.COORDINATOR, organisation=approved.organisation)
    )

    def statuses():
        return [
            client.get(f"/signalen/{s.id}").status_code
            for s in (internal, network, unapproved, approved)
        ]

    assert statuses() == [404, 404, 404, 200]  # anonymous: only approved public
    login(client, make_user(Role.READER, organisation=make_organisation()))
    assert statuses() == [404, 200, 200, 200]  # other organisation: no intern
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    login(client, make_user(Role.READER, organisation=internal.organisation))
    assert client.get(f"/signalen/{internal.id}").status_code == 200


def test_bulk_status_change_is_all_or_nothing(client, make_user, make_signal, make_organisation):
    own_a, own_b = make_signal(), None
    coordinator = make_user(Role.COORDINATOR, organisation=own_a.organisation)
    own_b = make_signal(user=make_user(Role.VOLUNTEER, organisation=own_a.organisation))
    other = make_signal()
    login(client, coordinator)
    token = csrf_token(client, "/zoeken")
    response = client.post(
        "/zoeken/bulk",
        data={
            "csrf_token": token,
            "action": "status",
            "status": "in_behandeling",
            "ids": [own_a.id, own_b.id, other.id],
            "theme": "",
            "visibility": "netwerk",
            "reason": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {s.status for s in db.session.scalars(select(Signal))} == {Status.NEW}

    response = client.post(
        "/zoeken/bulk",
        data={
            "csrf_token": token,
            "action": "status",
            "status": "in_behandeling",
            "ids": [own_a.id, own_b.id],
            "theme": "",
            "visibility": "netwerk",
            "reason": "",
        },
    )
    db.session.expire_all()
    statuses = {s.id: s.status for s in db.session.scalars(select(Signal))}
    assert statuses[own_a.id] is Status.IN_PROGRESS and statuses[own_b.id] is Status.IN_PROGRESS
    assert statuses[other.id] is Status.NEW


def test_reindex_command_rebuilds_from_the_database(app, make_signal):
    from signalen.search import services as search

    make_signal(title="Eerste knelpunt")
    make_signal(title="Tweede knelpunt")
    result = app.test_cli_runner().invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "2 documenten" in result.output
    assert search.document_count() == 2


@indexed_after_commit
def test_failed_index_write_stays_in_the_outbox_and_is_caught_up(app, make_signal, monkeypatch):
    from signalen.search import outbox
    from signalen.search import services as search

    real = search.apply_documents

    def busy(docs, removed):
        raise search.IndexUnavailable("locked")

    monkeypatch.setattr(search, "apply_documents", busy)
    signal = make_signal(title="Tijdens drukte gemeld")
    assert outbox.pending_count() == 1
    assert count(Signal) == 1  # the database keeps it whatever the index does

    monkeypatch.setattr(search, "apply_documents", real)
    assert outbox.drain() == 1
    assert outbox.pending_count() == 0
    from signalen.search.documents import SearchQuery

    assert [h.id for h in search.search(SearchQuery(text="drukte"), None).hits] == [signal.id]
