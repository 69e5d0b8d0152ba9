"""Store a scanner report as a finished scan: one transaction, bulk inserts.

The raw results (check statuses, metrics, evidence, endpoints, files) and the scores computed
from them land in separate places, so `rescore` can recompute the latter from the former.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    ACTIVE_STATES,
    CheckResult,
    DimensionScore,
    Evidence,
    Repository,
    Scan,
    ScanState,
)
from dashboard.scans.retention import prune_evidence
from dashboard.waivers.service import score_report

BATCH_SIZE = 1000
MAX_SNIPPET = 4000  # a minified file as "snippet" must not bloat the table
MAX_PATH = 1000  # Evidence.path's column width
MAX_MESSAGE = 2000


class StaleScan(Exception):
    """The scan is no longer in flight (reaped, or stored by another delivery)."""


def store_report(scan: Scan, report: Mapping[str, Any]) -> Scan:
    """Finish `scan` with the scanner's JSON `report` and return it (reloaded).

    One transaction: the scan's fields, DimensionScore, CheckResult and Evidence rows, and
    the repository's latest-scan pointer. The move to succeeded/not_applicable is a
    compare-and-set from an active state; raises StaleScan (and stores nothing) when the
    scan already ended. Evidence retention runs afterwards, outside the transaction.
    """
    final_state = (
        ScanState.NOT_APPLICABLE
        if report.get("status") == "not_applicable"
        else ScanState.SUCCEEDED
    )
    score = score_report(scan.repository, report)  # the dashboard's active waivers applied
    fields = {**raw_fields(report), **score_fields(score), **_finish_fields(scan)}
    with transaction.atomic():
        if not Scan.objects.transition(scan.pk, ACTIVE_STATES, final_state, **fields):
            raise StaleScan(f"scan {scan.pk} is no longer active; report not stored")
        insert_dimension_scores(scan.pk, score.get("dimensions") or {})
        insert_checks(scan.pk, report.get("checks") or [])
        point_latest(scan.repository_id, scan.pk)
    prune_evidence(scan.repository_id, keep=settings.READYBOARD_EVIDENCE_RETENTION)
    scan.refresh_from_db()
    return scan


def raw_fields(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the scanner saw, stamped with the versions that saw it."""
    return {
        "rules_version": str(report.get("rules_version") or ""),
        "scanner_version": str(report.get("scanner_version") or ""),
        "app_root": str(report.get("app_root") or ""),
        "app_roots": list(report.get("app_roots") or []),
        "endpoints": list(report.get("endpoints") or []),
        "files": dict(report.get("files") or {}),
        "timings": dict(report.get("timings") or {}),
    }


def score_fields(score: Mapping[str, Any]) -> dict[str, Any]:
    """Scan columns for a score in the `ServiceScore.to_json()` shape (which reports embed)."""
    health = score.get("health16") or {}
    return {
        "overall": score.get("overall"),
        "band": score.get("band") or "",
        "health_score": health.get("score"),
        "health_max": health.get("max"),
        "score_json": {
            "overall": score.get("overall"),
            "band": score.get("band"),
            "health16": score.get("health16"),
            "dimensions": score.get("dimensions") or {},
            "groups": score.get("groups") or {},
        },
    }


def _finish_fields(scan: Scan) -> dict[str, Any]:
    now = timezone.now()
    finished = scan.finished_at or now
    started = scan.started_at
    duration = int((finished - started).total_seconds() * 1000) if started else None
    return {"finished_at": finished, "duration_ms": duration, "error_code": "", "error_message": ""}


def insert_dimension_scores(scan_id: int, dimensions: Mapping[str, Mapping[str, Any]]) -> None:
    DimensionScore.objects.bulk_create(
        DimensionScore(
            scan_id=scan_id,
            dimension=name,
            score=data.get("score"),
            level=data.get("level"),
            weight=data.get("weight") or 0,
            included=bool(data.get("included", True)),
        )
        for name, data in dimensions.items()
    )


def insert_checks(scan_id: int, checks: Iterable[Mapping[str, Any]]) -> None:
    """CheckResult rows, then their Evidence rows (bulk_create hands back the new pks)."""
    checks = list(checks)
    rows = CheckResult.objects.bulk_create(
        [_check_row(scan_id, check) for check in checks], batch_size=BATCH_SIZE
    )
    Evidence.objects.bulk_create(
        (
            _evidence_row(row.pk, item)
            for row, check in zip(rows, checks, strict=True)
            for item in check.get("evidence") or []
        ),
        batch_size=BATCH_SIZE,
    )


def _check_row(scan_id: int, check: Mapping[str, Any]) -> CheckResult:
    return CheckResult(
        scan_id=scan_id,
        check_id=check["id"],
        status=check["status"],
        metric=check.get("metric"),
        waived=bool(check.get("waived")),
        waiver_reason=check.get("waiver_reason") or "",
        evidence_count=len(check.get("evidence") or []),
    )


def _evidence_row(check_result_id: int, item: Mapping[str, Any]) -> Evidence:
    return Evidence(
        check_result_id=check_result_id,
        path=(item.get("path") or "")[:MAX_PATH],
        line=_line(item.get("line")),
        end_line=_line(item.get("end_line")),
        snippet=(item.get("snippet") or "")[:MAX_SNIPPET],
        message=(item.get("message") or "")[:MAX_MESSAGE],
        fingerprint=item.get("fingerprint") or "",
    )


