"""Browser smoke test: a coordinator prepares an overleg from a filtered search, records the
outcome and an agreement, corrects and deletes the agreement, then makes and publishes the
running quarter's digest (with its "period not over" notice); axe checks each page, including
the print pages and the form with a mistake."""

from __future__ import annotations

import pytest

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.signals.models import Visibility
from signalen.signals.services import approve_public
from tests.browser_support import check_accessibility, submit

pytestmark = pytest.mark.browser


def test_overleg_and_digest_in_a_real_browser(live_server, browser, make_user, make_signal):
    app, base = live_server
    with app.app_context():
        coordinator = make_user(Role.COORDINATOR)
        wanted = make_signal(
            title="Klantcontactcentrum niet bereikbaar",
            themes=("Bereikbaarheid",),
            agency="UWV",
            user=coordinator,
            visibility=Visibility.PUBLIC,
            report_count=4,
        )
        approve_public(wanted, coordinator)
        make_signal(title="Kinderbijslag gestopt", agency="SVB", user=coordinator)
        email, wanted_id = coordinator.email, wanted.id

    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    console_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )
    expected = "status of 422"  # a form with mistakes is answered with 422 on purpose
    page.goto(base + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", "een-goed-wachtwoord")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    # Plan an overleg (today, so the outcome can be recorded right after).
    page.goto(base + "/overleg/")
    check_accessibility(page, "overleg")
    page.click("text=Overleg plannen")
    check_accessibility(page, "overleg-plannen")
    page.fill("#title", "Signaleringsoverleg Werkplein")
    page.fill("#held_on", local_today().isoformat())
    page.fill("#starts_at", "14:00")
    page.check("fieldset#agencies input[type=checkbox] >> nth=0")  # checkboxes, no Ctrl-click
    page.fill("#participants", "Cliëntenraad Zwolle\nDistrictscliëntenraad UWV")
    page.click("button[type=submit]:has-text('Overleg plannen')")
    page.wait_for_url("**/agenda-samenstellen")

    # The agenda from a filtered search.
    page.click(".facets a:has-text('Bereikbaarheid')")  # a theme filter, as on /zoeken
    assert "thema=" in page.url
    page.fill("#q", "bereikbaar")
    page.click("button[type=submit]:has-text('Zoeken')")
    assert "thema=" in page.url and "q=bereikbaar" in page.url
    assert page.locator(".result").count() == 1
    check_accessibility(page, "agenda-samenstellen")
    page.check(f"#pick-{wanted_id}")
    page.click("button:has-text('op de agenda zetten')")
    assert "op de agenda" in page.locator(".messages").inner_text()
    page.click("text=Klaar: naar het overleg")
    assert "Klantcontactcentrum niet bereikbaar" in page.locator(".agenda").inner_text()
    assert "Geagendeerd" in page.locator(".agenda").inner_text()
    assert "14:00 uur" in page.locator(".facts").inner_text()
    check_accessibility(page, "overleg-agenda")

    # Outcome and an agreement.
    page.click("text=Uitkomst en afspraken noteren")
    check_accessibility(page, "uitkomst")
    page.fill("#discussion", "Wachttijden zijn te lang, vooral op maandag.")
    page.fill("#agency_response", "UWV zet extra medewerkers in.")
    page.fill("#agreement_description", "UWV meldt de wachttijden per maand.")
    page.fill("#agreement_owner", "UWV klantcontact")
    page.click("button[type=submit]:has-text('Opslaan')")
    assert "UWV zet extra medewerkers in." in page.locator(".agenda").inner_text()
    assert "Besproken" in page.locator(".agenda").inner_text()
    check_accessibility(page, "overleg-uitkomst")

    # Correct the agreement: a due date that cannot be right first, then another owner.
    page.click(".agreements a:has-text('Wijzigen')")
    assert page.locator("h1").inner_text() == "Afspraak wijzigen"
    check_accessibility(page, "afspraak-wijzigen")
    submit(
        page, {"#agreement_due_on": "2099-12-31", "#agreement_owner": "UWV teamleider klantcontact"}
    )
    assert "Deze datum klopt niet." in page.locator(".error-summary").inner_text()
    check_accessibility(page, "afspraak-wijzigen-fout")
    submit(page, {"#agreement_due_on": ""})
    assert "De afspraak is gewijzigd." in page.locator(".messages").inner_text()
    assert "UWV teamleider klantcontact" in page.locator(".agreements").inner_text()

    page.click("text=Agenda afdrukken")
    check_accessibility(page, "agenda-afdrukken")
    page.go_back()
    page.click("text=Verslag afdrukken")
    assert "UWV meldt de wachttijden per maand." in page.content()
    assert "UWV teamleider klantcontact" in page.content()
    check_accessibility(page, "verslag-afdrukken")
    page.goto(base + "/overleg/afspraken")
    check_accessibility(page, "afspraken")

    # Entered by mistake after all: delete it, after the confirmation.
    page.click(".agreements-table a:has-text('Wijzigen')")
    page.click("text=Deze afspraak verwijderen")
    assert "UWV meldt de wachttijden per maand." in page.locator(".panel").inner_text()
    check_accessibility(page, "afspraak-verwijderen")
    page.click("button[type=submit]:has-text('Ja, verwijderen')")
    page.wait_for_url("**/overleg/afspraken")
    assert "De afspraak is verwijderd." in page.locator(".messages").inner_text()
    assert "UWV meldt de wachttijden per maand." not in page.locator("main").inner_text()
    page.goto(base + f"/signalen/{wanted_id}")
    assert "Signaleringsoverleg Werkplein" in page.locator(".signal-meetings").inner_text()

    # A quarter's digest: draft, texts, publish.
    page.goto(base + "/rapportages/")
    check_accessibility(page, "rapportages")
    page.click("text=Nieuwe rapportage maken")
    check_accessibility(page, "rapportage-nieuw")
    page.click("button[type=submit]:has-text('Concept maken')")  # the current quarter
    page.wait_for_url("**/bewerken")
    check_accessibility(page, "rapportage-bewerken")
    page.fill("#introduction", "Bereikbaarheid is het grootste knelpunt.")
    page.fill("#remark_themes", "Vooral UWV.")
    page.click("button[type=submit]:has-text('Opslaan')")
    assert page.locator("svg.trend-chart").count() >= 1
    # The running quarter is not over: the draft says so, in the notice axe checks too.
    assert "de periode is nog niet voorbij" in page.locator(".notice").inner_text()
    check_accessibility(page, "rapportage-concept")
    page.click("button:has-text('Publiceren')")
    # Irreversible: a confirmation page first (a form, no JavaScript needed).
    check_accessibility(page, "rapportage-publiceren-bevestigen")
    page.click("button[type=submit]:has-text('Ja, publiceren')")
    assert "gepubliceerd" in page.locator(".messages").inner_text()
    digest_url = page.url
    context.close()

    # Anyone can read the published digest and its print version.
    public = browser.new_context(locale="nl-NL")
    page = public.new_page()
    page.goto(digest_url)
    assert "Bereikbaarheid is het grootste knelpunt." in page.content()
    assert "Klantcontactcentrum niet bereikbaar" in page.content()  # openbaar signal
    assert "Kinderbijslag gestopt" not in page.content()  # netwerk: counted, not shown
    assert "toen de periode nog niet voorbij was" in page.locator(".notice").inner_text()
    check_accessibility(page, "rapportage")
    # On a phone the wide tables scroll inside a region that the keyboard can reach.
    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    assert page.locator(".table-wrap[tabindex='0'][role='region']").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_accessibility(page, "rapportage-telefoon")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click("text=Afdrukversie")
    check_accessibility(page, "rapportage-afdrukken")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    public.close()
    unexpected = [text for text in console_errors if expected not in text]
    assert not unexpected, unexpected  # includes CSP violations and missing assets
