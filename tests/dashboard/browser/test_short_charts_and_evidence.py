"""In a real browser: a fleet scanned for the first time this week draws its trend as one
marker over one week label, and a long evidence list grows in place with "Show more"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.dashboard import factories

pytestmark = pytest.mark.browser

TREND = 'figure[aria-labelledby="trend-title"]'
CHECK = "TYP-003"


@pytest.fixture
def one_week_fleet(transactional_db):
    for name, quality in (("billing-api", 0.8), ("ledger-api", 0.4), ("search-api", 0.6)):
        factories.make_scored_scan(
            factories.make_repo(name), factories.random_statuses(name, quality=quality)
        )


def test_it_draws_a_one_week_fleet_trend_as_a_marker_over_a_week_label(
    live_server, signed_in_page, screenshot, one_week_fleet
):
    page = signed_in_page
    page.goto("/")
    page.wait_for_selector(f"{TREND} .main-svg", state="attached")  # drawn by plotly.js
    page.locator(TREND).scroll_into_view_if_needed()
    screenshot(page, "fleet-trend-one-week")

    labels = page.locator(f"{TREND} .xtick text").all_text_contents()  # SVG: no innerText
    assert len(labels) == 1, labels  # this week's Monday, under the point
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", labels[0]), labels  # "17 Mar": no times
    expect(page.locator(f"{TREND} .scatterlayer .point")).to_have_count(1)


@pytest.fixture
def long_evidence(transactional_db):
    repo = factories.make_repo("search-api")
    factories.make_scored_scan(repo, {CHECK: "fail"}, evidence_per_finding=120)
    return repo


def test_it_shows_more_evidence_in_place(live_server, signed_in_page, screenshot, long_evidence):
    page = signed_in_page
    page.goto(f"/services/{long_evidence.name}/checks/{CHECK}/")
    cards = page.locator("article.evidence")
    expect(cards).to_have_count(50)
    expect(page.locator("#evidence-count")).to_contain_text("Showing 50 of 120 places.")

    page.get_by_role("link", name="Show 50 more").click()
    expect(cards).to_have_count(100)
    expect(page.locator("#evidence-count")).to_contain_text("Showing 100 of 120 places.")
    assert "offset" not in page.url  # appended in place, not a new page

    page.get_by_role("link", name="Show 20 more").click()
    expect(cards).to_have_count(120)
    expect(page.locator("#evidence-count")).to_contain_text("Showing all 120 places.")
    expect(page.locator("#evidence-more")).to_have_count(0)
    screenshot(page, "service-check-evidence-all-shown", full_page=False)
