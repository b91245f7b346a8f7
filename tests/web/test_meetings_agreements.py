"""Correcting and deleting agreements (afspraken) of a signaleringsoverleg: the pages, who
may do it, bad input, the audit log, the print view and published digests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from signalen.audit.models import AuditEvent
from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.extensions import db
from signalen.meetings import services
from signalen.meetings.models import Agreement
from tests.conftest import csrf_token, login, post_form
from tests.web.test_digests import _pdf_text
from tests.web.test_meetings import _meeting, _reload

FOLLOWUP = "/overleg/afspraken"


@pytest.fixture
def coordinator(make_user):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def agreement(app, coordinator, make_signal):
    """A discussed signal with one open agreement, in yesterday's meeting."""
    signal = make_signal(title="Brief over terugvordering onduidelijk", user=coordinator)
    meeting = _meeting(coordinator, held_on=local_today() - timedelta(days=1))
    services.add_signals(meeting, [signal.id], coordinator)
    services.record_outcome(
        meeting.items[0],
        coordinator,
        discussion="De brief is voor veel cliënten niet te volgen.",
        agreements=[
            services.AgreementInput(
                "Gemeente herschrijft de brief",
                "Gemeente Zwolle",
                local_today() + timedelta(days=30),
            )
        ],
    )
    return meeting.items[0].agreements[0]


def _edit_path(agreement_id: int) -> str:
    return f"/overleg/afspraken/{agreement_id}/wijzigen"


def _delete_path(agreement_id: int) -> str:
    return f"/overleg/afspraken/{agreement_id}/verwijderen"


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action)))


def _fields(**changes) -> dict:
    base = {
        "agreement_description": "Gemeente herschrijft de brief",
        "agreement_owner": "Gemeente Zwolle",
        "agreement_due_on": (local_today() + timedelta(days=30)).isoformat(),
    }
    return {**base, **changes}


