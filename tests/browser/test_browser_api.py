"""The API token pages and the readable API description in a real browser, with axe."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from signalen.auth.models import Role
from tests.browser_support import check_accessibility
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_token_pages_and_api_docs_in_a_real_browser(live_server, browser, make_user):
    app, base = live_server
    with app.app_context():
        email = make_user(Role.COORDINATOR).email

    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    console_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )

    page.goto(base + "/api/v1/docs")
    assert "Signalen API" in page.locator("h1").inner_text()
    assert page.locator("code:has-text('/api/v1/signals')").count() >= 1
    check_accessibility(page, "api-docs")

    page.goto(base + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")

    page.goto(base + "/beheer/api-tokens/")
    check_accessibility(page, "api-sleutels")
    page.fill("#name", "Meldformulier website")
    page.check("input[name=scope][value=write]")
    page.click("button:has-text('Sleutel maken')")
    token = page.locator("#api-token").input_value()
    assert token.startswith("sig_")
    check_accessibility(page, "api-sleutel-gemaakt")

    page.click("text=Terug naar de API-sleutels")
    assert page.locator("table tbody tr").count() == 1
    assert token not in page.content()
    page.click("button:has-text('Intrekken')")
    page.click("button[type=submit]:has-text('Ja, intrekken')")
    assert "ingetrokken" in page.locator("table tbody tr").inner_text().lower()
    check_accessibility(page, "api-sleutels-ingetrokken")

    # A widget key: the script-free meldformulier, with the privacy guard.
    page.goto(base + "/beheer/api-tokens/")
    page.check("input[name=scope][value=widget]")
    page.click("button:has-text('Sleutel maken')")
    widget_url = page.locator("#widget-link").input_value()
    check_accessibility(page, "widget-sleutel-gemaakt")
    page.goto(widget_url)
    check_accessibility(page, "widget")
    page.fill("#title", "Toeslag stopt")
    page.fill("#description", "Bel haar op 06-12345678 over de toeslag die stopte.")
    page.click("button:has-text('Versturen')")
    assert "telefoonnummer" in page.locator("#persoonsgegevens").inner_text()
    check_accessibility(page, "widget-persoonsgegevens")
    page.check("#accept_redaction")
    page.click("button:has-text('Versturen')")
    assert "Dank u wel" in page.locator("h1").inner_text()
    assert "/ontvangen/" in page.url  # its own address: reloading sends nothing again
    check_accessibility(page, "widget-bedankt")

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(widget_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.goto(base + "/api/v1/docs")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    expected = "status of 422"  # the form with personal data is answered with 422 on purpose
    unexpected = [text for text in console_errors if expected not in text]
    assert not unexpected, unexpected
    context.close()


@pytest.fixture
def partner_site():
    """Another site on loopback (another port, so another origin) serving given pages."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()
    thread.join(timeout=5)


def test_widget_in_a_partner_iframe_and_a_partner_form(
    live_server, partner_site, browser, make_organisation
):
    """A partner site frames the meldformulier and posts from it (our cookies are not sent
    in a third-party frame, so this works only with the form's own token); a partner's own
    HTML form is recognised by the Origin header Chromium sends; an unknown site can do
    neither."""
    from signalen.api import services as api
    from signalen.api.models import Scope
    from signalen.extensions import db
    from signalen.signals.models import Signal

    app, base = live_server
    partner, pages = partner_site
    with app.app_context():
        organisation = make_organisation("Formulierenbrigade Zwolle")
        _row, key = api.create_token(organisation, Scope.WIDGET, "Website")
    widget_url = f"{base}/widget/melden/{key}"
    pages["/iframe"] = (
        '<!doctype html><html lang="nl"><title>Partner</title>'
        f'<iframe src="{widget_url}" title="Knelpunt melden" width="600" height="900"></iframe>'
    )
    pages["/formulier"] = (
        '<!doctype html><html lang="nl"><title>Partner</title>'
        f'<form method="post" action="{widget_url}">'
        '<input name="title" value="Toeslag stopt"><textarea name="description">'
        "De zorgtoeslag stopte zonder bericht.</textarea><button>Versturen</button></form>"
    )
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()

    def titles() -> list[str]:
        with app.app_context():
            return list(db.session.scalars(db.select(Signal.title).order_by(Signal.id)))

    # Not configured: the browser refuses to show the page in the partner's frame.
    page.goto(partner + "/iframe")
    page.wait_for_load_state("load")
    assert page.frames[1].locator("form").count() == 0

    app.config["API_WIDGET_ORIGINS"] = [partner]
    page.goto(partner + "/iframe")
    frame = page.frame_locator("iframe")
    frame.locator("#title").fill("Huurtoeslag te laat")
    frame.locator("#description").fill("De huurtoeslag kwam een maand te laat.")
    frame.locator("button:has-text('Versturen')").click()
    frame.locator("h1:has-text('Dank u wel')").wait_for()
    assert titles() == ["Huurtoeslag te laat"]

    page.goto(partner + "/formulier")
    page.click("button")
    page.wait_for_url(f"{base}/widget/melden/{key}/ontvangen/**")
    assert "Dank u wel" in page.locator("h1").inner_text()
    assert titles() == ["Huurtoeslag te laat", "Toeslag stopt"]

    app.config["API_WIDGET_ORIGINS"] = []
    page.goto(partner + "/formulier")
    page.click("button")
    page.wait_for_url(widget_url)
    assert "kwam niet van deze pagina" in page.locator("#opnieuw").inner_text()
    assert page.locator("#description").input_value() == "De zorgtoeslag stopte zonder bericht."
    assert titles() == ["Huurtoeslag te laat", "Toeslag stopt"]
    context.close()
