"""Logging in and out, password hashing, password links and rate limiting."""

from sqlalchemy import func, select

from signalen.audit.models import AuditEvent
from signalen.auth import services as accounts
from signalen.auth.models import Role, User
from signalen.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form


def test_login_and_logout(client, make_user):
    user = make_user(Role.COORDINATOR)
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert f"Welkom, {user.name}" in home
    assert user.organisation.name in home
    assert db.session.get(User, user.id).last_login_at is not None

    response = post_form(client, "/uitloggen", {}, token_from="/")
    assert response.status_code == 302
    assert "Welkom" not in client.get("/").get_data(as_text=True)


def test_login_is_case_insensitive_for_the_email(client, make_user):
    user = make_user(email="Henk@Example.org")
    assert login(client, "  HENK@example.ORG ").status_code == 302
    assert user.email == "henk@example.org"


def test_wrong_password_and_unknown_email_get_the_same_message(client, make_user):
    user = make_user()
    wrong = login(client, user, "niet-het-wachtwoord")
    unknown = login(client, "niemand@example.org", PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "Het e-mailadres of het wachtwoord klopt niet." in response.get_data(as_text=True)
    failures = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    )
    assert failures == 2


def test_disabled_account_gets_a_clear_message(client, make_user):
    user = make_user(active=False)
    response = login(client, user)
    assert response.status_code == 422
    assert "Uw account is uitgeschakeld." in response.get_data(as_text=True)
    assert "Welkom" not in client.get("/").get_data(as_text=True)


def test_users_of_a_disabled_organisation_cannot_log_in(client, make_user, make_organisation):
    organisation = make_organisation()
    user = make_user(organisation=organisation)
    organisation.active = False
    db.session.commit()
    response = login(client, user)
    assert "Uw account is uitgeschakeld." in response.get_data(as_text=True)


def test_deactivated_user_is_logged_out_on_next_request(client, make_user):
    user = make_user()
    login(client, user)
    assert "Welkom" in client.get("/").get_data(as_text=True)
    user.active = False
    db.session.commit()
    assert "Welkom" not in client.get("/").get_data(as_text=True)


def test_passwords_are_stored_as_argon2id(app, make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_hash_is_upgraded_when_the_cost_settings_change(app_factory, make_user, client):
    user = make_user()
    old_hash = user.password_hash
    assert "m=1024" in old_hash
    stronger = app_factory(ARGON2_MEMORY_COST=2048)
    stronger_client = stronger.test_client()
    with stronger.app_context():
        assert login(stronger_client, user.email).status_code == 302
        upgraded = db.session.get(User, user.id).password_hash
    assert "m=2048" in upgraded


def test_next_parameter_only_redirects_inside_the_site(client, make_user):
    user = make_user()
    page = client.get("/inloggen?next=/beheer/").get_data(as_text=True)
    assert 'value="/beheer/"' in page
    response = post_form(
        client,
        "/inloggen",
        {"email": user.email, "password": PASSWORD, "next": "https://kwaadaardig.example/"},
    )
    assert response.headers["Location"] == "/"


def test_protected_page_sends_to_login_with_next(client):
    response = client.get("/beheer/gebruikers")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen?next=")


def test_login_is_rate_limited(client, make_user):
    user = make_user()
    statuses = [login(client, user, "fout-wachtwoord").status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    response = login(client, user)
    assert response.status_code == 429
    assert "Te veel pogingen" in response.get_data(as_text=True)


def test_rate_limit_uses_configured_redis_storage(app_factory, make_user):
    import uuid

    # Keys of its own: CI runs the SQLite and PostgreSQL suites at once on the same Redis.
    app = app_factory(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="2 per minute",
    )
    client = app.test_client()
    with app.app_context():
        user = make_user()
        assert [login(client, user, "fout").status_code for _ in range(3)] == [422, 422, 429]
        assert client.get("/healthz").json["rate_limit_storage"] == "ok"


def test_invitation_link_sets_password_once(client, make_user):
    user = make_user(password=None)
    response = login(client, user, "wat-dan-ook-12")
    # Same answer as a wrong password: the login form does not tell who was invited.
    assert "Het e-mailadres of het wachtwoord klopt niet." in response.get_data(as_text=True)

    token = accounts.make_password_token(user)
    path = f"/wachtwoord-instellen/{token}"
    assert user.email in client.get(path).get_data(as_text=True)

    response = post_form(client, path, {"password": "kort", "confirm": "kort"})
    assert response.status_code == 422
    assert "minstens 10 tekens" in response.get_data(as_text=True)

    response = post_form(client, path, {"password": "lang-genoeg-1", "confirm": "anders-12345"})
    assert "De twee wachtwoorden zijn niet gelijk." in response.get_data(as_text=True)

    response = post_form(client, path, {"password": "lang-genoeg-1", "confirm": "lang-genoeg-1"})
    assert response.status_code == 302
    assert login(client, user, "lang-genoeg-1").status_code == 302

    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    reused = client.get(path)
    assert reused.status_code == 404
    assert "Deze link werkt niet" in reused.get_data(as_text=True)


def test_tampered_password_link_is_refused(client, make_user):
    user = make_user(password=None)
    token = accounts.make_password_token(user)
    assert client.get(f"/wachtwoord-instellen/{token[:-2]}xx").status_code == 404
    assert client.get("/wachtwoord-instellen/onzin").status_code == 404


def test_change_own_password(client, make_user):
    user = make_user()
    login(client, user)
    response = post_form(
        client,
        "/account/wachtwoord",
        {
            "current": "fout-wachtwoord",
            "password": "nieuw-wachtwoord",
            "confirm": "nieuw-wachtwoord",
        },
    )
    assert response.status_code == 422
    assert "Uw huidige wachtwoord klopt niet." in response.get_data(as_text=True)
    response = post_form(
        client,
        "/account/wachtwoord",
        {"current": PASSWORD, "password": "nieuw-wachtwoord", "confirm": "nieuw-wachtwoord"},
    )
    assert response.status_code == 302
    client.post("/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    assert login(client, user, PASSWORD).status_code == 422
    assert login(client, user, "nieuw-wachtwoord").status_code == 302


def test_language_can_be_switched_to_english(client):
    assert "Inloggen" in client.get("/inloggen").get_data(as_text=True)
    response = client.get("/taal/en?next=/inloggen")
    assert response.headers["Location"] == "/inloggen"
    page = client.get("/inloggen").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Log in" in page
    assert "Inloggen" not in page
    client.get("/taal/nl")
    assert 'lang="nl"' in client.get("/inloggen").get_data(as_text=True)


def test_language_switch_refuses_open_redirects_and_unknown_languages(client):
    response = client.get("/taal/xx?next=//kwaadaardig.example/")
    assert response.headers["Location"] == "/"
    assert "signalen_taal" not in response.headers.get("Set-Cookie", "")


def test_rate_limit_counts_per_client_behind_a_trusted_proxy(app_factory, make_user):
    app = app_factory(PROXY_COUNT=1, LOGIN_RATE_LIMIT="2 per minute")
    client = app.test_client()
    with app.app_context():
        user = make_user()

        def attempt(ip: str) -> int:
            token = csrf_token(client)
            return client.post(
                "/inloggen",
                data={"csrf_token": token, "email": user.email, "password": "fout"},
                headers={"X-Forwarded-For": ip},
            ).status_code

        assert [attempt("203.0.113.5") for _ in range(3)] == [422, 422, 429]
        assert attempt("198.51.100.7") == 422
