"""The sociale kaart in a real browser, with axe-core on every page: the list, a service
page with "meld een wijziging", the review list, the change requests, an organisation and its
locations edited by a coordinator, and the map."""

from __future__ import annotations

import pytest

from signalen.auth.models import Role
from tests.browser_support import check_accessibility, submit

pytestmark = pytest.mark.browser


def seed(app) -> None:
    from signalen.demo.directory import seed_demo_directory
    from signalen.taxonomy.services import seed_taxonomies

    with app.app_context():
        seed_taxonomies()
        seed_demo_directory()


def hsds_file() -> dict:
    """A small HSDS 3.0 file to upload: one organisation with one service."""
    import json
    import uuid

    data = [
        {
            "id": str(uuid.uuid4()),
            "name": "Stichting Geldzaken",
            "services": [{"id": str(uuid.uuid4()), "name": "Spreekuur geld", "status": "active"}],
        }
    ]
    return {
        "name": "kaart.json",
        "mimeType": "application/json",
        "buffer": json.dumps(data).encode(),
    }


def watch_console(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    return errors


def test_directory_list_service_page_and_change_request(live_server, browser, make_user):
    app, base = live_server
    seed(app)
    with app.app_context():
        coordinator = make_user(Role.COORDINATOR)
        email = coordinator.email

    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    errors = watch_console(page)
    expected = "status of 400"  # the change form with a mistake is answered with 400

    page.goto(base + "/sociale-kaart")
    assert page.locator("h1").inner_text() == "Sociale kaart"
    assert page.locator(".service-item").count() == 9
    assert page.locator("#directory-map").count() == 0  # no tile server: no map
    check_accessibility(page, "sociale-kaart")

    page.select_option("#gemeente", label="Rotterdam")
    page.fill("#leeftijd", "30")
    page.click("button:has-text('Zoeken')")
    page.wait_for_load_state()
    titles = page.locator(".service-item h3").all_inner_texts()
    assert "Voedselpakket" in titles and "Maatje bij geldzorgen" not in titles
    check_accessibility(page, "sociale-kaart-gefilterd")

    page.click("text=Voedselpakket")
    assert page.locator("h1").inner_text() == "Voedselpakket"
    assert "Laatst gecontroleerd op" in page.locator(".status-line").inner_text()
    check_accessibility(page, "dienst")

    # A mistake first (a web address that is not one), then a good change.
    page.fill("#url", "geen adres")
    page.click("button:has-text('Wijziging doorgeven')")
    assert page.locator(".error-summary").is_visible()
    assert "Vul een volledig webadres in" in page.locator(".error-summary").inner_text()
    check_accessibility(page, "dienst-wijziging-fout")
    page.fill("#url", "")
    page.click("summary:has-text('Naam, omschrijving')")
    page.fill("#name", "Voedselpakket Rotterdam-Zuid")
    page.fill("#phone", "010 420 33 45")
    page.fill("#explanation", "Zo heet het uitgiftepunt nu.")
    check_accessibility(page, "dienst-wijziging-meer")
    page.click("button:has-text('Wijziging doorgeven')")
    # The thank-you message is where the form was, in view and focused.
    thanks = page.locator("#wijziging-ontvangen")
    assert "Dank u" in thanks.inner_text()
    assert thanks.is_visible() and thanks.evaluate("el => el.getBoundingClientRect().top") < 768
    assert page.evaluate("document.activeElement.id") == "wijziging-ontvangen"

    # The "klopt nog" link of a review reminder.
    with app.app_context():
        from signalen.directory.models import Service
        from signalen.directory.reminders import confirm_token
        from signalen.extensions import db

        food = db.session.scalar(db.select(Service).where(Service.name == "Voedselpakket"))
        confirm = f"/sociale-kaart/dienst/{food.id}/bevestigen/{confirm_token(food, 'a@b.nl')}"
    page.goto(base + confirm)
    check_accessibility(page, "bevestigen")
    page.go_back()

    page.click("text=Rotterdam (voorbeeld)")
    assert "Uitgiftepunt Zuid" in page.locator("main").inner_text()
    check_accessibility(page, "organisatie")

    # The coordinator approves the change and checks an overdue service.
    page.goto(base + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", "een-goed-wachtwoord")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    page.goto(base + "/sociale-kaart/te-controleren")
    check_accessibility(page, "te-controleren")
    page.click("text=doorgegeven wijziging")
    check_accessibility(page, "wijzigingen")
    # Field by field: the name now, the phone number later.
    page.click("button:has-text('Goedkeuren en doorvoeren: Naam')")
    assert "doorgevoerd" in page.locator(".messages").inner_text()
    assert page.locator(".change-item").count() == 2
    page.click("button:has-text('Afwijzen: Telefoonnummer')")
    assert "Er zijn geen doorgegeven wijzigingen." in page.locator("main").inner_text()
    page.goto(base + "/sociale-kaart?q=Rotterdam-Zuid")
    page.click("text=Voedselpakket Rotterdam-Zuid")
    assert "Voedselpakket Rotterdam-Zuid" in page.locator("table").inner_text()
    assert "010 420 3344" in page.locator(".facts").inner_text()  # the rejected one
    page.click("button:has-text('Gecontroleerd, klopt nog')")
    assert "gemarkeerd als gecontroleerd" in page.locator(".messages").inner_text()
    check_accessibility(page, "dienst-coordinator")
    page.click("a:has-text('Bewerken')")
    check_accessibility(page, "dienst-bewerken")
    page.click("text=Openingstijden bewerken")
    page.fill("#FR_opens_1", "13:00")
    page.fill("#FR_closes_1", "12:00")
    page.click("button:has-text('Opslaan')")
    assert "De sluitingstijd moet na" in page.locator(".error-summary").inner_text()
    check_accessibility(page, "openingstijden-fout")
    page.fill("#FR_closes_1", "17:00")
    page.click("button:has-text('Opslaan')")
    assert "vrijdag: 13:00–17:00" in page.locator("main").inner_text()

    # The organisation of the service: a new name, a new location (a wrong postcode first),
    # then that location removed again after the confirmation.
    page.click("p.lead a")
    page.click("text=Organisatie wijzigen")
    check_accessibility(page, "organisatie-wijzigen")
    submit(page, {"#name": "Voedselbank Rotterdam"})
    assert page.locator("h1").inner_text() == "Voedselbank Rotterdam"
    assert "De wijzigingen zijn opgeslagen." in page.locator(".messages").inner_text()
    history = page.locator("section[aria-labelledby=history-title]").inner_text()
    assert "Voedselbank Rotterdam (voorbeeld)" in history  # the old name
    page.click("text=Locatie toevoegen")
    check_accessibility(page, "locatie-nieuw")
    address = {"#address_1": "Bergweg 10", "#postal_code": "12", "#city": "Rotterdam"}
    submit(page, {"#name": "Uitgiftepunt Noord", **address})
    assert "Vul een postcode in zoals 3511 AB." in page.locator(".error-summary").inner_text()
    check_accessibility(page, "locatie-fout")
    submit(page, {"#postal_code": "3036bc"})
    assert "Uitgiftepunt Noord is toegevoegd" in page.locator(".messages").inner_text()
    locations = page.locator("section[aria-labelledby=locations-title]").inner_text()
    assert "Uitgiftepunt Zuid" in locations
    assert "Bergweg 10" in locations and "3036 BC" in locations
    check_accessibility(page, "organisatie-coordinator")
    page.click("a:has-text('Wijzigen Uitgiftepunt Noord')")
    assert page.locator("#postal_code").input_value() == "3036 BC"
    check_accessibility(page, "locatie-wijzigen")
    page.click("text=Deze locatie verwijderen")
    check_accessibility(page, "locatie-verwijderen")
    page.click("button:has-text('Ja, verwijderen')")
    assert "is verwijderd" in page.locator(".messages").inner_text()
    locations = page.locator("section[aria-labelledby=locations-title]").inner_text()
    assert "Bergweg 10" not in locations and "Uitgiftepunt Zuid" in locations

    # A contact of the organisation: a wrong e-mail address first, then edited and removed.
    page.click("text=Contactpersoon toevoegen")
    check_accessibility(page, "contact-nieuw")
    submit(page, {"#name": "Balie voedselhulp", "#title": "Intake", "#email": "balie@"})
    assert page.locator(".error-summary").is_visible()
    check_accessibility(page, "contact-fout")
    submit(page, {"#email": "balie@voedselbank.example", "#phones": "010 123 4567"})
    assert "Balie voedselhulp is toegevoegd" in page.locator(".messages").inner_text()
    contact = page.locator("section[aria-labelledby=contact-title]").inner_text()
    assert "balie@voedselbank.example" in contact and "010 123 4567" in contact
    page.click("a:has-text('Wijzigen Balie voedselhulp')")
    check_accessibility(page, "contact-wijzigen")
    submit(page, {"#department": "Uitgifte"})
    assert "Intake, Uitgifte" in page.locator("section[aria-labelledby=contact-title]").inner_text()
    page.click("a:has-text('Wijzigen Balie voedselhulp')")
    page.click("text=Deze contactpersoon verwijderen")
    check_accessibility(page, "contact-verwijderen")
    page.click("button:has-text('Ja, verwijderen')")
    assert "is verwijderd" in page.locator(".messages").inner_text()
    assert (
        "Balie voedselhulp"
        not in page.locator("section[aria-labelledby=contact-title]").inner_text()
    )

    page.goto(base + "/sociale-kaart/nieuw")
    check_accessibility(page, "nieuwe-dienst")

    # The import page: a check of an HSDS file shows what an import would do.
    page.goto(base + "/sociale-kaart/importeren")
    check_accessibility(page, "importeren")
    page.set_input_files("#file", files=[hsds_file()])
    page.click("button:has-text('Verder')")
    assert "Controle geslaagd" in page.locator("#report-title").inner_text()
    check_accessibility(page, "importeren-controle")

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base + "/sociale-kaart")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    unexpected = [text for text in errors if expected not in text]
    assert not unexpected, unexpected
    context.close()


def test_map_with_a_local_tile_server(live_server, browser, monkeypatch):
    app, base = live_server
    # Tiles from the site itself: the map works without anything from elsewhere.
    app.config["MAP_TILE_URL"] = "/static/vendor/leaflet/images/layers.png?{z}/{x}/{y}"
    seed(app)
    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    errors = watch_console(page)
    page.goto(base + "/sociale-kaart")
    page.wait_for_selector(".leaflet-marker-icon")
    assert page.locator(".leaflet-marker-icon").count() >= 8
    assert page.locator(".service-item").count() == 9  # the list stays
    check_accessibility(page, "sociale-kaart-kaart")
    assert not errors, errors
    context.close()
