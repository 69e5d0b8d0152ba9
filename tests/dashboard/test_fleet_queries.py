"""The fleet pages make a fixed number of queries, whatever the number of services and scans."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dashboard import factories

pytestmark = pytest.mark.django_db

PAGES = ("/", "/?sort=-dim_security&team=team-0", "/teams/", "/checks/", "/checks/SEC-001/")


def build_fleet(services: int, weeks: int = 3) -> None:
    teams = [factories.make_team(f"Team {i}") for i in range(3)]
    for i in range(services):
        repo = factories.make_repo(f"svc-{i:03d}", team=teams[i % 3], tags=[f"tier-{i % 2}"])
        factories.make_history(repo, weeks=weeks, quality=(i % 10) / 10)
        if i % 7 == 0:
            factories.make_failed_scan(repo)


def count_queries(client, url: str) -> int:
    cache.clear()  # the fleet summary must be measured cold
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.fixture
def owner_client(client):
    client.force_login(factories.make_user("olivia-owner"))
    return client


def test_it_makes_the_same_number_of_queries_for_3_and_30_services(owner_client):
    build_fleet(3)
    small = {url: count_queries(owner_client, url) for url in PAGES}
    build_fleet_more = 27
    for i in range(3, 3 + build_fleet_more):
        repo = factories.make_repo(f"svc-{i:03d}", team=factories.make_team(f"Team {i % 3}"))
        factories.make_history(repo, weeks=4, quality=(i % 10) / 10)
        if i % 7 == 0:
            factories.make_failed_scan(repo)
    large = {url: count_queries(owner_client, url) for url in PAGES}
    assert large == small


def test_it_keeps_the_leaderboard_within_a_fixed_budget(
    owner_client, django_assert_max_num_queries
):
    build_fleet(5)
    cache.clear()
    # session, user, count, page rows, levels, pending scans, teams, tags, summary (4)
    with django_assert_max_num_queries(12):
        owner_client.get("/")
    with django_assert_max_num_queries(7):
        owner_client.get("/?team=team-0", headers={"HX-Request": "true"})


def test_it_serves_the_fleet_summary_from_cache_until_a_scan_lands(owner_client):
    build_fleet(3)
    cache.clear()
    cold = count_queries(owner_client, "/")
    with CaptureQueriesContext(connection) as warm:
        owner_client.get("/")
    assert len(warm) == cold - 3
