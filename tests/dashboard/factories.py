"""Small factories for dashboard tests: teams, services and realistic scored scans.

Scans go through the real `store_report`, so every scan has its DimensionScore,
CheckResult and Evidence rows and the repository's latest-scan pointer moves as in
production. Statuses cover every registered check.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboard.models import Repository, Scan, ScanState, Team
from dashboard.scans.store import store_report
from scanner.rules import rules_meta
from tests.conftest import build_report

STATUS_WEIGHTS = {"pass": 6, "fail": 2, "warn": 1, "na": 1, "unknown": 0.3}


def make_user(username: str = "olivia-owner", *, staff: bool = False, password: str = "pw"):
    """A person who can sign in (`staff` makes them an admin-site user too)."""
    return get_user_model().objects.create_user(
        username=username, password=password, is_staff=staff, is_superuser=staff
    )


def make_team(name: str) -> Team:
    return Team.objects.get_or_create(name=name)[0]


def make_repo(name: str, *, team: Team | None = None, tags: list[str] | None = None) -> Repository:
    return Repository.objects.create(
        name=name, url=f"https://github.com/acme/{name}.git", team=team, tags=tags or []
    )


def check_ids() -> list[str]:
    return [meta["id"] for meta in rules_meta()]


def random_statuses(seed: int | str, *, quality: float = 0.5) -> dict[str, str]:
    """A deterministic mix of statuses for every check; higher `quality` passes more."""
    rng = random.Random(str(seed))
    weights = {**STATUS_WEIGHTS, "pass": STATUS_WEIGHTS["pass"] * (0.3 + quality * 2)}
    names, values = list(weights), list(weights.values())
    return {check_id: rng.choices(names, values)[0] for check_id in check_ids()}


def make_scored_scan(
    repo: Repository,
    statuses: Mapping[str, str] | None = None,
    *,
    queued_at: datetime | None = None,
    commit_sha: str | None = None,
    evidence_per_finding: int = 1,
) -> Scan:
    """A succeeded scan of `repo` at `queued_at` (default now) with every row stored."""
    queued_at = queued_at or timezone.now()
    scan = Scan.objects.create(
        repository=repo,
        state=ScanState.SAVING,
        commit_sha=commit_sha or f"{repo.pk:08x}{int(queued_at.timestamp()):032x}"[:40],
        queued_at=queued_at,
        started_at=queued_at,
        finished_at=queued_at + timedelta(seconds=20),
    )
    report = build_report(
        statuses if statuses is not None else random_statuses(repo.name),
        evidence_per_finding=evidence_per_finding,
    )
    return store_report(scan, report)


def make_history(
    repo: Repository, weeks: int = 4, *, quality: float = 0.5, improving: bool = True
) -> list[Scan]:
    """Weekly scored scans of `repo`, oldest first, ending today; quality drifts over time."""
    now = timezone.now()
    scans = []
    for week in range(weeks):
        drift = (week / max(weeks - 1, 1) - 0.5) * 0.4 * (1 if improving else -1)
        statuses = random_statuses(f"{repo.name}-{week}", quality=min(max(quality + drift, 0), 1))
        queued = now - timedelta(weeks=weeks - 1 - week, hours=1)
        scans.append(make_scored_scan(repo, statuses, queued_at=queued))
    return scans


def make_failed_scan(
    repo: Repository, code: str = "repo:auth", message: str = "Authentication failed"
) -> Scan:
    """A scan that ended in failure (newer than any stored result)."""
    now = timezone.now()
    return Scan.objects.create(
        repository=repo,
        state=ScanState.FAILED,
        queued_at=now,
        started_at=now,
        finished_at=now,
        error_code=code,
        error_message=message,
    )


def make_queued_scan(repo: Repository) -> Scan:
    return Scan.objects.create(repository=repo, state=ScanState.QUEUED, queued_at=timezone.now())
