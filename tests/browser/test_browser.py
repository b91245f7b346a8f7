"""Smoke test in a real browser: Debian's Chromium drives the site served by waitress."""

from __future__ import annotations

import pytest

from signalen.auth.models import Role
from tests.browser_support import check_accessibility

pytestmark = pytest.mark.browser


def test_log_in_and_manage_users_in_a_real_browser(live_server, browser, make_user):
    app, base = live_server
    with app.app_context():
        coordinator = make_user(Role.COORDINATOR)
        make_user(Role.VOLUNTEER, organisation=coordinator.organisation)
        email = coordinator.email

    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    console_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )
    expected = "status of 422"  # a form with mistakes is answered with 422 on purpose

    page.goto(base + "/")
    assert page.locator("h1").inner_text().startswith("Signalen")
    check_accessibility(page, "start")

    # Keyboard only: the first Tab reaches the skip link, then log in with Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.goto(base + "/inloggen")
    check_accessibility(page, "inloggen")
    page.locator("#email").focus()
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type("fout wachtwoord")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "klopt niet" in page.locator(".error-summary").inner_text()
    check_accessibility(page, "inloggen-fout")

    page.fill("#password", "een-goed-wachtwoord")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    assert "Welkom" in page.locator("h1").inner_text()
    check_accessibility(page, "home-coordinator")

    page.click("text=Beheer")
    page.click("h2 >> text=Gebruikers")
    assert page.locator("table tbody tr").count() == 2
    check_accessibility(page, "gebruikers")

    page.click("text=Gebruiker uitnodigen")
    page.click("button[type=submit]:has-text('Opslaan')")
    assert page.locator(".error-summary").is_visible()
    check_accessibility(page, "gebruiker-uitnodigen-fout")

    # From 320 px wide the page needs no sideways scrolling.
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base + "/beheer/gebruikers/nieuw")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    check_accessibility(page, "smal-scherm")

    page.click("text=Uitloggen")
    assert page.locator("h1").inner_text().startswith("Inloggen")
    unexpected = [text for text in console_errors if expected not in text]
    assert not unexpected, unexpected  # includes CSP violations and missing assets
    context.close()


def test_beheerder_pages_in_a_real_browser(live_server, browser, make_user, make_organisation):
    app, base = live_server
    with app.app_context():
        make_organisation("Cliëntenraad Werk & Inkomen")
        beheerder = make_user(Role.ADMINISTRATOR)
        email = beheerder.email

    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(base + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", "een-goed-wachtwoord")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    for path, name in [
        ("/beheer/organisaties", "organisaties"),
        ("/beheer/organisaties/nieuw", "organisatie-nieuw"),
        ("/beheer/logboek", "logboek"),
        ("/bestaat-niet", "niet-gevonden"),
    ]:
        page.goto(base + path)
        check_accessibility(page, name)
    page.goto(base + "/beheer/organisaties")
    assert page.locator("tbody td").first.inner_text() == "Cliëntenraad Werk & Inkomen"
    context.close()


def test_intake_search_and_signal_pages_in_a_real_browser(
    live_server, browser, make_user, make_signal
):
    """Register with a phone number (refused, then redacted), find it, export, ook gemeld."""
    app, base = live_server
    with app.app_context():
        known = make_signal(
            title="Zorgtoeslag stopgezet zonder brief",
            description="De zorgtoeslag is stopgezet zonder brief of uitleg.",
            themes=("Betaling",),
            agency="Belastingdienst/Toeslagen",
        )
        volunteer = make_user(Role.VOLUNTEER)
        email, known_id = volunteer.email, known.id

    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(base + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", "een-goed-wachtwoord")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    page.click("nav >> text=Knelpunt melden")
    check_accessibility(page, "melden")
    page.fill("#title", "Zorgtoeslag stopgezet")
    page.fill("#description", "Zorgtoeslag stopgezet zonder brief. Bel cliënt op 06-12345678.")
    # While typing, the known knelpunt appears (script from static/, allowed by the CSP).
    page.wait_for_selector(f"#similar-live a[href='/signalen/{known_id}']")
    page.click("form.intake button.button:has-text('Opslaan')")
    assert page.locator(".privacy-warning").is_visible()
    assert "[TELEFOON]" in page.locator(".redacted-text").inner_text()
    check_accessibility(page, "melden-persoonsgegevens")

    # The form shown again checks the text at once; seen, so Opslaan stores in one step.
    page.wait_for_selector(f"#similar-live a[href='/signalen/{known_id}']")
    page.wait_for_function("document.querySelector('#similar_checked').value === '1'")
    check_accessibility(page, "melden-bekend")
    page.check("#accept_redaction")
    page.click("form.intake button.button:has-text('Opslaan')")
    page.wait_for_url(base + "/signalen/*")
    assert "Het knelpunt is opgeslagen" in page.locator(".messages").inner_text()
    assert "06-12345678" not in page.content()
    check_accessibility(page, "knelpunt")

    # On a phone the suggestions sit right below the description, above Opslaan.
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/signalen/nieuw")
    page.fill("#title", "Zorgtoeslag stopgezet")
    page.fill("#description", "De zorgtoeslag is gestopt, er kwam geen brief.")
    page.wait_for_selector(f"#similar-live a[href='/signalen/{known_id}']")
    description = page.locator("#description").bounding_box()
    similar = page.locator("#similar-live .similar").bounding_box()
    save = page.locator("form.intake > button.button[type=submit]").bounding_box()
    assert 0 <= similar["y"] - (description["y"] + description["height"]) < 150
    assert similar["y"] < save["y"]
    assert page.locator("#themes input[type=checkbox]").count() > 5  # no Ctrl-click select
    check_accessibility(page, "melden-telefoon")
    # "Ook gemeld" from the intake keeps the volunteer's text on the known signal.
    page.click(f"#similar-live button[name=report_on][value='{known_id}']")
    page.wait_for_url(f"**/signalen/{known_id}#melding-*")
    assert "2 keer gemeld" in page.locator(".status-line").inner_text()
    assert "er kwam geen brief" in page.locator(".report-note").inner_text()
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(base + f"/signalen/{known_id}")
    page.select_option("#channel", "spreekuur")
    page.fill("#note", "Ook bij ons op het spreekuur.")
    page.click("button[type=submit]:has-text('Ook gemeld')")
    assert "3 keer gemeld" in page.locator(".status-line").inner_text()

    page.goto(base + "/signalen/mijn")
    assert page.locator(".my-signals > li").count() == 2  # registered one, ook gemeld one
    check_accessibility(page, "mijn-meldingen")

    page.goto(base + "/zoeken?q=zorgtoeslag")
    assert page.locator(".result").count() == 2
    assert page.locator(".result mark").count() >= 1
    check_accessibility(page, "zoeken")
    page.locator(".facet a").first.click()
    check_accessibility(page, "zoeken-filter")

    page.goto(base + "/overzicht")
    assert page.locator("svg.bar-chart").count() == 3
    check_accessibility(page, "overzicht")
    # A period filter, and a bar leads to the same knelpunten in the informatiebank.
    page.fill("#van", "2020-01-01")
    page.click("button[type=submit]:has-text('Toon')")
    assert "van=2020-01-01" in page.url
    check_accessibility(page, "overzicht-filter")
    page.locator("svg.bar-chart a.bar-link").first.click()
    page.wait_for_url("**/zoeken?**")
    assert "van=2020-01-01" in page.url and page.locator(".result").count() >= 1
    page.goto(base + "/artikelen/")
    check_accessibility(page, "artikelen")
    context.close()
