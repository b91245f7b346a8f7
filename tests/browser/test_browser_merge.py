"""Merging and linking in a real browser: both signals side by side, confirmed without
JavaScript, and checked with axe-core."""

from __future__ import annotations

import pytest

from signalen.auth.models import Role
from signalen.signals.models import Visibility
from tests.browser_support import check_accessibility, log_in

pytestmark = pytest.mark.browser


def test_merge_and_link_pages_in_a_real_browser(live_server, browser, make_user, make_signal):
    app, base = live_server
    with app.app_context():
        coordinator = make_user(Role.COORDINATOR)
        source = make_signal(title="Brief over WW te laat", user=coordinator)
        target = make_signal(title="WW-brief kwam te laat", user=coordinator)
        other = make_signal(title="Bijstand te laat", visibility=Visibility.NETWORK)
        email, source_id, target_id, other_id = (
            coordinator.email,
            source.id,
            target.id,
            other.id,
        )

    # The pages use no script of their own: plain forms and links.
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    log_in(page, base, email)

    page.goto(base + f"/signalen/{source_id}")
    page.fill("#target", str(other_id))
    page.click("button[type=submit]:has-text('Samenvoegen of koppelen')")
    assert page.locator(".merge-compare .card").count() == 2
    check_accessibility(page, "koppelen-bevestigen")
    page.click("button[type=submit]:has-text('Ja, koppelen')")
    page.wait_for_url(base + f"/signalen/{source_id}")
    assert "Bijstand te laat" in page.locator("#linked-title + ul").inner_text()

    page.fill("#target", str(target_id))
    page.click("button[type=submit]:has-text('Samenvoegen of koppelen')")
    assert "WW-brief kwam te laat" in page.locator(".merge-compare").inner_text()
    check_accessibility(page, "samenvoegen-bevestigen")
    page.click("button[type=submit]:has-text('Ja, samenvoegen')")
    page.wait_for_url(base + f"/signalen/{target_id}")
    assert f"Knelpunt #{source_id} is hierin samengevoegd" in page.content()
    context.close()
