"""The check drill-down: rule text, evidence with line links, history, other services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.queries.service_checks import HistoryEntry, current_streak
from tests.dashboard.factories import make_failed_scan, make_repo, make_scored_scan

pytestmark = pytest.mark.django_db

CHECK = "SEC-002"


@pytest.fixture
def billing():
    return make_repo("billing-api")


def weekly(repo, statuses_by_week: list[str], *, evidence: int = 2):
    """One scored scan a week with CHECK at the given statuses, oldest first."""
    now = timezone.now()
    scans = []
    for week, status in enumerate(statuses_by_week):
        queued = now - timedelta(weeks=len(statuses_by_week) - week)
        scans.append(
            make_scored_scan(
                repo, {CHECK: status, "TYP-001": "pass"}, queued_at=queued,
                evidence_per_finding=evidence,
            )
        )  # fmt: skip
    return scans


def drill_down(client, user, repo, check_id=CHECK):
    client.force_login(user)
    return client.get(reverse("service-check", args=[repo.name, check_id]))


def test_it_explains_the_rule_with_its_example(client, viewer, billing):
    weekly(billing, ["fail"])

    html = drill_down(client, viewer, billing).content.decode()

    assert "JWT signing key from configuration" in html
    assert "Why it matters" in html
    assert "How to fix it" in html
    assert "SECRET_KEY = &quot;super-secret&quot;" in html  # the before example, escaped


def test_it_lists_every_evidence_item_with_a_link_to_the_line_at_the_commit(
    client, viewer, billing
):
    [scan] = weekly(billing, ["fail"], evidence=3)

    html = drill_down(client, viewer, billing).content.decode()

    assert html.count('class="card evidence"') == 3
    link = (
        f"https://github.com/acme/billing-api/blob/{scan.commit_sha}/app/routers/sec-002_0.py#L10"
    )
    assert f'href="{link}"' in html
    assert "def handler_0(request):\n    return" in html  # whitespace kept in the snippet


def test_it_says_when_the_current_failing_streak_started(client, viewer, billing):
    scans = weekly(billing, ["pass", "fail", "fail", "fail"])

    html = drill_down(client, viewer, billing).content.decode()

    started = scans[1].finished_at.strftime("%Y-%m-%d")
    assert f"since {started} (3 scans)" in html


def test_it_names_other_services_failing_the_check_in_their_latest_scan(client, viewer, billing):
    weekly(billing, ["fail"])
    weekly(make_repo("ledger-api"), ["fail"])
    weekly(make_repo("search-api"), ["fail", "pass"])  # fixed since

    html = drill_down(client, viewer, billing).content.decode()

    assert reverse("service-check", args=["ledger-api", CHECK]) in html
    assert reverse("service-check", args=["search-api", CHECK]) not in html
    assert reverse("fleet-check", args=[CHECK]) in html


def test_it_answers_404_for_an_unknown_check(client, viewer, billing):
    assert drill_down(client, viewer, billing, "NOPE-001").status_code == 404


def test_it_explains_a_service_without_a_result(client, viewer, billing):
    make_failed_scan(billing)

    html = drill_down(client, viewer, billing).content.decode()

    assert "has no successful scan" in html


def test_it_computes_streaks_from_a_newest_first_history():
    now = timezone.now()

    def entry(i, status):
        return HistoryEntry(i, now - timedelta(days=i), "a" * 40, status, False, 0)

    streak = current_streak([entry(0, "fail"), entry(1, "fail"), entry(2, "pass")])
    assert (streak.status, streak.scans, streak.since.scan_id, streak.complete) == (
        "fail", 2, 1, True
    )  # fmt: skip
    whole = current_streak([entry(0, "warn"), entry(1, "warn")])
    assert not whole.complete
    assert current_streak([]) is None


def drill_down_queries(client, user, repo) -> int:
    client.force_login(user)
    url = reverse("service-check", args=[repo.name, CHECK])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_makes_the_same_number_of_queries_whatever_the_history_and_evidence(client, viewer):
    few = make_repo("few-scans")
    many = make_repo("many-scans")
    weekly(few, ["fail"] * 3, evidence=1)
    weekly(many, ["pass", "fail"] * 15, evidence=8)
    for i in range(5):
        weekly(make_repo(f"other-{i}"), ["fail"])

    assert drill_down_queries(client, viewer, few) == drill_down_queries(client, viewer, many)
    # session, user, repository + result, check result, evidence, history, other services
    assert drill_down_queries(client, viewer, many) <= 7
