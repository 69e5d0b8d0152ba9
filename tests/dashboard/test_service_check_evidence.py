"""The drill-down's evidence list is capped: 50 places, a count, and "Show more" that htmx
appends in place and that works as a plain link without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.dashboard.factories import make_repo, make_scored_scan, make_user

pytestmark = pytest.mark.django_db

CHECK = "TYP-003"
MORE = {"HX-Request": "true", "HX-Target": "evidence-more"}
TO = "\u2013"  # the en dash of "places 51-100"


@pytest.fixture
def viewer_client(client):
    client.force_login(make_user("victor-viewer"))
    return client


def failing_with(name: str, places: int):
    """A service whose latest scan fails CHECK at `places` places (see evidence_for: the
    places spread over 7 files, handler i in file i % 7 at line 10 + i)."""
    repo = make_repo(name)
    make_scored_scan(repo, {CHECK: "fail", "TYP-001": "pass"}, evidence_per_finding=places)
    return repo


def handlers_in_page_order(places: int) -> list[int]:
    """Handler numbers in the order the page lists them: by file, then line."""
    return sorted(range(places), key=lambda i: (i % 7, i))


def shown_handlers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"def handler_(\d+)\(request\)", html)]


def get(client, repo, query: str = "", headers=None) -> str:
    url = reverse("service-check", args=[repo.name, CHECK]) + query
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_first_50_places_with_a_count(viewer_client):
    repo = failing_with("search-api", 120)

    html = get(viewer_client, repo)

    assert shown_handlers(html) == handlers_in_page_order(120)[:50]
    assert "(120 places)" in html
    assert "Showing 50 of 120 places." in html
    assert "70 not shown yet" in html


def test_it_offers_the_next_50_as_a_link_and_to_htmx(viewer_client):
    repo = failing_with("search-api", 120)

    html = get(viewer_client, repo)

    assert 'href="?offset=50#evidence-title"' in html  # without JavaScript: a page of its own
    assert 'hx-get="?offset=50&amp;from=0" hx-target="#evidence-more"' in html
    assert "Show 50 more" in html


def test_it_sends_htmx_only_the_next_places_and_the_new_count(viewer_client):
    repo = failing_with("search-api", 120)
    order = handlers_in_page_order(120)

    second = get(viewer_client, repo, "?offset=50&from=0", MORE)
    last = get(viewer_client, repo, "?offset=100&from=0", MORE)

    assert "<html" not in second and "History here" not in second
    assert shown_handlers(second) == order[50:100]
    assert 'id="evidence-count" class="muted evidence-count" hx-swap-oob="true"' in second
    assert "Showing 100 of 120 places." in second
    assert 'hx-get="?offset=100&amp;from=0"' in second and "Show 20 more" in second
    assert shown_handlers(last) == order[100:]
    assert "Showing all 120 places." in last
    assert 'id="evidence-more"' not in last


def test_it_pages_through_places_without_javascript(viewer_client):
    repo = failing_with("search-api", 120)

    html = get(viewer_client, repo, "?offset=50")

    assert "<html" in html
    assert shown_handlers(html) == handlers_in_page_order(120)[50:100]
    assert f"Showing places 51{TO}100 of 120." in html
    assert 'href="?offset=0#evidence-title" rel="prev"' in html
    assert 'href="?offset=100#evidence-title" rel="next"' in html


def test_it_counts_from_where_the_list_on_screen_starts(viewer_client):
    repo = failing_with("search-api", 120)

    html = get(viewer_client, repo, "?offset=100&from=50", MORE)  # opened at ?offset=50

    assert f"Showing places 51{TO}120 of 120." in html


def test_it_shows_the_last_places_for_an_offset_past_the_end(viewer_client):
    repo = failing_with("search-api", 120)

    html = get(viewer_client, repo, "?offset=5000")

    assert shown_handlers(html) == handlers_in_page_order(120)[100:]
    assert f"Showing places 101{TO}120 of 120." in html


def test_it_starts_at_the_top_for_a_malformed_offset(viewer_client):
    repo = failing_with("search-api", 60)

    for query in ("?offset=abc", "?offset=-5", "?offset=²"):
        assert shown_handlers(get(viewer_client, repo, query)) == handlers_in_page_order(60)[:50]


def test_it_lists_a_short_evidence_list_whole_without_a_count(viewer_client):
    repo = failing_with("search-api", 3)

    html = get(viewer_client, repo)

    assert len(shown_handlers(html)) == 3
    assert "Showing" not in html and 'id="evidence-more"' not in html


def count_queries(client, url: str, headers=None) -> int:
    client.get(url, headers=headers or {})  # warm the session and caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=headers or {}).status_code == 200
    return len(queries)


def test_it_makes_the_same_queries_for_3_places_and_1386(viewer_client):
    few, many = failing_with("few-api", 3), failing_with("many-api", 1386)
    few_url = reverse("service-check", args=[few.name, CHECK])
    many_url = reverse("service-check", args=[many.name, CHECK])

    assert count_queries(viewer_client, few_url) == count_queries(viewer_client, many_url)
    assert count_queries(viewer_client, f"{many_url}?offset=700", MORE) <= 5
    assert "Showing 50 of 1,386 places." in get(viewer_client, many)
