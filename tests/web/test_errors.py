"""Error pages and bad input: Dutch messages in the layout, never a 500 or a stack trace."""

from flask import abort

from tests.conftest import csrf_token, login, post_form


def test_404_page_is_dutch_and_in_layout(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Pagina niet gevonden" in page
    assert 'lang="nl"' in page
    assert "Naar de inhoud" in page  # the site's layout


def test_403_page(app, client, login_as):
    login_as()
    response = client.get("/beheer/organisaties")
    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)


def test_405_page(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "Dat kan hier niet" in response.get_data(as_text=True)


def test_500_page_has_no_stack_trace(app_factory):
    app = app_factory(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/kapot")
    def broken():
        raise RuntimeError("geheime details uit de stack trace")

    response = app.test_client().get("/kapot")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Er ging iets mis" in page
    assert "geheime details" not in page
    assert "Traceback" not in page


def test_missing_csrf_token_gives_dutch_message_and_stores_nothing(client, make_user):
    user = make_user()
    response = client.post("/inloggen", data={"email": user.email, "password": "x"})
    assert response.status_code == 400
    assert "Formulier verlopen" in response.get_data(as_text=True)


def test_wrong_csrf_token_is_refused(client, make_user):
    user = make_user()
    csrf_token(client)
    response = client.post(
        "/inloggen", data={"email": user.email, "password": "x", "csrf_token": "vals"}
    )
    assert response.status_code == 400
    assert "Formulier verlopen" in response.get_data(as_text=True)


def test_non_utf8_body_gets_a_clear_answer(client):
    token = csrf_token(client)
    body = b"csrf_token=" + token.encode() + b"&email=\xff\xfe%ff&password=\xc3\x28"
    response = client.post("/inloggen", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (400, 422)
    page = response.get_data(as_text=True)
    assert "klopt niet" in page or "geldig" in page or "Formulier" in page


def test_oversized_body_gets_413_page(client):
    token = csrf_token(client)
    response = client.post(
        "/inloggen",
        data={"csrf_token": token, "email": "a@b.nl", "password": "x" * (3 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "Te veel gegevens" in response.get_data(as_text=True)


def test_over_long_login_fields_are_refused_with_a_message(client, make_user):
    user = make_user()
    response = login(client, user.email, "x" * 1000)
    assert response.status_code == 422
    assert "Dit wachtwoord is te lang." in response.get_data(as_text=True)
    response = post_form(
        client, "/inloggen", {"email": "a" * 300 + "@example.org", "password": "x"}
    )
    assert response.status_code == 422
    assert "Dit e-mailadres is te lang." in response.get_data(as_text=True)


def test_abort_with_unknown_code_keeps_layout(app):
    @app.get("/teapot")
    def teapot():
        abort(418)

    response = app.test_client().get("/teapot")
    assert response.status_code == 418
    assert "Naar de inhoud" in response.get_data(as_text=True)
