import os
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dashboard.models import CheckResult, DimensionScore, Evidence, Scan, ScanState
from dashboard.scans.store import StaleScan, find_reusable, reuse_result, store_report

pytestmark = pytest.mark.django_db


def test_it_runs_on_postgresql_by_default():
    # tests/conftest.py (or ./dev test) defaults DATABASE_URL to the local PostgreSQL.
    if os.environ["DATABASE_URL"].startswith("postgres://postgres@127.0.0.1:5432/"):
        assert connection.vendor == "postgresql"


def test_it_stores_scan_fields(billing_repo, make_scan, sample_report):
    started = timezone.now() - timedelta(seconds=3)
    scan = store_report(make_scan(billing_repo, started_at=started), sample_report)

    assert scan.state == ScanState.SUCCEEDED
    assert scan.overall == sample_report["overall"]
    assert scan.band == sample_report["band"]
    assert scan.health_score == sample_report["health16"]["score"]
    assert scan.health_max == sample_report["health16"]["max"]
    assert scan.score_json["groups"] == sample_report["groups"]
    assert scan.rules_version == "3.1"
    assert scan.scanner_version == "0.1.0"
    assert len(scan.endpoints) == 3
    assert scan.files["scanned"] == 14
    assert scan.finished_at is not None
    assert scan.duration_ms >= 3000


def test_it_creates_result_rows(billing_repo, make_scan, sample_report):
    scan = store_report(make_scan(billing_repo), sample_report)

    assert scan.check_results.count() == len(sample_report["checks"])
    assert DimensionScore.objects.filter(scan=scan).count() == len(sample_report["dimensions"])
    findings = sum(len(c["evidence"]) for c in sample_report["checks"])
    assert Evidence.objects.filter(check_result__scan=scan).count() == findings
    typ3 = scan.check_results.get(check_id="TYP-003")
    assert typ3.status == "fail"
    assert typ3.evidence_count == 2
    first = typ3.evidence.order_by("line").first()
    assert first.path == "app/routers/typ-003_0.py"
    assert first.line == 10 and first.end_line == 11
    assert len(first.fingerprint) == 16
    assert scan.check_results.get(check_id="TYP-004").metric == {"checked": 4, "failing": 1}


def test_it_links_evidence_to_its_own_check(billing_repo, make_scan, sample_report):
    # bulk_create must hand back primary keys for the evidence to point at the right rows.
    scan = store_report(make_scan(billing_repo), sample_report)

    for result in CheckResult.objects.filter(scan=scan, evidence_count__gt=0):
        assert {e.message.split(":")[0] for e in result.evidence.all()} == {result.check_id}


def test_it_points_repository_at_latest(billing_repo, make_scan, sample_report):
    scan = store_report(make_scan(billing_repo), sample_report)

    billing_repo.refresh_from_db()
    assert billing_repo.latest_scan == scan


def test_it_keeps_pointer_on_newer_scan(billing_repo, make_scan, sample_report):
    newer = store_report(make_scan(billing_repo), sample_report)
    older = make_scan(billing_repo, queued_at=newer.queued_at - timedelta(hours=1))
    store_report(older, sample_report)

    billing_repo.refresh_from_db()
    assert billing_repo.latest_scan == newer


def test_it_stores_not_applicable(billing_repo, make_scan, report_factory):
    report = report_factory({"TYP-001": "na"}, status="not_applicable")
    scan = store_report(make_scan(billing_repo), report)

    assert scan.state == ScanState.NOT_APPLICABLE
    assert scan.overall is None
    assert scan.band == ""
    assert scan.check_results.count() == 1


def test_it_refuses_a_scan_that_already_ended(billing_repo, make_scan, sample_report):
    scan = make_scan(billing_repo, state=ScanState.FAILED, error_code="worker:lost")

    with pytest.raises(StaleScan):
        store_report(scan, sample_report)
    assert not CheckResult.objects.filter(scan=scan).exists()


def test_it_prunes_evidence_beyond_retention(billing_repo, make_scan, sample_report, settings):
    settings.READYBOARD_EVIDENCE_RETENTION = 2
    base = timezone.now() - timedelta(days=10)
    scans = [
        store_report(make_scan(billing_repo, queued_at=base + timedelta(days=i)), sample_report)
        for i in range(4)
    ]

    pruned = [Scan.objects.get(pk=s.pk).evidence_pruned for s in scans]
    assert pruned == [True, True, False, False]
    assert not Evidence.objects.filter(check_result__scan=scans[0]).exists()
    assert Evidence.objects.filter(check_result__scan=scans[3]).exists()
    # Statuses, counts and scores stay for the history pages.
    old = Scan.objects.get(pk=scans[0].pk)
    assert old.overall == sample_report["overall"]
    assert old.check_results.get(check_id="TYP-003").evidence_count == 2


def test_it_reuses_a_previous_result(billing_repo, make_scan, sample_report):
    first = store_report(make_scan(billing_repo), sample_report)
    second = make_scan(billing_repo, state=ScanState.CLONING, rules_version="3.1")

    assert find_reusable(billing_repo, first.commit_sha, "3.1") == first
    reused = reuse_result(second, first)

    assert reused.state == ScanState.SUCCEEDED
    assert reused.reused_from == first
    assert reused.overall == first.overall
    assert reused.endpoints == first.endpoints
    assert reused.check_results.count() == first.check_results.count()
    assert reused.dimension_scores.count() == first.dimension_scores.count()
    assert (
        Evidence.objects.filter(check_result__scan=reused).count()
        == Evidence.objects.filter(check_result__scan=first).count()
    )
    billing_repo.refresh_from_db()
    assert billing_repo.latest_scan == reused


def test_it_does_not_reuse_across_rules_versions(billing_repo, make_scan, sample_report):
    first = store_report(make_scan(billing_repo), sample_report)

    assert find_reusable(billing_repo, first.commit_sha, "3.2") is None
    assert find_reusable(billing_repo, "b" * 40, "3.1") is None


def test_it_does_not_reuse_after_settings_change(billing_repo, make_scan, sample_report):
    first = store_report(make_scan(billing_repo), sample_report)
    billing_repo.app_root = "services/billing"
    billing_repo.save()

    assert find_reusable(billing_repo, first.commit_sha, "3.1") is None
