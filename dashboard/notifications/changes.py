"""What changed between two scans of a service, and across the fleet over a week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.db.models import OuterRef, Subquery

from dashboard.models import CheckResult, CheckStatus, Repository, Scan, ScanState


@cache
def rule_titles_and_priorities() -> dict[str, tuple[str, str]]:
    from scanner.rules import rules_meta

    return {meta["id"]: (meta["title"], meta["priority"]) for meta in rules_meta()}


@dataclass
class ScanChange:
    scan: Scan
    previous: Scan
    score_drop: float  # positive when the score went down
    new_p0_failures: list[str] = field(default_factory=list)


def previous_scan(scan: Scan) -> Scan | None:
    """The repository's last successful scan queued before `scan`."""
    return (
        Scan.objects.filter(
            repository_id=scan.repository_id,
            state=ScanState.SUCCEEDED,
            queued_at__lte=scan.queued_at,
        )
        .exclude(pk=scan.pk)
        .order_by("-queued_at", "-pk")
        .first()
    )


def compare(scan: Scan) -> ScanChange | None:
    """The change since the previous successful scan; None for a first or unscored scan."""
    if scan.state != ScanState.SUCCEEDED or scan.overall is None:
        return None
    previous = previous_scan(scan)
    if previous is None or previous.overall is None:
        return None
    return ScanChange(
        scan=scan,
        previous=previous,
        score_drop=round(previous.overall - scan.overall, 1),
        new_p0_failures=newly_failing_p0(previous.pk, scan.pk),
    )


def newly_failing_p0(previous_id: int, scan_id: int) -> list[str]:
    """P0 checks failing (unwaived) now that the previous scan ran and did not fail."""
    before = dict(CheckResult.objects.filter(scan_id=previous_id).values_list("check_id", "status"))
    failing = CheckResult.objects.filter(
        scan_id=scan_id, status=CheckStatus.FAIL, waived=False
    ).values_list("check_id", flat=True)
    meta = rule_titles_and_priorities()
    return sorted(
        check_id
        for check_id in failing
        if meta.get(check_id, ("", ""))[1] == "P0"
        and check_id in before
        and before[check_id] != CheckStatus.FAIL
    )


@dataclass
class FleetEntry:
    service: str
    team: str
    before: float | None
    after: float | None
    band: str

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after - self.before, 1)


def fleet_week(now: datetime, team_id: int | None = None) -> list[FleetEntry]:
    """Every active service's latest score and its latest score a week earlier."""
    week_ago = now - timedelta(days=7)
    succeeded = Scan.objects.filter(repository=OuterRef("pk"), state=ScanState.SUCCEEDED)
    latest = succeeded.filter(finished_at__lte=now).order_by("-finished_at", "-pk")
    earlier = succeeded.filter(finished_at__lte=week_ago).order_by("-finished_at", "-pk")
    repos = Repository.objects.filter(active=True).select_related("team")
    if team_id is not None:
        repos = repos.filter(team_id=team_id)
    repos = repos.annotate(
        after=Subquery(latest.values("overall")[:1]),
        band_now=Subquery(latest.values("band")[:1]),
        before=Subquery(earlier.values("overall")[:1]),
    ).order_by("name")
    return [
        FleetEntry(r.name, r.team.name if r.team else "", r.before, r.after, r.band_now or "")
        for r in repos
    ]
