import pytest
from django.urls import reverse

from dashboard.scans.store import store_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_scan(billing_repo, make_scan, sample_report):
    return store_report(make_scan(billing_repo), sample_report)


@pytest.mark.parametrize("model", ["team", "repository", "scan", "checkresult"])
def test_it_lists_objects(admin_client, stored_scan, model):
    response = admin_client.get(reverse(f"admin:dashboard_{model}_changelist"))
    assert response.status_code == 200


def test_it_shows_a_scan_with_its_results(admin_client, stored_scan):
    response = admin_client.get(reverse("admin:dashboard_scan_change", args=[stored_scan.pk]))

    assert response.status_code == 200
    assert b"TYP-003" in response.content
    assert b"observability" in response.content


def test_it_shows_evidence_on_a_check_result(admin_client, stored_scan):
    result = stored_scan.check_results.get(check_id="TYP-003")
    response = admin_client.get(reverse("admin:dashboard_checkresult_change", args=[result.pk]))

    assert response.status_code == 200
    assert b"app/routers/typ-003_0.py" in response.content


def test_it_validates_urls_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:dashboard_repository_add"),
        {"name": "evil-api", "url": "ext::sh -c id", "active": "on", "tags": ""},
    )
    assert response.status_code == 200
    assert b"must not contain spaces" in response.content


def test_it_filters_scans_by_band(admin_client, stored_scan):
    url = reverse("admin:dashboard_scan_changelist")
    response = admin_client.get(url, {"band__exact": stored_scan.band})
    assert response.status_code == 200
    assert b"billing-api" in response.content
