"""Playwright fixtures: Debian's chromium (never a downloaded browser), a signed-in page,
and a screenshot helper saving to `test-artifacts/screenshots/<name>.png`.

Browser tests are marked `@pytest.mark.browser` and run against pytest-django's
`live_server`. Usage::

    @pytest.mark.browser
    def test_it_walks(live_server, signed_in_page, screenshot):
        signed_in_page.goto(live_server.url + "/")
        screenshot(signed_in_page, "leaderboard")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# (factories, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 900}  # a common laptop screen


@pytest.fixture(scope="session")
def browser() -> Iterator:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_user(transactional_db):
    """Olivia, a service owner who can sign in (staff, so the Admin link shows)."""
    from tests.dashboard.factories import make_user

    return make_user("olivia-owner", staff=True)


@pytest.fixture
def signed_in_page(browser, live_server, browser_user) -> Iterator:
    """A page in a fresh context carrying Olivia's session cookie."""
    client = Client()
    client.force_login(browser_user)
    context = browser.new_context(viewport=VIEWPORT, base_url=live_server.url)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot() -> Callable:
    """`screenshot(page, "name")` saves a full-page PNG and returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
