"""Prometheus /metrics: fleet gauges and the scan duration histogram, behind a token."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from dashboard.models import ApiToken, Scan, ScanState
from dashboard.scans.store import store_report

SCRAPE = "scrape-token-for-tests"


def scrape(client, token=SCRAPE) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def samples(family, **labels) -> list:
    return [s for s in family.samples if all(s.labels.get(k) == v for k, v in labels.items())]


@override_settings(READYBOARD_METRICS_TOKEN=SCRAPE)
def test_it_refuses_an_anonymous_scrape(client, db):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401


@override_settings(READYBOARD_METRICS_TOKEN=SCRAPE)
def test_it_exports_fleet_gauges_and_the_duration_histogram(
    client, billing_repo, make_scan, sample_report
):
    scan = store_report(make_scan(billing_repo), sample_report)
    Scan.objects.filter(pk=scan.pk).update(duration_ms=42_000)
    Scan.objects.create(repository=billing_repo, state=ScanState.FAILED, duration_ms=3_000)

    families = scrape(client)

    (score,) = samples(families["readyboard_service_score"], service="billing-api")
    assert score.value == scan.overall
    assert score.labels["team"] == "Payments"
    dims = samples(families["readyboard_service_dimension_score"], service="billing-api")
    assert {s.labels["dimension"] for s in dims} >= {"security", "testing"}
    states = {s.labels["state"]: s.value for s in families["readyboard_scans"].samples}
    assert (states["succeeded"], states["failed"], states["queued"]) == (1, 1, 0)
    histogram = families["readyboard_scan_duration_seconds"]
    buckets = {s.labels["le"]: s.value for s in histogram.samples if s.name.endswith("_bucket")}
    assert (buckets["5.0"], buckets["30.0"], buckets["60.0"], buckets["+Inf"]) == (1, 1, 2, 2)
    (total,) = [s.value for s in histogram.samples if s.name.endswith("_sum")]
    assert total == 45.0


def test_it_accepts_an_api_token_for_scraping(client, db):
    _row, raw = ApiToken.issue(User.objects.create_user("prometheus"), "scrape")

    assert "readyboard_scans" in scrape(client, raw)


def test_it_makes_a_fixed_number_of_queries_per_scrape(
    client, billing_repo, make_scan, sample_report, django_assert_max_num_queries
):
    _row, raw = ApiToken.issue(User.objects.create_user("prometheus"), "scrape")
    store_report(make_scan(billing_repo), sample_report)

    with django_assert_max_num_queries(8):
        scrape(client, raw)
