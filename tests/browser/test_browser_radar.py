"""The signaalradar in a real browser: a coordinator marks a rise "bekend" (no script
needed), the public version on a phone, every page checked with axe-core."""

from __future__ import annotations

import pytest

from signalen.auth.models import Role
from signalen.core.dates import local_today
from signalen.demo.history import ALL_TEMPLATES, HistoryRise, generate_history, insert_history
from tests.browser_support import check_accessibility, log_in

pytestmark = pytest.mark.browser

RARE = len(ALL_TEMPLATES) - 1  # "Incassokosten lopen op"


def test_radar_pages_in_a_real_browser(
    live_server, browser, taxonomy, make_organisation, make_user
):
    app, base = live_server
    with app.app_context():
        organisations = [make_organisation().id for _ in range(6)]
        rises = [HistoryRise("subthema", RARE, local_today(), 1, extra=25)]
        history = generate_history(
            2500, organisations=6, weeks=40, until=local_today(), rises=rises
        )
        insert_history(history, organisations)
        email = make_user(Role.COORDINATOR).email

    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    log_in(page, base, email)

    page.goto(base + "/signaalradar")
    rise = page.locator("li.radar-rise", has_text="Incassokosten lopen op").first
    assert "Over Incassokosten lopen op kwamen de afgelopen 4 weken" in rise.inner_text()
    assert rise.locator("svg.sparkline polyline").count() == 1
    check_accessibility(page, "signaalradar")
    rise.locator("summary").click()
    check_accessibility(page, "signaalradar-markeren")
    rise.locator("input[type=radio][value=bekend]").check()
    rise.locator("textarea, input[name$='reason']").first.fill("Staat op de agenda.")
    rise.locator("button[type=submit]:has-text('Markeren')").click()
    page.wait_for_load_state()
    assert "Gemarkeerd" in page.locator(".messages").inner_text()
    marked = page.locator("section[aria-labelledby=marked-title]").inner_text()
    assert "Incassokosten lopen op" in marked and "Staat op de agenda." in marked
    assert page.locator("li.radar-rise", has_text="Incassokosten lopen op").count() == 0
    check_accessibility(page, "signaalradar-gemarkeerd")
    context.close()

    # The public version on a phone: counts only, nothing to mark, no sideways scrolling.
    phone = browser.new_context(locale="nl-NL", viewport={"width": 360, "height": 740})
    page = phone.new_page()
    page.goto(base + "/signaalradar/openbaar")
    assert "Markeren" not in page.content()
    assert page.locator("li.radar-rise").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways ({width} px)"
    check_accessibility(page, "signaalradar-openbaar-telefoon")
    phone.close()
