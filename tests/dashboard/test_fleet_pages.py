"""Team roll-up and fleet check views: what they show and where they link."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from dashboard.models import CheckResult
from tests.dashboard import factories

pytestmark = pytest.mark.django_db

FAILING_ONCE = "SEC-001"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def viewer_client(client):
    client.force_login(factories.make_user("victor-viewer"))
    return client


@pytest.fixture
def fleet():
    payments = factories.make_team("Payments")
    billing = factories.make_repo("billing-api", team=payments)
    ledger = factories.make_repo("ledger-api", team=payments)
    orphan = factories.make_repo("legacy-admin")
    factories.make_history(billing, weeks=3)
    factories.make_history(orphan, weeks=1)
    # ledger-api: SEC-001 passed, then failed twice: the streak starts at the second scan.
    statuses = factories.random_statuses("ledger")
    scans = []
    for week, status in enumerate(("pass", "fail", "fail")):
        from datetime import timedelta

        from django.utils import timezone

        queued = timezone.now() - timedelta(weeks=2 - week)
        scans.append(
            factories.make_scored_scan(ledger, {**statuses, FAILING_ONCE: status}, queued_at=queued)
        )
    return {"billing": billing, "ledger": ledger, "orphan": orphan, "ledger_scans": scans}


def test_it_rolls_services_up_per_team(viewer_client, fleet):
    response = viewer_client.get("/teams/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="/?team=payments"' in body
    assert 'href="/?team=none"' in body  # services without a team get their own row
    assert "No team" in body


def test_it_counts_p0_failures_per_team(fleet):
    from dashboard.queries.fleet import p0_check_ids, team_rollups

    rollups = {r.slug: r for r in team_rollups()}
    expected = CheckResult.objects.filter(
        scan__repository__team__slug="payments",
        scan__repository__latest_scan=models_f("scan"),
        status="fail",
        check_id__in=p0_check_ids(),
    ).count()
    assert rollups["payments"].p0_failures == expected
    assert rollups["payments"].services == 2


def models_f(name):
    from django.db.models import F

    return F(name)


def test_it_lists_every_check_with_its_fleet_pass_rate(viewer_client, fleet):
    response = viewer_client.get("/checks/")
    body = response.content.decode()
    assert response.status_code == 200
    for check_id in factories.check_ids():
        assert f'href="/checks/{check_id}/"' in body
    assert "Type safety" in body


def test_it_shows_who_fails_a_check_since_when(viewer_client, fleet):
    response = viewer_client.get(f"/checks/{FAILING_ONCE}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="/services/ledger-api/checks/{FAILING_ONCE}/"' in body
    streak_start = fleet["ledger_scans"][1].queued_at
    assert (
        f'datetime="{streak_start.isoformat()}"' in body
        or streak_start.strftime("%-d %b %Y") in body
    )


def test_it_finds_the_first_scan_of_the_current_failing_streak(fleet):
    from dashboard.queries.fleet import check_across_fleet

    rows = {row.repo_name: row for row in check_across_fleet(FAILING_ONCE)}
    assert rows["ledger-api"].status == "fail"
    assert rows["ledger-api"].failing_since == fleet["ledger_scans"][1].queued_at


def test_it_answers_404_for_an_unknown_check(viewer_client):
    assert viewer_client.get("/checks/NOPE-999/").status_code == 404


def test_it_folds_passing_services_into_a_count_and_lists_them_on_request(viewer_client):
    statuses = factories.random_statuses("folding")
    for i in range(3):
        repo = factories.make_repo(f"svc-{i}")
        factories.make_scored_scan(repo, {**statuses, FAILING_ONCE: "pass" if i else "fail"})

    body = viewer_client.get(f"/checks/{FAILING_ONCE}/").content.decode()
    assert f'href="/services/svc-0/checks/{FAILING_ONCE}/"' in body  # failing: listed
    assert "svc-1" not in body  # passing: a count and a link
    assert 'href="?status=pass#section-pass"' in body
    assert "List the 2 services" in body

    listed = viewer_client.get(f"/checks/{FAILING_ONCE}/?status=pass").content.decode()
    assert f'href="/services/svc-1/checks/{FAILING_ONCE}/"' in listed
    assert f'href="/services/svc-2/checks/{FAILING_ONCE}/"' in listed
    assert f'href="/services/svc-0/checks/{FAILING_ONCE}/"' in listed  # failing still shown
    assert "Fold the list" in listed
