"""Reads for the check drill-down: one check of one service, its evidence and its history.

Four queries whatever the number of scans or services: the result, its evidence, the
check's history for this service, and the other services whose latest result fails it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.models import CheckResult, CheckStatus, Evidence, Repository
from dashboard.queries.service import HISTORY_LIMIT

OTHER_SERVICES_LIMIT = 30


def check_result(scan_id: int | None, check_id: str) -> CheckResult | None:
    if scan_id is None:
        return None
    return CheckResult.objects.filter(scan_id=scan_id, check_id=check_id).first()


def evidence(check_result_id: int | None) -> list[Evidence]:
    if check_result_id is None:
        return []
    return list(
        Evidence.objects.filter(check_result_id=check_result_id).order_by("path", "line", "pk")
    )


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    scan_id: int
    at: datetime
    commit_sha: str
    status: str
    waived: bool
    evidence_count: int

    @property
    def effective(self) -> str:
        return "pass" if self.waived and self.status != CheckStatus.NA else self.status

    @property
    def short_sha(self) -> str:
        return self.commit_sha[:10]


def check_history(repository_id: int, check_id: str) -> list[HistoryEntry]:
    """The check's verdict in each scored scan of the repository, newest first (1 query)."""
    rows = (
        CheckResult.objects.filter(scan__repository_id=repository_id, check_id=check_id)
        .order_by("-scan__queued_at", "-scan_id")
        .values_list(
            "scan_id", "scan__finished_at", "scan__queued_at", "scan__commit_sha", "status",
            "waived", "evidence_count",
        )[:HISTORY_LIMIT]
    )  # fmt: skip
    return [
        HistoryEntry(scan_id, finished or queued, sha, status, waived, count)
        for scan_id, finished, queued, sha, status, waived, count in rows
    ]


@dataclass(frozen=True, slots=True)
class Streak:
    """How long the check has had its current verdict: since which scan, for how many."""

    status: str
    since: HistoryEntry
    scans: int
    # False when the streak reaches the oldest scan loaded: it may have begun earlier.
    complete: bool


def current_streak(history: list[HistoryEntry]) -> Streak | None:
    """The run of identical verdicts at the head of a newest-first history."""
    if not history:
        return None
    status = history[0].effective
    length = 0
    for entry in history:
        if entry.effective != status:
            break
        length += 1
    return Streak(status, history[length - 1], length, complete=length < len(history))


def other_services_failing(check_id: str, exclude_id: int) -> tuple[list[dict], bool]:
    """Other active services whose latest result fails the check, and whether there are more.

    Driven by the repositories' latest-scan pointer, so the cost follows the number of
    services, not of scans.
    """
    rows = list(
        Repository.objects.filter(
            active=True,
            latest_scan__check_results__check_id=check_id,
            latest_scan__check_results__status=CheckStatus.FAIL,
            latest_scan__check_results__waived=False,
        )
        .exclude(pk=exclude_id)
        .order_by("name")
        .values("name", "team__name", "latest_scan__check_results__evidence_count")[
            : OTHER_SERVICES_LIMIT + 1
        ]
    )
    return rows[:OTHER_SERVICES_LIMIT], len(rows) > OTHER_SERVICES_LIMIT
