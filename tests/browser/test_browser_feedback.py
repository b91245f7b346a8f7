"""Hearing from Signalen on a phone (360 px), in a real browser: a visitor follows a feed by
e-mail from the feeds page, confirms from the mail and unsubscribes again; a coordinator
finds a signaalradar rise among the notifications and chooses how to hear of it. Every page
is checked with axe-core and may not scroll sideways."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.demo.history import ALL_TEMPLATES, HistoryRise, generate_history, insert_history
from signalen.extensions import db
from signalen.mail.models import MailMessage
from signalen.notifications import services as notifications
from signalen.subscriptions.models import Subscription
from tests.browser_support import check_accessibility, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
RARE = len(ALL_TEMPLATES) - 1  # "Incassokosten lopen op"


def check_phone_page(page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} scrolls sideways ({width} px)"
    check_accessibility(page, name)


def test_follow_a_feed_by_mail_confirm_and_unsubscribe_on_a_phone(live_server, browser):
    app, base = live_server
    page = browser.new_context(locale="nl-NL", viewport=PHONE).new_page()
    page.goto(base + "/feeds")
    page.locator("a:has-text('Volg per e-mail')").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Volg per e-mail"
    check_phone_page(page, "abonneren-telefoon")

    page.fill("#email", "lezer@example.org")
    page.check("#frequency-week")
    page.click("button[type=submit]:has-text('Aanmelden')")
    page.wait_for_load_state()
    assert "Kijk in uw e-mail" in page.content()
    check_phone_page(page, "abonneren-kijk-in-uw-mail")

    with app.app_context():
        [message] = db.session.scalars(select(MailMessage)).all()
        assert message.recipient == "lezer@example.org"
        confirm = re.search(r"https?://\S+/abonneren/bevestigen/\S+", message.body_text)
    assert confirm is not None and confirm.group(0).startswith(base)
    page.goto(confirm.group(0))
    check_phone_page(page, "abonneren-bevestigen")
    page.click("button[type=submit]:has-text('Ja, bevestigen')")
    page.wait_for_load_state()
    assert "Gelukt" in page.locator(".messages").inner_text()
    assert page.locator("h1").inner_text() == "Mijn aanmeldingen"
    assert page.is_checked("input[type=radio][value=week]")
    check_phone_page(page, "abonneren-beheer")

    page.click("a:has-text('Afmelden')")
    page.wait_for_load_state()
    check_phone_page(page, "abonneren-afmelden")
    page.click("button[type=submit]:has-text('Ja, afmelden')")
    page.wait_for_load_state()
    check_phone_page(page, "abonneren-afgemeld")
    with app.app_context():
        assert db.session.scalar(select(Subscription)) is None  # the address is gone


def test_a_coordinator_hears_of_a_rise_and_chooses_how_on_a_phone(
    live_server, browser, taxonomy, make_organisation, make_user
):
    app, base = live_server
    with app.app_context():
        organisations = [make_organisation().id for _ in range(6)]
        rises = [HistoryRise("subthema", RARE, local_today(), 1, extra=25)]
        insert_history(
            generate_history(2500, organisations=6, weeks=40, until=local_today(), rises=rises),
            organisations,
        )
        email = make_user(Role.COORDINATOR).email
        assert notifications.remind_due() >= 1

    page = browser.new_context(locale="nl-NL", viewport=PHONE).new_page()
    log_in(page, base, email)
    page.locator("a.notifications-link").click()  # in the header, beside the menu button
    page.wait_for_load_state()
    told = page.locator("li.panel", has_text="Signaalradar:")
    # The strongest rises one by one, the others in one line (newest first: that line).
    assert told.count() == notifications.RADAR_NOTIFY_MAX + 1
    assert "andere stijgingen" in told.first.inner_text()
    rise = told.nth(1)
    check_phone_page(page, "meldingen-signaalradar")
    rise.locator("a:has-text('Bekijk')").click()
    page.wait_for_url(base + "/signaalradar")
    assert page.locator("li.radar-rise", has_text="Incassokosten lopen op").count() >= 1

    page.go_back()
    page.click("a:has-text('Kies welke meldingen u krijgt')")
    page.wait_for_load_state()
    radar = page.locator("fieldset", has_text="De signaalradar ziet een knelpunt opkomen")
    assert radar.count() == 1
    check_phone_page(page, "meldingen-instellingen")
    radar.locator("input[type=radio][value=direct]").check()
    page.click("button[type=submit]:has-text('Bewaren')")
    page.wait_for_load_state()
    assert page.is_checked(
        "fieldset:has-text('De signaalradar ziet een knelpunt opkomen') input[value=direct]"
    )
