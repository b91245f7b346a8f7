"""Browser test support: the app behind waitress, Debian's Chromium, and axe-core checks.

Every page a browser test visits is checked with axe-core; serious or critical violations
fail the test. Without Chromium the tests are skipped, unless ``SIGNALEN_REQUIRE_BROWSER=1``
(set in CI). Browser test modules use ``pytestmark = pytest.mark.browser`` and the fixtures
``live_server`` and ``browser`` below (made available through ``pytest_plugins`` in conftest).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("SIGNALEN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("SIGNALEN_SCREENSHOTS_DIR")
# Every axe-core finding fails the test, whatever its impact (WCAG 2.1 A/AA rules and
# best practices); the pages have none.
BLOCKING_IMPACT = {"minor", "moderate", "serious", "critical"}


def _browser_missing() -> str | None:
    if not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is not installed (apt-get install chromium chromium-driver)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        return "playwright and axe-playwright-python are not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
def live_server(app_factory):
    """The real app behind waitress on a free loopback port."""
    from waitress.server import create_server

    reason = _browser_missing()
    if reason:
        if os.environ.get("SIGNALEN_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    app = app_factory()
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def log_in(page, base: str, email: str, password: str = "een-goed-wachtwoord") -> None:
    """Log in through the real form and wait for the start page."""
    page.goto(base + "/inloggen")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def submit(page, fields: dict[str, str], button: str = "Opslaan") -> None:
    """Fill the form's fields (CSS selector: value) and press the button with that text."""
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click(f"button[type=submit]:has-text('{button}')")


def check_accessibility(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    blocking = [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACT
    ]
    assert not blocking, f"axe-core on {name}: " + " | ".join(blocking)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
