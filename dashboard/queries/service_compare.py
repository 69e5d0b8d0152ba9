"""Reads for "why did the score change": two scans of one service, their results and findings.

Three queries whatever the size of the scans: the two scans, their check results, their
evidence. The explaining is done by `dashboard.scans.diff`; the commits come from git.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from dashboard import git
from dashboard.git.credentials import git_credential
from dashboard.models import CheckResult, Evidence, Repository, Scan, ScanState
from dashboard.queries.service import HEAVY_SCAN_FIELDS
from dashboard.scans.diff import CheckState, Finding

log = logging.getLogger(__name__)

COMMIT_LIMIT = 50


def comparable_scans(repository: Repository, from_id: int, to_id: int) -> tuple[Scan, Scan]:
    """The two scans of this repository (in the order asked), or Scan.DoesNotExist."""
    scans = {
        scan.pk: scan
        for scan in Scan.objects.filter(repository=repository, pk__in=[from_id, to_id]).defer(
            *HEAVY_SCAN_FIELDS
        )
    }
    if from_id not in scans or to_id not in scans:
        raise Scan.DoesNotExist(f"scans {from_id} and {to_id} are not both of {repository}")
    return scans[from_id], scans[to_id]


def default_pair(repository: Repository) -> tuple[int, int] | None:
    """The latest result and the scored scan before it: the usual question (1 query)."""
    ids = list(
        Scan.objects.filter(repository=repository, state=ScanState.SUCCEEDED)
        .order_by("-queued_at", "-pk")
        .values_list("pk", flat=True)[:2]
    )
    return (ids[1], ids[0]) if len(ids) == 2 else None


def check_states(scan_ids: list[int]) -> dict[int, dict[str, CheckState]]:
    """Check verdicts of each scan keyed by check id (1 query)."""
    states: dict[int, dict[str, CheckState]] = {scan_id: {} for scan_id in scan_ids}
    for scan_id, check_id, status, waived in CheckResult.objects.filter(
        scan_id__in=scan_ids
    ).values_list("scan_id", "check_id", "status", "waived"):
        states[scan_id][check_id] = CheckState(status, waived)
    return states


def findings(scan_ids: list[int]) -> dict[int, list[Finding]]:
    """Evidence of each scan as findings (1 query). Pruned scans have none left."""
    by_scan: dict[int, list[Finding]] = {scan_id: [] for scan_id in scan_ids}
    rows = Evidence.objects.filter(check_result__scan_id__in=scan_ids).values_list(
        "check_result__scan_id", "check_result__check_id", "path", "line", "snippet",
        "message", "fingerprint",
    )  # fmt: skip
    for scan_id, check_id, path, line, snippet, message, fingerprint in rows:
        by_scan[scan_id].append(Finding(check_id, path, line, snippet, message, fingerprint))
    return by_scan


@dataclass(frozen=True, slots=True)
class CommitLog:
    """The commits between two scans, or why they could not be listed."""

    commits: list[git.Commit]
    problem: str = ""
    truncated: bool = False


def commits_between(repository: Repository, old_sha: str, new_sha: str) -> CommitLog:
    """Commits reachable from the newer scan's commit but not the older one's.

    Talks to git (the mirror cache, fetching if needed), so the page loads it lazily; any
    git failure becomes a polite sentence instead of an error page.
    """
    if not (old_sha and new_sha):
        return CommitLog([], "One of the two scans did not record a commit.")
    if old_sha == new_sha:
        return CommitLog([])
    try:
        # A private repository's fetch needs the same named credential the scans use.
        with git_credential(repository.credential_name):
            commits = git.commits_between(
                repository.url, old_sha, new_sha, branch=repository.branch,
                limit=COMMIT_LIMIT + 1,
            )  # fmt: skip
    except git.GitError as exc:
        return CommitLog([], _problem(exc))
    except Exception:
        log.exception("listing commits of %s failed", repository.name)
        return CommitLog([], "The commits could not be listed because of an internal error.")
    return CommitLog(commits[:COMMIT_LIMIT], truncated=len(commits) > COMMIT_LIMIT)


def _problem(exc: git.GitError) -> str:
    return (
        "We could not reach the repository to list the commits between these scans "
        f"({git.scrub(exc.message)}). The scores and findings above do not depend on it."
    )
