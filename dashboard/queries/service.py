"""Reads for one service's pages: the repository, its scan history, trends, latest results.

Each function is one query whatever the number of scans (the history is capped), so the
pages' query counts stay flat as a service accumulates years of weekly scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404

from dashboard.models import (
    ACTIVE_STATES,
    FINAL_STATES,
    CheckResult,
    DimensionScore,
    Repository,
    Scan,
    ScanState,
)
from dashboard.scans import errors

# Two years of weekly scans: enough for trends, small enough to load in one go.
HISTORY_LIMIT = 104
# The scanner's raw facts can be large; the overview never needs them.
HEAVY_SCAN_FIELDS = ("endpoints", "files", "timings", "app_roots")

_SCAN_ROW_FIELDS = (
    "id", "state", "trigger", "commit_sha", "branch", "queued_at", "finished_at",
    "duration_ms", "error_code", "error_message", "overall", "band", "health_score",
    "health_max", "rules_version", "reused_from_id",
)  # fmt: skip


def get_repository(name: str, *, with_raw_facts: bool = False) -> Repository:
    """The repository called `name` with its team and latest result scan (404 if unknown).

    The latest scan's raw facts (endpoints, files) are only loaded when asked for.
    """
    queryset = Repository.objects.select_related("team", "latest_scan")
    if not with_raw_facts:
        queryset = queryset.defer(*(f"latest_scan__{name}" for name in HEAVY_SCAN_FIELDS))
    return get_object_or_404(queryset, name=name)


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One scan as the history table and the trend charts need it (no raw facts)."""

    id: int
    state: str
    trigger: str
    commit_sha: str
    branch: str
    queued_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    error_code: str
    error_message: str
    overall: float | None
    band: str
    health_score: int | None
    health_max: int | None
    rules_version: str
    reused_from_id: int | None

    @property
    def short_sha(self) -> str:
        return self.commit_sha[:10]

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def has_result(self) -> bool:
        return self.state == ScanState.SUCCEEDED and self.overall is not None

    @property
    def error(self) -> errors.ErrorInfo | None:
        return errors.describe(self.error_code) if self.state == ScanState.FAILED else None

    @property
    def duration_seconds(self) -> float | None:
        return None if self.duration_ms is None else self.duration_ms / 1000


def scan_history(repository_id: int, limit: int = HISTORY_LIMIT) -> list[ScanRow]:
    """The newest `limit` scans of a repository, newest first, in one query."""
    rows = (
        Scan.objects.filter(repository_id=repository_id)
        .order_by("-queued_at", "-pk")
        .values(*_SCAN_ROW_FIELDS)[:limit]
    )
    return [ScanRow(**row) for row in rows]


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One scored scan on the trend charts: when, overall and each dimension's score."""

    scan_id: int
    at: datetime
    commit_sha: str
    overall: float | None
    dimensions: dict[str, float | None] = field(default_factory=dict)


def score_trend(history: list[ScanRow]) -> list[TrendPoint]:
    """Oldest-first points of the scored scans in `history`, with dimension scores (1 query)."""
    scored = [row for row in reversed(history) if row.has_result]
    if not scored:
        return []
    by_scan: dict[int, dict[str, float | None]] = {row.id: {} for row in scored}
    for scan_id, dimension, score in DimensionScore.objects.filter(
        scan_id__in=list(by_scan)
    ).values_list("scan_id", "dimension", "score"):
        by_scan[scan_id][dimension] = score
    return [
        TrendPoint(row.id, row.finished_at or row.queued_at, row.commit_sha, row.overall,
                   by_scan[row.id])
        for row in scored
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class CheckRow:
    """A check's verdict in one scan, without its evidence rows."""

    check_id: str
    status: str
    metric: Any
    waived: bool
    waiver_reason: str
    evidence_count: int


def check_results(scan_id: int | None) -> dict[str, CheckRow]:
    """Every check result of a scan keyed by check id (1 query; empty without a scan)."""
    if scan_id is None:
        return {}
    rows = CheckResult.objects.filter(scan_id=scan_id).values(
        "check_id", "status", "metric", "waived", "waiver_reason", "evidence_count"
    )
    return {row["check_id"]: CheckRow(**row) for row in rows}