def test_coordinator_corrects_an_agreement(app, client, coordinator, agreement):
    meeting_id, item_id = agreement.item.meeting_id, agreement.item_id
    login(client, coordinator)

    # "Wijzigen" is offered wherever the agreement is listed, each with its way back.
    edit = _edit_path(agreement.id)
    assert f'href="{edit}"' in client.get(FOLLOWUP).get_data(as_text=True)
    show = client.get(f"/overleg/{meeting_id}").get_data(as_text=True)
    assert f'href="{edit}?terug=overleg"' in show
    outcome = client.get(f"/overleg/{meeting_id}/punten/{item_id}/uitkomst")
    assert f'href="{edit}?terug=uitkomst"' in outcome.get_data(as_text=True)

    form = client.get(f"{edit}?terug=overleg").get_data(as_text=True)
    assert "Afspraak wijzigen" in form and "Gemeente herschrijft de brief" in form
    assert 'name="terug" value="overleg"' in form
    assert f'href="{_delete_path(agreement.id)}?terug=overleg"' in form

    new_due = local_today() + timedelta(days=60)
    response = post_form(
        client,
        edit,
        {
            "agreement_description": "Gemeente herschrijft de brief samen met de cliëntenraad",
            "agreement_owner": "Gemeente Zwolle, team Inkomen",
            "agreement_due_on": new_due.strftime("%d-%m-%Y"),
            "terug": "overleg",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"/overleg/{meeting_id}#punt-{item_id}")
    assert "De afspraak is gewijzigd." in client.get(response.location).get_data(as_text=True)

    changed = _reload(Agreement, agreement.id)
    assert changed.description == "Gemeente herschrijft de brief samen met de cliëntenraad"
    assert changed.owner == "Gemeente Zwolle, team Inkomen"
    assert changed.due_on == new_due

    # The audit log keeps old and new, with the meeting and who did it.
    [event] = _events("meeting.agreement_update")
    assert event.object_type == "meeting" and event.object_id == str(meeting_id)
    assert event.actor_id == coordinator.id
    assert event.organisation_id == coordinator.organisation_id
    assert event.changes == {
        "agreement": [agreement.id, agreement.id],
        "description": [
            "Gemeente herschrijft de brief",
            "Gemeente herschrijft de brief samen met de cliëntenraad",
        ],
        "owner": ["Gemeente Zwolle", "Gemeente Zwolle, team Inkomen"],
        "due_on": [(local_today() + timedelta(days=30)).isoformat(), new_due.isoformat()],
    }

    # The follow-up list, the print view and the PDF of the minutes show the correction.
    followup = client.get(FOLLOWUP).get_data(as_text=True)
    assert "samen met de cliëntenraad" in followup and "team Inkomen" in followup
    printed = client.get(f"/overleg/{meeting_id}/afdrukken/verslag").get_data(as_text=True)
    assert "Gemeente herschrijft de brief samen met de cliëntenraad" in printed
    assert "<td>Gemeente Zwolle</td>" not in printed and "team Inkomen" in printed
    pdf = _pdf_text(client.get(f"/overleg/{meeting_id}/afdrukken/verslag.pdf").data)
    assert "samen met de cliëntenraad" in pdf

    # Saving without a change writes nothing and says so; the way back defaults to follow-up.
    response = post_form(
        client,
        edit,
        _fields(
            **{
                "agreement_description": changed.description,
                "agreement_owner": changed.owner,
                "agreement_due_on": new_due.isoformat(),
            }
        ),
    )
    assert response.status_code == 302 and response.location.endswith(FOLLOWUP)
    assert "Er is niets veranderd" in client.get(response.location).get_data(as_text=True)
    assert len(_events("meeting.agreement_update")) == 1


def test_due_date_can_be_cleared_and_the_way_back_is_never_another_site(
    app, client, coordinator, agreement
):
    login(client, coordinator)
    edit = _edit_path(agreement.id)
    for back in ("//evil.example/x", "https://evil.example/", "uitkomst\r\nLocation: x"):
        response = post_form(client, edit, _fields(agreement_due_on="", terug=back))
        assert response.status_code == 302
        assert response.location.endswith(FOLLOWUP) and "evil" not in response.location
    assert _reload(Agreement, agreement.id).due_on is None

    response = post_form(client, edit, _fields(agreement_owner="UWV", terug="uitkomst"))
    item = agreement.item
    assert response.location.endswith(f"/overleg/{item.meeting_id}/punten/{item.id}/uitkomst")


def test_coordinator_deletes_an_agreement_after_confirming(
    app, client, coordinator, agreement, make_signal
):
    from signalen.digests import periods
    from signalen.digests import services as digests

    meeting_id, item_id, agreement_id = agreement.item.meeting_id, agreement.item_id, agreement.id
    # A second agreement stays, and a published digest already counted both.
    services.add_agreement(
        agreement.item, services.AgreementInput("UWV stuurt cijfers", "UWV", None), coordinator
    )
    today = local_today()
    yesterday = today - timedelta(days=1)
    published = digests.publish(
        digests.create_digest(periods.period_between(yesterday, today), coordinator), coordinator
    )
    frozen = dict(published.figures)
    assert frozen["followup"]["agreements"]["total"] == 2
    draft = digests.create_digest(periods.period_between(yesterday, today), coordinator)
    login(client, coordinator)
    assert "2 gemaakt" in client.get(f"/rapportages/{published.id}").get_data(as_text=True)

    # The link on the edit page asks first; nothing is deleted by looking.
    confirm = client.get(f"{_delete_path(agreement_id)}?terug=overleg")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Weet u zeker" in page
    assert "Gemeente herschrijft de brief" in page and 'name="terug" value="overleg"' in page
    assert _reload(Agreement, agreement_id) is not None

    response = post_form(client, _delete_path(agreement_id), {"terug": "overleg"})
    assert response.status_code == 302
    assert response.location.endswith(f"/overleg/{meeting_id}#punt-{item_id}")
    assert "De afspraak is verwijderd." in client.get(response.location).get_data(as_text=True)
    assert _reload(Agreement, agreement_id) is None
    assert [a.description for a in db.session.scalars(db.select(Agreement))] == [
        "UWV stuurt cijfers"
    ]

    [event] = _events("meeting.agreement_delete")
    assert event.object_id == str(meeting_id) and event.actor_id == coordinator.id
    assert event.changes["agreement"] == [agreement_id, None]
    assert event.changes["description"] == ["Gemeente herschrijft de brief", None]
    assert event.changes["owner"] == ["Gemeente Zwolle", None]

    followup = client.get(FOLLOWUP).get_data(as_text=True)
    assert "Gemeente herschrijft de brief" not in followup and "UWV stuurt cijfers" in followup
    for path in (f"/overleg/{meeting_id}", f"/overleg/{meeting_id}/afdrukken/verslag"):
        page = client.get(path).get_data(as_text=True)
        assert "Gemeente herschrijft de brief" not in page and "UWV stuurt cijfers" in page

    # The published digest keeps its frozen figures; a draft counts again when refreshed.
    db.session.expire_all()
    digest = db.session.get(type(published), published.id)
    assert digest.figures == frozen
    assert "2 gemaakt" in client.get(f"/rapportages/{published.id}").get_data(as_text=True)
    digests.refresh_figures(db.session.get(type(draft), draft.id), coordinator)
    refreshed = db.session.get(type(draft), draft.id).figures
    assert refreshed["followup"]["agreements"]["total"] == 1

    # Deleting again: the agreement is gone.
    assert post_form(client, _delete_path(agreement_id), {}, FOLLOWUP).status_code == 404


def test_only_the_organising_coordinators_edit_or_delete(
    app, client, coordinator, agreement, make_user
):
    edit, delete = _edit_path(agreement.id), _delete_path(agreement.id)
    for role in (Role.VOLUNTEER, Role.READER):
        user = app.test_client()
        login(user, make_user(role, organisation=coordinator.organisation))
        token = csrf_token(user, "/")
        assert user.get(edit).status_code == 403, role
        assert user.get(delete).status_code == 403, role
        response = user.post(edit, data={"csrf_token": token, **_fields(agreement_owner="Ik")})
        assert response.status_code == 403, role
        assert user.post(delete, data={"csrf_token": token}).status_code == 403, role

    # A coordinator of another organisation finds nothing, as with "klaar" and "heropenen".
    other = app.test_client()
    login(other, make_user(Role.COORDINATOR))
    token = csrf_token(other, FOLLOWUP)
    assert other.get(edit).status_code == 404
    assert other.post(edit, data={"csrf_token": token, **_fields()}).status_code == 404
    assert other.post(delete, data={"csrf_token": token}).status_code == 404
    assert (
        other.post(
            f"/overleg/afspraken/{agreement.id}/klaar", data={"csrf_token": token}
        ).status_code
        == 404
    )

    anonymous = app.test_client()
    assert anonymous.get(edit).status_code == 302  # to the login page

    # A beheerder may (as with the other agreement actions).
    admin = app.test_client()
    login(admin, make_user(Role.ADMINISTRATOR))
    assert admin.get(edit).status_code == 200

    unchanged = _reload(Agreement, agreement.id)
    assert unchanged.owner == "Gemeente Zwolle"
    assert not _events("meeting.agreement_update") and not _events("meeting.agreement_delete")

    login(client, coordinator)
    assert client.get(_edit_path(agreement.id + 999)).status_code == 404
    assert client.get(_delete_path(agreement.id + 999)).status_code == 404
    assert post_form(client, _delete_path(agreement.id + 999), {}, FOLLOWUP).status_code == 404


def test_posts_without_csrf_token_are_refused(app, client, coordinator, agreement):
    login(client, coordinator)
    response = client.post(_edit_path(agreement.id), data=_fields(agreement_owner="UWV"))
    assert response.status_code == 400 and "Formulier verlopen" in response.get_data(as_text=True)
    response = client.post(_delete_path(agreement.id), data={"csrf_token": "vals"})
    assert response.status_code == 400
    kept = _reload(Agreement, agreement.id)
    assert kept is not None and kept.owner == "Gemeente Zwolle"
    assert not _events("meeting.agreement_update") and not _events("meeting.agreement_delete")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"agreement_description": "  "}, "Beschrijf de afspraak."),
        ({"agreement_owner": ""}, "Wie voert de afspraak uit?"),
        ({"agreement_owner": "x" * 201}, "Deze tekst is te lang."),
        ({"agreement_due_on": "31-02-2026"}, "Ongeldige datum."),
        ({"agreement_due_on": "morgen"}, "Ongeldige datum."),
        ({"agreement_due_on": "01-01-1990"}, "Deze datum klopt niet."),
        ({"agreement_description": "Bel mevrouw op 0612345678"}, "persoonsgegevens"),
    ],
)
def test_bad_input_keeps_the_draft_and_changes_nothing(
    app, client, coordinator, agreement, changes, message
):
    login(client, coordinator)
    draft = {"agreement_description": "Gemeente herschrijft de brief vóór de zomer"}
    response = post_form(client, _edit_path(agreement.id), _fields(**{**draft, **changes}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and "Controleer het formulier" in page
    for value in {**draft, **changes}.values():
        if value.strip():
            assert value in page  # what was typed is still in the form
    kept = _reload(Agreement, agreement.id)
    assert (kept.description, kept.owner) == ("Gemeente herschrijft de brief", "Gemeente Zwolle")
    assert kept.due_on == local_today() + timedelta(days=30)
    assert not _events("meeting.agreement_update")
