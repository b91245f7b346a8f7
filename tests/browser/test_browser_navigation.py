"""Every role finds its work from the start page: a real browser follows links only.

``FEATURES`` is the one list of feature pages per role. A new feature adds its endpoint
here (and a ``MenuEntry`` or ``Card`` in ``signalen/home/navigation.py``); endpoints that
are not registered (features of other branches) are left out.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import url_for

from signalen.auth.models import Role
from tests.browser_support import check_accessibility, log_in

pytestmark = pytest.mark.browser

EVERYONE = [
    "infobank.search",
    "directory.index",
    "digests.index",
    "dashboard.overview",
    "articles.index",
    "feeds.index",
]
SIGNED_IN = [
    *EVERYONE,
    "meetings.index",
    "referrals.index",
    "savedsearches.index",
    "notifications.index",
    "notifications.settings",
]
REPORTING = [*SIGNED_IN, "signals.new", "signals.mine", "referrals.new"]
MANAGING = [
    *REPORTING,
    "directory.review",
    "directory.change_requests",
    "meetings.followup",
    "referrals.follow_up",
    "meetings.new",
    "digests.new",
    "directory.new_service",
    "admin.index",
    "admin.users_list",
]
# The feature pages of each role; each must be reachable from "/" within two clicks.
FEATURES: dict[str, list[str]] = {
    "bezoeker": [*EVERYONE, "radar.public"],
    Role.VOLUNTEER.value: [*REPORTING, "radar.public"],
    Role.READER.value: [*SIGNED_IN, "radar.index"],
    Role.COORDINATOR.value: [*MANAGING, "radar.index"],
    Role.ADMINISTRATOR.value: [
        "radar.index",
        # A beheerder without an organisation refers no clients and plans no meetings.
        *[e for e in MANAGING if e not in ("referrals.new", "meetings.new")],
        "admin.organisations_list",
        "admin.audit_log",
        "taxonomy.index",
        "api_tokens.index",
        "taxonomy.synonyms",
        "privacy.sweep_result",
    ],
}
MAX_CLICKS = 2
# Links that are followed for reachability but not opened: downloads, feeds, language.
NOT_OPENED = (".atom", ".rss", ".pdf", ".csv", ".xlsx", ".json", "/taal/", "/static/")


def feature_paths(app, role: str) -> dict[str, str]:
    """Path -> endpoint of the role's feature pages that exist in this app."""
    with app.test_request_context():
        return {
            url_for(endpoint): endpoint
            for endpoint in FEATURES[role]
            if endpoint in app.view_functions
        }


def links_on(page, origin: str) -> set[str]:
    """The same-site paths (with query) of every link on the page."""
    found = set()
    # getAttribute, not .href: a link inside an SVG chart has an SVGAnimatedString there.
    script = "links => links.map(a => new URL(a.getAttribute('href'), document.baseURI).href)"
    for href in page.eval_on_selector_all("a[href]", script):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == origin:
            found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def crawl(page, base: str, wanted: set[str]) -> dict[str, int]:
    """Follow links from "/" breadth first; the number of clicks to each path reached."""
    clicks = {"/": 0}
    frontier = ["/"]
    for depth in range(1, MAX_CLICKS + 1):
        if wanted <= clicks.keys():
            break
        next_frontier = []
        for url in frontier:
            response = page.goto(base + url)
            assert response is not None and response.status < 400, (url, response)
            for link in sorted(links_on(page, base)):
                path = link.split("?", 1)[0]
                if path not in clicks:
                    clicks[path] = depth
                    if not any(part in link for part in NOT_OPENED):
                        next_frontier.append(link)
        frontier = next_frontier
    return clicks


def check_phone_menu(page, role: str) -> None:
    """At 360 px the menu is one button: closed, opened by keyboard, closed with Escape."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(page.url)
    button = page.locator("[data-menu-button]")
    menu = page.locator("#hoofdmenu")
    assert button.is_visible() and button.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    check_accessibility(page, f"menu-smal-{role}")
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('#hoofdmenu') !== null")
    check_accessibility(page, f"menu-smal-open-{role}")
    page.keyboard.press("Escape")
    assert not menu.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-menu-button')")


@pytest.mark.parametrize("role", list(FEATURES))
def test_every_role_reaches_its_features_within_two_clicks(live_server, browser, make_user, role):
    app, base = live_server
    with app.app_context():
        email = None if role == "bezoeker" else make_user(Role(role)).email
    wanted = feature_paths(app, role)
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    if email:
        log_in(page, base, email)
    else:
        page.goto(base + "/")
    check_accessibility(page, f"start-{role}")

    clicks = crawl(page, base, set(wanted))
    missing = [f"{wanted[path]} ({path})" for path in wanted if path not in clicks]
    assert not missing, f"{role} cannot reach within {MAX_CLICKS} clicks: {missing}"

    page.goto(base + "/")
    check_phone_menu(page, role)
    assert not console_errors, console_errors  # CSP violations, missing assets, JS errors
    context.close()


def test_without_javascript_the_phone_menu_is_simply_shown(live_server, browser):
    _, base = live_server
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 360, "height": 740}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(base + "/")
    assert page.locator("#hoofdmenu").is_visible()
    assert not page.locator("[data-menu-button]").is_visible()
    context.close()


def test_the_feeds_page_copies_an_address(live_server, browser):
    _, base = live_server
    context = browser.new_context(locale="nl-NL", viewport={"width": 1024, "height": 768})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(base + "/")
    page.click("footer >> text=Feeds")
    check_accessibility(page, "feeds")
    page.click("[data-copy='feed-digests-atom']")
    page.wait_for_function("document.querySelector('[data-copy-status]').textContent !== ''")
    assert page.locator("[data-copy-status]").inner_text() == "Het adres is gekopieerd."

    context.close()
