import dataclasses

import pytest
from django.core.management import call_command

from dashboard.models import ScanState
from dashboard.scans.rescore import rescore_all, rescore_scan
from dashboard.scans.store import store_report
from scanner import scoring

pytestmark = pytest.mark.django_db


@pytest.fixture
def heavier_observability(monkeypatch):
    """Observability weighs 40 instead of 10, as if the scoring tables had changed."""
    dims = tuple(
        dataclasses.replace(d, weight=40) if d.name == "observability" else d
        for d in scoring.DIMENSIONS
    )
    monkeypatch.setattr(scoring, "DIMENSIONS", dims)


def test_it_leaves_unchanged_scores_alone(billing_repo, make_scan, sample_report):
    scan = store_report(make_scan(billing_repo), sample_report)

    assert rescore_scan(scan) is False
    assert rescore_all() == 0


def test_it_rescores_after_a_weight_change(
    billing_repo, make_scan, sample_report, heavier_observability
):
    scan = store_report(make_scan(billing_repo), sample_report)
    before = scan.overall

    assert rescore_all() == 1

    scan.refresh_from_db()
    assert scan.overall < before  # observability is the weak dimension of the sample
    assert scan.score_json["dimensions"]["observability"]["weight"] == 40
    assert scan.dimension_scores.get(dimension="observability").weight == 40
    assert scan.check_results.count() == len(sample_report["checks"])  # raw rows untouched


def test_it_skips_not_applicable_scans(
    billing_repo, make_scan, report_factory, heavier_observability
):
    report = report_factory({"OBS-001": "fail"}, status="not_applicable")
    scan = store_report(make_scan(billing_repo), report)

    assert scan.state == ScanState.NOT_APPLICABLE
    assert rescore_all() == 0


def test_it_prints_how_many_changed(
    billing_repo, make_scan, sample_report, heavier_observability, capsys
):
    store_report(make_scan(billing_repo), sample_report)

    call_command("rescore")

    assert "1 scan(s) changed" in capsys.readouterr().out
