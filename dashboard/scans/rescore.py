"""Recompute stored scans' scores from their stored raw results, no clone or scan needed.

Run after the scoring tables change (a weight, a rung): `manage.py rescore`.
"""

from __future__ import annotations

from django.db import transaction

from dashboard.models import DimensionScore, Scan, ScanState
from dashboard.scans.store import insert_dimension_scores, score_fields
from dashboard.waivers.service import score_with_waivers, waivers_for_scan
from scanner import results as scanner_results

_SCORED_FIELDS = ("overall", "band", "health_score", "health_max", "score_json")


def results_of(scan: Scan) -> dict[str, scanner_results.CheckResult]:
    """The scan's stored check results as the scanner's own dataclasses, keyed by check id."""
    rows = scan.check_results.all().values_list(
        "check_id", "status", "metric", "waived", "waiver_reason"
    )
    return {
        check_id: scanner_results.CheckResult(
            check_id, status, metric=metric, waived=waived, waiver_reason=reason
        )
        for check_id, status, metric, waived, reason in rows
    }


def rescore_scan(scan: Scan) -> bool:
    """Recompute one scan's scores with the current scoring tables; True when they changed."""
    score = score_with_waivers(results_of(scan), waivers_for_scan(scan))
    fields = score_fields(score)
    if all(getattr(scan, name) == fields[name] for name in _SCORED_FIELDS):
        return False
    with transaction.atomic():
        Scan.objects.filter(pk=scan.pk).update(**fields)
        DimensionScore.objects.filter(scan_id=scan.pk).delete()
        insert_dimension_scores(scan.pk, score["dimensions"])
    for name, value in fields.items():
        setattr(scan, name, value)
    return True


def rescore_all(*, chunk_size: int = 200) -> int:
    """Rescore every succeeded scan; return how many changed.

    Not-applicable scans have no score to recompute; failed ones have no results.
    """
    scans = Scan.objects.filter(state=ScanState.SUCCEEDED).order_by("pk").only(*_SCORED_FIELDS)
    return sum(rescore_scan(scan) for scan in scans.iterator(chunk_size=chunk_size))
