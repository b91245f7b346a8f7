"""Beheer pages: organisations and users, and who may manage whom."""

import re

from sqlalchemy import func, select

from signalen.audit.models import AuditEvent
from signalen.auth.models import Role, User
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation
from tests.conftest import csrf_token, login, post_form

LINK = re.compile(r'value="(http://localhost/wachtwoord-instellen/[^"]+)"')


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_beheerder_creates_renames_and_deactivates_an_organisation(client, login_as):
    login_as(Role.ADMINISTRATOR)
    response = post_form(client, "/beheer/organisaties/nieuw", {"name": "  Cliëntenraad   Zwolle "})
    assert response.status_code == 302
    organisation = db.session.scalar(select(MemberOrganisation))
    assert organisation.name == "Cliëntenraad Zwolle"

    listing = client.get("/beheer/organisaties").get_data(as_text=True)
    assert "Cliëntenraad Zwolle" in listing

    response = post_form(
        client, f"/beheer/organisaties/{organisation.id}", {"name": "Adviesraad Zwolle"}
    )
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert organisation.name == "Adviesraad Zwolle"
    assert organisation.active is False  # unchecked box means deactivated

    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "organisation").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["organisation.create", "organisation.update"]
    assert events[1].changes == {
        "name": ["Cliëntenraad Zwolle", "Adviesraad Zwolle"],
        "active": [True, False],
    }


def test_duplicate_or_empty_organisation_names_are_refused(client, login_as, make_organisation):
    make_organisation("Helpdesk Utrecht")
    login_as(Role.ADMINISTRATOR)
    before = count(MemberOrganisation)
    response = post_form(client, "/beheer/organisaties/nieuw", {"name": "helpdesk utrecht"})
    assert response.status_code == 422
    assert "Er is al een organisatie met deze naam." in response.get_data(as_text=True)
    response = post_form(client, "/beheer/organisaties/nieuw", {"name": "   "})
    assert response.status_code == 422
    assert "Vul de naam van de organisatie in." in response.get_data(as_text=True)
    response = post_form(client, "/beheer/organisaties/nieuw", {"name": "x" * 151})
    assert "hoogstens 150 tekens" in response.get_data(as_text=True)
    assert count(MemberOrganisation) == before


def test_beheerder_cannot_deactivate_own_organisation(client, login_as, make_organisation):
    organisation = make_organisation()
    login_as(Role.ADMINISTRATOR, organisation=organisation)
    response = post_form(
        client, f"/beheer/organisaties/{organisation.id}", {"name": organisation.name}
    )
    assert response.status_code == 422
    assert "U kunt uw eigen organisatie niet uitschakelen." in response.get_data(as_text=True)
    db.session.refresh(organisation)
    assert organisation.active is True


def test_only_beheerders_manage_organisations(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.get("/beheer/organisaties").status_code == 403
    assert (
        post_form(client, "/beheer/organisaties/nieuw", {"name": "X"}, token_from="/").status_code
        == 403
    )
    assert client.get("/beheer/logboek").status_code == 403


def test_volunteers_and_readers_have_no_beheer(client, make_user):
    for role in (Role.VOLUNTEER, Role.READER):
        user = make_user(role)
        login(client, user)
        assert client.get("/beheer/").status_code == 403
        assert client.get("/beheer/gebruikers").status_code == 403
        assert "Beheer</a>" not in client.get("/").get_data(as_text=True)
        client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})


def test_coordinator_invites_a_volunteer_who_sets_a_password(client, login_as):
    coordinator = login_as(Role.COORDINATOR)
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "Ali Bakker",
            "email": "Ali@Example.org",
            "role": "vrijwilliger",
            "organisation": str(coordinator.organisation_id),
        },
    )
    assert response.status_code == 200
    link = LINK.search(response.get_data(as_text=True)).group(1)
    user = db.session.scalar(select(User).where(User.email == "ali@example.org"))
    assert user.role is Role.VOLUNTEER
    assert user.organisation_id == coordinator.organisation_id
    assert user.password_hash is None

    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    path = link.removeprefix("http://localhost")
    response = post_form(client, path, {"password": "mijn-eigen-ww", "confirm": "mijn-eigen-ww"})
    assert response.status_code == 302
    assert login(client, "ali@example.org", "mijn-eigen-ww").status_code == 302


def test_coordinator_sees_and_manages_only_own_organisation(client, make_user, make_organisation):
    own, other = make_organisation(), make_organisation()
    coordinator = make_user(Role.COORDINATOR, organisation=own)
    colleague = make_user(Role.VOLUNTEER, organisation=own)
    stranger = make_user(Role.VOLUNTEER, organisation=other)
    beheerder = make_user(Role.ADMINISTRATOR, organisation=own)
    login(client, coordinator)

    listing = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert colleague.email in listing
    assert stranger.email not in listing
    assert beheerder.email not in listing

    assert client.get(f"/beheer/gebruikers/{colleague.id}").status_code == 200
    assert client.get(f"/beheer/gebruikers/{stranger.id}").status_code == 404
    assert client.get(f"/beheer/gebruikers/{beheerder.id}").status_code == 404
    response = post_form(
        client,
        f"/beheer/gebruikers/{stranger.id}",
        {"name": "Overgenomen", "role": "coordinator", "organisation": str(own.id), "active": "y"},
        token_from="/",
    )
    assert response.status_code == 404
    db.session.refresh(stranger)
    assert stranger.name != "Overgenomen"
    assert (
        post_form(
            client, f"/beheer/gebruikers/{stranger.id}/wachtwoord", {}, token_from="/"
        ).status_code
        == 404
    )


