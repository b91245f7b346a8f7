"""Doorverwijzen in a real browser: from a signal page to the referral form with ranked
suggestions, the privacy guard, the outcome and the follow-up list, each page checked by axe."""

from __future__ import annotations

from datetime import timedelta

import pytest

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.directory.models import Organization, Service, ServiceArea
from signalen.extensions import db
from signalen.taxonomy.models import Theme
from tests.browser_support import check_accessibility

pytestmark = pytest.mark.browser

HIGH_RECOVERY = "Terugvordering/Hoge terugvordering"


def add_service(taxonomy, name, theme, area, checked_days_ago=10) -> Service:
    service = Service(
        organization=Organization(name=f"Stichting {name}"),
        name=name,
        assured_date=local_today() - timedelta(days=checked_days_ago),
        themes=[db.session.get(Theme, taxonomy.themes[theme.casefold()].id)],
    )
    kind, value = area
    service.service_areas.append(
        ServiceArea(
            kind=kind,
            municipality_id=taxonomy.municipalities[value.casefold()].id
            if kind == "gemeente"
            else None,
            name=value or "Nederland",
        )
    )
    db.session.add(service)
    db.session.commit()
    return service


def log_in(browser, base, email):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto(base + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", "een-goed-wachtwoord")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return context, page


def test_refer_from_a_signal_in_a_real_browser(
    live_server, browser, make_user, make_signal, taxonomy
):
    app, base = live_server
    with app.app_context():
        coordinator = make_user(Role.COORDINATOR)
        volunteer = make_user(Role.VOLUNTEER, organisation=coordinator.organisation)
        signal = make_signal(
            title="Hoge terugvordering kinderopvangtoeslag",
            description="De cliënt moet een groot bedrag terugbetalen en kan dat niet.",
            user=volunteer,
            themes=(HIGH_RECOVERY,),
            municipality="Utrecht",
        )
        add_service(taxonomy, "Bezwaarhulp Utrecht", HIGH_RECOVERY, ("gemeente", "Utrecht"))
        add_service(taxonomy, "Schuldhulp landelijk", "Terugvordering", ("landelijk", None), 300)
        add_service(taxonomy, "Alleen Rotterdam", HIGH_RECOVERY, ("gemeente", "Rotterdam"))
        signal_id, volunteer_email, coordinator_email = (
            signal.id,
            volunteer.email,
            coordinator.email,
        )

    context, page = log_in(browser, base, volunteer_email)
    console_errors: list[str] = []
    page.on(
        "console", lambda message: message.type == "error" and console_errors.append(message.text)
    )
    page.goto(base + f"/signalen/{signal_id}")
    page.click("a.button:has-text('Doorverwijzen')")
    page.wait_for_url(base + f"/doorverwijzingen/nieuw?signaal={signal_id}")
    cards = page.locator(".suggestion-card")
    assert cards.count() == 2
    assert "Bezwaarhulp Utrecht" in cards.nth(0).inner_text()
    assert "Werkt in Utrecht" in cards.nth(0).inner_text()
    assert "Bel eerst even na" in cards.nth(1).inner_text()
    assert "Alleen Rotterdam" not in page.locator(".suggestions-list").inner_text()
    check_accessibility(page, "doorverwijzen")

    page.fill("#age", "34")
    page.click("button:has-text('Passende diensten zoeken')")
    assert "Past bij de leeftijd" not in page.content()  # no age limits on these services
    assert page.locator(".suggestion-card").count() == 2

    page.check("#service-1")
    page.fill("#reason", "Hulp bij bezwaar. Cliënt is bereikbaar op 06-12345678.")
    page.check("#warm_handover")
    page.click("button:has-text('Doorverwijzing opslaan')")
    assert page.locator(".privacy-warning").is_visible()
    assert "[TELEFOON]" in page.locator(".redacted-text").inner_text()
    check_accessibility(page, "doorverwijzen-persoonsgegevens")

    page.check("#accept_redaction")
    page.click("button:has-text('Doorverwijzing opslaan')")
    page.wait_for_url(base + "/doorverwijzingen/*")
    assert "is opgeslagen" in page.locator(".messages").inner_text()
    assert "06-12345678" not in page.content()
    assert "Warme overdracht" in page.locator(".status-line").inner_text()
    check_accessibility(page, "doorverwijzing")

    page.check("input[name=outcome][value=bereikt_geholpen]")
    page.fill("#note", "Afspraak gemaakt.")
    page.click("button:has-text('Uitkomst opslaan')")
    assert "Bereikt en geholpen" in page.locator(".status-line").inner_text()
    check_accessibility(page, "doorverwijzing-uitkomst")

    page.goto(base + "/doorverwijzingen/")
    assert page.locator("tbody tr").count() == 1
    check_accessibility(page, "doorverwijzingen")

    # On a phone (320 px) the form needs no sideways scrolling.
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base + "/doorverwijzingen/nieuw")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    check_accessibility(page, "doorverwijzen-smal")
    assert not [text for text in console_errors if "status of 422" not in text]
    context.close()

    # The coordinator's follow-up list.
    with app.app_context():
        from signalen.referrals import matching, services

        referral = services.create_referral(
            services.ReferralInput(
                service_id=matching.suggest_services(matching.MatchCriteria())[0].service.id,
                reason="Hulp bij schulden.",
            ),
            db.session.merge(volunteer),
        )
        referral.follow_up_on = local_today() - timedelta(days=2)
        db.session.commit()
    context, page = log_in(browser, base, coordinator_email)
    page.goto(base + "/doorverwijzingen/opvolgen")
    assert "2 dagen te laat" in page.locator("tbody").inner_text()
    check_accessibility(page, "doorverwijzingen-opvolgen")
    context.close()
