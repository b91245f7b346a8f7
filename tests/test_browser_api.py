"""The API token pages and the readable API description in a real browser, with axe."""

from __future__ import annotations

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
