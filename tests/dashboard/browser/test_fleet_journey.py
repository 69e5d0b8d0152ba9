"""The fleet side of the main journey in a real browser: leaderboard, filter by team
(htmx swaps the table and the URL follows), sort by a column, the fleet check view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.dashboard import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def fleet(transactional_db):
    payments = factories.make_team("Payments")
    search = factories.make_team("Search")
    for i, (name, team, quality) in enumerate(
        [
            ("billing-api", payments, 0.9),
            ("ledger-api", payments, 0.4),
            ("checkout-api", payments, 0.6),
            ("indexer", search, 0.2),
            ("query-api", search, 0.7),
            ("legacy-admin", None, 0.1),
        ]
    ):
        repo = factories.make_repo(name, team=team, tags=["tier-1" if i % 2 else "tier-2"])
        factories.make_history(repo, weeks=6, quality=quality, improving=i % 3 != 0)
    factories.make_failed_scan(factories.make_repo("orders-api", team=search))


def service_names(page) -> list[str]:
    return page.locator("#leaderboard-table tbody th[scope=row] > a").all_inner_texts()


def test_it_walks_the_fleet_pages(live_server, signed_in_page, screenshot, fleet):
    page = signed_in_page
    problems = []  # CSP refusals and script errors show up here
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/")
    page.wait_for_selector(".chart__plot.js-plotly-plot .main-svg", state="attached")  # drawn
    assert page.title() == "Leaderboard · Readyboard"
    assert len(service_names(page)) == 7
    screenshot(page, "fleet-01-leaderboard")

    # Filter by team: htmx swaps the table, the URL records the filter.
    page.select_option("#filter-team", "search")
    page.wait_for_url(re.compile(r"team=search"))
    expect(page.locator("#leaderboard-table tbody tr")).to_have_count(3)
    assert sorted(service_names(page)) == ["indexer", "orders-api", "query-api"]
    assert page.locator("h1").count() == 1  # a partial, not a page inside the page
    screenshot(page, "fleet-02-filtered-by-team")

    # Sort by name (A to Z), still filtered.
    page.get_by_role("link", name=re.compile(r"^Service")).click()
    page.wait_for_url(re.compile(r"sort=name"))
    assert "team=search" in page.url
    page.wait_for_selector("th[aria-sort=ascending]")
    assert service_names(page) == ["indexer", "orders-api", "query-api"]
    screenshot(page, "fleet-03-sorted")

    # The URL alone reproduces the view.
    page.reload()
    assert service_names(page) == ["indexer", "orders-api", "query-api"]
    assert page.locator("#filter-team").input_value() == "search"

    # Team roll-up, then the fleet check view and one check across the fleet.
    page.get_by_role("link", name="Teams", exact=True).click()
    page.wait_for_url(re.compile(r"/teams/$"))
    screenshot(page, "fleet-04-teams")

    page.get_by_role("link", name="Checks", exact=True).click()
    page.wait_for_url(re.compile(r"/checks/$"))
    screenshot(page, "fleet-05-checks")
    page.locator("a[href='/checks/SEC-001/']").click()
    page.wait_for_url(re.compile(r"/checks/SEC-001/$"))
    assert "SEC-001" in page.locator("h1").inner_text()
    screenshot(page, "fleet-06-check-across-fleet")
    assert [p for p in problems if "404 (Not Found)" not in p] == [], problems


def test_it_reads_without_javascript(browser, live_server, browser_user, screenshot, fleet):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(browser_user)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}, base_url=live_server.url
    )
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
    page.goto("/?team=payments&sort=name")
    assert service_names(page) == ["billing-api", "checkout-api", "ledger-api"]
    page.select_option("#filter-team", "search")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"team=search"))
    assert sorted(service_names(page)) == ["indexer", "orders-api", "query-api"]
    screenshot(page, "fleet-07-leaderboard-without-js")
    context.close()


def test_it_signs_in_through_the_login_page(browser, live_server, browser_user, screenshot):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    screenshot(page, "fleet-00-sign-in")
    page.get_by_label("Username").fill("olivia-owner")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "No services registered yet" in page.content()
    screenshot(page, "fleet-08-empty-state")
    context.close()
