"""Reads for the check drill-down: one check of one service, its evidence and its history.

Four queries whatever the number of scans, findings or services: the result, one slice of
its evidence, the check's history for this service, and the other services whose latest
result fails it.
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


@dataclass(frozen=True, slots=True)
class EvidencePage:
    """A slice of a check result's evidence, in file and line order.

    `total` is the count the scan recorded (kept when retention prunes the rows), so the
    page needs no COUNT query; `has_more` comes from reading one row past the slice.
    """

    items: list[Evidence]
    offset: int
    size: int
    total: int
    has_more: bool

    @property
    def last(self) -> int:
        return self.offset + len(self.items)

    @property
    def next_offset(self) -> int:
        return self.offset + self.size

    @property
    def remaining(self) -> int:
        """Places after this slice."""
        return max(self.total - self.last, 0)

    @property
    def next_size(self) -> int:
        """How many places the next slice holds (fewer at the end)."""
        return min(self.size, self.remaining) or self.size

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - self.size, 0) if self.offset else None


def evidence_page(result: CheckResult | None, offset: int, size: int) -> EvidencePage:
    """The result's evidence from `offset` (clamped to the last slice), `size` at most (one
    query, none without a result or evidence)."""
    total = result.evidence_count if result else 0
    offset = min(max(offset, 0), _last_slice_offset(total, size))
    if not total:
        return EvidencePage([], 0, size, 0, has_more=False)
    rows = list(
        Evidence.objects.filter(check_result_id=result.pk).order_by("path", "line", "pk")[
            offset : offset + size + 1
        ]
    )
    return EvidencePage(rows[:size], offset, size, total, has_more=len(rows) > size)


def _last_slice_offset(total: int, size: int) -> int:
    return max(total - 1, 0) // size * size


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
