"""The service page: header, results, checklists, history, states and the Scan now button."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.models import ScanState
from tests.dashboard.factories import (
    make_failed_scan,
    make_history,
    make_queued_scan,
    make_repo,
    make_scored_scan,
    make_team,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def billing():
    return make_repo("billing-api", team=make_team("Payments"), tags=["tier-1"])


def page(client, user, repo, **params):
    client.force_login(user)
    return client.get(reverse("service", args=[repo.name]), params)


def test_it_requires_sign_in(client, billing):
    response = client.get(reverse("service", args=[billing.name]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_answers_404_for_an_unknown_service(client, viewer):
    client.force_login(viewer)

    assert client.get(reverse("service", args=["nope"])).status_code == 404


def test_it_shows_the_header_scores_health_and_checklists(client, viewer, billing):
    make_history(billing, weeks=3)
    latest = billing.scans.order_by("-queued_at").first()

    response = page(client, viewer, billing)

    html = response.content.decode()
    assert response.status_code == 200
    assert "billing-api" in html
    assert "Payments" in html
    assert 'href="https://github.com/acme/billing-api"' in html
    assert f"{latest.overall:.1f}" in html
    assert f'{latest.health_score}<span class="muted">/{latest.health_max}</span>' in html
    for checklist in ("Security checklist", "Production checklist: P0", "Common mistakes"):
        assert checklist in html
    assert reverse("service-check", args=["billing-api", "SEC-001"]) in html
    assert "(3 scored scans)" in html
    assert html.count("data-plotly=") == 2  # overall and dimensions, each with its table
    assert response["Vary"].count("HX-Request") == 1


def test_it_lists_the_scan_history_with_a_compare_form(client, viewer, billing):
    scans = make_history(billing, weeks=3)
    failed = make_failed_scan(billing, "repo:auth", "Authentication failed for github.com")

    html = page(client, viewer, billing).content.decode()

    assert f"#{failed.pk}" in html
    assert "Access denied" in html
    assert f'<option value="{scans[-2].pk}" selected>' in html
    assert f'<option value="{scans[-1].pk}" selected>' in html
    assert reverse("service-compare", args=["billing-api"]) in html


def test_it_returns_only_the_history_partial_to_htmx(client, viewer, billing):
    make_history(billing, weeks=2)
    client.force_login(viewer)

    response = client.get(
        reverse("service", args=[billing.name]),
        {"history": "all"},
        headers={"HX-Request": "true", "HX-Target": "scan-history"},
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="scan-history"')
    assert "<html" not in html


def test_it_explains_a_service_that_was_never_scanned(client, owner, billing):
    html = page(client, owner, billing).content.decode()

    assert "Not scanned yet" in html
    assert "Press <strong>Scan now</strong>" in html


def test_it_explains_the_last_failure_with_its_hint(client, viewer, billing):
    make_scored_scan(billing)
    make_failed_scan(billing, "repo:not-found", "Remote branch release not found")

    html = page(client, viewer, billing).content.decode()

    assert "The last scan failed: Repository or branch not found" in html
    assert "Remote branch release not found" in html
    assert "Check both in the repository" in html
    assert "results below are from the last successful scan" in html


def test_it_explains_a_repository_that_is_not_a_fastapi_service(client, viewer, billing):
    from dashboard.scans.store import store_report
    from tests.conftest import build_report

    scan = billing.scans.create(state=ScanState.SAVING, commit_sha="b" * 40)
    store_report(scan, build_report(status="not_applicable"))

    html = page(client, viewer, billing).content.decode()

    assert "Not a FastAPI service" in html
    assert "app root" in html


def test_it_shows_scan_now_to_staff_and_permitted_users_only(client, owner, viewer, billing):
    assert "Scan now</button>" in page(client, owner, billing).content.decode()
    assert "Scan now</button>" not in page(client, viewer, billing).content.decode()

    viewer.user_permissions.add(Permission.objects.get(codename="add_scan"))
    viewer = type(viewer).objects.get(pk=viewer.pk)  # drop the permission cache
    assert "Scan now</button>" in page(client, viewer, billing).content.decode()


def test_it_shows_the_progress_of_a_scan_in_flight(client, viewer, billing):
    make_scored_scan(billing)
    queued = make_queued_scan(billing)

    html = page(client, viewer, billing).content.decode()

    assert reverse("scan-progress", args=[billing.name, queued.pk]) in html
    assert 'hx-trigger="every 2s"' in html


def service_page_queries(client, user, repo) -> int:
    client.force_login(user)
    url = reverse("service", args=[repo.name])
    client.get(url)  # warm caches (rule catalogue, content types)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_makes_the_same_number_of_queries_for_3_and_30_scans(client, viewer):
    few = make_repo("few-scans")
    many = make_repo("many-scans")
    make_history(few, weeks=3)
    make_history(many, weeks=30)
    make_scored_scan(many, evidence_per_finding=6)

    assert service_page_queries(client, viewer, few) == service_page_queries(client, viewer, many)


def test_it_stays_within_its_query_budget(client, owner, billing, django_assert_max_num_queries):
    make_history(billing, weeks=5)
    client.force_login(owner)
    url = reverse("service", args=[billing.name])
    client.get(url)

    # session, user, repository + latest result, history, trend scores, check results
    with django_assert_max_num_queries(6):
        client.get(url)
