"""Sessions that end, links that work once, and passwords that are hard to guess.

A saved session cookie or remember-me cookie is replayed in a fresh client after logging
out, changing the password, deactivation and a reset: it must not log anyone in.
"""

from __future__ import annotations

import pytest

from signalen.auth import services as accounts
from signalen.auth.models import Role
from signalen.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form

SESSION_COOKIE = "signalen_session"
REMEMBER_COOKIE = "remember_token"
PRIVATE_PAGE = "/account/wachtwoord"
GUESSABLE = "te makkelijk te raden"
NEW_PASSWORD = "fiets paraplu zeven"


def _login_remembered(client, user) -> dict[str, str]:
    """Log in with "remember me" and return the cookies a thief could copy."""
    response = post_form(
        client, "/inloggen", {"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    cookies = {}
    for name in (SESSION_COOKIE, REMEMBER_COOKIE):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        cookies[name] = cookie.value
    return cookies


def _replay(app, cookies: dict[str, str]) -> bool:
    """Whether a fresh browser with only these saved cookies is logged in."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client.get(PRIVATE_PAGE).status_code == 200


def _logout(client) -> None:
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})


def _change_password(client, user) -> None:
    response = post_form(
        client,
        "/account/wachtwoord",
        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    # The session that changed the password goes on; every other one ends.
    assert client.get(PRIVATE_PAGE).status_code == 200


def _deactivate(app, user) -> None:
    coordinator = accounts.create_user(
        None, "coordinator-x@example.org", "Coördinator X", Role.COORDINATOR, user.organisation
    )
    accounts.update_user(
        coordinator,
        user,
        name=user.name,
        role=user.role,
        organisation=user.organisation,
        active=False,
    )
    accounts.update_user(
        coordinator,
        user,
        name=user.name,
        role=user.role,
        organisation=user.organisation,
        active=True,
    )


def _reset(app, user) -> None:
    accounts.reset_password(None, user)


@pytest.mark.parametrize("end", ["logout", "change_password", "deactivate", "reset"], ids=str)
def test_saved_cookies_stop_working(app, client, make_user, end):
    user = make_user(Role.VOLUNTEER)
    cookies = _login_remembered(client, user)
    assert _replay(app, cookies)
    assert _replay(app, {REMEMBER_COOKIE: cookies[REMEMBER_COOKIE]})
    if end == "logout":
        _logout(client)
    elif end == "change_password":
        _change_password(client, user)
    elif end == "deactivate":
        # Switched off and on again: the old sessions stay ended.
        _deactivate(app, user)
    else:
        _reset(app, user)
    assert not _replay(app, cookies)
    assert not _replay(app, {SESSION_COOKIE: cookies[SESSION_COOKIE]})
    assert not _replay(app, {REMEMBER_COOKIE: cookies[REMEMBER_COOKIE]})


def test_logout_ends_sessions_on_other_devices(app, client, make_user):
    user = make_user(Role.VOLUNTEER)
    phone = app.test_client()
    login(phone, user)
    login(client, user)
    assert phone.get(PRIVATE_PAGE).status_code == 200
    _logout(client)
    assert phone.get(PRIVATE_PAGE).status_code == 302


def test_switching_an_organisation_off_ends_its_sessions(app, client, make_user):
    from signalen.organisations import services as organisations

    user = make_user(Role.VOLUNTEER)
    cookies = _login_remembered(client, user)
    organisation = user.organisation
    organisations.update_organisation(organisation, name=organisation.name, active=False)
    organisations.update_organisation(organisation, name=organisation.name, active=True)
    assert not _replay(app, cookies)


def test_login_ids_that_are_not_ours_are_refused(app, make_user):
    user = make_user()
    assert accounts.user_for_login_id(user.get_id()) == user
    for wrong in (
        "",
        str(user.id),
        f"{user.id}:",
        f"{user.id}:x",
        "x:y",
        "²:a",
        f"{user.id}:\ud800",
    ):
        assert accounts.user_for_login_id(wrong) is None


# Links --------------------------------------------------------------------------------------


def _set_password_through(client, token: str, password: str = NEW_PASSWORD):
    return post_form(
        client,
        f"/wachtwoord-instellen/{token}",
        {"password": password, "confirm": password},
        token_from="/inloggen",
    )


def test_invitation_link_is_not_revived_by_a_reset(client, make_user):
    user = make_user(password=None)
    invitation = accounts.make_password_token(user)
    assert _set_password_through(client, invitation).status_code == 302
    assert client.get(f"/wachtwoord-instellen/{invitation}").status_code == 404

    # A reset empties the password again; the old, used invitation stays dead.
    reset = accounts.reset_password(None, user)
    assert client.get(f"/wachtwoord-instellen/{invitation}").status_code == 404
    assert _set_password_through(client, invitation).status_code == 404
    assert client.get(f"/wachtwoord-instellen/{reset}").status_code == 200


def test_a_new_reset_replaces_the_previous_link(client, make_user):
    user = make_user()
    first = accounts.reset_password(None, user)
    second = accounts.reset_password(None, user)
    assert client.get(f"/wachtwoord-instellen/{first}").status_code == 404
    assert _set_password_through(client, second).status_code == 302
    assert client.get(f"/wachtwoord-instellen/{second}").status_code == 404
    assert login(client, user, NEW_PASSWORD).status_code == 302


def test_a_link_dies_with_deactivation(client, make_user):
    user = make_user(password=None)
    token = accounts.make_password_token(user)
    user.active = False
    user.end_sessions()
    db.session.commit()
    user.active = True
    db.session.commit()
    assert client.get(f"/wachtwoord-instellen/{token}").status_code == 404


# Passwords and log-in messages ------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaa",
        "1234567890",
        "qwertyuiop",
        "wachtwoord123",
        "Wachtwoord2024!",
        "welkom12345",
        "password123",
        "signalen2026",
        "jansen1234567",
    ],
)
def test_guessable_passwords_are_refused_in_dutch(client, make_user, password):
    user = make_user(password=None, email="p.jansen@example.org")
    token = accounts.make_password_token(user)
    response = _set_password_through(client, token, password)
    assert response.status_code == 422
    assert GUESSABLE in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash is None


@pytest.mark.parametrize(
    "password", [NEW_PASSWORD, "Koffie-Tafel-Rivier-88", "mijn kat eet graag spruitjes"]
)
def test_long_uncommon_passwords_are_accepted(app, make_user, password):
    user = make_user(password=None)
    accounts.set_password(user, password)
    db.session.commit()
    assert user.password_hash


def test_no_composition_rules(app):
    # Only lowercase letters and spaces, yet long and uncommon: fine (NIST SP 800-63B).
    accounts.check_password_rules("zeven blauwe olifanten dansen")
    with pytest.raises(accounts.ServiceError):
        accounts.check_password_rules("Aa1!Aa1!Aa1!")


def test_invited_account_answers_like_a_wrong_password(client, make_user):
    invited = make_user(password=None)
    existing = make_user()
    invited_response = login(client, invited, "wat-dan-ook-12")
    wrong_response = login(client, existing, "wat-dan-ook-12")
    unknown_response = login(client, "niemand@example.org", "wat-dan-ook-12")
    assert invited_response.status_code == wrong_response.status_code == 422
    assert unknown_response.status_code == 422

    def message(response) -> str:
        text = response.get_data(as_text=True)
        start = text.index('class="error"')
        return text[start : text.index("</p>", start)]

    assert message(invited_response) == message(wrong_response) == message(unknown_response)