def _line(value: Any) -> int | None:
    return value if isinstance(value, int) and value >= 0 else None


def point_latest(repository_id: int, scan_id: int) -> bool:
    """Point the repository at this scan unless it already points at a newer one.

    The repository row is locked so two scans finishing together cannot both win.
    """
    repo = Repository.objects.select_for_update().only("latest_scan").get(pk=repository_id)
    current = (
        Scan.objects.filter(pk=repo.latest_scan_id).values("queued_at", "pk").first()
        if repo.latest_scan_id
        else None
    )
    candidate = Scan.objects.values("queued_at", "pk").get(pk=scan_id)
    if current and (current["queued_at"], current["pk"]) > (
        candidate["queued_at"],
        candidate["pk"],
    ):
        return False
    Repository.objects.filter(pk=repository_id).update(latest_scan_id=scan_id)
    return True


# --- reuse -----------------------------------------------------------------------------


def find_reusable(repository: Repository, commit_sha: str, rules_version: str) -> Scan | None:
    """The newest finished scan of this commit under these rules, if the result still holds.

    Only scans queued after the repository's settings last changed count: a new app root
    or branch means the old result no longer describes what would be scanned.
    """
    if not commit_sha:
        return None
    return (
        Scan.objects.filter(
            repository=repository,
            commit_sha=commit_sha,
            rules_version=rules_version,
            state__in=(ScanState.SUCCEEDED, ScanState.NOT_APPLICABLE),
            queued_at__gte=repository.updated_at,
        )
        .order_by("-queued_at", "-pk")
        .first()
    )


_COPIED_SCAN_FIELDS = (
    "commit_sha",
    "rules_version",
    "scanner_version",
    "overall",
    "band",
    "health_score",
    "health_max",
    "score_json",
    "app_root",
    "app_roots",
    "endpoints",
    "files",
    "timings",
    "evidence_pruned",
)


def reuse_result(scan: Scan, previous_scan: Scan) -> Scan:
    """Finish `scan` with a copy of `previous_scan`'s result (same commit and rules version).

    Copies scores, raw facts and every row, marks `reused_from` (the scan that was really
    scanned, even through a chain of reuses), and moves the latest pointer. Raises
    StaleScan when `scan` is no longer active, ValueError when the two do not match.
    """
    _check_reusable(scan, previous_scan)
    fields = {name: getattr(previous_scan, name) for name in _COPIED_SCAN_FIELDS}
    fields["reused_from_id"] = previous_scan.reused_from_id or previous_scan.pk
    with transaction.atomic():
        if not Scan.objects.transition(
            scan.pk, ACTIVE_STATES, previous_scan.state, **fields, **_finish_fields(scan)
        ):
            raise StaleScan(f"scan {scan.pk} is no longer active; nothing reused")
        copy_rows(previous_scan.pk, scan.pk)
        point_latest(scan.repository_id, scan.pk)
    prune_evidence(scan.repository_id, keep=settings.READYBOARD_EVIDENCE_RETENTION)
    if scan.repository.waivers.exists():  # waivers may have changed since the copied score
        from dashboard.scans.rescore import rescore_scan

        rescore_scan(Scan.objects.select_related("repository").get(pk=scan.pk))
    scan.refresh_from_db()
    return scan


def _check_reusable(scan: Scan, previous: Scan) -> None:
    if previous.state not in (ScanState.SUCCEEDED, ScanState.NOT_APPLICABLE):
        raise ValueError(f"scan {previous.pk} has no result to reuse ({previous.state})")
    if scan.repository_id != previous.repository_id:
        raise ValueError("a result can only be reused within one repository")
    if scan.commit_sha and scan.commit_sha != previous.commit_sha:
        raise ValueError("a result can only be reused for the same commit")


def copy_rows(source_id: int, target_id: int) -> None:
    """Copy DimensionScore, CheckResult and Evidence rows from one scan to another."""
    DimensionScore.objects.bulk_create(
        DimensionScore(scan_id=target_id, **row)
        for row in DimensionScore.objects.filter(scan_id=source_id).values(
            "dimension", "score", "level", "weight", "included"
        )
    )
    old = list(
        CheckResult.objects.filter(scan_id=source_id)
        .order_by("pk")
        .values("pk", "check_id", "status", "metric", "waived", "waiver_reason", "evidence_count")
    )
    new = CheckResult.objects.bulk_create(
        [CheckResult(scan_id=target_id, **{k: v for k, v in r.items() if k != "pk"}) for r in old],
        batch_size=BATCH_SIZE,
    )
    id_map = {o["pk"]: n.pk for o, n in zip(old, new, strict=True)}
    evidence = Evidence.objects.filter(check_result__scan_id=source_id).values(
        "check_result_id", "path", "line", "end_line", "snippet", "message", "fingerprint"
    )
    Evidence.objects.bulk_create(
        (
            Evidence(**{**e, "check_result_id": id_map[e["check_result_id"]]})
            for e in evidence.iterator(chunk_size=BATCH_SIZE)
        ),
        batch_size=BATCH_SIZE,
    )