def test_coordinator_cannot_create_beheerders_or_users_elsewhere(
    client, login_as, make_organisation
):
    coordinator = login_as(Role.COORDINATOR)
    other = make_organisation()
    before = count(User)
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "X",
            "email": "x@example.org",
            "role": "beheerder",
            "organisation": str(coordinator.organisation_id),
        },
    )
    assert response.status_code == 422
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "X",
            "email": "x@example.org",
            "role": "vrijwilliger",
            "organisation": str(other.id),
        },
    )
    assert response.status_code == 422
    assert "Organisatie: Ongeldige keuze." in response.get_data(as_text=True)
    assert count(User) == before


def test_user_form_errors_keep_the_input(client, login_as):
    coordinator = login_as(Role.COORDINATOR)
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "Ria de Vries",
            "email": "geen-adres",
            "role": "lezer",
            "organisation": str(coordinator.organisation_id),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vul een geldig e-mailadres in." in page
    assert 'value="Ria de Vries"' in page
    assert 'aria-invalid="true"' in page


def test_duplicate_email_is_refused(client, login_as, make_user):
    coordinator = login_as(Role.COORDINATOR)
    existing = make_user()
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "name": "Dubbel",
            "email": existing.email.upper(),
            "role": "lezer",
            "organisation": str(coordinator.organisation_id),
        },
    )
    assert response.status_code == 422
    assert "Er is al een gebruiker met dit e-mailadres." in response.get_data(as_text=True)


def test_beheerder_changes_role_and_deactivates_user(
    client, login_as, make_user, make_organisation
):
    login_as(Role.ADMINISTRATOR)
    user = make_user(Role.VOLUNTEER)
    target = make_organisation("Servicelijn Wajong")
    response = post_form(
        client,
        f"/beheer/gebruikers/{user.id}",
        {"name": user.name, "role": "coordinator", "organisation": str(target.id)},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role is Role.COORDINATOR
    assert user.organisation_id == target.id
    assert user.active is False
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert event.changes["role"] == ["vrijwilliger", "coordinator"]
    assert event.changes["organisation"][1] == "Servicelijn Wajong"
    assert event.changes["active"] == [True, False]


def test_nobody_locks_themselves_out(client, login_as):
    me = login_as(Role.ADMINISTRATOR)
    response = post_form(
        client,
        f"/beheer/gebruikers/{me.id}",
        {"name": me.name, "role": "beheerder", "organisation": ""},
    )
    assert response.status_code == 422
    db.session.refresh(me)
    assert me.active is True


def test_reset_password_makes_old_password_unusable(client, login_as, make_user):
    coordinator = login_as(Role.COORDINATOR)
    user = make_user(Role.VOLUNTEER, organisation=coordinator.organisation)
    response = post_form(
        client,
        f"/beheer/gebruikers/{user.id}/wachtwoord",
        {},
        token_from=f"/beheer/gebruikers/{user.id}",
    )
    assert response.status_code == 200
    assert LINK.search(response.get_data(as_text=True))
    db.session.refresh(user)
    assert user.password_hash is None
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    response = login(client, user)
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.get_data(as_text=True)


def test_audit_log_is_visible_to_beheerders_with_filters(client, login_as, make_organisation):
    make_organisation("Logboek & <Co>")
    login_as(Role.ADMINISTRATOR)
    page = client.get("/beheer/logboek").get_data(as_text=True)
    assert "Organisatie aangemaakt" in page
    assert "Logboek &amp; &lt;Co&gt;" in page
    assert "<Co>" not in page
    filtered = client.get("/beheer/logboek?actie=user.create").get_data(as_text=True)
    assert "Organisatie aangemaakt</td>" not in filtered
    assert "Gebruiker aangemaakt" in filtered


def test_user_list_paginates(client, login_as, make_user):
    coordinator = login_as(Role.COORDINATOR)
    for _ in range(55):
        make_user(Role.READER, organisation=coordinator.organisation, password=None)
    first = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert "56 gebruikers" in first
    assert "Pagina 1 van 2" in first
    second = client.get("/beheer/gebruikers?pagina=2").get_data(as_text=True)
    assert "Pagina 2 van 2" in second
    assert client.get("/beheer/gebruikers?pagina=abc").status_code == 200


# record("x.y", ...) and wrappers such as _record_agreement("x.y", ...)
RECORDED_ACTION = re.compile(r"\b_?record(?:_\w+)?\(\s*\"([a-z_]+\.[a-z_]+)\"(?!\s*\+)")
# "prefix." + ("one" if ... else "other"), written on several lines
ACTION_PREFIX = re.compile(
    r"\brecord\( ?\"([a-z_]+\.[a-z_]+)\" \+ \(\"([a-z_]+)\" if [^)]+ else \"([a-z_]+)\"\)"
)


def test_every_recorded_action_has_a_dutch_name_in_the_log(app):
    from pathlib import Path

    import signalen
    from signalen.audit.services import ACTION_LABELS

    recorded = set()
    for source in Path(signalen.__file__).parent.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        recorded.update(RECORDED_ACTION.findall(text))
        for prefix, *endings in ACTION_PREFIX.findall(" ".join(text.split())):
            recorded.update(prefix + ending for ending in endings)
    assert {"meeting.agreement_delete", "directory.change_request_rejected"} <= recorded
    assert {"meeting.agreement_done", "meeting.agreement_reopen"} <= recorded
    assert sorted(recorded - ACTION_LABELS.keys()) == []
